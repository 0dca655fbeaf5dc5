"""The revisions, oldest first (alembic reads every ``m*.py`` here; it skips this file)."""
