"""Cells only instructors see: removed when an assignment is generated.

A solutions notebook opens with an *instructor's answer guide* (common mistakes,
what a full-credit reflection contains). Tag such cells ``instructor-only`` and
:class:`RemoveInstructorCells` drops them from the release.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

INSTRUCTOR_TAG = "instructor-only"


def is_instructor_only(cell: NotebookNode) -> bool:
    """True if the cell carries the ``instructor-only`` tag.

    >>> from nbformat.v4 import new_markdown_cell
    >>> is_instructor_only(new_markdown_cell("guide", metadata={"tags": ["instructor-only"]}))
    True
    """
    return INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", [])


class RemoveInstructorCells(NbGraderPreprocessor):
    """Drop every ``instructor-only`` cell (runs first in generate_assignment)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        for cell in nb.cells:
            if is_instructor_only(cell) and cell.get("metadata", {}).get("nbgrader"):
                raise ValueError(
                    "An instructor-only cell must not be an nbgrader cell (it would vanish from "
                    f"the gradebook): {cell.source[:60]!r}"
                )
        nb.cells = [cell for cell in nb.cells if not is_instructor_only(cell)]
        return nb, resources
