"""No blind strategy pays, for any graded widget question in the course (issue 26, part 2).

For every graded widget question of every exercise (its key read from ``solutions/``
with the grader's own loader, its points from the source notebook, what its widget
shows from the widget's cell), the answers made without knowledge (select all, select
none, every item the same category, every cell the same RACI letter, the RACI rows
"one role A/R and everyone else R", the start order and its reverse, the slider left
alone...) score no more than a uniformly random answer does on average plus 5% of the
points, and, in a RACI grid, no more than 25% of the points
(:mod:`mlteam_utils.questions.blind_strategies` lists them kind by kind). Rules that
were changed for this keep partial credit for partly right answers: checked below.

``python -m mlteam_utils.grading.blind_audit`` prints the same figures as a table.
"""

from __future__ import annotations

import random
import shutil
import statistics
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mlteam_utils.grading.blind_audit import CourseAudit, GradedWidgetQuestion, graded_widget_questions, main, table
from mlteam_utils.grading.keys import load_key
from mlteam_utils.questions.blind_strategies import (
    MARGIN,
    RACI_CAP,
    RACI_VALUES,
    Layout,
    QuestionAudit,
    Slider,
    audit_question,
    blind_answers,
    random_expectation,
)
from mlteam_utils.questions.kinds import kind_named
from mlteam_utils.questions.kinds.raci import raci_chance
from mlteam_utils.questions.scoring import answer_scorer, score_answer, validate_spec

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO_ROOT / "solutions"
QUESTIONS = graded_widget_questions(SOLUTIONS)
IDS = [f"{question.exercise[:4]}-{question.question_id}" for question in QUESTIONS]
#: Kinds made of several parts that a learner can get partly right.
MULTI_PART = ("multiple_choice", "matching", "ordering", "raci")

#: Blind answers that pay because of where the author put the right answer in the widget, not
#: because of a scoring rule: the fix is in the widget's cell of the solution notebook (its range,
#: start order or option order), owned by the notebooks' authors. Strict: a fix makes the test fail
#: until its entry is removed here.
LAYOUT_KNOWN_TO_PAY: dict[str, str] = {
}


@cache
def audit_of(index: int) -> QuestionAudit:
    question = QUESTIONS[index]
    return audit_question(question.spec, question.layout)


def described(audit: QuestionAudit, points: float) -> str:
    paying = "; ".join(f"“{blind.name}” {100 * blind.fraction:.1f}%" for blind in audit.paying()[:5])
    return (f"random answer {100 * audit.random.mean:.1f}% (±{100 * audit.random.tolerance:.1f}), limit "
            f"{100 * audit.limit:.1f}% of {points:g} points; paying: {paying}")


# --------------------------------------------------------------------------- the course's questions


def test_every_exercise_key_is_read_and_its_graded_questions_found() -> None:
    """The audit sees every exercise that has a key, and every key question that a test cell grades."""
    keys = sorted(SOLUTIONS.glob("*/*.key.json"))
    assert keys, "no answer key under solutions/"
    assert {question.exercise for question in QUESTIONS} == {path.parent.name for path in keys}
    graded_ids = {(question.exercise, question.question_id) for question in QUESTIONS}
    for path in keys:
        for question_id in load_key(path).questions:
            assert (path.parent.name, question_id) in graded_ids, f"{path.name}: {question_id} has no graded cell with points"
    assert {question.kind for question in QUESTIONS} >= {"multiple_choice", "matching", "ordering", "raci", "numeric"}


@pytest.mark.parametrize("index", range(len(QUESTIONS)), ids=IDS)
def test_the_widget_layout_is_read_where_a_blind_answer_needs_it(index: int) -> None:
    """Ordering and numeric blind answers come from the widget's cell: it must be readable (and agree with the key)."""
    question = QUESTIONS[index]
    layout = question.layout or Layout()
    if question.kind in ("ordering", "single_choice", "multiple_choice"):
        shown = layout.order or ()
        wanted = question.spec["items"] if question.kind == "ordering" else question.spec["options"]
        assert sorted(shown) == sorted(wanted), f"{question.notebook}: the widget's cell and the key list different items"
    if question.kind == "numeric":
        assert layout.slider is not None, f"{question.notebook}: the slider of {question.question_id} could not be read"


