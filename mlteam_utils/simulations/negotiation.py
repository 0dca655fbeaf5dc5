"""Role-card negotiation of a launch threshold: who gains and who loses at each threshold.

A model gives each case a score; everything at or above the **threshold** is
acted on (here: a customer likely to cancel gets a retention call). Each role
brings a **card** stating its interest, and most cards turn that interest into a
demand on one number: recall (share of the real cases caught), precision (share
of actions that hit a real case) or how many cases are flagged. A threshold that
meets every demand may not exist: then the team must negotiate who gives way.

This is a teaching model: the cards are made up for the course, and the numbers
come from whatever scores and outcomes you pass in.

>>> scores = [0.9, 0.8, 0.7, 0.4, 0.3, 0.2]
>>> cancelled = [True, True, False, True, False, False]
>>> outcome = outcome_at(scores, cancelled, 0.5)
>>> outcome.flagged, outcome.reached, round(outcome.precision, 2), round(outcome.recall, 2)
(3, 2, 0.67, 0.67)
>>> card = RoleCard("Product manager", "Reach most customers who cancel.", "recall", "at least", 0.9)
>>> verdict(card, outcome).satisfied
False
>>> verdict(card, outcome_at(scores, cancelled, 0.35)).satisfied
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlteam_utils.simulations._style import OKABE_ITO, REFERENCE_GREY, new_axes

if TYPE_CHECKING:  # pragma: no cover
    import ipywidgets
    import pandas as pd

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MEASURES",
    "RETENTION_CARDS",
    "Outcome",
    "RoleCard",
    "Verdict",
    "acceptable_thresholds",
    "agreed_thresholds",
    "negotiation_report_html",
    "negotiation_widget",
    "outcome_at",
    "outcomes_table",
    "plot_negotiation",
    "verdict",
]

#: What a card may put a demand on, in plain words.
MEASURES: dict[str, str] = {
    "recall": "share of the customers who cancel that get a call (recall)",
    "precision": "share of calls that reach a customer who would cancel (precision)",
    "flagged": "customers flagged for a call",
}
BOUNDS = ("at least", "at most")
#: Thresholds the lesson offers: 0.10 to 0.60 in steps of 0.05.
DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(round(0.10 + 0.05 * step, 2) for step in range(11))
# scores are stored with 3 decimals; this keeps 0.25 >= 0.25 true despite float steps
_EPSILON = 1e-9


@dataclass(frozen=True)
class RoleCard:
    """One role's card: its interest in words and, if any, its demand on one measure.

    ``measure`` is a key of :data:`MEASURES`, or ``""`` for a role whose interest
    is not a number (it then never blocks a threshold).

    >>> RoleCard("Finance", "Discounts cost money.", "precision", "at least", 0.35).demand
    'share of calls that reach a customer who would cancel (precision) at least 0.35'
    """

    role: str
    interest: str
    measure: str = ""
    bound: str = "at least"
    limit: float = 0.0

    def __post_init__(self) -> None:
        if not self.role.strip() or not self.interest.strip():
            raise ValueError("a role card needs a role and an interest")
        if self.measure and self.measure not in MEASURES:
            raise ValueError(f"{self.role}: measure must be one of {', '.join(MEASURES)} or empty, not {self.measure!r}")
        if self.bound not in BOUNDS:
            raise ValueError(f"{self.role}: bound must be 'at least' or 'at most', not {self.bound!r}")

    @property
    def demand(self) -> str:
        """The card's demand in words, or a note that it has none."""
        if not self.measure:
            return "no demand on the threshold itself"
        limit = f"{self.limit:g}" if self.measure == "flagged" else f"{self.limit:.2f}"
        return f"{MEASURES[self.measure]} {self.bound} {limit}"


#: The lesson's retention-call scenario (made up for the course).
RETENTION_CARDS: tuple[RoleCard, ...] = (
    RoleCard(
        "Product manager",
        "I answer for the goal: keep customers. I want a call to reach at least two in three of the customers "
        "who would otherwise cancel.",
        "recall", "at least", 0.65,
    ),
    RoleCard(
        "Support team lead (domain expert)",
        "My agents make the calls. For a group of 400 customers we can make at most 125 good calls; "
        "beyond that calls get rushed and customers notice.",
        "flagged", "at most", 125,
    ),
    RoleCard(
        "Finance (data analyst)",
        "Every call comes with a discount. At least 35% of the discounts must go to customers who really "
        "would cancel, or the campaign costs more than it saves.",
        "precision", "at least", 0.35,
    ),
    RoleCard(
        "Data scientist",
        "We measure precision on these 400 test customers. If fewer than 40 are flagged, the estimate rests "
        "on a handful of people and I cannot vouch for it.",
        "flagged", "at least", 40,
    ),
    RoleCard(
        "ML engineer",
        "Any value works for me once it is written down: I ship it as a setting we can change without a "
        "redeploy, and I raise an alert if the share of customers flagged moves by more than 5 points.",
    ),
    RoleCard(
        "Legal and compliance",
        "Any value the team agrees, on three conditions: we call only customers who agreed to be contacted, "
        "everyone called gets the same offer, and before launch a model card says what the model is for and "
        "how it does for customers of different ages.",
    ),
)


