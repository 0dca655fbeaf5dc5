"""Grades as the import files of Canvas and Moodle, for the learners the instructor's roster names.

Who is exported: only learners of the gradebook that have a usable row in the
roster (:mod:`~mlteam_utils.reports.lms_roster`), with the identity the format
needs. Every identity cell comes from the roster, never from nbgrader (no
e-mail address is exported unless the roster gives it). Which assignments: all
those in the frames given (``mlteam-course export`` passes the ones learners were
given, :func:`mlteam_utils.reports.released.released_assignments`), or those asked
for. Each learner left out, and each roster row not used, is one
line of :attr:`LmsExport.problems`.

What a score cell holds (the score is nbgrader's, late penalty already taken
off, as :mod:`~mlteam_utils.reports.export` writes it):

- graded: the score;
- **awaiting manual grading** (a reflection nobody has graded yet): blank, and
  listed in :attr:`LmsExport.waiting`, unless ``include_waiting``, which
  exports the partial score (the hand-graded parts count 0 in it);
- could not be graded, or not submitted: **blank, never 0**. Both LMSs read a
  blank cell as "no grade", not as zero.

**Canvas** (Gradebook > Import; the format of Canvas's own gradebook export)::

    Student,ID,SIS User ID,SIS Login ID,Section,<assignment>...
    Points Possible,,,,,<max points>...
    <name>,<Canvas user ID>,<SIS user ID>,<SIS login ID>,<section>,<score>...

Canvas finds the learner by ``ID``, then ``SIS User ID``, then ``SIS Login
ID``, then by name; it needs a ``Section`` header after the identity columns;
a row whose first cell contains ``Points Possible`` gives each assignment's
points; an assignment column whose title matches no Canvas assignment creates
one with that title (matched by title, or by ``Title (id)``); a blank or ``-``
cell is "no score". Canvas has no column to flag a grade as provisional: a
submission still waiting for manual grading is left blank (or, with
``include_waiting``, exported as its partial score) and listed.
Sources: Canvas's importer, ``app/models/gradebook_importer.rb`` in
https://github.com/instructure/canvas-lms (header check, ``Points Possible``,
student lookup, ``no_score?``); "Import a CSV file to Carmen grades",
https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
(required columns; new assignment columns create assignments).

**Moodle** (Grades > Import > CSV file; "Grade import" in MoodleDocs,
https://docs.moodle.org/405/en/Grade_import)::

    <Email address|Username|ID number>,<assignment>,Feedback: <assignment>...

The instructor maps the first column to the matching user field ("Identify
user by": ``useremail``, ``username`` or ``useridnumber``), each assignment
column to a grade item (or a new one) and each ``Feedback:`` column to that
item's feedback. Moodle reads an empty grade cell (or ``-``) as no grade
(``grade/import/csv/classes/load_data.php``); MoodleDocs asks to import a
grade item's feedback together with its grades. The feedback cell flags a
submission awaiting manual grading and says when a late penalty was taken
off; it is empty otherwise.

**Spreadsheet formulas**: instructors open these files in Excel. A free-text
cell (a name, a section, an assignment title) that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return, or holds one right after a ``,``,
``;``, tab or line break, gets a ``'`` before it so that a spreadsheet shows it
as text (OWASP's advice on CSV injection; a plain number such as ``-2`` stays
a number: :mod:`~mlteam_utils.reports.spreadsheet`). An identity
cell cannot be changed without breaking the LMS's match, so a roster row with
such an identity is not used (and reported) instead.

>>> from mlteam_utils.reports.gradebook_frames import build_frames
>>> from mlteam_utils.reports.lms_roster import parse_roster
>>> q = [{"assignment": "ex01", "notebook": "ex01", "question": "q1", "cell_type": "code", "max_score": 4.0}]
>>> grade = {"assignment": "ex01", "notebook": "ex01", "question": "q1", "auto_score": None,
...          "manual_score": None, "needs_manual_grade": False}
>>> frames = build_frames(
...     [{"student_id": s} for s in ("ana", "ben", "cat")], q,
...     [{**grade, "student_id": "ana", "score": 3.5}, {**grade, "student_id": "ben", "score": 0.0}],
... )
>>> roster = parse_roster(
...     "learner_id,name,canvas_user_id,section,email\\n"
...     "ana,=HYPERLINK(1),101,A,ana@example.org\\nben,Ben,102,A,ben@example.org\\n"
...     "cat,Cat,103,A,cat@example.org\\n", "roster.csv")
>>> print(canvas_export(frames, roster).to_csv().decode())
Student,ID,SIS User ID,SIS Login ID,Section,ex01
Points Possible,,,,,4
'=HYPERLINK(1),101,,,A,3.5
Ben,102,,,A,0
Cat,103,,,A,
<BLANKLINE>
>>> print(moodle_export(frames, roster, key="email").to_csv().decode())
Email address,ex01,Feedback: ex01
ana@example.org,3.5,
ben@example.org,0,
cat@example.org,,
<BLANKLINE>
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlteam_utils.reports.gradebook_frames import AWAITING_MANUAL, FAILED, GRADED, NOT_SUBMITTED, ReportError
from mlteam_utils.reports.spreadsheet import FORMULA_STARTS, runs_as_formula, spreadsheet_safe
from mlteam_utils.safe_files import printable

if TYPE_CHECKING:
    from mlteam_utils.reports.gradebook_frames import GradebookFrames
    from mlteam_utils.reports.lms_roster import Roster, RosterEntry

__all__ = [
    "CANVAS_IDENTITY_COLUMNS",
    "FORMATS",
    "MOODLE_KEYS",
    "LmsExport",
    "LmsWriter",
    "UnknownAssignmentError",
    "UnknownFormatError",
    "canvas_export",
    "lms_writer",
    "moodle_export",
    "select_assignments",
    "spreadsheet_safe",
    "write_lms_export",
]

#: Canvas's identity columns, in the order of its own gradebook export.
CANVAS_IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
#: ``--moodle-key`` -> (roster column, header of the file's first column, Moodle's "Map to" field)
MOODLE_KEYS = {
    "email": ("email", "Email address", "useremail"),
    "username": ("username", "Username", "username"),
    "idnumber": ("idnumber", "ID number", "useridnumber"),
}
MOODLE_FEEDBACK_PREFIX = "Feedback: "
CANVAS_USER_ID = re.compile(r"^[0-9]+$")


class UnknownAssignmentError(ReportError):
    """``--assignment`` names an assignment the gradebook does not have."""


class UnknownFormatError(ReportError):
    """An LMS format that :data:`FORMATS` does not have."""


@dataclass(frozen=True)
class LmsExport:
    """An LMS import file: its header, its rows, and what the instructor must know about it."""

    header: list[str]
    rows: list[list[str]]
    learners: list[str]
    assignments: list[str]
    #: one line per learner or roster row left out
    problems: list[str] = field(default_factory=list)
    #: ``learner/assignment`` of each submission waiting for manual grading
    waiting: list[str] = field(default_factory=list)
    #: ``learner/assignment: why`` of each exported learner's blank cell that is not a missing submission
    blank: list[str] = field(default_factory=list)
    #: learners x assignments not submitted (blank cells)
    not_submitted: int = 0
    #: what the instructor sets up in the LMS before importing
    notes: list[str] = field(default_factory=list)

    def summary(self, path: Path, include_waiting: bool = False) -> str:
        """What was written, who was left out and why, and what still waits: one line each."""
        lines = [f"wrote {path} ({len(self.learners)} learner(s) x {len(self.assignments)} assignment(s))"]
        if self.problems:
            lines.append(f"{len(self.problems)} roster problem(s); these learners or rows are not in the file:")
            lines += [f"  {problem}" for problem in self.problems]
        if self.waiting:
            how = "exported with their partial score (--include-waiting)" if include_waiting else (
                "left blank until graded (grade them in the formgrader and export again, or use --include-waiting)"
            )
            lines.append(f"{len(self.waiting)} submission(s) awaiting manual grading, {how}:")
            lines += [f"  {item}" for item in self.waiting]
        failed = [item for item in self.blank if "could not be graded" in item]
        if failed:
            lines.append(f"{len(failed)} submission(s) could not be graded, left blank:")
            lines += [f"  {item}" for item in failed]
        if self.not_submitted:
            lines.append(f"{self.not_submitted} assignment(s) not submitted, left blank (no grade, not 0)")
        lines += self.notes
        return "\n".join(lines)

    def to_csv(self) -> bytes:
        """The file's bytes: UTF-8, comma-separated, one line per row."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def format_score(score: float) -> str:
    """A score as both LMSs read it: at most two decimals (Canvas's precision), no trailing zeros.

    >>> format_score(7.0), format_score(7.25), format_score(2 / 3)
    ('7', '7.25', '0.67')
    """
    return f"{round(score, 2):.10g}"


