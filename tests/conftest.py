"""Shared test set-up.

Jupyter's per-user folders point into a temporary directory for the whole run,
so tests leave nothing in the user's home.

The suite runs in random order (pytest-randomly: the header prints
``Using --randomly-seed=N``; ``--randomly-seed=N`` replays that order and
``-p no:randomly`` turns shuffling off). Notebook cells collected by nbval are
the exception: the repository's root ``conftest.py`` puts each notebook's cells
back together and in notebook order (there, so that ``pytest --nbval lessons``
run on its own keeps them too).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


_TEST_HOME: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _TEST_HOME
    home = _TEST_HOME = Path(tempfile.mkdtemp(prefix="mlteam-test-home-"))
    for variable, sub in {
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }.items():
        (home / sub).mkdir()
        os.environ[variable] = str(home / sub)
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    # nbgrader shells out to `alembic` from the interpreter's bin folder.
    bin_dir = str(Path(os.sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's Jupyter folders (kernels' runtime files, settings) at the end."""
    if _TEST_HOME is not None:
        shutil.rmtree(_TEST_HOME, ignore_errors=True)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_optional(available: bool, what: str, how_to_install: str) -> None:
    """Skip a test whose optional dependency is missing; fail instead under CI=true."""
    if available:
        return
    message = f"{what} is not available: {how_to_install}"
    if running_in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


# A throwaway PostgreSQL cluster (session-scoped) for every test folder, browser tests included.
from postgres_cluster import postgres_cluster  # noqa: E402, F401
