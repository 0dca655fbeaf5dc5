"""The helpers of ``nbgrader.utils`` the course uses: a module nbgrader does not document as API.

Named here once, so that an nbgrader upgrade that moves or changes one breaks this module
and its contract test (``tests/test_upstream_contracts.py``), not the modules that use it.

* :func:`parse_utc`: nbgrader's reading of its own timestamps (``timestamp.txt``, the
  exchange's folder names), as naive UTC;
* :func:`is_grade`: whether a cell is a grade cell, by nbgrader's cell metadata;
* :func:`temp_attrs`: set attributes of an object for a ``with`` block (the course directory of a
  grading worker, per submission), as nbgrader's own apps do;
* :func:`feedback_page_name`: the name nbgrader's ``release_feedback`` gives a learner's
  feedback page in the exchange (``notebook_hash(secret=..., notebook_id=...)``).

>>> parse_utc("2026-11-02 12:00:00.000001 UTC")
datetime.datetime(2026, 11, 2, 12, 0, 0, 1)
>>> from nbformat.v4 import new_code_cell
>>> is_grade(new_code_cell(metadata={"nbgrader": {"grade": True, "grade_id": "q1"}})), is_grade(new_code_cell())
(True, False)
>>> len(feedback_page_name("0123abcd", "ex01"))
32
"""

from __future__ import annotations

from nbgrader.utils import is_grade, notebook_hash, parse_utc, temp_attrs

__all__ = ["feedback_page_name", "is_grade", "parse_utc", "temp_attrs"]


def feedback_page_name(secret: str, notebook: str) -> str:
    """The exchange's file name (without ``.html``) of the feedback page of ``notebook`` for the submission with ``secret``."""
    return str(notebook_hash(secret=secret, notebook_id=notebook))
