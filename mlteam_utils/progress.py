"""``mlteam-course progress``: a learner's progress through the course, from what it records.

For each module of the syllabus: how many of the lesson's knowledge checks the
learner tried and got fully right (from their progress record, see
:mod:`mlteam_utils.progress_log`), how many of the exercise's widget questions
have an answer saved (from the exercise's answers file in their work area), and
the exercise's score from their latest ``mlteam-course selfgrade``: the score,
the part a person grades, passed or not, and whether the module is completed
under the syllabus's ``[completion]`` rules (with the date). Nothing is read
from, or written to, the course's tracked files.

>>> from mlteam_utils.syllabus import load_syllabus
>>> row = ModuleProgress(load_syllabus().module(1), checks=7, tried=3, right=2, questions=3, answered=1)
>>> row.line()
' 1  How ML projects differ from Waterfall and Agile   checks 3 tried, 2 right of 7   exercise 1 of 3 answered, not self-graded yet'
>>> graded = ModuleProgress(load_syllabus().module(2), 6, 6, 6, 3, 3, score=8.5, max_score=12.0, pass_mark=7.2,
...                         status="passed", completed_on="2026-11-29")
>>> graded.line()
' 2  The ML team: roles, archetypes and ratios         checks 6 tried, 6 right of 6   exercise 3 of 3 answered, 8.5 / 12 passed, completed 2026-11-29'
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlteam_utils.completion import NOT_SUBMITTED, PASSED, judge
from mlteam_utils.naming import answers_filename
from mlteam_utils.progress_log import find_work_area, read_progress, read_selfgrades, record_selfgrade
from mlteam_utils.syllabus import Module, Syllabus, load_syllabus

if TYPE_CHECKING:
    from mlteam_utils.selfgrade import SelfGradeReport

__all__ = [
    "ModuleProgress", "SelfProgress", "learner_progress", "progress_html", "progress_report", "record_selfgrade_report",
    "self_progress",
]


@dataclass(frozen=True)
class ModuleProgress:
    """One module's progress: lesson checks tried and right, exercise questions answered, self-graded score.

    ``score`` is None until the exercise is self-graded; ``person_points`` are
    the points of the written answer, which a person grades and selfgrade leaves out;
    ``no_code_score`` the points scored on the questions that need no code, of
    ``points_without_code`` (None from a record that does not list its questions).
    """

    module: Module
    checks: int
    tried: int
    right: int
    questions: int
    answered: int
    score: float | None = None
    max_score: float | None = None
    pass_mark: float | None = None
    person_points: float = 0.0
    status: str = NOT_SUBMITTED
    graded_on: str | None = None
    completed_on: str | None = None
    no_code_score: float | None = None
    points_without_code: float | None = None

    @property
    def completed(self) -> bool:
        return self.completed_on is not None

    def exercise_text(self) -> str:
        """The exercise's state in words: not self-graded yet, or its score and status."""
        if self.score is None:
            return "not self-graded yet"
        text = f"{self.score:g} / {self.max_score or 0:g} {self.status}"
        return text + (f", completed {self.completed_on}" if self.completed_on else "")

    def line(self) -> str:
        """The module's line of the terminal table."""
        title = self.module.title if len(self.module.title) <= 48 else self.module.title[:47] + "…"
        return (f"{self.module.number:2d}  {title:<48}  checks {self.tried} tried, {self.right} right of {self.checks}"
                f"   exercise {self.answered} of {self.questions} answered, {self.exercise_text()}")


@dataclass(frozen=True)
class SelfProgress:
    """A work area's progress: one row per available module, and the course's completion."""

    work: Path
    syllabus: Syllabus
    rows: tuple[ModuleProgress, ...]
    #: one line per record in the work area that could not be used (a link, a pipe, not JSON)
    problems: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[ModuleProgress, ...]:
        numbers = {m.number for m in self.syllabus.required_modules}
        return tuple(row for row in self.rows if row.module.number in numbers)

    @property
    def completed_on(self) -> str | None:
        """When the course was completed (the last required module's date), or None."""
        required = self.required
        if not required or not all(row.completed for row in required):
            return None
        return max(str(row.completed_on) for row in required)

    def summary(self) -> str:
        done = sum(row.completed for row in self.required)
        if self.completed_on:
            from mlteam_utils.start_page import certificate_command

            return f"Course completed on {self.completed_on} (self-graded): `{certificate_command()}` makes your certificate."
        return f"{done} of {len(self.required)} required modules completed."


