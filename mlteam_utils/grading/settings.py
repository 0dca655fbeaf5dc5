"""Grading settings read by the grader and ``nbgrader_config.py``: answers files and templates.

The file-name rules themselves live in :mod:`mlteam_utils.naming`, the bottom
layer, so that :mod:`mlteam_utils.answers` follows them without importing the
grader; they are importable from here too, as before.

>>> answers_filename("ex01_ml_projects")
'ex01_ml_projects.answers.json'
>>> key_filename("ex01_ml_projects")
'ex01_ml_projects.key.json'
"""

from __future__ import annotations

from pathlib import Path

from mlteam_utils.naming import (
    ANSWERS_GLOB,
    ANSWERS_SIDE_FILES_GLOB,
    ANSWERS_SUFFIX,
    KEY_GLOB,
    KEY_SUFFIX,
    answers_filename,
    key_filename,
)

__all__ = [
    "ANSWERS_GLOB",
    "ANSWERS_SIDE_FILES_GLOB",
    "ANSWERS_SUFFIX",
    "KEY_GLOB",
    "KEY_SUFFIX",
    "answers_filename",
    "answers_files_by_assignment",
    "feedback_template_folder",
    "key_filename",
    "nbgrader_template_folder",
]


def answers_files_by_assignment(source_directory: Path) -> dict[str, list[str]]:
    """Map each assignment in ``source_directory`` to its notebooks' answers-file names.

    nbgrader's ``Autograde.exclude_overwriting`` takes this so that an answers file
    an instructor left in ``solutions/`` never replaces a learner's.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "ex01_demo").mkdir()
    >>> _ = (root / "ex01_demo" / "ex01_demo.ipynb").write_text("{}")
    >>> answers_files_by_assignment(root)
    {'ex01_demo': ['ex01_demo.answers.json']}
    """
    mapping: dict[str, list[str]] = {}
    if not source_directory.is_dir():
        return mapping
    for assignment in sorted(p for p in source_directory.iterdir() if p.is_dir()):
        notebooks = sorted(nb.stem for nb in assignment.glob("*.ipynb"))
        if notebooks:
            mapping[assignment.name] = [answers_filename(nb) for nb in notebooks]
    return mapping


def feedback_template_folder() -> Path:
    """The folder holding the course's ``feedback`` nbconvert template.

    >>> (feedback_template_folder() / "feedback" / "index.html.j2").is_file()
    True
    """
    return Path(__file__).resolve().parent / "templates"


def nbgrader_template_folder() -> Path:
    """nbgrader's own template folder (the one its feedback converter uses by default).

    Found without importing nbgrader, whose import is slow.

    >>> (nbgrader_template_folder() / "feedback" / "index.html.j2").is_file()
    True
    """
    import importlib.util

    spec = importlib.util.find_spec("nbgrader")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("nbgrader is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "server_extensions" / "formgrader" / "templates"
