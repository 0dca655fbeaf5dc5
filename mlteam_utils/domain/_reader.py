"""Read JSON records field by field, failing with the file and row in the message.

>>> rows = records_of(load_json('{"roles": [{"id": "a", "core": "yes"}]}', "roles.json"), "roles", "roles.json")
>>> rows[0].flag("core")
Traceback (most recent call last):
...
mlteam_utils.domain.errors.DomainDataError: roles.json, row 1 (id 'a'): field 'core' must be true or false, not 'yes'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from mlteam_utils.domain.errors import DomainDataError, location

__all__ = ["ID_PATTERN", "Record", "check_unique_ids", "load_json", "records_of"]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def load_json(text: str, file: str) -> Any:
    """Parse ``text``; a syntax error names the file, line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DomainDataError(
            f"{file}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})", file=file
        ) from None


def records_of(document: Any, key: str, file: str, section: str | None = None) -> list[Record]:
    """The list under ``key`` in ``document``, each item wrapped as a :class:`Record`."""
    where = location(file, section=section)
    if not isinstance(document, dict):
        raise DomainDataError(f"{where}: expected a JSON object with a {key!r} list", file=file)
    items = document.get(key)
    if not isinstance(items, list):
        raise DomainDataError(f"{where}: expected a list under {key!r}", file=file)
    return [Record(item, file, number, section) for number, item in enumerate(items, start=1)]


class Record:
    """One JSON object in a list, read with type checks that name where it is."""

    def __init__(self, data: Any, file: str, row: int, section: str | None = None) -> None:
        self.file = file
        self.row = row
        self.section = section
        if not isinstance(data, dict):
            self.data: dict[str, Any] = {}
            self.fail(f"expected a JSON object, not {type(data).__name__}")
        self.data = data
        raw_id = data.get("id", data.get("name"))
        self.id: str | None = raw_id if isinstance(raw_id, str) else None

    def where(self) -> str:
        return location(self.file, self.row, self.id, self.section)

    def fail(self, problem: str) -> NoReturn:
        raise DomainDataError(f"{self.where()}: {problem}", file=self.file, row=self.row, record_id=self.id)

    def check_fields(self, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        """Fail on a missing required field or on a field nobody reads (a typo)."""
        required = list(required)
        known = set(required) | set(optional)
        for name in required:
            if name not in self.data:
                self.fail(f"field {name!r} is missing")
        for name in self.data:
            if name not in known:
                self.fail(f"unknown field {name!r} (expected fields: {', '.join(sorted(known))})")

    def _value(self, name: str) -> Any:
        if name not in self.data:
            self.fail(f"field {name!r} is missing")
        return self.data[name]

    def text(self, name: str, *, default: str | None = None) -> str:
        """A non-empty string (``default`` when the field is absent and a default is given)."""
        if default is not None and name not in self.data:
            return default
        value = self._value(name)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"field {name!r} must be a non-empty string, not {value!r}")
        return value

    def identifier(self, name: str = "id") -> str:
        """A snake_case id such as ``ml_engineer``."""
        value = self.text(name)
        if not ID_PATTERN.match(value):
            self.fail(f"field {name!r} must be snake_case (a-z, 0-9, _), not {value!r}")
        return value

    def choice(self, name: str, choices: Sequence[str]) -> str:
        """A string from ``choices``."""
        value = self.text(name)
        if value not in choices:
            self.fail(f"field {name!r} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def texts(self, name: str, *, allow_empty: bool = False, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of non-empty strings, as a tuple."""
        if default is not None and name not in self.data:
            return default
        value = self._value(name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"field {name!r} must be a list of non-empty strings, not {value!r}")
        if not value and not allow_empty:
            self.fail(f"field {name!r} must not be empty")
        return tuple(value)

    def flag(self, name: str, *, default: bool | None = None) -> bool:
        """``true`` or ``false``."""
        if default is not None and name not in self.data:
            return default
        value = self._value(name)
        if not isinstance(value, bool):
            self.fail(f"field {name!r} must be true or false, not {value!r}")
        return value

    def integer(self, name: str, *, minimum: int | None = None, nullable: bool = False) -> int | None:
        """A whole number (or ``null`` when ``nullable``)."""
        value = self._value(name)
        if value is None and nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            kind = "a whole number or null" if nullable else "a whole number"
            self.fail(f"field {name!r} must be {kind}, not {value!r}")
        if minimum is not None and value < minimum:
            self.fail(f"field {name!r} must be at least {minimum}, not {value}")
        return value


def check_unique_ids(records: Sequence[Record], ids: Sequence[str], what: str = "id") -> None:
    """Fail on the first id (or ``what``) used twice, naming the row that used it first."""
    first_row: dict[str, int] = {}
    for record, record_id in zip(records, ids, strict=True):
        if record_id in first_row:
            record.fail(f"duplicate {what} {record_id!r} (first used in row {first_row[record_id]})")
        first_row[record_id] = record.row
