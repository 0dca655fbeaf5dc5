"""Planning simulation: a Waterfall plan versus an ML plan built from experiments.

This is a **teaching model**, not a forecasting tool. It shows why a fixed
Waterfall schedule is a poor fit for ML work, where the open question is
whether any model can reach the agreed accuracy at all (feasibility), not what
to build. Every number in it is an assumption a lesson can change.

Assumptions
-----------
* A phase's real length is its estimate times a random factor whose median is 1
  (lognormal, ``spread`` is its sigma): half the phases overrun, and overruns
  are longer than underruns, so the sum of estimates is usually beaten less
  than half the time.
* Each approach (:class:`Experiment`) either *can* reach the agreed "good
  enough" accuracy threshold, with probability ``p_success``, or cannot. If it
  can, accuracy climbs as ``acc(t) = ceiling * (1 - exp(-t / tau))``: fast,
  then a plateau. If it cannot, its plateau lies between 80% and 98% of the
  threshold. ``tau`` is drawn around ``tau_weeks`` (lognormal, ``spread``).
* **Waterfall plan**: phases run in order; modelling lasts as long as the
  modelling phase does, and the model is checked against the threshold only at
  acceptance, after integration. The plan assumes the model works. When it
  falls short, the team reworks: modelling and integration again, with the
  next approach in the list.
* **ML plan**: approaches are tried one after another, each in a time-box; the
  team stops as soon as the threshold is reached, because it was agreed up
  front. With the end-to-end pipeline built first (``early_pipeline``), an
  approach that cannot work shows its plateau early and is dropped after
  ``reveal_fraction`` of its time-box, and no integration phase is left for
  the end. Without it, a doomed approach uses its whole time-box and
  integration comes last.
* The project is funded for ``budget_weeks``. A model that is not shipped by
  then, or a list of approaches that all failed, ends as "no usable model".
* Same world, different plan: random draws are keyed by the names of the
  experiments and phases, so for one seed every plan meets the same luck
  (common random numbers). Comparisons are therefore not blurred by noise:
  given the time, a portfolio finds a working model in every simulated world
  where one of its members alone would have.

Where the ideas come from (cite these in lessons, not this model)
-----------------------------------------------------------------
* Feasibility, not requirements, is the open question in ML projects:
  C. Kastner, *Machine Learning in Production* (CMU).
* Give tasks a probability of success, run a portfolio of approaches, build
  the end-to-end pipeline early, educate leadership on timeline uncertainty:
  Full Stack Deep Learning (2022), "ML Teams and Project Management".
* Agree up front what "good enough" accuracy is, because error drops fast and
  then plateaus: Microsoft engineering playbook, ML projects.
* Keep the first model simple: M. Zinkevich, *Rules of Machine Learning*.

Example
-------
>>> result = compare_plans(comparison_plans("waterfall_vs_ml"), n_trials=500, seed=1)
>>> summary = result.summary()
>>> list(summary.index)
['Waterfall', 'ML plan']
>>> bool(summary.loc["ML plan", "p_on_time"] > summary.loc["Waterfall", "p_on_time"])
True
"""

from __future__ import annotations

import math
import secrets
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from mlteam_utils.simulations._checks import (
    check_count,
    check_fraction_open,
    check_non_negative,
    check_positive,
    check_probability,
    check_seed,
)
from mlteam_utils.simulations._style import LINE_STYLES, REFERENCE_GREY, colour, new_axes

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "COMPARISONS",
    "DEFAULT_EXPERIMENTS",
    "Experiment",
    "MLPlan",
    "Phase",
    "PlanningResult",
    "WaterfallPlan",
    "compare_plans",
    "comparison_plans",
    "learning_curve",
    "plot_accuracy",
    "plot_delivery",
    "plot_learning_curves",
    "portfolio_success_probability",
    "simulate_plan",
    "success_probability",
    "weeks_to_threshold",
    "with_success_probability",
]

# An approach that cannot reach the threshold plateaus in this band (x threshold).
_INFEASIBLE_PLATEAU = (0.80, 0.98)


