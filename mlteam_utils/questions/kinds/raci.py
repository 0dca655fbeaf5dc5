"""RACI chart: one R/A/C/I dropdown per activity and role, with live rule checks.

The saved value maps activity -> role -> ``"R"``, ``"A"``, ``"A/R"``, ``"C"``,
``"I"`` or ``""``. ``"A/R"`` is the common case of an owner who answers for the
result and does the work too: it counts as both A and R. C and I are not scored.

Each activity earns half its credit for its A and half for its R:

* **A**: the half if exactly one role is marked A (or A/R) and it is one of the
  acceptable ones; nothing for no A, a wrong A, or several A (RACI has exactly one);
* **R**: the half if at least one acceptable role is marked R (or A/R), less, for
  each role wrongly marked R, its share of the roles that should not be R: the
  way multiple choice subtracts wrong picks, so marking every role R earns nothing.

The chart's credit is the activities' mean, with the luck of repeating the same
row taken out (:mod:`mlteam_utils.questions.luck`; the chance is what a uniformly
random grid earns, :func:`raci_chance`). A chart that gives every activity the
same row, such as "team lead A/R, everyone else R", earns no more than that
chance (under a quarter of the points on the course's charts: checked by
``tests/test_blind_strategies.py``).

Worked examples, for one activity with five roles whose acceptable A is the team
lead and acceptable R the data scientist (so four roles should not be R):

* team lead A, data scientist R: 1;
* the same and the ML engineer R as well: 1/2 + 1/2 x (1 - 1/4) = 0.875;
* product manager A (wrong), data scientist R: 0.5;
* team lead and product manager both A, data scientist R: 0.5;
* every role R, nobody A: 0 + 1/2 x (1 - 4/4) = 0.

>>> from mlteam_utils.questions.scoring import score_answer
>>> roles = ["Product manager", "Team lead", "Data engineer", "Data scientist", "ML engineer"]
>>> spec = {"kind": "raci", "activities": ["Design the experiments"], "roles": roles,
...         "accountable": {"Design the experiments": "Team lead"},
...         "responsible": {"Design the experiments": "Data scientist"}}
>>> def credit(row):
...     return score_answer("q", spec, {"Design the experiments": row}).items[0].credit
>>> credit({"Team lead": "A", "Data scientist": "R"}), credit({"Team lead": "A", "Data scientist": "R", "ML engineer": "R"})
(1.0, 0.875)
>>> credit({"Product manager": "A", "Data scientist": "R"}), credit({"Team lead": "A", "Product manager": "A", "Data scientist": "R"})
(0.5, 0.5)
>>> credit({role: "R" for role in roles})
0.0

The live rule checks under the grid:

>>> grid = {"Label data": {"PM": "A", "DS": "A"}, "Ship": {"PM": "A", "DS": "R"}}
>>> for problem in raci_problems(grid, ["Label data", "Ship"], ["PM", "DS"]):
...     print(problem)
“Label data” has 2 roles marked A (PM, DS): exactly one role is Accountable.
“Label data” has no R: at least one role must be Responsible.
"""

from __future__ import annotations

import html
import math
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

__all__ = ["Raci", "raci_chance", "raci_grid", "raci_problems", "rule_messages"]

RACI_LETTERS: tuple[str, ...] = ("R", "A", "A/R", "C", "I")
BOTH = "A/R"
RACI_LEGEND = (
    "R = Responsible (does the work; at least one) · A = Accountable (answers for the result; exactly one) · "
    "A/R = both (answers for it and does it) · C = Consulted (asked before) · I = Informed (told after)"
)


def is_accountable(letter: str) -> bool:
    """A role marked A, or A/R, answers for the result.

    >>> is_accountable("A/R"), is_accountable("R")
    (True, False)
    """
    return letter in ("A", BOTH)


def is_responsible(letter: str) -> bool:
    """A role marked R, or A/R, does the work.

    >>> is_responsible("A/R"), is_responsible("A")
    (True, False)
    """
    return letter in ("R", BOTH)


def _marks(row: object, roles: Sequence[str]) -> tuple[list[str], list[str]]:
    """The roles a row marks A (or A/R), and those it marks R (or A/R)."""
    letters = [(role, _letter(row, role)) for role in roles]
    return [role for role, letter in letters if is_accountable(letter)], [role for role, letter in letters if is_responsible(letter)]


