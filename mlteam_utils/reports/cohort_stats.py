"""Cohort statistics from the gradebook frames: scores, completion, distributions, who is behind.

Pure pandas on :class:`~mlteam_utils.reports.gradebook_frames.GradebookFrames`.

Who is *behind* (the definition the report prints, see :func:`behind_definition`):
a learner is behind when they have not submitted an assignment that *counts*
(its due date has passed or, when it has none, at least half of the learners
have submitted it), or when their score on what they submitted is below
``relative`` (default 75%) of the cohort's median on the same basis.

>>> from mlteam_utils.reports.gradebook_frames import build_frames
>>> q = [{"assignment": a, "notebook": a, "question": "q1", "cell_type": "code", "max_score": 4.0} for a in ("ex01", "ex02")]
>>> def grade(student, assignment, score):
...     return {"student_id": student, "assignment": assignment, "notebook": assignment, "question": "q1",
...             "score": score, "auto_score": score, "manual_score": None, "needs_manual_grade": False}
>>> frames = build_frames(
...     [{"student_id": s} for s in ("ana", "ben", "cat")], q,
...     [grade("ana", "ex01", 4), grade("ana", "ex02", 3), grade("ben", "ex01", 4), grade("ben", "ex02", 4),
...      grade("cat", "ex01", 1)],
... )
>>> assignment_scores(frames).to_dict("index")
{'ana': {'ex01': 4.0, 'ex02': 3.0}, 'ben': {'ex01': 4.0, 'ex02': 4.0}, 'cat': {'ex01': 1.0, 'ex02': nan}}
>>> behind = learners_behind(frames)
>>> behind[["student_id", "missing_assignments", "percent_of_submitted", "reason"]].to_dict("records")
[{'student_id': 'cat', 'missing_assignments': 'ex02', 'percent_of_submitted': 25.0, 'reason': 'not submitted: ex02; 25% of the points submitted, below 75% of the cohort median (88%)'}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames

DEFAULT_RELATIVE = 0.75
COUNTS_WHEN_SUBMITTED_BY = 0.5


def assignment_scores(frames: GradebookFrames) -> pd.DataFrame:
    """Learner x assignment score, late penalty taken off as nbgrader's export does; NaN where not graded.

    Rows are every learner in the gradebook, columns the assignments in gradebook order.
    """
    scores = frames.submissions.pivot(index="student_id", columns="assignment", values="score")
    learners = frames.learners["student_id"].rename("student_id")
    return scores.reindex(index=learners, columns=frames.assignment_names).rename_axis(columns="assignment").astype(float)


def counted_assignments(frames: GradebookFrames, now: dt.datetime | None = None) -> list[str]:
    """Assignments a learner is expected to have submitted by now.

    Due date passed (nbgrader stores it in UTC) or, without a due date, submitted
    by at least half of the learners.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    learners = max(len(frames.learners), 1)
    counted: list[str] = []
    for row in frames.assignments.to_dict("records"):
        duedate = row.get("duedate")
        if duedate is None or str(duedate) in ("NaT", "None", "nan"):
            expected = row["submitted"] >= COUNTS_WHEN_SUBMITTED_BY * learners
        else:
            expected = duedate <= now
        if expected:
            counted.append(str(row["assignment"]))
    return counted


def completion_by_assignment(frames: GradebookFrames) -> pd.DataFrame:
    """Per assignment: learners, submitted, could_not_grade, not_submitted, percent_submitted, waiting_manual_grade, late.

    ``submitted`` counts learners with a graded submission, ``could_not_grade``
    those whose latest submission could not be graded (their earlier grade, if
    any, still counts as submitted), ``waiting_manual_grade`` submissions with an
    item still to grade by hand, ``late`` submissions after the due date.
    """
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import FAILED, NOT_SUBMITTED

    items = frames.items
    learners = len(frames.learners)
    submitted = items[items["submitted"]]
    pending = submitted["needs_manual_grade"].astype("boolean").fillna(False).astype(bool)
    waiting = submitted[pending].groupby("assignment")["student_id"].nunique()
    submissions = frames.submissions
    failed = submissions[submissions["status"] == FAILED].groupby("assignment").size()
    missing = submissions[submissions["status"] == NOT_SUBMITTED].groupby("assignment").size()
    late = submissions[submissions["seconds_late"].fillna(0) > 0].groupby("assignment").size()
    table = pd.DataFrame({"assignment": frames.assignment_names})
    table["learners"] = learners
    table["submitted"] = table["assignment"].map(frames.assignments.set_index("assignment")["submitted"]).astype(int)
    table["could_not_grade"] = table["assignment"].map(failed).fillna(0).astype(int)
    table["not_submitted"] = table["assignment"].map(missing).fillna(0).astype(int)
    table["percent_submitted"] = (100.0 * table["submitted"] / learners).round(1) if learners else 0.0
    table["waiting_manual_grade"] = table["assignment"].map(waiting).fillna(0).astype(int)
    table["late"] = table["assignment"].map(late).fillna(0).astype(int)
    return table


