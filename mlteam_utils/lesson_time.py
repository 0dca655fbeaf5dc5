"""How long a lesson takes a learner who does not code, estimated from the notebook itself.

The course promises every lesson fits in 40 minutes. The syllabus states each lesson's
minutes, and a test checks them against this estimate, so the promise follows the text:

* **prose**: the words of the Markdown cells, except the Sources cell (a reference list,
  not read through), at ``WORDS_PER_MINUTE``: half the average adult's silent reading rate
  for non-fiction, 238 words a minute (Brysbaert, *Journal of Memory and Language*, 2019),
  because this is reading to learn, often in a second language;
* **knowledge checks**: ``CHECK_MINUTES`` each, to answer, press Check and read why;
* **interactives**: the minutes in ``INTERACTIVE_MINUTES`` for each call of a simulation,
  and for each decision a case-study decision widget shows, to predict, move the controls
  and read the result;
* **outputs to read**: ``OUTPUT_MINUTES`` for every other code cell with an output (a table,
  a chart), except the setup cell.

The total is rounded up to a whole minute.

>>> import nbformat
>>> lesson = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("word " * 240),
...     nbformat.v4.new_code_cell("import pandas as pd"),
...     nbformat.v4.new_code_cell("table", outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"})]),
...     nbformat.v4.new_code_cell('knowledge_check("kc_one")'),
...     nbformat.v4.new_code_cell("planning_widget(lesson=True)"),
...     nbformat.v4.new_markdown_cell("## Sources\\n\\n" + "cited " * 500),
... ])
>>> estimate = estimate_lesson_time(lesson)
>>> (estimate.words, estimate.checks, estimate.interactive_minutes, estimate.outputs)
(240, 1, 4.0, 1)
>>> estimate.minutes  # 240 / 120 + 1.5 + 4 + 0.5 = 8
8
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORDS_PER_MINUTE = 120
CHECK_MINUTES = 1.5
OUTPUT_MINUTES = 0.5
# A whole simulation takes longer than one decision of the case study.
INTERACTIVE_MINUTES = {
    "planning_widget": 4.0,
    "staffing_widget": 4.0,
    "negotiation_widget": 4.0,
    "project_widget": 4.0,
    "decision_widget": 2.0,
}
MAX_LESSON_MINUTES = 40

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9’'\-]*")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@dataclass(frozen=True)
class LessonTime:
    """What a lesson asks of its reader, and the minutes that adds up to."""

    words: int
    checks: int
    interactive_minutes: float
    outputs: int

    @property
    def minutes(self) -> int:
        """The estimate, rounded up to a whole minute."""
        raw = self.words / WORDS_PER_MINUTE + self.checks * CHECK_MINUTES + self.interactive_minutes + self.outputs * OUTPUT_MINUTES
        return math.ceil(round(raw, 6))


def prose_words(markdown: str) -> int:
    """Count the words a reader reads: letters and digits, not Markdown punctuation.

    >>> prose_words("**Drift**: the world *changed* (see [lesson 3](03.ipynb)).")
    7
    """
    text = re.sub(r"\]\([^)]*\)", "]", markdown)  # a link's target is not read
    return len(_WORD.findall(text))


_DECISIONS = re.compile(r"\bdecision_widget\s*\(([^)]*)\)")
_QUOTED = re.compile(r"""(["'])[^"']+\1""")


def _interactive_minutes(source: str) -> float:
    """Minutes of the simulations a code cell shows; a decision widget counts each decision.

    >>> _interactive_minutes('project.decision_widget("threshold", "monitoring")')
    4.0
    >>> _interactive_minutes("planning_widget(lesson=True)")
    4.0
    """
    total = 0.0
    for name in _CALL.findall(source):
        if name != "decision_widget":
            total += INTERACTIVE_MINUTES.get(name, 0.0)
    for arguments in _DECISIONS.findall(source):
        total += INTERACTIVE_MINUTES["decision_widget"] * max(1, len(_QUOTED.findall(arguments)))
    return total


def estimate_lesson_time(notebook: Any) -> LessonTime:
    """Estimate a lesson notebook (an ``nbformat`` node) as the module docstring describes."""
    words = checks = outputs = 0
    interactive = 0.0
    first_code = True
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            if not cell.source.lstrip().startswith("## Sources"):
                words += prose_words(cell.source)
            continue
        if cell.cell_type != "code":
            continue
        if first_code:  # the setup cell: run, not read
            first_code = False
            continue
        if "knowledge_check(" in cell.source:
            checks += 1
        elif (minutes := _interactive_minutes(cell.source)) > 0:
            interactive += minutes
        elif cell.get("outputs"):
            outputs += 1
    return LessonTime(words=words, checks=checks, interactive_minutes=interactive, outputs=outputs)


def lesson_minutes(path: Path) -> LessonTime:
    """Read a lesson notebook from disk and estimate it."""
    import nbformat

    return estimate_lesson_time(nbformat.read(path, as_version=4))
