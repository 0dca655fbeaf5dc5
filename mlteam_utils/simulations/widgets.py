"""Interactive front ends for the planning and staffing simulations.

The builders return ipywidgets; everything they compute lives in plain
functions (``planning_run``, ``draw_planning``, ``planning_answer``,
``staffing_run``, ``draw_staffing``, ``staffing_answer``, ...) that tests and
lessons call without a browser.

Each front end draws one matplotlib Figure (never registered with pyplot, so
the notebook does not show it a second time), renders it to PNG and shows it,
with a table of the numbers below it, inside one ``ipywidgets.Output``:
``clear_output(wait=True)`` then ``display`` in a kernel, so the old picture is
only replaced once the new one is ready. Without a kernel (tests, scripts)
the Output's ``outputs`` are replaced directly instead. Callbacks write
nothing outside that Output; a bad value is reported inside it.

In lesson mode a question comes first: the learner picks a prediction, which
unlocks the **Run** button, and only then sees the result and a comparison of
prediction and outcome (predict, then run).

>>> panel = planning_widget()
>>> panel.renders
1
>>> panel.controls["deadline_weeks"].value = 24
>>> panel.renders
2
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

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
    import pandas as pd
    from matplotlib.figure import Figure

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
    "planning_answer",
    "planning_run",
    "planning_widget",
    "prediction_feedback",
    "staffing_answer",
    "staffing_run",
    "staffing_widget",
]

_WIDE = {"description_width": "18em"}
_ROW = widgets.Layout(width="48em", max_width="100%")


# ---------------------------------------------------------------- shared pieces


@dataclass(frozen=True)
class Prompt:
    """A predict-then-run question: the options and how to tell which one happened."""

    question: str
    options: tuple[str, ...]
    answer: Callable[[Any], str]
    explain: Callable[[Any], str]


def prediction_feedback(guess: str, prompt: Prompt, result: Any) -> str:
    """HTML comparing the learner's prediction with what the simulation shows.

    >>> p = Prompt("Heads or tails?", ("heads", "tails"), lambda r: r, lambda r: f"It was {r}.")
    >>> prediction_feedback("heads", p, "tails")
    '<p><b>Your prediction:</b> heads. <b>Not this time.</b> The simulation says: tails.</p><p>It was tails.</p>'
    """
    actual = prompt.answer(result)
    verdict = "<b>Your prediction matches.</b>" if guess == actual else "<b>Not this time.</b>"
    return (
        f"<p><b>Your prediction:</b> {html.escape(guess)}. {verdict} "
        f"The simulation says: {html.escape(actual)}.</p><p>{prompt.explain(result)}</p>"
    )


def live_feedback(guess: str, prompt: Prompt, result: Any) -> str:
    """HTML for the text under a simulation once the learner changes a control after the reveal.

    The prediction was about the first run; every number in words now follows the controls.

    >>> p = Prompt("Heads or tails?", ("heads", "tails"), lambda r: r, lambda r: f"It was {r}.")
    >>> live_feedback("heads", p, "heads")
    '<p><b>Your prediction</b> (for the first run): heads. <b>With the settings now</b>, the simulation says: heads.</p><p>It was heads.</p>'
    """
    return (
        f"<p><b>Your prediction</b> (for the first run): {html.escape(guess)}. <b>With the settings now</b>, "
        f"the simulation says: {html.escape(prompt.answer(result))}.</p><p>{prompt.explain(result)}</p>"
    )


def figure_bundle(figure: Figure, alt: str, dpi: int = 80) -> dict[str, str]:
    """A display bundle for ``figure``: an ``<img>`` with alt text, and the text alone.

    >>> from matplotlib.figure import Figure
    >>> bundle = figure_bundle(Figure(figsize=(2, 1)), alt="An empty chart")
    >>> sorted(bundle), bundle["text/plain"]
    (['text/html', 'text/plain'], 'An empty chart')
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt_text = html.escape(alt, quote=True)
    return {
        "text/html": f'<img src="data:image/png;base64,{data}" alt="{alt_text}" style="max-width:100%">',
        "text/plain": alt,
    }


