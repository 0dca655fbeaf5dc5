"""Grading kernels that cannot read the answers: nbgrader's Execute step in a sandbox.

nbgrader's ``Execute`` preprocessor starts a Jupyter kernel with the submission's
autograded folder as working directory. :class:`IsolatedExecute` starts it
through :class:`IsolatedKernelManager` instead, which wraps the kernel command in
bubblewrap (see :mod:`mlteam_utils.grading.sandbox`): the learner's code, and
every process it starts, sees only the system, Python and ``mlteam_utils``
read-only and its own folder read-write; ``solutions/``, the gradebook, other
submissions and the instructor's home are not there, and memory, CPU time, file
size and process count are capped.

Use it from Python (``NbGraderAPI(config=...)``) or nbgrader's command line::

    from mlteam_utils.grading.isolation import nbgrader_isolation_args, nbgrader_isolation_config
    config = nbgrader_isolation_config(course_root)            # a traitlets Config
    run_nbgrader(course_root, "autograde", "ex01", *nbgrader_isolation_args(course_root))

>>> status = isolation_status()
>>> status.method in {"bubblewrap", "none"}
True
>>> isinstance(status.reason, str) and bool(status.reason)
True
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Enum, Integer, List, Unicode
from traitlets.config import Config

from mlteam_utils.grading.safe_files import stage_tree
from mlteam_utils.grading.sandbox import (
    SandboxLimits,
    count_tasks,
    probe_sandbox,
    process_cap_note,
    sandbox_command,
    sandbox_environment,
    sandbox_user_id,
)

__all__ = [
    "ISOLATED_EXECUTE",
    "IsolatedExecute",
    "IsolatedKernelManager",
    "IsolationStatus",
    "IsolationUnavailable",
    "SandboxLimits",
    "isolation_status",
    "nbgrader_isolation_args",
    "nbgrader_isolation_config",
    "require_isolation",
]

ISOLATED_EXECUTE = "mlteam_utils.grading.isolation.IsolatedExecute"
PLAIN_EXECUTE = "nbgrader.preprocessors.Execute"
NO_ISOLATION_HINT = "pass --no-isolation to grade without a sandbox (learner code can then read solutions/ and the gradebook)"


@dataclass(frozen=True)
class IsolationStatus:
    """Whether grading kernels can be sandboxed here, how, and why (not).

    ``reason`` is a sentence for the instructor either way.
    """

    available: bool
    method: str
    reason: str


class IsolationUnavailable(RuntimeError):
    """Isolation was asked for but cannot run here; the message says why and what to do."""


@functools.cache
def isolation_status() -> IsolationStatus:
    """Probe (once per process) whether bubblewrap can sandbox a kernel on this machine.

    The probe starts a sandboxed Python (about 0.1 s), so the answer is cached: a
    grading run asks before each submission. A test that changes what the probe
    would find (``PATH``, the sandbox settings) calls ``isolation_status.cache_clear()``.

    >>> status = isolation_status()
    >>> status is isolation_status()  # probed once, then the same answer
    True
    >>> expected = "learner code runs in a bubblewrap sandbox (" if status.available else "grading isolation is not available: "
    >>> (status.method == ("bubblewrap" if status.available else "none"), status.reason.startswith(expected))
    (True, True)
    >>> status.available == probe_sandbox().ok  # the cached answer is what a fresh probe finds
    True
    """
    probe = probe_sandbox()
    if probe.ok:
        notes = process_cap_note()
        reason = f"learner code runs in a bubblewrap sandbox ({probe.detail})" + (f"; note: {notes}" if notes else "")
        return IsolationStatus(True, "bubblewrap", reason)
    return IsolationStatus(False, "none", f"grading isolation is not available: {probe.detail}")


def require_isolation() -> IsolationStatus:
    """The status, or :class:`IsolationUnavailable` with a message that names ``--no-isolation``."""
    status = isolation_status()
    if not status.available:
        raise IsolationUnavailable(f"{status.reason}. To grade anyway, {NO_ISOLATION_HINT}.")
    return status


class IsolatedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in the bubblewrap sandbox.

    Configure it with ``c.IsolatedKernelManager.course_root`` (required: the
    course being graded, whose ``solutions/`` and ``course/`` are hidden) and
    the caps below. It refuses to start a kernel when the sandbox cannot run,
    rather than run learner code unconfined.
    """

    course_root = Unicode("", help="The course being graded; its solutions/ and course/ are hidden.").tag(config=True)
    memory_mb = Integer(SandboxLimits.memory_mb, help="Address-space cap of each sandboxed process, in MB.").tag(config=True)
    cpu_seconds = Integer(SandboxLimits.cpu_seconds, help="CPU-time cap of each sandboxed process, in seconds.").tag(config=True)
    max_file_mb = Integer(SandboxLimits.max_file_mb, help="Largest file the sandboxed code may write, in MB.").tag(config=True)
    max_processes = Integer(SandboxLimits.max_processes, help="Process cap (RLIMIT_NPROC); a root grader runs learner code as an unprivileged user so that it holds.").tag(config=True)
    hidden_paths = List(Unicode(), help="More paths to cover up inside the sandbox.").tag(config=True)
    readable_paths = List(Unicode(), help="More paths the sandboxed code may read.").tag(config=True)

    def limits(self) -> SandboxLimits:
        return SandboxLimits(
            memory_mb=self.memory_mb,
            cpu_seconds=self.cpu_seconds,
            max_file_mb=self.max_file_mb,
            max_processes=self.max_processes,
        )

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        if not self.course_root:
            raise IsolationUnavailable(
                "IsolatedKernelManager.course_root is not set: use nbgrader_isolation_config(course_root) "
                "or nbgrader_isolation_args(course_root)"
            )
        require_isolation()
        workdir = Path(kw.get("cwd") or os.getcwd())
        user_id = sandbox_user_id()
        if user_id is not None:
            # The processes of a sandbox stopped a moment ago (a fork bomb) may still be
            # exiting; they count against this user's process cap until they are gone.
            wait_until_no_tasks(user_id)
        self._scratch = Path(tempfile.mkdtemp(prefix="mlteam-kernel-"))
        scratch_work, sockets = disposable_workdir(workdir, self._scratch, user_id)
        self._sockets, self._sandbox_uid = sockets, user_id
        # No network in the sandbox: the kernel's channels are Unix sockets in a folder of its own.
        self.transport = "ipc"
        self.ip = str(sockets / "kernel")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        assert self.kernel_spec is not None
        if user_id is not None:
            os.chown(self.connection_file, user_id, user_id)
        # A SIGINT sent to the process group would reach bubblewrap itself, which
        # then takes the sandbox down; interrupting by message only stops the cell.
        self.kernel_spec.interrupt_mode = "message"
        kw["env"] = sandbox_environment(kw.get("env") or os.environ)
        wrapped = sandbox_command(
            kernel_cmd,
            workdir=workdir,
            workdir_source=scratch_work,
            course_root=Path(self.course_root),
            connection_file=Path(self.connection_file),
            limits=self.limits(),
            hidden=[Path(p) for p in self.hidden_paths],
            readable=[Path(p) for p in self.readable_paths],
            writable=[sockets],
            user_id=user_id,
        )
        self.log.debug("Sandboxed kernel command: %s", wrapped)
        return wrapped, kw

    pre_start_kernel = _async_pre_start_kernel

    async def _async_start_kernel(self, **kw: Any) -> None:
        await super()._async_start_kernel(**kw)
        user_id = sandbox_user_id()
        process = getattr(self.provisioner, "process", None)
        if user_id is not None and process is not None:
            self.process_watch = ProcessWatch(user_id, process.pid, self.max_processes)
            self.process_watch.start()

    start_kernel = _async_start_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self.discard_scratch()

    process_watch: ProcessWatch | None = None
    _scratch: Path | None = None
    _sockets: Path | None = None
    _sandbox_uid: int | None = None

    def seal_sockets(self) -> bool:
        """Take the kernel's socket folder back from the sandbox user once the kernel has bound its sockets.

        Until then the kernel must create its socket files there; afterwards learner
        code could replace one with a link to another socket on the machine, which the
        grader's ZeroMQ would reconnect to. Owned by the grader, the folder's entries can
        no longer be renamed or removed from inside the sandbox. Only a root grader runs
        the kernel as another user; False when there is nothing to seal.
        """
        if self._sockets is None or self._sandbox_uid is None:
            return False
        os.chown(self._sockets, os.geteuid(), os.getegid())
        os.chmod(self._sockets, 0o755)
        return True

    cleanup_resources = _async_cleanup_resources

    def discard_scratch(self) -> None:
        """Stop the process watch; delete the disposable working copy and socket folder (links inside are not followed)."""
        if self.process_watch is not None:
            self.process_watch.stop()
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
            self._scratch = None


