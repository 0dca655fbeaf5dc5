"""Grading a cohort: plain sequential nbgrader against ``mlteam-course grade`` with its defaults.

A synthetic cohort of 100 submissions (20 learners x 5 assignments, a mix of
right, half-right and blank, built from the test fixtures) is graded in the same
run, in identical temporary courses:

* baseline: ``nbgrader autograde ASSIGNMENT`` for each assignment, one after the other;
* ours: ``mlteam-course grade`` with its defaults (isolation on; as many workers as
  ``default_jobs()`` picks), and with each ``--jobs N`` asked for in ``MLTEAM_BENCH_JOBS``.

Printed for each: seconds per notebook, CPU seconds per notebook (the whole process
tree's, sandboxed kernels included, from ``perf stat`` where it runs: on a shared machine
wall time depends on the other load, CPU time hardly), the throughput ratio over the baseline
(target >= 3.0 for the defaults on this 2-core machine), the grading throughput per
worker process (submissions per minute, to size a Kubernetes Job), the peak memory of
the process tree (sampled RSS, summed over the tree) and of its largest single process
(``ru_maxrss`` from ``wait4``, exact), and whether every grade is identical to the baseline's.

Run with ``python -m benchmarks grading``. ``MLTEAM_BENCH_LEARNERS`` changes the
number of learners (default 20); ``MLTEAM_BENCH_JOBS=2,3,4`` also times those ``--jobs``
values in the same run (``default`` names the defaults; the machine is shared, so only
ratios taken in one run compare).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
ASSIGNMENT_COUNT = 5


def _tree_rss(process: psutil.Process) -> int:  # noqa: F821
    import psutil

    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


@dataclass(frozen=True)
class Run:
    """One timed command: wall time, peak memory, and what it printed."""

    elapsed: float
    #: The highest sum of RSS over the whole process tree, sampled every 0.1 s.
    tree_peak: int
    #: The largest RSS any single process of the tree reached (ru_maxrss of the reaped tree), exact.
    largest_process: int
    completed: subprocess.CompletedProcess[str]
    #: CPU seconds of the whole tree (``perf stat``'s task-clock; without perf, only the reaped
    #: processes' user + system time): unlike wall time, hardly changed by other load.
    cpu: float = 0.0


def timed_run(command: list[str], cwd: Path) -> Run:
    """Run ``command``; time it and watch the memory of its whole process tree."""
    import psutil

    from mlteam_utils.nbgrader_runner import nbgrader_environment

    handle, name = tempfile.mkstemp(prefix="mlteam-bench-cpu-")
    os.close(handle)
    counter = Path(name)
    counted = [*cpu_counter(counter), *command]
    started = time.perf_counter()
    process = subprocess.Popen(counted, cwd=cwd, env=nbgrader_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()
    output: dict[str, str] = {}

    def sample() -> None:
        nonlocal peak
        watched = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.Error:
                return
            stop.wait(0.1)

    def drain(name: str, stream: IO[str]) -> None:
        output[name] = stream.read()

    threads = [threading.Thread(target=sample, daemon=True)]
    threads += [threading.Thread(target=drain, args=(name, stream), daemon=True)
                for name, stream in (("stdout", process.stdout), ("stderr", process.stderr)) if stream is not None]
    for thread in threads:
        thread.start()
    # wait4, not Popen.wait: its rusage covers this child and every descendant it reaped.
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join()
    cpu = counted_cpu(counter) if counted != command else usage.ru_utime + usage.ru_stime
    counter.unlink(missing_ok=True)
    completed = subprocess.CompletedProcess(command, process.returncode, output.get("stdout", ""), output.get("stderr", ""))
    # ru_maxrss is in KiB on Linux
    return Run(elapsed, peak, usage.ru_maxrss * 1024, completed, cpu)


@functools.cache
def perf_works() -> bool:
    """Whether ``perf stat`` can count this user's processes here (perf_event_paranoid allows it)."""
    perf = shutil.which("perf")
    return perf is not None and subprocess.run([perf, "stat", "-e", "task-clock", "--", "true"], capture_output=True).returncode == 0


def cpu_counter(output: Path) -> list[str]:
    """A prefix that counts the CPU time of a command's whole tree (``perf stat``), or none.

    wait4's rusage covers only the processes each parent reaped: a sandboxed kernel is
    stopped by killing bubblewrap, and the kernel's CPU time dies with its namespace.
    ``perf stat`` counts every descendant as it exits, reaped or not.
    """
    return ["perf", "stat", "-x,", "-e", "task-clock", "-o", str(output), "--"] if perf_works() else []


