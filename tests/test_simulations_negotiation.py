"""The role-card negotiation of a launch threshold (lesson 7) on the course's churn test set."""

from __future__ import annotations

import pytest

from mlteam_utils import domain
from mlteam_utils.simulations.negotiation import (
    RETENTION_CARDS,
    RoleCard,
    acceptable_thresholds,
    agreed_thresholds,
    negotiation_widget,
    outcome_at,
    outcomes_table,
    verdict,
)


@pytest.fixture(scope="module")
def churn():
    sample = domain.load_dataset("churn_sample")
    return sample["churn_probability"].tolist(), sample["churned"].tolist()


def card(role: str):
    return next(c for c in RETENTION_CARDS if c.role.startswith(role))


def test_the_lesson_cards_cannot_all_be_met(churn) -> None:
    """The lesson's point: the PM's and support's ranges do not overlap, so someone must give way."""
    scores, outcomes = churn
    assert agreed_thresholds(RETENTION_CARDS, scores, outcomes) == []
    assert max(acceptable_thresholds(card("Product manager"), scores, outcomes)) == 0.25
    assert min(acceptable_thresholds(card("Support"), scores, outcomes)) == 0.30
    without_pm = [c for c in RETENTION_CARDS if not c.role.startswith("Product manager")]
    assert agreed_thresholds(without_pm, scores, outcomes) == [0.30, 0.35, 0.40, 0.45]


def test_more_support_capacity_makes_an_agreement(churn) -> None:
    """Exercise 7's question 3: with 150 calls, 0.25 is the only threshold every card accepts."""
    scores, outcomes = churn
    bigger = RoleCard("Support", "Two temporary agents join.", "flagged", "at most", 150)
    cards = [bigger if c.role.startswith("Support") else c for c in RETENTION_CARDS]
    assert agreed_thresholds(cards, scores, outcomes) == [0.25]


def test_outcomes_match_a_direct_count(churn) -> None:
    scores, outcomes = churn
    table = outcomes_table(scores, outcomes)
    row = table.set_index("threshold").loc[0.25]
    flagged = [s >= 0.25 for s in scores]
    assert row["flagged"] == sum(flagged)
    assert row["reached"] == sum(f and o for f, o in zip(flagged, outcomes))
    assert table["flagged"].is_monotonic_decreasing


def test_a_card_without_a_demand_never_blocks(churn) -> None:
    scores, outcomes = churn
    engineer = card("ML engineer")
    assert verdict(engineer, outcome_at(scores, outcomes, 0.6)).satisfied is None
    assert len(acceptable_thresholds(engineer, scores, outcomes)) == 11


def test_widget_reports_who_gives_way(churn) -> None:
    scores, outcomes = churn
    box = negotiation_widget(scores, outcomes, start=0.25)
    assert "Support team lead (domain expert)" in box.report.value.split("give way:")[1]
    box.threshold.value = 0.30
    assert "<b>0.30</b>" in box.report.value
    assert "Product manager" in box.report.value.split("give way:")[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "accuracy"}, "measure must be one of"),
        ({"measure": "recall", "bound": "exactly"}, "bound must be"),
        ({"role": " "}, "needs a role"),
    ],
)
def test_bad_cards_are_refused_with_a_clear_message(kwargs: dict, message: str) -> None:
    fields = {"role": "PM", "interest": "Keep customers.", **kwargs}
    with pytest.raises(ValueError, match=message):
        RoleCard(**fields)


def test_scores_and_outcomes_must_pair_up() -> None:
    with pytest.raises(ValueError, match="must pair up"):
        outcome_at([0.1, 0.2], [True], 0.5)
