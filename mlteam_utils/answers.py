"""A learner's widget answers, saved in a JSON file beside the notebook.

nbgrader re-executes a notebook to grade it, so whatever a widget holds is lost.
In graded mode a widget therefore saves each answer, as the learner gives it, to
``<notebook>.answers.json`` in the notebook's folder; the grader reads that file
*as submitted* (:func:`read_answers_file`) and scores it in its own process.

The file looks like this::

    {"schema": "mlteam-answers/1",
     "notebook": "ex01_how_ml_projects_differ",
     "answers": {"q3_portfolio_chance": {"kind": "numeric",
                                         "value": 78,
                                         "complete": true,
                                         "saved_at": "2026-11-20T10:00:00+00:00"}}}

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> sheet = AnswerSheet("ex00_demo", folder)
>>> sheet.save("q1", "single_choice", "Data engineer", True)
True
>>> sheet.get("q1")["value"]
'Data engineer'
>>> sorted(read_answers_file(sheet.path, notebook="ex00_demo"))
['q1']
>>> check_answered("ex00_demo", "q1", directory=folder)
✔ Question 1: answered and saved; scored when your exercise is graded.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import sys
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlteam_utils.atomic_files import temporary_glob, write_atomically
from mlteam_utils.naming import ANSWERS_SIDE_FILES_GLOB, answers_filename
from mlteam_utils.notes import show_note
from mlteam_utils.questions.scoring import KINDS

try:  # POSIX; on Windows only the in-process lock applies
    import fcntl
except ImportError:  # pragma: no cover - exercised only on Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ANSWERS_SCHEMA",
    "ANSWERS_SIDE_FILES_GLOB",
    "MAX_WRITTEN_CHARS",
    "MAX_ANSWERS_FILE_BYTES",
    "AnswerSheet",
    "AnswersFileError",
    "AnswersFileMissing",
    "WRITTEN",
    "backup_filename",
    "check_answered",
    "grading_in_progress",
    "lock_filename",
    "read_answers_file",
]

ANSWERS_SCHEMA = "mlteam-answers/1"
MAX_ANSWERS_FILE_BYTES = 256 * 1024
GRADING_ENV_VARIABLE = "NBGRADER_EXECUTION"
LOCK_SUFFIX = ".answers.json.lock"
BACKUP_MARKER = ".bad-"

_ENTRY_KEYS = ("kind", "value", "complete")
#: The kind of a written answer (a text box, graded by a person): saved like the widget answers.
WRITTEN = "written"
#: The longest written answer kept, in characters (a few paragraphs; the file stays small).
MAX_WRITTEN_CHARS = 6000


def _answer_kinds() -> tuple[str, ...]:
    return (*KINDS, WRITTEN)


class AnswersFileError(ValueError):
    """The answers file cannot be used; the message is meant for the learner.

    ``path`` is the file concerned (``None`` if unknown).
    """

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class AnswersFileMissing(AnswersFileError):
    """There is no answers file yet: nothing has been saved for this notebook."""


def grading_in_progress() -> bool:
    """True while nbgrader executes the notebook (it sets ``NBGRADER_EXECUTION``).

    >>> import os
    >>> grading_in_progress() == (GRADING_ENV_VARIABLE in os.environ)
    True
    """
    return GRADING_ENV_VARIABLE in os.environ


def lock_filename(notebook: str) -> str:
    """Name of the hidden lock file that serialises saves to one answers file.

    It matches ``*.answers.json.*``, which ``.gitignore`` already covers.

    >>> lock_filename("ex01_demo")
    '.ex01_demo.answers.json.lock'
    """
    return f".{_notebook_stem(notebook)}{LOCK_SUFFIX}"


def backup_filename(notebook: str, when: datetime | None = None) -> str:
    """Name under which an unusable answers file is kept (``<name>.bad-<UTC time>``).

    >>> backup_filename("ex01_demo", datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    'ex01_demo.answers.json.bad-20261120T100000Z'
    """
    when = when or datetime.now(UTC)
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{answers_filename(_notebook_stem(notebook))}{BACKUP_MARKER}{stamp}"


def _notebook_stem(notebook: str) -> str:
    if not isinstance(notebook, str):
        raise TypeError(f"the notebook name must be text, not {type(notebook).__name__}")
    stem = notebook[: -len(".ipynb")] if notebook.endswith(".ipynb") else notebook
    if not stem or stem in {".", ".."} or any(sep in stem for sep in ("/", "\\", "\0")):
        raise ValueError(f"{notebook!r} is not a notebook name (give the file name without folder, e.g. 'ex01_demo')")
    return stem


# --------------------------------------------------------------------------- reading


def _read_capped_bytes(path: Path) -> bytes:
    """Read a regular, non-link file of at most MAX_ANSWERS_FILE_BYTES, or raise AnswersFileError."""
    name = path.name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise AnswersFileMissing(
            f"There is no answers file {name} yet: no answer has been saved for this notebook.", path
        ) from None
    except OSError as error:
        raise AnswersFileError(f"The answers file {name} could not be read ({error.strerror or error}).", path) from None
    if stat.S_ISLNK(info.st_mode):
        raise AnswersFileError(
            f"The answers file {name} is a link to another file, not a file of its own, so it was not read.", path
        )
    if not stat.S_ISREG(info.st_mode):
        raise AnswersFileError(
            f"The answers file {name} is not a regular file (it is a folder or a special file), so it was not read.",
            path,
        )
    _check_size(info.st_size, path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise AnswersFileMissing(
            f"There is no answers file {name} yet: no answer has been saved for this notebook.", path
        ) from None
    except OSError as error:  # e.g. ELOOP: swapped for a link after lstat
        raise AnswersFileError(f"The answers file {name} could not be read ({error.strerror or error}).", path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise AnswersFileError(f"The answers file {name} is not a regular file, so it was not read.", path)
        _check_size(info.st_size, path)
        chunks: list[bytes] = []
        remaining = MAX_ANSWERS_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise AnswersFileError(f"The answers file {name} could not be read ({error.strerror or error}).", path) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    _check_size(len(data), path)
    if not data.strip():
        raise AnswersFileError(f"The answers file {name} is empty: it holds no answers.", path)
    return data


def _check_size(size: int, path: Path) -> None:
    if size > MAX_ANSWERS_FILE_BYTES:
        raise AnswersFileError(
            f"The answers file {path.name} is too large ({size // 1024} KB; the limit is "
            f"{MAX_ANSWERS_FILE_BYTES // 1024} KB), so it was not read.",
            path,
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def _parse_json(data: bytes, path: Path) -> Any:
    name = path.name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise AnswersFileError(f"The answers file {name} is not a text file (it is not valid UTF-8).", path) from None
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_object)
    except json.JSONDecodeError as error:
        raise AnswersFileError(
            f"The answers file {name} is not valid JSON (line {error.lineno}): {error.msg}.", path
        ) from None
    except RecursionError:
        raise AnswersFileError(f"The answers file {name} is not valid: it is nested too deeply.", path) from None
    except ValueError as error:  # duplicate keys, NaN/Infinity, over-long integers
        raise AnswersFileError(f"The answers file {name} is not valid JSON: {error}.", path) from None


def _entry_problem(question_id: str, entry: Any) -> str | None:
    """Why one saved answer is malformed, or None."""
    label = f"the answer to {question_id[:80]!r}"
    if not question_id:
        return "an answer has an empty question name"
    if not isinstance(entry, dict):
        return f"{label} is not an object"
    for key in _ENTRY_KEYS:
        if key not in entry:
            return f"{label} has no {key!r}"
    kind = entry["kind"]
    if not isinstance(kind, str):
        return f"{label} has a 'kind' that is not text"
    if kind not in _answer_kinds():
        return f"{label} has an unknown kind {kind[:40]!r}"
    if kind == WRITTEN and (not isinstance(entry["value"], str) or len(entry["value"]) > MAX_WRITTEN_CHARS):
        return f"{label} is not text of at most {MAX_WRITTEN_CHARS} characters"
    if not isinstance(entry["complete"], bool):
        return f"{label} has a 'complete' that is not true or false"
    if "saved_at" in entry and not isinstance(entry["saved_at"], str):
        return f"{label} has a 'saved_at' that is not text"
    return None


def _check_document(document: Any, path: Path, notebook: str | None) -> dict[str, dict]:
    name = path.name

    def bad(detail: str) -> AnswersFileError:
        return AnswersFileError(f"The answers file {name} is not in the expected format: {detail}.", path)

    if not isinstance(document, dict):
        raise bad("it should hold one JSON object with 'schema', 'notebook' and 'answers'")
    schema = document.get("schema")
    if schema != ANSWERS_SCHEMA:
        shown = repr(schema)[:60] if schema is not None else "missing"
        raise bad(f"its schema is {shown}, expected {ANSWERS_SCHEMA!r}")
    saved_notebook = document.get("notebook")
    if not isinstance(saved_notebook, str):
        raise bad("it does not say which notebook it belongs to")
    answers = document.get("answers")
    if not isinstance(answers, dict):
        raise bad("'answers' should be an object that maps each question to its answer")
    for question_id, entry in answers.items():
        problem = _entry_problem(question_id, entry)
        if problem:
            raise bad(problem)
    if notebook is not None and saved_notebook != _notebook_stem(notebook):
        raise AnswersFileError(
            f"The answers file {name} is from another notebook ({saved_notebook[:80]!r}), "
            f"not from {_notebook_stem(notebook)!r}, so its answers were not used.",
            path,
        )
    return {question_id: dict(entry) for question_id, entry in answers.items()}


def read_answers_file(path: Path | str, *, notebook: str | None = None) -> dict[str, dict]:
    """Read an answers file strictly and return its ``answers`` mapping.

    This is what the grader calls on the file as submitted. It never follows a
    link, never reads more than :data:`MAX_ANSWERS_FILE_BYTES` (+1) bytes, and
    raises :class:`AnswersFileError` (:class:`AnswersFileMissing` if there is no
    file) with a sentence a learner can act on. With ``notebook`` given, a file
    saved by another notebook is refused too.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "ex00_demo.answers.json"
    >>> _ = path.write_text('{"schema": "mlteam-answers/1", "notebook": "ex00_demo", "answers": {}}')
    >>> read_answers_file(path, notebook="ex00_demo")
    {}
    >>> read_answers_file(path, notebook="ex02_other")
    Traceback (most recent call last):
    ...
    mlteam_utils.answers.AnswersFileError: The answers file ex00_demo.answers.json is from another notebook ('ex00_demo'), not from 'ex02_other', so its answers were not used.
    >>> _ = path.write_text("{oops")
    >>> read_answers_file(path)
    Traceback (most recent call last):
    ...
    mlteam_utils.answers.AnswersFileError: The answers file ex00_demo.answers.json is not valid JSON (line 1): Expecting property name enclosed in double quotes.
    """
    path = Path(path)
    return _check_document(_parse_json(_read_capped_bytes(path), path), path, notebook)


def _salvage(path: Path, notebook: str) -> dict[str, dict]:
    """Well-formed answers of ``notebook`` inside a file the strict reader refused."""
    try:
        document = json.loads(_read_capped_bytes(path).decode("utf-8").removeprefix("\ufeff"))
    except (AnswersFileError, ValueError, RecursionError):
        return {}
    if not isinstance(document, dict) or document.get("notebook") != notebook:
        return {}
    answers = document.get("answers")
    if not isinstance(answers, dict):
        return {}
    return {qid: dict(entry) for qid, entry in answers.items() if _entry_problem(qid, entry) is None}


# --------------------------------------------------------------------------- writing

_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(key: str) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(key, threading.Lock())


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _json_ready(value: Any, depth: int = 0) -> None:
    """Raise ValueError unless ``value`` is plain JSON data (no NaN, no odd types)."""
    if depth > 20:
        raise ValueError("the answer is nested too deeply")
    if value is None or isinstance(value, (bool, str, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("the answer is not a finite number")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _json_ready(item, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("answer keys must be text")
            _json_ready(item, depth + 1)
        return
    raise ValueError(f"an answer cannot hold a {type(value).__name__}")


class AnswerSheet:
    """The answers file of one notebook, as the widgets in that notebook use it.

    ``directory`` defaults to the current working directory, which in JupyterLab,
    VS Code and nbgrader is the notebook's own folder. Every :meth:`save` re-reads
    the file under a lock (a thread lock plus ``flock`` on a hidden lock file),
    updates one question and replaces the file atomically, so widgets or kernels
    saving at the same time lose nothing. Nothing is written while nbgrader runs
    the notebook (``NBGRADER_EXECUTION`` is set).

    A file that cannot be used (garbled, from another notebook, a link...) is
    never overwritten: before the first new save it is renamed to
    ``<name>.bad-<time>``, and :attr:`status_message` tells the learner where it went.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "ex00_demo.answers.json").write_text("not json")
    >>> sheet = AnswerSheet("ex00_demo", folder)
    >>> print(sheet.status_message)  # doctest: +ELLIPSIS
    Your saved answers could not be restored. The answers file ex00_demo.answers.json is not valid JSON ...
    >>> sheet.save("q1", "numeric", 42, True)
    True
    >>> "kept as ex00_demo.answers.json.bad-" in sheet.status_message
    True
    >>> sheet.get("q1")["value"]
    42
    """

    def __init__(self, notebook: str, directory: str | Path | None = None) -> None:
        self.notebook = _notebook_stem(notebook)
        self.directory = Path(directory) if directory is not None else Path.cwd()
        self._problem: AnswersFileError | None = None
        self._backup: Path | None = None
        self._backup_reason = ""
        self._salvaged = 0
        self._load()

    def __repr__(self) -> str:
        return f"AnswerSheet({self.notebook!r}, {str(self.directory)!r})"

    @property
    def path(self) -> Path:
        """The answers file: ``<directory>/<notebook>.answers.json``."""
        return self.directory / answers_filename(self.notebook)

    @property
    def lock_path(self) -> Path:
        """The hidden lock file beside the answers file."""
        return self.directory / lock_filename(self.notebook)

    @property
    def backup_path(self) -> Path | None:
        """Where this sheet moved an unusable answers file, if it did."""
        return self._backup

    @property
    def status_message(self) -> str | None:
        """A problem with the answers file to show the learner, or ``None``."""
        if self._problem is not None:
            return (
                f"Your saved answers could not be restored. {self._problem} "
                f"When you next answer a question, that file will be kept as a backup "
                f"({self.path.name}{BACKUP_MARKER}<time>) and a new one started."
            )
        if self._backup is not None:
            recovered = (
                f" {self._salvaged} readable answer{'s were' if self._salvaged != 1 else ' was'} copied into the new file."
                if self._salvaged
                else ""
            )
            return (
                f"Your earlier answers file could not be used, so it was kept as {self._backup.name} in "
                f"{self._backup.parent} and a new {self.path.name} was started.{recovered} "
                f"(The problem: {self._backup_reason})"
            )
        return None

    def _load(self) -> dict[str, dict]:
        """The answers on disk; an unusable file counts as no answers and sets the problem."""
        try:
            answers = read_answers_file(self.path, notebook=self.notebook)
        except AnswersFileMissing:
            self._problem = None
            return {}
        except AnswersFileError as error:
            self._problem = error
            return {}
        self._problem = None
        return answers

    def answers(self) -> dict[str, dict]:
        """All answers on disk (a copy); empty if the file is missing or unusable."""
        return self._load()

    def get(self, question_id: str) -> dict | None:
        """The saved entry for ``question_id`` (``kind``, ``value``, ``complete``, ``saved_at``), or ``None``."""
        return self._load().get(question_id)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with _thread_lock(str(self.lock_path.absolute())):
            if fcntl is None:  # pragma: no cover
                yield
                return
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(self.lock_path, flags, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def _move_aside(self, reason: AnswersFileError) -> None:
        """Rename the unusable file to a fresh ``.bad-<time>`` name (never overwriting one)."""
        base = self.directory / backup_filename(self.notebook)
        target, counter = base, 1
        while os.path.lexists(target):
            counter += 1
            target = base.with_name(f"{base.name}-{counter}")
        os.rename(self.path, target)
        self._backup = target
        self._backup_reason = str(reason)

    def save(self, question_id: str, kind: str, value: Any, complete: bool) -> bool:
        """Save one answer; return ``False`` (writing nothing) while nbgrader grades.

        Raises ``ValueError`` for an unknown kind or a value that is not plain JSON
        data, and ``OSError`` if the folder cannot be written.
        """
        if not isinstance(question_id, str) or not question_id:
            raise ValueError("question_id must be non-empty text")
        if kind not in _answer_kinds():
            raise ValueError(f"unknown question kind {kind!r}; expected one of {', '.join(_answer_kinds())}")
        if kind == WRITTEN and (not isinstance(value, str) or len(value) > MAX_WRITTEN_CHARS):
            raise ValueError(f"a written answer is text of at most {MAX_WRITTEN_CHARS} characters")
        if not isinstance(complete, bool):
            raise ValueError("complete must be True or False")
        _json_ready(value)
        if grading_in_progress():
            return False
        entry = {"kind": kind, "value": value, "complete": complete, "saved_at": _utc_now()}
        with self._locked():
            answers = self._load()
            if self._problem is not None and os.path.lexists(self.path):
                salvaged = _salvage(self.path, self.notebook)
                self._move_aside(self._problem)
                self._salvaged = len(salvaged)
                answers = salvaged
                self._problem = None
            answers[question_id] = entry
            document = {"schema": ANSWERS_SCHEMA, "notebook": self.notebook, "answers": answers}
            data = (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
            if len(data) > MAX_ANSWERS_FILE_BYTES:
                raise ValueError(
                    f"the answers would not fit in {self.path.name} ({MAX_ANSWERS_FILE_BYTES // 1024} KB at most)"
                )
            self._write_atomically(data)
        return True

    def _remove_stale_temporaries(self) -> None:
        """Delete temporary files left by a writer that was killed mid-save.

        Called under the file lock, which every writer holds while its temporary
        file exists, so any such file found here belongs to a dead writer. Without
        this, each kernel killed mid-save would leave one more hidden file behind.
        """
        if fcntl is None:  # pragma: no cover - without flock another process may be mid-save
            return
        for leftover in self.directory.glob(temporary_glob(self.path)):
            with contextlib.suppress(OSError):
                if leftover.is_file() and not leftover.is_symlink():
                    leftover.unlink()

    def _write_atomically(self, data: bytes) -> None:
        self._remove_stale_temporaries()
        # durable: a learner's answers cannot be made again, so a power cut must not lose them.
        write_atomically(self.path, data, durable=True)


# --------------------------------------------------------------------------- checking


def _join(names: list[str]) -> str:
    return ", ".join(names)


def question_name(question_id: str) -> str:
    """How a person says a question's id: ``q1_crisp_dm_loops`` is "question 1".

    >>> question_name("q1_crisp_dm_loops"), question_name("kc_uncertainty")
    ('question 1', 'this question')
    """
    match = re.match(r"q(\d+)(_|$)", question_id)
    return f"question {int(match.group(1))}" if match else "this question"


def _questions(question_ids: list[str]) -> str:
    names = list(dict.fromkeys(question_name(q) for q in question_ids))
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


class NotAnsweredYet(AssertionError):
    """A check cell's failure for a question still to answer: shown as one calm line, no traceback.

    Still an ``AssertionError``, so nbgrader's Validate lists the question as missing.
    IPython shows the lines of ``_render_traceback_`` instead of a traceback: the
    learner sees what to do, never this package's code.

    >>> NotAnsweredYet("Question 1 is not answered yet.")._render_traceback_()
    ['Question 1 is not answered yet.']
    """

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def _not_answered(message: str) -> None:
    """Say what is still to answer: a calm note in the learner's own run; a failure in nbgrader's.

    Under ``nbgrader validate`` (and autograde) ``NBGRADER_EXECUTION`` is set, and the
    check fails, so Validate names the question still to answer. In the learner's own
    kernel an unanswered question is not an error: it gets a plain note, not a red box.
    """
    if os.environ.get(GRADING_ENV_VARIABLE):
        raise NotAnsweredYet(message) from None
    show_note(message, "todo")  # prose in the notebook's own style, not a box of program output


def check_answered(notebook: str, *question_ids: str, directory: str | Path | None = None) -> None:
    """Check that each question has a complete saved answer (for locked test cells).

    In the learner's own kernel it shows a calm note naming what is still to
    answer (rich output in the notebook's style, :func:`mlteam_utils.notes.show_note`);
    under nbgrader (``NBGRADER_EXECUTION`` set, as Validate does) it raises
    ``AssertionError`` with that message instead, so Validate lists the question.
    Once everything is answered it shows a one-line confirmation (printed to
    standard output under nbgrader, never standard error, which nbgrader would
    score as a failure). It does not score anything: the grader does that from the file.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_answered("ex00_demo", "q1_loops", directory=folder)
    ○ Question 1 is not answered yet. Answer it in the widget above (run the cells above first if you do not see it); your answers are saved as you go.
    """
    # IPython skips frames marked like this: a learner sees their cell and the message,
    # not this function's source.
    __tracebackhide__ = True  # noqa: F841
    if not question_ids:
        raise ValueError("name at least one question to check")
    stem = _notebook_stem(notebook)
    folder = Path(directory) if directory is not None else Path.cwd()
    path = folder / answers_filename(stem)
    try:
        answers = read_answers_file(path, notebook=stem)
    except AnswersFileMissing:
        which = _questions(list(question_ids))
        _not_answered(
            f"{which[0].upper()}{which[1:]} {'is' if len(question_ids) == 1 else 'are'} not answered yet. "
            f"Answer {'it' if len(question_ids) == 1 else 'them'} in the widget above (run the cells above first if you do not see it); "
            "your answers are saved as you go."
        )
        return
    except AnswersFileError as error:
        _not_answered(
            f"{error} Run the question cells above again and re-enter your answers: "
            "a fresh answers file is started and the old one is kept as a backup."
        )
        return
    missing = [qid for qid in question_ids if qid not in answers]
    incomplete = [qid for qid in question_ids if qid in answers and not answers[qid]["complete"]]
    if missing or incomplete:
        parts = []
        if missing:
            which = _questions(missing)
            parts.append(f"{which[0].upper()}{which[1:]} {'is' if len(missing) == 1 else 'are'} not answered yet.")
        if incomplete:
            which = _questions(incomplete)
            parts.append(f"{which[0].upper()}{which[1:]}: started but not finished (answer every part of the question).")
        _not_answered(" ".join(parts) + " Answer in the widget above; your answers are saved as you go.")
        return
    show_note(f"{_questions(list(question_ids)).capitalize()}: answered and saved; scored when your exercise is graded.", "done")


def attempted(*names: str, question: str = "This question") -> bool:
    """Whether the learner tried an optional code question: any of ``names`` is defined.

    The check cells of a code question start with ``if attempted("name", ...):``.
    A learner who does not code leaves the question's cell as it is; the check
    then prints one calm line and fails nothing, so Run All goes on and Validate
    passes. The question scores 0: at grading time (``NBGRADER_EXECUTION`` is
    ``autograde``) this always returns True, so the checks run on what the learner
    handed over and fail on a missing name (the grader also refuses a skipped
    question before any check runs).

    >>> answer = 3
    >>> attempted("answer")
    True
    >>> attempted("no_such_name", question="Question 4")
    ℹ Question 4 is optional and not attempted: nothing to check. It scores 0 points; the other questions do not depend on it.
    False
    """
    __tracebackhide__ = True  # noqa: F841
    if not names:
        raise ValueError("name at least one variable the question asks for")
    if os.environ.get(GRADING_ENV_VARIABLE) == "autograde":
        return True
    caller = sys._getframe(1).f_globals  # the notebook's namespace: the names a learner's cell defines
    if any(name in caller for name in names):
        return True
    show_note(f"{question} is optional and not attempted: nothing to check. It scores 0 points; the other questions do not depend on it.")
    return False