@dataclass(frozen=True)
class Outcome:
    """What happens at one threshold."""

    threshold: float
    flagged: int
    reached: int
    positives: int

    @property
    def precision(self) -> float:
        """Share of flagged cases that are real (0 when nothing is flagged)."""
        return self.reached / self.flagged if self.flagged else 0.0

    @property
    def recall(self) -> float:
        """Share of real cases that are flagged (0 when there are none)."""
        return self.reached / self.positives if self.positives else 0.0

    def value(self, measure: str) -> float:
        """The outcome's value of a measure of :data:`MEASURES`."""
        return {"recall": self.recall, "precision": self.precision, "flagged": float(self.flagged)}[measure]


@dataclass(frozen=True)
class Verdict:
    """How a card fares at an outcome: ``satisfied`` is ``None`` for a card without a demand."""

    role: str
    satisfied: bool | None
    detail: str


def outcome_at(scores: Sequence[float], outcomes: Sequence[bool], threshold: float) -> Outcome:
    """Count what acting on every score at or above ``threshold`` does.

    >>> outcome_at([0.9, 0.1], [True, True], 0.5).recall
    0.5
    """
    scores, outcomes = [float(s) for s in scores], [bool(o) for o in outcomes]
    if len(scores) != len(outcomes):
        raise ValueError(f"got {len(scores)} scores but {len(outcomes)} outcomes; they must pair up")
    flagged = [score >= threshold - _EPSILON for score in scores]
    return Outcome(
        threshold=round(float(threshold), 6),
        flagged=sum(flagged),
        reached=sum(f and o for f, o in zip(flagged, outcomes)),
        positives=sum(outcomes),
    )


def verdict(card: RoleCard, outcome: Outcome) -> Verdict:
    """Whether ``card``'s demand is met at ``outcome``, with the numbers in words.

    >>> card = RoleCard("Support", "We can call at most 2.", "flagged", "at most", 2)
    >>> verdict(card, Outcome(0.5, flagged=3, reached=2, positives=4)).detail
    'needs customers flagged for a call at most 2; gets 3'
    """
    if not card.measure:
        return Verdict(card.role, None, card.demand)
    got = outcome.value(card.measure)
    meets = got >= card.limit if card.bound == "at least" else got <= card.limit
    shown = f"{got:g}" if card.measure == "flagged" else f"{got:.2f}"
    return Verdict(card.role, meets, f"needs {card.demand}; gets {shown}")


