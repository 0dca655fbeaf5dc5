"""Widget questions: builders for lessons and graded exercises, and their scoring.

Importing this package loads nothing heavy: the scoring functions are pure
Python, and ``ipywidgets`` is imported only when a widget builder is first used.
Each kind of question is one object in :mod:`mlteam_utils.questions.kinds`.

>>> from mlteam_utils.questions import KINDS, score_answer
>>> list(KINDS)
['single_choice', 'multiple_choice', 'matching', 'ordering', 'raci', 'numeric']
>>> spec = {"kind": "matching", "items": ["Sign-off", "Sprint review"], "categories": ["Waterfall", "Agile"],
...         "key": {"Sign-off": "Waterfall", "Sprint review": "Agile"}}
>>> score_answer("q2", spec, {"Sign-off": "Waterfall", "Sprint review": "Waterfall"}).fraction
0.5
"""

from __future__ import annotations

from mlteam_utils._lazy import lazy_exports

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # scoring (pure)
    "KINDS": "mlteam_utils.questions.scoring",
    "ItemResult": "mlteam_utils.questions.scoring",
    "QuestionResult": "mlteam_utils.questions.scoring",
    "completeness": "mlteam_utils.questions.scoring",
    "public_spec": "mlteam_utils.questions.scoring",
    "score_answer": "mlteam_utils.questions.scoring",
    "score_entry": "mlteam_utils.questions.scoring",
    "validate_spec": "mlteam_utils.questions.scoring",
    "value_problem": "mlteam_utils.questions.scoring",
    # RACI rule checks (pure), for a lesson that checks a chart drawn as a table
    "raci_problems": "mlteam_utils.questions.kinds.raci",
    # widget builders (import ipywidgets on first use)
    "QuestionBox": "mlteam_utils.questions.widgets",
    "single_choice": "mlteam_utils.questions.widgets",
    "multiple_choice": "mlteam_utils.questions.widgets",
    "matching": "mlteam_utils.questions.widgets",
    "ordering": "mlteam_utils.questions.widgets",
    "raci_grid": "mlteam_utils.questions.widgets",
    "numeric_estimate": "mlteam_utils.questions.widgets",
    # the written answer's text box (graded by a person; imports ipywidgets on first use)
    "written_answer": "mlteam_utils.questions.written",
    # the lessons' knowledge checks, stored as data
    "knowledge_check": "mlteam_utils.questions.knowledge_checks",
    "check_spec": "mlteam_utils.questions.knowledge_checks",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
