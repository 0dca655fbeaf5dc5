"""The multi-user path on one machine: nbgrader's exchange with three learners.

release -> fetch -> answer (notebook and widget answers file) -> submit -> collect
-> `mlteam-course grade` -> `mlteam-course feedback` (released through the
exchange) -> fetch_feedback. Each learner works in a home folder of their own and
is named with nbgrader's ``--student``; the exchange root is a temporary folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_helpers import HONEST_KINDS, generate, honest_submission, make_course, scores, submit
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.nbgrader_runner import nbgrader_environment, run_nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
COURSE_ID = "mlteam-onboarding"
LEARNERS = {"ada": "solution", "grace": "half_right", "linus": "blank"}


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
def expected_scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """Each reference submission graded by plain nbgrader in a separate course."""
    course = make_course(tmp_path_factory.mktemp("reference"), [ASSIGNMENT])
    generate(course, ASSIGNMENT)
    for kind in HONEST_KINDS:
        submit(course, kind, ASSIGNMENT, {ASSIGNMENT: honest_submission(course, ASSIGNMENT, kind)})
    run_nbgrader(course, "autograde", ASSIGNMENT, "--force")
    return {kind: sum(v or 0 for v in grades.values()) for kind, grades in scores(course, ASSIGNMENT).items()}


def test_three_learners_through_the_exchange(tmp_path: Path, expected_scores: dict[str, float]) -> None:
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)  # nbgrader insists the exchange is writable by everyone
    course = make_course(tmp_path / "instructor", [ASSIGNMENT])
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    generate(course, ASSIGNMENT)
    run_nbgrader(course, "release_assignment", ASSIGNMENT)

    for learner, kind in LEARNERS.items():
        home = tmp_path / "home" / learner
        home.mkdir(parents=True)
        learner_nbgrader(home, exchange, "fetch_assignment", ASSIGNMENT)
        fetched = home / ASSIGNMENT
        assert (fetched / f"{ASSIGNMENT}.ipynb").is_file()
        assert not list(fetched.glob("*.key.json")) and not list(fetched.glob("*.answers.json"))
        # The learner answers: the notebook's cells, and the widgets' answers file.
        answered = honest_submission(course, ASSIGNMENT, kind)
        nbformat.write(answered.notebook, fetched / f"{ASSIGNMENT}.ipynb")
        if answered.answers is not None:
            (fetched / answers_filename(ASSIGNMENT)).write_text(json.dumps(answered.answers), encoding="utf-8")
        learner_nbgrader(home, exchange, "submit", ASSIGNMENT, f"--student={learner}")

    run_nbgrader(course, "collect", ASSIGNMENT)
    for learner, kind in LEARNERS.items():
        collected = course / "course" / "submitted" / learner / ASSIGNMENT
        assert (collected / f"{ASSIGNMENT}.ipynb").is_file()
        assert (collected / answers_filename(ASSIGNMENT)).is_file() == (kind != "blank"), "the answers file travels with the notebook"

    graded = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "grade", "--jobs", "2", "--quiet"],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=600,
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr[-2000:]
    assert "graded: 3" in graded.stdout

    totals = {student: sum(v or 0 for v in grades.values()) for student, grades in scores(course, ASSIGNMENT).items()}
    assert totals == {learner: pytest.approx(expected_scores[kind]) for learner, kind in LEARNERS.items()}
    assert 0 == totals["linus"] < totals["grace"] < totals["ada"]

    feedback = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "feedback"],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=600,
    )
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr[-2000:]
    assert f"released through the exchange at {exchange}" in feedback.stdout

    for learner in LEARNERS:
        home = tmp_path / "home" / learner
        learner_nbgrader(home, exchange, "fetch_feedback", ASSIGNMENT, f"--student={learner}")
        pages = list((home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
        assert len(pages) == 1, f"{learner} got their feedback page"
        text = pages[0].read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "Traceback (most recent call last)" not in text
        assert f"{totals[learner]:g}" in text or learner == "linus"
    shutil.rmtree(exchange)
