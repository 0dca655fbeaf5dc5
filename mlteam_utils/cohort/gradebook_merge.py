"""Copy one graded submission from a worker's gradebook into the course gradebook.

Each grading worker autogrades into a private SQLite gradebook, so workers never
contend for the course's database. When a submission is graded, the parent process
copies that submission's rows (submitted assignment, notebooks, grades, comments)
into the course gradebook in **one transaction**, together with a row in our own
``mlteam_grading_outcome`` table. An interrupted run therefore leaves each
submission either fully old or fully new, never half merged.

The course gradebook may be SQLite or PostgreSQL (:mod:`.gradebook_db`); every
statement here goes through SQLAlchemy Core, naming its columns. A worker's
gradebook is a copy of the course's: the whole file for SQLite; for PostgreSQL the
course's definition (assignments, notebooks, cells) once per worker, then the rows
of each submission just before the worker grades it, never the whole cohort's.

nbgrader's primary keys are random UUIDs and a worker's rows are copies of the
course's, so rows keep their ids and an existing manual grade (kept by nbgrader on
a re-autograde) survives the merge.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlteam_utils.cohort.gradebook_db import (
    GradebookError,
    GradebookLocation,
    gradebook_exists,
    gradebook_location,  # noqa: F401 (re-exported: grade.py and older callers import it from here)
    lock_submission,
    table_names,
    transaction,
    upsert,
)
from mlteam_utils.upstream.gradebook_schema import COPIED_COLUMNS, definition_tables, nbgrader_table

if TYPE_CHECKING:
    import sqlalchemy as sa

OUTCOME_TABLE = "mlteam_grading_outcome"
SOURCE_TABLE = "mlteam_assignment_source"

Rows = dict[str, list[dict[str, Any]]]


def _our_tables() -> tuple[sa.MetaData, sa.Table, sa.Table]:
    """Our bookkeeping tables beside nbgrader's, as the migrations leave them (for queries; mlteam_utils/migrations creates them)."""
    import sqlalchemy as sa

    metadata = sa.MetaData()
    outcomes = sa.Table(
        OUTCOME_TABLE, metadata,
        sa.Column("student", sa.Text, primary_key=True),
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),  # 'graded' or 'failed'
        sa.Column("reason", sa.Text),  # why it failed, in one line
        sa.Column("score", sa.Float),  # double precision on PostgreSQL (REAL there is 4 bytes)
        sa.Column("max_score", sa.Float),
        sa.Column("needs_manual_grade", sa.Integer, nullable=False, server_default="0"),
        sa.Column("graded_at", sa.Text, nullable=False),
        sa.Column("source_fingerprint", sa.Text),  # solutions/<assignment> as it was when graded
        sa.Column("late_policy", sa.Text),  # the late-penalty plugin it was graded under (cohort/late_penalties.py)
    )  # fmt: skip
    sources = sa.Table(
        SOURCE_TABLE, metadata,
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),  # solutions/<assignment> the gradebook's cells were written from
        sa.Column("recorded_at", sa.Text, nullable=False),
    )  # fmt: skip
    return metadata, outcomes, sources


def _nbgrader_table(name: str) -> sa.Table:
    return nbgrader_table(name)  # nbgrader's own table definitions: mlteam_utils/upstream/gradebook_schema.py


@dataclass(frozen=True)
class Outcome:
    """What the last ``mlteam-course grade`` recorded for one submission."""

    student: str
    assignment: str
    fingerprint: str
    outcome: str
    reason: str | None
    score: float | None
    max_score: float | None
    needs_manual_grade: bool
    source_fingerprint: str | None = None


def ensure_outcome_table(db: GradebookLocation) -> None:
    """Create our bookkeeping tables in the gradebook, or upgrade older ones (:mod:`.project_tables`)."""
    from mlteam_utils.cohort.project_tables import ensure_project_tables

    with transaction(db, write=True) as connection:
        ensure_project_tables(connection)


