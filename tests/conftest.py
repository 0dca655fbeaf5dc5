"""Shared test set-up.

Jupyter's per-user folders point into a temporary directory for the whole run,
so tests leave nothing in the user's home.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    home = Path(tempfile.mkdtemp(prefix="mlteam-test-home-"))
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
