"""nbgrader's ``OverwriteCells``, restoring a deleted test cell without crashing.

nbgrader's ``OverwriteCells.add_missing_grade_cells`` (0.9.x) re-inserts a grade cell
the learner deleted after the cell that preceded it in the source notebook, but looks
for that neighbour only among the submission's solution and grade cells. In this course
a test cell follows a read-only widget cell, so nbgrader raises ``KeyError`` and the
whole submission fails to grade. Its ``add_missing_task_cells`` raises ``KeyError`` too,
for a cell whose nbgrader metadata has no ``grade_id``.

:class:`OverwriteCellsKeepingOrder` overrides both methods (upstream calls them from
``preprocess`` when ``add_missing_cells`` is on): a deleted grade cell goes right after
the nearest earlier source cell the submission still has, of any kind
(:func:`mlteam_utils.grading.missing_cells.insertion_index`). It is configured through
``c.OverwriteCells.*`` like the original, and named in ``c.Autograde.sanitize_preprocessors``
as ``mlteam_utils.grading.preprocessors.OverwriteCellsKeepingOrder``. The contract test
fails once nbgrader no longer raises ``KeyError`` (then this class can go) or changes the
methods overridden here.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import OverwriteCells

from mlteam_utils.grading.missing_cells import insertion_index

__all__ = ["OverwriteCellsKeepingOrder"]


def _present(nb: NotebookNode) -> dict[str, int]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: index
        for index, cell in enumerate(nb.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id")
    }


class OverwriteCellsKeepingOrder(OverwriteCells):
    """``OverwriteCells`` whose restoring of deleted grade cells cannot crash.

    Configured through ``c.OverwriteCells.*`` like the original.
    """

    def add_missing_grade_cells(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_ids = [cell.name for cell in source_nb.source_cells]
        source_by_id = {cell.name: cell for cell in source_nb.source_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        for grade_cell in sorted(source_nb.grade_cells, key=lambda c: source_ids.index(c.name) if c.name in source_ids else 0):
            present = _present(nb)
            if grade_cell.name in present or grade_cell.name not in source_by_id:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back to the notebook", grade_cell.name)
            restored = self.missing_cell_transform(
                source_by_id[grade_cell.name], grade_cell.max_score, is_solution=grade_cell.name in solution_ids
            )
            nb.cells.insert(insertion_index(source_ids, grade_cell.name, present), restored)
        return nb, resources

    def add_missing_task_cells(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_by_id = {cell.name: cell for cell in source_nb.source_cells}
        present = _present(nb)
        for task_cell in source_nb.task_cells:
            if task_cell.name not in present and task_cell.name in source_by_id:
                nb.cells.append(self.missing_cell_transform(source_by_id[task_cell.name], task_cell.max_score, is_task=True))
        return nb, resources
