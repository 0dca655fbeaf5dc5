"""Properties of the planning simulation (Waterfall plan vs ML plan of experiments)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from mlteam_utils.simulations.planning import (
    COMPARISONS,
    DEFAULT_EXPERIMENTS,
    Experiment,
    MLPlan,
    Phase,
    WaterfallPlan,
    compare_plans,
    comparison_plans,
    learning_curve,
    plot_accuracy,
    plot_delivery,
    plot_learning_curves,
    portfolio_success_probability,
    simulate_plan,
    success_probability,
    weeks_to_threshold,
    with_success_probability,
)

NO_LIMIT = 10_000.0  # a budget that never binds


def random_experiments(rng: np.random.Generator, count: int) -> tuple[Experiment, ...]:
    return tuple(
        Experiment(
            f"approach {i}",
            p_success=float(rng.uniform(0.05, 0.95)),
            ceiling=float(rng.uniform(0.80, 0.99)),
            tau_weeks=float(rng.uniform(0.5, 4.0)),
            timebox_weeks=float(rng.uniform(2.0, 10.0)),
            spread=float(rng.uniform(0.0, 0.8)),
        )
        for i in range(count)
    )


@pytest.mark.parametrize("case", range(20))
def test_portfolio_is_never_less_likely_to_succeed_than_its_best_member(case: int) -> None:
    """Exact and simulated: a portfolio succeeds at least as often as its best single approach."""
    rng = np.random.default_rng(case)
    experiments = random_experiments(rng, int(rng.integers(2, 5)))
    threshold = float(rng.uniform(0.75, 0.9))
    singles = [success_probability(item, threshold) for item in experiments]
    assert portfolio_success_probability(experiments, threshold) >= max(singles) - 1e-12

    plans = {item.name: MLPlan((item,)) for item in experiments}
    plans["portfolio"] = MLPlan(experiments, early_pipeline=bool(case % 2))
    result = compare_plans(plans, threshold=threshold, budget_weeks=NO_LIMIT, n_trials=500, seed=case)
    shipped = {label: part["shipped"].to_numpy() for label, part in result.trials.groupby("plan", sort=False)}
    for item in experiments:
        # trial by trial: whenever one member alone ships, the portfolio ships too
        assert not np.any(shipped[item.name] & ~shipped["portfolio"])


@pytest.mark.parametrize("seed", range(5))
def test_portfolio_trying_the_best_first_never_ships_less_within_a_budget(seed: int) -> None:
    """With a binding budget, a portfolio that starts with the best approach still dominates it."""
    rng = np.random.default_rng(100 + seed)
    experiments = random_experiments(rng, 3)
    best = max(experiments, key=lambda item: success_probability(item, 0.85))
    ordered = (best, *(item for item in experiments if item is not best))
    result = compare_plans({"single": MLPlan((best,)), "portfolio": MLPlan(ordered)}, deadline_weeks=18,
                           budget_weeks=24, n_trials=800, seed=seed)
    summary = result.summary()
    assert summary.loc["portfolio", "p_on_time"] >= summary.loc["single", "p_on_time"]
    assert summary.loc["portfolio", "p_no_model"] <= summary.loc["single", "p_no_model"]


def test_monte_carlo_agrees_with_the_exact_success_probability() -> None:
    """The simulated chance that one approach succeeds matches the closed form."""
    for item in DEFAULT_EXPERIMENTS:
        result = simulate_plan(MLPlan((item,)), budget_weeks=NO_LIMIT, n_trials=20_000, seed=11)
        simulated = result.trials["shipped"].mean()
        assert simulated == pytest.approx(success_probability(item, 0.85), abs=0.02)


def test_default_story_ml_plan_beats_waterfall_on_time() -> None:
    """Defaults tell the story: the Waterfall promise is rarely kept; the ML plan ships on time more often."""
    summary = compare_plans(comparison_plans("waterfall_vs_ml"), n_trials=2000, seed=0).summary()
    assert summary.loc["Waterfall", "promised_week"] == 20
    assert summary.loc["Waterfall", "p_on_time"] < 0.35
    assert summary.loc["ML plan", "p_on_time"] > summary.loc["Waterfall", "p_on_time"] + 0.2
    assert summary.loc["ML plan", "p_no_model"] < summary.loc["Waterfall", "p_no_model"]


def test_waterfall_misses_its_promise_more_often_than_not_even_without_feasibility_risk() -> None:
    """Right-skewed overruns alone make the sum of estimates a less-than-even bet; feasibility risk adds to it."""
    certain = WaterfallPlan(with_success_probability(DEFAULT_EXPERIMENTS, 1.0))
    risky = WaterfallPlan(DEFAULT_EXPERIMENTS)
    summary = compare_plans({"certain": certain, "risky": risky}, n_trials=3000, seed=2).summary()
    assert summary.loc["certain", "p_on_time"] < 0.5
    assert summary.loc["risky", "p_on_time"] < summary.loc["certain", "p_on_time"]


def test_a_higher_accuracy_bar_never_helps_the_ml_plan() -> None:
    """Raising the threshold never makes a simulated project ship that did not ship before."""
    previous = None
    for threshold in (0.75, 0.8, 0.85, 0.88, 0.9, 0.93):
        shipped = simulate_plan(MLPlan(), threshold=threshold, budget_weeks=NO_LIMIT, n_trials=1000,
                                seed=4).trials["shipped"].to_numpy()
        if previous is not None:
            assert not np.any(shipped & ~previous)
        previous = shipped


def test_an_early_pipeline_never_ships_later_when_it_costs_what_integration_costs() -> None:
    """Same fixed cost, infeasibility revealed sooner: trial by trial, never later, and at least as often."""
    same = Phase("Plumbing", 3, spread=0.0)
    early = MLPlan(early_pipeline=True, pipeline=same, integration=same)
    late = MLPlan(early_pipeline=False, pipeline=same, integration=same)
    trials = compare_plans({"early": early, "late": late}, budget_weeks=NO_LIMIT, n_trials=2000,
                           seed=5).trials
    early_t, late_t = (trials[trials["plan"] == label] for label in ("early", "late"))
    assert np.array_equal(early_t["shipped"].to_numpy(), late_t["shipped"].to_numpy())
    shipped = early_t["shipped"].to_numpy()
    assert np.all(early_t["week"].to_numpy()[shipped] <= late_t["week"].to_numpy()[shipped] + 1e-9)


def test_same_seed_reproduces_and_other_seeds_differ() -> None:
    """A seed makes every result reproducible."""
    plans = comparison_plans("waterfall_vs_ml")
    first = compare_plans(plans, n_trials=500, seed=42)
    again = compare_plans(plans, n_trials=500, seed=42)
    other = compare_plans(plans, n_trials=500, seed=43)
    assert first.trials.equals(again.trials)
    assert first.summary().equals(again.summary())
    assert not first.trials.equals(other.trials)


def test_plans_in_one_comparison_share_their_luck() -> None:
    """Common random numbers: the same experiment gets the same draws in every plan."""
    item = DEFAULT_EXPERIMENTS[1]
    alone = simulate_plan(MLPlan((item,)), budget_weeks=NO_LIMIT, n_trials=300, seed=9)
    paired = compare_plans({"a": MLPlan((item,)), "b": MLPlan((item,), before=(Phase("Other", 9),))},
                           budget_weeks=NO_LIMIT, n_trials=300, seed=9)
    for label in ("a", "b"):
        shipped = paired.trials.loc[paired.trials["plan"] == label, "shipped"].to_numpy()
        assert np.array_equal(shipped, alone.trials["shipped"].to_numpy())


def test_summary_shares_add_up_and_results_are_well_formed() -> None:
    """On time + late + no usable model = 1; weeks exist exactly for shipped projects."""
    for name in COMPARISONS:
        result = compare_plans(comparison_plans(name), n_trials=400, seed=1)
        summary = result.summary()
        total = summary["p_on_time"] + summary["p_late"] + summary["p_no_model"]
        assert np.allclose(total, 1.0)
        trials = result.trials
        assert list(trials.columns) == ["plan", "trial", "shipped", "week", "on_time", "accuracy", "attempts"]
        assert trials["week"].notna().equals(trials["shipped"])
        assert (trials.loc[trials["shipped"], "week"] <= result.budget_weeks).all()
        assert (trials.loc[trials["on_time"], "week"] <= result.deadline_weeks).all()
        assert trials["accuracy"].between(0, 1).all()
        assert (trials.loc[trials["shipped"], "accuracy"] >= result.threshold - 1e-9).all()
        assert (trials["attempts"] >= 1).all()


def test_learning_curve_rises_fast_then_plateaus() -> None:
    """acc(t) = ceiling (1 - exp(-t/tau)): increasing, concave, bounded by the ceiling."""
    item = DEFAULT_EXPERIMENTS[2]
    weeks = np.linspace(0, 40, 400)
    accuracy = learning_curve(item, weeks)
    gains = np.diff(accuracy)
    assert np.all(gains > 0) and np.all(np.diff(gains) < 0)
    assert accuracy.max() <= item.ceiling
    # each step closer to the ceiling costs more weeks than the last (super-linear cost)
    needed = [weeks_to_threshold(item, t) for t in (0.80, 0.85, 0.90, 0.93)]
    assert np.all(np.diff(np.diff(needed) / np.diff([0.80, 0.85, 0.90, 0.93])) > 0)
    assert weeks_to_threshold(item, item.ceiling) == np.inf


BAD_EXPERIMENT = dict(name="x", p_success=0.5, ceiling=0.9, tau_weeks=1.0, timebox_weeks=3.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"p_success": 1.5}, r"p_success must be between 0 and 1, got 1\.5"),
        ({"p_success": -0.1}, r"p_success must be between 0 and 1"),
        ({"ceiling": 0.0}, r"ceiling must be greater than 0 and at most 1"),
        ({"ceiling": 1.2}, r"ceiling must be greater than 0 and at most 1"),
        ({"tau_weeks": 0}, r"tau_weeks must be a finite number > 0"),
        ({"timebox_weeks": -2}, r"timebox_weeks must be a finite number > 0"),
        ({"spread": -0.1}, r"spread must be a finite number >= 0"),
        ({"name": ""}, r"Experiment name must be a non-empty string"),
    ],
)
def test_bad_experiment_parameters_raise(change: dict, message: str) -> None:
    """Invalid experiment parameters name the parameter and its allowed range."""
    with pytest.raises(ValueError, match=message):
        Experiment(**{**BAD_EXPERIMENT, **change})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_trials": 0}, r"n_trials must be a whole number from 1 to 1000000, got 0"),
        ({"n_trials": 2.5}, r"n_trials must be a whole number"),
        ({"threshold": 0}, r"threshold must be greater than 0 and at most 1"),
        ({"threshold": 1.5}, r"threshold must be greater than 0 and at most 1"),
        ({"deadline_weeks": 0}, r"deadline_weeks must be a finite number > 0"),
        ({"budget_weeks": -1}, r"budget_weeks must be a finite number > 0"),
        ({"seed": -1}, r"seed must be a whole number >= 0"),
        ({"seed": 1.5}, r"seed must be a whole number >= 0"),
    ],
)
def test_bad_simulation_parameters_raise(kwargs: dict, message: str) -> None:
    """Invalid run parameters name the parameter and its allowed range."""
    with pytest.raises(ValueError, match=message):
        simulate_plan(MLPlan(), **kwargs)


def test_bad_plans_raise() -> None:
    """Empty or duplicated experiment lists, bad phases and unknown comparisons are rejected."""
    with pytest.raises(ValueError, match="experiments must hold at least 1"):
        MLPlan(())
    with pytest.raises(ValueError, match="distinct names"):
        MLPlan((DEFAULT_EXPERIMENTS[0], DEFAULT_EXPERIMENTS[0]))
    with pytest.raises(ValueError, match=r"Phase 'Data': weeks must be a finite number > 0"):
        Phase("Data", 0)
    with pytest.raises(ValueError, match=r"reveal_fraction must be greater than 0 and at most 1"):
        MLPlan(reveal_fraction=0)
    with pytest.raises(ValueError, match="name must be one of"):
        comparison_plans("agile")
    with pytest.raises(ValueError, match="plans must hold at least 1 plan"):
        compare_plans({})
    with pytest.raises(ValueError, match="plan must be a WaterfallPlan or an MLPlan"):
        compare_plans({"x": "waterfall"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="p_success must be between 0 and 1"):
        with_success_probability(DEFAULT_EXPERIMENTS, 2)


def test_plots_draw_on_the_given_axes_without_pyplot_figures() -> None:
    """plot_xxx(result, ax) draws on ax, returns it, and opens no pyplot figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    before = plt.get_fignums()
    result = compare_plans(comparison_plans("waterfall_vs_ml"), n_trials=300, seed=0)
    figure = Figure()
    axes = figure.subplots(1, 3)
    assert plot_delivery(result, ax=axes[0]) is axes[0]
    assert plot_accuracy(result, ax=axes[1]) is axes[1]
    assert plot_learning_curves(ax=axes[2]) is axes[2]
    assert len(axes[0].get_lines()) >= 2
    legend = " ".join(text.get_text() for text in axes[0].get_legend().get_texts())
    assert "Waterfall" in legend and "no usable model" in legend
    assert plt.get_fignums() == before