def select_assignments(frames: GradebookFrames, wanted: Sequence[str] = ()) -> list[str]:
    """The assignments to export, by name (the course's order: ex01, ex02, ...): all, or those in ``wanted``.

    An id like ``ex01`` stands for the one assignment named ``ex01_...``.
    Raises :class:`UnknownAssignmentError` naming the course's assignments.
    """
    names = sorted(frames.assignment_names)  # nbgrader lists them by due date first
    if not wanted:
        return names
    chosen: set[str] = set()
    for name in wanted:
        matches = [name] if name in names else [known for known in names if known.split("_", 1)[0] == name]
        if len(matches) != 1:
            raise UnknownAssignmentError(f"unknown assignment {name!r}; the gradebook has: {', '.join(names) or 'none'}")
        chosen.add(matches[0])
    return [name for name in names if name in chosen]


def _formula_problem(entry: RosterEntry, column: str, source: str) -> str | None:
    value = entry.get(column)
    if runs_as_formula(value):
        where = f"starts with {value[0]!r}" if value.startswith(FORMULA_STARTS) else "holds a formula after a separator"
        return (
            f"{source} line {entry.line}: learner {entry.learner_id!r}: {column} {value[:40]!r} {where}, "
            "which a spreadsheet would run as a formula: not exported"
        )
    return None


