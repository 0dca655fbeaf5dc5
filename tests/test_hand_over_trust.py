"""The hand-over carries answers only: extra names from the kernel never change a grade.

A learner controls their kernel, so they control not only the values a test cell
hands over but which names arrive. The classic trick: compute a wrong answer on
doctored data, then make the hand-over also send the doctored data under the
setup's own names, so that a hidden test computes its "expected" values from it.

For every code question of every exercise, built from the real solutions and keys:

* a *wrong* answer is computed by the instructor's own solution on doctored setup
  data (every other row of each table or tuple the setup defines);
* the same answer handed over with extra names (the doctored data under the setup's
  names, builtins, the course's helpers, names with undecodable values, names
  marked missing or broken) must score exactly what it scores without them;
* the same payload with every name accepted (the old rule) shows the trick is real:
  it gains points, so this test would fail if the filter went away.

The real-nbgrader version of the same class, one submission per exercise in the
hostile corpus's batch, is in tests/corpus/ (group "hand-over").
"""

from __future__ import annotations

import ast
import builtins
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_helpers import REPO_ROOT
from mlteam_utils.grading.answer_values import encode_values
from mlteam_utils.grading.code_questions import bound_names, declared_setup_clashes
from mlteam_utils.grading.code_tests import CodeTest, CodeTestJob, CodeTestResult, run_job
from mlteam_utils.grading.keys import load_key

EXERCISES = sorted(p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir())


@dataclass(frozen=True)
class CodeQuestion:
    """One exercise's code question as the grader sees it: trusted setup, tests, declared names."""

    assignment: str
    setup: tuple[str, ...]
    tests: dict[str, str]  # grade id -> source, hidden tests included
    declared: dict[str, tuple[str, ...]]
    solution: tuple[str, ...]  # the instructor's solution cells, in order
    points: dict[str, float]


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@cache
def code_question(assignment: str) -> CodeQuestion:
    folder = REPO_ROOT / "solutions" / assignment
    notebook = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    key = load_key(folder / f"{assignment}.key.json")
    assert key.code is not None
    cells = {_grade_id(c): c for c in notebook.cells if _grade_id(c)}
    solution = tuple(
        c.source for c in notebook.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution") and _grade_id(c) not in key.questions
        and any(name in bound_names(c.source) for names in key.code.tests.values() for name in names)
    )
    return CodeQuestion(
        assignment=assignment,
        setup=tuple(cells[g].source for g in key.code.setup),
        tests={g: cells[g].source for g in key.code.tests},
        declared={g: tuple(names) for g, names in key.code.tests.items()},
        solution=solution,
        points={g: float(cells[g].metadata["nbgrader"].get("points", 0)) for g in key.code.tests},
    )


def _doctored(value: Any) -> Any:
    """Every other row of a table or tuple the setup defines: data a cheat could hand over as the setup's."""
    import pandas as pd

    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.iloc[::2].copy()
    if isinstance(value, (tuple, list)) and len(value) > 1 and not all(isinstance(v, str) for v in value):
        return type(value)(value[::2])
    return value


