"""A learner who doesn't code finishes every exercise: a calm Run All, a Validate that passes, a passing score.

The policy (``[passing]`` in ``course/syllabus.toml``): the pandas questions are
optional; an exercise is passed with 60% of the points that need no code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_helpers import FIXTURES, REPO_ROOT
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.syllabus import load_syllabus

ASSIGNMENTS = [m.exercise_id for m in load_syllabus().available_modules]


def non_coder_copies(destination: Path) -> list[Path]:
    """Each released exercise with every widget question answered right and the code left as released."""
    notebooks = []
    for assignment in ASSIGNMENTS:
        folder = destination / assignment
        shutil.copytree(REPO_ROOT / "exercises" / assignment, folder, ignore=shutil.ignore_patterns("*.answers.json", "*.feedback.html"))
        shutil.copyfile(FIXTURES / assignment / "solution.answers.json", folder / answers_filename(assignment))
        notebooks.append(folder / f"{assignment}.ipynb")
    return notebooks


def validate(notebooks: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nbgrader", "validate", *map(str, notebooks)],
                          cwd=notebooks[0].parent.parent, capture_output=True, text=True, check=False)


@pytest.mark.nbgrader
def test_widget_answers_alone_pass_validate_on_every_exercise(tmp_path: Path) -> None:
    notebooks = non_coder_copies(tmp_path)
    completed = validate(notebooks)
    output = completed.stdout + completed.stderr
    assert output.count("Success! Your notebook passes all the tests.") == len(ASSIGNMENTS), output[-3000:]
    assert "NotImplementedError" not in output and "NameError" not in output


@pytest.mark.nbgrader
def test_validate_still_lists_the_widget_questions_left_unanswered(tmp_path: Path) -> None:
    notebook = non_coder_copies(tmp_path)[0]
    notebook.with_name(answers_filename(ASSIGNMENTS[0])).unlink()
    completed = validate([notebook])
    output = completed.stdout + completed.stderr
    assert "VALIDATION FAILED ON 3 CELL(S)" in output, output[-3000:]
    assert "Question 1 is not answered yet" in output
    assert "optional and not attempted" not in output.split("VALIDATION FAILED")[1], "the skipped code question is not a failure"


@pytest.mark.nbgrader
def test_run_all_goes_through_without_an_error_and_says_the_code_question_was_skipped(tmp_path: Path) -> None:
    notebook_path = non_coder_copies(tmp_path)[0]
    notebook = nbformat.read(notebook_path, as_version=4)
    # As Run All in JupyterLab: any error would stop here (allow_errors=False).
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(notebook_path.parent)}}).execute()
    # The checks' notes are prose in the notebook's style (HTML), not program output in a monospace box.
    notes = [[o for o in c.outputs if "mlteam-note" in o.get("data", {}).get("text/html", "")] for c in notebook.cells if c.cell_type == "code"]
    texts = ["".join(o.data["text/plain"] for o in cell_notes) for cell_notes in notes]
    assert sum("Question 4 is optional and not attempted" in text for text in texts) == 2
    assert sum("answered and saved" in text for text in texts) == 3, texts
    assert not any("optional and not attempted" in o.get("text", "") or "answered and saved" in o.get("text", "")
                   for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream")
    assert not any(o.output_type == "error" for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.nbgrader
def test_selfgrade_passes_a_non_coder_and_gives_the_code_question_nothing(tmp_path: Path) -> None:
    from course_helpers import make_course

    course = make_course(tmp_path / "checkout", [ASSIGNMENTS[0]])
    non_coder_copies(course / "exercises")
    for extra in ASSIGNMENTS[1:]:
        shutil.rmtree(course / "exercises" / extra)
    completed = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "selfgrade", ASSIGNMENTS[0]], cwd=course,
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    code_rows = [line for line in completed.stdout.splitlines() if line.startswith("  Question 4")]
    assert code_rows and all(" 0 / " in line and "optional (code)" in line for line in code_rows), completed.stdout
    assert "Passed: 9 points reach the pass mark of 7.2 points (60% of the 12 points that need no code)." in completed.stdout


class _TableHeaders(HTMLParser):
    """The text of every header cell (``<th>``) of the tables in an HTML output."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "th":
            self._inside = True
            self.headers.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.headers[-1] += data


#: A code name (``customer_id``, ``latency_ms``) or pandas' NaN, which a table's header shows a learner.
CODE_NAME = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b|\bNaN\b")


@pytest.mark.slow  # runs every lesson again, beside nbval's run
@pytest.mark.parametrize("lesson", sorted(p.name for p in (REPO_ROOT / "lessons").glob("*.ipynb")))
def test_lesson_tables_show_their_headers_in_words(lesson: str) -> None:
    """Every table a lesson shows names its columns and rows in words, never by the code's column names."""
    path = REPO_ROOT / "lessons" / lesson
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    found = []
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            parser = _TableHeaders()
            parser.feed(str(output.get("data", {}).get("text/html", "")))
            found += [f"cell {number}: {header.strip()!r}" for header in parser.headers if CODE_NAME.search(header)]
    assert not found, f"{lesson} shows code names in table headers:\n" + "\n".join(found)
