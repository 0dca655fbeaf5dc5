"""pytest set-up for the whole repository, whatever folder a run collects.

nbval runs a notebook's cells in one kernel, top to bottom; pytest-randomly shuffles
every collected item. The hook below puts each notebook's cells back together and in
order. It lives here, at the root, so that ``pytest --nbval lessons`` run on its own
(as nbval's documentation shows) keeps the order too, not only ``make test``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


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
