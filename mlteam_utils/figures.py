"""Charts with a text alternative: every matplotlib figure a lesson shows carries alt text.

JupyterLab shows a figure's ``image/png`` as an ``<img>`` without ``alt``, so a
screen reader announces nothing (axe-core: *image-alt*, critical). After
:func:`describe_figures`, each figure is also sent as ``text/html``: the same
PNG in an ``<img>`` whose ``alt`` names the chart (its titles and axes) and
points to the lesson's *What to see* text below it, which describes what the
chart shows. JupyterLab and Notebook 7 prefer the HTML; tools that read the PNG
still find it. The ``<img>`` carries the class that shows charts dark in
JupyterLab's dark theme (:mod:`mlteam_utils.theme`), with its stylesheet.

:func:`describe_figures` also shows the stylesheet itself, as the (blank) output of
the lesson's setup cell. A lesson is stored with its charts, and JupyterLab drops the
stylesheet from the stored outputs of a notebook not yet run: without this, a learner
running the cells one by one in the dark theme saw the stored charts on white until
the first chart cell ran.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> figure, axes = plt.subplots()
>>> _ = axes.set(title="Accuracy rises fast, then plateaus", xlabel="week", ylabel="accuracy")
>>> print(alt_text(figure))
Chart: Accuracy rises fast, then plateaus (week against accuracy). The text below the chart says what it shows.
>>> figure_html(figure).startswith('<img class="mlteam-chart" alt="Chart: Accuracy rises fast')
True
>>> plt.close(figure)
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from mlteam_utils.theme import CHART_CLASS, STYLE

__all__ = ["alt_text", "describe_figures", "figure_html"]


def alt_text(figure: Any) -> str:
    """A short text alternative for ``figure``: its titles and, for one chart, its axes."""
    titles = []
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        titles.append(suptitle.get_text().strip())
    visible = [axes for axes in figure.axes if axes.get_visible()]
    titles += [axes.get_title().strip() for axes in visible if axes.get_title().strip()]
    text = "Chart: " + ("; ".join(titles) if titles else "see the text below")
    if len(visible) == 1 and visible[0].get_xlabel() and visible[0].get_ylabel():
        text += f" ({visible[0].get_xlabel()} against {visible[0].get_ylabel()})"
    return text + ". The text below the chart says what it shows."


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def figure_html(figure: Any, png: bytes | str | None = None) -> str:
    """The figure as an ``<img>`` with alt text, the PNG inline (as the notebook stores it anyway),
    followed by the theme's stylesheet."""
    data = _png(figure) if png is None else png
    encoded = data if isinstance(data, str) else base64.b64encode(data).decode("ascii")
    return (f'<img class="{CHART_CLASS}" alt="{html.escape(alt_text(figure), quote=True)}" '
            f'src="data:image/png;base64,{encoded}">{STYLE}')


def describe_figures(shell: Any = None) -> None:
    """Send every figure this kernel shows as HTML with alt text too, and show the theme's stylesheet
    (nothing happens outside IPython)."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with Jupyter
            return
        shell = get_ipython()
    if shell is None:
        return
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # Loading Jupyter's inline backend clears every formatter registered for figures, and
    # it loads with the first figure: load it now, so the one below stays.
    plt.switch_backend(matplotlib.get_backend())
    formatters = shell.display_formatter.formatters
    try:
        inline_png = formatters["image/png"].lookup_by_type(Figure)
    except KeyError:
        inline_png = _png
    # IPython asks for text/html before image/png: draw the PNG once, for both.
    last: list[Any] = []

    def as_html(figure: Any) -> str:
        data = inline_png(figure)
        last[:] = [figure, data]
        return figure_html(figure, data)

    def as_png(figure: Any) -> Any:
        if last and last[0] is figure:
            data = last[1]
            last.clear()
            return data
        return inline_png(figure)

    formatters["text/html"].for_type(Figure, as_html)
    formatters["image/png"].for_type(Figure, as_png)
    # The stored charts below follow the dark theme from this cell on, not from the first chart cell on.
    from IPython.display import display

    display({"text/html": STYLE}, raw=True)
