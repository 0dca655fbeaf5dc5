"""`mlteam-course grade`, `feedback`, `export` and `report` on a PostgreSQL gradebook, several graders at once.

Real parts: Debian's PostgreSQL in a throwaway cluster (tests/postgres_cluster.py), real
nbgrader grading real notebooks, the real command in subprocesses. One small cohort (two
assignments; three honest learners and one broken notebook) is graded three ways:

* into SQLite by one `grade` run: the reference;
* into PostgreSQL by two `grade` processes at once, split by learner (`--shard 1/2` and
  `2/2`), while this test process, as the formgrader would, enters a hand grade through
  nbgrader's `Gradebook` API;
* into PostgreSQL by two `grade` processes at once, split by assignment.

The same hand grade is entered in the other two after grading, so all three must export the
same CSVs and report the same figures, with every submission graded once and no row twice.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
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
#: Options of two graders run at once on this one machine. Without the sandbox: bubblewrap
#: set up by two processes at the same instant was seen to fail here ("Can't create file at
#: /etc/subgid.lock"), which is not what these tests are about; graders on two machines do not
#: share it. (The reference SQLite run grades sandboxed; the scores must be the same.)
CONCURRENT = ("--quiet", "--jobs", "1", "--no-isolation")
SUBMISSIONS = {(kind, assignment) for kind in HONEST_KINDS for assignment in ASSIGNMENTS} | {BROKEN}


def mlteam_course(course: Path, *args: str, python_prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    command = [sys.executable, *python_prefix] if python_prefix else [sys.executable, "-m", "mlteam_utils.cli"]
    return subprocess.Popen(
        [*command, *args], cwd=course, env=nbgrader_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finished(process: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def run(course: Path, *args: str) -> tuple[int, str, str]:
    return finished(mlteam_course(course, *args))


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


def outputs(course: Path, name: str) -> dict[str, str]:
    """export's CSVs and report's CSV tables (its figures), file name -> text."""
    assert run(course, "export", "--to", str(course / name / "grades.csv"))[0] == 0
    code, _out, err = run(course, "report", "--to", str(course / name / "cohort"))
    assert code == 0, err
    return {str(path.relative_to(course / name)): path.read_text(encoding="utf-8") for path in sorted((course / name).rglob("*.csv"))}


def duplicate_rows(db_url: str) -> dict[str, int]:
    """Per nbgrader table of a submission: rows beyond the one each key should have."""
    import sqlalchemy as sa

    keys = {
        "student": "id",
        "submitted_assignment": "assignment_id, student_id",
        "submitted_notebook": "notebook_id, assignment_id",
        "grade": "cell_id, notebook_id",
        "comment": "cell_id, notebook_id",
        "mlteam_grading_outcome": "student, assignment",
    }
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(sa.text(f"SELECT COUNT(*) - COUNT(DISTINCT ({key})) FROM {table}")).scalar_one()
                for table, key in keys.items()
            }
    finally:
        engine.dispose()


def graded_submissions(db_url: str) -> dict[tuple[str, str], str]:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT student, assignment, outcome FROM mlteam_grading_outcome")).fetchall()
    finally:
        engine.dispose()
    return {(row[0], row[1]): row[2] for row in rows}


def copy_definition(source_url: str, target_url: str) -> None:
    """nbgrader's schema and the course's assignments, notebooks and cells, from one gradebook into an empty one."""
    import sqlalchemy as sa
    from nbgrader.api import Base, Gradebook

    with Gradebook(target_url, course_id=COURSE_ID):
        pass
    per_learner = {"student", "submitted_assignment", "submitted_notebook", "grade", "comment", "course"}
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    try:
        with source.connect() as reading, target.begin() as writing:
            for table in Base.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in reading.execute(sa.select(table))]
                if table.name not in per_learner and rows:
                    writing.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()


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


def copy_course(cohort: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    return Path(shutil.copytree(cohort, tmp_path_factory.mktemp(name) / "course", symlinks=True))


@pytest.fixture(scope="module")
def sqlite_outputs(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The reference: one grader, the SQLite gradebook, then the hand grade."""
    course = copy_course(cohort, tmp_path_factory, "sqlite")
    code, _out, err = run(course, "grade", "--quiet", "--jobs", "2")
    assert code == 1 and "broken/" in _out, err  # the broken notebook fails alone
    give_hand_grade(db_url_of(course))
    return outputs(course, "out")


