"""Widget questions for lessons (instant feedback) and graded exercises (saved answers).

Every builder returns a :class:`QuestionBox`, an ``ipywidgets.VBox`` that keeps
its parts as attributes (``controls``, ``feedback``, ``status``,
``check_button``, ``save_button``, ``rules``) so tests and notebooks can drive
the real widgets without a browser. A builder works in one of two modes:

* **lesson mode**, with the key given (``correct=``, ``key=``, ``correct_order=``,
  ``accountable=``/``responsible=``, ``target=``): a *Check* button scores the
  answer with :func:`~mlteam_utils.questions.scoring.score_answer` and shows why
  each part is right or not;
* **graded mode**, with ``sheet=AnswerSheet(...)`` and no key anywhere in the
  notebook: every change is saved to the answers file, which the grader scores
  later; the widget shows only whether the answer is complete, and restores the
  saved answer when its cell runs again.

Giving both a key and a sheet is a ``ValueError``; so is giving neither.

>>> box = single_choice("q1", "Who owns the feature pipeline?", ["Data engineer", "Data scientist"],
...                     correct="Data engineer")
>>> box.controls["answer"].value = "Data scientist"
>>> box.check_button.click()
>>> box.last_result.fraction
0.0
>>> box.controls["answer"].value = "Data engineer"
>>> box.check_button.click()
>>> "✔ All right." in box.feedback.value
True
"""

from __future__ import annotations

import builtins
import html
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from mlteam_utils.questions.feedback import message_html, result_html
from mlteam_utils.questions.scoring import (
    RACI_LETTERS,
    QuestionResult,
    completeness,
    default_overload_threshold,
    raci_problems,
    score_answer,
    validate_spec,
    value_problem,
)

__all__ = [
    "GRADED",
    "LESSON",
    "QuestionBox",
    "matching",
    "move_item",
    "multiple_choice",
    "numeric_estimate",
    "ordering",
    "raci_grid",
    "single_choice",
    "start_order",
]

LESSON = "lesson"
GRADED = "graded"
BLANK = "—"
RACI_LEGEND = (
    "R = Responsible (does the work; at least one) · A = Accountable (answers for the result; exactly one) · "
    "C = Consulted (asked before) · I = Informed (told after)"
)
_WIDE = {"description_width": "initial"}


class QuestionBox(widgets.VBox):
    """One question: a VBox holding the prompt, the controls and the feedback.

    Attributes (plain Python attributes, not widget traits):

    ``question_id``, ``kind``, ``mode`` (``"lesson"`` or ``"graded"``);
    ``controls``: the input widgets by name (an option, an item, ``(activity, role)``,
    ``"answer"``, ``"order"``, ``"slider"``/``"text"``); ``feedback``: an HTML widget
    with the check result (lesson) or the save status (graded); ``status``: an HTML
    widget with a problem about the answers file, if any; ``check_button`` (lesson)
    and ``save_button`` (graded ordering/numeric) or ``None``; ``rules``: the live
    RACI rule checks or ``None``; ``spec``: the lesson's key spec (``None`` in graded
    mode); ``public``: what the widget knows about the question; ``sheet``;
    ``last_result``: the last :class:`QuestionResult` of a check.
    """

    question_id: str
    kind: str
    mode: str
    controls: dict[Any, widgets.Widget]
    feedback: widgets.HTML
    status: widgets.HTML
    check_button: widgets.Button | None
    save_button: widgets.Button | None
    rules: widgets.HTML | None
    spec: dict[str, Any] | None
    public: dict[str, Any]
    sheet: Any
    last_result: QuestionResult | None

    def __repr__(self) -> str:
        return (
            f"QuestionBox(question_id={getattr(self, 'question_id', None)!r}, "
            f"kind={getattr(self, 'kind', None)!r}, mode={getattr(self, 'mode', None)!r})"
        )

    def answer(self) -> Any:
        """The current answer as JSON data (what graded mode saves)."""
        return self._read()

    def check(self) -> QuestionResult:
        """Score the current answer against the lesson's key and show the feedback."""
        if self.spec is None:
            raise RuntimeError("a graded question is scored by the grader, not in the notebook")
        result = score_answer(self.question_id, self.spec, self._read())
        self.last_result = result
        self.feedback.value = result_html(result)
        return result

    def save(self) -> bool:
        """Save the current answer to the sheet (graded mode); ``True`` if written."""
        if self.sheet is None:
            raise RuntimeError("a lesson question has no answers file")
        value = self._read()
        complete, message = completeness(self.kind, value, self.public)
        try:
            saved = self.sheet.save(self.question_id, self.kind, value, complete)
        except (OSError, ValueError) as error:
            self.feedback.value = message_html(f"Your answer could not be saved: {error}", "problem")
            self._refresh_status()
            return False
        if saved:
            self.feedback.value = message_html(f"Saved. {message}", "info")
        else:
            self.feedback.value = message_html(
                "Not saved: the notebook is being graded, so the saved answers are read, not changed.", "info"
            )
        self._refresh_status()
        return saved

    def _refresh_status(self) -> None:
        problem = getattr(self.sheet, "status_message", None) if self.sheet is not None else None
        self.status.value = message_html(problem, "problem") if problem else ""

    # set by _assemble
    _read: Callable[[], Any]


