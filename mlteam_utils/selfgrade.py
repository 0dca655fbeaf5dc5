"""Grade a self-learner's own copy of an exercise, privately.

The learner's notebook and answers file are copied into a temporary course built
from ``solutions/``; nbgrader generates, autogrades and writes feedback there. The
learner's files and the course's gradebook are never touched; only the feedback
page is written next to the notebook.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.grading.safe_files import stage_tree
from mlteam_utils.grading.settings import ANSWERS_GLOB, KEY_GLOB
from mlteam_utils.nbgrader_runner import run_nbgrader

SELF = "self"
MARK_SCHEME = re.compile(r"BEGIN MARK SCHEME[^\n]*\n(?P<body>.*?)\n[^\n]*END MARK SCHEME", re.S)


class SelfGradeError(RuntimeError):
    """The notebook cannot be self-graded; the message says why and what to do."""


@dataclass(frozen=True)
class QuestionScore:
    """One graded cell of the learner's notebook."""

    name: str
    score: float | None
    max_score: float
    needs_manual_grade: bool


@dataclass(frozen=True)
class SelfGradeReport:
    assignment: str
    notebook: str
    questions: tuple[QuestionScore, ...]
    feedback_path: Path | None
    rubrics: tuple[str, ...]
    note: str = ""  # e.g. that the notebook was graded without a sandbox, and why

    @property
    def auto_score(self) -> float:
        return sum(q.score or 0.0 for q in self.questions if not q.needs_manual_grade)

    @property
    def auto_max(self) -> float:
        return sum(q.max_score for q in self.questions if not q.needs_manual_grade)

    def as_text(self) -> str:
        """A table for the terminal."""
        width = max([len(q.name) for q in self.questions] + [8])
        lines = ([self.note, ""] if self.note else []) + [f"{self.assignment} / {self.notebook}", ""]
        for q in self.questions:
            if q.needs_manual_grade:
                shown = f"   – / {q.max_score:g}  graded by a person (see the rubric below)"
            else:
                shown = f"{q.score or 0:>4g} / {q.max_score:g}"
            lines.append(f"  {q.name:<{width}}  {shown}")
        lines += ["", f"  Autograded total: {self.auto_score:g} / {self.auto_max:g}"]
        if self.feedback_path:
            lines.append(f"  Feedback page:    {self.feedback_path}")
        for rubric in self.rubrics:
            lines += ["", "Rubric for the written answer:", rubric.strip()]
        return "\n".join(lines)


def _locate(notebook: Path, course_root: Path) -> tuple[str, str]:
    if not notebook.is_file():
        raise SelfGradeError(f"{notebook} does not exist")
    if notebook.suffix != ".ipynb":
        raise SelfGradeError(f"{notebook} is not a notebook (.ipynb)")
    assignment, name = notebook.resolve().parent.name, notebook.stem
    source = course_root / "solutions" / assignment / f"{name}.ipynb"
    if not source.is_file():
        raise SelfGradeError(
            f"{notebook} is not one of the course's exercises: expected it in a folder named like "
            f"exercises/exNN_slug/ with a matching instructor version at {source.relative_to(course_root)}"
        )
    return assignment, name


def _rubrics(source_notebook: Path) -> tuple[str, ...]:
    return tuple(match["body"] for match in MARK_SCHEME.finditer(source_notebook.read_text(encoding="utf-8")))


def selfgrade(
    notebook: Path,
    course_root: Path,
    *,
    show_correct_answers: bool = False,
    timeout: float = 600,
    isolation: bool | None = None,
) -> SelfGradeReport:
    """Grade ``notebook`` against the instructor version in a private temporary course.

    With ``isolation`` the notebook's code runs in a sandbox that cannot see
    ``solutions/`` (see :mod:`mlteam_utils.grading.isolation`), and
    :class:`SelfGradeError` says so when no sandbox can run here. By default
    (``None``) it is used where it can run; elsewhere (macOS, Linux without
    bubblewrap) the notebook is graded without it, and the report's note says so:
    a self-learner already holds ``solutions/``, so nothing is exposed.
    """
    from nbgrader.api import Gradebook

    from mlteam_utils.grading.isolation import IsolationUnavailable, isolation_status, require_isolation

    assignment, name = _locate(notebook, course_root)
    isolation_options: list[str] = []
    note = ""
    if isolation is None:
        status = isolation_status()
        isolation = status.available
        if not isolation:
            note = f"Graded without a sandbox ({status.reason.removeprefix('grading isolation is not available: ')}); your checkout holds solutions/ anyway."
    elif isolation:
        try:
            require_isolation()
        except IsolationUnavailable as error:
            raise SelfGradeError(str(error)) from None
    learner_folder = notebook.resolve().parent
    with tempfile.TemporaryDirectory(prefix="mlteam-selfgrade-") as temp:
        private = Path(temp)
        shutil.copy2(course_root / "nbgrader_config.py", private / "nbgrader_config.py")
        shutil.copytree(
            course_root / "solutions" / assignment,
            private / "solutions" / assignment,
            ignore=shutil.ignore_patterns(ANSWERS_GLOB, ".ipynb_checkpoints", "__pycache__"),
        )
        (private / "course").mkdir()
        run_nbgrader(private, "generate_assignment", assignment, "--force", timeout=timeout)

        submitted = private / "course" / "submitted" / SELF / assignment
        # Plain files only: a link or a FIFO beside the notebook is left out, never followed.
        ignored = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.feedback.html", KEY_GLOB, "*.bad-*")
        stage_tree(learner_folder, submitted, lambda relative, is_folder: not ignored("", [relative.rsplit("/", 1)[-1]]))
        if isolation:
            from mlteam_utils.grading.isolation import nbgrader_isolation_args

            # The private course is what nbgrader sees; the learner's checkout holds the real answers.
            real = course_root.resolve()
            isolation_options = nbgrader_isolation_args(private, hidden_paths=[real / "solutions", real / "course"])
        options = [f"--ScoreWidgetAnswers.show_correct_answers={show_correct_answers}", *isolation_options]
        run_nbgrader(private, "autograde", assignment, "--student", SELF, "--force", *options, timeout=timeout)
        run_nbgrader(private, "generate_feedback", assignment, "--student", SELF, "--force", timeout=timeout)

        with Gradebook(f"sqlite:///{private / 'course' / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(name, assignment, SELF)
            questions = tuple(
                QuestionScore(g.name, g.auto_score, float(g.max_score), bool(g.needs_manual_grade))
                for g in sorted(submission.grades, key=lambda g: g.cell.id if g.cell else 0)
            )
        produced = private / "course" / "feedback" / SELF / assignment / f"{name}.html"
        feedback_path: Path | None = None
        if produced.is_file():
            feedback_path = learner_folder / f"{name}.feedback.html"
            shutil.copyfile(produced, feedback_path)
    return SelfGradeReport(
        assignment=assignment,
        notebook=name,
        questions=questions,
        feedback_path=feedback_path,
        rubrics=_rubrics(course_root / "solutions" / assignment / f"{name}.ipynb"),
        note=note,
    )
