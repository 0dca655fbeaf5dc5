"""Score widget answers against an answer key: pure functions, no widgets.

The grader calls :func:`score_answer` in its own process with a question's *spec*
(its entry in ``solutions/<exercise>/<notebook>.key.json``) and the value the
learner's widget saved; lessons call it in the kernel for instant feedback. It
gives partial credit item by item and never raises on learner input: a value of
the wrong shape scores 0 with a problem saying why. Only an invalid *spec* raises
``ValueError`` (see :func:`validate_spec`).

These entry points do what every kind shares and hand the rest to the kind's
object in :data:`~mlteam_utils.questions.kinds.KIND_REGISTRY`. Kinds of question
and the value each one saves:

=================== ================================================================
``single_choice``   the chosen option (text)
``multiple_choice`` the chosen options (list of text)
``matching``        item -> category (object); unmatched items are left out
``ordering``        every item once, in the learner's order (list of text)
``raci``            activity -> role -> ``"R"``, ``"A"``, ``"A/R"`` (both), ``"C"``, ``"I"`` or ``""``
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

from collections.abc import Callable, KeysView, Mapping
from typing import Any

from mlteam_utils.questions.judging import (
    MAX_IGNORED_SHOWN,
    completeness_of,
    kind_mismatch,
    no_credit,
    normalize,
    score_normalized,
    value_problem_of,
)
from mlteam_utils.questions.kinds import KIND_REGISTRY, QuestionKind, kind_named
from mlteam_utils.questions.results import ItemResult, QuestionResult

__all__ = [
    "KINDS",
    "MAX_IGNORED_SHOWN",
    "ItemResult",
    "QuestionResult",
    "answer_scorer",
    "completeness",
    "kind_mismatch",
    "public_spec",
    "score_answer",
    "score_entry",
    "validate_spec",
    "value_problem",
]

#: The names of the registered kinds: a live view of the registry, so a kind registered later is in it.
KINDS: KeysView[str] = KIND_REGISTRY.keys()


# --------------------------------------------------------------------------- specs


def _normalize(spec: object) -> tuple[QuestionKind, dict[str, Any]]:
    """The kind of ``spec`` and the spec validated, with tuples and defaults filled in."""
    if not isinstance(spec, Mapping):
        raise ValueError(f"a question spec must be an object, not {type(spec).__name__}")
    kind = kind_named(spec.get("kind"))
    return kind, normalize(kind, spec)


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


def public_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of ``spec`` a graded widget may know: never the key or explanations.

    An ordering's items come back sorted, since the key lists them in the right order.

    >>> public_spec({"kind": "ordering", "items": ["Plan", "Build", "Ship"]})
    {'kind': 'ordering', 'prompt': '', 'items': ['Build', 'Plan', 'Ship']}
    """
    kind, n = _normalize(spec)
    return {"kind": kind.name, "prompt": n["prompt"], **kind.public(n)}


# --------------------------------------------------------------------------- answers


def value_problem(kind: str, value: object, spec_public: Mapping[str, Any]) -> str | None:
    """Why ``value`` is not a well-formed answer to the question, or ``None``.

    ``spec_public`` needs only the public parts of the spec (see :func:`public_spec`).

    >>> value_problem("ordering", ["b", "a"], {"items": ["a", "b"]}) is None
    True
    >>> value_problem("ordering", ["b", "b"], {"items": ["a", "b"]})
    'the answer does not list each item exactly once'
    """
    return value_problem_of(kind_named(kind), value, spec_public)


def completeness(kind: str, value: object, spec_public: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether ``value`` answers every part of the question, and a short message.

    Used by graded widgets, which know only the public spec. It says nothing
    about correctness.

    >>> completeness("matching", {"a": "X"}, {"items": ["a", "b", "c"], "categories": ["X", "Y"]})
    (False, '1 of 3 items answered.')
    >>> completeness("numeric", 78, {"unit": "%"})
    (True, 'Your estimate: 78%.')
    """
    return completeness_of(kind_named(kind), value, spec_public)


# --------------------------------------------------------------------------- scoring


def score_answer(question_id: str, spec: Mapping[str, Any], value: object) -> QuestionResult:
    """Score ``value`` against ``spec``; partial credit item by item.

    Never raises on learner input: a value of the wrong shape (or ``None``, no
    answer) scores 0 with a problem. Raises ``ValueError`` if ``spec`` is invalid.
    How each kind gives partial credit is in its module under
    :mod:`mlteam_utils.questions.kinds`.

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
    kind, n = _normalize(spec)
    return score_normalized(question_id, kind, n, value)


def answer_scorer(spec: Mapping[str, Any]) -> Callable[[object], float]:
    """A function giving ``score_answer(...).fraction`` for any answer to ``spec``, the spec checked once.

    For scoring many answers to one question (see
    :mod:`mlteam_utils.questions.blind_strategies`); the same code path as
    :func:`score_answer`, so the same figures. Raises ``ValueError`` if ``spec`` is invalid.

    >>> fraction = answer_scorer({"kind": "ordering", "items": ["Plan", "Build", "Ship"]})
    >>> round(fraction(["Plan", "Ship", "Build"]), 3), fraction(["Plan", "Build", "Ship"]), fraction("garbage")
    (0.667, 1.0, 0.0)
    """
    kind, n = _normalize(spec)
    return lambda value: score_normalized("q", kind, n, value).fraction


def score_entry(question_id: str, spec: Mapping[str, Any], entry: object) -> QuestionResult:
    """Score a saved entry (``{"kind", "value", ...}`` from the answers file, or ``None``).

    >>> spec = {"kind": "numeric", "target": 10, "tolerance": 1, "zero_beyond": 5}
    >>> score_entry("q3", spec, {"kind": "numeric", "value": 12, "complete": True}).fraction
    0.75
    >>> score_entry("q3", spec, {"kind": "ordering", "value": 12, "complete": True}).summary()
    "No credit: the saved answer is for an 'ordering' question, but this is a 'numeric' question."
    """
    kind, n = _normalize(spec)
    if not isinstance(entry, Mapping) or "value" not in entry:
        return no_credit(question_id, kind, n, "no answer saved")
    mismatch = kind_mismatch(entry.get("kind"), kind.name)
    if mismatch:
        return no_credit(question_id, kind, n, mismatch)
    return score_answer(question_id, spec, entry["value"])
