"""The answers file (mlteam_utils.answers): saving, restoring, strict reading, backups, locking."""

from __future__ import annotations

import fnmatch
import json
import multiprocessing
import os
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest

import mlteam_utils.answers as answers_module
from mlteam_utils.answers import (
    ANSWERS_SCHEMA,
    ANSWERS_SIDE_FILES_GLOB,
    MAX_ANSWERS_FILE_BYTES,
    AnswersFileError,
    AnswersFileMissing,
    AnswerSheet,
    check_answered,
    lock_filename,
    read_answers_file,
)
from mlteam_utils.grading.settings import answers_filename

NB = "ex99_demo"
FILE = answers_filename(NB)


@pytest.fixture(autouse=True)
def not_grading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def document(answers: dict | None = None, notebook: str = NB) -> dict:
    return {"schema": ANSWERS_SCHEMA, "notebook": notebook, "answers": answers or {}}


def entry(value: object = "x", kind: str = "single_choice", complete: bool = True) -> dict:
    return {"kind": kind, "value": value, "complete": complete, "saved_at": "2026-11-20T10:00:00+00:00"}


def write(path: Path, content: object) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    """Files other than the answers file and its lock (temp files, backups...)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in {FILE, lock_filename(NB)})


# --------------------------------------------------------------------------- round trip


def test_round_trip_and_file_format(tmp_path: Path) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    assert sheet.path == tmp_path / FILE and sheet.get("q1") is None and sheet.status_message is None
    assert sheet.save("q1", "matching", {"Sprint review": "Agile"}, False) is True
    assert sheet.save("q2", "numeric", 78.5, True) is True
    assert sheet.save("q1", "matching", {"Sprint review": "Agile", "Sign-off": "Waterfall"}, True) is True

    raw = json.loads((tmp_path / FILE).read_text(encoding="utf-8"))
    assert raw["schema"] == "mlteam-answers/1" and raw["notebook"] == NB
    assert set(raw["answers"]) == {"q1", "q2"}
    q1 = raw["answers"]["q1"]
    assert q1["kind"] == "matching" and q1["complete"] is True
    assert q1["value"] == {"Sprint review": "Agile", "Sign-off": "Waterfall"}
    saved_at = datetime.fromisoformat(q1["saved_at"])
    assert saved_at.utcoffset() is not None and saved_at.utcoffset().total_seconds() == 0

    assert read_answers_file(tmp_path / FILE, notebook=NB) == raw["answers"]
    assert sheet.get("q2")["value"] == 78.5


def test_restore_after_recreating_the_sheet(tmp_path: Path) -> None:
    AnswerSheet(NB, tmp_path).save("q1", "ordering", ["b", "a"], True)
    again = AnswerSheet(NB, tmp_path)
    assert again.get("q1")["value"] == ["b", "a"]
    assert again.status_message is None


def test_default_directory_is_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sheet = AnswerSheet(f"{NB}.ipynb")  # a notebook file name works too
    assert sheet.notebook == NB and sheet.path == tmp_path / FILE


@pytest.mark.parametrize("name", ["", "../ex01", "sub/ex01", "..", "a\\b"])
def test_notebook_names_cannot_escape_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        AnswerSheet(name, tmp_path)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("", "numeric", 1, True), ValueError),
        (("q", "essay", "text", True), ValueError),
        (("q", "numeric", float("nan"), True), ValueError),
        (("q", "numeric", 1, "yes"), ValueError),
        (("q", "single_choice", object(), True), ValueError),
        (("q", "matching", {1: "x"}, True), ValueError),
    ],
)
def test_save_rejects_programming_errors(tmp_path: Path, args: tuple, error: type) -> None:
    with pytest.raises(error):
        AnswerSheet(NB, tmp_path).save(*args)
    assert not (tmp_path / FILE).exists()


# --------------------------------------------------------------------------- atomic write


def test_write_is_atomic_and_world_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replaced: list[tuple[str, str]] = []
    synced: list[int] = []
    real_replace, real_fsync = os.replace, os.fsync

    def spy_replace(src: str, dst: str) -> None:
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    def spy_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(answers_module.os, "replace", spy_replace)
    monkeypatch.setattr(answers_module.os, "fsync", spy_fsync)
    old_umask = os.umask(0o077)
    try:
        AnswerSheet(NB, tmp_path).save("q1", "numeric", 3, True)
    finally:
        os.umask(old_umask)
    assert len(replaced) == 1
    source, target = map(Path, replaced[0])
    assert source.parent == tmp_path and target == tmp_path / FILE and source.name != FILE
    assert synced, "the temporary file must be fsynced before the rename"
    assert stat.S_IMODE(os.stat(tmp_path / FILE).st_mode) == 0o644
    assert leftovers(tmp_path) == []


def test_failed_write_keeps_the_old_file_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    sheet.save("q1", "numeric", 1, True)
    before = (tmp_path / FILE).read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(answers_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        sheet.save("q2", "numeric", 2, True)
    assert (tmp_path / FILE).read_bytes() == before
    assert leftovers(tmp_path) == []


def test_lock_file_is_hidden_and_gitignored_pattern(tmp_path: Path) -> None:
    AnswerSheet(NB, tmp_path).save("q1", "numeric", 1, True)
    lock = tmp_path / lock_filename(NB)
    assert lock.exists() and lock.name.startswith(".") and lock.name.startswith(f".{FILE}.")


def test_side_files_match_one_glob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lock, temporary and backup files all match ANSWERS_SIDE_FILES_GLOB; the answers file does not."""
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(answers_module.os, "replace", spy)
    write(tmp_path / FILE, b"garbage")
    AnswerSheet(NB, tmp_path).save("q1", "numeric", 1, True)
    names = seen + [p.name for p in tmp_path.iterdir() if p.name != FILE]
    assert len(names) == 3  # temp file, lock file, backup
    assert all(fnmatch.fnmatch(name, ANSWERS_SIDE_FILES_GLOB) for name in names), names
    assert not fnmatch.fnmatch(FILE, ANSWERS_SIDE_FILES_GLOB)


