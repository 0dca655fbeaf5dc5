"""What every kind shares in judging a spec and an answer, once the kind is known.

:mod:`mlteam_utils.questions.scoring` finds the kind by the name a spec or an
answer carries and calls these; a widget's box, which holds its kind already,
calls them directly. Each function takes the kind's object
(:class:`~mlteam_utils.questions.kinds.base.QuestionKind`), so nothing here
looks a kind up by name.

>>> from mlteam_utils.questions.kinds import kind_named
>>> numeric = kind_named("numeric")
>>> n = normalize(numeric, {"kind": "numeric", "target": 10, "tolerance": 1})
>>> score_normalized("q1", numeric, n, 10.5).fraction, score_normalized("q1", numeric, n, "ten").problems
(1.0, ('the answer is “ten”, not a number',))
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mlteam_utils.questions.kinds.base import QuestionKind, Salvaged
from mlteam_utils.questions.results import ItemResult, QuestionResult, question_result
from mlteam_utils.questions.wording import describe

__all__ = [
    "MAX_IGNORED_SHOWN",
    "completeness_of",
    "kind_mismatch",
    "no_credit",
    "normalize",
    "score_normalized",
    "value_problem_of",
]

#: At most this many left-out parts of a salvaged answer are listed.
MAX_IGNORED_SHOWN = 5


def normalize(kind: QuestionKind, spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` of a ``kind`` question validated, with tuples and defaults filled in; ``ValueError`` naming a problem."""
    if spec.get("kind", kind.name) != kind.name:
        raise ValueError(f"a {kind.name} question got a spec of kind {describe(spec.get('kind'))}")
    missing = sorted(kind.required_keys - set(spec))
    if missing:
        raise ValueError(f"a {kind.name} spec needs {', '.join(repr(k) for k in missing)}")
    known = kind.required_keys | kind.optional_keys | {"kind", "prompt"}
    for key in spec:
        if key in known:
            continue
        typo = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.8)
        if typo:
            raise ValueError(f"unknown key {key!r} in a {kind.name} spec: did you mean {typo[0]!r}?")
    prompt = spec.get("prompt", "")
    if not isinstance(prompt, str):
        raise ValueError("'prompt' must be text")
    return {"kind": kind.name, "prompt": prompt, **kind.normalize(spec)}


def value_problem_of(kind: QuestionKind, value: object, public: Mapping[str, Any]) -> str | None:
    """Why ``value`` is not a well-formed answer to a ``kind`` question (``None`` is no answer), or ``None``."""
    return "no answer saved" if value is None else kind.value_problem(value, public)


def completeness_of(kind: QuestionKind, value: object, public: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether ``value`` answers every part of a ``kind`` question, and a short message (not about correctness)."""
    if value is None:
        return False, "Not answered yet."
    problem = kind.value_problem(value, public)
    if problem:
        return False, f"This answer cannot be used: {problem}."
    return kind.completeness(value, public)


def kind_mismatch(saved_kind: object, kind: str) -> str | None:
    """Why an answer saved by a widget of kind ``saved_kind`` cannot answer a ``kind`` question, or ``None``.

    The one check of a saved entry's kind, for the grader and for a widget that
    restores an answer.

    >>> kind_mismatch("numeric", "numeric") is None
    True
    >>> kind_mismatch("ordering", "numeric")
    "the saved answer is for an 'ordering' question, but this is a 'numeric' question"
    """
    if saved_kind == kind:
        return None
    if isinstance(saved_kind, str):
        shown = f"{'an' if saved_kind[:1] in tuple('aeiou') else 'a'} {saved_kind[:40]!r} question"
    else:
        shown = f"a question of unknown kind ({describe(saved_kind)})"
    return f"the saved answer is for {shown}, but this is a {kind!r} question"


def no_credit(question_id: str, kind: QuestionKind, n: Mapping[str, Any], problem: str) -> QuestionResult:
    """No credit for any item, with ``problem`` said once (no answer, or one that cannot be scored)."""
    lead = "Not answered." if problem == "no answer saved" else "Not scored: the saved answer has the wrong format."
    items = [ItemResult(name, 0.0, False, lead, expected) for name, expected in kind.expected(n).items()]
    return question_result(question_id, kind.name, items, fraction=0.0, problems=(problem,))


def _salvage(kind: QuestionKind, value: object, public: Mapping[str, Any]) -> Salvaged | None:
    """The kind's salvage of a malformed answer, if what it keeps is well formed (left-outs capped)."""
    try:
        salvaged = kind.salvage(value, public)
    except (TypeError, ValueError, RecursionError):  # hostile shapes (unhashable keys...)
        return None
    if salvaged is None or value_problem_of(kind, salvaged[0], public):
        return None
    kept, dropped = salvaged
    if len(dropped) > MAX_IGNORED_SHOWN:
        dropped = [*dropped[:MAX_IGNORED_SHOWN], f"and {len(dropped) - MAX_IGNORED_SHOWN} more"]
    return kept, dropped


def score_normalized(question_id: str, kind: QuestionKind, n: Mapping[str, Any], value: object) -> QuestionResult:
    """:func:`~mlteam_utils.questions.scoring.score_answer` once the spec ``n`` is normalized (:func:`normalize`)."""
    ignored: list[str] = []
    problem = value_problem_of(kind, value, n)
    if problem:
        salvaged = _salvage(kind, value, n)
        if salvaged is None:
            return no_credit(question_id, kind, n, problem)
        value, ignored = salvaged
    try:
        result = kind.score(question_id, n, value)
    except (TypeError, ValueError, OverflowError, RecursionError) as error:  # defensive: never fail on learner input
        return no_credit(question_id, kind, n, f"the answer could not be scored ({type(error).__name__})")
    return replace(result, ignored=tuple(ignored)) if ignored else result
