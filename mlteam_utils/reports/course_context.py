"""What the report needs beyond the gradebook: question titles, objectives, learners' widget answers.

The gradebook knows questions by grade_id (``q1_crisp_dm_loops``) and scores.
To say *why* a learner is behind, the report also reads:

* each question's title, from the heading above it in ``solutions/`` (the
  same title the feedback page uses), and the objective it assesses, from
  ``course/syllabus.toml`` (``question_objectives``);
* each learner's answer to each widget item, from the autograded notebooks
  (the grader records it beside the item's score), for the item analysis of
  wrong answers.

>>> import pandas as pd
>>> items = pd.DataFrame([
...     {"student_id": "ana", "assignment": "ex01", "question": "q1", "item": "Scope is fixed", "correct": False, "given": "Agile", "expected": "Waterfall"},
...     {"student_id": "ben", "assignment": "ex01", "question": "q1", "item": "Scope is fixed", "correct": False, "given": "Agile", "expected": "Waterfall"},
...     {"student_id": "cat", "assignment": "ex01", "question": "q1", "item": "Scope is fixed", "correct": True, "given": "Waterfall", "expected": "Waterfall"},
... ])
>>> common_wrong_answers(items)[["item", "given", "learners", "answered", "expected"]].to_dict("records")
[{'item': 'Scope is fixed', 'given': 'Agile', 'learners': 2, 'answered': 3, 'expected': 'Waterfall'}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames

CATALOG_COLUMNS = ["assignment", "question", "title", "objective"]
ANSWER_COLUMNS = ["student_id", "assignment", "question", "item", "correct", "given", "expected"]
#: A question earning less than this share of its points counts as missed.
MISSED_BELOW = 0.5
#: How many wrong answers per widget item the report lists.
TOP_WRONG_ANSWERS = 3


def _empty(columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class CourseContext:
    """Question titles and objectives (``catalog``) and learners' widget answers (``answers``)."""

    catalog: pd.DataFrame = field(default_factory=lambda: _empty(CATALOG_COLUMNS))
    answers: pd.DataFrame = field(default_factory=lambda: _empty(ANSWER_COLUMNS))


def question_catalog(course_root: Path, assignments: Iterable[str]) -> pd.DataFrame:
    """assignment, question (grade_id), title (its heading), objective (from the syllabus; '' if none)."""
    import pandas as pd

    from mlteam_utils.syllabus import SyllabusError, load_syllabus

    try:
        modules = {module.exercise_id: module for module in load_syllabus(course_root / "course" / "syllabus.toml").modules}
    except SyllabusError:
        modules = {}
    rows = []
    for assignment in assignments:
        module = modules.get(assignment)
        for grade_id, title in question_titles(course_root, assignment).items():
            rows.append({
                "assignment": assignment, "question": grade_id, "title": title,
                "objective": (module.objective_of(grade_id) if module else None) or "",
            })
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)


def question_titles(course_root: Path, assignment: str) -> dict[str, str]:
    """grade_id -> the title of its question (the heading above it in ``solutions/``), in notebook order.

    Two graded parts under one heading (shape and values of a pandas question) are
    numbered: "Title (part 1 of 2)". Plain Python, no pandas: ``selfgrade`` needs
    only this, and pandas would add a third of a second to its start.

    >>> from mlteam_utils.paths import find_course_root
    >>> titles = question_titles(find_course_root(), "ex01_how_ml_projects_differ")
    >>> titles["q5_reflection"]
    'Question 5 — In your organization'
    >>> sorted(title for title in titles.values() if "(part " in title)[0].endswith("(part 1 of 2)")
    True
    """
    from collections import Counter

    import nbformat

    from mlteam_utils.grading.feedback_page import question_title

    headings: dict[str, str] = {}
    from mlteam_utils.upstream.course_paths import course_paths

    for path in sorted((course_paths(course_root).source / assignment).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        title = None
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                title = question_title(cell.source) or title
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") or meta.get("task"):
                grade_id = str(meta.get("grade_id"))
                headings.setdefault(grade_id, title or grade_id)
    parts = Counter(headings.values())
    numbered: Counter[str] = Counter()
    titles = {}
    for grade_id, title in headings.items():
        if parts[title] > 1:
            numbered[title] += 1
            title = f"{title} (part {numbered[title]} of {parts[title]})"
        titles[grade_id] = title
    return titles


def widget_answers(autograded_root: Path, assignments: Iterable[str]) -> pd.DataFrame:
    """Every learner's answer to every widget item, from the autograded notebooks' score records."""
    import pandas as pd

    from mlteam_utils.grading.widget_scores import METADATA_KEY
    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    wanted = set(assignments)
    rows: list[dict[str, Any]] = []
    if not autograded_root.is_dir():
        return _empty(ANSWER_COLUMNS)
    for student_folder in sorted(autograded_root.iterdir()):
        if student_folder.is_symlink() or not student_folder.is_dir():
            continue
        for assignment in sorted(wanted):
            folder = student_folder / assignment
            if folder.is_symlink() or not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.ipynb")):
                try:
                    notebook = json.loads(read_regular_file(path))
                except (UnsafeEntry, OSError, ValueError):
                    continue
                for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
                    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
                    record = (meta.get(METADATA_KEY) or {}).get("widget_score") or {}
                    question = (meta.get("nbgrader") or {}).get("grade_id")
                    for item in record.get("items", []) if isinstance(record, dict) else []:
                        if isinstance(item, dict) and "given" in item:
                            rows.append({
                                "student_id": student_folder.name, "assignment": assignment, "question": question,
                                "item": str(item.get("item")), "correct": bool(item.get("correct")),
                                "given": str(item.get("given")), "expected": str(item.get("expected") or ""),
                            })
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)


