"""Worker processes that run nbgrader's autograder, one submission at a time.

Each worker is a long-lived process (nbgrader is imported once, not per
submission) with its own copy of the gradebook and its own staging folder, so
workers never write to the course's database or to another learner's folder.
The parent hands out one submission at a time, watches every worker, and
replaces one that dies or overruns its time limit; that submission fails with
the reason, and the batch goes on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from mlteam_utils.cohort.submissions import Submission
from mlteam_utils.grading.settings import ANSWERS_GLOB

#: Config values each worker adds on top of the course's nbgrader_config.py.
ConfigValues = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class WorkerResult:
    """What grading one submission gave: success, or a one-line reason."""

    submission: Submission
    ok: bool
    reason: str = ""
    log: str = ""
    worker_db: Path | None = None
    staged_folder: Path | None = None
    note: str = ""  # entries of the submission that were not graded (links, FIFOs, ...)


def failure_reason(log: str, error: str = "") -> str:
    r"""One line saying why grading failed, from a log alone (the worker sends its reason ready made).

    >>> print(failure_reason("[ERROR] the notebook ex01.ipynb is a symbolic link; only plain files are graded"))
    the notebook ex01.ipynb is a symbolic link; only plain files are graded
    >>> failure_reason("", "")
    'nbgrader gave no reason'
    """
    from mlteam_utils.upstream.converter_run import ConverterRun
    from mlteam_utils.upstream.converter_run import failure_reason as converter_failure_reason

    return converter_failure_reason(ConverterRun(False, log, error))


# --- inside a worker process ---------------------------------------------------

KERNEL_START_RETRIES = 1
#: Files besides notebooks that grading keeps from a submission: the widgets' answers
#: and nbgrader's own bookkeeping (feedback needs the submission's timestamp).
KEEP_FILES = (ANSWERS_GLOB, "timestamp.txt", "submission_secret.txt")


def _source_checksums(db_url: str, assignment: str, notebook: str) -> dict[str, str]:
    """grade_id -> checksum of the released notebook's locked cells, from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(db_url) as gradebook:
            return {cell.name: cell.checksum for cell in gradebook.find_notebook(notebook, assignment).source_cells if cell.checksum}
    except MissingEntry:
        return {}


def _worker_main(connection: Connection, course_root: str, worker_dir: str, extra: ConfigValues) -> None:
    """The loop of one worker: receive a submission, autograde it, send the result."""
    os.setsid()  # Ctrl-C at the terminal goes to the parent, which stops workers cleanly.
    log_path = Path(worker_dir) / "worker.log"
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.chdir(course_root)

    from mlteam_utils.nbgrader_runner import skip_unused_schema_formats

    skip_unused_schema_formats()

    from mlteam_utils.cohort.submission_files import foreign_notebook, stage_submission
    from mlteam_utils.safe_files import printable
    from mlteam_utils.upstream.converter_run import failure_reason as converter_failure_reason
    from mlteam_utils.upstream.converter_run import run_converter
    from mlteam_utils.upstream.kernel_start import kernel_did_not_start
    from mlteam_utils.upstream.nbgrader_utils import temp_attrs
    from mlteam_utils.upstream.step_config import step_application, step_converter

    # The settings `nbgrader autograde` would use (AutogradeApp's included), the worker's own on top.
    app = step_application(Path(course_root), "autograde", extra)
    coursedir = app.coursedir
    source_root = Path(coursedir.format_path(coursedir.source_directory, ".", "."))
    # nbgrader reads submissions from this private copy, never from the learner's folder.
    staged_root = Path(worker_dir) / "submitted"
    coursedir.submitted_directory = str(staged_root)
    checksums: dict[tuple[str, str], dict[str, str]] = {}
    while True:
        task = connection.recv()
        if task is None:
            return
        student, assignment, submitted_folder = task
        staged = staged_root / student / assignment
        shutil.rmtree(staged_root, ignore_errors=True)
        staging = stage_submission(Path(submitted_folder), source_root / assignment, staged, KEEP_FILES)
        note = staging.dropped_text()
        unsafe_notebooks = [entry for entry in staging.dropped if entry.path.endswith(".ipynb") and "/" not in entry.path]
        reason = f"the notebook {printable(unsafe_notebooks[0].path)} is {unsafe_notebooks[0].why}; only plain files are graded" if unsafe_notebooks else None
        for notebook_path in sorted(staged.glob("*.ipynb")):
            if (assignment, notebook_path.stem) not in checksums:  # the released cells do not change during a run
                checksums[assignment, notebook_path.stem] = _source_checksums(coursedir.db_url, assignment, notebook_path.stem)
            reason = reason or foreign_notebook(notebook_path, checksums[assignment, notebook_path.stem])
        if reason:
            connection.send({"success": False, "log": f"[ERROR] {reason}", "error": "", "note": note, "reason": reason})
            continue
        for _attempt in range(1 + KERNEL_START_RETRIES):
            with temp_attrs(coursedir, assignment_id=assignment, student_id=student):
                result = run_converter(step_converter("autograde", app))
            # A kernel that does not start in time on a loaded machine is the grader's
            # problem, not the learner's: try once more before calling it a failure.
            if result.success or not kernel_did_not_start(result.exceptions):
                break
        shutil.rmtree(staged_root, ignore_errors=True)
        # Exceptions stay here (they need not pickle): the reason travels as text.
        connection.send({"success": result.success, "log": result.log, "error": result.error, "note": note,
                         "reason": "" if result.success else converter_failure_reason(result)})


