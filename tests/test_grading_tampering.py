"""Widget grading on real nbgrader: broken answers files and kernel-side tampering.

Two temporary courses, one autograde batch in each, run side by side: the broken
answers files in one, the tampering in the other, the same honest learner in both.
Broken answers files cost the widget points, with a clear message in the feedback,
and never crash the batch. Tricks played from the learner's kernel at grading time
earn nothing beyond the honest answers that were submitted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from course_helpers import (
    REPO_ROOT,
    Submission,
    autograde,
    fill_cells,
    generate,
    load_fixture,
    make_course,
    scores,
    submit,
)

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
WIDGET_QUESTIONS = ("q1_crisp_dm_loops", "q2_waterfall_agile_ml", "q3_portfolio_chance")

BROKEN_FILES: dict[str, str | None] = {
    "missing": None,
    "empty": "",
    "garbled": "{not json",
    "wrong_schema": json.dumps({"schema": "something-else", "answers": {}}),
    "huge": json.dumps({"schema": "mlteam-answers/1", "notebook": ASSIGNMENT, "answers": {}, "pad": "x" * 300_000}),
    "other_notebook": json.dumps({"schema": "mlteam-answers/1", "notebook": "ex99_other", "answers": {}}),
}
EXPECTED_MESSAGE = {
    "missing": "no answers file",
    "empty": "is empty",
    "garbled": "not valid JSON",
    "wrong_schema": "not in the expected format",
    "huge": "too large",
    "other_notebook": "from another notebook",
}


def with_cell(notebook: nbformat.NotebookNode, source: str, after_grade_id: str = "setup") -> nbformat.NotebookNode:
    """The notebook with a learner-added code cell after the given cell."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    index = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after_grade_id)
    notebook.cells.insert(index + 1, new_code_cell(source))
    return notebook


def cheat_cells(solution_answers: dict) -> dict[str, str]:
    perfect = json.dumps(solution_answers)
    return {
        "redefine_checker": "def check_answered(*args, **kwargs):\n    print('all answered')\n",
        "monkeypatch_package": (
            "import mlteam_utils.questions.scoring as scoring\n"
            "import mlteam_utils.grading.widget_scores as widget_scores\n"
            "scoring.score_answer = lambda *a, **k: None\n"
            "widget_scores.score_record = lambda *a, **k: {'fraction': 1.0, 'items': [], 'problems': []}\n"
        ),
        "rewrite_answers_file": (
            "from pathlib import Path\n"
            f"Path('{ASSIGNMENT}.answers.json').write_text({perfect!r})\n"
        ),
        "print_a_score": "print(3.0)\n",
    }


def modified_package(destination: Path) -> None:
    """A copy of mlteam_utils whose scoring gives full marks, shipped in the submission."""
    shutil.copytree(REPO_ROOT / "mlteam_utils", destination / "mlteam_utils", ignore=shutil.ignore_patterns("__pycache__"))
    scoring = destination / "mlteam_utils" / "questions" / "scoring.py"
    scoring.write_text(scoring.read_text() + "\n\ndef score_answer(*args, **kwargs):\n    raise SystemExit('cheat')\n")


@dataclass(frozen=True)
class Batch:
    """Both batches' grades as one table, and where each learner was graded."""

    course_of: dict[str, Path]
    completed: list[subprocess.CompletedProcess[str]]
    grades: dict[str, dict[str, float | None]]
    honest_among_broken: dict[str, float | None] | None


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    """The two batches, graded at the same time, each in its own copy of the course.

    Why side by side: nbgrader grades a batch one notebook after another, and the suite
    keeps one core of two busy. ``grades["honest"]`` is the honest learner graded among
    the tampering; the one graded among the broken files must equal it.
    """
    root = tmp_path_factory.mktemp("tampering")
    broken, tampered = root / "broken-files", root / "tampering"
    course = make_course(broken, [ASSIGNMENT])
    release = generate(course, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
    shutil.copytree(broken, tampered, symlinks=True)  # generated, nothing submitted yet
    half = load_fixture(ASSIGNMENT, "half_right.cells.json")
    honest_notebook = fill_cells(release, half["cells"], half["reflection"])
    honest_answers = load_fixture(ASSIGNMENT, "half_right.answers.json")

    for course in (broken, tampered):
        submit(course, "honest", ASSIGNMENT, {ASSIGNMENT: Submission(honest_notebook, honest_answers)})
    for student, content in BROKEN_FILES.items():
        submit(broken, student, ASSIGNMENT, {ASSIGNMENT: Submission(honest_notebook, content)})
    for student, source in cheat_cells(load_fixture(ASSIGNMENT, "solution.answers.json")).items():
        submit(tampered, student, ASSIGNMENT, {ASSIGNMENT: Submission(with_cell(honest_notebook, source), honest_answers)})
    folder = submit(tampered, "package_copy", ASSIGNMENT, {ASSIGNMENT: Submission(honest_notebook, honest_answers)})
    modified_package(folder)
    # Learner metadata claiming a perfect score is discarded.
    forged = nbformat.from_dict(json.loads(json.dumps(honest_notebook)))
    for cell in forged.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in WIDGET_QUESTIONS:
            cell.metadata["mlteam"] = {"widget_score": {"fraction": 1.0, "items": [], "problems": []}}
    submit(tampered, "forged_metadata", ASSIGNMENT, {ASSIGNMENT: Submission(forged, honest_answers)})

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(autograde, course, ASSIGNMENT) for course in (broken, tampered)]
        completed = [run.result() for run in runs]
    broken_grades, grades = scores(broken, ASSIGNMENT), scores(tampered, ASSIGNMENT)
    honest_among_broken = broken_grades.pop("honest", None)
    return Batch(
        course_of={**{student: broken for student in broken_grades}, **{student: tampered for student in grades}},
        completed=completed,
        grades={**grades, **broken_grades},
        honest_among_broken=honest_among_broken,
    )


def widget_points(grades: dict[str, float | None]) -> list[float]:
    return [grades[q] or 0.0 for q in WIDGET_QUESTIONS]


def test_the_batch_completes_for_everyone(batch: Batch) -> None:
    for completed in batch.completed:
        assert completed.returncode == 0, completed.stderr[-3000:]
    expected = {"honest", "package_copy", "forged_metadata", *BROKEN_FILES, *cheat_cells({})}
    assert set(batch.grades) == expected
    assert batch.honest_among_broken == batch.grades["honest"], "the honest learner scores the same in both batches"


@pytest.mark.parametrize("student", sorted(BROKEN_FILES))
def test_broken_answers_file_scores_zero_with_a_clear_message(batch: Batch, student: str) -> None:
    course, grades = batch.course_of[student], batch.grades
    assert widget_points(grades[student]) == [0.0, 0.0, 0.0]
    # The pandas answer is graded as usual.
    assert grades[student]["q4_shape"] == grades["honest"]["q4_shape"]
    graded = nbformat.read(course / "course" / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == WIDGET_QUESTIONS[0])
    feedback = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    assert EXPECTED_MESSAGE[student].lower() in feedback.lower(), feedback


@pytest.mark.parametrize(
    "student", ["redefine_checker", "monkeypatch_package", "rewrite_answers_file", "print_a_score", "package_copy", "forged_metadata"]
)
def test_tampering_gains_nothing(batch: Batch, student: str) -> None:
    grades = batch.grades
    assert batch.course_of[student] == batch.course_of["honest"], "graded in the same batch as the honest reference"
    honest = widget_points(grades["honest"])
    assert 0 < sum(honest) < 9, "the honest reference should be half right"
    assert widget_points(grades[student]) == honest
