"""Grade a self-learner's own copy of an exercise, privately.

The learner's notebook and answers file are copied into a temporary course built
from ``solutions/``; nbgrader generates, autogrades and writes feedback there. The
learner's files and the course's gradebook are never touched; only the feedback
page is written next to the notebook.

A self-learner already holds the solutions, so what an instructor's feedback
keeps back is shown here: the correct answer and explanation of each widget item
they missed (unless ``show_correct_answers=False``) and the reflection's rubric,
in the terminal and on the page. The reflection is "graded by a person": it is
left out of the score, in the terminal and on the page alike.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlteam_utils.grading.settings import ANSWERS_GLOB, KEY_GLOB
from mlteam_utils.nbgrader_inprocess import run_step
from mlteam_utils.safe_files import stage_tree
from mlteam_utils.upstream.course_paths import course_paths

SELF = "self"
MARK_SCHEME = re.compile(r"BEGIN MARK SCHEME[^\n]*\n(?P<body>.*?)\n[^\n]*END MARK SCHEME", re.S)


class SelfGradeError(RuntimeError):
    """The notebook cannot be self-graded; the message says why and what to do."""


@dataclass(frozen=True)
class QuestionScore:
    """One graded cell of the learner's notebook (``title``: the question it belongs to)."""

    name: str
    score: float | None
    max_score: float
    needs_manual_grade: bool
    title: str = ""
    optional: bool = False  # a code question: its points count when earned, never needed to pass


@dataclass(frozen=True)
class SelfGradeReport:
    assignment: str
    notebook: str
    questions: tuple[QuestionScore, ...]
    feedback_path: Path | None
    rubrics: tuple[str, ...]
    note: str = ""  # e.g. that the notebook was graded without a sandbox, and why
    pass_percent: float = 60.0  # the course's pass mark, in % of the points that need no code

    @property
    def auto_score(self) -> float:
        return sum(q.score or 0.0 for q in self.questions if not q.needs_manual_grade)

    @property
    def auto_max(self) -> float:
        return sum(q.max_score for q in self.questions if not q.needs_manual_grade)

    @property
    def person_points(self) -> float:
        """Points of the parts a person grades (the reflection): not in the score."""
        return sum(q.max_score for q in self.questions if q.needs_manual_grade)

    @property
    def points_without_code(self) -> float:
        """The points of the questions that need no code (widget questions, the written answer)."""
        return sum(q.max_score for q in self.questions if not q.optional)

    @property
    def pass_mark(self) -> float:
        return round(self.points_without_code * self.pass_percent / 100, 2)

    def pass_line(self) -> str:
        """Whether the score so far passes, and if not, what can still get it there.

        >>> report = SelfGradeReport("ex01", "ex01", (
        ...     QuestionScore("q1", 8.0, 9.0, False), QuestionScore("q4", 0.0, 4.0, False, optional=True),
        ...     QuestionScore("q5", None, 3.0, True)), None, ())
        >>> print(report.pass_line())
        Passed: 8 points reach the pass mark of 7.2 points (60% of the 12 points that need no code).
        """
        rule = f"the pass mark of {self.pass_mark:g} points ({self.pass_percent:g}% of the {self.points_without_code:g} points that need no code)"
        if self.auto_score >= self.pass_mark:
            return f"Passed: {self.auto_score:g} points reach {rule}."
        missing = round(self.pass_mark - self.auto_score, 2)
        if self.person_points:
            return (f"Not passed yet: {self.auto_score:g} points so far, {missing:g} short of {rule}. "
                    f"Self-graded, your written answer is not scored, so you pass on your own with {self.pass_mark:g} points "
                    "from the questions above: the feedback page explains each answer; revisit those and run selfgrade again.")
        return (f"Not passed yet: {self.auto_score:g} points so far, {missing:g} short of {rule}. "
                "The feedback page explains each answer: revisit those and run selfgrade again.")

    def as_text(self) -> str:
        """A table for the terminal: questions in notebook order, by name, then the total.

        >>> report = SelfGradeReport("ex01", "ex01", (
        ...     QuestionScore("q1_order", 2.6, 3.0, False, "Question 1 — The lifecycle"),
        ...     QuestionScore("q5_reflection", None, 3.0, True, "Question 5 — In your organization")), None, ("**3 points:** names the risk.",))
        >>> print(report.as_text())
        ex01 / ex01
        <BLANKLINE>
          Question 1 — The lifecycle          2.6 / 3
          Question 5 — In your organization     – / 3  graded by a person (rubric below)
        <BLANKLINE>
          Score: 2.6 / 6, of which 3 points are graded by a person and not counted here
          Not passed yet: 2.6 points so far, 1 short of the pass mark of 3.6 points (60% of the 6 points that need no code). Self-graded, your written answer is not scored, so you pass on your own with 3.6 points from the questions above: the feedback page explains each answer; revisit those and run selfgrade again.
        <BLANKLINE>
        Rubric for the written answer:
          3 points: names the risk.
        """
        width = max([len(q.title or q.name) for q in self.questions] + [8])
        lines = ([self.note, ""] if self.note else []) + [f"{self.assignment} / {self.notebook}", ""]
        for q in self.questions:
            if q.needs_manual_grade:
                shown = f"   – / {q.max_score:g}  graded by a person (rubric below)"
            else:
                shown = f"{q.score or 0:>4g} / {q.max_score:g}" + ("  optional (code)" if q.optional else "")
            lines.append(f"  {(q.title or q.name):<{width}}  {shown}")
        total = f"  Score: {self.auto_score:g} / {self.auto_max + self.person_points:g}"
        if self.person_points:
            total += f", of which {self.person_points:g} points are graded by a person and not counted here"
        lines += ["", total, f"  {self.pass_line()}"]
        if self.feedback_path:
            lines.append(f"  Feedback page: {self.feedback_path}")
        for rubric in self.rubrics:
            lines += ["", "Rubric for the written answer:", *(f"  {line}" for line in plain_markdown(rubric).splitlines())]
        return "\n".join(lines)


