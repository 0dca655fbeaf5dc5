"""How long a self-learner waits for `selfgrade`: every exercise, as `make selfgrade` runs it.

A temporary checkout of the course (solutions, releases, syllabus) gets each
exercise half answered (the test fixtures); ``mlteam-course selfgrade exNN`` runs
once per exercise, in the sandbox where bubblewrap is installed, as a learner
runs it. Printed: the seconds of each (wall clock, and the CPU seconds of the
command and the processes it waited for: a figure less moved by other work on the
machine), the median (target <= 5 s on 2 cores), whether each printed its score,
and whether anything but its progress lines reached the terminal's stderr (a
library's warning, say).

Timed as on a learner's machine, where Python caches the modules it compiles
(:mod:`benchmarks.bytecode`): one untimed first run, without the sandbox (the
learner's lab kernel ran the notebook before; the sandbox cannot write caches),
fills them, and its seconds are printed apart.

Run with ``python -m benchmarks selfgrade``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bytecode import learner_environment

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_MEDIAN_SECONDS = 5.0
#: What selfgrade itself writes to stderr after its first line: its steps.
PROGRESS = re.compile(r"^  [123]/3 ")


def learner_checkout(root: Path) -> list[str]:
    """A course checkout with every exercise half answered; returns the exercise ids."""
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    import nbformat

    from course_helpers import fill_cells, load_fixture, make_course
    from mlteam_utils.grading.settings import answers_filename
    from mlteam_utils.syllabus import load_syllabus

    assignments = [m.exercise_id for m in load_syllabus().available_modules]
    make_course(root, assignments)
    for assignment in assignments:
        folder = root / "exercises" / assignment
        shutil.copytree(REPO_ROOT / "exercises" / assignment, folder, ignore=shutil.ignore_patterns("*.answers.json", "*.feedback.html"))
        half = load_fixture(assignment, "half_right.cells.json")
        notebook = folder / f"{assignment}.ipynb"
        nbformat.write(fill_cells(notebook, half["cells"], half["reflection"]), notebook)
        (folder / answers_filename(assignment)).write_text(json.dumps(load_fixture(assignment, "half_right.answers.json")))
    return assignments


def main() -> None:
    tool = str(Path(sys.executable).parent / "mlteam-course")
    with tempfile.TemporaryDirectory(prefix="mlteam-bench-selfgrade-") as scratch:
        course = Path(scratch) / "checkout"
        assignments = learner_checkout(course)
        seconds, cpu = [], []
        env = learner_environment()
        started = time.perf_counter()
        first = subprocess.run([tool, "selfgrade", "--no-isolation", assignments[0].split("_")[0]], cwd=course,
                               capture_output=True, text=True, env=env)
        print(f"first run after install, without the sandbox (Python compiles and caches what it imports; not in the median): "
              f"{time.perf_counter() - started:.1f} s{'' if first.returncode == 0 else ' FAILED'}")
        print(f"load average at the start: {os.getloadavg()[0]:.1f}")
        for assignment in assignments:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            completed = subprocess.run([tool, "selfgrade", assignment.split("_")[0]], cwd=course, capture_output=True, text=True,
                                       env=env)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds.append(elapsed)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            scored = "Score:" in completed.stdout
            stray = [line for line in completed.stderr.splitlines()[1:] if not PROGRESS.match(line)]
            print(f"  {assignment:<30} {elapsed:5.1f} s (CPU {cpu[-1]:4.1f} s)  {'scored' if scored and completed.returncode == 0 else 'FAILED'}"
                  f"{'' if not stray else f'; {len(stray)} other line(s) on stderr, first: {stray[0][:80]!r}'}")
            if completed.returncode != 0:
                print(completed.stderr[-1500:])
        median = statistics.median(seconds)
        print(f"selfgrade median: {median:.1f} s (CPU {statistics.median(cpu):.1f} s) over {len(seconds)} exercises "
              f"(target <= {TARGET_MEDIAN_SECONDS:g} s) {'OK' if median <= TARGET_MEDIAN_SECONDS else 'ABOVE TARGET'}; "
              f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
