"""The record of issued certificates: a table of ours in the course gradebook, or the learner's work area.

Course certificates go into ``mlteam_certificate`` in the gradebook named by the
course's ``db_url``, through SQLAlchemy Core, so it works on SQLite and on
PostgreSQL alike. Self-graded ones go into ``my-work/.mlteam-certificates.json``.

>>> import tempfile
>>> url = f"sqlite:///{tempfile.mkdtemp()}/gradebook.db"
>>> record_issued(url, "MLT-AAAA-BBBB-CCCC-DDDD", "ana", '{"x": 1}')
>>> find_issued(url, "MLT-AAAA-BBBB-CCCC-DDDD").student_id, find_issued(url, "MLT-ZZZZ-BBBB-CCCC-DDDD")
('ana', None)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "CERTIFICATE_FILE_TABLE", "CERTIFICATE_TABLE", "SELF_RECORD", "Issued", "find_issued", "find_self_issued",
    "record_issued", "record_self_issued",
]

CERTIFICATE_TABLE = "mlteam_certificate"
#: The SHA-256 of every PDF made for a code: a file's text can be copied onto a page
#: that shows something else (a name drawn as a picture), its bytes cannot.
CERTIFICATE_FILE_TABLE = "mlteam_certificate_file"
SELF_RECORD = ".mlteam-certificates.json"


@dataclass(frozen=True)
class Issued:
    """One issued certificate: its code, the learner, the statement (canonical JSON) and when."""

    code: str
    student_id: str
    statement: str
    issued_at: str
    #: SHA-256 of each PDF issued under the code (empty for one issued before they were kept).
    file_fingerprints: tuple[str, ...] = ()
    #: the code issued to the same learner after this one (a changed statement), if any
    replaced_by: str | None = None


def _table(metadata: Any) -> Any:
    from sqlalchemy import Column, String, Table, Text

    return Table(
        CERTIFICATE_TABLE, metadata,
        Column("code", String(40), primary_key=True),
        Column("student_id", String(128), nullable=False),
        Column("statement", Text, nullable=False),
        Column("issued_at", String(32), nullable=False),
        Column("replaced_by", String(40)),  # the learner's next code (a changed statement)
    )


def _file_table(metadata: Any) -> Any:
    from sqlalchemy import Column, String, Table

    return Table(
        CERTIFICATE_FILE_TABLE, metadata,
        Column("code", String(40), primary_key=True),
        Column("sha256", String(64), primary_key=True),
        Column("issued_at", String(32), nullable=False),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_issued(db_url: str, code: str, student_id: str, statement: str, file_fingerprint: str | None = None) -> None:
    """Record an issued certificate (the same code again keeps its first record: same statement, same code),
    and the fingerprint of the PDF made for it (each PDF made for the code is kept). The learner's
    other codes not yet replaced are recorded as replaced by this one.

    Through the gradebook's own transactions (:mod:`mlteam_utils.cohort.gradebook_db`): SQLite's
    write lock with a wait, one-line errors for a server that cannot be reached, and an insert
    that two instructors issuing at once cannot make collide.
    """
    from sqlalchemy import MetaData

    from mlteam_utils.cohort.gradebook_db import gradebook_location, transaction, upsert
    from mlteam_utils.cohort.project_tables import ensure_project_tables

    table = _table(MetaData())
    with transaction(gradebook_location(db_url), write=True) as connection:
        ensure_project_tables(connection)  # creates the tables, or upgrades those of an older release
        upsert(connection, table, [{"code": code, "student_id": student_id, "statement": statement, "issued_at": _now()}],
               ["code"], replace=False)
        connection.execute(table.update().where(
            table.c.student_id == student_id, table.c.code != code, table.c.replaced_by.is_(None),
        ).values(replaced_by=code))
        if file_fingerprint is not None:
            files = _file_table(MetaData())
            upsert(connection, files, [{"code": code, "sha256": file_fingerprint, "issued_at": _now()}], ["code", "sha256"], replace=False)


def find_issued(db_url: str, code: str) -> Issued | None:
    """The record of ``code`` in the gradebook, or None (also when no certificate was ever issued there)."""
    from sqlalchemy import MetaData, inspect, null, select

    from mlteam_utils.cohort.gradebook_db import gradebook_location, table_names, transaction

    location = gradebook_location(db_url)
    if isinstance(location, Path) and not location.is_file():
        return None  # no gradebook: nothing was issued (and looking must not create one)
    with transaction(location) as connection:
        if CERTIFICATE_TABLE not in table_names(connection):
            return None
        table = _table(MetaData())
        names = {column["name"] for column in inspect(connection).get_columns(CERTIFICATE_TABLE)}
        columns = [table.c.code, table.c.student_id, table.c.statement, table.c.issued_at]
        replaced = table.c.replaced_by if "replaced_by" in names else null()  # a record from before re-issues were tracked
        row = connection.execute(select(*columns, replaced.label("replaced_by")).where(table.c.code == code)).first()
        fingerprints: tuple[str, ...] = ()
        if row is not None and CERTIFICATE_FILE_TABLE in table_names(connection):
            files = _file_table(MetaData())
            fingerprints = tuple(r.sha256 for r in connection.execute(select(files.c.sha256).where(files.c.code == code)))
    return None if row is None else Issued(row.code, row.student_id, row.statement, row.issued_at, fingerprints, row.replaced_by)


def _read_self(work: Path) -> dict[str, dict[str, Any]]:
    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    try:
        data = json.loads(read_regular_file(work / SELF_RECORD, max_bytes=4 * 1024 * 1024))
    except (FileNotFoundError, UnsafeEntry, ValueError):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def record_self_issued(work: Path, code: str, student_id: str, statement: str, file_fingerprint: str | None = None) -> None:
    """Record a self-graded certificate in the learner's work area (and its PDF's fingerprint)."""
    from mlteam_utils.atomic_files import write_atomically

    issued = _read_self(work)
    entry = issued.setdefault(code, {"student_id": student_id, "statement": statement, "issued_at": _now()})
    if file_fingerprint is not None:
        files = entry.get("files")
        known: list[Any] = files if isinstance(files, list) else []
        entry["files"] = known if file_fingerprint in known else [*known, file_fingerprint]
    write_atomically(work / SELF_RECORD, (json.dumps(issued, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def find_self_issued(work: Path, code: str) -> Issued | None:
    entry = _read_self(work).get(code)
    if entry is None or not all(isinstance(entry.get(k), str) for k in ("student_id", "statement", "issued_at")):
        return None
    files = entry.get("files")
    fingerprints = tuple(f for f in files if isinstance(f, str)) if isinstance(files, list) else ()
    return Issued(code, entry["student_id"], entry["statement"], entry["issued_at"], fingerprints)