def test_waterfall_promise_is_marked_when_it_differs_from_the_deadline() -> None:
    """The promised date is shown against the outcome distribution."""
    from matplotlib.figure import Figure

    result = compare_plans(comparison_plans("waterfall_vs_ml"), deadline_weeks=24, n_trials=200, seed=0)
    ax = plot_delivery(result, ax=Figure().add_subplot())
    assert any("Waterfall promise" in text.get_text() for text in ax.texts)


def test_simulation_modules_import_neither_matplotlib_nor_widgets() -> None:
    """Importing the logic modules stays cheap: no matplotlib, ipywidgets or pandas."""
    code = (
        "import sys, mlteam_utils, mlteam_utils.simulations;"
        "assert 'numpy' not in sys.modules;"
        "import mlteam_utils.simulations.planning, mlteam_utils.simulations.staffing;"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_experiment_replace_keeps_validation() -> None:
    """Dataclass replace() re-validates, so lesson code cannot sneak in a bad value."""
    with pytest.raises(ValueError, match="p_success"):
        replace(DEFAULT_EXPERIMENTS[0], p_success=3)


def test_plots_make_their_own_axes_when_none_is_given() -> None:
    """With ax=None a plot opens its own pyplot figure (for quick use in a lesson cell)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = plot_delivery(simulate_plan(MLPlan(), n_trials=100, seed=0))
    try:
        assert ax.figure in [plt.figure(n) for n in plt.get_fignums()]
    finally:
        plt.close(ax.figure)
