"""nbgrader's ``ExchangeCollect``, taking nothing a learner put in the exchange on trust.

Why (nbgrader 0.9.x trusts a hand-in's folder name, follows links, stops at the first
entry it cannot copy and believes ``timestamp.txt``) and what the course's collect does
instead: :mod:`mlteam_utils.cohort.collect`, whose ``SafeExchangeCollect`` (named in
``c.ExchangeFactory.collect``, nbgrader's documented way to swap an exchange class) adds
the hub's learner uids to :class:`SafeExchangeCollectBase` here.

What this relies on in nbgrader beyond its documented settings, each pinned by a
contract test in ``tests/test_upstream_contracts.py``:

* ``Exchange.start`` calls ``set_timestamp``, ``init_src``, ``init_dest`` and
  ``copy_files`` in that order, and ``ExchangeCollect.init_dest`` does nothing: this
  class replaces ``init_src`` (it fills ``src_records``, as upstream's does, plus the
  refused hand-ins), ``copy_files`` and ``do_copy``, and wraps ``start``;
* the attributes upstream's collect keeps: ``root``, ``coursedir`` (``format_path``,
  ``get_existing_timestamp``, ``submitted_directory``, ``max_dir_size``,
  ``max_file_size``, ``ignore``, ``include``, ``groupshared``), the traits
  ``check_owner``, ``update`` and ``before_duedate``, and ``fail`` raising
  ``ExchangeError``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import glob
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbgrader.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from traitlets import Integer

from mlteam_utils.file_modes import keep_learners_out
from mlteam_utils.grading.hand_ins import (
    NBGRADER_TIME_FORMAT,
    HandIn,
    hand_in_time,
    last_change,
    latest_hand_ins,
    read_hand_in,
)
from mlteam_utils.safe_files import printable, stage_tree, walk_entries

__all__ = ["SafeExchangeCollectBase"]


class SafeExchangeCollectBase(ExchangeCollect):
    """nbgrader's collect for a course whose learners may be hostile (see the module's notes)."""

    timestamp_grace_seconds = Integer(
        300,
        help="How long after its claimed time a hand-in's files may still change (a slow copy, clock skew) "
             "before the grader dates it by that change instead.",
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
        uid_of = self.learner_uid_lookup()
        hand_ins = [read_hand_in(Path(p), self.timestamp_grace_seconds, self.check_owner, uid_of=uid_of) for p in sorted(glob.glob(pattern))]
        self.refused_hand_ins = [h for h in hand_ins if h.refused]
        self.uncollected: list[str] = []
        self.duedate = self._due_date()
        chosen = latest_hand_ins([h for h in hand_ins if not h.refused], self.duedate, self.before_duedate)
        self.src_records: list[dict[str, Any]] = [{"username": h.learner, "filename": h.path.name, "timestamp": h.time, "hand_in": h} for h in chosen]

    def learner_uid_lookup(self) -> Callable[[str], int] | None:
        """The uid each learner's hand-ins must belong to, where no Unix account is named after them; None: by name."""
        return None

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
