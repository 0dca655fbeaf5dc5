"""Alembic's environment: migrates the connection it is handed, inside that connection's transaction.

Alembic runs this file (``command.upgrade`` in :mod:`mlteam_utils.cohort.project_tables`);
nothing imports it. The connection comes in ``config.attributes["connection"]``, already in a
transaction, so alembic neither commits nor opens one of its own: the caller's transaction
(and on PostgreSQL the advisory lock it holds) covers the whole migration.
"""

from alembic import context

from mlteam_utils.cohort.project_tables import VERSION_TABLE

_connection = context.config.attributes.get("connection")
if _connection is None:  # `alembic upgrade` from a shell, or --sql: not how these run
    raise RuntimeError("the course's migrations run through mlteam_utils.cohort.project_tables.ensure_project_tables")
context.configure(connection=_connection, version_table=VERSION_TABLE, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
