"""The question-kind registry: every kind is one object, and a new kind is one module."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from mlteam_utils.answers import AnswerSheet, read_answers_file
from mlteam_utils.grading.widget_scores import given_answer, score_record
from mlteam_utils.questions import knowledge_checks, widgets
from mlteam_utils.questions.kinds import KIND_REGISTRY, QuestionKind, builder_named, register
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.scoring import (
    KINDS,
    completeness,
    public_spec,
    score_answer,
    score_entry,
    validate_spec,
    value_problem,
)
from mlteam_utils.questions.widgets import QuestionBox

PROTOCOL_METHODS = sorted(QuestionKind.__abstractmethods__)


# --------------------------------------------------------------------------- every kind, every part


def test_the_protocol_names_every_part_a_kind_must_give() -> None:
    """The abstract parts are the ones the entry points call: a kind cannot leave one out."""
    expected = ["build", "completeness", "expected", "given", "normalize", "score", "value_problem"]
    assert expected == PROTOCOL_METHODS


@pytest.mark.parametrize("name", list(KIND_REGISTRY))
def test_every_registered_kind_implements_every_part_of_the_protocol(name: str) -> None:
    """Class attributes set and well formed, every abstract method implemented by the kind itself."""
    kind = KIND_REGISTRY[name]
    cls = type(kind)
    assert isinstance(kind, QuestionKind) and not inspect.isabstract(cls)
    assert kind.name == name and name.isidentifier()
    for method in PROTOCOL_METHODS:
        assert getattr(cls, method) is not getattr(QuestionKind, method), f"{name} does not implement {method}"
    assert isinstance(kind.builder_name, str) and kind.builder_name.isidentifier()
    assert isinstance(kind.required_keys, frozenset) and isinstance(kind.optional_keys, frozenset)
    assert not kind.required_keys & kind.optional_keys
    assert not (kind.required_keys | kind.optional_keys) & {"kind", "prompt"}
    assert isinstance(kind.public_keys, tuple)
    assert set(kind.public_keys) <= kind.required_keys | kind.optional_keys
    # a builder per kind, findable by its name, under that name in the widgets module (the notebooks' import)
    assert builder_named(kind.builder_name) is kind
    assert getattr(widgets, kind.builder_name).__name__ == kind.builder_name
    assert kind.builder_name in knowledge_checks.BUILDERS


def _checks_by_builder() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for check_id, entry in knowledge_checks.all_checks().items():
        found.setdefault(entry["builder"], {"id": check_id, **entry})
    return found


@pytest.mark.parametrize("name", list(KIND_REGISTRY))
def test_every_kind_builds_a_widget_that_knows_exactly_the_public_spec(name: str) -> None:
    """A lesson's check of each kind: the builder returns a QuestionBox whose answer the kind can judge."""
    kind = KIND_REGISTRY[name]
    check = _checks_by_builder().get(kind.builder_name)
    assert check is not None, f"no knowledge check uses {kind.builder_name}: add one to show the kind in a lesson"
    arguments = {k: v for k, v in check.items() if k not in ("id", "builder", "lesson", "prompt")}
    box = kind.build(check["id"], check["prompt"], **arguments)
    assert isinstance(box, QuestionBox) and box.kind == name and box.spec is not None
    public = public_spec(box.spec)
    assert box.public == {k: v for k, v in public.items() if k != "prompt"}
    assert isinstance(completeness(name, box.answer(), box.public), tuple)
    result = box.check()
    unanswered = score_answer(box.question_id, box.spec, None)
    assert result.kind == unanswered.kind == name
    assert [item.item for item in result.items] == [item.item for item in unanswered.items], "expected() and score() name the same items"


def test_kinds_is_a_live_view_of_the_registry() -> None:
    assert list(KINDS) == list(KIND_REGISTRY)


def test_a_name_or_builder_taken_by_another_kind_is_refused() -> None:
    class Twin(type(KIND_REGISTRY["matching"])):  # type: ignore[misc]
        pass

    with pytest.raises(ValueError, match="clashes"):
        register(Twin())
    with pytest.raises(TypeError):
        register("matching")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- a new kind is one module


