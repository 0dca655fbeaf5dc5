"""Answers made without knowledge: does a scoring rule pay for them?

A learner who knows nothing can still tick every box, put every item in the same
category, mark every role R, or save an ordering as it starts. A fair rule pays such
a *blind answer* no more than guessing does. This module, for one question spec,
lists the blind answers that fit its kind, scores each with the course's own scorer
(:func:`~mlteam_utils.questions.scoring.answer_scorer`, the grader's code path), and
computes the expected score of a **uniformly random answer**. The course's test
(``tests/test_blind_strategies.py``) and its table (``python -m
mlteam_utils.grading.blind_audit``) hold every graded widget question to:

* no blind answer scores more than a uniformly random answer does on average, plus
  :data:`MARGIN` (5% of the question's points);
* in a RACI grid, no blind answer scores more than :data:`RACI_CAP` (25%) either.

**A uniformly random answer**, kind by kind (every choice the widget offers, each
equally likely, and independent of the others):

=================== ======================================================================
``single_choice``   one option, each with probability 1/n
``multiple_choice`` a subset of the options, every subset equally likely (each box ticked
                    with probability 1/2, the empty answer included)
``matching``        each item in one category, each category with probability 1/k (a
                    complete answer: leaving an item blank is not a guess)
``ordering``        an order of the items, every order equally likely
``raci``            each cell one of the grid's six values (blank, R, A, A/R, C, I), each
                    with probability 1/6: blank is a real RACI answer (the role takes no part)
``numeric``         one of the slider's positions (from its lowest to its highest value, a
                    step apart), each equally likely
=================== ======================================================================

Its expectation is exact when the answers can be listed (at most :data:`EXACT_BUDGET`
of them; every one is scored). Otherwise (a RACI grid has 6³⁰ answers) it is the mean
of :data:`SAMPLES` answers drawn with a fixed seed, so the figure is the same on every
run, with an explicit tolerance: the empirical Bernstein bound (Maurer and Pontil,
*Empirical Bernstein Bounds and Sample Variance Penalization*, COLT 2009, theorem 4)
at confidence 1 - :data:`CONFIDENCE_DELTA`. A check compares a blind answer with the
*lower* end, ``mean - tolerance``, so sampling can only make it stricter.

**The blind answers**, and what decides their score: the scoring rule (``"rule"``), or
where the author placed the right answer in the widget (``"layout"``: the start order,
the slider's range, the order of the options), which :class:`Layout` describes.

=================== ============ ==========================================================
``multiple_choice`` rule         select all; select none
``matching``        rule         every item in the same category (each category); nothing matched
``raci``            rule         an empty grid; every cell the same letter (each letter);
                                 for each role: that role A/R and every other role R, that
                                 role A/R and the others blank, that role A and the others R;
                                 and every grid that repeats one row on every activity (all
                                 6^roles rows, when there are at most :data:`RACI_ROW_BUDGET`)
``ordering``        layout       the start order saved as shown; the start order reversed
``numeric``         layout       the slider left at its start; its lowest, highest and middle values
``single_choice``   (none)       one question, one pick: every answer is one option, which
                                 is right or not; a pick made blind is a guess, worth 1/n
=================== ============ ==========================================================

>>> spec = {"kind": "multiple_choice", "options": ["a", "b", "c", "d"], "correct": ["a", "b", "c"]}
>>> audit = audit_question(spec)
>>> audit.random.mean, audit.random.exact
(0.25, True)
>>> [(blind.name, blind.fraction) for blind in audit.blind]
[('select all', 0.0), ('select none', 0.0)]
>>> audit.paying()
()
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mlteam_utils.questions.kinds.raci import RACI_LETTERS
from mlteam_utils.questions.scoring import answer_scorer, public_spec

__all__ = [
    "CONFIDENCE_DELTA",
    "EXACT_BUDGET",
    "MARGIN",
    "RACI_CAP",
    "RACI_ROW_BUDGET",
    "SAMPLES",
    "SEED",
    "BlindAnswer",
    "BlindScore",
    "Expectation",
    "Layout",
    "QuestionAudit",
    "Slider",
    "audit_question",
    "bernstein_tolerance",
    "blind_answers",
    "random_expectation",
]

#: A blind answer may score at most this share of the points above a random answer's expectation.
MARGIN = 0.05
#: A blind answer to a RACI grid may score at most this share of the points.
RACI_CAP = 0.25
#: The expectation is exact (every answer scored) when there are at most this many answers.
EXACT_BUDGET = 50_000
#: Otherwise, this many answers are drawn...
SAMPLES = 10_000
#: ...with this seed (issue 26), so the figure is the same on every run.
SEED = 26
#: The tolerance of a sampled expectation holds with probability at least 1 - CONFIDENCE_DELTA.
CONFIDENCE_DELTA = 1e-6
#: Every grid that repeats one row is tried when a row has at most this many possible values (6 ** roles).
RACI_ROW_BUDGET = 10_000

#: The values of one RACI cell, as its dropdown offers them.
RACI_VALUES: tuple[str, ...] = ("", *RACI_LETTERS)
#: What decides a blind answer's score.
DependsOn = Literal["rule", "layout"]
#: Kinds whose blind answers come from the widget's layout, which they need.
LAYOUT_KINDS = frozenset({"ordering", "numeric"})
#: Slack for comparing sums of floats (a score equal to the limit passes).
EPSILON = 1e-9


@dataclass(frozen=True)
class Slider:
    """A numeric question's slider: its range, step and start (``None``: its lowest value).

    >>> Slider(0.1, 0.6, 0.05).positions()[:3], len(Slider(0.1, 0.6, 0.05).positions())
    ([0.1, 0.15, 0.2], 11)
    """

    low: float
    high: float
    step: float
    start: float | None = None

    def positions(self) -> list[float]:
        """Every value the slider can take, from ``low`` to ``high``, a step apart (rounded like the widget)."""
        count = math.floor((self.high - self.low) / self.step + 1e-9)
        return [round(float(self.low) + i * float(self.step), 10) for i in range(count + 1)]

    def middle(self) -> float:
        """The slider position nearest to the middle of its range (the lower one on a tie).

        >>> Slider(0, 40, 1).middle(), Slider(0.2, 0.8, 0.1).middle(), Slider(0, 3, 1).middle()
        (20.0, 0.5, 1.0)
        """
        centre = (self.low + self.high) / 2
        return min(self.positions(), key=lambda value: (abs(value - centre), value))


@dataclass(frozen=True)
class Layout:
    """What the learner's widget shows beyond the public spec: read from the widget's cell.

    ``order``: the items of an ordering question in their start order (or the options
    of a choice question as shown). ``slider``: a numeric question's slider.
    """

    order: tuple[str, ...] | None = None
    slider: Slider | None = None


@dataclass(frozen=True)
class BlindAnswer:
    """An answer made without knowledge: its name in words, the value a widget would save, what decides its score."""

    name: str
    value: object
    depends_on: DependsOn


@dataclass(frozen=True)
class BlindScore:
    """A blind answer's share of the points."""

    name: str
    depends_on: DependsOn
    fraction: float


