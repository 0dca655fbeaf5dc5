"""Interactive front end for the case study: each role's decision, and what follows.

A :class:`CaseStudy` holds one project's decisions for a whole lesson. Its
widgets all read and change those same decisions. Each decision starts
**unset**: no option is selected until the learner picks one, and until then
the simulation follows the sources' advice (the defaults of
:class:`~mlteam_utils.simulations.case_study.Decisions`). Once chosen, the
widget says whether the choice is the one the sources advise.

* ``decision_widget("quality_checks")`` shows one role's decision (or a few)
  and a table of what each option leads to, every other decision kept as the
  learner set it;
* ``project_widget()`` shows every decision, grouped by role, with the
  week-by-week value chart (a small SVG, so the widget needs no matplotlib)
  and the tables of phases and incidents.

Changing a decision in any widget updates every widget of the same
:class:`CaseStudy`. The computing lives in plain functions
(:func:`decision_tables`, :func:`project_tables`, :func:`project_svg`) that
tests call without a browser. Widgets show HTML only (tables, and the chart
with its alt text), so a callback prints nothing anywhere.

>>> study = CaseStudy(seed=1)
>>> panel = study.decision_widget("quality_checks")
>>> panel
CaseStudyPanel(view='decisions', decisions=['quality_checks'], seed=1)
>>> panel.controls["quality_checks"].value is None, "Not chosen yet" in panel.view.value
(True, True)
>>> panel.controls["quality_checks"].value = False
>>> study.decisions.quality_checks, study.chosen
(False, {'quality_checks'})
>>> "Your choice: no. The sources advise: yes." in panel.view.value
True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from mlteam_utils.simulations._style import OKABE_ITO, REFERENCE_GREY
from mlteam_utils.simulations.case_study import (
    DECISION_LABELS,
    DECISION_OWNERS,
    MONITORING_PLANS,
    CaseAssumptions,
    Decisions,
    ProjectOutcome,
    option_effects,
    plot_project,
    project_story,
    simulate_project,
)
from mlteam_utils.theme import CHART_CLASS, STYLE, WIDGET_CLASS, ReadableBeforeRun

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "ADVICE",
    "ROLE_NAMES",
    "CaseStudy",
    "CaseStudyPanel",
    "chart_alt",
    "choice_note",
    "decision_tables",
    "draw_project",
    "option_label",
    "project_svg",
    "project_tables",
]

ROLE_NAMES: dict[str, str] = {
    "product_manager": "Product manager",
    "data_engineer": "Data engineer",
    "data_scientist": "Data scientist",
    "ml_engineer": "ML engineer",
}
"""Role id -> display name, for the four roles that take a decision in the case study."""

ADVICE = Decisions()
"""What the course's sources advise for each decision (the defaults of :class:`Decisions`)."""

_STYLE = {"description_width": "20em"}
_ROW = widgets.Layout(width="52em", max_width="100%")
#: The floors a learner can pick for the lowest churn probability called.
_THRESHOLDS = tuple(round(0.10 + 0.05 * step, 2) for step in range(13))
_EFFECT_COLUMNS = {
    "weeks_to_launch": "weeks to model launch",
    "first_value_week": "first value in week",
    "build_cost_eur": "build cost (k EUR)",
    "precision": "precision",
    "recall": "recall",
    "incidents": "incidents after launch",
    "weeks_degraded": "weeks the model was degraded",
    "net_value_eur": "net value (k EUR)",
    "effect_measured": "business effect measured?",
}


