"""Code questions graded outside the learner's kernel: the keys, the test runner, its sandbox.

The end-to-end path (real nbgrader, every exercise's solution, half-right and blank
fixtures) is in test_grading_roundtrip.py; the interpreter tricks that used to pass
a blank answer are in the corpus (tests/corpus/, group "interpreter").
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from conftest import require_optional
from course_helpers import REPO_ROOT
from mlteam_utils.grading.answer_values import encode_values
from mlteam_utils.grading.code_questions import bound_names, hand_over_source
from mlteam_utils.grading.code_tests import CodeTest, CodeTestJob, run_job, run_tests
from mlteam_utils.grading.keys import load_key

EXERCISES = sorted(p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir())


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.mark.parametrize("assignment", EXERCISES)
def test_every_code_test_is_declared_with_values_the_solution_defines(assignment: str) -> None:
    notebook = nbformat.read(REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    key = load_key(REPO_ROOT / "solutions" / assignment / f"{assignment}.key.json")
    assert key.code is not None, f"{assignment}: the key has no code section"
    code_tests = [
        _grade_id(c) for c in notebook.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade") and _grade_id(c) not in key.questions
    ]
    assert sorted(code_tests) == sorted(key.code.tests), "every code test cell, and only those, is declared"
    solution_names = set().union(*(bound_names(c.source) for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")))
    for grade_id, names in key.code.tests.items():
        assert set(names) <= solution_names, f"{grade_id} takes values the solution does not define: {set(names) - solution_names}"
    cells = {_grade_id(c): c for c in notebook.cells}
    for grade_id in key.code.setup:
        nbgrader = cells[grade_id].metadata["nbgrader"]
        assert nbgrader.get("locked") and not nbgrader.get("grade") and not nbgrader.get("solution"), grade_id


def _values(**values: object) -> str:
    return encode_values(values, list(values))


def test_a_test_fails_on_a_value_the_learner_never_defined_not_on_a_stale_one() -> None:
    job = CodeTestJob(setup=[], tests=[
        CodeTest("first", "assert answer == 1", ("answer",), _values(answer=1)),
        # Partly answered: the missing name is gone, not left over from the first test.
        CodeTest("second", "assert answer == 1", ("answer", "other"), encode_values({"other": 2}, ["answer", "other"])),
        # Not attempted at all (an optional question left as released): 0, whatever the test's code says.
        CodeTest("third", "pass", ("answer", "other"), encode_values({}, ["answer", "other"])),
    ])
    results = run_job(job).results
    assert [r.passed for r in results] == [True, False, False]
    assert results[1].message.startswith("NameError")
    assert results[2].message.startswith("NotAttempted: this question was not attempted")


def test_unusable_values_and_missing_hand_overs_fail_with_a_reason() -> None:
    job = CodeTestJob(setup=[], tests=[
        CodeTest("function", "assert answer", ("answer",), encode_values({"answer": print}, ["answer"])),
        CodeTest("forged", "assert answer", ("answer",), json.dumps({"schema": "mlteam-values/1", "values": {"answer": {"__mlteam__": "callable"}}})),
        CodeTest("nothing", "assert True", ("answer",), None),
        CodeTest("too_big", "assert True", ("answer",), None, "the answer is too large to grade (over 2 MB)"),
    ])
    results = {r.grade_id: r for r in run_job(job).results}
    assert not any(r.passed for r in results.values())
    assert all(r.message.startswith("AnswerNotGradable:") for r in results.values()), results
    assert "too large" in results["too_big"].message


def test_a_test_that_never_ends_is_stopped() -> None:
    results = run_job(CodeTestJob(setup=[], tests=[CodeTest("loop", "while True:\n    pass", ("x",), _values(x=1))], timeout=0.5)).results
    assert not results[0].passed and "longer than" in results[0].message


def test_setup_errors_are_the_instructors_and_reported_as_such() -> None:
    outcome = run_job(CodeTestJob(setup=["raise ValueError('no data')"], tests=[CodeTest("t", "pass", ("x",), _values(x=1))]))
    assert outcome.results == [] and "setup cell 1 failed: ValueError: no data" in outcome.setup_error


def test_the_hand_over_line_names_only_the_declared_values() -> None:
    source = hand_over_source(["first_good_week", "no_usable_model"])
    call = ast.parse(source).body[0].value
    assert isinstance(call, ast.Call) and ast.literal_eval(call.args[1]) == ["first_good_week", "no_usable_model"]


def test_the_tests_run_in_a_fresh_sandboxed_interpreter(tmp_path: Path) -> None:
    """The runner sees no network and no course files, and starts from nothing the grader had."""
    from mlteam_utils.grading.code_questions import code_test_sandbox
    from mlteam_utils.grading.isolation import isolation_status

    status = isolation_status()
    require_optional(status.available, "grading isolation (bubblewrap)", "apt-get install bubblewrap; " + status.reason)
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "solutions" / "secret.txt").write_text("the key")
    probe = f"""
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    reached = True
except OSError:
    reached = False
try:
    open({str(course / "solutions" / "secret.txt")!r}).read()
    read = True
except OSError:
    read = False
assert not reached and not read, (reached, read)
assert "mlteam_utils.grading.widget_scores" not in sys.modules
assert answer == 42
"""
    outcome = run_tests(CodeTestJob(setup=[], tests=[CodeTest("probe", probe, ("answer",), _values(answer=42))]),
                        sandbox=code_test_sandbox(course))
    assert outcome.results[0].passed, outcome.results[0].message
