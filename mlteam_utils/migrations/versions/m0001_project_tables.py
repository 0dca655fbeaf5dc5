"""The course's tables as releases before migrations first created them (before any ALTER TABLE).

Those releases created each table lazily, when first used (the outcome and source tables
when grading, the feedback tables with the first feedback, the certificate tables with the
first certificate), so a gradebook they made holds any subset of them: this revision creates
only the tables that are missing. (A gradebook holding all of them is stamped instead:
:func:`mlteam_utils.cohort.project_tables.legacy_revision`.)

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

TABLES = (
    "mlteam_grading_outcome", "mlteam_assignment_source", "mlteam_feedback_source", "mlteam_released_feedback",
    "mlteam_certificate", "mlteam_certificate_file",
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def create(name: str, *columns: sa.Column[object]) -> None:
        if name not in existing:
            op.create_table(name, *columns)

    # cohort/gradebook_merge.py: what the last `grade` recorded per submission, and where the cells came from.
    create(
        "mlteam_grading_outcome",
        sa.Column("student", sa.Text, primary_key=True),
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("max_score", sa.Float),
        sa.Column("needs_manual_grade", sa.Integer, nullable=False, server_default="0"),
        sa.Column("graded_at", sa.Text, nullable=False),
    )
    create(
        "mlteam_assignment_source",
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
    )
    # cohort/feedback_state.py: digests of feedback pages, and the pages released.
    create(
        "mlteam_feedback_source",
        sa.Column("student", sa.Text, primary_key=True),
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("digest", sa.Text, nullable=False),
    )
    create(
        "mlteam_released_feedback",
        sa.Column("student", sa.Text, primary_key=True),
        sa.Column("assignment", sa.Text, primary_key=True),
        sa.Column("checksum", sa.Text, primary_key=True),
    )
    # certificates/registry.py: issued certificates and the fingerprints of their PDFs.
    create(
        "mlteam_certificate",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
    )
    create(
        "mlteam_certificate_file",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("issued_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
