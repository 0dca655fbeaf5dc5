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
from mlteam_utils.questions.kinds.single_choice import SingleChoice

__all__ = ["KIND_REGISTRY", "QuestionKind", "builder_named", "kind_named", "register"]

#: Every question kind, by the name a spec and a saved answer carry (in the order they are documented).
KIND_REGISTRY: dict[str, QuestionKind] = {}


def register(kind: QuestionKind) -> QuestionKind:
    """Add ``kind`` to the registry (under ``kind.name``) and return it.

    Raises ``ValueError`` if the name or the builder name is taken by another kind.
    """
    if not isinstance(kind, QuestionKind):
        raise TypeError(f"a question kind must be a QuestionKind, not {type(kind).__name__}")
    for other in KIND_REGISTRY.values():
        if other is not kind and (other.name == kind.name or other.builder_name == kind.builder_name):
            raise ValueError(f"question kind {kind.name!r} (builder {kind.builder_name!r}) clashes with {other!r}")
    KIND_REGISTRY[kind.name] = kind
    return kind


def kind_named(name: object) -> QuestionKind:
    """The registered kind called ``name``; ``ValueError`` naming the known kinds otherwise."""
    kind = KIND_REGISTRY.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ValueError(f"'kind' must be one of {', '.join(KIND_REGISTRY)}; got {name!r}")
    return kind


def builder_named(builder_name: str) -> QuestionKind | None:
    """The registered kind whose widget builder is called ``builder_name``, if any.

    >>> builder_named("numeric_estimate").name, builder_named("essay_box")
    ('numeric', None)
    """
    return next((kind for kind in KIND_REGISTRY.values() if kind.builder_name == builder_name), None)


for _kind in (SingleChoice(), MultipleChoice(), Matching(), Ordering(), Raci(), Numeric()):
    register(_kind)
del _kind
