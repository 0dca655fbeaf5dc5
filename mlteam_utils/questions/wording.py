"""Small wording helpers for messages a learner reads: counts, values, numbers.

Pure functions shared by the question kinds; they never raise on odd input and
keep every description short, whatever the learner saved.

>>> plural(1, "activity", "activities"), plural(3, "item")
('1 activity', '3 items')
>>> describe(["a", "b"]), describe(True), describe("Waterfall")
('a list of 2 entries', 'true/false', '“Waterfall”')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["clamp", "describe", "is_number", "names", "number", "plural", "sentences", "with_unit"]


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``count`` and ``word``, with the plural form unless ``count`` is 1.

    >>> plural(0, "option")
    '0 options'
    """
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


def describe(value: object) -> str:
    """A short description of any value, for problem messages (never huge).

    >>> describe(None), describe(10**400), describe({"a": 1})
    ('empty (null)', 'a number too large to use', 'an object with 1 entry')
    >>> len(describe("y" * 1_000_000)) < 50
    True
    """
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "…"
        return f"“{text}”" if text.isprintable() else repr(text)
    if isinstance(value, (int, float)):
        try:
            return f"the number {float(value):g}"
        except OverflowError:
            return "a number too large to use"
    if isinstance(value, (list, tuple)):
        return f"a list of {plural(len(value), 'entry', 'entries')}"
    if isinstance(value, Mapping):
        return f"an object with {plural(len(value), 'entry', 'entries')}"
    return f"a value of type {type(value).__name__}"


def names(values: Sequence[object], limit: int = 3) -> str:
    """The first ``limit`` values, described, and how many more there are.

    >>> names(["a", "b", "c", "d"])
    '“a”, “b”, “c” and 1 more'
    """
    shown = ", ".join(describe(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def sentences(*parts: str) -> str:
    """Non-empty ``parts`` joined with single spaces.

    >>> sentences("You chose “B”.", "", " B is a trap. ")
    'You chose “B”. B is a trap.'
    """
    return " ".join(part.strip() for part in parts if part and part.strip())


def number(value: float) -> str:
    """A number as a learner would write it.

    >>> number(78.0), number(0.25)
    ('78', '0.25')
    """
    return f"{value:g}"


def with_unit(value: float, unit: str) -> str:
    """A number and its unit (``%`` sticks to the number).

    >>> with_unit(78, "%"), with_unit(8, "weeks"), with_unit(3, "")
    ('78%', '8 weeks', '3')
    """
    if not unit:
        return number(value)
    return f"{number(value)}{unit}" if unit == "%" else f"{number(value)} {unit}"


def is_number(value: object) -> bool:
    """True for an int or float that is not a bool.

    >>> is_number(3), is_number(True), is_number("3")
    (True, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def clamp(value: float) -> float:
    """A credit within [0, 1], rounded to 6 places; 0 for NaN or infinity.

    >>> clamp(1.2), clamp(-0.5), clamp(float("nan")), clamp(2 / 3)
    (1.0, 0.0, 0.0, 0.666667)
    """
    if not math.isfinite(value):
        return 0.0
    return round(min(1.0, max(0.0, value)), 6)
