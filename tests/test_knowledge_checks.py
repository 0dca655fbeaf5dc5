"""The lessons' knowledge checks: stored as data, never shown in a cell above the question."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from mlteam_utils.questions import validate_spec
from mlteam_utils.questions.knowledge_checks import (
    BUILDERS,
    KnowledgeCheckError,
    all_checks,
    check_spec,
    knowledge_check,
)
from mlteam_utils.syllabus import load_syllabus

ROOT = Path(__file__).resolve().parent.parent
MODULES = load_syllabus().available_modules
#: Arguments that carry a question's answer or its explanations.
KEY_ARGUMENTS = {"correct", "correct_order", "key", "accountable", "responsible", "target", "tolerance",
                 "zero_beyond", "explanations", "explanation"}


def lesson_calls(notebook: nbformat.NotebookNode) -> list[tuple[int, ast.Call]]:
    """Every top-level call in the lesson's code cells, with its cell index."""
    calls = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                calls.append((index, node))
    return calls


@pytest.fixture(params=MODULES, ids=[m.lesson_name for m in MODULES])
def lesson(request: pytest.FixtureRequest) -> tuple[str, nbformat.NotebookNode]:
    return request.param.lesson_path.stem, nbformat.read(ROOT / request.param.lesson_path, as_version=4)


def test_no_lesson_cell_carries_a_key_or_an_explanation(lesson) -> None:
    name, notebook = lesson
    for index, call in lesson_calls(notebook):
        assert call.func.id not in BUILDERS, f"{name} cell {index}: build checks with knowledge_check(id), not {call.func.id}(...)"
        given = {keyword.arg for keyword in call.keywords} & KEY_ARGUMENTS
        assert not given, f"{name} cell {index}: {call.func.id}(...) shows {sorted(given)} above the question"


def test_every_check_a_lesson_calls_is_its_own_and_each_is_used_once(lesson) -> None:
    name, notebook = lesson
    called = [ast.literal_eval(call.args[0]) for _, call in lesson_calls(notebook) if call.func.id == "knowledge_check"]
    assert len(called) >= 4, f"{name} builds fewer than four checks"
    assert len(called) == len(set(called)), f"{name} builds a check twice"
    stored = [check_id for check_id, entry in all_checks().items() if entry["lesson"] == name]
    assert sorted(called) == sorted(stored), f"{name}: the lesson and knowledge_checks/{name}.json disagree"


def test_every_stored_check_builds_a_lesson_question_with_a_valid_key() -> None:
    lessons = {m.lesson_path.stem for m in MODULES}
    assert {entry["lesson"] for entry in all_checks().values()} == lessons
    for check_id in all_checks():
        box = knowledge_check(check_id)
        assert box.mode == "lesson" and box.spec is not None
        validate_spec(box.spec)
        # Nothing the browser holds before Check names the key: only the kind and what is shown.
        assert not set(box.public) & KEY_ARGUMENTS, check_id


def test_the_key_reaches_the_screen_only_after_check() -> None:
    box = knowledge_check("kc_uncertainty")
    correct = check_spec("kc_uncertainty")["correct"]
    explanation = check_spec("kc_uncertainty")["explanations"][correct]
    assert explanation not in box.feedback.value
    box.controls["answer"].value = correct
    assert explanation not in box.feedback.value, "choosing an answer does not reveal anything yet"
    box.check_button.click()
    assert "Right" in box.feedback.value and explanation.removeprefix("Right: ") in box.feedback.value


def test_a_missing_or_malformed_check_says_which(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KnowledgeCheckError, match="no knowledge check 'kc_nope'"):
        knowledge_check("kc_nope")
    # A data file with an unknown builder is refused with its name.
    folder = tmp_path / "mlteam_utils" / "data" / "knowledge_checks"
    folder.mkdir(parents=True)
    (folder / "01_x.json").write_text(json.dumps({"schema": "mlteam-knowledge-checks/1", "checks": {"kc_a": {"builder": "essay"}}}))

    import importlib.resources

    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path / package)
    all_checks.cache_clear()
    try:
        with pytest.raises(KnowledgeCheckError, match="01_x.json: kc_a names no known builder: 'essay'"):
            all_checks()
    finally:
        monkeypatch.undo()
        all_checks.cache_clear()
