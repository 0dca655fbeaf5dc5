"""Plain nbgrader's grading of each exercise's three reference submissions, built once per run.

For each assignment, a temporary course holds the solution, the blank release and
the half-right fixture (:func:`course_helpers.honest_submission`; each learner is
named after its kind: ``solution``, ``half_right``, ``blank``), graded by
``nbgrader autograde`` as a command: no code of ours decides a grade. The grading
round trip tests (``test_grading_roundtrip.py``) read these courses, and
``test_cohort_grade.py`` and ``test_exchange_round_trip.py`` compare their own
grading with them, so each assignment is graded this way once per run instead of
once per file.

Courses are built on demand, the missing ones together: each ``nbgrader
autograde`` is a process of its own, and two run side by side. Under pytest-xdist
(``make test``) the courses are the run's, not one worker's: whichever worker needs
one first grades it, the other waits for it and reads it. The courses are shared, so
read only: a module that uses one wraps it in :func:`kept_unchanged`, which fails at
the module's end if a test changed a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_helpers import HONEST_KINDS, autograde, generate, honest_submission, make_course, scores, submit

#: autograde processes run at once (the CI machine has two cores)
PARALLEL_GRADING = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class ReferenceCourse:
    """One assignment's course, graded by plain nbgrader, and what ``nbgrader autograde`` printed."""

    assignment: str
    course: Path
    autograde: subprocess.CompletedProcess[str]

    def scores(self) -> dict[str, dict[str, float | None]]:
        """kind -> {grade_id: auto score}, read from the course's gradebook."""
        return scores(self.course, self.assignment)

    def totals(self) -> dict[str, float]:
        """kind -> total auto score (a cell graded by hand counts 0)."""
        return {kind: sum(v or 0 for v in grades.values()) for kind, grades in self.scores().items()}


_BUILT: dict[str, ReferenceCourse] = {}


def _submitted_course(root: Path, assignment: str) -> Path:
    """The course with the release generated and the three reference submissions handed in."""
    course = make_course(root, [assignment])
    generate(course, assignment)
    for kind in HONEST_KINDS:
        submit(course, kind, assignment, {assignment: honest_submission(course, assignment, kind)})
    return course


def shared_root(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """The run's folder ``name``, the same for every pytest-xdist worker.

    A worker's base temporary folder is ``<the run's>/popen-gwN``: the folder goes in the run's.
    """
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    root.mkdir(exist_ok=True)
    return root


@contextlib.contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """One pytest-xdist worker at a time builds what ``root`` lacks; another waits, then reads it.

    The lock goes with its file's closing, also when the build fails.
    """
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _record(root: Path, assignment: str) -> Path:
    """What ``nbgrader autograde`` printed, written once the course is whole (so it marks it done)."""
    return root / f"{assignment}.autograde.json"


def reference_courses(tmp_path_factory: pytest.TempPathFactory, assignments: Iterable[str]) -> dict[str, ReferenceCourse]:
    """assignment -> its reference course, grading the ones this run has not graded yet."""
    wanted = list(assignments)
    missing = [a for a in wanted if a not in _BUILT]
    if missing:
        root = shared_root(tmp_path_factory, "reference-cohort")
        with run_lock(root):
            to_grade = [a for a in missing if not _record(root, a).is_file()]
            for assignment in to_grade:  # left half-built by a worker that failed
                shutil.rmtree(root / assignment, ignore_errors=True)
            with ThreadPoolExecutor(max_workers=PARALLEL_GRADING) as pool:
                # generate runs in this process and changes its working folder, so one course at a
                # time here, while the pool's autograde processes (each given its own folder) run.
                running = {a: pool.submit(autograde, _submitted_course(root / a, a), a) for a in to_grade}
                for assignment, future in running.items():
                    done = future.result()
                    printed = {"args": [str(arg) for arg in done.args], "returncode": done.returncode,
                               "stdout": done.stdout, "stderr": done.stderr}
                    _record(root, assignment).write_text(json.dumps(printed), encoding="utf-8")
            for assignment in missing:
                printed = json.loads(_record(root, assignment).read_text(encoding="utf-8"))
                _BUILT[assignment] = ReferenceCourse(assignment, root / assignment, subprocess.CompletedProcess(**printed))
    return {a: _BUILT[a] for a in wanted}


def folder_digest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder`` (links are not followed)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


@contextlib.contextmanager
def kept_unchanged(*references: ReferenceCourse) -> Iterator[None]:
    """Fail on leaving if a file in one of the ``references``' courses changed.

    For a module-scoped fixture: ``with kept_unchanged(reference): yield reference``.
    """
    before = [folder_digest(r.course) for r in references]
    yield
    for reference, digest in zip(references, before, strict=True):
        after = folder_digest(reference.course)
        changed = sorted(n for n in digest.keys() | after.keys() if digest.get(n) != after.get(n))
        assert not changed, f"a test changed the shared reference course of {reference.assignment} (copy it first): {changed[:10]}"
