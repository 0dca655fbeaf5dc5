"""`mlteam-course grade`, `feedback`, `export` and `report` on a PostgreSQL gradebook, several graders at once.

Real parts: Debian's PostgreSQL in a throwaway cluster (tests/postgres_cluster.py), real
nbgrader grading real notebooks, the real command in subprocesses, learner code sandboxed
as in production. One small cohort (two assignments; three honest learners and one broken
notebook) is graded three ways, all at once (`graded`, shared and read only):

* into SQLite by one `grade` run: the reference;
* into PostgreSQL by two `grade` processes at once, split by learner (`--shard 1/2` and
  `2/2`), while this test process, as the formgrader would, enters a hand grade through
  nbgrader's `Gradebook` API;
* into PostgreSQL by two `grade` processes at once, split by assignment.

The same hand grade is entered in the other two after grading, so all three must export the
same CSVs and report the same figures, with every submission graded once and no row twice.
A test that changes a gradebook works on its own copy (`own_copy`: the course folder, and the
database copied by PostgreSQL itself, `CREATE DATABASE ... TEMPLATE`); at the end of the module
the shared courses and databases must be as grading left them.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_helpers import HONEST_KINDS, Submission, generate, honest_submission, make_course, submit
from mlteam_utils.nbgrader_runner import nbgrader_environment
from postgres_cluster import PostgresCluster, free_port

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
BROKEN = ("broken", ASSIGNMENTS[0])
COURSE_ID = "mlteam-onboarding"
#: The reflection graded by hand: (assignment, learner, points, comment).
HAND_GRADE = (ASSIGNMENTS[0], "half_right", 1.5, "Good example from your own team.")
#: Options of each of the graders run at once. Sandboxed, as in production. (The sandbox once
#: failed here with "bwrap: Can't create file at /etc/subgid.lock": another test's `useradd`,
#: run at the same moment, made that private lock file while a grader listed /etc's private
#: files to cover each one, and removed it before bubblewrap started. CI runs tests serially.)
#: One worker each: the five grader processes of `graded` already share two cores.
GRADER = ("--quiet", "--jobs", "1")
SUBMISSIONS = {(kind, assignment) for kind in HONEST_KINDS for assignment in ASSIGNMENTS} | {BROKEN}
NBGRADER_TABLES = ("student", "submitted_assignment", "submitted_notebook", "grade", "comment", "mlteam_grading_outcome")
NO_DUPLICATES = dict.fromkeys(NBGRADER_TABLES, 0)


def mlteam_course(course: Path, *args: str, python_prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    command = [sys.executable, *python_prefix] if python_prefix else [sys.executable, "-m", "mlteam_utils.cli"]
    return subprocess.Popen(
        [*command, *args], cwd=course, env=nbgrader_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finished(process: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


@contextmanager
def stopped_at_exit(processes: Sequence[subprocess.Popen[str]]) -> Iterator[None]:
    """Kill whatever is still running when the block ends (a failed check must not leave graders behind)."""
    try:
        yield
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


def run_all(commands: Sequence[tuple[Path, Sequence[str]]]) -> list[tuple[int, str, str]]:
    """Run independent commands at once (each mostly starts Python and nbgrader), in order of the results."""
    processes = [mlteam_course(course, *args) for course, args in commands]
    with stopped_at_exit(processes):
        return [finished(process) for process in processes]


def run(course: Path, *args: str) -> tuple[int, str, str]:
    return run_all([(course, args)])[0]


def use_database(course: Path, db_url: str) -> Path:
    """Point a course copy's nbgrader_config.py at another gradebook (and drop its SQLite file)."""
    (course / "course" / "gradebook.db").unlink(missing_ok=True)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    return course


def db_url_of(course: Path) -> str:
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url

    return course_gradebook_url(course)[0]


def give_hand_grade(db_url: str) -> None:
    """What the formgrader does when the instructor grades the reflection: nbgrader's Gradebook API."""
    from nbgrader.api import Gradebook

    assignment, student, points, text = HAND_GRADE
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        reflection = next(g for g in notebook.grades if g.needs_manual_grade)
        reflection.manual_score = points
        next(c for c in notebook.comments if c.name == reflection.name).manual_comment = text
        gradebook.db.commit()


def hand_grade_in(db_url: str) -> tuple[float | None, str | None]:
    from nbgrader.api import Gradebook

    assignment, student, _points, _text = HAND_GRADE
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        reflection = next(g for g in notebook.grades if g.manual_score is not None)
        return reflection.manual_score, next(c for c in notebook.comments if c.name == reflection.name).manual_comment


