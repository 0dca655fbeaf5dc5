"""Feedback as HTML that reads well in light and dark JupyterLab themes.

Meaning is carried by symbols and words (✔ right, ◐ partly right, ✘ not right),
never by colour alone; colours come from JupyterLab's CSS variables, and text
keeps the theme's own colour. Pure functions: no widgets needed.

>>> from mlteam_utils.questions.scoring import score_answer
>>> spec = {"kind": "single_choice", "options": ["A", "B"], "correct": "A"}
>>> html_text = result_html(score_answer("q1", spec, "B"))
>>> "✘ not right" in html_text and "#" not in html_text
True
"""

from __future__ import annotations

import html

from mlteam_utils.questions.results import ItemResult, QuestionResult

__all__ = ["message_html", "result_html"]

_COLOURS = {
    "right": "var(--jp-success-color1, inherit)",
    "partly": "var(--jp-warn-color1, inherit)",
    "wrong": "var(--jp-error-color1, inherit)",
    "info": "var(--jp-info-color1, inherit)",
    "problem": "var(--jp-warn-color1, inherit)",
}
_SYMBOLS = {"right": "✔", "partly": "◐", "wrong": "✘", "info": "ℹ", "problem": "⚠"}


def item_mark(item: ItemResult) -> tuple[str, str]:
    """``(tone, words)`` for one item: ``("right", "✔ right")`` and so on.

    >>> item_mark(ItemResult("x", 0.5, False, "", None))
    ('partly', '◐ partly right')
    """
    if item.correct:
        return "right", "✔ right"
    if item.credit > 0:
        return "partly", "◐ partly right"
    return "wrong", "✘ not right"


def _span(tone: str, text: str) -> str:
    return f'<span style="color: {_COLOURS[tone]}; font-weight: 600;">{html.escape(text)}</span>'


def message_html(text: str, tone: str = "info") -> str:
    """One message with a symbol: ``tone`` is ``"info"``, ``"problem"``, ``"right"``, ``"partly"`` or ``"wrong"``.

    >>> message_html("Saved. 2 of 3 items answered.")
    '<div class="mlteam-message" role="status"><span style="color: var(--jp-info-color1, inherit); font-weight: 600;">ℹ</span> Saved. 2 of 3 items answered.</div>'
    """
    return f'<div class="mlteam-message" role="status">{_span(tone, _SYMBOLS[tone])} {html.escape(text)}</div>'


def result_html(result: QuestionResult, *, show_expected: bool = False) -> str:
    """A scored answer as HTML: a summary line, problems, one line per item, notes.

    ``expected`` answers are shown only with ``show_expected=True``.
    """
    if result.problems:
        head = _span("wrong", f"✘ {result.summary()}")
    elif result.correct:
        head = _span("right", "✔ All right.")
    else:
        head = _span("partly" if result.fraction > 0 else "wrong", f"{'◐' if result.fraction > 0 else '✘'} {result.summary()}")
        head += " Read the notes below, change your answer and check again."
    parts = [f'<div class="mlteam-feedback" role="status"><p>{head}</p>']
    for problem in result.problems[1:]:
        parts.append(f"<p>{_span('problem', '⚠')} {html.escape(problem)}</p>")
    if result.items and not result.problems:
        parts.append('<ul style="margin-top: 0.25em;">')
        for item in result.items:
            tone, words = item_mark(item)
            line = f"<li>{_span(tone, words)}: <strong>{html.escape(item.item)}</strong>"
            if item.feedback:
                line += f" — {html.escape(item.feedback)}"
            if show_expected and not item.correct and item.expected:
                line += f" (expected: {html.escape(item.expected)})"
            parts.append(line + "</li>")
        parts.append("</ul>")
    for note in result.notes:
        parts.append(f"<p>{_span('info', 'ℹ')} {html.escape(note)}</p>")
    parts.append("</div>")
    return "".join(parts)