@contextmanager
def _about(kind: str, name: object) -> Iterator[None]:
    """Prefix a ValueError raised inside with which phase or experiment it concerns."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{kind} name must be a non-empty string, got {name!r}")
    try:
        yield
    except ValueError as error:
        raise ValueError(f"{kind} {name!r}: {error}") from None


@dataclass(frozen=True)
class Phase:
    """One planned phase: an estimate in weeks and how uncertain it is.

    ``spread`` is the sigma of the lognormal overrun factor (0 = always on
    estimate; 0.3 = about one phase in six takes 35% longer or more).

    >>> Phase("Data pipeline", weeks=5).weeks
    5.0
    >>> Phase("Data pipeline", weeks=-1)
    Traceback (most recent call last):
    ...
    ValueError: Phase 'Data pipeline': weeks must be a finite number > 0, got -1
    """

    name: str
    weeks: float
    spread: float = 0.3

    def __post_init__(self) -> None:
        with _about("Phase", self.name):
            object.__setattr__(self, "weeks", check_positive("weeks", self.weeks))
            object.__setattr__(self, "spread", check_non_negative("spread", self.spread))


@dataclass(frozen=True)
class Experiment:
    """One modelling approach the team could try.

    * ``p_success``: chance the approach can reach the threshold at all.
    * ``ceiling``: accuracy it plateaus at when it can.
    * ``tau_weeks``: learning-curve time constant; after ``tau`` weeks accuracy
      is 63% of the way to the plateau, after ``3 tau`` 95%.
    * ``timebox_weeks``: how long the ML plan lets it run.
    * ``spread``: lognormal sigma of ``tau`` (how unsure the team is of speed).

    >>> Experiment("Baseline", p_success=0.5, ceiling=0.9, tau_weeks=1, timebox_weeks=3).ceiling
    0.9
    >>> Experiment("Baseline", p_success=1.2, ceiling=0.9, tau_weeks=1, timebox_weeks=3)
    Traceback (most recent call last):
    ...
    ValueError: Experiment 'Baseline': p_success must be between 0 and 1, got 1.2
    """

    name: str
    p_success: float
    ceiling: float
    tau_weeks: float
    timebox_weeks: float
    spread: float = 0.4

    def __post_init__(self) -> None:
        with _about("Experiment", self.name):
            object.__setattr__(self, "p_success", check_probability("p_success", self.p_success))
            object.__setattr__(self, "ceiling", check_fraction_open("ceiling", self.ceiling))
            object.__setattr__(self, "tau_weeks", check_positive("tau_weeks", self.tau_weeks))
            object.__setattr__(self, "timebox_weeks", check_positive("timebox_weeks", self.timebox_weeks))
            object.__setattr__(self, "spread", check_non_negative("spread", self.spread))


DEFAULT_EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("Simple baseline", p_success=0.5, ceiling=0.89, tau_weeks=0.8, timebox_weeks=3),
    Experiment("Gradient-boosted trees", p_success=0.5, ceiling=0.91, tau_weeks=1.5, timebox_weeks=6),
    Experiment("Fine-tuned pretrained model", p_success=0.5, ceiling=0.94, tau_weeks=2.5, timebox_weeks=8),
)
"""Three approaches, simplest first (Zinkevich's *Rules of ML*: keep the first model simple)."""


def _check_experiments(experiments: Sequence[Experiment]) -> tuple[Experiment, ...]:
    experiments = tuple(experiments)
    if not experiments:
        raise ValueError("experiments must hold at least 1 Experiment, got none")
    for item in experiments:
        if not isinstance(item, Experiment):
            raise ValueError(f"experiments must hold Experiment objects, got {item!r}")
    names = [item.name for item in experiments]
    if len(set(names)) != len(names):
        raise ValueError(f"experiments must have distinct names, got {names}")
    return experiments


def _check_phases(name: str, phases: Sequence[Phase]) -> tuple[Phase, ...]:
    phases = tuple(phases)
    for item in phases:
        if not isinstance(item, Phase):
            raise ValueError(f"{name} must hold Phase objects, got {item!r}")
    return phases


@dataclass(frozen=True)
class WaterfallPlan:
    """Fixed phases; modelling is assumed to work and is checked only at acceptance.

    The promised date is the sum of the estimates:

    >>> WaterfallPlan().promised_weeks
    20.0
    """

    experiments: tuple[Experiment, ...] = DEFAULT_EXPERIMENTS
    before: tuple[Phase, ...] = (Phase("Requirements", 3), Phase("Data pipeline", 5))
    modelling: Phase = Phase("Modelling", 6)
    integration: Phase = Phase("Integration", 4, spread=0.4)
    after: tuple[Phase, ...] = (Phase("Deployment", 2),)
    rework: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "experiments", _check_experiments(self.experiments))
        object.__setattr__(self, "before", _check_phases("before", self.before))
        object.__setattr__(self, "after", _check_phases("after", self.after))
        _check_phases("modelling", (self.modelling,))
        _check_phases("integration", (self.integration,))

    @property
    def promised_weeks(self) -> float:
        """The date the plan promises: every phase on estimate, the model works first time."""
        phases = (*self.before, self.modelling, self.integration, *self.after)
        return float(sum(phase.weeks for phase in phases))


