"""How long `make test` takes from a fresh clone, install included.

Clones the committed HEAD into a temporary folder, runs `make test` there (which
creates .venv and installs everything), then runs `make install` again to show
that a second run installs nothing. Set MLTEAM_BENCH_SKIP_SETUP=1 to skip it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, completed


def fresh_clone(temp: str) -> tuple[Path, dict[str, str]]:
    """A clone of the committed HEAD in ``temp``, and an environment as on a new machine.

    No virtualenv, no ``.venv`` on PATH, no Jupyter settings, and ``temp`` as HOME
    (so no pip cache and no user configuration).
    """
    clone = Path(temp) / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    env["HOME"] = temp
    return clone, env


def main() -> None:
    if os.environ.get("MLTEAM_BENCH_SKIP_SETUP"):
        print("skipped (MLTEAM_BENCH_SKIP_SETUP is set)")
        return
    with tempfile.TemporaryDirectory(prefix="mlteam-fresh-clone-") as temp:
        clone, env = fresh_clone(temp)
        install_seconds, install = timed(["make", "install"], clone, env)
        test_seconds, test = timed(["make", "test", "PYTEST_ARGS=-q"], clone, env)
        again_seconds, again = timed(["make", "install"], clone, env)
        print(f"fresh clone of {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}")
        print(f"  make install (new .venv, all packages): {install_seconds:6.1f} s  exit {install.returncode}")
        print(f"  make test    (whole suite):             {test_seconds:6.1f} s  exit {test.returncode}")
        print(f"  make test from a fresh clone, total:    {install_seconds + test_seconds:6.1f} s")
        print(f"  make install again (nothing to do):     {again_seconds:6.1f} s  ({again.stdout.strip().splitlines()[-1] if again.stdout.strip() else 'no output'})")
        summary = [line for line in test.stdout.splitlines() if " passed" in line or " failed" in line]
        if summary:
            print(f"  pytest: {summary[-1].strip()}")
        if test.returncode != 0:
            print(test.stdout[-3000:])
