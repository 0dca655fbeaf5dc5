"""The hand-over class of the corpus, on every exercise: extra names sent to the grader.

For each exercise, two learners hand in the same wrong answer to the code question:
the instructor's solution code run on doctored data (every other row of each table
or tuple the setup cells define).

* ``handover_plain_<exNN>`` stops there: its kernel hands over the declared values.
* ``handover_trick_<exNN>`` also replaces the exporter that the grader's hand-over line
  calls, so its kernel sends the doctored data under the setup's own names too: the
  short cell a learner could copy from a forum. Before the grader took only the names
  its key declares, this earned full points in six exercises.

The trick must score exactly what the plain wrong answer scores, and the wrong answer
must score less than the code question's full points (so the comparison means something).
Both are built from the generated release and the solutions, so they follow the exercises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course_helpers import Submission, solution_cells
from mlteam_utils.grading.code_questions import bound_names
from mlteam_utils.grading.keys import load_key

PLAIN = "handover_plain_"
TRICK = "handover_trick_"

#: Replaces the exporter the grader's hand-over line looks up, adding the doctored names.
EXPORTER_PATCH = """
import mlteam_utils.grading.answer_values as _values_module
_honest_export = _values_module.export_answer_values
def _export_more(namespace, names, _extra={extra!r}):
    _honest_export(namespace, list(names) + [n for n in _extra if n not in names])
_values_module.export_answer_values = _export_more
"""

#: Every other row (or item) of the setup's data, in the learner's own kernel.
DOCTOR = """
for _name in {names!r}:
    _value = globals()[_name]
    globals()[_name] = _value.iloc[::2].copy() if hasattr(_value, "iloc") else type(_value)(_value[::2])
"""


@dataclass(frozen=True)
class HandOverVerdict:
    assignment: str
    plain: float | None
    trick: float | None
    full: float  # the code question's points

    @property
    def ok(self) -> bool:
        return self.plain is not None and self.trick is not None and self.trick == self.plain and self.plain < self.full

    @property
    def gain(self) -> float:
        return (self.trick or 0) - (self.plain or 0)


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _doctored_names(setup_sources: list[str]) -> list[str]:
    """The setup's tables and tuples of data: what a cheat would doctor and send."""
    import pandas as pd

    namespace: dict[str, object] = {"__name__": "__main__"}
    for source in setup_sources:
        exec(compile(source, "<setup>", "exec"), namespace)  # noqa: S102 -- the instructor's own cells
    names = set().union(*(bound_names(s) for s in setup_sources))
    return sorted(
        n for n in names
        if isinstance(namespace.get(n), (pd.DataFrame, pd.Series))
        or (isinstance(namespace.get(n), (tuple, list)) and not all(isinstance(v, str) for v in namespace[n]))  # type: ignore[attr-defined]
    )


def code_points(course: Path, assignment: str) -> float:
    source = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    key = load_key(course / "solutions" / assignment / f"{assignment}.key.json")
    assert key.code is not None
    return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in source.cells if _grade_id(c) in key.code.tests)


def hand_over_submissions(course: Path, assignment: str) -> dict[str, Submission]:
    """learner -> submission: the plain wrong answer and the same with the trick."""
    source_path = course / "solutions" / assignment / f"{assignment}.ipynb"
    source = nbformat.read(source_path, as_version=4)
    key = load_key(course / "solutions" / assignment / f"{assignment}.key.json")
    assert key.code is not None
    cells = {_grade_id(c): c.source for c in source.cells if _grade_id(c)}
    doctored = _doctored_names([cells[g] for g in key.code.setup])
    declared = {n for names in key.code.tests.values() for n in names}
    solutions = {g: s for g, s in solution_cells(source_path).items() if g not in key.questions and bound_names(s) & declared}
    first = next(iter(solutions))
    submissions = {}
    for learner, patch in ((PLAIN + assignment[:4], ""), (TRICK + assignment[:4], EXPORTER_PATCH.format(extra=doctored))):
        notebook = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in notebook.cells:
            grade_id = _grade_id(cell)
            if grade_id in solutions:
                prefix = DOCTOR.format(names=doctored) if grade_id == first else ""
                cell.source = prefix + solutions[grade_id] + (patch if grade_id == first else "")
        submissions[learner] = Submission(notebook)
    return submissions


def judge(course: Path, assignments: list[str], batch_scores: dict[str, dict[str, dict[str, float | None]]]) -> list[HandOverVerdict]:
    """One verdict per exercise, from the batch's gradebook scores (assignment -> learner -> grade id -> score)."""
    verdicts = []
    for assignment in assignments:
        key = load_key(course / "solutions" / assignment / f"{assignment}.key.json")
        assert key.code is not None
        tests = list(key.code.tests)
        per_learner = batch_scores.get(assignment, {})
        plain, trick = (per_learner.get(prefix + assignment[:4]) for prefix in (PLAIN, TRICK))
        verdicts.append(HandOverVerdict(
            assignment,
            None if plain is None else sum(plain.get(g) or 0 for g in tests),
            None if trick is None else sum(trick.get(g) or 0 for g in tests),
            code_points(course, assignment),
        ))
    return verdicts


def table(verdicts: list[HandOverVerdict]) -> str:
    rows = [f"{'exercise':32} {'code pts':>8} {'wrong answer':>12} {'with extra names':>16}  ok"]
    rows += [f"{v.assignment:32} {v.full:>8g} {json.dumps(v.plain):>12} {json.dumps(v.trick):>16}  {'yes' if v.ok else 'NO'}" for v in verdicts]
    return "\n".join(rows)