# --------------------------------------------------------------------------- grading


def test_nothing_is_written_while_nbgrader_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    sheet = AnswerSheet(NB, tmp_path)
    assert sheet.save("q1", "numeric", 1, True) is False
    assert list(tmp_path.iterdir()) == []


def test_grading_reads_but_never_moves_a_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / FILE, "{broken")
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    sheet = AnswerSheet(NB, tmp_path)
    assert sheet.status_message is not None
    assert sheet.save("q1", "numeric", 1, True) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE]
    assert (tmp_path / FILE).read_text() == "{broken"


def test_saved_answers_are_restored_under_grading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    AnswerSheet(NB, tmp_path).save("q1", "numeric", 7, True)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert AnswerSheet(NB, tmp_path).get("q1")["value"] == 7


# --------------------------------------------------------------------------- strict reading


def _valid() -> dict:
    return document({"q1": entry()})


BAD_FILES = {
    "empty": (b"", "is empty"),
    "blank": (b"  \n", "is empty"),
    "garbled": (b'{"schema": "mlteam-answers/1", "answers": {', "is not valid JSON (line 1)"),
    "binary": (b"\xff\xfe\x00garbage", "is not a text file"),
    "top level list": ([1, 2], "should hold one JSON object"),
    "wrong schema": ({**_valid(), "schema": "mlteam-answers/0"}, "its schema is 'mlteam-answers/0'"),
    "no schema": ({"notebook": NB, "answers": {}}, "its schema is missing"),
    "no notebook": ({"schema": ANSWERS_SCHEMA, "answers": {}}, "does not say which notebook"),
    "answers not object": ({**_valid(), "answers": []}, "'answers' should be an object"),
    "entry not object": (document({"q1": "x"}), "the answer to 'q1' is not an object"),
    "entry lacks kind": (document({"q1": {"value": 1, "complete": True}}), "has no 'kind'"),
    "entry lacks value": (document({"q1": {"kind": "numeric", "complete": True}}), "has no 'value'"),
    "entry lacks complete": (document({"q1": {"kind": "numeric", "value": 1}}), "has no 'complete'"),
    "unknown kind": (document({"q1": entry(kind="essay")}), "unknown kind 'essay'"),
    "kind not text": (document({"q1": {**entry(), "kind": 3}}), "'kind' that is not text"),
    "complete not bool": (document({"q1": {**entry(), "complete": 1}}), "'complete' that is not true or false"),
    "saved_at not text": (document({"q1": {**entry(), "saved_at": 5}}), "'saved_at' that is not text"),
    "duplicate key": (
        b'{"schema": "mlteam-answers/1", "notebook": "ex99_demo", "answers": {}, "answers": {}}',
        "appears twice",
    ),
    "NaN": (
        b'{"schema": "mlteam-answers/1", "notebook": "ex99_demo", "answers": {"q": '
        b'{"kind": "numeric", "value": NaN, "complete": true}}}',
        "NaN is not allowed",
    ),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "another notebook": (document({"q1": entry()}, notebook="ex01_other"), "is from another notebook ('ex01_other')"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_give_a_clear_error_naming_the_file(tmp_path: Path, case: str) -> None:
    content, words = BAD_FILES[case]
    path = write(tmp_path / FILE, content)
    with pytest.raises(AnswersFileError) as info:
        read_answers_file(path, notebook=NB)
    message = str(info.value)
    assert message.startswith(f"The answers file {FILE} ")
    assert words in message
    assert len(message) < 400 and "\n" not in message
    assert info.value.path == path
    assert not isinstance(info.value, AnswersFileMissing)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AnswersFileMissing, match=f"There is no answers file {FILE} yet") as info:
        read_answers_file(tmp_path / FILE)
    assert isinstance(info.value, AnswersFileError) and isinstance(info.value, ValueError)


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path / FILE, b"\xef\xbb\xbf" + json.dumps(_valid()).encode())
    assert set(read_answers_file(path)) == {"q1"}


