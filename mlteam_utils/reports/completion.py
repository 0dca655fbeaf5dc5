"""Who has completed which module, and the course, from the gradebook, under the syllabus's rules.

``mlteam-course progress --cohort`` prints it, the cohort report has a
*Completion* section of it, and the certificates are issued from it. A module
is judged by :func:`mlteam_utils.completion.judge` on the score the gradebook
reports (late penalty taken off), against the pass mark of ``[passing]``: the
share of the points of the questions that need no code (the code questions are
those the answer key's ``code`` section names). Its date is the timestamp of the
passing submission.

>>> from mlteam_utils.reports.gradebook_frames import build_frames
>>> from mlteam_utils.syllabus import load_syllabus
>>> syllabus = load_syllabus()
>>> ex01 = syllabus.module(1).exercise_id
>>> frames = build_frames(
...     [{"student_id": "ana", "first_name": "Ana", "last_name": "Lopez"}, {"student_id": "ben"}],
...     [{"assignment": ex01, "notebook": ex01, "question": "q1", "cell_type": "code", "max_score": 10.0}],
...     [{"student_id": "ana", "assignment": ex01, "notebook": ex01, "question": "q1",
...       "score": 9.0, "auto_score": 9.0, "manual_score": None, "needs_manual_grade": False}],
...     submissions=[{"student_id": "ana", "assignment": ex01, "timestamp": "2026-02-20 10:00:00", "seconds_late": 0.0}],
... )
>>> table = module_completion(frames, syllabus)
>>> table[table.module == 1][["student_id", "name", "status", "completed", "completed_on", "pass_mark"]].to_dict("records")
[{'student_id': 'ana', 'name': 'Ana Lopez', 'status': 'passed', 'completed': True, 'completed_on': '2026-02-20', 'pass_mark': 6.0}, {'student_id': 'ben', 'name': 'ben', 'status': 'not submitted', 'completed': False, 'completed_on': '', 'pass_mark': 6.0}]
>>> course_completion(table, syllabus)[["student_id", "modules_completed", "course_completed"]].to_dict("records")
[{'student_id': 'ana', 'modules_completed': '1 of 10', 'course_completed': False}, {'student_id': 'ben', 'modules_completed': '0 of 10', 'course_completed': False}]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlteam_utils.completion import COULD_NOT_GRADE, NOT_SUBMITTED, judge, pass_mark

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames
    from mlteam_utils.syllabus import Syllabus

__all__ = ["MODULE_COLUMNS", "code_question_points", "course_completion", "learner_name", "module_completion"]

MODULE_COLUMNS = [
    "student_id", "name", "module", "assignment", "status", "completed", "completed_on", "score", "max_score",
    "pass_mark", "manual_grade", "late", "reason",
]
COURSE_COLUMNS = ["student_id", "name", "modules_completed", "course_completed", "completed_on", "not_completed"]


def learner_name(first: object, last: object, student_id: str) -> str:
    """The name a learner is shown by: first and last name from the gradebook, else their id.

    >>> learner_name("Ana", None, "ana"), learner_name(None, float("nan"), "ben")
    ('Ana', 'ben')
    """
    parts = [str(p).strip() for p in (first, last) if isinstance(p, str) and p.strip()]
    return " ".join(parts) or student_id


def code_question_points(course_root: Path, frames: GradebookFrames) -> dict[str, float]:
    """assignment -> points of its code questions (optional: never needed to pass), from the answer keys."""
    from mlteam_utils.grading.keys import find_key
    from mlteam_utils.upstream.course_paths import course_paths

    source = course_paths(course_root).source
    points: dict[str, float] = {}
    for assignment in frames.assignment_names:
        questions = frames.questions[frames.questions["assignment"] == assignment]
        total = 0.0
        for notebook in sorted(set(questions["notebook"])):
            key = find_key(source, assignment, str(notebook))
            if key is None or key.code is None:
                continue
            in_notebook = questions[(questions["notebook"] == notebook) & questions["question"].isin(list(key.code.tests))]
            total += float(in_notebook["max_score"].sum())
        points[assignment] = total
    return points


def _day(timestamp: object) -> str:
    """The date (YYYY-MM-DD) of a gradebook timestamp; '' when there is none."""
    if timestamp is None or (isinstance(timestamp, float) and math.isnan(timestamp)):
        return ""
    text = str(timestamp)
    return "" if text in ("NaT", "None", "nan") else text[:10]


def _manual(items: pd.DataFrame) -> tuple[str, float]:
    """The written answers' grade in words ("3 / 3", "waiting for a person"), and the points still waiting."""
    hand = items[items["cell_type"] == "markdown"]
    pending = items[items["needs_manual_grade"].astype("boolean").fillna(False).astype(bool)]
    waiting = float(pending["max_score"].sum())
    if not len(hand):
        return "", waiting
    if waiting:
        return "waiting for a person", waiting
    return f"{float(hand['score'].sum()):g} / {float(hand['max_score'].sum()):g}", 0.0


