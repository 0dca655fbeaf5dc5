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


def _cell_checksums(notebook_path: Path) -> dict[str, str] | None:
    import json

    try:
        document = json.loads(notebook_path.read_text(encoding="utf-8"))
        checksums = {}
        for cell in document.get("cells", []):
            nbgrader = cell.get("metadata", {}).get("nbgrader") if isinstance(cell, dict) else None
            # A blank answer cell has the same checksum in every exercise: only locked,
            # non-answer cells tell exercises apart.
            if isinstance(nbgrader, dict) and nbgrader.get("grade_id") and nbgrader.get("checksum") and not nbgrader.get("solution"):
                checksums[str(nbgrader["grade_id"])] = str(nbgrader["checksum"])
        return checksums
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # unreadable: nbgrader reports it in its own words


def foreign_notebook(submitted_notebook: Path, source_checksums: dict[str, str]) -> str | None:
    """Why a handed-in notebook is not this assignment's, or None.

    Every locked cell of a released notebook carries the checksum nbgrader gave it.
    A notebook none of whose checksums match this assignment's cells is another
    exercise's (exercises share cell names such as ``q4_shape``); nbgrader would
    otherwise fail on it deep inside with a bare ``KeyError``.

    >>> import json, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "ex01.ipynb"
    >>> def notebook(**sums):
    ...     return json.dumps({"cells": [{"metadata": {"nbgrader": {"grade_id": k, "checksum": v}}} for k, v in sums.items()]})
    >>> _ = path.write_text(notebook(q4_shape="bbb", setup="ccc"))
    >>> print(foreign_notebook(path, {"q4_shape": "aaa", "setup": "ddd"}))
    ex01.ipynb has none of this assignment's locked cells (it looks like another exercise's notebook)
    >>> _ = path.write_text(notebook(q4_shape="aaa", setup="ccc"))
    >>> foreign_notebook(path, {"q4_shape": "aaa", "setup": "ddd"}) is None
    True
    """
    theirs = _cell_checksums(submitted_notebook)
    if not theirs or not source_checksums:
        return None  # unreadable, or stripped of metadata: nbgrader restores what it can
    if not any(source_checksums.get(grade_id) == checksum for grade_id, checksum in theirs.items()):
        return f"{submitted_notebook.name} has none of this assignment's locked cells (it looks like another exercise's notebook)"
    return None
