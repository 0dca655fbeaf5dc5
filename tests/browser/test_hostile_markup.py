"""A hostile learner's markup never runs where a person looks at it.

One ex01 submission carries script in every place a learner controls: the
reflection (``<img onerror>``, ``<script>``, ``<svg onload>``, an iframe, a
``javascript:`` link), code outputs (HTML with script, JavaScript, SVG, markdown
with HTML), forged widget state, an added markdown cell and a raw HTML cell. It is
graded with ``mlteam-course grade`` and given feedback with ``mlteam-course
feedback``, as an instructor does. Then Chromium opens the submission in the
formgrader (on the instructor's own Jupyter server) and the feedback page, and
the test shows that no payload ran: no dialog opened, no marker was set, and the
learner's text is still there to read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ASSIGNMENT = "ex01_how_ml_projects_differ"
STUDENT = "learner_hostile"
# Every payload calls alert() and sets a marker on the top window: either shows it ran.
RUN = "window.top.mlteamXss=(window.top.mlteamXss||[]).concat(['{name}']);alert('{name}')"

REFLECTION = (
    "My honest reflection, readable by the grader.\n\n"
    f'<img src=x onerror="{RUN.format(name="reflection img")}">\n\n'
    f"<script>{RUN.format(name='reflection script')}</script>\n\n"
    f'<svg onload="{RUN.format(name="reflection svg")}"></svg>\n\n'
    f"""<iframe srcdoc="<script>parent.alert('reflection iframe')</script>"></iframe>\n\n"""
    "[my plan](javascript:alert('reflection link'))"
)
OUTPUTS_CELL = f'''
from IPython.display import display, HTML, Javascript, SVG
display(HTML("""<b>a table</b><img src=x onerror="{RUN.format(name='html output')}"><script>{RUN.format(name='html script')}</script>"""))
display(Javascript("""{RUN.format(name='javascript output')}"""))
display(SVG("""<svg xmlns="http://www.w3.org/2000/svg" onload="{RUN.format(name='svg output')}"><script>{RUN.format(name='svg script')}</script></svg>"""))
display({{"text/markdown": """<img src=x onerror="{RUN.format(name='markdown output')}">""", "text/plain": "md"}}, raw=True)
'''


def hostile_notebook(release: Path) -> nbformat.NotebookNode:
    from course_helpers import fill_cells, load_fixture

    half_right = load_fixture(ASSIGNMENT, "half_right.cells.json")
    notebook = fill_cells(release, half_right["cells"], reflection=REFLECTION)
    notebook.cells.append(nbformat.v4.new_code_cell(OUTPUTS_CELL))
    notebook.cells.append(nbformat.v4.new_markdown_cell(f"<script>{RUN.format(name='new markdown cell')}</script>"))
    notebook.cells.append(nbformat.v4.new_raw_cell(f"<script>{RUN.format(name='raw cell')}</script>",
                                                   metadata={"format": "text/html", "raw_mimetype": "text/html"}))
    html_widget = {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
                   "state": {"value": f'<img src=x onerror="{RUN.format(name="widget state")}">'}}
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {"forged": html_widget}}}
    return notebook


@pytest.fixture(scope="module")
def hostile_graded(lab_course: Path, graded_submission) -> dict[str, object]:
    """The hostile submission graded and given feedback by the course's own commands."""
    from course_helpers import Submission, load_fixture, submit
    from mlteam_utils.nbgrader_runner import nbgrader_environment

    release = lab_course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submit(lab_course, STUDENT, ASSIGNMENT, {ASSIGNMENT: Submission(hostile_notebook(release), load_fixture(ASSIGNMENT, "half_right.answers.json"))})
    tool = str(Path(sys.executable).parent / "mlteam-course")
    for arguments in (["grade", ASSIGNMENT, "--jobs", "1", "--quiet"], ["feedback", ASSIGNMENT, "--no-release"]):
        completed = subprocess.run([tool, "--course-root", str(lab_course), *arguments], cwd=lab_course, env=nbgrader_environment(),
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
        assert completed.returncode == 0, f"{arguments}:\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{lab_course / 'course' / 'gradebook.db'}") as gradebook:
        submission_id = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, STUDENT).id
    feedback = lab_course / "course" / "feedback" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert feedback.is_file()
    return {"submission_id": submission_id, "feedback": feedback}


def ran_payloads(page, dialogs: list[str]) -> list[str]:
    markers = page.evaluate("() => window.mlteamXss || []")
    return sorted(set(markers) | set(dialogs))


def test_the_formgrader_shows_the_hostile_submission_inert(lab_page, instructor_server, hostile_graded, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(instructor_server.url(f"/formgrader/submissions/{hostile_graded['submission_id']}/?index=0"))
    expect(page.locator(".cell").first).to_be_visible()
    reflection = page.locator(".cell", has_text="My honest reflection")
    expect(reflection.first).to_be_visible()
    # The learner's markup shows as text an instructor can read, not as elements.
    expect(reflection.first).to_contain_text("<img src=x onerror=")
    page.wait_for_timeout(1500)  # a payload on a timer or an image error would have fired by now
    reflection.first.scroll_into_view_if_needed()
    shots.take("formgrader_hostile_submission")
    assert ran_payloads(page, dialogs) == []
    assert page.locator("iframe[srcdoc]").count() == 0


def test_the_feedback_page_shows_the_hostile_submission_inert(lab_page, hostile_graded, shots) -> None:
    from playwright.sync_api import expect

    page = lab_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(Path(hostile_graded["feedback"]).as_uri())
    expect(page.get_by_text("My honest reflection").first).to_be_visible()
    page.wait_for_timeout(1500)
    page.get_by_text("My honest reflection").first.scroll_into_view_if_needed()
    shots.take("feedback_hostile_submission")
    assert ran_payloads(page, dialogs) == []
    assert page.locator("iframe, object, embed").count() == 0