def score_distribution(frames: GradebookFrames) -> pd.DataFrame:
    """Per assignment, over the learners who submitted: count, mean, std and quartiles, in points and percent."""
    import pandas as pd

    scores = assignment_scores(frames)
    maxima = frames.assignments.set_index("assignment")["max_score"]
    rows = []
    for assignment in frames.assignment_names:
        values = scores[assignment].dropna()
        maximum = float(maxima[assignment])
        described = values.describe() if len(values) else pd.Series(dtype=float)
        row: dict[str, object] = {"assignment": assignment, "max_score": maximum, "submitted": int(len(values))}
        for name, key in (("mean", "mean"), ("std", "std"), ("min", "min"), ("q1", "25%"), ("median", "50%"), ("q3", "75%"), ("max", "max")):
            row[name] = float(described.get(key, float("nan")))
        row["mean_percent"] = 100.0 * row["mean"] / maximum if maximum else float("nan")  # type: ignore[operator]
        row["median_percent"] = 100.0 * row["median"] / maximum if maximum else float("nan")  # type: ignore[operator]
        rows.append(row)
    return pd.DataFrame(rows)


def learner_progress(frames: GradebookFrames, now: dt.datetime | None = None) -> pd.DataFrame:
    """Per learner, over the counted assignments: what is graded, missing, failed, and the scores.

    Columns: student_id, first_name, last_name, submitted (graded), missing (no graded
    submission), missing_assignments (not submitted at all), could_not_grade (submitted
    but the latest could not be graded, with the reason), late (late submissions),
    score, max_of_submitted, percent_of_submitted (NaN when nothing graded),
    percent_overall (missing work counts 0).
    """
    from mlteam_utils.reports.gradebook_frames import FAILED, NOT_SUBMITTED

    counted = counted_assignments(frames, now)
    scores = assignment_scores(frames)[counted]
    maxima = frames.assignments.set_index("assignment")["max_score"].reindex(counted)
    progress = frames.learners[["student_id", "first_name", "last_name"]].set_index("student_id")
    done = scores.notna()
    progress["submitted"] = done.sum(axis=1)
    progress["missing"] = (~done).sum(axis=1)
    submissions = frames.submissions[frames.submissions["assignment"].isin(counted)]

    def listed(rows: pd.DataFrame, describe: Callable[[Any], str]) -> pd.Index:
        text = {student: ", ".join(describe(row) for row in group.itertuples(index=False)) for student, group in rows.groupby("student_id")}
        return progress.index.map(lambda student: text.get(student, ""))

    progress["missing_assignments"] = listed(submissions[submissions["status"] == NOT_SUBMITTED], lambda row: row.assignment)
    progress["could_not_grade"] = listed(submissions[submissions["status"] == FAILED], lambda row: f"{row.assignment} ({row.reason})")
    progress["late"] = listed(submissions[submissions["seconds_late"].fillna(0) > 0], lambda row: f"{row.assignment} ({late_by(row.seconds_late)})")
    progress["score"] = scores.sum(axis=1, skipna=True)
    progress["max_of_submitted"] = done.mul(maxima, axis=1).sum(axis=1)
    progress["percent_of_submitted"] = (100.0 * progress["score"] / progress["max_of_submitted"].where(progress["max_of_submitted"] > 0)).round(1)
    total_max = float(maxima.sum())
    progress["percent_overall"] = (100.0 * progress["score"] / total_max).round(1) if total_max else float("nan")
    return progress.reset_index()


def behind_definition(relative: float = DEFAULT_RELATIVE) -> str:
    """The definition of *behind*, in words, for the report.

    >>> behind_definition(0.75)[:60]
    'A learner is behind when they have no graded submission of a'
    """
    return (
        "A learner is behind when they have no graded submission of an assignment that counts "
        "(its due date has passed or, without a due date, at least half of the learners have submitted it): "
        "not submitted, or submitted but it could not be graded; "
        f"or when their score on the work they submitted is below {relative:.0%} of the cohort's median on the "
        "same basis. Items still waiting for a manual grade count 0 until they are graded."
    )


def learners_behind(frames: GradebookFrames, relative: float = DEFAULT_RELATIVE, now: dt.datetime | None = None) -> pd.DataFrame:
    """The learners who are behind (see :func:`behind_definition`), most in need first.

    Sorted by missing assignments (most first), then by percent of submitted points (lowest first).
    """
    progress = learner_progress(frames, now)
    median = float(progress["percent_of_submitted"].median())  # NaN when nobody submitted anything counted
    low = progress["percent_of_submitted"] < relative * median
    behind = progress[(progress["missing"] > 0) | low].copy()

    def reason(row: pd.Series) -> str:
        reasons = []
        if row["missing_assignments"]:
            reasons.append(f"not submitted: {row['missing_assignments']}")
        if row["could_not_grade"]:
            reasons.append(f"submitted but could not be graded: {row['could_not_grade']}")
        if row["percent_of_submitted"] < relative * median:
            reasons.append(
                f"{row['percent_of_submitted']:.0f}% of the points submitted, below {relative:.0%} of the cohort median ({median:.0f}%)"
            )
        return "; ".join(reasons)

    behind["reason"] = behind.apply(reason, axis=1) if len(behind) else []
    behind = behind.sort_values(["missing", "percent_of_submitted", "student_id"], ascending=[False, True, True], na_position="first")
    return behind.reset_index(drop=True)


def late_by(seconds: float) -> str:
    """How late, as ``h:mm:ss`` (``d days, h:mm:ss`` past a day); empty when on time or unknown.

    >>> late_by(0), late_by(float("nan")), late_by(3725), late_by(90061)
    ('', '', '1:02:05', '1 day, 1:01:01')
    """
    import math

    if math.isnan(seconds) or seconds <= 0:
        return ""
    return str(dt.timedelta(seconds=round(seconds)))