def _activity_credit(
    accountable: Sequence[str], responsible: Sequence[str], right_a: Sequence[str], right_r: Sequence[str], roles: int
) -> float:
    """One activity's credit for a row that marks ``accountable`` A and ``responsible`` R (see the module).

    ``right_a`` and ``right_r`` are the activity's acceptable A and R roles, out of ``roles`` roles.
    """
    a_part = 1.0 if len(accountable) == 1 and accountable[0] in right_a else 0.0
    right = sum(1 for role in responsible if role in right_r)
    if not right:
        return 0.5 * a_part
    not_r = roles - len(right_r)  # roles that should not be R; 0 if the key accepts every role
    wrong_r = len(responsible) - right
    return 0.5 * a_part + 0.5 * max(0.0, 1.0 - (wrong_r / not_r if not_r else 0.0))


def _activity_remarks(accountable: Sequence[str], responsible: Sequence[str], activity: str, n: Mapping[str, Any]) -> list[str]:
    """What to tell the learner about one activity's row."""
    right_a, right_r = n["accountable"][activity], n["responsible"][activity]
    wrong_r = [role for role in responsible if role not in right_r]
    remarks = []
    if not accountable:
        remarks.append("No role is marked A, but every activity needs one Accountable role.")
    elif len(accountable) > 1:
        remarks.append(f"{len(accountable)} roles are marked A; exactly one role can be Accountable, so the A earns nothing.")
    elif accountable[0] not in right_a:
        remarks.append("The role marked A is not the one best placed to answer for this activity.")
    if not responsible:
        remarks.append("No role is marked R, but someone must do the work.")
    elif len(wrong_r) == len(responsible):
        remarks.append("The roles marked R are not the ones that usually do this work.")
    elif wrong_r:
        remarks.append("Some roles marked R are not the ones that usually do this work; each takes part of the R back.")
    return remarks


def raci_chance(n: Mapping[str, Any]) -> float:
    """The mean credit per activity of a uniformly random grid (each cell blank, R, A, A/R, C or I alike).

    Exact, by the rule of :func:`_activity_credit`: a cell is A (or A/R) with
    probability 1/3, and R (or A/R) with probability 1/3, independently of the
    other cells. The A half needs exactly one A, on an acceptable role; the R half
    needs at least one acceptable role marked R, less each wrong R's share.

    >>> spec = {"activities": ["Ship"], "roles": ["PM", "DS"], "accountable": {"Ship": ("PM",)},
    ...         "responsible": {"Ship": ("DS",)}}
    >>> round(raci_chance(spec), 4)  # A: 1/3 x 2/3 = 2/9; R: 1/3 x (1 - E[wrong]) = 1/3 x 2/3 = 2/9
    0.2222
    """
    values = ("", *RACI_LETTERS)
    p_a = sum(1 for value in values if is_accountable(value)) / len(values)
    p_r = sum(1 for value in values if is_responsible(value)) / len(values)
    roles = len(n["roles"])
    total = 0.0
    for activity in n["activities"]:
        right_a, right_r = len(n["accountable"][activity]), len(n["responsible"][activity])
        a_part = right_a * p_a * (1 - p_a) ** (roles - 1)
        not_r = roles - right_r
        some_right_r = 1 - (1 - p_r) ** right_r
        if not_r:
            r_part = some_right_r * sum(
                math.comb(not_r, wrong) * p_r**wrong * (1 - p_r) ** (not_r - wrong) * max(0.0, 1 - wrong / not_r)
                for wrong in range(not_r + 1)
            )
        else:
            r_part = some_right_r
        total += 0.5 * a_part + 0.5 * r_part
    return total / len(n["activities"])


