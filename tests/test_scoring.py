"""Scoring of widget answers (mlteam_utils.questions.scoring): right, wrong, partial, garbage."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from mlteam_utils.questions.kinds.raci import raci_problems
from mlteam_utils.questions.scoring import (
    KINDS,
    ItemResult,
    QuestionResult,
    completeness,
    public_spec,
    score_answer,
    score_entry,
    validate_spec,
    value_problem,
)

SINGLE = {
    "kind": "single_choice",
    "prompt": "Who owns the feature pipeline in production?",
    "options": ["Data engineer", "Data scientist", "Product manager"],
    "correct": "Data engineer",
    "explanations": {
        "Data engineer": "Pipelines that run every day are a data engineer's core work.",
        "Data scientist": "A data scientist designs features but seldom runs them in production.",
    },
}
MULTIPLE = {
    "kind": "multiple_choice",
    "options": ["Data drift", "Label leakage", "A fixed deadline", "Concept drift"],
    "correct": ["Data drift", "Concept drift"],
    "explanations": {"Label leakage": "Leakage inflates offline scores; it is not a production change."},
}
MATCHING = {
    "kind": "matching",
    "items": ["Scope signed off up front", "Sprint review", "Rejected hypothesis counts as a result"],
    "categories": ["Waterfall", "Agile (Scrum)", "ML project"],
    "key": {
        "Scope signed off up front": "Waterfall",
        "Sprint review": "Agile (Scrum)",
        "Rejected hypothesis counts as a result": ["ML project", "Agile (Scrum)"],
    },
    "explanations": {"Sprint review": "The sprint review is a Scrum event."},
}
ORDERING = {
    "kind": "ordering",
    "items": ["Business understanding", "Data understanding", "Data preparation", "Modeling"],
    "explanations": {"Modeling": "Models are built on prepared data."},
}
RACI = {
    "kind": "raci",
    "activities": ["Define success metric", "Train model", "Deploy model"],
    "roles": ["Product manager", "Data scientist", "ML engineer"],
    "accountable": {
        "Define success metric": ["Product manager"],
        "Train model": ["Data scientist"],
        "Deploy model": ["ML engineer", "Product manager"],
    },
    "responsible": {
        "Define success metric": ["Data scientist", "Product manager"],
        "Train model": ["Data scientist", "ML engineer"],
        "Deploy model": ["ML engineer"],
    },
    "explanations": {"Deploy model": "Deployment is engineering work."},
}
NUMERIC = {
    "kind": "numeric",
    "prompt": "Chance that at least one of three 40% approaches works",
    "target": 78.4,
    "tolerance": 3,
    "zero_beyond": 15,
    "unit": "%",
    "explanation": "All three fail with 0.6 × 0.6 × 0.6 = 0.216.",
}
SPECS = {s["kind"]: s for s in (SINGLE, MULTIPLE, MATCHING, ORDERING, RACI, NUMERIC)}

GOOD_RACI = {
    "Define success metric": {"Product manager": "A", "Data scientist": "R", "ML engineer": "C"},
    "Train model": {"Product manager": "I", "Data scientist": "A", "ML engineer": "R"},
    "Deploy model": {"Product manager": "I", "Data scientist": "C", "ML engineer": ""},
}
RIGHT_ANSWERS = {
    "single_choice": "Data engineer",
    "multiple_choice": ["Concept drift", "Data drift"],
    "matching": {
        "Scope signed off up front": "Waterfall",
        "Sprint review": "Agile (Scrum)",
        "Rejected hypothesis counts as a result": "Agile (Scrum)",
    },
    "ordering": list(ORDERING["items"]),
    "raci": {
        **GOOD_RACI,
        "Deploy model": {"Product manager": "A", "Data scientist": "C", "ML engineer": "R"},
    },
    "numeric": 78,
}


def all_text(result: QuestionResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


# --------------------------------------------------------------------------- right answers


@pytest.mark.parametrize("kind", KINDS)
def test_right_answer_earns_full_credit(kind: str) -> None:
    """Each kind: the right answer scores 1 with every item correct and no problems."""
    result = score_answer("q", SPECS[kind], RIGHT_ANSWERS[kind])
    assert result.fraction == 1.0
    assert result.correct and result.kind == kind and result.question_id == "q"
    assert result.problems == ()
    assert all(item.correct and item.credit == 1.0 for item in result.items)
    assert result.summary() == "All right (100% credit)."


def test_results_are_frozen_dataclasses() -> None:
    result = score_answer("q", SINGLE, "Data engineer")
    assert isinstance(result.items[0], ItemResult)
    with pytest.raises(AttributeError):
        result.fraction = 0.5  # type: ignore[misc]
    json.dumps(result.to_dict())


# --------------------------------------------------------------------------- per kind


def test_single_choice_wrong_explains_the_chosen_option_without_the_key() -> None:
    result = score_answer("q", SINGLE, "Data scientist")
    (item,) = result.items
    assert result.fraction == 0.0 and not item.correct
    assert "seldom runs them in production" in item.feedback
    assert "Data engineer" not in item.feedback
    assert item.expected == "Data engineer"


def test_multiple_choice_right_minus_wrong() -> None:
    half = score_answer("q", MULTIPLE, ["Data drift"])
    assert half.fraction == 0.5
    mixed = score_answer("q", MULTIPLE, ["Data drift", "Concept drift", "Label leakage"])
    assert mixed.fraction == 0.5
    everything = score_answer("q", MULTIPLE, list(MULTIPLE["options"]))
    assert everything.fraction == 0.0
    nothing = score_answer("q", MULTIPLE, [])
    assert nothing.fraction == 0.0 and nothing.problems == ()
    by_option = {item.item: item for item in mixed.items}
    assert not by_option["Label leakage"].correct
    assert "not a production change" in by_option["Label leakage"].feedback
    assert by_option["A fixed deadline"].correct


def test_matching_partial_and_alternative_categories() -> None:
    result = score_answer(
        "q",
        MATCHING,
        {"Scope signed off up front": "Agile (Scrum)", "Rejected hypothesis counts as a result": "ML project"},
    )
    by_item = {item.item: item for item in result.items}
    assert result.fraction == pytest.approx(1 / 3)
    assert by_item["Rejected hypothesis counts as a result"].correct  # one of two acceptable categories
    assert not by_item["Scope signed off up front"].correct
    assert by_item["Sprint review"].feedback.startswith("Not matched.")
    assert by_item["Sprint review"].expected == "Agile (Scrum)"
    assert by_item["Rejected hypothesis counts as a result"].expected == "ML project or Agile (Scrum)"


def test_matching_blank_choices_count_as_unmatched() -> None:
    result = score_answer("q", MATCHING, {"Sprint review": "Agile (Scrum)", "Scope signed off up front": ""})
    assert result.fraction == pytest.approx(1 / 3) and result.problems == ()


def test_ordering_pairs_positions_and_mixed() -> None:
    swapped = ["Business understanding", "Data preparation", "Data understanding", "Modeling"]
    pairs = score_answer("q", ORDERING, swapped)
    # 5 of the 6 pairs are in order
    assert pairs.fraction == pytest.approx(5 / 6, abs=1e-6)
    by_item = {item.item: item for item in pairs.items}
    assert by_item["Business understanding"].correct and by_item["Modeling"].correct
    assert "placed too late" in by_item["Data understanding"].feedback
    assert "placed too early" in by_item["Data preparation"].feedback
    positions = score_answer("q", {**ORDERING, "method": "positions"}, swapped)
    assert positions.fraction == 0.5
    mixed = score_answer("q", {**ORDERING, "method": "mixed"}, swapped)
    assert mixed.fraction == pytest.approx((5 / 6 + 0.5) / 2, abs=1e-6)
    reversed_order = score_answer("q", ORDERING, list(reversed(ORDERING["items"])))
    assert reversed_order.fraction == 0.0


def test_ordering_item_at_right_position_but_wrong_neighbours_is_not_correct() -> None:
    spec = {"kind": "ordering", "items": ["a", "b", "c"]}
    result = score_answer("q", spec, ["c", "b", "a"])
    middle = result.items[1]
    assert middle.item == "b" and middle.credit == 0.0 and not middle.correct
    assert "although at the right position" in middle.feedback


def test_raci_defensible_answers_and_rules() -> None:
    result = score_answer("q", RACI, GOOD_RACI)  # "Deploy model" has no R
    by_activity = {item.item: item for item in result.items}
    assert by_activity["Define success metric"].correct
    assert by_activity["Train model"].correct  # R by the ML engineer is defensible too
    deploy = by_activity["Deploy model"]
    # no A, no R: nothing earned
    assert deploy.credit == 0.0 and "No role is marked A" in deploy.feedback and "No role is marked R" in deploy.feedback
    assert "engineering work" in deploy.feedback
    assert deploy.expected == "A: ML engineer or Product manager; R: ML engineer"


def test_raci_partial_credit_per_rule() -> None:
    """Half for the one right A, half for a right R less each wrong R's share (issue 26: the old rule
    gave a quarter for "exactly one A" and for "some R" whoever they were, and shares of the marked
    roles, so two A scored 0.625 here and every role R earned credit without knowing anything)."""
    spec = {**RACI, "activities": ["Train model"], "accountable": {"Train model": "Data scientist"},
            "responsible": {"Train model": ["ML engineer"]}, "explanations": {}}
    two_as = {"Train model": {"Product manager": "A", "Data scientist": "A", "ML engineer": "R"}}
    item = score_answer("q", spec, two_as).items[0]
    # two A: the A half earns nothing, even though one of them is right; the R half is right
    assert item.credit == pytest.approx(0.5)
    assert "2 roles are marked A" in item.feedback and "so the A earns nothing" in item.feedback
    wrong_people = {"Train model": {"Product manager": "A", "Data scientist": "R"}}
    assert score_answer("q", spec, wrong_people).items[0].credit == 0.0  # wrong A, wrong R (was 0.5)
    # the right A and R, plus one wrong R: of the two roles that should not be R, one is: 1/2 + 1/2 x (1 - 1/2)
    extra_r = {"Train model": {"Data scientist": "A", "ML engineer": "R", "Product manager": "R"}}
    item = score_answer("q", spec, extra_r).items[0]
    assert item.credit == pytest.approx(0.75)
    assert "Some roles marked R are not the ones that usually do this work" in item.feedback
    every_role_r = {"Train model": {role: "R" for role in RACI["roles"]}}
    assert score_answer("q", spec, every_role_r).items[0].credit == 0.0  # was 0.25 + 0.25/3


def test_raci_overload_is_a_note_not_a_penalty() -> None:
    spec = {
        "kind": "raci",
        "activities": ["a1", "a2", "a3", "a4"],
        "roles": ["Lead", "Helper"],
        "accountable": {a: "Lead" for a in ("a1", "a2", "a3", "a4")},
        "responsible": {a: "Helper" for a in ("a1", "a2", "a3", "a4")},
    }
    grid = {a: {"Lead": "A", "Helper": "R"} for a in ("a1", "a2", "a3", "a4")}
    result = score_answer("q", spec, grid)
    assert result.fraction == 1.0
    assert any("Lead is R or A on 4 of 4 activities" in note for note in result.notes)


def test_raci_problems_rules() -> None:
    activities, roles = ["Plan", "Build"], ["PM", "DS", "MLE"]
    grid = {"Plan": {"PM": "A", "DS": "R"}, "Build": {"PM": "A", "DS": "A", "MLE": "C"}}
    problems = raci_problems(grid, activities, roles)
    assert problems == [
        "“Build” has 2 roles marked A (PM, DS): exactly one role is Accountable.",
        "“Build” has no R: at least one role must be Responsible.",
    ]
    assert raci_problems({}, activities, roles, skip_blank_rows=True) == []
    assert len(raci_problems({}, activities, roles)) == 4
    busy = {a: {"PM": "A", "DS": "R"} for a in ("1", "2", "3")}
    assert raci_problems(busy, ["1", "2", "3"], ["PM", "DS"], overload_threshold=2) == [
        "PM is R or A on 3 of 3 activities: that role may be overloaded.",
        "DS is R or A on 3 of 3 activities: that role may be overloaded.",
    ]
    assert raci_problems("garbage", activities, roles, skip_blank_rows=True) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "fraction", "words"),
    [
        (78.4, 1.0, "within the accepted range"),
        (75.4, 1.0, "within the accepted range"),
        (72.4, 0.75, "close but too low"),
        (69.4, 0.5, "close but too low"),
        (87.4, 0.5, "close but too high"),
        (93.4, 0.0, "too high by a wide margin"),
        (0, 0.0, "too low by a wide margin"),
        (10**300, 0.0, "too high by a wide margin"),
        (-1e308, 0.0, "too low by a wide margin"),
    ],
)
def test_numeric_linear_between_tolerance_and_zero_beyond(value: float, fraction: float, words: str) -> None:
    result = score_answer("q", NUMERIC, value)
    assert result.fraction == pytest.approx(fraction, abs=1e-6)
    assert words in result.items[0].feedback
    assert result.items[0].expected == "78.4% (full credit within ±3)"


def test_numeric_without_zero_beyond_is_all_or_nothing() -> None:
    spec = {"kind": "numeric", "target": 10, "tolerance": 1}
    assert score_answer("q", spec, 11).fraction == 1.0
    assert score_answer("q", spec, 11.5).fraction == 0.0


# --------------------------------------------------------------------------- garbage

GARBAGE = [
    None,
    True,
    0,
    -1,
    1e308,
    10**400,
    float("nan"),
    float("inf"),
    "",
    "x" * 200_000,
    "Data drift\x00",
    [],
    [None],
    [[["deep"]]],
    [1, 2, 3],
    ["Data drift"] * 10_000,
    [str(i) for i in range(50_000)],
    {},
    {"a": {"b": {"c": []}}},
    {"": ""},
    {str(i): "R" for i in range(5_000)},
    {"Train model": "A"},
    {"Train model": {"Data scientist": 1}},
    {"Scope signed off up front": ["Waterfall"]},
    ("tuple", "value"),
    object(),
    b"bytes",
]


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [*GARBAGE, _nested(5_000)], ids=lambda v: type(v).__name__)
def test_garbage_never_raises_and_stays_in_range(kind: str, value: object) -> None:
    """Any value at all: no exception, fraction in [0, 1], bounded messages."""
    result = score_answer("q", SPECS[kind], value)
    assert 0.0 <= result.fraction <= 1.0 and not math.isnan(result.fraction)
    assert len(all_text(result)) < 10_000
    if result.fraction > 0:
        assert result.problems == ()
    ok, message = completeness(kind, value, public_spec(SPECS[kind]))
    assert isinstance(ok, bool) and len(message) < 500


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("single_choice", None, "no answer saved"),
        ("single_choice", 3, "the answer is the number 3, not the text of an option"),
        ("single_choice", "Chief wizard", "the answer “Chief wizard” is not one of the options"),
        ("multiple_choice", "Data drift", "the answer is “Data drift”, not a list of options"),
        ("multiple_choice", ["Data drift", "Data drift"], "the answer names an option more than once"),
        ("multiple_choice", ["Gremlins"], "the answer names options that do not exist: “Gremlins”"),
        ("matching", ["Waterfall"], "the answer is a list of 1 entry, not an object matching items to categories"),
        ("matching", {"Invented": "Waterfall"}, "the answer matches items that are not in the question: “Invented”"),
        ("ordering", ["Modeling"], "the answer does not list each item exactly once"),
        ("raci", {"Train model": "A"}, "the row for “Train model” is “A”, not an object of roles"),
        ("raci", {"Train model": {"Data scientist": "X"}}, "the row for “Train model” holds “X”, not R, A, A/R, C, I or blank"),
        ("numeric", "78", "the answer is “78”, not a number"),
        ("numeric", True, "the answer is true/false, not a number"),
        ("numeric", float("nan"), "the answer is not a finite number"),
        ("numeric", 10**400, "the answer is a number too large to use"),
    ],
)
def test_format_problems_are_named(kind: str, value: object, problem: str) -> None:
    result = score_answer("q", SPECS[kind], value)
    assert result.fraction == 0.0
    assert result.problems == (problem,)
    assert all(item.credit == 0.0 for item in result.items)
    assert len(result.items) >= 1


def test_huge_strings_are_shortened_in_problems() -> None:
    result = score_answer("q", SINGLE, "y" * 1_000_000)
    assert len(result.problems[0]) < 200


# --------------------------------------------------------------------------- entries


def test_score_entry_handles_missing_and_mismatched_entries() -> None:
    assert score_entry("q", NUMERIC, None).problems == ("no answer saved",)
    assert score_entry("q", NUMERIC, {"kind": "numeric"}).problems == ("no answer saved",)
    mismatch = score_entry("q", NUMERIC, {"kind": "matching", "value": 78, "complete": True})
    assert mismatch.fraction == 0.0
    assert mismatch.problems == ("the saved answer is for a 'matching' question, but this is a 'numeric' question",)
    assert score_entry("q", NUMERIC, {"kind": "numeric", "value": 78, "complete": False}).fraction == 1.0


def test_the_grader_reports_a_kind_mismatch_as_score_entry_does() -> None:
    """One check of a saved answer's kind, one message, whichever entry point meets it."""
    from mlteam_utils.grading.widget_scores import score_record

    entry = {"kind": "matching", "value": 78, "complete": True}
    record = score_record("q", NUMERIC, {"q": entry}, None)
    assert record["fraction"] == 0.0
    assert record["problems"] == list(score_entry("q", NUMERIC, entry).problems)
    assert record["problems"] == ["the saved answer is for a 'matching' question, but this is a 'numeric' question"]


