"""The columns later releases added with ALTER TABLE: drift detection, late policies, re-issued certificates.

Releases before migrations added these when a command next opened the table, each on its own,
so a table they left may have some of them already: only the missing ones are added.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

#: table -> the columns this revision adds
ADDED: dict[str, tuple[tuple[str, sa.types.TypeEngine[Any]], ...]] = {
    # solutions/<assignment> as it was when graded; the late-penalty plugin it was graded under
    "mlteam_grading_outcome": (("source_fingerprint", sa.Text()), ("late_policy", sa.Text())),
    # the learner's next code (a changed statement)
    "mlteam_certificate": (("replaced_by", sa.String(40)),),
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns in ADDED.items():
        present = {column["name"] for column in inspector.get_columns(table)}
        for name, type_ in columns:
            if name not in present:
                op.add_column(table, sa.Column(name, type_))


def downgrade() -> None:
    for table, columns in ADDED.items():
        with op.batch_alter_table(table) as batch:  # SQLite drops a column by copying the table
            for name, _type in columns:
                batch.drop_column(name)
