"""Run every benchmark module: ``python -m benchmarks [NAME ...]``.

With names (e.g. ``python -m benchmarks imports``), only ``bench_<name>.py`` runs.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    """Module names of the benchmarks, in file-name order."""
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    wanted = {f"bench_{name.removeprefix('bench_')}" for name in argv}
    # nbgrader shells out to `alembic` from the interpreter's bin folder, as the tests know
    # too (tests/conftest.py): `python -m benchmarks` must work without the venv activated.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    failures = 0
    for name in discover():
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name.removeprefix('bench_')} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{name}").main()
        except Exception as error:  # one broken benchmark must not hide the others
            failures += 1
            print(f"FAILED: {type(error).__name__}: {error}", flush=True)
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
