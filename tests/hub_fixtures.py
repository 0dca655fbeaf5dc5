"""The course's JupyterHub (deploy/jupyterhub) for tests and benchmarks, with real Unix users.

:func:`start_course_hub` builds a whole site in one temporary folder and starts the hub on
it with ``deploy/jupyterhub/jupyterhub_config.py``, the file a real site runs:

- real Unix users (``useradd``, unique names per run, homes in the temporary folder, mode
  0700 as the README's ``useradd`` makes them): a grader account that runs the formgrader
  service, instructors and learners; removed by :meth:`CourseHub.stop` (their processes
  ended by id first), also when a test fails;
- the course laid out as deploy/jupyterhub/README.md tells a site to: a private repository
  of this working tree (:func:`private_repository`, the grader's), then ``make hub-course``
  (:func:`lay_out_course`): the grader's clone, closed to every other user, with the site's
  ``course/nbgrader_site_config.py``, and the learners' copy beside it;
- nbgrader's exchange root, mode 1777 as nbgrader's docs ask;
- the gradebook: given a cluster of tests/postgres_cluster.py, a PostgreSQL database of its
  own, owned by a login role named after the grader account, reached the way
  deploy/jupyterhub/README.md tells a site to: over TCP on 127.0.0.1 (``scram-sha-256``),
  the password only in the grader's ``~/.pgpass`` (mode 0600), never in the site's settings
  (``db_url`` names no password). Learners reach no database: the cluster's socket folder is
  closed to them and TCP asks a password they do not have. Without a cluster (the
  benchmark), an SQLite file in a folder only the grader can enter;
- the hub's state (its database, cookie secret, proxy pid) in the temporary folder; the hub
  on 127.0.0.1 at free ports, its proxy (configurable-http-proxy) started by the hub.

The course's Python environment must be usable by those users. Here the interpreter may live
under a folder only root can enter (``/root/.pyenv``): each test user is given the right to
*traverse* (not list) the folders on the way, with a POSIX ACL (``setfacl``), taken back at
the end. A site installs the environment where every user can read it.

Requires root, JupyterHub (the ``hub`` extra), configurable-http-proxy (``make install-hub``),
``setfacl`` (Debian's ``acl``). :func:`missing_parts` lists what is absent.

No side effects at import.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from postgres_cluster import PostgresCluster

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = REPO_ROOT / "deploy" / "jupyterhub"
HUB_CONFIG = DEPLOY / "jupyterhub_config.py"
BIN_DIR = Path(sys.executable).parent
#: Where `make install-hub` (and .ci/run) installs configurable-http-proxy from npm.
LOCAL_PROXY = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
HOW_TO_INSTALL = ("run as root, with `make install-hub` (JupyterHub from PyPI, configurable-http-proxy from npm) "
                  "and `apt-get install acl`")
COURSE_ID = "mlteam-onboarding"


def proxy_command() -> str | None:
    """configurable-http-proxy: the project's own (`make install-hub`), else one on PATH."""
    if LOCAL_PROXY.is_file():
        return str(LOCAL_PROXY)
    return shutil.which("configurable-http-proxy")


def missing_parts() -> list[str]:
    """What a test hub needs and this machine lacks (empty when everything is there)."""
    import importlib.util

    missing = []
    if os.geteuid() != 0:
        missing.append("root (the hub starts each learner's server as their own Unix user)")
    if importlib.util.find_spec("jupyterhub") is None:
        missing.append("JupyterHub")
    if proxy_command() is None:
        missing.append("configurable-http-proxy")
    for program in ("useradd", "userdel", "runuser", "setfacl"):
        if shutil.which(program) is None:
            missing.append(program)
    return missing


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------- Unix users


