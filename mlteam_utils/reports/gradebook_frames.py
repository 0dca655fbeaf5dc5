"""Read nbgrader's gradebook into pandas DataFrames.

Grades are read through :class:`nbgrader.api.Gradebook` on the course's
``db_url``, which comes from the course's ``nbgrader_config.py`` (SQLite under
``course/gradebook.db`` here, PostgreSQL on a shared deployment). Reading never
creates a gradebook: a missing one is a :class:`NoGradebookError`.

The central frame is :attr:`GradebookFrames.items`: one row per learner x
question, for every learner and every graded cell (question) in the gradebook,
whether the learner submitted or not. :func:`build_frames` does the pandas part
from plain records, so it is tested without a database:

>>> frames = build_frames(
...     learners=[{"student_id": "ana"}, {"student_id": "ben"}],
...     questions=[
...         {"assignment": "ex01", "notebook": "ex01", "question": "q1", "cell_type": "code", "max_score": 2.0},
...         {"assignment": "ex01", "notebook": "ex01", "question": "q2", "cell_type": "markdown", "max_score": 3.0},
...     ],
...     grades=[
...         {"student_id": "ana", "assignment": "ex01", "notebook": "ex01", "question": "q1",
...          "score": 2.0, "auto_score": 2.0, "manual_score": None, "needs_manual_grade": False},
...         {"student_id": "ana", "assignment": "ex01", "notebook": "ex01", "question": "q2",
...          "score": 0.0, "auto_score": None, "manual_score": None, "needs_manual_grade": True},
...     ],
... )
>>> frames.items[["student_id", "question", "submitted", "score", "needs_manual_grade"]]
  student_id question  submitted  score  needs_manual_grade
0        ana       q1       True    2.0               False
1        ana       q2       True    0.0                True
2        ben       q1      False    NaN                <NA>
3        ben       q2      False    NaN                <NA>
>>> frames.assignments[["assignment", "max_score", "questions", "submitted"]]
  assignment  max_score  questions  submitted
0       ex01        5.0          2          1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ITEM_KEYS = ["assignment", "notebook", "question"]
LEARNER_COLUMNS = ["student_id", "first_name", "last_name", "email"]
QUESTION_COLUMNS = [*ITEM_KEYS, "cell_type", "max_score"]
GRADE_COLUMNS = ["student_id", *ITEM_KEYS, "score", "auto_score", "manual_score", "needs_manual_grade"]
SUBMISSION_COLUMNS = [
    "student_id", "assignment", "status", "reason", "next_step", "timestamp", "duedate",
    "seconds_late", "late_penalty", "raw_score", "score", "max_score",
]

#: A submission's status, as export and the report print it.
GRADED = "graded"
AWAITING_MANUAL = "awaiting manual grading"
FAILED = "could not be graded"
NOT_SUBMITTED = "not submitted"

NEXT_STEPS = {
    GRADED: "",
    AWAITING_MANUAL: "grade the manual parts in the formgrader (Manage Assignments > the assignment > the learner)",
    FAILED: "read the reason, fix the submission or ask the learner to resubmit, then run `mlteam-course grade` again",
    NOT_SUBMITTED: "",
}


class ReportError(RuntimeError):
    """Grades cannot be exported or reported; the message says why and what to do."""


class NoGradebookError(ReportError):
    """The course has no gradebook (yet), or it cannot be read."""


class NothingGradedError(ReportError):
    """The gradebook exists but holds no graded submission."""


@dataclass(frozen=True)
class GradebookFrames:
    """The gradebook as DataFrames.

    ``learners``: student_id, first_name, last_name, email (one row per learner).
    ``questions``: assignment, notebook, question (the nbgrader grade_id),
    cell_type, max_score (one row per graded cell, in gradebook order).
    ``items``: the learner x question grid with submitted (bool), score
    (nbgrader's score: the manual score if set, else the auto score, plus extra
    credit; NaN when not submitted), auto_score, manual_score and
    needs_manual_grade (NA when not submitted).
    ``assignments``: assignment, max_score, questions, submitted (number of
    learners who submitted), duedate (naive UTC or None), in gradebook order.
    ``submissions``: one row per learner x assignment (see :data:`SUBMISSION_COLUMNS`):
    the status (:data:`GRADED`, :data:`AWAITING_MANUAL`, :data:`FAILED`,
    :data:`NOT_SUBMITTED`), why a submission could not be graded, what the
    instructor does next, when it was submitted, how late (seconds past the due
    date and any extension) and the late penalty nbgrader assigned; ``score`` is
    nbgrader's export score: the raw score less the penalty, never below 0.
    """

    learners: pd.DataFrame
    questions: pd.DataFrame
    items: pd.DataFrame
    assignments: pd.DataFrame
    submissions: pd.DataFrame

    @property
    def assignment_names(self) -> list[str]:
        """Assignments in gradebook order (by due date, then name)."""
        return [str(name) for name in self.assignments["assignment"]]

    def only(self, assignments: Iterable[str]) -> GradebookFrames:
        """The same frames restricted to ``assignments`` (every learner is kept).

        >>> frames = build_frames([{"student_id": "ana"}],
        ...     [{"assignment": a, "notebook": a, "question": "q1", "cell_type": "code", "max_score": 1.0} for a in ("ex01", "ex02")], [])
        >>> frames.only(["ex02"]).assignment_names
        ['ex02']
        """
        keep = set(assignments)

        def rows(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["assignment"].isin(keep)].reset_index(drop=True)

        return GradebookFrames(self.learners, rows(self.questions), rows(self.items), rows(self.assignments), rows(self.submissions))


def build_frames(
    learners: Iterable[Mapping[str, Any]],
    questions: Iterable[Mapping[str, Any]],
    grades: Iterable[Mapping[str, Any]],
    duedates: Mapping[str, Any] | None = None,
    submissions: Iterable[Mapping[str, Any]] = (),
    failures: Iterable[Mapping[str, Any]] = (),
) -> GradebookFrames:
    """Assemble :class:`GradebookFrames` from plain records (see the module example).

    A learner with no grade rows for an assignment did not submit it. ``duedates``
    maps an assignment to its due date (naive UTC, as nbgrader stores it) or None.
    ``submissions`` holds nbgrader's record of each graded submission
    (student_id, assignment, timestamp, seconds_late, late_penalty); ``failures``
    the submissions ``mlteam-course grade`` could not grade (student_id,
    assignment, reason). A learner known only from a failure is still a learner.

    >>> frames = build_frames(
    ...     [{"student_id": "ana"}],
    ...     [{"assignment": "ex01", "notebook": "ex01", "question": "q1", "cell_type": "code", "max_score": 2.0}],
    ...     [{"student_id": "ana", "assignment": "ex01", "notebook": "ex01", "question": "q1",
    ...       "score": 2.0, "auto_score": 2.0, "manual_score": None, "needs_manual_grade": False}],
    ...     submissions=[{"student_id": "ana", "assignment": "ex01", "seconds_late": 3600.0, "late_penalty": 0.5}],
    ...     failures=[{"student_id": "bob", "assignment": "ex01", "reason": "Notebook JSON is invalid"}],
    ... )
    >>> frames.submissions[["student_id", "status", "reason", "seconds_late", "raw_score", "score"]].to_dict("records")
    [{'student_id': 'ana', 'status': 'graded', 'reason': '', 'seconds_late': 3600.0, 'raw_score': 2.0, 'score': 1.5}, {'student_id': 'bob', 'status': 'could not be graded', 'reason': 'Notebook JSON is invalid', 'seconds_late': nan, 'raw_score': nan, 'score': nan}]
    """
    import pandas as pd

    failure_frame = pd.DataFrame(list(failures), columns=["student_id", "assignment", "reason"])
    learners = [*learners, *({"student_id": student} for student in failure_frame["student_id"])]
    learner_frame = pd.DataFrame(list(learners), columns=LEARNER_COLUMNS)
    learner_frame = learner_frame.drop_duplicates("student_id").sort_values("student_id", ignore_index=True)
    question_frame = pd.DataFrame(list(questions), columns=QUESTION_COLUMNS)
    question_frame["max_score"] = question_frame["max_score"].astype(float)
    grade_frame = pd.DataFrame(list(grades), columns=GRADE_COLUMNS)
    for column in ("score", "auto_score", "manual_score"):
        grade_frame[column] = pd.to_numeric(grade_frame[column], errors="coerce").astype(float)
    grade_frame["needs_manual_grade"] = grade_frame["needs_manual_grade"].astype("boolean")

    grid = learner_frame[["student_id"]].merge(question_frame, how="cross")
    items = grid.merge(grade_frame, on=["student_id", *ITEM_KEYS], how="left", validate="one_to_one")
    submitted_pairs = grade_frame[["student_id", "assignment"]].drop_duplicates()
    submitted_pairs = submitted_pairs.assign(submitted=True)
    items = items.merge(submitted_pairs, on=["student_id", "assignment"], how="left")
    items["submitted"] = items["submitted"].astype("boolean").fillna(False).astype(bool)
    # A submitted notebook has a grade row for every cell (nbgrader creates them all);
    # a missing one would only come from a hand-edited database: count it as 0.
    items.loc[items["submitted"] & items["score"].isna(), "score"] = 0.0
    items = items[["student_id", *ITEM_KEYS, "cell_type", "max_score", "submitted", "score", "auto_score", "manual_score", "needs_manual_grade"]]

    order = question_frame.drop_duplicates("assignment")["assignment"].tolist()
    per_assignment = question_frame.groupby("assignment", sort=False).agg(
        max_score=("max_score", "sum"), questions=("question", "size")
    )
    submitted_counts = submitted_pairs.groupby("assignment").size()
    assignments = per_assignment.reindex(order).reset_index()
    assignments["submitted"] = assignments["assignment"].map(submitted_counts).fillna(0).astype(int)
    assignments["duedate"] = [(duedates or {}).get(name) for name in assignments["assignment"]]
    items = items.reset_index(drop=True)
    submission_frame = _submission_frame(learner_frame, assignments, items, submissions, failure_frame)
    return GradebookFrames(learner_frame, question_frame, items, assignments, submission_frame)


def _submission_frame(
    learners: pd.DataFrame,
    assignments: pd.DataFrame,
    items: pd.DataFrame,
    submissions: Iterable[Mapping[str, Any]],
    failures: pd.DataFrame,
) -> pd.DataFrame:
    """One row per learner x assignment: status, reason, next step, lateness, penalty and score."""
    import pandas as pd

    grid = learners[["student_id"]].merge(assignments[["assignment", "duedate", "max_score"]], how="cross")
    recorded = pd.DataFrame(list(submissions), columns=["student_id", "assignment", "timestamp", "seconds_late", "late_penalty"])
    recorded = recorded.drop_duplicates(["student_id", "assignment"], keep="last")
    submitted = items[items["submitted"]]
    # Converted once, then a built-in "any": a Python function per group took 3 ms for each
    # submission (15 s of reading a 500-learner gradebook).
    submitted = submitted.assign(pending=submitted["needs_manual_grade"].astype("boolean").fillna(False).astype(bool))
    per_submission = submitted.groupby(["student_id", "assignment"]).agg(
        raw_score=("score", "sum"),
        pending=("pending", "any"),
    ).reset_index()
    frame = grid.merge(per_submission, on=["student_id", "assignment"], how="left")
    frame = frame.merge(recorded, on=["student_id", "assignment"], how="left")
    frame = frame.merge(failures.drop_duplicates(["student_id", "assignment"], keep="last"), on=["student_id", "assignment"], how="left")
    frame["late_penalty"] = pd.to_numeric(frame["late_penalty"], errors="coerce").astype(float)
    frame["seconds_late"] = pd.to_numeric(frame["seconds_late"], errors="coerce").astype(float)
    has_grade = frame["raw_score"].notna()
    frame.loc[has_grade, "late_penalty"] = frame.loc[has_grade, "late_penalty"].fillna(0.0)
    frame.loc[has_grade, "seconds_late"] = frame.loc[has_grade, "seconds_late"].fillna(0.0)
    frame["score"] = (frame["raw_score"] - frame["late_penalty"]).clip(lower=0.0)

    statuses: list[str] = []
    reasons: list[str] = []
    for reason, raw_score, pending in zip(
        frame["reason"].tolist(), frame["raw_score"].tolist(), frame["pending"].tolist(), strict=True
    ):
        graded = not pd.isna(raw_score)
        if isinstance(reason, str):
            statuses.append(FAILED)
            reasons.append(reason + ("; the score shown is from an earlier submission" if graded else ""))
        elif graded:
            statuses.append(AWAITING_MANUAL if pending else GRADED)
            reasons.append("")
        else:
            statuses.append(NOT_SUBMITTED)
            reasons.append("")
    frame["status"] = statuses
    frame["reason"] = reasons
    frame["next_step"] = frame["status"].map(NEXT_STEPS)
    return pd.DataFrame(frame[SUBMISSION_COLUMNS]).reset_index(drop=True)


def course_gradebook_url(course_root: Path) -> tuple[str, str]:
    """The ``(db_url, course_id)`` nbgrader uses for the course at ``course_root``.

    Read from the course's ``nbgrader_config.py`` exactly as nbgrader reads it.

    >>> from mlteam_utils.paths import find_course_root
    >>> url, course_id = course_gradebook_url(find_course_root())
    >>> url.startswith("sqlite:///") and url.endswith("course/gradebook.db"), course_id
    (True, 'mlteam-onboarding')
    """
    from nbgrader.coursedir import CourseDirectory

    from mlteam_utils.nbgrader_runner import load_course_config

    try:
        config = load_course_config(course_root)
        course_directory = CourseDirectory(config=config)
        if not config.CourseDirectory.get("root"):
            course_directory.root = str(course_root)
        return str(course_directory.db_url), str(course_directory.course_id)
    except Exception as error:  # a missing file, or any error raised while running it
        raise NoGradebookError(
            f"Cannot read the gradebook's location from {course_root / 'nbgrader_config.py'}: {error}"
        ) from error


def _check_gradebook_exists(db_url: str) -> None:
    """Raise :class:`NoGradebookError` unless ``db_url`` holds an nbgrader gradebook."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database)
        if not path.is_file():
            raise NoGradebookError(
                f"No gradebook at {path}: nothing has been graded in this course yet. "
                "Grade the submissions first (`nbgrader autograde ASSIGNMENT`, or `mlteam-course grade`)."
            )
    from mlteam_utils.cohort.gradebook_db import HOW_TO_INSTALL_POSTGRES, one_line

    try:
        engine = create_engine(db_url)
    except ImportError as error:  # the database's driver (psycopg for PostgreSQL) is not installed
        raise NoGradebookError(
            f"The gradebook at {url.render_as_string(hide_password=True)} needs a database driver that is not installed "
            f"({error.name or error}): {HOW_TO_INSTALL_POSTGRES}"
        ) from error
    try:
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as error:
        raise NoGradebookError(f"The gradebook at {url.render_as_string(hide_password=True)} cannot be read: {one_line(error)}") from error
    finally:
        engine.dispose()
    if not {"assignment", "grade", "student"} <= tables:
        raise NoGradebookError(
            f"{url.render_as_string(hide_password=True)} is not an nbgrader gradebook (no grade tables): "
            "nothing has been graded in this course yet."
        )


