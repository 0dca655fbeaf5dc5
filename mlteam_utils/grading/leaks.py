"""What must never reach a learner: nbgrader's instructor markers and the answer key's texts.

Both the release of exercises (:mod:`mlteam_utils.release`) and the feedback
pages (:mod:`mlteam_utils.cohort.feedback`) scan what they hand out for these,
so the rules live on the grading side, beneath both commands.

>>> import json, tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "ex00_demo.key.json").write_text(json.dumps({"questions": {"q1": {
...     "kind": "single_choice", "options": ["Data engineer", "Data scientist"], "correct": "Data engineer",
...     "explanation": "Pipelines that feed the model are the data engineer's work."}}}))
>>> key_texts(folder)
["Pipelines that feed the model are the data engineer's work."]
>>> "BEGIN SOLUTION" in FORBIDDEN_MARKERS
True
"""

from __future__ import annotations

import json
from pathlib import Path

from mlteam_utils.naming import KEY_GLOB

__all__ = ["FORBIDDEN_MARKERS", "MIN_LEAK_TEXT", "key_texts"]

# Text that must never reach a learner: nbgrader's solution and hidden-test markers.
FORBIDDEN_MARKERS = (
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN MARK SCHEME",
    "instructor-only",
)
# Explanations shorter than this are too generic to count as a leak ("Yes.").
MIN_LEAK_TEXT = 25


def key_texts(source_folder: Path) -> list[str]:
    """Explanations and correct-answer texts from the folder's key files.

    Texts a learner sees anyway (prompts, the options offered) are left out, and
    so are those shorter than :data:`MIN_LEAK_TEXT`: neither reveals anything.
    Key files that cannot be read or parsed are skipped.
    """
    texts: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            if len(value) >= MIN_LEAK_TEXT:
                texts.append(value)
        elif isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    for key_file in source_folder.glob(KEY_GLOB):
        try:
            questions = json.loads(key_file.read_text(encoding="utf-8")).get("questions", {})
        except (OSError, ValueError, AttributeError):
            continue
        for spec in questions.values():
            if isinstance(spec, dict):
                # Prompts and option lists are public; explanations and keys are not.
                before = len(texts)
                for field in ("explanations", "explanation", "key", "correct", "accountable", "responsible"):
                    collect(spec.get(field))
                public = {
                    str(text)
                    for field in ("options", "items", "categories", "activities", "roles")
                    for text in spec.get(field, []) or []
                }
                # A correct option is one of the options every learner sees: not a secret.
                texts[before:] = [text for text in texts[before:] if text not in public]
    return texts