def system_tasks() -> int:
    """Processes and threads on the whole machine (the kernel's own count, from /proc/loadavg).

    >>> system_tasks() >= 1
    True
    """
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            return int(loadavg.read().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return 1 << 30  # unknown: let the exact count decide every time


def wait_until_no_tasks(user_id: int, timeout: float = 15.0) -> bool:
    """Wait until no process of ``user_id`` is left; False if some still are after ``timeout``.

    >>> wait_until_no_tasks(2**31 - 5, timeout=0.1)
    True
    """
    deadline = time.monotonic() + timeout
    while count_tasks(user_id) > 0:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


class ProcessWatch(threading.Thread):
    """Stops a sandbox whose processes come close to the process cap (a fork bomb).

    The cap alone only stops the growth: the processes already started would spin
    until the cell's time limit, slowing every other submission on the machine.
    This watch counts the sandbox user's processes a few times a second and kills
    the sandbox when they reach ``cap - margin``; the submission then fails with a
    reason that says so.
    """

    def __init__(self, user_id: int, sandbox_pid: int, cap: int, interval: float = 0.2, margin: int = 16) -> None:
        super().__init__(name=f"mlteam-process-watch-{sandbox_pid}", daemon=True)
        self.user_id, self.sandbox_pid = user_id, sandbox_pid
        self.limit = max(1, cap - margin)
        self.interval = interval
        self.tripped = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        baseline = system_tasks()
        while not self._stop_event.wait(self.interval):
            # One small read per look; the exact count (a walk over /proc) only when the
            # machine's task count has grown by the limit since the sandbox started.
            if system_tasks() - baseline >= self.limit and count_tasks(self.user_id) >= self.limit:
                self.tripped = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(self.sandbox_pid, signal.SIGKILL)  # its processes die with it (--die-with-parent)
                return

    def stop(self) -> None:
        self._stop_event.set()


def disposable_workdir(workdir: Path, scratch: Path, user_id: int | None) -> tuple[Path, Path]:
    """A throwaway copy of ``workdir`` for learner code, and a folder for the kernel's sockets.

    Only plain files are copied. Whatever the code leaves behind (links to the
    gradebook, FIFOs, hard links) stays in the copy, which the grader deletes
    unread: nbgrader then writes, chmods and copies only in the real folder, which
    the code never had. Both belong to ``user_id`` when given.

    >>> import tempfile
    >>> folder, scratch = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> _ = (folder / "ex.ipynb").write_text("{}")
    >>> work, sockets = disposable_workdir(folder, scratch, None)
    >>> sorted(p.name for p in work.iterdir()), sockets.is_dir()
    (['ex.ipynb'], True)
    """
    work, sockets = scratch / "work", scratch / "sockets"
    stage_tree(workdir, work)
    sockets.mkdir(mode=0o700)
    if user_id is not None:
        for path in [work, sockets, *work.rglob("*")]:
            os.chown(path, user_id, user_id, follow_symlinks=False)
        # bubblewrap enters the working folder as root without capabilities before it switches
        # to the user: the others' x bit, which the grader's umask (027) leaves out, lets it in.
        os.chmod(work, 0o711)
    return work, sockets


class IsolatedExecute(Execute):
    """nbgrader's ``Execute`` with its kernel started by :class:`IsolatedKernelManager`.

    ``Execute`` passes ``kernel_manager_class`` as a keyword, which outranks
    ``c.Execute.kernel_manager_class`` in a config, so the sandbox is selected by
    putting this class in ``Autograde.autograde_preprocessors`` instead.
    """

    # The graded outputs are in hand when the last cell ends, and the working folder is
    # thrown away: the kernel gets no time for its own clean-up (atexit hooks are
    # learner code too). Waiting for a graceful exit cost about 0.4 s per notebook.
    shutdown_kernel = Enum(
        ["graceful", "immediate"], default_value="immediate",
        help="How the sandboxed kernel is stopped after the last cell; 'immediate' kills its sandbox.",
    ).tag(config=True)

    # Outputs stream from the kernel into the grader's memory, where the sandbox's caps do
    # not reach: a notebook printing flat out in every cell could hold gigabytes there.
    max_output_mb = Integer(
        64, help="Outputs one notebook may hold in the grader's memory, in MB. Beyond it only the "
                 "code questions' handed-over values are kept; the rest is dropped, with a note in the notebook.",
    ).tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", IsolatedKernelManager)
        super().__init__(*args, **kwargs)
        self._output_bytes, self._output_dropped = 0, False

    def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
        size = output_size(msg)
        self._output_bytes += size
        if size == 0 or self._output_bytes <= self.max_output_mb * 2**20 or self._is_handover(msg, cell_index, size):
            return super().output(outs, msg, display_id, cell_index)
        if not self._output_dropped:
            self._output_dropped = True
            from nbformat.v4 import new_output

            note = f"[The grader dropped this notebook's output beyond {self.max_output_mb} MB.]\n"
            outs.append(new_output("stream", name="stderr", text=note))
            self.log.warning("Output beyond %s MB dropped", self.max_output_mb)
        return None

    def _is_handover(self, msg: dict[str, Any], cell_index: int, size: int) -> bool:
        """A test cell's handed-over values, of a size the grader would read (see code_questions)."""
        from mlteam_utils.grading.answer_values import MAX_TEXT_BYTES, MEDIA_TYPE

        data = msg.get("content", {}).get("data")
        cell = self.nb.cells[cell_index] if 0 <= cell_index < len(self.nb.cells) else {}
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        return (isinstance(data, dict) and MEDIA_TYPE in data and bool(nbgrader.get("locked")) and bool(nbgrader.get("grade"))
                and size <= 2 * MAX_TEXT_BYTES)

    async def async_start_new_kernel_client(self) -> Any:
        client = await super().async_start_new_kernel_client()
        # The kernel answered: its sockets are bound, and no learner code has run yet.
        if isinstance(self.isolated_manager, IsolatedKernelManager):
            self.isolated_manager.seal_sockets()
        return client

    # nbconvert's preprocess() calls the blocking form, which nbclient binds to its own coroutine.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def create_kernel_manager(self) -> Any:
        # Kept: nbclient forgets its kernel manager when the kernel is gone, and the
        # manager knows whether the sandbox was stopped for starting too many processes.
        self.isolated_manager = super().create_kernel_manager()
        return self.isolated_manager

    def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
        self.isolated_manager = None
        self._output_bytes, self._output_dropped = 0, False
        try:
            return super().preprocess(nb, resources, km)
        except Exception as error:
            watch = getattr(self.isolated_manager, "process_watch", None)
            if watch is not None and watch.tripped:
                raise ProcessCapError(
                    f"learner code started processes up to the cap of {watch.limit} (a fork bomb?); grading stopped it"
                ) from error
            raise
        finally:
            if isinstance(self.isolated_manager, IsolatedKernelManager):
                self.isolated_manager.discard_scratch()


def output_size(msg: dict[str, Any]) -> int:
    """Characters of output an iopub message carries (0 for one that carries none).

    >>> output_size({"msg_type": "stream", "content": {"name": "stdout", "text": "hello"}})
    5
    >>> output_size({"msg_type": "display_data", "content": {"data": {"text/plain": "ab", "x/json": {"k": 1}}}})
    10
    >>> output_size({"msg_type": "status", "content": {"execution_state": "idle"}})
    0
    """
    content = msg.get("content", {})
    size = len(content["text"]) if isinstance(content.get("text"), str) else 0
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(json.dumps(value, default=str))
    for line in content.get("traceback") or ():
        size += len(str(line))
    return size


class ProcessCapError(RuntimeError):
    """The sandbox was stopped because learner code started too many processes."""


def _course_preprocessors(course_root: Path) -> list[str]:
    """``Autograde.autograde_preprocessors`` as the course's ``nbgrader_config.py`` sets them."""
    from nbgrader.converters import Autograde

    from mlteam_utils.nbgrader_runner import load_course_config

    if (Path(course_root) / "nbgrader_config.py").is_file():
        loaded = load_course_config(Path(course_root))
        if "autograde_preprocessors" in loaded.get("Autograde", {}):
            return [_dotted(p) for p in loaded.Autograde.autograde_preprocessors]
    return [_dotted(p) for p in Autograde.autograde_preprocessors.default_value]


def _dotted(preprocessor: Any) -> str:
    if isinstance(preprocessor, str):
        return preprocessor
    return f"{preprocessor.__module__}.{preprocessor.__qualname__}"


def _isolated_preprocessors(preprocessors: list[str]) -> list[str]:
    """The list with nbgrader's Execute replaced by :class:`IsolatedExecute`.

    >>> _isolated_preprocessors(["nbgrader.preprocessors.Execute", "x.Y"])
    ['mlteam_utils.grading.isolation.IsolatedExecute', 'x.Y']
    >>> _isolated_preprocessors(["x.Y"])
    Traceback (most recent call last):
    ...
    mlteam_utils.grading.isolation.IsolationUnavailable: the course's Autograde.autograde_preprocessors has no nbgrader Execute step to sandbox: ['x.Y']
    """
    execute_names = {PLAIN_EXECUTE, "nbgrader.preprocessors.execute.Execute", ISOLATED_EXECUTE}
    if not any(p in execute_names for p in preprocessors):
        raise IsolationUnavailable(
            f"the course's Autograde.autograde_preprocessors has no nbgrader Execute step to sandbox: {preprocessors}"
        )
    return [ISOLATED_EXECUTE if p in execute_names else p for p in preprocessors]


def nbgrader_isolation_config(
    course_root: Path,
    *,
    memory_mb: int = SandboxLimits.memory_mb,
    cpu_seconds: int = SandboxLimits.cpu_seconds,
    max_file_mb: int = SandboxLimits.max_file_mb,
    max_processes: int = SandboxLimits.max_processes,
    hidden_paths: Iterable[Path] = (),
) -> Config:
    """nbgrader settings that run autograde's kernels in the sandbox, as a traitlets ``Config``.

    Merge it into the config given to ``NbGraderAPI`` (after the course's own
    ``nbgrader_config.py``, whose preprocessor list it repeats with Execute
    swapped). ``hidden_paths`` are covered up too (e.g. the real course's
    ``solutions/`` when ``course_root`` is a temporary copy). It does not check that the sandbox works: call
    :func:`require_isolation` first for a clear message.

    >>> from pathlib import Path
    >>> from mlteam_utils.paths import find_course_root
    >>> config = nbgrader_isolation_config(find_course_root(Path(__file__)), memory_mb=512)
    >>> ISOLATED_EXECUTE in config.Autograde.autograde_preprocessors
    True
    >>> config.IsolatedKernelManager.memory_mb
    512
    """
    limits = SandboxLimits(memory_mb=memory_mb, cpu_seconds=cpu_seconds, max_file_mb=max_file_mb, max_processes=max_processes)
    root = Path(course_root).resolve()
    config = Config()
    config.Autograde.autograde_preprocessors = _isolated_preprocessors(_course_preprocessors(root))
    config.IsolatedKernelManager.course_root = str(root)
    config.IsolatedKernelManager.memory_mb = limits.memory_mb
    config.IsolatedKernelManager.cpu_seconds = limits.cpu_seconds
    config.IsolatedKernelManager.max_file_mb = limits.max_file_mb
    config.IsolatedKernelManager.max_processes = limits.max_processes
    config.IsolatedKernelManager.hidden_paths = [str(Path(p).resolve()) for p in hidden_paths]
    # The code-question tests run in the same kind of sandbox, in a fresh interpreter.
    config.ScoreCodeAnswers.isolate = True
    config.ScoreCodeAnswers.course_root = str(root)
    config.ScoreCodeAnswers.hidden_paths = [str(Path(p).resolve()) for p in hidden_paths]
    return config


def nbgrader_isolation_args(course_root: Path, **options: Any) -> list[str]:
    """The same settings as command-line options for ``nbgrader autograde``.

    >>> from mlteam_utils.paths import find_course_root
    >>> args = nbgrader_isolation_args(find_course_root(Path(__file__)), memory_mb=512)
    >>> "--IsolatedKernelManager.memory_mb=512" in args
    True
    >>> "--Autograde.autograde_preprocessors=mlteam_utils.grading.isolation.IsolatedExecute" in args
    True
    """
    config = nbgrader_isolation_config(course_root, **options)
    arguments = []
    for section, traits in config.items():
        for name, value in traits.items():
            # A list is given as one flag per item: traitlets collects repeated flags.
            for item in value if isinstance(value, list) else [value]:
                arguments.append(f"--{section}.{name}={item}")
    return arguments
