"""Teaching simulations: planning an ML project, and staffing an ML team.

Both are **teaching models**: small, stated assumptions, no claim to forecast.

* :mod:`~mlteam_utils.simulations.planning`: Monte Carlo of a Waterfall plan
  versus an ML plan of time-boxed experiments (feasibility risk, accuracy
  plateau, portfolio, end-to-end pipeline first).
* :mod:`~mlteam_utils.simulations.staffing`: quarter-by-quarter model of data
  engineers, data scientists and ML engineers at an MLOps maturity level.
* :mod:`~mlteam_utils.simulations.planning_widgets` and
  :mod:`~mlteam_utils.simulations.staffing_widgets`: ipywidgets front ends for
  both, built on the generic :mod:`~mlteam_utils.simulations.panel`.
* :mod:`~mlteam_utils.simulations.case_study`: one churn project from idea to
  monitoring, where each role's key decision changes what follows; its front
  end is :mod:`~mlteam_utils.simulations.case_study_widgets`.
* :mod:`~mlteam_utils.simulations.negotiation`: role cards negotiating a launch
  threshold, with a plot and a drop-down that show who gains and who gives way.

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
_PANEL = "mlteam_utils.simulations.panel"
_PLANNING_WIDGETS = "mlteam_utils.simulations.planning_widgets"
_STAFFING_WIDGETS = "mlteam_utils.simulations.staffing_widgets"
_CASE_STUDY = "mlteam_utils.simulations.case_study"
_CASE_STUDY_WIDGETS = "mlteam_utils.simulations.case_study_widgets"
_NEGOTIATION = "mlteam_utils.simulations.negotiation"

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
    # case study (one churn project, decision by decision)
    "CaseAssumptions": _CASE_STUDY,
    "Decisions": _CASE_STUDY,
    "ProjectOutcome": _CASE_STUDY,
    "SHORTCUTS": _CASE_STUDY,
    "campaign_metrics": _CASE_STUDY,
    "compare_decisions": _CASE_STUDY,
    "option_effects": _CASE_STUDY,
    "plot_project": _CASE_STUDY,
    "project_story": _CASE_STUDY,
    "simulate_project": _CASE_STUDY,
    "CaseStudy": _CASE_STUDY_WIDGETS,
    # front ends
    "SimulationPanel": _PANEL,
    "planning_widget": _PLANNING_WIDGETS,
    "staffing_widget": _STAFFING_WIDGETS,
    # threshold negotiation
    "RETENTION_CARDS": _NEGOTIATION,
    "RoleCard": _NEGOTIATION,
    "agreed_thresholds": _NEGOTIATION,
    "negotiation_widget": _NEGOTIATION,
    "outcomes_table": _NEGOTIATION,
    "plot_negotiation": _NEGOTIATION,
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
