"""Interactive front end for the staffing simulation (:mod:`~mlteam_utils.simulations.staffing`).

:func:`staffing_widget` returns a :class:`~mlteam_utils.simulations.panel.SimulationPanel`
with a dropdown of the reported ratios kept in step with the number of ML
engineers; everything it computes lives in plain functions (:func:`staffing_run`,
:func:`draw_staffing`, :func:`staffing_answer`) that tests and lessons call
without a browser.

>>> panel = staffing_widget()
>>> panel.renders
1
>>> panel.controls["quarters"].value = 8
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
from mlteam_utils.simulations.staffing import (
    MATURITY_LEVELS,
    RATIO_CAVEAT,
    REPORTED_RATIOS,
    StaffingAssumptions,
    StaffingResult,
    Team,
    plot_staffing,
    plot_utilization,
    simulate_teams,
    staffing_summary,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "STAFFING_ASSUMPTIONS_HTML",
    "STAFFING_PROMPT",
    "STAFFING_VIEWS",
    "draw_staffing",
    "staffing_answer",
    "staffing_run",
    "staffing_widget",
]


STAFFING_ASSUMPTIONS_HTML = (
    "<p><b>Teaching model, not a forecast.</b> Assumptions (illustrative numbers, all editable in "
    "<code>StaffingAssumptions</code>):</p><ul>"
    "<li>Each data engineer delivers about 1.5 usable datasets a quarter; nobody else does, so with "
    "none, work stops when the initial 6 run out.</li>"
    "<li>A data scientist builds one candidate model (proof of concept) per dataset, about one every "
    "two quarters of modelling time. About half are worth deploying; the rest are stopped on purpose "
    "after their evaluation, and are not counted as stuck.</li>"
    "<li>One data engineer supports three data scientists; with fewer, scientists lose time to data "
    "wrangling.</li>"
    "<li>ML engineers first keep deployed models running (monitoring, retraining), then deploy new "
    "ones; both take less effort at higher MLOps maturity (Google's levels 0-2).</li>"
    "<li>When ML engineers are short, data scientists wear the hat: up to a quarter of their time, "
    "at three times the effort.</li>"
    "<li>Teams only deploy models someone can keep running.</li></ul>"
    f"<p>The 1:10 and 1:5 ML-engineer-to-data-scientist ratios are <b>{RATIO_CAVEAT}</b>: they are "
    "attributed to Gartner, but no primary source could be found.</p>"
)
"""The staffing widget's statement of its assumptions."""

_PRESETS = {"custom": None, **{label: per for label, per in REPORTED_RATIOS.items()}}


def _team_label(team: Team) -> str:
    return f"Your team ({team.ml_engineers:g} ML eng. : {team.data_scientists:g} data sci.)"


def staffing_run(values: Mapping[str, Any]) -> dict[str, StaffingResult]:
    """Your team and the two reported ratios with the same data scientists and engineers.

    >>> results = staffing_run({"data_engineers": 3, "data_scientists": 10, "ml_engineers": 1,
    ...                         "maturity": 0, "quarters": 12})
    >>> len(results), list(results)[0].startswith("Your team")
    (3, True)
    """
    ds, de, maturity = values["data_scientists"], values["data_engineers"], values["maturity"]
    mine = Team(de, ds, values["ml_engineers"], maturity)
    teams = [mine] + [Team(de, ds, ds / per, maturity) for per in REPORTED_RATIOS.values()]
    assumptions = StaffingAssumptions(quarters=values["quarters"])
    results = simulate_teams(teams, assumptions)
    return dict(zip([_team_label(mine), *REPORTED_RATIOS], results, strict=True))


STAFFING_VIEWS: dict[str, str] = {
    "production": "Models in production and stuck at proof of concept",
    "time": "Where each role's time goes (your team)",
    "both": "Both charts (slower to redraw)",
}
"""The staffing widget's views: key -> label."""