def outputs(courses: dict[str, tuple[Path, bool]], folder: Path) -> dict[str, dict[str, str]]:
    """export's CSVs and (where asked) report's CSV tables, its figures: name -> {file name: text}.

    Written into ``folder``, never into the (shared) courses; every command runs at once.
    """
    commands: list[tuple[Path, Sequence[str]]] = []
    for name, (course, with_report) in courses.items():
        commands.append((course, ["export", "--to", str(folder / name / "grades.csv")]))
        if with_report:
            commands.append((course, ["report", "--to", str(folder / name / "cohort")]))
    for (_course, args), (code, out, err) in zip(commands, run_all(commands), strict=True):
        assert code == 0, (args, out, err)
    return {
        name: {
            str(path.relative_to(folder / name)): path.read_text(encoding="utf-8")
            for path in sorted((folder / name).rglob("*.csv"))
        }
        for name in courses
    }


def query(db_url: str, *statements: str) -> list[list[tuple]]:
    """The rows of each SQL statement, read from the gradebook at ``db_url`` on one connection."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [[tuple(row) for row in connection.execute(sa.text(statement))] for statement in statements]
    finally:
        engine.dispose()


def duplicate_rows(db_url: str) -> dict[str, int]:
    """Per nbgrader table of a submission: rows beyond the one each key should have."""
    keys = {
        "student": "id",
        "submitted_assignment": "assignment_id, student_id",
        "submitted_notebook": "notebook_id, assignment_id",
        "grade": "cell_id, notebook_id",
        "comment": "cell_id, notebook_id",
        "mlteam_grading_outcome": "student, assignment",
    }
    counts = query(db_url, *(f"SELECT COUNT(*) - COUNT(DISTINCT ({key})) FROM {table}" for table, key in keys.items()))
    return {table: rows[0][0] for table, rows in zip(keys, counts, strict=True)}


def graded_submissions(db_url: str) -> dict[tuple[str, str], str]:
    [rows] = query(db_url, "SELECT student, assignment, outcome FROM mlteam_grading_outcome")
    return {(row[0], row[1]): row[2] for row in rows}


def database_digest(db_url: str) -> dict[str, str]:
    """Table -> SHA-256 of its rows (sorted), for every table of a database."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            tables = sa.MetaData()
            tables.reflect(connection)
            return {
                name: hashlib.sha256(repr(sorted(map(repr, connection.execute(sa.select(table))))).encode()).hexdigest()
                for name, table in tables.tables.items()
            }
    finally:
        engine.dispose()