def test_notebook_check_is_optional(tmp_path: Path) -> None:
    path = write(tmp_path / FILE, document({"q1": entry()}, notebook="ex01_other"))
    assert set(read_answers_file(path)) == {"q1"}


def test_huge_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / FILE
    with open(path, "wb") as handle:  # sparse: 1 GB without using the disk
        handle.truncate(1024**3)
    reads: list[int] = []
    monkeypatch.setattr(answers_module.os, "read", lambda fd, n: reads.append(n) or b"")
    with pytest.raises(AnswersFileError, match="is too large .* the limit is 256 KB"):
        read_answers_file(path)
    assert reads == []


def test_reads_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / FILE, _valid())
    real_read = os.read
    reads: list[int] = []

    def spy(fd: int, n: int) -> bytes:
        reads.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(answers_module.os, "read", spy)
    read_answers_file(path)
    assert reads and max(reads) <= MAX_ANSWERS_FILE_BYTES + 1


def test_file_just_over_the_cap(tmp_path: Path) -> None:
    padding = "x" * MAX_ANSWERS_FILE_BYTES
    path = write(tmp_path / FILE, document({"q1": entry(padding)}))
    with pytest.raises(AnswersFileError, match="too large"):
        read_answers_file(path)


def test_symlink_is_refused_and_never_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = write(elsewhere / "real.json", _valid())
    before = target.read_bytes()
    link = tmp_path / FILE
    link.symlink_to(target)
    with pytest.raises(AnswersFileError, match="is a link to another file"):
        read_answers_file(link, notebook=NB)

    sheet = AnswerSheet(NB, tmp_path)
    assert "is a link" in (sheet.status_message or "")
    sheet.save("q9", "numeric", 1, True)
    assert target.read_bytes() == before, "saving must not write through the link"
    assert not (tmp_path / FILE).is_symlink()
    assert set(read_answers_file(tmp_path / FILE)) == {"q9"}
    backups = [p for p in tmp_path.iterdir() if ".bad-" in p.name]
    assert len(backups) == 1 and backups[0].is_symlink()


def test_folder_and_fifo_are_refused(tmp_path: Path) -> None:
    (tmp_path / FILE).mkdir()
    with pytest.raises(AnswersFileError, match="not a regular file"):
        read_answers_file(tmp_path / FILE)
    other = tmp_path / "fifo"
    other.mkdir()
    os.mkfifo(other / FILE)
    with pytest.raises(AnswersFileError, match="not a regular file"):
        read_answers_file(other / FILE)  # must not block


