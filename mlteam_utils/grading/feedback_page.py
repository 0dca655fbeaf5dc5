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
  cells and every graded cell stay;
* the page opens with a verdict (:func:`feedback_verdict`): passed, not passed yet
  or not final yet, the points against the pass mark, and the next step;
* a graded cell shows its result, never its test code: an error becomes one plain
  sentence without the exception's name (:func:`plain_result`), shown as prose
  (:func:`result_output`); an optional code
  question left as released is dropped, with nbgrader's "No response." comment;
* the written answer stands right under its question as the learner's answer, the
  rubric (on a self-learner's page only) after it.
"""

from __future__ import annotations

import re
from typing import Any

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, List, Unicode

from mlteam_utils.grading.hide_machinery import is_machinery
from mlteam_utils.grading.mark_scheme import RUBRIC_LEAD, without_markers
from mlteam_utils.grading.written_answers import answer_cell_index

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


#: nbgrader's comment on a solution cell the learner left as released.
NO_RESPONSE = "No response."


def plain_result(ename: str, evalue: str) -> str:
    """One sentence for a failed check, without the exception's name or a traceback.

    >>> plain_result("AssertionError", "first_good_week has wrong weeks")
    'Not right yet: first_good_week has wrong weeks'
    >>> plain_result("NotAttempted", "this question was not attempted (none of the names it asks for is defined), so it scores 0")
    'Skipped: this optional question was not attempted, so it scores 0.'
    >>> plain_result("NameError", "name 'x' is not defined")
    "Your answer could not be checked: name 'x' is not defined"
    """
    evalue = " ".join(str(evalue).split())
    if ename == "NotAttempted":
        return "Skipped: this optional question was not attempted, so it scores 0."
    if ename == "AssertionError":
        return f"Not right yet: {evalue}" if evalue else "Not right yet."
    if ename == "NotAnsweredYet":
        return evalue or "Not answered."
    if ename == "AnswerNotGradable":
        return f"Your answer could not be graded: {evalue}"
    return f"Your answer could not be checked: {evalue}" if evalue else "Your answer could not be checked."


def result_output(sentence: str) -> NotebookNode:
    """A check's result as an output the page shows as prose, not in a monospace box of program output.

    The sentence may quote the learner's answer: it is escaped, never markup.

    >>> output = result_output("Not right yet: <b>week</b> is wrong")
    >>> output.output_type, output.data["text/plain"]
    ('display_data', 'Not right yet: <b>week</b> is wrong')
    >>> output.data["text/html"]
    '<p class="check-result">Not right yet: &lt;b&gt;week&lt;/b&gt; is wrong</p>'
    """
    import html

    from nbformat.v4 import new_output

    return new_output("display_data", {"text/html": f'<p class="check-result">{html.escape(sentence)}</p>',
                                       "text/plain": sentence})


def feedback_verdict(score: float, points_without_code: float, pass_percent: float, awaiting: float,
                     self_graded: bool) -> tuple[str, str, str]:
    """(status, headline, next step) for the top of a feedback page.

    ``status`` is ``passed``, ``not-yet`` or ``pending`` (a person's grade could still
    decide it). A self-learner's page never waits for a person: their written answer
    is not scored, and the rule says what they pass with on their own.

    >>> feedback_verdict(8, 12, 60, 0, False)[:2]
    ('passed', 'Passed: 8 points, pass mark 7.2 (60% of the 12 points that need no code).')
    >>> feedback_verdict(5, 12, 60, 3, False)[0]
    'pending'
    >>> print(feedback_verdict(5, 12, 60, 3, True)[2])
    Self-graded: your written answer is not scored here, so you pass on your own with 7.2 points from the questions scored on this page. Compare your written answer with the rubric under it, then revisit the questions you missed and run selfgrade again.
    """
    mark = round(points_without_code * pass_percent / 100, 2)
    rule = f"pass mark {mark:g} ({pass_percent:g}% of the {points_without_code:g} points that need no code)"
    if score >= mark:
        headline = f"Passed: {score:g} points, {rule}."
        step = "Well done. Read the explanations of anything you missed, then go on to the next lesson."
        if awaiting and not self_graded:
            step += f" Your written answer ({awaiting:g} points) is still to be graded by your instructor and can only add to this."
        return "passed", headline, step
    short = round(mark - score, 2)
    headline = f"Not passed yet: {score:g} points, {short:g} short of the {rule}."
    if self_graded:
        step = (f"Self-graded: your written answer is not scored here, so you pass on your own with {mark:g} points from the "
                "questions scored on this page. Compare your written answer with the rubric under it, then revisit the "
                "questions you missed and run selfgrade again.")
        return "not-yet", headline, step
    if awaiting and short <= awaiting:
        headline = f"Not final yet: {score:g} points so far; the {rule}."
        return "pending", headline, f"Your written answer ({awaiting:g} points) is still to be graded by your instructor and decides it."
    return "not-yet", headline, "Read the explanation under each question you missed, then ask your instructor how to hand in again."


def _is_code_question_check(cell: NotebookNode) -> bool:
    """A graded code cell of the optional pandas question (its checks are not machinery)."""
    return cell.cell_type == "code" and bool(utils.is_grade(cell)) and not is_machinery(cell.source)


def _left_as_released(cell: NotebookNode) -> bool:
    """A learner's code cell still holding only the release's comment (nbgrader says "No response.")."""
    nbgrader = cell.metadata.get("nbgrader", {})
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    return bool(nbgrader.get("solution")) and cell.cell_type == "code" and all(line.startswith("#") for line in lines)


def _split_rubric(source: str) -> tuple[str, str]:
    """A task cell's prompt and its presented rubric (``""`` when it has none)."""
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if RUBRIC_LEAD in line:
            return "\n".join(lines[:index]).rstrip(), "\n".join(lines[index:])
    return source, ""


class DescribeFeedbackCells(NbGraderPreprocessor):
    """Name each graded part, mark the ones awaiting a person's grade, drop the scaffolding."""

    footer_ids = List(
        Unicode(), default_value=["footer"],
        help="grade_ids of locked markdown cells written for the notebook, not for the feedback page",
    ).tag(config=True)
    pass_percent = Float(
        -1.0, help="The pass mark in % of the points that need no code; below 0, read from course/syllabus.toml.",
    ).tag(config=True)
    self_graded = Bool(False, help="A self-learner's page: no person grades the written answer.").tag(config=True)
    show_rubric = Bool(False, help="Show the written answer's rubric under the learner's answer (self-learners).").tag(config=True)

    def _pass_percent(self) -> float:
        if self.pass_percent >= 0:
            return float(self.pass_percent)
        from pathlib import Path

        from nbgrader.coursedir import CourseDirectory

        from mlteam_utils.syllabus import SyllabusError, load_syllabus

        try:
            return float(load_syllabus(Path(CourseDirectory(config=self.config).root) / "course" / "syllabus.toml").pass_percent)
        except (SyllabusError, OSError):
            return 60.0

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

        from nbformat.v4 import new_markdown_cell

        # The written answer comes right under its question, the rubric (if shown) after it.
        for index in reversed(range(len(nb.cells))):
            task = nb.cells[index]
            if task.cell_type != "markdown" or not utils.is_task(task):
                continue
            prompt, rubric = _split_rubric(task.source)
            task.source = prompt
            answer = answer_cell_index(nb, index)
            after = index + 1 if answer is None else answer + 1
            if answer is not None:
                nb.cells[answer].metadata.setdefault(METADATA_KEY, {})["written_answer"] = True
            if rubric and self.show_rubric:
                shown = without_markers(rubric).replace(RUBRIC_LEAD, "**Rubric: what a grader looks for.**")
                nb.cells.insert(after, new_markdown_cell(shown, metadata={METADATA_KEY: {"rubric": True}}))

        kept = []
        title = None
        page_title = None
        awaiting_points = 0.0
        points_without_code = 0.0
        parts: list[NotebookNode] = []
        for cell in nb.cells:
            # Titles come from the instructor's locked cells only: a learner's own heading names nothing.
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("locked"):
                heading = question_title(cell.source)
                page_title = page_title or heading
                title = heading or title
            if is_instructor_scaffolding(cell, tuple(self.footer_ids)) or _left_as_released(cell):
                continue
            nbgrader = cell.metadata.get("nbgrader", {})
            if nbgrader.get("comment") == NO_RESPONSE:
                nbgrader.pop("comment")  # nbgrader's note on an untouched cell: nothing a person said
            if utils.is_solution(cell) and not utils.is_grade(cell):
                cell.metadata.setdefault(METADATA_KEY, {})["feedback_title"] = f"Your answer to {title}" if title else "Your answer"
            if utils.is_grade(cell) or utils.is_task(cell):
                mlteam = cell.metadata.setdefault(METADATA_KEY, {})
                mlteam["feedback_title"] = title or nbgrader.get("grade_id", "")
                parts.append(cell)
                # Set from the gradebook every time: nothing a submission carries decides it.
                mlteam["awaiting_grade"] = nbgrader.get("grade_id") in awaiting
                if mlteam["awaiting_grade"]:
                    awaiting_points += float(nbgrader.get("points") or 0)
                if not _is_code_question_check(cell):
                    points_without_code += float(nbgrader.get("points") or 0)
                if cell.cell_type == "code" and not utils.is_solution(cell):
                    cell.outputs = [
                        result_output(plain_result(o.get("ename", ""), o.get("evalue", "")))
                        if o.get("output_type") == "error" else o
                        for o in cell.get("outputs", []) if not is_partial_credit_value(o)
                    ]
                    # The page shows what was found, not the check's code.
                    cell.metadata[METADATA_KEY]["hide_input"] = True
            kept.append(cell)
        number_repeated_titles(parts)
        nb.cells = kept
        info["awaiting_points"] = awaiting_points
        info["page_title"] = page_title or info.get("notebook", "")
        score = float(info.get("score") or 0)
        status, headline, step = feedback_verdict(score, points_without_code, self._pass_percent(), awaiting_points, self.self_graded)
        info["verdict"] = {"status": status, "headline": headline, "next_step": step, "self_graded": bool(self.self_graded)}
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int) -> tuple[NotebookNode, dict[str, Any]]:
        return cell, resources
