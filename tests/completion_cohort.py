"""A graded cohort with a passed, a late, a failed (could not be graded), an incomplete and a not-passed learner.

Built once per test session (:func:`completion_cohort`, memoised: grading is the
expensive part) by real nbgrader through ``mlteam-course grade``, so a
submission that cannot be graded is in the outcome table; the reflections of
``ana`` are then graded "by hand" through nbgrader's Gradebook API, as the
formgrader does. Tests read it; a test that changes it copies it first
(:func:`copy_cohort`). The course requires modules 1 and 2 (``[completion]
modules = [1, 2]`` in its syllabus copy), both due ``DUE``:

- ``ana`` (Ana Lopez) passed both, on time, reflections hand-graded: completed on 2026-02-25;
- ``ben`` (Ben <b>Okafor</b>, markup in a name) passed both, ex02 *late*: completed on 2026-03-03;
- ``cat`` *failed*: ex01 passed, ex02 a broken notebook (could not be graded);
- ``dan`` *incomplete*: ex01 passed, ex02 not submitted;
- ``eve`` did not pass: ex01 handed in blank, ex02 not submitted.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course_helpers import Submission, generate, honest_submission, make_course, submit
from mlteam_utils.nbgrader_runner import nbgrader_environment

ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
EX01, EX02 = ASSIGNMENTS
COURSE_ID = "mlteam-onboarding"
DUE = dt.datetime(2026, 3, 1, 17, 0, 0)  # naive UTC, as nbgrader stores it
BROKEN = Submission('{"cells": [')
NAMES = {"ana": ("Ana", "Lopez"), "ben": ("Ben", "<b>Okafor</b>")}
#: learner -> assignment -> (kind of submission or BROKEN, timestamp); a missing assignment was not submitted
PLAN: dict[str, dict[str, tuple[str | Submission, str]]] = {
    "ana": {EX01: ("solution", "2026-02-20 10:00:00.000000 UTC"), EX02: ("solution", "2026-02-25 10:00:00.000000 UTC")},
    "ben": {EX01: ("solution", "2026-02-21 09:00:00.000000 UTC"), EX02: ("solution", "2026-03-03 12:00:00.000000 UTC")},
    "cat": {EX01: ("solution", "2026-02-22 09:00:00.000000 UTC"), EX02: (BROKEN, "2026-02-27 09:00:00.000000 UTC")},
    "dan": {EX01: ("solution", "2026-02-23 09:00:00.000000 UTC")},
    "eve": {EX01: ("blank", "2026-02-24 09:00:00.000000 UTC")},
}
HAND_GRADED = {"ana"}
COMPLETED_ON = {"ana": "2026-02-25", "ben": "2026-03-03"}


@dataclass(frozen=True)
class CompletionCohort:
    """The graded course and what grading printed."""

    course: Path
    grade_output: str


def db_url(course: Path) -> str:
    return f"sqlite:///{course / 'course' / 'gradebook.db'}"


def mlteam_course(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, run in ``course`` as an instructor would."""
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(course), *args],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=600, check=False,
        stdin=subprocess.DEVNULL,
    )


def require_modules(course: Path, modules: str) -> None:
    """Set ``[completion] modules`` in the course's syllabus copy (e.g. ``"[1, 2]"``)."""
    syllabus = course / "course" / "syllabus.toml"
    text, count = re.subn(r"(?m)^modules = .*$", f"modules = {modules}", syllabus.read_text(encoding="utf-8"), count=1)
    assert count == 1, "the syllabus has no [completion] modules line"
    syllabus.write_text(text, encoding="utf-8")


def build_completion_cohort(root: Path) -> CompletionCohort:
    """The graded course under ``root`` (see the module docstring)."""
    from nbgrader.api import Gradebook

    course = make_course(root, ASSIGNMENTS)
    require_modules(course, "[1, 2]")
    for assignment in ASSIGNMENTS:
        generate(course, assignment)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for assignment in ASSIGNMENTS:
            gradebook.update_or_create_assignment(assignment, duedate=DUE)
        for learner, (first, last) in NAMES.items():
            gradebook.update_or_create_student(learner, first_name=first, last_name=last)
    for learner, plan in PLAN.items():
        for assignment, (kind, timestamp) in plan.items():
            submission = kind if isinstance(kind, Submission) else honest_submission(course, assignment, kind)
            folder = submit(course, learner, assignment, {assignment: submission})
            (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    graded = mlteam_course(course, "grade", "--jobs", "2", "--quiet", "--no-isolation")
    assert graded.returncode == 1, graded.stdout + graded.stderr  # 1: cat's broken notebook failed
    assert f"cat/{EX02}" in graded.stdout, graded.stdout
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for learner in HAND_GRADED:
            for assignment in PLAN[learner]:
                for notebook in gradebook.find_submission(assignment, learner).notebooks:
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            grade.manual_score = grade.max_score
                            grade.needs_manual_grade = False
        gradebook.db.commit()
    return CompletionCohort(course, graded.stdout)


_BUILT: dict[str, CompletionCohort] = {}


def completion_cohort(tmp_path_factory) -> CompletionCohort:  # noqa: ANN001 - pytest's TempPathFactory
    """The session's cohort, built on first use (every test module that asks shares it)."""
    if "cohort" not in _BUILT:
        _BUILT["cohort"] = build_completion_cohort(tmp_path_factory.mktemp("completion-cohort") / "course")
    return _BUILT["cohort"]


def copy_cohort(cohort: CompletionCohort, destination: Path) -> Path:
    """A copy of the graded course that a test may change."""
    shutil.copytree(cohort.course, destination, symlinks=True)
    return destination
