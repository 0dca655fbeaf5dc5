"""Interactive front end for the planning simulation (:mod:`~mlteam_utils.simulations.planning`).

:func:`planning_widget` returns a :class:`~mlteam_utils.simulations.panel.SimulationPanel`;
everything it computes lives in plain functions (:func:`planning_run`,
:func:`draw_planning`, :func:`planning_answer`) that tests and lessons call
without a browser.

>>> panel = planning_widget()
>>> panel.renders
1
>>> panel.controls["deadline_weeks"].value = 24
>>> panel.renders
2
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from mlteam_utils.simulations.panel import (
    CONTROL_LAYOUT,
    CONTROL_STYLE,
    Prompt,
    SimulationPanel,
    number_control,
    table_bundle,
)
from mlteam_utils.simulations.planning import (
    COMPARISONS,
    DEFAULT_EXPERIMENTS,
    PlanningResult,
    compare_plans,
    comparison_plans,
    plot_accuracy,
    plot_delivery,
    plot_learning_curves,
    with_success_probability,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["PLANNING_PROMPTS", "draw_planning", "planning_answer", "planning_run", "planning_widget"]


def planning_run(values: Mapping[str, Any]) -> PlanningResult:
    """Run the comparison the planning widget's controls describe.

    >>> r = planning_run({"comparison": "waterfall_vs_ml", "deadline_weeks": 20, "budget_weeks": 30,
    ...                   "threshold": 0.85, "p_success": 0.5, "n_trials": 300, "seed": 0})
    >>> r.plans
    ['Waterfall', 'ML plan']
    """
    experiments = with_success_probability(DEFAULT_EXPERIMENTS, values["p_success"])
    return compare_plans(
        comparison_plans(values["comparison"], experiments),
        threshold=values["threshold"],
        deadline_weeks=values["deadline_weeks"],
        budget_weeks=values["budget_weeks"],
        n_trials=values["n_trials"],
        seed=values["seed"],
    )


def _planning_table(result: PlanningResult) -> pd.DataFrame:
    return result.summary_table()


def draw_planning(figure: Figure, result: PlanningResult, values: Mapping[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """Draw the chosen view on ``figure``; return alt text and the table to show below.

    >>> from matplotlib.figure import Figure
    >>> values = {"comparison": "waterfall_vs_ml", "deadline_weeks": 20, "budget_weeks": 30,
    ...           "threshold": 0.85, "p_success": 0.5, "n_trials": 300, "seed": 0, "view": "delivery"}
    >>> alt, extra = draw_planning(Figure(), planning_run(values), values)
    >>> alt.startswith("Chart: chance each plan has shipped")
    True
    """
    figure.clear()
    figure.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.92)
    ax = figure.add_subplot()
    view = values.get("view", "delivery")
    summary = result.summary()
    if view == "accuracy":
        plot_accuracy(result, ax=ax)
        alt = "Chart: histogram of the accuracy each simulated project ends with, against the threshold. "
    elif view == "curves":
        experiments = with_success_probability(DEFAULT_EXPERIMENTS, values["p_success"])
        plot_learning_curves(experiments, result.threshold, ax=ax)
        alt = "Chart: accuracy of each approach over weeks of work, rising fast then levelling off. "
    else:
        plot_delivery(result, ax=ax)
        alt = "Chart: chance each plan has shipped a usable model by each week. "
    alt += "; ".join(
        f"{plan}: {row.p_on_time:.0%} on time, {row.p_no_model:.0%} no usable model"
        for plan, row in summary.iterrows()
    )
    return alt, [table_bundle(_planning_table(result), "Numbers behind the chart (shares of the simulated projects)")]


def _comparison_title(comparison: str) -> str:
    """The comparison's name without its note in brackets.

    >>> _comparison_title("waterfall_vs_ml")
    'Waterfall vs ML plan'
    """
    return COMPARISONS[comparison].split(" (")[0]


def _within(a: float, b: float, band: float = 0.05) -> bool:
    return abs(a - b) <= band


def planning_answer(comparison: str, summary: pd.DataFrame) -> str:
    """Which prediction option the simulation supports, for a comparison's summary.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"p_on_time": [0.2, 0.6], "p_no_model": [0.4, 0.2]}, index=["Waterfall", "ML plan"])
    >>> planning_answer("waterfall_vs_ml", s)
    'ML plan'
    """
    plans = list(summary.index)
    options = PLANNING_PROMPTS[comparison][1]
    if comparison == "single_vs_portfolio":
        first, second = summary["p_no_model"].iloc[0], summary["p_no_model"].iloc[1]
    else:
        first, second = summary["p_on_time"].iloc[0], summary["p_on_time"].iloc[1]
    if _within(first, second):
        return options[2]
    if comparison == "pipeline_early_vs_late":
        return options[0] if first > second else options[1]
    return plans[0] if first > second else plans[1]


def _planning_explain(comparison: str, result: PlanningResult) -> str:
    s = result.summary()
    rows = "; ".join(
        f"{html.escape(str(plan))}: {row.p_on_time:.0%} on time, {row.p_late:.0%} late, "
        f"{row.p_no_model:.0%} no usable model"
        for plan, row in s.iterrows()
    )
    why = {
        "waterfall_vs_ml": (
            "The Waterfall plan promises the sum of its estimates and assumes the model works; it only "
            "learns otherwise at acceptance, then reworks. The ML plan time-boxes experiments, stops at "
            "the agreed threshold and moves on early when an approach cannot work."
        ),
        "single_vs_portfolio": (
            "Each approach can fail for reasons nobody knows up front. Several independent tries fail "
            "together far less often than one, as long as the budget leaves time to try them."
        ),
        "pipeline_early_vs_late": (
            "With the end-to-end pipeline in place, an approach that plateaus below the threshold shows "
            "it early, and the weeks saved go to the next approach; no integration is left for the end."
        ),
    }[comparison]
    return f"{rows}.</p><p>{why}"


PLANNING_PROMPTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "waterfall_vs_ml": (
        "Both plans get the same budget and face the same risk that an approach cannot reach the "
        "agreed accuracy. Which is more likely to ship a usable model by the deadline?",
        ("Waterfall", "ML plan", "About the same (within 5 points)"),
    ),
    "single_vs_portfolio": (
        "One team bets everything on its most promising approach; another tries a portfolio of three "
        "within the same budget. Which more often ends with no usable model?",
        ("Single bet", "Portfolio", "About the same (within 5 points)"),
    ),
    "pipeline_early_vs_late": (
        "Building the end-to-end pipeline first costs three weeks up front. What does it do to the "
        "chance of shipping by the deadline?",
        ("Raises it", "Lowers it", "About the same (within 5 points)"),
    ),
}
"""Comparison key -> (question, options) for the planning widget's lesson mode."""


