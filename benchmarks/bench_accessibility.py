"""Accessibility counts: axe-core on the pages a learner and an instructor see.

Runs the browser tests that audit pages with axe-core (``tests/browser/test_accessibility.py``,
lesson 1 and exercise 1's feedback page in both themes in ``tests/browser/test_on_screen.py``,
and the instructor pages in ``tests/browser/test_cohort_report.py``), then prints, per page,
the serious and critical violations in what the course renders, ipywidgets' controls included
(target 0), and apart, JupyterLab's own. Needs Chromium and the ``browser`` extra.

Run with ``python -m benchmarks accessibility``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
COUNTED = ("serious", "critical")


def _count(violations: list[dict], counted_only: bool) -> int:
    return sum(len(v["nodes"]) for v in violations if not counted_only or v.get("impact") in COUNTED)


def main() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/browser/test_accessibility.py",
         "tests/browser/test_on_screen.py", "tests/browser/test_cohort_report.py",
         "-k", "accessibility or keyboard or lesson_one or exercise_one"],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    summary = [line for line in completed.stdout.splitlines() if " passed" in line or " failed" in line or " skipped" in line]
    print(f"browser accessibility tests: {summary[-1].strip() if summary else 'no result'}")
    audits = sorted(ARTIFACTS.glob("*/axe_*.json"))
    if not audits:
        print("no axe results (are Chromium and Playwright installed?)")
        print(completed.stdout[-2000:])
        return
    total = 0
    print(f"  {'page':<22} {'course: serious+critical':>25} {'JupyterLab own':>15}")
    for path in audits:
        data = json.loads(path.read_text(encoding="utf-8"))
        course = _count(data.get("course", []), counted_only=True)
        total += course
        print(f"  {path.stem.removeprefix('axe_'):<22} {course:>25} {_count(data.get('jupyterlab', []), False):>15}")
    print(f"serious or critical violations in the course's content: {total} (target 0) {'OK' if total == 0 else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
