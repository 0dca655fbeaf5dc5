"""Install the hub's environment where every user can run it and no key is: ``make hub-env``.

Run as root from a clone of the course (any clone: nothing of it is used at run time)::

    make hub-env HUB_PREFIX=/opt/mlteam HUB_PYTHON=/usr/bin/python3

1. checks that ``HUB_PYTHON`` is an interpreter every user may run (a pyenv or conda python
   under ``/root`` is not: learners' servers would not start);
2. builds the course's wheel from the clone and refuses it if it holds anything of
   ``solutions/``, ``tests/`` or a key: the wheel carries the ``mlteam_utils`` package only;
3. makes ``HUB_PREFIX/venv`` with that python and installs the wheel **non-editable**, with
   the ``hub`` and ``postgres`` extras: the environment points at no source tree, so the
   clone it came from (which holds ``solutions/``) can stay closed to learners;
4. installs configurable-http-proxy (npm) into ``HUB_PREFIX/venv/node``, where the hub's
   settings look for it;
5. copies the hub's own files (``deploy/jupyterhub``: ``jupyterhub_config.py``, the learners'
   ``learner-server`` and their Jupyter settings) to ``HUB_PREFIX/jupyterhub``, which
   ``make hub`` runs;
6. leaves what it made owned by root, readable and runnable by all, writable by root only, and
   checks that every user can reach it.

A second run upgrades the course's package in place. Python's standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLONE = HERE.parent.parent
EXTRAS = "hub,postgres"
#: Nothing of these may be in the wheel that learners' servers run.
NOT_IN_THE_WHEEL = ("solutions/", "tests/", "exercises/", "course/", ".key.json", ".answers.json")
PROXY = "configurable-http-proxy@5"


class EnvironmentError_(RuntimeError):
    """A step that failed; the message says what to do."""


def run(command: Sequence[str], what: str, cwd: Path | None = None) -> None:
    print(f"+ {' '.join(command)}", flush=True)
    done = subprocess.run(list(command), cwd=cwd, check=False)
    if done.returncode != 0:
        raise EnvironmentError_(f"{what} failed (exit status {done.returncode})")


def closed_to_others(path: Path) -> Path | None:
    """The first folder on the way to ``path`` (or the file itself) that other users may not pass or run.

    >>> closed_to_others(Path("/bin/sh")) is None
    True
    """
    for seen in (Path(os.path.abspath(path)), path.resolve()):  # the link a user runs, and what it runs
        for folder in reversed(seen.parents):
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return folder
    resolved = path.resolve()
    return None if os.stat(resolved).st_mode & stat.S_IXOTH else resolved


def check_python(python: Path) -> None:
    if not (python.is_file() and os.access(python, os.X_OK)):
        raise EnvironmentError_(f"HUB_PYTHON={python} is not a program: name a python3.11 or newer, e.g. /usr/bin/python3")
    closed = closed_to_others(python)
    if closed is not None:
        raise EnvironmentError_(f"HUB_PYTHON={python} (really {python.resolve()}) cannot be run by other users: {closed} "
                                f"is closed to them. Name a python every user can run, e.g. /usr/bin/python3 "
                                f"(apt-get install python3 python3-venv)")
    version = subprocess.run([str(python), "-c", "import sys, venv; print(sys.version_info >= (3, 11))"],
                             capture_output=True, text=True, check=False)
    if version.stdout.strip() != "True":
        raise EnvironmentError_(f"HUB_PYTHON={python} is not a python 3.11+ with its venv module "
                                f"(apt-get install python3-venv): {version.stderr.strip()}")


def wheel_leaks(wheel: Path) -> list[str]:
    """Names in the wheel that must not be there (keys, answers, solutions, tests, course runtime)."""
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in archive.namelist() if any(part in name for part in NOT_IN_THE_WHEEL)]


def build_wheel(python: Path, into: Path) -> Path:
    run([str(python), "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(into), str(CLONE)],
        "building the course's wheel")
    (wheel,) = into.glob("mlteam_course-*.whl")
    leaks = wheel_leaks(wheel)
    if leaks:
        raise EnvironmentError_(f"the wheel holds what learners may not read: {', '.join(leaks[:10])}")
    return wheel


def open_to_all(root: Path) -> None:
    """Root's, readable (and, where runnable, runnable) by every user, writable by root alone."""
    for folder, folders, files in os.walk(root):
        for path in [Path(folder), *(Path(folder) / name for name in [*folders, *files])]:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                continue
            os.chown(path, 0, 0)
            runnable = stat.S_ISDIR(info.st_mode) or info.st_mode & stat.S_IXUSR
            path.chmod(0o755 if runnable else 0o644)


def install(prefix: Path, python: Path) -> None:
    venv = prefix / "venv"
    check_python(python)
    if not prefix.is_dir():
        prefix.mkdir(parents=True, mode=0o755)
        prefix.chmod(0o755)  # whatever the umask: every user passes through it
    if not (venv / "bin" / "python").exists():
        run([str(python), "-m", "venv", str(venv)], f"making {venv}")
    with tempfile.TemporaryDirectory(prefix="mlteam-wheel-") as folder:
        wheel = build_wheel(venv / "bin" / "python", Path(folder))
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile"]
        run([*pip, "--upgrade", "--force-reinstall", "--no-deps", str(wheel)], "installing the course's package")
        run([*pip, f"{wheel}[{EXTRAS}]"], "installing its dependencies")
    # Byte-code compiled now, by root, on every core (pip compiles one file at a time): learners
    # cannot write into the environment, so without it each of their programs would compile
    # every module it imports, at every start. A file that does not compile is left as it is.
    print(f"+ {venv / 'bin' / 'python'} -m compileall -q -j 0 {venv / 'lib'}", flush=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(venv / "lib")],
                   stdout=subprocess.DEVNULL, check=False)
    if shutil.which("npm") is None:
        raise EnvironmentError_("npm is not installed (apt-get install npm): the hub's proxy, configurable-http-proxy, comes from it")
    run(["npm", "install", "--silent", "--prefix", str(venv / "node"), "--no-audit", "--no-fund", PROXY],
        "installing configurable-http-proxy")
    hub_files = prefix / "jupyterhub"
    staging = Path(tempfile.mkdtemp(prefix=".jupyterhub.new-", dir=prefix))
    try:
        shutil.copytree(HERE, staging / "jupyterhub", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.rmtree(hub_files, ignore_errors=True)
        (staging / "jupyterhub").rename(hub_files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for made in (venv, hub_files):  # only what this made: HUB_PREFIX may hold other things
        open_to_all(made)
    closed = closed_to_others(venv / "bin" / "python")
    if closed is not None:
        raise EnvironmentError_(f"{closed} is closed to other users: learners could not run {venv}; "
                                f"open it (chmod o+x) or choose another HUB_PREFIX")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make hub-env", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", required=True, help="where the environment goes (HUB_PREFIX, e.g. /opt/mlteam)")
    parser.add_argument("--python", required=True, help="a python 3.11+ that every user can run (HUB_PYTHON)")
    args = parser.parse_args(argv)
    prefix = Path(os.path.abspath(args.prefix))
    if prefix == CLONE or CLONE in prefix.parents:
        print(f"error: HUB_PREFIX={prefix} is inside the clone {CLONE}, which holds solutions/: install it elsewhere",
              file=sys.stderr)
        return 2
    try:
        install(prefix, Path(args.python))
    except EnvironmentError_ as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{prefix}/venv: the course's environment (non-editable), for every user; {prefix}/jupyterhub: the hub's files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
