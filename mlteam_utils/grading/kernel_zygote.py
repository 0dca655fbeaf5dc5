"""A warm parent for grading kernels: imports once, forks a fresh kernel per submission.

A grading kernel spends most of its CPU before the learner's first line runs: the
interpreter, ipykernel and IPython (about 0.4 CPU s), then pandas and the course's
helpers in the exercise's first cells (about 0.5 CPU s), of about 1.5 CPU s in all
(measured on exercise 2). This program runs inside a worker's sandbox (the same
bubblewrap command as a kernel, :func:`mlteam_utils.grading.sandbox.sandbox_command`),
imports all of that once, and then, per request, forks a child that becomes one
submission's kernel. A forked kernel cost 0.39–0.49 CPU s on the same notebook; a cohort
of 100 submissions took 1.46 CPU s each, all included, against plain nbgrader's 2.19
(``python -m benchmarks grading``).

Each kernel is still fresh and alone, in namespaces of its own made before any learner code runs:

* a **user namespace** (identity-mapped: the code keeps the sandbox's user id, so the
  process cap still counts it) that gives the child the right to make the others, and
  whose capabilities are all dropped again before the kernel starts;
* a **process namespace** whose process 1 is a small init that starts the kernel as
  process 2 (as bubblewrap does) and ends with it: then Linux kills every process the
  learner's code left behind, and the code cannot name, signal or trace this parent or
  an earlier kernel;
* a **mount namespace** with a fresh ``/tmp`` (and home, inside it) and ``/dev/shm``,
  where the worker's scratch folder shows only this submission's socket folder, and its
  disposable copy shows at the submission's real path, alone in its folder;
* IPC, network and host-name namespaces of its own.

This parent holds nothing a learner may not see (it never runs learner code, reads no
submission), and it is not dumpable: another process of the same user can neither trace
it nor open its ``/proc`` files.

Modules are imported as a kernel would import them: pandas picks its display defaults from
``get_ipython()`` at import, so a stand-in says "a kernel" while they load. The same
environment reaches every kernel (the worker starts another parent when it changes).

What a forked kernel shares with its parent, unlike a fresh one: the string hash seed (set
iteration order of strings is the same for every submission a worker grades, as under a
fixed ``PYTHONHASHSEED``). Random numbers are not shared: numpy's global state is seeded
afresh in each kernel, Python's ``random`` by its own fork hook.

Known limit: Linux refuses a new ``/proc`` inside
bubblewrap's (its ``/proc/sys`` cover makes it "too revealing"), so the kernel sees the
worker sandbox's ``/proc``: the parent's entries (closed, see above) and its own under
another number than ``os.getpid()``.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import errno
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

__all__ = ["WARM_MODULES", "ForkRefused", "fork_kernel", "serve"]

#: What every exercise's kernel imports (the exercises' first cells and ipykernel's own start).
WARM_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.core.interactiveshell",
    "pandas",
    "mlteam_utils.answers",
    "mlteam_utils.questions",
    "mlteam_utils.domain",
)

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
_PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 4, 24, 36, 38
_LAST_CAPABILITY = 63


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return libc


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(libc: ctypes.CDLL, source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    _check(libc.mount(source and source.encode(), target.encode(), kind and kind.encode(), flags, data and data.encode()),
           f"mount {target}")


def _prctl(libc: ctypes.CDLL, option: int, value: int) -> None:
    _check(libc.prctl(option, value, 0, 0, 0), f"prctl {option}")


def _drop_capabilities(libc: ctypes.CDLL) -> None:
    """No capability left, none to regain (the user namespace gave the child all of them)."""
    for capability in range(_LAST_CAPABILITY + 1):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: no such capability
            _check(-1, f"drop capability {capability}")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (two words each): nothing
    _check(libc.capset(header, data), "capset")
    _prctl(libc, _PR_SET_NO_NEW_PRIVS, 1)


def _own_namespaces(libc: ctypes.CDLL, scratch: Path, cwd: Path, stage_root: Path, home: str, keep: list[Path]) -> None:
    """In the forked child: namespaces of its own, a fresh /tmp and home, only this submission's files.

    ``scratch`` (the kernel's socket folder and connection file, and its disposable copy in
    ``scratch/work``) is the one folder of the worker's scratch root it sees; the copy shows at
    ``cwd``, the submission's real folder, in an empty tmpfs over ``stage_root`` (where the
    worker's sandbox had only an empty folder), as a kernel started from scratch sees it.
    ``keep`` are the sandbox's read-only mounts under /tmp (a venv or a checkout there): bound
    again, with the covers inside them, over the fresh /tmp.
    """
    uid, gid = os.getuid(), os.getgid()
    _check(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNET | _CLONE_NEWUTS), "unshare")
    Path("/proc/self/setgroups").write_text("deny", encoding="ascii")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1", encoding="ascii")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1", encoding="ascii")
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    # Kept open while what holds them is covered (the worker's scratch is often under /tmp).
    keep_scratch = os.open(scratch, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
    keep_work = os.open(scratch / "work", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
    kept = [(path, os.open(path, os.O_PATH | os.O_NOFOLLOW)) for path in keep if path.exists()]
    _mount(libc, "tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777")
    for path, held in kept:
        if os.path.isdir(f"/proc/self/fd/{held}"):
            os.makedirs(path, mode=0o755, exist_ok=True)
        else:
            os.makedirs(path.parent, mode=0o755, exist_ok=True)
            path.touch()
        _mount(libc, f"/proc/self/fd/{held}", str(path), None, _MS_BIND | _MS_REC)
        _mount(libc, None, str(path), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
        os.close(held)
    os.mkdir(home, 0o700)
    if os.path.isdir("/dev/shm"):
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777")
    for folder, held, cover in ((scratch, keep_scratch, scratch.parent), (cwd, keep_work, stage_root)):
        covered = cover.is_dir()
        if covered:  # an empty tmpfs over what else was there, read-only once the mount point is made
            _mount(libc, "tmpfs", str(cover), "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=64k")
        os.makedirs(folder, mode=0o755)
        if covered:
            _mount(libc, None, str(cover), None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
        _mount(libc, f"/proc/self/fd/{held}", str(folder), None, _MS_BIND | _MS_REC)
        os.close(held)


def _read_line(descriptor: int, limit: int = 65536) -> bytes:
    """One line from ``descriptor``, read a byte at a time so that nothing after it is consumed."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(descriptor, 1)
        if not byte or len(line) >= limit:
            raise EOFError("the worker closed the control socket")
        line += byte
    return bytes(line)


