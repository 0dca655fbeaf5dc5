"""`mlteam-course release`: exercises/ is exactly what nbgrader generates, and leaks are refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_helpers import REPO_ROOT, make_course
from mlteam_utils.release import find_leaks, iter_tree, list_assignments

pytestmark = pytest.mark.nbgrader


def run_release(course: Path, *assignments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(course), "release", *assignments],
        capture_output=True,
        text=True,
        check=False,
    )


def test_committed_exercises_match_a_fresh_release(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course")
    completed = run_release(course)
    assert completed.returncode == 0, completed.stderr
    fresh = dict(iter_tree(course / "exercises"))
    committed = dict(iter_tree(REPO_ROOT / "exercises"))
    # A learner's own files beside the exercise (git-ignored) are not part of the release.
    committed = {k: v for k, v in committed.items() if not k.endswith((".answers.json", ".feedback.html"))}
    assert sorted(fresh) == sorted(committed), "exercises/ has different files than a fresh release"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, f"exercises/ differs from `mlteam-course release` in {drifted}: run `make release`"


def test_every_solution_has_a_release_and_nothing_else_is_released() -> None:
    assert list_assignments(REPO_ROOT) == sorted(p.name for p in (REPO_ROOT / "exercises").iterdir() if p.is_dir())


def test_committed_exercises_have_no_leaks() -> None:
    for assignment in list_assignments(REPO_ROOT):
        leaks = find_leaks(REPO_ROOT / "exercises" / assignment, REPO_ROOT / "solutions" / assignment)
        assert not leaks, leaks


def test_instructor_answers_file_in_solutions_is_not_released(tmp_path: Path) -> None:
    assignment = list_assignments(REPO_ROOT)[0]
    course = make_course(tmp_path / "course", [assignment])
    (course / "solutions" / assignment / f"{assignment}.answers.json").write_text("{}")
    completed = run_release(course, assignment)
    assert completed.returncode == 0, completed.stderr
    released = {p.name for p in (course / "exercises" / assignment).iterdir()}
    assert f"{assignment}.answers.json" not in released
    assert f"{assignment}.key.json" not in released


def test_release_refuses_a_notebook_that_would_leak_a_key(tmp_path: Path) -> None:
    assignment = list_assignments(REPO_ROOT)[0]
    course = make_course(tmp_path / "course", [assignment])
    run_release(course, assignment)
    before = dict(iter_tree(course / "exercises"))

    key = json.loads((course / "solutions" / assignment / f"{assignment}.key.json").read_text())
    explanation = next(
        text for spec in key["questions"].values() for text in spec.get("explanations", {}).values() if len(text) > 40
    )
    notebook_path = course / "solutions" / assignment / f"{assignment}.ipynb"
    notebook = json.loads(notebook_path.read_text())
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": f"Hint: {explanation}", "id": "leaky"})
    notebook_path.write_text(json.dumps(notebook))

    completed = run_release(course, assignment)
    assert completed.returncode == 1
    assert "refusing to release" in completed.stderr and "answer key" in completed.stderr
    assert dict(iter_tree(course / "exercises")) == before, "a refused release must not change exercises/"


def test_release_of_an_unknown_assignment_is_a_clear_error(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", list_assignments(REPO_ROOT)[:1])
    completed = run_release(course, "ex99_nope")
    assert completed.returncode == 2
    assert "unknown assignment 'ex99_nope'" in completed.stderr
    assert list_assignments(REPO_ROOT)[0] in completed.stderr, "the message lists the course's assignments"
    assert not (course / "exercises").exists()


def test_release_outside_a_course_is_a_clear_error(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "release"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert "No course folder" in completed.stderr


def test_a_correct_option_shown_to_everyone_is_not_a_leak(tmp_path: Path) -> None:
    """Options are public; only explanations and keys count as secrets."""
    source, release = tmp_path / "solutions", tmp_path / "exercises"
    source.mkdir()
    release.mkdir()
    option = "Give each task a probability of success"
    explanation = "Yes: it turns a schedule into an honest forecast of delivery."
    (source / "ex00_demo.key.json").write_text(json.dumps({"questions": {"q": {
        "kind": "multiple_choice", "options": [option, "Fix the date"], "correct": [option],
        "explanations": {option: explanation}}}}))
    (release / "ex00_demo.ipynb").write_text(json.dumps({"cells": [{"source": f"options: {option}"}]}))
    assert find_leaks(release, source) == []
    (release / "ex00_demo.ipynb").write_text(json.dumps({"cells": [{"source": explanation}]}))
    assert [leak.reason.split(":")[0] for leak in find_leaks(release, source)] == ["contains text from the answer key"]