@dataclass(frozen=True)
class Expectation:
    """The expected share of the points of a uniformly random answer.

    ``tolerance`` is 0 when ``exact``; otherwise the true expectation lies within
    ``mean ± tolerance`` with probability at least 1 - :data:`CONFIDENCE_DELTA`.
    """

    mean: float
    tolerance: float
    method: str

    @property
    def exact(self) -> bool:
        return self.tolerance == 0.0

    @property
    def low(self) -> float:
        """The lower end of the expectation: what a blind answer is compared with."""
        return self.mean - self.tolerance


@dataclass(frozen=True)
class QuestionAudit:
    """One question's random expectation and blind answers, and the limit they must keep."""

    kind: str
    random: Expectation
    blind: tuple[BlindScore, ...]

    @property
    def limit(self) -> float:
        """The most a blind answer may score: random + :data:`MARGIN`, and at most :data:`RACI_CAP` for RACI."""
        limit = self.random.low + MARGIN
        return min(limit, RACI_CAP) if self.kind == "raci" else limit

    def best(self, depends_on: DependsOn | None = None) -> BlindScore | None:
        """The blind answer that scores most (the first listed on a tie), or ``None`` if there is none."""
        candidates = [blind for blind in self.blind if depends_on in (None, blind.depends_on)]
        return max(candidates, key=lambda blind: blind.fraction, default=None)

    def paying(self, depends_on: DependsOn | None = None) -> tuple[BlindScore, ...]:
        """The blind answers that score more than :attr:`limit`."""
        return tuple(
            blind for blind in self.blind
            if depends_on in (None, blind.depends_on) and blind.fraction > self.limit + EPSILON
        )


