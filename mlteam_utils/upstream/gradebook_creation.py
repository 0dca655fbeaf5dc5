"""A new gradebook and a learner's submission, made as nbgrader makes them, in this process.

:mod:`mlteam_utils.nbgrader_inprocess` explains why (an ``alembic`` process less per new
gradebook; no SQLAlchemy warnings on the learner's screen). What it relies on in nbgrader
beyond its documented API, pinned by contract tests in ``tests/test_upstream_contracts.py``
(and, against a real ``alembic heads``, by the slow test in ``tests/test_gradebook_schema.py``):

* nbgrader's tables are ``nbgrader.api.Base.metadata``, and a gradebook's schema version is
  the ``alembic_version`` row holding the head of the migration scripts in
  ``nbgrader.dbutil.ALEMBIC_DIR``/``versions``, each naming its ``revision`` and ``down_revision``;
* ``Gradebook.db`` is the SQLAlchemy session its ``update_or_create_*`` methods use.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["create_gradebook", "create_submission", "nbgrader_schema_revision"]


def create_gradebook(db_url: str) -> bool:
    """Create the SQLite gradebook at ``db_url`` as nbgrader's ``Gradebook`` would, if its file does not exist.

    nbgrader's tables, and its ``alembic_version`` table holding the head revision
    of nbgrader's migrations (what ``alembic heads`` answers, read here from the
    migration scripts: :func:`nbgrader_schema_revision`). The gradebook is made
    beside its place and linked there in one step, so nobody sees it half made,
    and one made meanwhile by someone else is kept. Returns whether it created the gradebook; any other database
    (PostgreSQL) and a file that exists are left to nbgrader.

    >>> import contextlib, sqlite3, tempfile
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
