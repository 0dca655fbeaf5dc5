"""Copy one graded submission from a worker's gradebook into the course gradebook.

Each grading worker autogrades into its own copy of the SQLite gradebook, so
workers never contend for the course's database. When a submission is graded, the
parent process copies that submission's rows (submitted assignment, notebooks,
grades, comments) into the course gradebook in **one transaction**, together with
a row in our own ``mlteam_grading_outcome`` table. An interrupted run therefore
leaves each submission either fully old or fully new, never half merged.

nbgrader's primary keys are random UUIDs and a worker's gradebook starts as a copy
of the course's, so rows keep their ids and an existing manual grade (kept by
nbgrader on a re-autograde) survives the merge.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

OUTCOME_TABLE = "mlteam_grading_outcome"

_CREATE_OUTCOMES = f"""
CREATE TABLE IF NOT EXISTS {OUTCOME_TABLE} (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    outcome TEXT NOT NULL,          -- 'graded' or 'failed'
    reason TEXT,                    -- why it failed, in one line
    score REAL,
    max_score REAL,
    needs_manual_grade INTEGER NOT NULL DEFAULT 0,
    graded_at TEXT NOT NULL,
    source_fingerprint TEXT,        -- solutions/<assignment> as it was when graded
    PRIMARY KEY (student, assignment)
)
"""

SOURCE_TABLE = "mlteam_assignment_source"
_CREATE_SOURCES = f"""
CREATE TABLE IF NOT EXISTS {SOURCE_TABLE} (
    assignment TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,      -- solutions/<assignment> the gradebook's cells were written from
    recorded_at TEXT NOT NULL
)
"""


class GradebookError(RuntimeError):
    """The course gradebook cannot be used for parallel grading."""


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


def sqlite_path(db_url: str) -> Path:
    """The file behind an ``sqlite:///`` URL.

    >>> sqlite_path("sqlite:////srv/course/gradebook.db")
    PosixPath('/srv/course/gradebook.db')
    >>> sqlite_path("postgresql://grader@db/course")
    Traceback (most recent call last):
    ...
    mlteam_utils.cohort.gradebook_merge.GradebookError: mlteam-course grade needs an SQLite gradebook (sqlite:///...); got 'postgresql://grader@db/course'. With a shared PostgreSQL gradebook, run `nbgrader autograde` per grader machine instead.
    """
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        raise GradebookError(
            f"mlteam-course grade needs an SQLite gradebook (sqlite:///...); got {db_url!r}. "
            "With a shared PostgreSQL gradebook, run `nbgrader autograde` per grader machine instead."
        )
    return Path(db_url[len(prefix):])


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 60000")
    return connection


def ensure_outcome_table(db: Path) -> None:
    """Create our bookkeeping tables in the gradebook if they are missing (and add new columns)."""
    with closing(_connect(db)) as connection:
        connection.execute(_CREATE_OUTCOMES)
        connection.execute(_CREATE_SOURCES)
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({OUTCOME_TABLE})")}
        if "source_fingerprint" not in columns:  # a gradebook from before drift detection
            connection.execute(f"ALTER TABLE {OUTCOME_TABLE} ADD COLUMN source_fingerprint TEXT")


def gradebook_sources(db: Path) -> dict[str, str]:
    """assignment -> fingerprint of the solutions its gradebook cells were last written from."""
    if not db.exists():
        return {}
    with closing(_connect(db)) as connection:
        try:
            return dict(connection.execute(f"SELECT assignment, fingerprint FROM {SOURCE_TABLE}").fetchall())
        except sqlite3.OperationalError:
            return {}


def record_gradebook_source(db: Path, assignment: str, fingerprint: str) -> None:
    """Remember which solutions the gradebook's cells for ``assignment`` now come from."""
    with closing(_connect(db)) as connection:
        connection.execute(_CREATE_SOURCES)
        connection.execute(f"INSERT OR REPLACE INTO {SOURCE_TABLE} VALUES (?, ?, ?)", (assignment, fingerprint, _now()))


def copy_gradebook(db: Path, destination: Path) -> None:
    """A consistent copy of the gradebook (SQLite's online backup)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with closing(_connect(db)) as source, closing(sqlite3.connect(destination)) as target:
        source.backup(target)


def _submission_id(connection: sqlite3.Connection, schema: str, student: str, assignment: str) -> str | None:
    row = connection.execute(
        f"SELECT sa.id FROM {schema}.submitted_assignment sa JOIN {schema}.assignment a ON a.id = sa.assignment_id "
        "WHERE a.name = ? AND sa.student_id = ?",
        (assignment, student),
    ).fetchone()
    return row[0] if row else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _totals(connection: sqlite3.Connection, submission_id: str) -> tuple[float, float, bool]:
    score, max_score, manual = connection.execute(
        """
        SELECT COALESCE(SUM(COALESCE(g.manual_score, g.auto_score, 0) + COALESCE(g.extra_credit, 0)), 0),
               COALESCE(SUM(COALESCE(gc.max_score, tc.max_score, 0)), 0),
               COALESCE(MAX(g.needs_manual_grade), 0)
        FROM grade g
        JOIN submitted_notebook sn ON sn.id = g.notebook_id
        LEFT JOIN grade_cells gc ON gc.id = g.cell_id
        LEFT JOIN task_cells tc ON tc.id = g.cell_id
        WHERE sn.assignment_id = ?
        """,
        (submission_id,),
    ).fetchone()
    return float(score), float(max_score), bool(manual)


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def merge_submission(
    db: Path,
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
    with closing(_connect(db)) as connection:
        connection.execute("ATTACH DATABASE ? AS worker", (str(worker_db),))
        with _transaction(connection):
            new_id = _submission_id(connection, "worker", student, assignment)
            if new_id is None:
                raise GradebookError(f"the worker's gradebook has no submission {student}/{assignment}")
            old_id = _submission_id(connection, "main", student, assignment)
            hand_grades: list[tuple] = []
            hand_comments: list[tuple] = []
            if old_id is not None:
                # Hand grades entered in the formgrader while this run was grading: the
                # worker's copy predates them, so carry them over rather than lose them.
                hand_grades = connection.execute(
                    "SELECT g.id, g.manual_score, g.extra_credit FROM main.grade g JOIN main.submitted_notebook sn "
                    "ON sn.id = g.notebook_id WHERE sn.assignment_id = ? AND (g.manual_score IS NOT NULL OR g.extra_credit IS NOT NULL)",
                    (old_id,),
                ).fetchall()
                hand_comments = connection.execute(
                    "SELECT c.id, c.manual_comment FROM main.comment c JOIN main.submitted_notebook sn "
                    "ON sn.id = c.notebook_id WHERE sn.assignment_id = ? AND c.manual_comment IS NOT NULL",
                    (old_id,),
                ).fetchall()
                old_notebooks = "SELECT id FROM main.submitted_notebook WHERE assignment_id = ?"
                connection.execute(f"DELETE FROM main.comment WHERE notebook_id IN ({old_notebooks})", (old_id,))
                connection.execute(f"DELETE FROM main.grade WHERE notebook_id IN ({old_notebooks})", (old_id,))
                connection.execute("DELETE FROM main.submitted_notebook WHERE assignment_id = ?", (old_id,))
                connection.execute("DELETE FROM main.submitted_assignment WHERE id = ?", (old_id,))
            connection.execute("INSERT OR IGNORE INTO main.student SELECT * FROM worker.student WHERE id = ?", (student,))
            connection.execute("INSERT INTO main.submitted_assignment SELECT * FROM worker.submitted_assignment WHERE id = ?", (new_id,))
            connection.execute("INSERT INTO main.submitted_notebook SELECT * FROM worker.submitted_notebook WHERE assignment_id = ?", (new_id,))
            new_notebooks = "SELECT id FROM worker.submitted_notebook WHERE assignment_id = ?"
            connection.execute(f"INSERT INTO main.grade SELECT * FROM worker.grade WHERE notebook_id IN ({new_notebooks})", (new_id,))
            connection.execute(f"INSERT INTO main.comment SELECT * FROM worker.comment WHERE notebook_id IN ({new_notebooks})", (new_id,))
            for grade_id, manual_score, extra_credit in hand_grades:
                connection.execute(
                    "UPDATE main.grade SET manual_score = COALESCE(manual_score, ?), extra_credit = COALESCE(extra_credit, ?) WHERE id = ?",
                    (manual_score, extra_credit, grade_id),
                )
            for comment_id, manual_comment in hand_comments:
                connection.execute(
                    "UPDATE main.comment SET manual_comment = COALESCE(manual_comment, ?) WHERE id = ?", (manual_comment, comment_id)
                )
            if resubmitted:
                connection.execute(
                    f"UPDATE main.grade SET needs_manual_grade = 1 WHERE notebook_id IN ({new_notebooks}) "
                    "AND manual_score IS NOT NULL AND cell_id IN (SELECT id FROM main.task_cells)",
                    (new_id,),
                )
            score, max_score, manual = _totals(connection, new_id)
            outcome = Outcome(student, assignment, fingerprint, "graded", note or None, score, max_score, manual, source)
            _record(connection, outcome)
        connection.execute("DETACH DATABASE worker")
    return outcome


def _record(connection: sqlite3.Connection, outcome: Outcome) -> None:
    connection.execute(
        f"INSERT OR REPLACE INTO main.{OUTCOME_TABLE} (student, assignment, fingerprint, outcome, reason, score, "
        "max_score, needs_manual_grade, graded_at, source_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            outcome.student,
            outcome.assignment,
            outcome.fingerprint,
            outcome.outcome,
            outcome.reason,
            outcome.score,
            outcome.max_score,
            int(outcome.needs_manual_grade),
            _now(),
            outcome.source_fingerprint,
        ),
    )


def record_failure(db: Path, student: str, assignment: str, fingerprint: str, reason: str, source: str | None = None) -> Outcome:
    """Record that a submission could not be graded; its previous grade (if any) stays."""
    outcome = Outcome(student, assignment, fingerprint, "failed", reason, None, None, False, source)
    with closing(_connect(db)) as connection, _transaction(connection):
        _record(connection, outcome)
    return outcome


def recorded_outcomes(db: Path) -> dict[tuple[str, str], Outcome]:
    """(student, assignment) -> the outcome the last grading run recorded."""
    if not db.exists():
        return {}
    with closing(_connect(db)) as connection:
        exists = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (OUTCOME_TABLE,)).fetchone()
        if not exists:
            return {}
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({OUTCOME_TABLE})")}
        source = "source_fingerprint" if "source_fingerprint" in columns else "NULL"
        rows = connection.execute(
            f"SELECT student, assignment, fingerprint, outcome, reason, score, max_score, needs_manual_grade, {source} FROM {OUTCOME_TABLE}"
        ).fetchall()
    return {(r[0], r[1]): Outcome(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]) for r in rows}


def assignments_in_gradebook(db: Path) -> set[str]:
    """Names of the assignments nbgrader knows (``generate_assignment`` adds them)."""
    if not db.exists():
        return set()
    with closing(_connect(db)) as connection:
        try:
            return {row[0] for row in connection.execute("SELECT name FROM assignment")}
        except sqlite3.OperationalError:  # a gradebook nbgrader has not initialised yet
            return set()


def has_submission(db: Path, student: str, assignment: str) -> bool:
    """Whether the gradebook holds a submission for this learner and assignment."""
    if not db.exists():
        return False
    with closing(_connect(db)) as connection:
        return _submission_id(connection, "main", student, assignment) is not None
