"""Issue 27: what a learner who does not program sees, in JupyterLab's light and dark themes.

Per theme, a path through a work area of its own (a copy of the course as `make lab` serves
``my-work/``): the start page before anything runs, lesson 1 after Run All, lesson 8's
decisions, exercise 1 after Run All and its selfgrade page. On screen, it checks that

* no question id, option key, column or variable name, ``NaN`` or Python list shows in what
  the course renders (outputs and widgets; the optional code question's names aside), no
  code of the exercise's machinery shows, and unanswered checks are notes, not error boxes;
* the start page's stored note reads right before its cell runs (no stale message, no backticks), and
  none of its code shows, before Run All and after it and a reload;
* the planning widget's title follows the comparison chosen; no drop-down's text is cut off;
* lesson 8's decisions start unset (nothing selected, nothing called "your choice"), and a
  choice is then checked against the sources' advice;
* lesson 9, as stored before it runs, fits its golden-set table to the page (no scrolling
  sideways to count) and says where a widget will show instead of showing its code;
* charts are dark in the dark theme; *Check* shows a 3-pixel focus ring;
* axe-core finds no serious or critical violation in the course's content (ipywidgets' own
  controls included) of lesson 1 and exercise 1, nor on the feedback page, nor on the page of a
  submission that could not be graded (which names the exercise and the time as a person reads them).

Screenshots of every step land in ``test-artifacts/browser/<test>[<theme>]/``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from browser.accessibility import audit
from browser.notebook_ui import (
    ERROR_MIME,
    THEME_PLUGIN,
    THEMES,
    cells,
    choose_theme,
    clipped_options,
    error_outputs,
    feedback,
    machine_words,
    notebook_panel,
    output_texts,
    question,
    run_all,
    save_notebook,
    scrolls_sideways,
    show,
    wait_for_notebook,
    wait_for_widgets,
    widget_cell_indexes,
    workspace_url,
)
from course_helpers import load_fixture

pytestmark = pytest.mark.browser

START = "course/index.ipynb"
LESSON_1 = "lessons/01_how_ml_projects_differ.ipynb"
LESSON_8 = "lessons/08_case_study.ipynb"
LESSON_9 = "lessons/09_foundation_model_teams.ipynb"
ASSIGNMENT = "ex01_how_ml_projects_differ"
EXERCISE_1 = f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
#: What every output of a notebook shows, as text (widgets included).
OUTPUT_TEXT = "root => [...root.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n')"
#: A question id, a comparison id or a call of a widget builder, as code would show them.
MACHINERY_ON_SCREEN = re.compile(r"\bkc_\w+|\bwaterfall_vs_ml\b|\b(knowledge_check|comparison_plans|compare_plans|\w+_widget)\(")
#: The page's text outside code: names shown as code are shown on purpose (to those who code).
TEXT_BUT_CODE = """() => { const copy = document.body.cloneNode(true);
    copy.querySelectorAll('code, pre, script, style').forEach(e => e.remove()); return copy.innerText; }"""


@pytest.fixture(params=list(THEMES))
def theme(request: pytest.FixtureRequest, lab_server) -> Iterator[str]:
    """The theme of the test; afterwards the server's setting goes back to the default (light)."""
    yield request.param
    lab_server.save_user_settings(THEME_PLUGIN, {})


@pytest.fixture
def work(lab_course: Path, theme: str) -> Path:
    """The learner's copy of the course for this theme (`make lab` makes ``my-work/`` the same way)."""
    from mlteam_utils.workspace import sync_workspace

    folder = lab_course / f"on-screen-{theme}"
    sync_workspace(lab_course, folder)
    return folder


def open_notebook(page, lab_server, work: Path, path: str, theme: str, name: str) -> None:
    """Open ``path`` of the work area in a workspace of its own, in ``theme``."""
    full = f"{work.name}/{path}"
    page.goto(lab_server.url(workspace_url(f"{name}-{theme}", full)))
    wait_for_notebook(page, full)
    choose_theme(page, THEMES[theme])


def chart_filters(page) -> list[str]:
    return notebook_panel(page).locator(".mlteam-chart").evaluate_all(
        "charts => charts.map(chart => getComputedStyle(chart).filter)")