def gradebook_sources(db: GradebookLocation) -> dict[str, str]:
    """assignment -> fingerprint of the solutions its gradebook cells were last written from."""
    import sqlalchemy as sa

    if not gradebook_exists(db):
        return {}
    _metadata, _outcomes, sources = _our_tables()
    with transaction(db) as connection:
        if SOURCE_TABLE not in table_names(connection):
            return {}
        return {row.assignment: row.fingerprint for row in connection.execute(sa.select(sources.c.assignment, sources.c.fingerprint))}


def record_gradebook_source(db: GradebookLocation, assignment: str, fingerprint: str) -> None:
    """Remember which solutions the gradebook's cells for ``assignment`` now come from."""
    from mlteam_utils.cohort.project_tables import ensure_project_tables

    _metadata, _outcomes, sources = _our_tables()
    with transaction(db, write=True) as connection:
        ensure_project_tables(connection)
        upsert(connection, sources, [{"assignment": assignment, "fingerprint": fingerprint, "recorded_at": _now()}], ["assignment"])


def copy_gradebook(db: GradebookLocation, destination: Path) -> None:
    """A worker's own gradebook, an SQLite file at ``destination``, copied from the course's.

    SQLite: the whole file (SQLite's online backup, a consistent copy). A server database:
    nbgrader's empty schema and the course's definition (assignments, notebooks, cells); each
    submission's own rows follow with :func:`copy_submission` before it is graded, so a
    worker never copies a 1,000-learner cohort's grades.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(db, Path):
        with closing(_sqlite_connect(db)) as source, closing(sqlite3.connect(destination)) as target:
            source.backup(target)
        return
    _copy_definition(db, destination)


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 60000")
    return connection


def _copy_definition(db: GradebookLocation, destination: Path) -> None:
    import sqlalchemy as sa
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{destination}"):  # nbgrader's schema and its alembic version, as nbgrader makes them
        pass
    definition = definition_tables()
    with transaction(db) as source:
        rows = {table.name: [dict(row._mapping) for row in source.execute(sa.select(table))] for table in definition}
    with transaction(destination, write=True) as target:
        for table in reversed(definition):
            target.execute(table.delete())
        for table in definition:
            if rows[table.name]:
                target.execute(table.insert(), rows[table.name])


def copy_submission(db: GradebookLocation, worker_db: Path, student: str, assignment: str) -> None:
    """Put the course gradebook's rows of one submission (if any) into a worker's gradebook.

    Needed only when the worker's copy was not a copy of the whole file (a server
    gradebook): nbgrader then regrades the submission keeping its rows' ids, and the
    merge can carry hand grades over by id. For an SQLite course this does nothing.
    """
    if isinstance(db, Path):
        return
    with transaction(db) as source:
        rows = _submission_rows(source, student, assignment)
    with transaction(worker_db, write=True) as target:
        _delete_submission(target, student, assignment)
        if rows is not None:
            _insert_rows(target, rows)


def _submission_id(connection: sa.Connection, student: str, assignment: str) -> str | None:
    import sqlalchemy as sa

    submitted, assignments = _nbgrader_table("submitted_assignment"), _nbgrader_table("assignment")
    query = (
        sa.select(submitted.c.id)
        .join(assignments, assignments.c.id == submitted.c.assignment_id)
        .where(assignments.c.name == assignment, submitted.c.student_id == student)
    )
    return connection.execute(query).scalar()


def _submission_rows(connection: sa.Connection, student: str, assignment: str) -> Rows | None:
    """Every row of one submission, table -> rows (column -> value), or None when there is none."""
    import sqlalchemy as sa

    submission_id = _submission_id(connection, student, assignment)
    if submission_id is None:
        return None

    def rows(table_name: str, where: Any) -> list[dict[str, Any]]:
        table = _nbgrader_table(table_name)
        columns = [table.c[name] for name in COPIED_COLUMNS[table_name]]
        return [dict(row._mapping) for row in connection.execute(sa.select(*columns).where(where(table)))]

    notebooks = rows("submitted_notebook", lambda t: t.c.assignment_id == submission_id)
    notebook_ids = [row["id"] for row in notebooks]
    return {
        "student": rows("student", lambda t: t.c.id == student),
        "submitted_assignment": rows("submitted_assignment", lambda t: t.c.id == submission_id),
        "submitted_notebook": notebooks,
        "grade": rows("grade", lambda t: t.c.notebook_id.in_(notebook_ids)),
        "comment": rows("comment", lambda t: t.c.notebook_id.in_(notebook_ids)),
    }


def _delete_submission(connection: sa.Connection, student: str, assignment: str) -> str | None:
    """Delete one submission's rows (children first); return the id it had, if any. The student stays."""
    import sqlalchemy as sa

    submission_id = _submission_id(connection, student, assignment)
    if submission_id is None:
        return None
    notebooks = _nbgrader_table("submitted_notebook")
    notebook_ids = sa.select(notebooks.c.id).where(notebooks.c.assignment_id == submission_id)
    for name in ("comment", "grade"):
        table = _nbgrader_table(name)
        connection.execute(table.delete().where(table.c.notebook_id.in_(notebook_ids)))
    connection.execute(notebooks.delete().where(notebooks.c.assignment_id == submission_id))
    submitted = _nbgrader_table("submitted_assignment")
    connection.execute(submitted.delete().where(submitted.c.id == submission_id))
    return submission_id