class YesNo(QuestionKind):
    """A toy kind, defined here and nowhere else: a yes/no question with one toggle."""

    name = "yes_no"
    builder_name = "yes_no_question"
    required_keys = frozenset({"correct"})
    optional_keys = frozenset({"explanation"})
    public_keys = ()

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(spec["correct"], bool):
            raise ValueError("'correct' must be true or false")
        return {"correct": spec["correct"], "explanation": str(spec.get("explanation", ""))}

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        return {"answer": "yes" if n["correct"] else "no"}

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        return None if isinstance(value, bool) else "the answer is not yes or no"

    def completeness(self, value: object, public: Mapping[str, Any]) -> tuple[bool, str]:
        return True, "Answered."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        credit = 1.0 if value == n["correct"] else 0.0
        item = item_result("answer", credit, f"You said {'yes' if value else 'no'}.", n["explanation"], self.expected(n)["answer"])
        return question_result(question_id, self.name, [item])

    def given(self, value: Any, item: str) -> str:
        return "yes" if value else "no"

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return yes_no_question(question_id, prompt, *args, **kwargs)


def yes_no_question(question_id: str, prompt: str, *, correct: bool | None = None, sheet: Any = None) -> QuestionBox:
    """The toy kind's builder, made of the shared builder parts only."""
    import ipywidgets

    mode = widgets.question_mode(question_id, sheet, {"correct": correct}, "correct=")
    spec = {"kind": "yes_no", "prompt": prompt, "correct": correct} if mode == widgets.LESSON else None
    toggle = ipywidgets.ToggleButtons(options=[("No", False), ("Yes", True)], value=None)

    def write(value: Any) -> bool:
        toggle.value = value
        return True

    return widgets.assemble_question(
        question_id=question_id, kind="yes_no", prompt=prompt, mode=mode, body=[toggle], controls={"answer": toggle},
        read=lambda: toggle.value, write=write, watch=[toggle], public={}, spec=spec, sheet=sheet,
    )


@pytest.fixture
def yes_no() -> Iterator[YesNo]:
    """The toy kind, registered for one test: the only edit a new kind needs."""
    kind = register(YesNo())
    try:
        yield kind
    finally:
        del KIND_REGISTRY[kind.name]


SPEC = {"kind": "yes_no", "prompt": "Is a rejected hypothesis a result?", "correct": True, "explanation": "It teaches."}


def test_a_new_kind_validates_and_scores_through_the_public_entry_points(yes_no: YesNo) -> None:
    """No edit outside the toy kind's own code: validation, public spec, shape, completeness, scoring."""
    assert "yes_no" in KINDS
    validate_spec(SPEC)
    with pytest.raises(ValueError, match="'correct' must be true or false"):
        validate_spec({**SPEC, "correct": "yes"})
    with pytest.raises(ValueError, match="did you mean 'explanation'"):
        validate_spec({**SPEC, "explanations": "x"})
    with pytest.raises(ValueError, match="needs 'correct'"):
        validate_spec({"kind": "yes_no"})
    assert public_spec(SPEC) == {"kind": "yes_no", "prompt": SPEC["prompt"]}

    assert value_problem("yes_no", "maybe", {}) == "the answer is not yes or no"
    assert completeness("yes_no", None, {}) == (False, "Not answered yet.")
    assert completeness("yes_no", True, {}) == (True, "Answered.")

    assert score_answer("q", SPEC, True).correct
    wrong = score_answer("q", SPEC, False)
    assert wrong.fraction == 0.0 and wrong.items[0].feedback == "You said no. It teaches."
    assert score_answer("q", SPEC, "maybe").problems == ("the answer is not yes or no",)
    assert score_answer("q", SPEC, None).problems == ("no answer saved",)
    mismatch = score_entry("q", SPEC, {"kind": "numeric", "value": True})
    assert mismatch.problems == ("the saved answer is for a 'numeric' question, but this is a 'yes_no' question",)


def test_a_new_kind_is_saved_by_its_widget_and_scored_by_the_grader(yes_no: YesNo, tmp_path: Path) -> None:
    """The toy builder in graded mode writes the answers file; the grader's scoring reads it back."""
    assert builder_named("yes_no_question") is yes_no
    lesson = yes_no.build("q_toy", SPEC["prompt"], correct=True)
    lesson.controls["answer"].value = True
    assert lesson.check().correct

    box = yes_no.build("q_toy", SPEC["prompt"], sheet=AnswerSheet("ex99_toy", tmp_path))
    box.controls["answer"].value = True
    answers = read_answers_file(tmp_path / "ex99_toy.answers.json", notebook="ex99_toy")
    assert answers["q_toy"]["kind"] == "yes_no" and answers["q_toy"]["complete"] is True
    record = score_record("q_toy", SPEC, answers, None)
    assert record["fraction"] == 1.0 and record["problems"] == []
    assert record["items"][0]["given"] == given_answer("yes_no", True, "answer") == "yes"
    json.dumps(record)

    restored = yes_no.build("q_toy", SPEC["prompt"], sheet=AnswerSheet("ex99_toy", tmp_path))
    assert restored.controls["answer"].value is True and "Restored your saved answer" in restored.feedback.value

