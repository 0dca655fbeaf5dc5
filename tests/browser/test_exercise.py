"""Path 2, a learner in an exercise: Run All, answer the widgets, answers saved to disk and
restored after a reload and a kernel restart, then nbgrader's Validate."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest

from browser.notebook_ui import (
    ERROR_MIME,
    cells,
    feedback,
    notebook_panel,
    question,
    restart_and_run_all,
    run_all,
    save_notebook,
    show,
    wait_for_notebook,
    wait_for_widgets,
    workspace_url,
)
from course_helpers import load_fixture
from mlteam_utils.answers import read_answers_file
from mlteam_utils.grading.settings import answers_filename

pytestmark = pytest.mark.browser

ASSIGNMENT = "ex01_how_ml_projects_differ"
NOTEBOOK = f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
LOOPS, MATCHING, NUMERIC = "q1_crisp_dm_loops", "q2_waterfall_agile_ml", "q3_portfolio_chance"


def widget_cells(notebook: nbformat.NotebookNode, question_ids: list[str]) -> list[int]:
    """The cells that build each question's widget (its check cell, a graded cell, names it too)."""
    return sorted(
        index for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade")
        and any(f'"{question_id}"' in cell.source for question_id in question_ids)
    )


def check_cell(notebook: nbformat.NotebookNode, question_id: str) -> int:
    return next(
        index for index, cell in enumerate(notebook.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == question_id
    )


def match_all(box, answer: dict[str, str]) -> None:
    """Pick each item's category in its drop-down, as a learner does."""
    for item, category in answer.items():
        box.locator(".widget-hbox", has_text=item).locator("select").select_option(label=category)


def test_learner_answers_are_saved_restored_and_validated(lab_page, lab_server, lab_course, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    release = nbformat.read(lab_course / NOTEBOOK, as_version=4)
    question_ids = list(json.loads(
        (lab_course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.key.json").read_text(encoding="utf-8")
    )["questions"])
    assert question_ids == [LOOPS, MATCHING, NUMERIC]
    answers = {qid: entry["value"] for qid, entry in load_fixture(ASSIGNMENT, "half_right.answers.json")["answers"].items()}

    answers_file = lab_course / "exercises" / ASSIGNMENT / answers_filename(ASSIGNMENT)
    assert not answers_file.exists(), "the course copy should start without answers"

    page.goto(lab_server.url(workspace_url("learner", NOTEBOOK)))
    wait_for_notebook(page, NOTEBOOK)
    run_all(page)
    # Every widget renders (the written answer's text box too), each check below it says calmly
    # what is still to answer.
    tasks = [c.metadata["nbgrader"]["grade_id"] for c in release.cells if c.metadata.get("nbgrader", {}).get("task")]
    wait_for_widgets(page, widget_cells(release, question_ids + tasks))
    first_check = cells(page).nth(check_cell(release, LOOPS))
    note = first_check.locator(".jp-OutputArea-output")
    # One neutral line saying what to do: no error box, no traceback, no question id.
    expect(note).to_contain_text("Question 1 is not answered yet")
    expect(first_check.locator(f'.jp-OutputArea-output[data-mime-type="{ERROR_MIME}"]')).to_have_count(0)
    expect(note).not_to_contain_text(LOOPS)
    expect(note).not_to_contain_text("Traceback")
    # Issue 27: a note in the notebook's own type, not program output in a grey monospace box.
    expect(note.locator(".mlteam-note")).to_have_count(1)
    expect(note.locator("pre")).to_have_count(0)
    assert "mono" not in note.locator(".mlteam-note").evaluate("e => getComputedStyle(e).fontFamily").lower()
    for question_id in question_ids:
        expect(feedback(question(page, question_id))).to_contain_text("Not answered yet.")
    show(note, at_top=True)
    expect(question(page, MATCHING)).to_be_in_viewport()
    shots.take("widgets_below_failing_check")

    loops = question(page, LOOPS)
    match_all(loops, answers[LOOPS])
    expect(feedback(loops)).to_contain_text(f"Saved. {len(answers[LOOPS])} of {len(answers[LOOPS])} items answered.")

    matching = question(page, MATCHING)
    match_all(matching, answers[MATCHING])
    expect(feedback(matching)).to_contain_text(f"Saved. {len(answers[MATCHING])} of {len(answers[MATCHING])} items answered.")

    estimate = question(page, NUMERIC)
    estimate.locator("input[type=number]").fill(str(answers[NUMERIC]))
    estimate.locator("input[type=number]").press("Enter")
    expect(feedback(estimate)).to_contain_text(f"Saved. Your estimate: {answers[NUMERIC]:g}%.")
    show(matching)
    shots.take("answered")

    saved = read_answers_file(answers_file, notebook=ASSIGNMENT)
    assert {qid: entry["value"] for qid, entry in saved.items()} == answers
    assert all(entry["complete"] for entry in saved.values())

    # Reload the page and start again from a fresh kernel: the widgets read the file.
    save_notebook(page)
    page.reload()
    wait_for_notebook(page, NOTEBOOK)
    restart_and_run_all(page)
    for question_id in question_ids:
        expect(feedback(question(page, question_id))).to_contain_text("Restored your saved answer.")
    for box, answer in ((loops, answers[LOOPS]), (matching, answers[MATCHING])):
        for item, category in answer.items():
            expect(box.locator(".widget-hbox", has_text=item).locator("select")).to_have_value(category)
    expect(estimate.locator("input[type=number]")).to_have_value(re.compile(rf"^{answers[NUMERIC]:g}(\.0+)?$"))
    show(loops)
    shots.take("restored_after_reload")

    # The pandas question is optional: left as released, its checks say so and fail nothing.
    for grade_id in ("q4_shape", "q4_values"):
        expect(cells(page).nth(check_cell(release, grade_id))).to_contain_text("Question 4 is optional and not attempted")
        expect(cells(page).nth(check_cell(release, grade_id)).locator(f'[data-mime-type="{ERROR_MIME}"]')).to_have_count(0)

    # No machinery on screen: the code that builds the widgets and checks the answers is hidden,
    # after Run All and after the reload.
    for index, cell in enumerate(release.cells):
        if cell.metadata.get("jupyter", {}).get("source_hidden"):
            expect(cells(page).nth(index).locator(".jp-InputArea-editor")).to_be_hidden()
    expect(notebook_panel(page).get_by_text("check_answered(")).to_have_count(0)

    # The written answer: a text box. A paragraph full of JupyterLab's command-mode keys,
    # typed after Escape (command mode), stays in the box and runs no notebook command.
    page.keyboard.press("Escape")
    box = notebook_panel(page).locator(".mlteam-written-answer textarea")
    show(box)
    box.click()
    paragraph = "Dd x m y a b z 00 ii c v j k: none of these keys may act. We would agree a good-enough target first, then plan."
    box.press_sequentially(paragraph)
    expect(notebook_panel(page).locator(".mlteam-written-status")).to_contain_text(f"Saved: {len(paragraph.split())} words")
    shots.take("written_answer_typed")
    save_notebook(page)
    on_disk = nbformat.read(lab_course / NOTEBOOK, as_version=4)
    assert [(c.cell_type, c.source) for c in on_disk.cells] == [(c.cell_type, c.source) for c in release.cells], \
        "typing in the text box changed the notebook's cells"
    assert read_answers_file(answers_file, notebook=ASSIGNMENT)["q5_reflection"]["value"] == paragraph

    # A learner who answered by widget only passes Validate.
    notebook_panel(page).locator(".validate-button").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Validation Results")
    expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
    expect(dialog).not_to_contain_text("failed")
    shots.take("validate_result")
    dialog.locator(".jp-mod-accept").click()
    expect(dialog).to_have_count(0)

    # Then selfgrade, as the footer says (a terminal in the course folder), and its feedback page.
    completed = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "selfgrade", "ex01"], cwd=lab_course,
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Passed:" in completed.stdout or "Not passed yet:" in completed.stdout, completed.stdout
    (shots.folder / "selfgrade.txt").write_text(completed.stdout, encoding="utf-8")
    page.goto(lab_server.url(f"/files/exercises/{ASSIGNMENT}/{ASSIGNMENT}.feedback.html"))
    expect(page.locator(".verdict")).to_contain_text("points")
    expect(page.locator("body")).to_contain_text(paragraph)
    expect(page.locator("body")).to_contain_text("names the real uncertainty")
    expect(page.locator("body")).not_to_contain_text("check_answered")
    shots.take("selfgrade_feedback_page", full_page=True)
