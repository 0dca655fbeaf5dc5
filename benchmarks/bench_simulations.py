"""What one slider change costs in the simulation widgets.

* Recompute: the planning simulation at 2,000 trials (two plans, as the widget
  runs them; target <= 50 ms median) and the staffing simulation over 40
  quarters (your team plus the two reported ratios, as the widget runs them;
  target <= 20 ms median). Each is also given as a ratio to a pure-Python loop
  implementation of the same model, run here in the same process.
* Redraw: a real slider change on the widget, end to end (recompute, redraw
  the Figure, render it to PNG with Agg, replace the Output's content);
  target <= 150 ms median. The staffing widget is timed in its default
  one-chart view and in its two-chart view.

Run with ``python -m benchmarks simulations``.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

TRIALS = 2000
QUARTERS = 40
GRID_TEAMS = 1000


def _median_ms(function: Callable[[], Any], repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000.0


# ---------------------------------------------------------------- pure-Python baselines


def _planning_baseline(plans: Mapping[str, Any], threshold: float, deadline: float, budget: float,
                       n_trials: int, seed: int) -> dict[str, dict[str, float]]:
    """The planning model with a Python loop over trials (random module, same distributions)."""
    from mlteam_utils.simulations.planning import WaterfallPlan

    rng = random.Random(seed)
    counts = {label: {"on_time": 0, "late": 0, "none": 0} for label in plans}
    for _trial in range(n_trials):
        experiments: dict[str, tuple[bool, float, float]] = {}
        phases: dict[tuple[str, int], float] = {}

        # The dicts are bound as defaults: each trial's closures see that trial's draws.
        def draw(item: Any, experiments: dict[str, tuple[bool, float, float]] = experiments) -> tuple[bool, float, float]:
            if item.name not in experiments:
                can = rng.random() < item.p_success
                tau = item.tau_weeks * math.exp(item.spread * rng.gauss(0.0, 1.0))
                short = threshold * (0.80 + 0.18 * rng.random())
                experiments[item.name] = (can, item.ceiling if can else min(short, item.ceiling), tau)
            return experiments[item.name]

        def weeks(phase: Any, attempt: int = 0, phases: dict[tuple[str, int], float] = phases) -> float:
            key = (phase.name, attempt)
            if key not in phases:
                phases[key] = phase.weeks * math.exp(phase.spread * rng.gauss(0.0, 1.0))
            return phases[key]

        for label, plan in plans.items():
            attempts = []
            before = sum(weeks(p) for p in plan.before)
            after = sum(weeks(p) for p in plan.after)
            if isinstance(plan, WaterfallPlan):
                for k, item in enumerate(plan.experiments if plan.rework else plan.experiments[:1]):
                    _, ceiling, tau = draw(item)
                    modelling = weeks(plan.modelling, k)
                    accuracy = ceiling * (1.0 - math.exp(-modelling / tau))
                    attempts.append((modelling + weeks(plan.integration, k), accuracy >= threshold))
            else:
                if plan.early_pipeline:
                    before += weeks(plan.pipeline)
                else:
                    after += weeks(plan.integration)
                give_up = plan.reveal_fraction if plan.early_pipeline else 1.0
                for item in plan.experiments:
                    can, ceiling, tau = draw(item)
                    needed = -tau * math.log1p(-threshold / ceiling) if ceiling > threshold else math.inf
                    ok = needed <= item.timebox_weeks
                    spent = needed if ok else item.timebox_weeks * (1.0 if can else give_up)
                    attempts.append((spent, ok))
            elapsed, finished = before, None
            for spent, ok in attempts:
                elapsed += spent
                if ok:
                    finished = elapsed + after
                    break
            if finished is None or finished > budget:
                counts[label]["none"] += 1
            elif finished <= deadline:
                counts[label]["on_time"] += 1
            else:
                counts[label]["late"] += 1
    return {label: {k: v / n_trials for k, v in c.items()} for label, c in counts.items()}


def _staffing_baseline(teams: list[Any], a: Any) -> list[Any]:
    """The staffing model with Python loops over teams and quarters, scalar floats."""
    import pandas as pd

    def share(part: float, whole: float) -> float:
        return part / whole if whole > 0 else math.nan

    tables = []
    for team in teams:
        de, ds, mle = float(team.data_engineers), float(team.data_scientists), float(team.ml_engineers)
        deploy, upkeep = a.deploy_effort[team.maturity], a.upkeep_effort[team.maturity]
        needed = ds / a.scientists_per_data_engineer
        gap = min(max(1.0 - de / needed, 0.0), 1.0) if needed > 0 else 0.0
        wrangling = ds * a.wrangling_share * gap
        hats = a.max_hat_share * (ds - wrangling)
        keepable = (mle + hats / a.hat_penalty) / upkeep
        stock, backlog, production = a.initial_datasets, 0.0, 0.0
        rows = []
        for quarter in range(1, a.quarters + 1):
            supply = de * a.datasets_per_engineer
            new = min(supply, max(a.dataset_buffer - stock, 0.0))
            stock += new
            demand = production * upkeep
            mle_upkeep = min(mle, demand)
            ds_upkeep = min(hats, (demand - mle_upkeep) * a.hat_penalty)
            room = max(keepable - production, 0.0)
            by_mle = min(backlog, room, (mle - mle_upkeep) / deploy)
            by_ds = min(backlog - by_mle, room - by_mle, (hats - ds_upkeep) / (deploy * a.hat_penalty))
            backlog -= by_mle + by_ds
            ds_deploy = by_ds * deploy * a.hat_penalty
            production += by_mle + by_ds
            modelling = ds - wrangling - ds_upkeep - ds_deploy
            built = min(stock, modelling * a.models_per_scientist)
            stock -= built
            backlog += built
            used = min(modelling, built / a.models_per_scientist)
            rows.append({
                "quarter": quarter, "new_datasets": new, "datasets_waiting": stock, "candidates_built": built,
                "deployed": by_mle + by_ds, "models_in_production": production, "poc_backlog": backlog,
                "de_busy": share(new, supply), "ds_modelling": share(used, ds),
                "ds_wrangling": share(wrangling, ds), "ds_engineering": share(ds_upkeep + ds_deploy, ds),
                "ds_idle": share(modelling - used, ds), "mle_upkeep": share(mle_upkeep, mle),
                "mle_deploying": share(by_mle * deploy, mle), "mle_idle": share(mle - mle_upkeep - by_mle * deploy, mle),
            })
        tables.append(pd.DataFrame(rows))
    return tables


# ---------------------------------------------------------------- measurements


def _bench_planning() -> None:
    from mlteam_utils.simulations.widgets import planning_run

    values = {"comparison": "waterfall_vs_ml", "deadline_weeks": 20, "budget_weeks": 30, "threshold": 0.85,
              "p_success": 0.5, "n_trials": TRIALS, "seed": 0}
    from mlteam_utils.simulations.planning import DEFAULT_EXPERIMENTS, comparison_plans, with_success_probability

    plans = comparison_plans("waterfall_vs_ml", with_success_probability(DEFAULT_EXPERIMENTS, 0.5))
    fast = _median_ms(lambda: planning_run(values).summary())
    slow = _median_ms(lambda: _planning_baseline(plans, 0.85, 20, 30, TRIALS, 0), repeat=7)
    print(f"planning recompute ({TRIALS:,} trials x 2 plans): median {fast:.1f} ms (target <= 50 ms); "
          f"pure-Python loop {slow:.1f} ms; ratio {fast / slow:.2f} (lower is faster)")
    numpy_summary = planning_run(values).summary()
    python_summary = _planning_baseline(plans, 0.85, 20, 30, 20_000, 1)
    for label in plans:
        print(f"  same model, two random streams - {label}: on time {numpy_summary.loc[label, 'p_on_time']:.3f} "
              f"(numpy) vs {python_summary[label]['on_time']:.3f} (loop, 20,000 trials)")


def _bench_staffing() -> None:
    import numpy as np

    from mlteam_utils.simulations.staffing import StaffingAssumptions, Team, simulate_teams
    from mlteam_utils.simulations.widgets import staffing_run

    values = {"data_engineers": 3, "data_scientists": 10, "ml_engineers": 1, "maturity": 0, "quarters": QUARTERS}
    assumptions = StaffingAssumptions(quarters=QUARTERS)
    teams = [Team(3, 10, 1, 0), Team(3, 10, 1, 0), Team(3, 10, 2, 0)]
    for mine, reference in zip(simulate_teams(teams, assumptions), _staffing_baseline(teams, assumptions),
                               strict=True):
        assert np.allclose(mine.quarters.to_numpy(float), reference.to_numpy(float), equal_nan=True)
    fast = _median_ms(lambda: staffing_run(values))
    slow = _median_ms(lambda: _staffing_baseline(teams, assumptions))
    print(f"staffing recompute ({QUARTERS} quarters x 3 teams, as the widget runs it): median {fast:.1f} ms "
          f"(target <= 20 ms); pure-Python loop {slow:.1f} ms; ratio {fast / slow:.2f} (lower is faster; "
          f"outputs checked equal)")
    rng = np.random.default_rng(0)
    grid = [Team(int(rng.integers(0, 6)), int(rng.integers(0, 20)), float(rng.integers(0, 16)) / 2,
                 int(rng.integers(0, 3))) for _ in range(GRID_TEAMS)]
    from mlteam_utils.simulations.staffing import _run

    fast = _median_ms(lambda: _run(grid, assumptions), repeat=5)
    slow = _median_ms(lambda: _staffing_baseline(grid, assumptions), repeat=3, warmup=1)
    print(f"staffing grid ({GRID_TEAMS:,} teams x {QUARTERS} quarters, where numpy works across teams): "
          f"numpy {fast:.1f} ms; pure-Python loop (with tables) {slow:.1f} ms; ratio {fast / slow:.3f}")


def _bench_redraw() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from mlteam_utils.simulations.widgets import figure_bundle, planning_widget, staffing_widget

    empty = Figure(figsize=(8.0, 4.4))
    empty.add_subplot().plot([0, 1], [0, 1])
    floor = _median_ms(lambda: figure_bundle(empty, "calibration"))
    print(f"calibration: Agg PNG of a one-line chart of the same size on this machine: median {floor:.0f} ms "
          f"(what any redraw costs at least; the redraws below are also given as a multiple of it)")

    planning = planning_widget()
    values = iter([22, 20] * 50)
    ms = _median_ms(lambda: setattr(planning.controls["deadline_weeks"], "value", next(values)))
    print(f"planning redraw (one slider change: {TRIALS:,} trials, recompute + Agg PNG + Output update): "
          f"median {ms:.0f} ms (target <= 150 ms); {ms / floor:.1f}x calibration")

    staffing = staffing_widget()
    staffing.controls["quarters"].value = QUARTERS
    for view, what in (("production", "default view, one chart"), ("both", "'both charts' view")):
        staffing.controls["view"].value = view
        values = iter([11, 10] * 50)
        ms = _median_ms(lambda values=values: setattr(staffing.controls["data_scientists"], "value", next(values)))
        print(f"staffing redraw (one slider change: {QUARTERS} quarters, {what}, recompute + Agg PNG + "
              f"Output update): median {ms:.0f} ms (target <= 150 ms); {ms / floor:.1f}x calibration")


def main() -> None:
    """Print recompute and redraw times of the simulation widgets."""
    _bench_planning()
    _bench_staffing()
    _bench_redraw()


if __name__ == "__main__":
    main()