@dataclass(frozen=True)
class MLPlan:
    """A portfolio of time-boxed experiments; the plan promises chances, not a date.

    >>> MLPlan().promised_weeks is None
    True
    """

    experiments: tuple[Experiment, ...] = DEFAULT_EXPERIMENTS
    before: tuple[Phase, ...] = (Phase("Scoping", 2), Phase("Data pipeline", 5))
    early_pipeline: bool = True
    pipeline: Phase = Phase("End-to-end pipeline", 3)
    integration: Phase = Phase("Integration", 3, spread=0.5)
    after: tuple[Phase, ...] = (Phase("Deployment", 2),)
    reveal_fraction: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "experiments", _check_experiments(self.experiments))
        object.__setattr__(self, "before", _check_phases("before", self.before))
        object.__setattr__(self, "after", _check_phases("after", self.after))
        _check_phases("pipeline", (self.pipeline,))
        _check_phases("integration", (self.integration,))
        object.__setattr__(
            self, "reveal_fraction", check_fraction_open("reveal_fraction", self.reveal_fraction)
        )

    @property
    def promised_weeks(self) -> None:
        """An ML plan gives chances of shipping by a date, not a promised date."""
        return None


Plan = WaterfallPlan | MLPlan


def with_success_probability(experiments: Sequence[Experiment], p_success: float) -> tuple[Experiment, ...]:
    """The same experiments, each with chance ``p_success`` of being able to work.

    >>> [e.p_success for e in with_success_probability(DEFAULT_EXPERIMENTS, 0.3)]
    [0.3, 0.3, 0.3]
    """
    p_success = check_probability("p_success", p_success)
    return tuple(replace(item, p_success=p_success) for item in _check_experiments(experiments))


# ---------------------------------------------------------------- closed forms


def learning_curve(experiment: Experiment, weeks: Any) -> np.ndarray:
    """Accuracy after ``weeks`` of work, at the median speed, if the approach can work.

    >>> e = Experiment("Trees", p_success=0.5, ceiling=0.9, tau_weeks=2, timebox_weeks=6)
    >>> learning_curve(e, [0, 2, 20]).round(3).tolist()
    [0.0, 0.569, 0.9]
    """
    t = np.asarray(weeks, dtype=float)
    return experiment.ceiling * -np.expm1(-t / experiment.tau_weeks)


def weeks_to_threshold(experiment: Experiment, threshold: float) -> float:
    """Weeks to reach ``threshold`` at the median speed (``inf`` if above the ceiling).

    Because accuracy plateaus, the time grows without bound as the threshold
    approaches the ceiling: cost rises super-linearly with the accuracy asked.

    >>> e = Experiment("Trees", p_success=0.5, ceiling=0.9, tau_weeks=2, timebox_weeks=6)
    >>> round(weeks_to_threshold(e, 0.80), 1), round(weeks_to_threshold(e, 0.88), 1)
    (4.4, 7.6)
    >>> weeks_to_threshold(e, 0.95)
    inf
    """
    threshold = check_fraction_open("threshold", threshold)
    if threshold >= experiment.ceiling:
        return math.inf
    return -experiment.tau_weeks * math.log1p(-threshold / experiment.ceiling)