def test_the_start_page_reads_right_before_anything_runs(lab_page, lab_server, work, shots, theme: str) -> None:
    from playwright.sync_api import expect

    page = lab_page
    open_notebook(page, lab_server, work, START, theme, "start")
    expect(page.get_by_role("heading", name="How machine-learning teams work")).to_be_visible()
    shots.take("start_page")
    # The stored note under "Your progress" is what a learner reads before running the cell.
    note = notebook_panel(page).get_by_text("Your progress shows here once you run this cell")
    show(note)
    outputs = notebook_panel(page).evaluate(OUTPUT_TEXT)
    assert "`" not in outputs, "raw backticks in the start page's outputs"
    assert machine_words(outputs) == [], "the start page shows names a person would not say"
    expect(notebook_panel(page).get_by_role("link", name="Exercise 1", exact=True)).to_be_visible()
    assert_no_code_shows(page, work / START)
    shots.take("start_page_progress_note")
    # ... nor after Run All, saving and opening the page again.
    run_all(page)
    expect(error_outputs(page)).to_have_count(0)
    save_notebook(page)
    page.reload()
    wait_for_notebook(page, f"{work.name}/{START}")
    assert_no_code_shows(page, work / START)
    show(notebook_panel(page).get_by_role("heading", name="Your progress"), at_top=True)
    shots.take("start_page_after_run_all_and_reload")


def assert_no_code_shows(page, notebook: Path) -> None:
    """No code cell's input is on screen: every one is folded (``jupyter.source_hidden``), and no Python shows."""
    from playwright.sync_api import expect

    stored = nbformat.read(notebook, as_version=4)
    code = [index for index, cell in enumerate(stored.cells) if cell.cell_type == "code"]
    assert code, "the start page has code cells"
    assert [i for i in code if not stored.cells[i].metadata.get("jupyter", {}).get("source_hidden")] == []
    for index in code:
        expect(cells(page).nth(index).locator(".jp-InputArea-editor")).to_be_hidden()
    shown = notebook_panel(page).evaluate("panel => panel.innerText")
    assert "import " not in shown and "mlteam_utils" not in shown and "load_syllabus(" not in shown, "code shows"


def test_lesson_one_after_run_all(lab_page, lab_server, work, shots, theme: str) -> None:
    from playwright.sync_api import expect

    page = lab_page
    open_notebook(page, lab_server, work, LESSON_1, theme, "lesson1")
    run_all(page)
    wait_for_widgets(page, widget_cell_indexes(nbformat.read(work / LESSON_1, as_version=4)))
    expect(error_outputs(page)).to_have_count(0)
    panel = notebook_panel(page)
    assert machine_words(panel.evaluate(OUTPUT_TEXT)) == [], "lesson 1 shows names a person would not say"
    assert clipped_options(panel) == [], f"a drop-down's text is cut off: {clipped_options(panel)}"
    # No machinery on screen: the folded cells (widgets, checks, setup) show their first line in words only,
    # and no question id or builder call shows anywhere on the page, code that is there to be read included.
    stored = nbformat.read(work / LESSON_1, as_version=4)
    folded = [index for index, cell in enumerate(stored.cells) if cell.metadata.get("jupyter", {}).get("source_hidden")]
    assert len(folded) >= 8, "lesson 1 folds its setup, its widgets and its checks"
    for index in folded:
        expect(cells(page).nth(index).locator(".jp-InputArea-editor")).to_be_hidden()
    shown = panel.evaluate("panel => panel.innerText")
    assert MACHINERY_ON_SCREEN.findall(shown) == [], "lesson 1 shows a question id or a builder call"
    assert "(its code is hidden)" in shown, "a folded cell's first line says what it shows"
    show(cells(page).nth(folded[1]))
    shots.take("lesson_1_folded_check")

    # Charts: dark in the dark theme, as drawn in the light one.
    filters = chart_filters(page)
    assert len(filters) == 2
    assert all(("invert" in f) == (theme == "dark") for f in filters), filters
    show(panel.locator("img.mlteam-chart").last)
    shots.take("lesson_1_chart")

    # The planning widget's title names the comparison chosen.
    planning = panel.locator(".widget-vbox", has_text="Planning an ML project").first
    show(planning)
    expect(planning.get_by_role("heading", name="Planning an ML project: Waterfall vs ML plan")).to_be_visible()
    planning.get_by_label("Compare").select_option(label="Single bet vs portfolio of approaches")
    expect(planning.get_by_role("heading", name="Planning an ML project: Single bet vs portfolio")).to_be_visible()
    expect(planning.get_by_role("spinbutton", name=re.compile("^Chance an approach can work"))).to_have_value("0.5")
    shots.take("lesson_1_planning_widget")

    # Check: a clear focus ring when the keyboard reaches it.
    box = show(question(page, "kc_uncertainty"))
    box.get_by_role("radio").first.focus()
    check = box.get_by_role("button", name="Check")
    for _ in range(10):
        if check.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(check).to_be_focused()
    ring = check.evaluate("b => [getComputedStyle(b).outlineStyle, getComputedStyle(b).outlineWidth]")
    assert ring == ["solid", "3px"], ring
    shots.take("lesson_1_check_focused")

    found = audit(page, f"lesson_1_{theme}", jupyterlab=True)
    found.save(shots.folder)
    print(found.summary())
    assert not found.counted, found.summary()


