"""nbgrader refusing to change an assignment that learners have submitted.

``generate_assignment`` on an assignment already in the gradebook compares its notebooks
with the gradebook's; when notebooks were added or removed and the assignment has
submissions, nbgrader (0.9.x, ``GenerateAssignment._clean_old_notebooks``) logs and
raises ``NbGraderException`` with the message below. ``NbGraderException`` is what
nbgrader raises for most failures, so only its message tells this one apart: the
message is kept here, once, and the contract test makes nbgrader raise it on the
installed version (a tmp course, a submission, a notebook added).

>>> from nbgrader.converters import NbGraderException
>>> blocked_by_submissions([NbGraderException(f"Cannot modify existing assignment 'ex01' {HAS_SUBMISSIONS}")])
True
>>> blocked_by_submissions([RuntimeError(HAS_SUBMISSIONS)])
False
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["HAS_SUBMISSIONS", "blocked_by_submissions"]

#: The part of nbgrader's message that names this condition.
HAS_SUBMISSIONS = "because there are submissions associated with it"


def blocked_by_submissions(exceptions: Iterable[BaseException]) -> bool:
    """Whether nbgrader refused to change an assignment's notebooks because it has submissions."""
    from nbgrader.converters import NbGraderException

    return any(isinstance(error, NbGraderException) and HAS_SUBMISSIONS in str(error) for error in exceptions)
