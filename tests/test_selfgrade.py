"""`mlteam-course selfgrade`: a private score and feedback for a self-learner."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_helpers import REPO_ROOT, fill_cells, load_fixture, make_course
from mlteam_utils.grading.settings import answers_filename

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def learner_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A course checkout with a self-learner's half-right answers in exercises/."""
    course = make_course(tmp_path / "checkout", [ASSIGNMENT])
    # The release only: not the files a developer's own selfgrade or lesson run left beside it.
    shutil.copytree(REPO_ROOT / "exercises" / ASSIGNMENT, course / "exercises" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns("*.answers.json", "*.feedback.html"))
    folder = course / "exercises" / ASSIGNMENT
    half = load_fixture(ASSIGNMENT, "half_right.cells.json")
    nbformat.write(fill_cells(folder / f"{ASSIGNMENT}.ipynb", half["cells"], half["reflection"]), folder / f"{ASSIGNMENT}.ipynb")
    (folder / answers_filename(ASSIGNMENT)).write_text(json.dumps(load_fixture(ASSIGNMENT, "half_right.answers.json")))
    return course, folder / f"{ASSIGNMENT}.ipynb"


def run_selfgrade(notebook: Path, *options: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "selfgrade", str(notebook), *options],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_selfgrade_without_bubblewrap_grades_unsandboxed_and_says_so(learner_copy, tmp_path: Path) -> None:
    """As on macOS: no bwrap on PATH. A self-learner holds solutions/ anyway."""
    import os

    course, notebook = learner_copy
    tools = tmp_path / "bin"  # the venv's tools (nbgrader needs alembic), and no bubblewrap
    tools.mkdir()
    for name in ("alembic", "jupyter"):
        (tools / name).symlink_to(Path(sys.executable).parent / name)
    environment = {**os.environ, "PATH": str(tools)}
    # A named pipe and a link beside the notebook are left out, never opened or followed.
    os.mkfifo(notebook.with_name("notes.txt"))
    notebook.with_name("answers-link.json").symlink_to(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.key.json")
    completed = run_selfgrade(notebook, cwd=course, env=environment)
    assert completed.returncode == 0, completed.stderr[-3000:]
    first_line = completed.stdout.splitlines()[0]
    assert first_line.startswith("Graded without a sandbox") and "bubblewrap" in first_line, completed.stdout[:500]
    total = float(completed.stdout.split("Score:")[1].split("/")[0])
    assert 0 < total < 13


def test_selfgrade_prints_scores_and_writes_feedback_without_touching_anything(learner_copy) -> None:
    course, notebook = learner_copy
    before = digest(course)
    # As `make selfgrade EXERCISE=ex01` runs it: the exercise named by its id.
    completed = run_selfgrade(Path("ex01"), cwd=course)
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    # Questions by name, in notebook order; the reflection is graded by a person, not 0.
    titles = [line.split("  ")[1].strip() for line in out.splitlines() if line.startswith("  Question ")]
    assert titles[0].startswith("Question 1 — Where CRISP-DM loops back") and titles[-1].startswith("Question 5 — In your organization")
    assert titles == sorted(titles, key=lambda title: title.split(" — ")[0]), "notebook order"
    assert "graded by a person (rubric below)" in out
    total = float(out.split("Score:")[1].split("/")[0])
    maximum = float(out.split("Score:")[1].split("/")[1].split(",")[0])
    assert 0 < total < 13 and maximum == 16
    # The rubric reads as text, not as the notebook's JSON.
    rubric = out.split("Rubric for the written answer:")[1]
    assert "3 points: names the real uncertainty" in rubric and '\\n' not in rubric and '"' not in rubric.splitlines()[1]
    # Progress while it runs, on stderr, and nothing else there: no library's warnings (SQLAlchemy's about
    # nbgrader's new submission rows were three long ones each run).
    assert "1/3" in completed.stderr and "3/3" in completed.stderr
    shown = completed.stderr.splitlines()
    assert shown[0].startswith("Grading ") and all(line.startswith(("  1/3 ", "  2/3 ", "  3/3 ")) for line in shown[1:]), completed.stderr

    feedback = notebook.with_name(f"{ASSIGNMENT}.feedback.html")
    assert feedback.is_file()
    html = feedback.read_text(encoding="utf-8")
    assert "Widget question" in html
    assert "BEGIN HIDDEN TESTS" not in html and "expected_weeks" not in html
    assert "MARK SCHEME" not in html, "the rubric is shown without nbgrader's markers"
    assert "names the real uncertainty" in html, "the rubric is on the page too"
    # Terminal and page agree: the same total; the reflection is not scored (a self-learner has no
    # grader), never "awaiting grading by a person".
    assert f"Score: {total:g} / 16" in html.replace(".0 /", " /").replace(".0 (", " (") or f"Score: {total} / 16" in html
    assert "not scored on a self-graded page" in html and "awaiting grading by a person" not in html

    after = digest(course)
    after.pop(f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.feedback.html")
    assert after == before, "selfgrade changed files other than the feedback page"
    assert not (course / "course" / "gradebook.db").exists()


def test_selfgrade_shows_correct_answers_unless_asked_not_to(learner_copy) -> None:
    """A self-learner holds the solutions: the missed items' answers and explanations are shown by default."""
    course, notebook = learner_copy
    key = json.loads((course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.key.json").read_text())
    wrong_item = key["questions"]["q2_waterfall_agile_ml"]["items"][7]  # misfiled in the fixture
    explanation = key["questions"]["q2_waterfall_agile_ml"]["explanations"][wrong_item]
    assert run_selfgrade(notebook, cwd=course).returncode == 0
    html = notebook.with_name(f"{ASSIGNMENT}.feedback.html").read_text(encoding="utf-8")
    assert "expected:" in html and wrong_item.split("'")[0][:30] in html
    assert explanation[:40].replace("'", "&#x27;")[:30] in html or explanation[:30] in html

    assert run_selfgrade(notebook, "--hide-answers", cwd=course).returncode == 0
    html = notebook.with_name(f"{ASSIGNMENT}.feedback.html").read_text(encoding="utf-8")
    assert "expected:" not in html


def test_selfgrade_refuses_a_notebook_that_is_not_an_exercise(tmp_path: Path) -> None:
    course = make_course(tmp_path / "checkout", [ASSIGNMENT])
    stray = course / "notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), stray)
    completed = run_selfgrade(stray, cwd=course)
    assert completed.returncode == 1
    assert "not one of the course's exercises" in completed.stderr


def test_selfgrade_in_the_work_area_counts_in_progress(learner_copy) -> None:
    """`make selfgrade` from my-work/ records the score; `mlteam-course progress` then shows it."""
    course, _ = learner_copy
    synced = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "workspace"], cwd=course,
                            capture_output=True, text=True, check=False)
    assert synced.returncode == 0, synced.stderr[-2000:]
    work_notebook = course / "my-work" / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    half = load_fixture(ASSIGNMENT, "half_right.cells.json")
    nbformat.write(fill_cells(work_notebook, half["cells"], half["reflection"]), work_notebook)
    work_notebook.with_name(answers_filename(ASSIGNMENT)).write_text(json.dumps(load_fixture(ASSIGNMENT, "half_right.answers.json")))

    completed = run_selfgrade(work_notebook, cwd=course)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Recorded for `make progress`" in completed.stdout
    score = float(completed.stdout.split("Score:")[1].split("/")[0])
    record = json.loads((course / "my-work" / ".mlteam-selfgrade.json").read_text(encoding="utf-8"))
    assert ASSIGNMENT in json.dumps(record)

    progress = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "progress"], cwd=course,
                              capture_output=True, text=True, check=False)
    assert progress.returncode == 0, progress.stderr[-2000:]
    first_module = next(line for line in progress.stdout.splitlines() if line.lstrip().startswith("1 "))
    assert f"{score:g} / 16" in first_module or f"{score:g}/16" in first_module, first_module
