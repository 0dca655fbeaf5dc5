"""Every assignment's full nbgrader lifecycle in a temporary course.

generate -> three submissions (built from the solution, the blank release, a
realistic half-right one) -> autograde -> scores read from the gradebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course_helpers import (
    FIXTURES,
    Submission,
    autograde,
    autograded_max,
    fill_cells,
    generate,
    load_fixture,
    make_course,
    scores,
    solution_cells,
    submit,
)
from mlteam_utils.nbgrader_runner import run_nbgrader
from mlteam_utils.syllabus import load_syllabus

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = [m.exercise_id for m in load_syllabus().available_modules]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_course(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A temporary course with the three reference submissions autograded."""
    assignment = request.param
    course = make_course(tmp_path_factory.mktemp(assignment), [assignment])
    release = generate(course, assignment)
    notebook_name = assignment
    release_nb = release / f"{notebook_name}.ipynb"
    source_nb = course / "solutions" / assignment / f"{notebook_name}.ipynb"

    half = load_fixture(assignment, "half_right.cells.json")
    submit(course, "solution", assignment, {
        notebook_name: Submission(
            fill_cells(release_nb, solution_cells(source_nb), reflection="A model answer."),
            load_fixture(assignment, "solution.answers.json"),
        )
    })
    submit(course, "blank", assignment, {notebook_name: Submission(nbformat.read(release_nb, as_version=4))})
    submit(course, "half_right", assignment, {
        notebook_name: Submission(
            fill_cells(release_nb, half["cells"], reflection=half.get("reflection")),
            load_fixture(assignment, "half_right.answers.json"),
        )
    })
    completed = autograde(course, assignment)
    return assignment, course, completed


def total(grades: dict[str, float | None]) -> float:
    return sum(score or 0.0 for score in grades.values())


def test_autograde_succeeds(graded_course) -> None:
    assignment, course, completed = graded_course
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_solution_scores_every_autograded_point(graded_course) -> None:
    assignment, course, _ = graded_course
    earned = total(scores(course, assignment)["solution"])
    assert earned == pytest.approx(autograded_max(course, assignment))


def test_blank_release_scores_zero(graded_course) -> None:
    assignment, course, _ = graded_course
    assert total(scores(course, assignment)["blank"]) == 0


def test_half_right_scores_strictly_between(graded_course) -> None:
    assignment, course, _ = graded_course
    earned = total(scores(course, assignment)["half_right"])
    assert 0 < earned < autograded_max(course, assignment)


def test_every_widget_question_gets_partial_credit_for_half_right(graded_course) -> None:
    """Widget questions are scored item by item, not all-or-nothing."""
    import json

    assignment, course, _ = graded_course
    key = json.loads((course / "solutions" / assignment / f"{assignment}.key.json").read_text())
    grades = scores(course, assignment)["half_right"]
    partial = [q for q in key["questions"] if grades[q] is not None and grades[q] > 0]
    assert partial, f"no widget question earned partial credit: {grades}"


def test_validate_reports_missing_answers_on_blank_release(graded_course) -> None:
    assignment, course, _ = graded_course
    release = course / "exercises" / assignment / f"{assignment}.ipynb"
    completed = run_nbgrader(course, "validate", str(release), check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    output = completed.stdout + completed.stderr
    assert "VALIDATION FAILED" in output
    assert "not answered" in output.lower() or "no answer" in output.lower(), output[-2000:]


def test_fixtures_exist_for_every_assignment() -> None:
    for assignment in ASSIGNMENTS:
        for name in ("solution.answers.json", "half_right.answers.json", "half_right.cells.json"):
            assert (FIXTURES / assignment / name).is_file(), f"missing fixture {assignment}/{name}"
