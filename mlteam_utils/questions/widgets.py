"""Widget questions for lessons (instant feedback) and graded exercises (saved answers).

Every builder returns a :class:`QuestionBox`, an ``ipywidgets.VBox`` that keeps
its parts as attributes (``controls``, ``feedback``, ``status``,
``check_button``, ``save_button``, ``rules``) so tests and notebooks can drive
the real widgets without a browser. A builder works in one of two modes:

* **lesson mode**, with the key given (``correct=``, ``key=``, ``correct_order=``,
  ``accountable=``/``responsible=``, ``target=``): a *Check* button scores the
  answer with :func:`~mlteam_utils.questions.scoring.score_answer` and shows why
  each part is right or not;
* **graded mode**, with ``sheet=AnswerSheet(...)`` and no key anywhere in the
  notebook: every change is saved to the answers file, which the grader scores
  later; the widget shows only whether the answer is complete, and restores the
  saved answer when its cell runs again.

Giving both a key and a sheet is a ``ValueError``; so is giving neither.

What every builder shares (:class:`QuestionBox`, :func:`assemble_question`,
:func:`question_mode`) is in :mod:`mlteam_utils.questions.box`; each builder
lives with its kind in :mod:`mlteam_utils.questions.kinds`. All are importable
from here by their usual names.

>>> box = single_choice("q1", "Who owns the feature pipeline?", ["Data engineer", "Data scientist"],
...                     correct="Data engineer")
>>> box.controls["answer"].value = "Data scientist"
>>> box.check_button.click()
>>> box.last_result.fraction
0.0
>>> box.controls["answer"].value = "Data engineer"
>>> box.check_button.click()
>>> "✔ All right." in box.feedback.value
True
"""

from __future__ import annotations

from mlteam_utils.questions.box import (
    BLANK,
    GRADED,
    LESSON,
    WIDE,
    QuestionBox,
    assemble_question,
    checked_texts,
    dropdown_width,
    question_mode,
)
from mlteam_utils.questions.kinds.matching import matching
from mlteam_utils.questions.kinds.multiple_choice import multiple_choice
from mlteam_utils.questions.kinds.numeric import numeric_estimate
from mlteam_utils.questions.kinds.ordering import ordering
from mlteam_utils.questions.kinds.raci import raci_grid
from mlteam_utils.questions.kinds.single_choice import single_choice

__all__ = [
    "BLANK",
    "GRADED",
    "LESSON",
    "WIDE",
    "QuestionBox",
    "assemble_question",
    "checked_texts",
    "dropdown_width",
    "matching",
    "multiple_choice",
    "numeric_estimate",
    "ordering",
    "question_mode",
    "raci_grid",
    "single_choice",
]
