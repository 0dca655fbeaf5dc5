"""The planning and staffing front ends under their first module name.

Each front end now has its own module: the generic panel in
:mod:`~mlteam_utils.simulations.panel`, the planning one in
:mod:`~mlteam_utils.simulations.planning_widgets`, the staffing one in
:mod:`~mlteam_utils.simulations.staffing_widgets` (and the case study's in
:mod:`~mlteam_utils.simulations.case_study_widgets`). The names stay importable
from here because tests, benchmarks and ``mlteam_utils`` itself import them so.

>>> from mlteam_utils.simulations import planning_widgets
>>> planning_widget is planning_widgets.planning_widget
True
"""

from __future__ import annotations

from mlteam_utils.simulations.panel import Prompt, SimulationPanel, figure_bundle, live_feedback, prediction_feedback
from mlteam_utils.simulations.planning_widgets import (
    PLANNING_PROMPTS,
    draw_planning,
    planning_answer,
    planning_run,
    planning_widget,
)
from mlteam_utils.simulations.staffing_widgets import (
    STAFFING_ASSUMPTIONS_HTML,
    STAFFING_PROMPT,
    STAFFING_VIEWS,
    draw_staffing,
    staffing_answer,
    staffing_run,
    staffing_widget,
)

__all__ = [
    "PLANNING_PROMPTS",
    "STAFFING_ASSUMPTIONS_HTML",
    "STAFFING_PROMPT",
    "STAFFING_VIEWS",
    "Prompt",
    "SimulationPanel",
    "draw_planning",
    "draw_staffing",
    "figure_bundle",
    "live_feedback",
    "planning_answer",
    "planning_run",
    "planning_widget",
    "prediction_feedback",
    "staffing_answer",
    "staffing_run",
    "staffing_widget",
]