def _grade_rows(gradebook: Any, assignment_id: str) -> list[tuple[Any, ...]]:
    """(student_id, cell_id, score, auto_score, manual_score, needs_manual_grade) of every grade of an assignment.

    One query on nbgrader's own models and session instead of one lazy load per
    submission and notebook (thousands for a cohort of hundreds). ``Grade.score``
    is nbgrader's own definition: manual score if set, else auto score, plus extra credit.
    """
    from nbgrader.api import Grade, SubmittedAssignment, SubmittedNotebook

    query = (
        gradebook.db.query(
            SubmittedAssignment.student_id, Grade.cell_id, Grade.score, Grade.auto_score,
            Grade.manual_score, Grade.needs_manual_grade,
        )
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .filter(SubmittedAssignment.assignment_id == assignment_id)
    )
    return [tuple(row) for row in query.all()]


def _late_penalties(gradebook: Any, assignment_id: str) -> dict[str, float]:
    """Submission id -> late penalty of every submission of an assignment, in one query.

    nbgrader's ``SubmittedAssignment.late_submission_penalty`` is a deferred subquery:
    read per submission it costs a query each, and each scans every submitted notebook
    (``submitted_notebook.assignment_id`` has no index), so a cohort's reading grew with
    its square (35 of 57 s of an export at 500 learners). This is the same sum, grouped.
    A submission without notebooks is absent: its penalty is nbgrader's coalesced 0.0.
    """
    from nbgrader.api import SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import func

    query = (
        gradebook.db.query(SubmittedNotebook.assignment_id, func.coalesce(func.sum(SubmittedNotebook.late_submission_penalty), 0.0))
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .filter(SubmittedAssignment.assignment_id == assignment_id)
        .group_by(SubmittedNotebook.assignment_id)
    )
    return {str(submission_id): penalty for submission_id, penalty in query.all()}


