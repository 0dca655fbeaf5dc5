"""An empty written answer scores 0 at autograde, with no hand grade pending (issue 31, A).

Real nbgrader autogrades a temporary course; the gradebook then says, per learner,
whether the reflection waits for a person.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_helpers import Submission, autograde, generate, make_course, submit
from mlteam_utils.grading.empty_written import EMPTY_COMMENT
from mlteam_utils.grading.written_answers import answer_cell_index

ASSIGNMENT = "ex01_how_ml_projects_differ"
TASK = "q5_reflection"


def _answers(text: str) -> dict:
    return {"schema": "mlteam-answers/1", "notebook": ASSIGNMENT,
            "answers": {TASK: {"kind": "written", "value": text, "complete": bool(text.strip())}}}


def _typed(release: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    task = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("task"))
    nb.cells[answer_cell_index(nb, task)].source = text
    return nb


def _reflection(course: Path) -> dict[str, tuple[float | None, bool, str | None]]:
    """learner -> (manual score, needs a hand grade, grader's comment) of the reflection."""
    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}") as gradebook:
        result = {}
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            notebook = submission.notebooks[0]
            grade = next(g for g in notebook.grades if g.name == TASK)
            comment = next(c for c in notebook.comments if c.name == TASK)
            result[submission.student.id] = (grade.manual_score, grade.needs_manual_grade, comment.manual_comment)
        return result


@pytest.mark.nbgrader
def test_an_empty_reflection_scores_0_and_a_written_one_waits_for_a_person(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    generate(course, ASSIGNMENT)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    learners = {
        "untouched": Submission(release),  # no answers file at all
        "blank_box": Submission(release, _answers("")),
        "whitespace": Submission(_typed(release, " \n\t\u200b\u00a0 "), _answers("  \n\u200b ")),
        "in_box": Submission(release, _answers("A feasibility study first.")),
        "in_cell": Submission(_typed(release, "Typed into the answer cell."), _answers("")),
        # A hostile answers file cannot be read: a person looks, nothing is decided for them.
        "broken_file": Submission(release, "{not json"),
    }
    for learner, submission in learners.items():
        submit(course, learner, ASSIGNMENT, {ASSIGNMENT: submission})
    completed = autograde(course, ASSIGNMENT)
    assert completed.returncode == 0, completed.stdout + completed.stderr

    reflection = _reflection(course)
    for learner in ("untouched", "blank_box", "whitespace"):
        assert reflection[learner] == (0.0, False, EMPTY_COMMENT), learner
    for learner in ("in_box", "in_cell", "broken_file"):
        assert reflection[learner] == (None, True, None), learner


@pytest.mark.nbgrader
def test_a_resubmission_with_text_waits_again_and_a_hand_grade_is_never_overwritten(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    generate(course, ASSIGNMENT)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    submit(course, "learner", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers(""))})
    submit(course, "graded", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers("Some text."))})
    assert autograde(course, ASSIGNMENT).returncode == 0
    assert _reflection(course)["learner"] == (0.0, False, EMPTY_COMMENT)
    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(TASK, ASSIGNMENT, ASSIGNMENT, "graded")
        grade.manual_score, grade.needs_manual_grade = 2.0, False
        gradebook.db.commit()

    # The learner re-submits with text; the graded learner re-submits an empty box.
    submit(course, "learner", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers("Now I wrote something."))})
    submit(course, "graded", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers(""))})
    assert autograde(course, ASSIGNMENT).returncode == 0
    reflection = _reflection(course)
    assert reflection["learner"] == (None, True, None), "the automatic 0 was for the empty submission only"
    assert reflection["graded"][0] == 2.0, "a person's grade is never replaced by the automatic 0"


@pytest.mark.nbgrader
def test_through_mlteam_course_grade_a_resubmission_is_decided_again(tmp_path: Path) -> None:
    """The cohort grader's workers and its merge into the course gradebook keep the rule (and drop an old automatic 0)."""
    import subprocess
    import sys

    from mlteam_utils.nbgrader_runner import nbgrader_environment

    def grade() -> None:
        done = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "grade", "--quiet"], cwd=course,
                              env=nbgrader_environment(), capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]

    course = make_course(tmp_path / "course", [ASSIGNMENT])
    generate(course, ASSIGNMENT)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    submit(course, "writes_later", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers(""))})
    submit(course, "stays_empty", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers(""))})
    grade()
    assert _reflection(course) == {"writes_later": (0.0, False, EMPTY_COMMENT), "stays_empty": (0.0, False, EMPTY_COMMENT)}

    submit(course, "writes_later", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers("My answer, at last."))})
    submit(course, "stays_empty", ASSIGNMENT, {ASSIGNMENT: Submission(release, _answers("   "))})
    grade()
    reflection = _reflection(course)
    assert reflection["writes_later"] == (None, True, None), "the earlier automatic 0 is not carried over as a hand grade"
    assert reflection["stays_empty"] == (0.0, False, EMPTY_COMMENT), "an empty resubmission needs no hand grade either"
