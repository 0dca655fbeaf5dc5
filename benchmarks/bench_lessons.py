"""Run-all time of each lesson on a fresh kernel (kernel start included).

Target: a median of at most 3 s per lesson on the course's 2-core machine.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

RUNS = 3
TARGET_SECONDS = 3.0
ROOT = Path(__file__).resolve().parent.parent


def run_all(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute(stderr=subprocess.DEVNULL)  # the kernel's start-up warnings are noise here
    return time.perf_counter() - started


def main() -> None:
    lessons = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")) + [ROOT / "course" / "index.ipynb"]
    print(f"median of {RUNS} run-alls each, fresh kernel every time (target <= {TARGET_SECONDS:g} s):")
    for path in lessons:
        median = statistics.median(run_all(path) for _ in range(RUNS))
        verdict = "OK" if median <= TARGET_SECONDS else "OVER TARGET"
        print(f"  {path.relative_to(ROOT).as_posix():<45} {median:5.2f} s  {verdict}")