def _table_bundle(table: pd.DataFrame, caption: str) -> dict[str, str]:
    body = table.to_html(float_format=lambda value: f"{value:.2f}", na_rep="-", border=0)
    return {
        "text/html": f"<p><b>{html.escape(caption)}</b></p>{body}",
        "text/plain": f"{caption}\n{table.to_string()}",
    }


def _message_bundle(text: str) -> dict[str, str]:
    return {"text/html": f"<p>{html.escape(text)}</p>", "text/plain": text}


def _in_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _show(output: widgets.Output, bundles: list[dict[str, str]]) -> None:
    """Replace what ``output`` shows with ``bundles``, printing nothing elsewhere."""
    if _in_kernel():
        from IPython.display import clear_output, display

        with output:
            clear_output(wait=True)
            for bundle in bundles:
                display(bundle, raw=True)
    else:  # no kernel (tests, scripts): set the widget's outputs directly
        output.outputs = tuple(
            {"output_type": "display_data", "data": bundle, "metadata": {}} for bundle in bundles
        )


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    # Fixed margins (set by the draw functions), not a layout engine: an engine
    # lays the figure out on every redraw and costs a third of the redraw time.
    return Figure(figsize=(width, height))


class SimulationPanel(widgets.VBox):
    """Controls, an optional predict-then-run prompt, and one figure in an Output.

    ``controls`` maps parameter names to their widgets; ``extras`` holds
    other named widgets (presets, notes); ``renders`` counts
    redraws; ``result`` is the last simulation result. ``refresh()`` recomputes
    and redraws.
    """

    def __init__(
        self,
        *,
        title: str,
        intro_html: str,
        controls: Mapping[str, widgets.ValueWidget],
        run: Callable[[dict[str, Any]], Any],
        draw: Callable[[Figure, Any, dict[str, Any]], tuple[str, list[dict[str, str]]]],
        figure_size: tuple[float, float],
        prompt_for: Callable[[dict[str, Any]], Prompt] | None = None,
        extras: Mapping[str, widgets.Widget] | None = None,
    ) -> None:
        self.controls = dict(controls)
        self.extras = dict(extras or {})
        self._holding = False
        self.result: Any = None
        self.renders = 0
        self.figure = _new_figure(*figure_size)
        self._run, self._draw, self._prompt_for = run, draw, prompt_for
        self.output = widgets.Output(layout=widgets.Layout(min_height="22em"))
        self.feedback = widgets.HTML(value="")
        self.guess: widgets.RadioButtons | None = None
        self.run_button: widgets.Button | None = None
        self.prompt: Prompt | None = None
        self.revealed = prompt_for is None
        self.question = widgets.HTML(value="")
        children: list[widgets.Widget] = [widgets.HTML(value=f"<h3>{html.escape(title)}</h3>{intro_html}")]
        children += list(self.controls.values()) + list(self.extras.values())
        if prompt_for is not None:
            self.guess = widgets.RadioButtons(options=[], value=None, description="Your prediction",
                                              style=_WIDE, layout=widgets.Layout(width="auto"))
            self.run_button = widgets.Button(description="Run", disabled=True, button_style="primary",
                                             tooltip="Make a prediction first, then run the simulation",
                                             icon="play")
            self.guess.observe(self._on_guess, names="value")
            self.run_button.on_click(self._on_run)
            children += [self.question, self.guess, self.run_button, self.feedback]
        children.append(self.output)
        super().__init__(children=children)
        for widget in self.controls.values():
            widget.observe(self._on_change, names="value")
        if prompt_for is None:
            self.refresh()
        else:
            self._reset_prompt()

    # -- state
    def values(self) -> dict[str, Any]:
        """Current control values by parameter name."""
        return {name: widget.value for name, widget in self.controls.items()}

    def refresh(self) -> None:
        """Recompute the simulation and redraw the figure inside the Output."""
        values = self.values()
        try:
            self.result = self._run(values)
            alt, bundles = self._draw(self.figure, self.result, values)
            bundles = [figure_bundle(self.figure, alt), *bundles]
        except ValueError as error:  # shown in the widget, never printed
            bundles = [_message_bundle(f"Cannot run the simulation: {error}")]
        self.renders += 1
        _show(self.output, bundles)

    # -- lesson mode
    def _reset_prompt(self) -> None:
        assert self._prompt_for is not None and self.guess is not None and self.run_button is not None
        self.prompt = self._prompt_for(self.values())
        self.revealed = False
        self.question.value = f"<p><b>Predict first.</b> {self.prompt.question}</p>"
        self.guess.disabled = False
        self.guess.options = list(self.prompt.options)
        self.guess.value = None
        self.run_button.disabled = True
        self.feedback.value = ""
        _show(self.output, [_message_bundle("Choose your prediction, then press Run to see the result.")])

    def _on_guess(self, change: dict[str, Any]) -> None:
        assert self.run_button is not None
        self.run_button.disabled = change["new"] is None or self.revealed

    def _on_run(self, _button: widgets.Button | None = None) -> None:
        assert self.guess is not None and self.run_button is not None and self.prompt is not None
        if self.guess.value is None:
            return
        self.revealed = True
        self.guess.disabled = True
        self.run_button.disabled = True
        self.refresh()
        if self.result is not None:
            self.feedback.value = prediction_feedback(self.guess.value, self.prompt, self.result)

    def _on_change(self, change: dict[str, Any]) -> None:
        if self._holding:
            return
        if self._prompt_for is not None and self.prompt is not None:
            new_prompt = self._prompt_for(self.values())
            if new_prompt.question != self.prompt.question:
                self._reset_prompt()
                return
        if self.revealed:
            self.refresh()
            # The words under the chart follow the controls too, not only the chart.
            if self.prompt is not None and self.guess is not None and self.guess.value is not None and self.result is not None:
                self.feedback.value = live_feedback(self.guess.value, self.prompt, self.result)

    @contextmanager
    def hold_redraw(self) -> Iterator[None]:
        """Control changes inside this block do not redraw."""
        previous, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = previous

    def set_values(self, **values: Any) -> None:
        """Set several controls at once with a single redraw."""
        with self.hold_redraw():
            for name, value in values.items():
                self.controls[name].value = value
        self._on_change({})


