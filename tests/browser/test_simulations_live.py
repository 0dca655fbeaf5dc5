"""Issue 14, item 5: every number a simulation states in words follows its controls. In the
browser, move a slider of lesson 1's planning simulation and check that the sentence under it
and the chart's text alternative both change, and agree."""

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


def settled(panel, attempts: int = 30) -> tuple[tuple[str, ...], str]:
    """The panel's numbers and chart text once they stop changing."""
    previous = figures(panel)
    for _ in range(attempts):
        panel.page.wait_for_timeout(1000)
        current = figures(panel)
        if current == previous:
            return current
        previous = current
    raise AssertionError(f"the planning panel kept changing: {previous}")


def test_the_planning_text_follows_its_slider(lab_page, lab_server, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    page.goto(lab_server.url(f"/lab/tree/{LESSON}"))
    wait_for_notebook(page, LESSON)
    run_all(page)
    panel = notebook_panel(page).locator(".widget-vbox", has_text="Planning an ML project").first
    show(panel)
    panel.get_by_role("radio").first.check()
    panel.get_by_role("button", name="Run").click()
    expect(panel).to_contain_text("no usable model; ML plan:")
    before, alt_before = figures(panel)
    assert f"Waterfall: {before[0]}% on time" in alt_before

    # "Chance each approach can work", 0.5 -> 0.2, with the keyboard as a learner could
    slider = panel.locator(".widget-slider", has_text="Chance each approach can work")
    slider.locator(".noUi-handle").focus()
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    expect(slider).to_contain_text("0.20")
    expect(panel).not_to_contain_text(f"Waterfall: {before[0]}% on time, {before[1]}% late")
    # Each key press starts a run; read once the last one has drawn (two reads a second apart agree).
    after, alt_after = settled(panel)
    assert after != before
    assert f"Waterfall: {after[0]}% on time" in alt_after and f"ML plan: {after[3]}% on time" in alt_after, alt_after
    assert int(after[2]) > int(before[2]), "a lower chance of success leaves more projects with no usable model"
    show(panel)
    shots.take("planning_after_slider_moved")
