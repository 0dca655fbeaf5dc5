"""Ordering: put items in order with the keyboard; the saved value lists every item once, in the learner's order.

The key lists the items in the right order. Per item, the credit is the share
of other items it stands correctly before or after (``"method": "pairs"``, the
default), or 1 for the exact position (``"positions"``), or the mean of both
(``"mixed"``).

>>> from mlteam_utils.questions.scoring import score_answer
>>> result = score_answer("q2", {"kind": "ordering", "items": ["Plan", "Build", "Ship"]}, ["Plan", "Ship", "Build"])
>>> round(result.fraction, 3), [item.correct for item in result.items]
(0.667, [True, False, False])
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlteam_utils.questions.kinds.base import QuestionKind
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.spec_fields import public_names, text_list, text_map
from mlteam_utils.questions.wording import describe, plural

if TYPE_CHECKING:
    from mlteam_utils.questions.box import QuestionBox

__all__ = ["Ordering", "move_item", "ordering", "start_order"]

ORDERING_METHODS: tuple[str, ...] = ("pairs", "positions", "mixed")


class Ordering(QuestionKind):
    """Items in the key's order: credit per item for the pairs (or the position) it gets right."""

    name = "ordering"
    builder_name = "ordering"
    required_keys = frozenset({"items"})
    optional_keys = frozenset({"explanations", "method"})
    public_keys = ("items",)

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        items = text_list(spec, "items", "items", minimum=2)
        method = spec.get("method", "pairs")
        if method not in ORDERING_METHODS:
            raise ValueError(f"'method' must be one of {', '.join(ORDERING_METHODS)}; got {method!r}")
        return {"items": items, "method": method, "explanations": text_map(spec, "explanations", items, "item")}

    def public(self, n: Mapping[str, Any]) -> dict[str, Any]:
        """The items sorted, since the key lists them in the right order."""
        return {"items": sorted(n["items"], key=str.casefold)}

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        count = len(n["items"])
        return {item: f"position {i + 1} of {count}" for i, item in enumerate(n["items"])}

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        if not isinstance(value, (list, tuple)):
            return f"the answer is {describe(value)}, not a list of items"
        items = public_names(public, "items")
        if len(value) != len(items) or not all(isinstance(v, str) for v in value) or set(value) != items:
            return "the answer does not list each item exactly once"
        return None

    def completeness(self, value: Any, public: Mapping[str, Any]) -> tuple[bool, str]:
        return True, f"All {plural(len(value), 'item')} are in your order."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        expected, order = self.expected(n), n["items"]
        given = {item: i for i, item in enumerate(value)}
        right = {item: i for i, item in enumerate(order)}
        others = len(order) - 1
        items = []
        for item in order:
            in_order = sum(
                1 for other in order if other != item and (given[item] - given[other]) * (right[item] - right[other]) > 0
            )
            pair_credit = in_order / others
            place_credit = 1.0 if given[item] == right[item] else 0.0
            credit = {"pairs": pair_credit, "positions": place_credit, "mixed": (pair_credit + place_credit) / 2}[
                n["method"]
            ]
            if given[item] == right[item] and in_order == others:
                lead = "In the right place."
            else:
                if given[item] == right[item]:
                    where = "although at the right position"
                else:
                    where = "placed too early" if given[item] < right[item] else "placed too late"
                lead = f"In the right order relative to {in_order} of the {others} other items; {where}."
            items.append(item_result(item, credit, lead, n["explanations"].get(item, ""), expected[item]))
        return question_result(question_id, self.name, items)

    def given(self, value: Any, item: str) -> str:
        return f"position {list(value).index(item) + 1} of {len(value)}" if item in value else "(not placed)"

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return ordering(question_id, prompt, *args, **kwargs)


def move_item(order: Sequence[str], item: str, delta: int) -> list[str]:
    """``order`` with ``item`` moved ``delta`` places (negative: up), kept within bounds.

    >>> move_item(["a", "b", "c"], "c", -1)
    ['a', 'c', 'b']
    >>> move_item(["a", "b", "c"], "a", -1)
    ['a', 'b', 'c']
    """
    result = list(order)
    if item not in result:
        return result
    index = result.index(item)
    target = builtins.max(0, builtins.min(len(result) - 1, index + delta))
    result.insert(target, result.pop(index))
    return result


