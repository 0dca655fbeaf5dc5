"""What a learner's feedback page shows: each question by name, nothing that is not theirs.

nbgrader's feedback page titles every graded cell "Test cell", prints the score
of a part nobody has graded yet as 0, and shows every cell of the notebook: the
instructor's widget-building code with its empty ``Out[]`` prompts, the data
set-up, the footer written for self-learners. :class:`DescribeFeedbackCells`
runs after nbgrader's ``GetGrades`` and prepares the notebook for this course's
feedback template (``mlteam_utils/grading/templates/feedback``):

* each graded or task cell gets ``metadata.mlteam.feedback_title``, the
  question heading it answers (``Question 1 — The CRISP-DM lifecycle``);
* a part still waiting for a person's grade gets ``metadata.mlteam.awaiting_grade``,
  and the page's resources hold ``awaiting_points``: the template prints
  "awaiting grading", never "0";
* locked code cells that are neither graded nor the learner's (setup, widget
  builders, data loading) and the closing footer are removed; the learner's own
  cells and every graded cell stay.
"""

from __future__ import annotations

import re
from typing import Any

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

METADATA_KEY = "mlteam"
_QUESTION_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.MULTILINE)
_POINTS_SUFFIX = re.compile(r"\s*\((?:[^()]*\bpoints?\b[^()]*)\)\s*$", re.IGNORECASE)


def question_title(markdown: str) -> str | None:
    """The first heading of a markdown cell, without its points suffix.

    >>> question_title("## Question 1 — The CRISP-DM lifecycle (3 points)\\n\\nCRISP-DM describes...")
    'Question 1 — The CRISP-DM lifecycle'
    >>> question_title("## Question 5 — In your organization (3 points, graded by a person)")
    'Question 5 — In your organization'
    >>> question_title("Plain text, no heading.") is None
    True
    """
    match = _QUESTION_HEADING.search(markdown)
    if not match:
        return None
    title = _POINTS_SUFFIX.sub("", match.group("title")).strip()
    return title or None


def is_instructor_scaffolding(cell: NotebookNode, footer_ids: tuple[str, ...]) -> bool:
    """A cell the feedback page leaves out: locked set-up code, or the closing footer.

    >>> from nbformat.v4 import new_code_cell, new_markdown_cell
    >>> setup = new_code_cell("from mlteam_utils.answers import AnswerSheet", metadata={"nbgrader": {"locked": True, "grade": False, "solution": False, "grade_id": "setup"}})
    >>> answer = new_code_cell("reached = log", metadata={"nbgrader": {"locked": False, "grade": False, "solution": True, "grade_id": "q4_solution"}})
    >>> footer = new_markdown_cell("Before you submit...", metadata={"nbgrader": {"locked": True, "grade": False, "solution": False, "grade_id": "footer"}})
    >>> [is_instructor_scaffolding(cell, ("footer",)) for cell in (setup, answer, footer)]
    [True, False, True]
    """
    nbgrader = cell.metadata.get("nbgrader", {})
    if not nbgrader.get("locked") or nbgrader.get("grade") or nbgrader.get("solution") or nbgrader.get("task"):
        return False
    return cell.cell_type == "code" or nbgrader.get("grade_id") in footer_ids


def is_partial_credit_value(output: NotebookNode) -> bool:
    """The bare number a test cell returns for nbgrader's partial credit (its heading shows it already).

    >>> from nbformat.v4 import new_output
    >>> is_partial_credit_value(new_output("execute_result", {"text/plain": "2.6"}, execution_count=3))
    True
    >>> is_partial_credit_value(new_output("execute_result", {"text/plain": "'a string'"}, execution_count=3))
    False
    >>> is_partial_credit_value(new_output("stream", text="2.6"))
    False
    """
    if output.get("output_type") != "execute_result":
        return False
    try:
        float(str(output.get("data", {}).get("text/plain", "")).strip())
    except ValueError:
        return False
    return True


def number_repeated_titles(cells: list[NotebookNode]) -> None:
    """Give parts of one question distinct titles: "Question 4 (part 1 of 2)".

    >>> from nbformat.v4 import new_code_cell
    >>> cells = [new_code_cell(metadata={"mlteam": {"feedback_title": t}}) for t in ("Q1", "Q4", "Q4")]
    >>> number_repeated_titles(cells)
    >>> [cell.metadata["mlteam"]["feedback_title"] for cell in cells]
    ['Q1', 'Q4 (part 1 of 2)', 'Q4 (part 2 of 2)']
    """
    from collections import Counter

    counts = Counter(cell.metadata[METADATA_KEY]["feedback_title"] for cell in cells)
    seen: Counter[str] = Counter()
    for cell in cells:
        title = cell.metadata[METADATA_KEY]["feedback_title"]
        if counts[title] > 1:
            seen[title] += 1
            cell.metadata[METADATA_KEY]["feedback_title"] = f"{title} (part {seen[title]} of {counts[title]})"


class DescribeFeedbackCells(NbGraderPreprocessor):
    """Name each graded part, mark the ones awaiting a person's grade, drop the scaffolding."""

    footer_ids = List(
        Unicode(), default_value=["footer"],
        help="grade_ids of locked markdown cells written for the notebook, not for the feedback page",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        awaiting: set[str] = set()
        with Gradebook(info["db_url"]) as gradebook:
            try:
                notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                notebook = None
            if notebook is not None:
                awaiting = {grade.name for grade in notebook.grades if grade.needs_manual_grade}

        kept = []
        title = None
        page_title = None
        awaiting_points = 0.0
        parts: list[NotebookNode] = []
        for cell in nb.cells:
            # Titles come from the instructor's locked cells only: a learner's own heading names nothing.
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("locked"):
                heading = question_title(cell.source)
                page_title = page_title or heading
                title = heading or title
            if is_instructor_scaffolding(cell, tuple(self.footer_ids)):
                continue
            nbgrader = cell.metadata.get("nbgrader", {})
            if utils.is_grade(cell) or utils.is_task(cell):
                mlteam = cell.metadata.setdefault(METADATA_KEY, {})
                mlteam["feedback_title"] = title or nbgrader.get("grade_id", "")
                parts.append(cell)
                # Set from the gradebook every time: nothing a submission carries decides it.
                mlteam["awaiting_grade"] = nbgrader.get("grade_id") in awaiting
                if mlteam["awaiting_grade"]:
                    awaiting_points += float(nbgrader.get("points") or 0)
                if cell.cell_type == "code" and not utils.is_solution(cell):
                    cell.outputs = [output for output in cell.get("outputs", []) if not is_partial_credit_value(output)]
            kept.append(cell)
        number_repeated_titles(parts)
        nb.cells = kept
        info["awaiting_points"] = awaiting_points
        info["page_title"] = page_title or info.get("notebook", "")
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int) -> tuple[NotebookNode, dict[str, Any]]:
        return cell, resources
