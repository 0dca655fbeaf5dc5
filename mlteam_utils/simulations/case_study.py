"""Case study simulation: one churn project from idea to monitoring, decision by decision.

This is a **teaching model**, not a forecast. A subscription shop wants fewer
customers to cancel. Four roles each take one key decision, and the model
turns the set of decisions into what follows: weeks to launch, build cost,
the model's quality at the chosen threshold, the value of the retention
calls, and the incidents of the first months in production.

The decisions (fields of :class:`Decisions`) and who owns them
--------------------------------------------------------------
* **Product manager**: ``metrics_first``, measure the business metric
  (monthly cancellations and the value of retention calls) before any model
  is built (Google's *Rules of ML*: design and implement metrics first);
  ``launch_rule_first``, ship a simple rule first (*Rules of ML*: don't be
  afraid to launch without ML); ``threshold``, the lowest churn probability
  the retention team still calls, working down the model's ranking, agreed
  with the team (*People + AI Guidebook*: decide together what to optimize).
* **Data engineer**: ``quality_checks``, automated checks that stop the
  pipeline when missing values or ranges go out of bounds.
* **Data scientist**: ``baseline_first``, a simple baseline and a simple
  first model before anything complex (*Rules of ML*: keep the first model
  simple; FSDL: build the end-to-end pipeline early).
* **ML engineer**: ``monitoring``, ``"none"``, ``"alerts"`` (drift and
  missing-value alerts, retraining by hand) or ``"alerts_and_retraining"``
  (alerts plus an automated retraining pipeline, Google's MLOps level 1).

Assumptions (fields of :class:`CaseAssumptions`; every number is illustrative)
-----------------------------------------------------------------------------
* The model's quality comes from real numbers: the course's ``churn_sample``
  test set (400 customers, the model's churn probability, who really left).
  The rule is "call customers with at least 2 support tickets in 90 days",
  scored on the same test set. Each month the shop scores ``customers``
  customers; the 400 stand for them.
* A call costs ``call_cost_eur``; a called customer who was about to leave
  stays with chance ``save_rate`` and is then worth ``customer_value_eur``.
  The retention team can call at most ``call_capacity_share`` of the
  customers a month. The model **ranks** customers by churn probability and
  the team calls from the top: capacity sets how many it calls, and the
  threshold (a floor) stops the list early. A call pays for itself when the
  churn probability is above ``call_cost_eur / (save_rate *
  customer_value_eur)`` (:func:`break_even_probability`), so that is the
  floor the economics suggest; the scores are treated as calibrated.
* The plan is a chain of phases (framing, data, modelling, evaluation,
  deployment); each decision adds or saves weeks, and people cost
  ``person_week_eur`` a week. Launching the rule first means the ML engineer
  and the data engineer build the end-to-end path (data in, scores out, the
  model's input and output agreed) with the rule in it, early (FSDL: build an
  end-to-end pipeline early); the model then drops into a path that already
  works, and its deployment takes a week less.
* Without quality checks, a data problem is found late (during modelling)
  with chance ``p_data_bug_without_checks`` and costs rework.
* After launch the world changes once (**drift**, as in lesson 5: prices
  rise, sessions fall) and the pipeline breaks now and then (**pipeline
  faults**, a column arrives empty). Drift halves what the model adds over
  random calls until it is retrained; a silent fault cuts it to a fifth until
  fixed. Quality checks stop faults at the pipeline. How fast a problem is
  noticed depends on monitoring alerts (the ML engineer) or, failing that, on
  a business-metric dashboard (the product manager's metrics first).
* The same ``seed`` gives the same luck (when drift comes, when faults come,
  whether a late data problem appears) whatever the decisions, so two sets of
  decisions can be compared fairly.

Where the ideas come from: M. Zinkevich, *Rules of Machine Learning*;
Google *People + AI Guidebook*; Full Stack Deep Learning (2022); Google
Cloud, *MLOps: Continuous delivery and automation pipelines in machine
learning*; D. Sculley et al., *Hidden Technical Debt in Machine Learning
Systems* (NeurIPS 2015), on monitoring; Booking.com (Bernardi et al., KDD
2019) on measuring business effect; Nahar et al. (ICSE 2022) on data-quality
handoffs.

Example
-------
>>> outcome = simulate_project(Decisions(), seed=0)
>>> outcome.launch_week
23
>>> shortcuts = simulate_project(SHORTCUTS, seed=0)
>>> outcome.summary["net_value_eur"] > shortcuts.summary["net_value_eur"]
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from mlteam_utils.simulations._checks import (
    check_count,
    check_fraction_open,
    check_non_negative,
    check_probability,
    check_seed,
)
from mlteam_utils.simulations._style import OKABE_ITO, REFERENCE_GREY, new_axes

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "DECISION_LABELS",
    "DECISION_OWNERS",
    "MONITORING_PLANS",
    "RULE_DESCRIPTION",
    "SHORTCUTS",
    "CaseAssumptions",
    "Decisions",
    "ProjectOutcome",
    "break_even_probability",
    "campaign_metrics",
    "compare_decisions",
    "option_effects",
    "plot_project",
    "project_story",
    "rule_flags",
    "score_bands",
    "simulate_project",
]

MONITORING_PLANS: dict[str, str] = {
    "none": "no monitoring",
    "alerts": "drift and missing-value alerts; retraining by hand",
    "alerts_and_retraining": "alerts plus automated retraining (Google's MLOps level 1)",
}
"""The ML engineer's options: key -> what it means."""

