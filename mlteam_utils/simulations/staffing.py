"""Staffing simulation: who turns data into models that stay in production.

This is a **teaching model**, not a workforce-planning tool. It follows a team
quarter by quarter and shows where work piles up. Quantities are averages, so
fractions of models appear; read them as "about this many".

Assumptions (each is a field of :class:`StaffingAssumptions`)
-------------------------------------------------------------
* **Data engineers** deliver ``datasets_per_engineer`` usable datasets each per
  quarter, on top of an initial stock, and stop when ``dataset_buffer``
  unused datasets are waiting. Nobody else creates usable datasets: with no
  data engineers, work stops once the initial stock is used up.
* **Data scientists** turn one dataset into one candidate model ("proof of
  concept") per ``1 / models_per_scientist`` quarters of modelling time.
* Not every proof of concept should ship: only ``worth_deploying_share`` of
  them earn a place in production; the rest are **stopped on purpose** after
  their evaluation, as lesson 1 says many approaches should be (roughly half
  ship by default, the order of Gartner's surveys, which found 53-54% of AI
  projects moving from pilot to production). Only the ones worth deploying
  wait for engineers: ``poc_backlog`` counts those **stuck**, not the ones
  stopped on purpose (``stopped_on_purpose``).
* One data engineer supports ``scientists_per_data_engineer`` data scientists.
  With fewer, each scientist loses up to ``wrangling_share`` of their time to
  data wrangling (in proportion to the shortfall).
* **ML engineers** first keep production models running (``upkeep_effort``
  engineer-quarters per model per quarter: monitoring, retraining, fixes),
  then deploy candidates from the backlog (``deploy_effort`` engineer-quarters
  each). Both efforts fall with the **MLOps maturity level** (Google's levels:
  0 manual, 1 ML pipeline automation, 2 CI/CD pipeline automation).
* **Too many hats**: when ML engineers cannot keep up, data scientists spend
  up to ``max_hat_share`` (at most half) of their remaining time on upkeep
  and deployment, at ``hat_penalty`` times the effort an ML engineer needs.
* A model is deployed only if someone can keep it running: the team never
  deploys more models than its ML engineers, plus the data scientists' hats,
  can maintain. Once that ceiling is reached, new candidates wait.
* ``variability`` > 0 adds quarter-to-quarter luck to data delivery and
  modelling output (the same luck for every team with one seed).

The default effort figures are illustrative, chosen so the mechanisms show;
they are not measurements. The 1 ML engineer per 10 (or 5) data scientists
ratio quoted in the course's seed text is **reported, unverified**: it is
attributed to Gartner, but no primary source could be found.

Where the ideas come from: MLOps maturity levels 0-2 from Google Cloud's
"MLOps: Continuous delivery and automation pipelines in machine learning";
data scientists wearing too many hats, and the ML engineer as the glue
between data science, data engineering and operations, from the course's
seed text; upkeep that grows with every model in production echoes Sculley
et al., "Hidden Technical Debt in Machine Learning Systems" (NeurIPS 2015).

Example
-------
>>> result = simulate_staffing(Team(data_engineers=3, data_scientists=10, ml_engineers=1))
>>> list(result.quarters.columns[:4])
['quarter', 'new_datasets', 'datasets_waiting', 'candidates_built']
>>> bool(result.quarters["poc_backlog"].iloc[-1] > result.quarters["models_in_production"].iloc[-1])
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlteam_utils.simulations._checks import (
    check_count,
    check_non_negative,
    check_positive,
    check_probability,
    check_seed,
)
from mlteam_utils.simulations._style import OKABE_ITO, REFERENCE_GREY, colour, new_axes

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "MATURITY_LEVELS",
    "REPORTED_RATIOS",
    "RATIO_CAVEAT",
    "StaffingAssumptions",
    "StaffingResult",
    "Team",
    "compare_reported_ratios",
    "plot_staffing",
    "plot_utilization",
    "ratio_label",
    "simulate_staffing",
    "simulate_teams",
    "staffing_summary",
]

MATURITY_LEVELS: dict[int, str] = {
    0: "manual process",
    1: "ML pipeline automation",
    2: "CI/CD pipeline automation",
}
"""Google's MLOps maturity levels, by number."""

RATIO_CAVEAT = "reported, unverified"
"""How the course labels the 1:10 and 1:5 ratios: no Gartner primary source was found."""

REPORTED_RATIOS: dict[str, float] = {
    f"1 ML engineer : 10 data scientists ({RATIO_CAVEAT})": 10.0,
    f"1 ML engineer : 5 data scientists ({RATIO_CAVEAT})": 5.0,
}
"""Label -> data scientists per ML engineer, as the seed text quotes them."""