# --------------------------------------------------------------------------- specs


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_valid_specs_pass(spec: dict) -> None:
    validate_spec(spec)
    json.dumps(spec)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("not a dict", "must be an object"),
        ({"kind": "essay"}, "'kind' must be one of"),
        ({"kind": "single_choice", "options": ["a", "b"]}, "needs 'correct'"),
        ({"kind": "single_choice", "options": ["a"], "correct": "a"}, "at least 2"),
        ({"kind": "single_choice", "options": ["a", "a"], "correct": "a"}, "twice"),
        ({"kind": "single_choice", "options": "ab", "correct": "a"}, "must be a list"),
        ({"kind": "single_choice", "options": ["a", ""], "correct": "a"}, "non-empty text"),
        ({**SINGLE, "explanations": {"Chief wizard": "?"}}, "not in the question"),
        ({**SINGLE, "prompt": 3}, "'prompt' must be text"),
        ({**SINGLE, "corect": "a"}, "did you mean 'correct'"),
        ({**MULTIPLE, "correct": "Data drift"}, "must be a list of options"),
        ({**MULTIPLE, "correct": []}, "at least one option"),
        ({**MULTIPLE, "correct": ["Gremlins"]}, "not one of the options"),
        ({**MATCHING, "key": {"Sprint review": "Agile (Scrum)"}}, "gives no category"),
        ({**MATCHING, "key": {**MATCHING["key"], "Sprint review": "Kanban"}}, "not one of the categories"),
        ({**MATCHING, "key": {**MATCHING["key"], "Extra": "Waterfall"}}, "not in 'items'"),
        ({**MATCHING, "key": {**MATCHING["key"], "Sprint review": []}}, "non-empty list"),
        ({**ORDERING, "items": ["only one"]}, "at least 2"),
        ({**ORDERING, "method": "kendall"}, "'method' must be one of"),
        ({**RACI, "accountable": {"Train model": "Data scientist"}}, "gives no role"),
        ({**RACI, "responsible": {**RACI["responsible"], "Train model": "Janitor"}}, "not one of the roles"),
        ({**RACI, "overload_threshold": 0}, "overload_threshold"),
        ({**NUMERIC, "target": "78"}, "'target' must be a finite number"),
        ({**NUMERIC, "target": float("nan")}, "'target' must be a finite number"),
        ({**NUMERIC, "tolerance": -1}, "must not be negative"),
        ({**NUMERIC, "zero_beyond": 1}, "at least 'tolerance'"),
        ({**NUMERIC, "unit": 5}, "must be text"),
    ],
)
def test_invalid_specs_raise_value_error_naming_the_problem(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_spec(spec)
    with pytest.raises(ValueError):
        score_answer("q", spec, None)  # type: ignore[arg-type]


def test_unknown_but_unrelated_spec_keys_are_allowed() -> None:
    validate_spec({**NUMERIC, "points": 2})


# --------------------------------------------------------------------------- public side


def test_public_spec_holds_no_key() -> None:
    for kind, spec in SPECS.items():
        public = public_spec(spec)
        text = json.dumps(public)
        assert public["kind"] == kind
        for secret in ("correct", "key", "explanations", "explanation", "accountable", "responsible", "target"):
            assert secret not in public
        for why in spec.get("explanations", {}).values():
            assert why not in text
    assert public_spec(ORDERING)["items"] == sorted(ORDERING["items"])


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("single_choice", None, (False, "Not answered yet.")),
        ("single_choice", "Data scientist", (True, "Answered.")),
        ("multiple_choice", [], (False, "No option selected yet.")),
        ("multiple_choice", ["Data drift"], (True, "1 option selected.")),
        ("matching", {"Sprint review": "Waterfall"}, (False, "1 of 3 items answered.")),
        ("matching", RIGHT_ANSWERS["matching"], (True, "3 of 3 items answered.")),
        ("ordering", list(reversed(ORDERING["items"])), (True, "All 4 items are in your order.")),
        ("raci", GOOD_RACI, (True, "3 of 3 activities filled in.")),
        ("raci", {"Train model": {"Data scientist": "R"}}, (False, "1 of 3 activities filled in.")),
        ("numeric", 120, (True, "Your estimate: 120%.")),
        ("numeric", "120", (False, "This answer cannot be used: the answer is “120”, not a number.")),
    ],
)
def test_completeness(kind: str, value: object, expected: tuple[bool, str]) -> None:
    assert completeness(kind, value, public_spec(SPECS[kind])) == expected


