"""Grade code questions outside the learner's interpreter.

A test that runs in the learner's kernel proves nothing: code in an answer cell
can change how the interpreter runs every later cell (input and AST
transformers, event callbacks, patched modules), and a hidden test sent to that
kernel can be read by it. So, at autograde time:

* :class:`HandOverCodeAnswers` (sanitize phase, before any learner code runs)
  replaces the source of each code-question test cell by one call that hands
  the values the test needs over *as data* (see
  :mod:`mlteam_utils.grading.answer_values`). The tests, hidden ones included,
  never reach the kernel.
* :class:`ScoreCodeAnswers` (after Execute) takes those values from the cell's
  output, runs the instructor's tests from ``solutions/`` on them in a fresh
  interpreter (sandboxed when grading is isolated, see
  :mod:`mlteam_utils.grading.code_tests`), and writes each test's result into
  its cell, where nbgrader's ``SaveAutoGrades``, the formgrader and the feedback
  read it. A forged value is only data: it earns what the same honest answer
  would. The kernel chooses which names it sends, too: each test takes only the
  names its key declares, in a namespace of its own built from the instructor's
  setup cells, so a name the key does not declare (the setup's own data, sent
  doctored) is dropped unread and logged. A key whose declared names the setup
  also defines is refused as an instructor's error.

The key's ``code`` section (see :mod:`mlteam_utils.grading.keys`) names, per
notebook, the setup cells and the values each test takes. In the learner's own
notebook, and under ``nbgrader validate``, the test cells still run as written,
so a learner gets instant feedback.
"""

from __future__ import annotations

import ast
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, List, Unicode

from mlteam_utils.grading.keys import AnswerKey, find_key
from mlteam_utils.upstream.nbgrader_utils import is_grade

METADATA_KEY = "mlteam"
#: The record :class:`HandOverCodeAnswers` leaves in a test cell for :class:`ScoreCodeAnswers`.
RECORD = "code_test"


def hand_over_source(names: tuple[str, ...] | list[str]) -> str:
    """The one line that replaces a test cell in the learner's kernel at autograde time.

    >>> print(hand_over_source(["answer", "table"]))
    __import__("mlteam_utils.grading.answer_values", fromlist=["export_answer_values"]).export_answer_values(globals(), ['answer', 'table'])
    """
    return (
        '__import__("mlteam_utils.grading.answer_values", fromlist=["export_answer_values"])'
        f".export_answer_values(globals(), {list(names)!r})"
    )


def bound_names(source: str) -> set[str]:
    """The names a cell's top-level code binds (assignments, imports, definitions).

    >>> sorted(bound_names("import pandas as pd; from x import y; data = pd.DataFrame(); LIMIT, n = 3, 1"))
    ['LIMIT', 'data', 'n', 'pd', 'y']
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def declared_setup_clashes(tests: Mapping[str, Sequence[str]], setup_sources: Sequence[str]) -> dict[str, list[str]]:
    """Per test, the declared value names that the setup cells also define (should be none).

    >>> declared_setup_clashes({"q_values": ["answer", "log"]}, ["log = load()", "LIMIT = 3"])
    {'q_values': ['log']}
    """
    defined = set().union(*(bound_names(source) for source in setup_sources)) if setup_sources else set()
    return {grade_id: sorted(set(names) & defined) for grade_id, names in tests.items() if set(names) & defined}


def _grade_id(cell: NotebookNode) -> str | None:
    nbgrader = cell.metadata.get("nbgrader")
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None


def _key_for(config: Any, resources: dict[str, Any], log: Any) -> tuple[AnswerKey | None, Path | None]:
    info = resources.get("nbgrader", {})
    assignment, notebook = info.get("assignment"), info.get("notebook")
    if not assignment or not notebook:
        return None, None
    coursedir = CourseDirectory(config=config)
    source_directory = Path(coursedir.root) / coursedir.source_directory
    key = find_key(source_directory, assignment, notebook)
    return key, source_directory / assignment / f"{notebook}.ipynb"


class HandOverCodeAnswers(NbGraderPreprocessor):
    """Sanitize phase: code-question test cells hand over values instead of running tests."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        key, _ = _key_for(self.config, resources, self.log)
        if key is None or key.code is None:
            return nb, resources
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if cell.cell_type != "code" or not is_grade(cell) or grade_id in key.questions:
                continue
            names = key.code.tests.get(grade_id or "")
            # The test's own source comes back after grading (ScoreCodeAnswers), so the
            # formgrader and the feedback show what was checked.
            cell.metadata.setdefault(METADATA_KEY, {})[RECORD] = {"values": list(names or []), "declared": bool(names), "source": cell.source}
            # A test the key does not declare never reaches the kernel either; it scores 0 below.
            cell.source = hand_over_source(names) if names else "pass"
        return nb, resources


def handed_over_values(cell: NotebookNode, limit: int) -> tuple[str | None, str]:
    """The values text the kernel put in ``cell``'s outputs (the last one), and a problem if unusable.

    >>> from nbformat.v4 import new_code_cell, new_output
    >>> cell = new_code_cell(outputs=[new_output("display_data", data={"application/vnd.mlteam.answer-values+json": "{}"})])
    >>> handed_over_values(cell, 100)
    ('{}', '')
    >>> handed_over_values(cell, 1)
    (None, 'the answer is too large to grade (over 0 MB)')
    """
    from mlteam_utils.grading.answer_values import MEDIA_TYPE

    found: Any = None
    for output in cell.get("outputs", []):
        data = output.get("data") if isinstance(output, dict) else None
        if isinstance(data, dict) and MEDIA_TYPE in data:
            found = data[MEDIA_TYPE]
    if found is None:
        return None, ""
    if not isinstance(found, str):
        found = json.dumps(found)  # nbformat may have parsed a JSON media type
    if len(found.encode("utf-8", "surrogatepass")) > limit:
        return None, f"the answer is too large to grade (over {limit // (1024 * 1024)} MB)"
    return found, ""


