"""Every available lesson has the course's lesson anatomy."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mlteam_utils.syllabus import load_syllabus

ROOT = Path(__file__).resolve().parent.parent
MODULES = load_syllabus().available_modules
WIDGET_BUILDERS = ("knowledge_check(", "single_choice(", "multiple_choice(", "matching(", "ordering(", "raci_grid(", "numeric_estimate(")


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
    widgets = [c for c in code if c.source.lstrip().startswith(WIDGET_BUILDERS)]
    plots = [c for c in code if any("image/png" in o.get("data", {}) for o in c.outputs)]
    simulations = [c for c in code if "_widget(" in c.source]
    assert len(widgets) + len(plots) + len(simulations) >= 2
    check_index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Knowledge check" in c.source)
    checks = [c for c in nb.cells[check_index:] if c.cell_type == "code" and c.source.lstrip().startswith(WIDGET_BUILDERS)]
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