def option_label(name: str, value: Any) -> str:
    """How an option of the decision ``name`` reads on screen.

    >>> option_label("quality_checks", False), option_label("threshold", 0.2), option_label("monitoring", "none")
    ('no', '0.20', 'no monitoring')
    """
    if name == "monitoring":
        return MONITORING_PLANS[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "threshold":
        return f"{float(value):.2f}"
    return str(value)


def choice_note(name: str, decisions: Decisions, chosen: Collection[str]) -> str:
    """One sentence on the learner's choice for ``name``, checked against the sources' advice.

    >>> choice_note("monitoring", Decisions(), set())
    'Not chosen yet: pick an option above. Until you do, the simulation follows the sources.'
    >>> choice_note("monitoring", Decisions(monitoring="none"), {"monitoring"})
    "Your choice: no monitoring. The sources advise: alerts plus automated retraining (Google's MLOps level 1)."
    >>> choice_note("quality_checks", Decisions(), {"quality_checks"})
    'Your choice: yes, as the sources advise.'
    """
    if name not in chosen:
        return "Not chosen yet: pick an option above. Until you do, the simulation follows the sources."
    mine, advised = option_label(name, getattr(decisions, name)), option_label(name, getattr(ADVICE, name))
    if mine == advised:
        return f"Your choice: {mine}, as the sources advise."
    return f"Your choice: {mine}. The sources advise: {advised}."


def _control(name: str, value: Any) -> widgets.ValueWidget:
    """The control for one decision, showing ``value`` (``None``: nothing selected yet).

    Radio buttons and drop-downs, never a slider or toggle buttons: a slider's handle has no
    accessible name in ipywidgets, and a selected toggle button is hard to see in the dark theme.
    """
    label = DECISION_LABELS[name]
    if name == "threshold":
        return widgets.Dropdown(options=_threshold_options(value), value=value, description=label, style=_STYLE,
                                layout=_ROW)
    if name == "monitoring":
        return widgets.Dropdown(options=[(text, key) for key, text in MONITORING_PLANS.items()], value=value,
                                description=label, style=_STYLE, layout=_ROW)
    return widgets.RadioButtons(options=[("yes", True), ("no", False)], value=value, description=label,
                                style=_STYLE, layout=_ROW)


def _threshold_options(value: float | None) -> list[tuple[str, float]]:
    values = sorted({*_THRESHOLDS, *([] if value is None else [round(float(value), 4)])})
    return [(option_label("threshold", v), v) for v in values]


def _html_table(table: pd.DataFrame, caption: str) -> str:
    body = table.to_html(border=0, na_rep="-", float_format=lambda v: f"{v:,.2f}".rstrip("0").rstrip("."),
                         escape=True)
    # A widget's HTML inherits the controls' tall line height; tables read better at the text's own.
    # Its cells are right-aligned under their right-aligned headings, as in a notebook's own tables.
    body = body.replace("<td>", '<td style="text-align: right">')
    return f'<p><b>{html.escape(caption)}</b></p><div style="line-height: 1.4">{body}</div>'


def _effects_view(table: pd.DataFrame) -> pd.DataFrame:
    view = table[list(_EFFECT_COLUMNS)].copy()
    for column in ("build_cost_eur", "net_value_eur"):
        view[column] = (view[column] / 1000).round(0).astype(int)
    view["effect_measured"] = view["effect_measured"].map({True: "yes", False: "no"})
    return view.rename(columns=_EFFECT_COLUMNS)


def decision_tables(
    decisions: Decisions,
    names: Sequence[str],
    seed: int = 0,
    assumptions: CaseAssumptions | None = None,
) -> list[tuple[str, pd.DataFrame]]:
    """For each decision in ``names``: a caption and a table of what each option leads to.

    Rows are named as the options read on screen (:func:`option_label`).

    >>> (caption, table), = decision_tables(Decisions(), ["monitoring"], seed=1)
    >>> list(table.index)[0], caption
    ('no monitoring', 'Monitoring and retraining plan: what each option leads to, the other decisions as you set them')
    """
    out = []
    for name in names:
        table = _effects_view(option_effects(decisions, name, assumptions=assumptions, seed=seed))
        table.index = [option_label(name, option) for option in _options_of(name, table)]
        table.index.name = "option"
        caption = f"{DECISION_LABELS[name]}: what each option leads to, the other decisions as you set them"
        out.append((caption, table))
    return out


def _options_of(name: str, table: pd.DataFrame) -> list[Any]:
    """The option values behind ``option_effects``' row labels ('yes', '0.20', 'alerts', ...)."""
    by_label = {"yes": True, "no": False}
    return [by_label[label] if label in by_label else float(label) if name == "threshold" else label
            for label in table.index]


def project_tables(outcome: ProjectOutcome) -> list[tuple[str, pd.DataFrame]]:
    """Captions and tables for the whole project: headline numbers, phases, incidents.

    >>> [caption for caption, _ in project_tables(simulate_project(seed=1))][:2]
    ['Your project in numbers (teaching model)', 'Who did what, and what they handed on']
    """
    import pandas as pd

    s = outcome.summary
    headline = pd.DataFrame(
        {
            "value": [
                s["weeks_to_launch"], s["first_value_week"], round(s["build_cost_eur"] / 1000),
                round(s["run_cost_eur"] / 1000), round(s["precision"], 2), round(s["recall"], 2),
                "yes" if s["over_capacity"] else "no", s["incidents"], s["weeks_degraded"],
                round(s["value_lost_eur"] / 1000), round(s["net_value_eur"] / 1000),
                "yes" if s["effect_measured"] else "no: nobody can show it",
            ]
        },
        index=[
            "weeks to model launch", "first value in week", "build cost (k EUR)", "running cost (k EUR)",
            "precision of the calls", "recall of the calls", "more customers flagged than the team can call?",
            "incidents after launch", "weeks the model was degraded", "value lost to incidents (k EUR)",
            f"net value over {outcome.assumptions.horizon_weeks} weeks (k EUR)", "business effect measured?",
        ],
    )
    phases = outcome.phases.set_index("phase")[["owner", "start_week", "end_week", "person_weeks", "hands_over",
                                                 "note"]].copy()
    phases["owner"] = phases["owner"].map(ROLE_NAMES)
    phases = phases.rename(columns={"owner": "led by", "start_week": "from week", "end_week": "to week",
                                    "person_weeks": "person-weeks", "hands_over": "hands over"})
    incidents = outcome.incidents.copy()
    incidents["value_lost_eur"] = (incidents["value_lost_eur"] / 1000).round(0).astype(int)
    incidents = incidents.drop(columns=["health"]).rename(columns={
        "kind": "what happened", "noticed_by": "noticed by", "fixed_by": "fixed by",
        "weeks_degraded": "weeks degraded", "person_weeks": "person-weeks", "value_lost_eur": "value lost (k EUR)",
    }).set_index("week")
    tables = [
        ("Your project in numbers (teaching model)", headline),
        ("Who did what, and what they handed on", phases),
        ("Incidents after launch", incidents if len(incidents) else pd.DataFrame({"incidents": ["none"]})),
    ]
    return tables


def chart_alt(outcome: ProjectOutcome) -> str:
    """What the week-by-week chart shows, in words (its alt text).

    >>> chart_alt(simulate_project(seed=1)).startswith("Chart: value of the retention calls week by week")
    True
    """
    s = outcome.summary
    rule = f"the rule goes live in week {outcome.rule_week}, " if outcome.rule_week is not None else ""
    return (
        f"Chart: value of the retention calls week by week; {rule}the model in week {outcome.launch_week}; "
        f"{s['incidents']} incidents after launch, the model degraded for {s['weeks_degraded']} weeks."
    )


def draw_project(figure: Figure, outcome: ProjectOutcome) -> str:
    """Draw the week-by-week chart on a matplotlib ``figure``; return its alt text.

    >>> from matplotlib.figure import Figure
    >>> draw_project(Figure(), simulate_project(seed=1)).startswith("Chart: value of the retention calls")
    True
    """
    figure.clear()
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.9)
    plot_project(outcome, ax=figure.add_subplot())
    return chart_alt(outcome)