def _usable_entries(
    frames: GradebookFrames,
    roster: Roster,
    identity: Sequence[str],
    describe: str,
    check: Callable[[RosterEntry], str | None] | None = None,
) -> tuple[list[RosterEntry], list[str]]:
    """The roster rows of gradebook learners that carry a usable ``identity``, and a line per one left out.

    A row needs at least one of the ``identity`` columns; each present must not
    start a formula; ``check(entry)`` may add a problem of its own. Two rows that
    name the same LMS identity are both left out: one LMS account would get two
    learners' grades.
    """
    learners = [str(learner) for learner in frames.learners["student_id"]]
    problems = list(roster.problems)
    for learner_id, listed in sorted(roster.entries.items()):
        if learner_id not in learners:
            problems.append(f"{roster.source} line {listed.line}: learner {learner_id!r} is not in the gradebook: row not used")
    candidates: list[RosterEntry] = []
    for learner in learners:
        entry = roster.entries.get(learner)
        if entry is None:
            problems.append(f"{printable(learner)}: not in the roster {roster.source}: not exported")
            continue
        present = [column for column in identity if entry.get(column)]
        if not present:
            problems.append(f"{roster.source} line {entry.line}: learner {learner!r} has no {describe}: not exported")
            continue
        formula = next((p for p in (_formula_problem(entry, column, roster.source) for column in present) if p), None)
        own = check(entry) if check is not None else None
        if formula or own:
            problems.append(str(formula or own))
            continue
        candidates.append(entry)
    holders: dict[tuple[str, str], list[RosterEntry]] = {}
    for entry in candidates:
        for column in identity:
            if entry.get(column):
                holders.setdefault((column, entry.get(column)), []).append(entry)
    usable: list[RosterEntry] = []
    for entry in candidates:
        for column in identity:
            value = entry.get(column)
            twins = [other for other in holders.get((column, value), []) if other is not entry]
            if twins:
                problems.append(
                    f"{roster.source} line {entry.line}: learner {entry.learner_id!r} has the {column} {value!r} of "
                    f"learner {twins[0].learner_id!r} (line {twins[0].line}): not exported"
                )
                break
        else:
            usable.append(entry)
    return usable, problems