# --------------------------------------------------------------------------- pure helpers


def move_item(order: Sequence[str], item: str, delta: int) -> list[str]:
    """``order`` with ``item`` moved ``delta`` places (negative: up), kept within bounds.

    >>> move_item(["a", "b", "c"], "c", -1)
    ['a', 'c', 'b']
    >>> move_item(["a", "b", "c"], "a", -1)
    ['a', 'b', 'c']
    """
    result = list(order)
    if item not in result:
        return result
    index = result.index(item)
    target = builtins.max(0, builtins.min(len(result) - 1, index + delta))
    result.insert(target, result.pop(index))
    return result


def start_order(items: Sequence[str], *, seed: object = None, avoid: Sequence[str] | None = None) -> list[str]:
    """The order an ordering question starts from: ``items`` as given, or shuffled
    deterministically with ``seed``; never equal to ``avoid`` (the correct order)
    when there are two or more items.

    >>> start_order(["a", "b", "c"])
    ['a', 'b', 'c']
    >>> start_order(["a", "b", "c"], seed="q1") == start_order(["a", "b", "c"], seed="q1")
    True
    >>> start_order(["a", "b", "c"], avoid=["a", "b", "c"]) != ["a", "b", "c"]
    True
    """
    order = list(items)
    if seed is not None:
        random.Random(str(seed)).shuffle(order)
    if avoid is not None and len(order) > 1 and order == list(avoid):
        random.Random(f"{seed}:{'|'.join(order)}").shuffle(order)
        if order == list(avoid):
            order = order[1:] + order[:1]
    return order


def _texts(values: object, what: str, minimum: int = 1) -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{what} must be a list of texts")
    values = list(values)
    if len(values) < minimum:
        raise ValueError(f"give at least {minimum} {what}")
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"every entry of {what} must be non-empty text, got {value!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat an entry")
    return values


def _mode(question_id: str, sheet: Any, key_args: Mapping[str, Any], key_names: str) -> str:
    if not isinstance(question_id, str) or not question_id.strip():
        raise ValueError("question_id must be non-empty text")
    given = [name for name, value in key_args.items() if value is not None]
    if sheet is not None:
        if given:
            raise ValueError(
                f"{question_id}: a graded question (sheet=...) must not carry its answer key in the notebook; "
                f"remove {', '.join(n + '=' for n in given)} and put the key in the key file under solutions/."
            )
        if not (callable(getattr(sheet, "get", None)) and callable(getattr(sheet, "save", None))):
            raise TypeError("sheet must be an AnswerSheet (from mlteam_utils.answers)")
        return GRADED
    if not given or given == ["explanations"] or given == ["explanation"]:
        raise ValueError(
            f"{question_id}: give the answer key ({key_names}) for a lesson question, "
            "or sheet=AnswerSheet(...) for a graded one."
        )
    return LESSON


def _prompt_html(question_id: str, prompt: str) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"{question_id}: the prompt must be non-empty text")
    return (
        '<div class="mlteam-question-prompt" style="line-height: 1.5; margin: 0.5em 0 0.25em 0;">'
        f'<strong>{html.escape(prompt)}</strong> <span style="opacity: 0.75;">(question {html.escape(question_id)})</span>'
        "</div>"
    )


