"""Which assignments the cohort report counts: the ones learners have been given.

An assignment that is in the gradebook but was never handed out (``release``
and ``grade`` add every assignment they touch) would show as 0% complete, and
every learner as behind on it. An assignment counts once it is released in the
nbgrader exchange (its ``outbound`` folder), has a due date, or has at least
one submission (handed in some other way).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlteam_utils.reports.gradebook_frames import GradebookFrames


def course_paths(course_root: Path) -> tuple[Path, Path | None, str]:
    """(autograded folder, exchange outbound folder or None, course id) from the course's nbgrader config."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.exchange import Exchange

    from mlteam_utils.nbgrader_runner import load_course_config

    config = load_course_config(course_root)
    coursedir = CourseDirectory(config=config)
    if not config.CourseDirectory.get("root"):
        coursedir.root = str(course_root)
    outbound = Path(Exchange(config=config).root) / str(coursedir.course_id) / "outbound"
    return Path(coursedir.root) / coursedir.autograded_directory, outbound if outbound.is_dir() else None, str(coursedir.course_id)


def given_assignments(frames: GradebookFrames, outbound: Path | None) -> list[str]:
    """The assignments learners have been given, in gradebook order.

    Not :func:`mlteam_utils.reports.cohort_stats.counted_assignments`, which decides,
    among these, which ones a learner is already expected to have handed in.

    >>> from mlteam_utils.reports.gradebook_frames import build_frames
    >>> questions = [{"assignment": a, "notebook": a, "question": "q1", "cell_type": "code", "max_score": 1.0} for a in ("ex01", "ex02", "ex03")]
    >>> grades = [{"student_id": "ana", "assignment": "ex01", "notebook": "ex01", "question": "q1", "score": 1.0,
    ...            "auto_score": 1.0, "manual_score": None, "needs_manual_grade": False}]
    >>> frames = build_frames([{"student_id": "ana"}], questions, grades, duedates={"ex02": "2026-12-01"})
    >>> given_assignments(frames, None)
    ['ex01', 'ex02']
    """
    from mlteam_utils.reports.gradebook_frames import NOT_SUBMITTED

    handed_in = set(frames.submissions.loc[frames.submissions["status"] != NOT_SUBMITTED, "assignment"])
    counted = []
    for row in frames.assignments.itertuples(index=False):
        name = str(row.assignment)
        has_duedate = row.duedate is not None and str(row.duedate) not in ("NaT", "None", "nan")
        released = outbound is not None and (outbound / name).is_dir()
        if name in handed_in or has_duedate or released:
            counted.append(name)
    return counted


def released_assignments(course_root: Path, frames: GradebookFrames) -> list[str]:
    """:func:`given_assignments` for the course at ``course_root``."""
    _, outbound, _ = course_paths(course_root)
    return given_assignments(frames, outbound)