@dataclass(frozen=True)
class _Cell:
    score: str
    feedback: str


def _cells(frames: GradebookFrames, learners: Sequence[str], assignments: Sequence[str], include_waiting: bool) -> tuple[
    dict[tuple[str, str], _Cell], list[str], list[str], int
]:
    """(learner, assignment) -> score and feedback cells; the waiting list, the blank list, the not-submitted count."""
    cells: dict[tuple[str, str], _Cell] = {}
    waiting: list[str] = []
    blank: list[str] = []
    not_submitted = 0
    submissions = frames.submissions
    by_key: dict[tuple[str, str], dict[str, Any]] = {
        (str(row["student_id"]), str(row["assignment"])): {str(column): value for column, value in row.items()}
        for row in submissions.to_dict("records")
    }
    for learner in learners:
        for assignment in assignments:
            row = by_key.get((learner, assignment), {"status": NOT_SUBMITTED})
            status = row["status"]
            score = row.get("score", math.nan)
            penalty = row.get("late_penalty", 0.0)
            late_note = (
                f"late: {format_score(float(penalty))} point(s) taken off (nbgrader's late-submission penalty)"
                if isinstance(penalty, float) and not math.isnan(penalty) and penalty > 0
                else ""
            )
            if status == GRADED:
                cells[learner, assignment] = _Cell(format_score(float(score)), late_note)
            elif status == AWAITING_MANUAL:
                waiting.append(f"{printable(learner)}/{assignment}")
                if include_waiting:
                    note = "awaiting manual grading: partial score, the parts graded by hand are not in it yet"
                    cells[learner, assignment] = _Cell(format_score(float(score)), "; ".join(filter(None, [note, late_note])))
                else:
                    cells[learner, assignment] = _Cell("", "awaiting manual grading")
                    blank.append(f"{printable(learner)}/{assignment}: awaiting manual grading")
            elif status == FAILED:
                cells[learner, assignment] = _Cell("", "")
                blank.append(f"{printable(learner)}/{assignment}: could not be graded ({printable(str(row.get('reason', '')))})")
            else:
                cells[learner, assignment] = _Cell("", "")
                not_submitted += 1
    return cells, waiting, blank, not_submitted


def canvas_export(
    frames: GradebookFrames, roster: Roster, assignments: Sequence[str] = (), include_waiting: bool = False
) -> LmsExport:
    """Canvas's gradebook import file (see the module docstring)."""
    chosen = select_assignments(frames, assignments)

    def check(entry: RosterEntry) -> str | None:
        user_id = entry.get("canvas_user_id")
        if user_id and not CANVAS_USER_ID.match(user_id):
            return f"{roster.source} line {entry.line}: learner {entry.learner_id!r}: canvas_user_id {user_id[:40]!r} is not a number: not exported"
        return None

    entries, problems = _usable_entries(
        frames, roster, ("canvas_user_id", "sis_user_id", "sis_login_id"), "canvas_user_id, sis_user_id or sis_login_id", check
    )
    learners = [entry.learner_id for entry in entries]
    cells, waiting, blank, not_submitted = _cells(frames, learners, chosen, include_waiting)
    maxima = frames.assignments.set_index("assignment")["max_score"]
    header = [*CANVAS_IDENTITY_COLUMNS, *(spreadsheet_safe(name) for name in chosen)]
    rows = [[CANVAS_POINTS_ROW, "", "", "", "", *(format_score(float(maxima[name])) for name in chosen)]]
    for entry in entries:
        identity = [
            spreadsheet_safe(entry.get("name")), entry.get("canvas_user_id"), entry.get("sis_user_id"),
            entry.get("sis_login_id"), spreadsheet_safe(entry.get("section")),
        ]
        rows.append([*identity, *(cells[entry.learner_id, name].score for name in chosen)])
    return LmsExport(header, rows, learners, chosen, problems, waiting, blank, not_submitted)


