"""How long `make test` takes from a fresh clone, install included.

Clones the committed HEAD into a temporary folder, with the working tree's
uncommitted changes on top (what is being measured), runs `make test` there (which
creates .venv and installs everything), then runs `make install` again to show
that a second run installs nothing. Set MLTEAM_BENCH_SKIP_SETUP=1 to skip it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, completed


#: This machine's pip settings for its user (where it finds packages), kept in the new HOME.
PIP_USER_CONFIGS = (Path(".config") / "pip" / "pip.conf", Path(".pip") / "pip.conf")


def fresh_clone(temp: str) -> tuple[Path, dict[str, str]]:
    """A clone of the committed HEAD in ``temp`` with the working tree's changes on top, and an
    environment as on a new machine.

    The changes are the tracked files changed or deleted and the new files git does
    not ignore (no ``.venv``, no ``my-work/``). The environment has no virtualenv,
    no ``.venv`` on PATH, no Jupyter settings, no ``PYTHONDONTWRITEBYTECODE`` (a
    learner's Python caches compiled modules), no uv settings, ``temp`` as HOME
    (so no Jupyter or IPython settings and no cache) with only this machine's pip
    settings copied in (its package index), and empty pip and uv caches.
    """
    clone = Path(temp) / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    listed = subprocess.run(["git", "ls-files", "-z", "--modified", "--deleted", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for relative in sorted(set(filter(None, listed.split("\0")))):
        source, target = ROOT / relative, clone / relative
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif not source.exists():
            target.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER", "PYTHONDONTWRITEBYTECODE", "UV_", "XDG_", "PIP_CACHE", "PIP_NO_CACHE"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    for config in PIP_USER_CONFIGS:
        if (Path.home() / config).is_file():
            (Path(temp) / config).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path.home() / config, Path(temp) / config)
    env["HOME"] = temp
    env["PIP_CACHE_DIR"] = str(Path(temp) / "pip-cache")
    env["UV_CACHE_DIR"] = str(Path(temp) / "uv-cache")
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
