"""The syllabus, the start page and the files on disk agree."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mlteam_utils.syllabus import SyllabusError, load_syllabus

ROOT = Path(__file__).resolve().parent.parent
NAME_PATTERNS = {
    "lessons": re.compile(r"^(\d{2})_([a-z0-9_]+)\.ipynb$"),
    "solutions": re.compile(r"^ex(\d{2})_([a-z0-9_]+)$"),
    "exercises": re.compile(r"^ex(\d{2})_([a-z0-9_]+)$"),
}


def test_available_modules_have_their_files() -> None:
    for module in load_syllabus().available_modules:
        for path in (module.lesson_path, module.solution_path, module.exercise_path):
            assert (ROOT / path).is_file(), f"module {module.number} is 'available' but {path} is missing"


def test_every_file_is_in_the_syllabus_under_the_naming_pattern() -> None:
    syllabus = load_syllabus()
    known = {(f"{m.number:02d}", m.slug) for m in syllabus.available_modules}
    for folder, pattern in NAME_PATTERNS.items():
        for path in sorted((ROOT / folder).iterdir()):
            if path.name.startswith(".") or path.name == "__pycache__":
                continue
            match = pattern.match(path.name)
            assert match, f"{folder}/{path.name} does not follow the naming pattern {pattern.pattern}"
            assert match.groups() in known, f"{folder}/{path.name} is not an available module in the syllabus"


def test_start_page_links_every_available_lesson_and_exercise() -> None:
    notebook = nbformat.read(ROOT / "course" / "index.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells)
    rendered = "\n".join(
        output.get("data", {}).get("text/markdown", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    for module in load_syllabus().available_modules:
        assert f"../{module.lesson_path.as_posix()}" in text + rendered
        assert f"../{module.exercise_path.as_posix()}" in rendered
    assert "load_syllabus" in text, "the start page must render the table from the syllabus"


def test_syllabus_lists_ten_modules_in_order() -> None:
    modules = load_syllabus().modules
    assert [m.number for m in modules] == list(range(1, 11))


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("[[module]]\nnumber = 1\n", "missing field 'slug'"),
        ("not = [valid", "not valid TOML"),
        ("title = 'x'\n", "needs at least one [[module]]"),
        (
            "[[module]]\nnumber = 2\nslug='a'\ntitle='A'\nminutes=1\nexercise_minutes=1\nstatus='available'\nobjectives=['x']\n",
            "numbered 1..1",
        ),
        (
            "[[module]]\nnumber = 1\nslug='A b'\ntitle='A'\nminutes=1\nexercise_minutes=1\nstatus='available'\nobjectives=['x']\n",
            "slug",
        ),
    ],
)
def test_broken_syllabus_gives_a_clear_error(tmp_path: Path, broken: str, message: str) -> None:
    path = tmp_path / "syllabus.toml"
    path.write_text(broken)
    with pytest.raises(SyllabusError, match=re.escape(message)) as error:
        load_syllabus(path)
    assert str(path) in str(error.value)


def test_readme_course_map_matches_the_syllabus() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for module in load_syllabus().modules:
        row = next((line for line in readme.splitlines() if line.startswith(f"| {module.number} |")), None)
        assert row is not None, f"README's course map lacks module {module.number}"
        assert row.rstrip().endswith(f"| {module.status} |"), f"README says {row!r}; the syllabus says {module.status}"
        if module.available:
            assert module.lesson_path.as_posix() in row and module.exercise_path.as_posix() in row


def test_every_graded_question_is_mapped_to_one_of_its_modules_objectives() -> None:
    """The cohort report names the objectives a learner should revisit: every question needs one."""
    from mlteam_utils.cohort.drift import cells_in_source

    syllabus = load_syllabus()
    for module in syllabus.available_modules:
        graded = {grade_id for _, grade_id in cells_in_source(ROOT / module.solution_path.parent)}
        mapped = {grade_id for grade_id, _ in module.question_objectives}
        assert mapped == graded, f"module {module.number}: unmapped {sorted(graded - mapped)}, unknown {sorted(mapped - graded)}"
        assert all(objective in module.objectives for _, objective in module.question_objectives)


def test_a_question_mapped_to_a_missing_objective_is_refused(tmp_path) -> None:
    source = ROOT / "course" / "syllabus.toml"
    broken = source.read_text(encoding="utf-8").replace("q1_crisp_dm_loops = 2", "q1_crisp_dm_loops = 9", 1)
    path = tmp_path / "syllabus.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(SyllabusError, match="question_objectives.q1_crisp_dm_loops must be an objective number from 1 to 4"):
        load_syllabus(path)


# "60% of the 12 points that need no code (7.2 points)", "60% of the points of the questions that need no code"
PASS_MARK_PROSE = re.compile(
    r"(?P<percent>\d+(?:\.\d+)?)%\*{0,2} of the (?:(?P<points>\d+(?:\.\d+)?) )?points (?:of the questions )?that need no code\*{0,2}"
    r"(?: \((?P<mark>\d+(?:\.\d+)?) points\))?"
)


def pass_mark_statements() -> list[tuple[str, re.Match[str]]]:
    """Every place the course's prose states the pass mark: where, and what it says."""
    texts = {"README.md": (ROOT / "README.md").read_text(encoding="utf-8"),
             "course/syllabus.toml": (ROOT / "course" / "syllabus.toml").read_text(encoding="utf-8")}
    for notebook in [ROOT / "course" / "index.ipynb", *sorted((ROOT / "solutions").glob("*/*.ipynb")),
                     *sorted((ROOT / "exercises").glob("*/*.ipynb"))]:
        cells = nbformat.read(notebook, as_version=4).cells
        texts[str(notebook.relative_to(ROOT))] = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    return [(where, match) for where, text in texts.items() for match in PASS_MARK_PROSE.finditer(text)]


def test_the_pass_mark_written_in_prose_is_the_syllabus_pass_mark() -> None:
    """The pass mark is set once, in [passing]; the prose that states it by hand must follow it."""
    percent = load_syllabus().pass_percent
    statements = pass_mark_statements()
    places = {where for where, _ in statements}
    assert {"README.md", "course/syllabus.toml", "course/index.ipynb"} <= places, places
    assert {p for p in places if p.startswith("exercises/")}, "the exercises state their pass mark"
    for where, match in statements:
        assert float(match["percent"]) == percent, f"{where}: {match[0]!r} (the syllabus says {percent:g}%)"
        if match["points"] and match["mark"]:
            assert float(match["mark"]) == round(float(match["points"]) * percent / 100, 2), f"{where}: {match[0]!r}"
