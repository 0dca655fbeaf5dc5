"""A learner's first `make lab` on a fresh clone: how long until the course is served.

A clone of the committed HEAD with the working tree's changes on top (see
:func:`benchmarks.bench_setup.fresh_clone`: a new ``.venv``, empty pip and uv caches,
the machine's ``python3`` and pip settings) runs ``make lab`` in a pseudo-terminal,
as in a learner's terminal (installers show their progress bars only there), and
the start page is fetched over HTTP until it answers. Printed for the default
install (uv, pip's package sources) and, as the baseline, with pip alone
(``MLTEAM_INSTALLER=pip``): the seconds to a served page (target <= 45 s on 2
cores), the parts (venv, install, workspace and JupyterLab's start), the longest
silence on the terminal (target <= 10 s), and whether ``make lab`` said how long it
would take. Set MLTEAM_BENCH_SKIP_SETUP=1 to skip it, MLTEAM_BENCH_FIRSTSTART_PIP=0
to skip the pip baseline.

Run with ``python -m benchmarks firststart``.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from benchmarks.bench_setup import fresh_clone

TARGET_SECONDS = 45.0
TARGET_SILENCE = 10.0
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab[^\s]*\?token=([0-9a-f]+))")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
#: Lines that end a part of the first start: (part, pattern), in order.
MILESTONES = (
    ("venv", re.compile(r"Installing the course into")),
    ("install", re.compile(r"my-work/: ")),
    ("JupyterLab", URL),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Terminal:
    """What ``make lab`` wrote to its terminal: the text, and when each chunk came."""

    started: float
    text: str = ""
    chunks: list[tuple[float, int]] = field(default_factory=list)  # when, and the text's length then
    seen: dict[str, float] = field(default_factory=dict)
    token: str = ""

    def add(self, data: bytes) -> None:
        now = time.perf_counter()
        self.text += ANSI.sub("", data.decode("utf-8", "replace"))
        self.chunks.append((now, len(self.text)))
        for part, pattern in MILESTONES:
            if part not in self.seen and pattern.search(self.text):
                self.seen[part] = now - self.started
        match = URL.search(self.text)
        if match and not self.token:
            self.token = match.group(3)

    def longest_silence(self, until: float) -> tuple[float, str]:
        """The longest time without output in the first ``until`` seconds, and the last line before it."""
        stamps = [(self.started, 0), *[c for c in self.chunks if c[0] - self.started <= until], (self.started + until, len(self.text))]
        gap, (before, _) = max(((b[0] - a[0]), (a, b)) for a, b in zip(stamps, stamps[1:]))
        lines = re.split(r"[\r\n]+", self.text[:before[1]].strip())
        return gap, lines[-1][:100] if lines else ""


def first_start(installer: str) -> tuple[float | None, Terminal, int | None]:
    """Seconds from ``make lab`` on a fresh clone to a served start page (None: not within 15 min)."""
    with tempfile.TemporaryDirectory(prefix="mlteam-first-start-") as temp:
        clone, env = fresh_clone(temp)
        if installer == "pip":
            env["MLTEAM_INSTALLER"] = "pip"
        port = free_port()
        leader, follower = pty.openpty()
        started = time.perf_counter()
        process = subprocess.Popen(["make", "--no-print-directory", "lab", f"PORT={port}"], cwd=clone, env=env,
                                   stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, start_new_session=True)
        os.close(follower)
        terminal = Terminal(started)

        def read() -> None:
            while True:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the terminal closed: make ended
                    return
                if not data:
                    return
                terminal.add(data)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        served = None
        try:
            deadline = started + 900
            while time.perf_counter() < deadline and served is None and process.poll() is None:
                if terminal.token:
                    try:
                        request = urllib.request.Request(f"http://127.0.0.1:{port}/lab/tree/course/index.ipynb",
                                                         headers={"Authorization": f"token {terminal.token}"})
                        with urllib.request.urlopen(request, timeout=5) as response:
                            if response.status == 200:
                                served = time.perf_counter() - started
                    except OSError:
                        pass
                time.sleep(0.1)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            reader.join(timeout=5)
            os.close(leader)
        return served, terminal, process.returncode


def report(installer: str, served: float | None, terminal: Terminal, status: int | None) -> None:
    if served is None:
        print(f"  {installer}: the course was NOT served within 900 s (make exit {status}); the terminal's end:")
        print("    " + "\n    ".join(terminal.text.strip().splitlines()[-15:]))
        return
    silence, after = terminal.longest_silence(served)
    used = "pip" if "installing with pip" in terminal.text else "uv" if " pip install --python " in terminal.text else "?"
    parts, previous = [], 0.0
    for part, _ in MILESTONES:
        if part in terminal.seen:
            parts.append(f"{part} {terminal.seen[part] - previous:.1f} s")
            previous = terminal.seen[part]
    parts.append(f"page {served - previous:.1f} s")
    print(f"  {installer:<3} (installed by {used}): course served after {served:5.1f} s "
          f"{'OK' if served <= TARGET_SECONDS else 'ABOVE TARGET'}; longest silence {silence:.1f} s "
          f"{'OK' if silence <= TARGET_SILENCE else 'ABOVE TARGET'}; " + ", ".join(parts))
    print(f"      the longest silence came after: {after!r}")
    if os.environ.get("MLTEAM_BENCH_TIMELINE"):  # every line with its time, to see where the seconds go
        shown = 0
        for when, length in terminal.chunks:
            for line in re.split(r"[\r\n]+", terminal.text[shown:length]):
                if line.strip():
                    print(f"      {when - terminal.started:6.1f}  {line[:110]}")
            shown = length


def main() -> None:
    if os.environ.get("MLTEAM_BENCH_SKIP_SETUP"):
        print("skipped (MLTEAM_BENCH_SKIP_SETUP is set)")
        return
    print(f"first make lab on a fresh clone, empty package caches (target <= {TARGET_SECONDS:g} s to a served page, "
          f"silences <= {TARGET_SILENCE:g} s); load average {os.getloadavg()[0]:.1f}")
    installers = ["uv"] + ([] if os.environ.get("MLTEAM_BENCH_FIRSTSTART_PIP") == "0" else ["pip"])
    results = {}
    for installer in installers:
        served, terminal, status = first_start(installer)
        report(installer, served, terminal, status)
        results[installer] = served
        if installer == "uv":
            estimate = re.search(r"About [^.]* connection", terminal.text)
            print(f"  expected time printed at the start: {estimate.group(0) if estimate else 'NONE'}")
    if results.get("uv") and results.get("pip"):
        print(f"  uv / pip: {results['uv'] / results['pip']:.2f}")


if __name__ == "__main__":
    main()