# ---------------------------------------------------------------- planning


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
    table = result.summary()[["promised_week", "p_on_time", "p_late", "p_no_model", "median_week",
                              "median_accuracy"]]
    return table.rename(columns={
        "promised_week": "promised week", "p_on_time": "on time", "p_late": "late",
        "p_no_model": "no usable model", "median_week": "median week (if shipped)",
        "median_accuracy": "median accuracy",
    })


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
    return alt, [_table_bundle(_planning_table(result), "Numbers behind the chart (shares of simulated projects)")]


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
        f"{html.escape(plan)}: {row.p_on_time:.0%} on time, {row.p_late:.0%} late, "
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
    """Sliders for the planning simulation; ``lesson=True`` asks for a prediction first.

    >>> panel = planning_widget(lesson=True)
    >>> panel.run_button.disabled, panel.renders
    (True, 0)
    """
    slider = {"style": _WIDE, "layout": _ROW, "continuous_update": False}
    controls = {
        "comparison": widgets.Dropdown(options=[(text, key) for key, text in COMPARISONS.items()],
                                       value="waterfall_vs_ml", description="Compare", style=_WIDE, layout=_ROW),
        "view": widgets.Dropdown(options=[("Chance of shipping by each week", "delivery"),
                                          ("Accuracy reached", "accuracy"),
                                          ("Learning curves of the approaches", "curves")],
                                 value="delivery", description="Show", style=_WIDE, layout=_ROW),
        "deadline_weeks": widgets.IntSlider(value=20, min=8, max=40, description="Deadline (weeks)", **slider),
        "budget_weeks": widgets.IntSlider(value=30, min=8, max=60, description="Budget: work stops at week",
                                          **slider),
        "threshold": widgets.FloatSlider(value=0.85, min=0.70, max=0.93, step=0.01,
                                         description="Good-enough accuracy", **slider),
        "p_success": widgets.FloatSlider(value=0.5, min=0.05, max=1.0, step=0.05,
                                         description="Chance each approach can work", **slider),
        "n_trials": widgets.IntSlider(value=2000, min=200, max=10000, step=200,
                                      description="Simulated projects", **slider),
        "seed": widgets.BoundedIntText(value=0, min=0, max=2**31 - 1, description="Random seed",
                                       style=_WIDE, layout=_ROW),
    }
    intro = (
        "<p>A <b>teaching model</b>: a Waterfall plan with fixed phases versus an ML plan of time-boxed "
        "experiments, each simulated many times with the same luck. Three approaches are available, "
        "simplest first; each can reach the agreed accuracy only with some chance. Every number is an "
        "assumption you can change; see <code>help(mlteam_utils.simulations.planning)</code>.</p>"
    )
    return SimulationPanel(
        title="Planning an ML project: Waterfall plan vs ML plan",
        intro_html=intro,
        controls=controls,
        run=planning_run,
        draw=draw_planning,
        figure_size=(8.0, 4.2),
        prompt_for=_planning_prompt if lesson else None,
    )


