"""Keep nbgrader's late penalties in step with the scores they were computed from.

nbgrader computes a late notebook's penalty once, when it autogrades it
(``AssignLatePenalties``), from the autograded score. Under
``c.LateSubmissionPlugin.penalty_method = "zero"`` the penalty is that score; a
hand grade entered later in the formgrader raises the score above the stored
penalty, so the notebook silently earns points again until someone runs
``nbgrader autograde --force``.

:func:`reapply_late_penalties` asks the course's configured plugin (nbgrader's
own ``LateSubmissionPlugin``, or the class in ``c.AssignLatePenalties.plugin_class``)
for each late notebook's penalty on its *current* score, and writes back, in
one transaction, every penalty that differs, together with the penalised score
in the course's outcome table. ``export``, ``report``, ``feedback``,
``certificate`` and ``grade`` call it before they read scores.

Each submission keeps the policy it was autograded under: ``grade`` records the
plugin (class and ``penalty_method``) in the outcome table, so a course that
grades one assignment under ``"zero"`` and then drops the setting keeps the
zero on that assignment (as nbgrader does until ``autograde --force``). A
policy that assigns no penalty (``None``) leaves the stored one alone.

>>> clamp_penalty(12.0, 10.5), clamp_penalty(-1.0, 10.5), clamp_penalty(2.0, 10.5)
(10.5, 0.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: penalties closer than this are the same (floats read back from the database)
TOLERANCE = 1e-9


@dataclass(frozen=True)
class PenaltyChange:
    """One late notebook whose stored penalty no longer matched the policy."""

    student: str
    assignment: str
    notebook: str
    old_penalty: float | None
    new_penalty: float

    def as_text(self) -> str:
        """One line for the instructor.

        >>> PenaltyChange("eve", "ex01", "ex01", 8.0, 10.5).as_text()
        'late penalty reapplied: eve/ex01 (ex01) 8 -> 10.5 (its score changed after autograding)'
        """
        old = "none" if self.old_penalty is None else f"{self.old_penalty:g}"
        return f"late penalty reapplied: {self.student}/{self.assignment} ({self.notebook}) {old} -> {self.new_penalty:g} (its score changed after autograding)"


def clamp_penalty(penalty: float, score: float) -> float:
    """The penalty as nbgrader stores it: never below 0 nor above the notebook's score."""
    return min(max(float(penalty), 0.0), float(score))


def policy_name(plugin: object) -> str:
    """How the outcome table records a late-penalty plugin: its class, and nbgrader's ``penalty_method``.

    >>> from nbgrader.plugins import LateSubmissionPlugin
    >>> policy_name(LateSubmissionPlugin(penalty_method="zero"))
    'nbgrader.plugins.latesubmission:LateSubmissionPlugin=zero'
    """
    from nbgrader.plugins import LateSubmissionPlugin

    kind = type(plugin)
    name = f"{kind.__module__}:{kind.__qualname__}"
    return f"{name}={plugin.penalty_method}" if isinstance(plugin, LateSubmissionPlugin) else name


class _Policies:
    """The course's configured plugin, and the plugin each recorded policy name stands for."""

    def __init__(self, course_root: Path) -> None:
        from nbgrader.preprocessors import AssignLatePenalties

        from mlteam_utils.nbgrader_runner import load_course_config

        self._assigner = AssignLatePenalties(config=load_course_config(course_root))
        self._assigner.init_plugin()
        self.current = self._assigner.plugin_inst
        self.current_name = policy_name(self.current)
        self._by_name: dict[str, Any] = {self.current_name: self.current}

    def plugin(self, name: str | None) -> Any:
        """The plugin named ``name`` (the course's current one when unknown or unrecorded)."""
        if name is None:
            return self.current
        if name not in self._by_name:
            import importlib

            from nbgrader.plugins import LateSubmissionPlugin

            class_path, _, method = name.partition("=")
            module, _, qualname = class_path.partition(":")
            try:
                kind = getattr(importlib.import_module(module), qualname)
                plugin = kind(parent=self._assigner)
                if isinstance(plugin, LateSubmissionPlugin) and method:
                    plugin.penalty_method = method
            except (ImportError, AttributeError, ValueError, TypeError):
                plugin = self.current  # a plugin since removed from the site: the course's current one
            self._by_name[name] = plugin
        return self._by_name[name]


