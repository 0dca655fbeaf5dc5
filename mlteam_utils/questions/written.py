"""The written answer: a text box saved like the widget answers, graded by a person.

A learner who types a paragraph into a notebook's markdown cell while JupyterLab is
in command mode runs the paragraph as shortcuts (``x`` cuts the cell, ``m`` turns it
into markdown, ``a`` adds one …) and autosave keeps the damage. A text box cannot do
that: keys typed into it stay in it, whatever mode the notebook was in.

:func:`written_answer` shows the box and saves the text, as the learner types, in the
exercise's answers file (kind ``written``), and restores it when its cell runs again.
At grading time :class:`~mlteam_utils.grading.written_answers.FillWrittenAnswers` copies
the text, as submitted, into the answer cell below the task, where the instructor
grades it by hand in the formgrader and the feedback shows it as the learner's answer.

>>> import tempfile
>>> from mlteam_utils.answers import AnswerSheet
>>> sheet = AnswerSheet("ex00_demo", tempfile.mkdtemp())
>>> box = written_answer("q5_reflection", sheet=sheet)
>>> box.text.value = "We would run a two-week feasibility study first."
>>> sheet.get("q5_reflection")["value"]
'We would run a two-week feasibility study first.'
>>> "Saved: 8 words" in box.status.value
True
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from mlteam_utils.answers import MAX_WRITTEN_CHARS, WRITTEN, AnswerSheet

__all__ = ["WrittenAnswerBox", "written_answer", "written_status"]


def written_status(text: str, *, saved: bool, cut: bool = False) -> str:
    """The line under the box: what is saved, in words a learner reads at a glance.

    >>> written_status("", saved=True)
    'Nothing written yet. Your text is saved as you type.'
    >>> written_status("Two words", saved=True)
    '✔ Saved: 2 words. You can change it until you submit.'
    >>> written_status("Two words", saved=False)
    'Not saved: answers are not saved while the exercise is being graded.'
    """
    if not saved:
        return "Not saved: answers are not saved while the exercise is being graded."
    words = len(text.split())
    if not words:
        return "Nothing written yet. Your text is saved as you type."
    line = f"✔ Saved: {words} word{'s' if words != 1 else ''}. You can change it until you submit."
    return line + (f" (Only the first {MAX_WRITTEN_CHARS:,} characters are kept.)" if cut else "")


class WrittenAnswerBox(widgets.VBox):
    """The text box and its status line (``text``, ``status``), as a VBox."""

    def __init__(self, text: widgets.Textarea, status: widgets.HTML, **kwargs: Any) -> None:
        super().__init__([text, status], **kwargs)
        self.text = text
        self.status = status


def written_answer(
    question_id: str,
    *,
    sheet: AnswerSheet,
    label: str = "Your answer",
    placeholder: str = "Write your answer here. It is saved as you type.",
    rows: int = 8,
) -> WrittenAnswerBox:
    """A text box for a written answer, saved in ``sheet`` under ``question_id`` as the learner types.

    ``question_id`` is the grade id of the task cell above it (nbgrader's manually
    graded task), so the grader knows where the text belongs.
    """
    saved = sheet.get(question_id)
    initial = saved["value"] if saved and saved.get("kind") == WRITTEN and isinstance(saved.get("value"), str) else ""
    text = widgets.Textarea(
        value=initial,
        description=label,
        placeholder=placeholder,
        rows=rows,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%"),
    )
    status = widgets.HTML(f'<p class="mlteam-written-status">{html.escape(written_status(initial, saved=True))}</p>')

    def on_change(change: dict[str, Any]) -> None:
        value = str(change["new"])
        kept = value[:MAX_WRITTEN_CHARS]
        written = sheet.save(question_id, WRITTEN, kept, bool(kept.strip()))
        status.value = f'<p class="mlteam-written-status">{html.escape(written_status(kept, saved=written, cut=kept != value))}</p>'

    text.observe(on_change, names="value")
    box = WrittenAnswerBox(text, status)
    box.add_class("mlteam-written-answer")
    return box
