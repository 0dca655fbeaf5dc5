"""Issue 19 §4: the learner's progress table, the cohort's completion section and a certificate, as people see them.

Screenshots in the light and the dark theme land in the test's artifact folder
(the README's pictures in docs/images/completion/ are copies of them); axe-core
checks the colour contrast of the progress table and of the report in both themes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from browser.notebook_ui import THEMES, choose_theme, notebook_panel, run_all, wait_for_notebook, workspace_url
from conftest import require_optional

pytestmark = pytest.mark.browser


def contrast_problems(page, context: object = None) -> list[dict]:
    from browser.accessibility import axe_script

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate(
        "async (context) => (await axe.run(context || document, {runOnly: ['color-contrast']})).violations", context
    )


@pytest.fixture(scope="module")
def cohort_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The completion cohort's report and Ana's certificate (issued on a copy), rendered to PNG.

    The docs picture shows an ordinary learner's name: Ben's, "Ben <b>Okafor</b>", is there to be
    hostile (tests/test_completion.py checks his certificate prints it as text).
    """
    from completion_cohort import completion_cohort, copy_cohort
    from mlteam_utils.cli import main

    require_optional(shutil.which("pdftoppm") is not None, "pdftoppm", "apt-get install poppler-utils")
    course = copy_cohort(completion_cohort(tmp_path_factory), tmp_path_factory.mktemp("views") / "course")
    report = course / "report"
    assert main(["--course-root", str(course), "report", "--to", str(report)]) == 0
    assert main(["--course-root", str(course), "certificate", "--cohort"]) == 0
    pdf = course / "course" / "certificates" / "certificate-ana.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(course / "certificate")], check=True)
    return {"report": report / "index.html", "certificate": course / "certificate.png"}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_cohort_completion_section_reads_in_both_themes(lab_page, shots, cohort_outputs, theme: str) -> None:
    from playwright.sync_api import expect

    page = lab_page
    page.emulate_media(color_scheme=theme)
    page.goto(cohort_outputs["report"].as_uri())
    heading = page.get_by_role("heading", name="Completion", exact=True)
    expect(heading).to_be_visible()
    table = page.locator("h2:text-is('Completion') ~ table").first
    row = table.locator("tr", has_text="Ben <b>Okafor</b>")  # the name shown as text, never as markup
    expect(row).to_contain_text("passed (late) 2026-03-03")
    expect(table.locator("tr", has_text="cat")).to_contain_text("could not be graded")
    heading.scroll_into_view_if_needed()
    box_top = heading.bounding_box()
    box_end = table.bounding_box()
    assert box_top and box_end
    path = shots.folder / f"cohort_completion_{theme}.png"
    page.screenshot(path=str(path), clip={"x": max(box_top["x"] - 16, 0), "y": box_top["y"] - 12,
                                          "width": max(box_top["width"], box_end["width"]) + 32, "height": box_end["y"] + box_end["height"] - box_top["y"] + 24})
    assert contrast_problems(page) == []


def test_the_certificate_is_one_readable_page(lab_page, shots, cohort_outputs) -> None:
    page = lab_page
    page.set_content(f'<img alt="certificate" src="data:image/png;base64,{_b64(cohort_outputs["certificate"])}">')
    size = page.evaluate("() => [document.images[0].naturalWidth, document.images[0].naturalHeight]")
    assert size[0] > size[1] > 500, "landscape A4 at 80 dpi"
    shutil.copy2(cohort_outputs["certificate"], shots.folder / "certificate.png")


def _b64(path: Path) -> str:
    import base64

    return base64.b64encode(path.read_bytes()).decode("ascii")


@pytest.fixture(scope="module")
def learner_work(lab_course: Path) -> Path:
    """A learner's my-work/ in the served course, with two modules self-graded and some checks tried."""
    from mlteam_utils.progress import record_selfgrade_report
    from mlteam_utils.progress_log import record_check
    from mlteam_utils.selfgrade import QuestionScore, SelfGradeReport
    from mlteam_utils.syllabus import load_syllabus
    from mlteam_utils.workspace import WORK_FOLDER, sync_workspace

    sync_workspace(lab_course)
    work = lab_course / WORK_FOLDER
    syllabus = load_syllabus(lab_course / "course" / "syllabus.toml")
    for number, widget in ((1, 8.0), (2, 5.0)):
        module = syllabus.module(number)
        report = SelfGradeReport(module.exercise_id, module.exercise_id, (
            QuestionScore("q1", widget, 9.0, False), QuestionScore("q4", 0.0, 4.0, False, optional=True),
            QuestionScore("q5_reflection", None, 3.0, True)), None, ())
        record_selfgrade_report(work / module.exercise_path, report)
    for check, credit in (("kc_uncertainty", 1.0), ("kc_debt", 0.0)):
        record_check(check, "01_how_ml_projects_differ", credit, start=work / "lessons")
    return work


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_learners_progress_table_on_the_start_page(lab_page, lab_server, shots, learner_work, theme: str) -> None:
    from playwright.sync_api import expect

    page = lab_page
    path = "my-work/course/index.ipynb"
    page.goto(lab_server.url(workspace_url(f"progress-{theme}", path)))
    wait_for_notebook(page, path)
    choose_theme(page, THEMES[theme])
    try:
        run_all(page)
        table = notebook_panel(page).locator("table.mlteam-progress")
        expect(table).to_be_visible()
        expect(table.locator("tr", has_text="1. How ML projects differ")).to_contain_text("8 / 16 (pass mark 7.2)")
        expect(table.locator("tr", has_text="2. The ML team")).to_contain_text("waiting for a person")
        table.scroll_into_view_if_needed()
        output = table.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')]")
        output.screenshot(path=str(shots.folder / f"learner_progress_{theme}.png"))
        assert contrast_problems(page, {"include": [["table.mlteam-progress"]]}) == []
    finally:  # the theme is a server-side setting: leave the other browser tests the light one
        choose_theme(page, THEMES["light"])
