"""Install the course into its venv with uv, the fast installer from PyPI, or with pip when uv cannot.

``make install`` (and so the first ``make lab``) runs it with the venv's Python,
before the course's packages exist, so it uses the standard library only::

    .venv/bin/python course/install.py                              # the course, editable
    .venv/bin/python course/install.py --editable '.[test]' --quiet   # and its test tools

1. uv is the ``uv`` on PATH (the venv's ``bin/`` comes first there), or else pip
   installs it into the venv from the package index pip is set up to use. That pip
   is the venv's, or its base Python's: ``make`` creates the venv without pip
   (``ensurepip`` is slow), and uv adds pip with the course. A Python without pip
   gets the venv's own from ``ensurepip``.
2. uv installs the course with the same package sources and settings as this
   machine's pip (its config files and ``PIP_*`` variables, as ``pip config list``
   shows them): index, extra indexes, find-links, constraints, certificate,
   trusted hosts, timeout. pip takes the best version among all its indexes, so
   uv is told to do the same (``--index-strategy unsafe-best-match``).
3. When uv cannot be had, when pip is set up in a way uv cannot follow, or when
   uv fails, pip installs the course as before; the line before says why.
   ``MLTEAM_INSTALLER=pip`` asks for pip from the start (``make bench`` compares both).

Both show their progress: uv its progress bars (and a line per large download
when its output is not a terminal), pip its own.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: pip settings uv follows: setting -> how (see :func:`uv_settings`).
FOLLOWED = ("index-url", "extra-index-url", "find-links", "no-index", "constraint", "cert", "client-cert",
            "trusted-host", "timeout", "default-timeout", "pre", "only-binary", "no-binary", "proxy")
#: pip settings that change nothing uv does here (pip's own output, cache and checks; config-file
#: names where the others came from).
IGNORED = ("disable-pip-version-check", "progress-bar", "no-color", "quiet", "verbose", "cache-dir", "no-cache-dir",
           "retries", "no-input", "root-user-action", "break-system-packages", "require-virtualenv", "isolated",
           "config-file")


class UvCannotFollow(ValueError):
    """pip is set up in a way uv has no equivalent for; the message names the settings."""


def say(message: str) -> None:
    print(message, flush=True)


def pip_settings(listing: str) -> dict[str, str]:
    """pip's settings for ``pip install`` from ``pip config list`` output: variables over ``install.`` over ``global.``.

    >>> pip_settings("global.index-url='https://a/simple'\\ninstall.index-url='https://b/simple'\\n"
    ...              ":env:.find-links='/opt/wheels'\\nglobal.find-links='/srv/w'\\nfreeze.all='1'\\n")
    {'index-url': 'https://b/simple', 'find-links': '/opt/wheels'}
    """
    ranked: dict[str, tuple[int, str]] = {}
    rank = {"global": 0, "install": 1, ":env:": 2}
    for line in listing.splitlines():
        key, equals, value = line.partition("=")
        section, _, name = key.rpartition(".")
        if not equals or section not in rank:
            continue
        try:
            text = str(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            text = value.strip("'\"")
        if name not in ranked or rank[section] >= ranked[name][0]:
            ranked[name] = (rank[section], text)
    return {name: text for name, (_, text) in ranked.items()}


def is_true(value: str) -> bool:
    """pip's reading of a yes/no setting.

    >>> [is_true(v) for v in ("1", "yes", "true", "on", "0", "false", "")]
    [True, True, True, True, False, False, False]
    """
    return value.strip().lower() in ("1", "yes", "true", "on")


def uv_settings(settings: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The options and environment that give ``uv pip install`` the package sources pip has.

    >>> options, environment = uv_settings({"extra-index-url": "file:///opt/pypi/simple  file:///opt/more",
    ...     "find-links": "/opt/wheels", "constraint": "/etc/xdg/pip/constraints.txt",
    ...     "cert": "/etc/ssl/certs/ca-certificates.crt", "default-timeout": "180", "disable-pip-version-check": "1"})
    >>> options  # doctest: +NORMALIZE_WHITESPACE
    ['--extra-index-url', 'file:///opt/pypi/simple', '--extra-index-url', 'file:///opt/more',
     '--index-strategy', 'unsafe-best-match', '--find-links', '/opt/wheels', '-c', '/etc/xdg/pip/constraints.txt']
    >>> environment
    {'SSL_CERT_FILE': '/etc/ssl/certs/ca-certificates.crt', 'UV_HTTP_TIMEOUT': '180'}
    >>> try:
    ...     uv_settings({"keyring-provider": "subprocess"})
    ... except UvCannotFollow as error:
    ...     print(error)
    pip's keyring-provider setting
    """
    unknown = sorted(name for name in settings if name not in FOLLOWED and name not in IGNORED)
    if unknown:
        raise UvCannotFollow("pip's " + ", ".join(unknown) + (" setting" if len(unknown) == 1 else " settings"))
    options: list[str] = []
    environment: dict[str, str] = {}
    if "index-url" in settings:
        options += ["--index-url", settings["index-url"]]
    extra = settings.get("extra-index-url", "").split()
    for url in extra:
        options += ["--extra-index-url", url]
    if extra:  # pip chooses among every index's versions; uv's default stops at the first index that has a package
        options += ["--index-strategy", "unsafe-best-match"]
    if is_true(settings.get("no-index", "")):
        options.append("--no-index")
    for location in settings.get("find-links", "").split():
        options += ["--find-links", location]
    for constraints in settings.get("constraint", "").split():
        options += ["-c", constraints]
    for host in settings.get("trusted-host", "").split():
        options += ["--allow-insecure-host", host]
    if is_true(settings.get("pre", "")):
        options += ["--prerelease", "allow"]
    for name in ("only-binary", "no-binary"):
        if settings.get(name):
            options += [f"--{name}", settings[name]]
    if settings.get("cert"):
        environment["SSL_CERT_FILE"] = settings["cert"]
    if settings.get("client-cert"):
        environment["SSL_CLIENT_CERT"] = settings["client-cert"]
    timeout = settings.get("timeout") or settings.get("default-timeout")
    if timeout:
        environment["UV_HTTP_TIMEOUT"] = timeout
    if settings.get("proxy"):
        environment["HTTPS_PROXY"] = environment["HTTP_PROXY"] = settings["proxy"]
    return options, environment