# --------------------------------------------------------------------------- uniformly random answers


@dataclass(frozen=True)
class _AnswerSpace:
    """Every answer a uniformly random learner can give: how many, each in turn, or one drawn."""

    size: int
    each: Callable[[], Iterator[object]]
    draw: Callable[[random.Random], object]


def _answer_space(public: Mapping[str, Any], layout: Layout | None) -> _AnswerSpace:
    kind = public["kind"]
    if kind == "single_choice":
        options = list(public["options"])
        return _AnswerSpace(len(options), lambda: iter(options), lambda rng: rng.choice(options))
    if kind == "multiple_choice":
        options = list(public["options"])
        return _AnswerSpace(
            2 ** len(options),
            lambda: ([o for o, tick in zip(options, ticks, strict=True) if tick]
                     for ticks in itertools.product((False, True), repeat=len(options))),
            lambda rng: [option for option in options if rng.random() < 0.5],
        )
    if kind == "matching":
        items, categories = list(public["items"]), list(public["categories"])
        return _AnswerSpace(
            len(categories) ** len(items),
            lambda: (dict(zip(items, combo, strict=True)) for combo in itertools.product(categories, repeat=len(items))),
            lambda rng: {item: rng.choice(categories) for item in items},
        )
    if kind == "ordering":
        items = list(public["items"])
        return _AnswerSpace(
            math.factorial(len(items)),
            lambda: (list(order) for order in itertools.permutations(items)),
            lambda rng: rng.sample(items, len(items)),
        )
    if kind == "raci":
        activities, roles = list(public["activities"]), list(public["roles"])
        cells = [(activity, role) for activity in activities for role in roles]

        def grid(values: Sequence[str]) -> dict[str, dict[str, str]]:
            rows: dict[str, dict[str, str]] = {activity: {} for activity in activities}
            for (activity, role), value in zip(cells, values, strict=True):
                rows[activity][role] = value
            return rows

        return _AnswerSpace(
            len(RACI_VALUES) ** len(cells),
            lambda: (grid(values) for values in itertools.product(RACI_VALUES, repeat=len(cells))),
            lambda rng: grid([rng.choice(RACI_VALUES) for _ in cells]),
        )
    if kind == "numeric":
        if layout is None or layout.slider is None:
            raise ValueError("a numeric question needs its slider (Layout.slider) to define a random answer")
        positions = layout.slider.positions()
        return _AnswerSpace(len(positions), lambda: iter(positions), lambda rng: rng.choice(positions))
    raise ValueError(f"no uniformly random answer is defined for a {kind!r} question")


