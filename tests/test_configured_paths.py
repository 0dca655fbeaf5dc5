"""Every course path comes from the configured ``CourseDirectory``, the sandbox's hiding included.

A course in a temporary folder renames every nbgrader folder in its ``nbgrader_config.py``
(the source is ``keys/``, submissions ``inbox/``, the gradebook ``records/book.db``, ...) and
is graded with ``mlteam-course grade`` in the sandbox. To make the hiding, not the sandbox's
allow-list, what stands between learner code and ``keys/``, the course makes its own root
readable in the sandbox (``SandboxProvisioner.readable_paths``), as a course under ``/opt`` or
inside a Python prefix would be. An attacking submission then tries to read ``keys/`` by
absolute and relative path, the gradebook and another learner's hand-in, and lists the course
root; an honest one must score full marks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from conftest import require_optional
from course_helpers import fill_cells, load_fixture, make_course, solution_cells
from mlteam_utils.grading.isolation import isolation_status
from mlteam_utils.grading.settings import key_filename
from mlteam_utils.nbgrader_runner import nbgrader_environment
from mlteam_utils.upstream.course_paths import course_paths, hidden_from_learners

ASSIGNMENT = "ex01_how_ml_projects_differ"
#: nbgrader's settings, none of them the course's usual names.
LAYOUT = {
    "source_directory": "keys",
    "release_directory": "handouts",
    "submitted_directory": "inbox",
    "autograded_directory": "marking/graded",
    "feedback_directory": "marking/returned",
}
REPORT_BEGIN, REPORT_END = "---paths report---", "---end of paths report---"


def configured_course(destination: Path, readable_root: bool = False) -> Path:
    """A copy of the course whose nbgrader_config.py names every folder otherwise."""
    course = make_course(destination, [ASSIGNMENT])
    (course / "solutions").rename(course / LAYOUT["source_directory"])
    config = course / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8")
    defaults = {"source_directory": "solutions", "release_directory": "exercises", "submitted_directory": "course/submitted",
                "autograded_directory": "course/autograded", "feedback_directory": "course/feedback"}
    for name, default in defaults.items():
        line = f'c.CourseDirectory.{name} = "{default}"'
        assert line in text, line
        text = text.replace(line, f'c.CourseDirectory.{name} = "{LAYOUT[name]}"')
    line = "c.CourseDirectory.db_url = f\"sqlite:///{course_root / 'course' / 'gradebook.db'}\""
    assert line in text
    text = text.replace(line, "c.CourseDirectory.db_url = f\"sqlite:///{course_root / 'records' / 'book.db'}\"")
    if readable_root:
        text += "\n# As if the course lay in a folder the sandbox mounts (/opt, a Python prefix).\n"
        text += "c.SandboxProvisioner.readable_paths = [str(course_root)]\n"
    config.write_text(text, encoding="utf-8")
    (course / "records").mkdir()
    return course


def test_course_paths_follow_the_configuration(tmp_path: Path) -> None:
    """The helper reads the folders as nbgrader does; nothing is run."""
    course = configured_course(tmp_path / "c")
    paths = course_paths(course)
    root = course.resolve()
    assert (paths.source, paths.release, paths.submitted) == (root / "keys", root / "handouts", root / "inbox")
    assert (paths.autograded, paths.feedback) == (root / "marking" / "graded", root / "marking" / "returned")
    assert paths.gradebook_file == root / "records" / "book.db"
    assert paths.grading_scratch == root / "records" / ".grading"
    hidden = set(hidden_from_learners(course))
    assert {root / "keys", root / "inbox", root / "marking" / "graded", root / "marking" / "returned",
            root / "records" / "book.db", root / "records" / ".grading"} <= hidden
    assert root / "handouts" not in hidden, "the release is what learners get"
    assert root / "solutions" not in hidden, "no default name is hidden in place of the configured one"
    # nbgrader's own defaults where a course has no configuration file
    bare = course_paths(tmp_path)
    assert bare.source == tmp_path.resolve() / "source" and bare.gradebook_file == tmp_path.resolve() / "gradebook.db"


def test_a_path_outside_every_mount_is_not_in_the_sandbox(tmp_path: Path) -> None:
    """The hidden folders of a course that the sandbox does not mount are simply absent: not even their names show."""
    from mlteam_utils.grading.sandbox import SandboxLimits, sandbox_command

    status = isolation_status()
    require_optional(status.available, "grading isolation (bubblewrap)", "apt-get install bubblewrap; " + status.reason)
    course = configured_course(tmp_path / "c")
    workdir = course_paths(course).grading_scratch / "run" / "worker-1" / "graded" / "ada" / ASSIGNMENT
    workdir.mkdir(parents=True)
    probe = "import os, sys; print(sorted(os.listdir(sys.argv[1])))"
    command = sandbox_command([sys.executable, "-I", "-S", "-c", probe, str(course.resolve())], workdir=workdir,
                              connection_file=None, limits=SandboxLimits(), hidden=hidden_from_learners(course))
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "['records']", "only the way to the working folder"


ATTACK = textwrap.dedent(
    """
    import json, os
    from pathlib import Path

    def read(path, marker):
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            return False, type(error).__name__
        return marker.encode() in data, f"read {len(data)} bytes"

    def listing(path):
        try:
            return sorted(os.listdir(path))
        except OSError as error:
            return type(error).__name__

    targets = json.loads(__TARGETS__)
    results = {name: read(path, marker) for name, (path, marker) in targets["reads"].items()}
    here = Path.cwd()
    for up in range(len(here.parts) + 1):  # keys/ by relative path, from every folder above this one
        results[f"relative read {up} up"] = read(Path(*([".."] * up or ["."])) / targets["relative"], targets["marker"])
    report = {"results": results, "own notebook": read(targets["own"], "nbgrader")[0],
              "course root": listing(targets["root"]), "keys": listing(targets["keys"]), "inbox": listing(targets["inbox"])}
    print(__BEGIN__)
    print(json.dumps(report))
    print(__END__)
    """
)


@pytest.mark.nbgrader
def test_a_renamed_source_folder_is_hidden_from_graded_code(tmp_path: Path) -> None:
    status = isolation_status()
    require_optional(status.available, "grading isolation (bubblewrap)", "apt-get install bubblewrap; " + status.reason)
    from mlteam_utils.nbgrader_inprocess import run_step

    course = configured_course(tmp_path / "course", readable_root=True)
    root = course.resolve()
    run_step(course, "generate_assignment", ASSIGNMENT)
    release_nb = root / "handouts" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source_nb = root / "keys" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    key_file = root / "keys" / ASSIGNMENT / key_filename(ASSIGNMENT)
    assert release_nb.is_file() and source_nb.is_file() and key_file.is_file()
    answers = load_fixture(ASSIGNMENT, "solution.answers.json")

    def hand_in(student: str, notebook: nbformat.NotebookNode) -> None:
        folder = root / "inbox" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        (folder / f"{ASSIGNMENT}.answers.json").write_text(json.dumps(answers), encoding="utf-8")

    honest = fill_cells(release_nb, solution_cells(source_nb), reflection="My reflection. HONEST-4711")
    hand_in("honest", honest)
    targets = {
        "reads": {
            "keys notebook": [str(source_nb), "BEGIN SOLUTION"],
            "answer key": [str(key_file), key_file.read_text(encoding="utf-8")[:40]],
            "gradebook": [str(root / "records" / "book.db"), "SQLite format 3"],
            "other learner's hand-in": [str(root / "inbox" / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), "HONEST-4711"],
        },
        "relative": f"keys/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
        "marker": "BEGIN SOLUTION",
        "own": f"{ASSIGNMENT}.ipynb",
        "root": str(root),
        "keys": str(root / "keys"),
        "inbox": str(root / "inbox"),
    }
    attacker = fill_cells(release_nb, solution_cells(source_nb), reflection="My reflection.")
    attack = ATTACK.replace("__BEGIN__", repr(REPORT_BEGIN)).replace("__END__", repr(REPORT_END))
    attack = attack.replace("__TARGETS__", repr(json.dumps(targets)))
    attacker.cells.append(nbformat.v4.new_code_cell(attack))
    hand_in("attacker", attacker)

    completed = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "grade", "--jobs", "1", "--quiet"],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=900, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]

    # Graded into the configured folders, and nowhere under the usual names.
    graded_nb = root / "marking" / "graded" / "attacker" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert graded_nb.is_file()
    assert not (root / "solutions").exists() and not (root / "course" / "gradebook.db").exists()
    assert not (root / "course" / "autograded").exists() and not (root / "course" / "submitted").exists()

    printed = "".join(output.get("text", "") for cell in nbformat.read(graded_nb, as_version=4).cells
                      if cell.cell_type == "code" for output in cell.get("outputs", []) if output.get("output_type") == "stream")
    assert REPORT_BEGIN in printed, nbformat.read(graded_nb, as_version=4).cells[-1]
    report = json.loads(printed.split(REPORT_BEGIN, 1)[1].split(REPORT_END, 1)[0])
    assert report["own notebook"], "the attack ran in the learner's own folder"
    assert len([name for name in report["results"] if name.startswith("relative read")]) > 5
    assert {name: detail for name, (worked, detail) in report["results"].items() if worked} == {}
    assert report["keys"] in ([], "FileNotFoundError"), report["keys"]
    # The course root is mounted on purpose here: its own files show, the hidden folders' contents never.
    listed = report["course root"]
    assert isinstance(listed, list) and "nbgrader_config.py" in listed, listed
    assert report["inbox"] in ([], "FileNotFoundError"), report["inbox"]

    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, tuple[float | None, float]]] = {}
    with Gradebook(course_paths(course).db_url) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            scores[submission.student.id] = {
                grade.name: (grade.auto_score, float(grade.max_score)) for notebook in submission.notebooks for grade in notebook.grades
            }
    auto = {cell: value for cell, value in scores["honest"].items() if value[0] is not None}
    assert auto and all(score == maximum for score, maximum in auto.values()), scores["honest"]
    assert scores["attacker"] == scores["honest"]
