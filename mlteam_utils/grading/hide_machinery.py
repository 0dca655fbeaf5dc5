"""Hide the code of cells that only build a widget or check an answer, in released exercises.

A learner who does not code should see a question, its widget and a calm note, not
``matching("q1_…", items=[…])`` with scrollbars above it. At generate time,
:class:`HideMachinery` marks such cells' input as hidden with the notebook format's
own ``jupyter.source_hidden`` flag, which JupyterLab and Notebook 7 honour (the
input is collapsed behind a thin bar that a curious learner can still click open)
and which survives Run All, saving and reloading. The cell still runs; nbgrader's
checksums ignore metadata, so grading is unchanged.

A cell is *machinery* when it is locked, is code, and does nothing but import the
course's answer, question and data helpers and call them (a docstring and plain
constants may stand beside): the exercise's setup, its widget cells and its answer
checks. A cell that shows data (``log.head()``) or holds the optional pandas
question's checks stays visible: it is for the learners who code.

>>> is_machinery('from mlteam_utils.questions import matching\\nmatching("q1", "Match them.", items=["a"])')
True
>>> is_machinery("'Checks question 1.'\\ncheck_answered(NOTEBOOK, 'q1_loops')")
True
>>> is_machinery('log = load_dataset("experiment_log")\\nlog.head()')
False
"""

from __future__ import annotations

import ast
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

#: Modules whose names a machinery cell may import and call.
MACHINERY_MODULES = ("mlteam_utils.answers", "mlteam_utils.questions", "mlteam_utils.domain")
#: Names a machinery cell may call without importing them in the same cell (the setup imports them).
MACHINERY_CALLS = frozenset({
    "AnswerSheet", "check_answered", "written_answer", "load_dataset",
    "single_choice", "multiple_choice", "matching", "ordering", "raci_grid", "numeric_estimate",
})


def _is_constant(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _machinery_call(node: ast.expr, allowed: set[str]) -> bool:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id not in allowed:
        return False
    arguments = [*node.args, *(k.value for k in node.keywords)]
    return all(_is_constant(a) or isinstance(a, ast.Name) or _machinery_call(a, allowed) for a in arguments)


def is_machinery(source: str) -> bool:
    """Whether a cell only imports and calls the course's answer and question helpers."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    allowed = set(MACHINERY_CALLS)
    if not tree.body:
        return False
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module in MACHINERY_MODULES:
            allowed.update(alias.asname or alias.name for alias in statement.names)
        elif isinstance(statement, (ast.Expr, ast.Assign)):
            # a docstring, a call of a helper, or a name bound to a constant or a helper's result
            value = statement.value
            if not (_is_constant(value) or _machinery_call(value, allowed)):
                return False
        else:
            return False
    return True


def machinery_label(source: str) -> str:
    """A comment in words for a machinery cell: JupyterLab shows a hidden cell's first line.

    >>> machinery_label('matching("q2_waterfall", "Match them.", items=[])')
    '# The answer box for question 2 (its code is hidden)'
    >>> machinery_label('check_answered(NOTEBOOK, "q1_loops")')
    '# Checks that question 1 is answered (its code is hidden)'
    >>> machinery_label('written_answer("q5_reflection", sheet=sheet)')
    '# The text box for your written answer (its code is hidden)'
    >>> machinery_label('sheet = AnswerSheet(NOTEBOOK)')
    '# Sets up the exercise (its code is hidden)'
    """
    import re

    number = re.search(r"[\"']q(\d+)_", source)
    question = f"question {int(number.group(1))}" if number else "this question"
    if "written_answer(" in source:
        return "# The text box for your written answer (its code is hidden)"
    if "check_answered(" in source:
        return f"# Checks that {question} is answered (its code is hidden)"
    if any(f"{builder}(" in source for builder in MACHINERY_CALLS - {"AnswerSheet", "load_dataset"}):
        return f"# The answer box for {question} (its code is hidden)"
    return "# Sets up the exercise (its code is hidden)"


def hide_machinery(nb: NotebookNode) -> int:
    """Hide the input of every locked machinery code cell of ``nb``, labelled in words; return how many.

    The label goes first because JupyterLab shows a hidden input's first line.
    """
    hidden = 0
    for cell in nb.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and nbgrader.get("locked") and not nbgrader.get("solution") and is_machinery(cell.source):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            label = machinery_label(cell.source)
            if not cell.source.startswith(label):
                cell.source = f"{label}\n{cell.source}"
            hidden += 1
    return hidden


class HideMachinery(NbGraderPreprocessor):
    """Generate phase: hide the input of cells that only build widgets or check answers."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        hide_machinery(nb)
        return nb, resources
