"""A JupyterLab server on a temporary copy of the course, started like `make lab`.

`make lab` runs ``jupyter lab`` from the repository root with the course's
JupyterLab settings (``course/jupyterlab/overrides.json``, copied into
JupyterLab's *application settings* folder, where overrides are read) and the
start page as the default URL. :func:`start_lab` does the same for a copy of
the course, on 127.0.0.1, a free port and a random token, with every Jupyter,
IPython and matplotlib folder (and HOME) inside a temporary folder.

No side effects at import; Playwright is imported only by the fixtures.

>>> ignore = course_copy_ignore(REPO_ROOT, ["course", "gradebook.db", "index.ipynb"])
>>> sorted(ignore)
['gradebook.db']
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Flags checked on this machine (see ../shared/design.md): no sandbox as root, and no
# network calls of Chromium's own that fail without internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# The same start page as `make lab` (Makefile: --LabApp.default_url).
START_PAGE = "/lab/tree/course/index.ipynb"
# What a learner's checkout holds: the course definition, lessons and exercises, and the
# nbgrader source the instructor grades from. Runtime files are left behind.
COURSE_PARTS = ["nbgrader_config.py", "course", "lessons", "exercises", "solutions"]
RUNTIME_FILES = {"submitted", "autograded", "feedback", "exchange", "reports", "gradebook.db",
                 "gradebook.db-journal", ".ipynb_checkpoints", "__pycache__", "nbgrader.log", ".nbgrader.log"}
RUNTIME_SUFFIXES = (".answers.json", ".feedback.html")


def course_copy_ignore(folder: str | Path, names: Iterable[str]) -> set[str]:
    """Names ``shutil.copytree`` leaves out: nbgrader's runtime files and learners' answers."""
    return {
        name for name in names
        if name in RUNTIME_FILES or name.endswith(RUNTIME_SUFFIXES) or ".answers.json." in name
    }


def copy_course(destination: Path, source: Path = REPO_ROOT) -> Path:
    """Copy the course (without grading runtime or answers files) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in COURSE_PARTS:
        origin = source / part
        if origin.is_dir():
            shutil.copytree(origin, destination / part, ignore=course_copy_ignore)
        else:
            shutil.copy2(origin, destination / part)
    return destination


@dataclass
class LabServer:
    """A running ``jupyter lab``; ``url(path)`` gives an address with the token."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base}{path}{separator}token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 10) -> object:
        request = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def end_sessions(self) -> None:
        """Shut down every notebook's kernel (the server keeps running)."""
        for session in self.api("/api/sessions"):  # type: ignore[union-attr]
            self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def save_user_settings(self, plugin: str, settings: dict[str, object]) -> None:
        """Save ``plugin``'s user settings (what Settings ▸ ... saves), e.g. to put the theme back."""
        request = urllib.request.Request(
            f"{self.base}/lab/api/settings/{plugin}", method="PUT",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            data=json.dumps({"raw": json.dumps(settings)}).encode("utf-8"),
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def setting_defaults(self, plugin: str) -> dict[str, object]:
        """The defaults JupyterLab serves for ``plugin``'s settings (overrides applied)."""
        schema = self.api(f"/lab/api/settings/{plugin}")["schema"]  # type: ignore[index]
        return {name: spec.get("default") for name, spec in schema["properties"].items()}

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def lab_environment(state: Path) -> dict[str, str]:
    """The server's environment: every per-user folder under ``state``, the venv's bin first."""
    folders = {
        "HOME": "home",
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
        "XDG_CONFIG_HOME": "xdg-config",
        "XDG_DATA_HOME": "xdg-data",
        "XDG_CACHE_HOME": "xdg-cache",
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "MLTEAM_"))}
    for variable, name in folders.items():
        (state / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(state / name)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, *[p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir]])
    return env


def lab_command(course: Path, port: int, token: str, app_settings: Path) -> list[str]:
    """``make lab``'s command line, for ``course``, on ``port`` with ``token``.

    >>> command = lab_command(Path("/course"), 0, "t0k3n", Path("/settings"))
    >>> "--LabApp.default_url=/lab/tree/course/index.ipynb" in command and "--ip=127.0.0.1" in command
    True
    """
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",  # port 0: the server picks a free one
        f"--ServerApp.root_dir={course}",
        f"--LabApp.default_url={START_PAGE}",
        f"--IdentityProvider.token={token}",
        # Where `make lab` installs course/jupyterlab/overrides.json (<prefix>/share/jupyter/lab/settings).
        f"--LabApp.app_settings_dir={app_settings}",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    return command


def start_lab(course: Path, state: Path, timeout: float = 90, role: str = "learner") -> LabServer:
    """Start JupyterLab on ``course`` (run from it, as nbgrader reads its config from the
    server's working folder) and wait until it answers ``/api/status``.

    ``role="learner"`` is `make lab` (no instructor tools), ``"instructor"`` is `make instructor`.

    The server picks a free port itself (``--port=0``) and reports it in its runtime
    file, so no other process can take the port between choosing and binding it.
    """
    app_settings = state / "lab-app-settings"
    app_settings.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course / "course" / "jupyterlab" / "overrides.json", app_settings / "overrides.json")
    env = lab_environment(state)
    if role == "learner":  # as the Makefile's `lab` target sets it
        env["JUPYTER_CONFIG_PATH"] = str(course / "course" / "jupyterlab" / "learner")
    elif role != "instructor":
        raise ValueError(f"role must be 'learner' or 'instructor', not {role!r}")
    token = secrets.token_hex(16)
    log_path = state / "jupyter-lab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            lab_command(course, 0, token, app_settings), cwd=course, env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = LabServer(course, 0, token, process, log_path)
    try:
        wait_until_ready(server, Path(env["JUPYTER_RUNTIME_DIR"]), timeout)
    except BaseException:
        stop_lab(server)  # whatever went wrong, leave no server behind
        raise
    return server


def wait_until_ready(server: LabServer, runtime_dir: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {server.process.returncode}:\n{server.log_tail()}")
        if not server.port:
            server.port = listening_port(runtime_dir)
        try:
            if server.port and server.api("/api/status", timeout=2):
                return
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{server.log_tail()}")
        time.sleep(0.25)


def listening_port(runtime_dir: Path) -> int:
    """The port in the server's runtime file (``jpserver-<pid>.json``), or 0 before it exists."""
    for info_file in runtime_dir.glob("jpserver-*.json"):
        try:
            return int(json.loads(info_file.read_text(encoding="utf-8"))["port"])
        except (OSError, ValueError, KeyError):
            return 0  # still being written
    return 0


def stop_lab(server: LabServer, timeout: float = 20) -> None:
    """Shut the server down through its API (which stops its kernels), then make sure."""
    if server.process.poll() is None:
        try:
            if not server.port:
                raise ConnectionError("the server has no port yet")
            server.api("/api/shutdown", method="POST", timeout=5)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
