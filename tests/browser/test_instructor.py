"""Path 3, the instructor: Nbgrader ▸ Formgrader, the course's assignments, then a graded
submission with each widget question's score and per-item feedback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from browser.notebook_ui import menu, show, workspace_url

pytestmark = pytest.mark.browser

ITEM_MARK = re.compile(r"^(✔ correct|◐ partly right|✘ not right): ")


def submission_id(course: Path, assignment: str, student: str) -> str:
    """The gradebook id of `student`'s notebook submission, the one the formgrader links to."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission_notebook(assignment, assignment, student).id


def test_instructor_sees_widget_scores_in_the_formgrader(lab_page, instructor_server, lab_course, graded_submission, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    assignment, student = graded_submission.assignment, graded_submission.student
    key = json.loads((lab_course / "solutions" / assignment / f"{assignment}.key.json").read_text(encoding="utf-8"))

    page.goto(instructor_server.url(workspace_url("instructor", "course")))
    expect(page.locator("#jp-main-dock-panel")).to_be_visible()
    menu(page, "Nbgrader", "nbgrader:open-formgrader")
    formgrader = page.frame_locator("#formgrader iframe")
    expect(formgrader.get_by_role("heading", name="Manage Assignments")).to_be_visible()
    assignments = sorted(path.name for path in (lab_course / "solutions").iterdir() if path.is_dir())
    for name in assignments:
        expect(formgrader.locator("table").get_by_role("link", name=name, exact=True)).to_be_visible()
    shots.take("formgrader_assignments")

    # Manual Grading ▸ the assignment ▸ its notebook ▸ the submission; each page's table
    # header shows the click has landed before the next one.
    formgrader.get_by_role("link", name="Manual Grading").click()
    expect(formgrader.get_by_role("columnheader", name="Assignment ID")).to_be_visible()
    formgrader.locator("table").get_by_role("link", name=assignment, exact=True).click()
    expect(formgrader.get_by_role("columnheader", name="Notebook ID")).to_be_visible()
    formgrader.locator("table").get_by_role("link", name=assignment, exact=True).click()
    expect(formgrader.get_by_role("columnheader", name="Submission ID")).to_be_visible()
    # Other tests of this package add learners to the same assignment, and the formgrader lists
    # submissions anonymously ("Submission #N") in an order of its own: pick ours by its id.
    formgrader.locator(f'a[href$="/formgrader/submissions/{submission_id(lab_course, assignment, student)}"]').first.click()

    for question_id, spec in key["questions"].items():
        cell = formgrader.locator(".cell", has=formgrader.locator(f"input.score#{question_id}"))
        score, points = graded_submission.scores[question_id], graded_submission.points[question_id]
        assert score is not None and 0 <= score <= points
        # The auto score from the gradebook, shown as the score field's placeholder ...
        score_field = cell.locator("input.score")
        # The formgrader's script fills the field from its API after the page shows.
        expect(score_field).to_have_attribute("placeholder", re.compile(r"^\d"))
        assert float(score_field.get_attribute("placeholder") or "nan") == pytest.approx(score)
        expect(cell.locator(".panel-heading")).to_contain_text(f"/ {points:.1f}")
        # ... and the per-item feedback the course's grader wrote into the cell's output.
        report = cell.locator(".output_html")
        expect(report).to_contain_text(re.compile(rf"Widget question: [\d.]+ / {points:g} points"))
        shown = float(re.search(r"Widget question: ([\d.]+) /", report.inner_text()).group(1))
        assert shown == pytest.approx(score, abs=0.01)
        lines = report.locator("li")
        expect(lines).not_to_have_count(0)
        for item in spec.get("items", []):
            expect(lines.filter(has_text=item)).to_have_count(1)
        for line in lines.all_inner_texts():
            assert ITEM_MARK.match(line), line
        if question_id == next(iter(key["questions"])):
            show(cell)
            shots.take(f"graded_submission_{student}")

    # The reflection's rubric reads as a rubric, right above the answer it grades; no raw markers.
    task = formgrader.locator(".cell", has=formgrader.locator(".nbgrader-label", has_text="Student's task"))
    expect(task).to_contain_text("Rubric, for the grader.")
    expect(task.locator("blockquote")).to_contain_text("points")
    expect(formgrader.locator("body")).not_to_contain_text("BEGIN MARK SCHEME")
    expect(formgrader.locator("body")).not_to_contain_text("END MARK SCHEME")
    show(task)
    shots.take(f"rubric_in_the_formgrader_{student}")