def plain_markdown(text: str) -> str:
    r"""Markdown made readable in a terminal: no emphasis markers, no blank-line runs.

    >>> print(plain_markdown("**Rubric (3 levels)**\n- **3 points:** names *and* proposes."))
    Rubric (3 levels)
    - 3 points: names and proposes.
    """
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def find_exercise(name: str, course_root: Path) -> Path | None:
    """The learner's notebook of an exercise named by id or prefix (``ex01``), or None.

    The learner's own copy in ``my-work/`` (what ``make lab`` serves) comes first;
    then the one in ``exercises/`` (a course opened some other way).

    >>> from mlteam_utils.paths import find_course_root
    >>> found = find_exercise("ex01", find_course_root()).relative_to(find_course_root()).as_posix()
    >>> found.endswith("exercises/ex01_how_ml_projects_differ/ex01_how_ml_projects_differ.ipynb")
    True
    >>> find_exercise("ex99", find_course_root()) is None
    True
    """
    from mlteam_utils.workspace import WORK_FOLDER

    if not re.fullmatch(r"ex\d{2}[a-z0-9_]*", name):
        return None
    for folder in (course_root / WORK_FOLDER, course_root):
        matches = sorted(folder.glob(f"exercises/{name}*/{name}*.ipynb"))
        matches = [path for path in matches if path.stem == path.parent.name]
        if len(matches) == 1:
            return matches[0]
    return None


