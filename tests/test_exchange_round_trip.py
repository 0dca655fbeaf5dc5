"""The multi-user path on one machine: nbgrader's exchange with a small cohort.

release -> fetch -> answer (notebook and widget answers file) -> submit -> collect
-> `mlteam-course grade` -> a late resubmission -> `collect --update` -> grade ->
`mlteam-course feedback` (held back until the reflections are graded by hand,
then released through the exchange) -> fetch_feedback -> export and report.
Each learner works in a home folder of their own and is named with nbgrader's
``--student``; the exchange root is a temporary folder. One learner hands in a
broken notebook, one resubmits after the due date under a late-penalty policy.
These are the steps the README's "Running a cohort" section gives.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbgrader.api import Gradebook

from course_helpers import generate, honest_submission, make_course, scores
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.nbgrader_runner import nbgrader_environment, run_nbgrader
from reference_cohort import kept_unchanged, reference_courses

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
COURSE_ID = "mlteam-onboarding"
LEARNERS = {"ada": "solution", "grace": "half_right", "linus": "blank"}
BROKEN_LEARNER = "mallory"
LATE_LEARNER = "grace"  # resubmits the full solution after the due date


def mlteam_course(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", *args],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=600,
    )


def hand_in(course: Path, home: Path, exchange: Path, learner: str, kind: str | None) -> None:
    """Fetch (once), answer as ``kind`` (None: a notebook broken beyond repair) and submit."""
    fetched = home / ASSIGNMENT
    if not fetched.is_dir():
        learner_nbgrader(home, exchange, "fetch_assignment", ASSIGNMENT)
        assert (fetched / f"{ASSIGNMENT}.ipynb").is_file()
        assert not list(fetched.glob("*.key.json")) and not list(fetched.glob("*.answers.json"))
    if kind is None:
        (fetched / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [', encoding="utf-8")
    else:
        # The learner answers: the notebook's cells, and the widgets' answers file.
        answered = honest_submission(course, ASSIGNMENT, kind)
        nbformat.write(answered.notebook, fetched / f"{ASSIGNMENT}.ipynb")
        if answered.answers is not None:
            (fetched / answers_filename(ASSIGNMENT)).write_text(json.dumps(answered.answers), encoding="utf-8")
    learner_nbgrader(home, exchange, "submit", ASSIGNMENT, f"--student={learner}")


def side_by_side(*steps: Callable[[], object]) -> None:
    """Run independent learners' steps at the same time, as learners on their own machines do.

    Two at a time (each step is an nbgrader process; CI has two cores); the first error is raised.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(step) for step in steps]:
            future.result()


def grade_reflections_by_hand(course: Path) -> list[str]:
    """What an instructor does in the formgrader: give every reflection its full points."""
    graded = []
    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}", course_id=COURSE_ID) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.needs_manual_grade:
                        grade.manual_score = grade.max_score
                        grade.needs_manual_grade = False
                        graded.append(submission.student_id)
        gradebook.db.commit()
    return sorted(set(graded))


def learner_nbgrader(home: Path, exchange: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """nbgrader as a learner: in their home folder, knowing only the exchange and course id.

    Each learner has their own submission cache, as separate users on a hub do
    (the default cache is per Jupyter data folder, which the test run shares).
    """
    return subprocess.run(
        [
            sys.executable, "-m", "nbgrader", *args,
            f"--Exchange.root={exchange}",
            f"--Exchange.cache={home / '.nbgrader-cache'}",
            f"--CourseDirectory.course_id={COURSE_ID}",
        ],
        cwd=home, env=nbgrader_environment(), capture_output=True, text=True, check=True, timeout=300,
    )


@pytest.fixture(scope="module")
def expected_scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, float]]:
    """Each reference submission's total, graded by plain nbgrader in a separate course.

    The session's shared reference course of the assignment (tests/reference_cohort.py), read only.
    """
    reference = reference_courses(tmp_path_factory, [ASSIGNMENT])[ASSIGNMENT]
    assert reference.autograde.returncode == 0, reference.autograde.stderr[-3000:]
    with kept_unchanged(reference):
        yield reference.totals()


