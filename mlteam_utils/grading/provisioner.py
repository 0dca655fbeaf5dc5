"""The kernel provisioner that starts a grading kernel in the bubblewrap sandbox.

jupyter_client's public extension point for how a kernel is launched is the kernel
provisioner: a kernelspec names one in ``metadata.kernel_provisioner.provisioner_name``,
and jupyter_client finds it under the ``jupyter_client.kernel_provisioners`` entry
point (this package registers :class:`SandboxProvisioner` as ``mlteam-sandbox``, see
``pyproject.toml``). :func:`sandbox_kernel_spec` turns a notebook's kernelspec into
one that names it; :class:`mlteam_utils.grading.isolation.IsolatedExecute` grades
with that kernelspec.

:class:`SandboxProvisioner` is jupyter_client's :class:`LocalProvisioner` with the
kernel command wrapped by :func:`mlteam_utils.grading.sandbox.sandbox_command`: the
learner's code, and every process it starts, sees only the system, Python and
``mlteam_utils`` read-only and a disposable copy of its own folder read-write; the
course's source folder (``solutions/``), every learner's submissions, the gradebook
(whatever the course's ``nbgrader_config.py`` calls them) and the instructor's home are not there;
there is no network, so the kernel's channels are Unix sockets in a folder of its
own; memory, CPU time, file size and process count are capped. Configure it with
``c.SandboxProvisioner.course_root`` (required) and the caps below; the settings
reach it through the kernel manager it belongs to.

>>> from importlib.metadata import entry_points
>>> [ep.value for ep in entry_points(group="jupyter_client.kernel_provisioners", name=PROVISIONER_NAME)]
['mlteam_utils.grading.provisioner:SandboxProvisioner']
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec, NoSuchKernel
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Integer, List, Unicode

from mlteam_utils.grading.isolation_check import PROVISIONER_NAME, IsolationUnavailable, require_isolation
from mlteam_utils.grading.sandbox import (
    SANDBOX_HOME,
    SANDBOX_TMP,
    SandboxLimits,
    count_tasks,
    package_paths,
    python_paths,
    sandbox_command,
    sandbox_environment,
    sandbox_user_id,
)
from mlteam_utils.grading.warm_kernels import KernelParent, WarmKernelsUnavailable, parents_running, shared_parent
from mlteam_utils.safe_files import stage_tree
from mlteam_utils.upstream.course_paths import hidden_from_learners

__all__ = [
    "PROVISIONER_NAME",
    "ProcessWatch",
    "SandboxProvisioner",
    "disposable_workdir",
    "sandbox_kernel_spec",
    "write_sandbox_kernel_spec",
]

# jupyter_client's rule for kernel names; the first character may not be a dot (no "..").
KERNEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*", re.IGNORECASE)


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel launched in the grading sandbox.

    It refuses to launch a kernel when the sandbox cannot run, rather than run
    learner code unconfined.
    """

    course_root = Unicode(
        "", help="The course being graded; the folders its nbgrader_config.py names (source, submissions, gradebook) are hidden.",
    ).tag(config=True)
    memory_mb = Integer(SandboxLimits.memory_mb, help="Address-space cap of each sandboxed process, in MB.").tag(config=True)
    cpu_seconds = Integer(SandboxLimits.cpu_seconds, help="CPU-time cap of each sandboxed process, in seconds.").tag(config=True)
    max_file_mb = Integer(SandboxLimits.max_file_mb, help="Largest file the sandboxed code may write, in MB.").tag(config=True)
    max_processes = Integer(SandboxLimits.max_processes, help="Process cap (RLIMIT_NPROC); a root grader runs learner code as an unprivileged user so that it holds.").tag(config=True)
    hidden_paths = List(Unicode(), help="More paths to cover up inside the sandbox.").tag(config=True)
    readable_paths = List(Unicode(), help="More paths the sandboxed code may read.").tag(config=True)
    warm_kernels = Bool(
        True, help="Fork each kernel, in namespaces of its own, from a parent that has imported ipykernel, pandas and "
        "the course's helpers (mlteam_utils.grading.kernel_zygote); False starts every kernel from scratch.",
    ).tag(config=True)

    # What one launch made, for cleanup() and the grader (set by pre_launch/launch_kernel).
    scratch: Path | None = None
    sockets: Path | None = None
    sandbox_uid: int | None = None
    process_watch: ProcessWatch | None = None
    warm_parent: KernelParent | None = None
    warm_request: list[str] = []  # ipykernel's arguments, for the warm parent

    def limits(self) -> SandboxLimits:
        """The caps as :class:`~mlteam_utils.grading.sandbox.SandboxLimits`.

        >>> SandboxProvisioner(memory_mb=256).limits().memory_mb
        256
        """
        return SandboxLimits(
            memory_mb=self.memory_mb,
            cpu_seconds=self.cpu_seconds,
            max_file_mb=self.max_file_mb,
            max_processes=self.max_processes,
        )

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Prepare the sandbox: a disposable working copy, a socket folder, the wrapped command."""
        if not self.course_root:
            raise IsolationUnavailable(
                "SandboxProvisioner.course_root is not set: use nbgrader_isolation_config(course_root) "
                "or nbgrader_isolation_args(course_root)"
            )
        require_isolation()
        km = self.parent
        if km is None:
            raise IsolationUnavailable("the sandbox provisioner runs only under a kernel manager")
        workdir = Path(kwargs.get("cwd") or os.getcwd())
        user_id = sandbox_user_id()
        environment = sandbox_environment(kwargs.get("env") or os.environ)
        hidden = [*hidden_from_learners(Path(self.course_root)), *(Path(p) for p in self.hidden_paths)]
        readable = [Path(p) for p in self.readable_paths]
        # The folder that holds the submissions' folders (autograded/<learner>/<exercise>): one parent serves them all.
        stage_root = workdir.resolve().parent.parent
        warm = self.warm_kernels and self.warm_stage_root(stage_root, readable)
        self.warm_parent = self.parent_for_warm_kernels(environment, hidden, readable, user_id, stage_root) if warm else None
        if self.warm_parent is not None and self.warm_parent.unusable:
            self.warm_parent = None  # said once, in the warning of the launch that found it
        if user_id is not None:
            # The processes of a sandbox stopped a moment ago (a fork bomb) may still be
            # exiting; they count against this user's process cap until they are gone.
            wait_until_no_tasks(user_id, allowed=parents_running())
        self.discard_scratch()  # a restart: the last launch's copy goes first
        scratch_root = self.warm_parent.scratch_root if self.warm_parent is not None else None
        self.scratch = Path(tempfile.mkdtemp(prefix="mlteam-kernel-", dir=scratch_root))
        scratch_work, sockets = disposable_workdir(workdir, self.scratch, user_id)
        self.sockets, self.sandbox_uid = sockets, user_id
        # No network in the sandbox: the kernel's channels are Unix sockets in a folder of its own.
        km.transport = "ipc"
        km.ip = str(sockets / "kernel")
        if self.warm_parent is not None:
            if user_id is not None:  # a forked kernel is already the sandbox user when it enters its copy
                os.chmod(self.scratch, 0o711)
            km.connection_file = str(self.scratch / "kernel.json")
        kwargs = await super().pre_launch(**kwargs)
        if user_id is not None:
            os.chown(km.connection_file, user_id, user_id)
        # A SIGINT sent to the process group would reach bubblewrap itself, which then
        # takes the sandbox down; interrupting by message only stops the cell. The
        # kernelspec says so already (sandbox_kernel_spec); this holds for any other.
        self.kernel_spec.interrupt_mode = "message"
        kernel_arguments = self.ipykernel_arguments(kwargs["cmd"])
        kwargs["env"] = sandbox_environment(kwargs.get("env") or os.environ)
        if kernel_arguments is None or kwargs["env"] != environment:
            # Another kernel command than ipykernel's own, or a kernelspec's own environment: started from scratch.
            self.warm_parent = None
        self.warm_request = kernel_arguments or []
        kwargs["cmd"] = sandbox_command(
            kwargs["cmd"],
            workdir=workdir,
            workdir_source=scratch_work,
            connection_file=Path(km.connection_file),
            limits=self.limits(),
            hidden=hidden,
            readable=readable,
            writable=[sockets],
            user_id=user_id,
        )
        self.log.debug("Sandboxed kernel command: %s", kwargs["cmd"])
        return kwargs

    def parent_for_warm_kernels(self, environment: dict[str, str], hidden: list[Path], readable: list[Path], user_id: int | None,
                                stage_root: Path) -> KernelParent:
        """This worker's kernel parent for these settings (started on first use, in a sandbox like a kernel's)."""
        limits = self.limits()

        def make() -> KernelParent:
            def command_for(scratch_root: Path, control: int) -> list[str]:
                # The parent is its sandbox's process 1: bubblewrap's own init, the grader's user
                # and dumpable when the grader is not root, would outlive every kernel in reach of them.
                return sandbox_command(
                    [sys.executable, "-m", "mlteam_utils.grading.kernel_zygote", str(control)],
                    workdir=stage_root, workdir_source=parent.empty, connection_file=None, limits=limits,
                    hidden=hidden, readable=readable, writable=[scratch_root], user_id=user_id, as_pid_1=True,
                )

            mounted = (*python_paths(), *package_paths(), *(str(Path(p).resolve()) for p in readable))
            under_tmp = tuple(path for path in mounted if Path(SANDBOX_TMP) in Path(path).parents)
            parent = KernelParent(command_for, environment, stage_root, keep=under_tmp)
            parent.prepare(traversable=user_id is not None)
            return parent

        key = (tuple(sorted(environment.items())), tuple(map(str, hidden)), tuple(map(str, readable)), limits, user_id,
               str(stage_root))
        return shared_parent(key, make)

    @staticmethod
    def warm_stage_root(stage_root: Path, readable: list[Path]) -> bool:
        """Whether a kernel parent may cover ``stage_root`` for its kernels: nothing the sandbox mounts is inside it.

        >>> SandboxProvisioner.warm_stage_root(Path("/srv/course/autograded"), [])
        True
        >>> SandboxProvisioner.warm_stage_root(Path("/tmp"), []), SandboxProvisioner.warm_stage_root(Path("/"), [])
        (False, False)
        """
        if stage_root in (Path("/"), Path(SANDBOX_TMP)) or len(stage_root.parts) < 3:
            return False
        mounted = [Path(path) for path in (*python_paths(), *package_paths())] + [Path(p).resolve() for p in readable]
        return not any(path == stage_root or stage_root in path.parents for path in mounted)

    @staticmethod
    def ipykernel_arguments(command: list[str]) -> list[str] | None:
        """The arguments of ``command`` if it is this interpreter's ``-m ipykernel_launcher`` (what the parent forks), else None.

        >>> SandboxProvisioner.ipykernel_arguments([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
        ['-f', 'k.json']
        >>> SandboxProvisioner.ipykernel_arguments(["/opt/other/python", "-m", "ipykernel_launcher", "-f", "k.json"]) is None
        True
        """
        if len(command) < 3 or command[1:3] != ["-m", "ipykernel_launcher"]:
            return None
        if Path(command[0]).resolve() != Path(sys.executable).resolve():
            return None
        return command[3:]

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork a warm kernel, or launch the wrapped command; a root grader also watches the sandbox user's process count."""
        connection_info = None
        if self.warm_parent is not None and self.scratch is not None:
            try:
                cwd = Path(kwargs.get("cwd") or os.getcwd()).resolve()
                kernel = self.warm_parent.fork(self.warm_request, cwd, self.scratch, SANDBOX_HOME)
            except WarmKernelsUnavailable as error:
                self.log.warning("Starting the kernel from scratch: %s", error)
            else:
                # jupyter_client drives it as it drives a Popen: poll, wait, send_signal, kill, terminate.
                self.process = kernel  # type: ignore[assignment]
                self.pid, self.pgid, self.cwd = kernel.pid, None, kwargs.get("cwd")
                connection_info = self.connection_info
        if connection_info is None:
            connection_info = await super().launch_kernel(cmd, **kwargs)
        if self.sandbox_uid is not None and self.process is not None:
            self.process_watch = ProcessWatch(self.sandbox_uid, self.process.pid, self.max_processes)
            self.process_watch.start()
        return connection_info

    async def cleanup(self, restart: bool = False) -> None:
        """jupyter_client's clean-up, then the disposable working copy and socket folder go."""
        await super().cleanup(restart=restart)
        self.discard_scratch()

    async def get_provisioner_info(self) -> dict[str, Any]:
        """The local provisioner's information plus the sandbox's settings."""
        info = await super().get_provisioner_info()
        info["sandbox"] = {
            "course_root": self.course_root,
            "limits": dataclasses.asdict(self.limits()),
            "hidden_paths": list(self.hidden_paths),
            "readable_paths": list(self.readable_paths),
            "user_id": self.sandbox_uid,
        }
        return info

    def seal_sockets(self) -> bool:
        """Take the kernel's socket folder back from the sandbox user once the kernel has bound its sockets.

        Until then the kernel must create its socket files there; afterwards learner
        code could replace one with a link to another socket on the machine, which the
        grader's ZeroMQ would reconnect to. Owned by the grader, the folder's entries can
        no longer be renamed or removed from inside the sandbox. Only a root grader runs
        the kernel as another user; False when there is nothing to seal.

        >>> SandboxProvisioner().seal_sockets()
        False
        """
        if self.sockets is None or self.sandbox_uid is None:
            return False
        os.chown(self.sockets, os.geteuid(), os.getegid())
        os.chmod(self.sockets, 0o755)
        return True

    def process_cap_tripped(self) -> int | None:
        """The process count at which the watch stopped the sandbox, or None if it did not.

        >>> SandboxProvisioner().process_cap_tripped() is None
        True
        """
        watch = self.process_watch
        return watch.limit if watch is not None and watch.tripped else None

    def discard_scratch(self) -> None:
        """Stop the process watch; delete the disposable working copy and socket folder (links inside are not followed)."""
        if self.process_watch is not None:
            self.process_watch.stop()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


def sandbox_kernel_spec(spec: KernelSpec) -> dict[str, Any]:
    """The kernel.json of ``spec`` run in the sandbox: it names :class:`SandboxProvisioner`.

    The command, environment and language stay; the kernel is interrupted by message
    (a signal would reach bubblewrap); ``{resource_dir}`` in the command keeps pointing
    at the original kernelspec's folder.

    >>> spec = KernelSpec(argv=["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    ...                   display_name="Python 3", language="python", resource_dir="/k/python3",
    ...                   metadata={"debugger": True})
    >>> sandboxed = sandbox_kernel_spec(spec)
    >>> sandboxed["metadata"]["kernel_provisioner"]
    {'provisioner_name': 'mlteam-sandbox', 'config': {}}
    >>> sandboxed["argv"] == spec.argv, sandboxed["interrupt_mode"], sandboxed["metadata"]["debugger"]
    (True, 'message', True)
    """
    data = spec.to_dict()
    data["argv"] = [arg.replace("{resource_dir}", spec.resource_dir) for arg in spec.argv]
    data["display_name"] = f"{spec.display_name} (grading sandbox)"
    data["interrupt_mode"] = "message"
    data["metadata"] = {**(spec.metadata or {}), "kernel_provisioner": {"provisioner_name": PROVISIONER_NAME, "config": {}}}
    return data


def write_sandbox_kernel_spec(kernels: Path, name: str, spec: KernelSpec) -> Path:
    """Write the sandboxed variant of ``spec`` as kernel ``name`` into the kernels folder ``kernels``.

    The name is the notebook's (the learner's file says it): only a valid kernel name
    is written, as jupyter_client looks it up (lower case).

    >>> import json, tempfile
    >>> spec = KernelSpec(argv=["python"], display_name="Python 3", language="python", resource_dir="/k")
    >>> folder = write_sandbox_kernel_spec(Path(tempfile.mkdtemp()), "Python3", spec)
    >>> folder.name, json.loads((folder / "kernel.json").read_text())["metadata"]["kernel_provisioner"]["provisioner_name"]
    ('python3', 'mlteam-sandbox')
    >>> write_sandbox_kernel_spec(Path(tempfile.mkdtemp()), "../x", spec)
    Traceback (most recent call last):
    ...
    jupyter_client.kernelspec.NoSuchKernel: No such kernel named ../x
    """
    import json

    if not KERNEL_NAME.fullmatch(name):
        raise NoSuchKernel(name)
    folder = kernels / name.lower()
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps(sandbox_kernel_spec(spec), indent=1), encoding="utf-8")
    return folder


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


def wait_until_no_tasks(user_id: int, timeout: float = 15.0, allowed: int = 0) -> bool:
    """Wait until no process of ``user_id`` is left (but ``allowed``: a warm kernel parent's); False if some still are after ``timeout``.

    >>> wait_until_no_tasks(2**31 - 5, timeout=0.1)
    True
    """
    deadline = time.monotonic() + timeout
    while count_tasks(user_id) > allowed:
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

    #: Looks between two exact counts, whatever the machine's task count says (about a second).
    EXACT_EVERY = 5

    def __init__(self, user_id: int, sandbox_pid: int, cap: int, interval: float = 0.2, margin: int = 16) -> None:
        super().__init__(name=f"mlteam-process-watch-{sandbox_pid}", daemon=True)
        self.user_id, self.sandbox_pid = user_id, sandbox_pid
        self.limit = max(1, cap - margin)
        self.interval = interval
        self.tripped = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        floor = system_tasks()
        looks = 0
        while not self._stop_event.wait(self.interval):
            # One small read per look; the exact count (a walk over /proc) when the machine's
            # task count has grown by the limit over its lowest since the sandbox started, and
            # every EXACT_EVERY looks anyway: other processes ending on a busy machine can hide
            # a bomb's growth from the machine's count, never from the exact one.
            looks += 1
            tasks = system_tasks()
            floor = min(floor, tasks)
            due = tasks - floor >= self.limit or looks % self.EXACT_EVERY == 0
            if due and count_tasks(self.user_id) >= self.limit:
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