def project_svg(outcome: ProjectOutcome, width: int = 640, height: int = 260) -> str:
    """The week-by-week chart as a small SVG, drawn without matplotlib so the widget stays quick.

    It shows what :func:`~mlteam_utils.simulations.case_study.plot_project`
    shows, in the same colour-blind-safe colours: the value line, drift
    (hatched vermillion) and pipeline faults (dotted orange) until fixed, and
    dashed lines where the rule and the model go live.

    >>> svg = project_svg(simulate_project(seed=1))
    >>> svg.startswith("<svg") and "model live" in svg and 'role="img"' in svg
    True
    """
    weekly = outcome.weekly
    horizon = outcome.assumptions.horizon_weeks
    values = [v / 1000 for v in weekly["value_eur"]]
    top = max(max(values), 1.0) * 1.1
    left, right, upper, lower = 56, width - 10, 28, height - 36

    def x(week: float) -> float:
        return left + (right - left) * week / horizon

    def y(value: float) -> float:
        return lower - (lower - upper) * max(value, 0.0) / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{CHART_CLASS}" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(chart_alt(outcome), quote=True)}" style="font: 11px sans-serif; '
        'background: white; color: black">',
        f"<title>{html.escape(chart_alt(outcome))}</title>",
        '<defs><pattern id="drift" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{OKABE_ITO[5]}" opacity="0.3"/>'
        f'<path d="M0,6 L6,0" stroke="{OKABE_ITO[5]}" stroke-width="1"/></pattern>'
        '<pattern id="fault" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="{OKABE_ITO[0]}" opacity="0.3"/>'
        f'<circle cx="2.5" cy="2.5" r="1" fill="{OKABE_ITO[0]}"/></pattern></defs>',
    ]
    for _, event in outcome.incidents.iterrows():
        start, stop = x(event["week"]), x(min(event["week"] + event["weeks_degraded"], horizon))
        fill = "url(#drift)" if str(event["kind"]).startswith("drift") else "url(#fault)"
        parts.append(f'<rect x="{start:.1f}" y="{upper}" width="{max(stop - start, 1.5):.1f}" '
                     f'height="{lower - upper}" fill="{fill}"/>')
    for week, label in ((outcome.rule_week, "rule live"), (outcome.launch_week, "model live")):
        if week is not None:
            parts.append(f'<line x1="{x(week):.1f}" y1="{upper}" x2="{x(week):.1f}" y2="{lower}" '
                         f'stroke="{REFERENCE_GREY}" stroke-dasharray="4 3"/>'
                         f'<text x="{x(week) + 3:.1f}" y="{upper + 10}" fill="black">{label}</text>')
    points = []
    for week, value in enumerate(values):  # a step line: flat within each week
        points += [f"{x(week):.1f},{y(value):.1f}", f"{x(week + 1):.1f},{y(value):.1f}"]
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{OKABE_ITO[4]}" stroke-width="2"/>')
    parts.append(f'<line x1="{left}" y1="{lower}" x2="{right}" y2="{lower}" stroke="black"/>'
                 f'<line x1="{left}" y1="{upper}" x2="{left}" y2="{lower}" stroke="black"/>')
    for week in range(0, horizon + 1, 13):
        parts.append(f'<text x="{x(week):.1f}" y="{lower + 14}" text-anchor="middle" fill="black">{week}</text>')
    step = 1  # a round tick step (1, 2, 5, 10, 20, ...) giving at most 5 ticks
    while top / step > 5:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    for value in range(0, int(top) + 1, step):
        parts.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" fill="black">{value:.0f}</text>')
    parts.append(f'<text x="{(left + right) / 2:.0f}" y="{height - 6}" text-anchor="middle" fill="black">'
                 'week from the start of the project</text>'
                 f'<text x="12" y="{(upper + lower) / 2:.0f}" transform="rotate(-90 12 {(upper + lower) / 2:.0f})" '
                 'text-anchor="middle" fill="black">k EUR per week</text>'
                 f'<text x="{left}" y="16" fill="black"><tspan fill="{OKABE_ITO[4]}">━ value of the calls</tspan>'
                 f'   <tspan fill="{OKABE_ITO[5]}">▨ drift until fixed</tspan>'
                 f'   <tspan fill="{OKABE_ITO[0]}">▩ pipeline fault until fixed</tspan>'
                 '   (teaching model, not a forecast)</text></svg>')
    return "".join(parts)