def draw_staffing(figure: Figure, results: Mapping[str, StaffingResult], values: Mapping[str, Any]
                  ) -> tuple[str, list[dict[str, str]]]:
    """Draw the chosen view (``values["view"]``, a key of :data:`STAFFING_VIEWS`) on ``figure``.

    The production chart shows the two reported ratios, plus your team when it
    differs from both. Returns alt text and the table to show below.

    >>> from matplotlib.figure import Figure
    >>> values = {"data_engineers": 3, "data_scientists": 10, "ml_engineers": 1, "maturity": 0, "quarters": 12}
    >>> figure = Figure()
    >>> alt, extra = draw_staffing(figure, staffing_run(values), {**values, "view": "both"})
    >>> "reported, unverified" in alt, len(figure.axes)
    (True, 2)
    """
    view = values.get("view", "production")
    labels = list(results)
    mine = results[labels[0]]
    figure.clear()
    if view == "both":
        figure.set_size_inches(11.0, 4.6)
        figure.subplots_adjust(left=0.06, right=0.98, bottom=0.30, top=0.88, wspace=0.42)
        left, right = figure.subplots(1, 2, width_ratios=(1.25, 1))
    else:
        figure.set_size_inches(8.0, 4.4)
        figure.subplots_adjust(left=0.2 if view == "time" else 0.08, right=0.97, bottom=0.27, top=0.88)
        left = right = figure.add_subplot()
    if view in ("production", "both"):
        shown = {label: r for label, r in results.items() if label in REPORTED_RATIOS}
        if not any(abs(r.team.ml_engineers - mine.team.ml_engineers) < 1e-9 for r in shown.values()):
            shown = {labels[0]: mine, **shown}
        plot_staffing(shown, ax=left)
    if view in ("time", "both"):
        plot_utilization(mine, ax=right)
        right.set_title(f"Where time goes: {_team_label(mine.team)}", fontsize=10)
    table = staffing_summary(results)[["ml_engineers", "models_in_production", "poc_backlog", "stopped_on_purpose",
                                       "ds_engineering_share", "ds_wrangling_share", "mle_busy_share"]]
    table = table.rename(columns={
        "ml_engineers": "ML engineers", "models_in_production": "in production (end)",
        "poc_backlog": "stuck at proof of concept (end)", "stopped_on_purpose": "stopped on purpose (so far)",
        "ds_engineering_share": "data sci. time on eng. hats",
        "ds_wrangling_share": "data sci. time wrangling", "mle_busy_share": "ML eng. busy",
    })
    if view == "time":
        shares = ", ".join(
            f"{column.removeprefix('ds_').replace('_', ' ')} {mine.quarters[column].mean():.0%}"
            for column in ("ds_modelling", "ds_wrangling", "ds_engineering", "ds_idle")
        )
        alt = f"Chart: how each role spends its time in your team. Data scientists: {shares}."
    else:
        alt = "Chart: models in production and stuck at proof of concept per quarter. " + "; ".join(
            f"{label}: {r.final('models_in_production'):.1f} in production, "
            f"{r.final('poc_backlog'):.1f} stuck at proof of concept after {len(r.quarters)} quarters"
            for label, r in results.items()
        )
    return alt, [table_bundle(table, "Numbers behind the charts (teaching model)")]


STAFFING_PROMPT: tuple[str, tuple[str, ...]] = (
    "Keep these data scientists and data engineers, and go from 1 ML engineer per 10 data scientists to "
    f"1 per 5 (both ratios {RATIO_CAVEAT}). At the end of the period, the number of models in "
    "production will...",
    ("stay about the same (less than 15% more)", "grow, but less than double", "double or more"),
)
"""Question and options for the staffing widget's lesson mode."""


def staffing_answer(results: Mapping[str, StaffingResult]) -> str:
    """Which prediction option the reported-ratio runs support.

    >>> staffing_answer(staffing_run({"data_engineers": 3, "data_scientists": 10, "ml_engineers": 1,
    ...                               "maturity": 0, "quarters": 12}))
    'grow, but less than double'
    """
    one_in_ten, one_in_five = (results[label].final("models_in_production") for label in REPORTED_RATIOS)
    options = STAFFING_PROMPT[1]
    if one_in_five <= one_in_ten * 1.15 + 1e-9:
        return options[0]
    return options[2] if one_in_five >= 2 * one_in_ten else options[1]


