"""Build the bubblewrap command that runs learner code in a sandbox.

nbgrader runs a submission's code as the grading user, so without a sandbox that
code can read ``solutions/``, the gradebook and other learners' work (nbgrader
issue 483). This module only *builds and probes* commands; the kernel provisioner in
:mod:`mlteam_utils.grading.provisioner` uses it.

The sandbox is an allow-list, not a deny-list: its root is an empty tmpfs into
which only what the Python kernel needs is mounted read-only (the system's
``/usr``, ``/etc`` less its private files, the Python installation and the
``mlteam_utils`` package), plus the one folder the code may write (its working
folder, a disposable copy that the grader throws away afterwards) and its own
connection file. What the grader names as hidden (the course's configured source
folder, submissions, gradebook: :mod:`mlteam_utils.upstream.course_paths`) is
covered as well wherever one of those mounts contains it. All
capabilities are dropped, so the code cannot unmount anything; process, IPC, UTS
and network namespaces are new: the sandbox has no network at all, not even
loopback, and the kernel talks to the grader over Unix sockets in a folder of its
own. ``prlimit`` caps address space, CPU time, file size and process count; when
the grader runs as root, the code runs as an unprivileged user (see
:func:`sandbox_user_id`), so the process cap holds.

>>> limits = SandboxLimits(memory_mb=512)
>>> command = sandbox_command(
...     ["python", "-m", "ipykernel_launcher", "-f", "/run/k.json"],
...     workdir=Path("/srv/course/course/autograded/ada/ex01"),
...     connection_file=Path("/run/k.json"),
...     limits=limits,
...     hidden=[Path("/srv/course/solutions")],
... )
>>> command[:2] == ["prlimit", f"--as={512 * 1024 * 1024}"]
True
>>> "--unshare-net" in command
True

/srv is not mounted, so the sandbox has no /srv/course/solutions to cover (see :func:`covered_paths`):

>>> "/srv/course/solutions" in command
False
>>> command[command.index("--bind") + 1:command.index("--bind") + 3]
['/srv/course/course/autograded/ada/ex01', '/srv/course/course/autograded/ada/ex01']
>>> command[-5:]
['python', '-m', 'ipykernel_launcher', '-f', '/run/k.json']
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Where the sandboxed code finds a writable home and temporary folder (both tmpfs).
SANDBOX_TMP = "/tmp"
SANDBOX_HOME = "/tmp/home"

# Top-level system folders mounted read-only when they exist (links are recreated as links).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")

# Environment variables passed into the sandbox; everything else (tokens, database
# passwords, JPY_PARENT_PID, whose poller would see PID 1 as a dead parent) stays out.
PASSED_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "TZ", "NBGRADER_EXECUTION", "PYTHONHASHSEED", "PYTHONIOENCODING")
PASSED_PREFIXES = ("LC_",)

MB = 1024 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    """Resource caps for one sandboxed kernel and every process it starts.

    ``memory_mb`` caps each process's address space (RLIMIT_AS); ``cpu_seconds``
    its CPU time (RLIMIT_CPU, the kernel is killed when it is used up; the wall
    time of a cell is capped by nbgrader's ``Execute.timeout``); ``max_file_mb``
    the size of any file it writes; ``max_processes`` the processes of the user
    (RLIMIT_NPROC, which Linux does not enforce for root: see
    :func:`process_cap_note`).

    >>> SandboxLimits().memory_mb
    1024
    >>> SandboxLimits(memory_mb=0)
    Traceback (most recent call last):
    ...
    ValueError: memory_mb must be a positive whole number, not 0
    """

    memory_mb: int = 1024
    cpu_seconds: int = 600
    max_file_mb: int = 128
    max_processes: int = 256

    def __post_init__(self) -> None:
        for name in ("memory_mb", "cpu_seconds", "max_file_mb", "max_processes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive whole number, not {value!r}")

    def prlimit_arguments(self) -> list[str]:
        """``prlimit`` options that set these caps (soft and hard alike).

        >>> SandboxLimits(memory_mb=1, cpu_seconds=2, max_file_mb=3, max_processes=4).prlimit_arguments()
        ['--as=1048576', '--cpu=2', '--fsize=3145728', '--nproc=4', '--core=0']
        """
        return [
            f"--as={self.memory_mb * MB}",
            f"--cpu={self.cpu_seconds}",
            f"--fsize={self.max_file_mb * MB}",
            f"--nproc={self.max_processes}",
            "--core=0",
        ]


#: The first of the user ids the sandboxed code runs as when the grader is root, and how many
#: (kernel, test runner) pairs there are: ids SANDBOX_UID_BASE to SANDBOX_UID_BASE + 2 * SANDBOX_SLOTS - 1,
#: below the learners' uids on Kubernetes (mlteam_utils/hub/learner_uids.py: from 10,000,000).
SANDBOX_UID_BASE = 0x2_0000
SANDBOX_SLOTS = 0x40_0000


def sandbox_user_id(euid: int | None = None, pid: int | None = None, role: int = 0, namespace: int | None = None) -> int | None:
    """The unprivileged user id sandboxed code runs as, or None to keep the grader's own.

    Linux does not enforce the process cap (RLIMIT_NPROC) for root, so a root
    grader runs learner code as a user id of its own, one per grading process so
    that one learner's fork bomb cannot use up another worker's processes; ``role``
    1 (the code-question test runner) gets an id apart from the kernels' (0). A
    non-root grader keeps its own id (it cannot change it).

    The process id alone is not enough: graders in containers (Kubernetes pods, each in a
    process namespace of its own) number their processes alike from 1, so two pods on one node
    would run their sandboxes as one user, whose process count the kernel keeps for the whole
    node. ``namespace`` (by default this process's process namespace, :func:`pid_namespace`)
    is mixed in; two workers of different namespaces then share an id only by chance (about 1
    in 4 million).

    >>> sandbox_user_id(euid=0, pid=42, namespace=0) == SANDBOX_UID_BASE + 84
    True
    >>> sandbox_user_id(euid=0, pid=42, role=1, namespace=0) == SANDBOX_UID_BASE + 85
    True
    >>> sandbox_user_id(euid=0, pid=4, namespace=4026532174) != sandbox_user_id(euid=0, pid=4, namespace=4026532240)
    True
    >>> sandbox_user_id(euid=1000, pid=42) is None
    True
    """
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        return None
    mixed = (os.getpid() if pid is None else pid) + (pid_namespace() if namespace is None else namespace) * 0x9E37_79B1
    return SANDBOX_UID_BASE + 2 * (mixed % SANDBOX_SLOTS) + role


def pid_namespace() -> int:
    """An id of this process's process namespace (the inode of /proc/self/ns/pid), or 0 where there is none.

    >>> pid_namespace() >= 0
    True
    """
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def process_cap_note(euid: int | None = None) -> str:
    """Why the process count cap may not hold here (empty when it does).

    A root grader runs learner code as a user of its own, so the cap counts only
    the sandbox's processes; any other grader shares the cap with its own processes.

    >>> process_cap_note(euid=0)
    ''
    >>> print(process_cap_note(euid=1000))
    the process-count cap (RLIMIT_NPROC) counts all processes of the grading user, not only the sandbox's
    >>> process_cap_note() == ("" if os.geteuid() == 0 else process_cap_note(euid=1000))  # without euid: this process's
    True
    """
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        return "the process-count cap (RLIMIT_NPROC) counts all processes of the grading user, not only the sandbox's"
    return ""


def count_tasks(user_id: int, proc: Path = Path("/proc")) -> int:
    """Processes and threads whose real user is ``user_id`` (what RLIMIT_NPROC counts).

    >>> count_tasks(os.getuid()) >= 1
    True
    """
    total = 0
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            if os.stat(entry.path).st_uid != user_id:
                continue
            total += len(os.listdir(f"{entry.path}/task"))
        except OSError:
            continue  # ended while counted
    return total


def private_system_files(root: str = "/etc") -> tuple[str, ...]:
    """Files and folders under ``root`` that other users may not read (e.g. /etc/shadow).

    The sandboxed code runs as the grading user, often root, so these are covered
    up: the sandbox sees only what any user of the machine could read. Read afresh
    for each sandbox (about 10 ms), never cached: /etc changes while a cohort is
    graded (``useradd`` makes and removes ``/etc/subgid.lock``, mode 0600), and a
    stale list would either miss a new private file or cover one that has gone,
    which bubblewrap cannot do on the read-only /etc ("Can't create file").

    >>> "/etc/shadow" in private_system_files() or not Path("/etc/shadow").exists()
    True
    """
    hidden: list[str] = []
    for folder, subfolders, files in os.walk(root, followlinks=False):
        kept = []
        for name in subfolders:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode) and (info.st_mode & 0o005) != 0o005:
                hidden.append(path)
            else:
                kept.append(name)
        subfolders[:] = kept
        for name in files:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and not info.st_mode & 0o004:
                    hidden.append(path)
    return tuple(sorted(hidden))


def python_paths() -> tuple[str, ...]:
    """Folders the kernel's Python needs to read: its installation and site-packages.

    Only the interpreter's own prefixes and site folders, never ``sys.path[0]``
    (the grader's working folder, which is the course root).

    >>> any(Path(sys.prefix).resolve() == Path(p) for p in python_paths())
    True
    """
    import site
    import sysconfig

    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates |= {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    candidates |= set(site.getsitepackages())
    resolved = {str(Path(p).resolve()) for p in candidates if p and Path(p).exists()}
    resolved.add(str(Path(sys.executable).resolve().parent))
    return _outermost(resolved)


def package_paths() -> tuple[str, ...]:
    """Source folders of packages the course's notebooks import that may live outside
    site-packages (an editable install of ``mlteam_utils``).

    >>> Path(package_paths()[0]).name
    'mlteam_utils'
    """
    import mlteam_utils

    return (str(Path(mlteam_utils.__file__).resolve().parent),)


def _outermost(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths inside another one of the list.

    >>> _outermost(["/a/b", "/a", "/c"])
    ('/a', '/c')
    """
    result: list[str] = []
    for path in sorted(set(paths), key=lambda p: (p.count("/"), p)):
        if not any(path == kept or path.startswith(kept.rstrip("/") + "/") for kept in result):
            result.append(path)
    return tuple(sorted(result))


def sandbox_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """The environment inside the sandbox: a short allow-list plus private home folders.

    >>> env = sandbox_environment({"PATH": "/usr/bin", "SECRET_TOKEN": "x", "JPY_PARENT_PID": "7"})
    >>> sorted(env) == sorted(["PATH", "HOME", "TMPDIR", "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_CONFIG_DIR",
    ...                        "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "MALLOC_ARENA_MAX", "OPENBLAS_NUM_THREADS"])
    True
    """
    kept = {
        name: value
        for name, value in environment.items()
        if name in PASSED_ENVIRONMENT or name.startswith(PASSED_PREFIXES)
    }
    kept.update(
        HOME=SANDBOX_HOME,
        TMPDIR=SANDBOX_TMP,
        IPYTHONDIR=f"{SANDBOX_HOME}/.ipython",
        MPLCONFIGDIR=f"{SANDBOX_HOME}/.config/matplotlib",
        JUPYTER_CONFIG_DIR=f"{SANDBOX_HOME}/.jupyter",
        JUPYTER_DATA_DIR=f"{SANDBOX_HOME}/.local/share/jupyter",
        JUPYTER_RUNTIME_DIR=f"{SANDBOX_HOME}/.local/share/jupyter/runtime",
        # Fewer malloc arenas and BLAS threads keep the address space (capped) small.
        MALLOC_ARENA_MAX="2",
        OPENBLAS_NUM_THREADS="1",
    )
    return kept


def _mount_system(arguments: list[str]) -> None:
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif path == "/etc" and os.path.isdir(path):
            _mount_etc(arguments, path)
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    for path in private_system_files():
        if path.startswith("/etc/") and os.path.dirname(path) == "/etc":
            continue  # a private entry directly in /etc is left out of the sandbox's /etc altogether
        if os.path.isdir(path):
            arguments += ["--tmpfs", path]
        else:
            arguments += ["--ro-bind", "/dev/null", path]


def _mount_etc(arguments: list[str], etc: str) -> None:
    """/etc as a read-only folder of its own holding only what any user may read, entry by entry.

    Binding the whole of /etc and covering its private files raced with ``useradd``:
    its lock and temporary files (mode 0600) come and go in /etc, and bubblewrap cannot
    cover a file that went away between listing and mounting ("Can't create file"). A
    file /etc gains while the kernel runs (a new shadow written beside the old one) would
    also have shown through the live bind. ``--ro-bind-try`` skips an entry gone since it
    was listed; an entry made since is simply absent.

    >>> arguments: list[str] = []
    >>> _mount_etc(arguments, "/etc")
    >>> arguments[:2], arguments[-2:]
    (['--tmpfs', '/etc'], ['--remount-ro', '/etc'])
    >>> "/etc/shadow" not in arguments and ("/etc/passwd" in arguments or not os.path.exists("/etc/passwd"))
    True
    """
    arguments += ["--tmpfs", etc]
    for name in sorted(os.listdir(etc)):
        path = os.path.join(etc, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue  # gone since listed
        if stat.S_ISLNK(info.st_mode):
            with contextlib.suppress(OSError):
                arguments += ["--symlink", os.readlink(path), path]
        elif (stat.S_ISDIR(info.st_mode) and (info.st_mode & 0o005) == 0o005) or (
            stat.S_ISREG(info.st_mode) and info.st_mode & 0o004
        ):
            arguments += ["--ro-bind-try", path, path]
    arguments += ["--remount-ro", etc]


def _open_parents(arguments: list[str], path: str, made: set[str]) -> None:
    """Create ``path``'s parent folders world-traversable inside the sandbox.

    bubblewrap creates a mount point's missing parents with the mode of the real
    ones; a Python under ``/root`` (mode 0700) would then be out of reach of the
    unprivileged sandbox user.
    """
    parents = [str(parent) for parent in reversed(Path(path).parents) if str(parent) != "/"]
    for parent in parents:
        if parent not in made and not any(parent == system or parent.startswith(system + "/") for system in SYSTEM_PATHS):
            arguments += ["--perms", "0755", "--dir", parent]
            made.add(parent)


def _system_mounts() -> tuple[str, ...]:
    """The system folders :func:`_mount_system` binds (links are recreated as links, not mounted)."""
    return tuple(path for path in SYSTEM_PATHS if not os.path.islink(path) and os.path.isdir(path))


def covered_paths(hidden: Iterable[Path], mounted: Iterable[str]) -> list[Path]:
    """The ``hidden`` paths that exist at or below a ``mounted`` folder: those the sandbox must cover up.

    The sandbox's root is empty: a hidden path outside every mount is not there at all,
    and covering it would only make an empty folder of its name. One that does not exist
    (yet) cannot be covered on a read-only mount, and learner code cannot create it there.

    >>> import tempfile
    >>> shown = Path(tempfile.mkdtemp())
    >>> (shown / "keys").mkdir(); _ = (shown / "book.db").write_text("")
    >>> [p.name for p in covered_paths([shown / "keys", shown / "book.db", shown / "gone", Path("/nowhere/keys")], [str(shown)])]
    ['keys', 'book.db']
    """
    roots = [Path(path) for path in mounted]
    found: list[Path] = []
    for path in (Path(p).resolve() for p in hidden):
        if path in found or not os.path.lexists(path):
            continue
        if any(path == root or root in path.parents for root in roots):
            found.append(path)
    return found


def sandbox_command(
    command: Sequence[str],
    *,
    workdir: Path,
    connection_file: Path | None,
    limits: SandboxLimits,
    hidden: Iterable[Path] = (),
    readable: Iterable[Path] = (),
    writable: Iterable[Path] = (),
    workdir_source: Path | None = None,
    user_id: int | None = None,
    bwrap: str = "bwrap",
    prlimit: str = "prlimit",
    setpriv: str = "setpriv",
    as_pid_1: bool = False,
) -> list[str]:
    """``command`` wrapped so that it runs in the sandbox described in this module.

    ``workdir`` is the only folder it may write (besides its private tmpfs
    ``/tmp`` and the ``writable`` folders, such as the kernel's socket folder);
    when ``workdir_source`` is given, that folder (a disposable copy) is what the
    code sees at ``workdir``. ``readable`` paths are added read-only. Every path in
    ``hidden`` (the course's source, submissions, gradebook, ...: the grader names them
    from the course's configuration, :mod:`mlteam_utils.upstream.course_paths`) is
    covered up where a read-only mount would show it (:func:`covered_paths`); elsewhere
    it is simply not in the sandbox. With ``user_id`` (a root grader), the code runs as that user.
    With ``as_pid_1``, ``command`` is the sandbox's process 1 (bubblewrap's own init is not there:
    a long-lived command that reaps its children and must be the only process of its user left).
    """
    workdir = Path(workdir).resolve()
    arguments = [prlimit, *limits.prlimit_arguments(), "--", bwrap]
    _mount_system(arguments)
    # The private /tmp first: bubblewrap stacks mounts in order, and a venv or a
    # checkout under /tmp (a CI clone) must stay visible above it.
    arguments += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", SANDBOX_TMP,
                  "--perms", "0777", "--dir", SANDBOX_HOME]
    made: set[str] = {SANDBOX_TMP, SANDBOX_HOME}
    mounted = (*python_paths(), *package_paths(), *(str(Path(p).resolve()) for p in readable))
    for path in mounted:
        _open_parents(arguments, path, made)
        arguments += ["--ro-bind", path, path]
    # After the mounts that would show them (a course under /opt, inside a Python prefix or a readable folder).
    covered = covered_paths(hidden, (*_system_mounts(), *mounted))
    for hidden_path in covered:
        if hidden_path.is_dir():
            arguments += ["--tmpfs", str(hidden_path)]
        else:
            arguments += ["--ro-bind", "/dev/null", str(hidden_path)]
    _open_parents(arguments, str(workdir), made)
    arguments += ["--bind", str(Path(workdir_source).resolve() if workdir_source else workdir), str(workdir), "--chdir", str(workdir)]
    for writable_path in writable:
        real = str(Path(writable_path).resolve())
        _open_parents(arguments, real, made)
        arguments += ["--bind", real, real]
    if connection_file is not None:
        real = str(Path(connection_file).resolve())
        _open_parents(arguments, real, made)
        arguments += ["--ro-bind", real, real]
    # Read-only once the mount points inside them exist; the sandbox's own root (a
    # tmpfs holding the mount points) takes no writes either. Not recursive: the
    # working folder and /tmp stay writable.
    for read_only in [*(path for path in covered if path.is_dir()), Path("/")]:
        arguments += ["--remount-ro", str(read_only)]
    if os.geteuid() != 0:
        arguments += ["--unshare-user"]
    arguments += [
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
        "--unshare-cgroup-try",
        "--hostname",
        "grading-sandbox",
        "--cap-drop",
        "ALL",
    ]
    inner = list(command)
    if user_id is not None:
        # Only to become the unprivileged user: setpriv drops every capability with root.
        arguments += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        inner = [setpriv, f"--reuid={user_id}", f"--regid={user_id}", "--clear-groups", "--inh-caps=-all", "--", *inner]
    arguments += [
        # jupyter_client sets this after our environment is built; the kernel's parent
        # poller would take PID 1 of the new namespace for a dead parent. "1" turns the
        # poller off (bubblewrap's --die-with-parent does its job).
        "--setenv",
        "JPY_PARENT_PID",
        "1",
        "--new-session",
        "--die-with-parent",
        *(["--as-pid-1"] if as_pid_1 else []),
        "--",
        *inner,
    ]
    return arguments


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str


@functools.cache
def probe_sandbox(bwrap: str | None = None, prlimit: str | None = None) -> ProbeResult:
    """Try the sandbox once (this Python writing a file in it) and say whether it works here.

    >>> probe_sandbox(bwrap="/nonexistent/bwrap").ok
    False
    """
    bwrap_path = bwrap or shutil.which("bwrap")
    prlimit_path = prlimit or shutil.which("prlimit")
    if not bwrap_path or not Path(bwrap_path).is_file():
        return ProbeResult(False, "bubblewrap (bwrap) is not installed; on Debian/Ubuntu: sudo apt-get install bubblewrap")
    if not prlimit_path or not Path(prlimit_path).is_file():
        return ProbeResult(False, "prlimit is not installed; on Debian/Ubuntu it comes with util-linux")
    user_id = sandbox_user_id()
    setpriv_path = shutil.which("setpriv")
    if user_id is not None and not setpriv_path:
        return ProbeResult(False, "setpriv is not installed; on Debian/Ubuntu it comes with util-linux")
    # A sandbox can fail to start for a moment (a private /etc file that `useradd` replaces
    # between listing and bubblewrap's start, a loaded machine): the answer is cached for the
    # whole grading process, so a passing failure is tried again before it counts.
    for attempt in range(PROBE_ATTEMPTS):
        result = _probe_once(bwrap_path, prlimit_path, user_id, setpriv_path)
        if result.ok or attempt == PROBE_ATTEMPTS - 1:
            return result
        time.sleep(0.2 * (attempt + 1))
    return result


PROBE_ATTEMPTS = 3


def _probe_once(bwrap_path: str, prlimit_path: str, user_id: int | None, setpriv_path: str | None) -> ProbeResult:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mlteam-sandbox-probe-") as folder:
        # Laid out like a course: the working folder inside course/autograded/.
        workdir = Path(folder) / "course" / "autograded" / "probe"
        workdir.mkdir(parents=True)
        if user_id is not None:
            os.chown(workdir, user_id, user_id)
            # bubblewrap enters it as root without capabilities before switching user: it needs
            # the others' x bit, which the grader's umask (027 while grading) leaves out.
            os.chmod(workdir, 0o711)
        command = sandbox_command(
            [sys.executable, "-I", "-S", "-c", "open('probe', 'w').write('ok')"],
            workdir=workdir,
            connection_file=None,
            limits=SandboxLimits(),
            user_id=user_id,
            bwrap=bwrap_path,
            prlimit=prlimit_path,
            setpriv=setpriv_path or "setpriv",
        )
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"}
            )
        except (OSError, subprocess.SubprocessError) as error:
            return ProbeResult(False, f"bubblewrap could not be started: {error}")
        if completed.returncode != 0 or not (workdir / "probe").is_file():
            reason = (completed.stderr or completed.stdout).strip().splitlines()[-1:] or ["no output"]
            return ProbeResult(
                False,
                f"bubblewrap cannot create a sandbox here ({reason[0]}); user namespaces may be disabled "
                "(sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces) or blocked by the container",
            )
    return ProbeResult(True, f"{bwrap_path} with {prlimit_path}")
