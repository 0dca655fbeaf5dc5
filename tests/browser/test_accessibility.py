"""Accessibility, measured: axe-core on the pages a learner sees, and every kind of check by keyboard alone.

Counted: serious and critical violations in what the course renders (its
notebooks' text, outputs and widgets). JupyterLab's own are written to the
test's artefacts folder and printed, not counted. The feedback page and the
cohort report are checked in ``test_cohort_report.py``.
"""

from __future__ import annotations

import re

import pytest

from browser.accessibility import audit
from browser.notebook_ui import cells, feedback, notebook_panel, question, run_all, show, wait_for_notebook

pytestmark = pytest.mark.browser

PAGES = [
    ("start_page", "course/index.ipynb"),
    ("lesson_1", "lessons/01_how_ml_projects_differ.ipynb"),
    ("exercise_1", "exercises/ex01_how_ml_projects_differ/ex01_how_ml_projects_differ.ipynb"),
]


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_the_course_content_has_no_serious_accessibility_violation(lab_page, lab_server, shots, name: str, path: str) -> None:
    page = lab_page
    page.goto(lab_server.url(f"/lab/tree/{path}"))
    wait_for_notebook(page, path)
    run_all(page)
    found = audit(page, name, jupyterlab=True)
    found.save(shots.folder)
    print(found.summary())
    shots.take(f"{name}_audited")
    assert not found.counted, found.summary()


def _tab_until(page, target, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus (as a keyboard user moves through a page)."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def _check_by_keyboard(page, box) -> str:
    """From the question's first control, Tab to its Check button and press Enter; return the feedback."""
    from playwright.sync_api import expect

    _tab_until(page, box.get_by_role("button", name="Check"))
    page.keyboard.press("Enter")
    expect(feedback(box)).to_contain_text(re.compile("[✔✘◐]"))  # a scored result, whatever it is
    return feedback(box).inner_text()


def _enter(page, box) -> None:
    """Put the focus on the question's first control: where Tab from the text above lands."""
    box.locator("input, select, button").first.focus()


def _choose_in_every_drop_down(page, box) -> None:
    """Tab from one drop-down to the next, and pick with the arrow key in each."""
    _enter(page, box)
    for select in box.locator("select").all():
        _tab_until(page, select)
        page.keyboard.press("ArrowDown")


def test_each_kind_of_check_can_be_answered_with_the_keyboard_alone(lab_page, lab_server, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    lesson = "lessons/01_how_ml_projects_differ.ipynb"
    page.goto(lab_server.url(f"/lab/tree/{lesson}"))
    wait_for_notebook(page, lesson)
    run_all(page)
    results = {}

    # single choice: arrow keys move through the radio buttons and pick one.
    box = show(question(page, "kc_uncertainty"))
    _enter(page, box)
    page.keyboard.press("ArrowDown")
    expect(box.locator("input[type=radio]:checked")).to_have_count(1)
    results["single_choice"] = _check_by_keyboard(page, box)

    # multiple choice: Space ticks the box that has the focus.
    box = show(question(page, "kc_planning"))
    _enter(page, box)
    page.keyboard.press("Space")
    expect(box.locator("input[type=checkbox]:checked")).to_have_count(1)
    results["multiple_choice"] = _check_by_keyboard(page, box)

    # matching: each drop-down takes arrow keys.
    box = show(question(page, "kc_debt"))
    _choose_in_every_drop_down(page, box)
    results["matching"] = _check_by_keyboard(page, box)

    # numeric estimate: type a number, Enter.
    box = show(question(page, "kc_portfolio"))
    number = box.locator("input[type=number]")
    number.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("50")
    page.keyboard.press("Enter")
    results["numeric_estimate"] = _check_by_keyboard(page, box)
    shots.take("lesson_1_checked_by_keyboard")

    # ordering: lesson 5's feedback loop. Arrow keys pick an item in the list, Tab to
    # "Move up", Enter moves it.
    lesson = "lessons/05_ml_engineer.ipynb"
    page.goto(lab_server.url(f"/lab/tree/{lesson}"))
    wait_for_notebook(page, lesson)
    run_all(page)
    box = show(question(page, "kc_feedback"))
    listbox = box.locator("select")
    before = listbox.locator("option").all_inner_texts()
    listbox.focus()
    page.keyboard.press("End")
    _tab_until(page, box.get_by_role("button", name="Move up"))
    page.keyboard.press("Enter")
    expect(listbox.locator("option")).not_to_have_text(before)  # the kernel answers, then the list redraws
    after = listbox.locator("option").all_inner_texts()
    assert sorted(after) == sorted(before) and after.index(before[-1]) == len(before) - 2, (before, after)
    results["ordering"] = _check_by_keyboard(page, box)

    # RACI grid: lesson 7 has the course's one.
    lesson = "lessons/07_working_together.ipynb"
    page.goto(lab_server.url(f"/lab/tree/{lesson}"))
    wait_for_notebook(page, lesson)
    run_all(page)
    box = show(question(page, "kc_raci_lifecycle"))
    _choose_in_every_drop_down(page, box)
    results["raci_grid"] = _check_by_keyboard(page, box)
    shots.take("raci_checked_by_keyboard")

    assert set(results) == {"single_choice", "multiple_choice", "ordering", "matching", "numeric_estimate", "raci_grid"}
    for kind, text in results.items():
        assert "✔" in text or "✘" in text or "◐" in text, f"{kind}: {text}"
    # Nothing else on the page moved: the notebook panel still has the focus chain.
    expect(notebook_panel(page)).to_be_visible()
    assert cells(page).count() > 0
