"""nbgrader's gradebook tables, as the cohort's merge reads and writes them row by row.

nbgrader's documented gradebook API (``nbgrader.api.Gradebook``) works one object at a
time through its ORM. Copying a graded submission between gradebooks in one transaction
(:mod:`mlteam_utils.cohort.gradebook_merge`) needs nbgrader's tables themselves:
``nbgrader.api.Base.metadata`` (SQLAlchemy's table definitions of nbgrader's models), the
names of its tables, and the columns of the rows that make up one submission. They are
named here, once; the contract tests in ``tests/test_upstream_contracts.py`` (and the full
schema pin in ``tests/test_gradebook_schema.py``) fail when nbgrader changes them.

>>> nbgrader_table("grade").name
'grade'
>>> [table.name for table in definition_tables()][:2]
['course', 'assignment']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["COPIED_COLUMNS", "definition_tables", "nbgrader_table"]

#: nbgrader's tables that hold one learner's submission, in the order rows are inserted
#: (parents first), with the columns the merge copies by name (pinned by
#: tests/test_gradebook_schema.py against the schema nbgrader creates).
COPIED_COLUMNS: dict[str, list[str]] = {
    "student": ["id", "first_name", "last_name", "email", "lms_user_id"],
    "submitted_assignment": ["id", "assignment_id", "student_id", "timestamp", "extension"],
    "submitted_notebook": ["id", "assignment_id", "notebook_id", "flagged", "late_submission_penalty"],
    "grade": ["id", "notebook_id", "cell_id", "auto_score", "manual_score", "extra_credit", "needs_manual_grade"],
    "comment": ["id", "notebook_id", "cell_id", "auto_comment", "manual_comment"],
}


def nbgrader_table(name: str) -> sa.Table:
    """nbgrader's table ``name`` (``nbgrader.api.Base.metadata.tables[name]``); ``KeyError`` when nbgrader has none."""
    from nbgrader.api import Base

    return Base.metadata.tables[name]


def definition_tables() -> list[sa.Table]:
    """nbgrader's tables that define the course (assignments, notebooks, cells, ...), parents first.

    Every table of nbgrader's schema except those of a learner's submission (:data:`COPIED_COLUMNS`).
    """
    from nbgrader.api import Base

    return [table for table in Base.metadata.sorted_tables if table.name not in COPIED_COLUMNS]
