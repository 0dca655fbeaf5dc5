"""nbgrader's gradebook, made to outlive a PostgreSQL restart (for the formgrader).

Upstream, nbgrader 0.9.x (``nbgrader/api.py``, ``Gradebook.__init__``) builds its engine
with ``create_engine(db_url, echo=False, future=True)``: no ``pool_pre_ping``, and no
setting to ask for one. The formgrader keeps a single ``Gradebook`` for the server's life
(``BaseHandler.gradebook`` in ``nbgrader/server_extensions/formgrader/base.py`` creates it
on the first request and stores it in ``settings["nbgrader_gradebook"]``), and its read
handlers never commit, so its session keeps a connection checked out between requests.
When PostgreSQL restarts, that connection is dead: the next query fails, the session then
waits for a rollback that nobody issues, and every later page fails with
``PendingRollbackError`` until the formgrader itself is restarted.

:class:`ResilientGradebook` is nbgrader's ``Gradebook`` with:

* an engine created with ``pool_pre_ping=True``: a pooled connection is checked before use;
* a :class:`RecoveringSession`: a failed transaction is rolled back before the next
  statement, and a read that failed because the connection was lost runs once more on a
  fresh connection. A transaction that had written (flushed) is never replayed: its error
  is raised, as it would be without this class.

:func:`use_in_formgrader` makes the formgrader build a :class:`ResilientGradebook`; the
course's ``nbgrader_config.py``, which the formgrader loads when it starts, calls it. The contract test (``tests/test_upstream_contracts.py``)
fails when nbgrader changes what this relies on.

>>> from sqlalchemy import text
>>> engine = resilient_engine("sqlite://")
>>> with RecoveringSession(bind=engine) as session:
...     session.execute(text("SELECT 1")).scalar(), engine.pool._pre_ping
(1, True)
"""

from __future__ import annotations

from typing import Any

from nbgrader.api import Gradebook
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, scoped_session, sessionmaker

__all__ = [
    "FORMGRADER_MODULE",
    "RecoveringSession",
    "ResilientGradebook",
    "resilient_engine",
    "use_in_formgrader",
]

#: The module whose ``Gradebook`` name the formgrader's handlers call.
FORMGRADER_MODULE = "nbgrader.server_extensions.formgrader.base"


def resilient_engine(db_url: str) -> Engine:
    """nbgrader's engine settings, with connections checked before use."""
    return create_engine(db_url, echo=False, future=True, pool_pre_ping=True)


class RecoveringSession(Session):
    """A session that recovers from a lost connection instead of staying broken."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Whether the current transaction has flushed writes (then it is never replayed).
        self.wrote = False
        event.listen(self, "after_flush", self._after_flush)
        event.listen(self, "after_transaction_end", self._after_transaction_end)

    def _after_flush(self, _session: Session, _context: Any) -> None:
        self.wrote = True

    def _after_transaction_end(self, _session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.wrote = False

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:  # every ORM query and lazy load comes here
        transaction = self.get_transaction()
        if transaction is not None and not transaction.is_active:
            # An earlier statement failed (e.g. the server went away mid-request): start afresh
            # rather than answer PendingRollbackError to every later request.
            self.rollback()
        try:
            return super().execute(statement, *args, **kwargs)
        except DBAPIError as error:
            if not error.connection_invalidated or self.wrote or self.new or self.dirty or self.deleted:
                raise
            # Only reads were lost with the connection: run this one again on a fresh connection.
            self.rollback()
            return super().execute(statement, *args, **kwargs)


class ResilientGradebook(Gradebook):
    """nbgrader's ``Gradebook`` with :func:`resilient_engine` and :class:`RecoveringSession`."""

    engine: Engine
    db: scoped_session[Session]

    def __init__(self, db_url: str, course_id: str = "default_course", authenticator: Any = None) -> None:
        super().__init__(db_url, course_id, authenticator)
        # Upstream creates its engine and session in __init__ (and uses them there to create the
        # tables and the course): swap both for ours once it is done, and let its own go.
        self.db.remove()
        self.engine.dispose()
        self.engine = resilient_engine(db_url)
        self.db = scoped_session(sessionmaker(class_=RecoveringSession, autoflush=True, bind=self.engine, future=True))


def use_in_formgrader() -> None:
    """Make the formgrader's handlers build a :class:`ResilientGradebook`.

    Only the name the formgrader's ``BaseHandler`` calls is replaced: ``nbgrader.api.Gradebook``,
    which every other nbgrader command uses, stays upstream's. (Importing ``nbgrader.api``
    already imports the formgrader's module, so this costs no extra import.)
    """
    import importlib

    module: Any = importlib.import_module(FORMGRADER_MODULE)
    module.Gradebook = ResilientGradebook