def ratio_label(scientists_per_engineer: float) -> str:
    """Label for a 1:N ratio, always carrying the caveat.

    >>> ratio_label(10)
    '1 ML engineer : 10 data scientists (reported, unverified)'
    """
    return f"1 ML engineer : {scientists_per_engineer:g} data scientists ({RATIO_CAVEAT})"


@dataclass(frozen=True)
class Team:
    """Headcounts (fractions mean shared or part-time people) and MLOps maturity (0-2).

    >>> Team(data_engineers=2, data_scientists=8, ml_engineers=1, maturity=1).maturity_name
    'ML pipeline automation'
    >>> Team(data_engineers=-1)
    Traceback (most recent call last):
    ...
    ValueError: data_engineers must be a finite number >= 0, got -1
    """

    data_engineers: float = 3
    data_scientists: float = 10
    ml_engineers: float = 1
    maturity: int = 0

    def __post_init__(self) -> None:
        for name in ("data_engineers", "data_scientists", "ml_engineers"):
            check_non_negative(name, getattr(self, name))
        check_count("maturity", self.maturity, minimum=0, maximum=2)

    @property
    def maturity_name(self) -> str:
        """Google's name for the maturity level."""
        return MATURITY_LEVELS[self.maturity]


@dataclass(frozen=True)
class StaffingAssumptions:
    """The teaching model's knobs; every default is an illustrative assumption.

    ``deploy_effort`` and ``upkeep_effort`` give ML-engineer quarters at
    maturity 0, 1 and 2.

    >>> StaffingAssumptions(quarters=0)
    Traceback (most recent call last):
    ...
    ValueError: quarters must be a whole number from 1 to 400, got 0
    """

    quarters: int = 12
    initial_datasets: float = 6.0
    datasets_per_engineer: float = 1.5
    dataset_buffer: float = 10.0
    models_per_scientist: float = 0.5
    worth_deploying_share: float = 0.5
    scientists_per_data_engineer: float = 3.0
    wrangling_share: float = 0.4
    max_hat_share: float = 0.25
    hat_penalty: float = 3.0
    deploy_effort: tuple[float, float, float] = (0.5, 0.25, 0.1)
    upkeep_effort: tuple[float, float, float] = (0.25, 0.1, 0.04)
    variability: float = 0.0
    seed: int | None = 0

    def __post_init__(self) -> None:
        check_count("quarters", self.quarters, minimum=1, maximum=400)
        for name in ("initial_datasets", "datasets_per_engineer", "dataset_buffer", "variability"):
            check_non_negative(name, getattr(self, name))
        for name in ("models_per_scientist", "scientists_per_data_engineer"):
            check_positive(name, getattr(self, name))
        check_probability("wrangling_share", self.wrangling_share)
        check_probability("worth_deploying_share", self.worth_deploying_share)
        if not isinstance(self.max_hat_share, (int, float)) or not 0 <= self.max_hat_share <= 0.5:
            raise ValueError(f"max_hat_share must be between 0 and 0.5, got {self.max_hat_share!r}")
        if not isinstance(self.hat_penalty, (int, float)) or self.hat_penalty < 1:
            raise ValueError(f"hat_penalty must be a number >= 1, got {self.hat_penalty!r}")
        for name in ("deploy_effort", "upkeep_effort"):
            values = getattr(self, name)
            if len(values) != 3:
                raise ValueError(f"{name} must give 3 values (maturity 0, 1, 2), got {values!r}")
            for value in values:
                check_positive(name, value)
        check_seed(self.seed)


@dataclass(frozen=True)
class StaffingResult:
    """One team's quarters.

    ``quarters`` columns: ``quarter``; datasets (``new_datasets``,
    ``datasets_waiting``); models (``candidates_built``, ``deployed``,
    ``models_in_production``, ``poc_backlog``: worth deploying but stuck,
    ``stopped_on_purpose``: stopped after evaluation, so far); and time shares
    of each role, 0-1: ``de_busy``; ``ds_modelling``, ``ds_wrangling``,
    ``ds_engineering`` (the extra hats), ``ds_idle`` (no data to work on);
    ``mle_upkeep``, ``mle_deploying``, ``mle_idle``. Shares are NaN for a role
    with nobody in it.
    """

    team: Team
    assumptions: StaffingAssumptions
    quarters: pd.DataFrame = field(repr=False)

    def final(self, column: str) -> float:
        """Value of ``column`` in the last quarter."""
        return float(self.quarters[column].iloc[-1])