def _assemble(
    *,
    question_id: str,
    kind: str,
    prompt: str,
    mode: str,
    body: list[widgets.Widget],
    controls: dict[Any, widgets.Widget],
    read: Callable[[], Any],
    write: Callable[[Any], bool],
    watch: Sequence[widgets.Widget],
    public: dict[str, Any],
    spec: dict[str, Any] | None,
    sheet: Any,
    with_save_button: bool = False,
    on_change: Callable[[], None] | None = None,
    rules: widgets.HTML | None = None,
) -> QuestionBox:
    if spec is not None:
        validate_spec(spec)
    feedback = widgets.HTML("")
    status = widgets.HTML("")
    check_button = save_button = None
    buttons: list[widgets.Widget] = []
    if mode == LESSON:
        check_button = widgets.Button(
            description="Check", icon="check", tooltip="Check your answer and see why each part is right or not"
        )
        buttons.append(check_button)
    elif with_save_button:
        save_button = widgets.Button(
            description="Save this answer", icon="save", tooltip="Save the answer shown, even if you did not change it"
        )
        buttons.append(save_button)

    children: list[widgets.Widget] = [widgets.HTML(_prompt_html(question_id, prompt)), *body]
    if rules is not None:
        children.append(rules)
    if buttons:
        children.append(widgets.HBox(buttons))
    children += [feedback, status]
    box = QuestionBox(children=children, layout=widgets.Layout(margin="0 0 1em 0"))
    box.add_class("mlteam-question")
    box.question_id, box.kind, box.mode = question_id, kind, mode
    box.controls, box.feedback, box.status = controls, feedback, status
    box.check_button, box.save_button, box.rules = check_button, save_button, rules
    box.spec = spec
    box.public = {"kind": kind, **public}
    box.sheet = sheet if mode == GRADED else None
    box.last_result = None
    box._read = read

    if mode == GRADED:
        entry = sheet.get(question_id)
        restored = False
        if isinstance(entry, Mapping):
            if entry.get("kind") != kind:
                feedback.value = message_html(
                    "A saved answer for this question belongs to another kind of question, so it was not restored.",
                    "problem",
                )
            elif value_problem(kind, entry.get("value"), box.public) is not None or not write(entry.get("value")):
                feedback.value = message_html(
                    "Your saved answer no longer fits this question, so it was not restored.", "problem"
                )
            else:
                restored = True
        if restored:
            _, message = completeness(kind, read(), box.public)
            feedback.value = message_html(f"Restored your saved answer. {message}", "info")
        elif not feedback.value:
            how = " as soon as you change it, or press “Save this answer”" if with_save_button else " as soon as you answer"
            feedback.value = message_html(f"Not answered yet. Your answer is saved{how}.", "info")
        box._refresh_status()
    if on_change is not None:
        on_change()

    def changed(_change: Any = None) -> None:
        if on_change is not None:
            on_change()
        if mode == GRADED:
            box.save()
        elif box.last_result is not None:
            box.last_result = None
            feedback.value = message_html("You changed your answer: press Check again.", "info")

    for control in watch:
        control.observe(changed, names="value")
    if check_button is not None:
        check_button.on_click(lambda _button: box.check())
    if save_button is not None:
        save_button.on_click(lambda _button: box.save())
    box._changed = changed  # used by builders whose change is not a single trait
    return box