def outcomes_table(
    scores: Sequence[float], outcomes: Sequence[bool], thresholds: Sequence[float] = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """One row per threshold: customers flagged, real cases reached, precision and recall."""
    import pandas as pd

    rows = []
    for threshold in thresholds:
        result = outcome_at(scores, outcomes, threshold)
        rows.append({
            "threshold": result.threshold,
            "flagged": result.flagged,
            "reached": result.reached,
            "precision": round(result.precision, 2),
            "recall": round(result.recall, 2),
        })
    return pd.DataFrame(rows)


def acceptable_thresholds(
    card: RoleCard, scores: Sequence[float], outcomes: Sequence[bool], thresholds: Sequence[float] = DEFAULT_THRESHOLDS
) -> list[float]:
    """The thresholds at which ``card``'s demand is met (all of them for a card without a demand).

    >>> card = RoleCard("PM", "Catch both.", "recall", "at least", 1.0)
    >>> acceptable_thresholds(card, [0.9, 0.4, 0.2], [True, True, False], [0.3, 0.5])
    [0.3]
    """
    return [t for t in thresholds if verdict(card, outcome_at(scores, outcomes, t)).satisfied is not False]


def agreed_thresholds(
    cards: Sequence[RoleCard],
    scores: Sequence[float],
    outcomes: Sequence[bool],
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> list[float]:
    """The thresholds that meet every card's demand; often none, which is why teams negotiate.

    >>> cards = [RoleCard("PM", "Catch both.", "recall", "at least", 1.0),
    ...          RoleCard("Support", "One call only.", "flagged", "at most", 1)]
    >>> agreed_thresholds(cards, [0.9, 0.4, 0.2], [True, True, False], [0.3, 0.5])
    []
    """
    return [
        t for t in thresholds
        if all(verdict(card, outcome_at(scores, outcomes, t)).satisfied is not False for card in cards)
    ]


def negotiation_report_html(cards: Sequence[RoleCard], outcome: Outcome) -> str:
    """An HTML summary of one threshold: the numbers, then who gains (✔) and who gives way (✘).

    >>> cards = [RoleCard("PM", "Keep customers.", "recall", "at least", 0.5)]
    >>> "✔" in negotiation_report_html(cards, Outcome(0.3, flagged=4, reached=2, positives=3))
    True
    """
    verdicts = [verdict(card, outcome) for card in cards]
    rows = []
    for card, result in zip(cards, verdicts):
        mark = {True: "✔ gets what the card asks", False: "✘ gives way", None: "• no numeric demand"}[result.satisfied]
        rows.append(
            f"<tr><td><b>{html.escape(card.role)}</b></td><td>{mark}</td><td>{html.escape(result.detail)}</td></tr>"
        )
    losers = [r.role for r in verdicts if r.satisfied is False]
    if losers:
        summary = f"At this threshold {len(losers)} of the cards give way: {html.escape(', '.join(losers))}."
    else:
        summary = "Every card's demand is met at this threshold."
    return (
        f"<p>At threshold <b>{outcome.threshold:.2f}</b>: <b>{outcome.flagged}</b> customers get a call, "
        f"<b>{outcome.reached}</b> of the {outcome.positives} who would cancel are reached "
        f"(recall {outcome.recall:.2f}), and {outcome.flagged - outcome.reached} calls go to customers who would "
        f"have stayed (precision {outcome.precision:.2f}).</p>"
        "<table><tr><th>Role</th><th>Verdict</th><th>Why</th></tr>" + "".join(rows) + "</table>"
        f"<p>{summary}</p>"
    )


def plot_negotiation(
    cards: Sequence[RoleCard],
    scores: Sequence[float],
    outcomes: Sequence[bool],
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    ax: Any = None,
) -> Any:
    """One row per card, with a bar over the thresholds that meet its demand; returns ``ax``.

    Cards without a demand get a thin grey bar over every threshold.
    """
    ax = new_axes(ax, figsize=(8.0, 3.6))
    step = min(b - a for a, b in zip(thresholds, thresholds[1:])) if len(thresholds) > 1 else 0.05
    for row, card in enumerate(reversed(list(cards))):
        ok = acceptable_thresholds(card, scores, outcomes, thresholds)
        colour = OKABE_ITO[(len(cards) - 1 - row) % len(OKABE_ITO)] if card.measure else REFERENCE_GREY
        height = 0.6 if card.measure else 0.2
        spans: list[tuple[float, float]] = []
        for t in ok:  # merge neighbouring thresholds into one bar
            if spans and abs(spans[-1][0] + spans[-1][1] - (t - step / 2)) < _EPSILON + step / 100:
                spans[-1] = (spans[-1][0], spans[-1][1] + step)
            else:
                spans.append((t - step / 2, step))
        ax.broken_barh(spans, (row - height / 2, height), facecolors=colour, edgecolor="black", linewidth=0.4)
    labels = [card.role if card.measure else f"{card.role} (no demand)" for card in reversed(list(cards))]
    ax.set_yticks(range(len(cards)), labels)
    ax.set_xlim(min(thresholds) - step, max(thresholds) + step)
    ax.set_xticks(list(thresholds), [f"{t:.2f}" for t in thresholds], fontsize=8)
    ax.set_xlabel("threshold: call the customer if the model's score is at least this")
    ax.set_title("Where each role's demand is met")
    ax.grid(axis="x", color=REFERENCE_GREY, alpha=0.3)
    return ax


def negotiation_widget(
    scores: Sequence[float],
    outcomes: Sequence[bool],
    cards: Sequence[RoleCard] = RETENTION_CARDS,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    start: float = 0.40,
) -> ipywidgets.VBox:
    """A threshold drop-down and, below it, who gains and who gives way at the chosen value.

    The box keeps ``threshold`` (the drop-down of ``thresholds``, starting at the one nearest
    ``start``) and ``report`` (an HTML widget) as attributes. A drop-down, not a slider:
    ipywidgets' slider handle has no accessible name for a screen reader.

    >>> box = negotiation_widget([0.9, 0.4, 0.2], [True, True, False], start=0.3)
    >>> box.threshold.value = 0.5
    >>> "<b>0.50</b>" in box.report.value
    True
    """
    import ipywidgets as widgets

    from mlteam_utils.theme import WIDGET_CLASS, ReadableBeforeRun

    class NegotiationBox(ReadableBeforeRun, widgets.VBox):
        before_run = "The threshold negotiation"

    scores, outcomes = [float(s) for s in scores], [bool(o) for o in outcomes]
    options = sorted(float(t) for t in thresholds)
    threshold = widgets.Dropdown(
        options=[(f"{t:.2f}", t) for t in options], value=min(options, key=lambda t: abs(t - start)),
        description="Threshold:", style={"description_width": "initial"}, layout=widgets.Layout(width="16em"),
    )
    report = widgets.HTML()

    def show(_change: object = None) -> None:
        report.value = negotiation_report_html(cards, outcome_at(scores, outcomes, threshold.value))

    threshold.observe(show, names="value")
    show()
    box = NegotiationBox([threshold, report])
    box.add_class(WIDGET_CLASS)
    box.threshold, box.report = threshold, report
    return box
