"""The course's own tables in the gradebook are migrated by alembic, in a version table of their own.

Real parts: SQLite gradebooks in tmp folders (nbgrader's tables made by nbgrader's own
``Gradebook``, or by ``create_gradebook``, which a test in test_gradebook_schema.py pins to
it), alembic's real migrations through :func:`ensure_project_tables`, and for PostgreSQL a
throwaway cluster (tests/postgres_cluster.py) with two graders migrating at once.

The gradebook of the previous release is built here with explicit SQL, as that release's
``create_all`` left it: the outcome table with ``source_fingerprint`` (added by an ALTER in
releases before it) but no ``late_policy``, the certificate table without ``replaced_by``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mlteam_utils.cohort.gradebook_db import GradebookError, lock_key, transaction
from mlteam_utils.cohort.project_tables import (
    HEAD_REVISION,
    VERSION_TABLE,
    alembic_config,
    current_revision,
    ensure_project_tables,
    legacy_revision,
)
from postgres_cluster import PostgresCluster

#: The course's tables as the previous release (before migrations) created them, in SQL both databases take.
PREVIOUS_RELEASE = {
    "mlteam_grading_outcome": """CREATE TABLE mlteam_grading_outcome (
        student TEXT NOT NULL, assignment TEXT NOT NULL, fingerprint TEXT NOT NULL, outcome TEXT NOT NULL,
        reason TEXT, score FLOAT, max_score FLOAT, needs_manual_grade INTEGER DEFAULT '0' NOT NULL,
        graded_at TEXT NOT NULL, source_fingerprint TEXT, PRIMARY KEY (student, assignment))""",
    "mlteam_assignment_source": """CREATE TABLE mlteam_assignment_source (
        assignment TEXT NOT NULL, fingerprint TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (assignment))""",
    "mlteam_feedback_source": """CREATE TABLE mlteam_feedback_source (
        student TEXT NOT NULL, assignment TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (student, assignment))""",
    "mlteam_released_feedback": """CREATE TABLE mlteam_released_feedback (
        student TEXT NOT NULL, assignment TEXT NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (student, assignment, checksum))""",
    "mlteam_certificate": """CREATE TABLE mlteam_certificate (
        code VARCHAR(40) NOT NULL, student_id VARCHAR(128) NOT NULL, statement TEXT NOT NULL, issued_at VARCHAR(32) NOT NULL,
        PRIMARY KEY (code))""",
    "mlteam_certificate_file": """CREATE TABLE mlteam_certificate_file (
        code VARCHAR(40) NOT NULL, sha256 VARCHAR(64) NOT NULL, issued_at VARCHAR(32) NOT NULL, PRIMARY KEY (code, sha256))""",
}
#: One row in each, as that release wrote them.
PREVIOUS_ROWS = {
    "mlteam_grading_outcome": {
        "student": "ada", "assignment": "ex01", "fingerprint": "f1", "outcome": "graded", "reason": None, "score": 3.5,
        "max_score": 5.0, "needs_manual_grade": 1, "graded_at": "2026-11-30T10:00:00+00:00", "source_fingerprint": "s1",
    },
    "mlteam_assignment_source": {"assignment": "ex01", "fingerprint": "s1", "recorded_at": "2026-11-30T09:00:00+00:00"},
    "mlteam_feedback_source": {"student": "ada", "assignment": "ex01", "digest": "d1"},
    "mlteam_released_feedback": {"student": "ada", "assignment": "ex01", "checksum": "c1"},
    "mlteam_certificate": {"code": "MLT-AAAA-BBBB-CCCC-DDDD", "student_id": "ada", "statement": "{}", "issued_at": "2026-12-01T00:00:00+00:00"},
    "mlteam_certificate_file": {"code": "MLT-AAAA-BBBB-CCCC-DDDD", "sha256": "0" * 64, "issued_at": "2026-12-01T00:00:00+00:00"},
}  # fmt: skip


def build_previous_release(connection: sa.Connection, tables: tuple[str, ...] = tuple(PREVIOUS_RELEASE)) -> None:
    for name in tables:
        connection.execute(sa.text(PREVIOUS_RELEASE[name]))
        row = PREVIOUS_ROWS[name]
        connection.execute(sa.text(f"INSERT INTO {name} ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"), row)


def expected_tables() -> dict[str, sa.Table]:
    """The tables as the modules that query them define them (what the migrations must leave)."""
    from mlteam_utils.certificates.registry import _file_table, _table
    from mlteam_utils.cohort.feedback_state import _tables
    from mlteam_utils.cohort.gradebook_merge import _our_tables

    metadata = sa.MetaData()
    _m, outcomes, sources = _our_tables()
    _f, feedback, released = _tables()
    tables = [outcomes, sources, feedback, released, _table(metadata), _file_table(metadata)]
    return {table.name: table for table in tables}


def schema(connection: sa.Connection, names: Any = None) -> dict[str, list[tuple[str, type, bool, bool]]]:
    """table -> (column, Python type, nullable, in the primary key), as the database has them."""
    inspector = sa.inspect(connection)
    found = {}
    for name in names or expected_tables():
        key = set(inspector.get_pk_constraint(name)["constrained_columns"])
        found[name] = [(c["name"], c["type"].python_type, c["nullable"], c["name"] in key) for c in inspector.get_columns(name)]
    return found


def defined(names: Any = None) -> dict[str, list[tuple[str, type, bool, bool]]]:
    tables = expected_tables()
    return {
        name: [(c.name, c.type.python_type, bool(c.nullable), c.primary_key) for c in tables[name].columns] for name in names or tables
    }


def rows(connection: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    return {name: [dict(r._mapping) for r in connection.execute(sa.text(f"SELECT * FROM {name}"))] for name in PREVIOUS_RELEASE}


def versions(connection: sa.Connection, table: str) -> list[str]:
    return [r[0] for r in connection.execute(sa.text(f"SELECT version_num FROM {table}"))]


def statements_of(engine: sa.Engine, action: Callable[[], None]) -> list[str]:
    """The SQL statements ``action`` runs through ``engine``."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.fixture
