"""The box every question widget is built in, and what its builders share.

A kind's builder (in :mod:`mlteam_utils.questions.kinds`) makes the kind's
input widgets and hands them to :func:`assemble_question`, which wraps them in a
:class:`QuestionBox` wired for its mode (see :mod:`mlteam_utils.questions.widgets`).
The box judges answers through :mod:`mlteam_utils.questions.judging` with its
kind's object, so it imports no kind's module: the kinds sit below it.

>>> question_mode("q1", None, {"correct": "A"}, "correct=")
'lesson'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from mlteam_utils.questions.feedback import message_html, result_html
from mlteam_utils.questions.judging import completeness_of, kind_mismatch, normalize, score_normalized, value_problem_of
from mlteam_utils.questions.kinds.base import QuestionKind
from mlteam_utils.questions.kinds.registry import kind_named
from mlteam_utils.questions.results import QuestionResult
from mlteam_utils.theme import STYLE, WIDGET_CLASS, ReadableBeforeRun

__all__ = [
    "BLANK",
    "GRADED",
    "LESSON",
    "WIDE",
    "QuestionBox",
    "assemble_question",
    "checked_texts",
    "dropdown_width",
    "question_mode",
]

LESSON = "lesson"
GRADED = "graded"
#: The label of a dropdown's empty choice.
BLANK = "—"
#: A style that gives a control's description the room it needs.
WIDE = {"description_width": "initial"}


class QuestionBox(ReadableBeforeRun, widgets.VBox):
    """One question: a VBox holding the prompt, the controls and the feedback.

    Attributes (plain Python attributes, not widget traits):

    ``question_id``, ``kind`` (its name; ``question_kind``, its object), ``mode`` (``"lesson"`` or ``"graded"``);
    ``controls``: the input widgets by name (an option, an item, ``(activity, role)``,
    ``"answer"``, ``"order"``, ``"text"``); ``feedback``: an HTML widget
    with the check result (lesson) or the save status (graded); ``status``: an HTML
    widget with a problem about the answers file, if any; ``check_button`` (lesson)
    and ``save_button`` (graded ordering/numeric) or ``None``; ``rules``: the live
    RACI rule checks or ``None``; ``spec``: the lesson's key spec (``None`` in graded
    mode); ``public``: what the widget knows about the question; ``sheet``;
    ``last_result``: the last :class:`QuestionResult` of a check; ``on_checked``: called
    with each check's result (a lesson's knowledge check records it), or ``None``.
    """

    question_id: str
    kind: str
    question_kind: QuestionKind
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
    on_checked: Callable[[QuestionResult], object] | None = None
    before_run = "The question"

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
        kind = self.question_kind
        result = score_normalized(self.question_id, kind, normalize(kind, self.spec), self._read())
        self.last_result = result
        self.feedback.value = result_html(result)
        if self.on_checked is not None:
            self.on_checked(result)
        return result

    def save(self) -> bool:
        """Save the current answer to the sheet (graded mode); ``True`` if written."""
        if self.sheet is None:
            raise RuntimeError("a lesson question has no answers file")
        value = self._read()
        complete, message = completeness_of(self.question_kind, value, self.public)
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

    # set by assemble_question
    _read: Callable[[], Any]
    #: Call after a change that is not a single watched trait (an ordering's move): saves in graded mode.
    changed: Callable[[], None]


# --------------------------------------------------------------------------- shared by the builders


def checked_texts(values: object, what: str, minimum: int = 1) -> list[str]:
    """A builder's list argument as a list of distinct, non-empty texts (at least ``minimum``).

    >>> checked_texts(("Plan", "Build"), "items")
    ['Plan', 'Build']
    >>> checked_texts(["Plan", "Plan"], "items")
    Traceback (most recent call last):
    ...
    ValueError: items must not repeat an entry
    """
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


def dropdown_width(options: Sequence[str], label: str = "") -> str:
    """A CSS width for a drop-down that shows its longest option whole, next to its ``label``.

    ipywidgets lets a drop-down shrink until its text is cut off ("Business underst");
    this is the room the label and the longest option take, in ``em`` of the widget's font
    (about 0.6 em a character, plus the arrow and the padding).

    >>> dropdown_width(["Waterfall", "Business understanding"], "Item 1:")
    '21em'
    """
    longest = max((len(option) for option in options), default=0)
    return f"{round(0.6 * (longest + len(label)) + 4)}em"


def question_mode(question_id: str, sheet: Any, key_args: Mapping[str, Any], key_names: str) -> str:
    """:data:`LESSON` when the builder got the key (``key_args``), :data:`GRADED` when it got a sheet.

    Giving both, or neither, is a ``ValueError`` that says what to give (``key_names``).

    >>> question_mode("q1", None, {"correct": "A", "explanations": None}, "correct=")
    'lesson'
    >>> question_mode("q1", None, {"correct": None, "explanations": {"A": "Why."}}, "correct=")
    Traceback (most recent call last):
    ...
    ValueError: q1: give the answer key (correct=) for a lesson question, or sheet=AnswerSheet(...) for a graded one.
    """
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
    """The prompt as HTML, escaped. The question id is never shown: it names the box's CSS class instead.

    The course's stylesheet comes with it (a clear focus ring on *Check*, see :mod:`mlteam_utils.theme`).
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"{question_id}: the prompt must be non-empty text")
    return (
        '<div class="mlteam-question-prompt" style="line-height: 1.5; margin: 0.5em 0 0.25em 0;">'
        f"<strong>{html.escape(prompt)}</strong>"
        f"</div>{STYLE}"
    )


def assemble_question(
    *,
    question_id: str,
    kind: str | QuestionKind,
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
    """The :class:`QuestionBox` around a builder's controls, wired for its mode.

    A builder makes the kind's input widgets and passes them here with ``read``
    (the current answer as JSON data) and ``write`` (show a saved answer; ``False``
    if it does not fit). In lesson mode the box gets a *Check* button that scores
    against ``spec``; in graded mode it restores the saved answer from ``sheet``
    and saves every change of a ``watch``-ed widget (and ``box.changed()`` calls).
    ``on_change`` runs first on every change (e.g. live rule checks). ``kind`` is
    the kind's object or its registered name.
    """
    question_kind = kind if isinstance(kind, QuestionKind) else kind_named(kind)
    kind = question_kind.name
    if spec is not None:
        normalize(question_kind, spec)  # a spec the kind cannot score is the author's ValueError, here
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
    box.add_class(WIDGET_CLASS)
    # Found by tests and styles through its id, which a learner never reads.
    box.add_class(f"mlteam-q-{re.sub(r'[^A-Za-z0-9_-]', '-', question_id)}")
    box.question_id, box.kind, box.question_kind, box.mode = question_id, kind, question_kind, mode
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
            mismatch = kind_mismatch(entry.get("kind"), kind)
            if mismatch is not None:
                feedback.value = message_html(f"Your saved answer was not restored: {mismatch}.", "problem")
            elif value_problem_of(question_kind, entry.get("value"), box.public) is not None or not write(entry.get("value")):
                feedback.value = message_html(
                    "Your saved answer no longer fits this question, so it was not restored.", "problem"
                )
            else:
                restored = True
        if restored:
            _, message = completeness_of(question_kind, read(), box.public)
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
    box.changed = changed
    return box
