"""A small cohort with every case an LMS export must handle, graded by real nbgrader.

Two assignments, four learners, graded by ``mlteam-course grade`` (so a
submission that cannot be graded is recorded in its outcome table), then the
reflections graded "by hand" through nbgrader's Gradebook API, as the
formgrader does:

- ``ana`` passed: both solutions, on time, reflections graded;
- ``ben`` failed: a broken ex01 notebook (could not be graded), ex02 graded;
- ``cat`` late: ex01 handed in after its due date, under nbgrader's own
  ``penalty_method = 'zero'`` (the late notebook scores 0), ex02 half right;
- ``dan`` incomplete: ex01 half right with its reflection still awaiting
  manual grading, ex02 not submitted.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from course_helpers import Submission, generate, honest_submission, make_course, submit
from mlteam_utils.nbgrader_runner import nbgrader_environment

ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
EX01, EX02 = ASSIGNMENTS
COURSE_ID = "mlteam-onboarding"
DUE = dt.datetime(2026, 1, 1, 12, 0, 0)  # naive UTC, as nbgrader stores it
ON_TIME = "2026-01-01 09:00:00.000000 UTC"
LATE = "2026-01-01 14:00:00.000000 UTC"  # two hours after DUE

BROKEN = Submission('{"cells": [')
#: learner -> assignment -> (kind of submission or BROKEN, timestamp); a missing assignment was not submitted
PLAN: dict[str, dict[str, tuple[str | Submission, str]]] = {
    "ana": {EX01: ("solution", ON_TIME), EX02: ("solution", ON_TIME)},
    "ben": {EX01: (BROKEN, ON_TIME), EX02: ("solution", ON_TIME)},
    "cat": {EX01: ("solution", LATE), EX02: ("half_right", ON_TIME)},
    "dan": {EX01: ("half_right", ON_TIME)},
}
#: submissions whose reflection nobody grades
WAITING = {("dan", EX01)}


def db_url(course: Path) -> str:
    return f"sqlite:///{course / 'course' / 'gradebook.db'}"


def mlteam_course(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, run in ``course`` as an instructor would."""
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", *args],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=600, check=False,
    )


def build_lms_cohort(root: Path) -> Path:
    """The graded course under ``root`` (see the module docstring)."""
    from nbgrader.api import Gradebook

    course = make_course(root, ASSIGNMENTS)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    for assignment in ASSIGNMENTS:
        generate(course, assignment)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        gradebook.update_or_create_assignment(EX01, duedate=DUE)
    for learner, plan in PLAN.items():
        for assignment, (kind, timestamp) in plan.items():
            submission = kind if isinstance(kind, Submission) else honest_submission(course, assignment, kind)
            folder = submit(course, learner, assignment, {assignment: submission})
            (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    graded = mlteam_course(course, "grade", "--jobs", "2", "--quiet")
    assert graded.returncode == 1, graded.stdout + graded.stderr  # 1: ben's broken notebook failed
    assert "ben/ex01_how_ml_projects_differ" in graded.stdout, graded.stdout
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for learner, plan in PLAN.items():
            for assignment in plan:
                if (learner, assignment) in WAITING:
                    continue
                try:
                    submission = gradebook.find_submission(assignment, learner)
                except Exception:  # ben's ex01: never graded, nothing to grade by hand
                    continue
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            grade.manual_score = grade.max_score
                            grade.needs_manual_grade = False
        gradebook.db.commit()
    return course