# Columns of the per-quarter table, in order.
_COLUMNS = (
    "new_datasets", "datasets_waiting", "candidates_built", "deployed",
    "models_in_production", "poc_backlog", "stopped_on_purpose",
    "de_busy", "ds_modelling", "ds_wrangling", "ds_engineering", "ds_idle",
    "mle_upkeep", "mle_deploying", "mle_idle",
)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, NaN where whole is 0 (a role with nobody in it)."""
    whole = np.broadcast_to(whole, np.shape(part))
    safe = np.where(whole > 0, whole, 1.0)
    return np.where(whole > 0, part / safe, np.nan)


def _run(teams: Sequence[Team], a: StaffingAssumptions) -> dict[str, np.ndarray]:
    """The quarter loop, vectorised over teams; arrays of shape (quarters, teams)."""
    de = np.array([t.data_engineers for t in teams], dtype=float)
    ds = np.array([t.data_scientists for t in teams], dtype=float)
    mle = np.array([t.ml_engineers for t in teams], dtype=float)
    level = np.array([t.maturity for t in teams], dtype=int)
    deploy = np.asarray(a.deploy_effort, dtype=float)[level]
    upkeep = np.asarray(a.upkeep_effort, dtype=float)[level]

    # Fixed per team: the data-wrangling hat, and how much time hats may take.
    needed_de = ds / a.scientists_per_data_engineer
    de_gap = np.clip(1.0 - _share(de, needed_de), 0.0, 1.0)
    de_gap = np.nan_to_num(de_gap, nan=0.0)
    wrangling = ds * a.wrangling_share * de_gap
    hat_budget = a.max_hat_share * (ds - wrangling)
    # Most models the team can keep running: ML engineers plus data scientists' hats.
    keepable = (mle + hat_budget / a.hat_penalty) / upkeep

    luck_data = luck_model = np.ones(a.quarters)
    if a.variability > 0:
        rng = np.random.default_rng(a.seed)
        luck_data = np.exp(a.variability * rng.standard_normal(a.quarters))
        luck_model = np.exp(a.variability * rng.standard_normal(a.quarters))

    n = len(teams)
    stock, backlog, production = np.full(n, a.initial_datasets), np.zeros(n), np.zeros(n)
    stopped = np.zeros(n)
    raw = {name: np.empty((a.quarters, n)) for name in _RAW}
    for q in range(a.quarters):
        # 1. Data engineers top up the stock of usable datasets.
        supply = de * a.datasets_per_engineer * luck_data[q]
        new = np.minimum(supply, np.maximum(a.dataset_buffer - stock, 0.0))
        stock = stock + new
        # 2. Upkeep of production models: ML engineers first, then data scientists' hats.
        demand = production * upkeep
        mle_upkeep = np.minimum(mle, demand)
        ds_upkeep = np.minimum(hat_budget, (demand - mle_upkeep) * a.hat_penalty)
        # 3. Deployments from the backlog, only as many as someone can keep running:
        #    ML engineers first, then data scientists' hats.
        room = np.maximum(keepable - production, 0.0)
        by_mle = np.minimum(np.minimum(backlog, room), (mle - mle_upkeep) / deploy)
        by_ds = np.minimum(np.minimum(backlog - by_mle, room - by_mle),
                           (hat_budget - ds_upkeep) / (deploy * a.hat_penalty))
        backlog = backlog - by_mle - by_ds
        production = production + by_mle + by_ds
        # 4. Modelling: whatever time is left, limited by the datasets available.
        modelling_time = ds - wrangling - ds_upkeep - by_ds * deploy * a.hat_penalty
        rate = a.models_per_scientist * luck_model[q]
        built = np.minimum(stock, modelling_time * rate)
        stock = stock - built
        # 5. Each proof of concept is evaluated: some are stopped on purpose, the rest wait to deploy.
        backlog = backlog + built * a.worth_deploying_share
        stopped = stopped + built * (1.0 - a.worth_deploying_share)
        for name, values in (
            ("supply", supply), ("new_datasets", new), ("datasets_waiting", stock), ("candidates_built", built),
            ("by_mle", by_mle), ("by_ds", by_ds), ("models_in_production", production), ("poc_backlog", backlog),
            ("stopped_on_purpose", stopped),
            ("mle_upkeep", mle_upkeep), ("ds_upkeep", ds_upkeep), ("modelling_time", modelling_time),
            ("modelling_used", np.minimum(modelling_time, built / rate)),
        ):
            raw[name][q] = values
    return _tabulate(raw, de=de, ds=ds, mle=mle, wrangling=wrangling, deploy=deploy, penalty=a.hat_penalty)


# Quantities the quarter loop records, before they become shares of time.
_RAW = (
    "supply", "new_datasets", "datasets_waiting", "candidates_built", "by_mle", "by_ds",
    "models_in_production", "poc_backlog", "stopped_on_purpose", "mle_upkeep", "ds_upkeep", "modelling_time",
    "modelling_used",
)


def _tabulate(raw: dict[str, np.ndarray], *, de: np.ndarray, ds: np.ndarray, mle: np.ndarray,
              wrangling: np.ndarray, deploy: np.ndarray, penalty: float) -> dict[str, np.ndarray]:
    """Turn the loop's records (quarters x teams) into the output columns, all at once."""
    ds_deploy = raw["by_ds"] * deploy * penalty
    mle_deploy = raw["by_mle"] * deploy
    return {
        "new_datasets": raw["new_datasets"],
        "datasets_waiting": raw["datasets_waiting"],
        "candidates_built": raw["candidates_built"],
        "deployed": raw["by_mle"] + raw["by_ds"],
        "models_in_production": raw["models_in_production"],
        "poc_backlog": raw["poc_backlog"],
        "stopped_on_purpose": raw["stopped_on_purpose"],
        "de_busy": _share(raw["new_datasets"], raw["supply"]),
        "ds_modelling": _share(raw["modelling_used"], ds),
        "ds_wrangling": _share(np.broadcast_to(wrangling, raw["supply"].shape), ds),
        "ds_engineering": _share(raw["ds_upkeep"] + ds_deploy, ds),
        "ds_idle": _share(raw["modelling_time"] - raw["modelling_used"], ds),
        "mle_upkeep": _share(raw["mle_upkeep"], mle),
        "mle_deploying": _share(mle_deploy, mle),
        "mle_idle": _share(mle - raw["mle_upkeep"] - mle_deploy, mle),
    }


