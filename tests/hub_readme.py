"""deploy/jupyterhub/README.md's "Start it on one machine (as root)" block, run as written.

:func:`start_readme_site` takes the block's one fenced ``bash`` block out of the README and runs
it, in order, in one root shell (``bash -eux``, started with umask 077: the block must not lean
on a lenient umask), in a temporary folder standing in for ``/``. The block itself says what is
replaced, and nothing else is:

- its six path variables (``: "${HUB_PREFIX:=/opt/mlteam}" ...``) are set to their README
  defaults under the temporary folder (:func:`path_defaults`);
- ``<the course's private repository>``: a bare repository of this working tree, root's,
  served by ``git daemon`` on 127.0.0.1 (a site's is remote: the grader clones it as itself,
  and git refuses a local repository another user owns);
- the user names ``grader-mlteam``, ``ada``, ``grace``, ``linus``: names of this run's own,
  removed afterwards (:class:`hub_fixtures.UnixUsers`);
- ``useradd --create-home``: with ``--base-dir``, the homes in the temporary folder;
- ``deploy/jupyterhub/settings.example.toml``: the same settings with its paths moved into the
  temporary folder, the user names above and free ports (:func:`site_settings`).

The temporary folder's ``root/`` (mode 0700) and ``home/`` stand in for the machine's own.
Then it waits for the hub's login page: ``GET /hub/login`` answers 200 with the login form.
Used by tests/test_hub_layout.py and ``python -m benchmarks hub_readme``. No side effects at import.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hub_fixtures import REPO_ROOT, UnixUsers, free_port, private_repository, write_site_settings

README = REPO_ROOT / "deploy" / "jupyterhub" / "README.md"
HEADING = "## Start it on one machine (as root)"
SETTINGS_EXAMPLE = "deploy/jupyterhub/settings.example.toml"
REPOSITORY = "<the course's private repository>"
#: The README's user names, in the order the block makes them.
README_USERS = ("grader-mlteam", "ada", "grace", "linus")
USERADD = "useradd --create-home"


def root_environment() -> dict[str, str]:
    """Root's environment as a root shell has it: this process's, without its Python environment.

    The machine's own settings stay (package indexes, certificate authorities: npm and pip
    need them); the test's venv leaves PATH, so ``python3`` is the machine's, and no
    ``MLTEAM_*`` or ``JUPYTER*`` setting of the test reaches the block.
    """
    import sys

    venv = Path(sys.prefix)
    path = [entry for entry in os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(os.pathsep)
            if entry and venv not in Path(entry).parents and Path(entry) != venv]
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("MLTEAM_", "JUPYTER", "VIRTUAL_ENV", "PYTHON", "PYTEST", "COV_"))}
    return {**environment, "PATH": os.pathsep.join(path)}


def readme_block(text: str) -> str:
    """The one fenced ``bash`` (or ``sh``) block under :data:`HEADING`.

    >>> readme_block("## Start it on one machine (as root)\\n\\ntext\\n```bash\\nmake hub\\n```\\n## Next\\n")
    'make hub\\n'
    """
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(?:bash|sh)\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, f"{HEADING!r} must hold exactly one fenced bash block, not {len(blocks)}"
    return str(blocks[0])


def path_defaults(block: str) -> dict[str, str]:
    """The block's path variables and their defaults, from its ``: "${NAME:=default}"`` lines.

    >>> path_defaults(': "${HUB_PREFIX:=/opt/mlteam}" "${STATE_DIR:=/srv/jupyterhub}"\\nmake hub\\n')
    {'HUB_PREFIX': '/opt/mlteam', 'STATE_DIR': '/srv/jupyterhub'}
    """
    return dict(re.findall(r'"\$\{([A-Z_]+):=([^}"]+)\}"', block))


def substitute(block: str, repository: str, users: Mapping[str, str], home_base: Path, settings: Path) -> str:
    """The block with the README's placeholders replaced (see the module's docstring); each must be there.

    >>> substitute("git clone <the course's private repository> x\\nuseradd --create-home ada\\n"
    ...            "install deploy/jupyterhub/settings.example.toml y  # ada's\\n",
    ...            "git://h/r.git", {"ada": "t-ada"}, Path("/t/home"), Path("/t/s.toml"))
    "git clone git://h/r.git x\\nuseradd --create-home --base-dir /t/home t-ada\\ninstall /t/s.toml y  # t-ada's\\n"
    """
    replaced = block
    for old, new in ((REPOSITORY, shlex.quote(repository)), (USERADD, f"{USERADD} --base-dir {shlex.quote(str(home_base))}"),
                     (SETTINGS_EXAMPLE, shlex.quote(str(settings)))):
        assert old in replaced, f"the README's block no longer holds {old!r}: update tests/hub_readme.py with it"
        replaced = replaced.replace(old, new)
    for old, new in users.items():
        replaced, count = re.subn(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, replaced)
        assert count, f"the README's block no longer names the user {old!r}"
    return replaced


def site_settings(root: Path, users: Mapping[str, str]) -> dict[str, object]:
    """settings.example.toml with its paths under ``root``, ``users``' names and free ports."""
    example = tomllib.loads((REPO_ROOT / SETTINGS_EXAMPLE).read_text(encoding="utf-8"))
    settings: dict[str, object] = {}
    for key, value in example.items():
        if isinstance(value, str) and value.startswith("/"):
            value = f"{root}{value}"
        elif isinstance(value, str):
            value = users.get(value, value)
        elif isinstance(value, list):
            value = [users.get(str(item), str(item)) for item in value]
        settings[key] = value
    settings.update(port=free_port(), hub_port=free_port(), proxy_api_port=free_port(), service_port=free_port())
    return settings