def start_order(items: Sequence[str], *, seed: object = None, avoid: Sequence[str] | None = None) -> list[str]:
    """The order an ordering question starts from: ``items`` as given, or shuffled
    deterministically with ``seed``; never equal to ``avoid`` (the correct order)
    when there are two or more items.

    >>> start_order(["a", "b", "c"])
    ['a', 'b', 'c']
    >>> start_order(["a", "b", "c"], seed="q1") == start_order(["a", "b", "c"], seed="q1")
    True
    >>> start_order(["a", "b", "c"], avoid=["a", "b", "c"]) != ["a", "b", "c"]
    True
    """
    order = list(items)
    if seed is not None:
        random.Random(str(seed)).shuffle(order)
    if avoid is not None and len(order) > 1 and order == list(avoid):
        random.Random(f"{seed}:{'|'.join(order)}").shuffle(order)
        if order == list(avoid):
            order = order[1:] + order[:1]
    return order


def ordering(
    question_id: str,
    prompt: str,
    items: Sequence[str],
    *,
    correct_order: Sequence[str] | None = None,
    explanations: Mapping[str, str] | None = None,
    sheet: Any = None,
    seed: object = None,
    method: str = "pairs",
) -> QuestionBox:
    """Put items in order with the keyboard: select one, then *Move up* / *Move down*.

    The question starts from ``items`` as given (in graded mode, list them in the
    order learners should first see, never the correct one), or from a shuffle
    seeded with ``seed``. In lesson mode a start order equal to ``correct_order``
    is reshuffled deterministically. In graded mode, *Save this answer* keeps an
    order the learner agrees with without moving anything.

    >>> box = ordering("q0", "Order", ["Build", "Plan", "Ship"], correct_order=["Plan", "Build", "Ship"])
    >>> box.controls["order"].value = "Plan"
    >>> box.move_up_button.click()
    >>> box.answer(), box.check().correct
    (['Plan', 'Build', 'Ship'], True)
    """
    import ipywidgets as widgets

    from mlteam_utils.questions.box import LESSON, WIDE, assemble_question, checked_texts, question_mode

    items = checked_texts(items, "items", minimum=2)
    mode = question_mode(question_id, sheet, {"correct_order": correct_order, "explanations": explanations},
                         "correct_order=[...]")
    spec: dict[str, Any] | None = None
    avoid = None
    if mode == LESSON:
        key_order = checked_texts(correct_order, "correct_order", minimum=2)
        if set(key_order) != set(items):
            raise ValueError(f"{question_id}: correct_order must list exactly the same items as items")
        spec = {"kind": "ordering", "prompt": prompt, "items": key_order, "method": method,
                "explanations": dict(explanations or {})}
        avoid = key_order
    order = start_order(items, seed=seed, avoid=avoid)
    select = widgets.Select(
        options=order, value=order[0], rows=builtins.min(len(order), 12), description="Order:",
        style=WIDE, layout=widgets.Layout(width="auto", min_width="24em"),
    )
    up = widgets.Button(description="Move up", icon="arrow-up", tooltip="Move the selected item one place up")
    down = widgets.Button(description="Move down", icon="arrow-down", tooltip="Move the selected item one place down")
    hint = widgets.HTML(
        '<div style="opacity: 0.8;">Select an item (arrow keys or click), then press Move up or Move down.</div>'
    )

    def read() -> list[str]:
        return list(select.options)

    def write(value: Any) -> bool:
        chosen = select.value if select.value in value else value[0]
        select.options = list(value)
        select.value = chosen
        return True

    box = assemble_question(
        question_id=question_id, kind="ordering", prompt=prompt, mode=mode,
        body=[hint, widgets.HBox([select, widgets.VBox([up, down])])], controls={"order": select},
        read=read, write=write, watch=[], public={"items": sorted(items, key=str.casefold)}, spec=spec,
        sheet=sheet, with_save_button=True,
    )

    def move(delta: int) -> None:
        item = select.value
        new_order = move_item(select.options, item, delta)
        if new_order == list(select.options):
            return
        select.options = new_order
        select.value = item
        box.changed()

    up.on_click(lambda _button: move(-1))
    down.on_click(lambda _button: move(+1))
    box.move_up_button, box.move_down_button = up, down
    return box
