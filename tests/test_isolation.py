"""Grading kernels run in a sandbox: learner code cannot reach the answers.

Real nbgrader autogrades, in a temporary course, a submission that appends one
hostile cell to a correct solution. That cell (and a forked child, and a child
started with subprocess) tries to read solutions/, the answer key, the gradebook,
another learner's submission and the instructor's home; to write outside its
folder; to unmount the cover over solutions/; to allocate memory without bound;
and to leave a process running after grading. Each attempt is recorded in a
report file in the submission's own folder, next to two controls that must
succeed (reading and writing its own folder), so the test sees that the code ran.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from conftest import require_optional
from course_helpers import (
    REPO_ROOT,
    Submission,
    fill_cells,
    generate,
    load_fixture,
    make_course,
    scores,
    solution_cells,
    submit,
)
from mlteam_utils.grading.isolation import isolation_status, nbgrader_isolation_args
from mlteam_utils.grading.sandbox import SANDBOX_TMP
from mlteam_utils.grading.settings import key_filename
from mlteam_utils.nbgrader_runner import run_nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
HONEST_MARKER = "HONEST-REFLECTION-MARKER-4711"
HOME_SECRET = "INSTRUCTOR-HOME-SECRET-0815"
ORPHAN_MARKER = "mlteam-isolation-orphan-marker"
REPORT = "attack_report.jsonl"
REPORT_BEGIN, REPORT_END = "---attack report---", "---end of attack report---"
MEMORY_CAP_MB = 512

# Runs as `python attack.py WHO TARGETS_JSON` (and, for the kernel itself, through runpy).
ATTACK_SCRIPT = textwrap.dedent(
    '''
    import json, os, subprocess, sys
    from pathlib import Path

    def read(path, marker):
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            return False, f"{type(error).__name__}: {error.strerror}"
        return marker.encode() in data, f"read {len(data)} bytes" + (" with the secret" if marker.encode() in data else "")

    def listing(path, marker):
        try:
            names = os.listdir(path)
        except OSError as error:
            return False, f"{type(error).__name__}: {error.strerror}"
        return marker in names, f"listed {sorted(names)[:8]}"

    def write(path):
        try:
            with open(path, "a") as handle:
                handle.write("written by learner code\\n")
        except OSError as error:
            return False, f"{type(error).__name__}: {error.strerror}"
        return True, "written"

    def allocate(limit_mb):
        chunks = []
        try:
            while len(chunks) * 64 < limit_mb:
                chunks.append(bytearray(64 * 1024 * 1024))
        except MemoryError:
            return False, f"MemoryError after {len(chunks) * 64} MB"
        finally:
            held = len(chunks) * 64
            chunks.clear()
        return True, f"allocated {held} MB"

    def unmount_then_read(mount_point, path, marker):
        done = subprocess.run(["umount", mount_point], capture_output=True, text=True)
        succeeded, detail = read(path, marker)
        return succeeded, f"umount exit {done.returncode} ({done.stderr.strip()[-60:]}); then {detail}"

    def run(who, targets):
        results = {}
        for name, (path, marker) in targets["reads"].items():
            results["read " + name] = read(path, marker)
        for name, (path, marker) in targets["listings"].items():
            results["list " + name] = listing(path, marker)
        for name, path in targets["writes"].items():
            results["write " + name] = write(path)
        results["unmount solutions"] = unmount_then_read(*targets["unmount"])
        results["allocate memory"] = allocate(targets["allocate_mb"])
        with open(targets["report"], "a") as report:
            report.write(json.dumps({"who": who, "pid": os.getpid(), "results": results}) + "\\n")

    if __name__ == "__main__":
        run(sys.argv[1], json.loads(sys.argv[2]))
    '''
)


def attack_cell(targets: dict) -> str:
    """The hostile cell: the attacks in the kernel, in a forked child and in a subprocess."""
    return textwrap.dedent(
        f'''
        import json, os, runpy, subprocess, sys
        from pathlib import Path
        targets = json.loads({json.dumps(json.dumps(targets))})
        Path("attack.py").write_text({ATTACK_SCRIPT!r})
        runpy.run_path("attack.py")["run"]("kernel", targets)
        child = os.fork()
        if child == 0:
            try:
                runpy.run_path("attack.py")["run"]("forked child", targets)
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        subprocess.run([sys.executable, "attack.py", "subprocess", json.dumps(targets)], check=False)
        # A process that tries to outlive grading.
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {ORPHAN_MARKER!r}], start_new_session=True)
        # The working folder is a disposable copy the grader deletes: the report leaves as output.
        print({REPORT_BEGIN!r})
        print(Path(targets["report"]).read_text())
        print({REPORT_END!r})
        print("attacks done")
        '''
    )


def tree_state(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[str, str]]:
    """Path -> (kind, content hash) for everything under ``root`` except ``skip``."""
    state: dict[str, tuple[str, str]] = {}
    if not root.exists():
        return state
    for path in sorted(root.rglob("*")):
        if any(path == s or s in path.parents for s in skip):
            continue
        if path.is_symlink():
            state[str(path)] = ("link", os.readlink(path))
        elif path.is_dir():
            state[str(path)] = ("dir", "")
        else:
            state[str(path)] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return state


def orphan_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if ORPHAN_MARKER.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def read_report(notebook_path: Path) -> list[dict]:
    """The attack report the hostile cell printed, from the autograded notebook."""
    if not notebook_path.is_file():
        return []
    printed = "".join(
        output.get("text", "")
        for cell in nbformat.read(notebook_path, as_version=4).cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    if REPORT_BEGIN not in printed:
        return []
    body = printed.split(REPORT_BEGIN, 1)[1].split(REPORT_END, 1)[0]
    return [json.loads(line) for line in body.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    """One course: an honest learner graded in the sandbox, then an attacker graded in it.

    Beside it, a copy of the course taken before any submission (the side course): the
    same honest notebook graded without the sandbox, then an endless loop graded in it.
    Each side-course run goes at the same time as its main-course run, on the second
    core (the suite keeps one busy): the two courses share no file, and the attack's
    before/after snapshot watches the main course, the instructor's home, a folder
    outside the course and the package, none of which a side-course run writes to.
    """
    require_optional(
        isolation_status().available,
        "bubblewrap grading isolation",
        f"{isolation_status().reason} (sudo apt-get install bubblewrap)",
    )
    base = tmp_path_factory.mktemp("isolation")
    course = make_course(base / "course", [ASSIGNMENT])
    home = base / "instructor-home"
    home.mkdir()
    (home / "secret.txt").write_text(HOME_SECRET, encoding="utf-8")
    outside = base / "outside"
    outside.mkdir()
    release = generate(course, ASSIGNMENT)
    side_course = base / "side-course"
    shutil.copytree(course, side_course, symlinks=True)  # generated, nothing submitted yet
    release_nb = release / f"{ASSIGNMENT}.ipynb"
    source_nb = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    answers = load_fixture(ASSIGNMENT, "solution.answers.json")

    def honest_notebook() -> nbformat.NotebookNode:
        return fill_cells(release_nb, solution_cells(source_nb), reflection=f"My reflection. {HONEST_MARKER}")

    submit(course, "honest", ASSIGNMENT, {ASSIGNMENT: Submission(honest_notebook(), answers)})
    submit(side_course, "honest_plain", ASSIGNMENT, {ASSIGNMENT: Submission(honest_notebook(), answers)})

    submitted = course / "course" / "submitted"
    autograded = course / "course" / "autograded"
    attacker_folder = autograded / "attacker" / ASSIGNMENT
    key_file = course / "solutions" / ASSIGNMENT / key_filename(ASSIGNMENT)
    targets = {
        "reads": {
            "own notebook (control)": [str(attacker_folder / f"{ASSIGNMENT}.ipynb"), "nbgrader"],
            "solutions notebook": [str(source_nb), "BEGIN SOLUTION"],
            "answer key": [str(key_file), key_file.read_text(encoding="utf-8")[:40]],
            "gradebook": [str(course / "course" / "gradebook.db"), "SQLite format 3"],
            "other learner's submission": [str(submitted / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), HONEST_MARKER],
            "other learner's autograded copy": [str(autograded / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), HONEST_MARKER],
            "instructor's home": [str(home / "secret.txt"), HOME_SECRET],
            "/etc/shadow": ["/etc/shadow", "root:"],
        },
        "listings": {
            "submissions folder": [str(submitted), "honest"],
            # (the covered folders show as empty mount points; the files beside them must not show)
            "course root": [str(course), "nbgrader_config.py"],
        },
        "writes": {
            "own folder (control)": str(attacker_folder / "own-note.txt"),
            "course root": str(course / "pwned.txt"),
            "other learner's submission": str(submitted / "honest" / ASSIGNMENT / "pwned.txt"),
            "gradebook": str(course / "course" / "gradebook.db"),
            "solutions": str(course / "solutions" / ASSIGNMENT / "pwned.txt"),
            "instructor's home": str(home / "pwned.txt"),
            "folder outside the course": str(outside / "pwned.txt"),
            "mlteam_utils package": str(REPO_ROOT / "mlteam_utils" / "pwned_by_learner.txt"),
        },
        "unmount": [str(course / "solutions"), str(source_nb), "BEGIN SOLUTION"],
        "allocate_mb": 2048,  # at most 2 GB even if the cap failed, and untouched pages at that
        "report": REPORT,
    }
    attacker_nb = honest_notebook()
    attacker_nb.cells.append(nbformat.v4.new_code_cell(attack_cell(targets)))
    submit(course, "attacker", ASSIGNMENT, {ASSIGNMENT: Submission(attacker_nb, answers)})

    looper_nb = honest_notebook()
    looper_nb.cells.insert(1, nbformat.v4.new_code_cell("while True:\n    pass"))
    looper_nb.cells.insert(2, nbformat.v4.new_code_cell("print('after the loop')"))
    submit(side_course, "looper", ASSIGNMENT, {ASSIGNMENT: Submission(looper_nb, answers)})

    environment = {"HOME": str(home)}

    def grade(where: Path, student: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return run_nbgrader(where, "autograde", ASSIGNMENT, "--force", "--student", student, *extra, env=environment, check=False)

    def isolated(where: Path) -> list[str]:
        return nbgrader_isolation_args(where, memory_mb=MEMORY_CAP_MB)

    with ThreadPoolExecutor(max_workers=2) as pool:
        plain = pool.submit(grade, side_course, "honest_plain")
        runs = {"honest": grade(course, "honest", *isolated(course)), "honest_plain": plain.result()}
        honest_scores = scores(course, ASSIGNMENT)["honest"]
        watched = (course, home, outside, REPO_ROOT / "mlteam_utils")
        skipped = (attacker_folder.parent, course / "course" / "gradebook.db")
        before = {str(root): tree_state(root, skipped) for root in watched}
        # The course's own cell limit (30 s): the loop meets it, an honest cell never does, however busy the machine.
        looper = pool.submit(grade, side_course, "looper", *isolated(side_course), "--Execute.timeout=30")
        runs["attacker"] = grade(course, "attacker", *isolated(course))
        after = {str(root): tree_state(root, skipped) for root in watched}
        runs["looper"] = looper.result()
    orphans = orphan_pids()
    for pid in orphans:  # clean up if the sandbox failed to end it
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
    yield {
        "course": course,
        "side_course": side_course,
        "runs": runs,
        "honest_scores_before_attack": honest_scores,
        "report": read_report(attacker_folder / f"{ASSIGNMENT}.ipynb"),
        "changes": {root: sorted(set(before[root].items()) ^ set(after[root].items())) for root in before},
        "orphans": orphans,
        "write_targets": targets["writes"],
        "looper_notebook": side_course / "course" / "autograded" / "looper" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
    }
    stray = REPO_ROOT / "mlteam_utils" / "pwned_by_learner.txt"
    if stray.exists():  # only if the sandbox failed; the test above has failed then
        stray.unlink()


def test_every_grading_run_completes(graded) -> None:
    for student, completed in graded["runs"].items():
        assert completed.returncode == 0, f"{student}: {completed.stderr[-3000:]}"


def test_honest_submission_scores_the_same_with_and_without_isolation(graded) -> None:
    isolated, plain = scores(graded["course"], ASSIGNMENT)["honest"], scores(graded["side_course"], ASSIGNMENT)["honest_plain"]
    assert isolated == plain
    assert sum(v or 0 for v in isolated.values()) > 0


def test_attacker_code_ran_in_the_kernel_a_forked_child_and_a_subprocess(graded) -> None:
    report = graded["report"]
    assert sorted(entry["who"] for entry in report) == ["forked child", "kernel", "subprocess"]
    for entry in report:
        results = entry["results"]
        assert results["read own notebook (control)"][0], results["read own notebook (control)"]
        assert results["write own folder (control)"][0], results["write own folder (control)"]


def private_scratch(graded: dict, attack: str) -> bool:
    """A write under /tmp lands in the sandbox's own empty tmpfs /tmp, which vanishes
    with it (this test's course lives under /tmp); whether any write reached the
    real files is checked by test_no_write_reached_the_real_files."""
    target = graded["write_targets"].get(attack.removeprefix("write "))
    return target is not None and Path(target).is_relative_to(SANDBOX_TMP)


def test_every_attack_is_blocked(graded) -> None:
    succeeded = {
        f"{entry['who']}: {attack}": detail
        for entry in graded["report"]
        for attack, (worked, detail) in entry["results"].items()
        if worked and "(control)" not in attack and not private_scratch(graded, attack)
    }
    assert graded["report"], "the attack cell did not run"
    assert succeeded == {}


def test_no_write_reached_the_real_files(graded) -> None:
    for attack, path in graded["write_targets"].items():
        if "(control)" in attack:
            # It wrote in a disposable copy of its folder, which the grader threw away.
            assert not Path(path).exists(), attack
        else:
            assert not Path(path).exists() or b"written by learner code" not in Path(path).read_bytes(), attack


def test_memory_is_capped(graded) -> None:
    for entry in graded["report"]:
        worked, detail = entry["results"]["allocate memory"]
        assert not worked and detail.startswith("MemoryError"), detail
        held_mb = int(detail.split(" after ")[1].split()[0])
        assert held_mb < MEMORY_CAP_MB


def test_nothing_outside_the_attackers_folder_changed(graded) -> None:
    assert graded["changes"] == {root: [] for root in graded["changes"]}


def test_attack_changed_no_other_learners_grade(graded) -> None:
    grades = scores(graded["course"], ASSIGNMENT)
    assert grades["honest"] == graded["honest_scores_before_attack"]
    assert grades["attacker"] == grades["honest"]


def test_no_learner_process_outlives_grading(graded) -> None:
    assert graded["orphans"] == []


def test_an_endless_cell_is_interrupted_and_the_notebook_goes_on(graded) -> None:
    notebook = nbformat.read(graded["looper_notebook"], as_version=4)
    loop_cell, next_cell = notebook.cells[1], notebook.cells[2]
    assert any(output.get("output_type") == "error" for output in loop_cell.outputs)
    assert any("after the loop" in output.get("text", "") for output in next_cell.outputs)
    assert scores(graded["side_course"], ASSIGNMENT)["looper"] == scores(graded["course"], ASSIGNMENT)["honest"]


def test_grade_without_a_sandbox_refuses_and_names_no_isolation(tmp_path: Path) -> None:
    """With no bwrap on PATH, an instructor's `grade` stops and says what the explicit choice is.

    (A self-learner's `selfgrade` grades without it instead: see test_selfgrade.py.)
    """
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    generate(course, ASSIGNMENT)
    release = course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submit(course, "ada", ASSIGNMENT, {ASSIGNMENT: Submission(nbformat.read(release, as_version=4))})
    tools = tmp_path / "bin"  # the venv's tools, and no bubblewrap
    tools.mkdir()
    for name in ("alembic", "jupyter"):
        (tools / name).symlink_to(Path(sys.executable).parent / name)
    environment = {**os.environ, "PATH": str(tools), "HOME": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(course), "grade", "--quiet"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "grading isolation is not available" in completed.stderr
    assert "bwrap" in completed.stderr and "--no-isolation" in completed.stderr
    assert not (course / "course" / "autograded").exists()


def test_software_under_tmp_stays_visible_above_the_private_tmp(tmp_path: Path) -> None:
    """A checkout or venv under /tmp (a CI clone) must not vanish under the sandbox's /tmp.

    ``readable`` folders are mounted like the interpreter's and ``mlteam_utils``'s own.
    """
    from mlteam_utils.grading.sandbox import SandboxLimits, sandbox_command

    status = isolation_status()
    require_optional(status.available, "grading isolation (bubblewrap)", "apt-get install bubblewrap; " + status.reason)
    software = tmp_path / "checkout" / "lib"
    software.mkdir(parents=True)
    (software / "module.txt").write_text("still here", encoding="utf-8")
    workdir = tmp_path / "course" / "work"
    workdir.mkdir(parents=True)
    assert str(tmp_path).startswith("/tmp/"), "the point of the test is a folder under /tmp"
    command = sandbox_command(
        ["cat", str(software / "module.txt")],
        workdir=workdir,
        connection_file=None,
        limits=SandboxLimits(),
        readable=[software],
    )
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "still here"


def test_private_system_files_are_read_afresh_for_each_sandbox(tmp_path: Path) -> None:
    """A lock file that comes and goes (useradd's /etc/subgid.lock) is covered while it exists, never after."""
    from mlteam_utils.grading.sandbox import private_system_files

    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "hosts").write_text("127.0.0.1 localhost\n")
    lock = etc / "subgid.lock"
    lock.write_text("")
    lock.chmod(0o600)
    assert private_system_files(str(etc)) == (str(lock),)
    lock.unlink()
    assert private_system_files(str(etc)) == (), "a file that has gone must not be covered (bwrap cannot create it)"
