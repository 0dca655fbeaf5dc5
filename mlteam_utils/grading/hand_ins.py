"""The hand-ins in an exchange's ``inbound`` folder, read without trusting any of them.

Every learner may write to ``inbound``: a hand-in's folder name, its ``timestamp.txt``
and its entries are the learner's to forge. The functions here tell whose a hand-in is
(by the folder's owner, not its name), when it was handed in (never earlier than its
files last changed), and which one of each learner's to collect, opening nothing a link
could redirect. :mod:`mlteam_utils.upstream.exchange_collect` builds nbgrader's collect
on them (the module notes of :mod:`mlteam_utils.cohort.collect` say why).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import stat
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.safe_files import describe_entry, printable, read_regular_file, walk_entries

__all__ = ["HandIn", "hand_in_time", "last_change", "latest_hand_ins", "owner_problem", "read_hand_in"]

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
    from mlteam_utils.upstream.nbgrader_utils import parse_utc

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
