"""The LMS roster: which LMS identity each course learner (nbgrader student id) has.

The instructor writes it (default ``course/lms-roster.csv``, which git ignores:
it holds people's e-mail addresses), one row per learner; only ``learner_id``
is required, and a format uses only the columns it needs:

======================  ==========================================================
column                  meaning
======================  ==========================================================
``learner_id``          the learner's nbgrader student id (the folder name in
                        ``course/submitted/``)
``name``                the name Canvas shows (Canvas's ``Student`` column)
``canvas_user_id``      the Canvas user ID (digits; Canvas's ``ID`` column)
``sis_user_id``         Canvas's ``SIS User ID``
``sis_login_id``        Canvas's ``SIS Login ID``
``section``             Canvas's ``Section``
``email``               Moodle: the e-mail address (``--moodle-key email``)
``username``            Moodle: the username (``--moodle-key username``)
``idnumber``            Moodle: the ID number (``--moodle-key idnumber``)
======================  ==========================================================

A file that cannot be read as a roster (missing, not a plain file, not UTF-8,
no ``learner_id`` column, an unknown column, garbled quoting) is a
:class:`RosterError`: nothing is exported. A bad *row* is not: it is left out
and described, naming its line, in :attr:`Roster.problems`.

>>> roster = parse_roster(
...     "learner_id,name,email\\n"
...     "ana,Ana Lima,ana@example.org\\n"
...     "ben,Ben Okafor\\n"
...     "cat,Cat One,cat@example.org\\n"
...     "cat,Cat Two,cat2@example.org\\n"
...     ",Nobody,nobody@example.org\\n",
...     "roster.csv",
... )
>>> sorted(roster.entries), roster.entries["ana"].get("email"), roster.entries["ana"].line
(['ana'], 'ana@example.org', 2)
>>> for problem in roster.problems:
...     print(problem)
roster.csv line 3: 2 fields where the header has 3: row not used
roster.csv line 5: learner 'cat' is also on line 4: neither line used
roster.csv line 6: no learner_id: row not used
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mlteam_utils.reports.gradebook_frames import ReportError

__all__ = ["DEFAULT_ROSTER", "ROSTER_COLUMNS", "Roster", "RosterEntry", "RosterError", "parse_roster", "read_roster"]

ROSTER_COLUMNS = (
    "learner_id", "name", "canvas_user_id", "sis_user_id", "sis_login_id", "section", "email", "username", "idnumber",
)
#: Where ``mlteam-course export --format canvas|moodle`` looks for the roster (git ignores it).
DEFAULT_ROSTER = Path("course/lms-roster.csv")
#: A roster is a few hundred lines; anything this big is the wrong file.
MAX_ROSTER_BYTES = 10 * 1024 * 1024


class RosterError(ReportError):
    """The roster file cannot be used at all; the message says why and what to do."""


@dataclass(frozen=True)
class RosterEntry:
    """One learner's row: the line it is on and its non-empty values (stripped)."""

    line: int
    learner_id: str
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        """The value of ``column``, ``""`` when the row leaves it empty or the file has no such column."""
        return self.values.get(column, "")


@dataclass(frozen=True)
class Roster:
    """The usable rows, by learner id, and one line per row left out."""

    source: str
    entries: dict[str, RosterEntry]
    problems: list[str] = field(default_factory=list)


def read_roster(path: Path) -> Roster:
    """Read and check the roster at ``path`` (a plain file: a link or a FIFO is refused, never followed).

    Raises :class:`RosterError` when the file cannot be used.
    """
    from mlteam_utils.safe_files import read_regular_file

    try:
        data = read_regular_file(path, max_bytes=MAX_ROSTER_BYTES)
    except FileNotFoundError:
        raise RosterError(
            f"no roster at {path}: write one (columns: {', '.join(ROSTER_COLUMNS)}; see docs/lms/README.md) "
            "or give its path with --roster FILE"
        ) from None
    except OSError as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as error:
        raise RosterError(f"{path} is not UTF-8 text (byte {error.start}): save it as 'CSV UTF-8'") from None
    return parse_roster(text, str(path))


def _header(first: list[str], source: str) -> list[str]:
    columns = [name.strip().lower() for name in first]
    unknown = [name for name in columns if name not in ROSTER_COLUMNS]
    if unknown:
        raise RosterError(
            f"{source} line 1: unknown column(s) {', '.join(repr(name) for name in unknown)}; "
            f"the columns are {', '.join(ROSTER_COLUMNS)}"
        )
    if "learner_id" not in columns:
        raise RosterError(f"{source} line 1: no learner_id column (the header must name the columns, e.g. learner_id,name,email)")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise RosterError(f"{source} line 1: column(s) named twice: {', '.join(repeated)}")
    return columns


def parse_roster(text: str, source: str) -> Roster:
    """The roster in ``text`` (CSV with a header line); ``source`` names it in messages."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first = next(reader, None)
        if first is None or not any(cell.strip() for cell in first):
            raise RosterError(f"{source} is empty: its first line must name the columns, e.g. learner_id,name,email")
        columns = _header(first, source)
        entries: dict[str, RosterEntry] = {}
        problems: list[str] = []
        dropped: set[str] = set()
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) != len(columns):
                problems.append(f"{source} line {line}: {len(row)} fields where the header has {len(columns)}: row not used")
                continue
            values = {column: cell.strip() for column, cell in zip(columns, row, strict=True) if cell.strip()}
            learner = values.get("learner_id", "")
            if not learner:
                problems.append(f"{source} line {line}: no learner_id: row not used")
                continue
            if learner in entries or learner in dropped:
                earlier = entries.pop(learner, None)
                where = f"line {earlier.line}" if earlier else "an earlier line"
                problems.append(f"{source} line {line}: learner {learner!r} is also on {where}: neither line used")
                dropped.add(learner)
                continue
            entries[learner] = RosterEntry(line, learner, values)
    except csv.Error as error:
        raise RosterError(f"{source} line {reader.line_num}: garbled CSV ({error}); fix that line and run again") from None
    return Roster(source, entries, problems)
