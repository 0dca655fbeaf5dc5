"""Find the submissions in ``course/submitted`` and fingerprint them.

nbgrader keeps one folder per learner and assignment:
``course/submitted/<student>/<assignment>/``. A fingerprint of everything in such
a folder tells a rerun of ``mlteam-course grade`` whether the learner has handed
in something new since the last grading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.safe_files import describe_entry, open_regular_file, printable, walk_entries

#: nbgrader's own ids are folder names; anything else is not a submission.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
#: Files bigger than this are fingerprinted by size and mtime only (a learner's
#: megabytes of output must not make every rerun slow).
_HASH_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Submission:
    """One learner's hand-in of one assignment.

    >>> Submission("ada", "ex01_intro", Path("/c/course/submitted/ada/ex01_intro")).label
    'ada/ex01_intro'
    """

    student: str
    assignment: str
    folder: Path

    @property
    def label(self) -> str:
        return f"{self.student}/{self.assignment}"


def find_submissions(submitted_root: Path, assignments: Sequence[str] | None = None) -> list[Submission]:
    """Every ``<student>/<assignment>`` folder under ``submitted_root``, sorted.

    ``assignments`` restricts the result; folder names that cannot be nbgrader ids
    (hidden folders, checkpoints) are ignored.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for folder in ("ada/ex01_a", "ada/ex02_b", "bob/ex01_a", ".ipynb_checkpoints/x"):
    ...     (root / folder).mkdir(parents=True)
    >>> [s.label for s in find_submissions(root)]
    ['ada/ex01_a', 'ada/ex02_b', 'bob/ex01_a']
    >>> [s.label for s in find_submissions(root, ["ex01_a"])]
    ['ada/ex01_a', 'bob/ex01_a']
    """
    if not submitted_root.is_dir():
        return []
    wanted = set(assignments or ())
    found = []
    for student_folder in submitted_root.iterdir():
        if student_folder.is_symlink() or not (student_folder.is_dir() and _ID.match(student_folder.name)):
            continue
        for folder in student_folder.iterdir():
            if not folder.is_symlink() and folder.is_dir() and _ID.match(folder.name) and (not wanted or folder.name in wanted):
                found.append(Submission(student_folder.name, folder.name, folder))
    return sorted(found)


def fingerprint(folder: Path) -> str:
    """A digest of the names and contents of every entry under ``folder``.

    Nothing is followed or opened unless it is a plain regular file: a symbolic
    link counts by its target's text, a FIFO, socket, device or hard link by its
    kind, so a special file left in a submission can neither block nor mislead a
    rerun.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.ipynb").write_text("{}")
    >>> before = fingerprint(folder)
    >>> before == fingerprint(folder)
    True
    >>> _ = (folder / "a.ipynb").write_text("{ }")
    >>> before == fingerprint(folder)
    False
    >>> os.mkfifo(folder / "pipe")
    >>> len(fingerprint(folder))
    64
    """
    digest = hashlib.sha256()
    for relative, info in walk_entries(folder):
        if ".ipynb_checkpoints" in relative.split("/"):
            continue
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        if stat.S_ISDIR(info.st_mode):
            digest.update(b"folder\0")
            continue
        if stat.S_ISLNK(info.st_mode):
            digest.update(b"link:" + os.readlink(folder / relative).encode("utf-8", "surrogateescape") + b"\0")
            continue
        why = describe_entry(info)
        if why is not None or info.st_size > _HASH_LIMIT:
            digest.update(f"{why or 'big'}:{info.st_size}:{info.st_mtime_ns}".encode() + b"\0")
            continue
        try:
            with os.fdopen(open_regular_file(folder / relative), "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as error:  # swapped or unreadable since the listing: count it as such
            digest.update(f"unreadable:{error.__class__.__name__}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, order=True)
class WaitingSubmission:
    """A hand-in sitting in the exchange's inbound folder that ``nbgrader collect`` has not brought in."""

    student: str
    assignment: str
    timestamp: str

    @property
    def label(self) -> str:
        return f"{self.student}/{self.assignment}"


def _collected_timestamp(folder: Path) -> str | None:
    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    try:
        return read_regular_file(folder / "timestamp.txt", max_bytes=200).decode("utf-8", errors="replace").strip()
    except (UnsafeEntry, OSError):
        return None


def uncollected_submissions(
    exchange_root: Path, course_id: str, submitted_root: Path, assignments: Sequence[str] | None = None
) -> list[WaitingSubmission]:
    """Hand-ins in the exchange that are newer than what ``course/submitted`` holds.

    nbgrader names an inbound hand-in ``STUDENT+ASSIGNMENT+TIMESTAMP[+RANDOM]``;
    only the latest per learner and assignment counts, as in ``nbgrader collect``.
    A learner whose collected copy is older needs ``nbgrader collect --update``.

    >>> import tempfile
    >>> exchange, submitted = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> inbound = exchange / "course" / "inbound"
    >>> for name in ("ada+ex01_a+2026-11-01 10:00:00.000000 UTC+x1", "ada+ex01_a+2026-11-02 10:00:00.000000 UTC+x2",
    ...              "bob+ex01_a+2026-11-01 09:00:00.000000 UTC+x3"):
    ...     (inbound / name).mkdir(parents=True)
    >>> (submitted / "bob" / "ex01_a").mkdir(parents=True)
    >>> _ = (submitted / "bob" / "ex01_a" / "timestamp.txt").write_text("2026-11-01 09:00:00.000000 UTC")
    >>> (inbound / "..+ex01_a+2026-11-03 10:00:00.000000 UTC").mkdir()  # not a learner id: ignored
    >>> [w.label for w in uncollected_submissions(exchange, "course", submitted)]
    ['ada/ex01_a']
    """
    from mlteam_utils.cohort.collect import owner_problem
    from mlteam_utils.upstream.nbgrader_utils import parse_utc

    inbound = exchange_root / course_id / "inbound"
    if not inbound.is_dir():
        return []
    wanted = set(assignments or ())
    latest: dict[tuple[str, str], tuple[dt.datetime, str]] = {}
    try:
        entries = list(os.scandir(inbound))
    except PermissionError:
        return []
    for entry in entries:
        parts = entry.name.rsplit("+", 3)
        if len(parts) < 3:
            continue
        student, assignment, stamp = parts[0], parts[1], parts[2]
        # Anyone may drop an entry into the inbound folder: only nbgrader-like ids count.
        if not (_ID.match(student) and _ID.match(assignment)) or (wanted and assignment not in wanted):
            continue
        try:
            when = parse_utc(stamp)
            info = entry.stat(follow_symlinks=False)
        except (ValueError, OverflowError, TypeError, OSError):
            continue
        # What collect would refuse (a link, another user's folder) is not waiting to be collected.
        if not stat.S_ISDIR(info.st_mode) or owner_problem(info, student):
            continue
        if (student, assignment) not in latest or when > latest[(student, assignment)][0]:
            latest[(student, assignment)] = (when, stamp)
    waiting = []
    for (student, assignment), (when, stamp) in latest.items():
        collected = _collected_timestamp(submitted_root / student / assignment)
        try:
            newer = collected is None or when > parse_utc(collected)
        except (ValueError, OverflowError, TypeError):
            newer = True
        if newer:
            waiting.append(WaitingSubmission(student, assignment, printable(stamp, 40)))
    return sorted(waiting)
