"""``mlteam-course progress``: a learner's progress through the course, from what it records.

For each module of the syllabus: how many of the lesson's knowledge checks the
learner tried and got fully right (from their progress record, see
:mod:`mlteam_utils.progress_log`), and how many of the exercise's widget
questions have an answer saved (from the exercise's answers file in their work
area). Nothing is read from, or written to, the course's tracked files.

>>> from mlteam_utils.syllabus import load_syllabus
>>> row = ModuleProgress(load_syllabus().module(1), checks=7, tried=3, right=2, questions=3, answered=1)
>>> row.line()
' 1  How ML projects differ from Waterfall and Agile   checks 3 tried, 2 right of 7   exercise 1 of 3 answered'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.naming import answers_filename
from mlteam_utils.progress_log import find_work_area, read_progress
from mlteam_utils.syllabus import Module, load_syllabus

__all__ = ["ModuleProgress", "learner_progress", "progress_report"]


@dataclass(frozen=True)
class ModuleProgress:
    """One module's progress: lesson checks tried and right, exercise questions answered."""

    module: Module
    checks: int
    tried: int
    right: int
    questions: int
    answered: int

    def line(self) -> str:
        """The module's line of the terminal table."""
        title = self.module.title if len(self.module.title) <= 48 else self.module.title[:47] + "…"
        return (f"{self.module.number:2d}  {title:<48}  checks {self.tried} tried, {self.right} right of {self.checks}"
                f"   exercise {self.answered} of {self.questions} answered")


def _question_ids(exercise: Path) -> list[str]:
    """The widget questions of an exercise notebook: the ids its check cells name."""
    import nbformat

    try:
        notebook = nbformat.read(exercise, as_version=4)
    except (OSError, ValueError):
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


def _answered(answers_file: Path) -> set[str]:
    try:
        data = json.loads(answers_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        return set()
    return {qid for qid, entry in answers.items() if isinstance(entry, dict) and entry.get("complete") is True}


def learner_progress(work: Path, course_root: Path | None = None) -> list[ModuleProgress]:
    """Every available module's progress for the work area ``work``."""
    from mlteam_utils.questions.knowledge_checks import all_checks

    syllabus = load_syllabus(None if course_root is None else course_root / "course" / "syllabus.toml")
    try:
        record = read_progress(work)
    except ValueError:
        record = {}
    checks = all_checks()
    rows = []
    for module in syllabus.available_modules:
        lesson_checks = [cid for cid, entry in checks.items() if entry["lesson"] == module.lesson_name]
        tried = [cid for cid in lesson_checks if cid in record]
        right = [cid for cid in tried if _best(record[cid]) >= 1.0]
        exercise = work / module.exercise_path
        questions = _question_ids(exercise)
        answered = _answered(exercise.parent / answers_filename(module.exercise_id)) & set(questions)
        rows.append(ModuleProgress(module, len(lesson_checks), len(tried), len(right), len(questions), len(answered)))
    return rows


def progress_report(start: Path, course_root: Path | None = None) -> str:
    """The terminal report for the work area holding ``start`` (or a note that there is none)."""
    work = find_work_area(start)
    if work is None:
        return ("No work area found: your progress is recorded in my-work/, the folder `make lab` serves. "
                "Run `make lab` and take a lesson, then run this again from the course folder.")
    rows = learner_progress(work, course_root)
    lines = [f"Your progress in {work} (lesson checks count when you press Check; exercise answers when saved):", ""]
    lines += [row.line() for row in rows]
    return "\n".join(lines)
