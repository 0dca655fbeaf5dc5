"""The graded test cohort of the completion, certificate and LMS-export tests, built once per run.

Built by real nbgrader through ``mlteam-course grade`` (:func:`completion_cohort`,
memoised: grading is the expensive part), so a submission that cannot be graded
is in the outcome table; the reflections are then graded "by hand" through
nbgrader's Gradebook API, as the formgrader does, all but dan's ex01, which
waits for a person. Tests read it; a test that changes it copies it first
(:func:`copy_cohort`). The course requires modules 1 and 2 (``[completion]
modules = [1, 2]`` in its syllabus copy), both due ``DUE``:

- ``ana`` (Ana Lopez) passed both, on time: completed on 2026-02-25;
- ``ben`` (Ben <b>Okafor</b>, markup in a name) passed both, ex02 *late* (no
  penalty) and only half right, a score below full marks: completed on 2026-03-03;
- ``cat`` *failed*: ex01 passed, ex02 a broken notebook (could not be graded);
- ``dan`` *incomplete*: ex01 passed on its code and widgets, its reflection
  awaiting manual grading; ex02 not submitted;
- ``eve`` did not pass: ex01 handed in two hours late under nbgrader's own
  ``penalty_method = 'zero'`` (the late notebook's autograded points are taken
  off), ex02 not submitted.

Why two late learners under two policies: nbgrader's late penalty is a
course-wide setting, applied when a notebook is autograded. The instructor here
grades ex01 under ``penalty_method = 'zero'`` and drops it before grading ex02,
so the cohort has both a penalty to export (eve) and a late pass (ben).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course_helpers import Submission, generate, honest_submission, make_course, submit
from mlteam_utils.nbgrader_runner import nbgrader_environment
from reference_cohort import run_lock, shared_root

ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
EX01, EX02 = ASSIGNMENTS
COURSE_ID = "mlteam-onboarding"
DUE = dt.datetime(2026, 3, 1, 17, 0, 0)  # naive UTC, as nbgrader stores it
BROKEN = Submission('{"cells": [')
NAMES = {"ana": ("Ana", "Lopez"), "ben": ("Ben", "<b>Okafor</b>")}
#: learner -> assignment -> (kind of submission or BROKEN, timestamp); a missing assignment was not submitted
PLAN: dict[str, dict[str, tuple[str | Submission, str]]] = {
    "ana": {EX01: ("solution", "2026-02-20 10:00:00.000000 UTC"), EX02: ("solution", "2026-02-25 10:00:00.000000 UTC")},
    "ben": {EX01: ("solution", "2026-02-21 09:00:00.000000 UTC"), EX02: ("half_right", "2026-03-03 12:00:00.000000 UTC")},
    "cat": {EX01: ("solution", "2026-02-22 09:00:00.000000 UTC"), EX02: (BROKEN, "2026-02-27 09:00:00.000000 UTC")},
    "dan": {EX01: ("solution", "2026-02-23 09:00:00.000000 UTC")},
    "eve": {EX01: ("solution", "2026-03-01 19:00:00.000000 UTC")},  # two hours after DUE
}
#: the assignment graded under nbgrader's ``penalty_method = 'zero'`` (the other under the default, no penalty)
ZERO_PENALTY_ASSIGNMENT = EX01
#: submissions whose reflection nobody grades
WAITING = {("dan", EX01)}
#: submissions the LMS export leaves blank: could not be graded, awaiting manual grading, not submitted
NO_GRADE = {("cat", EX02), ("dan", EX01), ("dan", EX02), ("eve", EX02)}
COMPLETED_ON = {"ana": "2026-02-25", "ben": "2026-03-03"}
ZERO_PENALTY = "\nc.LateSubmissionPlugin.penalty_method = 'zero'\n"


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


def grade_each_assignment_under_its_policy(course: Path) -> str:
    """``mlteam-course grade`` on ex01 with the zero late penalty in ``nbgrader_config.py``, then on ex02 without it."""
    config = course / "nbgrader_config.py"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + ZERO_PENALTY, encoding="utf-8")
    zeroed = mlteam_course(course, "grade", ZERO_PENALTY_ASSIGNMENT, "--jobs", "2", "--quiet", "--no-isolation")
    assert zeroed.returncode == 0, zeroed.stdout + zeroed.stderr
    config.write_text(original, encoding="utf-8")
    graded = mlteam_course(course, "grade", EX02, "--jobs", "2", "--quiet", "--no-isolation")
    assert graded.returncode == 1, graded.stdout + graded.stderr  # 1: cat's broken notebook failed
    assert f"cat/{EX02}" in graded.stdout, graded.stdout
    return zeroed.stdout + graded.stdout


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
    output = grade_each_assignment_under_its_policy(course)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for learner, plan in PLAN.items():
            for assignment, (kind, _) in plan.items():
                if (learner, assignment) in WAITING or kind is BROKEN:  # broken: never graded, nothing to grade by hand
                    continue
                for notebook in gradebook.find_submission(assignment, learner).notebooks:
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            grade.manual_score = grade.max_score
                            grade.needs_manual_grade = False
        gradebook.db.commit()
    # eve's hand grade lifted her score above the zero penalty autograding stored; the
    # instructor's next command (export, report, ...) puts it back: done once here, so the
    # tests that share this cohort read it as every command leaves it (tests/test_late_penalty.py
    # checks the commands themselves).
    from mlteam_utils.cohort.late_penalties import reapply_late_penalties

    assert [(c.student, c.assignment) for c in reapply_late_penalties(course)] == [("eve", EX01)]
    return CompletionCohort(course, output)


_BUILT: dict[str, CompletionCohort] = {}


def completion_cohort(tmp_path_factory) -> CompletionCohort:  # noqa: ANN001 - pytest's TempPathFactory
    """The run's cohort, built on first use (every test module that asks shares it, in every pytest-xdist worker)."""
    if "cohort" not in _BUILT:
        root = shared_root(tmp_path_factory, "completion-cohort")
        built = root / "cohort.json"  # written last: the cohort is whole
        with run_lock(root):
            if not built.is_file():
                shutil.rmtree(root / "course", ignore_errors=True)  # left half-built by a worker that failed
                cohort = build_completion_cohort(root / "course")
                built.write_text(json.dumps({"course": str(cohort.course), "grade_output": cohort.grade_output}), encoding="utf-8")
        saved = json.loads(built.read_text(encoding="utf-8"))
        _BUILT["cohort"] = CompletionCohort(Path(saved["course"]), saved["grade_output"])
    return _BUILT["cohort"]


def copy_cohort(cohort: CompletionCohort, destination: Path) -> Path:
    """A copy of the graded course that a test may change."""
    shutil.copytree(cohort.course, destination, symlinks=True)
    return destination
