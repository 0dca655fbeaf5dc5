"""A check cell's note to the learner: a line of prose in the course's style, not program output.

A locked check cell (:func:`mlteam_utils.answers.check_answered`,
:func:`mlteam_utils.answers.attempted`) tells a learner what is still to do. Printed,
that line sat in JupyterLab's monospace output box and looked like a program's
output. In the learner's own kernel it is now shown as rich output: HTML in the
notebook's text font, coloured by JupyterLab's CSS variables, so it reads the same
in the light and dark themes (its plain text travels with it for any other front
end).

Under nbgrader's own runs (``NBGRADER_EXECUTION`` set: Validate, autograde) and
outside IPython nothing changes: the line is printed, as before, so what the
grader records and what Validate reports stay as they were.

>>> note = Note("Question 1 is not answered yet.", "todo")
>>> str(note)
'○ Question 1 is not answered yet.'
>>> "#" in note._repr_html_()  # colours come from the theme, never fixed
False
>>> show_note("Question 1 is not answered yet.", "todo")  # no IPython kernel here: printed
○ Question 1 is not answered yet.
"""

from __future__ import annotations

import html
import os
import sys

__all__ = ["Note", "show_note"]

#: The environment variable nbgrader sets in the kernels it runs (the same as :mod:`mlteam_utils.answers`).
GRADING_ENV_VARIABLE = "NBGRADER_EXECUTION"

#: tone -> (symbol, the symbol's colour from JupyterLab's theme). Meaning is in the words, not the colour.
TONES = {
    "todo": ("○", "var(--jp-info-color1, inherit)"),
    "done": ("✔", "var(--jp-success-color1, inherit)"),
    "info": ("ℹ", "var(--jp-info-color1, inherit)"),
    "problem": ("⚠", "var(--jp-warn-color1, inherit)"),
}

# Text in the theme's own font and colour, like the widget's "Not answered yet." line; no box.
_STYLE = (
    "font-family: var(--jp-content-font-family); font-size: var(--jp-content-font-size1); "
    "line-height: var(--jp-content-line-height, 1.6); color: var(--jp-content-font-color1); "
    "margin: 0.25em 0; max-width: 60em;"
)


class Note:
    """One calm line for the learner: shown as HTML by JupyterLab, as ``○ text`` anywhere else.

    >>> Note("Question 1 and question 2: answered and saved.", "done")
    ✔ Question 1 and question 2: answered and saved.
    >>> Note("<b>", "info")._repr_html_()  # doctest: +ELLIPSIS
    '<div class="mlteam-note" role="status" style="...">...&lt;b&gt;</div>'
    """

    def __init__(self, text: str, tone: str = "info") -> None:
        if tone not in TONES:
            raise ValueError(f"tone is one of {sorted(TONES)}, not {tone!r}")
        self.text, self.tone = text, tone

    def __str__(self) -> str:
        return f"{TONES[self.tone][0]} {self.text}"

    # IPython's text/plain: the same line as printed, never "<Note object at 0x…>".
    __repr__ = __str__

    def _repr_html_(self) -> str:
        symbol, colour = TONES[self.tone]
        return (
            f'<div class="mlteam-note" role="status" style="{_STYLE}">'
            f'<span style="color: {colour}; font-weight: 600;" aria-hidden="true">{symbol}</span> '
            f"{html.escape(self.text)}</div>"
        )


def _in_a_kernel() -> bool:
    """Whether an IPython shell runs this code (a notebook's kernel), without importing IPython."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None


def show_note(text: str, tone: str = "info") -> None:
    """Show ``text`` under the running cell: rich in the learner's kernel, printed under nbgrader.

    Never on standard error, which nbgrader would score as a failure.
    """
    note = Note(text, tone)
    if os.environ.get(GRADING_ENV_VARIABLE) or not _in_a_kernel():
        print(note)
        return
    from IPython.display import display  # already loaded in a kernel: costs nothing

    display(note)