#: An exercise notebook with its outputs is well under this; a bigger file is not read.
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024


def _question_ids(exercise: Path, problems: list[str]) -> list[str]:
    """The widget questions of an exercise notebook: the ids its check cells name (a learner's file: read only if plain)."""
    import nbformat

    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    try:
        notebook = nbformat.reads(read_regular_file(exercise, max_bytes=MAX_NOTEBOOK_BYTES).decode("utf-8"), as_version=4)
    except FileNotFoundError:
        return []
    except UnsafeEntry as error:
        problems.append(f"{error}, not a notebook: not read")
        return []
    except (OSError, ValueError):  # damaged: JupyterLab says so when it is opened
        return []
    found = []
    for cell in notebook.cells:
        for question in re.findall(r'check_answered\(\s*NOTEBOOK\s*,\s*"([^"]+)"', cell.source):
            found.append(question)
    return found


def _best(entry: dict[str, object]) -> float:
    """An entry's best credit; 0 for a value that is not a number (a hand-edited record).

    >>> _best({"best": 1.0}), _best({"best": "all"}), _best({})
    (1.0, 0.0, 0.0)
    """
    best = entry.get("best")
    return float(best) if isinstance(best, (int, float)) and not isinstance(best, bool) else 0.0


def _answered(answers_file: Path, problems: list[str]) -> set[str]:
    """The widget questions answered in an exercise's answers file (a learner's file: read only if plain)."""
    from mlteam_utils.progress_log import read_record_text

    try:
        text = read_record_text(answers_file)
    except FileNotFoundError:
        return set()
    except (ValueError, OSError) as error:
        problems.append(str(error))
        return set()
    try:
        data = json.loads(text)
    except ValueError:  # the exercise's widget sets a damaged file aside itself; here it just counts nothing
        return set()
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        return set()
    return {qid for qid, entry in answers.items() if isinstance(entry, dict) and entry.get("complete") is True}


def _self_graded(entry: dict[str, Any] | None, syllabus: Syllabus) -> dict[str, Any]:
    """ModuleProgress fields from an exercise's latest self-grade record ({} when there is none or it is unreadable)."""
    if not entry:
        return {}
    try:
        score, max_score = float(entry["score"]), float(entry["max_score"])
        mark, person = float(entry["pass_mark"]), float(entry.get("person_points", 0.0))
    except (KeyError, TypeError, ValueError):
        return {}
    # Self-graded work has no due date, so it is never late; the person-graded part is the learner's to compare.
    verdict = judge(score, mark, pending_points=person, late=False, rules=syllabus.completion)
    graded_on = str(entry.get("graded_at") or "")[:10] or None
    first_passed = entry.get("first_passed")
    completed_on = str(first_passed)[:10] if verdict.status == PASSED and isinstance(first_passed, str) else None
    return {"score": score, "max_score": max_score, "pass_mark": mark, "person_points": person,
            "status": verdict.status, "graded_on": graded_on, "completed_on": completed_on, **_no_code(entry)}


def _no_code(entry: dict[str, Any]) -> dict[str, float]:
    """The points scored on the questions that need no code, and of how many, from a self-grade record ({} if it cannot say).

    >>> _no_code({"points_without_code": 12, "questions": [{"score": 8, "optional": False}, {"score": 4, "optional": True},
    ...                                                    {"score": None, "optional": False}]})
    {'no_code_score': 8.0, 'points_without_code': 12.0}
    >>> _no_code({"points_without_code": 12})
    {}
    """
    questions = entry.get("questions")
    try:
        total = float(entry["points_without_code"])
        if not isinstance(questions, list):
            return {}
        scored = sum(float(q["score"]) for q in questions if not q.get("optional") and q.get("score") is not None)
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}
    return {"no_code_score": round(scored, 2), "points_without_code": total}


def learner_progress(work: Path, course_root: Path | None = None) -> list[ModuleProgress]:
    """Every available module's progress for the work area ``work``."""
    return list(self_progress(work, course_root).rows)