# --------------------------------------------------------------------------- backups


def test_bad_file_is_backed_up_before_the_first_save_and_never_overwritten(tmp_path: Path) -> None:
    original = b'{"schema": "mlteam-answers/1", "answers": {"q1": '
    write(tmp_path / FILE, original)
    sheet = AnswerSheet(NB, tmp_path)
    message = sheet.status_message or ""
    assert "could not be restored" in message and "is not valid JSON" in message and FILE in message
    assert sheet.get("q1") is None
    assert (tmp_path / FILE).read_bytes() == original, "nothing changes before the learner saves"

    sheet.save("q2", "numeric", 5, True)
    backups = sorted(p for p in tmp_path.iterdir() if ".bad-" in p.name)
    assert len(backups) == 1
    assert backups[0].name.startswith(f"{FILE}.bad-")
    assert backups[0].read_bytes() == original
    assert backups[0].name in (sheet.status_message or "")
    assert str(tmp_path) in (sheet.status_message or "")
    assert set(read_answers_file(tmp_path / FILE, notebook=NB)) == {"q2"}

    # later saves leave the backup alone
    sheet.save("q3", "numeric", 6, True)
    assert backups[0].read_bytes() == original

    # a second garbled file, in the same second, gets its own backup
    write(tmp_path / FILE, b"garbage two")
    AnswerSheet(NB, tmp_path).save("q4", "numeric", 7, True)
    backups = sorted(p for p in tmp_path.iterdir() if ".bad-" in p.name)
    assert len(backups) == 2
    assert {p.read_bytes() for p in backups} == {original, b"garbage two"}


def test_file_from_another_notebook_is_backed_up(tmp_path: Path) -> None:
    foreign = write(tmp_path / FILE, document({"q1": entry("theirs")}, notebook="ex01_other")).read_bytes()
    sheet = AnswerSheet(NB, tmp_path)
    assert "from another notebook" in (sheet.status_message or "")
    assert sheet.get("q1") is None
    sheet.save("q2", "numeric", 1, True)
    (backup,) = [p for p in tmp_path.iterdir() if ".bad-" in p.name]
    assert backup.read_bytes() == foreign
    assert set(read_answers_file(tmp_path / FILE, notebook=NB)) == {"q2"}


def test_well_formed_answers_are_salvaged_from_a_bad_file(tmp_path: Path) -> None:
    write(tmp_path / FILE, document({"good": entry("kept"), "bad": {"kind": "essay", "value": 1, "complete": True}}))
    sheet = AnswerSheet(NB, tmp_path)
    sheet.save("new", "numeric", 1, True)
    answers = read_answers_file(tmp_path / FILE, notebook=NB)
    assert answers["good"]["value"] == "kept" and "bad" not in answers and "new" in answers
    assert "1 readable answer was copied" in (sheet.status_message or "")


def test_file_damaged_after_the_sheet_was_made_is_backed_up_too(tmp_path: Path) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    sheet.save("q1", "numeric", 1, True)
    write(tmp_path / FILE, b"\x00\x01")
    sheet.save("q2", "numeric", 2, True)
    assert len([p for p in tmp_path.iterdir() if ".bad-" in p.name]) == 1
    assert set(read_answers_file(tmp_path / FILE)) == {"q2"}


# --------------------------------------------------------------------------- concurrency


def test_threads_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    threads_count, per_thread = 8, 25
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            sheet = AnswerSheet(NB, tmp_path)  # each widget may hold its own sheet
            barrier.wait()
            for i in range(per_thread):
                sheet.save(f"t{number}_q{i}", "numeric", i, True)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    answers = read_answers_file(tmp_path / FILE, notebook=NB)
    assert len(answers) == threads_count * per_thread
    assert leftovers(tmp_path) == []


