"""Run All of each lesson on a fresh kernel, as a learner meets it.

Two ways a learner presses Run All, each timed from a new kernel:

* **right away**: the kernel starts and every cell runs at once; timed from the
  kernel's start to the last cell's reply. Target: a median of at most 3 s per
  lesson on the course's 2-core machine.
* **after reading**: JupyterLab starts a lesson's kernel as the lesson opens; the
  learner reads for a moment (here 2 s) and then presses Run All; timed from the
  press to the last reply. This is where the kernel warm-up
  (``mlteam_utils/kernel_warm_up.py``: pyplot is imported while the learner reads)
  shows, against the same run with it turned off (``MLTEAM_KERNEL_WARM_UP=0``).

The kernel's shutdown afterwards is printed apart: nobody waits for it (the
figure in issue 27 included it).

Kernels run as on a learner's machine, where Python caches the modules it compiles
(:mod:`benchmarks.bytecode`): each lesson's first Run All fills those caches with what
it imports that no lesson before did (after install, the first lesson's compiles most);
it is printed apart ("first run") and left out of the medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bytecode import caching_bytecode

RUNS = 3
TARGET_SECONDS = 3.0
READING_SECONDS = 2.0
ROOT = Path(__file__).resolve().parent.parent
KERNEL_CONFIG = Path(sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.py"


@dataclass(frozen=True)
class RunAll:
    start: float  # the kernel's start, until it answers
    cells: float  # every cell, from the first request to the last reply
    shutdown: float


def run_all(path: Path, *, warm_up: bool = True, reading: float = 0.0) -> RunAll:
    """Start a kernel for ``path``, wait ``reading`` seconds, run every cell; the times of each part."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.get("MLTEAM_KERNEL_WARM_UP")
    os.environ["MLTEAM_KERNEL_WARM_UP"] = "1" if warm_up else "0"  # the kernel inherits it
    try:
        client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
        started = time.perf_counter()
        with client.setup_kernel(stderr=subprocess.DEVNULL):  # the kernel's start-up warnings are noise here
            ready = time.perf_counter()
            time.sleep(reading)
            pressed = time.perf_counter()
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            done = time.perf_counter()
        return RunAll(ready - started, done - pressed, time.perf_counter() - done)
    finally:
        if previous is None:
            os.environ.pop("MLTEAM_KERNEL_WARM_UP", None)
        else:
            os.environ["MLTEAM_KERNEL_WARM_UP"] = previous


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    with caching_bytecode():  # the kernels inherit the environment
        measure()


def measure() -> None:
    lessons = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    if not KERNEL_CONFIG.is_file():
        print(f"note: {KERNEL_CONFIG} is missing (run `make install`): lesson kernels do not warm up")
    print(f"median of {RUNS} runs each, a fresh kernel every time; load average {os.getloadavg()[0]:.1f}")
    print(f"  right away: kernel start + every cell (target <= {TARGET_SECONDS:g} s); "
          f"after reading: Run All pressed {READING_SECONDS:g} s after the kernel started, warm-up on / off")
    worst = 0.0
    for path in [*lessons, ROOT / "course" / "index.ipynb"]:
        first = run_all(path)  # fills the bytecode caches: not in the medians
        right_away = [run_all(path) for _ in range(RUNS)]
        total = median([r.start + r.cells for r in right_away])
        worst = max(worst, total)
        line = (f"  {path.relative_to(ROOT).as_posix():<42} right away {total:5.2f} s {'OK' if total <= TARGET_SECONDS else 'OVER TARGET'}"
                f" (start {median([r.start for r in right_away]):.2f} + cells {median([r.cells for r in right_away]):.2f};"
                f" first run {first.start + first.cells:.2f})")
        if path in lessons:
            warm, cold = [], []
            for _ in range(RUNS):  # alternating, so that machine noise hits both
                warm.append(run_all(path, reading=READING_SECONDS).cells)
                cold.append(run_all(path, warm_up=False, reading=READING_SECONDS).cells)
            line += f"; after reading {median(warm):.2f} s, without warm-up {median(cold):.2f} s (ratio {median(warm) / median(cold):.2f})"
        line += f"; shutdown {median([r.shutdown for r in right_away]):.2f} s, not waited for"
        print(line, flush=True)
    print(f"slowest lesson Run All right away: {worst:.2f} s (target <= {TARGET_SECONDS:g} s) {'OK' if worst <= TARGET_SECONDS else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
