"""Path 1, the new hire: start page -> lesson 1 -> Run All -> a knowledge check, wrong then right."""

from __future__ import annotations

import nbformat
import pytest

from browser.notebook_ui import (
    cells,
    error_outputs,
    feedback,
    notebook_panel,
    question,
    run_all,
    show,
    wait_for_notebook,
    wait_for_widgets,
    widget_cell_indexes,
)

pytestmark = pytest.mark.browser

LESSON = "lessons/01_how_ml_projects_differ.ipynb"
LESSON_LINK = "Lesson 1: How ML projects differ from Waterfall and Agile"
WRONG = "Which programming language the team will use"
RIGHT = "Whether any model can flag 90% of fraud with the data the bank has"


def test_new_hire_reads_lesson_one_and_checks_an_answer(lab_page, lab_server, lab_course, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    # `make lab` prints the server's address; it opens on the course's start page.
    page.goto(lab_server.url("/"))
    wait_for_notebook(page, "course/index.ipynb")
    expect(page.get_by_role("heading", name="How machine-learning teams work")).to_be_visible()
    shots.take("start_page")
    # A learner's JupyterLab shows no instructor tools: no formgrader, no Create Assignment.
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    expect(page.locator('.lm-Menu li[data-command="nbgrader:open-assignment-list"]')).to_be_visible()
    for command in ("nbgrader:open-formgrader", "nbgrader:open-create-assignment", "nbgrader:open-course-list"):
        expect(page.locator(f'.lm-Menu li[data-command="{command}"]')).to_be_hidden()
    shots.take("learner_nbgrader_menu")
    page.keyboard.press("Escape")
    expect(page.locator(".lm-TabBar-tab", has_text="Create Assignment")).to_have_count(0)

    page.get_by_role("link", name=LESSON_LINK).click()
    wait_for_notebook(page, LESSON)
    shots.take("lesson_opened")

    run_all(page)
    lesson = nbformat.read(lab_course / LESSON, as_version=4)
    expected = widget_cell_indexes(lesson)
    assert len(expected) >= 2, "lesson 1 should have widget cells with stored widget outputs"
    expect(cells(page)).to_have_count(len(lesson.cells))
    # Every widget cell shows a rendered widget (no "Error displaying widget"), and nothing else does.
    wait_for_widgets(page, expected)
    expect(error_outputs(page)).to_have_count(0)

    check = question(page, "kc_uncertainty")
    show(check)
    # The key stays out of sight until Check: the cell above the question is folded (its first line
    # says what it is), its stored code is one short call, and no explanation is on the page yet.
    check_cell = cells(page).filter(has=page.locator(".mlteam-question.mlteam-q-kc_uncertainty"))
    expect(check_cell.locator(".jp-InputArea-editor")).to_be_hidden()
    [stored] = [c.source for c in lesson.cells if 'knowledge_check("kc_uncertainty")' in c.source]
    assert stored.splitlines()[1:] == ['knowledge_check("kc_uncertainty")'], stored
    expect(notebook_panel(page)).not_to_contain_text("Right: the goal is clear")
    expect(notebook_panel(page)).not_to_contain_text("correct=")
    shots.take("lesson_ran")

    check.get_by_label(WRONG).check()
    check.get_by_role("button", name="Check").click()
    answer_feedback = feedback(check)
    expect(answer_feedback).to_contain_text("✘")
    expect(answer_feedback).to_contain_text("A choice the team controls, not an uncertainty about the outcome.")
    shots.take("wrong_answer_feedback")

    check.get_by_label(RIGHT).check()
    expect(answer_feedback).to_contain_text("You changed your answer: press Check again.")
    check.get_by_role("button", name="Check").click()
    expect(answer_feedback).to_contain_text("✔ All right.")
    expect(answer_feedback).to_contain_text("Right: the goal is clear, but its feasibility is unknown")
    expect(answer_feedback).not_to_contain_text("A choice the team controls")
    shots.take("right_answer_feedback")
