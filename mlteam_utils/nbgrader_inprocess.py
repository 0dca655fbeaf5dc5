"""Run nbgrader's steps in this process: nbgrader is imported once, not once per step.

``nbgrader generate_assignment`` as a command costs about three seconds before it
does anything (Python starts, nbgrader and its dependencies import). A grading
run that refreshes five assignments, or a self-learner's ``selfgrade`` that runs
three steps, paid that each time. :func:`run_step` runs the same converter
nbgrader's command would, with the same configuration
(:mod:`mlteam_utils.upstream.step_config`: nbgrader's own application for the step,
configured but not started, is the converter's parent, as in the command):

* the course's ``nbgrader_config.py``, read as nbgrader reads it;
* the settings the course scopes to the command (``c.GenerateAssignmentApp...``),
  which only apply when nbgrader's own application runs, merged on top;
* ``overrides`` last, as command-line options would be.

Every command that runs a step runs it this way: ``release`` and ``grade``
(``generate_assignment``), ``grade``'s workers (``autograde``, with the same two
functions), ``selfgrade`` (all three) and ``feedback`` (``generate_feedback``).

The kernel that runs learner code is a separate process either way (in the
grading sandbox when the overrides ask for it); only nbgrader's bookkeeping runs
here. A failing step raises :class:`~mlteam_utils.nbgrader_runner.NbgraderFailed`
with nbgrader's log, as the command would, and the exceptions behind it
(:mod:`mlteam_utils.upstream.converter_run`).

Two things nbgrader's own bookkeeping does differently here, with the same result:

* A new SQLite gradebook is created by :func:`create_gradebook`
  (:mod:`mlteam_utils.upstream.gradebook_creation`): nbgrader's
  ``Gradebook`` asks a new ``alembic`` process for the schema's revision (1.5 to 3
  seconds to start Python and alembic, the longest part of a ``selfgrade``); the
  same revision is read here from nbgrader's migration scripts, in this process.
* Before ``autograde``, the learner's submission is created with SQLAlchemy's
  autoflush off (:func:`create_submission`). nbgrader builds a submission's rows
  before it adds them to the session, and SQLAlchemy 2 warns about each lazy load
  in between ("Object of type <SubmittedAssignment> not in session, add operation
  along 'Assignment.submissions' will not proceed"): three warnings on the
  learner's screen for what is nbgrader's normal way of working. Autograde then
  finds the submission and only updates it.

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

from mlteam_utils.upstream.gradebook_creation import create_gradebook, create_submission, nbgrader_schema_revision
from mlteam_utils.upstream.step_config import STEPS, step_application, step_converter

__all__ = ["STEPS", "create_gradebook", "create_submission", "nbgrader_schema_revision", "run_step"]


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
    from mlteam_utils.nbgrader_runner import NbgraderFailed
    from mlteam_utils.upstream.converter_run import run_converter

    course_root = Path(course_root).resolve()
    command = [sys.executable, "-m", "nbgrader", step, assignment, "--force"] + (["--student", student] if student else [])
    with _as_the_command_runs(course_root):
        app = step_application(course_root, step, overrides, _private_logger())
        coursedir = app.coursedir
        coursedir.assignment_id = assignment
        if student is not None:
            coursedir.student_id = student
        create_gradebook(coursedir.db_url)
        if step == "autograde" and student is not None:
            create_submission(coursedir.db_url, coursedir.course_id, assignment, student)
        result = run_converter(step_converter(step, app))
    if not result.success:
        raise NbgraderFailed(command, subprocess.CompletedProcess(command, 1, result.log, result.error), result.exceptions)
    return result.log
