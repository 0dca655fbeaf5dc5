"""Reaching the course gradebook, whichever database holds it: an SQLite file or PostgreSQL.

nbgrader takes any SQLAlchemy URL as ``c.CourseDirectory.db_url``. This course supports two:

* ``sqlite:////abs/path/course/gradebook.db``: the embedded default, for one machine
  (nbgrader's FAQ: not safe for several graders at once);
* PostgreSQL through psycopg 3 (``pip install -e '.[postgres]'``), for several graders:
  ``postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE`` over TCP, or
  ``postgresql+psycopg://USER@/DATABASE?host=/var/run/postgresql`` over a Unix socket.
  nbgrader creates its tables in the (empty) database the first time it opens it.

Everything here goes through SQLAlchemy Core, so the same statements run on both; where the
dialects differ (upserts, locks) the difference is in one function with a comment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # SQLAlchemy is imported when a gradebook is opened, not with the package
    import sqlalchemy as sa

#: Where a gradebook is: the file of an SQLite gradebook, or the SQLAlchemy URL of a server's.
GradebookLocation = str | Path

HOW_TO_INSTALL_POSTGRES = "pip install -e '.[postgres]' (the psycopg driver)"


class GradebookError(RuntimeError):
    """The course gradebook cannot be reached or used."""


def gradebook_location(db_url: str) -> GradebookLocation:
    """The file behind an ``sqlite:///`` URL, or the URL itself for a database server.

    >>> gradebook_location("sqlite:////srv/course/gradebook.db")
    PosixPath('/srv/course/gradebook.db')
    >>> gradebook_location("postgresql+psycopg://grader@db.example.org/course")
    'postgresql+psycopg://grader@db.example.org/course'
    >>> gradebook_location("postgresql://grader@db.example.org/course")
    Traceback (most recent call last):
    ...
    mlteam_utils.cohort.gradebook_db.GradebookError: write the gradebook's db_url as postgresql+psycopg://grader@db.example.org/course: with postgresql:// nbgrader looks for the psycopg2 driver, which the course does not install
    >>> gradebook_location("mysql://grader@db/course")
    Traceback (most recent call last):
    ...
    mlteam_utils.cohort.gradebook_db.GradebookError: the gradebook's db_url 'mysql://grader@db/course' is neither SQLite (sqlite:///...) nor PostgreSQL (postgresql+psycopg://...), the two databases mlteam-course supports
    """
    prefix = "sqlite:///"
    if db_url.startswith(prefix):
        return Path(db_url[len(prefix):])
    if db_url.startswith("postgresql+psycopg://"):
        return db_url
    for bare in ("postgresql://", "postgres://"):
        if db_url.startswith(bare):
            raise GradebookError(
                f"write the gradebook's db_url as postgresql+psycopg://{describe(db_url)[len(bare):]}: with {bare} "
                "nbgrader looks for the psycopg2 driver, which the course does not install"
            )
    raise GradebookError(
        f"the gradebook's db_url {describe(db_url)!r} is neither SQLite (sqlite:///...) nor PostgreSQL "
        "(postgresql+psycopg://...), the two databases mlteam-course supports"
    )


def url_of(db: GradebookLocation) -> str:
    """The SQLAlchemy URL of a gradebook.

    >>> url_of(Path("/srv/course/gradebook.db"))
    'sqlite:////srv/course/gradebook.db'
    """
    return f"sqlite:///{db}" if isinstance(db, Path) else db


def describe(db: GradebookLocation) -> str:
    """A gradebook's location for messages: the file, or the URL with its password hidden.

    >>> describe("postgresql+psycopg://grader:s3cret@db:5432/course")
    'postgresql+psycopg://grader:***@db:5432/course'
    >>> describe(Path("/srv/course/gradebook.db"))
    '/srv/course/gradebook.db'
    """
    if isinstance(db, Path):
        return str(db)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db).render_as_string(hide_password=True)
    except ArgumentError:
        return db.split("@")[-1]


def one_line(error: BaseException) -> str:
    """A database error as one line, without SQLAlchemy's link to its error catalogue.

    >>> one_line(RuntimeError('connection failed: refused\\n\\tIs the server running?\\n(Background on this error at: https://x)'))
    'connection failed: refused Is the server running?'
    """
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines()]
    return " ".join(line for line in lines if line and not line.startswith("(Background on this error"))


def _engine(db: GradebookLocation, *, immediate: bool = False) -> sa.Engine:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    url = url_of(db)
    try:
        if isinstance(db, Path):
            engine = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})
            _sqlite_transactions(engine, "BEGIN IMMEDIATE" if immediate else "BEGIN")
            return engine
        return sa.create_engine(url, poolclass=NullPool)
    except ImportError as error:
        raise GradebookError(
            f"the gradebook is on PostgreSQL ({describe(db)}), and its driver is not installed: {HOW_TO_INSTALL_POSTGRES}"
        ) from error
    except sa.exc.ArgumentError as error:
        raise GradebookError(f"the gradebook's db_url {describe(db)!r} is not a database URL: {one_line(error)}") from error


def _sqlite_transactions(engine: sa.Engine, begin: str) -> None:
    """Let SQLAlchemy, not the sqlite3 module, start transactions, so that writers use BEGIN IMMEDIATE.

    IMMEDIATE takes the write lock at the start (waiting up to 60 s for another writer):
    a merge never fails half-way on a lock it could not upgrade. (SQLAlchemy's documented
    recipe for pysqlite.)
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(begin)


