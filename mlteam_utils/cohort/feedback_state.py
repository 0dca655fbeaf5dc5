"""What ``mlteam-course feedback`` remembers between runs, in the course gradebook.

Two small tables beside nbgrader's:

* ``mlteam_feedback_source``: for each learner and assignment, a digest of
  everything their feedback page is made from (the autograded notebooks, the
  grades and comments in the gradebook, the late penalty, the page template and
  the course settings). A page whose digest has not changed is not regenerated,
  so a rerun after grading three reflections rewrites three pages, not the
  cohort's;
* ``mlteam_released_feedback``: the exchange file names (nbgrader's checksum of
  the submission's secret and the notebook) released for each learner. When a
  learner resubmits, the page of the earlier submission is taken back from the
  exchange, so ``fetch_feedback`` brings only the latest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlteam_utils.cohort.gradebook_db import GradebookLocation, transaction, upsert

if TYPE_CHECKING:
    import sqlalchemy as sa

SOURCE_TABLE = "mlteam_feedback_source"
RELEASED_TABLE = "mlteam_released_feedback"


def _tables() -> tuple[sa.MetaData, sa.Table, sa.Table]:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    sources = sa.Table(
        SOURCE_TABLE, metadata,
        sa.Column("student", sa.Text, primary_key=True),
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("digest", sa.Text, nullable=False),
    )  # fmt: skip
    released = sa.Table(
        RELEASED_TABLE, metadata,
        sa.Column("student", sa.Text, primary_key=True),
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("checksum", sa.Text, primary_key=True),
    )  # fmt: skip
    return metadata, sources, released


@contextmanager
def _connect(db: GradebookLocation, *, write: bool = False) -> Iterator[tuple[sa.Connection, sa.Table, sa.Table]]:
    """One transaction on the gradebook, with our tables created or upgraded if need be."""
    from mlteam_utils.cohort.project_tables import ensure_project_tables

    _metadata, sources, released = _tables()
    with transaction(db, write=write) as connection:
        ensure_project_tables(connection)
        yield connection, sources, released


def digest_of(parts: Iterable[bytes | str]) -> str:
    """A SHA-256 over ``parts``, each length-prefixed so that no two lists collide.

    >>> digest_of(["ab", "c"]) == digest_of(["a", "bc"])
    False
    """
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def submission_record(gradebook: Any, assignment: str, student: str) -> str:
    """The gradebook's grades, comments, penalties and timestamp of one submission, as stable JSON."""
    from nbgrader.api import MissingEntry

    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return "missing"
    notebooks = []
    for notebook in sorted(submission.notebooks, key=lambda n: n.name):
        notebooks.append({
            "name": notebook.name,
            "late_penalty": notebook.late_submission_penalty,
            "grades": sorted(
                [g.name, g.auto_score, g.manual_score, g.extra_credit, bool(g.needs_manual_grade)] for g in notebook.grades
            ),
            "comments": sorted([c.name, c.auto_comment or "", c.manual_comment or ""] for c in notebook.comments),
        })
    timestamp = submission.timestamp.isoformat() if submission.timestamp else None
    return json.dumps({"timestamp": timestamp, "extension": str(submission.extension), "notebooks": notebooks}, sort_keys=True, default=str)


def recorded_digests(db: GradebookLocation, assignment: str) -> dict[str, str]:
    """learner -> digest of the inputs their current feedback page for ``assignment`` was made from."""
    import sqlalchemy as sa

    with _connect(db) as (connection, sources, _released):
        rows = connection.execute(sa.select(sources.c.student, sources.c.digest).where(sources.c.assignment == assignment))
        return {row.student: row.digest for row in rows}


def record_digests(db: GradebookLocation, assignment: str, digests: dict[str, str]) -> None:
    with _connect(db, write=True) as (connection, sources, _released):
        rows = [{"student": student, "assignment": assignment, "digest": digest} for student, digest in digests.items()]
        upsert(connection, sources, rows, ["student", "assignment"])


def forget_digest(db: GradebookLocation, assignment: str, student: str) -> None:
    """Make the next run regenerate this learner's page (e.g. after it was withheld)."""
    with _connect(db, write=True) as (connection, sources, _released):
        connection.execute(sources.delete().where(sources.c.student == student, sources.c.assignment == assignment))


def released_checksums(db: GradebookLocation, assignment: str, student: str) -> set[str]:
    import sqlalchemy as sa

    with _connect(db) as (connection, _sources, released):
        query = sa.select(released.c.checksum).where(released.c.student == student, released.c.assignment == assignment)
        return set(connection.execute(query).scalars())


def record_release(db: GradebookLocation, assignment: str, student: str, checksums: set[str]) -> None:
    """Replace the record of what is released for this learner and assignment (in one transaction)."""
    with _connect(db, write=True) as (connection, _sources, released):
        connection.execute(released.delete().where(released.c.student == student, released.c.assignment == assignment))
        rows = [{"student": student, "assignment": assignment, "checksum": checksum} for checksum in sorted(checksums)]
        if rows:
            connection.execute(released.insert(), rows)
