"""Every lesson fits in 40 minutes for a reader who does not code, and the syllabus and each
lesson's header say how long it takes by the same stated formula (mlteam_utils.lesson_time)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mlteam_utils.lesson_time import MAX_LESSON_MINUTES, estimate_lesson_time, lesson_minutes
from mlteam_utils.syllabus import load_syllabus

ROOT = Path(__file__).resolve().parents[1]
MODULES = load_syllabus().available_modules


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.lesson_name)
def test_the_syllabus_states_each_lessons_estimated_minutes(module) -> None:
    estimate = lesson_minutes(ROOT / module.lesson_path)
    assert module.minutes == estimate.minutes, (
        f"course/syllabus.toml says {module.minutes} minutes for {module.lesson_name}; the formula gives "
        f"{estimate.minutes} ({estimate.words} words, {estimate.checks} checks, "
        f"{estimate.interactive_minutes:g} interactive minutes, {estimate.outputs} outputs)"
    )


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.lesson_name)
def test_each_lesson_fits_in_40_minutes(module) -> None:
    assert lesson_minutes(ROOT / module.lesson_path).minutes <= MAX_LESSON_MINUTES


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.lesson_name)
def test_the_lesson_header_gives_the_same_time(module) -> None:
    header = nbformat.read(ROOT / module.lesson_path, as_version=4).cells[0].source
    stated = re.search(r"\*\*Time:\*\* about (\d+) minutes", header)
    assert stated, f"{module.lesson_name}: the first cell should say '**Time:** about N minutes'"
    assert int(stated.group(1)) == module.minutes


def test_the_estimate_grows_with_what_a_lesson_asks() -> None:
    """Each part of the formula counts: more prose, a check, a simulation, a table to read."""
    def lesson(*cells):
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pandas"), *cells])

    def words():
        return nbformat.v4.new_markdown_cell("word " * 600)

    def table():
        return nbformat.v4.new_code_cell("t", outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"})])

    base = estimate_lesson_time(lesson(words())).minutes
    assert base == 5
    assert estimate_lesson_time(lesson(words(), nbformat.v4.new_code_cell('knowledge_check("kc")'))).minutes == base + 2
    assert estimate_lesson_time(lesson(words(), nbformat.v4.new_code_cell("staffing_widget()"))).minutes == base + 4
    two = nbformat.v4.new_code_cell('project.decision_widget("a", "b")')
    assert estimate_lesson_time(lesson(words(), two)).minutes == base + 4  # two decisions, two minutes each
    assert estimate_lesson_time(lesson(words(), table(), table())).minutes == base + 1
    sources = nbformat.v4.new_markdown_cell("## Sources\n\n" + "cited " * 1000)
    assert estimate_lesson_time(lesson(words(), sources)).minutes == base