def module_completion(frames: GradebookFrames, syllabus: Syllabus, code_points: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per learner x required module (see :data:`MODULE_COLUMNS`), learners in gradebook order."""
    import pandas as pd

    code_points = code_points or {}
    submissions: dict[tuple[str, str], dict[str, Any]] = {
        (str(r["student_id"]), str(r["assignment"])): {str(k): v for k, v in r.items()} for r in frames.submissions.to_dict("records")
    }
    maxima = frames.assignments.set_index("assignment")["max_score"]
    # Each learner's questions of each assignment, grouped once: filtering the whole frame
    # for every learner x module grew with the square of the cohort (42 s of a 1,000-learner report).
    items_of = {(str(student), str(assignment)): group
                for (student, assignment), group in frames.items.groupby(["student_id", "assignment"], sort=False)}
    no_items = frames.items.iloc[0:0]
    rows: list[dict[str, Any]] = []
    for learner in frames.learners.to_dict("records"):
        student = str(learner["student_id"])
        name = learner_name(learner["first_name"], learner["last_name"], student)
        for module in syllabus.required_modules:
            assignment = module.exercise_id
            maximum = float(maxima.get(assignment, float("nan")))
            mark = pass_mark(maximum - code_points.get(assignment, 0.0), syllabus.pass_percent) if not math.isnan(maximum) else float("nan")
            row: dict[str, Any] = {
                "student_id": student, "name": name, "module": module.number, "assignment": assignment,
                "status": NOT_SUBMITTED, "completed": False, "completed_on": "", "score": float("nan"),
                "max_score": maximum, "pass_mark": mark, "manual_grade": "", "late": False, "reason": "",
            }
            record = submissions.get((student, assignment))
            if record is not None:
                late = bool((record["seconds_late"] or 0) > 0) if not pd.isna(record["seconds_late"]) else False
                row["late"], row["reason"] = late, str(record["reason"] or "")
                if not pd.isna(record["raw_score"]):
                    row["manual_grade"], waiting = _manual(items_of.get((student, assignment), no_items))
                    score = float(record["score"])
                    verdict = judge(score, mark, pending_points=waiting, late=late, rules=syllabus.completion)
                    row.update(score=score, status=verdict.status, completed=verdict.completed)
                    if verdict.completed:
                        row["completed_on"] = _day(record["timestamp"])
                elif record["status"] == COULD_NOT_GRADE:
                    row["status"] = COULD_NOT_GRADE
            rows.append(row)
    return pd.DataFrame(rows, columns=MODULE_COLUMNS)


def course_completion(modules: pd.DataFrame, syllabus: Syllabus) -> pd.DataFrame:
    """One row per learner: modules completed, whether the course is, when, and what is missing."""
    import pandas as pd

    required = len(syllabus.required_modules)
    rows = []
    for student, mine in modules.groupby("student_id", sort=False):
        done = mine[mine["completed"]]
        complete = required > 0 and len(done) == required
        missing = [f"{row['module']}: {row['status']}" + (f" ({row['reason']})" if row["reason"] else "")
                   for row in mine[~mine["completed"]].to_dict("records")]
        rows.append({
            "student_id": student, "name": mine["name"].iloc[0], "modules_completed": f"{len(done)} of {required}",
            "course_completed": complete, "completed_on": max(str(day) for day in done["completed_on"]) if complete else "",
            "not_completed": "; ".join(missing),
        })
    return pd.DataFrame(rows, columns=COURSE_COLUMNS)


def completion_text(modules: pd.DataFrame, course: pd.DataFrame, syllabus: Syllabus) -> str:
    """The terminal view of ``mlteam-course progress --cohort``: per learner, the course and each module."""
    from mlteam_utils.safe_files import printable  # learner-chosen names: no terminal escapes

    lines = [f"Completion ({syllabus.completion_rule_text()})", ""]
    modules_of = {student: group for student, group in modules.groupby("student_id", sort=False)}
    for learner in course.to_dict("records"):
        state = f"course completed on {learner['completed_on']}" if learner["course_completed"] else "course not completed"
        lines.append(f"{printable(str(learner['student_id']))} ({printable(str(learner['name']))}): "
                     f"{learner['modules_completed']} modules, {state}")
        mine = modules_of.get(learner["student_id"], modules.iloc[0:0])
        for row in mine.to_dict("records"):
            detail = str(row["status"]) + (" (late)" if row["late"] else "")
            if row["completed"]:
                detail += f", completed {row['completed_on']}"
            if not math.isnan(float(row["score"])):
                detail += f", {float(row['score']):g} / {float(row['max_score']):g} (pass mark {float(row['pass_mark']):g})"
            if row["manual_grade"]:
                detail += f", written answer: {row['manual_grade']}"
            if row["reason"]:
                detail += f": {printable(str(row['reason']))}"
            lines.append(f"  module {row['module']} ({row['assignment']}): {detail}")
    return "\n".join(lines)
