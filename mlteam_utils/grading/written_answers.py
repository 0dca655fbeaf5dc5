"""Put the written answer, as submitted, where the instructor grades it.

The learner writes in a text box (:func:`mlteam_utils.questions.written.written_answer`)
that saves the text in the answers file. :class:`FillWrittenAnswers` runs in autograde's
sanitize phase, before any learner code, reads that file as submitted and copies each
written answer into the answer cell below its task cell: the formgrader shows it there
for the hand grade, the feedback shows it as the learner's answer, and
:class:`~mlteam_utils.grading.markup.NeutralizeLearnerMarkup` makes it inert like any
learner markdown. Text a learner typed into the answer cell itself is kept below it,
so nothing is lost.

>>> from nbformat.v4 import new_markdown_cell, new_notebook
>>> task = new_markdown_cell("## Question 5", metadata={"nbgrader": {"grade_id": "q5_reflection", "task": True, "locked": True}})
>>> nb = new_notebook(cells=[task, new_markdown_cell(ANSWER_CELL_PLACEHOLDER)])
>>> fill_written_answers(nb, {"q5_reflection": {"kind": "written", "value": "A feasibility study first.", "complete": True}})
['q5_reflection']
>>> nb.cells[1].source
'A feasibility study first.'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from mlteam_utils.grading.settings import answers_filename

__all__ = [
    "ANSWER_CELL_PLACEHOLDER",
    "FillWrittenAnswers",
    "answer_cell_index",
    "fill_written_answers",
    "holds_no_answer",
    "visible_text",
]

#: What the answer cell says in the release: the box above is where the learner writes.
ANSWER_CELL_PLACEHOLDER = "*Your answer from the box above is copied here when your exercise is graded; you don't need to type here.*"
#: Texts of an answer cell that hold no answer (today's placeholder and earlier releases').
_PLACEHOLDERS = frozenset({
    ANSWER_CELL_PLACEHOLDER,
    "*Write your answer here (double-click to edit, then Shift+Enter).*",
    "YOUR ANSWER HERE",
    "",
})


def visible_text(text: str) -> str:
    """``text`` without whitespace and invisible characters (zero-width spaces, controls).

    >>> visible_text(" \\u200b\\t\\ufeff\\u00a0 ")
    ''
    >>> visible_text(" a b ")
    'ab'
    """
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in {"Cf", "Cc", "Zs", "Zl", "Zp"})


_EMPTY_TEXTS = frozenset(visible_text(text) for text in _PLACEHOLDERS)


def holds_no_answer(text: str) -> bool:
    """True if an answer cell's ``text`` is blank, invisible or one of the release's placeholders.

    >>> holds_no_answer(ANSWER_CELL_PLACEHOLDER), holds_no_answer("\\u200b \\n"), holds_no_answer("No.")
    (True, True, False)
    """
    return visible_text(text) in _EMPTY_TEXTS


def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    metadata = cell.metadata.get("nbgrader")
    return metadata if isinstance(metadata, dict) else {}


def answer_cell_index(nb: NotebookNode, task_index: int) -> int | None:
    """The first plain markdown cell after the task, before the next locked cell that is not the box."""
    for index in range(task_index + 1, len(nb.cells)):
        cell = nb.cells[index]
        nbgrader = _nbgrader(cell)
        if cell.cell_type == "markdown" and not nbgrader:
            return index
        if cell.cell_type == "code" and nbgrader.get("locked") and not nbgrader.get("grade"):
            continue  # the text box's own cell
        return None
    return None


def fill_written_answers(nb: NotebookNode, answers: Mapping[str, Any]) -> list[str]:
    """Copy each written answer in ``answers`` into the answer cell below its task; return the task ids filled."""
    from mlteam_utils.answers import WRITTEN

    filled: list[str] = []
    for task_index in reversed(range(len(nb.cells))):
        task = nb.cells[task_index]
        grade_id = _nbgrader(task).get("grade_id")
        entry = answers.get(grade_id) if _nbgrader(task).get("task") and isinstance(grade_id, str) else None
        if not isinstance(entry, dict) or entry.get("kind") != WRITTEN or not isinstance(entry.get("value"), str):
            continue
        text = entry["value"].strip()
        if holds_no_answer(text):
            continue
        index = answer_cell_index(nb, task_index)
        if index is None:
            # The answer cell was deleted: put one back right after the task and its box.
            index = task_index + 1
            while index < len(nb.cells) and nb.cells[index].cell_type == "code" and _nbgrader(nb.cells[index]).get("locked") \
                    and not _nbgrader(nb.cells[index]).get("grade"):
                index += 1
            nb.cells.insert(index, new_markdown_cell(""))
        typed = nb.cells[index].source.strip()
        nb.cells[index].source = text if holds_no_answer(typed) else f"{text}\n\n---\n\n{typed}"
        filled.append(str(grade_id))
    return sorted(filled)


class FillWrittenAnswers(NbGraderPreprocessor):
    """Sanitize phase: written answers from the submitted answers file go into their answer cells."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        from mlteam_utils.answers import AnswersFileError, read_answers_file

        notebook = resources.get("nbgrader", {}).get("notebook")
        folder = resources.get("metadata", {}).get("path")
        if not notebook or not folder:
            return nb, resources
        try:
            answers = read_answers_file(Path(folder) / answers_filename(notebook), notebook=notebook)
        except AnswersFileError:
            return nb, resources  # ScoreWidgetAnswers reports the file's problem
        except Exception as error:  # a reader failure must never cost the batch
            self.log.error("Could not read the written answers of %s: %r", notebook, error)
            return nb, resources
        for grade_id in fill_written_answers(nb, answers):
            self.log.info("Written answer %s: copied from the answers file into its answer cell", grade_id)
        return nb, resources