@dataclass
class UnixUsers:
    """Users made for one run; :meth:`remove` ends their processes and deletes them."""

    homes: Path
    names: list[str] = field(default_factory=list)
    acl_folders: list[Path] = field(default_factory=list)
    #: Folders that had no ACL before this run: their ACL is removed whole at the end.
    plain_folders: list[Path] = field(default_factory=list)

    def add(self, name: str) -> str:
        home = self.homes / name
        # HOME_MODE=0700, as deploy/jupyterhub/README.md creates users: a home is its user's alone.
        subprocess.run(["useradd", "--create-home", "-K", "HOME_MODE=0700", "--home-dir", str(home), "--shell", "/bin/sh",
                        "--user-group", name], check=True, capture_output=True, text=True, timeout=60)
        self.names.append(name)
        for folder in self.acl_folders:
            _grant_traverse(folder, name)
        return name

    def grant_traverse(self, folders: Iterable[Path]) -> None:
        """Let every user of this run (and those added later) pass through ``folders``."""
        for folder in folders:
            self.acl_folders.append(folder)
            listed = subprocess.run(["getfacl", "--omit-header", "--skip-base", str(folder)], capture_output=True, text=True)
            if listed.returncode == 0 and not listed.stdout.strip():
                self.plain_folders.append(folder)
            for name in self.names:
                _grant_traverse(folder, name)

    def uid(self, name: str) -> int:
        return pwd.getpwnam(name).pw_uid

    def run_as(self, name: str, command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
               timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run ``command`` as ``name`` (``runuser``), with HOME and USER of that user."""
        home = pwd.getpwnam(name).pw_dir
        environment = {"HOME": home, "USER": name, "LOGNAME": name, "PATH": f"{BIN_DIR}:/usr/local/bin:/usr/bin:/bin",
                       "LANG": "C.UTF-8", **(env or {})}
        return subprocess.run(["runuser", "-u", name, "--", "env", "-i", *[f"{k}={v}" for k, v in environment.items()],
                               *command], cwd=cwd or home, capture_output=True, text=True, errors="replace",
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)

    def end_processes(self) -> None:
        """End every process these users run (by process id), then wait for them."""
        import psutil

        uids = set()
        for name in self.names:
            with contextlib.suppress(KeyError):
                uids.add(self.uid(name))
        for sig in (signal.SIGTERM, signal.SIGKILL):
            found = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in uids]
            for process in found:
                with contextlib.suppress(psutil.Error):
                    process.send_signal(sig)
            psutil.wait_procs(found, timeout=5)

    def remove(self) -> None:
        self.end_processes()
        for name in self.names:
            for folder in self.acl_folders:
                subprocess.run(["setfacl", "-x", f"u:{name}", str(folder)], capture_output=True, check=False)
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True, check=False, timeout=60)
            with contextlib.suppress(KeyError):
                grp.getgrnam(name)
                subprocess.run(["groupdel", name], capture_output=True, check=False)
        self.names.clear()
        for folder in self.plain_folders:
            subprocess.run(["setfacl", "--remove-all", str(folder)], capture_output=True, check=False)


def _grant_traverse(folder: Path, name: str) -> None:
    subprocess.run(["setfacl", "-m", f"u:{name}:--x", str(folder)], check=True, capture_output=True, text=True)


def closed_ancestors(*paths: Path) -> list[Path]:
    """Folders on the way to ``paths`` that other users may not pass through (no o+x).

    >>> closed_ancestors(Path("/tmp"))
    []
    """
    closed: list[Path] = []
    for path in paths:
        for folder in [*reversed(path.resolve().parents), path.resolve()]:
            if folder.is_dir() and not os.stat(folder).st_mode & 0o001 and folder not in closed:
                closed.append(folder)
    return closed


# --------------------------------------------------------------------------- the site


@dataclass
class CourseHub:
    """A running course hub and what it was built from."""

    base: Path
    users: UnixUsers
    grader: str
    instructors: list[str]
    learners: list[str]
    password: str
    course: Path
    exchange: Path
    db_url: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = Path()
    #: The PostgreSQL cluster holding the gradebook's database (None: an SQLite gradebook).
    postgres: PostgresCluster | None = None
    #: That database's name; its owner role is named after :attr:`grader`.
    database: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def as_grader(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """A command the instructor types in the grader's terminal, in the course folder."""
        return self.users.run_as(self.grader, list(args), cwd=self.course, timeout=timeout)

    def stop(self) -> None:
        """Stop the hub (it stops its proxy, the service and the servers), then remove the users."""
        try:
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
            # The proxy runs in the hub's process group; a leftover one is ended by its pid file.
            pid_file = self.base / "hub-state" / "jupyterhub-proxy.pid"
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        finally:
            try:
                self.users.remove()
            finally:
                try:
                    if self.postgres is not None and self.database:
                        self.postgres.drop(database=self.database, role=self.grader)
                finally:
                    shutil.rmtree(self.base, ignore_errors=True)


def private_repository(folder: Path, owner: str, source: Path = REPO_ROOT) -> Path:
    """The course's private repository as a site keeps it: a bare repository that ``owner`` clones.

    It holds this working tree as one commit (the files git tracks or would track, as they
    are now, so a test sees uncommitted changes too), ``solutions/`` and ``tests/fixtures/``
    included, like the real one. ``folder`` (created, mode 0700) becomes ``owner``'s.
    """
    listed = subprocess.run(["git", "-C", str(source), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout
    work = Path(tempfile.mkdtemp(prefix="mlteam-repo-"))
    try:
        for name in sorted(set(filter(None, listed.split("\0")))):
            origin = source / name
            if origin.is_file() and not origin.is_symlink():  # a file deleted but not yet committed is left out
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, work / name)
        git = ["git", "-c", "user.name=mlteam tests", "-c", "user.email=tests@example.invalid", "-c", "init.defaultBranch=main"]
        for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "--no-gpg-sign", "-m", "the course"]):
            subprocess.run([*git, *command], cwd=work, capture_output=True, text=True, check=True)
        folder.mkdir(mode=0o700, parents=True)
        bare = folder / "mlteam-course.git"
        subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], capture_output=True, text=True, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["chown", "-R", f"{owner}:{owner}", str(folder)], check=True)
    return bare