def reapply_late_penalties(course_root: Path, graded_now: Iterable[tuple[str, str]] = ()) -> list[PenaltyChange]:
    """Recompute every late notebook's penalty from its policy and its current score.

    A submission's policy is the plugin it was autograded under (recorded in the
    outcome table; ``graded_now``, the (learner, assignment) pairs this grading
    run merged, are recorded under the course's current one); a submission graded
    before policies were recorded is taken under the current one. Writes the
    changed penalties and the penalised totals of the outcome table in one
    transaction; returns what changed (empty when all were right, or when there
    is no gradebook yet).
    """
    from sqlalchemy.exc import DBAPIError

    from mlteam_utils.cohort.gradebook_db import (
        GradebookError,
        describe,
        gradebook_exists,
        gradebook_location,
        one_line,
    )
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url

    db_url, course_id = course_gradebook_url(course_root)
    location = gradebook_location(db_url)
    if not gradebook_exists(location):  # a server that cannot be reached: GradebookError, one line
        return []
    try:
        return _reapply(course_root, db_url, course_id, location, graded_now)
    except DBAPIError as error:
        raise GradebookError(f"could not keep the late penalties in step in {describe(location)}: {one_line(error)}") from None


def _reapply(course_root: Path, db_url: str, course_id: str, location: Any, graded_now: Iterable[tuple[str, str]]) -> list[PenaltyChange]:
    from nbgrader.api import Gradebook, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import text

    from mlteam_utils.cohort.gradebook_db import lock_submission, table_names
    from mlteam_utils.cohort.gradebook_merge import OUTCOME_TABLE, ensure_outcome_table

    policies = _Policies(course_root)
    fresh = set(graded_now)
    changes: list[PenaltyChange] = []
    with Gradebook(db_url, course_id=course_id) as gradebook:
        session = gradebook.db
        has_outcomes = OUTCOME_TABLE in table_names(session.connection())
    if has_outcomes:
        ensure_outcome_table(location)  # an older table gains its late_policy column
    with Gradebook(db_url, course_id=course_id) as gradebook:
        session = gradebook.db
        recorded: dict[tuple[str, str], str | None] = {}
        if has_outcomes:
            for student, assignment, name in session.execute(text(f"SELECT student, assignment, late_policy FROM {OUTCOME_TABLE}")):
                recorded[student, assignment] = name
            for student, assignment in fresh:
                session.execute(text(f"UPDATE {OUTCOME_TABLE} SET late_policy = :name WHERE student = :student AND assignment = :assignment"),
                                {"name": policies.current_name, "student": student, "assignment": assignment})
        for submission in session.query(SubmittedAssignment).all():
            seconds_late = float(submission.total_seconds_late or 0)
            if seconds_late <= 0:
                continue
            student, assignment = submission.student.id, submission.assignment.name
            lock_submission(session.connection(), student, assignment)  # a merge of this submission waits
            plugin = policies.current if (student, assignment) in fresh else policies.plugin(recorded.get((student, assignment)))
            for notebook in session.query(SubmittedNotebook).filter(SubmittedNotebook.assignment_id == submission.id):
                wanted = plugin.late_submission_penalty(student, float(notebook.score), seconds_late)
                if wanted is None:
                    continue  # the policy assigns none: whatever autograding stored stands
                wanted = clamp_penalty(wanted, float(notebook.score))
                stored = notebook.late_submission_penalty
                if stored is not None and abs(float(stored) - wanted) <= TOLERANCE:
                    continue
                changes.append(PenaltyChange(student, assignment, notebook.name, None if stored is None else float(stored), wanted))
                notebook.late_submission_penalty = wanted
            session.flush()
            if has_outcomes:
                # The outcome table shows what nbgrader's export shows: the score less the penalty.
                session.expire(submission)
                penalised = max(float(submission.score) - float(submission.late_submission_penalty or 0.0), 0.0)
                session.execute(
                    text(f"UPDATE {OUTCOME_TABLE} SET score = :score WHERE student = :student AND assignment = :assignment "
                         "AND outcome = 'graded' AND (score IS NULL OR ABS(score - :score) > :tolerance)"),
                    {"score": penalised, "student": student, "assignment": assignment, "tolerance": TOLERANCE},
                )
        session.commit()
    return changes


def report_reapplied(course_root: Path, graded_now: Iterable[tuple[str, str]] = ()) -> list[str]:
    """:func:`reapply_late_penalties`, as the lines a command prints."""
    return [change.as_text() for change in reapply_late_penalties(course_root, graded_now)]