@pytest.fixture(scope="module")
def split_by_learner(cohort: Path, tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster) -> dict:
    """Two graders at once on one PostgreSQL gradebook, one share of the learners each; a hand grade meanwhile."""
    from mlteam_utils.cohort.gradebook_merge import has_submission
    from mlteam_utils.cohort.learner_split import shard_of

    assert {shard_of(kind, 2) for kind in (*HONEST_KINDS, BROKEN[0])} == {1, 2}, "each grader has learners to grade"
    course = use_database(copy_course(cohort, tmp_path_factory, "pg-learners"), postgres_cluster.url())
    db_url = db_url_of(course)
    graders = [mlteam_course(course, "grade", *CONCURRENT, "--shard", f"{k}/2") for k in (1, 2)]
    assignment, student, _points, _text = HAND_GRADE
    deadline = time.monotonic() + 600
    while not has_submission(db_url, student, assignment):
        if all(g.poll() is not None for g in graders) or time.monotonic() > deadline:
            pytest.fail(f"the graders never merged {student}/{assignment}: {[finished(g) for g in graders]}")
        time.sleep(0.2)
    give_hand_grade(db_url)
    grading_meanwhile = any(g.poll() is None for g in graders)
    results = [finished(grader) for grader in graders]
    return {"course": course, "db_url": db_url, "results": results, "grading_meanwhile": grading_meanwhile}


@pytest.fixture(scope="module")
def split_by_assignment(cohort: Path, tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster) -> dict:
    """Two graders at once on one PostgreSQL gradebook, one assignment each; the hand grade afterwards."""
    course = use_database(copy_course(cohort, tmp_path_factory, "pg-assignments"), postgres_cluster.url(tcp=True))
    db_url = db_url_of(course)
    graders = [mlteam_course(course, "grade", *CONCURRENT, assignment) for assignment in ASSIGNMENTS]
    results = [finished(grader) for grader in graders]
    give_hand_grade(db_url)
    return {"course": course, "db_url": db_url, "results": results}


def test_two_graders_split_by_learner_grade_each_submission_once_and_keep_the_hand_grade(split_by_learner: dict) -> None:
    (code_1, out_1, err_1), (code_2, out_2, err_2) = split_by_learner["results"]
    assert code_1 == 1 and "broken/" + BROKEN[1] in out_1, err_1  # share 1 holds the broken notebook
    assert code_2 == 0, err_2
    assert split_by_learner["grading_meanwhile"], "the hand grade was entered while a grader was still grading"
    outcomes = graded_submissions(split_by_learner["db_url"])
    assert set(outcomes) == SUBMISSIONS
    assert {key for key, outcome in outcomes.items() if outcome == "failed"} == {BROKEN}
    assert duplicate_rows(split_by_learner["db_url"]) == dict.fromkeys(
        ["student", "submitted_assignment", "submitted_notebook", "grade", "comment", "mlteam_grading_outcome"], 0
    )
    assert hand_grade_in(split_by_learner["db_url"]) == HAND_GRADE[2:]