def test_lesson_eight_decisions_start_unset(lab_page, lab_server, work, shots, theme: str) -> None:
    from playwright.sync_api import expect

    page = lab_page
    open_notebook(page, lab_server, work, LESSON_8, theme, "lesson8")
    run_all(page)
    wait_for_widgets(page, widget_cell_indexes(nbformat.read(work / LESSON_8, as_version=4)))
    panel = notebook_panel(page)
    decisions = panel.locator(".mlteam-widget", has=page.get_by_role("heading", name=re.compile("your decision$")))
    expect(decisions).to_have_count(5)
    whole = panel.locator(".mlteam-widget", has=page.get_by_role("heading", name=re.compile("^The whole project")))
    # Nothing chosen for the learner: no radio button checked, no drop-down showing a value.
    for scope in (decisions, whole):
        expect(scope.locator("input[type=radio]:checked")).to_have_count(0)
        assert scope.locator("select").evaluate_all("selects => selects.map(s => s.selectedIndex)") \
            == [-1] * scope.locator("select").count()
    expect(decisions.get_by_text("Not chosen yet: pick an option above.")).to_have_count(5)
    expect(panel).not_to_contain_text("(your choice)")
    expect(whole).to_contain_text("Not chosen yet:")
    assert machine_words(panel.evaluate(OUTPUT_TEXT)) == [], "lesson 8 shows names a person would not say"
    assert clipped_options(panel) == [], f"a drop-down's text is cut off: {clipped_options(panel)}"
    show(decisions.first)
    shots.take("lesson_8_decision_unset")

    checks = decisions.filter(has_text="Add automated data-quality checks")
    checks.get_by_role("radio", name="no").check()
    expect(checks).to_contain_text("Your choice: no. The sources advise: yes.")
    expect(checks.get_by_role("radio", name="no")).to_be_checked()
    # The chosen radio button stands out in the dark theme too: it takes the theme's brand colour.
    assert checks.get_by_role("radio", name="no").evaluate("r => getComputedStyle(r).accentColor") != "auto"
    show(checks)
    shots.take("lesson_8_decision_chosen")
    threshold = decisions.filter(has_text="Lowest churn probability called")
    threshold.get_by_label("Lowest churn probability called").select_option(label="0.30")
    expect(threshold).to_contain_text("Your choice: 0.30. The sources advise: 0.20.")
    monitoring = decisions.filter(has_text="Monitoring and retraining plan")
    monitoring.get_by_label("Monitoring and retraining plan").select_option(label="no monitoring")
    expect(monitoring).to_contain_text("Your choice: no monitoring. The sources advise: alerts plus automated retraining")
    show(monitoring)
    shots.take("lesson_8_monitoring_chosen")
    # The whole project follows, and still names what is not chosen yet.
    expect(whole.get_by_label("Monitoring and retraining plan")).to_have_value(re.compile(".+"))
    expect(whole).to_contain_text("Not chosen yet: Measure the business metric before building")
    expect(whole).not_to_contain_text("Add automated data-quality checks; ")
    filters = whole.locator(".mlteam-chart").evaluate_all("charts => charts.map(c => getComputedStyle(c).filter)")
    assert filters and all(("invert" in f) == (theme == "dark") for f in filters), filters
    show(whole.locator(".mlteam-chart"))
    shots.take("lesson_8_whole_project")


