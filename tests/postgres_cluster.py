"""A throwaway PostgreSQL cluster for tests: Debian's server, started in a temporary folder.

The session-scoped fixture :func:`postgres_cluster` runs ``initdb`` into a fresh temporary
folder, starts the server on a Unix socket in that folder and on ``127.0.0.1`` at a free
port, and at the end of the session stops it (``pg_ctl stop -m fast``) and removes the
folder. No service is started or touched: the machine's own clusters (if any) are not used.

``initdb`` refuses to run as root, so under root every server command runs as the
``postgres`` user (``runuser -u postgres``) and the folder is handed to that user; as any
other user the commands run as that user.

Each call of :meth:`PostgresCluster.url` creates a fresh database and returns an SQLAlchemy
URL for it (the form nbgrader's ``db_url`` takes)::

    def test_something(postgres_cluster):
        db_url = postgres_cluster.url()                # over the Unix socket, no password (root or the server user)
        db_url = postgres_cluster.url(tcp=True)        # 127.0.0.1:port, with the password

Who can reach it: the socket trusts whoever can open it, and only the server's user (and
root) can: the cluster's folder and its socket folder are mode 0700, owned by the server's
user. So other Unix users (the JupyterHub test's learners) have TCP alone, where every role
needs its password (``scram-sha-256``) and a wrong or missing one really fails.
:meth:`PostgresCluster.create_role` adds such a login role, e.g. a grader's account that
keeps its password in a ``~/.pgpass`` of its own (tests/hub_fixtures.py).

This module imports nothing optional: it is safe to import where PostgreSQL or psycopg is
absent; the fixture then skips with the install command (fails under ``CI=true``).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # psycopg is optional: imported only once a cluster runs
    from psycopg.sql import Composed

HOW_TO_INSTALL = "apt-get install postgresql (the server binaries) and pip install -e '.[postgres]' (psycopg)"
SERVER_USER = "postgres"
SUPERUSER = "postgres"


def server_bin_dir() -> Path | None:
    """Debian's PostgreSQL binaries (the newest installed major version), or None.

    ``/usr/local/bin/initdb`` and ``pg_ctl`` on this machine are links into this folder;
    Debian puts the server's programs under ``/usr/lib/postgresql/<major>/bin``.
    """
    candidates = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file() and folder.parent.name.isdigit():
            candidates.append(folder)
    if candidates:
        return max(candidates, key=lambda folder: int(folder.parent.name))
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path and shutil.which("pg_ctl") else None


def missing_parts() -> list[str]:
    """What a test cluster would need and this machine lacks (empty when all is there)."""
    missing = []
    if server_bin_dir() is None:
        missing.append("the PostgreSQL server (initdb, pg_ctl)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            missing.append(f"the '{SERVER_USER}' user (running as root, initdb must run as another user)")
        if shutil.which("runuser") is None:
            missing.append("runuser")
    if importlib.util.find_spec("psycopg") is None:
        missing.append("psycopg")
    return missing


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: Sequence[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class PostgresCluster:
    """A running throwaway cluster: where it listens and how to reach it."""

    base: Path
    bin_dir: Path
    port: int
    password: str
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        """The folder holding the server's socket, ``.s.PGSQL.<port>``."""
        return self.base / "socket"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str | None = None, *, tcp: bool = False, password: str | None = None) -> str:
        """Create a fresh database and return its SQLAlchemy URL (``postgresql+psycopg://``).

        ``database`` names it (it must not exist yet); by default a new name is made.
        Over the socket (default) no password is asked; ``tcp=True`` connects to
        ``127.0.0.1:port`` with the superuser's password (or ``password``, to test a
        wrong one).
        """
        name = database or f"mlteam_test_{os.getpid()}_{next(self._names)}"
        self.create_database(name)
        return self.url_of(name, tcp=tcp, password=password)

    def url_of(self, database: str, *, tcp: bool = False, password: str | None = None) -> str:
        """The URL of an existing database (see :meth:`url`), creating nothing."""
        if tcp:
            secret = self.password if password is None else password
            return f"postgresql+psycopg://{self.user}:{secret}@{self.host}:{self.port}/{database}"
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def conninfo(self, database: str = "postgres") -> str:
        """A libpq connection string over the socket, for ``psycopg.connect``."""
        return f"host={self.socket_dir} port={self.port} user={self.user} dbname={database}"

    def create_database(self, name: str, owner: str | None = None) -> None:
        """An empty database; ``owner`` (a role) may then create nbgrader's tables in it."""
        from psycopg import sql

        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner is not None:
            statement = sql.SQL("{} OWNER {}").format(statement, sql.Identifier(owner))
        self._run_as_superuser(statement)

    def create_role(self, name: str, password: str) -> None:
        """A login role (not a superuser) that connects over TCP with ``password``."""
        from psycopg import sql

        self._run_as_superuser(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))

    def drop(self, *, database: str, role: str) -> None:
        """Remove a database (ending its sessions) and then its owner role, if they exist."""
        from psycopg import sql

        self._run_as_superuser(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        self._run_as_superuser(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    def _run_as_superuser(self, statement: Composed) -> None:
        import psycopg  # optional: imported only once a cluster runs

        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(statement)

    def stop(self) -> None:
        """Stop the server (fast: disconnect clients) and remove its folder."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                subprocess.run(
                    _as_server_user([str(self.bin_dir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(self.data_dir)]),
                    cwd=self.base,
                    capture_output=True,
                    timeout=60,
                    check=False,
                )
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """initdb a new cluster in a fresh temporary folder and start it; the caller stops it."""
    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL is not installed: {HOW_TO_INSTALL}")
    # A short path under /tmp: a socket's path must stay under about 100 characters,
    # and the server user must be able to reach it (pytest's tmp folders are 0700 root's).
    base = Path(tempfile.mkdtemp(prefix="mlteam-pg-"))
    cluster = PostgresCluster(base=base, bin_dir=bin_dir, port=free_port(), password=secrets.token_hex(12))
    try:
        cluster.socket_dir.mkdir()
        password_file = base / "password"
        password_file.write_text(cluster.password + "\n")
        # 0700: the socket trusts whoever opens it, so only the server's user (and root) may;
        # other Unix users (the hub test's learners) must come over TCP, with a password.
        for path in (base, cluster.socket_dir):
            path.chmod(0o700)
        password_file.chmod(0o600)
        if os.geteuid() == 0:
            server = pwd.getpwnam(SERVER_USER)
            for path in (base, cluster.socket_dir, password_file):
                os.chown(path, server.pw_uid, server.pw_gid)
        run = _as_server_user
        subprocess.run(
            run([
                str(bin_dir / "initdb"), "-D", str(cluster.data_dir), "-U", SUPERUSER, "--pwfile", str(password_file),
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ]),
            cwd=base, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        password_file.unlink()
        with (cluster.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {cluster.port}\n"
                f"unix_socket_directories = '{cluster.socket_dir}'\n"
                # A throwaway cluster: durability is not wanted, speed is.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        subprocess.run(
            run([str(bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(cluster.data_dir), "-l", str(cluster.log_file)]),
            cwd=base, capture_output=True, text=True, check=True, timeout=90,
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        log = cluster.log_file.read_text(errors="replace") if cluster.log_file.exists() else ""
        cluster.stop()
        raise RuntimeError(f"could not start a test PostgreSQL cluster: {error.stderr or ''}{log}") from error
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster for the whole session; skips (fails under CI=true) when absent."""
    from conftest import require_optional  # imported here: conftest imports this module

    missing = missing_parts()
    require_optional(not missing, "PostgreSQL for the tests (" + ", ".join(missing) + ")", HOW_TO_INSTALL)
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