def test_a_cohort_through_the_exchange(tmp_path: Path, expected_scores: dict[str, float]) -> None:
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)  # nbgrader insists the exchange is writable by everyone
    course = make_course(tmp_path / "instructor", [ASSIGNMENT])
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
        # nbgrader's own late-submission plugin: a late notebook scores 0.
        config.write("c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    generate(course, ASSIGNMENT)
    run_nbgrader(course, "release_assignment", ASSIGNMENT)
    homes = {learner: tmp_path / "home" / learner for learner in [*LEARNERS, BROKEN_LEARNER]}
    for home in homes.values():
        home.mkdir(parents=True)

    side_by_side(*(partial(hand_in, course, homes[learner], exchange, learner, kind)
                   for learner, kind in [*LEARNERS.items(), (BROKEN_LEARNER, None)]))

    # A forgotten collect: nothing to grade, and the command says what is waiting.
    forgot = mlteam_course(course, "grade", "--quiet")
    assert forgot.returncode == 1, forgot.stdout + forgot.stderr
    assert "nothing to grade" in forgot.stdout and "not collected yet: 4 submission(s)" in forgot.stdout
    assert f"nbgrader collect --update {ASSIGNMENT}" in forgot.stdout
    # A misspelled assignment is an error that names the right one.
    typo = mlteam_course(course, "grade", "ex1")
    assert typo.returncode == 2 and f"did you mean {ASSIGNMENT}?" in typo.stderr

    run_nbgrader(course, "collect", ASSIGNMENT)
    for learner, kind in LEARNERS.items():
        collected = course / "course" / "submitted" / learner / ASSIGNMENT
        assert (collected / f"{ASSIGNMENT}.ipynb").is_file()
        assert (collected / answers_filename(ASSIGNMENT)).is_file() == (kind != "blank"), "the answers file travels with the notebook"

    graded = mlteam_course(course, "grade", "--jobs", "2", "--quiet")
    assert graded.returncode == 1, "one submission failed: " + graded.stdout + graded.stderr[-2000:]
    assert "graded: 3" in graded.stdout and f"{BROKEN_LEARNER}/{ASSIGNMENT}: NotJSONError" in graded.stdout
    totals = {student: sum(v or 0 for v in grades.values()) for student, grades in scores(course, ASSIGNMENT).items()}
    assert totals == {learner: pytest.approx(expected_scores[kind]) for learner, kind in LEARNERS.items()}
    assert 0 == totals["linus"] < totals["grace"] < totals["ada"]

    # The due date passes; grace resubmits the full solution, late.
    # To the microsecond, as nbgrader stamps submissions: the hand-in below comes after it, whatever the clock says.
    run_nbgrader(course, "db", "assignment", "add", ASSIGNMENT, f"--duedate={datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f} UTC")
    hand_in(course, homes[LATE_LEARNER], exchange, LATE_LEARNER, "solution")
    waiting = mlteam_course(course, "grade", "--quiet")
    assert "not collected yet: 1 submission(s)" in waiting.stdout and f"{LATE_LEARNER}/{ASSIGNMENT}" in waiting.stdout
    run_nbgrader(course, "collect", "--update", ASSIGNMENT)
    regraded = mlteam_course(course, "grade", "--quiet")
    assert "graded: 1" in regraded.stdout and "not collected yet" not in regraded.stdout, regraded.stdout

    # Feedback waits for the reflections to be graded by a person.
    held = mlteam_course(course, "feedback")
    assert held.returncode == 0, held.stdout + held.stderr[-2000:]
    # linus's empty reflection scored 0 at autograde, and mallory's page says her submission could not be graded:
    # no person has anything to grade there, so those two pages go out now.
    assert "held back, awaiting manual grading: 2" in held.stdout and "released through the exchange" in held.stdout
    assert len(list((exchange / COURSE_ID / "feedback").glob("*.html"))) == 2, "only pages nobody has to grade are released"
    assert f"{BROKEN_LEARNER}/{ASSIGNMENT}: NotJSONError" in held.stdout, "the failed submission is named in the feedback summary"
    page = (course / "course" / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "awaiting grading by a person" in page and "Test cell" not in page
    assert "Question 1 —" in page and "Before you submit" not in page

    assert grade_reflections_by_hand(course) == ["ada", "grace"]
    released = mlteam_course(course, "feedback")
    assert released.returncode == 0, released.stdout + released.stderr[-2000:]
    assert f"released through the exchange at {exchange}: " in released.stdout and "held back" not in released.stdout
    for learner in LEARNERS:
        assert f"{learner}/{ASSIGNMENT}" in released.stdout

    side_by_side(*(partial(learner_nbgrader, homes[learner], exchange, "fetch_feedback", ASSIGNMENT, f"--student={learner}")
                   for learner in LEARNERS))
    for learner in LEARNERS:
        home = homes[learner]
        pages = list((home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
        assert len(pages) == 1, f"{learner} got exactly one feedback page: {pages}"
        text = pages[0].read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "Traceback (most recent call last)" not in text
        assert "awaiting grading" not in text
    late_page = next((homes[LATE_LEARNER] / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html")).read_text(encoding="utf-8")
    assert "Late submission penalty" in late_page
    released_pages = sorted((exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(released_pages) == len(LEARNERS) + 1, "and mallory's page"

    # Nothing changed: no page is regenerated, nothing new is released.
    rerun = mlteam_course(course, "feedback")
    assert f"({len(LEARNERS)} unchanged since the last run, not regenerated)" in rerun.stdout, rerun.stdout
    assert sorted((exchange / COURSE_ID / "feedback").glob("*.html")) == released_pages

    # linus resubmits (after the due date) once he has seen his feedback: his earlier page is
    # taken back from the exchange.
    hand_in(course, homes["linus"], exchange, "linus", "half_right")
    run_nbgrader(course, "collect", "--update", ASSIGNMENT)
    assert "graded: 1" in mlteam_course(course, "grade", "--quiet").stdout
    assert grade_reflections_by_hand(course) == ["linus"]
    again = mlteam_course(course, "feedback")
    assert f"({len(LEARNERS) - 1} unchanged since the last run, not regenerated)" in again.stdout, again.stdout
    now_released = sorted((exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(now_released) == len(LEARNERS) + 1 and len(set(now_released) - set(released_pages)) == 1  # + mallory's page
    linus_feedback = homes["linus"] / ASSIGNMENT / "feedback"
    fetched_before = set(linus_feedback.glob("*"))
    learner_nbgrader(homes["linus"], exchange, "fetch_feedback", ASSIGNMENT, "--student=linus")
    fetched_now = set(linus_feedback.glob("*")) - fetched_before
    assert len(fetched_now) == 1, "only the latest submission's page comes down"

    # Export and report: every learner, the failed one and the late one included, with why.
    out = tmp_path / "exports"
    exported = mlteam_course(course, "export", "--to", str(out / "grades.csv"))
    assert exported.returncode == 0, exported.stderr
    wide = pd.read_csv(out / "grades.csv", dtype={"student_id": str}, keep_default_na=False, na_values=[""]).set_index("student_id")
    assert sorted(wide.index) == sorted([*LEARNERS, BROKEN_LEARNER])
    assert "could not be graded (NotJSONError" in wide.loc[BROKEN_LEARNER, "status"] and wide.loc[BROKEN_LEARNER, "failed"] == 1
    assert wide.loc[LATE_LEARNER, "late"] == 1 and " late" in wide.loc[LATE_LEARNER, "status"]
    submissions = pd.read_csv(out / "grades.submissions.csv", dtype={"student_id": str}, keep_default_na=False, na_values=[""]).set_index("student_id")
    late = submissions.loc[LATE_LEARNER]
    assert late["seconds_late"] > 0 and late["late_by"]
    # nbgrader's 'zero' policy takes off the score at autograde time; the reflection graded
    # by hand afterwards would lift it again, so export first puts the penalty on the whole score.
    assert late["late_penalty"] == pytest.approx(late["raw_score"]) and late["raw_score"] >= expected_scores["solution"]
    assert wide.loc[LATE_LEARNER, ASSIGNMENT] == pytest.approx(late["raw_score"] - late["late_penalty"]) == late["score"] == 0
    assert submissions.loc["ada", "status"] == "graded" and pd.isna(submissions.loc["ada", "late_by"])
    assert submissions.loc[BROKEN_LEARNER, "status"] == "could not be graded" and "mlteam-course grade" in submissions.loc[BROKEN_LEARNER, "next_step"]

    reported = mlteam_course(course, "report", "--to", str(out / "report"))
    assert reported.returncode == 0, reported.stderr
    behind = pd.read_csv(out / "report" / "behind.csv", dtype={"student_id": str}, keep_default_na=False).set_index("student_id")
    assert "submitted but could not be graded" in behind.loc[BROKEN_LEARNER, "reason"]
    completion = pd.read_csv(out / "report" / "completion.csv").iloc[0]
    # grace's and linus's resubmissions both came after the due date.
    assert (completion["learners"], completion["submitted"], completion["could_not_grade"], completion["late"]) == (4, 3, 1, 2)
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "Submissions that could not be graded" in index and BROKEN_LEARNER in index

    # A regrade keeps it so.
    forced = mlteam_course(course, "grade", "--force", "--quiet", ASSIGNMENT)
    assert "graded: 3" in forced.stdout, forced.stdout + forced.stderr[-2000:]
    assert mlteam_course(course, "export", "--to", str(out / "after.csv")).returncode == 0
    after = pd.read_csv(out / "after.csv", dtype={"student_id": str}, keep_default_na=False, na_values=[""]).set_index("student_id")
    assert after.loc[LATE_LEARNER, ASSIGNMENT] == 0, "the 'zero' policy still covers the hand-graded reflection"
    assert after.loc["ada", ASSIGNMENT] == pytest.approx(wide.loc["ada", ASSIGNMENT]), "manual grades survive the regrade"
    shutil.rmtree(exchange)