def test_lesson_nine_before_it_runs(lab_page, lab_server, work, shots, theme: str) -> None:
    """A lesson as stored, before Run All: its golden-set table fits the page, and where a widget
    will show, a sentence says so (not the widget's code, with its question id)."""
    from playwright.sync_api import expect

    page = lab_page
    open_notebook(page, lab_server, work, LESSON_9, theme, "lesson9")
    panel = notebook_panel(page)
    golden = panel.locator(".jp-OutputArea-output", has_text="G20").first
    show(golden)
    assert not scrolls_sideways(golden), "the golden set needs scrolling sideways to count its verdicts"
    expect(panel.get_by_text("The question shows here once this cell runs").first).to_be_visible()
    shots.take("lesson_9_golden_set")
    assert machine_words(panel.evaluate(OUTPUT_TEXT)) == [], "lesson 9 shows names a person would not say"


def test_exercise_one_and_its_selfgrade_page(lab_page, lab_server, work, shots, theme: str) -> None:
    from playwright.sync_api import expect

    page = lab_page
    release = nbformat.read(work / EXERCISE_1, as_version=4)
    open_notebook(page, lab_server, work, EXERCISE_1, theme, "exercise1")
    run_all(page)
    wait_for_widgets(page, widget_cell_indexes_of(release))
    panel = notebook_panel(page)
    expect(panel.locator(f'.jp-OutputArea-output[data-mime-type="{ERROR_MIME}"]')).to_have_count(0)
    for index, cell in enumerate(release.cells):
        if cell.metadata.get("jupyter", {}).get("source_hidden"):
            expect(cells(page).nth(index).locator(".jp-InputArea-editor")).to_be_hidden()
    for_coders = optional_code_question(release)
    shown = "\n".join(text for index in range(len(release.cells)) if index not in for_coders
                      for text in output_texts(page, index))
    assert machine_words(shown) == [], "exercise 1 shows names a person would not say"
    assert clipped_options(panel) == [], f"a drop-down's text is cut off: {clipped_options(panel)}"
    show(question(page, "q1_crisp_dm_loops"), at_top=True)
    shots.take("exercise_1_after_run_all")

    # A learner who does not code answers the widgets and the written question.
    answers = {qid: entry["value"] for qid, entry in load_fixture(ASSIGNMENT, "half_right.answers.json")["answers"].items()}
    for question_id in ("q1_crisp_dm_loops", "q2_waterfall_agile_ml"):
        box = question(page, question_id)
        for item, category in answers[question_id].items():
            box.locator(".widget-hbox", has_text=item).locator("select").select_option(label=category)
        expect(feedback(box)).to_contain_text(f"{len(answers[question_id])} of {len(answers[question_id])} items answered")
    estimate = question(page, "q3_portfolio_chance").get_by_role("spinbutton", name="Your estimate:")
    estimate.fill(str(answers["q3_portfolio_chance"]))
    estimate.press("Enter")
    expect(feedback(question(page, "q3_portfolio_chance"))).to_contain_text("Saved. Your estimate")
    written = panel.locator(".mlteam-written-answer textarea")
    show(written)
    written.fill("We would agree a good-enough target and time-box a feasibility study before promising a date.")
    written.press("Tab")
    expect(panel.locator(".mlteam-written-status")).to_contain_text("Saved")
    shots.take("exercise_1_answered")

    notebook = work / EXERCISE_1
    completed = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "selfgrade", str(notebook)], cwd=work.parent,
                               capture_output=True, text=True, check=False, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    (shots.folder / "selfgrade.txt").write_text(completed.stdout, encoding="utf-8")
    page.emulate_media(color_scheme=theme)
    page.goto(lab_server.url(f"/files/{work.name}/exercises/{ASSIGNMENT}/{ASSIGNMENT}.feedback.html"))
    expect(page.locator(".verdict")).to_contain_text("points")
    shown = page.evaluate(TEXT_BUT_CODE)
    assert machine_words(shown, allowed=(f"{ASSIGNMENT}.answers",)) == [], "the feedback page shows names a person would not say"
    assert "(question " not in shown
    shots.take("exercise_1_feedback_page", full_page=True)
    found = audit(page, f"feedback_page_{theme}", jupyterlab=False)
    found.save(shots.folder)
    print(found.summary())
    assert not found.counted, found.summary()


