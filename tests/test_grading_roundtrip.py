"""Every assignment's full nbgrader lifecycle in a temporary course.

generate -> three submissions (built from the solution, the blank release, a
realistic half-right one) -> autograde -> scores read from the gradebook.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course_helpers import FIXTURES, REPO_ROOT, autograded_max, load_fixture, scores
from mlteam_utils.nbgrader_runner import run_nbgrader
from mlteam_utils.syllabus import load_syllabus
from reference_cohort import PARALLEL_GRADING, kept_unchanged, reference_courses

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = [m.exercise_id for m in load_syllabus().available_modules]

# assignment -> widget question -> (kind, points the half_right fixture earns), worked
# out by hand from the answer key (solutions/<ex>/<ex>.key.json), the fixture
# (tests/fixtures/<ex>/half_right.answers.json) and the question's points in the
# source notebook. Points = points of the cell x the credit, which is the mean
# of the per-item credits unless said otherwise.
HALF_RIGHT_POINTS: dict[str, dict[str, tuple[str, float]]] = {
    "ex01_how_ml_projects_differ": {
        # matching, 3 points, 6 situations: the fixture sends the evaluation problem
        # ("accurate, but the team cannot act on it") to Modeling and the new product
        # line to Data understanding (the key: Business understanding for both), and
        # gets the other 4 right: 3 x 4/6 = 2.
        "q1_crisp_dm_loops": ("matching", 2.0),
        # matching, 4 points, 8 statements: the fixture gets 6 right (the two
        # Waterfall ones, the two Agile ones, "The goal is clear...", and "A sprint can
        # end with a rejected hypothesis" as Agile, which the key accepts beside ML
        # project) and 2 ML-project statements wrong (CACE as Agile, 'good enough' as
        # Waterfall): 4 x 6/8 = 3.
        "q2_waterfall_agile_ml": ("matching", 3.0),
        # numeric, 2 points: target 78.4, full credit within 3, none from 15 away;
        # the fixture says 100, 21.6 away: 0.
        "q3_portfolio_chance": ("numeric", 0.0),
    },
    "ex08_case_study": {
        # ordering, 3 points, credit by pairs (the default): each handoff earns the share
        # of the 5 others it is in the right order with. The fixture puts the end-to-end
        # path before the problem statement and the model switched on before the launch
        # decision, so those four handoffs each have 1 pair of 5 wrong:
        # (4 x 0.8 + 1 + 1) / 6 = 26/30; 3 x 26/30 = 2.6.
        "q1_project_order": ("ordering", 2.6),
    },
    "ex02_the_ml_team": {
        # multiple choice, 2 points: 3 right options (primary source, sample and
        # method, who paid) and 2 wrong; the fixture picks 2 of the right ones and 1
        # wrong ("Count the repeats"). The share of right options picked minus the share
        # of wrong ones picked: 2/3 - 1/2 = 1/6. 2 x 1/6 = 0.3333 (the grader rounds
        # points to 4 places). Issue 26 changed this from right picks minus wrong picks
        # over right options, (2 - 1)/3 = 0.6667 points, under which ticking all five
        # earned 1/3 of the points without knowing anything; now it earns nothing.
        "q3_checks_before_quoting": ("multiple_choice", 2 / 6),
    },
    "ex04_data_scientist": {
        # numeric, 2 points: target 88, tolerance 0, no credit from 6 away; the
        # fixture says 85, 3 away: credit falls linearly, (6 - 3) / (6 - 0) = 0.5. 2 x 0.5 = 1.
        "q4_baseline_accuracy": ("numeric", 1.0),
    },
    "ex07_working_together": {
        # RACI, 5 points, 6 activities; each earns 1/2 for exactly one A that is an
        # acceptable one (several A: nothing), and 1/2 for an acceptable R, less for each
        # role wrongly marked R its share of the roles that should not be R (issue 26):
        #   feasibility study: A = PM and team lead (two As: 0), R data scientist (1/2) -> 0.5
        #   datasets and experiments: A data scientist (key: team lead or the data scientist as
        #     owner of its own work, issue 28) 1/2, R team lead only (key: data scientist) 0 -> 0.5
        #   feature pipeline: A PM (key: team lead or the data engineer as owner) 0, R data engineer 1/2 -> 0.5
        #   input schema: A ML engineer, R data scientist (key: ML engineer, data engineer or
        #     data scientist, who agree it in lessons 3 and 5) -> 1
        #   drift alerts: A team lead, R ML engineer -> 1;  business impact: A PM, R data scientist -> 1
        # r = (0.5 + 0.5 + 0.5 + 1 + 1 + 1) / 6 = 0.75. Then the luck of repeating the same rows
        # is taken out (mlteam_utils/questions/luck.py): each activity's row, tried on the five
        # other activities, earns 9.5 of 30 (L = 0.31667), more than a uniformly random grid's
        # chance q = 0.19204 per activity (raci_chance, checked against all 7,776 rows in
        # test_blind_strategies.py), so the credit is r - (L - q)(1 - r)/(1 - L) = 0.70441;
        # 5 x 0.70441 = 3.5220. The old rule (a quarter each for one A, some R and the shares
        # of right A and R roles) gave 4.375, and 3.25 to "first role A/R, everyone else R".
        "q1_raci": ("raci", 5 * (0.75 - (9.5 / 30 - 0.192044) * 0.25 / (1 - 9.5 / 30))),
    },
    "ex09_foundation_model_teams": {
        # single choice, 2 points, all or nothing: the key is "Medium model, fine-tuned +
        # retrieval" (the cheapest setup whose interval clears the bar, issue 28), the
        # fixture chose "Small model + retrieval": 0 (the solution's 2 is checked too).
        "q2_launch_setup": ("single_choice", 0.0),
    },
}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_course(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A temporary course with the three reference submissions autograded by plain nbgrader.

    The session's shared reference course (tests/reference_cohort.py: solution, blank
    release, half-right fixture), read only; every assignment's is graded on first use.
    """
    assignment = request.param
    reference = reference_courses(tmp_path_factory, ASSIGNMENTS)[assignment]
    with kept_unchanged(reference):
        yield assignment, reference.course, reference.autograde


