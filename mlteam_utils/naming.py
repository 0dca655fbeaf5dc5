"""Naming rules of the course: assignment ids and the files beside each notebook.

The bottom layer: the widgets' answers file (:mod:`mlteam_utils.answers`), the
grader (:mod:`mlteam_utils.grading`), the cohort commands and ``release`` all
follow these rules, so they live here, importing nothing of the package.

An assignment is ``exNN_slug``. A notebook ``exNN_slug.ipynb`` keeps its
learner's widget answers in ``exNN_slug.answers.json`` beside it; the
instructor's key for its widget questions is
``solutions/exNN_slug/exNN_slug.key.json`` and never leaves ``solutions/``.

>>> answers_filename("ex01_ml_projects")
'ex01_ml_projects.answers.json'
>>> key_filename("ex01_ml_projects")
'ex01_ml_projects.key.json'
>>> bool(ASSIGNMENT_PATTERN.match("ex01_ml_projects")), bool(ASSIGNMENT_PATTERN.match("ex1"))
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "ANSWERS_GLOB",
    "ANSWERS_SIDE_FILES_GLOB",
    "ANSWERS_SUFFIX",
    "ASSIGNMENT_PATTERN",
    "KEY_GLOB",
    "KEY_SUFFIX",
    "WORKSPACE_MANIFEST",
    "answers_filename",
    "key_filename",
    "unknown_assignment_message",
]

ANSWERS_SUFFIX = ".answers.json"
KEY_SUFFIX = ".key.json"
ANSWERS_GLOB = f"*{ANSWERS_SUFFIX}"
# The answers file's lock, temporary and backup files (``.x.answers.json.lock`` ...).
ANSWERS_SIDE_FILES_GLOB = f"*{ANSWERS_SUFFIX}.*"
KEY_GLOB = f"*{KEY_SUFFIX}"
#: Marks a learner's work area (``my-work/``), which ``mlteam-course workspace`` keeps up to date.
WORKSPACE_MANIFEST = ".mlteam-workspace.json"
#: An assignment's id, which is also its folder in ``solutions/`` and ``exercises/``.
ASSIGNMENT_PATTERN = re.compile(r"^ex\d{2}_[a-z0-9_]+$")


def answers_filename(notebook: str) -> str:
    """Name of the answers file for the notebook named ``notebook`` (no extension).

    >>> answers_filename("ex02_the_ml_team")
    'ex02_the_ml_team.answers.json'
    """
    return f"{notebook}{ANSWERS_SUFFIX}"


def key_filename(notebook: str) -> str:
    """Name of the answer-key file for the notebook named ``notebook``.

    >>> key_filename("ex02_the_ml_team")
    'ex02_the_ml_team.key.json'
    """
    return f"{notebook}{KEY_SUFFIX}"


def unknown_assignment_message(asked: Sequence[str], known: Sequence[str]) -> str | None:
    """The error for assignment names the course does not have (None when all are known).

    >>> unknown_assignment_message(["ex1"], ["ex01_how_ml_projects_differ", "ex02_the_ml_team"])
    "unknown assignment 'ex1' (did you mean ex01_how_ml_projects_differ?); the course has: ex01_how_ml_projects_differ, ex02_the_ml_team"
    >>> unknown_assignment_message(["ex02_the_ml_team"], ["ex02_the_ml_team"]) is None
    True
    """
    import difflib

    unknown = [name for name in asked if name not in known]
    if not unknown:
        return None
    described = []
    for name in unknown:
        number = re.search(r"\d+", name)
        same_number = [k for k in known if number and re.match(rf"^ex0*{int(number.group())}_", k)]
        close = same_number[:1] or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        described.append(f"{name!r}" + (f" (did you mean {close[0]}?)" if close else ""))
    noun = "assignment" if len(unknown) == 1 else "assignments"
    return f"unknown {noun} {', '.join(described)}; the course has: {', '.join(known) or 'none in solutions/'}"
