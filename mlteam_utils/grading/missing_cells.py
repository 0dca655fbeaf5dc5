"""Where a test cell a learner deleted goes back: right after the nearest earlier cell still there.

The rule, without nbgrader: :class:`mlteam_utils.upstream.overwrite_cells.OverwriteCellsKeepingOrder`
(nbgrader's ``OverwriteCells`` with this rule instead of the one that raises ``KeyError``)
applies it while autograding.
"""

from __future__ import annotations

__all__ = ["insertion_index"]


def insertion_index(source_ids: list[str], missing_id: str, present: dict[str, int]) -> int:
    """Where a missing cell goes: right after the nearest earlier cell still present.

    >>> insertion_index(["intro", "widget", "test", "end"], "test", {"intro": 0, "end": 5})
    1
    >>> insertion_index(["a", "b"], "a", {"b": 3})
    0
    """
    position = source_ids.index(missing_id)
    for earlier in reversed(source_ids[:position]):
        if earlier in present:
            return present[earlier] + 1
    return 0
