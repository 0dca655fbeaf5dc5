"""Grades as CSV: a wide file (one row per learner) and a long one (learner x question).

Wide file (``--to FILE``), one row per learner in the gradebook, and every
learner whose submission could not be graded:

``student_id, first_name, last_name, email, <one column per assignment>, total, max_possible, submitted, not_submitted, failed, late, status``

- an assignment column holds the learner's score on it (nbgrader's score: the
  manual grade where one was given, else the autograde, plus extra credit, less
  any late penalty, as ``nbgrader export`` computes it); it is **empty when
  the learner has no graded submission** of that assignment;
- ``total`` is the sum over assignments, a missing submission counting 0;
- ``max_possible`` is the sum of every assignment's maximum (the scale of ``total``);
- ``submitted`` / ``not_submitted`` count assignments (graded or not graded);
- ``failed`` counts submissions that could not be graded, ``late`` those
  submitted after their due date;
- ``status`` is ``ok``, or one ``assignment: what is wrong`` per problem
  (could not be graded and why, awaiting manual grading, late by how long).

Submissions file (``--submissions-to``, default ``FILE``'s stem +
``.submissions.csv``), one row per learner x assignment:

``student_id, assignment, status, reason, next_step, timestamp, duedate, seconds_late, late_by, late_penalty, raw_score, score, max_score``

- ``status``: ``graded``, ``awaiting manual grading``, ``could not be graded``
  or ``not submitted``; ``reason`` says why a submission could not be graded and
  ``next_step`` what the instructor does about it;
- ``timestamp`` (UTC) is when it was submitted, ``late_by`` how long after the
  due date and any extension (``h:mm:ss``, empty when on time), ``late_penalty``
  the points nbgrader's late-submission plugin took off ``raw_score``.

Long file (``--long-to``, default ``FILE``'s stem + ``.long.csv``), one row per
learner x question:

``student_id, assignment, notebook, question, cell_type, submitted, score, max_score, auto_score, manual_score, needs_manual_grade``

- ``question`` is nbgrader's grade_id; ``submitted`` is ``yes``/``no``;
- a question of a submitted assignment always has a score (``0`` when scored 0);
  for a **not submitted** one ``submitted`` is ``no`` and ``score`` and
  ``needs_manual_grade`` are empty;
- ``needs_manual_grade`` is ``yes`` while a question (e.g. the reflection) waits
  for a human grade; its ``score`` is then 0 until graded.

>>> from mlteam_utils.reports.gradebook_frames import build_frames
>>> frames = build_frames(
...     [{"student_id": "ana"}, {"student_id": "ben"}],
...     [{"assignment": "ex01", "notebook": "ex01", "question": "q1", "cell_type": "code", "max_score": 2.0}],
...     [{"student_id": "ana", "assignment": "ex01", "notebook": "ex01", "question": "q1",
...       "score": 0.0, "auto_score": 0.0, "manual_score": None, "needs_manual_grade": False}],
... )
>>> print(wide_frame(frames).to_csv(index=False, float_format=FLOAT_FORMAT).strip())
student_id,first_name,last_name,email,ex01,total,max_possible,submitted,not_submitted,failed,late,status
ana,,,,0,0,2,1,0,0,0,ok
ben,,,,,0,2,0,1,0,0,ok
>>> print(long_frame(frames)[["student_id", "submitted", "score", "needs_manual_grade"]].to_csv(index=False).strip())
student_id,submitted,score,needs_manual_grade
ana,yes,0.0,no
ben,no,,
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.atomic_files import write_atomically
from mlteam_utils.reports.cohort_stats import assignment_scores, late_by
from mlteam_utils.reports.gradebook_frames import ReportError

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames

FLOAT_FORMAT = "%.10g"
LONG_SUFFIX = ".long.csv"
SUBMISSIONS_SUFFIX = ".submissions.csv"
SUBMISSIONS_COLUMNS = [
    "student_id", "assignment", "status", "reason", "next_step", "timestamp", "duedate",
    "seconds_late", "late_by", "late_penalty", "raw_score", "score", "max_score",
]
LONG_COLUMNS = [
    "student_id", "assignment", "notebook", "question", "cell_type", "submitted",
    "score", "max_score", "auto_score", "manual_score", "needs_manual_grade",
]


def default_long_path(wide_path: Path) -> Path:
    """Where the long file goes when ``--long-to`` is not given.

    >>> default_long_path(Path("out/grades.csv"))
    PosixPath('out/grades.long.csv')
    """
    return wide_path.with_name(wide_path.stem + LONG_SUFFIX)


def default_submissions_path(wide_path: Path) -> Path:
    """Where the submissions file goes when ``--submissions-to`` is not given.

    >>> default_submissions_path(Path("out/grades.csv"))
    PosixPath('out/grades.submissions.csv')
    """
    return wide_path.with_name(wide_path.stem + SUBMISSIONS_SUFFIX)


def submission_problems(submissions: pd.DataFrame) -> str:
    """The ``status`` column of one learner's wide row: ``ok`` or each problem.

    >>> import pandas as pd
    >>> rows = pd.DataFrame([
    ...     {"assignment": "ex01", "status": "could not be graded", "reason": "Notebook JSON is invalid", "seconds_late": float("nan")},
    ...     {"assignment": "ex02", "status": "awaiting manual grading", "reason": "", "seconds_late": 7200.0},
    ... ])
    >>> submission_problems(rows)
    'ex01: could not be graded (Notebook JSON is invalid); ex02: awaiting manual grading; ex02: 2:00:00 late'
    >>> submission_problems(rows.iloc[0:0])
    'ok'
    """
    from mlteam_utils.reports.gradebook_frames import AWAITING_MANUAL, FAILED

    problems = []
    for row in submissions.to_dict("records"):
        if row["status"] == FAILED:
            problems.append(f"{row['assignment']}: {FAILED} ({row['reason']})")
        elif row["status"] == AWAITING_MANUAL:
            problems.append(f"{row['assignment']}: {AWAITING_MANUAL}")
        seconds = row["seconds_late"]
        late = late_by(float(seconds)) if seconds is not None else ""
        if late:
            problems.append(f"{row['assignment']}: {late} late")
    return "; ".join(problems) or "ok"


def wide_frame(frames: GradebookFrames) -> pd.DataFrame:
    """One row per learner: a score column per assignment, total, max_possible, counts, status."""
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import FAILED, NOT_SUBMITTED

    scores = assignment_scores(frames)
    submissions = frames.submissions
    wide = frames.learners.set_index("student_id").join(scores)
    wide["total"] = scores.sum(axis=1, skipna=True)
    wide["max_possible"] = float(frames.assignments["max_score"].sum())

    def count_per_learner(rows: pd.DataFrame) -> pd.Series:
        counts = rows.groupby("student_id").size()
        return pd.Series([int(counts.get(learner, 0)) for learner in wide.index], index=wide.index, dtype=int)

    wide["submitted"] = count_per_learner(submissions[submissions["status"] != NOT_SUBMITTED])
    wide["not_submitted"] = len(frames.assignment_names) - wide["submitted"]
    wide["failed"] = count_per_learner(submissions[submissions["status"] == FAILED])
    wide["late"] = count_per_learner(submissions[submissions["seconds_late"].fillna(0) > 0])
    by_learner = dict(tuple(submissions.groupby("student_id", sort=False)))
    wide["status"] = [submission_problems(by_learner[learner]) if learner in by_learner else "ok" for learner in wide.index]
    return wide.reset_index()


def submissions_frame(frames: GradebookFrames) -> pd.DataFrame:
    """One row per learner x assignment (see the module docstring for the columns)."""
    import pandas as pd

    table = frames.submissions.copy()
    table["late_by"] = [late_by(seconds) for seconds in table["seconds_late"]]
    return pd.DataFrame(table[SUBMISSIONS_COLUMNS])


def long_frame(frames: GradebookFrames) -> pd.DataFrame:
    """One row per learner x question (see the module docstring for the columns)."""
    import pandas as pd

    long = frames.items.copy()
    long["submitted"] = long["submitted"].map({True: "yes", False: "no"})
    pending = long["needs_manual_grade"].astype("boolean")
    long["needs_manual_grade"] = ["" if pd.isna(value) else ("yes" if value else "no") for value in pending.tolist()]
    return pd.DataFrame(long[LONG_COLUMNS])


def write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` via a temporary file, so a failure never leaves half a file.

    Text a learner may have chosen (a name, a file name in a reason) is written
    so that a spreadsheet shows it and never runs it
    (:func:`~mlteam_utils.reports.spreadsheet.spreadsheet_safe`); numbers stay numbers.

    >>> import tempfile
    >>> import pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "out" / "grades.csv"
    >>> write_csv_atomically(pd.DataFrame({"student_id": ["ada", "ben"], "first_name": ["Ada", "=1+1"], "total": [7.5, -1.0]}), path)
    >>> path.read_text(encoding="utf-8").splitlines()
    ['student_id,first_name,total', 'ada,Ada,7.5', "ben,'=1+1,-1"]
    """
    from mlteam_utils.reports.spreadsheet import spreadsheet_frame

    path.parent.mkdir(parents=True, exist_ok=True)
    # Not durable (no fsync): an export is made again from the gradebook in seconds.
    data = spreadsheet_frame(frame).to_csv(index=False, float_format=FLOAT_FORMAT).encode("utf-8")
    # Every learner's grades: the grader's and the course folder's group's, not other users'.
    write_atomically(path, data, mode=0o640)


def write_export(
    frames: GradebookFrames, to: Path, long_to: Path | None = None, submissions_to: Path | None = None
) -> tuple[Path, Path, Path]:
    """Write the wide, long and submissions CSVs; return the three paths.

    Raises :class:`ReportError` when a target is a folder or two targets are the same file.
    """
    long_to = long_to if long_to is not None else default_long_path(to)
    submissions_to = submissions_to if submissions_to is not None else default_submissions_path(to)
    targets = (to, long_to, submissions_to)
    for target in targets:
        if target.is_dir():
            raise ReportError(f"{target} is a folder: give a file name, e.g. {target / 'grades.csv'}")
    if len({target.resolve() for target in targets}) < len(targets):
        raise ReportError(f"--to, --long-to and --submissions-to must be three different files (got {', '.join(map(str, targets))})")
    write_csv_atomically(wide_frame(frames), to)
    write_csv_atomically(long_frame(frames), long_to)
    write_csv_atomically(submissions_frame(frames), submissions_to)
    return to, long_to, submissions_to