def total(grades: dict[str, float | None]) -> float:
    return sum(score or 0.0 for score in grades.values())


def cell_points(source_notebook: Path) -> dict[str, float]:
    """grade_id -> points of every graded cell of a source notebook."""
    notebook = nbformat.read(source_notebook, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


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


def test_half_right_widget_points_match_the_hand_computation(graded_course) -> None:
    """Real nbgrader scores each widget question of the half-right fixture as worked out by hand.

    One question of each kind the exercises use is pinned (see HALF_RIGHT_POINTS). In every
    exercise, the solution earns every point of every widget question and the blank release none.
    """
    import json

    assignment, course, _ = graded_course
    graded = scores(course, assignment)
    maxima = cell_points(course / "solutions" / assignment / f"{assignment}.ipynb")
    widget_questions = json.loads(
        (course / "solutions" / assignment / f"{assignment}.key.json").read_text(encoding="utf-8")
    )["questions"]
    for question in widget_questions:
        assert graded["solution"][question] == pytest.approx(maxima[question]), question
        assert graded["blank"][question] == 0, question
    for question, (kind, points) in HALF_RIGHT_POINTS.get(assignment, {}).items():
        assert load_fixture(assignment, "half_right.answers.json")["answers"][question]["kind"] == kind
        assert graded["half_right"][question] == pytest.approx(points, abs=1e-4), question


@pytest.fixture(scope="module")
def validated_releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """assignment -> `nbgrader validate` on its blank release, in its reference course.

    Run for every assignment at once, two processes at a time (each is a Python start and
    a kernel; the suite keeps one core of two busy), instead of one after another in each test.
    """
    references = reference_courses(tmp_path_factory, ASSIGNMENTS)

    def validate(assignment: str) -> subprocess.CompletedProcess[str]:
        course = references[assignment].course
        return run_nbgrader(course, "validate", str(course / "exercises" / assignment / f"{assignment}.ipynb"), check=False)

    with ThreadPoolExecutor(max_workers=PARALLEL_GRADING) as pool:
        return dict(zip(ASSIGNMENTS, pool.map(validate, ASSIGNMENTS), strict=True))


def test_validate_reports_missing_answers_on_blank_release(graded_course, validated_releases) -> None:
    assignment, _, _ = graded_course
    completed = validated_releases[assignment]
    assert completed.returncode == 0, completed.stderr[-2000:]
    output = completed.stdout + completed.stderr
    assert "VALIDATION FAILED" in output
    assert "not answered" in output.lower() or "no answer" in output.lower(), output[-2000:]


def test_every_question_kind_the_exercises_use_is_pinned() -> None:
    """HALF_RIGHT_POINTS covers each kind of widget question some exercise asks."""
    import json

    used = {
        spec["kind"]
        for assignment in ASSIGNMENTS
        for spec in json.loads(
            (REPO_ROOT / "solutions" / assignment / f"{assignment}.key.json").read_text(encoding="utf-8")
        )["questions"].values()
    }
    pinned = {kind for questions in HALF_RIGHT_POINTS.values() for kind, _ in questions.values()}
    assert pinned == used


def test_fixtures_exist_for_every_assignment() -> None:
    for assignment in ASSIGNMENTS:
        for name in ("solution.answers.json", "half_right.answers.json", "half_right.cells.json"):
            assert (FIXTURES / assignment / name).is_file(), f"missing fixture {assignment}/{name}"