def bernstein_tolerance(values: Sequence[float], delta: float = CONFIDENCE_DELTA) -> float:
    """Half-width of a two-sided confidence interval for the mean of ``values`` (each in [0, 1]).

    The empirical Bernstein bound (Maurer and Pontil 2009, theorem 4), with each side
    at ``delta / 2``: ``sqrt(2 V ln(4/delta) / n) + 7 ln(4/delta) / (3 (n - 1))``, where
    ``V`` is the sample variance. Small when the values vary little.

    >>> round(bernstein_tolerance([0.0, 1.0] * 5_000), 4)
    0.0311
    >>> round(bernstein_tolerance([0.5] * 10_000), 4)
    0.0035
    """
    count = len(values)
    if count < 2:
        return 1.0
    mean = math.fsum(values) / count
    variance = math.fsum((value - mean) ** 2 for value in values) / (count - 1)
    log_term = math.log(4 / delta)
    return math.sqrt(2 * variance * log_term / count) + 7 * log_term / (3 * (count - 1))


def random_expectation(
    spec: Mapping[str, Any],
    layout: Layout | None = None,
    *,
    exact_budget: int = EXACT_BUDGET,
    samples: int = SAMPLES,
    seed: int = SEED,
    scorer: Callable[[object], float] | None = None,
) -> Expectation:
    """The expected share of the points of a uniformly random answer to ``spec`` (see the module's table).

    Exact when there are at most ``exact_budget`` answers, otherwise sampled with a
    fixed ``seed`` and a tolerance (see :func:`bernstein_tolerance`). ``scorer`` (an
    answer's share of the points) defaults to the course's own,
    :func:`~mlteam_utils.questions.scoring.answer_scorer`; another one audits another rule.

    >>> random_expectation({"kind": "ordering", "items": ["a", "b", "c"]})
    Expectation(mean=0.5, tolerance=0.0, method='exact: all 6 answers scored')
    >>> sampled = random_expectation({"kind": "ordering", "items": ["a", "b", "c"]}, exact_budget=5, samples=4000)
    >>> abs(sampled.mean - 0.5) <= sampled.tolerance, sampled.method
    (True, 'sampled: 4,000 answers drawn with seed 26')
    """
    space = _answer_space(public_spec(spec), layout)
    fraction = scorer or answer_scorer(spec)
    if space.size <= exact_budget:
        total = math.fsum(fraction(answer) for answer in space.each())
        return Expectation(total / space.size, 0.0, f"exact: all {space.size:,} answers scored")
    rng = random.Random(seed)
    values = [fraction(space.draw(rng)) for _ in range(samples)]
    return Expectation(
        math.fsum(values) / samples, bernstein_tolerance(values), f"sampled: {samples:,} answers drawn with seed {seed}"
    )


# --------------------------------------------------------------------------- blind answers


def blind_answers(spec: Mapping[str, Any], layout: Layout | None = None) -> list[BlindAnswer]:
    """The blind answers that fit ``spec``'s kind (see the module's table), in a stable order.

    Kinds whose blind answers come from the widget's layout (ordering, numeric) need
    ``layout``: ``ValueError`` without it. A single-choice question has none.

    >>> spec = {"kind": "matching", "items": ["a", "b", "c"], "categories": ["X", "Y"], "key": {"a": "X", "b": "X", "c": "Y"}}
    >>> [(answer.name, answer.value) for answer in blind_answers(spec)]
    [('every item “X”', {'a': 'X', 'b': 'X', 'c': 'X'}), ('every item “Y”', {'a': 'Y', 'b': 'Y', 'c': 'Y'}), ('nothing matched', {})]
    >>> [answer.name for answer in blind_answers({"kind": "ordering", "items": ["a", "b"]}, Layout(order=("b", "a")))]
    ['the start order, saved as shown', 'the start order reversed']
    """
    public = public_spec(spec)
    kind = public["kind"]
    if kind == "single_choice":  # see the module's table
        return []
    if kind in LAYOUT_KINDS and (layout is None or (layout.slider if kind == "numeric" else layout.order) is None):
        raise ValueError(f"the blind answers to this {kind} question come from its widget's layout: give a Layout")
    if kind == "multiple_choice":
        return [BlindAnswer("select all", list(public["options"]), "rule"), BlindAnswer("select none", [], "rule")]
    if kind == "matching":
        items = public["items"]
        same = [BlindAnswer(f"every item “{category}”", {item: category for item in items}, "rule")
                for category in public["categories"]]
        return [*same, BlindAnswer("nothing matched", {}, "rule")]
    if kind == "raci":
        return _raci_blind_answers(list(public["activities"]), list(public["roles"]))
    assert layout is not None  # checked above for every layout kind
    if kind == "ordering":
        order = list(layout.order or ())
        return [BlindAnswer("the start order, saved as shown", order, "layout"),
                BlindAnswer("the start order reversed", order[::-1], "layout")]
    if kind == "numeric":
        slider = layout.slider
        assert slider is not None
        start = slider.low if slider.start is None else slider.start
        return [
            BlindAnswer(f"the slider left at its start ({start:g})", start, "layout"),
            BlindAnswer(f"the lowest value ({slider.low:g})", slider.low, "layout"),
            BlindAnswer(f"the highest value ({slider.high:g})", slider.high, "layout"),
            BlindAnswer(f"the middle of the slider ({slider.middle():g})", slider.middle(), "layout"),
        ]
    raise ValueError(f"no blind answers are defined for a {kind!r} question")


