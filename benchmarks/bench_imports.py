"""Import cost: ``import mlteam_utils`` against ``import pandas, ipywidgets``.

Target: at most 1.15x, measured as the median of whole-process runs of each
(interpreter start included), alternating so that machine noise hits both.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7
TARGET = 1.15
STATEMENTS = {
    "baseline": "import pandas, ipywidgets",
    "mlteam_utils": "import mlteam_utils",
    "lesson setup": "import mlteam_utils.questions, mlteam_utils.answers",
    "matplotlib loaded by import mlteam_utils": "import sys, mlteam_utils; assert 'matplotlib' not in sys.modules",
}


def time_process(statement: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - started


def main() -> None:
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for statement in STATEMENTS.values():  # warm the file cache
        time_process(statement)
    for _ in range(RUNS):
        for name, statement in STATEMENTS.items():
            samples[name].append(time_process(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["baseline"]
    print(f"median of {RUNS} whole-process runs each (interpreter start included):")
    for name, median in medians.items():
        if name.startswith("matplotlib"):
            continue
        print(f"  {STATEMENTS[name]:<55} {median * 1000:7.0f} ms  ratio {median / base:5.2f}")
    ratio = medians["mlteam_utils"] / base
    verdict = "OK" if ratio <= TARGET else "OVER TARGET"
    print(f"import ratio mlteam_utils / (pandas, ipywidgets): {ratio:.2f} (target <= {TARGET}) {verdict}")
    print("matplotlib is not imported by `import mlteam_utils` (checked by an assertion in the run above)")