@dataclass
class ReadmeSite:
    """What the block made in :attr:`root`, and the hub it left running."""

    root: Path
    users: UnixUsers
    #: The README's user names -> this run's.
    names: dict[str, str]
    #: The block's path variables -> their paths here.
    paths: dict[str, Path]
    settings: dict[str, object]
    private_repo: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    daemon: subprocess.Popen[bytes] | None = None
    #: From the block's first command to the login page served.
    seconds: float = 0.0
    login_page: str = ""
    commands: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings['port']}"

    def log_tail(self, lines: int = 80) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop_hub(self) -> None:
        """Stop the hub (SIGTERM by its pid file: it stops its service and proxy), then whatever of the block is left."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.kill(int((self.paths["STATE_DIR"] / "jupyterhub.pid").read_text().strip()), signal.SIGTERM)
            except (OSError, ValueError):  # the block had not started the hub yet: end the block itself
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        pid_file = self.paths["STATE_DIR"] / "jupyterhub-proxy.pid"
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(timeout=30)

    def remove(self) -> None:
        """Stop everything, remove the users (their processes ended by id) and the temporary folder."""
        try:
            self.stop_hub()
        finally:
            try:
                self.users.remove()
            finally:
                shutil.rmtree(self.root, ignore_errors=True)


def serve_repository(site: ReadmeSite) -> str:
    """``git daemon`` for the private repository on 127.0.0.1; its URL once it answers."""
    port = free_port()
    base = site.private_repo.parent
    site.daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}", f"--base-path={base}", "--export-all",
         "--informative-errors", str(base)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"git://127.0.0.1:{port}/{site.private_repo.name}"
    deadline = time.monotonic() + 30
    while subprocess.run(["git", "ls-remote", url], capture_output=True, check=False).returncode != 0:
        if site.daemon.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"git daemon did not serve {url}")
        time.sleep(0.2)
    return url


def start_readme_site(root: Path, tag: str, timeout: float = 1200) -> ReadmeSite:
    """Run the README's block in ``root`` (made 0755; the caller removes it with :meth:`ReadmeSite.remove`).

    Returns once the hub serves its login page; raises with the block's log if the block
    fails or the page does not come within ``timeout`` seconds. ``tag`` makes the user names unique.
    """
    root.chmod(0o755)
    (root / "root").mkdir(mode=0o700)  # the machine's /root
    (root / "home").mkdir(mode=0o755)  # the machine's /home
    block = readme_block(README.read_text(encoding="utf-8"))
    names = {name: f"mlr{tag}-{name.split('-')[0]}" for name in README_USERS}
    paths = {name: Path(f"{root}{default}") for name, default in path_defaults(block).items()}
    users = UnixUsers(root / "home")
    users.names.extend(names.values())  # the block makes them; UnixUsers removes them, whatever happens
    site = ReadmeSite(root=root, users=users, names=names, paths=paths, settings=site_settings(root, names),
                      private_repo=private_repository(root / "private", "root"), log_path=root / "readme-block.log")
    try:
        settings_file = write_site_settings(root / "site-settings.toml", site.settings)
        script = substitute(block, serve_repository(site), names, root / "home", settings_file)
        (root / "readme-block.sh").write_text(script, encoding="utf-8")
        environment = {**root_environment(), **{name: str(path) for name, path in paths.items()}}
        started = time.perf_counter()
        with site.log_path.open("wb") as log:
            site.process = subprocess.Popen(["bash", "-c", 'umask 077 && exec bash -eux "$0"', str(root / "readme-block.sh")],
                                            cwd=root, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        site.login_page = wait_for_login_page(site, timeout)
        site.seconds = time.perf_counter() - started
    except BaseException:
        site.remove()
        raise
    return site


def wait_for_login_page(site: ReadmeSite, timeout: float) -> str:
    """The hub's login page, once ``GET /hub/login`` answers 200 with the form."""
    deadline = time.monotonic() + timeout
    while True:
        assert site.process is not None
        if site.process.poll() is not None:
            raise RuntimeError(f"the README's block stopped with exit status {site.process.returncode}:\n{site.log_tail()}")
        with contextlib.suppress(urllib.error.URLError, OSError), \
                urllib.request.urlopen(f"{site.url}/hub/login", timeout=5) as response:
            page = response.read().decode("utf-8", errors="replace")
            if response.status == 200 and 'name="username"' in page:
                return page
        if time.monotonic() > deadline:
            raise RuntimeError(f"no login page at {site.url}/hub/login within {timeout:.0f} s:\n{site.log_tail()}")
        time.sleep(0.5)