def _raci_blind_answers(activities: list[str], roles: list[str]) -> list[BlindAnswer]:
    """A RACI grid's blind answers: named patterns first, then every grid that repeats one row."""

    def same_row(row: Mapping[str, str]) -> dict[str, dict[str, str]]:
        return {activity: dict(row) for activity in activities}

    named: list[tuple[str, dict[str, str]]] = [("an empty grid", {role: "" for role in roles})]
    named += [(f"every role {letter} on every activity", {role: letter for role in roles}) for letter in RACI_LETTERS]
    for owner in roles:
        named.append((f"{owner} A/R, every other role R", {role: "A/R" if role == owner else "R" for role in roles}))
        named.append((f"{owner} A/R, the others blank", {role: "A/R" if role == owner else "" for role in roles}))
        named.append((f"{owner} A, every other role R", {role: "A" if role == owner else "R" for role in roles}))
    answers = [BlindAnswer(name, same_row(row), "rule") for name, row in named]
    if len(RACI_VALUES) ** len(roles) <= RACI_ROW_BUDGET:
        seen = {tuple(row.values()) for _, row in named}
        for values in itertools.product(RACI_VALUES, repeat=len(roles)):
            if values in seen:
                continue
            shown = ", ".join(f"{role} {value}" for role, value in zip(roles, values, strict=True) if value)
            row = dict(zip(roles, values, strict=True))
            answers.append(BlindAnswer(f"the same row on every activity ({shown})", same_row(row), "rule"))
    return answers


def audit_question(
    spec: Mapping[str, Any],
    layout: Layout | None = None,
    *,
    scorer: Callable[[object], float] | None = None,
    **expectation_options: Any,
) -> QuestionAudit:
    """Score every blind answer to ``spec`` and a uniformly random answer's expectation.

    ``scorer`` as for :func:`random_expectation`; ``expectation_options`` go to it too.

    >>> spec = {"kind": "ordering", "items": ["Plan", "Build", "Test", "Ship"]}
    >>> audit = audit_question(spec, Layout(order=("Build", "Plan", "Test", "Ship")))
    >>> [(blind.name, round(blind.fraction, 3)) for blind in audit.blind]
    [('the start order, saved as shown', 0.833), ('the start order reversed', 0.167)]
    >>> [blind.name for blind in audit.paying()], round(audit.limit, 2)
    (['the start order, saved as shown'], 0.55)
    """
    fraction = scorer or answer_scorer(spec)
    scores = tuple(
        BlindScore(answer.name, answer.depends_on, fraction(answer.value)) for answer in blind_answers(spec, layout)
    )
    expectation = random_expectation(spec, layout, scorer=fraction, **expectation_options)
    return QuestionAudit(public_spec(spec)["kind"], expectation, scores)
