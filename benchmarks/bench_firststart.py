"""A learner's first `make lab` on a fresh clone: how long until the course is served.

Clones the committed HEAD into a temporary folder (a new ``.venv``, an empty pip
cache, the machine's ``python3``), runs ``make lab`` there and times the moment
the start page answers over HTTP. Printed: those seconds (target <= 90 s on 2
cores), how many lines of progress ``make lab`` printed before the URL, and the
longest silence between two of them. Set MLTEAM_BENCH_SKIP_SETUP=1 to skip it.

Run with ``python -m benchmarks firststart``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

from benchmarks.bench_setup import fresh_clone

TARGET_SECONDS = 90.0
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab[^\s]*\?token=([0-9a-f]+))")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    if os.environ.get("MLTEAM_BENCH_SKIP_SETUP"):
        print("skipped (MLTEAM_BENCH_SKIP_SETUP is set)")
        return
    with tempfile.TemporaryDirectory(prefix="mlteam-first-start-") as temp:
        clone, env = fresh_clone(temp)  # no pip cache, no Jupyter settings from this machine's user
        env["PIP_NO_CACHE_DIR"] = "1"
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(["make", "--no-print-directory", "lab", f"PORT={port}"], cwd=clone, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        stamps: list[float] = []
        found: list[str] = []

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                stamps.append(time.perf_counter())
                match = URL.search(line)
                if match and not found:
                    found.append(match.group(3))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        served = None
        try:
            deadline = started + 900
            while time.perf_counter() < deadline and served is None and process.poll() is None:
                if found:
                    try:
                        request = urllib.request.Request(f"http://127.0.0.1:{port}/lab/tree/course/index.ipynb",
                                                         headers={"Authorization": f"token {found[0]}"})
                        with urllib.request.urlopen(request, timeout=5) as response:
                            if response.status == 200:
                                served = time.perf_counter() - started
                    except OSError:
                        pass
                time.sleep(0.2)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        before = [stamp for stamp in stamps if served is None or stamp - started <= served]
        gaps = [b - a for a, b in zip([started, *before], before)]
        if served is None:
            print(f"first make lab: the course was NOT served within 900 s (exit {process.returncode})")
            return
        print(f"first make lab on a fresh clone: course served after {served:.1f} s (target <= {TARGET_SECONDS:g} s) "
              f"{'OK' if served <= TARGET_SECONDS else 'ABOVE TARGET'}")
        print(f"  progress lines before the URL: {len(before)}, longest silence: {max(gaps, default=served):.1f} s")


if __name__ == "__main__":
    main()