def self_progress(work: Path, course_root: Path | None = None) -> SelfProgress:
    """The work area's progress per available module, with the course's completion."""
    from mlteam_utils.questions.knowledge_checks import all_checks

    syllabus = load_syllabus(None if course_root is None else course_root / "course" / "syllabus.toml")
    problems: list[str] = []
    try:
        record = read_progress(work)
    except (ValueError, OSError) as error:  # not a record, not a plain file, a folder: shown, never followed
        record = {}
        problems.append(str(error))
    selfgrades = read_selfgrades(work, problems)
    checks = all_checks()
    rows = []
    for module in syllabus.available_modules:
        lesson_checks = [cid for cid, entry in checks.items() if entry["lesson"] == module.lesson_name]
        tried = [cid for cid in lesson_checks if cid in record]
        right = [cid for cid in tried if _best(record[cid]) >= 1.0]
        exercise = work / module.exercise_path
        questions = _question_ids(exercise, problems)
        answered = _answered(exercise.parent / answers_filename(module.exercise_id), problems) & set(questions)
        rows.append(ModuleProgress(module, len(lesson_checks), len(tried), len(right), len(questions), len(answered),
                                   **_self_graded(selfgrades.get(module.exercise_id), syllabus)))
    return SelfProgress(work, syllabus, tuple(rows), tuple(problems))


NO_WORK_AREA = ("No work area found: your progress is recorded in my-work/, the folder `make lab` serves. "
                "Run `make lab` and take a lesson, then run this again from the course folder.")


def progress_report(start: Path, course_root: Path | None = None) -> str:
    """The terminal report for the work area holding ``start`` (or a note that there is none)."""
    work = find_work_area(start)
    if work is None:
        return NO_WORK_AREA
    progress = self_progress(work, course_root)
    lines = [f"Your progress in {work} (lesson checks count when you press Check; exercise answers when saved; "
             "scores from your latest `make selfgrade`):", ""]
    lines += [row.line() for row in progress.rows]
    lines += ["", progress.summary(), "", "How completion works: " + progress.syllabus.completion_rule_text()]
    if progress.problems:
        from mlteam_utils.safe_files import printable

        lines += ["", "Not counted (files in your work area that are not the course's records):"]
        lines += [f"  {printable(problem, 400)}" for problem in progress.problems]
    return "\n".join(lines)


def record_selfgrade_report(notebook: Path, report: SelfGradeReport) -> Path | None:
    """Keep a selfgrade's result in the notebook's work area (None when it is not in one).

    ``passed`` follows :meth:`SelfGradeReport.pass_line`: the score without the
    written answer reaches the pass mark.
    """
    work = find_work_area(notebook.resolve().parent)
    if work is None:
        return None
    result = {
        "notebook": report.notebook,
        "score": report.auto_score,
        "max_score": report.auto_max + report.person_points,
        "person_points": report.person_points,
        "points_without_code": report.points_without_code,
        "pass_mark": report.pass_mark,
        "passed": report.auto_score + 1e-9 >= report.pass_mark,
        "questions": [{"name": q.name, "score": q.score, "max_score": q.max_score, "by_a_person": q.needs_manual_grade,
                       "optional": q.optional} for q in report.questions],
    }
    return record_selfgrade(work, report.assignment, result)


TABLE_STYLE = """<style>
.mlteam-progress { border-collapse: collapse; margin: 0.5em 0; }
.mlteam-progress th, .mlteam-progress td, .jp-RenderedHTMLCommon table.mlteam-progress th, .jp-RenderedHTMLCommon table.mlteam-progress td { text-align: left; border: 1px solid var(--jp-border-color1, #bbb); padding: 0.3em 0.6em; color: var(--jp-content-font-color1, #111); }
.mlteam-progress th { background: var(--jp-layout-color2, #eee); }
.mlteam-progress .done { font-weight: bold; }
</style>"""


