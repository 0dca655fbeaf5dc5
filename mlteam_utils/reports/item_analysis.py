"""Item analysis per question: difficulty, discrimination, and hints for flagged items.

Definitions (classical test theory, per assignment):

- **difficulty** = mean score / max score over the learners who submitted the
  assignment and whose score for the item is final (items still waiting for a
  manual grade are left out). 1.0 means everyone got full marks.
- **discrimination** = the corrected item-total correlation: the Pearson
  correlation, across those learners, between the item's score and the *rest*
  of the learner's score on the same assignment (the item excluded; items still
  waiting for a manual grade count 0 in the rest). It is left empty, with a
  note, when fewer than :data:`MIN_LEARNERS` learners have a score or when the
  item or the rest has no variance (a correlation is undefined then).

Thresholds for flags (an item is flagged only once at least :data:`MIN_LEARNERS`
learners have a final score on it): difficulty below :data:`VERY_HARD_BELOW` is *very hard*,
above :data:`VERY_EASY_ABOVE` *very easy*; discrimination below 0 is
*negative*, below :data:`LOW_DISCRIMINATION_BELOW` *low* (Ebel's rule of thumb
calls items under 0.2 poor).

>>> import pandas as pd
>>> items = pd.DataFrame({
...     "student_id": ["a", "b", "c", "d"] * 2,
...     "assignment": "ex01", "notebook": "ex01",
...     "question": ["q1"] * 4 + ["q2"] * 4,
...     "max_score": [1.0] * 4 + [2.0] * 4,
...     "submitted": True,
...     "score": [1, 1, 1, 0, 2, 2, 0, 0],
...     "needs_manual_grade": False,
... })
>>> table = item_statistics(items)
>>> table[["question", "learners", "difficulty", "discrimination"]].round(4)
  question  learners  difficulty  discrimination
0       q1         4        0.75          0.5774
1       q2         4        0.50          0.5774
>>> table["flags"].tolist()
['', '']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import pandas as pd

MIN_LEARNERS = 3
VERY_HARD_BELOW = 0.3
VERY_EASY_ABOVE = 0.9
LOW_DISCRIMINATION_BELOW = 0.2

ITEM_KEYS = ["assignment", "notebook", "question"]
COLUMNS = [
    *ITEM_KEYS, "max_score", "learners", "pending_manual", "mean_score",
    "difficulty", "discrimination", "flags", "hint", "note",
]

# Flag -> what an instructor can do about it, in plain words. Order = order of need.
HINTS: dict[str, str] = {
    "negative discrimination": (
        "Learners who do well on the rest of the exercise do worse here: check the answer key "
        "and the wording first, the question may be marked wrongly or be ambiguous."
    ),
    "very hard": (
        "Most learners lose these points: check that the lesson covers it and the question is clear; "
        "consider a worked example or a hint."
    ),
    "low discrimination": (
        "Scores here barely follow the rest of the exercise: it may test something else, reward luck, "
        "or be unclear. Read a few answers."
    ),
    "very easy": (
        "Nearly everyone gets full marks: fine as a warm-up, but it tells you little about who needs help."
    ),
}


def pearson(x: pd.Series, y: pd.Series) -> float:
    """Pearson correlation of two equal-length series; NaN when either has no variance.

    >>> import pandas as pd
    >>> round(pearson(pd.Series([1, 2, 3]), pd.Series([2, 4, 7])), 4)
    0.9934
    >>> pearson(pd.Series([1, 1, 1]), pd.Series([1, 2, 3]))
    nan
    """
    dx = x.astype(float) - float(x.mean())
    dy = y.astype(float) - float(y.mean())
    denominator = math.sqrt(float((dx * dx).sum()) * float((dy * dy).sum()))
    if denominator == 0 or math.isnan(denominator):
        return math.nan
    return float((dx * dy).sum()) / denominator


def item_flags(difficulty: float, discrimination: float) -> list[str]:
    """The flags of an item, most pressing first.

    >>> item_flags(0.2, -0.1)
    ['negative discrimination', 'very hard']
    >>> item_flags(0.95, float("nan"))
    ['very easy']
    >>> item_flags(0.6, 0.45)
    []
    """
    flags: list[str] = []
    if not math.isnan(discrimination):
        if discrimination < 0:
            flags.append("negative discrimination")
        elif discrimination < LOW_DISCRIMINATION_BELOW:
            flags.append("low discrimination")
    if not math.isnan(difficulty):
        if difficulty < VERY_HARD_BELOW:
            flags.append("very hard")
        elif difficulty > VERY_EASY_ABOVE:
            flags.append("very easy")
    return sorted(flags, key=list(HINTS).index)


def _final_scores(items: pd.DataFrame) -> pd.Series:
    """Scores of submitted items whose grade is final (NaN where a manual grade is pending)."""
    pending = items["needs_manual_grade"].astype("boolean").fillna(False).astype(bool)
    return items["score"].astype(float).where(~pending)


def _one_item(item: pd.Series, rest: pd.Series, max_score: float) -> tuple[float, float, str]:
    """(difficulty, discrimination, note) of one item given aligned item and rest scores."""
    notes: list[str] = []
    n = int(item.notna().sum())
    if n == 0:
        return math.nan, math.nan, "no final score yet (waiting for manual grading or no submission)"
    difficulty = float(item.mean()) / max_score if max_score > 0 else math.nan
    if max_score <= 0:
        notes.append("worth 0 points, so no difficulty")
    discrimination = math.nan
    mask = item.notna()
    if n < MIN_LEARNERS:
        notes.append(f"discrimination needs at least {MIN_LEARNERS} learners with a score (has {n})")
    elif float(item[mask].var(ddof=0)) == 0:
        notes.append("discrimination undefined: every learner has the same score on this item")
    elif float(rest[mask].var(ddof=0)) == 0:
        notes.append("discrimination undefined: every learner has the same score on the rest of the assignment")
    else:
        discrimination = pearson(item[mask], rest[mask])
    return difficulty, discrimination, "; ".join(notes)


def item_statistics(items: pd.DataFrame) -> pd.DataFrame:
    """One row per question with difficulty, discrimination, flags, hint and note.

    ``items`` is :attr:`GradebookFrames.items` (or any frame with student_id,
    assignment, notebook, question, max_score, submitted, score and
    needs_manual_grade). Rows keep the order of the questions in ``items``.
    """
    import pandas as pd

    rows: list[dict[str, object]] = []
    submitted = items[items["submitted"].astype(bool)].copy()
    submitted["final_score"] = _final_scores(submitted)
    question_order = items[[*ITEM_KEYS, "max_score"]].drop_duplicates(ITEM_KEYS)
    maxima = {
        (assignment, notebook, question): float(max_score)
        for assignment, notebook, question, max_score in question_order.itertuples(index=False, name=None)
    }
    for assignment, in_assignment in submitted.groupby("assignment", sort=False):
        grid = in_assignment.pivot_table(
            index="student_id", columns=["notebook", "question"], values="final_score", aggfunc="first", dropna=False
        )
        totals = grid.sum(axis=1, skipna=True)
        pending = in_assignment.assign(pending=in_assignment["final_score"].isna()).groupby(["notebook", "question"])["pending"].sum()
        for column, item in grid.items():
            # columns=["notebook", "question"] makes every column label that pair.
            notebook, question = cast(tuple[str, str], column)
            max_score = maxima[(assignment, notebook, question)]
            rest = totals - item.fillna(0.0)
            difficulty, discrimination, note = _one_item(item, rest, max_score)
            scored = int(item.notna().sum())
            # A difficulty from one or two learners is no signal: no flag from it.
            flags = item_flags(difficulty if scored >= MIN_LEARNERS else math.nan, discrimination)
            rows.append({
                "assignment": assignment, "notebook": notebook, "question": question, "max_score": max_score,
                "learners": int(item.notna().sum()), "pending_manual": int(pending.get((notebook, question), 0)),
                "mean_score": float(item.mean()) if item.notna().any() else math.nan,
                "difficulty": difficulty, "discrimination": discrimination,
                "flags": "; ".join(flags), "hint": " ".join(HINTS[flag] for flag in flags), "note": note,
            })
    table = pd.DataFrame(rows, columns=COLUMNS)
    # Back to the gradebook's question order (pivot_table sorts the columns).
    order = question_order[ITEM_KEYS].reset_index(drop=True).reset_index().rename(columns={"index": "order"})
    table = table.merge(order, on=ITEM_KEYS, how="left").sort_values("order", kind="stable").drop(columns="order")
    return table.reset_index(drop=True)


def sort_by_need(table: pd.DataFrame) -> pd.DataFrame:
    """Flagged items first (most pressing flag first, then lower discrimination), then the rest.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"question": ["q1", "q2", "q3"], "flags": ["", "very easy", "negative discrimination"],
    ...                       "discrimination": [0.5, float("nan"), -0.3], "difficulty": [0.6, 0.95, 0.5]})
    >>> sort_by_need(table)["question"].tolist()
    ['q3', 'q2', 'q1']
    """
    ranks = {flag: rank for rank, flag in enumerate(HINTS)}

    def first_flag_rank(flags: str) -> int:
        names = [flag for flag in str(flags).split("; ") if flag]
        return min((ranks[name] for name in names), default=len(ranks))

    keyed = table.assign(
        _rank=table["flags"].fillna("").map(first_flag_rank),
        _discrimination=table["discrimination"].fillna(1.0),
    )
    return keyed.sort_values(["_rank", "_discrimination", "difficulty"], kind="stable").drop(columns=["_rank", "_discrimination"])