def _planning_prompt(values: Mapping[str, Any]) -> Prompt:
    comparison = values["comparison"]
    question, options = PLANNING_PROMPTS[comparison]
    return Prompt(
        question,
        options,
        answer=lambda result: planning_answer(comparison, result.summary()),
        explain=lambda result: _planning_explain(comparison, result),
    )


def planning_widget(lesson: bool = False) -> SimulationPanel:
    """Controls for the planning simulation; ``lesson=True`` asks for a prediction first.

    The title names the comparison chosen.

    >>> panel = planning_widget(lesson=True)
    >>> panel.run_button.disabled, panel.renders
    (True, 0)
    >>> panel.controls["comparison"].value = "single_vs_portfolio"
    >>> "Single bet vs portfolio" in panel.heading.value
    True
    """
    controls = {
        "comparison": widgets.Dropdown(options=[(text, key) for key, text in COMPARISONS.items()],
                                       value="waterfall_vs_ml", description="Compare", style=CONTROL_STYLE, layout=CONTROL_LAYOUT),
        "view": widgets.Dropdown(options=[("Chance of shipping by each week", "delivery"),
                                          ("Accuracy reached", "accuracy"),
                                          ("Learning curves of the approaches", "curves")],
                                 value="delivery", description="Show", style=CONTROL_STYLE, layout=CONTROL_LAYOUT),
        "deadline_weeks": number_control("Deadline (weeks)", 20, 8, 40),
        "budget_weeks": number_control("Budget: work stops at week", 30, 8, 60),
        "threshold": number_control("Good-enough accuracy", 0.85, 0.70, 0.93, 0.01),
        "p_success": number_control("Chance an approach can work", 0.5, 0.05, 1.0, 0.05),
        "n_trials": number_control("Simulated projects", 2000, 200, 10000, 200),
        "seed": number_control("Random seed", 0, 0, 2**31 - 1, show_range=False),
    }
    intro = (
        "<p>A <b>teaching model</b>: two plans for the same project, each simulated many times with the "
        "same luck (a Waterfall plan runs fixed phases, an ML plan time-boxed experiments). Three approaches "
        "are available, simplest first; each can reach the agreed accuracy only with some chance. Every "
        "number is an assumption you can change: type a number, or step it with the arrow keys.</p>"
    )
    return SimulationPanel(
        title=lambda values: f"Planning an ML project: {_comparison_title(values['comparison'])}",
        intro_html=intro,
        controls=controls,
        run=planning_run,
        draw=draw_planning,
        figure_size=(8.0, 4.2),
        prompt_for=_planning_prompt if lesson else None,
    )
