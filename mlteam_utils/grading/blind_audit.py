"""The course's graded widget questions against answers made without knowledge, question by question.

For every graded widget question of every exercise under ``solutions/`` (a question
in the exercise's answer key whose locked test cell carries points), this reads the
key with the grader's own loader (:func:`~mlteam_utils.grading.keys.load_key`), the
points from the source notebook, and what the learner's widget shows (the start
order, the slider, the options as shown) from the widget's cell, then audits it with
:func:`mlteam_utils.questions.blind_strategies.audit_question`. Run it as::

    python -m mlteam_utils.grading.blind_audit [SOURCE_FOLDER]

to print the table (the course's ``solutions/`` by default); it exits 1 if a blind
answer pays. ``tests/test_blind_strategies.py`` checks the same figures.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from mlteam_utils.grading.keys import load_key
from mlteam_utils.questions.blind_strategies import Layout, QuestionAudit, Slider, audit_question
from mlteam_utils.questions.kinds import KIND_REGISTRY
from mlteam_utils.questions.kinds.ordering import start_order

__all__ = ["CourseAudit", "GradedWidgetQuestion", "audit_course", "graded_widget_questions", "main", "table", "widget_layouts"]

#: Builder name -> kind name (``"raci_grid"`` -> ``"raci"``).
BUILDER_KINDS = {kind.builder_name: kind.name for kind in KIND_REGISTRY.values()}
#: Where the first argument after the prompt goes, by builder (``options=`` of a choice, ``items=`` of an ordering).
SHOWN_ARGUMENT = {"single_choice": "options", "multiple_choice": "options", "ordering": "items"}


@dataclass(frozen=True)
class GradedWidgetQuestion:
    """One graded widget question: where it is, its key spec, its points and what its widget shows."""

    exercise: str
    notebook: str
    question_id: str
    spec: Mapping[str, Any]
    points: float
    layout: Layout | None

    @property
    def kind(self) -> str:
        return str(self.spec["kind"])


def _literal(node: ast.expr | None) -> Any:
    """The value of a literal in the widget's call, or ``None`` if it is not one."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def _builder_calls(source: str) -> Iterator[tuple[str, ast.Call]]:
    """(builder name, call) of every widget-builder call in a cell's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # cell magics and the like: no builder call to read
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in BUILDER_KINDS:
                yield name, node


def layout_of_call(builder: str, call: ast.Call) -> Layout:
    """What the widget built by ``call`` shows: the start order, the options as shown, the slider.

    >>> call = ast.parse('numeric_estimate("q3", "How much?", min=0, max=40, step=1, sheet=sheet)').body[0].value
    >>> layout_of_call("numeric_estimate", call)
    Layout(order=None, slider=Slider(low=0.0, high=40.0, step=1.0, start=None))
    >>> call = ast.parse('ordering("q2", "Order", items=["b", "a", "c"], seed="q2", sheet=sheet)').body[0].value
    >>> layout_of_call("ordering", call).order == tuple(start_order(["b", "a", "c"], seed="q2"))
    True
    """
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
    if builder == "numeric_estimate":
        low, high, step = (_literal(keywords.get(name)) for name in ("min", "max", "step"))
        start = _literal(keywords.get("start"))
        if all(isinstance(value, (int, float)) for value in (low, high, step)):
            return Layout(slider=Slider(float(low), float(high), float(step), None if start is None else float(start)))
        return Layout()
    argument = SHOWN_ARGUMENT.get(builder)
    if argument is None:
        return Layout()
    shown = _literal(keywords.get(argument) if argument in keywords else (call.args[2] if len(call.args) > 2 else None))
    if not isinstance(shown, (list, tuple)) or not all(isinstance(entry, str) for entry in shown):
        return Layout()
    if builder == "ordering":  # graded mode: the items as given, or shuffled with the seed
        seed = _literal(keywords.get("seed"))
        shown = start_order(shown, seed=seed)
    return Layout(order=tuple(shown))


def widget_layouts(notebook_path: Path) -> dict[str, Layout]:
    """Question id -> what its widget shows, for every widget-builder call in a notebook's code cells."""
    notebook = nbformat.read(notebook_path, as_version=4)
    layouts: dict[str, Layout] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for builder, call in _builder_calls(cell.source):
            question_id = _literal(call.args[0]) if call.args else None
            if isinstance(question_id, str):
                layouts[question_id] = layout_of_call(builder, call)
    return layouts


def _points(notebook_path: Path) -> dict[str, float]:
    """grade_id -> points of every graded cell of a notebook."""
    notebook = nbformat.read(notebook_path, as_version=4)
    points: dict[str, float] = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id"):
            points[str(meta["grade_id"])] = float(meta.get("points") or 0)
    return points