def read_gradebook(db_url: str, course_id: str = "default_course") -> GradebookFrames:
    """Read every learner, question and grade from the gradebook at ``db_url``.

    Raises :class:`NoGradebookError` when there is no gradebook and
    :class:`NothingGradedError` when it holds no submission yet.
    """
    from nbgrader.api import Gradebook

    _check_gradebook_exists(db_url)
    learners: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    grades: list[dict[str, Any]] = []
    duedates: dict[str, Any] = {}
    submissions: list[dict[str, Any]] = []
    with Gradebook(db_url, course_id=course_id) as gradebook:
        for student in gradebook.students:
            learners.append(
                {"student_id": student.id, "first_name": student.first_name, "last_name": student.last_name, "email": student.email}
            )
        for assignment in gradebook.assignments:
            duedates[assignment.name] = assignment.duedate
            cells: dict[str, tuple[str, str]] = {}  # cell id -> (notebook, question)
            for notebook in assignment.notebooks:
                for cell in [*notebook.grade_cells, *notebook.task_cells]:
                    cells[cell.id] = (notebook.name, cell.name)
                    questions.append(
                        {"assignment": assignment.name, "notebook": notebook.name, "question": cell.name,
                         "cell_type": cell.cell_type, "max_score": cell.max_score}
                    )
            for student_id, cell_id, score, auto_score, manual_score, needs_manual_grade in _grade_rows(gradebook, assignment.id):
                notebook_name, question = cells[cell_id]
                grades.append(
                    {"student_id": student_id, "assignment": assignment.name, "notebook": notebook_name,
                     "question": question, "score": score, "auto_score": auto_score,
                     "manual_score": manual_score, "needs_manual_grade": bool(needs_manual_grade)}
                )
            penalties = _late_penalties(gradebook, assignment.id)
            for submission in assignment.submissions:
                submissions.append(
                    {"student_id": submission.student_id, "assignment": assignment.name, "timestamp": submission.timestamp,
                     "seconds_late": submission.total_seconds_late, "late_penalty": penalties.get(submission.id, 0.0)}
                )
        failures = _failed_submissions(gradebook.db)
    if not grades and not failures:
        raise NothingGradedError(
            "The gradebook has no graded submission yet. Collect the submissions into course/submitted/ "
            "and grade them first (`nbgrader autograde ASSIGNMENT`, or `mlteam-course grade`)."
        )
    return build_frames(learners, questions, grades, duedates, submissions, failures)


def _failed_submissions(session: Any) -> list[dict[str, Any]]:
    """Submissions ``mlteam-course grade`` recorded as failed (none if it never ran here)."""
    from sqlalchemy import inspect, text

    from mlteam_utils.cohort.gradebook_merge import OUTCOME_TABLE

    if OUTCOME_TABLE not in inspect(session.get_bind()).get_table_names():
        return []
    rows = session.execute(text(f"SELECT student, assignment, reason FROM {OUTCOME_TABLE} WHERE outcome = 'failed'")).fetchall()
    return [{"student_id": row[0], "assignment": row[1], "reason": row[2] or "unknown reason"} for row in rows]


def read_course_gradebook(course_root: Path) -> GradebookFrames:
    """:func:`read_gradebook` on the gradebook configured for the course at ``course_root``."""
    db_url, course_id = course_gradebook_url(course_root)
    return read_gradebook(db_url, course_id)
