"""Find the course's folders from anywhere inside a checkout.

>>> from pathlib import Path
>>> root = find_course_root(Path(__file__))
>>> (root / "nbgrader_config.py").is_file()
True
"""

from __future__ import annotations

import os
from pathlib import Path

SYLLABUS_RELATIVE_PATH = Path("course") / "syllabus.toml"


class CourseNotFoundError(FileNotFoundError):
    """Raised when no course checkout contains the given folder."""


def is_course_root(path: Path) -> bool:
    """True if ``path`` holds ``nbgrader_config.py`` and the syllabus."""
    return (path / "nbgrader_config.py").is_file() and (path / SYLLABUS_RELATIVE_PATH).is_file()


def find_course_root(start: Path | str | None = None) -> Path:
    """Return the course root at or above ``start`` (default: the current folder).

    The environment variable ``MLTEAM_COURSE_ROOT`` wins when it is set.
    """
    override = os.environ.get("MLTEAM_COURSE_ROOT")
    if override:
        root = Path(override).resolve()
        if not is_course_root(root):
            raise CourseNotFoundError(
                f"MLTEAM_COURSE_ROOT={override} is not a course folder "
                f"(it needs nbgrader_config.py and {SYLLABUS_RELATIVE_PATH})."
            )
        return root
    here = Path(start if start is not None else Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for candidate in (here, *here.parents):
        if is_course_root(candidate):
            return candidate
    raise CourseNotFoundError(
        f"No course folder at or above {here}: run this from inside the course "
        f"checkout (the folder with nbgrader_config.py and {SYLLABUS_RELATIVE_PATH})."
    )
