"""The grader's side of warm kernels: one kernel parent per worker, a fresh kernel per submission.

:mod:`mlteam_utils.grading.kernel_zygote` runs in a sandbox of its own, with the course
hidden exactly as for a kernel (the same :func:`~mlteam_utils.grading.sandbox.sandbox_command`),
and forks each kernel into namespaces of its own. Here the worker starts that parent
(:class:`KernelParent`), asks it for kernels, and holds each one by a pidfd
(:class:`ForkedKernel`), which jupyter_client drives as it drives a ``Popen``: poll,
wait, signal, kill. A pidfd names the process itself, never another that reuses its
number once it is gone.

The parent is started again when it has died (a kernel cannot reach it: see its module),
and :class:`~mlteam_utils.grading.provisioner.SandboxProvisioner` falls back to a kernel
started from scratch, as before, whenever it cannot be used.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["ForkedKernel", "KernelParent", "WarmKernelsUnavailable", "parents_running", "pidfd_pid", "shared_parent", "stop_all"]


#: How long the worker waits for the parent's answer (its first one includes its imports).
REPLY_TIMEOUT_SECONDS = 120.0


class WarmKernelsUnavailable(RuntimeError):
    """The kernel parent could not give a kernel (the caller starts one from scratch)."""


def pidfd_pid(handle: int) -> int:
    """The process id a pidfd refers to, as this process numbers it (from ``/proc/self/fdinfo``).

    >>> handle = os.pidfd_open(os.getpid())
    >>> pidfd_pid(handle) == os.getpid()
    True
    >>> os.close(handle)
    """
    for line in Path(f"/proc/self/fdinfo/{handle}").read_text(encoding="ascii").splitlines():
        if line.startswith("Pid:"):
            return int(line.split()[1])
    raise WarmKernelsUnavailable("the kernel's pidfd names no process")


class ForkedKernel:
    """A kernel forked by the parent, held by a pidfd, with the part of ``Popen`` jupyter_client uses.

    >>> import sys
    >>> child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    >>> kernel = ForkedKernel(os.pidfd_open(child.pid))
    >>> kernel.pid == child.pid, kernel.poll() is None
    (True, True)
    >>> kernel.kill(); _ = child.wait(); kernel.wait()
    -9
    """

    stdin = stdout = stderr = None  # jupyter_client closes these when set

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.pid = pidfd_pid(handle)
        self.returncode: int | None = None
        self._signalled: int | None = None

    def _ended(self, timeout: float | None) -> bool:
        """Whether the pidfd says the process has ended (``poll``: any descriptor number works)."""
        watch = select.poll()
        watch.register(self.handle, select.POLLIN)
        return bool(watch.poll(None if timeout is None else int(timeout * 1000)))

    def poll(self) -> int | None:
        """None while the kernel runs; then -N if this side ended it with signal N, else 0 (its parent reaps it)."""
        if self.returncode is None and self._ended(0):
            self.returncode = -self._signalled if self._signalled else 0
            os.close(self.handle)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait until the kernel has ended (or ``timeout`` seconds) and return :meth:`poll`'s answer."""
        if self.returncode is None:
            self._ended(timeout)
        return self.poll()

    def send_signal(self, number: int) -> None:
        """Signal the kernel's namespace init (SIGKILL ends it, and with it every process in the namespace).

        Linux delivers only SIGKILL and SIGSTOP to a namespace's init that has no handler,
        so any other signal ends the kernel the same way (jupyter_client sends SIGTERM
        only to end a kernel that did not answer its shutdown request; interrupts go by message).
        """
        if self.returncode is not None:
            return
        number = number if number in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCONT, 0) else signal.SIGKILL
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self.handle, number)
            self._signalled = number

    def kill(self) -> None:
        """SIGKILL, as ``Popen.kill``."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM, as ``Popen.terminate``."""
        self.send_signal(signal.SIGTERM)