@contextmanager
def transaction(db: GradebookLocation, *, write: bool = False) -> Iterator[sa.Connection]:
    """A connection to the gradebook inside one transaction, committed when the block ends.

    ``write`` takes SQLite's write lock at the start. A gradebook that cannot be reached
    (server down, wrong password, database missing) raises :class:`GradebookError` with one line.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    engine = _engine(db, immediate=write)
    try:
        with engine.begin() as connection:
            yield connection
    except (OperationalError, InterfaceError) as error:
        raise GradebookError(f"cannot use the gradebook at {describe(db)}: {one_line(error)}") from error
    finally:
        engine.dispose()
        if isinstance(db, Path):
            # Every learner's grades and hand-ins: an SQLite file is the grader's alone (nbgrader
            # creates it with the umask's mode; SQLite gives its journal the file's mode).
            from mlteam_utils.file_modes import keep_to_owner

            keep_to_owner(db)


def table_names(connection: sa.Connection) -> set[str]:
    import sqlalchemy as sa

    return set(sa.inspect(connection).get_table_names())


def gradebook_exists(db: GradebookLocation) -> bool:
    """Whether nbgrader has created its gradebook there (an SQLite file; a server database with its tables).

    A server that cannot be reached raises :class:`GradebookError`.
    """
    if isinstance(db, Path):
        return db.is_file()
    with transaction(db) as connection:
        return "assignment" in table_names(connection)


def upsert(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str], *, replace: bool = True) -> None:
    """Insert ``rows``; a row whose ``keys`` exist already replaces it (``replace``) or is skipped.

    ``INSERT ... ON CONFLICT`` exists in both SQLite and PostgreSQL with the same meaning, and
    is atomic on PostgreSQL even when two graders insert the same key at once.
    """
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:
        raise GradebookError(f"mlteam-course supports SQLite and PostgreSQL gradebooks, not {dialect}")
    statement = insert(table)
    others = [name for name in rows[0] if name not in keys]
    if replace and others:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_={name: statement.excluded[name] for name in others})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement, [dict(row) for row in rows])


def lock_key(*parts: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks, from names.

    >>> lock_key("submission", "ada", "ex01") == lock_key("submission", "ada", "ex01")
    True
    >>> lock_key("ada", "ex01") == lock_key("ad", "aex01")
    False
    """
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_submission(connection: sa.Connection, student: str, assignment: str) -> None:
    """Hold, until the transaction ends, the lock on one learner's submission of one assignment.

    PostgreSQL: a transaction-level advisory lock keyed by (student, assignment). Row locks
    (``SELECT ... FOR UPDATE``) cannot do this job: the first time a submission is merged
    it has no row to lock yet, so two graders would both see "no submission" and both insert.
    The advisory lock makes the second wait until the first commits, then (in READ COMMITTED)
    it sees and replaces the first one's rows; merges of other submissions take other keys
    and never wait for each other. SQLite needs nothing more: BEGIN IMMEDIATE already lets
    one writer at a time in.
    """
    import sqlalchemy as sa

    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("mlteam-submission", student, assignment)})


@contextmanager
def course_setup_lock(db: GradebookLocation) -> Iterator[None]:
    """Let one grader at a time set up the course's gradebook (tables, assignments' cells).

    Two graders starting at once on PostgreSQL would otherwise both create our tables, or
    both write an assignment's cells with ``generate_assignment``, and one would fail on
    the other's rows. A session-level advisory lock, held on a connection of its own while
    the block runs (nbgrader writes through its own connections meanwhile). SQLite: nothing
    (one machine, one grader).
    """
    if isinstance(db, Path):
        yield
        return
    import sqlalchemy as sa
    from sqlalchemy.exc import InterfaceError, OperationalError

    engine = _engine(db)
    key = {"key": lock_key("mlteam-course-setup")}
    try:
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except (OperationalError, InterfaceError) as error:
        engine.dispose()
        raise GradebookError(f"cannot use the gradebook at {describe(db)}: {one_line(error)}") from error
    try:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), key)
    finally:
        connection.close()
        engine.dispose()
