"""Helpers for the mlteam onboarding course.

Everything a lesson or exercise needs is importable from here; the submodules
load on first use, so ``import mlteam_utils`` stays cheap (no matplotlib, no
widgets until a widget is asked for).

>>> import mlteam_utils
>>> mlteam_utils.__version__
'0.1.0'
"""

from __future__ import annotations

from mlteam_utils._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "load_syllabus": "mlteam_utils.syllabus",
    "Syllabus": "mlteam_utils.syllabus",
    "find_course_root": "mlteam_utils.paths",
    # answers and widget questions
    "AnswerSheet": "mlteam_utils.answers",
    "AnswersFileError": "mlteam_utils.answers",
    "check_answered": "mlteam_utils.answers",
    "single_choice": "mlteam_utils.questions.widgets",
    "multiple_choice": "mlteam_utils.questions.widgets",
    "matching": "mlteam_utils.questions.widgets",
    "ordering": "mlteam_utils.questions.widgets",
    "raci_grid": "mlteam_utils.questions.widgets",
    "numeric_estimate": "mlteam_utils.questions.widgets",
    "score_answer": "mlteam_utils.questions.scoring",
    # teaching simulations
    "planning_widget": "mlteam_utils.simulations.widgets",
    "staffing_widget": "mlteam_utils.simulations.widgets",
    "compare_plans": "mlteam_utils.simulations.planning",
    "comparison_plans": "mlteam_utils.simulations.planning",
    "simulate_plan": "mlteam_utils.simulations.planning",
    "Experiment": "mlteam_utils.simulations.planning",
    "MLPlan": "mlteam_utils.simulations.planning",
    "WaterfallPlan": "mlteam_utils.simulations.planning",
    "plot_delivery": "mlteam_utils.simulations.planning",
    "Team": "mlteam_utils.simulations.staffing",
    "StaffingAssumptions": "mlteam_utils.simulations.staffing",
    "simulate_staffing": "mlteam_utils.simulations.staffing",
    "compare_reported_ratios": "mlteam_utils.simulations.staffing",
    "plot_staffing": "mlteam_utils.simulations.staffing",
    # domain data
    "DomainDataError": "mlteam_utils.domain",
    "Role": "mlteam_utils.domain",
    "Task": "mlteam_utils.domain",
    "Lifecycle": "mlteam_utils.domain",
    "LifecycleStage": "mlteam_utils.domain",
    "FeedbackLoop": "mlteam_utils.domain",
    "OrgArchetype": "mlteam_utils.domain",
    "Statistic": "mlteam_utils.domain",
    "roles": "mlteam_utils.domain",
    "role": "mlteam_utils.domain",
    "roles_frame": "mlteam_utils.domain",
    "tasks": "mlteam_utils.domain",
    "tasks_frame": "mlteam_utils.domain",
    "lifecycle": "mlteam_utils.domain",
    "lifecycles": "mlteam_utils.domain",
    "lifecycle_names": "mlteam_utils.domain",
    "course_stage_ids": "mlteam_utils.domain",
    "stages_frame": "mlteam_utils.domain",
    "loops_frame": "mlteam_utils.domain",
    "archetypes": "mlteam_utils.domain",
    "archetypes_frame": "mlteam_utils.domain",
    "statistics_frame": "mlteam_utils.domain",
    "sources": "mlteam_utils.domain",
    "load_dataset": "mlteam_utils.domain",
    "dataset_names": "mlteam_utils.domain",
    "dataset_info": "mlteam_utils.domain",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
