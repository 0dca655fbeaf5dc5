"""Run nbgrader's steps in this process: nbgrader is imported once, not once per step.

``nbgrader generate_assignment`` as a command costs about three seconds before it
does anything (Python starts, nbgrader and its dependencies import). A grading
run that refreshes five assignments, or a self-learner's ``selfgrade`` that runs
three steps, paid that each time. :func:`run_step` runs the same converter
nbgrader's command would, with the same configuration:

* the course's ``nbgrader_config.py``, read as nbgrader reads it;
* the settings the course scopes to the command (``c.GenerateAssignmentApp...``),
  which only apply when nbgrader's own application runs, merged on top;
* ``overrides`` last, as command-line options would be.

The kernel that runs learner code is a separate process either way (in the
grading sandbox when the overrides ask for it); only nbgrader's bookkeeping runs
here. A failing step raises :class:`~mlteam_utils.nbgrader_runner.NbgraderFailed`
with nbgrader's log, as the command would.

>>> sorted(STEPS)
['autograde', 'generate_assignment', 'generate_feedback']
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["STEPS", "course_config", "run_step"]

#: step -> (nbgrader converter class, the application whose scoped settings apply)
STEPS: dict[str, tuple[str, str]] = {
    "generate_assignment": ("GenerateAssignment", "GenerateAssignmentApp"),
    "autograde": ("Autograde", "AutogradeApp"),
    "generate_feedback": ("GenerateFeedback", "GenerateFeedbackApp"),
}


def course_config(course_root: Path, application: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """The course's nbgrader settings as ``nbgrader APPLICATION`` would see them, plus ``overrides``.

    >>> from mlteam_utils.paths import find_course_root
    >>> config = course_config(find_course_root(), "GenerateAssignmentApp")
    >>> "*.answers.json" in config.CourseDirectory.ignore   # scoped to generate_assignment only
    True
    >>> "*.answers.json" in course_config(find_course_root(), "AutogradeApp").CourseDirectory.ignore
    False
    """
    from traitlets.config import Config

    from mlteam_utils.nbgrader_runner import load_course_config

    config = load_course_config(course_root)
    if application in config:
        config.merge(config[application])
    if overrides:
        config.merge(overrides if isinstance(overrides, Config) else Config(overrides))
    return config


@contextlib.contextmanager
def _as_the_command_runs(course_root: Path) -> Iterator[None]:
    """The course folder as working folder, and this interpreter's ``bin/`` on PATH.

    nbgrader shells out to ``alembic`` when it creates a gradebook, from PATH.
    """
    previous_path = os.environ.get("PATH")
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, *[p for p in (previous_path or "").split(os.pathsep) if p and p != bin_dir]])
    try:
        with contextlib.chdir(course_root):
            yield
    finally:
        if previous_path is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = previous_path


def _private_logger() -> logging.Logger:
    """A logger for nbgrader's messages that prints nothing itself: :func:`run_step` returns them."""
    logger = logging.getLogger("mlteam_utils.nbgrader")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def run_step(
    course_root: Path,
    step: str,
    assignment: str,
    *,
    student: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> str:
    """Run ``nbgrader STEP ASSIGNMENT --force [--student STUDENT]`` in this process; return its log.

    Raises :class:`~mlteam_utils.nbgrader_runner.NbgraderFailed` when the step fails.
    """
    from nbgrader import converters
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from mlteam_utils.nbgrader_runner import NbgraderFailed

    converter_name, application = STEPS[step]
    course_root = Path(course_root).resolve()
    config = course_config(course_root, application, overrides)
    command = [sys.executable, "-m", "nbgrader", step, assignment, "--force"] + (["--student", student] if student else [])
    with _as_the_command_runs(course_root):
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = assignment
        if student is not None:
            coursedir.student_id = student
        converter = getattr(converters, converter_name)(coursedir=coursedir, config=config, log=_private_logger())
        converter.force = True
        if step == "autograde":
            converter.create_student = True
        result = capture_log(converter)
    log = result.get("log", "")
    if not result.get("success"):
        raise NbgraderFailed(command, subprocess.CompletedProcess(command, 1, log, result.get("error", "")))
    return log
