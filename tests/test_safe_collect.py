"""`nbgrader collect` with learners who attack the exchange, as real Unix users.

Two learners on one machine share nbgrader's exchange, as on the course's JupyterHub.
Ana hands in honestly. Eve hands in her own work, then:

- hands in *as Ana* (``nbgrader submit --student=ana``), later than Ana, so a plain
  collect would replace Ana's work with Eve's;
- turns her own hand-in into a trap for the instructor who collects it: a link to the
  solutions notebook (which only the instructor can read) and a FIFO beside her notebook,
  and a ``timestamp.txt`` three days earlier than the truth;
- drops two more entries in the inbound folder: a link, named as a newer hand-in of hers,
  to the course's ``solutions/`` folder, and a folder whose name carries no time.

The instructor then runs plain ``nbgrader collect`` (the course's nbgrader_config.py
selects :class:`mlteam_utils.cohort.collect.SafeExchangeCollect`). Needs root (to make
the users), ``useradd`` and ``runuser``; skips otherwise, and fails under ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from conftest import require_optional
from course_helpers import generate, make_course
from hub_fixtures import UnixUsers, closed_ancestors
from mlteam_utils.cohort.submissions import uncollected_submissions
from mlteam_utils.nbgrader_runner import nbgrader_environment, run_nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
COURSE_ID = "mlteam-onboarding"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def missing_parts() -> list[str]:
    missing = [] if os.geteuid() == 0 else ["root (to make the learners' Unix users)"]
    return missing + [p for p in ("useradd", "userdel", "runuser", "setfacl") if shutil.which(p) is None]


class Site:
    """A course, its exchange and two learners' Unix accounts, in one temporary folder."""

    def __init__(self, base: Path, users: UnixUsers, tag: str) -> None:
        self.base, self.users = base, users
        self.exchange = base / "exchange"
        self.course = base / "course"
        self.ana, self.eve = users.add(f"mlc{tag}a"), users.add(f"mlc{tag}e")

    def learner(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """nbgrader as a learner, in their home, knowing only the exchange and the course id."""
        home = Path(os.path.expanduser(f"~{name}"))
        return self.users.run_as(name, [
            sys.executable, "-m", "nbgrader", *args, f"--Exchange.root={self.exchange}",
            f"--Exchange.cache={home / '.nbgrader-cache'}", f"--CourseDirectory.course_id={COURSE_ID}",
        ], cwd=home, timeout=300)

    def write_answer(self, name: str, marker: str) -> bytes:
        """The learner's fetched notebook, answered with ``marker`` (as the learner's own file)."""
        path = Path(os.path.expanduser(f"~{name}")) / ASSIGNMENT / NOTEBOOK
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_markdown_cell(marker))
        nbformat.write(notebook, path)
        uid = self.users.uid(name)
        os.chown(path, uid, uid)
        return path.read_bytes()

    def as_eve(self, script: str) -> None:
        done = self.users.run_as(self.eve, ["sh", "-c", script], cwd=self.exchange / COURSE_ID / "inbound")
        assert done.returncode == 0, done.stderr

    def collect(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nbgrader", "collect", ASSIGNMENT, *args], cwd=self.course,
                              env=nbgrader_environment(), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    require_optional(not missing_parts(), ", ".join(missing_parts()) or "root", "run the tests as root on Linux, with `apt-get install passwd util-linux acl`")
    base = Path(tempfile.mkdtemp(prefix="mlteam-collect-"))
    base.chmod(0o755)
    users = UnixUsers(base / "homes")
    (base / "homes").mkdir(mode=0o755)
    users.grant_traverse(closed_ancestors(Path(sys.executable)))
    try:
        site = Site(base, users, secrets.token_hex(3))
        site.exchange.mkdir(mode=0o777)
        site.exchange.chmod(0o1777)
        make_course(site.course, [ASSIGNMENT])
        with (site.course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
            config.write(f"\nc.Exchange.root = {str(site.exchange)!r}\n")
        generate(site.course, ASSIGNMENT)
        run_nbgrader(site.course, "release_assignment", ASSIGNMENT)
        site.course.chmod(0o700)  # the instructor's: solutions/, the gradebook
        yield site
    finally:
        users.remove()
        shutil.rmtree(base, ignore_errors=True)


def test_collect_refuses_forged_linked_and_backdated_hand_ins(site: Site) -> None:
    inbound = site.exchange / COURSE_ID / "inbound"
    solutions_notebook = site.course / "solutions" / ASSIGNMENT / NOTEBOOK
    for learner in (site.ana, site.eve):
        fetched = site.learner(learner, "fetch_assignment", ASSIGNMENT)
        assert fetched.returncode == 0, fetched.stderr
    anas_work = site.write_answer(site.ana, "Ana's own answer")
    assert site.learner(site.ana, "submit", ASSIGNMENT).returncode == 0
    before_eve = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    site.write_answer(site.eve, "Eve's own answer")
    assert site.learner(site.eve, "submit", ASSIGNMENT).returncode == 0
    (eves_folder,) = inbound.glob(f"{site.eve}+{ASSIGNMENT}+*")
    # Eve hands in as Ana, later than Ana: nbgrader lets any learner name any student id.
    forged = site.learner(site.eve, "submit", ASSIGNMENT, f"--student={site.ana}")
    assert forged.returncode == 0, forged.stderr
    assert len(list(inbound.glob(f"{site.ana}+{ASSIGNMENT}+*"))) == 2
    three_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    site.as_eve(
        f"cd '{eves_folder.name}' && ln -s '{solutions_notebook}' notes.ipynb && mkfifo pipe"
        f" && printf '%s' '{three_days_ago}' > timestamp.txt && cd .."
        f" && mv '{eves_folder.name}' '{site.eve}+{ASSIGNMENT}+{three_days_ago}+y'"
        f" && ln -s '{site.course / 'solutions' / ASSIGNMENT}' '{site.eve}+{ASSIGNMENT}+{later}+x'"
        f" && mkdir '{site.eve}+{ASSIGNMENT}+whenever'"
    )

    collected = site.collect()
    output = collected.stdout + collected.stderr
    # Everyone who could be collected was; the hand-ins that could not are named, and the run says so.
    assert collected.returncode == 1, output
    submitted = site.course / "course" / "submitted"
    assert (submitted / site.ana / ASSIGNMENT / NOTEBOOK).read_bytes() == anas_work, "Ana's own work, not Eve's forgery"
    assert f"belongs to the Unix user {site.eve}, not to {site.ana}" in output
    assert "it is a symbolic link, not a folder" in output
    assert "the time in its name ('whenever') cannot be read" in output
    assert "3 hand-in(s) of ex01_how_ml_projects_differ not collected" in output
    # Eve's own hand-in is collected without what she planted, and dated when it was really written.
    eves = submitted / site.eve / ASSIGNMENT
    assert sorted(p.name for p in eves.iterdir()) == sorted([NOTEBOOK, "timestamp.txt", "submission_secret.txt"])
    assert "Eve's own answer" in (eves / NOTEBOOK).read_text(encoding="utf-8")
    assert "notes.ipynb (a symbolic link)" in output and "pipe (a named pipe (FIFO))" in output
    from nbgrader.utils import parse_utc

    dated = parse_utc((eves / "timestamp.txt").read_text(encoding="utf-8"))
    assert dated >= before_eve - dt.timedelta(seconds=5), f"back-dated to {dated}"
    assert "it is dated by that change" in output
    # Ana's time is the one nbgrader wrote when she submitted.
    (anas_folder,) = [p for p in inbound.glob(f"{site.ana}+{ASSIGNMENT}+*") if p.stat().st_uid == site.users.uid(site.ana)]
    assert parse_utc((submitted / site.ana / ASSIGNMENT / "timestamp.txt").read_text()) == parse_utc((anas_folder / "timestamp.txt").read_text())
    # Nothing of the instructor's was read into a learner's folder; the forgery does not wait as "not collected".
    assert not [p for p in submitted.rglob("*") if p.is_symlink() or (p.is_file() and p.read_bytes() == solutions_notebook.read_bytes())]
    assert uncollected_submissions(site.exchange, COURSE_ID, submitted, [ASSIGNMENT]) == []

    # Ana hands in again: --update takes it; the forgery still does not replace it.
    anas_second = site.write_answer(site.ana, "Ana's second thoughts")
    assert site.learner(site.ana, "submit", ASSIGNMENT).returncode == 0
    updated = site.collect("--update")
    assert updated.returncode == 1 and "Updating submission: " + site.ana in updated.stdout + updated.stderr
    assert (submitted / site.ana / ASSIGNMENT / NOTEBOOK).read_bytes() == anas_second


def test_the_formgrader_collects_the_same_way(repo_root: Path) -> None:
    """The formgrader's Collect button goes through NbGraderAPI, configured by the same file."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from mlteam_utils.cohort.collect import SafeExchangeCollect
    from mlteam_utils.nbgrader_runner import load_course_config

    config = load_course_config(repo_root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert api.exchange.collect is SafeExchangeCollect