def run(command: Sequence[str], environment: Mapping[str, str] | None = None) -> int:
    """Run ``command`` with its output on this terminal, as make shows it; its exit status."""
    say(" ".join(command))
    try:
        return subprocess.run(list(command), env={**os.environ, **(environment or {})}, check=False).returncode
    except OSError as error:
        say(f"could not run {command[0]}: {error}")
        return 127


def pip_for(python: str) -> tuple[list[str], str] | None:
    """A pip that works on ``python``'s venv, and its settings (``pip config list``): the venv's own
    pip, else its base Python's (``--python``), else the venv's own made now by ``ensurepip``;
    None when there is none.

    ``make`` creates the venv without pip (``ensurepip`` takes 4 s, up to 17 s on a busy
    machine); uv puts pip into it with the course.
    """
    base = getattr(sys, "_base_executable", "") or ""  # this script runs with the venv's Python
    candidates = [[python, "-m", "pip"]]
    if base and sys.prefix != sys.base_prefix:  # (the venv's python links to base: compare prefixes, not paths)
        candidates.append([base, "-m", "pip", "--python", python])
    for attempt in range(2):
        for pip in candidates:
            listing = subprocess.run([*pip, "config", "list"], capture_output=True, text=True, check=False)
            if listing.returncode == 0:
                return pip, listing.stdout
        if attempt == 0:
            say("Installing pip into the venv (python -m ensurepip) ...")
            if run([python, "-m", "ensurepip", "--default-pip"]) != 0:
                return None
            candidates = candidates[:1]
    return None


def find_uv(python: str, pip: list[str]) -> str | None:
    """A working uv: the one on PATH, or one ``pip`` installs into the venv now; None when neither."""
    for candidate in (shutil.which("uv"), str(Path(python).parent / "uv")):
        if candidate and Path(candidate).is_file() and subprocess.run([candidate, "--version"], capture_output=True, check=False).returncode == 0:
            return candidate
    say("Getting uv, the fast installer, from the package index (a few seconds) ...")
    if run([*pip, "install", "--progress-bar", "on", "uv"]) != 0:
        return None
    installed = Path(python).parent / "uv"
    return str(installed) if installed.is_file() else None


def link_mode(uv: str, python: str) -> list[str]:
    """``--link-mode copy`` when uv's cache is on another file system than the venv, else nothing.

    uv links installed files from its cache; across file systems it copies instead
    and prints a warning about it, which would only puzzle a learner.
    """
    found = subprocess.run([uv, "cache", "dir"], capture_output=True, text=True, check=False)
    cache = Path(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else None
    if cache is None:
        return []
    existing = next((folder for folder in (cache, *cache.parents) if folder.exists()), None)
    venv = Path(python).parent
    if existing is not None and existing.stat().st_dev != venv.stat().st_dev:
        return ["--link-mode", "copy"]
    return []


def install(python: str, target: str, *, pip_quiet: bool = False) -> int:
    """Install ``target`` (a pip requirement such as ``.[test]``) into ``python``'s venv; the exit status."""
    found = pip_for(python)
    if found is None:
        say(f"no pip for {python}, and ensurepip failed: see above")
        return 1
    pip, settings = found
    reason = try_uv(python, pip, settings, target)
    if reason is None:
        return 0
    say(f"{reason}: installing with pip (slower: one to three minutes) ...")
    # pip too: the venv was made without it, and may have none of its own yet.
    return run([*pip, "install", "--progress-bar", "on", *(["--quiet"] if pip_quiet else []), "--editable", target, "pip"])


def try_uv(python: str, pip: list[str], settings: str, target: str) -> str | None:
    """Install ``target`` (and pip, which the venv was made without) with uv, following pip's ``settings``
    (``pip config list``); None when done, else why uv did not."""
    if os.environ.get("MLTEAM_INSTALLER") == "pip":
        return "MLTEAM_INSTALLER=pip"
    try:
        options, environment = uv_settings(pip_settings(settings))
    except UvCannotFollow as error:
        return f"uv cannot follow {error}"
    uv = find_uv(python, pip)
    if uv is None:
        return "uv could not be installed"
    status = run([uv, "pip", "install", "--python", python, *options, *link_mode(uv, python), "--editable", target, "pip"],
                 environment)
    return None if status == 0 else f"uv failed (exit {status})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install the course into the venv of this Python, with uv (pip when uv cannot).")
    parser.add_argument("--editable", default=".", metavar="TARGET", help="what to install, editable: . (default) or '.[test]'")
    parser.add_argument("--quiet", action="store_true", help="pip, if it is used, prints less (uv's output is short anyway)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    return install(sys.executable, args.editable, pip_quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