def _locate(notebook: Path, course_root: Path) -> tuple[str, str]:
    if not notebook.is_file():
        raise SelfGradeError(f"{notebook} does not exist")
    if notebook.suffix != ".ipynb":
        raise SelfGradeError(f"{notebook} is not a notebook (.ipynb)")
    assignment, name = notebook.resolve().parent.name, notebook.stem
    source = course_paths(course_root).source / assignment / f"{name}.ipynb"
    if not source.is_file():
        shown = source.relative_to(course_root.resolve()) if source.is_relative_to(course_root.resolve()) else source
        raise SelfGradeError(
            f"{notebook} is not one of the course's exercises: expected it in a folder named like "
            f"exercises/exNN_slug/ with a matching instructor version at {shown}"
        )
    return assignment, name


#: The private course's own layout (nbgrader's settings), whatever the real course's names its folders.
PRIVATE_LAYOUT = {
    "source_directory": "solutions",
    "release_directory": "exercises",
    "submitted_directory": "course/submitted",
    "autograded_directory": "course/autograded",
    "feedback_directory": "course/feedback",
}


def write_private_config(course_root: Path, private: Path) -> None:
    """The course's ``nbgrader_config.py`` for the private course in ``private``, its folders pinned inside it.

    The course's own settings (preprocessors, templates) stay; every folder and the gradebook
    are the private course's, so a setting that names an absolute folder or a site's shared
    gradebook is never written to.

    >>> import tempfile
    >>> from mlteam_utils.paths import find_course_root
    >>> private = Path(tempfile.mkdtemp())
    >>> write_private_config(find_course_root(), private)
    >>> paths = course_paths(private)
    >>> paths.source == private / "solutions", paths.gradebook_file == private / "course" / "gradebook.db"
    (True, True)
    """
    pinned = [f"c.CourseDirectory.root = {str(private)!r}"]
    pinned += [f"c.CourseDirectory.{name} = {value!r}" for name, value in PRIVATE_LAYOUT.items()]
    pinned.append(f"c.CourseDirectory.db_url = {'sqlite:///' + str(private / 'course' / 'gradebook.db')!r}")
    text = (course_root / "nbgrader_config.py").read_text(encoding="utf-8")
    (private / "nbgrader_config.py").write_text(
        text + "\n\n# --- mlteam-course selfgrade: the private course's own folders ---\n" + "\n".join(pinned) + "\n",
        encoding="utf-8",
    )


def _rubrics(source_notebook: Path) -> tuple[str, ...]:
    """The mark schemes of the instructor notebook's cells, as text (not as the file's JSON)."""
    import nbformat

    notebook = nbformat.read(source_notebook, as_version=4)
    return tuple(match["body"] for cell in notebook.cells for match in MARK_SCHEME.finditer(cell.source))


def _question_titles(course_root: Path, assignment: str) -> dict[str, str]:
    """grade_id -> the title of the question it belongs to, in notebook order."""
    from mlteam_utils.reports.course_context import question_titles

    return question_titles(course_root, assignment)


#: The feedback a self-learner gets: the instructor's, with the reflection's rubric kept.
SELF_FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "mlteam_utils.grading.preprocessors.DescribeFeedbackCells",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "mlteam_utils.grading.preprocessors.RevealMarkScheme",
    "mlteam_utils.grading.preprocessors.ShortenTracebacks",
]


