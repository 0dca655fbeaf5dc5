"""The generic front end of a simulation: controls, a predict-then-run prompt, one figure.

:class:`SimulationPanel` is what the planning and staffing front ends
(:mod:`~mlteam_utils.simulations.planning_widgets`,
:mod:`~mlteam_utils.simulations.staffing_widgets`) build on; each gives it its
controls and two plain functions, ``run`` (values -> result) and ``draw``
(figure, result, values -> alt text and tables), that tests call without a
browser.

The panel draws one matplotlib Figure (never registered with pyplot, so the
notebook does not show it a second time), renders it to PNG and shows it, with
the tables below it, inside one ``ipywidgets.Output``: ``clear_output(wait=True)``
then ``display`` in a kernel, so the old picture is only replaced once the new
one is ready. Without a kernel (tests, scripts) the Output's ``outputs`` are
replaced directly instead. Callbacks write nothing outside that Output; a bad
value is reported inside it.

In lesson mode (``prompt_for`` given) a question comes first: the learner picks
a prediction, which unlocks the **Run** button, and only then sees the result
and a comparison of prediction and outcome (predict, then run).

The numbers a learner sets are labelled number boxes (:func:`number_control`),
not sliders: ipywidgets' slider handle has no accessible name, so a screen
reader announces it as an unnamed slider. A number box is a native
``<input type=number>`` named by its label, stepped with the arrow keys.
The title may follow the controls (``title`` given as a function of their values).

>>> panel = SimulationPanel(
...     title="Doubling", intro_html="", controls={"n": number_control("n", 3, 0, 10)},
...     run=lambda values: 2 * values["n"], draw=lambda figure, result, values: (f"Chart: {result}", []),
...     figure_size=(2.0, 1.0))
>>> panel.renders, panel.result
(1, 6)
>>> panel.controls["n"].value = 4
>>> panel.renders, panel.result
(2, 8)
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

from mlteam_utils.theme import CHART_CLASS, STYLE, WIDGET_CLASS, ReadableBeforeRun

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "CONTROL_LAYOUT",
    "CONTROL_STYLE",
    "Prompt",
    "SimulationPanel",
    "figure_bundle",
    "live_feedback",
    "number_control",
    "prediction_feedback",
    "table_bundle",
]

#: The controls' label width and row layout, the same in every front end.
CONTROL_STYLE = {"description_width": "22em"}
CONTROL_LAYOUT = widgets.Layout(width="52em", max_width="100%")
#: A number box needs less room than a drop-down: the label, then about ten digits.
NUMBER_LAYOUT = widgets.Layout(width="32em", max_width="100%")


def number_control(description: str, value: float, low: float, high: float, step: float = 1, *,
                   show_range: bool = True) -> widgets.ValueWidget:
    """A labelled number box kept between ``low`` and ``high``; whole numbers unless a bound or step is not.

    The label names the range (``show_range``), since a value typed outside it is brought back inside.

    >>> box = number_control("Deadline (weeks)", 20, 8, 40)
    >>> type(box).__name__, box.description
    ('BoundedIntText', 'Deadline (weeks, 8 to 40)')
    >>> box.value = 99
    >>> box.value
    40
    >>> type(number_control("Chance", 0.5, 0.05, 1.0, 0.05)).__name__
    'BoundedFloatText'
    """
    if show_range:
        bounds = f"{low:g} to {high:g}"
        description = f"{description[:-1]}, {bounds})" if description.endswith(")") else f"{description} ({bounds})"
    common = {"description": description, "style": CONTROL_STYLE, "layout": NUMBER_LAYOUT}
    if all(float(x).is_integer() for x in (value, low, high, step)):
        return widgets.BoundedIntText(value=int(value), min=int(low), max=int(high), step=int(step), **common)
    return widgets.BoundedFloatText(value=value, min=low, max=high, step=step, **common)


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
        "text/html": (f'<img class="{CHART_CLASS}" src="data:image/png;base64,{data}" alt="{alt_text}" '
                      f'style="max-width:100%">{STYLE}'),
        "text/plain": alt,
    }


def table_bundle(table: pd.DataFrame, caption: str) -> dict[str, str]:
    """A display bundle for ``table`` under a bold caption: HTML, and the text alone.

    >>> import pandas as pd
    >>> print(table_bundle(pd.DataFrame({"on time": [0.25]}, index=["ML plan"]), "Shares")["text/plain"])
    Shares
             on time
    ML plan     0.25
    """
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


class SimulationPanel(ReadableBeforeRun, widgets.VBox):
    """Controls, an optional predict-then-run prompt, and one figure in an Output.

    ``controls`` maps parameter names to their widgets; ``extras`` holds
    other named widgets (presets, notes); ``renders`` counts
    redraws; ``result`` is the last simulation result. ``refresh()`` recomputes
    and redraws.
    """

    before_run = "The simulation"

    def __init__(
        self,
        *,
        title: str | Callable[[Mapping[str, Any]], str],
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
        self._title, self._intro_html = title, intro_html
        self.heading = widgets.HTML(value="")
        self._show_title()
        children: list[widgets.Widget] = [self.heading]
        children += list(self.controls.values()) + list(self.extras.values())
        if prompt_for is not None:
            self.guess = widgets.RadioButtons(options=[], value=None, description="Your prediction",
                                              style=CONTROL_STYLE, layout=widgets.Layout(width="auto"))
            self.run_button = widgets.Button(description="Run", disabled=True, button_style="primary",
                                             tooltip="Make a prediction first, then run the simulation",
                                             icon="play")
            self.guess.observe(self._on_guess, names="value")
            self.run_button.on_click(self._on_run)
            children += [self.question, self.guess, self.run_button, self.feedback]
        children.append(self.output)
        super().__init__(children=children)
        self.add_class(WIDGET_CLASS)
        for widget in self.controls.values():
            widget.observe(self._on_change, names="value")
        if prompt_for is None:
            self.refresh()
        else:
            self._reset_prompt()

    # -- state
    def _show_title(self) -> None:
        title = self._title(self.values()) if callable(self._title) else self._title
        self.heading.value = f"<h3>{html.escape(title)}</h3>{self._intro_html}{STYLE}"

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
        self._show_title()
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
