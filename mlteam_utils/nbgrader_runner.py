"""Run nbgrader's command line for a course folder.

nbgrader reads ``nbgrader_config.py`` from the folder it runs in, and creating a
gradebook shells out to ``alembic`` from the interpreter's ``bin/`` folder, so both
are arranged here once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def nbgrader_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The current environment with this interpreter's ``bin/`` first on PATH.

    >>> env = nbgrader_environment()
    >>> env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    True
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, *[p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir]])
    env.update(extra or {})
    return env


def run_nbgrader(
    course_root: Path,
    *args: str,
    check: bool = True,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in ``course_root`` and capture its output.

    Raises :class:`NbgraderFailed` (with nbgrader's log) when it exits non-zero and
    ``check`` is true.
    """
    command = [sys.executable, "-m", "nbgrader", *args]
    completed = subprocess.run(
        command,
        cwd=course_root,
        env=nbgrader_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and completed.returncode != 0:
        raise NbgraderFailed(command, completed)
    return completed


def load_course_config(course_root: Path) -> Any:
    """The course's ``nbgrader_config.py`` as a traitlets ``Config``, read as nbgrader reads it.

    Raises ``FileNotFoundError`` when the file is missing.

    >>> from mlteam_utils.paths import find_course_root
    >>> load_course_config(find_course_root()).CourseDirectory.course_id
    'mlteam-onboarding'
    """
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()


class NbgraderFailed(RuntimeError):
    """nbgrader exited with an error; the message carries the end of its log.

    ``exceptions``: what went wrong as exception objects, when the step ran in this process
    (:mod:`mlteam_utils.upstream.converter_run`); empty for a command run as its own process.
    """

    def __init__(
        self, command: list[str], completed: subprocess.CompletedProcess[str], exceptions: Sequence[BaseException] = (),
    ) -> None:
        self.command = command
        self.completed = completed
        self.exceptions = tuple(exceptions)
        log = (completed.stderr or "") + (completed.stdout or "")
        tail = "\n".join(log.strip().splitlines()[-25:])
        super().__init__(f"`nbgrader {' '.join(command[3:])}` failed (exit {completed.returncode}):\n{tail}")


def skip_unused_schema_formats() -> None:
    """Import nbgrader about a second faster in this process (a command line, a grading worker).

    ``jsonschema`` loads the optional ``rfc3987_syntax`` checker of the ``iri`` formats at
    import, which builds a parser grammar: about 1.1 of the 2.2 s that importing nbgrader
    takes. No notebook schema uses those formats (nbformat's schemas have no ``format``
    keyword), so a process that only grades and converts notebooks goes without them.
    Call it before anything imports ``jsonschema``; later it changes nothing.

    >>> import sys
    >>> skip_unused_schema_formats()
    >>> "jsonschema" in sys.modules or sys.modules.get("rfc3987_syntax", None) is None
    True
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not installed" to import