def test_value_problem_and_completeness_reject_unknown_kind() -> None:
    with pytest.raises(ValueError):
        completeness("essay", "x", {})
    with pytest.raises(ValueError):
        value_problem("essay", "x", {})


def test_scoring_imports_no_widgets_or_plotting() -> None:
    code = (
        "import sys, mlteam_utils.questions, mlteam_utils.questions.scoring, mlteam_utils.questions.feedback, "
        "mlteam_utils.answers; "
        "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'pandas') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


# --------------------------------------------------------------------------- one bad part, not the question


@pytest.mark.parametrize(
    ("kind", "damage", "ignored"),
    [
        ("matching", lambda v: {**v, "Sprint review": "Kanban?"}, "the category chosen for “Sprint review”, “Kanban?”"),
        ("matching", lambda v: {**v, "An item nobody asked": "Waterfall"}, "an item that is not in the question, “An item nobody asked”"),
        ("raci", lambda v: {**v, "Deploy model": {**v["Deploy model"], "ML engineer": "Z"}}, "“Z” for “ML engineer” in the row for “Deploy model”"),
        ("multiple_choice", lambda v: [*v, "Gremlins"], "the choice “Gremlins”"),
    ],
)
def test_one_malformed_part_costs_that_part_only(kind: str, damage, ignored: str) -> None:
    """A hand-edited or damaged answers file: the valid parts still earn their credit."""
    right = score_answer("q", SPECS[kind], RIGHT_ANSWERS[kind])
    damaged = score_answer("q", SPECS[kind], damage(RIGHT_ANSWERS[kind]))
    assert damaged.problems == () and damaged.ignored == (ignored,)
    assert 0 < damaged.fraction <= right.fraction == 1.0
    kept = sum(item.correct for item in damaged.items)
    assert kept >= len(right.items) - 1, "every untouched part keeps its credit"


def test_the_grader_shows_what_it_left_out() -> None:
    from mlteam_utils.grading.widget_scores import feedback_text, score_record

    answers = {"q": {"kind": "matching", "value": {**RIGHT_ANSWERS["matching"], "Sprint review": "Kanban?"}}}
    record = score_record("q", MATCHING, answers, None)
    assert record["fraction"] == pytest.approx(2 / 3)
    text = feedback_text(record, 3)
    assert "Left out of the scoring, because it is not a valid answer: the category chosen for “Sprint review”, “Kanban?”." in text


def test_graded_feedback_explains_a_credit_that_is_not_the_items_mean() -> None:
    """Issue 26: a wrong tick takes back a share, and a matching answer that piles onto one category
    loses its luck; the learner's feedback says so, in the kind's words, beside the item marks."""
    from mlteam_utils.grading.widget_scores import feedback_html, feedback_text, score_record

    picks = {"q": {"kind": "multiple_choice", "value": ["Data drift", "Concept drift", "Label leakage"]}}
    record = score_record("q", MULTIPLE, picks, None)
    assert record["fraction"] == 0.5  # 2/2 right - 1/2 wrong
    assert ("You picked 2 of the 2 right options (100%) and 1 of the 2 wrong ones, which takes 50% back "
            "(50% credit).") in feedback_text(record, 2)
    key = {"a": "X", "b": "X", "c": "X", "d": "Y"}
    spec = {"kind": "matching", "items": list(key), "categories": ["X", "Y"], "key": key}
    record = score_record("q", spec, {"q": {"kind": "matching", "value": dict.fromkeys(key, "X")}}, None)
    assert record["fraction"] == 0.5  # 3 of 4 right, but no better than a coin toss
    page = feedback_html(record, 4)
    assert "3 of 4 items right (75%), but your answers, each moved to another of the items, would earn 75%" in page
    assert "(50% credit)" in page
    spread = score_record("q", spec, {"q": {"kind": "matching", "value": {**key, "c": "Y"}}}, None)
    assert "headline" not in spread and spread["fraction"] == 0.75  # 3 of 4 right, spread like a guess: kept


def test_one_owner_who_answers_for_the_work_and_does_it_is_marked_a_slash_r() -> None:
    """A common RACI owner is both A and R: "A/R" counts as both, so a key whose only
    acceptable A and R is the same role has a full-credit answer."""
    spec = {**RACI, "accountable": {**RACI["accountable"], "Deploy model": "ML engineer"}}
    validate_spec(spec)
    grid = {"Train model": {"Data scientist": "R", "ML engineer": "A"}, "Deploy model": {"ML engineer": "A/R"}}
    result = score_answer("q_raci", spec, grid)
    deploy = next(item for item in result.items if item.item == "Deploy model")
    assert deploy.credit == 1.0
    # A/R beside another A is still two Accountable roles.
    two = score_answer("q_raci", spec, {**grid, "Deploy model": {"ML engineer": "A/R", "Data scientist": "A"}})
    assert next(item for item in two.items if item.item == "Deploy model").credit < 1.0
