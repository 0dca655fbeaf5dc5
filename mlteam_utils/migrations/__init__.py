"""Alembic migrations of the course's own tables in the gradebook (``mlteam_*``, beside nbgrader's).

Run only through :func:`mlteam_utils.cohort.project_tables.ensure_project_tables`, which hands
alembic the gradebook's connection. Their version is kept in ``mlteam_alembic_version``;
nbgrader's own migrations keep theirs in ``alembic_version``, so neither ever sees the other's.

A new revision: ``versions/m000N_<what>.py`` with ``down_revision`` the current head, then
raise :data:`mlteam_utils.cohort.project_tables.HEAD_REVISION` to it (a test checks the two agree).
"""
