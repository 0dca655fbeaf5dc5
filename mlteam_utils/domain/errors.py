"""The one error the domain loaders raise.

>>> raise DomainDataError("tasks.json, row 3 (id 'x'): field 'task' is missing", file="tasks.json", row=3)
Traceback (most recent call last):
...
mlteam_utils.domain.errors.DomainDataError: tasks.json, row 3 (id 'x'): field 'task' is missing
"""

from __future__ import annotations

__all__ = ["DomainDataError", "location"]


class DomainDataError(ValueError):
    """A domain data file is invalid.

    The message starts with the file name and, where one is at fault, the row,
    so an author can go straight to the line to fix. ``file``, ``row`` and
    ``record_id`` hold the same facts for code.
    """

    def __init__(self, message: str, *, file: str, row: int | None = None, record_id: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.record_id = record_id


def location(file: str, row: int | None = None, record_id: str | None = None, section: str | None = None) -> str:
    """Where a problem is, as the message prefix: ``"tasks.json, row 17 (id 'x')"``.

    >>> location("lifecycles.json", 2, None, "lifecycle 'crisp_dm', loops")
    "lifecycles.json, lifecycle 'crisp_dm', loops row 2"
    """
    parts = [file]
    if row is not None:
        row_text = f"row {row}" if section is None else f"{section} row {row}"
        if record_id is not None:
            row_text += f" (id {record_id!r})"
        parts.append(row_text)
    elif section is not None:
        parts.append(section)
    return ", ".join(parts)
