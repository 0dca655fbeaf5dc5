"""Answer keys for widget questions: ``solutions/<assignment>/<notebook>.key.json``.

A key file maps each widget question of one notebook to its *spec*: the kind of
question, the correct answers and the explanations (see
:mod:`mlteam_utils.questions.scoring`). Key files exist only under ``solutions/``.

>>> import json, tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "ex00_demo.key.json"
>>> _ = path.write_text(json.dumps({"schema": "mlteam-key/1", "notebook": "ex00_demo",
...     "questions": {"q1": {"kind": "numeric", "target": 10, "tolerance": 1,
...                          "zero_beyond": 5, "unit": "weeks", "explanation": "..."}}}))
>>> key = load_key(path)
>>> key.notebook, sorted(key.questions)
('ex00_demo', ['q1'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_SCHEMA = "mlteam-key/1"


class AnswerKeyError(ValueError):
    """An answer-key file is missing, unreadable or invalid (an instructor's error)."""


@dataclass(frozen=True)
class AnswerKey:
    """The key for the widget questions of one notebook."""

    notebook: str
    questions: Mapping[str, Mapping[str, Any]]
    path: Path


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
    return AnswerKey(notebook=notebook, questions=questions, path=path)


def find_key(source_directory: Path, assignment: str, notebook: str) -> AnswerKey | None:
    """The key of ``notebook`` in ``assignment``, or ``None`` if it has no widget questions."""
    from mlteam_utils.grading.settings import key_filename

    path = source_directory / assignment / key_filename(notebook)
    return load_key(path) if path.exists() else None
