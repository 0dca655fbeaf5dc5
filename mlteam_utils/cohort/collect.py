"""``nbgrader collect`` that trusts nothing a learner put in the exchange.

Every learner may write to the exchange's ``inbound`` folder. nbgrader's own
collect (0.9.6) takes a hand-in's learner id from the folder's *name* and only
warns when the folder belongs to another Unix user; it copies the folder with
``shutil.copytree``, which follows symbolic links as the instructor; it stops the
whole run at the first entry it cannot copy (a FIFO) or a name whose time it cannot
read; and it believes the ``timestamp.txt`` the learner wrote. So one learner could
hand in work as another (a newer, forged hand-in replaces the real one), make the
instructor copy a file only the instructor can read (``solutions/``, another
learner's submission) into their own hand-in, stop the cohort's collection, or
back-date a late hand-in.

:class:`SafeExchangeCollect` is selected in the course's ``nbgrader_config.py``
(``c.ExchangeFactory.collect``), so ``nbgrader collect``, the formgrader's
*Collect* button and ``NbGraderAPI.collect`` all use it. It:

* refuses a hand-in whose folder belongs to a Unix user other than the learner it
  names (the collecting user's own hand-ins are accepted: a single-machine course,
  where the instructor hands in on the learners' behalf), *before* choosing each
  learner's latest, so a forged newer hand-in cannot hide the real one;
* refuses an entry that is not a plain folder (a link to ``solutions/ex01``) or
  whose name carries no readable time;
* copies only plain files and folders (``lstat``, ``O_NOFOLLOW``, ``O_NONBLOCK``:
  see :mod:`mlteam_utils.grading.safe_files`); links, FIFOs, sockets, devices and
  hard links stay in the exchange and are named;
* dates a hand-in by the later of what the learner wrote (the folder's name,
  ``timestamp.txt``) and the last time its files changed (their *ctime*, which no
  user can set back), less a grace for slow copies and clock skew;
* collects everyone it can, names each hand-in it could not collect, and then
  exits with status 1 so that the instructor looks.

On Kubernetes no Unix account names a learner: KubeSpawner runs each learner's pod as the uid
:mod:`mlteam_utils.hub.learner_uids` gives their hub name, and with
``c.SafeExchangeCollect.learner_uids_from_names = True`` the owner check compares a hand-in's
owner with that uid (deploy/kubernetes/README.md). A site where every learner runs as the same
Unix user cannot tell learners apart by owner: it turns the check off with nbgrader's own
``c.ExchangeCollect.check_owner = False`` and is told so once per run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import glob
import os
import re
import shutil
import stat
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbgrader.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from traitlets import Bool, Integer

from mlteam_utils.file_modes import keep_learners_out
from mlteam_utils.grading.safe_files import (
    describe_entry,
    printable,
    read_regular_file,
    stage_tree,
    walk_entries,
)

__all__ = ["HandIn", "SafeExchangeCollect", "hand_in_time", "latest_hand_ins", "owner_problem", "read_hand_in"]

#: The largest timestamp.txt worth reading (nbgrader writes about 30 bytes).
TIMESTAMP_FILE_BYTES = 1024
NBGRADER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
#: What a learner id may look like (as `mlteam-course grade` reads submitted/<learner>/).
LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")


@dataclass(frozen=True)
class HandIn:
    """One entry of the inbound folder, as the grader sees it.

    ``time`` is the hand-in time the grader uses (naive UTC, as nbgrader's
    ``parse_utc`` gives); ``refused`` says why it is not collected, or is empty.
    """

    path: Path
    learner: str
    time: dt.datetime | None
    claimed: dt.datetime | None
    refused: str = ""
    backdated: bool = False

    @property
    def label(self) -> str:
        return printable(self.path.name)


def owner_problem(info: os.stat_result, learner: str, collector_uid: int | None = None, learner_uid: int | None = None) -> str:
    """Why a hand-in folder with this ``lstat`` result is not ``learner``'s, or an empty string.

    Accepted: a folder of the Unix user named like the learner (or, given ``learner_uid``,
    the learner's uid on a site without Unix accounts for learners), or of the collecting
    user (``collector_uid``, by default this process's).

    >>> import tempfile
    >>> mine = os.lstat(tempfile.mkdtemp())
    >>> owner_problem(mine, "anyone")
    ''
    >>> owner_problem(mine, "anyone", collector_uid=mine.st_uid + 1).startswith("it belongs to the Unix user ")
    True
    >>> owner_problem(mine, "ada", collector_uid=-1, learner_uid=mine.st_uid)
    ''
    >>> owner_problem(mine, "ada", collector_uid=-1, learner_uid=1000123) == f"it belongs to uid {mine.st_uid}, not to ada's uid 1000123"
    True
    """
    if info.st_uid == (os.geteuid() if collector_uid is None else collector_uid):
        return ""
    if learner_uid is not None:
        return "" if info.st_uid == learner_uid else f"it belongs to uid {info.st_uid}, not to {printable(learner)}'s uid {learner_uid}"
    try:
        import pwd

        owner = pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        owner = f"with id {info.st_uid}"
    if owner == learner:
        return ""
    return f"it belongs to the Unix user {printable(owner)}, not to {printable(learner)}"


def hand_in_time(claimed: dt.datetime, last_change: dt.datetime, grace_seconds: float) -> tuple[dt.datetime, bool]:
    """The time the grader gives a hand-in, and whether the learner's own time was too early.

    The learner writes ``claimed`` (nbgrader puts the time in the folder name and in
    ``timestamp.txt``, both the learner's to change); ``last_change`` is when the
    system last saw a file of it change, which nobody can move back. A hand-in
    whose files changed more than ``grace_seconds`` after its claimed time was
    (re)written later than it says, and is dated by its last change.

    >>> noon = dt.datetime(2026, 11, 2, 12, 0)
    >>> hand_in_time(noon, noon + dt.timedelta(seconds=40), 300)
    (datetime.datetime(2026, 11, 2, 12, 0), False)
    >>> hand_in_time(noon, noon + dt.timedelta(hours=3), 300)
    (datetime.datetime(2026, 11, 2, 15, 0), True)
    """
    if last_change - claimed > dt.timedelta(seconds=grace_seconds):
        return last_change, True
    return claimed, False


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def _parse_time(text: str) -> dt.datetime | None:
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text.strip())
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


def read_hand_in(
    path: Path, grace_seconds: float, check_owner: bool = True, collector_uid: int | None = None,
    uid_of: Callable[[str], int] | None = None,
) -> HandIn:
    """Look at one inbound entry without opening anything it could redirect.

    ``uid_of`` gives a learner's uid where no Unix account is named after them (Kubernetes).

    >>> import tempfile
    >>> inbound = Path(tempfile.mkdtemp())
    >>> folder = inbound / "ada+ex01+2026-11-02 12:00:00.000000 UTC+x1"
    >>> folder.mkdir()
    >>> hand_in = read_hand_in(folder, grace_seconds=300)
    >>> hand_in.learner, hand_in.claimed, hand_in.refused
    ('ada', datetime.datetime(2026, 11, 2, 12, 0), '')
    >>> hand_in.backdated  # its folder was made now, long after the time in its name
    True
    >>> (inbound / "bob+ex01+2026-11-02 12:00:00.000000 UTC").symlink_to(folder)
    >>> read_hand_in(inbound / "bob+ex01+2026-11-02 12:00:00.000000 UTC", 300).refused
    'it is a symbolic link, not a folder'
    >>> (inbound / "..+ex01+2026-11-02 12:00:00.000000 UTC").mkdir()
    >>> read_hand_in(inbound / "..+ex01+2026-11-02 12:00:00.000000 UTC", 300).refused
    "'..' is not a learner id"
    >>> (inbound / "cy+ex01+last tuesday").mkdir()
    >>> read_hand_in(inbound / "cy+ex01+last tuesday", 300).refused
    "the time in its name ('last tuesday') cannot be read"
    """
    parts = path.name.rsplit("+", 3)
    learner = parts[0]
    if not LEARNER_ID.match(learner):  # ".." or "." would put the copy outside submitted/<learner>/
        return HandIn(path, learner, None, None, f"{printable(learner, 60)!r} is not a learner id")
    try:
        info = os.lstat(path)
    except OSError as error:
        return HandIn(path, learner, None, None, f"it cannot be read ({error.strerror})")
    if not stat.S_ISDIR(info.st_mode):
        return HandIn(path, learner, None, None, f"it is {describe_entry(info) or 'not a folder'}, not a folder")
    if check_owner and (problem := owner_problem(info, learner, collector_uid, uid_of(learner) if uid_of else None)):
        return HandIn(path, learner, None, None, problem)
    named = _parse_time(parts[2]) if len(parts) >= 3 else None
    if named is None:
        shown = printable(parts[2] if len(parts) >= 3 else path.name, 60)
        return HandIn(path, learner, None, None, f"the time in its name ({shown!r}) cannot be read")
    claimed = named
    with contextlib.suppress(OSError):  # a missing, linked or garbled timestamp.txt leaves the name's time
        written = _parse_time(read_regular_file(path / "timestamp.txt", TIMESTAMP_FILE_BYTES).decode("utf-8", "replace"))
        if written is not None:
            claimed = max(claimed, written)
    time, backdated = hand_in_time(claimed, last_change(path), grace_seconds)
    return HandIn(path, learner, time, claimed, backdated=backdated)


def last_change(folder: Path) -> dt.datetime:
    """When the system last saw ``folder`` or anything in it change (the latest ctime, naive UTC), links not followed.

    >>> import tempfile
    >>> abs(last_change(Path(tempfile.mkdtemp())) - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)
    True
    """
    return _utc(max([os.lstat(folder).st_ctime, *(entry.st_ctime for _, entry in walk_entries(folder))]))


def latest_hand_ins(hand_ins: list[HandIn], due: dt.datetime | None, before_due: bool) -> list[HandIn]:
    """Each learner's hand-in to collect, as nbgrader chooses it (the latest; with
    ``before_due``, the latest before the due date if there is one).

    >>> t = dt.datetime(2026, 11, 2)
    >>> ins = [HandIn(Path(n), n[0], t + dt.timedelta(days=d), None) for n, d in (("a1", 1), ("a2", 3), ("b1", 2))]
    >>> [h.path.name for h in latest_hand_ins(ins, None, False)]
    ['a2', 'b1']
    >>> [h.path.name for h in latest_hand_ins(ins, t + dt.timedelta(days=2), True)]
    ['a1', 'b1']
    """
    by_learner: dict[str, list[HandIn]] = defaultdict(list)
    for hand_in in hand_ins:
        by_learner[hand_in.learner].append(hand_in)
    chosen = []
    for learner in sorted(by_learner):
        newest_first = sorted(by_learner[learner], key=lambda h: h.time or dt.datetime.min, reverse=True)
        if before_due and due is not None:
            in_time = [h for h in newest_first if h.time is not None and h.time <= due]
            newest_first = in_time or newest_first
        chosen.append(newest_first[0])
    return chosen


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect for a course whose learners may be hostile (see the module's notes)."""

    timestamp_grace_seconds = Integer(
        300,
        help="How long after its claimed time a hand-in's files may still change (a slow copy, clock skew) "
             "before the grader dates it by that change instead.",
    ).tag(config=True)

    learner_uids_from_names = Bool(
        False,
        help="Learners have no Unix accounts here (Kubernetes): a hand-in must belong to the uid that "
             "mlteam_utils.hub.learner_uids gives the learner it names, as KubeSpawner did (with the overrides "
             "file named by MLTEAM_LEARNER_UID_OVERRIDES).",
    ).tag(config=True)

    def init_src(self) -> None:
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not os.access(self.inbound_path, os.R_OK | os.X_OK):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        if not self.check_owner:
            self.log.warning("ExchangeCollect.check_owner is off: a hand-in's learner is taken from its folder name unchecked")
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(glob.escape(self.inbound_path), f"{student}+{glob.escape(self.coursedir.assignment_id)}+*")
        uid_of = None
        if self.learner_uids_from_names:
            from mlteam_utils.hub.learner_uids import LearnerUidError, LearnerUids

            try:
                uid_of = LearnerUids.load().uid_of
            except LearnerUidError as error:
                self.fail(str(error))
        hand_ins = [read_hand_in(Path(p), self.timestamp_grace_seconds, self.check_owner, uid_of=uid_of) for p in sorted(glob.glob(pattern))]
        self.refused_hand_ins = [h for h in hand_ins if h.refused]
        self.uncollected: list[str] = []
        self.duedate = self._due_date()
        chosen = latest_hand_ins([h for h in hand_ins if not h.refused], self.duedate, self.before_duedate)
        self.src_records: list[dict[str, Any]] = [{"username": h.learner, "filename": h.path.name, "timestamp": h.time, "hand_in": h} for h in chosen]

    def _due_date(self) -> dt.datetime | None:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                return gradebook.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                return None

    def start(self) -> None:
        # Collected hand-ins are the grader's (and the course folder's group's), never other
        # learners': folders and files are made without any bit for other users.
        previous = keep_learners_out()
        try:
            super().start()
        finally:
            os.umask(previous)  # the formgrader runs collect in its own process: give its umask back
        if self.uncollected:
            # Raised here, not through self.fail deep in copy_files: the formgrader shows the
            # traceback under its log, and this keeps it to two frames.
            summary = (f"{len(self.uncollected)} hand-in(s) of {self.coursedir.assignment_id} not collected (named above); "
                       "the others were.\nLook at each in the exchange's inbound folder, and remove it there once dealt with.")
            self.log.critical(summary)
            raise ExchangeError(summary)

    def _not_collected(self, hand_in: HandIn, reason: str) -> None:
        """Log a hand-in left in the exchange: the reason first (a dialog may cut long lines), then where it is."""
        self.uncollected.append(hand_in.label)
        self.log.error(f"{printable(hand_in.learner, 60)}'s hand-in not collected: {reason}\n    (inbound/{hand_in.label})")

    def copy_files(self) -> None:
        assignment = self.coursedir.assignment_id
        for refused in self.refused_hand_ins:
            self._not_collected(refused, refused.refused)
        if not self.src_records:
            self.log.warning(f"No submissions of '{assignment}' for course '{self.coursedir.course_id}' to collect")
        else:
            self.log.info(f"Processing {len(self.src_records)} submissions of '{assignment}' for course '{self.coursedir.course_id}'")
        for record in self.src_records:
            hand_in: HandIn = record["hand_in"]
            try:
                self._collect(hand_in)
            except Exception as error:  # one hand-in never stops the others
                self._not_collected(hand_in, printable(str(error), 200))

    def _collect(self, hand_in: HandIn) -> None:
        learner, assignment = hand_in.learner, self.coursedir.assignment_id
        assert hand_in.time is not None
        destination = Path(self.coursedir.format_path(self.coursedir.submitted_directory, learner, assignment))
        existing = self.coursedir.get_existing_timestamp(str(destination)) if destination.is_dir() else None
        if destination.is_dir():
            newer = existing is None or hand_in.time > existing
            if not ((self.update and newer) or (self.before_duedate and existing != hand_in.time)):
                self.log.info(
                    f"{'No newer submission to collect' if self.update else 'Submission already exists, use --update to update'}: "
                    f"{learner} {assignment}"
                )
                return
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Copied beside the old submission first: a copy that fails leaves the old one as it was.
        incoming = Path(tempfile.mkdtemp(prefix=f".{assignment}.collecting-", dir=destination.parent)) / assignment
        try:
            self.do_copy(str(hand_in.path), str(incoming))
            # A file the learner changed while it was being copied dates the hand-in too.
            time, backdated = hand_in_time(hand_in.time, last_change(hand_in.path), self.timestamp_grace_seconds)
            if hand_in.backdated or backdated:
                self.log.warning(
                    f"{hand_in.label}: its files changed at {time:%Y-%m-%d %H:%M:%S} UTC, after the time it gives "
                    f"({hand_in.claimed:%Y-%m-%d %H:%M:%S} UTC): it is dated by that change"
                )
            (incoming / "timestamp.txt").unlink(missing_ok=True)
            (incoming / "timestamp.txt").write_text(time.strftime(NBGRADER_TIME_FORMAT), encoding="utf-8")
            self.log.info(f"{'Updating' if destination.is_dir() else 'Collecting'} submission: {learner} {assignment}")
            if destination.is_dir():
                shutil.rmtree(destination)
            incoming.rename(destination)
        finally:
            shutil.rmtree(incoming.parent, ignore_errors=True)

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        """Copy the plain files of a hand-in, as nbgrader's ``ignore``, ``include`` and size limits allow."""
        source = Path(src)
        size = sum(info.st_size for _, info in walk_entries(source) if stat.S_ISREG(info.st_mode))
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"it holds {size} bytes, over CourseDirectory.max_dir_size ({self.coursedir.max_dir_size} kB)")
        exclude, include = list(self.coursedir.ignore), list(self.coursedir.include)

        def keep(relative: str, is_folder: bool) -> bool:
            name = relative.rsplit("/", 1)[-1]
            if any(fnmatch.fnmatch(name, pattern) for pattern in exclude):
                return False
            return is_folder or not include or any(fnmatch.fnmatch(name, pattern) for pattern in include)

        report = stage_tree(source, Path(dest), keep, mode=0o640, max_bytes=1000 * self.coursedir.max_file_size)
        if report.dropped:
            self.log.warning(f"{printable(source.name)}: left in the exchange, " + report.dropped_text().replace("not graded: ", "not collected: "))
        if self.coursedir.groupshared:
            for path in [Path(dest), *Path(dest).rglob("*")]:
                with contextlib.suppress(PermissionError):
                    path.chmod(0o2770 if path.is_dir() else 0o660)