def success_probability(experiment: Experiment, threshold: float) -> float:
    """Chance the approach reaches ``threshold`` within its time-box (exact).

    It must be able to work (``p_success``) and be fast enough: with tau
    lognormal, P(time to threshold <= time-box) is a normal CDF.

    >>> e = Experiment("Trees", p_success=0.5, ceiling=0.9, tau_weeks=2, timebox_weeks=6)
    >>> round(success_probability(e, 0.80), 3)
    0.391
    >>> round(success_probability(e, 0.88), 3)
    0.138
    """
    needed = weeks_to_threshold(experiment, threshold)
    if math.isinf(needed):
        return 0.0
    if experiment.spread == 0:
        fast_enough = 1.0 if needed <= experiment.timebox_weeks else 0.0
    else:
        z = math.log(experiment.timebox_weeks / needed) / experiment.spread
        fast_enough = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return experiment.p_success * fast_enough


def portfolio_success_probability(experiments: Sequence[Experiment], threshold: float) -> float:
    """Chance that at least one of several independent approaches succeeds (exact).

    Never less than the best single one:

    >>> round(portfolio_success_probability(DEFAULT_EXPERIMENTS, 0.85), 3)
    0.766
    >>> round(max(success_probability(e, 0.85) for e in DEFAULT_EXPERIMENTS), 3)
    0.416
    """
    failure = 1.0
    for item in _check_experiments(experiments):
        failure *= 1.0 - success_probability(item, threshold)
    return 1.0 - failure


# ---------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class _Attempts:
    """Per trial (rows) and attempt (columns): weeks spent, success, accuracy reached."""

    weeks: np.ndarray
    success: np.ndarray
    accuracy: np.ndarray


