"""Which files of a submission the grader may use, copied without trusting any.

nbgrader copies every file of a submission into the autograded folder, following
symbolic links, and runs the notebook there. So a learner could hand in a
``mlteam_utils/`` or ``pandas.py`` that shadows the real package during grading,
a link that makes the grader copy (and learner code then print) a file of the
instructor's, or a FIFO that blocks the grader. The grader therefore works on a
private copy: only the notebooks, the widget answers files, nbgrader's own
bookkeeping and files the exercise itself ships are copied, only if they are
plain regular files (see :mod:`mlteam_utils.safe_files`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from mlteam_utils.safe_files import StagingReport, stage_tree


def stage_submission(submission: Path, source: Path, destination: Path, keep: Sequence[str]) -> StagingReport:
    """Copy what the grader uses of ``submission`` into ``destination``.

    Kept: top-level notebooks, files matching ``keep`` (the answers files,
    nbgrader's timestamp) and paths the exercise's ``source`` folder also has.
    Symbolic links, hard links, FIFOs, sockets and devices are dropped and
    reported; anything else the learner added is left out silently.

    >>> import os, tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> sub, src = root / "sub", root / "src"
    >>> for path in ("sub/mlteam_utils/__init__.py", "sub/data/x.csv", "src/data/x.csv", "sub/pandas.py"):
    ...     (root / path).parent.mkdir(parents=True, exist_ok=True); _ = (root / path).write_text("")
    >>> _ = (sub / "ex.ipynb").write_text("{}"); _ = (sub / "ex.answers.json").write_text("{}")
    >>> (sub / "key.json").symlink_to(root / "src" / "data" / "x.csv")
    >>> os.mkfifo(sub / "ex.answers.json.pipe")
    >>> report = stage_submission(sub, src, root / "staged", ["*.answers.json"])
    >>> report.copied
    ['data/x.csv', 'ex.answers.json', 'ex.ipynb']
    >>> report.dropped_text()
    'not graded: ex.answers.json.pipe (a named pipe (FIFO)), key.json (a symbolic link)'
    """

    def wanted(relative: str, is_folder: bool) -> bool:
        if is_folder:
            return (source / relative).is_dir() and not (source / relative).is_symlink()
        name = relative.rsplit("/", 1)[-1]
        if "/" not in relative and (name.endswith(".ipynb") or any(fnmatch.fnmatch(name, pattern) for pattern in keep)):
            return True
        return (source / relative).is_file()

    return stage_tree(submission, destination, wanted)


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
    ex01.ipynb shares few of this assignment's locked cells (it looks like another exercise's notebook)
    >>> _ = path.write_text(notebook(q4_shape="aaa", setup="ccc"))
    >>> foreign_notebook(path, {"q4_shape": "aaa", "setup": "ddd"}) is None
    True
    >>> _ = path.write_text(notebook(q4_shape="bbb", setup="ccc", box="same", footer="eee"))
    >>> print(foreign_notebook(path, {"q4_shape": "aaa", "setup": "ddd", "box": "same", "footer": "fff"}))
    ex01.ipynb shares few of this assignment's locked cells (it looks like another exercise's notebook)
    """
    theirs = _cell_checksums(submitted_notebook)
    if not theirs or not source_checksums:
        return None  # unreadable, or stripped of metadata: nbgrader restores what it can
    shared = [grade_id for grade_id in theirs if grade_id in source_checksums]
    matching = sum(source_checksums[grade_id] == theirs[grade_id] for grade_id in shared)
    # Exercises share some cells to the letter (the written answer's text box): another
    # exercise's notebook matches a few of them, this one's (even tampered) most.
    if not shared or 2 * matching < len(shared):
        return f"{submitted_notebook.name} shares few of this assignment's locked cells (it looks like another exercise's notebook)"
    return None
