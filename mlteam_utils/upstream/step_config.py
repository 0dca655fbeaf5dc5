"""The configuration of one nbgrader step, the same whichever command runs it.

``nbgrader autograde`` and its siblings are traitlets applications. Each reads the
course's ``nbgrader_config.py`` (then its command-line options), rewrites the sections it
treats as outdated names (``AutogradeApp`` becomes ``Autograde``, ``NbGraderConfig``
becomes ``NbGrader``, ...: each application's ``_load_config``), and builds its course
directory and its converter with itself as ``parent``
(``CourseDirectory(parent=self)``, ``Autograde(coursedir=self.coursedir, parent=self)``),
so that a setting scoped to the application (``c.GenerateAssignmentApp.CourseDirectory.ignore``)
reaches them through traitlets' lookup along parents.

The course runs the converters without running those applications (``mlteam-course grade``
and its workers, ``selfgrade``, ``release``, ``feedback``: :mod:`mlteam_utils.nbgrader_inprocess`).
To give them the very settings the command would, :func:`step_application` makes nbgrader's
own application object for the step, configured with :func:`step_config` (the course's file,
then the caller's overrides, as command-line options would be) but not initialised or
started, and :func:`step_converter` builds the converter from it as the application's
``start`` does. Every path that runs a step goes through these two functions; the contract
tests check that an application initialised as ``nbgrader STEP`` initialises it gives its
converter the same values.

>>> sorted(STEPS)
['autograde', 'generate_assignment', 'generate_feedback']
>>> from mlteam_utils.paths import find_course_root
>>> "*.answers.json" in step_application(find_course_root(), "generate_assignment").coursedir.ignore  # scoped to it
True
>>> "*.answers.json" in step_application(find_course_root(), "autograde").coursedir.ignore
False
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["STEPS", "step_application", "step_config", "step_converter"]

#: step -> (nbgrader converter class in ``nbgrader.converters``, its application in ``nbgrader.apps``)
STEPS: dict[str, tuple[str, str]] = {
    "generate_assignment": ("GenerateAssignment", "GenerateAssignmentApp"),
    "autograde": ("Autograde", "AutogradeApp"),
    "generate_feedback": ("GenerateFeedback", "GenerateFeedbackApp"),
}


def step_config(course_root: Path, overrides: Mapping[str, Any] | None = None) -> Any:
    """The course's ``nbgrader_config.py`` as nbgrader reads it, then ``overrides`` (a fresh traitlets ``Config``).

    Raises ``FileNotFoundError`` when the course has no ``nbgrader_config.py``.

    >>> from mlteam_utils.paths import find_course_root
    >>> step_config(find_course_root(), {"CourseDirectory": {"course_id": "other"}}).CourseDirectory.course_id
    'other'
    """
    from traitlets.config import Config

    from mlteam_utils.nbgrader_runner import load_course_config

    config = load_course_config(Path(course_root))
    if overrides:
        config.merge(overrides if isinstance(overrides, Config) else Config(overrides))
    return config


def step_application(
    course_root: Path, step: str, overrides: Mapping[str, Any] | None = None, log: logging.Logger | None = None,
) -> Any:
    """nbgrader's application for ``step``, configured as ``nbgrader STEP`` in ``course_root`` would be; never started.

    Its ``coursedir`` is the course directory the command would use (made in the current
    folder, as nbgrader makes it in the folder it runs in). ``log`` receives what the
    application and its converters log (by default, nbgrader's application logger).
    Raises ``KeyError`` for a step not in :data:`STEPS`.
    """
    from nbgrader import apps
    from nbgrader.coursedir import CourseDirectory

    _converter, application = STEPS[step]
    app = getattr(apps, application)(config=step_config(course_root, overrides), **({"log": log} if log else {}))
    app.coursedir = CourseDirectory(parent=app)  # as NbGrader.initialize makes it
    return app


def step_converter(step: str, app: Any) -> Any:
    """The converter ``nbgrader STEP --force`` builds, for ``app`` from :func:`step_application`."""
    from nbgrader import converters

    converter_name, _application = STEPS[step]
    converter = getattr(converters, converter_name)(coursedir=app.coursedir, parent=app)
    converter.force = True
    if step == "autograde":
        converter.create_student = True  # nbgrader's default, kept whatever a config file says
    return converter