# ---------------------------------------------------------------- staffing

STAFFING_ASSUMPTIONS_HTML = (
    "<p><b>Teaching model, not a forecast.</b> Assumptions (illustrative numbers, all editable in "
    "<code>StaffingAssumptions</code>):</p><ul>"
    "<li>Each data engineer delivers about 1.5 usable datasets a quarter; nobody else does, so with "
    "none, work stops when the initial 6 run out.</li>"
    "<li>A data scientist builds one candidate model (proof of concept) per dataset, about one every "
    "two quarters of modelling time.</li>"
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
    table = staffing_summary(results)[["ml_engineers", "models_in_production", "poc_backlog",
                                       "ds_engineering_share", "ds_wrangling_share", "mle_busy_share"]]
    table = table.rename(columns={
        "ml_engineers": "ML engineers", "models_in_production": "in production (end)",
        "poc_backlog": "stuck at proof of concept (end)", "ds_engineering_share": "data sci. time on eng. hats",
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
    return alt, [_table_bundle(table, "Numbers behind the charts (teaching model)")]


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
    """Sliders for the staffing simulation; ``lesson=True`` asks for a prediction first.

    >>> panel = staffing_widget()
    >>> panel.controls["ml_engineers"].value = 2.0
    >>> panel.extras["preset"].value
    '1 ML engineer : 5 data scientists (reported, unverified)'
    """
    slider = {"style": _WIDE, "layout": _ROW, "continuous_update": False}
    controls = {
        "data_scientists": widgets.IntSlider(value=10, min=0, max=30, description="Data scientists", **slider),
        "ml_engineers": widgets.FloatSlider(value=1.0, min=0.0, max=10.0, step=0.1, readout_format=".1f",
                                            description="ML engineers", **slider),
        "data_engineers": widgets.IntSlider(value=3, min=0, max=15, description="Data engineers", **slider),
        "maturity": widgets.Dropdown(options=[(f"{level} - {name}", level) for level, name in MATURITY_LEVELS.items()],
                                     value=0, description="MLOps maturity (Google)", style=_WIDE, layout=_ROW),
        "quarters": widgets.IntSlider(value=12, min=4, max=40, description="Quarters simulated", **slider),
        "view": widgets.Dropdown(options=[(text, key) for key, text in STAFFING_VIEWS.items()], value="production",
                                 description="Show", style=_WIDE, layout=_ROW),
    }
    preset = widgets.Dropdown(options=list(_PRESETS), value=list(REPORTED_RATIOS)[0],
                              description="ML engineers per data scientist", style=_WIDE,
                              layout=widgets.Layout(width="46em"))
    holder: dict[str, SimulationPanel] = {}
    # Linked before the panel exists, so these observers run before its redraw.
    _link_preset(holder, controls, preset)
    panel = SimulationPanel(
        title="Staffing an ML team: who gets models into production?",
        intro_html=(f"<p>A <b>teaching model</b>. Move the sliders; the chart keeps the two ratios "
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
    """Keep the ratio dropdown and the ML-engineer slider in step, with one redraw per change."""
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
