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
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

SOURCE_TABLE = "mlteam_feedback_source"
RELEASED_TABLE = "mlteam_released_feedback"

_CREATE = (
    f"""CREATE TABLE IF NOT EXISTS {SOURCE_TABLE} (
        student TEXT NOT NULL, assignment TEXT NOT NULL, digest TEXT NOT NULL,
        PRIMARY KEY (student, assignment))""",
    f"""CREATE TABLE IF NOT EXISTS {RELEASED_TABLE} (
        student TEXT NOT NULL, assignment TEXT NOT NULL, checksum TEXT NOT NULL,
        PRIMARY KEY (student, assignment, checksum))""",
)


def _connect(db: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(db, timeout=60, isolation_level=None)
    for statement in _CREATE:
        connection.execute(statement)
    return connection


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


def recorded_digests(db: Path, assignment: str) -> dict[str, str]:
    """learner -> digest of the inputs their current feedback page for ``assignment`` was made from."""
    with closing(_connect(db)) as connection:
        rows = connection.execute(f"SELECT student, digest FROM {SOURCE_TABLE} WHERE assignment = ?", (assignment,)).fetchall()
    return dict(rows)


def record_digests(db: Path, assignment: str, digests: dict[str, str]) -> None:
    with closing(_connect(db)) as connection:
        connection.executemany(
            f"INSERT OR REPLACE INTO {SOURCE_TABLE} VALUES (?, ?, ?)", [(student, assignment, d) for student, d in digests.items()]
        )


def forget_digest(db: Path, assignment: str, student: str) -> None:
    """Make the next run regenerate this learner's page (e.g. after it was withheld)."""
    with closing(_connect(db)) as connection:
        connection.execute(f"DELETE FROM {SOURCE_TABLE} WHERE student = ? AND assignment = ?", (student, assignment))


def released_checksums(db: Path, assignment: str, student: str) -> set[str]:
    with closing(_connect(db)) as connection:
        rows = connection.execute(
            f"SELECT checksum FROM {RELEASED_TABLE} WHERE student = ? AND assignment = ?", (student, assignment)
        ).fetchall()
    return {row[0] for row in rows}


def record_release(db: Path, assignment: str, student: str, checksums: set[str]) -> None:
    """Replace the record of what is released for this learner and assignment."""
    with closing(_connect(db)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(f"DELETE FROM {RELEASED_TABLE} WHERE student = ? AND assignment = ?", (student, assignment))
        connection.executemany(f"INSERT INTO {RELEASED_TABLE} VALUES (?, ?, ?)", [(student, assignment, c) for c in sorted(checksums)])
        connection.execute("COMMIT")
