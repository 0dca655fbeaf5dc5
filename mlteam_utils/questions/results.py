"""The score of one question, item by item: what every question kind returns.

>>> result = question_result("q1", "matching", [item_result("a", 1.0, "You chose “X”.", "", "X"),
...                                             item_result("b", 0.0, "Not matched.", "", "Y")])
>>> result.fraction, result.summary()
(0.5, '1 of 2 parts right (50% credit).')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlteam_utils.questions.wording import clamp, sentences

__all__ = ["ItemResult", "QuestionResult", "item_result", "question_result"]


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


def item_result(name: str, credit: float, lead: str, why: str, expected: str) -> ItemResult:
    """One item's credit (clamped to [0, 1]) and its feedback: the lead, then the key's explanation.

    >>> item_result("answer", 1.5, "You chose “A”.", "A is right.", "A")
    ItemResult(item='answer', credit=1.0, correct=True, feedback='You chose “A”. A is right.', expected='A')
    """
    credit = clamp(credit)
    return ItemResult(name, credit, credit >= 1.0, sentences(lead, why), expected)


def question_result(
    question_id: str,
    kind: str,
    items: Sequence[ItemResult],
    *,
    fraction: float | None = None,
    problems: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> QuestionResult:
    """A question's result; ``fraction`` defaults to the mean credit of ``items``.

    >>> question_result("q", "numeric", [], problems=["no answer saved"]).summary()
    'No credit: no answer saved.'
    """
    if fraction is None:
        fraction = sum(i.credit for i in items) / len(items) if items else 0.0
    return QuestionResult(question_id, kind, clamp(fraction), tuple(items), tuple(problems), tuple(notes))
