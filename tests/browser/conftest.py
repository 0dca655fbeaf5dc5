"""Fixtures for the browser tests: one JupyterLab on a temporary copy of the course and one
Chromium for all of them (package scope: both stop when the browser tests are done), a
fresh browser context per test, screenshots per step.

Screenshots go to ``test-artifacts/browser/<test>/NN_step.png`` under the repository
(git-ignored), or under ``$MLTEAM_BROWSER_ARTIFACTS/<test>/``. When a test fails, its
last screen (``failure.png``), the browser console (``console.log``) and the server's
log (``jupyter-lab.log``) are kept there too, and their paths are printed with the failure.

The browser is Debian's ``/usr/bin/chromium`` (``$MLTEAM_CHROMIUM`` names another).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from browser.lab import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, LabServer, copy_course, start_lab, stop_lab
from conftest import require_optional

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser, Page

ARTIFACTS_VARIABLE = "MLTEAM_BROWSER_ARTIFACTS"
CHROMIUM_VARIABLE = "MLTEAM_CHROMIUM"
HOW_TO_INSTALL_CHROMIUM = "install Debian's Chromium with `apt-get install chromium`, or set MLTEAM_CHROMIUM to a Chromium binary"
HOW_TO_INSTALL_PLAYWRIGHT = "install it with `.venv/bin/pip install -e '.[browser]'` (no `playwright install` needed)"
# Generous: two shared cores; a wait ends as soon as the UI shows what it waits for.
UI_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1366, "height": 1200}

RECORD = pytest.StashKey["PathRecord"]()
WRITTEN: list[PathRecord] = []


def chromium_path() -> Path:
    return Path(os.environ.get(CHROMIUM_VARIABLE) or CHROMIUM)


def artifacts_root() -> Path:
    return Path(os.environ.get(ARTIFACTS_VARIABLE) or REPO_ROOT / "test-artifacts" / "browser")


@dataclass
class PathRecord:
    """What one browser test leaves behind: step screenshots, and on failure more."""

    name: str
    folder: Path
    page: Page
    console: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    failure_files: list[Path] = field(default_factory=list)


class Screenshots:
    """``shots.take("lesson_ran")`` saves ``NN_lesson_ran.png`` in the test's folder."""

    def __init__(self, record: PathRecord) -> None:
        self.record = record

    @property
    def folder(self) -> Path:
        return self.record.folder

    def take(self, step: str, full_page: bool = False) -> Path:
        path = self.record.folder / f"{len(self.record.screenshots) + 1:02d}_{step}.png"
        self.record.page.screenshot(path=str(path), full_page=full_page)
        self.record.screenshots.append(path)
        return path


# --------------------------------------------------------------------------- optional tools


@pytest.fixture(scope="package")
def browser_tools() -> None:
    """Chromium and Playwright, or a skip (a failure under CI=true) saying how to install them."""
    chromium = chromium_path()
    require_optional(chromium.is_file() and os.access(chromium, os.X_OK), f"Chromium ({chromium})", HOW_TO_INSTALL_CHROMIUM)
    require_optional(importlib.util.find_spec("playwright") is not None, "Playwright", HOW_TO_INSTALL_PLAYWRIGHT)


# --------------------------------------------------------------------------- course and server


