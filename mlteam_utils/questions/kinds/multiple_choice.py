"""Multiple choice: any number of answers (one checkbox per option); the saved value lists the chosen options.

Credit is the share of the right options picked minus the share of the wrong
options picked, at least 0 (Youden's J: sensitivity + specificity - 1). Ticking
everything, or nothing, earns nothing, whatever the number of right options; a
uniformly random answer earns little (see
:mod:`mlteam_utils.questions.blind_strategies`). With as many right options as wrong
ones, this is right picks minus wrong picks over the right options, as before.

Worked examples, with 3 right options out of 5 (so 2 wrong ones):

* 2 right picks, no wrong pick: 2/3 - 0/2, 67% credit;
* all 3 right and 1 wrong: 3/3 - 1/2, 50% credit;
* 2 right and 1 wrong: 2/3 - 1/2, 17% credit;
* all five ticked: 3/3 - 2/2, no credit.

>>> from mlteam_utils.questions.scoring import score_answer
>>> spec = {"kind": "multiple_choice", "options": ["a", "b", "c", "d", "e"], "correct": ["a", "b", "c"]}
>>> [round(score_answer("q1", spec, picks).fraction, 3) for picks in (["a", "b"], ["a", "b", "c", "d"], ["a", "b", "d"])]
[0.667, 0.5, 0.167]
>>> score_answer("q1", spec, ["a", "b", "c", "d", "e"]).fraction
0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mlteam_utils.questions.kinds.base import QuestionKind, Salvaged, salvaged
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.spec_fields import public_names, text_list, text_map
from mlteam_utils.questions.wording import describe, names, plural

if TYPE_CHECKING:
    from mlteam_utils.questions.box import QuestionBox

__all__ = ["MultipleChoice", "multiple_choice"]


class MultipleChoice(QuestionKind):
    """Several correct options: the share of right options picked minus the share of wrong options picked."""

    name = "multiple_choice"
    builder_name = "multiple_choice"
    required_keys = frozenset({"options", "correct"})
    optional_keys = frozenset({"explanations"})
    public_keys = ("options",)

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        options = text_list(spec, "options", "options", minimum=2)
        correct = spec["correct"]
        if isinstance(correct, str) or not isinstance(correct, Sequence):
            raise ValueError("'correct' of a multiple_choice spec must be a list of options")
        if not correct:
            raise ValueError("'correct' must list at least one option")
        if len(set(correct)) != len(correct):
            raise ValueError("'correct' lists an option twice")
        for option in correct:
            if option not in options:
                raise ValueError(f"'correct': {option!r} is not one of the options")
        return {
            "options": options,
            "correct": frozenset(correct),
            "explanations": text_map(spec, "explanations", options, "option"),
        }

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        return {o: ("select it" if o in n["correct"] else "leave it out") for o in n["options"]}

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        if not isinstance(value, (list, tuple)):
            return f"the answer is {describe(value)}, not a list of options"
        odd = [v for v in value if not isinstance(v, str)]
        if odd:
            return f"the answer list holds {describe(odd[0])}, not only option texts"
        options = public_names(public, "options")
        unknown = [v for v in value if v not in options]
        if unknown:
            return f"the answer names options that do not exist: {names(unknown)}"
        if len(set(value)) != len(value):
            return "the answer names an option more than once"
        return None

    def salvage(self, value: object, public: Mapping[str, Any]) -> Salvaged | None:
        if not isinstance(value, (list, tuple)):
            return None
        options = public_names(public, "options")
        kept = [choice for choice in value if isinstance(choice, str) and choice in options]
        dropped = [f"the choice {describe(choice)}" for choice in value if not (isinstance(choice, str) and choice in options)]
        return salvaged(kept, bool(kept), dropped)

    def completeness(self, value: Any, public: Mapping[str, Any]) -> tuple[bool, str]:
        if not value:
            return False, "No option selected yet."
        return True, f"{plural(len(value), 'option')} selected."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        expected, chosen, correct = self.expected(n), set(value), n["correct"]
        items = []
        for option in n["options"]:
            picked = option in chosen
            lead = "You selected this option." if picked else "You left this option out."
            why = n["explanations"].get(option, "")
            items.append(item_result(option, float(picked == (option in correct)), lead, why, expected[option]))
        hits, false_picks = len(chosen & correct), len(chosen - correct)
        wrong_options = len(n["options"]) - len(correct)
        # A key whose every option is right has no wrong pick to subtract.
        fraction = hits / len(correct) - (false_picks / wrong_options if wrong_options else 0.0)
        result = question_result(question_id, self.name, items, fraction=fraction)
        headline = multiple_choice_headline(hits, len(correct), false_picks, wrong_options, result.fraction)
        return replace(result, headline=headline)

    def given(self, value: Any, item: str) -> str:
        return "picked" if item in value else "not picked"

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return multiple_choice(question_id, prompt, *args, **kwargs)


def multiple_choice_headline(hits: int, right_options: int, wrong_picks: int, wrong_options: int, fraction: float) -> str:
    """The credit of a multiple-choice answer in words a lay reader can check.

    >>> multiple_choice_headline(2, 3, 0, 2, 2 / 3)
    'You picked 2 of the 3 right options (67%) and none of the 2 wrong ones (67% credit).'
    >>> multiple_choice_headline(3, 3, 1, 2, 0.5)
    'You picked 3 of the 3 right options (100%) and 1 of the 2 wrong ones, which takes 50% back (50% credit).'
    >>> multiple_choice_headline(3, 3, 2, 2, 0.0)
    'You picked 3 of the 3 right options (100%) and 2 of the 2 wrong ones, which takes 100% back (0% credit).'
    """
    right = f"You picked {hits} of the {right_options} right options ({round(100 * hits / right_options)}%)"
    if not wrong_picks:
        wrong = f"none of the {wrong_options} wrong ones" if wrong_options else "there is no wrong one"
        return f"{right} and {wrong} ({round(100 * fraction)}% credit)."
    taken = round(100 * wrong_picks / wrong_options)
    return (f"{right} and {wrong_picks} of the {wrong_options} wrong ones, which takes {taken}% back "
            f"({round(100 * fraction)}% credit).")


def multiple_choice(
    question_id: str,
    prompt: str,
    options: Sequence[str],
    *,
    correct: Sequence[str] | None = None,
    explanations: Mapping[str, str] | None = None,
    sheet: Any = None,
) -> QuestionBox:
    """Any number of answers (one checkbox per option).

    >>> box = multiple_choice("q0", "Pick all that apply", ["A", "B", "C"], correct=["A", "B"])
    >>> box.controls["A"].value = True
    >>> box.answer(), box.check().fraction
    (['A'], 0.5)
    """
    import ipywidgets as widgets

    from mlteam_utils.questions.box import LESSON, assemble_question, checked_texts, question_mode

    options = checked_texts(options, "options", minimum=2)
    mode = question_mode(question_id, sheet, {"correct": correct, "explanations": explanations}, "correct=[...]")
    spec: dict[str, Any] | None = None
    if mode == LESSON:
        spec = {"kind": "multiple_choice", "prompt": prompt, "options": options,
                "correct": list(correct or []), "explanations": dict(explanations or {})}
    boxes = {
        option: widgets.Checkbox(value=False, description=option, indent=False, layout=widgets.Layout(width="auto"))
        for option in options
    }

    def write(value: Any) -> bool:
        for option, checkbox in boxes.items():
            checkbox.value = option in value
        return True

    return assemble_question(
        question_id=question_id, kind="multiple_choice", prompt=prompt, mode=mode,
        body=[widgets.VBox(list(boxes.values()))], controls=dict(boxes),
        read=lambda: [option for option in options if boxes[option].value], write=write,
        watch=list(boxes.values()), public={"options": options}, spec=spec, sheet=sheet,
    )
