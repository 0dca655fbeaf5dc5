"""Score widget questions in the grader's own process.

nbgrader re-executes a notebook to grade it, so a widget's value is lost, and a
score computed in the learner's kernel can be forged by one added cell. These two
preprocessors close both gaps:

* :class:`ScoreWidgetAnswers` runs in autograde's *sanitize* phase, before any
  learner code runs. It reads the answers file exactly as submitted, scores it
  against the key in ``solutions/``, and records the result in each question's
  (locked) grade cell.
* :class:`ApplyWidgetScores` runs right after execution and replaces that cell's
  outputs with the recorded score and per-item feedback, which nbgrader's
  ``SaveAutoGrades`` then reads as partial credit. Whatever the kernel did to the
  files in the meantime does not matter.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from mlteam_utils.grading.keys import find_key
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.upstream.nbgrader_utils import is_grade

__all__ = ["METADATA_KEY", "ApplyWidgetScores", "ScoreWidgetAnswers", "feedback_text", "given_answer", "score_record"]

METADATA_KEY = "mlteam"


MAX_GIVEN_CHARS = 120


def given_answer(kind: str, value: Any, item: str) -> str:
    """What the learner answered for one item, in a few words (for the instructor's item analysis).

    ``value`` is an answer that passed the question's shape check.

    >>> given_answer("matching", {"Scope is fixed": "Agile"}, "Scope is fixed")
    'Agile'
    >>> given_answer("ordering", ["Plan", "Ship", "Build"], "Build")
    'position 3 of 3'
    >>> given_answer("raci", {"Train": {"DS": "A", "PM": "R", "DE": ""}}, "Train")
    'DS=A, PM=R'
    >>> given_answer("multiple_choice", ["a"], "b"), given_answer("numeric", 78.0, "estimate")
    ('not picked', '78')
    """
    from mlteam_utils.questions.kinds import KIND_REGISTRY
    from mlteam_utils.safe_files import printable

    question_kind = KIND_REGISTRY.get(kind)
    text = question_kind.given(value, item) if question_kind is not None else str(value)
    text = printable(text)
    return text if len(text) <= MAX_GIVEN_CHARS else text[: MAX_GIVEN_CHARS - 1] + "…"


def _item_dict(item: Any, kind: str | None = None, value: Any = None) -> dict[str, Any]:
    record = {
        "item": item.item,
        "credit": float(item.credit),
        "correct": bool(item.correct),
        "feedback": item.feedback,
        "expected": item.expected,
    }
    if kind is not None:
        try:
            record["given"] = given_answer(kind, value, item.item)
        except Exception:  # learner input: never fail the grading over a description
            record["given"] = "(unreadable)"
    return record


def explanation_texts(spec: Any) -> list[str]:
    """The key's explanations of a question: they reveal its answer.

    >>> explanation_texts({"explanations": {"a": "A is right because...", "b": ""}, "explanation": "Why."})
    ['A is right because...', 'Why.']
    """
    if not isinstance(spec, dict):
        return []
    texts = [str(t) for t in (spec.get("explanations") or {}).values()] if isinstance(spec.get("explanations"), dict) else []
    if isinstance(spec.get("explanation"), str):
        texts.append(spec["explanation"])
    return [text for text in texts if text.strip()]


def withhold_explanations(feedback: str, explanations: list[str]) -> str:
    """An item's feedback without the key's explanation (for an item the learner missed).

    >>> withhold_explanations("You chose “Agile”. Scope is fixed in Waterfall.", ["Scope is fixed in Waterfall."])
    'You chose “Agile”.'
    """
    for text in sorted(explanations, key=len, reverse=True):
        feedback = feedback.replace(text, "")
    return " ".join(feedback.split())


def score_record(
    question_id: str, spec: Any, answers: dict[str, Any], file_problem: str | None, reveal: bool = False
) -> dict[str, Any]:
    """Score one question from the submitted answers; never raises on learner input.

    Unless ``reveal``, an item the learner missed keeps only its neutral lead
    ("You chose ..."): the key's explanation would give the answer away.
    """
    from mlteam_utils.questions.scoring import score_entry

    entry = answers.get(question_id)
    if file_problem is not None:
        return {"fraction": 0.0, "items": [], "problems": [file_problem]}
    if not isinstance(entry, dict) or "value" not in entry:
        return {"fraction": 0.0, "items": [], "problems": ["No answer was saved for this question."]}
    result = score_entry(question_id, spec, entry)
    answered = not result.problems
    items = [_item_dict(item, spec.get("kind") if answered else None, entry["value"]) for item in result.items]
    if not reveal:
        secrets = explanation_texts(spec)
        for item in items:
            if not item["correct"]:
                item["feedback"] = withhold_explanations(item["feedback"], secrets)
    ignored = [f"Left out of the scoring, because it is not a valid answer: {part}." for part in result.ignored]
    record: dict[str, Any] = {
        "fraction": min(1.0, max(0.0, float(result.fraction))),
        "items": items,
        "problems": list(result.problems) + ignored,
    }
    if result.headline and not result.problems:
        # The kind's own account of a credit that is not the items' mean (wrong picks taken back, luck
        # taken out): without it, 3 items of 6 right scoring less than half would look like an error.
        record["headline"] = result.headline
    return record


class ScoreWidgetAnswers(NbGraderPreprocessor):
    """Score widget answers from the submitted answers file (sanitize phase)."""

    show_correct_answers = Bool(
        False,
        help="Show learners the correct answer of each widget item in their feedback.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        # Never trust grading metadata that arrives with a submission.
        for cell in nb.cells:
            cell.metadata.pop(METADATA_KEY, None)

        info = resources.get("nbgrader", {})
        assignment, notebook = info.get("assignment"), info.get("notebook")
        submitted_folder = resources.get("metadata", {}).get("path")
        if not assignment or not notebook or not submitted_folder:
            return nb, resources

        coursedir = CourseDirectory(config=self.config)
        source_directory = Path(coursedir.root) / coursedir.source_directory
        key = find_key(source_directory, assignment, notebook)
        if key is None:
            return nb, resources

        answers, file_problem = self._read_answers(Path(submitted_folder) / answers_filename(notebook), notebook)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id not in key.questions or not is_grade(cell):
                continue
            record = score_record(grade_id, key.questions[grade_id], answers, file_problem, reveal=self.show_correct_answers)
            record["show_correct_answers"] = bool(self.show_correct_answers)
            cell.metadata[METADATA_KEY] = {"widget_score": record}
            self.log.info("Widget question %s: %.0f%% credit", grade_id, 100 * record["fraction"])
        return nb, resources

    def _read_answers(self, path: Path, notebook: str) -> tuple[dict[str, Any], str | None]:
        from mlteam_utils.answers import AnswersFileError, read_answers_file

        try:
            return read_answers_file(path, notebook=notebook), None
        except AnswersFileError as error:
            self.log.warning("Answers file for %s: %s", notebook, error)
            return {}, str(error)
        except Exception as error:  # an unexpected reader failure must cost points, not the batch
            self.log.error("Could not read %s: %r", path, error)
            return {}, f"The answers file {path.name} could not be read ({type(error).__name__})."


def feedback_html(record: dict[str, Any], points: float) -> str:
    """Per-item feedback for a learner, as HTML (correct answers only if allowed).

    >>> record = {"fraction": 0.5, "problems": [], "show_correct_answers": False,
    ...           "items": [{"item": "Label data", "credit": 0.0, "correct": False,
    ...                      "feedback": "Think about who owns the data.", "expected": "Data engineer"}]}
    >>> "Data engineer" in feedback_html(record, 4)
    False
    """
    score = round(record["fraction"] * points, 2)
    show_expected = record.get("show_correct_answers", False)
    parts = [
        f"<p><strong>Widget question: {score:g} / {points:g} points</strong>, "
        "scored by the grader from your saved answers.</p>"
    ]
    if record.get("headline"):
        parts.append(f"<p>{html.escape(str(record['headline']))}</p>")
    for problem in record.get("problems", []):
        parts.append(f"<p>⚠ {html.escape(problem)}</p>")
    if record.get("items"):
        parts.append("<ul>")
        for item in record["items"]:
            mark = "✔ correct" if item["correct"] else ("◐ partly right" if item["credit"] > 0 else "✘ not right")
            line = f"<li>{mark}: <em>{html.escape(str(item['item']))}</em>"
            if item.get("feedback"):
                line += f" — {html.escape(str(item['feedback']))}"
            if show_expected and not item["correct"] and item.get("expected"):
                line += f" (expected: {html.escape(str(item['expected']))})"
            parts.append(line + "</li>")
        parts.append("</ul>")
    return "\n".join(parts)


def feedback_text(record: dict[str, Any], points: float) -> str:
    """Plain-text version of :func:`feedback_html` (for terminals and exports)."""
    score = round(record["fraction"] * points, 2)
    lines = [f"Widget question: {score:g} / {points:g} points (scored from your saved answers)"]
    lines += [str(record["headline"])] if record.get("headline") else []
    lines += [f"! {problem}" for problem in record.get("problems", [])]
    for item in record.get("items", []):
        mark = "ok " if item["correct"] else ("~  " if item["credit"] > 0 else "x  ")
        lines.append(f"{mark}{item['item']}: {item.get('feedback', '')}")
    return "\n".join(lines)


class ApplyWidgetScores(NbGraderPreprocessor):
    """Replace each scored question's outputs with its score and feedback (after Execute)."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        record = cell.metadata.get(METADATA_KEY, {}).get("widget_score")
        if record is None or not is_grade(cell) or cell.cell_type != "code":
            return cell, resources
        points = float(cell.metadata["nbgrader"]["points"])
        score = min(points, round(record["fraction"] * points, 4))
        cell.outputs = [
            new_output(
                "display_data",
                data={"text/html": feedback_html(record, points), "text/plain": feedback_text(record, points)},
            ),
            # nbgrader reads a lone number in an execute_result as partial credit.
            new_output("execute_result", data={"text/plain": repr(score)}, execution_count=cell.get("execution_count")),
        ]
        return cell, resources