def folder_digest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def copy_database(cluster: PostgresCluster, db_url: str) -> str:
    """A new database with the same content, copied by PostgreSQL itself (``CREATE DATABASE ... TEMPLATE``); its URL.

    PostgreSQL copies only a database nobody is connected to: the graders have ended, and
    every connection of this process is closed after use (its engines are disposed).
    """
    import psycopg
    from sqlalchemy.engine import make_url

    source = make_url(db_url).database
    name = f"{source}_copy_{secrets.token_hex(4)}"
    with psycopg.connect(cluster.conninfo(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return cluster.url_of(name)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course with its submissions, not graded yet (its SQLite gradebook has the assignments)."""
    course = make_course(tmp_path_factory.mktemp("pg-cohort") / "course", ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        generate(course, assignment)
        for kind in HONEST_KINDS:
            submit(course, kind, assignment, {assignment: honest_submission(course, assignment, kind)})
    submit(course, BROKEN[0], BROKEN[1], {BROKEN[1]: Submission('{"cells": [')})
    return course


def copy_course(cohort: Path, destination: Path) -> Path:
    return Path(shutil.copytree(cohort, destination / "course", symlinks=True))


@dataclass(frozen=True)
class Graded:
    """One way of grading the cohort: its course, its gradebook and what each grader process returned."""

    course: Path
    db_url: str
    results: list[tuple[int, str, str]]
    #: Whether a grader was still running when the hand grade was entered (split by learner only).
    grading_meanwhile: bool = False


def enter_hand_grade_while_grading(db_url: str, graders: Sequence[subprocess.Popen[str]]) -> bool:
    """Wait until a grader has merged the hand-graded submission, grade it by hand; whether a grader still runs."""
    from mlteam_utils.cohort.gradebook_merge import has_submission

    assignment, student, _points, _text = HAND_GRADE
    deadline = time.monotonic() + 600
    while not has_submission(db_url, student, assignment):
        if all(g.poll() is not None for g in graders) or time.monotonic() > deadline:
            pytest.fail(f"the graders never merged {student}/{assignment}: {[finished(g) for g in graders]}")
        time.sleep(0.2)
    give_hand_grade(db_url)
    return any(g.poll() is None for g in graders)


@pytest.fixture(scope="module")
def graded(
    cohort: Path, tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster
) -> Iterator[dict[str, Graded]]:
    """The cohort graded three ways at once (see the module's docstring). Read only: see `own_copy`.

    At the end of the module the courses and gradebooks must be as grading left them: a
    test that changed one would make the others depend on the order they run in.
    """
    from mlteam_utils.cohort.learner_split import shard_of

    assert {shard_of(kind, 2) for kind in (*HONEST_KINDS, BROKEN[0])} == {1, 2}, "each grader has learners to grade"
    sqlite = copy_course(cohort, tmp_path_factory.mktemp("sqlite"))
    by_learner = use_database(copy_course(cohort, tmp_path_factory.mktemp("pg-learners")), postgres_cluster.url())
    by_assignment = use_database(copy_course(cohort, tmp_path_factory.mktemp("pg-assignments")), postgres_cluster.url(tcp=True))
    processes = {
        "sqlite": [mlteam_course(sqlite, "grade", "--quiet", "--jobs", "2")],
        "by_learner": [mlteam_course(by_learner, "grade", *GRADER, "--shard", f"{k}/2") for k in (1, 2)],
        "by_assignment": [mlteam_course(by_assignment, "grade", *GRADER, assignment) for assignment in ASSIGNMENTS],
    }
    with stopped_at_exit([process for group in processes.values() for process in group]):
        grading_meanwhile = enter_hand_grade_while_grading(db_url_of(by_learner), processes["by_learner"])
        results = {name: [finished(process) for process in group] for name, group in processes.items()}
    ((code, out, err),) = results["sqlite"]
    # The broken notebook fails alone (a sandbox that could not start would fail more).
    assert code == 1 and "graded: 6" in out and "failed: 1" in out and "broken/" in out, out + err
    for course in (sqlite, by_assignment):
        give_hand_grade(db_url_of(course))  # after grading
    courses = {"sqlite": sqlite, "by_learner": by_learner, "by_assignment": by_assignment}
    shared = {
        name: Graded(course, db_url_of(course), results[name], grading_meanwhile and name == "by_learner")
        for name, course in courses.items()
    }

    def state() -> dict[str, dict[str, str]]:
        folders = {name: folder_digest(item.course) for name, item in shared.items()}
        databases = {f"{name} database": database_digest(item.db_url) for name, item in shared.items() if name != "sqlite"}
        return folders | databases

    before = state()
    yield shared
    after = state()
    changed = sorted(f"{place}: {name}" for place in before for name in before[place].keys() | after[place].keys()
                     if before[place].get(name) != after[place].get(name))  # fmt: skip
    assert not changed, f"a test changed a shared graded course or gradebook (use own_copy): {changed[:10]}"


def own_copy(graded: Graded, cluster: PostgresCluster, folder: Path) -> tuple[Path, str]:
    """A test's own copy of a graded PostgreSQL course: its folder, pointed at a copy of its database."""
    db_url = copy_database(cluster, graded.db_url)
    return use_database(copy_course(graded.course, folder), db_url), db_url


def test_two_graders_split_by_learner_grade_each_submission_once_and_keep_the_hand_grade(graded: dict[str, Graded]) -> None:
    split = graded["by_learner"]
    (code_1, out_1, err_1), (code_2, out_2, err_2) = split.results
    assert code_1 == 1 and "broken/" + BROKEN[1] in out_1, out_1 + err_1  # share 1 holds the broken notebook
    assert code_2 == 0, out_2 + err_2
    assert split.grading_meanwhile, "the hand grade was entered while a grader was still grading"
    outcomes = graded_submissions(split.db_url)
    assert set(outcomes) == SUBMISSIONS
    assert {key for key, outcome in outcomes.items() if outcome == "failed"} == {BROKEN}
    assert duplicate_rows(split.db_url) == NO_DUPLICATES
    assert hand_grade_in(split.db_url) == HAND_GRADE[2:]


def test_postgres_gradebooks_export_and_report_what_sqlite_does(graded: dict[str, Graded], tmp_path: Path) -> None:
    """Same cohort, same hand grade: the same CSVs from SQLite and both PostgreSQL runs, the same report figures from the first."""
    split = graded["by_assignment"]
    assert [code for code, _out, _err in split.results] == [1, 0], split.results  # ex01 holds the broken notebook
    outcomes = graded_submissions(split.db_url)
    assert set(outcomes) == SUBMISSIONS and {key for key, outcome in outcomes.items() if outcome == "failed"} == {BROKEN}
    assert duplicate_rows(split.db_url) == NO_DUPLICATES
    courses = {
        "sqlite": (graded["sqlite"].course, True),
        "by_learner": (graded["by_learner"].course, True),
        "by_assignment": (split.course, False),  # export only, as before
    }
    found = outputs(courses, tmp_path)
    reference = found["sqlite"]
    assert {"grades.csv", "grades.long.csv", "grades.submissions.csv"} <= set(reference)
    assert any(name.startswith("cohort/") for name in reference), "the report wrote its tables"
    assert found["by_learner"] == reference
    assert found["by_assignment"] == {name: text for name, text in reference.items() if "/" not in name}


def test_feedback_works_on_postgres(graded: dict[str, Graded], postgres_cluster: PostgresCluster, tmp_path: Path) -> None:
    """Pages are written; what they were made from is remembered in the PostgreSQL gradebook."""
    course, db_url = own_copy(graded["by_learner"], postgres_cluster, tmp_path)
    code, out, err = run(course, "feedback", "--no-release", "--include-ungraded")
    assert code == 0, out + err
    pages = sorted(p.relative_to(course / "course" / "feedback").parts[:2] for p in (course / "course" / "feedback").rglob("*.html"))
    # The broken submission's page says it could not be graded; it is made from no graded notebook.
    assert pages == sorted([*((kind, assignment) for kind in HONEST_KINDS for assignment in ASSIGNMENTS), BROKEN])
    [[(recorded,)]] = query(db_url, "SELECT COUNT(*) FROM mlteam_feedback_source")
    assert recorded == len(pages) - 1


def test_a_hand_grade_given_while_a_worker_regrades_is_carried_over_on_postgres(
    graded: dict[str, Graded], postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    """The merge itself, on PostgreSQL: a worker's copy taken before the formgrader's grade does not erase it."""
    from nbgrader.api import Gradebook

    from mlteam_utils.cohort.gradebook_merge import copy_gradebook, copy_submission, merge_submission, submission_counts

    db_url = copy_database(postgres_cluster, graded["by_learner"].db_url)  # this test's own copy of the graded cohort
    counts = submission_counts(db_url)
    assert counts["submitted_assignment"] == len(SUBMISSIONS - {BROKEN})

    assignment, student = ASSIGNMENTS[1], "blank"
    worker = tmp_path / "worker.db"
    copy_gradebook(db_url, worker)
    copy_submission(db_url, worker, student, assignment)  # the worker's copy, taken before the formgrader's grade
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        reflection = next(g for g in notebook.grades if g.auto_score is None)  # its empty reflection's automatic 0, changed
        reflection.manual_score, name = 2.0, reflection.name
        next(c for c in notebook.comments if c.name == name).manual_comment = "Seen in the formgrader."
        gradebook.db.commit()
    merge_submission(db_url, worker, student, assignment, "f2")
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        assert {g.name: g.manual_score for g in notebook.grades}[name] == 2.0
        assert {c.name: c.manual_comment for c in notebook.comments}[name] == "Seen in the formgrader."
    assert submission_counts(db_url) == counts  # replaced, not added


def test_an_unreachable_gradebook_is_one_clear_line(cohort: Path, tmp_path: Path, postgres_cluster: PostgresCluster) -> None:
    """Wrong password, no server, no driver: grade and export each say so in one line, no traceback."""
    database = postgres_cluster.url(tcp=True).rsplit("/", 1)[1]
    cases = {
        "password authentication failed": postgres_cluster.url_of(database, tcp=True, password="wrong"),
        "Connection refused": f"postgresql+psycopg://grader:secret@127.0.0.1:{free_port()}/course",
        "pip install -e '.[postgres]'": postgres_cluster.url_of(database, tcp=True),
    }
    started = []
    for expected, db_url in cases.items():
        course = use_database(copy_course(cohort, tmp_path / expected.split()[0]), db_url)
        # A missing driver, for real: this interpreter cannot import psycopg.
        prefix = ("-c", "import sys; sys.modules['psycopg'] = None; from mlteam_utils.cli import main; sys.exit(main(sys.argv[1:]))") \
            if expected.startswith("pip") else ()
        for command in (["grade", "--quiet"], ["export"]) if expected.startswith("password") else (["grade", "--quiet"],):
            started.append((expected, command, mlteam_course(course, *command, python_prefix=prefix)))
    with stopped_at_exit([process for _expected, _command, process in started]):  # independent: all at once
        for expected, command, process in started:
            code, out, err = finished(process)
            lines = err.strip().splitlines()
            assert code == 1 and len(lines) == 1 and expected in lines[0], (command, out, err)
            assert "secret" not in err and "wrong" not in err, "the password is never shown"
