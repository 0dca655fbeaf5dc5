"""Every available lesson has the course's lesson anatomy."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

from mlteam_utils.syllabus import load_syllabus

ROOT = Path(__file__).resolve().parent.parent
MODULES = load_syllabus().available_modules
WIDGET_BUILDERS = ("knowledge_check(", "single_choice(", "multiple_choice(", "matching(", "ordering(", "raci_grid(", "numeric_estimate(")


def code_of(source: str) -> str:
    """A cell's code without its leading comment lines (a folded cell's label among them).

    >>> code_of('# A quick question (its code is hidden)\\nknowledge_check("kc_x")')
    'knowledge_check("kc_x")'
    """
    lines = source.lstrip().splitlines()
    while lines and lines[0].lstrip().startswith("#"):
        lines.pop(0)
    return "\n".join(lines).lstrip()


@pytest.fixture(params=MODULES, ids=[m.lesson_name for m in MODULES])
def lesson(request: pytest.FixtureRequest):
    module = request.param
    return module, nbformat.read(ROOT / module.lesson_path, as_version=4)


def test_opening(lesson) -> None:
    module, nb = lesson
    first = nb.cells[0].source
    assert first.startswith(f"# Lesson {module.number}: "), "the first cell is the lesson's title"
    assert re.search(r"^\*[^*].+\*$", first, re.M), "one italic sentence of purpose"
    assert "You will be able to" in first and "Time:" in first and "Prerequisites:" in first
    minutes = int(re.search(r"about (\d+) minutes", first).group(1))
    assert 20 <= minutes <= 40 and minutes == module.minutes
    setup = nb.cells[1]
    assert setup.cell_type == "code" and "from mlteam_utils" in setup.source


def test_interactive_elements_and_knowledge_check(lesson) -> None:
    _, nb = lesson
    code = [c for c in nb.cells if c.cell_type == "code"]
    widgets = [c for c in code if code_of(c.source).startswith(WIDGET_BUILDERS)]
    plots = [c for c in code if any("image/png" in o.get("data", {}) for o in c.outputs)]
    simulations = [c for c in code if "_widget(" in c.source]
    assert len(widgets) + len(plots) + len(simulations) >= 2
    check_index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Knowledge check" in c.source)
    checks = [c for c in nb.cells[check_index:] if c.cell_type == "code" and code_of(c.source).startswith(WIDGET_BUILDERS)]
    assert len(checks) >= 4, "at least four knowledge-check questions after '## Knowledge check'"
    for cell in widgets + simulations:
        assert "nbval-ignore-output" in cell.metadata.get("tags", []), "widget cells are ignored by nbval"


def test_every_plot_says_what_to_see(lesson) -> None:
    _, nb = lesson
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.outputs):
            after = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
            assert after is not None and "What to see" in after.source, f"plot in cell {index} has no 'What to see'"


def test_closing(lesson) -> None:
    module, nb = lesson
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any(s.startswith("## Summary") for s in markdown)
    sources = next(s for s in markdown if s.startswith("## Sources"))
    assert sources.count("\n- ") >= 3
    assert any(f"../{module.exercise_path.as_posix()}" in s for s in markdown), "links to its exercise"


def test_outputs_are_stored_and_clean(lesson) -> None:
    _, nb = lesson
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs or "nbval-ignore-output" in cell.metadata.get("tags", []) or cell is nb.cells[1]
        for output in cell.outputs:
            assert output.output_type != "error"
            assert not (output.output_type == "stream" and output.name == "stderr")
    assert "widgets" not in nb.metadata, "widget state is not stored in lessons"


# Code a reader who does not code should not have to run in their head: regular expressions,
# date-format strings and binning. Such a cell is folded (JupyterLab shows its output and a bar
# to open the code), and the text just above it says so to those who code.
CODER_DETAIL = re.compile(r"regex=True|\bre\.(compile|sub|search|match)\(|format=\"%|pd\.cut\(|pd\.qcut\(")


def test_code_only_coders_need_is_folded_and_announced(lesson) -> None:
    _, nb = lesson
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not CODER_DETAIL.search(cell.source):
            continue
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
            f"cell {index} shows coder-level detail ({CODER_DETAIL.search(cell.source).group(0)}); fold it")
        before = next(c.source for c in reversed(nb.cells[:index]) if c.cell_type == "markdown")
        assert "For those who code" in before, f"the text before cell {index} should tell coders where the code is"


# Code that only draws a chart teaches a non-coder nothing: the chart and its "What to see"
# carry the lesson, so a chart cell longer than a few lines is folded (its first line shows).
CHART_CODE = re.compile(r"plt\.subplots|\bax\.(plot|scatter|bar|barh|hist)\(|\.plot\.(bar|barh|line|hist|scatter)\(")


def test_long_chart_code_is_folded(lesson) -> None:
    _, nb = lesson
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHART_CODE.search(cell.source) and len(cell.source.strip().splitlines()) > 5:
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"cell {index} draws a chart: fold it"


# Issue 27, "no machinery on screen": a cell that builds a widget, a knowledge check or a simulation
# view, names a question id, or sets the lesson up is folded with the notebook format's own
# ``jupyter.source_hidden`` flag, as the exercises' widget cells and the start page are (see
# mlteam_utils/grading/hide_machinery.py). JupyterLab then shows only the cell's first line, so that
# line says in words what the cell shows. Code a curious learner is meant to read stays open.
MACHINERY = re.compile(r"\b(knowledge_check|single_choice|multiple_choice|matching|ordering|raci_grid|numeric_estimate"
                       r"|\w+_widget)\s*\(|\.story\(|\bwidgets\.interact(ive)?\(")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: A first line in words: a comment, no code's punctuation, and the course's "(its code is hidden)".
LABEL = re.compile(r"# [A-Z][^_()\[\]{}=`\"]* \(its code is hidden\)")


@lru_cache(maxsize=1)
def question_ids() -> re.Pattern[str]:
    """Any id of a knowledge check, a planning comparison or a case-study decision, quoted as in code.

    A decision named by one plain word (``"threshold"``) is a word a person says, and a column's
    name elsewhere; the ids joined with underscores are not.
    """
    from mlteam_utils.questions.knowledge_checks import all_checks
    from mlteam_utils.simulations.case_study import DECISION_LABELS
    from mlteam_utils.simulations.planning import COMPARISONS

    ids = set(all_checks()) | set(COMPARISONS) | {name for name in DECISION_LABELS if "_" in name}
    return re.compile(r"[\"'](" + "|".join(sorted(map(re.escape, ids))) + r")[\"']")


def machinery(index: int, cell) -> str | None:
    """Why a code cell of a lesson is machinery to fold, or None for code that is there to be read."""
    if index == 1:
        return "sets the lesson up"
    if found := MACHINERY.search(cell.source):
        return f"builds a widget ({found.group(0)})"
    if found := question_ids().search(cell.source):
        return f"names the id {found.group(0)}"
    if any(WIDGET_MIME in output.get("data", {}) for output in cell.outputs):
        return "shows a widget"
    return None


def test_no_machinery_on_screen(lesson) -> None:
    _, nb = lesson
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (why := machinery(index, cell)):
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"cell {index} {why}: fold it"


def test_every_folded_cell_says_in_words_what_it_shows(lesson) -> None:
    _, nb = lesson
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.metadata.get("jupyter", {}).get("source_hidden"):
            first = cell.source.splitlines()[0] if cell.source else ""
            assert LABEL.fullmatch(first), f"cell {index} is folded: its first line should say in words what it shows, not {first!r}"
