"""Teaching simulations: planning an ML project, and staffing an ML team.

Both are **teaching models**: small, stated assumptions, no claim to forecast.

* :mod:`~mlteam_utils.simulations.planning`: Monte Carlo of a Waterfall plan
  versus an ML plan of time-boxed experiments (feasibility risk, accuracy
  plateau, portfolio, end-to-end pipeline first).
* :mod:`~mlteam_utils.simulations.staffing`: quarter-by-quarter model of data
  engineers, data scientists and ML engineers at an MLOps maturity level.
* :mod:`~mlteam_utils.simulations.widgets`: ipywidgets front ends for both.

Names load on first use, so importing this package pulls in neither
matplotlib nor ipywidgets (nor pandas):

>>> import mlteam_utils.simulations as sims
>>> sims.Team(data_scientists=10, ml_engineers=2).ml_engineers
2
>>> "planning_widget" in sims.__all__
True
"""

from __future__ import annotations

from mlteam_utils._lazy import lazy_exports

_PLANNING = "mlteam_utils.simulations.planning"
_STAFFING = "mlteam_utils.simulations.staffing"
_WIDGETS = "mlteam_utils.simulations.widgets"

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # planning
    "COMPARISONS": _PLANNING,
    "DEFAULT_EXPERIMENTS": _PLANNING,
    "Experiment": _PLANNING,
    "MLPlan": _PLANNING,
    "Phase": _PLANNING,
    "PlanningResult": _PLANNING,
    "WaterfallPlan": _PLANNING,
    "compare_plans": _PLANNING,
    "comparison_plans": _PLANNING,
    "learning_curve": _PLANNING,
    "plot_accuracy": _PLANNING,
    "plot_delivery": _PLANNING,
    "plot_learning_curves": _PLANNING,
    "portfolio_success_probability": _PLANNING,
    "simulate_plan": _PLANNING,
    "success_probability": _PLANNING,
    "weeks_to_threshold": _PLANNING,
    "with_success_probability": _PLANNING,
    # staffing
    "MATURITY_LEVELS": _STAFFING,
    "RATIO_CAVEAT": _STAFFING,
    "REPORTED_RATIOS": _STAFFING,
    "StaffingAssumptions": _STAFFING,
    "StaffingResult": _STAFFING,
    "Team": _STAFFING,
    "compare_reported_ratios": _STAFFING,
    "plot_staffing": _STAFFING,
    "plot_utilization": _STAFFING,
    "ratio_label": _STAFFING,
    "simulate_staffing": _STAFFING,
    "simulate_teams": _STAFFING,
    "staffing_summary": _STAFFING,
    # front ends
    "SimulationPanel": _WIDGETS,
    "planning_widget": _WIDGETS,
    "staffing_widget": _WIDGETS,
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
