"""Shared test set-up.

Jupyter's per-user folders point into a temporary directory for the whole run,
so tests leave nothing in the user's home.

The suite runs in random order (pytest-randomly: the header prints
``Using --randomly-seed=N``; ``--randomly-seed=N`` replays that order and
``-p no:randomly`` turns shuffling off). Notebook cells collected by nbval are
the exception: :func:`pytest_collection_modifyitems` puts each notebook's cells
back together and in notebook order, because they share one kernel and each
cell builds on the ones above it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
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


def _notebook_of(item: pytest.Item) -> pytest.Collector | None:
    """The nbval notebook an item is a cell of, or None for any other test."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval missing: nothing to keep in order
        return None
    return item.parent if isinstance(item, IPyNbCell) else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each notebook's cells together and in notebook order, wherever the shuffle put the notebook.

    pytest-randomly shuffles in a hook wrapper that runs before every plain
    implementation of this hook (pytest's own fixture grouping included), and
    this one runs last: the notebook takes the place of its first shuffled cell,
    so the notebooks' order still follows the seed, but nbval starts one kernel
    per notebook and runs the cells top to bottom in it. A notebook split by
    other tests would get a fresh kernel half-way and fail on names it lost.
    """
    cells: dict[pytest.Collector, list[pytest.Item]] = {}
    slots: list[pytest.Item | pytest.Collector] = []
    for item in items:
        notebook = _notebook_of(item)
        if notebook is None:
            slots.append(item)
        elif notebook not in cells:
            cells[notebook] = [item]
            slots.append(notebook)
        else:
            cells[notebook].append(item)

    def in_order() -> Iterator[pytest.Item]:
        for slot in slots:
            if isinstance(slot, pytest.Item):
                yield slot
            else:
                yield from sorted(cells[slot], key=lambda cell: cell.cell_num)  # type: ignore[attr-defined]

    items[:] = list(in_order())
