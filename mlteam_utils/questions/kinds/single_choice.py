"""Single choice: one answer out of several (radio buttons); the saved value is the option's text.

>>> from mlteam_utils.questions.scoring import score_answer
>>> spec = {"kind": "single_choice", "options": ["Data engineer", "Data scientist"], "correct": "Data engineer",
...         "explanations": {"Data scientist": "A scientist uses the pipeline but seldom owns it."}}
>>> score_answer("q1", spec, "Data scientist").items[0].feedback
'You chose “Data scientist”. A scientist uses the pipeline but seldom owns it.'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlteam_utils.questions.kinds.base import QuestionKind
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.spec_fields import public_names, text_list, text_map
from mlteam_utils.questions.wording import describe

if TYPE_CHECKING:
    from mlteam_utils.questions.box import QuestionBox

__all__ = ["SingleChoice", "single_choice"]


class SingleChoice(QuestionKind):
    """One correct option: full credit for it, none for any other."""

    name = "single_choice"
    builder_name = "single_choice"
    required_keys = frozenset({"options", "correct"})
    optional_keys = frozenset({"explanations"})
    public_keys = ("options",)

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        options = text_list(spec, "options", "options", minimum=2)
        correct = spec["correct"]
        if not isinstance(correct, str) or correct not in options:
            raise ValueError(f"'correct' must be one of the options, got {correct!r}")
        return {"options": options, "correct": correct, "explanations": text_map(spec, "explanations", options, "option")}

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        return {"answer": n["correct"]}

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        if not isinstance(value, str):
            return f"the answer is {describe(value)}, not the text of an option"
        if value not in public_names(public, "options"):
            return f"the answer {describe(value)} is not one of the options"
        return None

    def completeness(self, value: object, public: Mapping[str, Any]) -> tuple[bool, str]:
        return True, "Answered."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        credit = 1.0 if value == n["correct"] else 0.0
        why = n["explanations"].get(value, "")
        return question_result(question_id, self.name, [item_result("answer", credit, f"You chose “{value}”.", why, n["correct"])])

    def given(self, value: Any, item: str) -> str:
        return str(value)

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return single_choice(question_id, prompt, *args, **kwargs)


def single_choice(
    question_id: str,
    prompt: str,
    options: Sequence[str],
    *,
    correct: str | None = None,
    explanations: Mapping[str, str] | None = None,
    sheet: Any = None,
) -> QuestionBox:
    """One answer out of several (radio buttons).

    >>> box = single_choice("q0", "Pick one", ["A", "B"], correct="A", explanations={"B": "B is a trap."})
    >>> box.controls["answer"].value = "B"
    >>> box.check().items[0].feedback
    'You chose “B”. B is a trap.'
    """
    import ipywidgets as widgets

    from mlteam_utils.questions.box import LESSON, WIDE, assemble_question, checked_texts, question_mode

    options = checked_texts(options, "options", minimum=2)
    mode = question_mode(question_id, sheet, {"correct": correct, "explanations": explanations}, "correct=")
    spec: dict[str, Any] | None = None
    if mode == LESSON:
        spec = {"kind": "single_choice", "prompt": prompt, "options": options, "correct": correct,
                "explanations": dict(explanations or {})}
    radio = widgets.RadioButtons(
        options=options, value=None, description="Your answer:", style=WIDE, layout=widgets.Layout(width="auto")
    )

    def write(value: Any) -> bool:
        radio.value = value
        return True

    return assemble_question(
        question_id=question_id, kind="single_choice", prompt=prompt, mode=mode, body=[radio],
        controls={"answer": radio}, read=lambda: radio.value, write=write, watch=[radio],
        public={"options": options}, spec=spec, sheet=sheet,
    )