def test_postgres_gradebooks_export_and_report_what_sqlite_does(
    sqlite_outputs: dict[str, str], split_by_learner: dict, split_by_assignment: dict
) -> None:
    """Same cohort, same hand grade: the same CSVs from SQLite and both PostgreSQL runs, the same report figures from the first."""
    assert [code for code, _out, _err in split_by_assignment["results"]] == [1, 0]  # ex01 holds the broken notebook
    assert duplicate_rows(split_by_assignment["db_url"])["submitted_assignment"] == 0
    assert {"grades.csv", "grades.long.csv", "grades.submissions.csv"} <= set(sqlite_outputs)
    assert any(name.startswith("cohort/") for name in sqlite_outputs), "the report wrote its tables"
    assert outputs(split_by_learner["course"], "out") == sqlite_outputs
    assert run(split_by_assignment["course"], "export", "--to", str(split_by_assignment["course"] / "out" / "grades.csv"))[0] == 0
    exported = {path.name: path.read_text(encoding="utf-8") for path in (split_by_assignment["course"] / "out").glob("*.csv")}
    assert exported == {name: text for name, text in sqlite_outputs.items() if "/" not in name}


def test_feedback_works_on_postgres(split_by_learner: dict) -> None:
    """Pages are written; what they were made from is remembered in the PostgreSQL gradebook."""
    import sqlalchemy as sa

    course = split_by_learner["course"]
    code, out, err = run(course, "feedback", "--no-release", "--include-ungraded")
    assert code == 0, out + err
    pages = sorted(p.relative_to(course / "course" / "feedback").parts[:2] for p in (course / "course" / "feedback").rglob("*.html"))
    assert pages == sorted((kind, assignment) for kind in HONEST_KINDS for assignment in ASSIGNMENTS)
    engine = sa.create_engine(split_by_learner["db_url"])
    try:
        with engine.connect() as connection:
            recorded = connection.execute(sa.text("SELECT COUNT(*) FROM mlteam_feedback_source")).scalar_one()
    finally:
        engine.dispose()
    assert recorded == len(pages)


def test_a_hand_grade_given_while_a_worker_regrades_is_carried_over_on_postgres(
    split_by_learner: dict, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    """The merge itself, on PostgreSQL: a worker's copy taken before the formgrader's grade does not erase it."""
    from nbgrader.api import Gradebook

    from mlteam_utils.cohort.gradebook_merge import (
        copy_gradebook,
        copy_submission,
        ensure_outcome_table,
        merge_submission,
        submission_counts,
    )

    db_url = postgres_cluster.url()  # this test's own copy of the graded cohort, in a fresh database
    copy_definition(split_by_learner["db_url"], db_url)
    ensure_outcome_table(db_url)
    dump = tmp_path / "dump.db"
    copy_gradebook(split_by_learner["db_url"], dump)
    for student, assignment in sorted(SUBMISSIONS - {BROKEN}):
        copy_submission(split_by_learner["db_url"], dump, student, assignment)
        merge_submission(db_url, dump, student, assignment, "f")
    counts = submission_counts(db_url)
    assert counts["submitted_assignment"] == len(SUBMISSIONS - {BROKEN})

    assignment, student = ASSIGNMENTS[1], "blank"
    worker = tmp_path / "worker.db"
    copy_gradebook(db_url, worker)
    copy_submission(db_url, worker, student, assignment)  # the worker's copy, taken before the formgrader's grade
    with Gradebook(db_url, course_id=COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        reflection = next(g for g in notebook.grades if g.needs_manual_grade)
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
    for expected, db_url in cases.items():
        course = use_database(Path(shutil.copytree(cohort, tmp_path / expected.split()[0])), db_url)
        # A missing driver, for real: this interpreter cannot import psycopg.
        prefix = ("-c", "import sys; sys.modules['psycopg'] = None; from mlteam_utils.cli import main; sys.exit(main(sys.argv[1:]))") \
            if expected.startswith("pip") else ()
        for command in (["grade", "--quiet"], ["export"]) if expected.startswith("password") else (["grade", "--quiet"],):
            code, out, err = finished(mlteam_course(course, *command, python_prefix=prefix))
            lines = err.strip().splitlines()
            assert code == 1 and len(lines) == 1 and expected in lines[0], (command, out, err)
            assert "secret" not in err and "wrong" not in err, "the password is never shown"