@cache
def doctored_run(assignment: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The namespace after the setup, doctored, and the instructor's solution ran on it; and the doctored names."""
    question = code_question(assignment)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for source in question.setup:
        exec(compile(source, "<setup>", "exec"), namespace)  # noqa: S102 -- the instructor's own cells
    doctored = []
    for name in sorted(set().union(*(bound_names(s) for s in question.setup))):
        if name in namespace and _doctored(namespace[name]) is not namespace[name]:
            namespace[name] = _doctored(namespace[name])
            doctored.append(name)
    for source in question.solution:
        exec(compile(source, "<solution>", "exec"), namespace)  # noqa: S102
    return namespace, tuple(doctored)


def _payload(namespace: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return json.loads(encode_values(namespace, names))


def _grade(question: CodeQuestion, payloads: dict[str, dict[str, Any]], *, accept_all: bool = False) -> list[CodeTestResult]:
    tests = []
    for grade_id, source in question.tests.items():
        payload = payloads[grade_id]
        names = tuple(sorted({*payload["values"], *payload["problems"], *map(str, payload["missing"])})) if accept_all else question.declared[grade_id]
        tests.append(CodeTest(grade_id, source, names, json.dumps(payload)))
    outcome = run_job(CodeTestJob(setup=list(question.setup), tests=tests))
    assert not outcome.setup_error, outcome.setup_error
    return outcome.results


def _points(question: CodeQuestion, results: list[CodeTestResult]) -> float:
    return sum(question.points[r.grade_id] for r in results if r.passed)


def _plain(question: CodeQuestion) -> dict[str, dict[str, Any]]:
    namespace, _ = doctored_run(question.assignment)
    return {g: _payload(namespace, list(names)) for g, names in question.declared.items()}


def _with_doctored_setup(question: CodeQuestion) -> dict[str, dict[str, Any]]:
    """The forum trick: the wrong answer plus the doctored setup data under the setup's names."""
    namespace, doctored = doctored_run(question.assignment)
    return {g: _payload(namespace, [*names, *doctored]) for g, names in question.declared.items()}


@pytest.mark.parametrize("assignment", EXERCISES)
def test_test_cells_need_only_the_setup_their_own_code_and_the_declared_values(assignment: str) -> None:
    """Each test runs in a namespace of its own, so no test may lean on another test's names."""
    question = code_question(assignment)
    assert question.solution, f"{assignment}: no solution cell defines the declared values"
    setup = set().union(*(bound_names(s) for s in question.setup))
    assert declared_setup_clashes(question.declared, question.setup) == {}, "a declared value shadows the setup's data"
    for grade_id, source in question.tests.items():
        tree = ast.parse(source)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        own = bound_names(source) | {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
        free = used - own - setup - set(dir(builtins)) - set(question.declared[grade_id])
        assert not free, f"{assignment} {grade_id} uses names nothing in its own namespace defines: {sorted(free)}"


@pytest.mark.parametrize("assignment", EXERCISES)
def test_the_doctored_answer_is_wrong_and_the_trick_would_have_paid(assignment: str) -> None:
    """The fixture is meaningful: the wrong answer loses points, and accepting every name
    the kernel sends (the old rule) hands those points back."""
    question = code_question(assignment)
    plain = _points(question, _grade(question, _plain(question)))
    full = sum(question.points.values())
    assert plain < full, f"{assignment}: the doctored answer is not wrong ({plain} of {full})"
    tricked_old_rule = _points(question, _grade(question, _with_doctored_setup(question), accept_all=True))
    _, doctored = doctored_run(assignment)
    read = {n.id for source in question.tests.values() for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    if read & set(doctored):
        assert tricked_old_rule > plain, f"{assignment}: sending the doctored data gains nothing even under the old rule"
    else:  # its tests reload their data (ex08): the trick never paid there
        assert tricked_old_rule == plain


@pytest.mark.parametrize("assignment", EXERCISES)
def test_the_forum_trick_scores_exactly_the_wrong_answer(assignment: str) -> None:
    question = code_question(assignment)
    honest = _grade(question, _plain(question))
    tricked = _grade(question, _with_doctored_setup(question))
    assert [(r.grade_id, r.passed, r.message, r.printed) for r in tricked] == [(r.grade_id, r.passed, r.message, r.printed) for r in honest]
    _, doctored = doctored_run(assignment)
    assert all(set(doctored) <= set(r.ignored) for r in tricked), "the dropped names are reported"


#: Names a cheat may try to shadow besides the setup's: builtins, the course's helpers, dunders.
SHADOWED = ["isinstance", "sorted", "len", "set", "int", "float", "AssertionError", "pd", "math", "re",
            "attempted", "load_dataset", "__builtins__", "__name__", "__import__", "expected", "fresh"]
_UNDECODABLE = {"$t": "function"}


def _extras(assignment: str) -> st.SearchStrategy[dict[str, Any]]:
    question = code_question(assignment)
    namespace, _ = doctored_run(assignment)
    setup_names = sorted(n for n in set().union(*(bound_names(s) for s in question.setup)) if n in namespace)
    # What a forged payload may carry besides the declared values: doctored setup data,
    # plain data under any name, values the decoder refuses, and missing/broken markers.
    doctored_nodes = {n: _payload(namespace, [n])["values"].get(n) for n in setup_names}
    data = st.one_of(st.integers(-10, 10), st.text(max_size=8), st.lists(st.integers(0, 5), max_size=4), st.just(_UNDECODABLE))
    names = st.one_of(st.sampled_from(setup_names + SHADOWED), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True))
    return st.fixed_dictionaries({
        "setup": st.lists(st.sampled_from(setup_names), unique=True),
        "values": st.dictionaries(names, data, max_size=6),
        "missing": st.lists(names, max_size=4),
        "problems": st.dictionaries(names, st.text(min_size=1, max_size=10), max_size=3),
    }).map(lambda e: {**e, "setup": {n: doctored_nodes[n] for n in e["setup"] if doctored_nodes[n] is not None}})


@pytest.mark.parametrize("assignment", EXERCISES)
def test_no_extra_names_change_a_grade(assignment: str) -> None:
    """Property: whatever extra names arrive, and whatever they hold, the results are the
    wrong answer's own, test by test (and so are the right answer's, for the solution)."""
    question = code_question(assignment)
    honest = [(r.grade_id, r.passed, r.message, r.printed) for r in _grade(question, _plain(question))]
    declared = set().union(*question.declared.values())

    @settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(_extras(assignment))
    def check(extras: dict[str, Any]) -> None:
        payloads = {}
        for grade_id, payload in _plain(question).items():
            forged = json.loads(json.dumps(payload))
            extra_values = {n: v for n, v in {**extras["values"], **extras["setup"]}.items() if n not in declared}
            forged["values"].update(extra_values)
            forged["missing"] += [n for n in extras["missing"] if n not in declared]
            forged["problems"].update({n: p for n, p in extras["problems"].items() if n not in declared})
            payloads[grade_id] = forged
        tricked = [(r.grade_id, r.passed, r.message, r.printed) for r in _grade(question, payloads)]
        assert tricked == honest

    check()