class Raci(QuestionKind):
    """A RACI chart: per activity, half for one right A and half for a right R less wrong ones; less luck."""

    name = "raci"
    builder_name = "raci_grid"
    required_keys = frozenset({"activities", "roles", "accountable", "responsible"})
    optional_keys = frozenset({"explanations", "overload_threshold"})
    public_keys = ("activities", "roles")

    def normalize(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        activities = text_list(spec, "activities", "activities")
        roles = text_list(spec, "roles", "roles", minimum=2)
        rules: dict[str, dict[str, tuple[str, ...]]] = {}
        for field in ("accountable", "responsible"):
            raw = spec[field]
            if not isinstance(raw, Mapping):
                raise ValueError(f"{field!r} must map each activity to its acceptable roles")
            unknown = [k for k in raw if k not in activities]
            if unknown:
                raise ValueError(f"{field!r} names activities that are not in 'activities': {unknown[:3]!r}")
            absent = [a for a in activities if a not in raw]
            if absent:
                raise ValueError(f"{field!r} gives no role for {absent[:3]!r}")
            rules[field] = {a: choices(raw[a], roles, "role", f"{field!r} for {a!r}") for a in activities}
        threshold = spec.get("overload_threshold")
        if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1):
            raise ValueError("'overload_threshold' must be a whole number of activities, at least 1")
        return {
            "activities": activities,
            "roles": roles,
            "accountable": rules["accountable"],
            "responsible": rules["responsible"],
            "explanations": text_map(spec, "explanations", activities, "activity"),
            "overload_threshold": threshold,
        }

    def expected(self, n: Mapping[str, Any]) -> dict[str, str]:
        return {
            a: f"A: {' or '.join(n['accountable'][a])}; R: {' or '.join(n['responsible'][a])}" for a in n["activities"]
        }

    def value_problem(self, value: object, public: Mapping[str, Any]) -> str | None:
        if not isinstance(value, Mapping):
            return f"the answer is {describe(value)}, not a grid of activities and roles"
        activities, roles = public_names(public, "activities"), public_names(public, "roles")
        unknown = [k for k in value if k not in activities]
        if unknown:
            return f"the grid has activities that are not in the question: {names(unknown)}"
        for activity, row in value.items():
            if row is None:
                continue
            if not isinstance(row, Mapping):
                return f"the row for {describe(activity)} is {describe(row)}, not an object of roles"
            unknown = [k for k in row if k not in roles]
            if unknown:
                return f"the row for {describe(activity)} has roles that are not in the question: {names(unknown)}"
            for letter in row.values():
                if letter is not None and letter != "" and letter not in RACI_LETTERS:
                    return f"the row for {describe(activity)} holds {describe(letter)}, not R, A, A/R, C, I or blank"
        return None

    def salvage(self, value: object, public: Mapping[str, Any]) -> Salvaged | None:
        if not isinstance(value, Mapping):
            return None
        activities, roles = public_names(public, "activities"), public_names(public, "roles")
        kept: dict[str, object] = {}
        dropped: list[str] = []
        for activity, row in value.items():
            if activity not in activities:
                dropped.append(f"an activity that is not in the question, {describe(activity)}")
            elif row is None:
                kept[activity] = None
            elif not isinstance(row, Mapping):
                dropped.append(f"the row for {describe(activity)}, {describe(row)}")
            else:
                good = {}
                for role, letter in row.items():
                    if role in roles and (letter in (None, "") or letter in RACI_LETTERS):
                        good[role] = letter
                    else:
                        dropped.append(f"{describe(letter)} for {describe(role)} in the row for {describe(activity)}")
                kept[activity] = good
        anything = any(letter for row in kept.values() if isinstance(row, Mapping) for letter in row.values())
        return salvaged(kept, anything, dropped)

    def completeness(self, value: Any, public: Mapping[str, Any]) -> tuple[bool, str]:
        activities = [a for a in (public.get("activities") or ()) if isinstance(a, str)]
        done = sum(1 for a in activities if any((value.get(a) or {}).values()))
        return done == len(activities), f"{done} of {plural(len(activities), 'activity', 'activities')} filled in."

    def score(self, question_id: str, n: Mapping[str, Any], value: Any) -> QuestionResult:
        expected, roles, activities = self.expected(n), n["roles"], n["activities"]
        marks = [_marks(value.get(activity), roles) for activity in activities]
        # cross[i][j]: activity i's credit for the row given to activity j (the luck correction's input)
        cross = [
            [_activity_credit(a, r, n["accountable"][activity], n["responsible"][activity], len(roles)) for a, r in marks]
            for activity in activities
        ]
        items = []
        for i, (activity, (accountable, responsible)) in enumerate(zip(activities, marks, strict=True)):
            credit = cross[i][i]
            remarks = _activity_remarks(accountable, responsible, activity, n)
            lead = " ".join(remarks) if remarks else "A and R are well placed."
            why = n["explanations"].get(activity, "")
            items.append(item_result(activity, credit, lead, why, expected[activity]))
        notes = [
            f"{role} is R or A on {count} of {len(activities)} activities: that role may be overloaded."
            for role, count in _overloaded_roles(value, activities, roles, n["overload_threshold"])
        ]
        correction = luck_corrected(cross, raci_chance(n))
        result = question_result(question_id, self.name, items, fraction=correction.credit, notes=notes)
        if not correction.shown:  # a deduction too small to see in whole percent needs no sentence
            return result
        full = sum(1 for item in items if item.correct)
        partly = sum(1 for item in items if not item.correct and item.credit > 0)
        lead = f"{full} of {plural(len(items), 'activity', 'activities')} fully right, {partly} partly right"
        return replace(result, headline=luck_headline(correction, lead, "activities"))

    def given(self, value: Any, item: str) -> str:
        row = value.get(item) or {}
        return ", ".join(f"{role}={letter}" for role, letter in sorted(row.items()) if letter) or "(empty)"

    def build(self, question_id: str, prompt: str, /, *args: Any, **kwargs: Any) -> QuestionBox:
        return raci_grid(question_id, prompt, *args, **kwargs)


