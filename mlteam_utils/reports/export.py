"""Grades as CSV: a wide file (one row per learner) and a long one (learner x question).

Wide file (``--to FILE``), one row per learner in the gradebook:

``student_id, first_name, last_name, email, <one column per assignment>, total, max_possible, submitted, not_submitted``

- an assignment column holds the learner's score on it (nbgrader's score: the
  manual grade where one was given, else the autograde, plus extra credit);
  it is **empty when the learner has not submitted** that assignment;
- ``total`` is the sum over assignments, a missing submission counting 0;
- ``max_possible`` is the sum of every assignment's maximum (the scale of ``total``);
- ``submitted`` / ``not_submitted`` count assignments.

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
student_id,first_name,last_name,email,ex01,total,max_possible,submitted,not_submitted
ana,,,,0,0,2,1,0
ben,,,,,0,2,0,1
>>> print(long_frame(frames)[["student_id", "submitted", "score", "needs_manual_grade"]].to_csv(index=False).strip())
student_id,submitted,score,needs_manual_grade
ana,yes,0.0,no
ben,no,,
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.reports.cohort_stats import assignment_scores
from mlteam_utils.reports.gradebook_frames import ReportError

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames

FLOAT_FORMAT = "%.10g"
LONG_SUFFIX = ".long.csv"
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


def wide_frame(frames: GradebookFrames) -> pd.DataFrame:
    """One row per learner: a score column per assignment, total, max_possible, counts."""
    scores = assignment_scores(frames)
    wide = frames.learners.set_index("student_id").join(scores)
    wide["total"] = scores.sum(axis=1, skipna=True)
    wide["max_possible"] = float(frames.assignments["max_score"].sum())
    wide["submitted"] = scores.notna().sum(axis=1)
    wide["not_submitted"] = scores.isna().sum(axis=1)
    return wide.reset_index()


def long_frame(frames: GradebookFrames) -> pd.DataFrame:
    """One row per learner x question (see the module docstring for the columns)."""
    import pandas as pd

    long = frames.items.copy()
    long["submitted"] = long["submitted"].map({True: "yes", False: "no"})
    pending = long["needs_manual_grade"].astype("boolean")
    long["needs_manual_grade"] = ["" if value is pd.NA else ("yes" if value else "no") for value in pending]
    return pd.DataFrame(long[LONG_COLUMNS])


def write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` via a temporary file, so a failure never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            frame.to_csv(stream, index=False, float_format=FLOAT_FORMAT)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_export(frames: GradebookFrames, to: Path, long_to: Path | None = None) -> tuple[Path, Path]:
    """Write the wide CSV to ``to`` and the long one to ``long_to``; return both paths.

    Raises :class:`ReportError` when a target is a folder or both targets are the same file.
    """
    long_to = long_to if long_to is not None else default_long_path(to)
    for target in (to, long_to):
        if target.is_dir():
            raise ReportError(f"{target} is a folder: give a file name, e.g. {target / 'grades.csv'}")
    if to.resolve() == long_to.resolve():
        raise ReportError(f"--to and --long-to are the same file ({to}): give two different names")
    write_csv_atomically(wide_frame(frames), to)
    write_csv_atomically(long_frame(frames), long_to)
    return to, long_to