@pytest.fixture(scope="package")
def lab_course(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the course that the browser tests may change (answers, grading)."""
    return copy_course(tmp_path_factory.mktemp("browser-course"))


@pytest.fixture(scope="package")
def lab_server(lab_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = start_lab(lab_course, tmp_path_factory.mktemp("browser-jupyter"))
    try:
        # The course's own JupyterLab settings apply, as in `make lab`: no news pop-up over the page.
        project = json.loads((lab_course / "course" / "jupyterlab" / "overrides.json").read_text(encoding="utf-8"))
        for plugin, settings in project.items():
            served = server.setting_defaults(plugin)
            assert {name: served.get(name) for name in settings} == settings, f"{plugin}: {served}"
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="package")
def instructor_server(lab_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """`make instructor` on the same course: JupyterLab with the formgrader."""
    server = start_lab(lab_course, tmp_path_factory.mktemp("browser-jupyter-instructor"), role="instructor")
    try:
        yield server
    finally:
        stop_lab(server)


@dataclass(frozen=True)
class GradedSubmission:
    assignment: str
    student: str
    scores: dict[str, float | None]
    points: dict[str, float]


@pytest.fixture(scope="package")
def graded_submission(lab_course: Path) -> GradedSubmission:
    """One learner's half-right ex01 submission, graded by `mlteam-course grade` (in its
    bubblewrap sandbox, as an instructor runs it) in the temporary course."""
    from course_helpers import Submission, fill_cells, load_fixture, scores, submit
    from mlteam_utils.grading.isolation import isolation_status
    from mlteam_utils.nbgrader_runner import nbgrader_environment

    status = isolation_status()
    require_optional(status.available, "grading isolation (bubblewrap)", "apt-get install bubblewrap; " + status.reason)
    assignment, student = "ex01_how_ml_projects_differ", "learner_half_right"
    half_right = load_fixture(assignment, "half_right.cells.json")
    release = lab_course / "exercises" / assignment / f"{assignment}.ipynb"
    submit(lab_course, student, assignment, {
        assignment: Submission(
            fill_cells(release, half_right["cells"], reflection=half_right.get("reflection")),
            load_fixture(assignment, "half_right.answers.json"),
        )
    })
    command = [str(Path(sys.executable).parent / "mlteam-course"), "--course-root", str(lab_course),
               "grade", assignment, "--jobs", "1", "--quiet"]
    completed = subprocess.run(command, cwd=lab_course, env=nbgrader_environment(), capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=600)
    assert completed.returncode == 0, f"{' '.join(command)}:\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}"
    graded = lab_course / "course" / "autograded" / student / assignment / f"{assignment}.ipynb"
    points = {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in nbformat.read(graded, as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }
    return GradedSubmission(assignment, student, scores(lab_course, assignment)[student], points)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="package")
def chromium(browser_tools: None) -> Iterator[Browser]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def lab_page(chromium: Browser, lab_server: LabServer, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies, no storage) logged in to the test server."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = artifacts_root() / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    record = PathRecord(name, folder, page)
    page.on("console", lambda message: record.console.append(f"[{message.type}] {message.text}"))
    page.on("pageerror", lambda error: record.console.append(f"[pageerror] {error}"))
    # Playwright dismisses dialogs by default, which would cancel a reload JupyterLab asks
    # about; accept them like a person would, and keep their text in the log.
    page.on("dialog", lambda dialog: (record.console.append(f"[dialog] {dialog.message}"), dialog.accept()))
    request.node.stash[RECORD] = record
    WRITTEN.append(record)
    try:
        yield page
    finally:
        context.close()
        lab_server.end_sessions()  # the next path starts its own kernels


@pytest.fixture
def shots(lab_page: Page, request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(request.node.stash[RECORD])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, keep the browser's last screen and console log, and say where they are."""
    report = yield
    record = item.stash.get(RECORD, None)
    if record is None or report.when != "call" or not report.failed:
        return report
    lines = [f"screenshots of the steps: {record.folder}"]
    try:
        failure = record.folder / "failure.png"
        record.page.screenshot(path=str(failure), timeout=15_000)
        record.failure_files.append(failure)
        lines.append(f"last screen: {failure}")
    except Exception as error:  # the page may have crashed; the log is still worth keeping
        lines.append(f"no last screen: {error}")
    console = record.folder / "console.log"
    console.write_text("\n".join(record.console) + "\n", encoding="utf-8")
    record.failure_files.append(console)
    lines.append(f"browser console: {console}")
    server = item.funcargs.get("lab_server")
    if isinstance(server, LabServer) and server.log_path.exists():
        server_log = record.folder / "jupyter-lab.log"
        shutil.copy2(server.log_path, server_log)
        record.failure_files.append(server_log)
        lines.append(f"jupyter lab log: {server_log}")
    report.sections.append(("browser artifacts", "\n".join(lines)))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not WRITTEN:
        return
    terminalreporter.section("browser screenshots")
    for record in WRITTEN:
        kept = ", ".join(path.name for path in record.failure_files)
        terminalreporter.write_line(
            f"{record.name}: {len(record.screenshots)} step(s) in {record.folder}" + (f" (kept: {kept})" if kept else "")
        )
