"""Whether a module's exercise is passed and the module completed, under the syllabus's rules.

One judgement for everyone: the self-learner's progress (scores from their
``selfgrade`` runs), the instructor's cohort view (scores from the gradebook)
and the certificates. The rules themselves are read from ``course/syllabus.toml``
(``[passing]`` and ``[completion]``, see :class:`mlteam_utils.syllabus.CompletionRules`).

>>> from mlteam_utils.syllabus import CompletionRules
>>> judge(8.0, 7.2, pending_points=3.0, late=False, rules=CompletionRules())
Judgement(status='passed', completed=True)
>>> judge(5.0, 7.2, pending_points=3.0, late=False, rules=CompletionRules())
Judgement(status='waiting for a person', completed=False)
>>> judge(5.0, 7.2, pending_points=0.0, late=False, rules=CompletionRules())
Judgement(status='not passed', completed=False)
>>> judge(8.0, 7.2, pending_points=0.0, late=True, rules=CompletionRules(late_pass_counts=False))
Judgement(status='passed late (does not count)', completed=False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlteam_utils.syllabus import CompletionRules

__all__ = [
    "COULD_NOT_GRADE", "LATE_NOT_COUNTED", "NOT_PASSED", "NOT_SUBMITTED", "PASSED", "WAITING", "Judgement", "judge",
    "pass_mark",
]

PASSED = "passed"
NOT_PASSED = "not passed"
#: Below the pass mark, but a part a person grades (the reflection) can still make up the difference.
WAITING = "waiting for a person"
NOT_SUBMITTED = "not submitted"
COULD_NOT_GRADE = "could not be graded"
LATE_NOT_COUNTED = "passed late (does not count)"


@dataclass(frozen=True)
class Judgement:
    """A module's status (one of the constants above) and whether it counts as completed."""

    status: str
    completed: bool


def pass_mark(points_without_code: float, pass_percent: float) -> float:
    """The points that pass an exercise (``[passing] percent`` of the points that need no code).

    >>> pass_mark(12, 60)
    7.2
    """
    return round(points_without_code * pass_percent / 100, 2)


def judge(score: float, mark: float, *, pending_points: float, late: bool, rules: CompletionRules) -> Judgement:
    """Judge a graded exercise: ``score`` so far against the pass ``mark``.

    ``pending_points`` are the points of parts still waiting for a person's grade
    (they count 0 until graded); ``late`` says the submission came after its due date.
    """
    if score + 1e-9 >= mark:
        if late and not rules.late_pass_counts:
            return Judgement(LATE_NOT_COUNTED, False)
        return Judgement(PASSED, True)
    if score + pending_points + 1e-9 >= mark:
        return Judgement(WAITING, False)
    return Judgement(NOT_PASSED, False)
