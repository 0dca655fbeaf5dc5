"""Answer keys for widget questions: ``solutions/<assignment>/<notebook>.key.json``.

A key file maps each widget question of one notebook to its *spec*: the kind of
question, the correct answers and the explanations (see
:mod:`mlteam_utils.questions.scoring`). Its optional ``code`` section says how the
code questions are graded outside the learner's kernel (see
:mod:`mlteam_utils.grading.code_questions`): which locked cells set up the data
the tests need, and which values each test cell takes from the learner's
notebook. Key files exist only under ``solutions/``.

>>> import json, tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "ex00_demo.key.json"
>>> _ = path.write_text(json.dumps({"schema": "mlteam-key/1", "notebook": "ex00_demo",
...     "questions": {"q1": {"kind": "numeric", "target": 10, "tolerance": 1,
...                          "zero_beyond": 5, "unit": "weeks", "explanation": "..."}}}))
>>> key = load_key(path)
>>> key.notebook, sorted(key.questions), key.code
('ex00_demo', ['q1'], None)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_SCHEMA = "mlteam-key/1"


class AnswerKeyError(ValueError):
    """An answer-key file is missing, unreadable or invalid (an instructor's error)."""


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class CodeQuestions:
    """How a notebook's code questions are graded outside the learner's kernel.

    ``setup``: grade ids of locked cells (from ``solutions/``) that the grader runs
    first, in a fresh interpreter, to set up data and constants. ``tests``: each
    test cell's grade id and the names of the values it takes from the learner.
    """

    setup: tuple[str, ...]
    tests: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class AnswerKey:
    """The key for the widget questions (and code questions) of one notebook."""

    notebook: str
    questions: Mapping[str, Mapping[str, Any]]
    path: Path
    code: CodeQuestions | None = None


def parse_code_section(section: Any) -> CodeQuestions:
    """Validate a key's ``code`` section.

    >>> parse_code_section({"setup": ["q4_data"], "tests": {"q4_shape": {"values": ["answer"]}}})
    CodeQuestions(setup=('q4_data',), tests={'q4_shape': ('answer',)})
    >>> parse_code_section({"setup": [], "tests": {"q4_shape": {"values": ["not a name"]}}})
    Traceback (most recent call last):
    ...
    ValueError: test 'q4_shape': values must be a list of Python names, not ['not a name']
    """
    if not isinstance(section, dict) or not isinstance(section.get("tests"), dict) or not section["tests"]:
        raise ValueError("needs 'setup' (a list of grade ids) and 'tests' (grade id -> {'values': [names]})")
    setup = section.get("setup", [])
    if not isinstance(setup, list) or not all(isinstance(item, str) and item for item in setup):
        raise ValueError(f"setup must be a list of grade ids, not {setup!r}")
    tests: dict[str, tuple[str, ...]] = {}
    for grade_id, spec in section["tests"].items():
        values = spec.get("values") if isinstance(spec, dict) else None
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and _IDENTIFIER.match(v) for v in values):
            raise ValueError(f"test {grade_id!r}: values must be a list of Python names, not {values!r}")
        tests[grade_id] = tuple(values)
    return CodeQuestions(setup=tuple(setup), tests=tests)


def load_key(path: Path | str) -> AnswerKey:
    """Read and validate a key file; raise :class:`AnswerKeyError` naming the file."""
    from mlteam_utils.questions.scoring import validate_spec

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnswerKeyError(f"{path}: answer key not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnswerKeyError(f"{path}: answer key is not readable JSON ({error})") from None
    if not isinstance(data, dict) or data.get("schema") != KEY_SCHEMA:
        raise AnswerKeyError(f"{path}: not an answer key (expected schema {KEY_SCHEMA!r})")
    notebook, questions = data.get("notebook"), data.get("questions")
    if not isinstance(notebook, str) or not isinstance(questions, dict) or not questions:
        raise AnswerKeyError(f"{path}: needs a 'notebook' name and a non-empty 'questions' object")
    for question_id, spec in questions.items():
        try:
            validate_spec(spec)
        except ValueError as error:
            raise AnswerKeyError(f"{path}: question {question_id!r}: {error}") from None
    code = None
    if "code" in data:
        try:
            code = parse_code_section(data["code"])
        except ValueError as error:
            raise AnswerKeyError(f"{path}: code section: {error}") from None
    return AnswerKey(notebook=notebook, questions=questions, path=path, code=code)


def find_key(source_directory: Path, assignment: str, notebook: str) -> AnswerKey | None:
    """The key of ``notebook`` in ``assignment``, or ``None`` if it has no widget questions."""
    from mlteam_utils.grading.settings import key_filename

    path = source_directory / assignment / key_filename(notebook)
    return load_key(path) if path.exists() else None
