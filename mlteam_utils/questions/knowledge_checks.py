"""The lessons' knowledge checks, kept as data so a reader never sees the answer above the question.

A lesson cell used to build its check in plain sight, ``single_choice("kc_x",
..., correct="...", explanations={...})``: reading top-down, the key came before
the question. The checks now live in ``mlteam_utils/data/knowledge_checks/``,
one JSON file per lesson, and a lesson cell is one short call::

    knowledge_check("kc_uncertainty")

Each entry names the builder (``single_choice``, ``ordering``, ...) and its
keyword arguments, key and explanations included; the widget shows the prompt
and the options, and the key reaches the screen only as feedback after
**Check**. Lesson checks are practice, not grades: their keys sit in the
package like the answers at the back of a textbook, unlike the exercises'
keys, which only ``solutions/`` holds.

>>> spec = check_spec("kc_uncertainty")
>>> spec["builder"], spec["lesson"]
('single_choice', '01_how_ml_projects_differ')
>>> box = knowledge_check("kc_uncertainty")
>>> box.question_id, box.mode
('kc_uncertainty', 'lesson')
>>> sorted(box.public)   # what the widget knows: the kind and the options, no key
['kind', 'options']
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from mlteam_utils.progress_log import record_check
from mlteam_utils.questions.kinds import KIND_REGISTRY, builder_named

__all__ = ["BUILDERS", "KnowledgeCheckError", "all_checks", "check_spec", "knowledge_check"]

#: Builders a knowledge check may name: one per registered question kind (see :mod:`mlteam_utils.questions.kinds`).
BUILDERS: tuple[str, ...] = tuple(kind.builder_name for kind in KIND_REGISTRY.values())
SCHEMA = "mlteam-knowledge-checks/1"


class KnowledgeCheckError(LookupError):
    """A knowledge check that is not in the course's data, or whose entry is malformed."""


@lru_cache(maxsize=1)
def all_checks() -> dict[str, dict[str, Any]]:
    """Every lesson's checks: id -> entry (``builder``, ``lesson`` and the builder's arguments).

    >>> len(all_checks()) >= 40
    True
    """
    checks: dict[str, dict[str, Any]] = {}
    folder = resources.files("mlteam_utils") / "data" / "knowledge_checks"
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        lesson = path.name.removesuffix(".json")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            raise KnowledgeCheckError(f"{path.name}: expected schema {SCHEMA!r}, found {data.get('schema')!r}")
        for check_id, entry in data["checks"].items():
            if check_id in checks:
                raise KnowledgeCheckError(f"{check_id} is in both {checks[check_id]['lesson']}.json and {path.name}")
            if builder_named(entry.get("builder")) is None:
                raise KnowledgeCheckError(f"{path.name}: {check_id} names no known builder: {entry.get('builder')!r}")
            checks[check_id] = {**entry, "lesson": lesson}
    return checks


def check_spec(check_id: str) -> dict[str, Any]:
    """The stored entry of one check (a copy).

    >>> check_spec("kc_no_such_check")
    Traceback (most recent call last):
    ...
    mlteam_utils.questions.knowledge_checks.KnowledgeCheckError: no knowledge check 'kc_no_such_check' in mlteam_utils/data/knowledge_checks/
    """
    checks = all_checks()
    if check_id not in checks:
        raise KnowledgeCheckError(f"no knowledge check {check_id!r} in mlteam_utils/data/knowledge_checks/")
    return json.loads(json.dumps(checks[check_id]))


def knowledge_check(check_id: str) -> Any:
    """Build the lesson's check ``check_id`` as a widget (a :class:`~mlteam_utils.questions.widgets.QuestionBox`)."""
    arguments = check_spec(check_id)
    builder, lesson = arguments.pop("builder"), arguments.pop("lesson")
    kind = builder_named(builder)
    if kind is None or "prompt" not in arguments:  # all_checks() admits known builders only
        raise KnowledgeCheckError(f"{lesson}.json: {check_id} names no known builder or has no prompt")
    box = kind.build(check_id, arguments.pop("prompt"), **arguments)
    # Each press of Check goes into the learner's own progress record (their work area only).
    box.on_checked = lambda result: record_check(check_id, lesson, result.fraction)
    return box
