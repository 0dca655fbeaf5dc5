"""A learner who submits after the due date is told so, with the course's late policy (issue 31, D).

Real nbgrader exchange in temporary folders: the instructor releases, the learner fetches and
submits with nbgrader reading the course's settings the way ``make lab`` does (the course's
``course/jupyterlab/learner`` folder on the Jupyter config path), the due date coming from the
site's ``syllabus.site.toml``. nbgrader's Assignments tab shows nothing of a successful
submit's log (tests/test_upstream_contracts.py holds that contract), so the start page's
exercise table also marks the submission late.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_helpers import REPO_ROOT, generate, make_course
from mlteam_utils.nbgrader_runner import nbgrader_environment, run_nbgrader
from mlteam_utils.upstream.late_submit import LATE_HEADLINE

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
COURSE_ID = "mlteam-onboarding"


def _set_due(course: Path, when: str) -> None:
    (course / "course" / "syllabus.site.toml").write_text(f"[due]\nex01 = {when}\n", encoding="utf-8")


def _submit(course: Path, home: Path, exchange: Path) -> subprocess.CompletedProcess[str]:
    environment = {**nbgrader_environment(), "JUPYTER_CONFIG_PATH": str(course / "course" / "jupyterlab" / "learner"),
                   "MLTEAM_COURSE_ROOT": str(course)}
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", "submit", ASSIGNMENT, "--student=ada", f"--Exchange.root={exchange}",
         f"--Exchange.cache={home / '.nbgrader-cache'}"],
        cwd=home, env=environment, capture_output=True, text=True, timeout=300,
    )


def test_a_late_submission_is_told_so_and_an_on_time_one_is_not(tmp_path: Path) -> None:
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader insists the exchange is writable by everyone
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    shutil.copytree(REPO_ROOT / "course" / "jupyterlab" / "learner", course / "course" / "jupyterlab" / "learner")
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    generate(course, ASSIGNMENT)
    run_nbgrader(course, "release_assignment", ASSIGNMENT)
    home = tmp_path / "home"
    home.mkdir()
    fetched = subprocess.run(
        [sys.executable, "-m", "nbgrader", "fetch_assignment", ASSIGNMENT, f"--Exchange.root={exchange}",
         f"--Exchange.cache={home / '.nbgrader-cache'}", f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=home, env=nbgrader_environment(), capture_output=True, text=True, timeout=300,
    )
    assert fetched.returncode == 0, fetched.stderr[-2000:]

    _set_due(course, "2999-01-15T17:00:00Z")
    on_time = _submit(course, home, exchange)
    assert on_time.returncode == 0, on_time.stderr[-3000:]
    assert "Submitted as:" in on_time.stderr and LATE_HEADLINE not in on_time.stderr

    _set_due(course, "2020-01-15T17:00:00Z")
    late = _submit(course, home, exchange)
    assert late.returncode == 0, late.stderr[-3000:]
    assert "| WARNING] " in late.stderr and f"{LATE_HEADLINE}: the due date was 15 January 2020, 17:00 UTC" in late.stderr, late.stderr
    assert "The course's late policy: a pass handed in after the due date" in late.stderr
    inbound = sorted((exchange / COURSE_ID / "inbound").iterdir())
    assert len(inbound) == 2, "the late submission is handed in all the same"

    # A broken syllabus: the submission goes through, with no notice.
    (course / "course" / "syllabus.site.toml").write_text("[due\n", encoding="utf-8")
    broken = _submit(course, home, exchange)
    assert broken.returncode == 0 and LATE_HEADLINE not in broken.stderr, broken.stderr[-3000:]
    assert len(list((exchange / COURSE_ID / "inbound").iterdir())) == 3
