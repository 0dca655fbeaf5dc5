"""Verifiable one-page PDF certificates of completion (``mlteam-course certificate`` and ``verify``).

A certificate states a learner's name, the course, each required module with its
score and completion date, the course's completion date and who issued it (the
course, or "self-graded"). Its verification code is a keyed MAC over a canonical
form of exactly that statement (:mod:`~mlteam_utils.certificates.statement`), so a
changed word or score no longer matches its code. The key never leaves the
instructor's course folder (``course/certificate.key``, mode 0600) or, for a
self-learner, their own work area. Issued certificates are recorded in a table of
the course's gradebook (through SQLAlchemy: SQLite or PostgreSQL) or, self-graded,
in the learner's work area; :mod:`~mlteam_utils.certificates.verify` checks a
code, and a PDF's text, against that record and against the learner's grades now.
"""

from __future__ import annotations

__all__ = ["CertificateError", "CourseNotCompleted"]


class CertificateError(RuntimeError):
    """A certificate cannot be made or checked; the message says why and what to do."""


class CourseNotCompleted(CertificateError):
    """No certificate yet: the learner has not completed the course (nothing is wrong); the message lists what is left."""