def _insert_rows(connection: sa.Connection, rows: Rows) -> None:
    """Insert a submission's rows, parents first; the learner's row only if it is new."""
    upsert(connection, _nbgrader_table("student"), rows["student"], ["id"], replace=False)
    for name in ("submitted_assignment", "submitted_notebook", "grade", "comment"):
        if rows[name]:
            connection.execute(_nbgrader_table(name).insert(), rows[name])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _totals(connection: sa.Connection, submission_id: str) -> tuple[float, float, bool]:
    import sqlalchemy as sa

    score, max_score, manual = connection.execute(
        sa.text("""
        SELECT COALESCE(SUM(COALESCE(g.manual_score, g.auto_score, 0) + COALESCE(g.extra_credit, 0)), 0),
               COALESCE(SUM(COALESCE(gc.max_score, tc.max_score, 0)), 0),
               COALESCE(MAX(CASE WHEN g.needs_manual_grade THEN 1 ELSE 0 END), 0)
        FROM grade g
        JOIN submitted_notebook sn ON sn.id = g.notebook_id
        LEFT JOIN grade_cells gc ON gc.id = g.cell_id
        LEFT JOIN task_cells tc ON tc.id = g.cell_id
        WHERE sn.assignment_id = :submission
        """),
        {"submission": submission_id},
    ).one()
    return float(score), float(max_score), bool(manual)


def _hand_grades(rows: Rows) -> tuple[list[tuple[str, Any, Any]], list[tuple[str, str]]]:
    """(grade id, manual score, extra credit) and (comment id, manual comment) a person entered.

    The automatic 0 of an empty written answer (mlteam_utils/grading/empty_written.py) is not
    a person's: the new grading decides it again.
    """
    from mlteam_utils.grading.empty_written import EMPTY_COMMENT

    automatic = {(c["notebook_id"], c["cell_id"]) for c in rows["comment"] if c["manual_comment"] == EMPTY_COMMENT}
    grades = [(g["id"], g["manual_score"], g["extra_credit"]) for g in rows["grade"]
              if (g["manual_score"] is not None and not (g["manual_score"] == 0 and (g["notebook_id"], g["cell_id"]) in automatic))
              or g["extra_credit"] is not None]
    comments = [(c["id"], c["manual_comment"]) for c in rows["comment"]
                if c["manual_comment"] is not None and c["manual_comment"] != EMPTY_COMMENT]
    return grades, comments


