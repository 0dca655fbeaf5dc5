"""The gradebook schema that `mlteam_utils.cohort.gradebook_merge` relies on.

The merge copies one submission's rows from a worker's gradebook into the
course's (SQLite or PostgreSQL), naming the columns of each table it copies
(``mlteam_utils.upstream.gradebook_schema.COPIED_COLUMNS``). That is complete only while nbgrader's
tables have exactly these columns: a new nbgrader that adds a column (a new
alembic migration) would have it silently left behind, one that drops or renames
one would make the merge fail. This test pins the schema against a gradebook
nbgrader itself creates, so such an upgrade fails here first, with the tables to
check in ``merge_submission``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

# Table -> columns in order, as nbgrader 0.9.6 creates them (alembic head e43177bfe90b).
# The first five are copied whole, column by column (upstream.gradebook_schema.COPIED_COLUMNS);
# the merge reads the others' columns by name, so only their presence matters, but they
# are pinned whole to notice any change to the schema the merge reads.
COPIED_BY_POSITION: dict[str, list[str]] = {
    "student": ["id", "first_name", "last_name", "email", "lms_user_id"],
    "submitted_assignment": ["id", "assignment_id", "student_id", "timestamp", "extension"],
    "submitted_notebook": ["id", "assignment_id", "notebook_id", "flagged", "late_submission_penalty"],
    "grade": ["id", "notebook_id", "cell_id", "auto_score", "manual_score", "extra_credit", "needs_manual_grade"],
    "comment": ["id", "notebook_id", "cell_id", "auto_comment", "manual_comment"],
}
READ_BY_NAME: dict[str, list[str]] = {
    "assignment": ["id", "name", "duedate", "course_id"],
    "grade_cells": ["id", "max_score", "cell_type"],
    "task_cells": ["id", "max_score", "cell_type"],
}
ALEMBIC_HEAD = "e43177bfe90b"


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new, empty gradebook, created by nbgrader's own Gradebook class (as `nbgrader` does)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("schema") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}"):
        pass
    return path


def columns(database: Path, table: str) -> list[str]:
    """The table's column names in their stored order (what ``SELECT *`` returns)."""
    with sqlite3.connect(database) as connection:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


@pytest.mark.parametrize("table", list(COPIED_BY_POSITION))
def test_tables_copied_with_select_star_have_the_pinned_columns_in_order(gradebook: Path, table: str) -> None:
    assert columns(gradebook, table) == COPIED_BY_POSITION[table], (
        f"nbgrader's {table} table changed: `INSERT ... SELECT *` in gradebook_merge.merge_submission copies it "
        "by position; check the merge, then update the pinned columns"
    )


@pytest.mark.parametrize("table", list(READ_BY_NAME))
def test_tables_the_merge_reads_by_name_are_unchanged(gradebook: Path, table: str) -> None:
    assert columns(gradebook, table) == READ_BY_NAME[table]


def test_the_schema_is_nbgraders_pinned_migration(gradebook: Path) -> None:
    """A new migration is the moment to re-check the lists above, even if they still match."""
    with sqlite3.connect(gradebook) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(ALEMBIC_HEAD,)]


def test_the_merge_names_only_these_tables(repo_root: Path) -> None:
    """Every nbgrader table the merge module touches is pinned above (a new one would be unchecked)."""
    import re

    source = (repo_root / "mlteam_utils" / "cohort" / "gradebook_merge.py").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(?:main|worker|FROM|JOIN|INTO)\.?\s*([a-z_]+)\b", source))
    nbgrader_tables = {"student", "course", "assignment", "notebook", "submitted_assignment", "base_cell", "source_cell",
                       "submitted_notebook", "grade_cells", "solution_cells", "task_cells", "grade", "comment"}
    assert named & nbgrader_tables <= COPIED_BY_POSITION.keys() | READ_BY_NAME.keys()
    from mlteam_utils.cohort.gradebook_merge import COPIED_COLUMNS

    # The merge copies these tables' rows column by column, by name (SQLite or PostgreSQL):
    # a column nbgrader adds would not be copied, so the lists must be the whole tables.
    assert COPIED_COLUMNS == COPIED_BY_POSITION, "the tables and columns the merge copies are the ones pinned"


def schema_of(database: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str]]]:
    """Every table and index with the SQL that made it, and the alembic revision."""
    with sqlite3.connect(database) as connection:
        objects = sorted(connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)
        return objects, connection.execute("SELECT version_num FROM alembic_version").fetchall()


@pytest.mark.slow
def test_a_gradebook_made_without_alembic_is_the_one_nbgrader_makes(gradebook: Path, tmp_path: Path) -> None:
    """selfgrade and release make a new gradebook without starting `alembic heads` (nbgrader_inprocess.create_gradebook):
    the same tables, indexes and revision as nbgrader's own, and the revision is what `alembic heads` answers."""
    from nbgrader.api import get_alembic_version

    from mlteam_utils.nbgrader_inprocess import create_gradebook, nbgrader_schema_revision

    ours = tmp_path / "gradebook.db"
    assert create_gradebook(f"sqlite:///{ours}")
    assert schema_of(ours) == schema_of(gradebook)
    assert nbgrader_schema_revision() == get_alembic_version()  # nbgrader's own question to a new alembic process
    assert not create_gradebook(f"sqlite:///{ours}"), "an existing gradebook is left alone"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gradebook.db"], "no draft is left beside it"