def previous_release(tmp_path: Path) -> Path:
    """An SQLite gradebook as the previous release left it: nbgrader's tables (and its alembic_version), ours, a row each."""
    from mlteam_utils.nbgrader_inprocess import create_gradebook

    path = tmp_path / "gradebook.db"
    assert create_gradebook(f"sqlite:///{path}")
    with transaction(path, write=True) as connection:
        build_previous_release(connection)
    return path


@pytest.fixture
def engine(previous_release: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{previous_release}", poolclass=NullPool)
    yield engine
    engine.dispose()


def nbgrader_state(connection: sa.Connection) -> tuple[list[str], dict[str, Any]]:
    """nbgrader's revision and its tables' columns."""
    inspector = sa.inspect(connection)
    names = [n for n in inspector.get_table_names() if not n.startswith("mlteam_")]
    columns = {n: [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(n)] for n in sorted(names)}
    return versions(connection, "alembic_version"), columns


def test_the_head_revision_named_in_the_code_is_the_scripts_head() -> None:
    """The fast path compares with HEAD_REVISION; the scripts shipped in the package must end there."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [HEAD_REVISION]
    assert [s.revision for s in scripts.walk_revisions()] == ["0002", "0001"]
    assert Path(scripts.dir).resolve() == Path(__file__).resolve().parent.parent / "mlteam_utils" / "migrations"


def test_a_gradebook_of_the_previous_release_is_upgraded_keeping_its_data(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        assert legacy_revision(connection) == "0001", "all its tables, some added columns missing"
        before_rows, before_nbgrader = rows(connection), nbgrader_state(connection)
        assert schema(connection) != defined()
    ensure_project_tables(engine)
    with engine.connect() as connection:
        assert schema(connection) == defined(), "every table as the code that queries it defines it"
        assert versions(connection, VERSION_TABLE) == [HEAD_REVISION]
        assert nbgrader_state(connection) == before_nbgrader, "nbgrader's alembic_version and tables untouched"
        after = rows(connection)
    assert after["mlteam_grading_outcome"] == [{**before_rows["mlteam_grading_outcome"][0], "late_policy": None}]
    assert after["mlteam_certificate"] == [{**before_rows["mlteam_certificate"][0], "replaced_by": None}]
    assert {k: v for k, v in after.items() if k not in ("mlteam_grading_outcome", "mlteam_certificate")} == {
        k: v for k, v in before_rows.items() if k not in ("mlteam_grading_outcome", "mlteam_certificate")
    }


def test_the_commands_read_and_write_an_upgraded_gradebook(previous_release: Path) -> None:
    """Through the course's own entry points: a re-issue marks the old code replaced, the old outcome reads back."""
    from mlteam_utils.certificates.registry import find_issued, record_issued
    from mlteam_utils.cohort.gradebook_merge import recorded_outcomes

    url = f"sqlite:///{previous_release}"
    record_issued(url, "MLT-EEEE-BBBB-CCCC-DDDD", "ada", '{"changed": 1}')
    old = find_issued(url, "MLT-AAAA-BBBB-CCCC-DDDD")
    assert old is not None and old.replaced_by == "MLT-EEEE-BBBB-CCCC-DDDD" and old.file_fingerprints == ("0" * 64,)
    outcome = recorded_outcomes(previous_release)["ada", "ex01"]
    assert (outcome.score, outcome.source_fingerprint, outcome.needs_manual_grade) == (3.5, "s1", True)


@pytest.fixture
def nbgrader_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """nbgrader's Gradebook reads its schema's revision here, not from a new `alembic heads` process (2 to 30 s
    on a busy machine): the same answer (test_gradebook_schema.py checks), and the gradebook is nbgrader's own."""
    from mlteam_utils.nbgrader_inprocess import nbgrader_schema_revision

    monkeypatch.setattr("nbgrader.api.get_alembic_version", nbgrader_schema_revision)


def test_a_new_gradebook_made_by_nbgrader_gets_the_tables_at_head(tmp_path: Path, nbgrader_in_process: None) -> None:
    from nbgrader.api import Gradebook

    path = tmp_path / "gradebook.db"
    with Gradebook(f"sqlite:///{path}"):
        pass
    with transaction(path) as connection:
        before = nbgrader_state(connection)
        assert current_revision(connection) is None and legacy_revision(connection) is None
    with transaction(path, write=True) as connection:
        ensure_project_tables(connection)
    with transaction(path) as connection:
        assert schema(connection) == defined()
        assert versions(connection, VERSION_TABLE) == [HEAD_REVISION]
        assert nbgrader_state(connection) == before


def test_ensuring_twice_only_reads(engine: sa.Engine) -> None:
    ensure_project_tables(engine)
    with engine.connect() as connection:
        first = schema(connection), rows(connection)
    statements = statements_of(engine, lambda: ensure_project_tables(engine))
    assert statements and all(s.lstrip().upper().startswith(("SELECT", "PRAGMA")) for s in statements), statements
    with engine.connect() as connection:
        assert (schema(connection), rows(connection)) == first
        assert versions(connection, VERSION_TABLE) == [HEAD_REVISION]


def test_a_gradebook_with_some_of_the_tables_gets_the_others(tmp_path: Path) -> None:
    """Releases before migrations created each table when first used: a gradebook may hold any few of them."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gradebook.db'}", poolclass=NullPool)
    with engine.begin() as connection:
        build_previous_release(connection, ("mlteam_certificate",))
        assert legacy_revision(connection) is None
    ensure_project_tables(engine)
    with engine.connect() as connection:
        assert schema(connection) == defined()
        assert rows(connection)["mlteam_certificate"] == [{**PREVIOUS_ROWS["mlteam_certificate"], "replaced_by": None}]
        assert versions(connection, VERSION_TABLE) == [HEAD_REVISION]
    engine.dispose()


def test_a_gradebook_of_the_last_release_before_migrations_is_only_stamped(tmp_path: Path) -> None:
    """Every table and column there already (made by the release that added late_policy): stamped, nothing altered."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gradebook.db'}", poolclass=NullPool)
    with engine.begin() as connection:
        build_previous_release(connection)
        connection.execute(sa.text("ALTER TABLE mlteam_grading_outcome ADD COLUMN late_policy TEXT"))
        connection.execute(sa.text("ALTER TABLE mlteam_certificate ADD COLUMN replaced_by VARCHAR(40)"))
        assert legacy_revision(connection) == HEAD_REVISION
    statements = statements_of(engine, lambda: ensure_project_tables(engine))
    changes = [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert all(VERSION_TABLE in s for s in changes), changes
    with engine.connect() as connection:
        assert schema(connection) == defined()
        assert versions(connection, VERSION_TABLE) == [HEAD_REVISION]
    engine.dispose()


def test_a_revision_from_a_newer_release_is_one_clear_error(engine: sa.Engine) -> None:
    ensure_project_tables(engine)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '0099'"))
    with pytest.raises(GradebookError, match="revision '0099'.*does not know"):
        ensure_project_tables(engine)


def test_the_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gradebook.db'}", poolclass=NullPool)
    ensure_project_tables(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    with engine.connect() as connection:
        assert not [n for n in sa.inspect(connection).get_table_names() if n in defined()]
    ensure_project_tables(engine)
    with engine.connect() as connection:
        assert schema(connection) == defined()
    engine.dispose()


def test_postgres_previous_release_and_two_graders_upgrading_at_once(postgres_cluster: PostgresCluster, nbgrader_in_process: None) -> None:
    """Two graders start on a PostgreSQL gradebook of the previous release at the same moment: both succeed, once."""
    from nbgrader.api import Gradebook

    url = postgres_cluster.url()
    with Gradebook(url):  # nbgrader's tables and alembic_version, as nbgrader makes them on PostgreSQL
        pass
    holder = sa.create_engine(url, poolclass=NullPool)
    with holder.begin() as connection:
        build_previous_release(connection)
        before_rows, before_nbgrader = rows(connection), nbgrader_state(connection)
        assert legacy_revision(connection) == "0001"

    # Hold the migration lock, so that both graders get past their first look and wait at the lock together.
    errors: list[BaseException] = []

    def grader() -> None:
        engine = sa.create_engine(url, poolclass=NullPool)
        try:
            ensure_project_tables(engine)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            engine.dispose()

    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    threads = [threading.Thread(target=grader) for _ in range(2)]
    with holder.connect() as hold, holder.connect() as watch:
        hold.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("mlteam-project-tables")})
        for thread in threads:
            thread.start()
        watch = watch.execution_options(isolation_level="AUTOCOMMIT")
        while watch.execute(waiting).scalar_one() < 2:  # both graders block on the lock (no sleep: the condition itself)
            assert all(thread.is_alive() for thread in threads), errors
        hold.rollback()  # lets them in, one at a time
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    with holder.connect() as connection:
        assert schema(connection) == defined()
        assert versions(connection, VERSION_TABLE) == [HEAD_REVISION]
        assert nbgrader_state(connection) == before_nbgrader
        after = rows(connection)
        ensure_project_tables(connection)  # and again: nothing to do
    holder.dispose()
    assert after["mlteam_grading_outcome"] == [{**before_rows["mlteam_grading_outcome"][0], "late_policy": None}]
    assert after["mlteam_feedback_source"] == before_rows["mlteam_feedback_source"]

    # The commands' own transactions on the upgraded database.
    from mlteam_utils.certificates.registry import find_issued, record_issued
    from mlteam_utils.cohort.feedback_state import recorded_digests

    record_issued(url, "MLT-EEEE-BBBB-CCCC-DDDD", "ada", '{"changed": 1}')
    old = find_issued(url, "MLT-AAAA-BBBB-CCCC-DDDD")
    assert old is not None and old.replaced_by == "MLT-EEEE-BBBB-CCCC-DDDD"
    assert recorded_digests(url, "ex01") == {"ada": "d1"}
