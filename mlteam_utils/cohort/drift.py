"""Solutions that moved on since learners submitted: notice it, say what changed.

Two things can drift apart once learners have handed work in:

* **the grading**: an instructor fixes a key, a test or the points in
  ``solutions/``, and the grades in the gradebook were computed with the old
  ones. ``mlteam-course grade`` keeps a fingerprint of each assignment's
  source folder beside each grade and regrades what was graded with another;
* **the release**: regenerating an assignment rewrites the points and
  questions nbgrader records in the gradebook, while learners' copies still
  show the old ones. ``mlteam-course release`` compares the two first and, when
  the assignment already has submissions, refuses to change points or
  questions unless told to (:func:`release_changes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat

CellKey = tuple[str, str]  # (notebook, grade_id)


@dataclass(frozen=True)
class GradedCell:
    """What a graded or task cell is worth, as nbgrader records it."""

    kind: str  # "graded" or "task"
    points: float


def source_fingerprint(source_folder: Path) -> str:
    """A digest of everything in an assignment's source folder (notebooks, key, data).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "ex.key.json").write_text('{"q1": "a"}')
    >>> before = source_fingerprint(folder)
    >>> _ = (folder / "ex.key.json").write_text('{"q1": "b"}')
    >>> before == source_fingerprint(folder)
    False
    """
    from mlteam_utils.cohort.submissions import fingerprint

    return fingerprint(source_folder)


def cells_in_source(source_folder: Path) -> dict[CellKey, GradedCell]:
    """The graded and task cells of every notebook in ``source_folder``, with their points."""
    cells: dict[CellKey, GradedCell] = {}
    for path in sorted(source_folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") or meta.get("task"):
                kind = "task" if meta.get("task") else "graded"
                cells[(path.stem, str(meta.get("grade_id")))] = GradedCell(kind, float(meta.get("points") or 0))
    return cells


def cells_in_gradebook(db_url: str, course_id: str, assignment: str) -> tuple[dict[CellKey, GradedCell], int] | None:
    """The cells the gradebook records for ``assignment`` and its number of submissions.

    None when there is no gradebook yet or it does not know the assignment
    (nothing to compare with). Never creates a gradebook.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return None
    with Gradebook(db_url, course_id=course_id) as gradebook:
        try:
            row = gradebook.find_assignment(assignment)
        except MissingEntry:
            return None
        cells: dict[CellKey, GradedCell] = {}
        for notebook in row.notebooks:
            for cell in notebook.grade_cells:
                cells[(notebook.name, cell.name)] = GradedCell("graded", float(cell.max_score))
            for cell in notebook.task_cells:
                cells[(notebook.name, cell.name)] = GradedCell("task", float(cell.max_score))
        return cells, len(row.submissions)


def describe_changes(recorded: Mapping[CellKey, GradedCell], new: Mapping[CellKey, GradedCell]) -> list[str]:
    """Each difference in questions or points, in words.

    >>> old = {("ex01", "q1"): GradedCell("graded", 3.0), ("ex01", "q2"): GradedCell("graded", 2.0)}
    >>> new = {("ex01", "q1"): GradedCell("graded", 4.0), ("ex01", "q3"): GradedCell("task", 3.0)}
    >>> for line in describe_changes(old, new):
    ...     print(line)
    ex01/q1: 3 -> 4 points
    ex01/q2: removed (was 2 points)
    ex01/q3: added (3 points)
    total: 5 -> 7 points
    >>> describe_changes(old, old)
    []
    """
    changes = []
    for key in sorted(set(recorded) | set(new)):
        label = "/".join(key)
        if key not in new:
            changes.append(f"{label}: removed (was {recorded[key].points:g} points)")
        elif key not in recorded:
            changes.append(f"{label}: added ({new[key].points:g} points)")
        elif recorded[key] != new[key]:
            changes.append(f"{label}: {recorded[key].points:g} -> {new[key].points:g} points")
    if changes:
        before = sum(cell.points for cell in recorded.values())
        after = sum(cell.points for cell in new.values())
        if before != after:
            changes.append(f"total: {before:g} -> {after:g} points")
    return changes


def release_changes(course_root: Path, assignment: str) -> tuple[list[str], int]:
    """What regenerating ``assignment`` would change in the gradebook, and how many submissions it has."""
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url

    db_url, course_id = course_gradebook_url(course_root)
    recorded = cells_in_gradebook(db_url, course_id, assignment)
    if recorded is None:
        return [], 0
    cells, submissions = recorded
    from mlteam_utils.upstream.course_paths import course_paths

    return describe_changes(cells, cells_in_source(course_paths(course_root).source / assignment)), submissions
