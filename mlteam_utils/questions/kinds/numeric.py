"""Numeric estimate: a labelled number box (bounded, with arrow-key steps); the saved value is a number.

A number box rather than a slider: ipywidgets' slider handle has no accessible
name (its label is a separate element no screen reader ties to it), while the
number box is a native ``<input type=number>`` its label names.

Full credit within ``tolerance`` of the target, none from ``zero_beyond`` away,
linear in between (both are distances from the target).

>>> from mlteam_utils.questions.scoring import score_answer
>>> spec = {"kind": "numeric", "target": 10, "tolerance": 1, "zero_beyond": 5, "unit": "weeks"}
>>> result = score_answer("q3", spec, 12)
>>> result.fraction, result.items[0].feedback
(0.75, 'Your estimate, 12 weeks, is close but too high.')
"""

from __future__ import annotations

import builtins
import html
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlteam_utils.questions.kinds.base import QuestionKind
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.spec_fields import finite
from mlteam_utils.questions.wording import describe, is_number, number, with_unit

if TYPE_CHECKING:
    from mlteam_utils.questions.box import QuestionBox

__all__ = ["Numeric", "lesson_spec", "numeric_estimate"]


class Numeric(QuestionKind):
    """A number: full credit near the target, falling linearly to none."""

    name = "numeric"
    builder_name = "numeric_estimate"
    required_keys = frozenset({"target", "tolerance"})
    optional_keys = frozenset({"zero_beyond", "unit", "explanation"})
    public_keys = ("unit",)

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        target = finite(spec, "target")
        tolerance = finite(spec, "tolerance")
        if tolerance < 0:
            raise ValueError("'tolerance' must not be negative")
        zero_beyond = finite(spec, "zero_beyond", tolerance)
        if zero_beyond < tolerance:
            raise ValueError("'zero_beyond' must be at least 'tolerance' (both are distances from the target)")
        unit, explanation = spec.get("unit", ""), spec.get("explanation", "")
        if not isinstance(unit, str) or not isinstance(explanation, str):
            raise ValueError("'unit' and 'explanation' must be text")
        return {"target": target, "tolerance": tolerance, "zero_beyond": zero_beyond, "unit": unit, "explanation": explanation}

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        return {"estimate": f"{with_unit(n['target'], n['unit'])} (full credit within ±{number(n['tolerance'])})"}

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        if not is_number(value):
            return f"the answer is {describe(value)}, not a number"
        try:
            as_float = float(value)  # type: ignore[arg-type]
        except OverflowError:
            return "the answer is a number too large to use"
        if not math.isfinite(as_float):
            return "the answer is not a finite number"
        return None

    def completeness(self, value: Any, public: Mapping[str, Any]) -> tuple[bool, str]:
        unit = public.get("unit") or ""
        return True, f"Your estimate: {with_unit(float(value), unit if isinstance(unit, str) else '')}."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        estimate = float(value)
        distance = abs(estimate - n["target"])
        tolerance, zero_beyond = n["tolerance"], n["zero_beyond"]
        slack = 1e-9 * max(1.0, abs(n["target"]))
        if distance <= tolerance + slack:
            credit, judgement = 1.0, "is within the accepted range"
        else:
            side = "high" if estimate > n["target"] else "low"
            if distance >= zero_beyond or not math.isfinite(distance):
                credit, judgement = 0.0, f"is too {side} by a wide margin"
            else:
                credit, judgement = (zero_beyond - distance) / (zero_beyond - tolerance), f"is close but too {side}"
        lead = f"Your estimate, {with_unit(estimate, n['unit'])}, {judgement}."
        item = item_result("estimate", credit, lead, n["explanation"], self.expected(n)["estimate"])
        return question_result(question_id, self.name, [item])

    def given(self, value: Any, item: str) -> str:
        return f"{float(value):g}"

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return numeric_estimate(question_id, prompt, *args, **kwargs)