# --------------------------------------------------------------------------- builders


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
    options = _texts(options, "options", minimum=2)
    mode = _mode(question_id, sheet, {"correct": correct, "explanations": explanations}, "correct=")
    spec = None
    if mode == LESSON:
        spec = {"kind": "single_choice", "prompt": prompt, "options": options, "correct": correct,
                "explanations": dict(explanations or {})}
    radio = widgets.RadioButtons(
        options=options, value=None, description="Your answer:", style=_WIDE, layout=widgets.Layout(width="auto")
    )

    def write(value: Any) -> bool:
        radio.value = value
        return True

    return _assemble(
        question_id=question_id, kind="single_choice", prompt=prompt, mode=mode, body=[radio],
        controls={"answer": radio}, read=lambda: radio.value, write=write, watch=[radio],
        public={"options": options}, spec=spec, sheet=sheet,
    )


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
    options = _texts(options, "options", minimum=2)
    mode = _mode(question_id, sheet, {"correct": correct, "explanations": explanations}, "correct=[...]")
    spec = None
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

    return _assemble(
        question_id=question_id, kind="multiple_choice", prompt=prompt, mode=mode,
        body=[widgets.VBox(list(boxes.values()))], controls=dict(boxes),
        read=lambda: [option for option in options if boxes[option].value], write=write,
        watch=list(boxes.values()), public={"options": options}, spec=spec, sheet=sheet,
    )


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
    items = _texts(items, "items")
    categories = _texts(categories, "categories", minimum=2)
    mode = _mode(question_id, sheet, {"key": key, "explanations": explanations}, "key={item: category}")
    spec = None
    if mode == LESSON:
        spec = {"kind": "matching", "prompt": prompt, "items": items, "categories": categories,
                "key": dict(key or {}), "explanations": dict(explanations or {})}
    dropdowns: dict[str, widgets.Dropdown] = {}
    rows = []
    for number, item in enumerate(items, start=1):
        dropdown = widgets.Dropdown(
            options=[(BLANK, "")] + [(category, category) for category in categories],
            value="",
            description=f"Item {number}:",
            tooltip=item,
            style=_WIDE,
            layout=widgets.Layout(width="auto", min_width="14em"),
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

    return _assemble(
        question_id=question_id, kind="matching", prompt=prompt, mode=mode, body=[widgets.VBox(rows)],
        controls=dict(dropdowns), read=read, write=write, watch=list(dropdowns.values()),
        public={"items": items, "categories": categories}, spec=spec, sheet=sheet,
    )


def ordering(
    question_id: str,
    prompt: str,
    items: Sequence[str],
    *,
    correct_order: Sequence[str] | None = None,
    explanations: Mapping[str, str] | None = None,
    sheet: Any = None,
    seed: object = None,
    method: str = "pairs",
) -> QuestionBox:
    """Put items in order with the keyboard: select one, then *Move up* / *Move down*.

    The question starts from ``items`` as given (in graded mode, list them in the
    order learners should first see, never the correct one), or from a shuffle
    seeded with ``seed``. In lesson mode a start order equal to ``correct_order``
    is reshuffled deterministically. In graded mode, *Save this answer* keeps an
    order the learner agrees with without moving anything.

    >>> box = ordering("q0", "Order", ["Build", "Plan", "Ship"], correct_order=["Plan", "Build", "Ship"])
    >>> box.controls["order"].value = "Plan"
    >>> box.move_up_button.click()
    >>> box.answer(), box.check().correct
    (['Plan', 'Build', 'Ship'], True)
    """
    items = _texts(items, "items", minimum=2)
    mode = _mode(question_id, sheet, {"correct_order": correct_order, "explanations": explanations},
                 "correct_order=[...]")
    spec = None
    avoid = None
    if mode == LESSON:
        key_order = _texts(correct_order, "correct_order", minimum=2)
        if set(key_order) != set(items):
            raise ValueError(f"{question_id}: correct_order must list exactly the same items as items")
        spec = {"kind": "ordering", "prompt": prompt, "items": key_order, "method": method,
                "explanations": dict(explanations or {})}
        avoid = key_order
    order = start_order(items, seed=seed, avoid=avoid)
    select = widgets.Select(
        options=order, value=order[0], rows=builtins.min(len(order), 12), description="Order:",
        style=_WIDE, layout=widgets.Layout(width="auto", min_width="24em"),
    )
    up = widgets.Button(description="Move up", icon="arrow-up", tooltip="Move the selected item one place up")
    down = widgets.Button(description="Move down", icon="arrow-down", tooltip="Move the selected item one place down")
    hint = widgets.HTML(
        '<div style="opacity: 0.8;">Select an item (arrow keys or click), then press Move up or Move down.</div>'
    )

    def read() -> list[str]:
        return list(select.options)

    def write(value: Any) -> bool:
        chosen = select.value if select.value in value else value[0]
        select.options = list(value)
        select.value = chosen
        return True

    box = _assemble(
        question_id=question_id, kind="ordering", prompt=prompt, mode=mode,
        body=[hint, widgets.HBox([select, widgets.VBox([up, down])])], controls={"order": select},
        read=read, write=write, watch=[], public={"items": sorted(items, key=str.casefold)}, spec=spec,
        sheet=sheet, with_save_button=True,
    )

    def move(delta: int) -> None:
        item = select.value
        new_order = move_item(select.options, item, delta)
        if new_order == list(select.options):
            return
        select.options = new_order
        select.value = item
        box._changed()

    up.on_click(lambda _button: move(-1))
    down.on_click(lambda _button: move(+1))
    box.move_up_button, box.move_down_button = up, down
    return box


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
    activities = _texts(activities, "activities")
    roles = _texts(roles, "roles", minimum=2)
    mode = _mode(
        question_id, sheet,
        {"accountable": accountable, "responsible": responsible, "explanations": explanations},
        "accountable= and responsible=",
    )
    spec = None
    if mode == LESSON:
        spec = {"kind": "raci", "prompt": prompt, "activities": activities, "roles": roles,
                "accountable": dict(accountable or {}), "responsible": dict(responsible or {}),
                "explanations": dict(explanations or {})}
        if overload_threshold is not None:
            spec["overload_threshold"] = overload_threshold
    threshold = default_overload_threshold(len(activities)) if overload_threshold is None else overload_threshold
    cells: dict[tuple[str, str], widgets.Dropdown] = {}
    rows: list[widgets.Widget] = [widgets.HTML(f'<div style="opacity: 0.85;">{html.escape(RACI_LEGEND)}</div>')]
    for activity in activities:
        row_cells = []
        for role in roles:
            dropdown = widgets.Dropdown(
                options=[(BLANK, "")] + [(letter, letter) for letter in RACI_LETTERS],
                value="",
                description=f"{role}:",
                tooltip=f"{activity}: {role}",
                style=_WIDE,
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
        grid = read()
        problems = raci_problems(grid, activities, roles, threshold, skip_blank_rows=True)
        filled = all(any(grid[activity].values()) for activity in activities)
        if problems:
            rules.value = "".join(message_html(problem, "problem") for problem in problems)
        elif filled:
            rules.value = message_html("Every activity has exactly one A and at least one R.", "right")
        else:
            rules.value = message_html("Rule checks appear here as you fill in the chart.", "info")

    return _assemble(
        question_id=question_id, kind="raci", prompt=prompt, mode=mode, body=rows, controls=dict(cells),
        read=read, write=write, watch=list(cells.values()),
        public={"activities": activities, "roles": roles}, spec=spec, sheet=sheet,
        on_change=update_rules, rules=rules,
    )


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
    """A number: a slider and a text box that stay in step (``start`` defaults to ``min``).

    Lesson mode needs ``target``; ``tolerance`` (full credit within, default 0) and
    ``zero_beyond`` (no credit from this far away, default three tolerances or a
    tenth of the range) are distances from the target.

    >>> box = numeric_estimate("q0", "How many weeks?", min=0, max=20, step=1, unit="weeks",
    ...                        target=8, tolerance=1, zero_beyond=4)
    >>> box.controls["text"].value = 10
    >>> box.controls["slider"].value, box.check().fraction
    (10.0, 0.666667)
    """
    low, high = float(min), float(max)
    if not low < high or step <= 0:
        raise ValueError(f"{question_id}: need min < max and a positive step")
    if not isinstance(unit, str):
        raise TypeError("unit must be text")
    mode = _mode(question_id, sheet, {"target": target, "tolerance": tolerance, "zero_beyond": zero_beyond,
                                      "explanation": explanation}, "target=")
    spec = None
    if mode == LESSON:
        tol = float(tolerance or 0.0)
        beyond = float(zero_beyond) if zero_beyond is not None else (3 * tol if tol > 0 else (high - low) / 10)
        spec = {"kind": "numeric", "prompt": prompt, "target": target, "tolerance": tol,
                "zero_beyond": builtins.max(beyond, tol), "unit": unit, "explanation": explanation or ""}
    initial = low if start is None else float(start)
    slider = widgets.FloatSlider(
        value=initial, min=low, max=high, step=step, description="Estimate:", continuous_update=False,
        readout=False, style=_WIDE, layout=widgets.Layout(width="60%", min_width="16em"),
    )
    text = widgets.BoundedFloatText(
        value=initial, min=low, max=high, step=step, description="Exact value:", style=_WIDE,
        layout=widgets.Layout(width="auto"),
    )
    widgets.link((slider, "value"), (text, "value"))
    unit_label = widgets.HTML(html.escape(unit))

    def write(value: Any) -> bool:
        number = float(value)
        if not low <= number <= high:
            return False
        slider.value = number
        return True

    return _assemble(
        question_id=question_id, kind="numeric", prompt=prompt, mode=mode,
        body=[widgets.HBox([slider, text, unit_label], layout=widgets.Layout(align_items="center",
                                                                               flex_flow="row wrap"))],
        controls={"slider": slider, "text": text}, read=lambda: float(slider.value), write=write, watch=[slider],
        public={"unit": unit}, spec=spec, sheet=sheet, with_save_button=True,
    )