class CaseStudyPanel(ReadableBeforeRun, widgets.VBox):
    """Controls for some decisions, and an HTML view of what follows.

    ``controls`` maps decision names (and ``"seed"`` in the project view) to
    widgets; ``view`` is the HTML widget with the tables (and chart);
    ``renders`` counts refreshes; ``outcome`` is the last simulated project.
    """

    def __init__(self, study: CaseStudy, names: Sequence[str], *, full: bool, title: str) -> None:
        self.study = study
        self.names = list(names)
        self.full = full
        self.before_run = "The whole project" if full else "Your decision"
        self.renders = 0
        self.outcome: ProjectOutcome | None = None
        self.controls: dict[str, widgets.ValueWidget] = {
            name: _control(name, study.shown_value(name)) for name in self.names
        }
        if full:
            self.controls["seed"] = widgets.BoundedIntText(value=study.seed, min=0, max=2**31 - 1,
                                                           description="Luck (random seed)", style=_STYLE,
                                                           layout=_ROW)
        self.message = widgets.HTML(value="")
        self.view = widgets.HTML(value="")
        self._syncing = False
        children: list[widgets.Widget] = [widgets.HTML(value=f"<h3>{html.escape(title)}</h3>{STYLE}")]
        if full:
            for role, role_name in ROLE_NAMES.items():
                owned = [self.controls[n] for n in self.names if DECISION_OWNERS[n] == role]
                if owned:
                    children += [widgets.HTML(value=f"<b>{html.escape(role_name)}</b>"), *owned]
            children.append(self.controls["seed"])
        else:
            children += [self.controls[n] for n in self.names]
        children += [self.message, self.view]
        super().__init__(children=children)
        self.add_class(WIDGET_CLASS)
        for name, control in self.controls.items():
            control.observe(self._on_change(name), names="value")
        self.refresh()

    def __repr__(self) -> str:
        view = "project" if self.full else "decisions"
        return f"CaseStudyPanel(view={view!r}, decisions={self.names!r}, seed={self.study.seed})"

    def _on_change(self, name: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            if self._syncing or change["new"] is None:  # None: nothing selected (yet)
                return
            try:
                if name == "seed":
                    self.study.set_seed(change["new"])
                else:
                    self.study.decide(**{name: change["new"]})
            except ValueError as error:  # shown in the widget, never printed
                self.message.value = f"<p><b>Cannot use this value:</b> {html.escape(str(error))}</p>"
        return handler

    def sync(self) -> None:
        """Show the study's current decisions in the controls, then refresh."""
        self._syncing = True
        try:
            for name, control in self.controls.items():
                value = self.study.seed if name == "seed" else self.study.shown_value(name)
                if name == "threshold" and value is not None:
                    control.options = _threshold_options(value)
                if control.value != value:
                    control.value = value
        finally:
            self._syncing = False
        self.refresh()

    def refresh(self) -> None:
        """Recompute what follows from the study's decisions and redraw."""
        self.message.value = ""
        try:
            self.view.value = self._render()
        except ValueError as error:  # e.g. assumptions that leave no time after launch; shown, never printed
            self.message.value = f"<p><b>Cannot run the simulation:</b> {html.escape(str(error))}</p>"
            self.view.value = ""
        self.renders += 1

    def _render(self) -> str:
        study = self.study
        if self.full:
            self.outcome = simulate_project(study.decisions, study.assumptions, study.seed)
            parts = []
            waiting = [DECISION_LABELS[name] for name in self.names if name not in study.chosen]
            if waiting:
                parts.append(f"<p><b>Not chosen yet:</b> {html.escape('; '.join(waiting))}. Until you choose, "
                             "the simulation follows the sources' advice for these.</p>")
            parts += [project_svg(self.outcome), STYLE, f"<p><i>{html.escape(chart_alt(self.outcome))}</i></p>"]
            parts += [_html_table(table, caption) for caption, table in project_tables(self.outcome)]
        else:
            parts = []
            tables = decision_tables(study.decisions, self.names, study.seed, study.assumptions)
            for name, (caption, table) in zip(self.names, tables, strict=True):
                parts.append(f"<p><b>{html.escape(choice_note(name, study.decisions, study.chosen))}</b></p>")
                parts.append(_html_table(table, caption))
        return "".join(parts)


class CaseStudy:
    """One project's decisions, shared by every widget made from it.

    >>> study = CaseStudy()
    >>> study.decide(threshold=0.5)
    >>> study.decisions.threshold
    0.5
    >>> study.decide(threshold=2)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be between 0 and 1, got 2
    >>> study.decide(budget=1)
    Traceback (most recent call last):
    ...
    ValueError: no decision named 'budget'; the decisions are metrics_first, launch_rule_first, quality_checks, baseline_first, threshold, monitoring
    """

    def __init__(self, decisions: Decisions | None = None, seed: int = 1,
                 assumptions: CaseAssumptions | None = None) -> None:
        self.decisions = Decisions() if decisions is None else decisions
        if not isinstance(self.decisions, Decisions):
            raise ValueError(f"decisions must be a Decisions, got {decisions!r}")
        #: The decisions the learner (or ``decisions``) has taken; the others show no choice yet.
        self.chosen: set[str] = set() if decisions is None else set(DECISION_OWNERS)
        self.assumptions = CaseAssumptions() if assumptions is None else assumptions
        self.seed = 0
        self.set_seed(seed, refresh=False)
        self.panels: list[CaseStudyPanel] = []

    def decide(self, **changes: Any) -> None:
        """Change decisions by name; every widget of this study updates."""
        for name in changes:
            if name not in DECISION_OWNERS:
                raise ValueError(f"no decision named {name!r}; the decisions are {', '.join(DECISION_OWNERS)}")
        self.decisions = replace(self.decisions, **changes)  # Decisions validates
        self.chosen |= set(changes)
        self._refresh_all()

    def shown_value(self, name: str) -> Any:
        """What the control of decision ``name`` shows: the learner's choice, or ``None`` before one."""
        return getattr(self.decisions, name) if name in self.chosen else None

    def set_seed(self, seed: int, refresh: bool = True) -> None:
        """Change the luck (the same seed gives the same drift, faults and data problems)."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        self.seed = seed
        if refresh:
            self._refresh_all()

    def _refresh_all(self) -> None:
        for panel in self.panels:
            panel.sync()

    def story(self) -> pd.DataFrame:
        """Who decides what at each step, with the learner's choices so far, as a person reads it.

        >>> study = CaseStudy()
        >>> study.decide(monitoring="none")
        >>> story = study.story()
        >>> list(story.columns)
        ['who decides', 'decision', 'your choice', 'what they hand on']
        >>> story["your choice"].tolist()[-2:], story["who decides"].iloc[-1]
        (['not chosen yet', 'no monitoring'], 'ML engineer')
        """
        story = project_story(self.decisions)
        story["owner"] = story["owner"].map(ROLE_NAMES)
        names = {DECISION_LABELS[name]: name for name in DECISION_OWNERS}
        story["chosen"] = [chosen if names[label] in self.chosen else "not chosen yet"
                           for label, chosen in zip(story["decision"], story["chosen"], strict=True)]
        return story.rename(columns={"owner": "who decides", "chosen": "your choice", "hands_over": "what they hand on"})

    def decision_widget(self, *names: str) -> CaseStudyPanel:
        """Widgets for the named decisions, with what each option leads to.

        >>> panel = CaseStudy().decision_widget("threshold")
        >>> panel.controls["threshold"].value = 0.3
        >>> "Your choice: 0.30. The sources advise: 0.20." in panel.view.value
        True
        """
        if not names:
            raise ValueError("name at least one decision, e.g. decision_widget('quality_checks')")
        unknown = [n for n in names if n not in DECISION_OWNERS]
        if unknown:
            raise ValueError(f"no decision named {unknown[0]!r}; the decisions are {', '.join(DECISION_OWNERS)}")
        roles = sorted({ROLE_NAMES[DECISION_OWNERS[n]] for n in names})
        panel = CaseStudyPanel(self, names, full=False, title=f"{' and '.join(roles)}: your decision")
        self.panels.append(panel)
        return panel

    def project_widget(self) -> CaseStudyPanel:
        """Every decision, grouped by role, with the week-by-week chart and the project's tables.

        >>> panel = CaseStudy().project_widget()
        >>> "<svg" in panel.view.value, sorted(panel.controls)[:2]
        (True, ['baseline_first', 'launch_rule_first'])
        """
        panel = CaseStudyPanel(self, list(DECISION_OWNERS), full=True,
                               title="The whole project: change any decision and see what follows")
        self.panels.append(panel)
        return panel
