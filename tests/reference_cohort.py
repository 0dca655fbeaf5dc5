"""Plain nbgrader's grading of each exercise's three reference submissions, built once per session.

For each assignment, a temporary course holds the solution, the blank release and
the half-right fixture (:func:`course_helpers.honest_submission`; each learner is
named after its kind: ``solution``, ``half_right``, ``blank``), graded by
``nbgrader autograde`` as a command: no code of ours decides a grade. The grading
round trip tests (``test_grading_roundtrip.py``) read these courses, and
``test_cohort_grade.py`` and ``test_exchange_round_trip.py`` compare their own
grading with them, so each assignment is graded this way once per run instead of
once per file.

Courses are built on demand, the missing ones together: each ``nbgrader
autograde`` is a process of its own, and two run side by side, since the suite
itself keeps one core of two busy. The courses are shared, so read only: a module
that uses one wraps it in :func:`kept_unchanged`, which fails at the module's end
if a test changed a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
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


def reference_courses(tmp_path_factory: pytest.TempPathFactory, assignments: Iterable[str]) -> dict[str, ReferenceCourse]:
    """assignment -> its reference course, grading the ones this session has not graded yet."""
    wanted = list(assignments)
    missing = [a for a in wanted if a not in _BUILT]
    if missing:
        root = tmp_path_factory.mktemp("reference-cohort")
        with ThreadPoolExecutor(max_workers=PARALLEL_GRADING) as pool:
            # generate runs in this process and changes its working folder, so one course at a
            # time here, while the pool's autograde processes (each given its own folder) run.
            running = {a: pool.submit(autograde, _submitted_course(root / a, a), a) for a in missing}
            for assignment, future in running.items():
                _BUILT[assignment] = ReferenceCourse(assignment, root / assignment, future.result())
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