# --- in the parent -------------------------------------------------------------


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    folder: Path
    task: Submission | None = None
    deadline: float = 0.0
    extra: ConfigValues = field(default_factory=dict)


class WorkerPool:
    """``jobs`` grading workers for one course, each with a private gradebook copy.

    ``prepare_worker(folder)`` is called before a worker starts, to put a fresh
    copy of the course gradebook at ``folder / "gradebook.db"``; ``prepare_task(folder,
    submission)``, if given, before each submission is handed to the worker in ``folder``
    (it is idle then), to bring that submission's rows into its copy.
    """

    def __init__(
        self,
        course_root: Path,
        work_root: Path,
        jobs: int,
        prepare_worker: Callable[[Path], None],
        extra_config: ConfigValues | None = None,
        timeout: float = 600.0,
        prepare_task: Callable[[Path, Submission], None] | None = None,
    ) -> None:
        self.course_root = course_root
        self.prepare_task = prepare_task
        self.work_root = work_root
        self.jobs = max(1, jobs)
        self.prepare_worker = prepare_worker
        self.extra_config = extra_config or {}
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._started = 0

    def _config_for(self, folder: Path) -> ConfigValues:
        config: ConfigValues = {key: dict(value) for key, value in self.extra_config.items()}
        course_directory = config.setdefault("CourseDirectory", {})
        course_directory["db_url"] = f"sqlite:///{folder / 'gradebook.db'}"
        course_directory["autograded_directory"] = str(folder / "autograded")
        return config

    def _start_worker(self) -> _Worker:
        self._started += 1
        folder = self.work_root / f"worker-{self._started}"
        folder.mkdir(parents=True)
        self.prepare_worker(folder)
        parent_end, child_end = self._context.Pipe()
        config = self._config_for(folder)
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, str(self.course_root), str(folder), config),
            name=f"mlteam-grade-worker-{self._started}",
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end, folder, extra=config)

    def _stop(self, worker: _Worker, kill: bool) -> None:
        if not kill and worker.process.is_alive():
            try:
                worker.connection.send(None)
            except (BrokenPipeError, OSError):
                kill = True
            worker.process.join(timeout=10)
        if (worker.process.is_alive() or kill) and worker.process.pid is not None:
            # This reaches the worker's process group (it called setsid), not its kernels:
            # jupyter_client starts each kernel in a session of its own. A sandboxed
            # kernel dies with the worker through bubblewrap's --die-with-parent (grading/sandbox.py);
            # an unsandboxed one (--no-isolation) exits when ipykernel's parent poller sees the
            # worker (JPY_PARENT_PID) gone.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.join(timeout=10)
        worker.connection.close()

    def close(self, kill: bool = False) -> None:
        """Stop every worker (kill them when ``kill``); their folders stay for the caller."""
        for worker in self._workers:
            self._stop(worker, kill)
        self._workers = []

    def _staged(self, worker: _Worker, submission: Submission) -> Path:
        return worker.folder / "autograded" / submission.student / submission.assignment

    def run(self, submissions: Iterable[Submission], on_result: Callable[[WorkerResult], None]) -> None:
        """Grade every submission; call ``on_result`` in this process as each one ends.

        ``on_result`` must take what it needs from the worker's gradebook and
        staging folder before returning: the worker may grade the next one then.
        """
        pending = list(submissions)
        pending.reverse()  # pop() from the end keeps the given order
        self._workers = [self._start_worker() for _ in range(min(self.jobs, len(pending)))]
        while pending or any(w.task for w in self._workers):
            for index, worker in enumerate(list(self._workers)):
                if worker.task is None and pending:
                    if not worker.process.is_alive():  # died while idle: replace it quietly
                        self._stop(worker, kill=True)
                        worker = self._workers[index] = self._start_worker()
                    worker.task = pending.pop()
                    worker.deadline = time.monotonic() + self.timeout
                    shutil.rmtree(self._staged(worker, worker.task), ignore_errors=True)
                    if self.prepare_task is not None:
                        self.prepare_task(worker.folder, worker.task)
                    worker.connection.send((worker.task.student, worker.task.assignment, str(worker.task.folder)))
            busy = [w for w in self._workers if w.task]
            if not busy:
                break
            waits = [w.connection for w in busy] + [w.process.sentinel for w in busy]
            next_deadline = min(w.deadline for w in busy)
            ready = wait(waits, timeout=max(0.0, next_deadline - time.monotonic()))
            for index, worker in enumerate(list(self._workers)):
                if worker.task is None:
                    continue
                submission = worker.task
                if worker.connection in ready:
                    try:
                        reply = worker.connection.recv()
                    except (EOFError, OSError):
                        reply = None
                    if reply is not None:
                        worker.task = None
                        if reply["success"]:
                            on_result(WorkerResult(submission, True, "", reply["log"], worker.folder / "gradebook.db",
                                                   self._staged(worker, submission), note=reply.get("note", "")))
                        else:
                            reason = reply.get("reason") or failure_reason(reply["log"], reply["error"])
                            if reply.get("note"):
                                reason = f"{reason} ({reply['note']})"
                            on_result(WorkerResult(submission, False, reason, reply["log"]))
                        continue
                if not worker.process.is_alive() or worker.connection in ready:
                    code = worker.process.exitcode
                    reason = f"the grading process died (exit code {code}) while grading this submission"
                elif time.monotonic() >= worker.deadline:
                    reason = f"grading took longer than {self.timeout:.0f} s and was stopped"
                else:
                    continue
                self._stop(worker, kill=True)
                self._workers[index] = self._start_worker()
                on_result(WorkerResult(submission, False, reason))
