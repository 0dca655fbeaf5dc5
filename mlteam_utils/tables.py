"""Tables shown to the learner with headers in words, not the code names of their columns.

A lesson computes with a dataset's real column names (``customer_id``, ``latency_ms``)
and shows the result with :func:`in_words`: the same table, its column and row labels
and their axis names said as a person would say them. The values are left alone.

>>> import pandas as pd
>>> frame = pd.DataFrame({"customer_id": ["C1"], "latency_ms": [900], "n_events": [3], "spend_eur": [9.5]})
>>> list(in_words(frame).columns)
['customer', 'latency (ms)', 'number of events', 'spend (EUR)']
>>> list(in_words(frame, {"n_events": "events"}).columns)
['customer', 'latency (ms)', 'events', 'spend (EUR)']
>>> list(frame.columns)  # the frame itself keeps its names, for the code that follows
['customer_id', 'latency_ms', 'n_events', 'spend_eur']
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NAMES", "in_words", "words"]

#: The course datasets' code names that the plain rule of :func:`words` would say badly.
NAMES: dict[str, str] = {
    "hands_over": "hands over to",
    "key_question": "key question",
    "where_ml_sits": "where ML sits",
    "role_id": "role actually done",
    "job_title": "job title",
    "ml_engineers": "ML engineers",
    "ml_engineer": "ML engineer",
    "ml_researcher": "ML researcher",
    "poc_backlog": "proofs of concept waiting",
    "ds_engineering_share": "share of data scientists' time on engineering",
    "mle_busy_share": "share of ML engineers' time in use",
    "support_tickets_90d": "support tickets (90 days)",
    "expected_value_keur": "expected value (k EUR)",
    "rule_based_alternative": "a simple rule could do it",
    "times_returned": "times sent back",
    "from_role": "from",
    "to_role": "to",
    "fell_back": "fell back to the backup model",
}

#: Last words of a code name that are units: said in brackets.
UNITS = {"eur": "EUR", "keur": "k EUR", "ms": "ms", "pct": "%"}
#: Words written in capitals.
CAPITALS = {"ml": "ML", "ai": "AI", "llm": "LLM", "psi": "PSI", "id": "ID", "eur": "EUR"}


def words(label: Hashable, names: Mapping[str, str] | None = None) -> Hashable:
    """A code name said in words (``customer_id`` -> ``customer``); any other label as it is.

    >>> words("days_since_last_event"), words("handoff_id"), words("cost_eur"), words("fell_back")
    ('days since last event', 'handoff', 'cost (EUR)', 'fell back to the backup model')
    >>> words("customers per group"), words(0.5), words("data_scientist", {"data_scientist": "data scientist (role)"})
    ('customers per group', 0.5, 'data scientist (role)')
    """
    if not isinstance(label, str):
        return label
    chosen = {**NAMES, **(names or {})}
    if label in chosen:
        return chosen[label]
    if "_" not in label:
        return label
    parts = [part for part in label.split("_") if part]
    if len(parts) > 1 and parts[-1] == "id":  # customer_id: the customer, named by its id
        parts.pop()
    unit = UNITS.get(parts[-1]) if len(parts) > 1 else None
    if unit is not None:
        parts.pop()
    if len(parts) > 1 and parts[0] == "n":  # n_events: a count
        parts[0] = "number of"
    text = " ".join(CAPITALS.get(part, part) for part in parts)
    return f"{text} ({unit})" if unit else text


def in_words(frame: pd.DataFrame, names: Mapping[str, str] | None = None, *, values: Iterable[str] = (),
             empty: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` to show: column and row labels and axis names in words (see :func:`words`).

    ``names`` says a label's words where the plain rule would not say it well; a row
    or column label that is no code name (a number, a sentence) stays as it is. The
    columns named in ``values`` hold code names too (a role's id): their values are said
    in words. With ``empty``, a missing value shows as that text rather than pandas' NaN.

    >>> import pandas as pd
    >>> raw = pd.DataFrame({"to_role": ["data_scientist", "ml_engineer"], "amount": [9.5, None]})
    >>> in_words(raw, values=["to_role"], empty="(empty)").to_dict("list")
    {'to': ['data scientist', 'ML engineer'], 'amount': [9.5, '(empty)']}

    >>> import pandas as pd
    >>> table = pd.DataFrame({"wait_days": [2]}, index=pd.Index(["training_data"], name="collaboration_point"))
    >>> shown = in_words(table)
    >>> shown.index.name, list(shown.index), list(shown.columns)
    ('collaboration point', ['training data'], ['wait days'])
    """

    def say(label: Hashable) -> Hashable:
        return words(label, names)

    shown = frame.copy()
    for column in values:
        shown[column] = shown[column].map(say)
    if empty is not None:
        shown = shown.astype(object).where(shown.notna(), empty)
    shown = shown.rename(index=say, columns=say)
    shown.index = shown.index.set_names([say(name) for name in shown.index.names])
    shown.columns = shown.columns.set_names([say(name) for name in shown.columns.names])
    return shown
