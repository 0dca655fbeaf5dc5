"""Which files of a submission the grader may use.

nbgrader copies every file of a submission into the autograded folder, following
symbolic links, and runs the notebook there. So a learner could hand in a
``mlteam_utils/`` or ``pandas.py`` that shadows the real package during grading,
or a link that makes the grader copy (and learner code then print) a file of the
instructor's. Only the notebooks, the widget answers files and files the exercise
itself ships are kept; symbolic links are never followed.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Sequence
from pathlib import Path


def linked_notebooks(folder: Path) -> list[str]:
    """Notebooks of a submission that are symbolic links (graded as nothing).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "real.ipynb").write_text("{}")
    >>> (folder / "linked.ipynb").symlink_to(folder / "real.ipynb")
    >>> linked_notebooks(folder)
    ['linked.ipynb']
    """
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.ipynb") if path.is_symlink())


def foreign_entries(submission: Path, source: Path, keep: Sequence[str]) -> list[str]:
    """Names (as nbgrader ignore globs) of entries the grader must not copy.

    Kept: notebooks, files matching ``keep`` (the answers files) and paths the
    exercise's source folder also has. Everything else, and every symbolic link,
    is listed. nbgrader matches ignore globs against base names, so names are
    escaped to match only themselves.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> sub, src = root / "sub", root / "src"
    >>> for path in ("sub/mlteam_utils/__init__.py", "sub/data/x.csv", "src/data/x.csv", "sub/pandas.py"):
    ...     (root / path).parent.mkdir(parents=True, exist_ok=True); _ = (root / path).write_text("")
    >>> _ = (sub / "ex.ipynb").write_text("{}"); _ = (sub / "ex.answers.json").write_text("{}")
    >>> (sub / "key.json").symlink_to(root / "src" / "data" / "x.csv")
    >>> foreign_entries(sub, src, ["*.answers.json"])
    ['key.json', 'mlteam_utils', 'pandas.py']
    """
    ignored: set[str] = set()
    for directory, subfolders, files in os.walk(submission, followlinks=False):
        here = Path(directory)
        relative_dir = here.relative_to(submission)
        for name in list(subfolders):
            path = here / name
            if path.is_symlink() or not (source / relative_dir / name).is_dir():
                ignored.add(glob.escape(name))
                subfolders.remove(name)  # nothing inside is copied either
        for name in files:
            path = here / name
            if path.is_symlink():
                ignored.add(glob.escape(name))
                continue
            if name.endswith(".ipynb") or any(fnmatch.fnmatch(name, pattern) for pattern in keep):
                continue
            if not (source / relative_dir / name).is_file():
                ignored.add(glob.escape(name))
    return sorted(ignored)


def _grade_ids(notebook_path: Path) -> set[str] | None:
    import json

    try:
        document = json.loads(notebook_path.read_text(encoding="utf-8"))
        return {
            cell["metadata"]["nbgrader"]["grade_id"]
            for cell in document.get("cells", [])
            if isinstance(cell, dict) and isinstance(cell.get("metadata", {}).get("nbgrader"), dict)
            and "grade_id" in cell["metadata"]["nbgrader"]
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # unreadable: nbgrader reports it in its own words


def foreign_notebook(submission: Path, source: Path) -> str | None:
    """Why a handed-in notebook is not this assignment's, or None.

    A notebook whose nbgrader cells all belong to another notebook (a learner who
    handed in the wrong exercise) would otherwise fail deep inside nbgrader with a
    bare ``KeyError``.

    >>> import json, tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "sub").mkdir(); (root / "src").mkdir()
    >>> def notebook(*ids):
    ...     return json.dumps({"cells": [{"metadata": {"nbgrader": {"grade_id": i}}} for i in ids]})
    >>> _ = (root / "src" / "ex01.ipynb").write_text(notebook("q1", "q2"))
    >>> _ = (root / "sub" / "ex01.ipynb").write_text(notebook("roles_q1", "roles_q2"))
    >>> print(foreign_notebook(root / "sub", root / "src"))
    ex01.ipynb has none of this assignment's graded cells (it looks like another exercise's notebook)
    >>> _ = (root / "sub" / "ex01.ipynb").write_text(notebook("q1"))
    >>> foreign_notebook(root / "sub", root / "src") is None
    True
    """
    for source_notebook in sorted(source.glob("*.ipynb")):
        submitted = submission / source_notebook.name
        if not submitted.is_file():
            continue
        theirs, ours = _grade_ids(submitted), _grade_ids(source_notebook)
        if theirs and ours and not theirs & ours:
            return f"{submitted.name} has none of this assignment's graded cells (it looks like another exercise's notebook)"
    return None
