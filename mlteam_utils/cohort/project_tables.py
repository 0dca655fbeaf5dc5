"""The course's own tables in the gradebook (``mlteam_*``), created and upgraded by alembic migrations.

The tables live beside nbgrader's, in the same database (SQLite or PostgreSQL). Their
schema is versioned by the migrations in ``mlteam_utils/migrations``, whose revision is kept
in a table of their own, :data:`VERSION_TABLE`: nbgrader's ``alembic_version`` is never read
or written here, so nbgrader's upgrades and ours never meet.

:func:`ensure_project_tables` is the one entry point: every command that writes these tables
calls it inside its transaction. When the gradebook is at :data:`HEAD_REVISION` already (every
run but the first after an upgrade of mlteam-course) it costs two small queries and does not
import alembic. Otherwise it runs the migrations in the caller's transaction, with alembic's
Python API (no ``alembic`` process).

A gradebook made by a release before migrations holds some of the tables, and no version
table: :func:`legacy_revision` tells which revision its tables match, that revision is
stamped, and the migrations run from there.

>>> import sqlalchemy as sa
>>> engine = sa.create_engine("sqlite://")
>>> ensure_project_tables(engine)
>>> with engine.connect() as connection:
...     current_revision(connection) == HEAD_REVISION, "mlteam_grading_outcome" in sa.inspect(connection).get_table_names()
(True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlteam_utils.cohort.gradebook_db import GradebookError, lock_key

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

#: Where the migrations keep their revision (nbgrader's migrations use ``alembic_version``).
VERSION_TABLE = "mlteam_alembic_version"
#: The newest revision in ``mlteam_utils/migrations/versions`` (tests/test_project_tables.py checks).
HEAD_REVISION = "0002"
#: The migrations, as ``package:folder`` (alembic finds them inside the installed package).
SCRIPT_LOCATION = "mlteam_utils:migrations"

#: The tables revision 0001 creates, and the columns revision 0002 adds to them (what
#: releases before migrations added with ALTER TABLE); used only to recognise such a gradebook.
FIRST_TABLES = (
    "mlteam_grading_outcome", "mlteam_assignment_source", "mlteam_feedback_source", "mlteam_released_feedback",
    "mlteam_certificate", "mlteam_certificate_file",
)
ADDED_COLUMNS = {"mlteam_grading_outcome": ("source_fingerprint", "late_policy"), "mlteam_certificate": ("replaced_by",)}


def ensure_project_tables(bind: sa.Engine | sa.Connection) -> None:
    """Bring the course's tables in this gradebook to :data:`HEAD_REVISION` (creating them if need be).

    Given a connection, everything happens in its current transaction (begun if none is),
    and is committed with it. Given an engine, in a transaction of its own.

    Several graders at once: on PostgreSQL a transaction-level advisory lock lets one migrate
    while the others wait, then see its work and find nothing to do. On SQLite the course's
    writers take the write lock at the start (``transaction(..., write=True)``); given an
    engine whose transactions do not, a second process may fail on the first one's tables,
    so the engine's transaction is tried once more, and then finds them.
    """
    import sqlalchemy as sa

    if isinstance(bind, sa.Connection):
        _ensure(bind)
        return
    try:
        with bind.begin() as connection:
            _ensure(connection)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
        with bind.begin() as connection:  # made meanwhile by another process: look again
            _ensure(connection)


def current_revision(connection: sa.Connection) -> str | None:
    """The revision of the course's tables in this gradebook; None before the first migration."""
    import sqlalchemy as sa

    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def legacy_revision(connection: sa.Connection) -> str | None:
    """The revision that the course's tables in a gradebook made before migrations match.

    ``"0002"`` when every table and every added column is there, ``"0001"`` when every
    table is there (with some added column missing), None when none or only some tables are
    (the migrations then run from the start and create only what is missing).
    """
    import sqlalchemy as sa

    inspector = sa.inspect(connection)
    if not set(FIRST_TABLES) <= set(inspector.get_table_names()):
        return None
    for table, added in ADDED_COLUMNS.items():
        if not set(added) <= {column["name"] for column in inspector.get_columns(table)}:
            return "0001"
    return "0002"


def _ensure(connection: sa.Connection) -> None:
    import sqlalchemy as sa

    if current_revision(connection) == HEAD_REVISION:
        return
    if connection.dialect.name == "postgresql":
        # Held until the caller's transaction ends: a second grader waits here, then (READ
        # COMMITTED, PostgreSQL's default) sees the first one's committed version and stops.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("mlteam-project-tables")})
        if current_revision(connection) == HEAD_REVISION:
            return
    _migrate(connection)


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for the course's migrations, on ``connection`` (no alembic.ini).

    Without a connection it serves to read the scripts only (``ScriptDirectory.from_config``).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _migrate(connection: sa.Connection) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config(connection)
    current = current_revision(connection)
    if current is None:
        stamp = legacy_revision(connection)
        if stamp is not None:  # made before migrations: its tables are at this revision already
            command.stamp(config, stamp)
    else:
        try:
            ScriptDirectory.from_config(config).get_revision(current)
        except CommandError:
            raise GradebookError(
                f"the course's tables in the gradebook are at revision {current!r} ({VERSION_TABLE}), which this "
                f"mlteam-course does not know (its newest is {HEAD_REVISION}): a newer mlteam-course upgraded them; use that"
            ) from None
    command.upgrade(config, "head")
