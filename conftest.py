"""pytest set-up for the whole repository, whatever folder a run collects.

nbval runs a notebook's cells in one kernel, top to bottom; pytest-randomly shuffles
every collected item. The hook below puts each notebook's cells back together and in
order. It lives here, at the root, so that ``pytest --nbval lessons`` run on its own
(as nbval's documentation shows) keeps the order too, not only ``make test``.

``make test`` runs the suite on two processes (pytest-xdist, ``--dist loadfile``): one
process runs a whole file, in the seeded order, so a notebook's cells share a kernel and a
module's fixtures are built once. The files that change the machine itself (Unix users,
ACLs) are one unit of work, so no two of them run at once, and the browser files another,
so their package's servers start once (the scheduler below).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

#: Test files that change the machine, not a temporary folder: they add Unix users (``useradd``
#: locks /etc/passwd) and grant ACLs on folders such as /root, then take them back, which would
#: pull them from under another such test running at the same moment.
MACHINE_WIDE_FILES = frozenset({
    "tests/browser/test_hub.py",
    "tests/test_hub_layout.py",
    "tests/test_learner_uids.py",
    "tests/test_safe_collect.py",
})
MACHINE_WIDE_GROUP = "machine-wide"
#: The other browser files share their package's fixtures (a JupyterLab server, the formgrader's, a graded
#: submission, Chromium): one unit, so they are started once, not once in each process.
BROWSER_FOLDER, BROWSER_GROUP = "tests/browser/", "browser"
#: Marks of the tests that take seconds to minutes (pyproject's markers); their groups start first.
SLOW_MARKS = ("slow", "nbgrader", "browser")


def work_unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to under pytest-xdist: its file, or the machine-wide or browser group.

    >>> work_unit_of("lessons/L01_x.ipynb::Cell 3")
    'lessons/L01_x.ipynb'
    >>> work_unit_of("tests/test_hub_layout.py::test_it[a]"), work_unit_of("tests/browser/test_hub.py::test_it")
    ('machine-wide', 'machine-wide')
    >>> work_unit_of("tests/browser/test_exercise.py::test_it")
    'browser'
    """
    file = nodeid.split("::", 1)[0]
    if file in MACHINE_WIDE_FILES:
        return MACHINE_WIDE_GROUP
    return BROWSER_GROUP if file.startswith(BROWSER_FOLDER) else file


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``, with the machine-wide files as one unit of work, and the browser files as another.

    Not ``--dist loadgroup`` and ``xdist_group`` marks: pytest-xdist 3.8 groups by renaming
    each test's ``_nodeid``, which pytest 9 no longer reads, so the marks are silently lost.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class MachineWideTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit_of(nodeid)

    return MachineWideTogether(config, log)


def _notebook_of(item: pytest.Item) -> pytest.Collector | None:
    """The nbval notebook an item is a cell of, or None for any other test."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval missing: nothing to keep in order
        return None
    return item.parent if isinstance(item, IPyNbCell) else None


def _slow_groups_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The longest work first, so two processes end close together instead of one grading alone at
    the end: the machine-wide and browser groups (many minutes each), then the files with a slow
    test, then the rest, each kind in the seeded order."""
    slow = {work_unit_of(i.nodeid) for i in items if any(i.get_closest_marker(m) for m in SLOW_MARKS)}

    def rank(item: pytest.Item) -> int:
        unit = work_unit_of(item.nodeid)
        return 0 if unit in (MACHINE_WIDE_GROUP, BROWSER_GROUP) else 1 if unit in slow else 2

    return sorted(items, key=rank)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep each notebook's cells together and in notebook order, wherever the shuffle put the notebook.

    pytest-randomly shuffles in a hook wrapper that runs before every plain
    implementation of this hook (pytest's own fixture grouping included), and
    this one runs last: the notebook takes the place of its first shuffled cell,
    so the notebooks' order still follows the seed, but nbval starts one kernel
    per notebook and runs the cells top to bottom in it. A notebook split by
    other tests would get a fresh kernel half-way and fail on names it lost.
    In a pytest-xdist worker the slow groups come first (each worker sorts alike).
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
    if hasattr(config, "workerinput"):
        items[:] = _slow_groups_first(items)