def test_the_could_not_be_graded_page(lab_page, lab_course: Path, shots, tmp_path: Path, theme: str) -> None:
    """A submission the grader could not grade: its page names the exercise and the time as a person reads
    them, opens with a calm verdict (no error's red), and axe-core finds nothing serious in either scheme."""
    from playwright.sync_api import expect

    from mlteam_utils.cohort.ungradable_feedback import UNGRADABLE_HEADING, exercise_title, write_ungradable_feedback

    submitted = tmp_path / "submitted" / ASSIGNMENT
    submitted.mkdir(parents=True)
    (submitted / "timestamp.txt").write_text("2026-12-07 14:05:33.123456 UTC", encoding="utf-8")
    title = exercise_title(ASSIGNMENT, sorted((lab_course / "solutions" / ASSIGNMENT).glob("*.ipynb")), lab_course)
    [written] = write_ungradable_feedback(submitted, tmp_path / "feedback", ASSIGNMENT, [ASSIGNMENT], "NotJSONError: x", title)
    page = lab_page
    page.emulate_media(color_scheme=theme)
    page.goto(written.as_uri())
    expect(page.get_by_role("heading", name="Feedback: Exercise 1: Planning an ML project")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(UNGRADABLE_HEADING)
    shown = page.evaluate(TEXT_BUT_CODE)
    assert machine_words(shown) == [], "the page shows names a person would not say"
    assert "7 December 2026, 14:05 UTC" in shown and "14:05:33" not in shown
    shots.take("could_not_be_graded_page", full_page=True)
    found = audit(page, f"could_not_be_graded_{theme}", jupyterlab=False)
    found.save(shots.folder)
    print(found.summary())
    assert not found.counted, found.summary()


def optional_code_question(release: nbformat.NotebookNode) -> set[int]:
    """The cells of the optional pandas question, from its heading to the next question's: its
    data and names are there for those who code (``log``, ``first_good_week``, ...)."""
    headings = [index for index, cell in enumerate(release.cells)
                if cell.cell_type == "markdown" and cell.source.startswith("## Question")]
    start = next(index for index in headings if "pandas)" in release.cells[index].source.splitlines()[0])
    end = next(index for index in headings if index > start)
    return set(range(start, end))


def widget_cell_indexes_of(release: nbformat.NotebookNode) -> list[int]:
    """The cells of a released exercise that show a widget once run (a question, the written answer)."""
    ids = [c.metadata["nbgrader"]["grade_id"] for c in release.cells
           if c.metadata.get("nbgrader", {}).get("task") or c.metadata.get("nbgrader", {}).get("grade")]
    return sorted(
        index for index, cell in enumerate(release.cells)
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade")
        and any(f'"{question_id}"' in cell.source for question_id in ids)
    )


def run_cell(page, index: int) -> None:
    """Select the cell at ``index`` and press Shift+Enter, as a learner running cells one by one; wait until it ran."""
    cell = cells(page).nth(index)
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        """index => { const prompt = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[index]
            ?.querySelector('.jp-InputPrompt')?.textContent ?? ''; return /\\[\\d+\\]/.test(prompt); }""", arg=index)


def test_lesson_charts_are_dark_from_the_first_cell_run_one_by_one(lab_page, lab_server, lab_course: Path, shots) -> None:
    """Dark theme, no Run All: once the setup cell (the first cell a learner runs) has run, every chart on the page,
    the stored ones below included, is dark; before anything runs JupyterLab shows the stored page as it was saved."""
    from mlteam_utils.workspace import sync_workspace

    page = lab_page
    work = lab_course / "one-by-one-dark"
    sync_workspace(lab_course, work)
    try:
        open_notebook(page, lab_server, work, LESSON_1, "dark", "lesson1-one-by-one")
        setup = next(i for i, cell in enumerate(nbformat.read(work / LESSON_1, as_version=4).cells) if cell.cell_type == "code")
        run_cell(page, setup)
        filters = chart_filters(page)
        assert len(filters) == 2, filters
        show(notebook_panel(page).locator("img.mlteam-chart").first)
        shots.take("lesson_1_stored_chart_after_the_setup_cell")
    finally:  # the server's setting goes back to the default (light) for the tests after this one
        lab_server.save_user_settings(THEME_PLUGIN, {})
    assert all("invert" in f for f in filters), f"a stored chart is light in the dark theme after the setup cell ran: {filters}"