def moodle_export(
    frames: GradebookFrames, roster: Roster, assignments: Sequence[str] = (), include_waiting: bool = False, key: str = "email"
) -> LmsExport:
    """Moodle's grade import CSV, learners identified by ``key`` (see :data:`MOODLE_KEYS`)."""
    if key not in MOODLE_KEYS:
        raise UnknownAssignmentError(f"unknown Moodle key {key!r}; use one of {', '.join(MOODLE_KEYS)}")
    column, key_header, _ = MOODLE_KEYS[key]
    chosen = select_assignments(frames, assignments)
    entries, problems = _usable_entries(frames, roster, (column,), f"{column} (the --moodle-key)")
    learners = [entry.learner_id for entry in entries]
    cells, waiting, blank, not_submitted = _cells(frames, learners, chosen, include_waiting)
    header = [key_header]
    for name in chosen:
        header += [spreadsheet_safe(name), spreadsheet_safe(MOODLE_FEEDBACK_PREFIX + name)]
    maxima = frames.assignments.set_index("assignment")["max_score"]
    # Moodle gives a grade item created by the import a maximum of 100: say what to set instead.
    notes = ["before importing, give each Moodle grade item its maximum: "
             + ", ".join(f"{name} {format_score(float(maxima[name]))}" for name in chosen)]
    rows = []
    for entry in entries:
        row = [entry.get(column)]
        for name in chosen:
            cell = cells[entry.learner_id, name]
            row += [cell.score, cell.feedback]
        rows.append(row)
    return LmsExport(header, rows, learners, chosen, problems, waiting, blank, not_submitted, notes)


def _canvas_writer(
    frames: GradebookFrames, roster: Roster, assignments: Sequence[str], include_waiting: bool, moodle_key: str
) -> LmsExport:
    return canvas_export(frames, roster, assignments, include_waiting)  # Canvas has no --moodle-key


#: An LMS format's writer: (frames, roster, assignments, include_waiting, moodle_key) -> its import file.
LmsWriter = Callable[["GradebookFrames", "Roster", Sequence[str], bool, str], LmsExport]

#: Every LMS format ``mlteam-course export --format`` offers: its name -> its writer.
FORMATS: dict[str, LmsWriter] = {"canvas": _canvas_writer, "moodle": moodle_export}


def lms_writer(name: str) -> LmsWriter:
    """The writer of the LMS format ``name``; :class:`UnknownFormatError` naming the known ones otherwise.

    >>> lms_writer("moodle") is moodle_export
    True
    >>> lms_writer("blackboard")
    Traceback (most recent call last):
    ...
    mlteam_utils.reports.lms_export.UnknownFormatError: unknown LMS format 'blackboard'; use one of canvas, moodle
    """
    writer = FORMATS.get(name)
    if writer is None:
        raise UnknownFormatError(f"unknown LMS format {name!r}; use one of {', '.join(FORMATS)}")
    return writer


def write_lms_export(export: LmsExport, path: Path) -> Path:
    """Write ``export`` to ``path`` in one step (a reader or a crash sees the old file or the new one).

    Raises :class:`ReportError` when there is no learner to export or ``path`` is a folder.
    """
    from mlteam_utils.atomic_files import write_atomically

    if not export.learners:
        raise ReportError(
            "no learner could be exported: none of the gradebook's learners has a usable roster row "
            f"({len(export.problems)} problem(s), the first: {export.problems[0] if export.problems else 'none'})"
        )
    if path.is_dir():
        raise ReportError(f"{path} is a folder: give a file name, e.g. {path / 'lms-grades.csv'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, export.to_csv(), mode=0o640)  # grades and e-mail addresses: not for other users
    return path
