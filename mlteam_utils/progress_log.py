"""A learner's own record of the lesson checks they tried, kept in their work area.

Every press of **Check** on a lesson's knowledge check is recorded in
``my-work/.mlteam-progress.json``, the folder ``make lab`` serves (see
:mod:`mlteam_utils.workspace`): how often the check was tried, the best credit,
and when it was first answered fully right. The record exists to show a
learner, and later an instructor, how far they got. It never lands in a file git
tracks: a lesson opened from the repository itself, outside a work area, records
nothing. Recording never gets in the learner's way: a folder that cannot be
written is skipped, and a file that is not a valid record is set aside as
``.mlteam-progress.json.bad-<time>`` and started afresh.

>>> import tempfile
>>> from datetime import UTC, datetime
>>> work = Path(tempfile.mkdtemp())
>>> _ = (work / WORKSPACE_MANIFEST).write_text("{}", encoding="utf-8")
>>> lessons = work / "lessons"
>>> lessons.mkdir()
>>> record_check("kc_uncertainty", "01_how_ml_projects_differ", 0.0, start=lessons,
...              when=datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
True
>>> record_check("kc_uncertainty", "01_how_ml_projects_differ", 1.0, start=lessons,
...              when=datetime(2026, 11, 29, 9, 5, tzinfo=UTC))
True
>>> entry = read_progress(work)["kc_uncertainty"]
>>> entry["attempts"], entry["best"], entry["first_right"]
(2, 1.0, '2026-11-29T09:05:00+00:00')
>>> record_check("kc_uncertainty", "01_how_ml_projects_differ", 1.0, start=Path(tempfile.mkdtemp()))
False
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlteam_utils.atomic_files import write_atomically
from mlteam_utils.naming import WORKSPACE_MANIFEST

__all__ = [
    "PROGRESS_FILE", "SCHEMA", "SELFGRADE_FILE", "SELFGRADE_SCHEMA", "find_work_area", "read_progress", "read_selfgrades",
    "record_check", "record_selfgrade",
]

PROGRESS_FILE = ".mlteam-progress.json"
SCHEMA = "mlteam-progress/1"
#: The result of each exercise's latest ``mlteam-course selfgrade``, in the same work area.
SELFGRADE_FILE = ".mlteam-selfgrade.json"
SELFGRADE_SCHEMA = "mlteam-selfgrade/1"
#: A record is a few kilobytes; anything this big is not one (and is not read into memory).
MAX_RECORD_BYTES = 4 * 1024 * 1024


def read_record_text(path: Path) -> str:
    """The text of a learner-side record, only if it is a plain file of sane size.

    The work area is the learner's: a link, a named pipe (which would block
    ``read_text`` for ever) or a huge file there is refused, never followed or opened.
    Raises ``FileNotFoundError`` when there is none, ``IsADirectoryError`` for a
    folder (an ``OSError``, like a record that cannot be written: left where it is),
    and ``ValueError`` (one line, naming the file and what it is) when it cannot be a record.

    >>> import os, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> os.mkfifo(folder / PROGRESS_FILE)
    >>> read_record_text(folder / PROGRESS_FILE)
    Traceback (most recent call last):
    ...
    ValueError: .../.mlteam-progress.json is a named pipe (FIFO), not a record: not read
    """
    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    try:
        return read_regular_file(path, max_bytes=MAX_RECORD_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise
    except UnsafeEntry as error:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(f"{path} is a folder, not a record: not read") from None
        raise ValueError(f"{error}, not a record: not read") from None
    except OSError as error:
        raise ValueError(f"{path} cannot be read ({error.strerror or error}): not read") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text, not a record: not read") from None


def find_work_area(start: Path) -> Path | None:
    """The work area holding ``start`` (the folder with the workspace manifest), or None.

    >>> find_work_area(Path("/")) is None
    True
    """
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / WORKSPACE_MANIFEST).is_file():
            return candidate
    return None


def read_progress(work: Path) -> dict[str, dict[str, Any]]:
    """The recorded checks of a work area: check id -> entry (empty if there is no record).

    Raises ``ValueError`` for a file that is not a progress record.
    """
    path = work / PROGRESS_FILE
    try:
        raw = read_record_text(path)
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError(f"{path} is not valid JSON, not a progress record: not read") from None
    if not isinstance(data, Mapping) or data.get("schema") != SCHEMA or not isinstance(data.get("checks"), Mapping):
        raise ValueError(f"{path.name} is not a progress record ({SCHEMA})")
    return {str(k): dict(v) for k, v in data["checks"].items() if isinstance(v, Mapping)}


def record_check(
    check_id: str, lesson: str, fraction: float, *, start: Path | None = None, when: datetime | None = None
) -> bool:
    """Record one press of Check with its credit (0 to 1); ``True`` if it was recorded.

    ``start`` is where the lesson runs (the kernel's working folder by default).
    """
    work = find_work_area(Path.cwd() if start is None else start)
    if work is None:
        return False
    moment = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    credit = float(fraction) if isinstance(fraction, (int, float)) and math.isfinite(fraction) else 0.0
    credit = min(max(credit, 0.0), 1.0)
    try:
        try:
            checks = read_progress(work)
        except (ValueError, UnicodeDecodeError):  # not ours to read: keep it aside, start afresh
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            (work / PROGRESS_FILE).replace(work / f"{PROGRESS_FILE}.bad-{stamp}")
            checks = {}
        entry = checks.get(check_id, {})
        attempts = int(entry.get("attempts", 0)) if isinstance(entry.get("attempts"), int) else 0
        earlier = entry.get("best")
        best = float(earlier) if isinstance(earlier, (int, float)) else 0.0
        checks[check_id] = {
            "lesson": lesson,
            "attempts": attempts + 1,
            "best": max(best, credit),
            "first_right": entry.get("first_right") or (moment if credit >= 1.0 else None),
            "last": moment,
        }
        payload = json.dumps({"schema": SCHEMA, "checks": checks}, indent=1, sort_keys=True) + "\n"
        write_atomically(work / PROGRESS_FILE, payload.encode("utf-8"))
    except OSError:  # a read-only or vanished folder: the lesson goes on without a record
        return False
    return True


def read_selfgrades(work: Path, problems: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The work area's self-grade results: assignment -> latest result (empty if none or unreadable).

    A file that is not a self-grade record reads as no record (the next selfgrade rewrites it);
    why, in one line, is added to ``problems`` when given.
    """
    notes = problems if problems is not None else []
    try:
        text = read_record_text(work / SELFGRADE_FILE)
    except FileNotFoundError:
        return {}
    except (ValueError, OSError) as error:
        notes.append(str(error))
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        notes.append(f"{work / SELFGRADE_FILE} is not valid JSON, not a record: not read")
        return {}
    if not isinstance(data, Mapping) or data.get("schema") != SELFGRADE_SCHEMA or not isinstance(data.get("exercises"), Mapping):
        return {}
    return {str(k): dict(v) for k, v in data["exercises"].items() if isinstance(v, Mapping)}


def record_selfgrade(work: Path, assignment: str, result: Mapping[str, Any], *, when: datetime | None = None) -> Path:
    """Keep an exercise's self-grade ``result`` (score, points, pass mark, passed) in the work area.

    ``first_passed`` is when the exercise was first self-graded as passed, kept
    while later runs still pass and cleared by a run that does not. Raises
    ``OSError`` when the work area cannot be written.

    >>> import tempfile
    >>> work = Path(tempfile.mkdtemp())
    >>> first = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    >>> _ = record_selfgrade(work, "ex01_x", {"score": 8.0, "passed": True}, when=first)
    >>> _ = record_selfgrade(work, "ex01_x", {"score": 9.0, "passed": True}, when=datetime(2026, 12, 1, tzinfo=UTC))
    >>> entry = read_selfgrades(work)["ex01_x"]
    >>> entry["score"], entry["first_passed"], entry["graded_at"]
    (9.0, '2026-11-29T09:00:00+00:00', '2026-12-01T00:00:00+00:00')
    """
    moment = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    exercises = read_selfgrades(work)
    earlier = exercises.get(assignment, {})
    passed = bool(result.get("passed"))
    entry = {**dict(result), "graded_at": moment,
             "first_passed": (earlier.get("first_passed") or moment) if passed else None}
    exercises[assignment] = entry
    payload = json.dumps({"schema": SELFGRADE_SCHEMA, "exercises": exercises}, indent=1, sort_keys=True) + "\n"
    write_atomically(work / SELFGRADE_FILE, payload.encode("utf-8"))
    return work / SELFGRADE_FILE