def _automatic_zeros(rows: Rows) -> tuple[set[Any], set[Any]]:
    """Ids of the grades and comments that are the automatic 0 of an empty written answer."""
    from mlteam_utils.grading.empty_written import EMPTY_COMMENT

    comments = {(c["notebook_id"], c["cell_id"]): c["id"] for c in rows["comment"] if c["manual_comment"] == EMPTY_COMMENT}
    grades = {g["id"] for g in rows["grade"] if (g["notebook_id"], g["cell_id"]) in comments and g["manual_score"] == 0}
    return grades, set(comments.values())


def merge_submission(
    db: GradebookLocation,
    worker_db: Path,
    student: str,
    assignment: str,
    fingerprint: str,
    note: str | None = None,
    source: str | None = None,
    resubmitted: bool = False,
) -> Outcome:
    """Replace the course gradebook's rows for one submission by the worker's.

    ``note`` is kept as the outcome's reason (e.g. files that were not graded).
    When ``resubmitted``, a hand grade given to the earlier hand-in's written
    answer (a task cell) is kept but marked for review again: it graded other
    text. (nbgrader does this for graded cells, not for task cells.)

    Returns the recorded outcome, with the submission's total and whether any of
    its cells still needs manual grading.
    """
    import sqlalchemy as sa

    with transaction(worker_db) as worker:
        new = _submission_rows(worker, student, assignment)
    if new is None:
        raise GradebookError(f"the worker's gradebook has no submission {student}/{assignment}")
    new_id = new["submitted_assignment"][0]["id"]
    grade, comment = _nbgrader_table("grade"), _nbgrader_table("comment")
    with transaction(db, write=True) as connection:
        lock_submission(connection, student, assignment)
        old = _submission_rows(connection, student, assignment)
        # Hand grades entered in the formgrader while this run was grading: the
        # worker's copy predates them, so carry them over rather than lose them.
        hand_grades, hand_comments = _hand_grades(old) if old is not None else ([], [])
        _delete_submission(connection, student, assignment)
        _insert_rows(connection, new)
        # A person's grade also wins over the run's automatic 0 for an empty written answer.
        automatic_grades, automatic_comments = _automatic_zeros(new)
        for grade_id, manual_score, extra_credit in hand_grades:
            connection.execute(
                grade.update().where(grade.c.id == grade_id).values(
                    manual_score=manual_score if grade_id in automatic_grades and manual_score is not None
                    else sa.func.coalesce(grade.c.manual_score, manual_score),
                    extra_credit=sa.func.coalesce(grade.c.extra_credit, extra_credit),
                )
            )
        for comment_id, manual_comment in hand_comments:
            connection.execute(
                comment.update().where(comment.c.id == comment_id).values(
                    manual_comment=manual_comment if comment_id in automatic_comments
                    else sa.func.coalesce(comment.c.manual_comment, manual_comment)
                )
            )
        if resubmitted:
            from mlteam_utils.grading.empty_written import EMPTY_COMMENT

            task_cells = _nbgrader_table("task_cells")
            # ... but not the automatic 0 of an empty written answer: no person graded it.
            automatic = sa.select(comment.c.id).where(
                comment.c.notebook_id == grade.c.notebook_id, comment.c.cell_id == grade.c.cell_id,
                comment.c.manual_comment == EMPTY_COMMENT,
            ).exists()
            connection.execute(
                grade.update().where(
                    grade.c.notebook_id.in_([row["id"] for row in new["submitted_notebook"]]),
                    grade.c.manual_score.is_not(None),
                    grade.c.cell_id.in_(sa.select(task_cells.c.id)),
                    ~automatic,
                ).values(needs_manual_grade=True)
            )
        score, max_score, manual = _totals(connection, new_id)
        outcome = Outcome(student, assignment, fingerprint, "graded", note or None, score, max_score, manual, source)
        _record(connection, outcome)
    return outcome