def simulate_teams(teams: Sequence[Team], assumptions: StaffingAssumptions | None = None) -> list[StaffingResult]:
    """Simulate several teams at once (numpy works across teams, quarter by quarter).

    >>> small, big = simulate_teams([Team(ml_engineers=1), Team(ml_engineers=2)])
    >>> small.final("models_in_production") < big.final("models_in_production")
    True
    """
    import pandas as pd

    assumptions = StaffingAssumptions() if assumptions is None else assumptions
    if not isinstance(assumptions, StaffingAssumptions):
        raise ValueError(f"assumptions must be a StaffingAssumptions, got {assumptions!r}")
    teams = list(teams)
    for team in teams:
        if not isinstance(team, Team):
            raise ValueError(f"teams must hold Team objects, got {team!r}")
    if not teams:
        return []
    out = _run(teams, assumptions)  # columns of shape (quarters, teams)
    quarter = np.arange(1, assumptions.quarters + 1)
    results = []
    for i, team in enumerate(teams):
        table = pd.DataFrame({"quarter": quarter, **{name: out[name][:, i] for name in _COLUMNS}})
        results.append(StaffingResult(team, assumptions, table))
    return results


def simulate_staffing(team: Team, assumptions: StaffingAssumptions | None = None) -> StaffingResult:
    """Simulate one team over ``assumptions.quarters`` quarters.

    >>> r = simulate_staffing(Team(data_engineers=0), StaffingAssumptions(initial_datasets=4))
    >>> round(float(r.quarters["candidates_built"].sum()), 6)
    4.0
    """
    return simulate_teams([team], assumptions)[0]


def compare_reported_ratios(
    data_scientists: float = 10,
    data_engineers: float = 3,
    maturity: int = 0,
    assumptions: StaffingAssumptions | None = None,
) -> dict[str, StaffingResult]:
    """The same team with 1 ML engineer per 10 and per 5 data scientists (reported, unverified).

    >>> results = compare_reported_ratios()
    >>> [r.team.ml_engineers for r in results.values()]
    [1.0, 2.0]
    >>> all("reported, unverified" in label for label in results)
    True
    """
    teams = [
        Team(data_engineers, data_scientists, data_scientists / per_engineer, maturity)
        for per_engineer in REPORTED_RATIOS.values()
    ]
    return dict(zip(REPORTED_RATIOS, simulate_teams(teams, assumptions), strict=True))


