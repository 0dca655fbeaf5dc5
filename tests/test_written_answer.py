"""The written answer: a text box that cannot wreck the notebook, graded by a person.

The box is a real ``ipywidgets.Textarea`` (keys typed into it never reach the notebook's
command mode; the browser test types a paragraph full of JupyterLab's shortcut keys
into it). Here: the box saves and restores the text, and real nbgrader, at autograde
time, copies the text as submitted into the answer cell, made inert, where the
instructor grades it by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from corpus.run_corpus import live_markup
from course_helpers import Submission, autograde, generate, make_course, submit
from mlteam_utils.answers import MAX_WRITTEN_CHARS, AnswerSheet, read_answers_file
from mlteam_utils.grading.markup import render_markdown_like_nbconvert
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.grading.written_answers import ANSWER_CELL_PLACEHOLDER, answer_cell_index
from mlteam_utils.questions.written import written_answer

ASSIGNMENT = "ex01_how_ml_projects_differ"
TASK = "q5_reflection"


def test_the_box_saves_as_the_learner_types_and_restores_when_run_again(tmp_path: Path) -> None:
    sheet = AnswerSheet(ASSIGNMENT, tmp_path)
    box = written_answer(TASK, sheet=sheet)
    assert box.text.value == "" and "Nothing written yet" in box.status.value
    box.text.value = "We would agree a good-enough target first."
    entry = read_answers_file(tmp_path / answers_filename(ASSIGNMENT), notebook=ASSIGNMENT)[TASK]
    assert entry["kind"] == "written" and entry["complete"] and entry["value"] == "We would agree a good-enough target first."
    again = written_answer(TASK, sheet=AnswerSheet(ASSIGNMENT, tmp_path))
    assert again.text.value == "We would agree a good-enough target first."
    again.text.value = "   "
    assert not AnswerSheet(ASSIGNMENT, tmp_path).get(TASK)["complete"], "blank text is not an answer"


def test_an_overlong_answer_is_cut_and_says_so(tmp_path: Path) -> None:
    box = written_answer(TASK, sheet=AnswerSheet(ASSIGNMENT, tmp_path))
    box.text.value = "word " * MAX_WRITTEN_CHARS
    assert len(AnswerSheet(ASSIGNMENT, tmp_path).get(TASK)["value"]) == MAX_WRITTEN_CHARS
    assert "Only the first" in box.status.value


def test_while_nbgrader_runs_the_box_saves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    box = written_answer(TASK, sheet=AnswerSheet(ASSIGNMENT, tmp_path))
    box.text.value = "typed while graded"
    assert not (tmp_path / answers_filename(ASSIGNMENT)).exists() and "Not saved" in box.status.value


def test_every_exercise_has_a_box_under_its_task_and_an_answer_cell_below() -> None:
    from course_helpers import REPO_ROOT

    for release in sorted((REPO_ROOT / "exercises").glob("ex*/ex*.ipynb")):
        notebook = nbformat.read(release, as_version=4)
        tasks = [i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("task")]
        assert tasks, release.name
        for index in tasks:
            task_id = notebook.cells[index].metadata["nbgrader"]["grade_id"]
            box = notebook.cells[index + 1]
            assert box.cell_type == "code" and f'written_answer("{task_id}", sheet=sheet)' in box.source, release.name
            assert box.metadata.get("jupyter", {}).get("source_hidden"), "the box's code is hidden"
            answer = answer_cell_index(notebook, index)
            assert answer is not None and notebook.cells[answer].source == ANSWER_CELL_PLACEHOLDER, release.name


@pytest.mark.nbgrader
def test_autograde_puts_the_submitted_text_in_the_answer_cell_inert_and_keeps_typed_text(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    generate(course, ASSIGNMENT)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    text = 'A feasibility study first. <img src=x onerror="alert(1)"> <script>alert(2)</script>'
    answers = {"schema": "mlteam-answers/1", "notebook": ASSIGNMENT,
               "answers": {TASK: {"kind": "written", "value": text, "complete": True}}}
    typed = nbformat.from_dict(json.loads(json.dumps(release)))
    task_index = next(i for i, c in enumerate(typed.cells) if c.metadata.get("nbgrader", {}).get("task"))
    typed.cells[answer_cell_index(typed, task_index)].source = "Also typed into the cell itself."
    submit(course, "box_only", ASSIGNMENT, {ASSIGNMENT: Submission(release, answers)})
    submit(course, "box_and_cell", ASSIGNMENT, {ASSIGNMENT: Submission(typed, answers)})
    completed = autograde(course, ASSIGNMENT)
    assert completed.returncode == 0, completed.stdout + completed.stderr

    for learner in ("box_only", "box_and_cell"):
        graded = nbformat.read(course / "course" / "autograded" / learner / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        task = next(i for i, c in enumerate(graded.cells) if c.metadata.get("nbgrader", {}).get("task"))
        answer = graded.cells[answer_cell_index(graded, task)].source
        assert "A feasibility study first." in answer, answer
        assert live_markup(render_markdown_like_nbconvert(answer), 0) == [], "the learner's text is made inert"
        assert ("Also typed into the cell itself." in answer) == (learner == "box_and_cell"), "typed text is kept, not lost"