def _record(connection: sa.Connection, outcome: Outcome) -> None:
    _metadata, outcomes, _sources = _our_tables()
    row = {
        "student": outcome.student,
        "assignment": outcome.assignment,
        "fingerprint": outcome.fingerprint,
        "outcome": outcome.outcome,
        "reason": outcome.reason,
        "score": outcome.score,
        "max_score": outcome.max_score,
        "needs_manual_grade": int(outcome.needs_manual_grade),
        "graded_at": _now(),
        "source_fingerprint": outcome.source_fingerprint,
    }
    upsert(connection, outcomes, [row], ["student", "assignment"])


def record_failure(db: GradebookLocation, student: str, assignment: str, fingerprint: str, reason: str, source: str | None = None) -> Outcome:
    """Record that a submission could not be graded; its previous grade (if any) stays."""
    outcome = Outcome(student, assignment, fingerprint, "failed", reason, None, None, False, source)
    with transaction(db, write=True) as connection:
        lock_submission(connection, student, assignment)
        _record(connection, outcome)
    return outcome


def recorded_outcomes(db: GradebookLocation) -> dict[tuple[str, str], Outcome]:
    """(student, assignment) -> the outcome the last grading run recorded."""
    import sqlalchemy as sa

    if not gradebook_exists(db):
        return {}
    with transaction(db) as connection:
        if OUTCOME_TABLE not in table_names(connection):
            return {}
        table = sa.Table(OUTCOME_TABLE, sa.MetaData(), autoload_with=connection)  # as it is: an old one lacks source_fingerprint
        source = table.c.source_fingerprint if "source_fingerprint" in table.c else sa.null()
        query = sa.select(
            table.c.student, table.c.assignment, table.c.fingerprint, table.c.outcome, table.c.reason,
            table.c.score, table.c.max_score, table.c.needs_manual_grade, source,
        )
        rows = connection.execute(query).fetchall()
    return {(r[0], r[1]): Outcome(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]) for r in rows}


def assignments_in_gradebook(db: GradebookLocation) -> set[str]:
    """Names of the assignments nbgrader knows (``generate_assignment`` adds them)."""
    import sqlalchemy as sa

    if not gradebook_exists(db):
        return set()
    with transaction(db) as connection:
        if "assignment" not in table_names(connection):  # a gradebook nbgrader has not initialised yet
            return set()
        return set(connection.execute(sa.select(_nbgrader_table("assignment").c.name)).scalars())


def submissions_in_gradebook(db: GradebookLocation) -> set[tuple[str, str]]:
    """(student, assignment) of every submission the gradebook holds, in one query."""
    import sqlalchemy as sa

    if not gradebook_exists(db):
        return set()
    submitted, assignments = _nbgrader_table("submitted_assignment"), _nbgrader_table("assignment")
    query = sa.select(submitted.c.student_id, assignments.c.name).join(assignments, assignments.c.id == submitted.c.assignment_id)
    with transaction(db) as connection:
        if "submitted_assignment" not in table_names(connection):
            return set()
        return {(row[0], row[1]) for row in connection.execute(query)}


def has_submission(db: GradebookLocation, student: str, assignment: str) -> bool:
    """Whether the gradebook holds a submission for this learner and assignment."""
    if not gradebook_exists(db):
        return False
    with transaction(db) as connection:
        return _submission_id(connection, student, assignment) is not None


def submission_counts(db: GradebookLocation, tables: Sequence[str] = tuple(COPIED_COLUMNS)) -> Mapping[str, int]:
    """Rows per nbgrader table (a check that nothing was duplicated or lost)."""
    import sqlalchemy as sa

    with transaction(db) as connection:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(_nbgrader_table(name))).scalar_one() for name in tables}
