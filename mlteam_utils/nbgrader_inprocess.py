"""Run nbgrader's steps in this process: nbgrader is imported once, not once per step.

``nbgrader generate_assignment`` as a command costs about three seconds before it
does anything (Python starts, nbgrader and its dependencies import). A grading
run that refreshes five assignments, or a self-learner's ``selfgrade`` that runs
three steps, paid that each time. :func:`run_step` runs the same converter
nbgrader's command would, with the same configuration:

* the course's ``nbgrader_config.py``, read as nbgrader reads it;
* the settings the course scopes to the command (``c.GenerateAssignmentApp...``),
  which only apply when nbgrader's own application runs, merged on top;
* ``overrides`` last, as command-line options would be.

The kernel that runs learner code is a separate process either way (in the
grading sandbox when the overrides ask for it); only nbgrader's bookkeeping runs
here. A failing step raises :class:`~mlteam_utils.nbgrader_runner.NbgraderFailed`
with nbgrader's log, as the command would.

Two things nbgrader's own bookkeeping does differently here, with the same result:

* A new SQLite gradebook is created by :func:`create_gradebook`: nbgrader's
  ``Gradebook`` asks a new ``alembic`` process for the schema's revision (1.5 to 3
  seconds to start Python and alembic, the longest part of a ``selfgrade``); the
  same revision is read here from nbgrader's migration scripts, in this process.
* Before ``autograde``, the learner's submission is created with SQLAlchemy's
  autoflush off (:func:`create_submission`). nbgrader builds a submission's rows
  before it adds them to the session, and SQLAlchemy 2 warns about each lazy load
  in between ("Object of type <SubmittedAssignment> not in session, add operation
  along 'Assignment.submissions' will not proceed"): three warnings on the
  learner's screen for what is nbgrader's normal way of working. Autograde then
  finds the submission and only updates it.

>>> sorted(STEPS)
['autograde', 'generate_assignment', 'generate_feedback']
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["STEPS", "course_config", "create_gradebook", "create_submission", "nbgrader_schema_revision", "run_step"]

#: step -> (nbgrader converter class, the application whose scoped settings apply)
STEPS: dict[str, tuple[str, str]] = {
    "generate_assignment": ("GenerateAssignment", "GenerateAssignmentApp"),
    "autograde": ("Autograde", "AutogradeApp"),
    "generate_feedback": ("GenerateFeedback", "GenerateFeedbackApp"),
}


def course_config(course_root: Path, application: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """The course's nbgrader settings as ``nbgrader APPLICATION`` would see them, plus ``overrides``.

    >>> from mlteam_utils.paths import find_course_root
    >>> config = course_config(find_course_root(), "GenerateAssignmentApp")
    >>> "*.answers.json" in config.CourseDirectory.ignore   # scoped to generate_assignment only
    True
    >>> "*.answers.json" in course_config(find_course_root(), "AutogradeApp").CourseDirectory.ignore
    False
    """
    from traitlets.config import Config

    from mlteam_utils.nbgrader_runner import load_course_config

    config = load_course_config(course_root)
    if application in config:
        config.merge(config[application])
    if overrides:
        config.merge(overrides if isinstance(overrides, Config) else Config(overrides))
    return config


@contextlib.contextmanager
def _as_the_command_runs(course_root: Path) -> Iterator[None]:
    """The course folder as working folder, and this interpreter's ``bin/`` on PATH.

    nbgrader shells out to ``alembic`` when it creates a gradebook, from PATH.
    """
    previous_path = os.environ.get("PATH")
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, *[p for p in (previous_path or "").split(os.pathsep) if p and p != bin_dir]])
    try:
        with contextlib.chdir(course_root):
            yield
    finally:
        if previous_path is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = previous_path


def create_gradebook(db_url: str) -> bool:
    """Create the SQLite gradebook at ``db_url`` as nbgrader's ``Gradebook`` would, if its file does not exist.

    nbgrader's tables, and its ``alembic_version`` table holding the head revision
    of nbgrader's migrations (what ``alembic heads`` answers, read here from the
    migration scripts: :func:`nbgrader_schema_revision`). The gradebook is made
    beside its place and linked there in one step, so nobody sees it half made,
    and one made meanwhile by someone else is kept. Returns whether it created the gradebook; any other database
    (PostgreSQL) and a file that exists are left to nbgrader.

    >>> import sqlite3, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     url = f"sqlite:///{folder}/gradebook.db"
    ...     created, again = create_gradebook(url), create_gradebook(url)
    ...     with contextlib.closing(sqlite3.connect(f"{folder}/gradebook.db")) as db:
    ...         revision = db.execute("SELECT version_num FROM alembic_version").fetchall()
    ...     left = sorted(p.name for p in Path(folder).iterdir())
    >>> created, again, revision == [(nbgrader_schema_revision(),)], left
    (True, False, True, ['gradebook.db'])
    """
    if not db_url.startswith("sqlite:///"):
        return False
    from sqlalchemy.engine import make_url

    database = make_url(db_url).database
    if not database or database == ":memory:" or Path(database).exists():
        return False
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    revision = nbgrader_schema_revision()
    if revision is None:  # migrations this function cannot read: nbgrader asks alembic itself
        return False
    place = Path(database)
    draft = place.with_name(f".{place.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    engine = create_engine(f"sqlite:///{draft}", future=True)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:revision)"), {"revision": revision})
        engine.dispose()
        try:
            os.link(draft, place)
        except OSError:  # made meanwhile, or a file system without hard links: nbgrader's way then
            return False
        return True
    finally:
        engine.dispose()
        draft.unlink(missing_ok=True)


def nbgrader_schema_revision() -> str | None:
    """The head revision of nbgrader's gradebook migrations, as ``alembic heads`` prints it; None if unclear.

    Read from nbgrader's migration scripts without importing alembic: the one
    revision no other script names as its ``down_revision``.
    ``tests/test_gradebook_schema.py`` checks it against ``alembic heads`` itself.

    >>> len(nbgrader_schema_revision())
    12
    """
    import ast

    from nbgrader.dbutil import ALEMBIC_DIR

    revisions: set[str] = set()
    revised: set[str] = set()
    for script in sorted(Path(ALEMBIC_DIR, "versions").glob("*.py")):
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, expression = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, expression = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision"):
                continue
            try:
                value = ast.literal_eval(expression)
            except ValueError:
                return None
            named = value if isinstance(value, (tuple, list)) else (value,)
            (revisions if target.id == "revision" else revised).update(str(v) for v in named if v)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def create_submission(db_url: str, course_id: str, assignment: str, student: str) -> None:
    """The student and their (empty) submission of ``assignment``, made with autoflush off.

    What ``nbgrader autograde`` makes first (see the module's notes); nothing is
    done when the assignment is not in the gradebook (autograde says so itself)
    or the submission exists.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            return
        gradebook.update_or_create_student(student)
        with gradebook.db.no_autoflush:
            gradebook.update_or_create_submission(assignment, student)


def _private_logger() -> logging.Logger:
    """A logger for nbgrader's messages that prints nothing itself: :func:`run_step` returns them."""
    logger = logging.getLogger("mlteam_utils.nbgrader")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def run_step(
    course_root: Path,
    step: str,
    assignment: str,
    *,
    student: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> str:
    """Run ``nbgrader STEP ASSIGNMENT --force [--student STUDENT]`` in this process; return its log.

    Raises :class:`~mlteam_utils.nbgrader_runner.NbgraderFailed` when the step fails.
    """
    from nbgrader import converters
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from mlteam_utils.nbgrader_runner import NbgraderFailed

    converter_name, application = STEPS[step]
    course_root = Path(course_root).resolve()
    config = course_config(course_root, application, overrides)
    command = [sys.executable, "-m", "nbgrader", step, assignment, "--force"] + (["--student", student] if student else [])
    with _as_the_command_runs(course_root):
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = assignment
        if student is not None:
            coursedir.student_id = student
        create_gradebook(coursedir.db_url)
        if step == "autograde" and student is not None:
            create_submission(coursedir.db_url, coursedir.course_id, assignment, student)
        converter = getattr(converters, converter_name)(coursedir=coursedir, config=config, log=_private_logger())
        converter.force = True
        if step == "autograde":
            converter.create_student = True
        result = capture_log(converter)
    log = result.get("log", "")
    if not result.get("success"):
        raise NbgraderFailed(command, subprocess.CompletedProcess(command, 1, log, result.get("error", "")))
    return log