RULE_DECIDES = [i for i, question in enumerate(QUESTIONS) if question.kind in ("multiple_choice", "matching", "raci")]
LAYOUT_DECIDES = [i for i, question in enumerate(QUESTIONS) if question.kind in ("ordering", "numeric")]
#: One pick of one option: no blind answer but a guess (see mlteam_utils.questions.blind_strategies).
NO_BLIND_ANSWER = [i for i, question in enumerate(QUESTIONS) if question.kind == "single_choice"]


@pytest.mark.parametrize("index", RULE_DECIDES, ids=[IDS[i] for i in RULE_DECIDES])
def test_no_blind_answer_the_scoring_rule_decides_pays(index: int) -> None:
    """Select all / none, one category for every item, RACI patterns: at most random + 5% (RACI: and 25%)."""
    question = QUESTIONS[index]
    audit = audit_of(index)
    assert audit.blind, "no blind answer was tried"
    assert not audit.paying(), described(audit, question.points)
    if question.kind == "raci":
        assert max(blind.fraction for blind in audit.blind) <= RACI_CAP


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(i, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=LAYOUT_KNOWN_TO_PAY[IDS[i]]))
        if IDS[i] in LAYOUT_KNOWN_TO_PAY else i
        for i in LAYOUT_DECIDES
    ],
    ids=[IDS[i] for i in LAYOUT_DECIDES],
)
def test_no_blind_answer_the_widget_layout_decides_pays(index: int) -> None:
    """The start order and its reverse; the slider's start, ends and middle."""
    question = QUESTIONS[index]
    audit = audit_of(index)
    assert audit.blind, "no blind answer was tried"
    assert not audit.paying(), described(audit, question.points)


def test_every_graded_question_is_checked_by_one_of_the_two() -> None:
    assert sorted(RULE_DECIDES + LAYOUT_DECIDES + NO_BLIND_ANSWER) == list(range(len(QUESTIONS)))
    assert {QUESTIONS[i].kind for i in RULE_DECIDES} == {"multiple_choice", "matching", "raci"}


@pytest.mark.parametrize("index", NO_BLIND_ANSWER, ids=[IDS[i] for i in NO_BLIND_ANSWER])
def test_a_single_choice_is_a_guess_worth_one_option_in_n(index: int) -> None:
    audit = audit_of(index)
    assert audit.blind == () and audit.random.exact
    assert audit.random.mean == pytest.approx(1 / len(QUESTIONS[index].spec["options"]))


def test_the_known_layout_problems_name_real_questions() -> None:
    assert set(LAYOUT_KNOWN_TO_PAY) <= set(IDS)


def test_the_table_has_a_row_per_question_with_its_figures() -> None:
    audits = []
    for i, question in enumerate(QUESTIONS):
        try:
            audits.append(CourseAudit(question, audit_of(i)))
        except ValueError as error:  # an unreadable widget cell: listed, and failed above
            audits.append(CourseAudit(question, None, str(error)))
    lines = table(audits).splitlines()
    assert len(lines) == 2 + len(QUESTIONS)
    for line, (question, entry) in zip(lines[2:], zip(QUESTIONS, audits, strict=True), strict=True):
        assert question.question_id in line and question.kind in line
        if entry.audit is None:
            assert "not audited" in line and line.endswith("✗")
            continue
        assert f"{entry.audit.random.mean * question.points:.2f} ({100 * entry.audit.random.mean:.1f}%)" in line
        assert line.endswith("✗ pays" if entry.audit.paying() else "✓")


