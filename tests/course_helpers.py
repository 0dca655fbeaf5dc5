"""Build temporary courses and run real nbgrader on them (shared by the grading tests)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.nbgrader_runner import run_nbgrader

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MARKER_LINE = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


def make_course(destination: Path, assignments: list[str] | None = None) -> Path:
    """Copy the course definition and the given solutions into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", destination / "nbgrader_config.py")
    (destination / "course").mkdir(exist_ok=True)
    shutil.copy2(REPO_ROOT / "course" / "syllabus.toml", destination / "course" / "syllabus.toml")
    source = REPO_ROOT / "solutions"
    wanted = assignments or sorted(p.name for p in source.iterdir() if p.is_dir())
    for assignment in wanted:
        shutil.copytree(
            source / assignment,
            destination / "solutions" / assignment,
            ignore=shutil.ignore_patterns("*.answers.json", ".ipynb_checkpoints", "__pycache__"),
        )
    return destination


def generate(course: Path, assignment: str) -> Path:
    """nbgrader generate_assignment, into the temporary course's exercises/ (nbgrader's own converter, in this process)."""
    from mlteam_utils.nbgrader_inprocess import run_step

    run_step(course, "generate_assignment", assignment)
    return course / "exercises" / assignment


def strip_solution_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not MARKER_LINE.match(line))


def solution_cells(source_notebook: Path) -> dict[str, str]:
    """grade_id -> solution source (markers removed) for every solution cell."""
    nb = nbformat.read(source_notebook, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: strip_solution_markers(cell.source)
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def fill_cells(release_notebook: Path, answers: dict[str, str], reflection: str | None = None) -> nbformat.NotebookNode:
    """The release notebook with its solution cells (and the reflection cell) filled in."""
    from mlteam_utils.grading.written_answers import answer_cell_index

    nb = nbformat.read(release_notebook, as_version=4)
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        answer_cell = answer_cell_index(nb, index) if cell.metadata.get("nbgrader", {}).get("task") else None
        if reflection and answer_cell is not None:
            # Typed into the answer cell itself (the text box's answers are in the answers file).
            nb.cells[answer_cell].source = reflection
    return nb


@dataclass(frozen=True)
class Submission:
    """One learner's files: a notebook and, optionally, an answers file."""

    notebook: nbformat.NotebookNode | str | bytes
    answers: dict | str | bytes | None = None


def submit(course: Path, student: str, assignment: str, submissions: dict[str, Submission]) -> Path:
    """Place a learner's notebooks (name -> Submission) in course/submitted/."""
    folder = course / "course" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, submission in submissions.items():
        notebook_path = folder / f"{name}.ipynb"
        if isinstance(submission.notebook, nbformat.NotebookNode):
            nbformat.write(submission.notebook, notebook_path)
        elif isinstance(submission.notebook, bytes):
            notebook_path.write_bytes(submission.notebook)
        else:
            notebook_path.write_text(submission.notebook, encoding="utf-8")
        answers = submission.answers
        if answers is not None:
            answers_path = folder / answers_filename(name)
            if isinstance(answers, dict):
                answers_path.write_text(json.dumps(answers, indent=2), encoding="utf-8")
            elif isinstance(answers, bytes):
                answers_path.write_bytes(answers)
            else:
                answers_path.write_text(answers, encoding="utf-8")
    return folder


def autograde(course: Path, assignment: str, *extra: str):
    return run_nbgrader(course, "autograde", assignment, "--force", *extra, check=False)


def load_fixture(assignment: str, name: str) -> dict:
    return json.loads((FIXTURES / assignment / name).read_text(encoding="utf-8"))


def scores(course: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """student -> {grade_id: auto score} read from the temporary course's gradebook."""
    from nbgrader.api import Gradebook

    result: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            grades: dict[str, float | None] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades[grade.name] = grade.auto_score
            result[submission.student.id] = grades
    return result


def autograded_max(course: Path, assignment: str) -> float:
    """Total points of the autograded cells of an assignment."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'course' / 'gradebook.db'}") as gradebook:
        assignment_row = gradebook.find_assignment(assignment)
        return float(
            sum(cell.max_score for notebook in assignment_row.notebooks for cell in notebook.grade_cells if cell.cell_type == "code")
        )


HONEST_KINDS = ("solution", "half_right", "blank")


def honest_submission(course: Path, assignment: str, kind: str) -> Submission:
    """A reference submission of an assignment, built from the generated release.

    ``kind`` is "solution" (every answer right), "half_right" (the fixture's
    realistic mix) or "blank" (the release as handed out).
    """
    release_nb = course / "exercises" / assignment / f"{assignment}.ipynb"
    source_nb = course / "solutions" / assignment / f"{assignment}.ipynb"
    if kind == "solution":
        return Submission(
            fill_cells(release_nb, solution_cells(source_nb), reflection="A model answer."),
            load_fixture(assignment, "solution.answers.json"),
        )
    if kind == "half_right":
        half = load_fixture(assignment, "half_right.cells.json")
        return Submission(
            fill_cells(release_nb, half["cells"], reflection=half.get("reflection")),
            load_fixture(assignment, "half_right.answers.json"),
        )
    if kind == "blank":
        return Submission(nbformat.read(release_nb, as_version=4))
    raise ValueError(f"unknown kind {kind!r}; expected one of {HONEST_KINDS}")