def hub_hand_in(work: Path, exercise_id: str, course_id: str, cache_root: Path) -> str:
    """A hub learner's exercise in words: submitted when, and whether they fetched its feedback.

    From nbgrader's record of their own submissions (:func:`mlteam_utils.start_page.last_submission`)
    and the ``feedback/`` folder that **Fetch Feedback** makes in their fetched copy.

    >>> import tempfile
    >>> home, cache = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> hub_hand_in(home, "ex01", "c1", cache)
    'not submitted yet'
    >>> (cache / "c1" / "ada+ex01+x").mkdir(parents=True)
    >>> _ = (cache / "c1" / "ada+ex01+x" / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")
    >>> hub_hand_in(home, "ex01", "c1", cache)
    'submitted 1 January 2020, 00:00 UTC'
    >>> (home / "ex01" / "feedback" / "2020-01-01 00:00:00.000000 UTC").mkdir(parents=True)
    >>> _ = (home / "ex01" / "feedback" / "2020-01-01 00:00:00.000000 UTC" / "ex01.html").write_text("<p>")
    >>> hub_hand_in(home, "ex01", "c1", cache)
    'submitted 1 January 2020, 00:00 UTC; feedback fetched (in ex01/feedback/)'
    """
    from mlteam_utils.dates import moment_in_words
    from mlteam_utils.start_page import last_submission

    submitted = last_submission(cache_root, course_id, exercise_id)
    if submitted is None:
        return "not submitted yet"
    text = f"submitted {moment_in_words(submitted)}"
    feedback = work / exercise_id / "feedback"
    # The learner's own folder: only whether a page is there, never followed through a link.
    if feedback.is_dir() and not feedback.is_symlink() and any(feedback.glob("*/*.html")):
        text += f"; feedback fetched (in {exercise_id}/feedback/)"
    return text


def _hub_table(progress: SelfProgress, course_id: str, cache_root: Path | None) -> str:
    """On the course hub: what a hub learner has (their hand-ins), not self-graded scores they never make."""
    from mlteam_utils.start_page import nbgrader_cache_root

    cache = cache_root or nbgrader_cache_root()
    header = "<tr><th>Module</th><th>Lesson checks</th><th>Exercise answers</th><th>Your exercise</th></tr>"
    body = []
    for row in progress.rows:
        cells = [f"{row.module.number}. {row.module.title}", f"{row.right} right, {row.tried} tried of {row.checks}",
                 f"{row.answered} of {row.questions} answered",
                 hub_hand_in(progress.work, row.module.exercise_id, course_id, cache)]
        body.append("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>")
    return (TABLE_STYLE + '<table class="mlteam-progress"><thead>' + header + "</thead><tbody>" + "".join(body)
            + "</tbody></table><p>Your instructor grades what you submit: your scores are on the feedback pages "
              "(<strong>Fetch Feedback</strong> in the <strong>Assignments</strong> tab).</p>")


def progress_html(start: Path, course_root: Path | None = None, *, environ: Mapping[str, str] | None = None,
                  cache_root: Path | None = None) -> str:
    """The start page's table of the learner's own progress (escaped HTML), or a note when there is no work area.

    Colours come from JupyterLab's theme variables, so the table reads in the light and the dark theme.
    On the course hub (:func:`mlteam_utils.start_page.hub_course_id`) the exercise's column says what
    the learner handed in, from nbgrader's record of their submissions in ``cache_root``: hub learners
    do not self-grade.

    The note reads right both as the start page's stored output, before the learner runs
    the cell in their copy, and after running it anywhere else.

    >>> print(progress_html(Path("/")))
    <p>Your progress shows here once you run this cell in your own copy of the course (the folder my-work, which <code>make lab</code> opens).</p>
    """
    from mlteam_utils.start_page import hub_course_id

    work = find_work_area(start)
    if work is None:
        return ("<p>Your progress shows here once you run this cell in your own copy of the course "
                "(the folder my-work, which <code>make lab</code> opens).</p>")
    progress = self_progress(work, course_root)
    course_id = hub_course_id(environ)
    if course_id is not None:
        return _hub_table(progress, course_id, cache_root)
    header = ("<tr><th>Module</th><th>Lesson checks</th><th>Exercise answers</th><th>Score (self-graded)</th>"
              "<th>Written answer</th><th>Passed</th><th>Completed</th></tr>")
    body = []
    for row in progress.rows:
        graded = row.score is not None
        score = f"{row.score:g} / {row.max_score or 0:g} (pass mark {row.pass_mark:g})" if graded else "not self-graded yet"
        person = f"{row.person_points:g} points, graded by a person: compare with the rubric" if graded and row.person_points else "—"
        cells = [f"{row.module.number}. {row.module.title}", f"{row.right} right, {row.tried} tried of {row.checks}",
                 f"{row.answered} of {row.questions} answered", score, person, row.status if graded else "—",
                 row.completed_on or "—"]
        css = ' class="done"' if row.completed else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>")
    return (TABLE_STYLE + '<table class="mlteam-progress"><thead>' + header + "</thead><tbody>" + "".join(body)
            + f"</tbody></table><p>{html.escape(progress.summary())}</p>")
