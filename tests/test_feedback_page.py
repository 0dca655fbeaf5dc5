"""The feedback page a learner reads: a verdict first, results in words, their own answer as theirs.

Built by real nbgrader (``mlteam-course selfgrade``, and the cohort's feedback in the
exchange and report tests) from a half-right exercise 1 whose written answer was typed
in the text box. Checked in the page's text as a browser would render it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from course_helpers import REPO_ROOT, fill_cells, load_fixture, make_course
from mlteam_utils.grading.settings import answers_filename

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
WRITTEN = "I would propose a time-boxed feasibility study with a good-enough target agreed up front."


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.fixture(scope="module")
def self_graded_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    course = make_course(tmp_path_factory.mktemp("feedback") / "checkout", [ASSIGNMENT])
    shutil.copytree(REPO_ROOT / "exercises" / ASSIGNMENT, course / "exercises" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("*.answers.json", "*.feedback.html"))
    folder = course / "exercises" / ASSIGNMENT
    notebook = folder / f"{ASSIGNMENT}.ipynb"
    nbformat.write(fill_cells(notebook, {}), notebook)  # the code question left as released
    answers = load_fixture(ASSIGNMENT, "half_right.answers.json")
    answers["answers"]["q5_reflection"] = {"kind": "written", "value": WRITTEN, "complete": True}
    (folder / answers_filename(ASSIGNMENT)).write_text(json.dumps(answers))
    completed = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "selfgrade", str(notebook)],
                               cwd=course, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "graded by a person, can make up" not in completed.stdout, "a self-learner is never promised a person"
    return (folder / f"{ASSIGNMENT}.feedback.html").read_text(encoding="utf-8")


def test_the_page_opens_with_a_verdict_and_the_next_step(self_graded_page: str) -> None:
    text = page_text(self_graded_page)
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("Feedback:"))
    verdict = lines[title + 1]
    assert re.match(r"(Passed|Not passed yet): \d+(\.\d+)? points", verdict), verdict
    assert "pass mark 7.2 (60% of the 12 points that need no code)" in verdict
    assert lines[title + 2].startswith("Self-graded:"), "a self-learner is told their own pass rule"


def test_no_test_code_exception_names_or_empty_comments(self_graded_page: str) -> None:
    text = page_text(self_graded_page)
    for machinery in ("check_answered(", "assert ", "NotAttempted", "AssertionError", "Traceback", "Comment on",
                      "No response.", "q4_solution", "q1_crisp_dm_loops", "import "):
        assert machinery not in text, f"{machinery!r} shows on the learner's page"
    assert "Skipped: this optional question was not attempted, so it scores 0." in text


def test_the_written_answer_stands_as_the_learners_answer_before_the_rubric(self_graded_page: str) -> None:
    text = page_text(self_graded_page)
    answer = text.index("Your answer\n" + WRITTEN)
    assert answer < text.index("Rubric: what a grader looks for."), "their answer first, then the rubric"
    assert text.index("Question 5") < answer


def test_results_read_as_prose_and_headings_carry_no_anchor_marks(self_graded_page: str) -> None:
    """Issue 27: a skipped question's line is a sentence, not a monospace box of program output; no "¶"."""
    assert '<p class="check-result">Skipped: this optional question was not attempted, so it scores 0.</p>' in self_graded_page
    assert "output_stdout" not in self_graded_page, "no check result in a box of program output"
    assert "¶" not in page_text(self_graded_page) and "anchor-link" not in self_graded_page


def test_the_page_follows_a_dark_colour_scheme(self_graded_page: str) -> None:
    """JupyterLab's dark theme usually comes with a dark system: the page has a dark palette then."""
    scheme = re.search(r'<meta [^>]*name="color-scheme"[^>]*>', self_graded_page)
    assert scheme is not None and 'content="light dark"' in scheme.group(0)
    assert "@media (prefers-color-scheme: dark)" in self_graded_page
