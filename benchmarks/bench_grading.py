"""Grading a cohort: plain sequential nbgrader against ``mlteam-course grade --jobs 2``.

A synthetic cohort of 100 submissions (20 learners x 5 assignments, a mix of
right, half-right and blank, built from the test fixtures) is graded twice in
the same run, in two identical temporary courses:

* baseline: ``nbgrader autograde ASSIGNMENT`` for each assignment, one after the other;
* ours: ``mlteam-course grade --jobs 2`` (isolation as the command's default).

Printed: seconds per notebook for each, the throughput ratio (target >= 2.0 on
this 2-core machine), the peak memory of each process tree, and whether every
grade is identical between the two.

Run with ``python -m benchmarks grading``. ``MLTEAM_BENCH_LEARNERS`` changes the
number of learners (default 20).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
ASSIGNMENT_COUNT = 5


def _tree_rss(process: psutil.Process) -> int:  # noqa: F821
    import psutil

    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def timed_run(command: list[str], cwd: Path) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Wall time, peak memory of the whole process tree (sampled), and the result."""
    import psutil

    from mlteam_utils.nbgrader_runner import nbgrader_environment

    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=nbgrader_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        watched = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.Error:
                return
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    return elapsed, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def build_cohort(root: Path, assignments: list[str], learners: int) -> Path:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from course_helpers import HONEST_KINDS, generate, honest_submission, make_course, submit

    course = make_course(root, assignments)
    for assignment in assignments:
        generate(course, assignment)
        for number in range(learners):
            kind = HONEST_KINDS[(number + assignments.index(assignment)) % len(HONEST_KINDS)]
            submit(course, f"learner{number:03d}", assignment, {assignment: honest_submission(course, assignment, kind)})
    return course


def all_grades(course: Path) -> dict[tuple[str, str, str], tuple[float | None, bool]]:
    from nbgrader.api import Gradebook

    grades = {}
    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        grades[(submission.student.id, assignment.name, grade.name)] = (grade.auto_score, grade.needs_manual_grade)
    return grades


def main() -> None:
    from mlteam_utils.syllabus import load_syllabus

    learners = int(os.environ.get("MLTEAM_BENCH_LEARNERS", "20"))
    assignments = [m.exercise_id for m in load_syllabus().available_modules][:ASSIGNMENT_COUNT]
    with tempfile.TemporaryDirectory(prefix="mlteam-bench-grading-") as scratch:
        baseline_course = build_cohort(Path(scratch) / "baseline", assignments, learners)
        ours_course = Path(scratch) / "ours"
        shutil.copytree(baseline_course, ours_course, symlinks=True)
        notebooks = learners * len(assignments)
        print(f"cohort: {notebooks} submissions ({learners} learners x {len(assignments)} assignments)")

        baseline_time, baseline_peak = 0.0, 0
        for assignment in assignments:
            elapsed, peak, completed = timed_run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], baseline_course)
            if completed.returncode != 0:
                raise RuntimeError(f"nbgrader autograde {assignment} failed:\n{completed.stderr[-2000:]}")
            baseline_time += elapsed
            baseline_peak = max(baseline_peak, peak)

        ours_time, ours_peak, completed = timed_run(
            [sys.executable, "-m", "mlteam_utils.cli", "grade", "--jobs", "2", "--quiet"], ours_course
        )
        if completed.returncode != 0:
            raise RuntimeError(f"mlteam-course grade failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")

        baseline_grades, our_grades = all_grades(baseline_course), all_grades(ours_course)
        identical = baseline_grades == our_grades and len(baseline_grades) > 0
        ratio = baseline_time / ours_time
        print(f"plain nbgrader autograde (sequential): {baseline_time:6.1f} s, {baseline_time / notebooks:.2f} s/notebook, peak memory {baseline_peak / 2**20:.0f} MiB")
        print(f"mlteam-course grade --jobs 2:          {ours_time:6.1f} s, {ours_time / notebooks:.2f} s/notebook, peak memory {ours_peak / 2**20:.0f} MiB")
        print(f"throughput ratio: {ratio:.2f}x (target >= {TARGET_RATIO}x) {'OK' if ratio >= TARGET_RATIO else 'BELOW TARGET'}")
        print(f"grades identical: {'yes' if identical else 'NO'} ({len(our_grades)} graded cells compared)")
        if not identical:
            raise RuntimeError("the two ways of grading disagree")


if __name__ == "__main__":
    main()
