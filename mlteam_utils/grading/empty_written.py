"""An empty written answer scores 0 at autograde, so no hand grade waits for it.

A written answer (the reflection) is graded by a person in the formgrader. When a
learner wrote nothing (the text box was left empty, and the answer cell below it holds
only the release's placeholder), there is nothing to grade: :class:`ScoreEmptyWrittenAnswers`
records 0 for that task in the gradebook, clears its "needs a hand grade" flag and leaves
the grader's comment :data:`EMPTY_COMMENT` (shown in the formgrader and the feedback), so the formgrader does not list it as waiting.

It runs in autograde's second phase (after ``Execute``) and looks at the notebook as the
grader holds it: :class:`~mlteam_utils.grading.written_answers.FillWrittenAnswers` has
already copied the text box's answer, as submitted, into the answer cell, and learner code
cannot change markdown cells. It only ever writes 0, so a hostile submission cannot get
points from it; whenever in doubt (any text a person could read near the task, an answers
file the grader could not read, a hand grade already given) it leaves the task to a person.

>>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
>>> task = new_markdown_cell("## Q5", metadata={"nbgrader": {"grade_id": "q5", "task": True, "points": 3}})
>>> box = new_code_cell("written_answer('q5')", metadata={"nbgrader": {"grade_id": "q5_box", "locked": True}})
>>> nb = new_notebook(cells=[task, box, new_markdown_cell(" \\n\\u200b ")])
>>> empty_written_tasks(nb)
['q5']
>>> nb.cells[2].source = "A feasibility study first."
>>> empty_written_tasks(nb)
[]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.grading.written_answers import holds_no_answer

__all__ = ["EMPTY_COMMENT", "ScoreEmptyWrittenAnswers", "empty_written_tasks"]

#: The comment the gradebook keeps with an automatic 0 (the formgrader and the feedback show it).
EMPTY_COMMENT = "No written answer was submitted."


def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    metadata = cell.metadata.get("nbgrader")
    return metadata if isinstance(metadata, dict) else {}


def _is_box(cell: NotebookNode, task_id: str) -> bool:
    """The text box's own cell: locked code, not graded, named after the task or calling the box for it."""
    nbgrader = _nbgrader(cell)
    return (
        cell.cell_type == "code"
        and bool(nbgrader.get("locked"))
        and not nbgrader.get("grade")
        and (nbgrader.get("grade_id") == f"{task_id}_box" or f'written_answer("{task_id}"' in cell.source
             or f"written_answer('{task_id}'" in cell.source)
    )


def _answer_is_empty(nb: NotebookNode, task_index: int, task_id: str) -> bool | None:
    """True if nothing is written below a written-answer task; None if the task has no text box."""
    has_box = False
    for cell in nb.cells[task_index + 1:]:
        if _is_box(cell, task_id):
            has_box = True
            continue
        if _nbgrader(cell):
            break  # the next part of the exercise
        # Any cell the learner could have written in (the answer cell, or one they added).
        if not holds_no_answer(cell.source):
            return False if has_box else None
    return True if has_box else None


def empty_written_tasks(nb: NotebookNode) -> list[str]:
    """The grade ids of the written-answer tasks of ``nb`` with nothing written (see the module doctest)."""
    empty: list[str] = []
    for index, cell in enumerate(nb.cells):
        nbgrader = _nbgrader(cell)
        task_id = nbgrader.get("grade_id")
        if nbgrader.get("task") and isinstance(task_id, str) and _answer_is_empty(nb, index, task_id):
            empty.append(task_id)
    return sorted(empty)


class ScoreEmptyWrittenAnswers(NbGraderPreprocessor):
    """Autograde phase: 0 points, no hand grade pending, for each written answer left empty."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        from nbgrader.api import Gradebook

        info = resources.get("nbgrader", {})
        notebook, assignment, student, db_url = (info.get(k) for k in ("notebook", "assignment", "student", "db_url"))
        if not (notebook and assignment and student and db_url):
            return nb, resources
        empty = empty_written_tasks(nb)
        if empty and not self._answers_file_readable(resources, notebook):
            # The text box's answer may be in a file the grader could not read: a person decides.
            return nb, resources
        written = {
            str(_nbgrader(cell).get("grade_id")) for index, cell in enumerate(nb.cells)
            if _nbgrader(cell).get("task") and _answer_is_empty(nb, index, str(_nbgrader(cell).get("grade_id"))) is False
        }
        if not empty and not written:
            return nb, resources
        with Gradebook(db_url) as gradebook:
            for task_id in empty:
                grade = gradebook.find_grade(task_id, notebook, assignment, student)
                comment = gradebook.find_comment(task_id, notebook, assignment, student)
                if grade.manual_score is not None and comment.manual_comment != EMPTY_COMMENT:
                    continue  # a person's grade stands
                grade.manual_score = 0.0
                grade.needs_manual_grade = False
                # The grader's comment, not nbgrader's automatic one: SaveAutoGrades clears a task's
                # automatic comment at every autograde, and this one must say the 0 was automatic
                # when the learner re-submits.
                comment.manual_comment = EMPTY_COMMENT
                self.log.info("Written answer %s is empty: 0 points, no hand grade needed", task_id)
            for task_id in sorted(written):
                # An earlier, empty submission's automatic 0 must not stand for this one's text.
                grade = gradebook.find_grade(task_id, notebook, assignment, student)
                comment = gradebook.find_comment(task_id, notebook, assignment, student)
                if comment.manual_comment == EMPTY_COMMENT:
                    grade.manual_score = None
                    grade.needs_manual_grade = True
                    comment.manual_comment = None
            gradebook.db.commit()
        return nb, resources

    def _answers_file_readable(self, resources: dict[str, Any], notebook: str) -> bool:
        """True if the answers file is absent or reads cleanly (then an empty answer cell means no answer)."""
        from mlteam_utils.answers import AnswersFileError, AnswersFileMissing, read_answers_file

        folder = resources.get("metadata", {}).get("path")
        if not folder:
            return False
        try:
            read_answers_file(Path(folder) / answers_filename(notebook), notebook=notebook)
        except AnswersFileMissing:
            return True
        except AnswersFileError:
            return False
        except Exception as error:  # a reader failure must never cost the batch, nor a learner's points
            self.log.error("Could not read the answers file of %s: %r", notebook, error)
            return False
        return True