def fork_kernel(control: int) -> int:
    """Fork one kernel for one submission; its process id (in this parent's namespace).

    The child reads the request itself, on the control socket: the submission's paths (they
    name the learner) never enter this parent, so no later kernel, a copy of its memory,
    finds who was graded before it.
    """
    libc = _libc()
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # pragma: no cover - a forked child; the sandbox tests drive it
        status = 1
        try:
            os.close(read_end)
            os.write(control, b"ready\n")
            request = json.loads(_read_line(control))
            arguments = [str(argument) for argument in request["arguments"]]
            cwd, scratch, stage_root = Path(request["cwd"]), Path(request["scratch"]), Path(request["stage_root"])
            _close_inherited(keep=write_end)  # the control socket above all: a kernel never holds it
            # The parent is not dumpable, so its child's /proc files are root's: the child may
            # not write its own uid map until it is dumpable again, and is not once that is done.
            _prctl(libc, _PR_SET_DUMPABLE, 1)
            _own_namespaces(libc, scratch, cwd, stage_root, str(request["home"]), [Path(p) for p in request["keep"]])
            _prctl(libc, _PR_SET_DUMPABLE, 0)
            init = os.fork()  # process 1 of the new process namespace
            if init == 0:
                _run_init(libc, arguments, cwd)
            os.write(write_end, str(init).encode("ascii"))
            status = 0
        except BaseException as error:  # noqa: BLE001 - the parent reports it
            refused = isinstance(error, OSError) and error.errno in (errno.EPERM, errno.EACCES, errno.EINVAL, errno.ENOSYS)
            os.write(write_end, f"{'refused' if refused else 'error'} {error}".encode("utf-8", "replace"))
        finally:
            os._exit(status)
    os.close(write_end)
    reply = os.read(read_end, 4096).decode("utf-8", "replace")
    os.close(read_end)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(middle, 0)
    if not reply.isdigit():
        raise ForkRefused(reply) if reply.startswith("refused") else OSError(reply or "the kernel's namespaces could not be made")
    return int(reply)


class ForkRefused(OSError):
    """This machine refuses what a forked kernel needs (user namespaces, mounts): it will every time."""