DECISION_OWNERS: dict[str, str] = {
    "metrics_first": "product_manager",
    "launch_rule_first": "product_manager",
    "quality_checks": "data_engineer",
    "baseline_first": "data_scientist",
    "threshold": "product_manager",
    "monitoring": "ml_engineer",
}
"""Decision -> the role that owns it (role ids of the course, see ``domain.roles()``)."""

DECISION_LABELS: dict[str, str] = {
    "metrics_first": "Measure the business metric before building",
    "launch_rule_first": "Launch a simple rule first, without ML",
    "quality_checks": "Add automated data-quality checks",
    "baseline_first": "Simple baseline and simple first model",
    "threshold": "Lowest churn probability called",
    "monitoring": "Monitoring and retraining plan",
}
"""Decision -> a short label for tables and widgets."""

RULE_DESCRIPTION = "call customers with at least 2 support tickets in the last 90 days"
"""The simple rule that can launch without ML."""


@dataclass(frozen=True)
class Decisions:
    """One key decision per role; the defaults follow the course's sources.

    >>> Decisions(threshold=0.4).monitoring
    'alerts_and_retraining'
    >>> Decisions().threshold  # the break-even churn probability: a call costs 20, saves 25% of 400
    0.2
    >>> Decisions(monitoring="weekly")
    Traceback (most recent call last):
    ...
    ValueError: monitoring must be one of 'none', 'alerts', 'alerts_and_retraining', got 'weekly'
    >>> Decisions(quality_checks="yes")
    Traceback (most recent call last):
    ...
    ValueError: quality_checks must be True or False, got 'yes'
    """

    metrics_first: bool = True
    launch_rule_first: bool = True
    quality_checks: bool = True
    baseline_first: bool = True
    threshold: float = 0.2
    monitoring: str = "alerts_and_retraining"

    def __post_init__(self) -> None:
        for name in ("metrics_first", "launch_rule_first", "quality_checks", "baseline_first"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {value!r}")
            object.__setattr__(self, name, bool(value))
        threshold = check_probability("threshold", self.threshold)
        if not 0.05 <= threshold <= 0.95:
            raise ValueError(f"threshold must be between 0.05 and 0.95, got {self.threshold!r}")
        object.__setattr__(self, "threshold", threshold)
        if self.monitoring not in MONITORING_PLANS:
            allowed = ", ".join(repr(k) for k in MONITORING_PLANS)
            raise ValueError(f"monitoring must be one of {allowed}, got {self.monitoring!r}")

    def to_dict(self) -> dict[str, Any]:
        """The decisions as a plain dict.

        >>> Decisions().to_dict()["threshold"]
        0.2
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}


SHORTCUTS = Decisions(
    metrics_first=False,
    launch_rule_first=False,
    quality_checks=False,
    baseline_first=False,
    threshold=0.5,
    monitoring="none",
)
"""Every role takes the shortcut: no metric, no rule, no checks, complex model first, no monitoring."""


@dataclass(frozen=True)
class CaseAssumptions:
    """The teaching model's knobs; every default is an illustrative assumption.

    >>> CaseAssumptions(save_rate=1.5)
    Traceback (most recent call last):
    ...
    ValueError: save_rate must be between 0 and 1, got 1.5
    """

    customers: int = 20_000
    customer_value_eur: float = 400.0
    call_cost_eur: float = 20.0
    save_rate: float = 0.25
    call_capacity_share: float = 0.3125
    person_week_eur: float = 2_000.0
    horizon_weeks: int = 78
    p_data_bug_without_checks: float = 0.6
    p_data_bug_with_checks: float = 0.1
    data_bug_rework_weeks: int = 3
    faults_per_year: float = 2.0
    drift_health: float = 0.5
    fault_health: float = 0.2

    def __post_init__(self) -> None:
        check_count("customers", self.customers, minimum=1)
        for name in ("customer_value_eur", "call_cost_eur", "person_week_eur", "faults_per_year"):
            check_non_negative(name, getattr(self, name))
        for name in ("save_rate", "p_data_bug_without_checks", "p_data_bug_with_checks", "drift_health",
                     "fault_health"):
            check_probability(name, getattr(self, name))
        check_fraction_open("call_capacity_share", self.call_capacity_share)
        check_count("horizon_weeks", self.horizon_weeks, minimum=20, maximum=520)
        check_count("data_bug_rework_weeks", self.data_bug_rework_weeks, minimum=0, maximum=52)


# ---------------------------------------------------------------- the campaign


def _test_set(test_set: pd.DataFrame | None) -> pd.DataFrame:
    if test_set is None:
        from mlteam_utils.domain import load_dataset

        return load_dataset("churn_sample")
    missing = {"churned", "churn_probability", "support_tickets_90d"} - set(test_set.columns)
    if missing:
        raise ValueError(f"test_set lacks the columns {sorted(missing)}")
    if len(test_set) == 0:
        raise ValueError("test_set has no rows")
    return test_set


def rule_flags(test_set: pd.DataFrame) -> pd.Series:
    """Which customers the simple rule calls: at least 2 support tickets in 90 days.

    >>> import pandas as pd
    >>> rule_flags(pd.DataFrame({"support_tickets_90d": [0, 2, 5]})).tolist()
    [False, True, True]
    """
    return test_set["support_tickets_90d"] >= 2


def break_even_probability(assumptions: CaseAssumptions | None = None) -> float:
    """The churn probability above which a retention call pays for itself.

    A call costs ``call_cost_eur`` and keeps a leaving customer with chance
    ``save_rate``, worth ``customer_value_eur``: it pays when the chance that
    the customer leaves is above cost / (save rate x value).

    >>> break_even_probability()
    0.2
    >>> break_even_probability(CaseAssumptions(call_cost_eur=15, save_rate=0.3, customer_value_eur=250))
    0.2
    """
    a = CaseAssumptions() if assumptions is None else assumptions
    gain = a.save_rate * a.customer_value_eur
    return round(a.call_cost_eur / gain, 10) if gain > 0 else 1.0


def campaign_metrics(
    test_set: pd.DataFrame | None = None,
    threshold: float | None = 0.2,
    assumptions: CaseAssumptions | None = None,
) -> dict[str, float]:
    """What a month of retention calls looks like on the test set.

    The model **ranks** the customers whose churn probability is at or above
    ``threshold`` (the flagged ones), and the team calls from the top of that
    ranking until its capacity (``call_capacity_share``) is used up: capacity
    sets how many are called, the threshold stops the list early.
    ``threshold=None`` scores the simple rule instead (no ranking: the team
    calls its flagged customers in no particular order, on average reaching
    the same share of churners among them). Returns the share of customers
    flagged and called, precision and recall of the calls, the accuracy of the
    flags, the lowest score called, and the net value of a month's calls for
    all ``assumptions.customers`` (``value_eur``).

    >>> m = campaign_metrics(threshold=0.2)
    >>> m["over_capacity"], round(m["called_share"], 4), round(m["precision"], 3), m["value_eur"]
    (True, 0.3125, 0.384, 115000.0)
    >>> campaign_metrics(threshold=0.1)["value_eur"] == m["value_eur"]  # capacity ends the list first
    True
    >>> m = campaign_metrics(threshold=0.5)
    >>> m["over_capacity"], round(m["recall"], 3), m["value_eur"]
    (False, 0.263, 68000.0)
    >>> round(campaign_metrics(threshold=None)["recall"], 3)
    0.287
    """
    a = CaseAssumptions() if assumptions is None else assumptions
    data = _test_set(test_set)
    churned = data["churned"].astype(bool).to_numpy()
    n = len(data)
    capacity = math.floor(a.call_capacity_share * n)
    if threshold is None:
        flagged = rule_flags(data).to_numpy()
        n_flagged = int(flagged.sum())
        n_called = min(n_flagged, capacity)
        # the rule gives no order: on average the same share of churners among those called
        hits = int((flagged & churned).sum()) * n_called / n_flagged if n_flagged else 0.0
        lowest_score = float("nan")
    else:
        threshold = check_probability("threshold", threshold)
        scores = data["churn_probability"].astype(float).to_numpy()
        flagged = scores >= threshold
        n_flagged = int(flagged.sum())
        n_called = min(n_flagged, capacity)
        ranked = np.argsort(-scores, kind="stable")  # highest first; ties keep the test set's order
        called = ranked[:n_called]  # every flagged customer ranks above every unflagged one
        hits = float(churned[called].sum())
        lowest_score = float(scores[called].min()) if n_called else float("nan")
    value_per_customer = (hits * a.save_rate * a.customer_value_eur - n_called * a.call_cost_eur) / n
    return {
        "flagged_share": float(flagged.mean()),
        "called_share": n_called / n,
        "over_capacity": n_flagged > capacity,
        "lowest_score_called": lowest_score,
        "precision": hits / n_called if n_called else 0.0,
        "recall": hits / int(churned.sum()) if churned.any() else 0.0,
        "accuracy": float((flagged == churned).mean()),
        "baseline_accuracy": float(max(churned.mean(), 1 - churned.mean())),
        "random_hits_share": float(churned.mean()) * n_called / n,
        "hits_share": hits / n,
        "value_eur": value_per_customer * a.customers,
    }


def score_bands(
    test_set: pd.DataFrame | None = None,
    edges: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0),
    assumptions: CaseAssumptions | None = None,
) -> pd.DataFrame:
    """Customers by band of churn probability: how many, how many left, what a call is worth.

    ``call_value_eur`` is the average net value of one call to a customer of
    the band: the share who really left x save rate x customer value, minus
    the cost of the call. It turns positive where the share who left passes
    :func:`break_even_probability`.

    >>> bands = score_bands()
    >>> int(bands["customers"].sum()), int(bands["left"].sum())
    (400, 80)
    >>> bands["call_value_eur"].round(1).tolist()
    [-14.2, -4.0, 2.0, 4.5, 16.1, 36.8]
    """
    import pandas as pd

    a = CaseAssumptions() if assumptions is None else assumptions
    data = _test_set(test_set)
    scores = data["churn_probability"].astype(float)
    churned = data["churned"].astype(bool)
    bounds = [float(e) for e in edges]
    if len(bounds) < 2 or any(lo >= hi for lo, hi in zip(bounds, bounds[1:])):
        raise ValueError(f"edges must rise, with at least two values, got {list(edges)!r}")
    rows = []
    for lo, hi in zip(bounds, bounds[1:]):
        last = hi == bounds[-1]
        inside = (scores >= lo) & ((scores <= hi) if last else (scores < hi))
        count, left = int(inside.sum()), int((inside & churned).sum())
        share = left / count if count else float("nan")
        rows.append({"band": f"{lo:.1f}–{hi:.1f}", "customers": count, "left": left, "share_left": share,
                     "call_value_eur": share * a.save_rate * a.customer_value_eur - a.call_cost_eur})
    return pd.DataFrame(rows).set_index("band")


def _value_at_health(metrics: Mapping[str, float], health: float, a: CaseAssumptions) -> float:
    """Monthly value when the model keeps only ``health`` of what it adds over random calls."""
    hits = metrics["random_hits_share"] + health * (metrics["hits_share"] - metrics["random_hits_share"])
    per_customer = hits * a.save_rate * a.customer_value_eur - metrics["called_share"] * a.call_cost_eur
    return per_customer * a.customers


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Luck:
    """Every random draw of one run, made up front so decisions share the same luck."""

    data_bug: float
    modelling_extra_weeks: int
    drift_after_launch: int
    fault_times: tuple[float, ...]  # weeks from the start; only those after launch happen


def _draw_luck(seed: int | None, a: CaseAssumptions) -> _Luck:
    rng = np.random.default_rng(seed)
    data_bug = float(rng.random())
    extra = int(rng.integers(0, 4))
    drift = int(rng.integers(8, 31))
    count = int(rng.poisson(a.faults_per_year * a.horizon_weeks / 52))
    times = tuple(sorted(float(t) for t in rng.uniform(0, a.horizon_weeks, size=count)))
    return _Luck(data_bug, extra, drift, times)


# (phase, owner, people by role) ; weeks come from the decisions
_ARTIFACTS: dict[str, str] = {
    "framing": "problem statement with the success metric",
    "rule": "the rule live through the end-to-end path the model will use (the baseline to beat)",
    "data": "cleaned feature table (with quality checks if chosen)",
    "modelling": "candidate model and an evaluation report against the baseline",
    "evaluation": "launch decision with the agreed threshold",
    "deployment": "model service, training pipeline and monitoring",
}
_OWNERS: dict[str, str] = {
    "framing": "product_manager",
    "rule": "ml_engineer",
    "data": "data_engineer",
    "modelling": "data_scientist",
    "evaluation": "product_manager",
    "deployment": "ml_engineer",
}


def _phases(d: Decisions, a: CaseAssumptions, luck: _Luck) -> list[dict[str, Any]]:
    p_bug = a.p_data_bug_with_checks if d.quality_checks else a.p_data_bug_without_checks
    data_bug = luck.data_bug < p_bug
    plan: list[tuple[str, int, dict[str, float], str]] = [
        ("framing", 2 + d.metrics_first,
         {"product_manager": 1, "data_scientist": 0.5, "data_analyst": 0.5 if d.metrics_first else 0}, ""),
        ("data", 4 + 2 * d.quality_checks + (a.data_bug_rework_weeks if data_bug else 0),
         {"data_engineer": 2, "data_scientist": 0.5},
         "a data problem found late, during modelling: rework" if data_bug else ""),
        ("modelling", (5 if d.baseline_first else 8) + luck.modelling_extra_weeks,
         {"data_scientist": 2, "ml_engineer": 0.5}, ""),
        ("evaluation", 2, {"data_scientist": 1, "product_manager": 0.5, "domain_expert": 0.5}, ""),
        ("deployment", 3 - d.launch_rule_first + (0 if d.baseline_first else 2)
         + {"none": 0, "alerts": 1, "alerts_and_retraining": 3}[d.monitoring],
         {"ml_engineer": 2, "data_engineer": 0.5}, ""),
    ]
    rows, week = [], 0
    for name, weeks, people, note in plan:
        rows.append({"phase": name, "owner": _OWNERS[name], "start_week": week, "end_week": week + weeks,
                     "weeks": weeks, "person_weeks": weeks * sum(people.values()),
                     "hands_over": _ARTIFACTS[name], "note": note})
        week += weeks
        if name == "framing" and d.launch_rule_first:
            # the ML engineer and the data engineer build the end-to-end path with the rule in it,
            # alongside the data work and off the critical path
            rows.append({"phase": "rule", "owner": _OWNERS["rule"], "start_week": week, "end_week": week + 2,
                         "weeks": 2, "person_weeks": 2 * 1.5, "hands_over": _ARTIFACTS["rule"], "note": ""})
    return rows


# ---------------------------------------------------------------- after launch

_DETECTION_WEEKS = {  # how long a problem goes unnoticed: (alerts, business dashboard only, neither)
    "drift": (1, 6, 16),
    "fault": (1, 3, 12),
}


def _detection(kind: str, d: Decisions) -> tuple[int, str]:
    alerts, dashboard, neither = _DETECTION_WEEKS[kind]
    if d.monitoring != "none":
        return alerts, "monitoring alert (ML engineer)"
    if d.metrics_first:
        return dashboard, "business-metric dashboard (product manager, data analyst)"
    return neither, "complaints from the retention team"


def _incidents(d: Decisions, a: CaseAssumptions, luck: _Luck, launch: int) -> list[dict[str, Any]]:
    end = a.horizon_weeks
    events: list[dict[str, Any]] = []
    drift_week = launch + luck.drift_after_launch
    if drift_week < end:
        delay, noticed_by = _detection("drift", d)
        fix = 1 if d.monitoring == "alerts_and_retraining" else 3
        events.append({
            "week": drift_week, "kind": "drift (prices rose, sessions fell)", "noticed_by": noticed_by,
            "fixed_by": "automated retraining" if fix == 1 else "retraining by hand (data scientist, ML engineer)",
            "weeks_degraded": delay + fix, "health": a.drift_health,
            "person_weeks": 0.5 if fix == 1 else 4.0,
        })
    for when in luck.fault_times:
        week = int(when)
        if week <= launch:  # no model in production yet
            continue
        if d.quality_checks:
            events.append({
                "week": week, "kind": "pipeline fault (a column arrives empty)",
                "noticed_by": "data-quality check stops the pipeline", "fixed_by": "data engineer",
                "weeks_degraded": 1, "health": 0.9, "person_weeks": 0.5,
            })
        else:
            delay, noticed_by = _detection("fault", d)
            events.append({
                "week": week, "kind": "pipeline fault (a column arrives empty)", "noticed_by": noticed_by,
                "fixed_by": "data engineer", "weeks_degraded": delay + 1, "health": a.fault_health,
                "person_weeks": 2.0,
            })
    return sorted(events, key=lambda e: e["week"])


@dataclass(frozen=True)
class ProjectOutcome:
    """What followed from one set of decisions.

    ``phases``: one row per phase (owner, weeks, person-weeks, what it hands
    over). ``weekly``: one row per week of the horizon (what is live, the
    model's health, value in euros). ``incidents``: problems after launch.
    ``summary``: the headline numbers. ``model``: the model's campaign
    metrics at the chosen threshold (see :func:`campaign_metrics`).
    """

    decisions: Decisions
    assumptions: CaseAssumptions
    seed: int | None
    launch_week: int
    rule_week: int | None
    model: dict[str, float]
    phases: pd.DataFrame = field(repr=False)
    weekly: pd.DataFrame = field(repr=False)
    incidents: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(repr=False)


def simulate_project(
    decisions: Decisions | None = None,
    assumptions: CaseAssumptions | None = None,
    seed: int | None = 0,
    test_set: pd.DataFrame | None = None,
) -> ProjectOutcome:
    """Run the case study once; the same ``seed`` gives the same luck for any decisions.

    >>> o = simulate_project(Decisions(monitoring="none"), seed=1)
    >>> list(o.phases["phase"])
    ['framing', 'rule', 'data', 'modelling', 'evaluation', 'deployment']
    >>> o.summary["weeks_to_launch"] == o.launch_week
    True
    >>> simulate_project(seed=-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a whole number >= 0, got -1
    """
    import pandas as pd

    d, a, seed = _checked(decisions, assumptions, seed)
    data = _test_set(test_set)
    run = _simulate(d, a, _draw_luck(seed, a), campaign_metrics(data, d.threshold, a), campaign_metrics(data, None, a))
    weekly = pd.DataFrame({"week": np.arange(a.horizon_weeks), "live": run["live"], "model_health": run["health"],
                           "value_eur": run["value"]})
    incidents = pd.DataFrame(run["incidents"], columns=["week", "kind", "noticed_by", "fixed_by", "weeks_degraded",
                                                        "health", "person_weeks", "value_lost_eur"])
    return ProjectOutcome(d, a, seed, run["launch"], run["rule_week"], run["model"], pd.DataFrame(run["phases"]),
                          weekly, incidents, run["summary"])


def _checked(decisions: Decisions | None, assumptions: CaseAssumptions | None,
             seed: int | None) -> tuple[Decisions, CaseAssumptions, int | None]:
    d = Decisions() if decisions is None else decisions
    a = CaseAssumptions() if assumptions is None else assumptions
    if not isinstance(d, Decisions):
        raise ValueError(f"decisions must be a Decisions, got {d!r}")
    if not isinstance(a, CaseAssumptions):
        raise ValueError(f"assumptions must be a CaseAssumptions, got {a!r}")
    return d, a, check_seed(seed)


def _simulate(d: Decisions, a: CaseAssumptions, luck: _Luck, model: dict[str, float],
              rule: dict[str, float]) -> dict[str, Any]:
    """One run in plain Python and numpy (no pandas), so comparisons over many runs stay fast."""
    phases = _phases(d, a, luck)
    by_name = {row["phase"]: row for row in phases}
    launch = int(by_name["deployment"]["end_week"])
    if launch >= a.horizon_weeks:
        raise ValueError(f"horizon_weeks ({a.horizon_weeks}) must be longer than the {launch} weeks to launch")
    rule_week = int(by_name["rule"]["end_week"]) if d.launch_rule_first else None
    incidents = _incidents(d, a, luck, launch)

    weeks = np.arange(a.horizon_weeks)
    health = np.ones(a.horizon_weeks)
    for event in incidents:
        start, stop = event["week"], min(event["week"] + event["weeks_degraded"], a.horizon_weeks)
        health[start:stop] = np.minimum(health[start:stop], event["health"])
    live = np.where(weeks >= launch, "model", "none")
    if rule_week is not None:
        live = np.where((weeks >= rule_week) & (weeks < launch), "rule", live)
    per_week = 12 / 52
    value = np.zeros(a.horizon_weeks)
    value[live == "rule"] = rule["value_eur"] * per_week
    model_weeks = live == "model"
    value[model_weeks] = [_value_at_health(model, h, a) * per_week for h in health[model_weeks]]
    degraded_weeks = int(np.sum(health[model_weeks] < 1.0))
    health[~model_weeks] = np.nan

    healthy_week = model["value_eur"] * per_week
    for event in incidents:
        stop = min(event["week"] + event["weeks_degraded"], a.horizon_weeks)
        event["value_lost_eur"] = (stop - event["week"]) * (
            healthy_week - _value_at_health(model, event["health"], a) * per_week)

    upkeep_per_week = {"none": 0.0, "alerts": 0.2, "alerts_and_retraining": 0.1}[d.monitoring]
    run_person_weeks = upkeep_per_week * (a.horizon_weeks - launch) + sum(e["person_weeks"] for e in incidents)
    build_cost = sum(row["person_weeks"] for row in phases) * a.person_week_eur
    run_cost = run_person_weeks * a.person_week_eur
    total_value = float(value.sum())
    summary = {
        "weeks_to_launch": launch,
        "first_value_week": rule_week if rule_week is not None else launch,
        "build_cost_eur": float(build_cost),
        "run_cost_eur": float(run_cost),
        "precision": model["precision"],
        "recall": model["recall"],
        "called_share": model["called_share"],
        "over_capacity": model["over_capacity"],
        "value_eur": total_value,
        "net_value_eur": total_value - build_cost - run_cost,
        "incidents": len(incidents),
        "weeks_degraded": degraded_weeks,
        "value_lost_eur": float(sum(e["value_lost_eur"] for e in incidents)),
        "noticed_late": sum(e["noticed_by"].startswith(("complaints", "business")) for e in incidents),
        "effect_measured": d.metrics_first,
    }
    return {"phases": phases, "launch": launch, "rule_week": rule_week, "model": model, "incidents": incidents,
            "live": live, "health": health, "value": value, "summary": summary}


# ---------------------------------------------------------------- comparisons

_SUMMARY_COLUMNS = ("weeks_to_launch", "first_value_week", "build_cost_eur", "precision", "recall",
                    "incidents", "weeks_degraded", "value_eur", "net_value_eur", "effect_measured")


def compare_decisions(
    options: Mapping[str, Decisions],
    assumptions: CaseAssumptions | None = None,
    seed: int = 0,
    runs: int = 1,
) -> pd.DataFrame:
    """One row per labelled set of decisions, with the same luck for all.

    With ``runs`` > 1 every set is simulated with the seeds ``seed`` to
    ``seed + runs - 1`` and the numbers are averages over those runs.

    >>> table = compare_decisions({"sources": Decisions(), "shortcuts": SHORTCUTS})
    >>> list(table.index), bool(table.loc["sources", "weeks_degraded"] < table.loc["shortcuts", "weeks_degraded"])
    (['sources', 'shortcuts'], True)
    >>> compare_decisions({"sources": Decisions()}, runs=0)
    Traceback (most recent call last):
    ...
    ValueError: runs must be a whole number from 1 to 1000, got 0
    """
    import pandas as pd

    if not options:
        raise ValueError("options must name at least one set of decisions")
    if seed is None:
        raise ValueError("seed must be a whole number >= 0 for a comparison, got None")
    check_seed(seed)
    runs = check_count("runs", runs, minimum=1, maximum=1000)
    test_set = _test_set(None)
    a = CaseAssumptions() if assumptions is None else assumptions
    lucks = [_draw_luck(seed + k, a) for k in range(runs)]
    rule = campaign_metrics(test_set, None, a)
    rows = {}
    for label, decisions in options.items():
        d, a, _ = _checked(decisions, a, seed)
        model = campaign_metrics(test_set, d.threshold, a)
        summaries = [_simulate(d, a, luck, model, rule)["summary"] for luck in lucks]
        rows[label] = {
            column: (summaries[0][column] if column == "effect_measured"
                     else float(np.mean([s[column] for s in summaries])) if runs > 1 else summaries[0][column])
            for column in _SUMMARY_COLUMNS
        }
    return pd.DataFrame.from_dict(rows, orient="index")


_OPTIONS: dict[str, tuple[Any, ...]] = {
    "metrics_first": (True, False),
    "launch_rule_first": (True, False),
    "quality_checks": (True, False),
    "baseline_first": (True, False),
    "threshold": (0.1, 0.2, 0.3, 0.4, 0.5),
    "monitoring": tuple(MONITORING_PLANS),
}


def option_effects(
    decisions: Decisions,
    name: str,
    options: Sequence[Any] | None = None,
    assumptions: CaseAssumptions | None = None,
    seed: int = 0,
    runs: int = 1,
) -> pd.DataFrame:
    """What each option of one decision leads to, every other decision kept as it is.

    ``runs`` > 1 averages over that many seeds (see :func:`compare_decisions`).

    >>> table = option_effects(Decisions(), "quality_checks")
    >>> list(table.index)
    ['yes', 'no']
    >>> option_effects(Decisions(), "budget")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'metrics_first', 'launch_rule_first', 'quality_checks', 'baseline_first', 'threshold', 'monitoring', got 'budget'
    """
    if name not in _OPTIONS:
        allowed = ", ".join(repr(k) for k in _OPTIONS)
        raise ValueError(f"name must be one of {allowed}, got {name!r}")
    if not isinstance(decisions, Decisions):
        raise ValueError(f"decisions must be a Decisions, got {decisions!r}")
    choices = list(_OPTIONS[name] if options is None else options)
    labels = [_option_label(name, choice) for choice in choices]
    table = compare_decisions(
        {label: replace(decisions, **{name: choice}) for label, choice in zip(labels, choices, strict=True)},
        assumptions, seed, runs,
    )
    table.index.name = DECISION_LABELS[name]
    return table


def _option_label(name: str, choice: Any) -> str:
    if isinstance(choice, bool):
        return "yes" if choice else "no"
    if name == "threshold":
        return f"{float(choice):.2f}"
    return str(choice)


# ---------------------------------------------------------------- the story

_STORY: tuple[tuple[str, str, str, str], ...] = (
    ("1. Idea and framing", "product_manager", "metrics_first",
     "problem statement: fewer cancellations, measured as customers kept and the value of retention calls"),
    ("2. Launch without ML", "product_manager", "launch_rule_first",
     f"a rule in production ({RULE_DESCRIPTION}), the baseline any model must beat"),
    ("3. Data", "data_engineer", "quality_checks", "cleaned feature table, refreshed daily"),
    ("4. Modelling", "data_scientist", "baseline_first",
     "candidate model with an evaluation report against the baseline"),
    ("5. Launch decision", "product_manager", "threshold",
     "launch decision: how many calls a month, and the lowest churn probability worth a call"),
    ("6. Deployment and monitoring", "ml_engineer", "monitoring",
     "model service, training pipeline, alerts and retrained versions"),
)


def project_story(decisions: Decisions | None = None) -> pd.DataFrame:
    """Who decides what at each step, what they chose, and what they hand on.

    >>> project_story().loc[:, "owner"].tolist()
    ['product_manager', 'product_manager', 'data_engineer', 'data_scientist', 'product_manager', 'ml_engineer']
    """
    import pandas as pd

    d = Decisions() if decisions is None else decisions
    rows = []
    for step, owner, name, artifact in _STORY:
        value = getattr(d, name)
        chosen = MONITORING_PLANS[value] if name == "monitoring" else _option_label(name, value)
        rows.append({"step": step, "owner": owner, "decision": DECISION_LABELS[name], "chosen": chosen,
                     "hands_over": artifact})
    return pd.DataFrame(rows).set_index("step")


# ---------------------------------------------------------------- plot


def plot_project(outcome: ProjectOutcome, ax: Axes | None = None) -> Axes:
    """Value of the retention calls week by week, with launches and incidents marked.

    >>> from matplotlib.figure import Figure
    >>> ax = plot_project(simulate_project(), ax=Figure().add_subplot())
    >>> ax.get_xlabel()
    'week from the start of the project'
    """
    ax = new_axes(ax)
    weekly = outcome.weekly
    thousands = weekly["value_eur"] / 1000
    ax.step(weekly["week"], thousands, where="post", color=OKABE_ITO[4], linewidth=2, label="value of the calls")
    for _, event in outcome.incidents.iterrows():
        is_drift = event["kind"].startswith("drift")
        ax.axvspan(event["week"], event["week"] + event["weeks_degraded"], color=OKABE_ITO[5 if is_drift else 0],
                   alpha=0.35, hatch="//" if is_drift else "..", linewidth=0)
    if outcome.rule_week is not None:
        ax.axvline(outcome.rule_week, color=REFERENCE_GREY, linestyle=":", linewidth=1.5)
        ax.text(outcome.rule_week + 0.5, ax.get_ylim()[1] * 0.02, "rule live", fontsize=8, rotation=90,
                va="bottom")
    ax.axvline(outcome.launch_week, color=REFERENCE_GREY, linestyle="--", linewidth=1.5)
    ax.text(outcome.launch_week + 0.5, ax.get_ylim()[1] * 0.02, "model live", fontsize=8, rotation=90, va="bottom")
    from matplotlib.patches import Patch

    handles = [ax.get_lines()[0],
               Patch(facecolor=OKABE_ITO[5], alpha=0.35, hatch="//", label="drift until fixed"),
               Patch(facecolor=OKABE_ITO[0], alpha=0.35, hatch="..", label="pipeline fault until fixed")]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    ax.set_xlim(0, outcome.assumptions.horizon_weeks)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("week from the start of the project")
    ax.set_ylabel("value per week (thousand EUR)")
    ax.set_title("Teaching model, not a forecast: value of the retention calls", fontsize=10)
    return ax
