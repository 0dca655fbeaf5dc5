"""File-name conventions shared by the widgets, the grader and ``nbgrader_config.py``.

A notebook ``exNN_slug.ipynb`` keeps its learner's widget answers in
``exNN_slug.answers.json`` beside it; the instructor's key for its widget
questions is ``solutions/exNN_slug/exNN_slug.key.json`` and never leaves
``solutions/``.

>>> answers_filename("ex01_ml_projects")
'ex01_ml_projects.answers.json'
>>> key_filename("ex01_ml_projects")
'ex01_ml_projects.key.json'
"""

from __future__ import annotations

from pathlib import Path

ANSWERS_SUFFIX = ".answers.json"
KEY_SUFFIX = ".key.json"
ANSWERS_GLOB = f"*{ANSWERS_SUFFIX}"
# The answers file's lock, temporary and backup files (``.x.answers.json.lock`` ...).
ANSWERS_SIDE_FILES_GLOB = f"*{ANSWERS_SUFFIX}.*"
KEY_GLOB = f"*{KEY_SUFFIX}"


def answers_filename(notebook: str) -> str:
    """Name of the answers file for the notebook named ``notebook`` (no extension)."""
    return f"{notebook}{ANSWERS_SUFFIX}"


def key_filename(notebook: str) -> str:
    """Name of the answer-key file for the notebook named ``notebook``."""
    return f"{notebook}{KEY_SUFFIX}"


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
