"""Score widget answers against an answer key: pure functions, no widgets.

The grader calls :func:`score_answer` in its own process with a question's *spec*
(its entry in ``solutions/<exercise>/<notebook>.key.json``) and the value the
learner's widget saved; lessons call it in the kernel for instant feedback. It
gives partial credit item by item and never raises on learner input: a value of
the wrong shape scores 0 with a problem saying why. Only an invalid *spec* raises
``ValueError`` (see :func:`validate_spec`).

Kinds of question and the value each one saves:

=================== ================================================================
``single_choice``   the chosen option (text)
``multiple_choice`` the chosen options (list of text)
``matching``        item -> category (object); unmatched items are left out
``ordering``        every item once, in the learner's order (list of text)
``raci``            activity -> role -> ``"R"``, ``"A"``, ``"C"``, ``"I"`` or ``""``
``numeric``         a number
=================== ================================================================

>>> spec = {"kind": "single_choice", "options": ["Data engineer", "Data scientist"],
...         "correct": "Data engineer",
...         "explanations": {"Data engineer": "Pipelines are a data engineer's core work.",
...                          "Data scientist": "A scientist uses the pipeline but seldom owns it."}}
>>> result = score_answer("q1", spec, "Data scientist")
>>> result.fraction, result.items[0].feedback
(0.0, 'You chose “Data scientist”. A scientist uses the pipeline but seldom owns it.')
>>> score_answer("q1", spec, {"not": "an option"}).problems
('the answer is an object with 1 entry, not the text of an option',)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "KINDS",
    "ORDERING_METHODS",
    "RACI_LETTERS",
    "ItemResult",
    "QuestionResult",
    "completeness",
    "default_overload_threshold",
    "public_spec",
    "raci_overloaded_roles",
    "raci_problems",
    "score_answer",
    "score_entry",
    "validate_spec",
    "value_problem",
]

KINDS: tuple[str, ...] = ("single_choice", "multiple_choice", "matching", "ordering", "raci", "numeric")
RACI_LETTERS: tuple[str, ...] = ("R", "A", "C", "I")
ORDERING_METHODS: tuple[str, ...] = ("pairs", "positions", "mixed")

# required keys, optional keys (besides "kind" and "prompt")
_SPEC_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "single_choice": (frozenset({"options", "correct"}), frozenset({"explanations"})),
    "multiple_choice": (frozenset({"options", "correct"}), frozenset({"explanations"})),
    "matching": (frozenset({"items", "categories", "key"}), frozenset({"explanations"})),
    "ordering": (frozenset({"items"}), frozenset({"explanations", "method"})),
    "raci": (
        frozenset({"activities", "roles", "accountable", "responsible"}),
        frozenset({"explanations", "overload_threshold"}),
    ),
    "numeric": (frozenset({"target", "tolerance"}), frozenset({"zero_beyond", "unit", "explanation"})),
}
# what a widget in graded mode may know: no key, no explanations
_PUBLIC_KEYS: dict[str, tuple[str, ...]] = {
    "single_choice": ("options",),
    "multiple_choice": ("options",),
    "matching": ("items", "categories"),
    "ordering": ("items",),
    "raci": ("activities", "roles"),
    "numeric": ("unit",),
}
_SINGLE_ITEM = {"single_choice": "answer", "numeric": "estimate"}


@dataclass(frozen=True)
class ItemResult:
    """Credit for one part of a question (an option, an item, an activity...).

    ``feedback`` explains, in words safe to show a learner, without stating the
    key; ``expected`` states the correct answer and is shown only if an
    instructor allows it.
    """

    item: str
    credit: float
    correct: bool
    feedback: str
    expected: str | None = None


@dataclass(frozen=True)
class QuestionResult:
    """The score of one question: ``fraction`` in [0, 1], per-item results, problems.

    ``problems`` are format problems with the saved value ("no answer saved");
    ``notes`` are remarks that do not change the score (e.g. an overloaded role
    in a RACI chart).
    """

    question_id: str
    kind: str
    fraction: float
    items: tuple[ItemResult, ...]
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Malformed parts of the saved answer that were left out; the rest was scored.
    ignored: tuple[str, ...] = ()
    #: The kind's own one-line account of the credit (see :meth:`summary`), when it has one.
    headline: str = ""

    @property
    def correct(self) -> bool:
        """True if the answer earns full credit."""
        return self.fraction >= 1.0 and not self.problems

    def summary(self) -> str:
        """One line for a learner that makes the arithmetic visible.

        >>> item = lambda credit: ItemResult("x", credit, credit >= 1.0, "")
        >>> QuestionResult("q", "matching", 0.75, (item(1), item(1), item(1), item(0))).summary()
        '3 of 4 parts right (75% credit).'
        >>> QuestionResult("q", "ordering", 0.8, (item(1), item(1), item(0.6), item(0.6))).summary()
        '2 of 4 parts fully right, 2 partly right (80% credit).'
        """
        if self.problems:
            return f"No credit: {self.problems[0]}."
        if self.correct:
            return "All right (100% credit)."
        if self.headline:
            return self.headline
        right = sum(1 for item in self.items if item.correct)
        partly = sum(1 for item in self.items if not item.correct and item.credit > 0)
        parts = "part" if len(self.items) == 1 else "parts"
        credit = f"({round(100 * self.fraction)}% credit)."
        if partly:
            return f"{right} of {len(self.items)} {parts} fully right, {partly} partly right {credit}"
        return f"{right} of {len(self.items)} {parts} right {credit}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "question_id": self.question_id,
            "kind": self.kind,
            "fraction": self.fraction,
            "items": [
                {"item": i.item, "credit": i.credit, "correct": i.correct, "feedback": i.feedback, "expected": i.expected}
                for i in self.items
            ],
            "problems": list(self.problems),
            "notes": list(self.notes),
            "ignored": list(self.ignored),
        }


# --------------------------------------------------------------------------- small helpers


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _describe(value: object) -> str:
    """A short description of any value, for problem messages (never huge)."""
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
        return f"a list of {_plural(len(value), 'entry', 'entries')}"
    if isinstance(value, Mapping):
        return f"an object with {_plural(len(value), 'entry', 'entries')}"
    return f"a value of type {type(value).__name__}"


def _names(values: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(_describe(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _sentences(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _number(value: float) -> str:
    return f"{value:g}"


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return _number(value)
    return f"{_number(value)}{unit}" if unit == "%" else f"{_number(value)} {unit}"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clamp(value: float) -> float:
    if not math.isfinite(value):
        return 0.0
    return round(min(1.0, max(0.0, value)), 6)


# --------------------------------------------------------------------------- spec validation


def _text_list(spec: Mapping, key: str, what: str, minimum: int = 1) -> tuple[str, ...]:
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


def _text_map(spec: Mapping, key: str, allowed: Sequence[str], what: str) -> dict[str, str]:
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


def _choices(raw: object, allowed: Sequence[str], what: str, where: str) -> tuple[str, ...]:
    """One acceptable choice or a non-empty list of them, each in ``allowed``."""
    values = [raw] if isinstance(raw, str) else raw
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{where} must be a {what} or a non-empty list of them")
    for value in values:
        if value not in allowed:
            raise ValueError(f"{where}: {value!r} is not one of the {what}s {list(allowed)!r}".replace("ys ", "ies "))
    return tuple(dict.fromkeys(values))


def _finite(spec: Mapping, key: str, default: float | None = None) -> float:
    raw = spec.get(key, default)
    if not _is_number(raw) or not math.isfinite(float(raw)):
        raise ValueError(f"{key!r} must be a finite number, got {raw!r}")
    return float(raw)


def _normalize(spec: object) -> dict[str, Any]:
    """Validate ``spec`` and return it with tuples and defaults filled in."""
    if not isinstance(spec, Mapping):
        raise ValueError(f"a question spec must be an object, not {type(spec).__name__}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(KINDS)}; got {kind!r}")
    required, optional = _SPEC_KEYS[kind]
    missing = sorted(required - set(spec))
    if missing:
        raise ValueError(f"a {kind} spec needs {', '.join(repr(k) for k in missing)}")
    known = required | optional | {"kind", "prompt"}
    for key in spec:
        if key in known:
            continue
        typo = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.8)
        if typo:
            raise ValueError(f"unknown key {key!r} in a {kind} spec: did you mean {typo[0]!r}?")
    prompt = spec.get("prompt", "")
    if not isinstance(prompt, str):
        raise ValueError("'prompt' must be text")
    n: dict[str, Any] = {"kind": kind, "prompt": prompt}

    if kind in ("single_choice", "multiple_choice"):
        options = _text_list(spec, "options", "options", minimum=2)
        n["options"] = options
        if kind == "single_choice":
            correct = spec["correct"]
            if not isinstance(correct, str) or correct not in options:
                raise ValueError(f"'correct' must be one of the options, got {correct!r}")
            n["correct"] = correct
        else:
            correct = spec["correct"]
            if isinstance(correct, str) or not isinstance(correct, Sequence):
                raise ValueError("'correct' of a multiple_choice spec must be a list of options")
            if not correct:
                raise ValueError("'correct' must list at least one option")
            if len(set(correct)) != len(correct):
                raise ValueError("'correct' lists an option twice")
            for option in correct:
                if option not in options:
                    raise ValueError(f"'correct': {option!r} is not one of the options")
            n["correct"] = frozenset(correct)
        n["explanations"] = _text_map(spec, "explanations", options, "option")

    elif kind == "matching":
        items = _text_list(spec, "items", "items")
        categories = _text_list(spec, "categories", "categories", minimum=2)
        raw_key = spec["key"]
        if not isinstance(raw_key, Mapping):
            raise ValueError("'key' must map each item to its category")
        unknown = [k for k in raw_key if k not in items]
        if unknown:
            raise ValueError(f"'key' names items that are not in 'items': {unknown[:3]!r}")
        absent = [item for item in items if item not in raw_key]
        if absent:
            raise ValueError(f"'key' gives no category for {absent[:3]!r}")
        n.update(
            items=items,
            categories=categories,
            key={item: _choices(raw_key[item], categories, "category", f"'key' for {item!r}") for item in items},
            explanations=_text_map(spec, "explanations", items, "item"),
        )

    elif kind == "ordering":
        items = _text_list(spec, "items", "items", minimum=2)
        method = spec.get("method", "pairs")
        if method not in ORDERING_METHODS:
            raise ValueError(f"'method' must be one of {', '.join(ORDERING_METHODS)}; got {method!r}")
        n.update(items=items, method=method, explanations=_text_map(spec, "explanations", items, "item"))

    elif kind == "raci":
        activities = _text_list(spec, "activities", "activities")
        roles = _text_list(spec, "roles", "roles", minimum=2)
        rules: dict[str, dict[str, tuple[str, ...]]] = {}
        for field in ("accountable", "responsible"):
            raw = spec[field]
            if not isinstance(raw, Mapping):
                raise ValueError(f"{field!r} must map each activity to its acceptable roles")
            unknown = [k for k in raw if k not in activities]
            if unknown:
                raise ValueError(f"{field!r} names activities that are not in 'activities': {unknown[:3]!r}")
            absent = [a for a in activities if a not in raw]
            if absent:
                raise ValueError(f"{field!r} gives no role for {absent[:3]!r}")
            rules[field] = {a: _choices(raw[a], roles, "role", f"{field!r} for {a!r}") for a in activities}
        for activity in activities:
            a_roles, r_roles = rules["accountable"][activity], rules["responsible"][activity]
            if not any(a != r for a in a_roles for r in r_roles):
                raise ValueError(
                    f"{activity!r}: no full-credit answer exists, because one role cannot be both A and R; "
                    "list another acceptable role under 'accountable' or 'responsible'"
                )
        threshold = spec.get("overload_threshold")
        if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1):
            raise ValueError("'overload_threshold' must be a whole number of activities, at least 1")
        n.update(
            activities=activities,
            roles=roles,
            accountable=rules["accountable"],
            responsible=rules["responsible"],
            explanations=_text_map(spec, "explanations", activities, "activity"),
            overload_threshold=threshold,
        )

    else:  # numeric
        target = _finite(spec, "target")
        tolerance = _finite(spec, "tolerance")
        if tolerance < 0:
            raise ValueError("'tolerance' must not be negative")
        zero_beyond = _finite(spec, "zero_beyond", tolerance)
        if zero_beyond < tolerance:
            raise ValueError("'zero_beyond' must be at least 'tolerance' (both are distances from the target)")
        unit, explanation = spec.get("unit", ""), spec.get("explanation", "")
        if not isinstance(unit, str) or not isinstance(explanation, str):
            raise ValueError("'unit' and 'explanation' must be text")
        n.update(target=target, tolerance=tolerance, zero_beyond=zero_beyond, unit=unit, explanation=explanation)
    return n


def validate_spec(spec: object) -> None:
    """Raise ``ValueError`` naming the problem if ``spec`` is not a valid question spec.

    >>> validate_spec({"kind": "numeric", "target": 78.4, "tolerance": 3, "zero_beyond": 15})
    >>> validate_spec({"kind": "single_choice", "options": ["a", "b"], "correct": "c"})
    Traceback (most recent call last):
    ...
    ValueError: 'correct' must be one of the options, got 'c'
    >>> validate_spec({"kind": "numeric", "target": 1, "tolerance": 0, "explanations": "x"})
    Traceback (most recent call last):
    ...
    ValueError: unknown key 'explanations' in a numeric spec: did you mean 'explanation'?
    """
    _normalize(spec)


def public_spec(spec: Mapping) -> dict[str, Any]:
    """The parts of ``spec`` a graded widget may know: never the key or explanations.

    An ordering's items come back sorted, since the key lists them in the right order.

    >>> public_spec({"kind": "ordering", "items": ["Plan", "Build", "Ship"]})
    {'kind': 'ordering', 'prompt': '', 'items': ['Build', 'Plan', 'Ship']}
    """
    n = _normalize(spec)
    public: dict[str, Any] = {"kind": n["kind"], "prompt": n["prompt"]}
    for key in _PUBLIC_KEYS[n["kind"]]:
        value = n[key]
        if n["kind"] == "ordering":
            value = sorted(value, key=str.casefold)
        public[key] = list(value) if isinstance(value, tuple) else value
    return public


# --------------------------------------------------------------------------- value shape


def _frozen(public: Mapping, key: str) -> frozenset[str]:
    raw = public.get(key) or ()
    return frozenset(x for x in raw if isinstance(x, str)) if not isinstance(raw, str) else frozenset()


def _value_problem(kind: str, value: object, public: Mapping) -> str | None:
    if value is None:
        return "no answer saved"
    if kind == "single_choice":
        if not isinstance(value, str):
            return f"the answer is {_describe(value)}, not the text of an option"
        if value not in _frozen(public, "options"):
            return f"the answer {_describe(value)} is not one of the options"
    elif kind == "multiple_choice":
        if not isinstance(value, (list, tuple)):
            return f"the answer is {_describe(value)}, not a list of options"
        odd = [v for v in value if not isinstance(v, str)]
        if odd:
            return f"the answer list holds {_describe(odd[0])}, not only option texts"
        options = _frozen(public, "options")
        unknown = [v for v in value if v not in options]
        if unknown:
            return f"the answer names options that do not exist: {_names(unknown)}"
        if len(set(value)) != len(value):
            return "the answer names an option more than once"
    elif kind == "matching":
        if not isinstance(value, Mapping):
            return f"the answer is {_describe(value)}, not an object matching items to categories"
        items, categories = _frozen(public, "items"), _frozen(public, "categories")
        unknown = [k for k in value if k not in items]
        if unknown:
            return f"the answer matches items that are not in the question: {_names(unknown)}"
        for item, category in value.items():
            if category is None or category == "":
                continue
            if not isinstance(category, str) or category not in categories:
                return f"the category chosen for {_describe(item)}, {_describe(category)}, is not one of the categories"
    elif kind == "ordering":
        if not isinstance(value, (list, tuple)):
            return f"the answer is {_describe(value)}, not a list of items"
        items = _frozen(public, "items")
        if (
            len(value) != len(items)
            or not all(isinstance(v, str) for v in value)
            or set(value) != items
        ):
            return "the answer does not list each item exactly once"
    elif kind == "raci":
        if not isinstance(value, Mapping):
            return f"the answer is {_describe(value)}, not a grid of activities and roles"
        activities, roles = _frozen(public, "activities"), _frozen(public, "roles")
        unknown = [k for k in value if k not in activities]
        if unknown:
            return f"the grid has activities that are not in the question: {_names(unknown)}"
        for activity, row in value.items():
            if row is None:
                continue
            if not isinstance(row, Mapping):
                return f"the row for {_describe(activity)} is {_describe(row)}, not an object of roles"
            unknown = [k for k in row if k not in roles]
            if unknown:
                return f"the row for {_describe(activity)} has roles that are not in the question: {_names(unknown)}"
            for letter in row.values():
                if letter is not None and letter != "" and letter not in RACI_LETTERS:
                    return f"the row for {_describe(activity)} holds {_describe(letter)}, not R, A, C, I or blank"
    elif kind == "numeric":
        if not _is_number(value):
            return f"the answer is {_describe(value)}, not a number"
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:
            return "the answer is a number too large to use"
        if not math.isfinite(number):
            return "the answer is not a finite number"
    return None


def _salvage(kind: str, value: object, public: Mapping) -> tuple[object, list[str]] | None:
    """The well-formed parts of a malformed answer, and what was left out.

    One odd entry (a category that does not exist, a stray letter in a RACI row,
    an unknown option) then costs that item only, not the whole question. None
    when the answer's overall shape is wrong (nothing to keep).

    >>> public = {"items": ["a", "b"], "categories": ["X", "Y"]}
    >>> _salvage("matching", {"a": "X", "b": "Z", "c": "Y"}, public)
    ({'a': 'X'}, ['the category chosen for “b”, “Z”', 'an item that is not in the question, “c”'])
    >>> _salvage("ordering", ["a"], {"items": ["a", "b"]}) is None
    True
    >>> _salvage("matching", {"c": "Y"}, public) is None  # nothing valid left: the answer is malformed
    True
    """
    dropped: list[str] = []
    if kind == "matching" and isinstance(value, Mapping):
        items, categories = _frozen(public, "items"), _frozen(public, "categories")
        kept_matching: dict[str, object] = {}
        for item, category in value.items():
            if item not in items:
                dropped.append(f"an item that is not in the question, {_describe(item)}")
            elif category in (None, "") or (isinstance(category, str) and category in categories):
                kept_matching[item] = category
            else:
                dropped.append(f"the category chosen for {_describe(item)}, {_describe(category)}")
        return _kept(kept_matching, any(category for category in kept_matching.values()), dropped)
    if kind == "raci" and isinstance(value, Mapping):
        activities, roles = _frozen(public, "activities"), _frozen(public, "roles")
        kept_raci: dict[str, object] = {}
        for activity, row in value.items():
            if activity not in activities:
                dropped.append(f"an activity that is not in the question, {_describe(activity)}")
            elif row is None:
                kept_raci[activity] = None
            elif not isinstance(row, Mapping):
                dropped.append(f"the row for {_describe(activity)}, {_describe(row)}")
            else:
                good = {}
                for role, letter in row.items():
                    if role in roles and (letter in (None, "") or letter in RACI_LETTERS):
                        good[role] = letter
                    else:
                        dropped.append(f"{_describe(letter)} for {_describe(role)} in the row for {_describe(activity)}")
                kept_raci[activity] = good
        return _kept(kept_raci, any(letter for row in kept_raci.values() if row for letter in row.values()), dropped)
    if kind == "multiple_choice" and isinstance(value, (list, tuple)):
        options = _frozen(public, "options")
        kept_choices = [choice for choice in value if isinstance(choice, str) and choice in options]
        dropped = [f"the choice {_describe(choice)}" for choice in value if not (isinstance(choice, str) and choice in options)]
        return _kept(kept_choices, bool(kept_choices), dropped)
    return None


MAX_IGNORED_SHOWN = 5


def _kept(value: object, anything_kept: bool, dropped: list[str]) -> tuple[object, list[str]] | None:
    """A salvaged answer, or None when nothing valid is left (the whole answer is then malformed)."""
    if not anything_kept or not dropped:
        return None
    if len(dropped) > MAX_IGNORED_SHOWN:
        dropped = [*dropped[:MAX_IGNORED_SHOWN], f"and {len(dropped) - MAX_IGNORED_SHOWN} more"]
    return value, dropped


def value_problem(kind: str, value: object, spec_public: Mapping) -> str | None:
    """Why ``value`` is not a well-formed answer to the question, or ``None``.

    ``spec_public`` needs only the public parts of the spec (see :func:`public_spec`).

    >>> value_problem("ordering", ["b", "a"], {"items": ["a", "b"]}) is None
    True
    >>> value_problem("ordering", ["b", "b"], {"items": ["a", "b"]})
    'the answer does not list each item exactly once'
    """
    if kind not in KINDS:
        raise ValueError(f"unknown question kind {kind!r}")
    return _value_problem(kind, value, spec_public)


def completeness(kind: str, value: object, spec_public: Mapping) -> tuple[bool, str]:
    """Whether ``value`` answers every part of the question, and a short message.

    Used by graded widgets, which know only the public spec. It says nothing
    about correctness.

    >>> completeness("matching", {"a": "X"}, {"items": ["a", "b", "c"], "categories": ["X", "Y"]})
    (False, '1 of 3 items matched.')
    >>> completeness("numeric", 78, {"unit": "%"})
    (True, 'Your estimate: 78%.')
    """
    if kind not in KINDS:
        raise ValueError(f"unknown question kind {kind!r}")
    if value is None:
        return False, "Not answered yet."
    problem = _value_problem(kind, value, spec_public)
    if problem:
        return False, f"This answer cannot be used: {problem}."
    if kind == "single_choice":
        return True, "Answered."
    if kind == "multiple_choice":
        count = len(value)  # type: ignore[arg-type]
        if not count:
            return False, "No option selected yet."
        return True, f"{_plural(count, 'option')} selected."
    if kind == "matching":
        total = len(_frozen(spec_public, "items"))
        done = sum(1 for category in value.values() if category)  # type: ignore[union-attr]
        return done == total, f"{done} of {_plural(total, 'item')} matched."
    if kind == "ordering":
        return True, f"All {_plural(len(value), 'item')} are in your order."  # type: ignore[arg-type]
    if kind == "raci":
        activities = [a for a in (spec_public.get("activities") or ()) if isinstance(a, str)]
        done = sum(1 for a in activities if any((value.get(a) or {}).values()))  # type: ignore[union-attr]
        return done == len(activities), f"{done} of {_plural(len(activities), 'activity', 'activities')} filled in."
    unit = spec_public.get("unit") or ""
    return True, f"Your estimate: {_with_unit(float(value), unit if isinstance(unit, str) else '')}."  # type: ignore[arg-type]


# --------------------------------------------------------------------------- RACI rules


def default_overload_threshold(activity_count: int) -> int:
    """The most activities a role may be R or A on before it counts as overloaded.

    Half the activities, rounded up, and at least 2.

    >>> default_overload_threshold(6), default_overload_threshold(3)
    (3, 2)
    """
    return max(2, math.ceil(activity_count / 2))


def _letter(row: object, role: str) -> str:
    if not isinstance(row, Mapping):
        return ""
    letter = row.get(role)
    return letter if letter in RACI_LETTERS else ""


def raci_overloaded_roles(
    grid: Mapping, activities: Sequence[str], roles: Sequence[str], overload_threshold: int | None = None
) -> list[tuple[str, int]]:
    """Roles that are R or A on more than ``overload_threshold`` activities, with their count."""
    threshold = default_overload_threshold(len(activities)) if overload_threshold is None else overload_threshold
    grid = grid if isinstance(grid, Mapping) else {}
    counts = {
        role: sum(1 for activity in activities if _letter(grid.get(activity), role) in ("R", "A")) for role in roles
    }
    return [(role, count) for role, count in counts.items() if count > threshold]


def raci_problems(
    grid: Mapping,
    activities: Sequence[str],
    roles: Sequence[str],
    overload_threshold: int | None = None,
    *,
    skip_blank_rows: bool = False,
) -> list[str]:
    """The RACI rules a grid breaks, as sentences.

    Each activity needs exactly one Accountable (A) and at least one Responsible
    (R); a role that is R or A on more than ``overload_threshold`` activities
    (default: :func:`default_overload_threshold`) may be overloaded. With
    ``skip_blank_rows`` an activity with no letter at all is not reported yet.

    >>> grid = {"Label data": {"PM": "A", "DS": "A"}, "Ship": {"PM": "A", "DS": "R"}}
    >>> for problem in raci_problems(grid, ["Label data", "Ship"], ["PM", "DS"]):
    ...     print(problem)
    “Label data” has 2 roles marked A (PM, DS): exactly one role is Accountable.
    “Label data” has no R: at least one role must be Responsible.
    """
    grid = grid if isinstance(grid, Mapping) else {}
    problems: list[str] = []
    for activity in activities:
        row = grid.get(activity)
        letters = [_letter(row, role) for role in roles]
        if skip_blank_rows and not any(letters):
            continue
        accountable = [role for role, letter in zip(roles, letters) if letter == "A"]
        if not accountable:
            problems.append(f"“{activity}” has no A: exactly one role must be Accountable.")
        elif len(accountable) > 1:
            problems.append(
                f"“{activity}” has {len(accountable)} roles marked A ({', '.join(accountable)}): "
                "exactly one role is Accountable."
            )
        if "R" not in letters:
            problems.append(f"“{activity}” has no R: at least one role must be Responsible.")
    for role, count in raci_overloaded_roles(grid, activities, roles, overload_threshold):
        problems.append(
            f"{role} is R or A on {count} of {_plural(len(activities), 'activity', 'activities')}: "
            "that role may be overloaded."
        )
    return problems


# --------------------------------------------------------------------------- scoring


def _item_names(n: Mapping[str, Any]) -> tuple[str, ...]:
    kind = n["kind"]
    if kind in _SINGLE_ITEM:
        return (_SINGLE_ITEM[kind],)
    if kind == "multiple_choice":
        return n["options"]
    if kind == "raci":
        return n["activities"]
    return n["items"]


def _expected(n: Mapping[str, Any]) -> dict[str, str]:
    kind = n["kind"]
    if kind == "single_choice":
        return {"answer": n["correct"]}
    if kind == "multiple_choice":
        return {o: ("select it" if o in n["correct"] else "leave it out") for o in n["options"]}
    if kind == "matching":
        return {item: " or ".join(n["key"][item]) for item in n["items"]}
    if kind == "ordering":
        count = len(n["items"])
        return {item: f"position {i + 1} of {count}" for i, item in enumerate(n["items"])}
    if kind == "raci":
        return {
            a: f"A: {' or '.join(n['accountable'][a])}; R: {' or '.join(n['responsible'][a])}" for a in n["activities"]
        }
    return {"estimate": f"{_with_unit(n['target'], n['unit'])} (full credit within ±{_number(n['tolerance'])})"}


def _why(n: Mapping[str, Any], item: str) -> str:
    if n["kind"] == "numeric":
        return n["explanation"]
    return n["explanations"].get(item, "")


def _result(
    question_id: str,
    n: Mapping[str, Any],
    items: list[ItemResult],
    *,
    fraction: float | None = None,
    problems: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> QuestionResult:
    if fraction is None:
        fraction = sum(i.credit for i in items) / len(items) if items else 0.0
    return QuestionResult(question_id, n["kind"], _clamp(fraction), tuple(items), tuple(problems), tuple(notes))


def _no_credit(question_id: str, n: Mapping[str, Any], problem: str) -> QuestionResult:
    expected = _expected(n)
    lead = "Not answered." if problem == "no answer saved" else "Not scored: the saved answer has the wrong format."
    items = [ItemResult(name, 0.0, False, lead, expected[name]) for name in _item_names(n)]
    return _result(question_id, n, items, fraction=0.0, problems=(problem,))


def _item(name: str, credit: float, lead: str, why: str, expected: str) -> ItemResult:
    credit = _clamp(credit)
    return ItemResult(name, credit, credit >= 1.0, _sentences(lead, why), expected)


def _score_single(qid: str, n: Mapping[str, Any], value: str) -> QuestionResult:
    expected = _expected(n)
    credit = 1.0 if value == n["correct"] else 0.0
    return _result(qid, n, [_item("answer", credit, f"You chose “{value}”.", _why(n, value), expected["answer"])])


def _score_multiple(qid: str, n: Mapping[str, Any], value: Sequence[str]) -> QuestionResult:
    expected, chosen, correct = _expected(n), set(value), n["correct"]
    items = []
    for option in n["options"]:
        picked = option in chosen
        lead = "You selected this option." if picked else "You left this option out."
        items.append(_item(option, float(picked == (option in correct)), lead, _why(n, option), expected[option]))
    hits, false_picks = len(chosen & correct), len(chosen - correct)
    # right picks minus wrong picks, so that ticking everything earns nothing
    result = _result(qid, n, items, fraction=(hits - false_picks) / len(correct))
    return replace(result, headline=multiple_choice_headline(hits, len(correct), false_picks, result.fraction))


def multiple_choice_headline(hits: int, right_options: int, wrong_picks: int, fraction: float) -> str:
    """The credit of a multiple-choice answer in words a lay reader can check.

    >>> multiple_choice_headline(2, 3, 0, 2 / 3)
    'You picked 2 of the 3 right options and no wrong one (67% credit).'
    >>> multiple_choice_headline(3, 3, 1, 2 / 3)
    'You picked 3 of the 3 right options and 1 wrong one, which takes one right pick back (67% credit).'
    """
    wrong = "no wrong one" if not wrong_picks else (
        f"{wrong_picks} wrong one, which takes one right pick back" if wrong_picks == 1
        else f"{wrong_picks} wrong ones, each taking one right pick back"
    )
    return f"You picked {hits} of the {right_options} right options and {wrong} ({round(100 * fraction)}% credit)."


def _score_matching(qid: str, n: Mapping[str, Any], value: Mapping[str, Any]) -> QuestionResult:
    expected, items = _expected(n), []
    for item in n["items"]:
        chosen = value.get(item) or ""
        if not chosen:
            items.append(_item(item, 0.0, "Not matched.", _why(n, item), expected[item]))
            continue
        credit = 1.0 if chosen in n["key"][item] else 0.0
        items.append(_item(item, credit, f"You chose “{chosen}”.", _why(n, item), expected[item]))
    return _result(qid, n, items)


def _score_ordering(qid: str, n: Mapping[str, Any], value: Sequence[str]) -> QuestionResult:
    expected, order = _expected(n), n["items"]
    given = {item: i for i, item in enumerate(value)}
    right = {item: i for i, item in enumerate(order)}
    others = len(order) - 1
    items = []
    for item in order:
        in_order = sum(
            1 for other in order if other != item and (given[item] - given[other]) * (right[item] - right[other]) > 0
        )
        pair_credit = in_order / others
        place_credit = 1.0 if given[item] == right[item] else 0.0
        credit = {"pairs": pair_credit, "positions": place_credit, "mixed": (pair_credit + place_credit) / 2}[
            n["method"]
        ]
        if given[item] == right[item] and in_order == others:
            lead = "In the right place."
        else:
            if given[item] == right[item]:
                where = "although at the right position"
            else:
                where = "placed too early" if given[item] < right[item] else "placed too late"
            lead = f"In the right order relative to {in_order} of the {others} other items; {where}."
        items.append(_item(item, credit, lead, _why(n, item), expected[item]))
    return _result(qid, n, items)


def _score_raci(qid: str, n: Mapping[str, Any], value: Mapping[str, Any]) -> QuestionResult:
    expected, roles, items = _expected(n), n["roles"], []
    for activity in n["activities"]:
        row = value.get(activity)
        accountable = [role for role in roles if _letter(row, role) == "A"]
        responsible = [role for role in roles if _letter(row, role) == "R"]
        ok_a = [r for r in accountable if r in n["accountable"][activity]]
        ok_r = [r for r in responsible if r in n["responsible"][activity]]
        share_a = len(ok_a) / len(accountable) if accountable else 0.0
        share_r = len(ok_r) / len(responsible) if responsible else 0.0
        credit = 0.25 * ((len(accountable) == 1) + bool(responsible) + share_a + share_r)
        remarks = []
        if not accountable:
            remarks.append("No role is marked A, but every activity needs one Accountable role.")
        elif len(accountable) > 1:
            remarks.append(f"{len(accountable)} roles are marked A; exactly one role can be Accountable.")
        if accountable and share_a < 1:
            remarks.append("The role marked A is not the one best placed to answer for this activity.")
        if not responsible:
            remarks.append("No role is marked R, but someone must do the work.")
        elif share_r < 1:
            remarks.append(
                "The roles marked R are not the ones that usually do this work."
                if share_r == 0
                else "Some roles marked R are not the ones that usually do this work."
            )
        lead = " ".join(remarks) if remarks else "A and R are well placed."
        items.append(_item(activity, credit, lead, _why(n, activity), expected[activity]))
    notes = [
        f"{role} is R or A on {count} of {len(n['activities'])} activities: that role may be overloaded."
        for role, count in raci_overloaded_roles(value, n["activities"], roles, n["overload_threshold"])
    ]
    return _result(qid, n, items, notes=notes)


def _score_numeric(qid: str, n: Mapping[str, Any], value: float) -> QuestionResult:
    number = float(value)
    distance = abs(number - n["target"])
    tolerance, zero_beyond = n["tolerance"], n["zero_beyond"]
    slack = 1e-9 * max(1.0, abs(n["target"]))
    if distance <= tolerance + slack:
        credit, judgement = 1.0, "is within the accepted range"
    else:
        side = "high" if number > n["target"] else "low"
        if distance >= zero_beyond or not math.isfinite(distance):
            credit, judgement = 0.0, f"is too {side} by a wide margin"
        else:
            credit, judgement = (zero_beyond - distance) / (zero_beyond - tolerance), f"is close but too {side}"
    lead = f"Your estimate, {_with_unit(number, n['unit'])}, {judgement}."
    return _result(qid, n, [_item("estimate", credit, lead, n["explanation"], _expected(n)["estimate"])])


_SCORERS = {
    "single_choice": _score_single,
    "multiple_choice": _score_multiple,
    "matching": _score_matching,
    "ordering": _score_ordering,
    "raci": _score_raci,
    "numeric": _score_numeric,
}


def score_answer(question_id: str, spec: Mapping, value: object) -> QuestionResult:
    """Score ``value`` against ``spec``; partial credit item by item.

    Never raises on learner input: a value of the wrong shape (or ``None``, no
    answer) scores 0 with a problem. Raises ``ValueError`` if ``spec`` is invalid.

    Multiple choice earns (right picks - wrong picks) / correct options, at least
    0; ordering earns, per item, the share of other items it stands correctly
    before or after (``"method": "pairs"``, the default), or 1 for the exact
    position (``"positions"``), or the mean of both (``"mixed"``); a RACI activity
    earns a quarter each for exactly one A, at least one R, the A among the
    acceptable roles and the R roles among the acceptable ones (shares); a number
    earns full credit within ``tolerance`` of the target, none from ``zero_beyond``
    away, linear in between.

    >>> spec = {"kind": "ordering", "items": ["Plan", "Build", "Ship"]}
    >>> result = score_answer("q2", spec, ["Plan", "Ship", "Build"])
    >>> round(result.fraction, 3), [item.correct for item in result.items]
    (0.667, [True, False, False])
    >>> score_answer("q2", spec, None).problems
    ('no answer saved',)

    One malformed part costs that part only:

    >>> matching = {"kind": "matching", "items": ["a", "b"], "categories": ["X", "Y"], "key": {"a": "X", "b": "Y"}}
    >>> result = score_answer("q1", matching, {"a": "X", "b": "No such category"})
    >>> result.fraction, result.ignored
    (0.5, ('the category chosen for “b”, “No such category”',))
    """
    n = _normalize(spec)
    ignored: list[str] = []
    problem = _value_problem(n["kind"], value, n)
    if problem:
        try:
            salvaged = _salvage(n["kind"], value, n)
        except (TypeError, ValueError, RecursionError):  # hostile shapes (unhashable keys...)
            salvaged = None
        if salvaged is None or _value_problem(n["kind"], salvaged[0], n):
            return _no_credit(question_id, n, problem)
        value, ignored = salvaged
    try:
        result = _SCORERS[n["kind"]](question_id, n, value)  # type: ignore[operator]
    except (TypeError, ValueError, OverflowError, RecursionError) as error:  # defensive: never fail on learner input
        return _no_credit(question_id, n, f"the answer could not be scored ({type(error).__name__})")
    return replace(result, ignored=tuple(ignored)) if ignored else result


def score_entry(question_id: str, spec: Mapping, entry: object) -> QuestionResult:
    """Score a saved entry (``{"kind", "value", ...}`` from the answers file, or ``None``).

    >>> spec = {"kind": "numeric", "target": 10, "tolerance": 1, "zero_beyond": 5}
    >>> score_entry("q3", spec, {"kind": "numeric", "value": 12, "complete": True}).fraction
    0.75
    >>> score_entry("q3", spec, {"kind": "ordering", "value": 12, "complete": True}).problems
    ("the saved answer belongs to a question of kind 'ordering', not 'numeric'",)
    """
    n = _normalize(spec)
    if not isinstance(entry, Mapping) or "value" not in entry:
        return _no_credit(question_id, n, "no answer saved")
    if entry.get("kind") != n["kind"]:
        kind = entry.get("kind")
        shown = repr(kind[:40]) if isinstance(kind, str) else _describe(kind)
        return _no_credit(question_id, n, f"the saved answer belongs to a question of kind {shown}, not {n['kind']!r}")
    return score_answer(question_id, spec, entry["value"])