def staffing_summary(results: Mapping[str, StaffingResult]) -> pd.DataFrame:
    """One row per team: where things stand at the end, and how time was spent on average.

    >>> staffing_summary(compare_reported_ratios()).columns.tolist()[:3]
    ['data_scientists', 'ml_engineers', 'maturity']
    """
    import pandas as pd

    rows = []
    for label, result in results.items():
        table = result.quarters
        rows.append(
            {
                "team": label,
                "data_scientists": result.team.data_scientists,
                "ml_engineers": result.team.ml_engineers,
                "maturity": result.team.maturity,
                "models_in_production": result.final("models_in_production"),
                "poc_backlog": result.final("poc_backlog"),
                "stopped_on_purpose": result.final("stopped_on_purpose"),
                "deployed_total": float(table["deployed"].sum()),
                "ds_engineering_share": float(table["ds_engineering"].mean()),
                "ds_wrangling_share": float(table["ds_wrangling"].mean()),
                "mle_busy_share": float(1.0 - table["mle_idle"].mean()),
            }
        )
    return pd.DataFrame(rows).set_index("team")


# ---------------------------------------------------------------- plots


def plot_staffing(results: StaffingResult | Mapping[str, StaffingResult], ax: Axes | None = None) -> Axes:
    """Models in production (solid) and stuck at proof of concept (dashed), per quarter.

    One colour per team; the legend, below the axes, names the teams.

    >>> from matplotlib.figure import Figure
    >>> ax = plot_staffing(compare_reported_ratios(), ax=Figure().add_subplot())
    >>> len(ax.get_lines()), len(ax.get_legend().get_texts())
    (4, 2)
    """
    if isinstance(results, StaffingResult):
        results = {"Team": results}
    ax = new_axes(ax)
    for i, (label, result) in enumerate(results.items()):
        table = result.quarters
        ax.plot(table["quarter"], table["models_in_production"], color=colour(i), linewidth=2,
                marker="o", markersize=3, label=label)
        ax.plot(table["quarter"], table["poc_backlog"], color=colour(i), linewidth=2, linestyle="--")
    ax.set_xlabel("quarter")
    ax.set_ylabel("models")
    ax.set_ylim(bottom=0)
    ax.set_title("Models in production (solid) vs stuck at proof of concept (dashed)\n"
                 "teaching model, not a forecast", fontsize=10)
    # One legend entry per team (legends are the slowest part of a redraw).
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, fontsize=8, frameon=False)
    return ax


# (column, category) per role; each category has one colour and hatch everywhere.
_UTILIZATION: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Data scientists", (("ds_modelling", "productive work"), ("ds_wrangling", "data wrangling hat"),
                         ("ds_engineering", "deploy/upkeep hat"), ("ds_idle", "idle"))),
    ("ML engineers", (("mle_deploying", "productive work"), ("mle_upkeep", "keeping models running"),
                      ("mle_idle", "idle"))),
    ("Data engineers", (("de_busy", "productive work"), ("de_idle", "idle"))),
)
_CATEGORY_STYLE: dict[str, tuple[str, str]] = {
    "productive work": (OKABE_ITO[2], ""),
    "keeping models running": (OKABE_ITO[1], "//"),
    "data wrangling hat": (OKABE_ITO[0], "xx"),
    "deploy/upkeep hat": (OKABE_ITO[3], "\\\\"),
    "idle": (REFERENCE_GREY, ".."),
}


def plot_utilization(result: StaffingResult, ax: Axes | None = None) -> Axes:
    """How each role spends its time, averaged over the quarters (stacked bars).

    >>> from matplotlib.figure import Figure
    >>> plot_utilization(simulate_staffing(Team()), ax=Figure().add_subplot()).get_xlabel()
    'share of time, averaged over all quarters'
    """
    ax = new_axes(ax)
    table = result.quarters
    means = {column: float(np.nan_to_num(table[column].mean())) for column in _COLUMNS}
    means["de_idle"] = 1.0 - means["de_busy"] if result.team.data_engineers > 0 else 0.0
    labelled: set[str] = set()
    for row, (_role, parts) in enumerate(_UTILIZATION):
        left = 0.0
        for column, category in parts:
            value = max(means[column], 0.0)
            fill, hatch = _CATEGORY_STYLE[category]
            ax.barh(row, value, left=left, color=fill, hatch=hatch, edgecolor="white", linewidth=0.5,
                    label=None if category in labelled else category)
            labelled.add(category)
            if value >= 0.08:
                ax.text(left + value / 2, row, f"{value:.0%}", ha="center", va="center", fontsize=8,
                        color="black", backgroundcolor="white")
            left += value
    ax.set_yticks(range(len(_UTILIZATION)), [role for role, _ in _UTILIZATION])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda value, _pos: f"{value:.0%}")
    ax.set_xlabel("share of time, averaged over all quarters")
    ax.set_title("Where each role's time goes", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=7, frameon=False)
    return ax