def test_the_command_prints_the_table_and_fails_when_a_blind_answer_pays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m mlteam_utils.grading.blind_audit FOLDER``, on a copy of two exercises: it passes as
    published, and fails once ex06's slider is put back as it was before issue 26 (0.2 to 0.8, with
    the answer, 0.5, in its middle, and 0.2 of credit on either side)."""
    import json

    for exercise in ("ex06_product_manager", "ex09_foundation_model_teams"):
        shutil.copytree(SOLUTIONS / exercise, tmp_path / exercise)
    assert main([str(tmp_path)]) == 0, capsys.readouterr().out
    printed = capsys.readouterr().out
    assert "q3_launch_threshold" in printed and "q1_launch_without_ml" in printed and "q3_grade_figures" in printed
    notebook = tmp_path / "ex06_product_manager" / "ex06_product_manager.ipynb"
    text = notebook.read_text(encoding="utf-8")
    assert text.count("min=0.2,") == 1 and text.count("max=1.0,") == 1
    notebook.write_text(text.replace("max=1.0,", "max=0.8,"), encoding="utf-8")
    key_path = tmp_path / "ex06_product_manager" / "ex06_product_manager.key.json"
    key = json.loads(key_path.read_text(encoding="utf-8"))
    key["questions"]["q3_launch_threshold"]["zero_beyond"] = 0.2
    key_path.write_text(json.dumps(key), encoding="utf-8")
    assert main([str(tmp_path)]) == 1
    assert "✗ ex06_product_manager q3_launch_threshold: “the middle of the slider (0.5)” scores 100.0%" in capsys.readouterr().out


# --------------------------------------------------------------------------- the check can fail


def old_raci_fraction(spec: Mapping[str, Any]) -> Callable[[object], float]:
    """The RACI rule before issue 26: per activity a quarter each for exactly one A, some R,
    the share of the A roles that are acceptable and the share of the R roles that are."""
    activities, roles = spec["activities"], spec["roles"]

    def accepted(field: str, activity: str) -> list[str]:
        value = spec[field][activity]
        return [value] if isinstance(value, str) else list(value)

    def fraction(grid: object) -> float:
        assert isinstance(grid, Mapping)
        total = 0.0
        for activity in activities:
            row = grid.get(activity) or {}
            a = [role for role in roles if row.get(role) in ("A", "A/R")]
            r = [role for role in roles if row.get(role) in ("R", "A/R")]
            share_a = sum(role in accepted("accountable", activity) for role in a) / len(a) if a else 0.0
            share_r = sum(role in accepted("responsible", activity) for role in r) / len(r) if r else 0.0
            total += 0.25 * ((len(a) == 1) + bool(r) + share_a + share_r)
        return total / len(activities)

    return fraction


def test_the_check_catches_the_old_raci_rule_the_issue_reports() -> None:
    """Issue 26: every role R and the first role A/R scored 3.25 of 5 on ex07's grid; the audit flags it."""
    question = next(q for q in QUESTIONS if q.kind == "raci")
    old = audit_question(question.spec, question.layout, scorer=old_raci_fraction(question.spec), samples=2000)
    first = question.spec["roles"][0]
    by_name = {blind.name: blind.fraction for blind in old.blind}
    assert by_name[f"{first} A/R, every other role R"] > RACI_CAP
    assert old.paying("rule")
    new = {blind.name: blind.fraction for blind in audit_of(QUESTIONS.index(question)).blind}
    assert new[f"{first} A/R, every other role R"] <= RACI_CAP


def test_the_check_catches_a_multiple_choice_rule_without_wrong_picks_penalty() -> None:
    """Counting right picks only would pay "select all": the audit must say so."""
    spec = {"kind": "multiple_choice", "options": ["a", "b", "c", "d", "e"], "correct": ["a", "b", "c"]}
    lenient = audit_question(spec, scorer=lambda picks: len(set(picks) & {"a", "b", "c"}) / 3)  # type: ignore[call-overload]
    assert [blind.name for blind in lenient.paying()] == ["select all"]
    assert not audit_question(spec).paying()


# --------------------------------------------------------------------------- the random expectation


