"""What the instructor's commands write keeps learners out (mlteam_utils/file_modes.py).

The whole path, with real users and real grading, is tests/test_hub_layout.py; here, each
piece on its own, in a second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import require_optional
from mlteam_utils.cli import Subcommand, build_parser
from mlteam_utils.file_modes import AclUnsupported, keep_to_owner, readable_by


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("command", ["grade", "feedback", "export", "report", "certificate"])
def test_every_command_that_writes_learners_work_keeps_them_out(command: str) -> None:
    args = build_parser().parse_args([command, *(["--cohort"] if command == "certificate" else [])])
    assert args.handler.keeps_learners_out, command


def test_the_umask_holds_for_the_command_alone(tmp_path: Path) -> None:
    def write(args: argparse.Namespace) -> int:
        (tmp_path / "folder").mkdir()
        (tmp_path / "folder" / "grades.csv").write_text("ada,1\n")
        return 0

    before = os.umask(0o022)
    try:
        assert Subcommand("demo", write, keeps_learners_out=True)(argparse.Namespace()) == 0
        assert os.umask(0o022) == 0o022, "the caller's umask is back"
    finally:
        os.umask(before)
    assert mode(tmp_path / "folder") == 0o750 and mode(tmp_path / "folder" / "grades.csv") == 0o640


def test_an_sqlite_gradebook_becomes_the_graders_alone(tmp_path: Path) -> None:
    from mlteam_utils.cohort.gradebook_db import transaction

    gradebook = tmp_path / "gradebook.db"
    gradebook.touch(mode=0o644)
    gradebook.chmod(0o644)
    with transaction(gradebook, write=True) as connection:
        connection.exec_driver_sql("CREATE TABLE grade (score REAL)")
    assert mode(gradebook) == 0o600
    assert keep_to_owner(tmp_path / "missing.db") is False


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder every user may enter (pytest's own are closed above it), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="mlteam-modes-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_released_page_is_readable_by_its_learner_alone(open_folder: Path) -> None:
    """Two other accounts of the machine (Debian's nobody and daemon): one is given the page, one is not."""
    require_optional(os.geteuid() == 0 and shutil.which("runuser") is not None and shutil.which("getfacl") is not None,
                     "root, runuser and getfacl (to read a file as another user)", "run the tests as root, apt-get install acl")
    page = open_folder / "checksum.html"
    page.write_text("your feedback")
    page.chmod(0o644)
    try:
        assert readable_by(page, "nobody") is True
    except AclUnsupported:
        pytest.fail(f"{open_folder}'s file system has no POSIX ACLs; the hub's exchange needs them")
    acl = subprocess.run(["getfacl", "--omit-header", str(page)], capture_output=True, text=True, check=True).stdout.split()
    assert acl == ["user::rw-", "user:nobody:r--", "group::---", "mask::r--", "other::---"], acl
    assert mode(page) == 0o640
    as_nobody = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(page)], capture_output=True, text=True)
    as_daemon = subprocess.run(["runuser", "-u", "daemon", "--", "cat", str(page)], capture_output=True, text=True)
    assert as_nobody.stdout == "your feedback" and as_daemon.returncode != 0 and "Permission denied" in as_daemon.stderr
    assert readable_by(page, "no-such-learner-x") is False  # learner ids that are no account: left as they are


def test_the_feedback_summary_says_when_pages_are_not_private() -> None:
    from mlteam_utils.cohort.feedback import FeedbackResult

    result = FeedbackResult(exchange=Path("/srv/exchange"), released=["ada/ex01"], not_private="the file system of /srv has no POSIX ACLs")
    text = result.as_text(Path("/course"))
    assert "not readable by their learner alone: the file system of /srv has no POSIX ACLs" in text
    assert "not readable" not in FeedbackResult(exchange=Path("/srv/exchange"), released=["ada/ex01"]).as_text(Path("/course"))
