"""Taking the course leaves the checkout clean, and a `git pull` of course updates never conflicts with it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from course_helpers import FIXTURES, REPO_ROOT
from mlteam_utils.grading.settings import answers_filename
from mlteam_utils.workspace import MANIFEST, WORK_FOLDER, sync_workspace

LESSON = "lessons/01_how_ml_projects_differ.ipynb"
ASSIGNMENT = "ex01_how_ml_projects_differ"
EXERCISE = f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
#: The installed command, as `make` runs it (``python -m`` from the clone would import the clone's copy).
TOOL = str(Path(sys.executable).parent / "mlteam-course")
GIT = ["git", "-c", "user.name=Course", "-c", "user.email=course@example.org", "-c", "init.defaultBranch=main"]


def git(folder: Path, *arguments: str) -> str:
    completed = subprocess.run([*GIT, *arguments], cwd=folder, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"git {' '.join(arguments)}:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def tiny_course(root: Path) -> Path:
    """A course with one lesson, one exercise and a start page (no git)."""
    for relative in ("course/index.ipynb", LESSON, EXERCISE):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / relative, root / relative)
    return root


def edit_markdown(path: Path, text: str) -> None:
    notebook = nbformat.read(path, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    first.source += f"\n\n{text}"
    nbformat.write(notebook, path)


def test_a_second_sync_changes_nothing_and_untouched_copies_follow_the_course(tmp_path: Path) -> None:
    course = tiny_course(tmp_path)
    assert sorted(sync_workspace(course).added) == sorted(["course/index.ipynb", LESSON, EXERCISE])
    assert sync_workspace(course).summary() == f"{WORK_FOLDER}/: up to date"
    edit_markdown(course / EXERCISE, "A clarified instruction.")
    report = sync_workspace(course)
    assert report.updated == [EXERCISE] and not report.new_versions_beside
    assert "A clarified instruction." in (course / WORK_FOLDER / EXERCISE).read_text(encoding="utf-8")


def test_work_is_never_lost_when_the_course_changes_under_it(tmp_path: Path) -> None:
    course = tiny_course(tmp_path)
    sync_workspace(course)
    work = course / WORK_FOLDER
    edit_markdown(work / LESSON, "My note on the lesson.")
    edit_markdown(work / EXERCISE, "My draft answer.")
    (work / EXERCISE).with_name(answers_filename(ASSIGNMENT)).write_text('{"mine": true}', encoding="utf-8")
    edit_markdown(course / LESSON, "New paragraph from the course.")
    edit_markdown(course / EXERCISE, "New instruction from the course.")

    report = sync_workspace(course, now=datetime(2026, 11, 29, 8, 0, 0))
    backup = "lessons/01_how_ml_projects_differ.before-update-20261129-080000.ipynb"
    assert report.replaced_with_backup == [(LESSON, backup)]
    assert "New paragraph from the course." in (work / LESSON).read_text(encoding="utf-8")
    assert "My note on the lesson." in (work / backup).read_text(encoding="utf-8")
    # The exercise is the learner's: kept as it is, the new version beside it.
    assert "My draft answer." in (work / EXERCISE).read_text(encoding="utf-8")
    assert report.new_versions_beside == [(EXERCISE, f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.new-version.ipynb")]
    assert "New instruction from the course." in (work / report.new_versions_beside[0][1]).read_text(encoding="utf-8")
    assert (work / EXERCISE).with_name(answers_filename(ASSIGNMENT)).read_text(encoding="utf-8") == '{"mine": true}'
    assert "written beside yours" in report.summary() and "your copy is kept" in report.summary()
    assert sync_workspace(course).summary() == f"{WORK_FOLDER}/: up to date", "told once, not at every start"


def test_a_lost_manifest_treats_every_existing_copy_as_the_learners(tmp_path: Path) -> None:
    course = tiny_course(tmp_path)
    sync_workspace(course)
    edit_markdown(course / WORK_FOLDER / EXERCISE, "My draft answer.")
    (course / WORK_FOLDER / MANIFEST).write_text("{not json", encoding="utf-8")
    edit_markdown(course / EXERCISE, "New instruction from the course.")
    report = sync_workspace(course)
    assert "My draft answer." in (course / WORK_FOLDER / EXERCISE).read_text(encoding="utf-8")
    assert report.new_versions_beside and json.loads((course / WORK_FOLDER / MANIFEST).read_text(encoding="utf-8"))


@pytest.mark.nbgrader
def test_taking_the_course_keeps_the_checkout_clean_and_a_pull_never_conflicts(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in tracked)):
        if (REPO_ROOT / name).is_file():
            (upstream / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO_ROOT / name, upstream / name)
    git(upstream, "init", "-q")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "the course")
    learner = tmp_path / "learner"
    git(tmp_path, "clone", "-q", str(upstream), str(learner))

    # Taking the course, as `make lab` serves it: a lesson run, an exercise answered, selfgrade.
    subprocess.run([TOOL, "--course-root", str(learner), "workspace"], check=True, capture_output=True)
    work = learner / WORK_FOLDER
    lesson = nbformat.read(work / LESSON, as_version=4)
    for cell in lesson.cells:
        if cell.cell_type == "code":
            cell.execution_count = 99  # what a Run All and an autosave do to it
    nbformat.write(lesson, work / LESSON)
    shutil.copyfile(FIXTURES / ASSIGNMENT / "half_right.answers.json", (work / EXERCISE).with_name(answers_filename(ASSIGNMENT)))
    edit_markdown(work / EXERCISE, "Answered by a learner.")
    completed = subprocess.run([TOOL, "selfgrade", "ex01"], cwd=learner,
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (work / EXERCISE).with_name(f"{ASSIGNMENT}.feedback.html").is_file(), "selfgrade found the learner's copy"
    assert git(learner, "status", "--porcelain") == "", "taking the course changed the checkout"

    # The course moves on: the pull applies cleanly, and the next start brings the change in.
    edit_markdown(upstream / LESSON, "A new paragraph from the course team.")
    edit_markdown(upstream / EXERCISE, "A clarified instruction.")
    git(upstream, "commit", "-qam", "course update")
    git(learner, "pull", "-q", "--ff-only")
    report = subprocess.run([TOOL, "--course-root", str(learner), "workspace"],
                            check=True, capture_output=True, text=True).stdout
    assert "lessons/01_how_ml_projects_differ.ipynb: updated" in report and "written beside yours" in report, report
    assert "A new paragraph from the course team." in (work / LESSON).read_text(encoding="utf-8")
    assert "Answered by a learner." in (work / EXERCISE).read_text(encoding="utf-8")
    assert (work / EXERCISE).with_name(answers_filename(ASSIGNMENT)).is_file()
    assert git(learner, "status", "--porcelain") == ""


def test_a_link_or_pipe_where_a_copy_belongs_is_never_followed_or_read(tmp_path: Path) -> None:
    import os

    course = tiny_course(tmp_path)
    work = course / WORK_FOLDER
    (work / "lessons").mkdir(parents=True)
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not the learner's", encoding="utf-8")
    (work / LESSON).symlink_to(secret)
    (work / EXERCISE).parent.mkdir(parents=True)
    os.mkfifo(work / EXERCISE)  # reading it would block `make lab`
    report = sync_workspace(course)
    assert sorted(report.skipped) == sorted([LESSON, EXERCISE])
    assert secret.read_text(encoding="utf-8") == "not the learner's" and (work / LESSON).is_symlink()
    assert "left as it is" in report.summary()


def test_a_hub_learners_start_page_shows_the_hubs_steps_before_it_is_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed page stores the single-machine steps; a hub learner's copy stores the hub's."""
    from mlteam_utils.start_page import HUB_COURSE_ENV, SINGLE_MACHINE

    course = tmp_path / "course-clone"
    for relative in ("course/index.ipynb", "course/syllabus.toml"):
        (course / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / relative, course / relative)

    def stored_steps(page: Path) -> str:
        notebook = nbformat.read(page, as_version=4)
        [cell] = [c for c in notebook.cells if c.cell_type == "code" and "how_to_work_markdown(" in c.source]
        return "".join(output["data"]["text/markdown"] for output in cell.outputs if "text/markdown" in output.get("data", {}))

    assert stored_steps(course / "course" / "index.ipynb") == SINGLE_MACHINE, "the committed page is the single machine's"
    sync_workspace(course, tmp_path / "one-machine")
    assert stored_steps(tmp_path / "one-machine" / "course" / "index.ipynb") == SINGLE_MACHINE

    monkeypatch.setenv(HUB_COURSE_ENV, "mlteam-onboarding")
    sync_workspace(course, tmp_path / "hub-home")
    page = tmp_path / "hub-home" / "course" / "index.ipynb"
    shown = stored_steps(page)
    assert "Assignments" in shown and "Fetch" in shown and "ex01_how_ml_projects_differ/" in shown, shown
    assert "make selfgrade" not in shown
    # Issue 27: on the hub a learner has no checkout and no make: nothing on the page names either, run or not.
    hub_page = nbformat.read(page, as_version=4)
    read = [cell.source for cell in hub_page.cells if cell.cell_type == "markdown"]
    read += ["".join(str(value) for value in output.get("data", {}).values())
             for cell in hub_page.cells if cell.cell_type == "code" for output in cell.outputs]
    commands = re.compile(r"`make |make (lab|selfgrade|certificate|verify)\b|Self-learners")
    assert [text for text in read if commands.search(text)] == [], "the hub's page names make or the self-learners' steps"
    assert [text for text in read if "repository" in text or "README" in text] == [], "a hub learner has no repository"
    assert "Fetch Feedback" in "\n".join(read) and "Your progress shows here once you run this cell." in "\n".join(read)
    one_machine = nbformat.read(tmp_path / "one-machine" / "course" / "index.ipynb", as_version=4)
    assert any("make selfgrade" in cell.source for cell in one_machine.cells), "a self-learner's page keeps its make commands"
    nbformat.validate(hub_page)
    again = sync_workspace(course, tmp_path / "hub-home")
    assert again.updated == [] and again.added == [], "an unchanged course leaves the learner's copy alone"