# --------------------------------------------------------------------------- RACI rules


def default_overload_threshold(activity_count: int) -> int:
    """The most activities a role may be R or A on before it counts as overloaded.

    Half the activities, rounded up, and at least 2.

    >>> default_overload_threshold(6), default_overload_threshold(3)
    (3, 2)
    """
    return max(2, math.ceil(activity_count / 2))


def _letter(row: object, role: str) -> str:
    if not isinstance(row, Mapping):
        return ""
    letter = row.get(role)
    return letter if letter in RACI_LETTERS else ""


def _overloaded_roles(
    grid: Mapping[str, Any], activities: Sequence[str], roles: Sequence[str], overload_threshold: int | None = None
) -> list[tuple[str, int]]:
    """Roles that are R or A on more than ``overload_threshold`` activities, with their count."""
    threshold = default_overload_threshold(len(activities)) if overload_threshold is None else overload_threshold
    grid = grid if isinstance(grid, Mapping) else {}
    counts = {
        role: sum(1 for activity in activities if _letter(grid.get(activity), role) in ("R", "A", BOTH))
        for role in roles
    }
    return [(role, count) for role, count in counts.items() if count > threshold]


def raci_problems(
    grid: Mapping[str, Any],
    activities: Sequence[str],
    roles: Sequence[str],
    overload_threshold: int | None = None,
    *,
    skip_blank_rows: bool = False,
) -> list[str]:
    """The RACI rules a grid breaks, as sentences.

    Each activity needs exactly one Accountable (A) and at least one Responsible
    (R); a role that is R or A on more than ``overload_threshold`` activities
    (default: :func:`default_overload_threshold`) may be overloaded. With
    ``skip_blank_rows`` an activity with no letter at all is not reported yet.

    >>> raci_problems({"Ship": {"PM": "A", "DS": "R"}}, ["Ship", "Train"], ["PM", "DS"], skip_blank_rows=True)
    []
    >>> raci_problems({"Ship": {"PM": "I", "DS": "A/R"}}, ["Ship"], ["PM", "DS"])  # one owner who also does it
    []
    """
    grid = grid if isinstance(grid, Mapping) else {}
    problems: list[str] = []
    for activity in activities:
        row = grid.get(activity)
        letters = [_letter(row, role) for role in roles]
        if skip_blank_rows and not any(letters):
            continue
        accountable = [role for role, letter in zip(roles, letters, strict=True) if is_accountable(letter)]
        if not accountable:
            problems.append(f"“{activity}” has no A: exactly one role must be Accountable.")
        elif len(accountable) > 1:
            problems.append(
                f"“{activity}” has {len(accountable)} roles marked A ({', '.join(accountable)}): "
                "exactly one role is Accountable."
            )
        if not any(is_responsible(letter) for letter in letters):
            problems.append(f"“{activity}” has no R: at least one role must be Responsible.")
    for role, count in _overloaded_roles(grid, activities, roles, overload_threshold):
        problems.append(
            f"{role} is R or A on {count} of {plural(len(activities), 'activity', 'activities')}: "
            "that role may be overloaded."
        )
    return problems


def rule_messages(
    grid: Mapping[str, Any], activities: Sequence[str], roles: Sequence[str], overload_threshold: int
) -> list[tuple[str, str]]:
    """What the live rule checks under a RACI grid show, as ``(tone, text)`` pairs.

    >>> rule_messages({"Ship": {"PM": "", "DS": ""}}, ["Ship"], ["PM", "DS"], 2)
    [('info', 'Rule checks appear here as you fill in the chart.')]
    >>> rule_messages({"Ship": {"PM": "A", "DS": "R"}}, ["Ship"], ["PM", "DS"], 2)
    [('right', 'Every activity has exactly one A and at least one R.')]
    >>> rule_messages({"Ship": {"PM": "R", "DS": ""}}, ["Ship"], ["PM", "DS"], 2)
    [('problem', '“Ship” has no A: exactly one role must be Accountable.')]
    """
    problems = raci_problems(grid, activities, roles, overload_threshold, skip_blank_rows=True)
    if problems:
        return [("problem", problem) for problem in problems]
    if all(any((grid.get(activity) or {}).values()) for activity in activities):
        return [("right", "Every activity has exactly one A and at least one R.")]
    return [("info", "Rule checks appear here as you fill in the chart.")]


