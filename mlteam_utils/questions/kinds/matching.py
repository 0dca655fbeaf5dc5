"""Matching: put each item in a category (one numbered dropdown per item).

The saved value maps item -> category; unmatched items are left out. An item
may accept several categories (the key lists them). Each item is right or not;
the question's credit is the share of items right, with the luck of piling onto
the key's common categories taken out (:mod:`mlteam_utils.questions.luck`; the
chance is a random guess's, the mean share of categories each item accepts). An
answer spread out like a guess keeps the share of items right; every item in the
same category earns no more than a guess.

Worked examples, with 6 items, 4 categories and a key that puts 3 of the items
in "Business understanding" (a guess earns 1/4). Every item in "Business
understanding" is 3 of 6 right, but each answer moved to another item is right
as often, so it earns 25%, what a guess earns. A learner who gets 4
of 6 right with the categories spread out keeps 67%. One who gets 5 of 6 right
but sends the sixth item to "Business understanding" too leans on the common
category a little (luck 3/10 against a guess's 1/4): 83% becomes 82%.

>>> from mlteam_utils.questions.scoring import score_answer
>>> phases = ["Business understanding", "Data understanding", "Data preparation", "Modeling"]
>>> key = dict(zip("abcdef", [phases[0], phases[0], phases[0], phases[1], phases[2], phases[3]]))
>>> crisp = {"kind": "matching", "items": list(key), "categories": phases, "key": key}
>>> score_answer("q1", crisp, {item: phases[0] for item in key}).fraction
0.25
>>> score_answer("q1", crisp, {**key, "a": phases[1], "b": phases[2]}).fraction
0.666667
>>> score_answer("q1", crisp, {**key, "f": phases[0]}).fraction
0.821429

An item may accept several categories:

>>> spec = {"kind": "matching", "items": ["Sign-off", "Sprint review"], "categories": ["Waterfall", "Agile"],
...         "key": {"Sign-off": "Waterfall", "Sprint review": ["Agile", "Waterfall"]}}
>>> score_answer("q2", spec, {"Sign-off": "Agile", "Sprint review": "Waterfall"}).fraction
0.5
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mlteam_utils.questions.kinds.base import QuestionKind, Salvaged, salvaged
from mlteam_utils.questions.luck import luck_corrected, luck_headline
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.spec_fields import choices, public_names, text_list, text_map
from mlteam_utils.questions.wording import describe, names, plural

if TYPE_CHECKING:
    from mlteam_utils.questions.box import QuestionBox

__all__ = ["Matching", "matching"]


class Matching(QuestionKind):
    """Each item in an acceptable category: one item, one share of the credit, less luck (see the module)."""

    name = "matching"
    builder_name = "matching"
    required_keys = frozenset({"items", "categories", "key"})
    optional_keys = frozenset({"explanations"})
    public_keys = ("items", "categories")

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        items = text_list(spec, "items", "items")
        categories = text_list(spec, "categories", "categories", minimum=2)
        raw_key = spec["key"]
        if not isinstance(raw_key, Mapping):
            raise ValueError("'key' must map each item to its category")
        unknown = [k for k in raw_key if k not in items]
        if unknown:
            raise ValueError(f"'key' names items that are not in 'items': {unknown[:3]!r}")
        absent = [item for item in items if item not in raw_key]
        if absent:
            raise ValueError(f"'key' gives no category for {absent[:3]!r}")
        return {
            "items": items,
            "categories": categories,
            "key": {item: choices(raw_key[item], categories, "category", f"'key' for {item!r}") for item in items},
            "explanations": text_map(spec, "explanations", items, "item"),
        }

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        return {item: " or ".join(n["key"][item]) for item in n["items"]}

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        if not isinstance(value, Mapping):
            return f"the answer is {describe(value)}, not an object matching items to categories"
        items, categories = public_names(public, "items"), public_names(public, "categories")
        unknown = [k for k in value if k not in items]
        if unknown:
            return f"the answer matches items that are not in the question: {names(unknown)}"
        for item, category in value.items():
            if category is None or category == "":
                continue
            if not isinstance(category, str) or category not in categories:
                return f"the category chosen for {describe(item)}, {describe(category)}, is not one of the categories"
        return None

    def salvage(self, value: object, public: Mapping[str, Any]) -> Salvaged | None:
        """Keep the items matched to a real category.

        >>> Matching().salvage({"a": "X", "b": "Z", "c": "Y"}, {"items": ["a", "b"], "categories": ["X", "Y"]})
        ({'a': 'X'}, ['the category chosen for “b”, “Z”', 'an item that is not in the question, “c”'])
        >>> Matching().salvage({"c": "Y"}, {"items": ["a"], "categories": ["X", "Y"]}) is None  # nothing valid left
        True
        """
        if not isinstance(value, Mapping):
            return None
        items, categories = public_names(public, "items"), public_names(public, "categories")
        kept: dict[str, object] = {}
        dropped: list[str] = []
        for item, category in value.items():
            if item not in items:
                dropped.append(f"an item that is not in the question, {describe(item)}")
            elif category in (None, "") or (isinstance(category, str) and category in categories):
                kept[item] = category
            else:
                dropped.append(f"the category chosen for {describe(item)}, {describe(category)}")
        return salvaged(kept, any(category for category in kept.values()), dropped)

    def completeness(self, value: Any, public: Mapping[str, Any]) -> tuple[bool, str]:
        total = len(public_names(public, "items"))
        done = sum(1 for category in value.values() if category)
        return done == total, f"{done} of {plural(total, 'item')} answered."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        expected, items = self.expected(n), []
        for item in n["items"]:
            chosen = value.get(item) or ""
            why = n["explanations"].get(item, "")
            if not chosen:
                items.append(item_result(item, 0.0, "Not matched.", why, expected[item]))
                continue
            credit = 1.0 if chosen in n["key"][item] else 0.0
            items.append(item_result(item, credit, f"You chose “{chosen}”.", why, expected[item]))
        answers = [value.get(item) or "" for item in n["items"]]
        cross = [[1.0 if answer and answer in n["key"][item] else 0.0 for answer in answers] for item in n["items"]]
        chance = sum(len(n["key"][item]) for item in n["items"]) / (len(n["items"]) * len(n["categories"]))
        correction = luck_corrected(cross, chance)
        result = question_result(question_id, self.name, items, fraction=correction.credit)
        if not correction.shown:  # a deduction too small to see in whole percent needs no sentence
            return result
        right = sum(1 for item in items if item.correct)
        return replace(result, headline=luck_headline(correction, f"{right} of {plural(len(items), 'item')} right", "items"))

    def given(self, value: Any, item: str) -> str:
        return str(value.get(item) or "(not matched)")

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return matching(question_id, prompt, *args, **kwargs)


def matching(
    question_id: str,
    prompt: str,
    items: Sequence[str],
    categories: Sequence[str],
    *,
    key: Mapping[str, str | Sequence[str]] | None = None,
    explanations: Mapping[str, str] | None = None,
    sheet: Any = None,
) -> QuestionBox:
    """Put each item in a category (one numbered dropdown per item).

    >>> box = matching("q0", "Match", ["Sprint review", "Sign-off"], ["Agile", "Waterfall"],
    ...                key={"Sprint review": "Agile", "Sign-off": "Waterfall"})
    >>> box.controls["Sprint review"].value = "Agile"
    >>> box.answer()
    {'Sprint review': 'Agile'}
    """
    import ipywidgets as widgets

    from mlteam_utils.questions.box import (
        BLANK,
        LESSON,
        WIDE,
        assemble_question,
        checked_texts,
        dropdown_width,
        question_mode,
    )

    items = checked_texts(items, "items")
    categories = checked_texts(categories, "categories", minimum=2)
    mode = question_mode(question_id, sheet, {"key": key, "explanations": explanations}, "key={item: category}")
    spec: dict[str, Any] | None = None
    if mode == LESSON:
        spec = {"kind": "matching", "prompt": prompt, "items": items, "categories": categories,
                "key": dict(key or {}), "explanations": dict(explanations or {})}
    dropdowns: dict[str, Any] = {}
    rows = []
    for number, item in enumerate(items, start=1):
        dropdown = widgets.Dropdown(
            options=[(BLANK, "")] + [(category, category) for category in categories],
            value="",
            description=f"Item {number}:",
            tooltip=item,
            style=WIDE,
            layout=widgets.Layout(width="auto", min_width=dropdown_width(categories, f"Item {len(items)}:")),
        )
        dropdowns[item] = dropdown
        text = widgets.HTML(
            f'<div style="line-height: 1.4;">{number}. {html.escape(item)}</div>',
            layout=widgets.Layout(flex="1 1 60%"),
        )
        rows.append(widgets.HBox([text, dropdown], layout=widgets.Layout(align_items="center", width="100%")))

    def read() -> dict[str, str]:
        return {item: dropdown.value for item, dropdown in dropdowns.items() if dropdown.value}

    def write(value: Any) -> bool:
        for item, dropdown in dropdowns.items():
            dropdown.value = value.get(item) or ""
        return True

    return assemble_question(
        question_id=question_id, kind="matching", prompt=prompt, mode=mode, body=[widgets.VBox(rows)],
        controls=dict(dropdowns), read=read, write=write, watch=list(dropdowns.values()),
        public={"items": items, "categories": categories}, spec=spec, sheet=sheet,
    )
