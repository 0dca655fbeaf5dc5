"""Run a command as a Kubernetes pod runs a grader: alone in network and process namespaces.

    unshare --net --pid --fork --kill-child -- python tests/grader_namespace.py PORT SOCKET -- COMMAND...

Inside the new namespaces this brings the loopback interface up, listens on ``127.0.0.1:PORT``
and relays each connection to the Unix socket ``SOCKET`` (a PostgreSQL server's, reached through
the file system, which the namespaces share), then runs ``COMMAND`` and exits with its status. So
the command reaches PostgreSQL over TCP at the address the course's ``db_url`` names,
and no traffic leaves the namespace's own loopback. This module stays the namespace's first process
and reaps what ends in it, as a pod's init does (grade-job.yaml: ``shareProcessNamespace``). When it
dies, the kernel kills every other process of the namespace (the relay, the grader, its workers,
their sandboxes), as a pod's processes die together; ``--kill-child`` kills it when ``unshare``
itself is killed.

:func:`namespaces_available` says whether this machine lets a test do that (root on Linux with
``unshare``); :func:`in_own_namespaces` builds the command line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def namespaces_available() -> bool:
    """Whether ``unshare`` can give a command network and process namespaces of its own here."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "--net", "--pid", "--mount-proc", "--fork", "--kill-child", "--", sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "1"


def in_own_namespaces(port: int, server_socket: Path, command: Sequence[str]) -> list[str]:
    """``command`` run by this module in namespaces of its own, reaching ``server_socket`` at 127.0.0.1:``port``."""
    return ["unshare", "--net", "--pid", "--mount-proc", "--fork", "--kill-child", "--",
            sys.executable, str(Path(__file__).resolve()), str(port), str(server_socket), "--", *command]


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(probe, _SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | _IFF_UP))


def _pump(source: socket.socket, destination: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            destination.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, destination):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _relay(listener: socket.socket, server_socket: str) -> None:
    """Accept TCP connections for ever; each is joined to a new connection to the Unix socket."""
    while True:
        client, _address = listener.accept()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.connect(server_socket)
        except OSError:
            client.close()
            server.close()
            continue
        for source, destination in ((client, server), (server, client)):
            threading.Thread(target=_pump, args=(source, destination), daemon=True).start()


def main(arguments: Sequence[str]) -> None:
    port, server_socket, separator, *command = arguments
    if separator != "--" or not command:
        sys.exit("usage: grader_namespace.py PORT SOCKET -- COMMAND...")
    _loopback_up()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", int(port)))
    listener.listen(64)  # listening before the command starts: its first connection waits in the backlog
    if os.fork() == 0:
        _relay(listener, server_socket)
        os._exit(0)
    listener.close()
    grader = os.fork()
    if grader == 0:
        os.execvp(command[0], list(command))
    # This process stays the namespace's first one and reaps every process that ends in it, as an
    # init (a pod's pause container, or tini) does: orphans of the grader's sandboxes would
    # otherwise stay zombies, counted against the sandbox user's process cap.
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == grader:
            os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main(sys.argv[1:])
