"""Where a course keeps what: every course folder from its configured ``CourseDirectory``.

nbgrader's folder names are settings (``CourseDirectory.root``, ``source_directory``,
``release_directory``, ``submitted_directory``, ``autograded_directory``,
``feedback_directory``, ``db_url``), read from the course's ``nbgrader_config.py``.
:func:`course_paths` reads them the way nbgrader does (:func:`~mlteam_utils.upstream.step_config.step_config`,
then ``CourseDirectory(config=...)``), so no caller spells ``"solutions"`` or
``"course/submitted"`` itself. A folder name is joined to the root as nbgrader's
``CourseDirectory.format_path`` joins it: an absolute one stands alone.

``course/`` beside them is the project's own instructor folder (the design card's layout:
the syllabus, the certificate signing key, the roster, the site's settings), not an
nbgrader setting: :data:`INSTRUCTOR_FOLDER`.

>>> from mlteam_utils.paths import find_course_root
>>> paths = course_paths(find_course_root())
>>> paths.source.name, paths.release.name, paths.submitted.relative_to(paths.root).as_posix()
('solutions', 'exercises', 'course/submitted')
>>> paths.gradebook_file == paths.root / "course" / "gradebook.db"
True
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["GRADING_SCRATCH", "INSTRUCTOR_FOLDER", "CoursePaths", "course_paths", "hidden_from_learners", "sqlite_file"]

#: The instructor's folder of the project's layout, relative to the course root (not an nbgrader setting).
INSTRUCTOR_FOLDER = Path("course")
#: Where ``mlteam-course grade`` stages its workers (gradebook copies, worker logs), beside the gradebook.
GRADING_SCRATCH = ".grading"
#: Files SQLite keeps beside a database while it writes (rollback journal, write-ahead log).
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


def sqlite_file(db_url: str, root: Path) -> Path | None:
    """The file of an SQLite ``db_url`` (a relative one from ``root``, where nbgrader runs), else None.

    >>> sqlite_file("sqlite:////srv/c/gradebook.db", Path("/x"))
    PosixPath('/srv/c/gradebook.db')
    >>> sqlite_file("sqlite:///gradebook.db", Path("/srv/c"))
    PosixPath('/srv/c/gradebook.db')
    >>> sqlite_file("sqlite://", Path("/x")) is None, sqlite_file("postgresql+psycopg://g@db/c", Path("/x")) is None
    (True, True)
    """
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(root) / url.database


@dataclass(frozen=True)
class CoursePaths:
    """The folders and gradebook a course's ``nbgrader_config.py`` gives it, as absolute paths."""

    root: Path
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    db_url: str
    course_id: str
    #: nbgrader's exchange (``Exchange.root``), where learners' hand-ins wait to be collected.
    exchange: Path

    @property
    def gradebook_file(self) -> Path | None:
        """The SQLite gradebook's file; None for a database server's (PostgreSQL)."""
        return sqlite_file(self.db_url, self.root)

    @property
    def instructor(self) -> Path:
        """The project's instructor folder (:data:`INSTRUCTOR_FOLDER`)."""
        return self.root / INSTRUCTOR_FOLDER

    @property
    def grading_scratch(self) -> Path:
        """Where ``mlteam-course grade`` stages its workers: beside the SQLite gradebook, else beside autograded/."""
        gradebook = self.gradebook_file
        return (gradebook.parent if gradebook is not None else self.autograded.parent) / GRADING_SCRATCH

    def assignment_source(self, assignment: str) -> Path:
        """The instructor's folder of one assignment (nbgrader's source)."""
        return self.source / assignment

    def hidden_from_learners(self) -> tuple[Path, ...]:
        """Everything learner code being graded must not see, whatever the folders are called.

        The source (solutions and keys), every learner's submitted, autograded and
        feedback folders, the SQLite gradebook (and its journal files), the exchange,
        the grader's staging folder and the instructor folder.

        >>> paths = CoursePaths(Path("/c"), Path("/c/keys"), Path("/c/out"), Path("/c/in"), Path("/c/graded"),
        ...                     Path("/c/fb"), "sqlite:////c/db/book.db", "x", Path("/srv/exchange"))
        >>> [p.as_posix() for p in paths.hidden_from_learners()][:6]
        ['/c/keys', '/c/in', '/c/graded', '/c/fb', '/c/db/book.db', '/c/db/book.db-journal']
        """
        found = [self.source, self.submitted, self.autograded, self.feedback]
        gradebook = self.gradebook_file
        if gradebook is not None:
            found += [gradebook, *(gradebook.with_name(gradebook.name + side) for side in SQLITE_SIDE_FILES)]
        found += [self.exchange, self.grading_scratch, self.instructor]
        return tuple(dict.fromkeys(found))


def course_paths(course_root: Path, overrides: Mapping[str, Any] | None = None) -> CoursePaths:
    """The course's folders as ``nbgrader`` run in ``course_root`` would use them (``overrides`` on top).

    Without an ``nbgrader_config.py`` they are nbgrader's defaults, as ``nbgrader`` run there would take them.

    >>> import tempfile
    >>> bare = course_paths(Path(tempfile.mkdtemp()), {"CourseDirectory": {"source_directory": "keys"}})
    >>> bare.source.name, bare.submitted.name, bare.gradebook_file.name
    ('keys', 'submitted', 'gradebook.db')
    """
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.exchange import Exchange
    from traitlets.config import Config

    from mlteam_utils.upstream.step_config import step_config

    if (Path(course_root) / "nbgrader_config.py").is_file():
        config = step_config(Path(course_root), overrides)
    else:
        config = Config(overrides or {})
    if not config.CourseDirectory.get("root"):
        # nbgrader's root (and the default gradebook in it) is the folder it runs in: the course root here.
        config.CourseDirectory.root = str(Path(course_root).resolve())
    coursedir = CourseDirectory(config=config)
    root = Path(coursedir.root).resolve()
    return CoursePaths(
        root=root,
        source=root / coursedir.source_directory,
        release=root / coursedir.release_directory,
        submitted=root / coursedir.submitted_directory,
        autograded=root / coursedir.autograded_directory,
        feedback=root / coursedir.feedback_directory,
        db_url=str(coursedir.db_url),
        course_id=str(coursedir.course_id),
        exchange=root / Exchange(config=config).root,
    )


def hidden_from_learners(course_root: Path) -> tuple[Path, ...]:
    """:meth:`CoursePaths.hidden_from_learners` of the course at ``course_root``, read once per configuration.

    Each grading kernel asks; the answer is kept while ``nbgrader_config.py`` (and the site
    configuration it names) are unchanged.

    >>> from mlteam_utils.paths import find_course_root
    >>> root = find_course_root()
    >>> root / "solutions" in hidden_from_learners(root)
    True
    """
    root = Path(course_root).resolve()
    return _hidden(root, _stamp(root / "nbgrader_config.py"), os.environ.get("MLTEAM_NBGRADER_SITE_CONFIG", ""),
                   _stamp(root / INSTRUCTOR_FOLDER / "nbgrader_site_config.py"))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=16)
def _hidden(root: Path, *_stamps: object) -> tuple[Path, ...]:
    return course_paths(root).hidden_from_learners()