def _close_inherited(keep: int) -> None:
    """Close every descriptor but the standard three and ``keep``."""
    for name in os.listdir("/proc/self/fd"):
        number = int(name)
        if number > 2 and number != keep:
            with contextlib.suppress(OSError):  # the listing's own descriptor, closed already
                os.close(number)


def _run_init(libc: ctypes.CDLL, arguments: list[str], cwd: Path) -> None:  # pragma: no cover - forked child
    """Process 1 of the kernel's namespace: start the kernel as process 2, reap, end with it.

    As in bubblewrap's own sandbox: Linux lets no process of the namespace kill its process 1
    (which has no signal handler), so the kernel must not be it; a kernel that kills itself
    ends as a fresh one would. When this process ends, Linux kills whatever is left in the
    namespace; the worker holds this process (its pidfd) to end the kernel.
    """
    status = 1
    try:
        _close_inherited(keep=-1)  # the report pipe too
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        # No capability for the init or the kernel (the namespaces are made); the init is not
        # dumpable either, so the kernel can neither read its /proc files nor trace it.
        _drop_capabilities(libc)
        kernel = os.fork()
        if kernel == 0:
            _become_kernel(arguments, cwd)
        _prctl(libc, _PR_SET_DUMPABLE, 0)
        while True:
            pid, wait_status = os.waitpid(-1, 0)
            if pid == kernel:
                status = os.waitstatus_to_exitcode(wait_status)
                status = status if status >= 0 else 128 - status
                break
    finally:
        os._exit(status)


def _become_kernel(arguments: list[str], cwd: Path) -> None:  # pragma: no cover - forked child
    try:
        os.setsid()
        os.chdir(cwd)
        _as_if_started_here(arguments, cwd)
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=arguments)
    except BaseException:  # noqa: BLE001 - the worker's log shows why the kernel did not start
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _as_if_started_here(arguments: list[str], cwd: Path) -> None:  # pragma: no cover - forked child
    """What ``python -m ipykernel_launcher ARGUMENTS`` started in ``cwd`` would have set up differently.

    ``sys.path[0]`` is the folder it starts in, ``sys.argv`` its own; numpy's global random
    state, copied from the parent, is seeded afresh from the system (Python's ``random`` is,
    by its own fork hook), so no two kernels draw the same numbers.
    """
    import ipykernel_launcher  # type: ignore[import-untyped]

    sys.path[0] = str(cwd)
    sys.argv = [str(ipykernel_launcher.__file__), *arguments]
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()


def _warm(modules: Iterable[str]) -> None:
    """Import ``modules`` as they would be in a kernel: pandas asks ``get_ipython()`` for its display defaults."""
    import importlib

    stand_in = SimpleNamespace(kernel=True)
    builtins.get_ipython = lambda: stand_in  # type: ignore[attr-defined]
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        del builtins.get_ipython  # type: ignore[attr-defined]


def serve(control: socket.socket, modules: Iterable[str] = WARM_MODULES) -> None:
    """Answer each ``fork`` line on ``control`` with the kernel's pid and a pidfd (see :func:`fork_kernel`)."""
    libc = _libc()
    _prctl(libc, _PR_SET_DUMPABLE, 0)
    _prctl(libc, _PR_SET_CHILD_SUBREAPER, 1)
    _warm(modules)
    if threading.active_count() != 1:
        raise RuntimeError("the kernel parent must fork with one thread only")
    # Ended kernels (and what they left, killed with them) are reaped at once: the worker
    # waits until the sandbox user has no process but this one before the next kernel.
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    descriptor = control.fileno()
    while True:
        try:
            command = _read_line(descriptor, limit=16)
        except EOFError:
            return
        if command != b"fork\n":
            raise RuntimeError(f"unknown request {command!r}")
        # Not reaped before its pidfd is open: a kernel that ended at once keeps its number until then.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            pid = fork_kernel(descriptor)
            handle = os.pidfd_open(pid)
        except OSError as error:
            kind = "refused" if isinstance(error, ForkRefused) else "error"
            control.sendall(json.dumps({kind: str(error)}).encode("utf-8") + b"\n")
            continue
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        socket.send_fds(control, [json.dumps({"pid": pid}).encode("utf-8") + b"\n"], [handle])
        os.close(handle)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:  # pragma: no cover - runs in the sandbox
    """``python -m mlteam_utils.grading.kernel_zygote FD``: serve on the inherited socket ``FD``."""
    serve(socket.socket(fileno=int(sys.argv[1])))


if __name__ == "__main__":  # pragma: no cover
    main()
