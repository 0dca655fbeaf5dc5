"""Widget questions (mlteam_utils.questions.widgets), driven through the real ipywidgets objects."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from mlteam_utils.answers import AnswerSheet, read_answers_file
from mlteam_utils.questions import (
    QuestionBox,
    matching,
    multiple_choice,
    numeric_estimate,
    ordering,
    raci_grid,
    single_choice,
)
from mlteam_utils.questions.kinds.ordering import move_item, start_order
from mlteam_utils.questions.scoring import score_answer

NB = "ex99_widgets"

# The key of each question, as it would sit in solutions/<ex>/<nb>.key.json.
KEY: dict[str, dict[str, Any]] = {
    "q_single": {
        "kind": "single_choice",
        "options": ["Data engineer", "Data scientist", "Product manager"],
        "correct": "Data engineer",
        "explanations": {
            "Data engineer": "Pipelines that run every day are core data-engineering work.",
            "Data scientist": "Scientists design features but seldom run them in production.",
            "Product manager": "The product manager sets goals, not pipelines.",
        },
    },
    "q_multi": {
        "kind": "multiple_choice",
        "options": ["Data drift", "Label leakage", "Concept drift"],
        "correct": ["Data drift", "Concept drift"],
        "explanations": {"Label leakage": "Leakage inflates offline scores before launch."},
    },
    "q_match": {
        "kind": "matching",
        "items": ["Scope signed off up front", "Sprint review", "A rejected hypothesis is a result"],
        "categories": ["Waterfall", "Agile (Scrum)", "ML project"],
        "key": {
            "Scope signed off up front": "Waterfall",
            "Sprint review": "Agile (Scrum)",
            "A rejected hypothesis is a result": "ML project",
        },
        "explanations": {
            "Scope signed off up front": "Fixed scope before the build defines a Waterfall plan.",
            "Sprint review": "Showing an increment each sprint is a Scrum event.",
            "A rejected hypothesis is a result": "Experiments can fail and still teach the team something.",
        },
    },
    "q_order": {
        "kind": "ordering",
        "items": ["Business understanding", "Data understanding", "Data preparation", "Modeling"],
        "explanations": {
            "Business understanding": "Start from the business objective.",
            "Modeling": "Models come after the data is prepared.",
        },
    },
    "q_raci": {
        "kind": "raci",
        "activities": ["Define success metric", "Train model"],
        "roles": ["Product manager", "Data scientist", "ML engineer"],
        "accountable": {"Define success metric": "Product manager", "Train model": "Data scientist"},
        "responsible": {"Define success metric": "Data scientist", "Train model": ["Data scientist", "ML engineer"]},
        "explanations": {"Train model": "Training is the data scientist's craft; engineers often help."},
    },
    "q_num": {
        "kind": "numeric",
        "target": 78.4,
        "tolerance": 3,
        "zero_beyond": 15,
        "unit": "%",
        "explanation": "All three fail with 0.6 cubed, about 0.216.",
    },
}


@pytest.fixture(autouse=True)
def not_grading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


# --------------------------------------------------------------------------- builders, both modes

K = KEY


def lesson(kind: str) -> QuestionBox:
    """The lesson version of each question: the key is given to the builder."""
    s = KEY[kind]
    if kind == "q_single":
        return single_choice(kind, "Who owns the pipeline?", s["options"], correct=s["correct"],
                             explanations=s["explanations"])
    if kind == "q_multi":
        return multiple_choice(kind, "Which are production changes?", s["options"], correct=s["correct"],
                               explanations=s["explanations"])
    if kind == "q_match":
        return matching(kind, "Match each statement.", list(reversed(s["items"])), s["categories"], key=s["key"],
                        explanations=s["explanations"])
    if kind == "q_order":
        return ordering(kind, "Order the phases.", s["items"], correct_order=s["items"],
                        explanations=s["explanations"])
    if kind == "q_raci":
        return raci_grid(kind, "Who does what?", s["activities"], s["roles"], accountable=s["accountable"],
                         responsible=s["responsible"], explanations=s["explanations"])
    return numeric_estimate(kind, "Chance that one of three works", min=0, max=100, step=1, unit="%",
                            target=s["target"], tolerance=s["tolerance"], zero_beyond=s["zero_beyond"],
                            explanation=s["explanation"])


def graded(kind: str, sheet: AnswerSheet) -> QuestionBox:
    """The graded version: public parts only, plus the sheet."""
    s = KEY[kind]
    if kind == "q_single":
        return single_choice(kind, "Who owns the pipeline?", s["options"], sheet=sheet)
    if kind == "q_multi":
        return multiple_choice(kind, "Which are production changes?", s["options"], sheet=sheet)
    if kind == "q_match":
        return matching(kind, "Match each statement.", list(reversed(s["items"])), s["categories"], sheet=sheet)
    if kind == "q_order":
        return ordering(kind, "Order the phases.", ["Modeling", "Data preparation", "Business understanding",
                                                    "Data understanding"], sheet=sheet)
    if kind == "q_raci":
        return raci_grid(kind, "Who does what?", s["activities"], s["roles"], sheet=sheet)
    return numeric_estimate(kind, "Chance that one of three works", min=0, max=100, step=1, unit="%", sheet=sheet)


def set_order(box: QuestionBox, wanted: list[str]) -> None:
    """Reach ``wanted`` the way a keyboard user would: select an item, press Move up."""
    for position, item in enumerate(wanted):
        box.controls["order"].value = item
        while list(box.controls["order"].options).index(item) > position:
            box.move_up_button.click()


def answer_wrong(box: QuestionBox) -> None:
    c = box.controls
    if box.kind == "single_choice":
        c["answer"].value = "Data scientist"
    elif box.kind == "multiple_choice":
        c["Label leakage"].value = True
    elif box.kind == "matching":
        c["Sprint review"].value = "Waterfall"
        c["Scope signed off up front"].value = "Waterfall"
    elif box.kind == "ordering":
        set_order(box, ["Data understanding", "Business understanding", "Modeling", "Data preparation"])
    elif box.kind == "raci":
        c[("Define success metric", "Data scientist")].value = "A"
        c[("Train model", "Product manager")].value = "R"
    else:
        c["text"].value = 40


def answer_right(box: QuestionBox) -> None:
    c = box.controls
    if box.kind == "single_choice":
        c["answer"].value = "Data engineer"
    elif box.kind == "multiple_choice":
        c["Label leakage"].value = False
        c["Data drift"].value = True
        c["Concept drift"].value = True
    elif box.kind == "matching":
        for item, category in KEY["q_match"]["key"].items():
            c[item].value = category
    elif box.kind == "ordering":
        set_order(box, KEY["q_order"]["items"])
    elif box.kind == "raci":
        for dropdown in c.values():
            dropdown.value = ""
        c[("Define success metric", "Product manager")].value = "A"
        c[("Define success metric", "Data scientist")].value = "R"
        c[("Train model", "Data scientist")].value = "A"
        c[("Train model", "ML engineer")].value = "R"
    else:
        c["text"].value = 78


# --------------------------------------------------------------------------- lesson mode


@pytest.mark.parametrize("kind", list(KEY))
def test_lesson_feedback_goes_from_wrong_to_right(kind: str) -> None:
    box = lesson(kind)
    assert isinstance(box, widgets.VBox) and box.mode == "lesson"
    assert box.check_button is not None and box.save_button is None and box.sheet is None
    answer_wrong(box)
    box.check_button.click()
    assert box.last_result is not None and box.last_result.fraction < 1
    assert "✔ All right." not in box.feedback.value
    assert "✘" in box.feedback.value or "◐" in box.feedback.value

    answer_right(box)
    # changing the answer makes the old feedback stale
    assert "press Check again" in box.feedback.value
    box.check_button.click()
    assert box.last_result is not None and box.last_result.fraction == 1.0, box.feedback.value
    assert "✔ All right." in box.feedback.value
    assert box.last_result == score_answer(kind, box.spec, box.answer())


def test_lesson_feedback_explains_the_wrong_choice() -> None:
    box = lesson("q_single")
    box.controls["answer"].value = "Product manager"
    result = box.check()
    assert "sets goals, not pipelines" in box.feedback.value
    assert "not right" in box.feedback.value
    assert result.items[0].expected == "Data engineer"
    assert "Data engineer" not in box.feedback.value.split("</p>", 1)[1]  # the key is not stated


def test_lesson_ordering_never_starts_solved() -> None:
    box = lesson("q_order")
    assert list(box.controls["order"].options) != KEY["q_order"]["items"]
    assert sorted(box.controls["order"].options) == sorted(KEY["q_order"]["items"])
    again = lesson("q_order")
    assert list(again.controls["order"].options) == list(box.controls["order"].options)  # deterministic


def test_raci_live_rule_checks() -> None:
    box = lesson("q_raci")
    assert "Rule checks appear here" in box.rules.value
    box.controls[("Train model", "Data scientist")].value = "A"
    box.controls[("Train model", "ML engineer")].value = "A"
    assert "has 2 roles marked A" in box.rules.value and "has no R" in box.rules.value
    assert "Define success metric" not in box.rules.value  # blank rows are not nagged yet
    answer_right(box)
    assert "Every activity has exactly one A and at least one R." in box.rules.value
    assert "✔" in box.rules.value


def test_raci_overload_warning() -> None:
    box = raci_grid("q", "Who?", ["a", "b", "c"], ["Lead", "Helper"], accountable={x: "Lead" for x in "abc"},
                    responsible={x: "Helper" for x in "abc"}, overload_threshold=2)
    for activity in "abc":
        box.controls[(activity, "Lead")].value = "A"
        box.controls[(activity, "Helper")].value = "R"
    assert "Lead is R or A on 3 of 3 activities" in box.rules.value
    result = box.check()
    assert result.fraction == 1.0 and result.notes


def test_numeric_estimate_is_one_labelled_bounded_number_box() -> None:
    box = lesson("q_num")
    assert list(box.controls) == ["text"] and isinstance(box.controls["text"], widgets.BoundedFloatText)
    assert not [w for w in descendants(box) if isinstance(w, (widgets.FloatSlider, widgets.IntSlider))], \
        "no slider: ipywidgets' slider handle has no accessible name"
    box.controls["text"].value = 81
    assert box.answer() == 81.0
    box.controls["text"].value = 1000  # bounded
    assert box.answer() == 100.0


def test_move_item_and_start_order_helpers() -> None:
    assert move_item(["a", "b", "c"], "b", +1) == ["a", "c", "b"]
    assert move_item(["a", "b", "c"], "c", +1) == ["a", "b", "c"]
    assert move_item(["a", "b"], "zzz", -1) == ["a", "b"]
    assert start_order(["a", "b", "c", "d"], seed=1) == start_order(["a", "b", "c", "d"], seed=1)
    for seed in range(20):
        assert start_order(["a", "b"], seed=seed, avoid=["a", "b"]) == ["b", "a"]


def test_ordering_buttons_at_the_edges_do_nothing() -> None:
    box = lesson("q_order")
    select = box.controls["order"]
    first = select.options[0]
    select.value = first
    before = list(select.options)
    box.move_up_button.click()
    assert list(select.options) == before and select.value == first
    select.value = select.options[-1]
    box.move_down_button.click()
    assert list(select.options) == before


# --------------------------------------------------------------------------- graded mode


@pytest.mark.parametrize("kind", list(KEY))
def test_graded_saves_every_change_and_restores_on_rebuild(tmp_path: Path, kind: str) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    box = graded(kind, sheet)
    assert box.mode == "graded" and box.check_button is None and box.spec is None
    assert "Not answered yet" in box.feedback.value
    assert not sheet.path.exists()

    answer_wrong(box)
    saved = read_answers_file(sheet.path, notebook=NB)[kind]
    assert saved["kind"] == box.kind and saved["value"] == box.answer()
    assert "Saved." in box.feedback.value

    answer_right(box)
    saved = read_answers_file(sheet.path, notebook=NB)[kind]
    assert saved["value"] == box.answer() and saved["complete"] is True
    # the grader scores what was saved
    assert score_answer(kind, KEY[kind], saved["value"]).fraction == 1.0

    rebuilt = graded(kind, AnswerSheet(NB, tmp_path))
    assert rebuilt.answer() == box.answer()
    assert "Restored your saved answer." in rebuilt.feedback.value
    # restoring does not write
    assert read_answers_file(sheet.path, notebook=NB)[kind]["saved_at"] == saved["saved_at"]


def test_graded_feedback_reports_completeness_only(tmp_path: Path) -> None:
    box = graded("q_match", AnswerSheet(NB, tmp_path))
    box.controls["Sprint review"].value = "Waterfall"  # wrong, but the widget must not say so
    assert "Saved. 1 of 3 items answered." in box.feedback.value
    assert read_answers_file(tmp_path / f"{NB}.answers.json")["q_match"]["complete"] is False
    for item in KEY["q_match"]["items"]:
        box.controls[item].value = "Waterfall"
    assert "Saved. 3 of 3 items answered." in box.feedback.value
    assert "right" not in box.feedback.value.lower()


def test_graded_ordering_and_numeric_can_save_untouched_answers(tmp_path: Path) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    order = graded("q_order", sheet)
    number = graded("q_num", sheet)
    order.save_button.click()
    number.save_button.click()
    answers = read_answers_file(sheet.path, notebook=NB)
    assert answers["q_order"]["value"] == ["Modeling", "Data preparation", "Business understanding",
                                          "Data understanding"]
    assert answers["q_num"]["value"] == 0.0 and answers["q_num"]["complete"] is True


def test_two_widgets_sharing_a_sheet_keep_each_others_answers(tmp_path: Path) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    boxes = [graded(kind, sheet) for kind in KEY]
    for box in boxes:
        answer_right(box)
    answers = read_answers_file(sheet.path, notebook=NB)
    assert set(answers) == set(KEY)
    assert all(score_answer(k, KEY[k], answers[k]["value"]).fraction == 1.0 for k in KEY)


def descendants(widget: widgets.Widget, seen: set[int] | None = None) -> Iterator[widgets.Widget]:
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    yield widget
    for name in widget.trait_names():
        value = getattr(widget, name, None)
        for child in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(child, widgets.Widget):
                yield from descendants(child, seen)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from strings(v)


def widget_text(box: widgets.Widget) -> str:
    """Every string trait of every widget in the tree, HTML entities decoded."""
    parts = []
    for widget in descendants(box):
        for name in widget.trait_names():
            parts.extend(strings(getattr(widget, name, None)))
    text = "\n".join(parts)
    return text + "\n" + html.unescape(text)


def key_texts(kind: str) -> list[str]:
    spec = KEY[kind]
    texts = list(spec.get("explanations", {}).values())
    if spec.get("explanation"):
        texts.append(spec["explanation"])
    return texts


@pytest.mark.parametrize("kind", list(KEY))
def test_graded_widget_tree_holds_no_key(tmp_path: Path, kind: str) -> None:
    box = graded(kind, AnswerSheet(NB, tmp_path))
    answer_right(box)
    text = widget_text(box)
    assert "Order the phases." in text or kind != "q_order"  # the walk does see the widgets' text
    for secret in key_texts(kind):
        assert secret not in text
    assert "78.4" not in text
    assert box.spec is None
    public = json.dumps(box.public)
    for secret in key_texts(kind):
        assert secret not in public
    for word in ("correct", "accountable", "responsible", "explanation", "target"):
        assert word not in box.public
    # ... while the lesson version does show explanations once checked
    lesson_box = lesson(kind)
    answer_wrong(lesson_box)
    lesson_box.check()
    assert any(secret in widget_text(lesson_box) for secret in key_texts(kind))


def test_graded_ordering_publishes_items_sorted_not_in_key_order(tmp_path: Path) -> None:
    box = graded("q_order", AnswerSheet(NB, tmp_path))
    assert box.public["items"] == sorted(KEY["q_order"]["items"], key=str.casefold)


def test_nothing_saved_while_grading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    AnswerSheet(NB, tmp_path).save("q_single", "single_choice", "Data scientist", True)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    box = graded("q_single", AnswerSheet(NB, tmp_path))
    assert box.controls["answer"].value == "Data scientist"  # restored from the submitted file
    box.controls["answer"].value = "Data engineer"
    assert "Not saved" in box.feedback.value
    assert read_answers_file(tmp_path / f"{NB}.answers.json")["q_single"]["value"] == "Data scientist"


def test_sheet_problem_is_shown_and_backup_named(tmp_path: Path) -> None:
    (tmp_path / f"{NB}.answers.json").write_text("{garbled", encoding="utf-8")
    box = graded("q_multi", AnswerSheet(NB, tmp_path))
    assert "could not be restored" in box.status.value and "not valid JSON" in box.status.value
    box.controls["Data drift"].value = True
    assert ".bad-" in box.status.value and "kept as" in box.status.value
    assert "Saved. 1 option selected." in box.feedback.value


def test_saved_answer_of_another_kind_is_not_restored(tmp_path: Path) -> None:
    AnswerSheet(NB, tmp_path).save("q_single", "numeric", 3, True)
    box = graded("q_single", AnswerSheet(NB, tmp_path))
    assert box.controls["answer"].value is None
    assert "not restored: the saved answer is for a &#x27;numeric&#x27; question" in box.feedback.value


@pytest.mark.parametrize(
    ("kind", "stale"),
    [("q_single", "Chief wizard"), ("q_order", ["Modeling"]), ("q_num", 500), ("q_match", {"Gone": "Waterfall"})],
)
def test_saved_answer_that_no_longer_fits_is_not_restored(tmp_path: Path, kind: str, stale: Any) -> None:
    AnswerSheet(NB, tmp_path).save(kind, {"q_single": "single_choice", "q_order": "ordering", "q_num": "numeric",
                                          "q_match": "matching"}[kind], stale, True)
    box = graded(kind, AnswerSheet(NB, tmp_path))
    assert "no longer fits this question" in box.feedback.value


class FailingSheet:
    status_message = None

    def get(self, question_id: str) -> None:
        return None

    def save(self, *args: Any) -> bool:
        raise PermissionError(13, "Permission denied")


def test_save_failure_is_shown_not_raised() -> None:
    box = single_choice("q", "Pick", ["A", "B"], sheet=FailingSheet())
    box.controls["answer"].value = "A"
    assert "could not be saved" in box.feedback.value and "Permission denied" in box.feedback.value


# --------------------------------------------------------------------------- argument checks

BUILDERS_WITH_KEY: list[tuple[str, Callable[..., QuestionBox], dict[str, Any]]] = [
    ("single", lambda **kw: single_choice("q", "P", ["A", "B"], **kw), {"correct": "A"}),
    ("multi", lambda **kw: multiple_choice("q", "P", ["A", "B"], **kw), {"correct": ["A"]}),
    ("match", lambda **kw: matching("q", "P", ["x"], ["A", "B"], **kw), {"key": {"x": "A"}}),
    ("order", lambda **kw: ordering("q", "P", ["a", "b"], **kw), {"correct_order": ["a", "b"]}),
    ("raci", lambda **kw: raci_grid("q", "P", ["x"], ["A", "B"], **kw), {"accountable": {"x": "A"},
                                                                       "responsible": {"x": "B"}}),
    ("numeric", lambda **kw: numeric_estimate("q", "P", min=0, max=1, step=0.1, **kw), {"target": 0.5}),
]


@pytest.mark.parametrize(("name", "build", "key"), BUILDERS_WITH_KEY, ids=[b[0] for b in BUILDERS_WITH_KEY])
def test_key_and_sheet_together_is_an_error(tmp_path: Path, name: str, build: Callable, key: dict) -> None:
    build(**key)  # lesson mode works
    with pytest.raises(ValueError, match="must not carry its answer key"):
        build(**key, sheet=AnswerSheet(NB, tmp_path))
    with pytest.raises(ValueError, match="give the answer key"):
        build()
    assert not (tmp_path / f"{NB}.answers.json").exists()


def test_explanations_alone_are_not_a_key() -> None:
    with pytest.raises(ValueError, match="give the answer key"):
        single_choice("q", "P", ["A", "B"], explanations={"A": "why"})


def test_explanations_with_a_sheet_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="explanations="):
        single_choice("q", "P", ["A", "B"], explanations={"A": "why"}, sheet=AnswerSheet(NB, tmp_path))


@pytest.mark.parametrize(
    "build",
    [
        lambda: single_choice("q", "P", ["A", "B"], correct="C"),
        lambda: single_choice("q", "P", ["A", "A"], correct="A"),
        lambda: single_choice("q", "", ["A", "B"], correct="A"),
        lambda: matching("q", "P", ["x", "y"], ["A", "B"], key={"x": "A"}),
        lambda: ordering("q", "P", ["a", "b"], correct_order=["a", "c"]),
        lambda: raci_grid("q", "P", ["x"], ["A", "B"], accountable={"x": "A"}),
        lambda: numeric_estimate("q", "P", min=5, max=1, step=1, target=2),
    ],
)
def test_invalid_lesson_keys_fail_early(build: Callable[[], QuestionBox]) -> None:
    with pytest.raises((ValueError, TypeError)):
        build()


def test_sheet_must_look_like_an_answer_sheet() -> None:
    with pytest.raises(TypeError):
        single_choice("q", "P", ["A", "B"], sheet="ex01")


# --------------------------------------------------------------------------- accessibility and themes

# No slider: ipywidgets' slider handle has no accessible name (axe-core: aria-input-field-name).
INPUTS = (widgets.RadioButtons, widgets.Checkbox, widgets.Dropdown, widgets.Select, widgets.BoundedFloatText,
          widgets.Button)


@pytest.mark.parametrize("kind", list(KEY))
@pytest.mark.parametrize("mode", ["lesson", "graded"])
def test_every_control_is_labelled_and_keyboard_usable(tmp_path: Path, kind: str, mode: str) -> None:
    box = lesson(kind) if mode == "lesson" else graded(kind, AnswerSheet(NB, tmp_path))
    controls = [w for w in descendants(box) if isinstance(w, widgets.DOMWidget) and not isinstance(w, widgets.Box)
                and not isinstance(w, (widgets.HTML, widgets.Label))]
    assert controls
    for control in controls:
        assert isinstance(control, INPUTS), f"{type(control).__name__} is not a standard keyboard control"
        assert control.description.strip(), f"{type(control).__name__} has no label"
    prompts = [w.value for w in descendants(box) if isinstance(w, widgets.HTML) and "mlteam-question-prompt" in w.value]
    assert len(prompts) == 1
    assert kind not in prompts[0], "the question's id is never shown to a learner"
    assert f"mlteam-q-{kind}" in box._dom_classes, "tests and styles find the box by its id's class"


@pytest.mark.parametrize("kind", list(KEY))
def test_html_uses_theme_colours_and_words_not_colour_alone(tmp_path: Path, kind: str) -> None:
    box = lesson(kind)
    answer_wrong(box)
    box.check()
    graded_box = graded(kind, AnswerSheet(NB, tmp_path))
    answer_wrong(graded_box)
    for widget in [*descendants(box), *descendants(graded_box)]:
        if not isinstance(widget, widgets.HTML):
            continue
        html_text = widget.value
        assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgb\(|background|color:\s*(black|white)", html_text), html_text
        for colour in re.findall(r"color:\s*([^;\"]+)", html_text):
            assert colour.strip().startswith("var(--jp-"), colour
    assert "not right" in box.feedback.value or "partly right" in box.feedback.value


def test_prompt_text_is_escaped() -> None:
    box = single_choice("q", "Is <b>this</b> & that safe?", ["<i>A</i>", "B"], correct="B")
    prompt = box.children[0].value
    assert "&lt;b&gt;this&lt;/b&gt; &amp; that" in prompt


def test_repr_is_short_and_stable(tmp_path: Path) -> None:
    box = graded("q_order", AnswerSheet(NB, tmp_path))
    assert repr(box) == "QuestionBox(question_id='q_order', kind='ordering', mode='graded')"