def test_the_raci_chance_in_the_rule_is_the_mean_of_every_possible_row() -> None:
    """raci_chance (closed form, used by the rule) equals scoring all 6^roles rows of each activity."""
    spec = next(q.spec for q in QUESTIONS if q.kind == "raci")
    raci = kind_named("raci")
    for activity in spec["activities"][:2]:  # two are enough: each takes 7,776 scorings
        one = {**spec, "activities": [activity],
               "accountable": {activity: spec["accountable"][activity]},
               "responsible": {activity: spec["responsible"][activity]}, "explanations": {}}
        exact = random_expectation(one, exact_budget=len(RACI_VALUES) ** len(spec["roles"]))
        assert exact.exact  # one activity: no luck correction, so the mean is the activity's own
        assert exact.mean == pytest.approx(raci_chance(raci.normalize(one)), abs=1e-12)
    assert 0 < raci_chance(raci.normalize(spec)) < RACI_CAP


@pytest.mark.parametrize("kind_spec", [
    {"kind": "matching", "items": ["a", "b", "c", "d"], "categories": ["X", "Y", "Z"],
     "key": {"a": "X", "b": "X", "c": "X", "d": "Y"}},
    {"kind": "multiple_choice", "options": list("abcdefg"), "correct": list("abcde")},
    {"kind": "ordering", "items": list("abcdef")},
])
def test_a_sampled_expectation_covers_the_exact_one(kind_spec: dict[str, Any]) -> None:
    """Sampling (with its tolerance) agrees with scoring every answer, where both are possible."""
    exact = random_expectation(kind_spec)
    sampled = random_expectation(kind_spec, exact_budget=1, samples=4000)
    assert exact.exact and not sampled.exact
    assert abs(sampled.mean - exact.mean) <= sampled.tolerance
    assert sampled == random_expectation(kind_spec, exact_budget=1, samples=4000), "the seed makes it repeatable"


def test_the_numeric_random_answer_is_every_slider_position() -> None:
    spec = {"kind": "numeric", "target": 0.5, "tolerance": 0, "zero_beyond": 0.2}
    expectation = random_expectation(spec, Layout(slider=Slider(0.2, 0.8, 0.1)))
    assert expectation.mean == pytest.approx(2 / 7)  # 0.5 full, 0.4 and 0.6 half, four at 0
    names = [answer.name for answer in blind_answers(spec, Layout(slider=Slider(0.2, 0.8, 0.1)))]
    assert names[-1] == "the middle of the slider (0.5)"
    with pytest.raises(ValueError, match="slider"):
        random_expectation(spec)


# --------------------------------------------------------------------------- partly right answers


def right_answer(spec: Mapping[str, Any]) -> Any:
    """A fully right answer built from the key (the first acceptable choice of each part)."""
    kind = spec["kind"]

    def first(value: str | list[str]) -> str:
        return value if isinstance(value, str) else value[0]

    if kind == "multiple_choice":
        return list(spec["correct"])
    if kind == "matching":
        return {item: first(spec["key"][item]) for item in spec["items"]}
    if kind == "ordering":
        return list(spec["items"])
    if kind == "raci":
        grid = {}
        for activity in spec["activities"]:
            accountable = first(spec["accountable"][activity])
            responsible = [role for role in ([spec["responsible"][activity]] if isinstance(spec["responsible"][activity], str)
                                             else spec["responsible"][activity]) if role != accountable]
            row = {role: "" for role in spec["roles"]}
            row[accountable] = "A" if responsible else "A/R"
            if responsible:
                row[responsible[0]] = "R"
            grid[activity] = row
        return grid
    raise ValueError(kind)


