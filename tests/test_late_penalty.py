"""A late penalty stays applied when a hand grade comes after autograding (SQLite and PostgreSQL).

nbgrader computes a late notebook's penalty when it autogrades it; under
``c.LateSubmissionPlugin.penalty_method = "zero"`` that is the autograded score,
so a reflection graded later in the formgrader lifts the score above the penalty.
Here eve's ex01 (two hours late, graded by real nbgrader under ``"zero"``, see
tests/completion_cohort.py) gets its reflection graded through nbgrader's
``Gradebook`` API, as the formgrader does; then ``export`` (CSV, Canvas,
Moodle), ``report`` and the course's outcome table must all show 0, and the
gradebook's penalty must equal the score again, with no extra command.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from completion_cohort import COURSE_ID, DUE, EX01, ZERO_PENALTY, completion_cohort, copy_cohort, mlteam_course
from mlteam_utils.cli import main
from mlteam_utils.reports.gradebook_frames import course_gradebook_url
from postgres_cluster import PostgresCluster

pytestmark = pytest.mark.nbgrader

ROSTER = Path(__file__).resolve().parent.parent / "docs" / "lms" / "lms-roster-example.csv"
LATE = "eve"


def set_reflection(db_url: str, points: float | None) -> float:
    """Grade eve's ex01 reflection as the formgrader does (nbgrader's Gradebook API): ``points``, or full
    marks when None; return the points given."""
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(EX01, EX01, LATE)
        [reflection] = [g for g in notebook.grades if g.auto_score is None]  # the one cell graded by hand
        reflection.manual_score = float(reflection.max_score) if points is None else points
        reflection.needs_manual_grade = False
        given = float(reflection.manual_score)
        gradebook.db.commit()
    return given


def score_and_penalty(db_url: str) -> tuple[float, float]:
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        submission = gradebook.find_submission(EX01, LATE)
        return float(submission.score), float(submission.late_submission_penalty or 0.0)


def outcome_score(db_url: str) -> float:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return float(connection.execute(
                sa.text("SELECT score FROM mlteam_grading_outcome WHERE student = :s AND assignment = :a"), {"s": LATE, "a": EX01}
            ).scalar_one())
    finally:
        engine.dispose()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(course: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status = main(["--course-root", str(course), *args])
    out = capsys.readouterr().out
    assert status == 0, out
    return out


def check_penalty_stays_applied(course: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_url = course_gradebook_url(course)[0]
    # The instructor first gives the reflection 0 and exports: the penalty is the autograded score.
    set_reflection(db_url, 0.0)
    run(course, capsys, "export", "--to", str(out / "first.csv"))
    autograded, penalty = score_and_penalty(db_url)
    assert autograded > 0 and penalty == pytest.approx(autograded)
    # Then full marks in the formgrader: nbgrader's own figures now leave the learner points.
    maximum = set_reflection(db_url, None)
    score, stale = score_and_penalty(db_url)
    assert score == pytest.approx(autograded + maximum) and score - stale == pytest.approx(maximum) and maximum > 0

    said = run(course, capsys, "export", "--to", str(out / "grades.csv"))
    assert f"late penalty reapplied: {LATE}/{EX01}" in said
    score, penalty = score_and_penalty(db_url)
    assert penalty == pytest.approx(score), "the gradebook holds the zero penalty again"
    assert outcome_score(db_url) == 0.0, "the course's outcome table agrees with nbgrader"
    [wide] = [row for row in rows(out / "grades.csv") if row["student_id"] == LATE]
    assert float(wide[EX01]) == 0.0
    [late] = [row for row in rows(out / "grades.submissions.csv") if (row["student_id"], row["assignment"]) == (LATE, EX01)]
    assert float(late["score"]) == 0.0 and float(late["late_penalty"]) == pytest.approx(score) == pytest.approx(float(late["raw_score"]))

    canvas, moodle = out / "canvas.csv", out / "moodle.csv"
    again = run(course, capsys, "export", "--format", "canvas", "--roster", str(ROSTER), "--to", str(canvas))
    assert "late penalty reapplied" not in again, "written once: the next command finds nothing to change"
    [canvas_row] = [row for row in rows(canvas) if row["Student"] == "Eve Martin"]
    assert float(canvas_row[EX01]) == 0.0
    run(course, capsys, "export", "--format", "moodle", "--roster", str(ROSTER), "--to", str(moodle))
    [moodle_row] = [row for row in rows(moodle) if row["Email address"] == "eve.martin@example.org"]
    assert float(moodle_row[EX01]) == 0.0 and moodle_row[f"Feedback: {EX01}"].startswith(f"late: {score:g} point(s) taken off")

    run(course, capsys, "report", "--to", str(out / "report"))
    [reported] = [row for row in rows(out / "report" / "submissions.csv") if (row["student_id"], row["assignment"]) == (LATE, EX01)]
    assert float(reported["score"]) == 0.0
    module_one = [row for row in rows(out / "report" / "completion_by_learner.csv") if row["student_id"] == LATE and row["module"] == "1"]
    assert [float(row["score"]) for row in module_one] == [0.0]


def test_a_hand_grade_after_autograding_keeps_the_zero_penalty(tmp_path_factory, tmp_path: Path, capsys) -> None:
    course = copy_cohort(completion_cohort(tmp_path_factory), tmp_path / "course")
    check_penalty_stays_applied(course, tmp_path, capsys)


def test_a_hand_grade_after_autograding_keeps_the_zero_penalty_on_postgres(
    tmp_path_factory, tmp_path: Path, capsys, postgres_cluster: PostgresCluster
) -> None:
    """The same on PostgreSQL: eve's late ex01 autograded into it by ``grade`` under ``penalty_method = "zero"``."""
    course = copy_cohort(completion_cohort(tmp_path_factory), tmp_path / "course")
    database = f"late_{tmp_path.name.replace('-', '_').lower()}"[:60]
    postgres_cluster.create_database(database)
    db_url = postgres_cluster.url_of(database)
    (course / "course" / "gradebook.db").unlink()
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + ZERO_PENALTY + f"\nc.CourseDirectory.db_url = {db_url!r}\n", encoding="utf-8")
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        gradebook.update_or_create_assignment(EX01, duedate=DUE)
    graded = mlteam_course(course, "grade", EX01, "--learner", LATE, "--quiet", "--no-isolation")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    score, penalty = score_and_penalty(db_url)
    assert score > 0 and penalty == pytest.approx(score) and outcome_score(db_url) == 0.0
    check_penalty_stays_applied(course, tmp_path, capsys)
