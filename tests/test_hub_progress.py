"""Issue 27: the start page's progress table on the course hub shows what a hub learner has.

A hub learner does not self-grade: their instructor grades what they submit. Their table says,
per exercise, when they submitted it (a time as a person reads it) and whether they fetched its
feedback, from nbgrader's own record of their submissions; no "self-graded" column.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlteam_utils.progress import progress_html
from mlteam_utils.start_page import HUB_COURSE_ENV
from mlteam_utils.workspace import WORK_FOLDER, sync_workspace

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "mlteam-onboarding"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A learner's copy of the course, as the hub lays it out (a work area of its own)."""
    copy = tmp_path / "course"
    for name in ("course", "lessons", "exercises"):
        shutil.copytree(ROOT / name, copy / name)
    sync_workspace(copy)
    return copy / WORK_FOLDER


def submit(cache: Path, exercise: str, timestamp: str) -> None:
    """What nbgrader's submit leaves in the learner's cache: ``<student>+<assignment>+<timestamp>/timestamp.txt``."""
    entry = cache / COURSE_ID / f"ada+{exercise}+{timestamp}"
    entry.mkdir(parents=True)
    (entry / "timestamp.txt").write_text(timestamp, encoding="utf-8")


def test_on_the_hub_the_table_shows_hand_ins_not_self_graded_scores(work: Path, tmp_path: Path) -> None:
    cache = tmp_path / "nbgrader_cache"
    submit(cache, "ex01_how_ml_projects_differ", "2020-01-01 00:00:00.000000 UTC")
    submit(cache, "ex02_the_ml_team", "2027-03-04 17:30:00.000000 UTC")
    feedback = work / "ex02_the_ml_team" / "feedback" / "2027-03-04 17:30:00.000000 UTC"
    feedback.mkdir(parents=True)
    (feedback / "ex02_the_ml_team.html").write_text("<p>feedback</p>", encoding="utf-8")

    table = progress_html(work / "course", work.parent, environ={HUB_COURSE_ENV: COURSE_ID}, cache_root=cache)
    rows = table.split("<tr>")
    assert "self-graded" not in table and "Written answer" not in table, "a hub learner does not self-grade"
    assert "<th>Your exercise</th>" in rows[1]
    assert "submitted 1 January 2020, 00:00 UTC" in rows[2] and "feedback" not in rows[2]
    assert "submitted 4 March 2027, 17:30 UTC; feedback fetched (in ex02_the_ml_team/feedback/)" in rows[3]
    assert "not submitted yet" in rows[4]
    assert "Fetch Feedback" in table and "make " not in table and "required modules completed" not in table


def test_on_one_machine_the_table_keeps_the_self_graded_score(work: Path) -> None:
    table = progress_html(work / "course", work.parent, environ={})
    assert "Score (self-graded)" in table and "not self-graded yet" in table