def result_outputs(passed: bool, message: str, printed: str, points: float) -> list[NotebookNode]:
    """The outputs a graded test cell gets: nbgrader reads the score from them.

    >>> [o.output_type for o in result_outputs(True, "", "ok", 3.0)]
    ['stream', 'display_data']
    >>> result_outputs(False, "AssertionError: not right", "", 3.0)[-1].ename
    'AssertionError'
    """
    outputs: list[NotebookNode] = []
    if printed.strip():
        outputs.append(new_output("stream", name="stdout", text=printed))
    if passed:
        text = f"Passed: {points:g} / {points:g} points, checked by the grader on your answer's values."
        # No error output: nbgrader gives the cell its full points.
        outputs.append(new_output("display_data", data={"text/html": f"<p>✔ {html.escape(text)}</p>", "text/plain": text}))
    else:
        name, _, text = message.partition(": ")
        outputs.append(new_output("error", ename=name or "Error", evalue=text, traceback=[message]))
    return outputs


class ScoreCodeAnswers(NbGraderPreprocessor):
    """After Execute: run the tests on the handed-over values, outside the kernel, and record the results."""

    isolate = Bool(False, help="Run the tests in the grading sandbox (set by the isolation settings).").tag(config=True)
    course_root = Unicode(
        "", help="The course being graded (the folders its nbgrader_config.py names, solutions and submissions, are hidden from the tests).",
    ).tag(config=True)
    hidden_paths = List(Unicode(), help="More paths hidden from the tests' sandbox.").tag(config=True)
    timeout = Float(30.0, help="Seconds each test may run.").tag(config=True)
    max_values_mb = Float(2.0, help="Largest answer a test cell may hand over, in MB.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        from mlteam_utils.grading.code_tests import CodeTest, CodeTestJob, CodeTestsFailed, run_tests

        key, source_path = _key_for(self.config, resources, self.log)
        if key is None or key.code is None or source_path is None:
            return nb, resources
        cells = [c for c in nb.cells if c.cell_type == "code" and RECORD in c.metadata.get(METADATA_KEY, {})]
        if not cells:
            return nb, resources
        source = nbformat.read(source_path, as_version=4)
        trusted = {_grade_id(c): c.source for c in source.cells if _grade_id(c)}
        missing_setup = [g for g in key.code.setup if g not in trusted]
        if missing_setup:
            raise ValueError(f"{key.path.name}: setup cells {missing_setup} are not in {source_path.name}")
        clashes = declared_setup_clashes(key.code.tests, [trusted[g] for g in key.code.setup])
        if clashes:
            # A declared name that the setup also defines would let the learner's value
            # replace the data the tests compute their expected values from.
            raise ValueError(f"{key.path.name}: tests take values that the setup cells define: {clashes}")
        tests = []
        for cell in cells:
            grade_id = _grade_id(cell) or ""
            if not cell.metadata[METADATA_KEY][RECORD].get("declared") or grade_id not in trusted:
                self.log.error("Test cell %s is not declared in %s's code section: it scores 0", grade_id, key.path.name)
                tests.append(CodeTest(grade_id, "", (), None, "this check is not set up for grading; tell your instructor"))
                continue
            values, problem = handed_over_values(cell, int(self.max_values_mb * 1024 * 1024))
            tests.append(CodeTest(grade_id, trusted[grade_id], tuple(key.code.tests[grade_id]), values, problem))
        job = CodeTestJob(setup=[trusted[g] for g in key.code.setup], tests=tests, timeout=self.timeout)
        try:
            outcome = run_tests(job, sandbox=self._sandbox() if self.isolate else None)
        except CodeTestsFailed as error:
            raise RuntimeError(f"the code questions could not be graded: {error}") from None
        if outcome.setup_error:
            raise RuntimeError(f"the code questions could not be graded: {outcome.setup_error} (check {source_path.name})")
        by_id = {result.grade_id: result for result in outcome.results}
        for cell in cells:
            result = by_id[_grade_id(cell) or ""]
            points = float(cell.metadata["nbgrader"].get("points", 0) or 0)
            cell.outputs = result_outputs(result.passed, result.message, result.printed, points)
            cell.source = cell.metadata[METADATA_KEY].pop(RECORD).get("source", cell.source)
            if result.ignored:
                self.log.warning("Code test %s: the notebook handed over names its key does not declare; ignored unread: %s",
                                 result.grade_id, ", ".join(result.ignored))
            self.log.info("Code test %s: %s", result.grade_id, "passed" if result.passed else result.message)
        return nb, resources

    def _sandbox(self) -> dict[str, Any]:
        return code_test_sandbox(Path(self.course_root or CourseDirectory(config=self.config).root), self.hidden_paths)


def code_test_sandbox(course_root: Path, hidden_paths: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The sandbox settings :class:`ScoreCodeAnswers` runs the tests with (see :func:`~mlteam_utils.grading.code_tests.warm_up`)."""
    from mlteam_utils.grading.sandbox import SandboxLimits
    from mlteam_utils.upstream.course_paths import hidden_from_learners

    hidden = [*hidden_from_learners(Path(course_root)), *(Path(p) for p in hidden_paths)]
    return {"limits": SandboxLimits(), "hidden": hidden}
