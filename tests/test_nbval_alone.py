"""`pytest --nbval lessons`, run on its own as nbval's documentation shows, keeps each
notebook's cells in order although pytest-randomly shuffles every collected item.

The hook that restores the order lives in the repository's root conftest.py, so it is
loaded whatever folder a run collects, not only through tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_helpers import REPO_ROOT


@pytest.mark.slow
def test_a_lesson_run_alone_under_a_shuffling_seed_passes(tmp_path: Path) -> None:
    lesson = "lessons/01_how_ml_projects_differ.ipynb"
    environment = {**os.environ, "HOME": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
                   "JUPYTER_DATA_DIR": str(tmp_path / "data"), "IPYTHONDIR": str(tmp_path / "ipython")}
    # Seed 7 shuffles lesson 1's cells out of order (4 of 13 fail without the root conftest's hook).
    completed = subprocess.run([sys.executable, "-m", "pytest", lesson, "-p", "randomly", "--randomly-seed=7", "-q",
                                "-p", "no:cacheprovider"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout and "failed" not in completed.stdout
