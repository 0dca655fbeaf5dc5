"""The registry itself: the kinds by name, and how to add and find one.

:mod:`mlteam_utils.questions.kinds` fills it with the course's kinds; the parts
that only look a kind up by name (a widget's box) import it from here, so they
do not import every kind's module.

>>> kind_named("raci").builder_name
'raci_grid'
"""

from __future__ import annotations

from mlteam_utils.questions.kinds.base import QuestionKind

__all__ = ["KIND_REGISTRY", "builder_named", "kind_named", "register"]

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
