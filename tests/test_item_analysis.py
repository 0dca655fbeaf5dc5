"""Item analysis flags on a cohort small enough to work out by hand.

Each case is its own assignment with five learners (A to E) and two questions:
the case's question and ``rest``, worth 4 points, scored 4, 3, 2, 1, 0. An item's
"rest" is the learner's total minus the item, so within a case each question's
rest is simply the other question. Difficulty = mean score / max score;
discrimination = Pearson correlation of the item with its rest. With the rest's
deviations from its mean (2, 1, 0, -1, -2; sum of squares 10):

- ``negative``  0 0 0 1 1: difficulty 2/5 = 0.4; deviations -.4 -.4 -.4 .6 .6 (sum of
  squares 1.2); sum of products -.8 -.4 0 -.6 -1.2 = -3; r = -3 / sqrt(1.2 * 10) = -0.866.
- ``very_hard`` 1 0 0 0 0: difficulty 0.2; deviations .8 -.2 -.2 -.2 -.2 (0.8);
  products 1.6 -.2 0 .2 .4 = 2; r = 2 / sqrt(0.8 * 10) = 0.707.
- ``both``      0 0 0 0 1: difficulty 0.2; products -.4 -.2 0 .2 -1.6 = -2; r = -0.707.
- ``very_easy`` 1 1 1 1 1: difficulty 1.0; no variance, so no discrimination.
- ``low``       1 0 0 0 1: difficulty 0.4; products 1.2 -.4 0 .4 -1.2 = 0; r = 0.
- ``fine``      1 1 1 0 0: difficulty 0.6; products .8 .4 0 .6 1.2 = 3; r = 0.866.

Thresholds (item_analysis): very hard below 0.3, very easy above 0.9, low
discrimination below 0.2, negative below 0. ``rest`` itself always has difficulty
(4+3+2+1+0) / 5 / 4 = 0.5 and the same r as its partner (Pearson is symmetric),
or none when the partner has no variance.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mlteam_utils.reports.item_analysis import item_statistics

LEARNERS = ["A", "B", "C", "D", "E"]
REST = [4, 3, 2, 1, 0]
CASES: dict[str, list[int]] = {
    "negative": [0, 0, 0, 1, 1],
    "very_hard": [1, 0, 0, 0, 0],
    "both": [0, 0, 0, 0, 1],
    "very_easy": [1, 1, 1, 1, 1],
    "low": [1, 0, 0, 0, 1],
    "fine": [1, 1, 1, 0, 0],
}
R = 3 / math.sqrt(12)  # 0.866
HALF_R = 2 / math.sqrt(8)  # 0.707
# case -> (difficulty, discrimination, flags) of the case's question, from the working above.
EXPECTED: dict[str, tuple[float, float, str]] = {
    "negative": (0.4, -R, "negative discrimination"),
    "very_hard": (0.2, HALF_R, "very hard"),
    "both": (0.2, -HALF_R, "negative discrimination; very hard"),
    "very_easy": (1.0, math.nan, "very easy"),
    "low": (0.4, 0.0, "low discrimination"),
    "fine": (0.6, R, ""),
}
# case -> flags of its ``rest`` question (difficulty 0.5 is never flagged; r as above).
EXPECTED_REST_FLAGS: dict[str, str] = {
    "negative": "negative discrimination",
    "very_hard": "",
    "both": "negative discrimination",
    "very_easy": "",
    "low": "low discrimination",
    "fine": "",
}


def cohort() -> pd.DataFrame:
    """The items frame item_statistics reads (as GradebookFrames.items), one row per learner and question."""
    rows = []
    for case, scores in CASES.items():
        for question, max_score, values in ((case, 1.0, scores), ("rest", 4.0, REST)):
            for learner, score in zip(LEARNERS, values):
                rows.append({"student_id": learner, "assignment": case, "notebook": "nb", "question": question,
                             "max_score": max_score, "submitted": True, "score": float(score),
                             "needs_manual_grade": False})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return item_statistics(cohort()).set_index(["assignment", "question"])


@pytest.mark.parametrize("case", list(CASES))
def test_each_case_gets_the_hand_computed_figures_and_flags(table: pd.DataFrame, case: str) -> None:
    difficulty, discrimination, flags = EXPECTED[case]
    row = table.loc[(case, case)]
    assert row["difficulty"] == pytest.approx(difficulty)
    if math.isnan(discrimination):
        assert math.isnan(row["discrimination"]) and "same score" in row["note"]
    else:
        assert row["discrimination"] == pytest.approx(discrimination, abs=1e-9)
    assert row["flags"] == flags
    assert bool(row["hint"]) == bool(flags)


@pytest.mark.parametrize("case", list(CASES))
def test_the_rest_question_is_judged_the_same_way(table: pd.DataFrame, case: str) -> None:
    row = table.loc[(case, "rest")]
    assert row["difficulty"] == pytest.approx(0.5)
    assert row["flags"] == EXPECTED_REST_FLAGS[case]