def lay_out_course(make_dir: Path, course: Path, grader: str, repo: Path, settings: Path | None = None,
                   extra: Iterable[str] = ()) -> subprocess.CompletedProcess[str]:
    """``make hub-course COURSE_DIR=… GRADER=… REPO=… [HUB_SETTINGS=…]`` run in ``make_dir``, as the README says."""
    command = ["make", "--no-print-directory", "-C", str(make_dir), "hub-course", f"COURSE_DIR={course}",
               f"GRADER={grader}", f"REPO={repo}", *([f"HUB_SETTINGS={settings}"] if settings else []), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)


def write_site_settings(path: Path, settings: dict[str, object]) -> Path:
    """A site's settings file (``/etc/mlteam/hub.toml``), mode 0600: root's alone.

    >>> folder = Path(tempfile.mkdtemp())
    >>> print(write_site_settings(folder / "hub.toml", {"port": 8000, "learners": ["a", "b"]}).read_text())
    port = 8000
    learners = ["a", "b"]
    <BLANKLINE>
    >>> oct((folder / "hub.toml").stat().st_mode & 0o777)
    '0o600'
    >>> shutil.rmtree(folder)
    """
    import json

    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    return path


def prepare_course(hub: CourseHub) -> None:
    """The course as a site lays it out: ``make hub-course`` from the grader's private repository."""
    repo = private_repository(hub.base / "private", hub.grader)
    settings = write_site_settings(hub.base / "hub.toml", {
        "course_root": str(hub.course), "grader_user": hub.grader, "course_id": COURSE_ID,
        "exchange_root": str(hub.exchange), "db_url": hub.db_url,
    })
    laid_out = lay_out_course(REPO_ROOT, hub.course, hub.grader, repo, settings)
    if laid_out.returncode != 0:
        raise RuntimeError(f"make hub-course failed:\n{laid_out.stdout}{laid_out.stderr}")


