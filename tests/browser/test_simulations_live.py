"""Issue 14, item 5: every number a simulation states in words follows its controls. In the
browser, step a number of lesson 1's planning simulation down with the keyboard and check that
the sentence under it and the chart's text alternative both change, and agree."""

from __future__ import annotations

import re

import pytest

from browser.notebook_ui import notebook_panel, run_all, show, wait_for_notebook

pytestmark = pytest.mark.browser

LESSON = "lessons/01_how_ml_projects_differ.ipynb"
SUMMARY = re.compile(r"Waterfall: (\d+)% on time, (\d+)% late, (\d+)% no usable model; "
                     r"ML plan: (\d+)% on time, (\d+)% late, (\d+)% no usable model\.")


def figures(panel) -> tuple[tuple[str, ...], str]:
    """The sentence's numbers, and the chart's text alternative."""
    match = SUMMARY.search(panel.inner_text())
    assert match, "the panel states the run's numbers in words"
    return match.groups(), panel.locator("img").first.get_attribute("alt") or ""


def expected_sentence(**changes: object) -> str:
    """The sentence the panel shows for its default controls with ``changes``, from the plain
    function the widget runs (the same seed gives the same numbers)."""
    from mlteam_utils.simulations.planning_widgets import planning_run

    values = {"comparison": "waterfall_vs_ml", "deadline_weeks": 20, "budget_weeks": 30, "threshold": 0.85,
              "p_success": 0.5, "n_trials": 2000, "seed": 0, **changes}
    return "; ".join(f"{plan}: {row.p_on_time:.0%} on time, {row.p_late:.0%} late, {row.p_no_model:.0%} no usable model"
                     for plan, row in planning_run(values).summary().iterrows()) + "."


def test_the_planning_text_follows_its_controls(lab_page, lab_server, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    page.goto(lab_server.url(f"/lab/tree/{LESSON}"))
    wait_for_notebook(page, LESSON)
    run_all(page)
    panel = notebook_panel(page).locator(".widget-vbox", has_text="Planning an ML project").first
    show(panel)
    panel.get_by_role("radio").first.check()
    panel.get_by_role("button", name="Run").click()
    expect(panel).to_contain_text(expected_sentence())
    before, alt_before = figures(panel)
    assert f"Waterfall: {before[0]}% on time" in alt_before

    # "Chance an approach can work", 0.5 -> 0.2, stepped down with the arrow key as a learner could
    chance = panel.get_by_label(re.compile(r"^Chance an approach can work"))
    chance.focus()
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    expect(chance).to_have_value("0.2")
    # Each key press starts a run; the last one drawn shows what the simulation gives at 0.2.
    expect(panel).to_contain_text(expected_sentence(p_success=0.2))
    after, alt_after = figures(panel)
    assert after != before
    assert f"Waterfall: {after[0]}% on time" in alt_after and f"ML plan: {after[3]}% on time" in alt_after, alt_after
    assert int(after[2]) > int(before[2]), "a lower chance of success leaves more projects with no usable model"
    show(panel)
    shots.take("planning_after_the_chance_stepped_down")