def one_part_wrong(spec: Mapping[str, Any], rng: random.Random) -> list[Any]:
    """Answers right but for one part, in every way the part can go wrong (a sample for RACI rows)."""
    right = right_answer(spec)
    kind = spec["kind"]
    if kind == "multiple_choice":
        return [[o for o in spec["options"] if (o in right) != (o == flipped)] for flipped in spec["options"]]
    if kind == "matching":
        accepted = {item: [v] if isinstance(v, str) else v for item, v in spec["key"].items()}
        return [{**right, item: wrong} for item in spec["items"] for wrong in spec["categories"]
                if wrong not in accepted[item]] + [{k: v for k, v in right.items() if k != item} for item in spec["items"]]
    if kind == "ordering":
        swaps = []
        for i in range(len(right) - 1):
            order = list(right)
            order[i], order[i + 1] = order[i + 1], order[i]
            swaps.append(order)
        return swaps
    if kind == "raci":
        answers = []
        for activity in spec["activities"]:
            answers.append({**right, activity: {role: "" for role in spec["roles"]}})  # the row left empty
            for _ in range(6):  # a uniformly random row
                answers.append({**right, activity: {role: rng.choice(RACI_VALUES) for role in spec["roles"]}})
        return answers
    raise ValueError(kind)


def partly_known(spec: Mapping[str, Any], known: float, rng: random.Random) -> Any:
    """A learner who knows each part with probability ``known`` and guesses the others uniformly."""
    right = right_answer(spec)
    kind = spec["kind"]
    if kind == "multiple_choice":
        return [o for o in spec["options"] if ((o in right) if rng.random() < known else rng.random() < 0.5)]
    if kind == "matching":
        return {item: (category if rng.random() < known else rng.choice(spec["categories"])) for item, category in right.items()}
    if kind == "ordering":
        unknown = [i for i in range(len(right)) if rng.random() >= known]
        shuffled = [right[i] for i in unknown]
        rng.shuffle(shuffled)
        for i, item in zip(unknown, shuffled, strict=True):
            right[i] = item
        return right
    if kind == "raci":
        return {activity: (row if rng.random() < known else {role: rng.choice(RACI_VALUES) for role in spec["roles"]})
                for activity, row in right.items()}
    raise ValueError(kind)


MULTI_PART_QUESTIONS = [(i, q) for i, q in enumerate(QUESTIONS) if q.kind in MULTI_PART]


@pytest.mark.parametrize(("index", "question"), MULTI_PART_QUESTIONS, ids=[IDS[i] for i, _ in MULTI_PART_QUESTIONS])
def test_an_answer_with_one_part_wrong_keeps_at_least_half_the_points(index: int, question: GradedWidgetQuestion) -> None:
    """Every way of getting one part wrong (one option, one item, one pair, one RACI row) costs something
    but never more than half the points: the changed rules still give partial credit."""
    fraction = answer_scorer(question.spec)
    assert fraction(right_answer(question.spec)) == 1.0
    answers = one_part_wrong(question.spec, random.Random(index))
    assert answers
    for answer in answers:
        assert 0.5 <= fraction(answer) < 1.0, (answer, score_answer("q", question.spec, answer).summary())


@pytest.mark.parametrize(("index", "question"), MULTI_PART_QUESTIONS, ids=[IDS[i] for i, _ in MULTI_PART_QUESTIONS])
def test_partial_knowledge_earns_partial_credit(index: int, question: GradedWidgetQuestion) -> None:
    """A learner who knows each part with probability p (and guesses the rest) earns on average at
    least 90% of p, more as p grows, less than a learner who knows everything, and, knowing a
    quarter of the parts, more than a uniformly random answer (300 learners per p, seeded)."""
    fraction = answer_scorer(question.spec)
    rng = random.Random(f"partial-{index}")
    means = [statistics.fmean(fraction(partly_known(question.spec, p, rng)) for _ in range(300)) for p in (0.25, 0.5, 0.75)]
    for p, mean in zip((0.25, 0.5, 0.75), means, strict=True):
        assert mean >= 0.9 * p, f"knowing {p:.0%} of the parts earns {mean:.1%} on average"
    assert means[0] < means[1] < means[2] < 1.0
    assert means[0] > audit_of(index).random.mean


def test_every_key_stays_valid_under_the_changed_rules() -> None:
    for question in QUESTIONS:
        validate_spec(question.spec)
    assert MARGIN == 0.05 and RACI_CAP == 0.25