def raci_grid(
    question_id: str,
    prompt: str,
    activities: Sequence[str],
    roles: Sequence[str],
    *,
    accountable: Mapping[str, str | Sequence[str]] | None = None,
    responsible: Mapping[str, str | Sequence[str]] | None = None,
    explanations: Mapping[str, str] | None = None,
    sheet: Any = None,
    overload_threshold: int | None = None,
) -> QuestionBox:
    """A RACI chart: one R/A/C/I dropdown per activity and role, with live rule checks.

    ``accountable`` and ``responsible`` map each activity to the role (or roles)
    that are defensible as A and as R.

    >>> box = raci_grid("q0", "Who does what?", ["Train model"], ["Data scientist", "Product manager"],
    ...                 accountable={"Train model": "Product manager"}, responsible={"Train model": "Data scientist"})
    >>> box.controls[("Train model", "Data scientist")].value = "R"
    >>> print(box.rules.value)  # doctest: +ELLIPSIS
    <div ...>⚠</span> “Train model” has no A: exactly one role must be Accountable.</div>...
    >>> box.controls[("Train model", "Product manager")].value = "A"
    >>> box.check().correct
    True
    """
    import ipywidgets as widgets

    from mlteam_utils.questions.box import BLANK, LESSON, WIDE, assemble_question, checked_texts, question_mode
    from mlteam_utils.questions.feedback import message_html

    activities = checked_texts(activities, "activities")
    roles = checked_texts(roles, "roles", minimum=2)
    mode = question_mode(
        question_id, sheet,
        {"accountable": accountable, "responsible": responsible, "explanations": explanations},
        "accountable= and responsible=",
    )
    spec: dict[str, Any] | None = None
    if mode == LESSON:
        spec = {"kind": "raci", "prompt": prompt, "activities": activities, "roles": roles,
                "accountable": dict(accountable or {}), "responsible": dict(responsible or {}),
                "explanations": dict(explanations or {})}
        if overload_threshold is not None:
            spec["overload_threshold"] = overload_threshold
    threshold = default_overload_threshold(len(activities)) if overload_threshold is None else overload_threshold
    cells: dict[tuple[str, str], Any] = {}
    rows: list[Any] = [widgets.HTML(f'<div style="opacity: 0.85;">{html.escape(RACI_LEGEND)}</div>')]
    for activity in activities:
        row_cells = []
        for role in roles:
            dropdown = widgets.Dropdown(
                options=[(BLANK, "")] + [(letter, letter) for letter in RACI_LETTERS],
                value="",
                description=f"{role}:",
                tooltip=f"{activity}: {role}",
                style=WIDE,
                layout=widgets.Layout(width="auto", margin="0 1em 0 0"),
            )
            cells[(activity, role)] = dropdown
            row_cells.append(dropdown)
        label = widgets.HTML(f"<strong>{html.escape(activity)}</strong>", layout=widgets.Layout(min_width="12em"))
        rows.append(widgets.HBox([label, widgets.HBox(row_cells, layout=widgets.Layout(flex_flow="row wrap"))],
                                 layout=widgets.Layout(align_items="center")))
    rules = widgets.HTML("")

    def read() -> dict[str, dict[str, str]]:
        return {activity: {role: cells[(activity, role)].value for role in roles} for activity in activities}

    def write(value: Any) -> bool:
        for (activity, role), dropdown in cells.items():
            dropdown.value = (value.get(activity) or {}).get(role) or ""
        return True

    def update_rules() -> None:
        rules.value = "".join(message_html(text, tone) for tone, text in rule_messages(read(), activities, roles, threshold))

    return assemble_question(
        question_id=question_id, kind="raci", prompt=prompt, mode=mode, body=rows, controls=dict(cells),
        read=read, write=write, watch=list(cells.values()),
        public={"activities": activities, "roles": roles}, spec=spec, sheet=sheet,
        on_change=update_rules, rules=rules,
    )