def hub_environment(hub: CourseHub, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The hub's settings as deploy/jupyterhub/hub_settings.py reads them (MLTEAM_HUB_*)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MLTEAM_", "JUPYTER"))}
    env.update({
        "MLTEAM_HUB_COURSE_ROOT": str(hub.course),
        "MLTEAM_HUB_COURSE_ID": COURSE_ID,
        "MLTEAM_HUB_GRADER_USER": hub.grader,
        "MLTEAM_HUB_INSTRUCTORS": ",".join(hub.instructors),
        "MLTEAM_HUB_LEARNERS": ",".join(hub.learners),
        "MLTEAM_HUB_EXCHANGE_ROOT": str(hub.exchange),
        "MLTEAM_HUB_DB_URL": hub.db_url,
        # Test only: JupyterHub's DummyAuthenticator, one password for the allowed names.
        "MLTEAM_HUB_AUTHENTICATOR": "dummy",
        "MLTEAM_HUB_TEST_PASSWORD": hub.password,
        "MLTEAM_HUB_STATE_DIR": str(hub.base / "hub-state"),
        "MLTEAM_HUB_PORT": str(hub.port),
        "MLTEAM_HUB_HUB_PORT": str(free_port()),
        "MLTEAM_HUB_PROXY_API_PORT": str(free_port()),
        "MLTEAM_HUB_SERVICE_PORT": str(free_port()),
        "MLTEAM_HUB_BIN_DIR": str(BIN_DIR),
        "MLTEAM_HUB_PROXY_COMMAND": proxy_command() or "configurable-http-proxy",
        "PATH": f"{BIN_DIR}:{env.get('PATH', '/usr/bin:/bin')}",
    })
    env.update(extra or {})
    return env


def start_course_hub(learners: int = 2, instructors: int = 1, postgres: PostgresCluster | None = None,
                     timeout: float = 90) -> CourseHub:
    """Build a site in a new temporary folder and start the hub; the caller calls :meth:`CourseHub.stop`.

    ``postgres``: a running test cluster, which then holds the gradebook (:func:`grader_database`);
    without it the gradebook is an SQLite file in a folder only the grader can enter.
    """
    base = Path(tempfile.mkdtemp(prefix="mlteam-hub-"))
    base.chmod(0o755)  # the users' homes, the course and the exchange are inside
    (base / "homes").mkdir(mode=0o755)
    tag = secrets.token_hex(3)  # unique names per run: parallel runs and leftovers never collide
    users = UnixUsers(base / "homes")
    hub = CourseHub(
        base=base, users=users, grader=f"mlt{tag}-grader",
        instructors=[f"mlt{tag}-teach{n}" for n in range(1, instructors + 1)],
        learners=[f"mlt{tag}-learn{n}" for n in range(1, learners + 1)],
        password=secrets.token_urlsafe(12), course=base / "course", exchange=base / "exchange",
        db_url=f"sqlite:///{base / 'grader-private' / 'gradebook.db'}", port=free_port(),
        postgres=postgres, database=f"mlteam_hub_{tag}" if postgres is not None else "",
    )
    try:
        users.grant_traverse(closed_ancestors(Path(sys.executable), REPO_ROOT))
        for name in [hub.grader, *hub.instructors, *hub.learners]:
            users.add(name)
        hub.exchange.mkdir()
        hub.exchange.chmod(0o1777)  # nbgrader's docs: every learner writes, the sticky bit guards
        private = base / "grader-private"
        private.mkdir(mode=0o700)
        shutil.chown(private, hub.grader, hub.grader)
        if postgres is not None:
            hub.db_url = grader_database(hub, postgres)
        (base / "hub-state").mkdir(mode=0o700)
        prepare_course(hub)
        hub.log_path = base / "jupyterhub.log"
        with hub.log_path.open("wb") as log:
            hub.process = subprocess.Popen(
                [str(BIN_DIR / "jupyterhub"), "-f", str(HUB_CONFIG)], cwd=base / "hub-state", env=hub_environment(hub),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for_hub(hub, timeout)
    except BaseException:
        hub.stop()
        raise
    return hub


def grader_database(hub: CourseHub, postgres: PostgresCluster) -> str:
    """The grader's gradebook database, as a site sets it up; its ``db_url``, which holds no password.

    A login role named after the grader account owns a fresh database (so nbgrader may create
    its tables); its password goes only into the grader's ``~/.pgpass``, mode 0600 and owned
    by the grader, where libpq (psycopg) finds it for ``mlteam-course``, ``nbgrader`` and the
    formgrader service alike (all run as the grader, with its home).
    """
    return login_database(hub.grader, hub.database, postgres)


def login_database(grader: str, database: str, postgres: PostgresCluster) -> str:
    """:func:`grader_database` for any Unix user ``grader``: its role, its database, its ``~/.pgpass``; the ``db_url``."""
    password = secrets.token_urlsafe(18)  # URL-safe: no ':' or backslash, which .pgpass would need escaped
    postgres.create_role(grader, password)
    postgres.create_database(database, owner=grader)
    account = pwd.getpwnam(grader)
    pgpass = Path(account.pw_dir) / ".pgpass"
    # Made 0600 before the password is written: never readable by anyone else, not even briefly.
    descriptor = os.open(pgpass, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(f"{postgres.host}:{postgres.port}:{database}:{grader}:{password}\n")
    os.chown(pgpass, account.pw_uid, account.pw_gid)
    return f"postgresql+psycopg://{grader}@{postgres.host}:{postgres.port}/{database}"


def wait_for_hub(hub: CourseHub, timeout: float) -> None:
    """Wait until the hub has started its proxy and services and answers through the proxy."""
    deadline = time.monotonic() + timeout
    while True:
        assert hub.process is not None
        if hub.process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {hub.process.returncode}:\n{hub.log_tail()}")
        if "JupyterHub is now running" in hub.log_tail(200):
            with contextlib.suppress(urllib.error.URLError, OSError), \
                    urllib.request.urlopen(f"{hub.url}/hub/api/", timeout=2) as response:
                if response.status == 200:
                    return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the hub did not come up within {timeout:.0f} s:\n{hub.log_tail()}")
        time.sleep(0.5)


# --------------------------------------------------------------------------- a user, by HTTP


class HubSession:
    """One user's browser-less visit: the hub's login form, their server, its REST API and a kernel.

    What a hostile learner can do with a script instead of a browser.
    """

    def __init__(self, hub: CourseHub, name: str) -> None:
        import requests

        self.hub, self.name = hub, name
        self.session = requests.Session()

    def login(self) -> int:
        """Log in through the hub's own form; the status of the page it lands on."""
        import re

        form = self.session.get(f"{self.hub.url}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        assert xsrf, f"no _xsrf field in the hub's login page: {form.text[:500]}"
        landed = self.session.post(f"{self.hub.url}/hub/login?next=", timeout=60,
                                   data={"username": self.name, "password": self.hub.password, "_xsrf": xsrf.group(1)})
        return landed.status_code

    def get(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.session.get(f"{self.hub.url}{path}", timeout=60, **kwargs)  # type: ignore[arg-type]

    def open_course_page(self, timeout: float = 120) -> None:
        """Wait until this user's server shows the course start page (spawning it on the way)."""
        deadline = time.monotonic() + timeout
        while True:
            page = self.get(f"/user/{self.name}/lab/tree/course/index.ipynb")
            if page.status_code == 200 and page.url.endswith("/lab/tree/course/index.ipynb"):
                notebook = self.api("GET", "contents/course/index.ipynb?content=0")
                if notebook.status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}'s course page: {page.status_code} {page.url}\n{self.hub.log_tail()}")
            time.sleep(0.25)

    def xsrf(self) -> str:
        return self.session.cookies.get("_xsrf", path=f"/user/{self.name}/") or ""

    def api(self, method: str, path: str, server: str | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        """A request to a server's REST API (``/user/<server>/api/<path>``; default: one's own)."""
        owner = server or self.name
        return self.session.request(method, f"{self.hub.url}/user/{owner}/api/{path}", timeout=60,
                                    headers={"X-XSRFToken": self.xsrf()}, **kwargs)  # type: ignore[arg-type]

    def run_in_terminal(self, command: str, server_path: str | None = None, timeout: float = 60) -> str:
        """Type ``command`` in a new JupyterLab terminal of a server; what the terminal showed.

        ``server_path``: the server's prefix, ``/user/<name>`` (default: one's own) or
        ``/services/<course>`` (the grader's service, reached through the hub's OAuth). The terminal
        is the one Lab opens (``POST api/terminals``, terminado's websocket protocol); the command's
        output is read up to a marker the command prints once it is done, and the terminal is closed.
        """
        import asyncio
        import concurrent.futures
        import json
        import re

        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        prefix = server_path or f"/user/{self.name}"
        landed = self.get(f"{prefix}/lab", allow_redirects=True)  # the server's OAuth cookie, for a service
        assert landed.status_code == 200, (prefix, landed.status_code, landed.url)
        xsrf = self.session.cookies.get("_xsrf", path=f"{prefix}/") or ""
        created = self.session.post(f"{self.hub.url}{prefix}/api/terminals", timeout=60, headers={"X-XSRFToken": xsrf})
        assert created.status_code == 200, (created.status_code, created.text)
        name = created.json()["name"]
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies if c.path in ("/", f"{prefix}/"))
        url = f"ws://127.0.0.1:{self.hub.port}{prefix}/terminals/websocket/{name}"
        marker = f"done-{secrets.token_hex(4)}"

        async def converse() -> str:
            connection = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookies}))
            # The marker is split in the typed line, so only the command's own output shows it whole.
            half = len(marker) // 2
            await connection.write_message(json.dumps(
                ["stdin", f"{command}; echo '{marker[:half]}''{marker[half:]}'\r"]))
            shown = []
            while marker not in "".join(shown):
                raw = await asyncio.wait_for(connection.read_message(), timeout)
                if raw is None:
                    break
                kind, *content = json.loads(raw)
                if kind == "stdout":
                    shown.append(str(content[0]))
            connection.close()
            # Without the terminal's control sequences (bash's bracketed paste, colours, titles) and carriage returns.
            return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r", "", "".join(shown))

        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:  # see run_code
                return thread.submit(asyncio.run, converse()).result()
        finally:
            self.session.delete(f"{self.hub.url}{prefix}/api/terminals/{name}", timeout=60, headers={"X-XSRFToken": xsrf})

    def run_code(self, code: str, timeout: float = 60) -> str:
        """Run ``code`` in a new kernel of one's own server; its stdout and error text."""
        import asyncio
        import concurrent.futures
        import json
        import uuid

        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        kernel = self.api("POST", "kernels", json={"name": "python3"})
        assert kernel.status_code == 201, kernel.text
        kernel_id = kernel.json()["id"]
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies if c.path in ("/", f"/user/{self.name}/"))
        url = f"ws://127.0.0.1:{self.hub.port}/user/{self.name}/api/kernels/{kernel_id}/channels"

        async def execute() -> str:
            connection = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookies}))
            msg_id = uuid.uuid4().hex
            await connection.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name, "session": msg_id,
                           "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True},
            }))
            texts = []
            while True:
                raw = await asyncio.wait_for(connection.read_message(), timeout)
                if raw is None:
                    break
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    texts.append(content["text"])
                elif kind == "error":
                    texts.append(f"{content['ename']}: {content['evalue']}")
                elif kind == "status" and content["execution_state"] == "idle":
                    break
            connection.close()
            return "".join(texts)

        try:
            # A thread of its own: Playwright's sync API keeps an event loop running in this
            # one, where asyncio.run() refuses to start (the browser test runs first).
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
                return thread.submit(asyncio.run, execute()).result()
        finally:
            self.api("DELETE", f"kernels/{kernel_id}")