def _save_many(folder: str, prefix: str, count: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    sheet = AnswerSheet(NB, folder)
    for i in range(count):
        sheet.save(f"{prefix}_q{i}", "numeric", i, True)


def test_processes_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [
        context.Process(target=_save_many, args=(str(tmp_path), f"p{n}", 30, start)) for n in range(3)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    answers = read_answers_file(tmp_path / FILE, notebook=NB)
    assert len(answers) == 90
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- check_answered


def test_check_answered_confirms_on_stdout_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    sheet.save("q1_x", "numeric", 1, True)
    sheet.save("q2_y", "numeric", 2, True)
    check_answered(NB, "q1_x", directory=tmp_path)
    check_answered(NB, "q1_x", "q2_y", directory=tmp_path)
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "✔ Question 1: answered and saved; scored when your exercise is graded.",
        "✔ Question 1 and question 2: answered and saved; scored when your exercise is graded.",
    ]


@pytest.fixture
def under_nbgrader(monkeypatch: pytest.MonkeyPatch) -> None:
    """As nbgrader's own runs (Validate, autograde): NBGRADER_EXECUTION is set."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")


def test_check_answered_lists_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = AnswerSheet(NB, tmp_path)
    sheet.save("q1_x", "matching", {"a": "X"}, False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")  # after saving: under nbgrader the sheet writes nothing
    with pytest.raises(AssertionError) as info:
        check_answered(NB, "q1_x", "q2_y", "q3_z", directory=tmp_path)
    message = str(info.value)
    assert "Question 2 and question 3 are not answered yet." in message
    assert "Question 1: started but not finished" in message
    assert "q2_y" not in message and "q1_x" not in message, "a learner never sees a question id"
    assert capsys.readouterr() == ("", "")


def test_check_answered_without_a_file(tmp_path: Path, under_nbgrader: None) -> None:
    with pytest.raises(AssertionError, match="Question 1 is not answered yet"):
        check_answered(NB, "q1_x", directory=tmp_path)


def test_in_the_learners_own_kernel_an_unanswered_question_is_a_calm_note(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    AnswerSheet(NB, tmp_path).save("q1_x", "numeric", 1, True)
    check_answered(NB, "q1_x", "q2_y", directory=tmp_path)  # raises nothing
    out, err = capsys.readouterr()
    assert out.startswith("○ Question 2 is not answered yet.") and err == ""


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"{oops", "is not valid JSON"), (document({"q1": entry()}, notebook="ex01_other"), "from another notebook")],
)
def test_check_answered_with_a_bad_file(tmp_path: Path, content: object, words: str, under_nbgrader: None) -> None:
    write(tmp_path / FILE, content)
    with pytest.raises(AssertionError) as info:
        check_answered(NB, "q1", directory=tmp_path)
    assert words in str(info.value) and FILE in str(info.value)


def test_check_answered_needs_a_question(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        check_answered(NB, directory=tmp_path)


def test_an_unanswered_check_shows_one_calm_line_in_a_real_kernel(tmp_path: Path) -> None:
    """What a learner sees under a check cell on a fresh Run All: a plain note, no error box, no
    traceback; under Validate (NBGRADER_EXECUTION set) the same words fail the cell, still one line."""
    import nbformat
    from nbclient import NotebookClient

    source = f"from mlteam_utils.answers import check_answered\ncheck_answered({NB!r}, 'q1_loops', 'q2_roles')"
    learner = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(learner, timeout=120, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    # A note in the notebook's own style (HTML), not a box of program output; its plain text says the same.
    (note,) = learner.cells[0].outputs
    assert note.output_type == "display_data", note
    assert note.data["text/plain"].startswith("○ Question 1 and question 2 are not answered yet.")
    assert 'class="mlteam-note"' in note.data["text/html"] and "Question 1 and question 2 are not answered yet." in note.data["text/html"]
    assert "q1_loops" not in note.data["text/html"] and "#" not in note.data["text/html"], "no id, no fixed colour"

    validate = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nos.environ['NBGRADER_EXECUTION'] = 'validate'\n" + source)])
    NotebookClient(validate, timeout=120, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    (error,) = [output for output in validate.cells[0].outputs if output.output_type == "error"]
    assert error.ename == "NotAnsweredYet"
    assert len(error.traceback) == 1, error.traceback
    (line,) = error.traceback
    assert line.startswith("Question 1 and question 2 are not answered yet")
    assert "q1_loops" not in line and "answers.py" not in line and "Traceback" not in line and "\x1b" not in line
    assert not any(o.output_type == "display_data" for o in validate.cells[0].outputs), "under nbgrader: the failure alone"
