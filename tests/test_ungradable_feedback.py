"""A submission that could not be graded gets a feedback page saying so (issue 31, B).

Real nbgrader, real exchange: two learners fetch and submit, one a notebook broken beyond
repair; the instructor collects, runs ``mlteam-course grade`` and ``mlteam-course feedback``;
each learner runs ``nbgrader fetch_feedback``. The broken submission's learner reads that it
was not graded, why in plain words, and what to do; nothing of the recorded reason's own
text, no traceback, nothing of the hidden tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_helpers import generate, honest_submission, make_course
from mlteam_utils.cohort.feedback import assignment_secrets
from mlteam_utils.cohort.ungradable_feedback import UNGRADABLE_HEADING, exercise_title, write_ungradable_feedback
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.nbgrader_runner import nbgrader_environment, run_nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
COURSE_ID = "mlteam-onboarding"


def _learner(home: Path, exchange: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--Exchange.root={exchange}",
         f"--Exchange.cache={home / '.nbgrader-cache'}", f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=home, env=nbgrader_environment(), capture_output=True, text=True, check=True, timeout=300,
    )


def _course_cli(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlteam_utils.cli", *args], cwd=course, env=nbgrader_environment(),
                          capture_output=True, text=True, timeout=600)


def test_the_page_names_the_exercise_and_the_time_as_a_person_reads_them(tmp_path: Path) -> None:
    """Issue 27: no exercise id, no raw timestamp; a calm verdict box, not an error's red."""
    repo = Path(__file__).resolve().parent.parent
    submitted = tmp_path / "submitted" / "mallory" / ASSIGNMENT
    submitted.mkdir(parents=True)
    (submitted / "timestamp.txt").write_text("2026-12-07 14:05:33.123456 UTC", encoding="utf-8")
    (submitted / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [', encoding="utf-8")
    title = exercise_title(ASSIGNMENT, sorted((repo / "solutions" / ASSIGNMENT).glob("*.ipynb")), repo)
    [page] = write_ungradable_feedback(submitted, tmp_path / "feedback", ASSIGNMENT, [ASSIGNMENT], "NotJSONError: x", title)
    text = page.read_text(encoding="utf-8")
    visible = text.split("<body>", 1)[1]
    assert "<h1>Feedback: Exercise 1: Planning an ML project</h1>" in text and "<title>Feedback: Exercise 1: Planning" in text
    assert ASSIGNMENT not in visible, "the exercise's id is machinery"
    assert "7 December 2026, 14:05 UTC" in visible and "14:05:33" not in visible and "123456" not in visible
    assert 'class="verdict not-yet" role="status"' in visible, "the page opens with a verdict, as a graded page does"
    assert "#c0392b" not in text and "#fdf2f0" not in text, "no error colours"
    assert (tmp_path / "feedback" / "timestamp.txt").read_text(encoding="utf-8").endswith("123456 UTC"), "nbgrader's own record is kept as it was"

    # A timestamp that is not a time (it comes with the learner's submission) is not shown at all.
    (submitted / "timestamp.txt").write_text("<b>soon</b>", encoding="utf-8")
    [page] = write_ungradable_feedback(submitted, tmp_path / "feedback", ASSIGNMENT, [ASSIGNMENT], None, title)
    visible = page.read_text(encoding="utf-8").split("<body>", 1)[1]
    assert "soon" not in visible and "Your submission was received" in visible


@pytest.mark.nbgrader
def test_a_broken_submission_gets_a_page_that_says_so_and_what_to_do(tmp_path: Path) -> None:
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader insists the exchange is writable by everyone
    course = make_course(tmp_path / "instructor", [ASSIGNMENT])
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    generate(course, ASSIGNMENT)
    run_nbgrader(course, "release_assignment", ASSIGNMENT)

    homes = {name: tmp_path / "home" / name for name in ("ada", "mallory")}
    for learner, home in homes.items():
        home.mkdir(parents=True)
        _learner(home, exchange, "fetch_assignment", ASSIGNMENT)
        notebook = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if learner == "ada":
            answered = honest_submission(course, ASSIGNMENT, "solution")
            nbformat.write(answered.notebook, notebook)
            (notebook.parent / answers_filename(ASSIGNMENT)).write_text(json.dumps(answered.answers), encoding="utf-8")
        else:
            notebook.write_text('{"cells": [ <script>alert(1)</script>', encoding="utf-8")
        _learner(home, exchange, "submit", ASSIGNMENT, f"--student={learner}")
    run_nbgrader(course, "collect", ASSIGNMENT)
    graded = _course_cli(course, "grade", "--quiet")
    assert "mallory/" in graded.stdout and "NotJSONError" in graded.stdout, graded.stdout + graded.stderr[-2000:]

    feedback = _course_cli(course, "feedback")
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr[-2000:]
    assert f"mallory/{ASSIGNMENT}: NotJSONError" in feedback.stdout, "the instructor still reads the recorded reason"
    assert "could not be graded (their page says so, and what to do): 1" in feedback.stdout
    good_page = (course / "course" / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert UNGRADABLE_HEADING not in good_page, "a graded submission's page is nbgrader's usual one"

    _learner(homes["mallory"], exchange, "fetch_feedback", ASSIGNMENT, "--student=mallory")
    pages = list((homes["mallory"] / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    assert len(pages) == 1, "fetch_feedback brings the page of the submission that could not be graded"
    text = pages[0].read_text(encoding="utf-8")
    assert UNGRADABLE_HEADING in text and "Feedback: Exercise 1: Planning an ML project" in text
    assert "not a valid Jupyter notebook" in text, "the reason, in words"
    assert "submit it again" in text and "contact your instructor" in text, "what to do"
    assert "NotJSONError" not in text and "Traceback" not in text and "<script>" not in text
    for secret in assignment_secrets(course / "solutions" / ASSIGNMENT):
        assert secret.text not in text

    # Nothing of ada's is released yet (her reflection awaits a person), and she finds nothing.
    _learner(homes["ada"], exchange, "fetch_feedback", ASSIGNMENT, "--student=ada")
    assert not list((homes["ada"] / ASSIGNMENT / "feedback").glob("*/*.html"))
