"""Take out the credit an answer earns by luck: why "the same answer everywhere" does not pay.

A question made of parts (the items of a matching question, the activities of a RACI
chart) scores each part on its own. A learner who knows nothing can still give every
part the same answer: "ML project" for every statement, or the team lead A on every
activity. When the key uses that answer often, scoring part by part pays it far more
than guessing; no rule that looks at one part at a time can tell the difference. This
rule looks at the whole answer. Three shares, each between 0 and 1:

* the **credit** ``r``: the mean credit of the parts, scored one by one;
* the **luck** ``L``: the mean credit the same answers earn on the other parts (each
  part's answer tried on every other part, as if the answers were dealt out at
  random): what the choices earn by themselves, without knowing which part is which;
* the **chance** ``q``: the mean credit of a uniformly random answer (what guessing earns).

An answer whose luck is at most chance keeps its credit ``r``: it was spread out like a
guess, so nothing in it is luck beyond guessing. Otherwise it gets
``q + (1 - q)(r - L) / (1 - L)``: its credit beyond its own luck (the chance-corrected
agreement of Cohen's kappa, ``(r - L) / (1 - L)``), placed on the scale between chance
and full credit. Written as a deduction, that is ``r - (L - q)(1 - r) / (1 - L)``: the
excess luck times the share still wrong, so it shrinks to nothing as the answer gets
everything right. Properties, each checked below:

* a fully right answer keeps 1;
* the result is never more than ``r`` and never below 0;
* the same answer on every part has ``L = r``, so it earns ``min(r, q)``: at most chance;
* a question of one part keeps ``r``: there is no other part to deal its answer to.

The correction weighs most on a small question with a lopsided key, where the same few
answers fit many parts; on the course's questions (six to eight parts) a learner who
knows most of the parts loses a few points at most (``tests/test_blind_strategies.py``
checks that partial knowledge keeps its partial credit).

Worked example: a matching question with four statements, three of them Waterfall and
one Agile, and two categories (chance ``q = 1/2``). "Waterfall" for all four is 3/4 right
by the items, but its luck is 3/4 as well, so it earns 1/2, no more than a coin toss:

>>> key = ["Waterfall", "Waterfall", "Waterfall", "Agile"]
>>> def agreement(answers):  # credit of part i with the answer given to part j
...     return [[float(answer == right) for answer in answers] for right in key]
>>> luck_corrected(agreement(["Waterfall"] * 4), chance=0.5)
LuckCorrection(credit=0.5, raw=0.75, luck=0.75, chance=0.5)

A learner who knows three of the four and gets the Agile one wrong the other way keeps
the items' 3/4 (the answers are spread like a guess):

>>> luck_corrected(agreement(["Waterfall", "Agile", "Waterfall", "Agile"]), chance=0.5).credit
0.75
>>> luck_corrected(agreement(key), chance=0.5).credit
1.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LuckCorrection", "luck_corrected", "luck_headline"]


@dataclass(frozen=True)
class LuckCorrection:
    """An answer's credit after the luck correction, and the three shares it comes from (see the module)."""

    credit: float
    raw: float
    luck: float
    chance: float

    @property
    def corrected(self) -> bool:
        """True if luck took something off the parts' credit."""
        return self.credit < self.raw

    @property
    def shown(self) -> bool:
        """True if what luck took off shows in whole percent (worth a sentence to the learner)."""
        return round(100 * self.credit) < round(100 * self.raw)


def luck_corrected(cross: Sequence[Sequence[float]], chance: float) -> LuckCorrection:
    """The credit of an answer with ``n`` parts, luck taken out.

    ``cross[i][j]`` is the credit part ``i`` would earn with the answer given to part
    ``j`` (so ``cross[i][i]`` is its own credit); ``chance`` is the mean credit of a
    uniformly random answer. Every figure is between 0 and 1. The luck is the mean
    of ``cross[i][j]`` over ``i != j`` (0 for a single part, which keeps its credit).

    >>> luck_corrected([[1.0, 0.0], [0.0, 1.0]], chance=0.5).credit  # right and spread out: kept
    1.0
    >>> luck_corrected([[1.0, 1.0], [1.0, 1.0]], chance=0.25).credit  # any answer fits both parts: kept
    1.0
    >>> luck_corrected([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], chance=0.25).credit  # the same answer
    0.25
    >>> luck_corrected([[0.75]], chance=0.25).credit  # one part: nothing to deal out
    0.75
    >>> luck_corrected([], chance=0.5)
    LuckCorrection(credit=0.0, raw=0.0, luck=0.0, chance=0.5)
    """
    count = len(cross)
    if count == 0:
        return LuckCorrection(0.0, 0.0, 0.0, chance)
    raw = math.fsum(cross[i][i] for i in range(count)) / count
    if count == 1:
        return LuckCorrection(raw, raw, 0.0, chance)
    luck = math.fsum(cross[i][j] for i in range(count) for j in range(count) if i != j) / (count * (count - 1))
    if raw >= 1.0 or luck <= chance or luck >= 1.0:
        return LuckCorrection(raw, raw, luck, chance)
    credit = raw - (luck - chance) * (1.0 - raw) / (1.0 - luck)
    return LuckCorrection(min(raw, max(0.0, credit)), raw, luck, chance)


def luck_headline(correction: LuckCorrection, lead: str, parts: str) -> str:
    """The account of a luck-corrected credit a learner reads: the parts' credit, the luck, the result.

    ``lead`` says how the parts went ("5 of 8 items right"); ``parts`` names them ("items").

    >>> correction = LuckCorrection(credit=0.5, raw=0.75, luck=0.75, chance=0.5)
    >>> print(luck_headline(correction, "3 of 4 items right", "items"))
    3 of 4 items right (75%), but your answers, each moved to another of the items, would earn 75%, more than a random guess (50%): only what goes beyond that luck counts (50% credit).
    """
    return (
        f"{lead} ({round(100 * correction.raw)}%), but your answers, each moved to another of the {parts}, would "
        f"earn {round(100 * correction.luck)}%, more than a random guess ({round(100 * correction.chance)}%): "
        f"only what goes beyond that luck counts ({round(100 * correction.credit)}% credit)."
    )
