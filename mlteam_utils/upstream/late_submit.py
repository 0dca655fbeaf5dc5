"""nbgrader's submit, telling the learner when a submission is late.

nbgrader's ``ExchangeSubmit`` hands a submission in whatever the time; nbgrader learns it
was late only when the instructor autogrades it. :class:`LateNoticeSubmit` (configured with
``c.ExchangeFactory.submit``, nbgrader's documented way to swap an exchange class) submits
exactly as upstream does, then compares the submission's time (upstream's ``timestamp``
attribute, the one written to ``timestamp.txt``) with the exercise's due date in the course
syllabus (``[due]``, usually a site's ``syllabus.site.toml``) and logs a warning that says so.

Where the learner sees it: ``nbgrader submit`` in a terminal prints it. nbgrader's
Assignments tab does not: its server extension (``assignment_list``) answers a successful
submit with ``{"success": true}`` alone, and the tab then only refreshes its lists. So the
start page's exercise table also marks a late submission **late**
(:mod:`mlteam_utils.start_page`), and nbgrader's feedback shows any late penalty.

The learner's server has no gradebook: the syllabus is the due date it can read. Nothing
here may stop a submission: a missing or broken syllabus means no notice, not an error.

>>> from datetime import datetime, timezone
>>> due = datetime(2027, 1, 15, 17, tzinfo=timezone.utc)
>>> print(late_notice(datetime(2027, 1, 15, 18, 30, tzinfo=timezone.utc), due, "Late work loses 10% a day."))
This submission is late: the due date was 15 January 2027, 17:00 UTC and it was submitted 15 January 2027, 18:30 UTC (1 h 30 min late). The course's late policy: Late work loses 10% a day.
>>> late_notice(datetime(2027, 1, 15, 16, tzinfo=timezone.utc), due, "") is None
True
"""

from __future__ import annotations

from datetime import UTC, datetime

from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import parse_utc

__all__ = ["LATE_HEADLINE", "LateNoticeSubmit", "due_date_of", "late_notice", "late_policy_text"]

#: How every notice starts (tests and the start page's wording match it).
LATE_HEADLINE = "This submission is late"


def _when(moment: datetime) -> str:
    from mlteam_utils.dates import moment_in_words

    return moment_in_words(moment)


def _how_late(delta_seconds: float) -> str:
    """A delay in days, hours and minutes.

    >>> _how_late(90), _how_late(2 * 86400 + 3600)
    ('1 min', '2 d 1 h')
    """
    minutes = max(1, int(delta_seconds // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes and not days else ""]
    return " ".join(part for part in parts if part) or "1 min"


def late_notice(submitted: datetime, due: datetime | None, policy: str) -> str | None:
    """The learner's notice if ``submitted`` is after ``due`` (None otherwise); see the module doctest."""
    if due is None or submitted <= due:
        return None
    text = (f"{LATE_HEADLINE}: the due date was {_when(due)} and it was submitted {_when(submitted)} "
            f"({_how_late((submitted - due).total_seconds())} late).")
    return f"{text} The course's late policy: {policy}" if policy else text


def due_date_of(assignment: str) -> tuple[datetime | None, str]:
    """The due date of ``assignment`` in the course syllabus, and the late policy in words."""
    from mlteam_utils.syllabus import load_syllabus

    syllabus = load_syllabus()
    module = next((m for m in syllabus.modules if m.exercise_id == assignment), None)
    due = syllabus.due_date(module.number) if module is not None else None
    return due, late_policy_text(syllabus.completion.late_pass_counts)


def late_policy_text(late_pass_counts: bool) -> str:
    """The course's late policy, as the start page words it.

    >>> late_policy_text(False)
    'a pass handed in after the due date does not count toward completion; your instructor may also take off a late penalty.'
    """
    counts = ("a pass handed in after the due date still counts toward completion, after any late penalty "
              "your instructor takes off." if late_pass_counts else
              "a pass handed in after the due date does not count toward completion; your instructor may also take "
              "off a late penalty.")
    return counts


class LateNoticeSubmit(ExchangeSubmit):
    """nbgrader's ``ExchangeSubmit``, with a warning when the submission is after the syllabus's due date."""

    def copy_files(self) -> None:
        super().copy_files()  # the submission is made first, whatever follows
        try:
            submitted = parse_utc(self.timestamp).replace(tzinfo=UTC)
            due, policy = due_date_of(self.coursedir.assignment_id)
            notice = late_notice(submitted, due, policy)
        except Exception as error:  # a missing or broken syllabus: no notice, never a failed submission
            self.log.debug("No late check for %s: %r", self.coursedir.assignment_id, error)
            return
        if notice:
            self.log.warning(notice)
