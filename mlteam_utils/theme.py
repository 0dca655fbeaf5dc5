"""How the course's outputs follow JupyterLab's light and dark themes: one small stylesheet.

Text, tables and feedback take their colours from JupyterLab's CSS variables
(see :mod:`mlteam_utils.questions.feedback`), so they follow the theme by
themselves. Two things need a rule of their own, and :data:`STYLE` holds both:

* **charts** are pictures drawn on white (PNG from matplotlib, the case study's
  SVG). In JupyterLab's dark theme (``<body data-jp-theme-light="false">``) an
  element with the class :data:`CHART_CLASS` is shown inverted with its hues
  turned back, so the chart is dark with light text, and its lines keep their
  colour family (orange stays orange, blue stays blue), instead of a bright box;
* **a chosen radio button or tick box** takes the theme's brand colour (Chromium's
  own is a pale grey dot in the dark theme);
* **the keyboard focus** on a button of the course's widgets (class
  :data:`WIDGET_CLASS`) shows as a 3-pixel ring in the theme's brand colour, just
  inside the button's edge;
  ipywidgets' own ring is 1 pixel of a pale blue, hard to see on white.

The rules travel with the outputs, as a ``<style>`` element in the HTML that
shows a chart or a widget, so nothing is installed into JupyterLab. JupyterLab
leaves ``<style>`` out of the stored outputs of a notebook it does not trust
(one opened but not yet run), so :func:`mlteam_utils.figures.describe_figures`, which a
lesson's setup cell calls, shows the stylesheet on its own too: from the first cell a
learner runs, Run All or one by one, the stored charts below follow the theme.

>>> STYLE.startswith("<style>") and CHART_CLASS in STYLE and WIDGET_CLASS in STYLE
True
>>> "#" in STYLE  # colours come from the theme, never fixed
False

A lesson is stored with its outputs, but not with its widgets' state: until its
cells run, JupyterLab shows a widget's stored text instead, which ipywidgets makes
from the widget's ``repr`` (``QuestionBox(question_id='kc_uncertainty', ...)``).
:class:`ReadableBeforeRun` makes that text a sentence a learner can act on.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CHART_CLASS", "STYLE", "WIDGET_CLASS", "ReadableBeforeRun"]

#: The class of a chart (an ``<img>`` or ``<svg>``) that the dark theme shows inverted.
CHART_CLASS = "mlteam-chart"
#: The class of every widget the course builds (questions, simulations).
WIDGET_CLASS = "mlteam-widget"

STYLE = (
    "<style>"
    # Dark theme: white becomes near-black, black text becomes light; hue-rotate turns the
    # inverted hues back, and brightness and saturation give the lines back their strength.
    f'body[data-jp-theme-light="false"] .{CHART_CLASS} '
    "{ filter: invert(0.92) hue-rotate(180deg) brightness(1.15) saturate(1.5); }"
    # More specific than ipywidgets' `.jupyter-button:focus:enabled` (a 1-pixel outline). Drawn
    # just inside the button's edge: the boxes around a button clip anything outside it.
    f".{WIDGET_CLASS} .jupyter-button:focus-visible:enabled "
    "{ outline: 3px solid var(--jp-brand-color1); outline-offset: -3px; }"
    # A chosen radio button or tick box in the theme's brand colour, plain in the dark theme too.
    f".{WIDGET_CLASS} input[type=radio], .{WIDGET_CLASS} input[type=checkbox] "
    "{ accent-color: var(--jp-brand-color1); }"
    "</style>"
)
"""The stylesheet, as a ``<style>`` element to put in an output's HTML (repeating it is harmless)."""


class ReadableBeforeRun:
    """Mixin for a course widget (listed before the ipywidgets class): the text stored beside it,
    shown until its cell runs, names what will show, not the widget's code.

    >>> import ipywidgets as widgets
    >>> class Panel(ReadableBeforeRun, widgets.VBox):
    ...     before_run = "The simulation"
    >>> Panel()._repr_mimebundle_()["text/plain"]
    'The simulation shows here once this cell runs (Run ▸ Run All Cells runs the whole notebook).'
    """

    before_run = "The widget"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if bundle is not None:
            bundle["text/plain"] = f"{self.before_run} shows here once this cell runs (Run ▸ Run All Cells runs the whole notebook)."
        return bundle
