"""What a question kind is: the one object that knows a kind from key to widget.

A kind turns an author's spec into a normalized spec (or says what is wrong with
it), says what a graded widget may know, checks the shape of a saved answer,
says whether it is complete, scores it item by item, describes one item of it
for the instructor's item analysis, and builds the widget. The public entry
points in :mod:`mlteam_utils.questions.scoring` do the parts every kind shares
(the ``kind`` and ``prompt`` keys, unknown keys, a missing answer, salvaging,
never raising on learner input) and call the kind for the rest.

A new kind is one module: a subclass of :class:`QuestionKind`, passed to
:func:`mlteam_utils.questions.kinds.register`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol

from mlteam_utils.questions.results import QuestionResult

__all__ = ["QuestionKind", "QuestionWidget", "Salvaged", "salvaged"]

#: A salvaged answer: the well-formed parts, and a description of each part left out.
Salvaged = tuple[object, list[str]]


class QuestionWidget(Protocol):
    """What a kind's builder returns: a :class:`~mlteam_utils.questions.box.QuestionBox`.

    Named here by what it does, since the box (and ``ipywidgets``) sits above the kinds.
    """

    question_id: str
    kind: str
    last_result: QuestionResult | None
    on_checked: Callable[[QuestionResult], object] | None

    def answer(self) -> Any:
        """The current answer as JSON data."""

    def check(self) -> QuestionResult:
        """Score the current answer against the lesson's key and show the feedback."""


class QuestionKind(abc.ABC):
    """One kind of widget question. Subclasses set the class attributes and implement the methods.

    ``n`` below is a normalized spec: the dict :meth:`normalize` returns, plus
    ``"kind"`` and ``"prompt"``. ``public`` is what a graded widget knows (see
    :meth:`public`); it may come from a file a learner can edit, so methods that
    read it never trust its shape. ``value`` is what the widget saved; apart
    from :meth:`value_problem` and :meth:`salvage`, methods get only values that
    passed :meth:`value_problem`.
    """

    #: The ``kind`` a spec and a saved answer carry, e.g. ``"matching"``.
    name: ClassVar[str]
    #: The name of the widget builder (what a lesson's knowledge check names), e.g. ``"raci_grid"``.
    builder_name: ClassVar[str]
    #: Keys a spec must have, besides ``kind`` (``prompt`` is always optional).
    required_keys: ClassVar[frozenset[str]]
    #: Keys a spec may have.
    optional_keys: ClassVar[frozenset[str]] = frozenset()
    #: Keys of the normalized spec that a graded widget may know: never the key or the explanations.
    public_keys: ClassVar[tuple[str, ...]]

    @abc.abstractmethod
    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The kind's own fields of ``spec``, checked and with defaults filled in.

        Raises ``ValueError`` naming the problem. ``spec`` already has every
        required key and no misspelt one.
        """

    def public(self, n: Mapping[str, Any]) -> dict[str, Any]:
        """The parts of the normalized spec a graded widget may know (tuples become lists)."""
        return {key: list(n[key]) if isinstance(n[key], tuple) else n[key] for key in self.public_keys}

    @abc.abstractmethod
    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        """The correct answer of each item, in words, keyed by item name in the order items are scored."""

    @abc.abstractmethod
    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        """Why ``value`` (never ``None``) is not a well-formed answer, or ``None``."""

    def salvage(self, value: object, public: Mapping[str, Any]) -> Salvaged | None:
        """The well-formed parts of a malformed answer and what was left out, or ``None``.

        The default keeps nothing: a malformed answer scores 0. A kind whose items
        are independent (matching, RACI...) keeps the valid ones, so one odd
        entry costs that item only.
        """
        return None

    @abc.abstractmethod
    def completeness(self, value: object, public: Mapping[str, Any]) -> tuple[bool, str]:
        """Whether a well-formed ``value`` answers every part, and a short message (not about correctness)."""

    @abc.abstractmethod
    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        """Score a well-formed ``value``, item by item (see :mod:`mlteam_utils.questions.results`)."""

    @abc.abstractmethod
    def given(self, value: Any, item: str) -> str:
        """What the learner answered for ``item``, in a few words (for the instructor's item analysis)."""

    @abc.abstractmethod
    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionWidget:
        """The widget: the kind's builder (lesson mode with the key, graded mode with ``sheet=``)."""

    def __repr__(self) -> str:
        return f"<question kind {self.name!r}>"


def salvaged(value: object, anything_kept: bool, dropped: list[str]) -> Salvaged | None:
    """A salvaged answer, or ``None`` when nothing valid is left or nothing was dropped.

    >>> salvaged({"a": "X"}, True, ["the category chosen for “b”, “Z”"])
    ({'a': 'X'}, ['the category chosen for “b”, “Z”'])
    >>> salvaged({}, False, ["an item that is not in the question, “c”"]) is None
    True
    """
    if not anything_kept or not dropped:
        return None
    return value, dropped
