"""How long a self-learner waits for `selfgrade`: every exercise, as `make selfgrade` runs it.

A temporary checkout of the course (solutions, releases, syllabus) gets each
exercise half answered (the test fixtures); ``mlteam-course selfgrade exNN`` runs
once per exercise, in the sandbox where bubblewrap is installed, as a learner
runs it. Printed: the seconds of each, the median (target <= 8 s on 2 cores) and
whether each printed its score.

Run with ``python -m benchmarks selfgrade``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_MEDIAN_SECONDS = 8.0


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
        seconds = []
        for assignment in assignments:
            started = time.perf_counter()
            completed = subprocess.run([tool, "selfgrade", assignment.split("_")[0]], cwd=course, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            seconds.append(elapsed)
            scored = "Score:" in completed.stdout
            print(f"  {assignment:<30} {elapsed:5.1f} s  {'scored' if scored and completed.returncode == 0 else 'FAILED'}")
            if completed.returncode != 0:
                print(completed.stderr[-1500:])
        median = statistics.median(seconds)
        print(f"selfgrade median: {median:.1f} s over {len(seconds)} exercises (target <= {TARGET_MEDIAN_SECONDS:g} s) "
              f"{'OK' if median <= TARGET_MEDIAN_SECONDS else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