def load_context(course_root: Path, autograded_root: Path, assignments: Iterable[str]) -> CourseContext:
    """The report's context for a course (empty parts where the course does not have them)."""
    assignments = list(assignments)
    return CourseContext(question_catalog(course_root, assignments), widget_answers(autograded_root, assignments))


def common_wrong_answers(answers: pd.DataFrame, top: int = TOP_WRONG_ANSWERS) -> pd.DataFrame:
    """Per widget item, the wrong answers most often given: assignment, question, item, given,
    learners (who gave it), answered (learners who answered the item), share, expected.

    Most frequent first; at most ``top`` per item.
    """
    import pandas as pd

    columns = ["assignment", "question", "item", "given", "learners", "answered", "share", "expected"]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    keys = ["assignment", "question", "item"]
    answered = answers.groupby(keys)["student_id"].nunique().rename("answered")
    wrong = answers[~answers["correct"].astype(bool)]
    if wrong.empty:
        return pd.DataFrame(columns=columns)
    counts = wrong.groupby([*keys, "given"]).agg(learners=("student_id", "nunique"), expected=("expected", "first")).reset_index()
    counts = counts.join(answered, on=keys)
    counts["share"] = (counts["learners"] / counts["answered"]).round(3)
    counts = counts.sort_values(["learners", "assignment", "question", "item"], ascending=[False, True, True, True])
    counts = counts.groupby(keys, sort=False).head(top)
    return pd.DataFrame(counts[columns]).reset_index(drop=True)


def missed_questions(frames: GradebookFrames, catalog: pd.DataFrame, below: float = MISSED_BELOW) -> pd.DataFrame:
    """Questions each learner earned less than ``below`` of the points on (graded ones; awaiting ones excluded).

    Columns: student_id, assignment, question, title, objective, score, max_score.
    """
    import pandas as pd

    items = frames.items[frames.items["submitted"]].copy()
    pending = items["needs_manual_grade"].astype("boolean").fillna(False).astype(bool)
    items = items[~pending & (items["max_score"] > 0) & (items["score"] < below * items["max_score"])]
    merged = items.merge(catalog, on=["assignment", "question"], how="left")
    merged["title"] = merged["title"].fillna(merged["question"])
    merged["objective"] = merged["objective"].fillna("")
    return pd.DataFrame(merged[["student_id", "assignment", "question", "title", "objective", "score", "max_score"]]).reset_index(drop=True)


def questions_in_short(pairs: Iterable[tuple[str, str]]) -> str:
    """Missed questions, grouped per assignment: ``ex01: Q1, Q3; ex02: Q2``.

    >>> questions_in_short([("ex01_a", "Question 1 — Roles"), ("ex01_a", "Question 3 — Data"),
    ...                     ("ex01_a", "Question 3 — Data"), ("ex02_b", "Wrap-up")])
    'ex01: Q1, Q3; ex02: Wrap-up'
    """
    grouped: dict[str, list[str]] = {}
    for assignment, title in pairs:
        label = title.split(" — ")[0]
        label = "Q" + label.removeprefix("Question ").strip() if label.startswith("Question ") else label
        names = grouped.setdefault(assignment.split("_", 1)[0], [])
        if label not in names:
            names.append(label)
    return "; ".join(f"{assignment}: {', '.join(names)}" for assignment, names in grouped.items())


def why_behind(missed: pd.DataFrame) -> pd.DataFrame:
    """Per learner: missed_questions ("ex01 Question 1, ...") and topics_to_revisit (objectives, most points missed first)."""
    import pandas as pd

    rows = []
    for student, group in missed.groupby("student_id"):
        questions = questions_in_short(zip(group["assignment"], group["title"]))
        lost = (group["max_score"] - group["score"]).groupby(group["objective"]).sum().drop("", errors="ignore")
        topics = [str(objective) for objective in lost.sort_values(ascending=False).index]
        rows.append({"student_id": student, "missed_questions": questions, "topics_to_revisit": "; ".join(topics)})
    return pd.DataFrame(rows, columns=["student_id", "missed_questions", "topics_to_revisit"])