@dataclass(frozen=True)
class _World:
    """Random draws keyed by name, so every plan in one comparison meets the same luck."""

    seed: int
    n_trials: int

    def _rng(self, *key: str | int) -> np.random.Generator:
        words = [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) for k in key]
        return np.random.default_rng([self.seed, *words])

    def phase_weeks(self, phase: Phase, attempt: int = 0) -> np.ndarray:
        """Real lengths of ``phase`` (its ``attempt``-th run) across trials."""
        z = self._rng("phase", phase.name, attempt).standard_normal(self.n_trials)
        return phase.weeks * np.exp(phase.spread * z)

    def phases_weeks(self, phases: Sequence[Phase]) -> np.ndarray:
        total = np.zeros(self.n_trials)
        for phase in phases:
            total += self.phase_weeks(phase)
        return total

    def experiment(self, experiment: Experiment, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(can_work, ceiling, tau) for ``experiment`` across trials."""
        rng = self._rng("experiment", experiment.name)
        can_work = rng.random(self.n_trials) < experiment.p_success
        tau = experiment.tau_weeks * np.exp(experiment.spread * rng.standard_normal(self.n_trials))
        low, high = _INFEASIBLE_PLATEAU
        shortfall = threshold * (low + (high - low) * rng.random(self.n_trials))
        ceiling = np.where(can_work, experiment.ceiling, np.minimum(shortfall, experiment.ceiling))
        return can_work, ceiling, tau


def _accuracy(ceiling: np.ndarray, tau: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    return ceiling * -np.expm1(-weeks / tau)


def _ml_attempts(plan: MLPlan, world: _World, threshold: float) -> _Attempts:
    shape = (world.n_trials, len(plan.experiments))
    weeks, accuracy = np.empty(shape), np.empty(shape)
    success = np.empty(shape, dtype=bool)
    give_up = plan.reveal_fraction if plan.early_pipeline else 1.0
    for k, experiment in enumerate(plan.experiments):
        can_work, ceiling, tau = world.experiment(experiment, threshold)
        with np.errstate(divide="ignore", invalid="ignore"):
            needed = np.where(ceiling > threshold, -tau * np.log1p(-threshold / ceiling), np.inf)
        ok = needed <= experiment.timebox_weeks
        spent = np.where(
            ok, needed, np.where(can_work, experiment.timebox_weeks, give_up * experiment.timebox_weeks)
        )
        weeks[:, k], success[:, k] = spent, ok
        accuracy[:, k] = np.where(ok, threshold, _accuracy(ceiling, tau, spent))
    return _Attempts(weeks, success, accuracy)


def _waterfall_attempts(plan: WaterfallPlan, world: _World, threshold: float) -> _Attempts:
    experiments = plan.experiments if plan.rework else plan.experiments[:1]
    shape = (world.n_trials, len(experiments))
    weeks, accuracy = np.empty(shape), np.empty(shape)
    for k, experiment in enumerate(experiments):
        _, ceiling, tau = world.experiment(experiment, threshold)
        modelling = world.phase_weeks(plan.modelling, attempt=k)
        accuracy[:, k] = _accuracy(ceiling, tau, modelling)
        weeks[:, k] = modelling + world.phase_weeks(plan.integration, attempt=k)
    return _Attempts(weeks, accuracy >= threshold, accuracy)


def _outcomes(
    before: np.ndarray, attempts: _Attempts, after: np.ndarray, budget_weeks: float
) -> dict[str, np.ndarray]:
    """Combine fixed phases and attempts tried in order into one outcome per trial."""
    n = before.shape[0]
    rows = np.arange(n)
    any_success = attempts.success.any(axis=1)
    first = np.where(any_success, attempts.success.argmax(axis=1), attempts.success.shape[1] - 1)
    elapsed = before + np.cumsum(attempts.weeks, axis=1)[rows, first]
    finished = elapsed + after
    shipped = any_success & (finished <= budget_weeks)
    accuracy = np.where(any_success, attempts.accuracy[rows, first], attempts.accuracy.max(axis=1))
    # Attempts that started before the money ran out.
    started = before[:, None] + np.cumsum(attempts.weeks, axis=1) - attempts.weeks
    tried = np.minimum(first + 1, (started < budget_weeks).sum(axis=1))
    return {
        "shipped": shipped,
        "week": np.where(shipped, finished, np.nan),
        "accuracy": accuracy,
        "attempts": tried,
    }


def _simulate_arrays(plan: Plan, world: _World, threshold: float, budget_weeks: float) -> dict[str, np.ndarray]:
    if isinstance(plan, WaterfallPlan):
        attempts = _waterfall_attempts(plan, world, threshold)
        before, after = world.phases_weeks(plan.before), world.phases_weeks(plan.after)
    elif isinstance(plan, MLPlan):
        attempts = _ml_attempts(plan, world, threshold)
        before, after = world.phases_weeks(plan.before), world.phases_weeks(plan.after)
        if plan.early_pipeline:
            before = before + world.phase_weeks(plan.pipeline)
        else:
            after = after + world.phase_weeks(plan.integration)
    else:
        raise ValueError(f"plan must be a WaterfallPlan or an MLPlan, got {plan!r}")
    return _outcomes(before, attempts, after, budget_weeks)


@dataclass(frozen=True)
class PlanningResult:
    """Outcome of every simulated project, one row per plan and trial.

    ``trials`` columns: ``plan``, ``trial``, ``shipped`` (a usable model shipped
    within the budget), ``week`` (delivery week, NaN if not shipped),
    ``on_time`` (shipped by the deadline), ``accuracy`` (of the shipped model,
    or the best reached), ``attempts`` (approaches tried).
    """

    trials: pd.DataFrame
    threshold: float
    deadline_weeks: float
    budget_weeks: float
    promised_weeks: dict[str, float | None] = field(default_factory=dict)

    @property
    def plans(self) -> list[str]:
        """Plan labels in the order they were given."""
        return list(self.promised_weeks)

    def summary(self) -> pd.DataFrame:
        """One row per plan: chances of on-time, late and no model; delivery weeks; accuracy.

        ``median_week`` and ``p90_week`` are over the projects that shipped.
        """
        import pandas as pd

        rows = []
        for label in self.plans:
            part = self.trials[self.trials["plan"] == label]
            shipped = part["shipped"].to_numpy()
            weeks = part["week"].to_numpy()[shipped]
            on_time = part["on_time"].to_numpy()
            promised = self.promised_weeks[label]
            rows.append(
                {
                    "plan": label,
                    "promised_week": np.nan if promised is None else promised,
                    "p_on_time": float(on_time.mean()),
                    "p_late": float((shipped & ~on_time).mean()),
                    "p_no_model": float((~shipped).mean()),
                    "median_week": float(np.median(weeks)) if weeks.size else np.nan,
                    "p90_week": float(np.quantile(weeks, 0.9)) if weeks.size else np.nan,
                    "median_accuracy": float(part["accuracy"].median()),
                }
            )
        return pd.DataFrame(rows).set_index("plan")

    def summary_table(self) -> pd.DataFrame:
        """:meth:`summary` as a person reads it: shares in percent, weeks in words, no missing-value marks.

        >>> result = compare_plans(comparison_plans("waterfall_vs_ml"), n_trials=200, seed=0)
        >>> table = result.summary_table()
        >>> list(table.columns)
        ['date promised', 'on time', 'late', 'no usable model', 'typical delivery (median)', 'typical accuracy (median)']
        >>> table.loc["ML plan", "date promised"]
        'none: a chance by each week'
        """
        import pandas as pd

        summary = self.summary()

        def week(value: float, missing: str) -> str:
            return missing if np.isnan(value) else f"week {value:.0f}"

        def share(value: float) -> str:
            return f"{value:.0%}"

        return pd.DataFrame(
            {
                "date promised": [week(v, "none: a chance by each week") for v in summary["promised_week"]],
                "on time": [share(v) for v in summary["p_on_time"]],
                "late": [share(v) for v in summary["p_late"]],
                "no usable model": [share(v) for v in summary["p_no_model"]],
                "typical delivery (median)": [week(v, "never shipped") for v in summary["median_week"]],
                "typical accuracy (median)": [f"{v:.2f}" for v in summary["median_accuracy"]],
            },
            index=pd.Index(summary.index, name="plan"),
        )


def _check_common(
    threshold: float, deadline_weeks: float, budget_weeks: float | None, n_trials: int, seed: int | None
) -> tuple[float, float, float, int, int]:
    threshold = check_fraction_open("threshold", threshold)
    deadline_weeks = check_positive("deadline_weeks", deadline_weeks)
    budget = 1.5 * deadline_weeks if budget_weeks is None else check_positive("budget_weeks", budget_weeks)
    n_trials = check_count("n_trials", n_trials, minimum=1, maximum=1_000_000)
    checked_seed = check_seed(seed)
    if checked_seed is None:
        # 128 bits of OS entropy, as np.random.SeedSequence() draws when given none.
        checked_seed = secrets.randbits(128)
    return threshold, deadline_weeks, budget, n_trials, checked_seed


def compare_plans(
    plans: Mapping[str, Plan],
    *,
    threshold: float = 0.85,
    deadline_weeks: float = 20,
    budget_weeks: float | None = None,
    n_trials: int = 2000,
    seed: int | None = 0,
) -> PlanningResult:
    """Simulate several plans in the same ``n_trials`` worlds (same luck for each).

    ``budget_weeks`` defaults to 1.5 x ``deadline_weeks``; work stops there.
    ``seed=None`` draws fresh randomness.

    >>> plans = comparison_plans("single_vs_portfolio")
    >>> s = compare_plans(plans, n_trials=400, seed=3).summary()
    >>> bool(s.loc["Portfolio", "p_no_model"] <= s.loc["Single bet", "p_no_model"])
    True
    >>> compare_plans(plans, n_trials=0)
    Traceback (most recent call last):
    ...
    ValueError: n_trials must be a whole number from 1 to 1000000, got 0
    """
    import pandas as pd

    threshold, deadline_weeks, budget, n_trials, seed = _check_common(
        threshold, deadline_weeks, budget_weeks, n_trials, seed
    )
    if not plans:
        raise ValueError("plans must hold at least 1 plan, got none")
    world = _World(seed, n_trials)
    columns: dict[str, list[np.ndarray]] = {
        "plan": [], "trial": [], "shipped": [], "week": [], "on_time": [], "accuracy": [], "attempts": []
    }
    promised: dict[str, float | None] = {}
    for label, plan in plans.items():
        out = _simulate_arrays(plan, world, threshold, budget)
        promised[str(label)] = plan.promised_weeks
        columns["plan"].append(np.full(n_trials, str(label), dtype=object))
        columns["trial"].append(np.arange(n_trials))
        columns["on_time"].append(out["shipped"] & (out["week"] <= deadline_weeks))
        for name in ("shipped", "week", "accuracy", "attempts"):
            columns[name].append(out[name])
    trials = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    return PlanningResult(trials, threshold, deadline_weeks, budget, promised)


def simulate_plan(
    plan: Plan,
    *,
    threshold: float = 0.85,
    deadline_weeks: float = 20,
    budget_weeks: float | None = None,
    n_trials: int = 2000,
    seed: int | None = 0,
    label: str | None = None,
) -> PlanningResult:
    """Simulate one plan; see :func:`compare_plans` for the arguments.

    >>> r = simulate_plan(WaterfallPlan(), n_trials=300, seed=7)
    >>> r.plans, len(r.trials)
    (['Waterfall'], 300)
    >>> r.trials.equals(simulate_plan(WaterfallPlan(), n_trials=300, seed=7).trials)
    True
    """
    if label is None:
        label = "Waterfall" if isinstance(plan, WaterfallPlan) else "ML plan"
    return compare_plans(
        {label: plan},
        threshold=threshold,
        deadline_weeks=deadline_weeks,
        budget_weeks=budget_weeks,
        n_trials=n_trials,
        seed=seed,
    )


COMPARISONS: dict[str, str] = {
    "waterfall_vs_ml": "Waterfall vs ML plan (same experiments, same budget)",
    "single_vs_portfolio": "Single bet vs portfolio of approaches",
    "pipeline_early_vs_late": "End-to-end pipeline first vs last",
}
"""The comparisons the lessons use: key -> description."""


def comparison_plans(name: str, experiments: Sequence[Experiment] = DEFAULT_EXPERIMENTS) -> dict[str, Plan]:
    """The plans of a named comparison (a key of :data:`COMPARISONS`).

    The single bet is the approach most likely to succeed on its own at the
    default threshold of 0.85.

    >>> list(comparison_plans("pipeline_early_vs_late"))
    ['Pipeline first', 'Pipeline last']
    >>> comparison_plans("agile")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'waterfall_vs_ml', 'single_vs_portfolio', 'pipeline_early_vs_late', got 'agile'
    """
    experiments = _check_experiments(experiments)
    if name == "waterfall_vs_ml":
        return {"Waterfall": WaterfallPlan(experiments), "ML plan": MLPlan(experiments)}
    if name == "single_vs_portfolio":
        best = max(experiments, key=lambda item: success_probability(item, 0.85))
        return {"Single bet": MLPlan((best,)), "Portfolio": MLPlan(experiments)}
    if name == "pipeline_early_vs_late":
        return {
            "Pipeline first": MLPlan(experiments, early_pipeline=True),
            "Pipeline last": MLPlan(experiments, early_pipeline=False),
        }
    allowed = ", ".join(repr(key) for key in COMPARISONS)
    raise ValueError(f"name must be one of {allowed}, got {name!r}")


# ---------------------------------------------------------------- plots


def plot_delivery(result: PlanningResult, ax: Axes | None = None) -> Axes:
    """Chance a plan has shipped by each week, with the deadline and any promised date.

    Each curve stops rising at the chance of ever shipping within the budget;
    the gap above it is "no usable model".

    >>> from matplotlib.figure import Figure
    >>> ax = plot_delivery(simulate_plan(MLPlan(), n_trials=200, seed=0), ax=Figure().add_subplot())
    >>> ax.get_ylabel()
    'chance shipped by that week'
    """
    ax = new_axes(ax)
    n = int((result.trials["plan"] == result.plans[0]).sum()) if result.plans else 0
    right = result.budget_weeks * 1.04
    for i, label in enumerate(result.plans):
        part = result.trials[result.trials["plan"] == label]
        weeks = np.sort(part["week"].to_numpy()[part["shipped"].to_numpy()])
        p_on_time = float(part["on_time"].mean())
        p_never = 1.0 - weeks.size / max(len(part), 1)
        x = np.concatenate(([0.0], weeks, [right]))
        y = np.concatenate(([0.0], np.arange(1, weeks.size + 1) / len(part), [weeks.size / len(part)]))
        ax.step(
            x, y, where="post", color=colour(i), linestyle=LINE_STYLES[i % len(LINE_STYLES)], linewidth=2,
            label=f"{label}: {p_on_time:.0%} on time, {p_never:.0%} no usable model",
        )
        ax.plot([result.deadline_weeks], [p_on_time], marker="o", color=colour(i), linestyle="none")
    promised_here = [label for label, promised in result.promised_weeks.items() if promised == result.deadline_weeks]
    deadline_text = "deadline" + "".join(f" =\n{label}'s promise" for label in promised_here)
    ax.axvline(result.deadline_weeks, color=REFERENCE_GREY, linestyle="--", linewidth=1)
    ax.annotate(f"{deadline_text}\n(week {result.deadline_weeks:g})", (result.deadline_weeks, 1.0),
                xytext=(3, -3), textcoords="offset points", va="top", fontsize=8)
    ax.axvline(result.budget_weeks, color=REFERENCE_GREY, linestyle=":", linewidth=1)
    ax.annotate("budget ends", (result.budget_weeks, 0.02), xytext=(-3, 0), textcoords="offset points",
                ha="right", fontsize=8)
    for label, promised in result.promised_weeks.items():
        if promised is not None and promised != result.deadline_weeks:
            ax.axvline(promised, color=REFERENCE_GREY, linestyle="-.", linewidth=1)
            ax.annotate(f"{label} promise", (promised, 0.5), rotation=90, fontsize=8,
                        xytext=(-10, 0), textcoords="offset points")
    ax.set_xlim(0, right)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("week")
    ax.set_ylabel("chance shipped by that week")
    ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:.0%}")
    ax.set_title(f"When does a usable model ship? ({n:,} simulated projects per plan)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def plot_accuracy(result: PlanningResult, ax: Axes | None = None) -> Axes:
    """Histogram of the accuracy each project ends with, against the agreed threshold.

    >>> from matplotlib.figure import Figure
    >>> result = simulate_plan(WaterfallPlan(), n_trials=200, seed=0)
    >>> plot_accuracy(result, ax=Figure().add_subplot()).get_xlabel()
    'accuracy of the shipped model (or best reached)'
    """
    ax = new_axes(ax)
    accuracy = result.trials["accuracy"].to_numpy()
    low = min(float(np.nanmin(accuracy)), result.threshold * _INFEASIBLE_PLATEAU[0]) if accuracy.size else 0.0
    bins = np.linspace(max(low, 0.0), 1.0, 41)
    for i, label in enumerate(result.plans):
        values = result.trials.loc[result.trials["plan"] == label, "accuracy"].to_numpy()
        weights = np.full(values.shape, 1.0 / max(values.size, 1))
        ax.hist(values, bins=bins.tolist(), weights=weights, histtype="step", linewidth=2, color=colour(i),
                linestyle=LINE_STYLES[i % len(LINE_STYLES)], label=label)
    ax.axvline(result.threshold, color=REFERENCE_GREY, linestyle="--", linewidth=1)
    ax.annotate(f"good enough\n({result.threshold:g})", (result.threshold, 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -3), textcoords="offset points", va="top", fontsize=8)
    ax.set_xlabel("accuracy of the shipped model (or best reached)")
    ax.set_ylabel("share of projects")
    ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:.0%}")
    ax.set_title("Accuracy reached")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def plot_learning_curves(
    experiments: Sequence[Experiment] = DEFAULT_EXPERIMENTS, threshold: float = 0.85, ax: Axes | None = None
) -> Axes:
    """Each approach's accuracy curve at median speed, its time-box and the threshold.

    >>> from matplotlib.figure import Figure
    >>> len(plot_learning_curves(ax=Figure().add_subplot()).get_lines())
    4
    """
    experiments = _check_experiments(experiments)
    threshold = check_fraction_open("threshold", threshold)
    ax = new_axes(ax)
    horizon = max(item.timebox_weeks for item in experiments) * 1.25
    weeks = np.linspace(0.0, horizon, 200)
    for i, item in enumerate(experiments):
        inside = weeks <= item.timebox_weeks
        ax.plot(weeks[inside], learning_curve(item, weeks[inside]), color=colour(i), linewidth=2,
                linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                label=f"{item.name} (works with p={item.p_success:g}, time-box {item.timebox_weeks:g} wk)")
    ax.axhline(threshold, color=REFERENCE_GREY, linestyle="--", linewidth=1)
    ax.annotate(f"good enough ({threshold:g})", (0, threshold), xytext=(3, 3), textcoords="offset points",
                fontsize=8)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1)
    ax.set_xlabel("weeks of work on the approach")
    ax.set_ylabel("accuracy, if the approach can work")
    ax.set_title("Accuracy improves fast, then plateaus")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return ax