class KernelParent:
    """One worker's kernel parent: started in a sandbox by ``command_for(scratch_root, fd)``, asked for kernels.

    ``stage_root`` is the folder that holds the submissions' folders (nbgrader's ``autograded/``
    or a worker's staging copy of it): the parent's sandbox has an empty folder there, where
    each kernel sees its own submission's copy alone.
    """

    def __init__(self, command_for: Callable[[Path, int], list[str]], environment: Mapping[str, str], stage_root: Path,
                 keep: tuple[str, ...] = ()) -> None:
        self.scratch_root = Path(tempfile.mkdtemp(prefix="mlteam-kernels-"))
        self.empty = self.scratch_root / "empty"  # what the parent's sandbox shows at stage_root
        self.empty.mkdir()
        self.stage_root = stage_root
        #: The sandbox's read-only mounts under /tmp, which a kernel's fresh /tmp must show again.
        self.keep = keep
        #: Why this machine cannot fork kernels (e.g. user namespaces refused), once a fork has failed.
        self.unusable = ""
        self.environment = dict(environment)
        self._command_for = command_for
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._last_line = b""

    def prepare(self, traversable: bool) -> None:
        """The scratch root stays the grader's; ``traversable`` when the kernels run as another user, who may pass through it."""
        os.chmod(self.scratch_root, 0o711 if traversable else 0o700)
        os.chmod(self.empty, 0o755 if traversable else 0o700)

    def alive(self) -> bool:
        """Whether the parent runs (started and not ended)."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the parent in its sandbox (stopping one that ran before)."""
        self.stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._process = subprocess.Popen(
                self._command_for(self.scratch_root, theirs.fileno()), env=self.environment, cwd=self.scratch_root,
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        # A parent that stops answering (it cannot be reached from a kernel, but a machine can
        # starve it) costs one submission this long, then a kernel from scratch.
        ours.settimeout(REPLY_TIMEOUT_SECONDS)
        self._control = ours

    def fork(self, arguments: list[str], cwd: Path, scratch: Path, home: str) -> ForkedKernel:
        """A fresh kernel for one submission (ipykernel's ``arguments``), whose copy (``scratch/work``) shows at ``cwd``.

        ``scratch`` is a folder of the scratch root; ``cwd`` is under this parent's stage root.
        """
        if not self.alive() or self._control is None:
            self.start()
        assert self._control is not None
        request = {"arguments": list(arguments), "cwd": str(cwd), "scratch": str(scratch),
                   "stage_root": str(self.stage_root), "home": home, "keep": list(self.keep)}
        try:
            # "fork"; the child it forks answers "ready" and reads the request itself (see kernel_zygote.fork_kernel).
            self._control.sendall(b"fork\n")
            if self._receive_line() == b"ready\n":
                self._control.sendall(json.dumps(request).encode("utf-8") + b"\n")
                message, handles, _, _ = socket.recv_fds(self._control, 65536, 1)
            else:
                message, handles = self._last_line, []
        except OSError as error:
            self.stop()
            raise WarmKernelsUnavailable(f"the kernel parent stopped answering: {error}") from error
        if not message:
            self.stop()
            raise WarmKernelsUnavailable("the kernel parent has ended")
        try:
            reply = json.loads(message.decode("utf-8", "replace").splitlines()[0])
            if not handles:
                if "refused" in reply:  # the same refusal would follow every time: said once, then kernels from scratch
                    self.unusable = f"this machine refuses what a forked kernel needs: {reply['refused']}"
                    raise WarmKernelsUnavailable(self.unusable)
                raise WarmKernelsUnavailable(f"the kernel parent could not fork a kernel: {reply.get('error', reply)}")
            kernel = ForkedKernel(handles[0])
        except (ValueError, IndexError, OSError) as error:
            for handle in handles:
                os.close(handle)
            self.stop()
            raise WarmKernelsUnavailable(f"the kernel parent's answer was not understood: {error}") from error
        return kernel

    def _receive_line(self) -> bytes:
        """The next line from the parent (or its child), kept in ``_last_line``; empty at its end."""
        assert self._control is not None
        line = b""
        while not line.endswith(b"\n"):
            chunk = self._control.recv(1)
            if not chunk:
                break
            line += chunk
        self._last_line = line
        return line


    def stop(self) -> None:
        """End the parent (every kernel it forked ends with it: it is its sandbox's process 1); it starts again when asked."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            self._process.wait()
            self._process = None

    def remove(self) -> None:
        """End the parent for good and remove its scratch root."""
        self.stop()
        shutil.rmtree(self.scratch_root, ignore_errors=True)


_PARENTS: dict[tuple[object, ...], KernelParent] = {}
_PARENTS_STOPPED_AT_EXIT: list[bool] = []


def shared_parent(key: tuple[object, ...], make: Callable[[], KernelParent]) -> KernelParent:
    """This process's kernel parent for ``key`` (the sandbox's settings); another key replaces it."""
    parent = _PARENTS.get(key)
    if parent is None:
        stop_all()
        if not _PARENTS_STOPPED_AT_EXIT:
            atexit.register(stop_all)
            _PARENTS_STOPPED_AT_EXIT.append(True)
        parent = _PARENTS[key] = make()
    return parent


def stop_all() -> None:
    """Stop this process's kernel parents and remove their scratch roots (at exit too)."""
    for parent in _PARENTS.values():
        parent.remove()
    _PARENTS.clear()


def parents_running() -> int:
    """How many kernel parents of this process run (each is one process of the sandbox user).

    >>> parents_running() >= 0
    True
    """
    return sum(parent.alive() for parent in _PARENTS.values())
