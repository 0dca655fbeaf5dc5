"""The registry of question kinds: one :class:`~mlteam_utils.questions.kinds.base.QuestionKind` per kind.

Every public entry point (:func:`~mlteam_utils.questions.scoring.score_answer`,
:func:`~mlteam_utils.questions.scoring.validate_spec`, the answers file, the
grader, the knowledge checks) finds a kind here by name, so a new kind is one
module under ``mlteam_utils/questions/kinds/`` whose class is registered below
(or, from outside the package, passed to :func:`register`).

Importing this package builds the registry and nothing else: the kinds are pure
Python, and ``ipywidgets`` is imported only when a builder is first called.

>>> list(KIND_REGISTRY)
['single_choice', 'multiple_choice', 'matching', 'ordering', 'raci', 'numeric']
>>> kind_named("raci").builder_name
'raci_grid'
>>> kind_named("essay")
Traceback (most recent call last):
...
ValueError: 'kind' must be one of single_choice, multiple_choice, matching, ordering, raci, numeric; got 'essay'
"""

from __future__ import annotations

from mlteam_utils.questions.kinds.base import QuestionKind
from mlteam_utils.questions.kinds.matching import Matching
from mlteam_utils.questions.kinds.multiple_choice import MultipleChoice
from mlteam_utils.questions.kinds.numeric import Numeric
from mlteam_utils.questions.kinds.ordering import Ordering
from mlteam_utils.questions.kinds.raci import Raci
from mlteam_utils.questions.kinds.registry import KIND_REGISTRY, builder_named, kind_named, register
from mlteam_utils.questions.kinds.single_choice import SingleChoice

__all__ = ["KIND_REGISTRY", "QuestionKind", "builder_named", "kind_named", "register"]

for _kind in (SingleChoice(), MultipleChoice(), Matching(), Ordering(), Raci(), Numeric()):
    register(_kind)
del _kind
