"""Checks for the fields of a question spec (the answer key), shared by the question kinds.

Each check raises ``ValueError`` naming the field and the problem, so an author
who mistypes a key file learns what to fix; :func:`public_names` reads the public
side of a spec without ever raising.

>>> text_list({"options": ["a", "b"]}, "options", "options", minimum=2)
('a', 'b')
>>> choices("X", ["X", "Y"], "category", "'key' for 'a'")
('X',)
>>> choices("Z", ["X", "Y"], "category", "'key' for 'a'")
Traceback (most recent call last):
...
ValueError: 'key' for 'a': 'Z' is not one of the categories ['X', 'Y']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mlteam_utils.questions.wording import is_number

__all__ = ["choices", "finite", "public_names", "text_list", "text_map"]


def text_list(spec: Mapping[str, Any], key: str, what: str, minimum: int = 1) -> tuple[str, ...]:
    """``spec[key]`` as a tuple of distinct, non-empty texts (at least ``minimum``).

    >>> text_list({"items": ["a", "a"]}, "items", "items")
    Traceback (most recent call last):
    ...
    ValueError: 'items' lists 'a' twice
    """
    raw = spec.get(key)
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ValueError(f"{key!r} must be a list of {what}")
    if len(raw) < minimum:
        raise ValueError(f"{key!r} needs at least {minimum} {what}")
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, str) or not entry.strip():
            raise ValueError(f"every entry of {key!r} must be non-empty text, got {entry!r}")
        if entry in seen:
            raise ValueError(f"{key!r} lists {entry!r} twice")
        seen.add(entry)
    return tuple(raw)


def text_map(spec: Mapping[str, Any], key: str, allowed: Sequence[str], what: str) -> dict[str, str]:
    """``spec[key]`` (optional) as a map from some of ``allowed`` to texts, e.g. the explanations.

    >>> text_map({}, "explanations", ["a"], "item")
    {}
    >>> text_map({"explanations": {"b": "?"}}, "explanations", ["a"], "item")
    Traceback (most recent call last):
    ...
    ValueError: 'explanations' names items that are not in the question: ['b']
    """
    raw = spec.get(key, {})
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{key!r} must map each {what} to a text")
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        raise ValueError(f"{key!r} names {what}s that are not in the question: {unknown[:3]!r}")
    for k, v in raw.items():
        if not isinstance(v, str):
            raise ValueError(f"{key!r}: the text for {k!r} must be a string")
    return dict(raw)


def choices(raw: object, allowed: Sequence[str], what: str, where: str) -> tuple[str, ...]:
    """One acceptable choice or a non-empty list of them, each in ``allowed``, without repeats.

    >>> choices(["X", "Y", "X"], ["X", "Y"], "category", "'key' for 'a'")
    ('X', 'Y')
    """
    values = [raw] if isinstance(raw, str) else raw
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{where} must be a {what} or a non-empty list of them")
    for value in values:
        if value not in allowed:
            raise ValueError(f"{where}: {value!r} is not one of the {what}s {list(allowed)!r}".replace("ys ", "ies "))
    return tuple(dict.fromkeys(values))


def finite(spec: Mapping[str, Any], key: str, default: float | None = None) -> float:
    """``spec[key]`` (or ``default``) as a finite float.

    >>> finite({"target": 78}, "target"), finite({}, "zero_beyond", 3)
    (78.0, 3.0)
    >>> finite({"target": "78"}, "target")
    Traceback (most recent call last):
    ...
    ValueError: 'target' must be a finite number, got '78'
    """
    raw = spec.get(key, default)
    if not is_number(raw) or not math.isfinite(float(raw)):
        raise ValueError(f"{key!r} must be a finite number, got {raw!r}")
    return float(raw)


def public_names(public: Mapping[str, Any], key: str) -> frozenset[str]:
    """The texts listed under ``key`` of a public spec; never raises, whatever it holds.

    >>> sorted(public_names({"items": ["b", "a", 3]}, "items")), public_names({"items": "ab"}, "items")
    (['a', 'b'], frozenset())
    """
    raw = public.get(key) or ()
    return frozenset(x for x in raw if isinstance(x, str)) if not isinstance(raw, str) else frozenset()