def lesson_spec(
    prompt: str,
    *,
    low: float,
    high: float,
    unit: str,
    target: float | None,
    tolerance: float | None,
    zero_beyond: float | None,
    explanation: str | None,
) -> dict[str, Any]:
    """The key spec of a lesson's numeric question, with the builder's defaults filled in.

    ``tolerance`` defaults to 0; ``zero_beyond`` to three tolerances, or a tenth of
    the range when the tolerance is 0, and never less than the tolerance.

    >>> spec = lesson_spec("How many weeks?", low=0, high=20, unit="weeks", target=8, tolerance=None,
    ...                    zero_beyond=None, explanation=None)
    >>> spec["tolerance"], spec["zero_beyond"]
    (0.0, 2.0)
    """
    tol = float(tolerance or 0.0)
    beyond = float(zero_beyond) if zero_beyond is not None else (3 * tol if tol > 0 else (high - low) / 10)
    return {"kind": "numeric", "prompt": prompt, "target": target, "tolerance": tol,
            "zero_beyond": builtins.max(beyond, tol), "unit": unit, "explanation": explanation or ""}


def numeric_estimate(
    question_id: str,
    prompt: str,
    *,
    min: float,  # noqa: A002 - the names learners and authors expect
    max: float,  # noqa: A002
    step: float,
    unit: str = "",
    target: float | None = None,
    tolerance: float | None = None,
    zero_beyond: float | None = None,
    explanation: str | None = None,
    sheet: Any = None,
    start: float | None = None,
) -> QuestionBox:
    """A number in a labelled box that keeps it between ``min`` and ``max`` (``start`` defaults to ``min``).

    Lesson mode needs ``target``; ``tolerance`` (full credit within, default 0) and
    ``zero_beyond`` (no credit from this far away, default three tolerances or a
    tenth of the range) are distances from the target.

    >>> box = numeric_estimate("q0", "How many weeks?", min=0, max=20, step=1, unit="weeks",
    ...                        target=8, tolerance=1, zero_beyond=4)
    >>> box.controls["text"].value = 10
    >>> box.answer(), box.check().fraction
    (10.0, 0.666667)
    >>> box.controls["text"].value = 99  # kept within the range
    >>> box.answer()
    20.0
    """
    import ipywidgets as widgets

    from mlteam_utils.questions.box import LESSON, WIDE, assemble_question, question_mode

    low, high = float(min), float(max)
    if not low < high or step <= 0:
        raise ValueError(f"{question_id}: need min < max and a positive step")
    if not isinstance(unit, str):
        raise TypeError("unit must be text")
    mode = question_mode(question_id, sheet, {"target": target, "tolerance": tolerance, "zero_beyond": zero_beyond,
                                              "explanation": explanation}, "target=")
    spec: dict[str, Any] | None = None
    if mode == LESSON:
        spec = lesson_spec(prompt, low=low, high=high, unit=unit, target=target, tolerance=tolerance,
                           zero_beyond=zero_beyond, explanation=explanation)
    initial = low if start is None else float(start)
    text = widgets.BoundedFloatText(
        value=initial, min=low, max=high, step=step, description="Your estimate:", style=WIDE,
        layout=widgets.Layout(width="16em"),
    )
    hint = widgets.HTML(html.escape(f"{unit} (from {low:g} to {high:g})".strip()),
                        layout=widgets.Layout(margin="0 0 0 0.5em"))

    def write(value: Any) -> bool:
        estimate = float(value)
        if not low <= estimate <= high:
            return False
        text.value = estimate
        return True

    return assemble_question(
        question_id=question_id, kind="numeric", prompt=prompt, mode=mode,
        body=[widgets.HBox([text, hint], layout=widgets.Layout(align_items="center", flex_flow="row wrap"))],
        controls={"text": text}, read=lambda: float(text.value), write=write, watch=[text],
        public={"unit": unit}, spec=spec, sheet=sheet, with_save_button=True,
    )
