"""Properties of the staffing simulation (teaching model of an ML team over quarters)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import mlteam_utils.simulations.staffing as staffing
from mlteam_utils.simulations.staffing import (
    REPORTED_RATIOS,
    StaffingAssumptions,
    Team,
    compare_reported_ratios,
    plot_staffing,
    plot_utilization,
    ratio_label,
    simulate_staffing,
    simulate_teams,
    staffing_summary,
)

ML_ENGINEERS = np.arange(0, 8.5, 0.5)

ASSUMPTION_SETS = {
    "defaults": StaffingAssumptions(),
    "long run": StaffingAssumptions(quarters=40),
    "with luck": StaffingAssumptions(quarters=20, variability=0.3, seed=7),
    "scarce data": StaffingAssumptions(initial_datasets=1, datasets_per_engineer=0.5, dataset_buffer=3),
    "hat-heavy": StaffingAssumptions(max_hat_share=0.5, hat_penalty=1.5, wrangling_share=0.6),
    "cheap upkeep": StaffingAssumptions(upkeep_effort=(0.05, 0.02, 0.01), deploy_effort=(0.3, 0.2, 0.1)),
}


@pytest.mark.parametrize("name", list(ASSUMPTION_SETS))
def test_more_ml_engineers_never_reduce_models_in_production(name: str) -> None:
    """All else equal, adding ML engineers never lowers production in any quarter (grid of team sizes)."""
    assumptions = ASSUMPTION_SETS[name]
    grid = list(itertools.product((0, 1, 2, 4, 6), (0, 2, 5, 10, 15, 20), (0, 1, 2)))
    teams = [Team(de, ds, float(mle), level) for de, ds, level in grid for mle in ML_ENGINEERS]
    results = simulate_teams(teams, assumptions)
    production = np.array([r.quarters["models_in_production"].to_numpy() for r in results])
    production = production.reshape(len(grid), len(ML_ENGINEERS), assumptions.quarters)
    steps = np.diff(production, axis=1)
    worst = steps.min()
    assert worst >= -1e-9, f"production fell by {-worst:.3g} when adding an ML engineer"


def test_reported_ratio_of_one_to_five_keeps_at_least_as_many_models_as_one_to_ten() -> None:
    """The 1:5 team never trails the 1:10 team (both ratios reported, unverified)."""
    for scientists, level in itertools.product((5, 10, 20), (0, 1, 2)):
        one_in_ten, one_in_five = compare_reported_ratios(scientists, maturity=level).values()
        assert one_in_five.final("models_in_production") >= one_in_ten.final("models_in_production")


@pytest.mark.parametrize(("scientists", "stock"), [(1, 0.0), (4, 3.0), (10, 6.0), (20, 12.5)])
def test_zero_data_engineers_means_no_usable_data_once_the_stock_runs_out(scientists: int, stock: float) -> None:
    """Without data engineers nothing is added; once the initial stock is used, nothing more gets built."""
    result = simulate_staffing(Team(0, scientists, 2), StaffingAssumptions(quarters=16, initial_datasets=stock))
    table = result.quarters
    assert (table["new_datasets"] == 0).all()
    assert table["candidates_built"].sum() == pytest.approx(stock)
    empty = np.flatnonzero(table["datasets_waiting"].to_numpy() <= 1e-12)
    assert empty.size, "the stock should run out"
    after = table["candidates_built"].to_numpy()[empty[0] + 1:]
    assert np.all(after == 0)
    # the scientists then have nothing to model: part of their time is idle
    assert table["ds_modelling"].iloc[-1] == 0 and table["ds_idle"].iloc[-1] > 0


def test_work_is_conserved_and_shares_add_up() -> None:
    """Built = deployed + waiting + stopped on purpose; production = all deployed; each role's time
    shares sum to 1."""
    for result in simulate_teams([Team(3, 10, 1), Team(1, 12, 3, 1), Team(5, 4, 0.5, 2)],
                                 StaffingAssumptions(quarters=20)):
        t = result.quarters
        assert t["candidates_built"].sum() == pytest.approx(
            t["deployed"].sum() + t["poc_backlog"].iloc[-1] + t["stopped_on_purpose"].iloc[-1])
        assert np.allclose(t["models_in_production"], t["deployed"].cumsum())
        assert np.allclose(t[["ds_modelling", "ds_wrangling", "ds_engineering", "ds_idle"]].sum(axis=1), 1)
        assert np.allclose(t[["mle_upkeep", "mle_deploying", "mle_idle"]].sum(axis=1), 1)
        shares = t.drop(columns=["quarter", "new_datasets", "datasets_waiting", "candidates_built", "deployed",
                                 "models_in_production", "poc_backlog", "stopped_on_purpose"])
        assert ((shares >= -1e-9) & (shares <= 1 + 1e-9)).all().all()


def test_roles_with_nobody_in_them_have_no_utilization() -> None:
    """Utilization of an empty role is undefined (NaN), not 0% or 100%; scientists fill in for engineers."""
    table = simulate_staffing(Team(0, 5, 0)).quarters
    assert table["de_busy"].isna().all() and table["mle_idle"].isna().all()
    assert table["ds_engineering"].iloc[1:].gt(0).all()  # without ML engineers, scientists deploy


def test_scientists_wear_more_hats_when_engineers_are_missing() -> None:
    """Too many hats: fewer ML engineers, more data-scientist time on engineering; fewer data engineers, more wrangling."""
    few, many = simulate_teams([Team(3, 10, 0.5), Team(3, 10, 6)])
    assert few.quarters["ds_engineering"].mean() > many.quarters["ds_engineering"].mean()
    no_de, enough_de = simulate_teams([Team(0, 9, 2), Team(3, 9, 2)])
    assert no_de.quarters["ds_wrangling"].iloc[0] > 0 and enough_de.quarters["ds_wrangling"].iloc[0] == 0


def test_upkeep_caps_production_and_maturity_raises_the_cap() -> None:
    """Every deployed model keeps costing effort: production levels off, higher at higher maturity."""
    levels = simulate_teams([Team(4, 10, 1, level) for level in (0, 1, 2)], StaffingAssumptions(quarters=40))
    finals = [r.final("models_in_production") for r in levels]
    assert finals[0] < finals[1] < finals[2]
    manual = levels[0].quarters["models_in_production"].to_numpy()
    assert manual[-1] - manual[-10] < 0.01  # flat for the last ten quarters
    assert levels[0].final("poc_backlog") > levels[2].final("poc_backlog")


def test_variability_is_reproducible_with_a_seed() -> None:
    """With luck switched on, a seed reproduces the run and another seed changes it."""
    team = Team(3, 10, 1)
    first = simulate_staffing(team, StaffingAssumptions(variability=0.3, seed=5)).quarters
    again = simulate_staffing(team, StaffingAssumptions(variability=0.3, seed=5)).quarters
    other = simulate_staffing(team, StaffingAssumptions(variability=0.3, seed=6)).quarters
    assert first.equals(again)
    assert not first.equals(other)
    plain = [simulate_staffing(team, StaffingAssumptions(seed=s)).quarters for s in (1, 2)]
    assert plain[0].equals(plain[1])


def test_the_ratio_is_always_labelled_reported_unverified() -> None:
    """The 1:10 / 1:5 figures carry "reported, unverified" wherever they appear."""
    assert all("reported, unverified" in label for label in REPORTED_RATIOS)
    assert "reported, unverified" in ratio_label(7)
    results = compare_reported_ratios()
    assert list(results) == list(REPORTED_RATIOS)
    assert all("reported, unverified" in label for label in staffing_summary(results).index)
    assert "reported, unverified" in staffing.__doc__


def test_docstring_states_it_is_a_teaching_model_with_assumptions() -> None:
    """The module says what it is and lists its assumptions."""
    doc = staffing.__doc__.lower()
    assert "teaching model" in doc and "assumptions" in doc
    for word in ("data engineers", "data scientists", "ml engineers", "maturity", "too many hats"):
        assert word in doc


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Team(data_engineers=-1), r"data_engineers must be a finite number >= 0, got -1"),
        (lambda: Team(data_scientists=-3), r"data_scientists must be a finite number >= 0"),
        (lambda: Team(ml_engineers=float("nan")), r"ml_engineers must be a finite number >= 0"),
        (lambda: Team(maturity=3), r"maturity must be a whole number from 0 to 2, got 3"),
        (lambda: StaffingAssumptions(quarters=0), r"quarters must be a whole number from 1 to 400"),
        (lambda: StaffingAssumptions(initial_datasets=-1), r"initial_datasets must be a finite number >= 0"),
        (lambda: StaffingAssumptions(models_per_scientist=0), r"models_per_scientist must be a finite number > 0"),
        (lambda: StaffingAssumptions(wrangling_share=1.5), r"wrangling_share must be between 0 and 1"),
        (lambda: StaffingAssumptions(max_hat_share=0.6), r"max_hat_share must be between 0 and 0.5"),
        (lambda: StaffingAssumptions(hat_penalty=0.5), r"hat_penalty must be a number >= 1"),
        (lambda: StaffingAssumptions(deploy_effort=(1, 2)), r"deploy_effort must give 3 values"),
        (lambda: StaffingAssumptions(upkeep_effort=(0.1, 0, 0.1)), r"upkeep_effort must be a finite number > 0"),
        (lambda: StaffingAssumptions(seed=-2), r"seed must be a whole number >= 0"),
        (lambda: simulate_teams([Team(), "team"]), r"teams must hold Team objects"),  # type: ignore[list-item]
    ],
)
def test_bad_parameters_raise_value_errors(make, message: str) -> None:
    """Invalid parameters name the parameter and its allowed range."""
    with pytest.raises(ValueError, match=message):
        make()


def test_plots_draw_on_the_given_axes() -> None:
    """plot_staffing / plot_utilization take an ax, return it, and label the ratio."""
    from matplotlib.figure import Figure

    left, right = Figure().subplots(1, 2)
    results = compare_reported_ratios()
    assert plot_staffing(results, ax=left) is left
    assert plot_utilization(next(iter(results.values())), ax=right) is right
    legend = [text.get_text() for text in left.get_legend().get_texts()]
    assert sum("reported, unverified" in text for text in legend) == 2
    assert "stuck at proof of concept" in left.get_title() and "teaching model" in left.get_title()


def test_proofs_of_concept_stopped_on_purpose_are_not_counted_as_stuck() -> None:
    """Lesson 1: many approaches should be stopped. Only the share worth deploying waits for engineers,
    so a team that deploys everything worth deploying has no backlog however many it stopped."""
    from mlteam_utils.simulations.staffing import StaffingAssumptions, Team, simulate_staffing

    roomy = simulate_staffing(Team(data_engineers=3, data_scientists=4, ml_engineers=4, maturity=2))
    assert roomy.final("stopped_on_purpose") > 0
    # only the last quarter's candidates are still waiting: they were built after the deployments
    last = roomy.quarters.iloc[-1]
    assert roomy.final("poc_backlog") == pytest.approx(0.5 * last["candidates_built"])
    half = simulate_staffing(Team(3, 10, 1), StaffingAssumptions(worth_deploying_share=0.5))
    t = half.quarters
    assert t["stopped_on_purpose"].iloc[-1] == pytest.approx(0.5 * t["candidates_built"].sum())
    everything = simulate_staffing(Team(3, 10, 1), StaffingAssumptions(worth_deploying_share=1.0))
    assert everything.final("stopped_on_purpose") == 0
    assert everything.final("poc_backlog") > half.final("poc_backlog")
    with pytest.raises(ValueError, match="worth_deploying_share"):
        StaffingAssumptions(worth_deploying_share=1.5)