def selfgrade(
    notebook: Path,
    course_root: Path,
    *,
    show_correct_answers: bool = True,
    isolation: bool | None = None,
    progress: Callable[[str], None] = lambda step: None,
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
    from mlteam_utils.grading.keys import find_key

    assignment, name = _locate(notebook, course_root)
    isolation_config: dict[str, Any] = {}
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
    real = course_paths(course_root)
    with tempfile.TemporaryDirectory(prefix="mlteam-selfgrade-") as temp:
        private = Path(temp)
        write_private_config(course_root, private)
        mine = course_paths(private)
        shutil.copytree(
            real.source / assignment,
            mine.source / assignment,
            ignore=shutil.ignore_patterns(ANSWERS_GLOB, ".ipynb_checkpoints", "__pycache__"),
        )
        mine.instructor.mkdir()
        if isolation:
            from mlteam_utils.grading.isolation import nbgrader_isolation_config

            # The private course is what nbgrader sees; the learner's checkout holds the real answers.
            isolation_config = nbgrader_isolation_config(private, hidden_paths=real.hidden_from_learners())
        # Now, not just before scoring: its interpreter starts on the other core while this one
        # generates the exercise and runs the learner's notebook.
        _warm_up_code_tests(isolation_config)
        progress("1/3 preparing a private copy of the exercise")
        # One process for the three steps: nbgrader imports once (each command cost ~3 s to start).
        run_step(private, "generate_assignment", assignment)

        submitted = mine.submitted / SELF / assignment
        # Plain files only: a link or a FIFO beside the notebook is left out, never followed.
        ignored = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.feedback.html", KEY_GLOB, "*.bad-*",
                                         "*.new-version.ipynb", "*.before-update-*")
        stage_tree(learner_folder, submitted, lambda relative, is_folder: not ignored("", [relative.rsplit("/", 1)[-1]]))
        progress("2/3 running your notebook and scoring it")
        run_step(private, "autograde", assignment, student=SELF,
                 overrides={**isolation_config, "ScoreWidgetAnswers": {"show_correct_answers": show_correct_answers}})
        progress("3/3 writing your feedback page")
        run_step(private, "generate_feedback", assignment, student=SELF,
                 overrides={"GenerateFeedback": {"preprocessors": list(SELF_FEEDBACK_PREPROCESSORS)},
                            "DescribeFeedbackCells": {"self_graded": True, "show_rubric": True,
                                                      "pass_percent": _pass_percent(course_root)}})

        titles = _question_titles(course_root, assignment)
        key = find_key(real.source, assignment, name)
        code_questions = set(key.code.tests) if key is not None and key.code is not None else set()
        order = {grade_id: index for index, grade_id in enumerate(titles)}
        with Gradebook(mine.db_url) as gradebook:
            submission = gradebook.find_submission_notebook(name, assignment, SELF)
            questions = tuple(
                QuestionScore(g.name, g.auto_score, float(g.max_score), bool(g.needs_manual_grade), titles.get(g.name, g.name),
                              optional=g.name in code_questions)
                for g in sorted(submission.grades, key=lambda g: (order.get(g.name, len(order)), g.name))
            )
        produced = mine.feedback / SELF / assignment / f"{name}.html"
        feedback_path: Path | None = None
        if produced.is_file():
            feedback_path = learner_folder / f"{name}.feedback.html"
            shutil.copyfile(produced, feedback_path)
    return SelfGradeReport(
        assignment=assignment,
        notebook=name,
        questions=questions,
        feedback_path=feedback_path,
        rubrics=_rubrics(real.source / assignment / f"{name}.ipynb"),
        note=note,
        pass_percent=_pass_percent(course_root),
    )


def _warm_up_code_tests(isolation_config: Any) -> None:
    """Start the code questions' test interpreter now: its imports overlap the notebook's run."""
    from mlteam_utils.grading.code_questions import code_test_sandbox
    from mlteam_utils.grading.code_tests import CodeTestsFailed, warm_up

    scoring = isolation_config.get("ScoreCodeAnswers", {}) if isolation_config else {}
    sandbox = code_test_sandbox(Path(scoring["course_root"]), scoring.get("hidden_paths", [])) if scoring.get("isolate") else None
    with contextlib.suppress(CodeTestsFailed):  # the scoring step starts its own and reports what went wrong
        warm_up(sandbox=sandbox)


def _pass_percent(course_root: Path) -> float:
    """The course's pass mark (``[passing] percent`` in the syllabus); 60 when it cannot be read."""
    from mlteam_utils.syllabus import SyllabusError, load_syllabus

    try:
        return load_syllabus(course_root / "course" / "syllabus.toml").pass_percent
    except SyllabusError:
        return 60.0
