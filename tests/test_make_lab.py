"""`make lab` serves the course on 127.0.0.1 with the project's settings."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL_WITH_TOKEN = re.compile(r"(http://127\.0\.0\.1:\d+/lab[^\s]*\?token=([0-9a-f]+))")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def page_config(port: int, token: str) -> dict:
    """The configuration JupyterLab embeds in its page (disabled extensions among it)."""
    _, body = get(f"http://127.0.0.1:{port}/lab", token)
    found = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', body, re.S)
    assert found, "JupyterLab's page has no config data"
    return json.loads(found.group(1))


def status_of(url: str, token: str) -> int:
    try:
        return get(url, token)[0]
    except urllib.error.HTTPError as error:
        return error.code


INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list")


@pytest.mark.slow
def test_make_lab_serves_the_course(tmp_path: Path) -> None:
    work = tmp_path / "my-work"
    port, token, process, log = start_make(tmp_path, "lab", f"WORK={work}")
    try:
        check_the_course_is_served(port, token)
        # The learner's own copy is what is served, never the tracked notebooks.
        assert "my-work/: " in "".join(log) and (work / "lessons" / "01_how_ml_projects_differ.ipynb").is_file()
        status, body = get(f"http://127.0.0.1:{port}/api/contents/lessons/01_how_ml_projects_differ.ipynb?content=0", token)
        assert status == 200
        assert status_of(f"http://127.0.0.1:{port}/api/contents/solutions", token) == 404, "only the learner's copy is served"
        # A learner's JupyterLab has no instructor tools; Assignments and Validate stay.
        disabled = page_config(port, token).get("disabledExtensions", [])
        for plugin in INSTRUCTOR_PLUGINS:
            assert plugin in disabled, f"{plugin} is shown to learners: {disabled}"
        for plugin in ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"):
            assert plugin not in disabled
        assert status_of(f"http://127.0.0.1:{port}/formgrader", token) == 404
        assert status_of(f"http://127.0.0.1:{port}/assignments", token) != 404, "the Assignments tab's server part stays"
    finally:
        stop_make(process)


@pytest.mark.slow
def test_make_instructor_shows_the_instructor_tools(tmp_path: Path) -> None:
    port, token, process, log = start_make(tmp_path, "instructor")
    try:
        check_the_course_is_served(port, token)
        disabled = page_config(port, token).get("disabledExtensions", [])
        assert not set(INSTRUCTOR_PLUGINS) & set(disabled)
        assert status_of(f"http://127.0.0.1:{port}/formgrader", token) == 200
    finally:
        stop_make(process)


def start_make(tmp_path: Path, target: str, *variables: str) -> tuple[int, str, subprocess.Popen[str], list[str]]:
    """Run ``make TARGET [VARIABLE=value ...]`` and wait for the URL it prints."""
    port = free_port()
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    env.pop("JUPYTER_CONFIG_PATH", None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", target, f"PORT={port}", *variables],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log: list[str] = []
    try:
        deadline = time.monotonic() + 120
        token = None
        assert process.stdout is not None
        while token is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            log.append(line)
            match = URL_WITH_TOKEN.search(line)
            if match:
                token = match.group(2)
                assert f":{port}/" in match.group(1)
        assert token, f"make {target} printed no URL:\n" + "".join(log[-40:])
    except BaseException:
        stop_make(process)
        raise
    return port, token, process, log


def check_the_course_is_served(port: int, token: str) -> None:
    # The URL is printed as the server starts listening: allow it a moment.
    for _ in range(60):
        try:
            status, body = get(f"http://127.0.0.1:{port}/lab", token)
            break
        except urllib.error.URLError:
            time.sleep(0.5)
    assert status == 200

    status, body = get(f"http://127.0.0.1:{port}/api/contents/course/index.ipynb", token)
    assert status == 200 and json.loads(body)["type"] == "notebook"

    # The landing URL opens the start page.
    status, body = get(f"http://127.0.0.1:{port}/lab/tree/course/index.ipynb", token)
    assert status == 200

    # News and update pop-ups are off through the project's overrides.
    status, body = get(
        f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification", token
    )
    defaults = {k: v.get("default") for k, v in json.loads(body)["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false"
    assert defaults["checkForUpdates"] is False


def stop_make(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
