"""RACI chart: one R/A/C/I dropdown per activity and role, with live rule checks.

The saved value maps activity -> role -> ``"R"``, ``"A"``, ``"A/R"``, ``"C"``,
``"I"`` or ``""``. ``"A/R"`` is the common case of an owner who answers for the
result and does the work too: it counts as both A and R. An activity earns a
quarter each for exactly one A, at least one R, the A among the acceptable roles
and the R roles among the acceptable ones (shares).

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
from typing import TYPE_CHECKING, Any

from mlteam_utils.questions.kinds.base import QuestionKind, Salvaged, salvaged
from mlteam_utils.questions.results import QuestionResult, item_result, question_result
from mlteam_utils.questions.spec_fields import choices, public_names, text_list, text_map
from mlteam_utils.questions.wording import describe, names, plural

if TYPE_CHECKING:
    from mlteam_utils.questions.widgets import QuestionBox

__all__ = ["Raci", "raci_grid", "raci_problems", "rule_messages"]

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


class Raci(QuestionKind):
    """A RACI chart: per activity, a quarter each for one A, some R, and both well placed."""

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
        expected, roles, items = self.expected(n), n["roles"], []
        for activity in n["activities"]:
            row = value.get(activity)
            accountable = [role for role in roles if is_accountable(_letter(row, role))]
            responsible = [role for role in roles if is_responsible(_letter(row, role))]
            ok_a = [r for r in accountable if r in n["accountable"][activity]]
            ok_r = [r for r in responsible if r in n["responsible"][activity]]
            share_a = len(ok_a) / len(accountable) if accountable else 0.0
            share_r = len(ok_r) / len(responsible) if responsible else 0.0
            credit = 0.25 * ((len(accountable) == 1) + bool(responsible) + share_a + share_r)
            remarks = []
            if not accountable:
                remarks.append("No role is marked A, but every activity needs one Accountable role.")
            elif len(accountable) > 1:
                remarks.append(f"{len(accountable)} roles are marked A; exactly one role can be Accountable.")
            if accountable and share_a < 1:
                remarks.append("The role marked A is not the one best placed to answer for this activity.")
            if not responsible:
                remarks.append("No role is marked R, but someone must do the work.")
            elif share_r < 1:
                remarks.append(
                    "The roles marked R are not the ones that usually do this work."
                    if share_r == 0
                    else "Some roles marked R are not the ones that usually do this work."
                )
            lead = " ".join(remarks) if remarks else "A and R are well placed."
            why = n["explanations"].get(activity, "")
            items.append(item_result(activity, credit, lead, why, expected[activity]))
        notes = [
            f"{role} is R or A on {count} of {len(n['activities'])} activities: that role may be overloaded."
            for role, count in _overloaded_roles(value, n["activities"], roles, n["overload_threshold"])
        ]
        return question_result(question_id, self.name, items, notes=notes)

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

    from mlteam_utils.questions.feedback import message_html
    from mlteam_utils.questions.widgets import BLANK, LESSON, WIDE, assemble_question, checked_texts, question_mode

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