def counted_cpu(output: Path) -> float:
    """CPU seconds ``perf stat`` wrote (task-clock, in ms) into ``output``."""
    for line in output.read_text(encoding="utf-8").splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2] == "task-clock" and fields[0].replace(".", "", 1).isdigit():
            return float(fields[0]) / 1000
    raise RuntimeError(f"perf stat wrote no task-clock: {output.read_text(encoding='utf-8')!r}")


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


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def jobs_to_time() -> list[str | None]:
    """The ``--jobs`` values to time: None (the defaults) first, then MLTEAM_BENCH_JOBS's."""
    asked = [item.strip() for item in os.environ.get("MLTEAM_BENCH_JOBS", "").split(",") if item.strip()]
    return [None, *[item for item in asked if item != "default"]]


def main() -> None:
    from mlteam_utils.cohort.grade import default_jobs
    from mlteam_utils.syllabus import load_syllabus

    learners = int(os.environ.get("MLTEAM_BENCH_LEARNERS", "20"))
    assignments = [m.exercise_id for m in load_syllabus().available_modules][:ASSIGNMENT_COUNT]
    with tempfile.TemporaryDirectory(prefix="mlteam-bench-grading-") as scratch:
        baseline_course = build_cohort(Path(scratch) / "baseline", assignments, learners)
        pristine = Path(scratch) / "pristine"
        shutil.copytree(baseline_course, pristine, symlinks=True)
        notebooks = learners * len(assignments)
        print(f"cohort: {notebooks} submissions ({learners} learners x {len(assignments)} assignments); "
              f"default_jobs() here: {default_jobs()}")

        baseline_time, baseline_cpu, baseline_peak, baseline_largest = 0.0, 0.0, 0, 0
        for assignment in assignments:
            run = timed_run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], baseline_course)
            if run.completed.returncode != 0:
                raise RuntimeError(f"nbgrader autograde {assignment} failed:\n{run.completed.stderr[-2000:]}")
            baseline_time += run.elapsed
            baseline_cpu += run.cpu
            baseline_peak, baseline_largest = max(baseline_peak, run.tree_peak), max(baseline_largest, run.largest_process)
        baseline_grades = all_grades(baseline_course)
        print(f"plain nbgrader autograde (sequential): {baseline_time:6.1f} s, {baseline_time / notebooks:.2f} s/notebook, "
              f"{60 * notebooks / baseline_time:5.1f} submissions/min per process, "
              f"{baseline_cpu / notebooks:.2f} CPU s/notebook, peak memory {_mib(baseline_peak)} (largest process {_mib(baseline_largest)})", flush=True)

        disagreements, default_ratio = [], 0.0
        for index, jobs in enumerate(jobs_to_time()):
            course = Path(scratch) / f"ours-{index}"
            shutil.copytree(pristine, course, symlinks=True)
            label = f"--jobs {jobs}" if jobs else f"(defaults: {default_jobs()} jobs)"
            run = timed_run([sys.executable, "-m", "mlteam_utils.cli", "grade", *(["--jobs", jobs] if jobs else []), "--quiet"], course)
            if run.completed.returncode != 0:
                raise RuntimeError(f"mlteam-course grade {label} failed:\n{run.completed.stdout[-2000:]}\n{run.completed.stderr[-2000:]}")
            workers = int(jobs) if jobs else default_jobs()
            ratio = baseline_time / run.elapsed
            our_grades = all_grades(course)
            identical = baseline_grades == our_grades and len(baseline_grades) > 0
            if not identical:
                disagreements.append(label)
            if jobs is None:
                default_ratio = ratio
            print(f"mlteam-course grade {label:21} {run.elapsed:6.1f} s, {run.elapsed / notebooks:.2f} s/notebook, "
                  f"{60 * notebooks / run.elapsed / workers:5.1f} submissions/min per worker process, "
                  f"{run.cpu / notebooks:.2f} CPU s/notebook, peak memory {_mib(run.tree_peak)} ({_mib(run.tree_peak // workers)} per worker; "
                  f"largest process {_mib(run.largest_process)}); ratio {ratio:.2f}x; "
                  f"grades identical: {'yes' if identical else 'NO'} ({len(our_grades)} graded cells)", flush=True)
            shutil.rmtree(course, ignore_errors=True)
        verdict = "OK" if default_ratio >= TARGET_RATIO else "BELOW TARGET"
        print(f"throughput ratio with the defaults: {default_ratio:.2f}x (target >= {TARGET_RATIO}x) {verdict}")
        if disagreements:
            raise RuntimeError(f"grading disagrees with nbgrader autograde: {', '.join(disagreements)}")


if __name__ == "__main__":
    main()