def graded_widget_questions(source_directory: Path) -> list[GradedWidgetQuestion]:
    """Every graded widget question under ``source_directory``, in exercise and key order.

    A key question counts when its notebook has a graded cell of the same id with points.
    Raises :class:`~mlteam_utils.grading.keys.AnswerKeyError` for an invalid key.
    """
    found: list[GradedWidgetQuestion] = []
    for notebook_path in sorted(source_directory.glob("*/*.ipynb")):
        key_path = notebook_path.with_name(f"{notebook_path.stem}.key.json")
        if not key_path.is_file():
            continue
        key = load_key(key_path)
        points, layouts = _points(notebook_path), widget_layouts(notebook_path)
        for question_id, spec in key.questions.items():
            if points.get(question_id, 0) > 0:
                found.append(GradedWidgetQuestion(
                    notebook_path.parent.name, key.notebook, question_id, spec, points[question_id],
                    layouts.get(question_id),
                ))
    return found


@dataclass(frozen=True)
class CourseAudit:
    """One graded widget question and its audit, or why it could not be audited (then ``audit`` is ``None``)."""

    question: GradedWidgetQuestion
    audit: QuestionAudit | None
    problem: str | None = None


def audit_course(source_directory: Path) -> list[CourseAudit]:
    """Audit every graded widget question under ``source_directory`` (see :func:`graded_widget_questions`).

    A question whose widget cell cannot be read (so its start order or slider is
    unknown) is listed with the problem instead of stopping the rest.
    """
    audits: list[CourseAudit] = []
    for question in graded_widget_questions(source_directory):
        try:
            audits.append(CourseAudit(question, audit_question(question.spec, question.layout)))
        except ValueError as error:
            problem = f"{error} (is the widget's cell in {question.notebook}.ipynb readable, with literal arguments?)"
            audits.append(CourseAudit(question, None, problem))
    return audits


def _points_and_share(fraction: float, points: float) -> str:
    return f"{fraction * points:.2f} ({100 * fraction:.1f}%)"


#: At most this many paying blind answers are listed per question.
MAX_LISTED = 5
#: A blind answer's name is cut to this many characters in the table.
NAME_WIDTH = 64


def _shortened(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def table(audits: Sequence[CourseAudit]) -> str:
    """The audit as a plain-text table, one row per question; a ✗ marks a blind answer that pays.

    Columns: exercise, question, kind, points, the random answer's expectation (points and
    share; ``±`` its tolerance when sampled), the best blind answer, its score, the limit
    (random + 5%, and at most 25% for RACI), and whether the best blind answer keeps it.
    """
    header = ("exercise", "question", "kind", "points", "random answer", "best blind answer", "its score", "limit", "")
    rows: list[tuple[str, ...]] = [header]
    for entry in audits:
        question, audit = entry.question, entry.audit
        if audit is None:
            rows.append((question.exercise[:4], question.question_id, question.kind, f"{question.points:g}",
                         "", "not audited (see below)", "", "", "✗"))
            continue
        best = audit.best()
        expectation = _points_and_share(audit.random.mean, question.points)
        if not audit.random.exact:
            expectation += f" ±{100 * audit.random.tolerance:.1f}%"
        rows.append((
            question.exercise[:4],
            question.question_id,
            question.kind,
            f"{question.points:g}",
            expectation,
            _shortened(best.name) if best else "(none)",
            _points_and_share(best.fraction, question.points) if best else "",
            _points_and_share(audit.limit, question.points),
            "✗ pays" if audit.paying() else "✓",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths).rstrip())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table for a source folder (default: the course's ``solutions/``); 1 if a blind answer pays."""
    from mlteam_utils.paths import find_course_root
    from mlteam_utils.upstream.course_paths import course_paths

    arguments = list(sys.argv[1:] if argv is None else argv)
    source = Path(arguments[0]) if arguments else course_paths(find_course_root()).source
    audits = audit_course(source)
    print(table(audits))
    failures = 0
    for entry in audits:
        question = entry.question
        if entry.audit is None:
            failures += 1
            print(f"✗ {question.exercise} {question.question_id}: {entry.problem}")
            continue
        paying = entry.audit.paying()
        failures += len(paying)
        for blind in paying[:MAX_LISTED]:
            print(f"✗ {question.exercise} {question.question_id}: “{blind.name}” scores {100 * blind.fraction:.1f}%, "
                  f"above the limit of {100 * entry.audit.limit:.1f}% (the {blind.depends_on} decides it)")
        if len(paying) > MAX_LISTED:
            print(f"✗ {question.exercise} {question.question_id}: and {len(paying) - MAX_LISTED} more blind answers")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
