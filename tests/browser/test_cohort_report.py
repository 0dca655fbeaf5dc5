"""The instructor reads the cohort report, a learner's one-to-one page and a feedback page in Chromium.

A second learner (a blank ex01) joins the half-right one graded for the formgrader
test; `mlteam-course report` and `mlteam-course feedback` run as an instructor runs
them, and the pages are opened from disk as an instructor opens them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ASSIGNMENT = "ex01_how_ml_projects_differ"
BLANK = "learner_blank"


@pytest.fixture(scope="module")
def reported(lab_course: Path, graded_submission, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from course_helpers import Submission, submit
    from mlteam_utils.nbgrader_runner import nbgrader_environment

    release = lab_course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submit(lab_course, BLANK, ASSIGNMENT, {ASSIGNMENT: Submission(nbformat.read(release, as_version=4))})
    report = tmp_path_factory.mktemp("report")
    tool = str(Path(sys.executable).parent / "mlteam-course")
    for arguments in (["grade", ASSIGNMENT, "--jobs", "1", "--quiet"], ["feedback", ASSIGNMENT, "--no-release"],
                      ["report", "--to", str(report)]):
        completed = subprocess.run([tool, "--course-root", str(lab_course), *arguments], cwd=lab_course, env=nbgrader_environment(),
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
        assert completed.returncode == 0, f"{arguments}:\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}"
    return {
        "index": report / "index.html",
        "learner": report / "learners" / f"{BLANK}.html",
        "feedback": lab_course / "course" / "feedback" / graded_submission.student / ASSIGNMENT / f"{ASSIGNMENT}.html",
    }


def test_the_report_says_who_is_behind_and_why(lab_page, reported, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    page.goto(reported["index"].as_uri())
    expect(page.get_by_role("heading", name="Learners who are behind")).to_be_visible()
    behind = page.locator("table", has=page.get_by_role("columnheader", name="topics to revisit"))
    row = behind.locator("tr", has=page.get_by_role("link", name=BLANK))
    expect(row).to_contain_text("ex01: Q1")
    expect(row).to_contain_text("where CRISP-DM's feedback loops send a project back")
    expect(page.get_by_role("heading", name="Wrong answers most often given")).to_be_visible()
    shots.take("report_index")
    page.get_by_role("heading", name="Learners who are behind").scroll_into_view_if_needed()
    shots.take("report_behind")

    page.get_by_role("link", name=BLANK).click()
    expect(page.get_by_role("heading", name=BLANK)).to_be_visible()
    expect(page.get_by_role("heading", name="Objectives to revisit")).to_be_visible()
    # A blank hand-in: graded, with nothing left for a person (its empty written answer scored 0 on its own).
    expect(page.locator("table").first).to_contain_text(re.compile(r"graded\s*0 / 16"))
    expect(page.get_by_text("awaiting grading")).to_have_count(0)
    shots.take("learner_page_for_a_one_to_one")


def test_the_report_shows_its_charts_where_no_script_runs(lab_page, reported, shots) -> None:
    """Served through the hub (``/services/<course>/files/...``), the report gets Jupyter's
    ``sandbox allow-scripts`` policy: here the same sandbox, no script and no request but the
    page's own. Every chart must still be drawn, from inside the page."""
    from urllib.parse import urlparse

    from playwright.sync_api import expect

    page = lab_page
    folder = reported["index"].parent
    policy = "sandbox allow-scripts; default-src 'none'; script-src 'none'; img-src data:; style-src 'unsafe-inline'"
    requested: list[str] = []

    def serve(route) -> None:  # type: ignore[no-untyped-def]
        path = urlparse(route.request.url).path
        requested.append(path)
        target = folder / path.lstrip("/")
        if path == "/index.html":
            route.fulfill(body=target.read_bytes(), content_type="text/html; charset=utf-8",
                          headers={"Content-Security-Policy": policy})
        else:
            route.fulfill(status=404, body="not served")

    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.route("http://report.invalid/**", serve)
    page.goto("http://report.invalid/index.html")
    expect(page.get_by_role("heading", name="Completion by assignment")).to_be_visible()
    charts = page.locator("figure img")
    expect(charts).to_have_count(4)
    drawn = charts.evaluate_all(
        "images => images.map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().height])")
    assert all(complete and width > 0 and height > 0 and shown > 0 for _, complete, width, height, shown in drawn), drawn
    assert set(requested) <= {"/index.html", "/favicon.ico"}, requested  # no chart was fetched
    assert not refused, refused
    charts.first.scroll_into_view_if_needed()
    shots.take("report_charts_under_the_hubs_sandbox")


def test_the_feedback_page_names_each_question(lab_page, reported, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    page.goto(reported["feedback"].as_uri())
    expect(page.get_by_role("heading", name="Feedback: Exercise 1: Planning an ML project")).to_be_visible()
    toc = page.locator("#toc")
    expect(toc.get_by_role("link", name="Question 1 — Where CRISP-DM loops back")).to_be_visible()
    expect(toc).to_contain_text("awaiting grading by a person")
    expect(page.locator("body")).not_to_contain_text("Test cell")
    expect(page.locator("body")).not_to_contain_text("Before you submit")
    expect(page.locator("body")).not_to_contain_text("BEGIN MARK SCHEME")
    shots.take("feedback_page")


@pytest.mark.parametrize("page_name", ["index", "learner", "feedback"])
def test_the_instructors_pages_have_no_serious_accessibility_violation(lab_page, reported, shots, page_name: str) -> None:
    """axe-core on pages the course writes from top to bottom: every violation is the course's own."""
    from browser.accessibility import audit

    lab_page.goto(reported[page_name].as_uri())
    found = audit(lab_page, f"report_{page_name}", jupyterlab=False)
    found.save(shots.folder)
    print(found.summary())
    assert not found.counted, found.summary()