def _staffing_explain(results: Mapping[str, StaffingResult]) -> str:
    parts = [
        f"{html.escape(label)}: {r.final('models_in_production'):.1f} in production, "
        f"{r.final('poc_backlog'):.1f} stuck at proof of concept"
        for label, r in results.items() if label in REPORTED_RATIOS
    ]
    return (
        "; ".join(parts) + ".</p><p>Every deployed model keeps costing ML-engineer time (monitoring, "
        "retraining), so production levels off where upkeep fills the engineers' week, whatever the data "
        "scientists build. Try a higher MLOps maturity level, or fewer data engineers."
    )


def _staffing_prompt(_values: Mapping[str, Any]) -> Prompt:
    question, options = STAFFING_PROMPT
    return Prompt(question, options, answer=staffing_answer, explain=_staffing_explain)


def staffing_widget(lesson: bool = False) -> SimulationPanel:
    """Controls for the staffing simulation; ``lesson=True`` asks for a prediction first.

    >>> panel = staffing_widget()
    >>> panel.controls["ml_engineers"].value = 2.0
    >>> panel.extras["preset"].value
    '1 ML engineer : 5 data scientists (reported, unverified)'
    """
    controls = {
        "data_scientists": number_control("Data scientists", 10, 0, 30),
        "ml_engineers": number_control("ML engineers", 1.0, 0.0, 10.0, 0.1),
        "data_engineers": number_control("Data engineers", 3, 0, 15),
        "maturity": widgets.Dropdown(options=[(f"{level} - {name}", level) for level, name in MATURITY_LEVELS.items()],
                                     value=0, description="MLOps maturity (Google)", style=CONTROL_STYLE, layout=CONTROL_LAYOUT),
        "quarters": number_control("Quarters simulated", 12, 4, 40),
        "view": widgets.Dropdown(options=[(text, key) for key, text in STAFFING_VIEWS.items()], value="production",
                                 description="Show", style=CONTROL_STYLE, layout=CONTROL_LAYOUT),
    }
    preset = widgets.Dropdown(options=list(_PRESETS), value=list(REPORTED_RATIOS)[0],
                              description="ML engineers per data scientist", style=CONTROL_STYLE,
                              layout=CONTROL_LAYOUT)
    holder: dict[str, SimulationPanel] = {}
    # Linked before the panel exists, so these observers run before its redraw.
    _link_preset(holder, controls, preset)
    panel = SimulationPanel(
        title="Staffing an ML team: who gets models into production?",
        intro_html=(f"<p>A <b>teaching model</b>. Change the numbers; the chart keeps the two ratios "
                    f"1:10 and 1:5 ({RATIO_CAVEAT}) for comparison.</p>"),
        controls=controls,
        run=staffing_run,
        draw=draw_staffing,
        figure_size=(8.0, 4.4),
        prompt_for=_staffing_prompt if lesson else None,
        extras={"preset": preset, "assumptions": widgets.HTML(value=STAFFING_ASSUMPTIONS_HTML)},
    )
    holder["panel"] = panel
    return panel


def _link_preset(holder: dict[str, SimulationPanel], controls: Mapping[str, Any], preset: widgets.Dropdown) -> None:
    """Keep the ratio dropdown and the number of ML engineers in step, with one redraw per change."""
    scientists, engineers = controls["data_scientists"], controls["ml_engineers"]
    busy = {"flag": False}

    def engineers_for(per: float) -> float:
        return round(min(engineers.max, scientists.value / per), 1)

    def on_preset(change: dict[str, Any]) -> None:
        per = _PRESETS[change["new"]]
        if busy["flag"] or per is None:
            return
        busy["flag"] = True
        try:
            holder["panel"].set_values(ml_engineers=engineers_for(per))
        finally:
            busy["flag"] = False

    def on_scientists(_change: dict[str, Any]) -> None:
        per = _PRESETS[preset.value]
        if per is None:
            return
        with holder["panel"].hold_redraw():  # the scientists' own change redraws next
            engineers.value = engineers_for(per)

    def on_engineers(_change: dict[str, Any]) -> None:
        if busy["flag"]:
            return
        busy["flag"] = True
        try:
            match = [label for label, per in REPORTED_RATIOS.items()
                     if abs(engineers_for(per) - engineers.value) < 1e-9]
            preset.value = match[0] if match else "custom"
        finally:
            busy["flag"] = False

    preset.observe(on_preset, names="value")
    scientists.observe(on_scientists, names="value")
    engineers.observe(on_engineers, names="value")
