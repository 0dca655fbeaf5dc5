"""`mlteam-course grade` and `feedback` on real nbgrader, in temporary courses.

One module-scoped cohort (two assignments, three honest learners each, one broken
notebook) is graded by `mlteam-course grade --jobs 2`; the tests compare it with
the same honest submissions graded by plain `nbgrader autograde` (the session's
reference courses, tests/reference_cohort.py) and then exercise reruns,
interruption and feedback on the graded course.

The graded course (`graded`) is shared and read-only: a test that grades again,
gives feedback, resubmits or edits the gradebook takes its own copy
(`graded_copy`, a folder copy: much cheaper than grading again), so every test
sees the course as `grade` left it, in any order.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from course_helpers import HONEST_KINDS, Submission, generate, honest_submission, make_course, scores, submit
from mlteam_utils.cohort.gradebook_merge import OUTCOME_TABLE
from mlteam_utils.nbgrader_runner import nbgrader_environment
from reference_cohort import folder_digest, kept_unchanged, reference_courses

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
BROKEN = ("broken", ASSIGNMENTS[0])


def build_cohort(root: Path) -> Path:
    course = make_course(root, ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        generate(course, assignment)
        for kind in HONEST_KINDS:
            submit(course, kind, assignment, {assignment: honest_submission(course, assignment, kind)})
    submit(course, BROKEN[0], BROKEN[1], {BROKEN[1]: Submission('{"cells": [')})
    return course


def mlteam_course(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", *args],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def outcomes(course: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    with sqlite3.connect(course / "course" / "gradebook.db") as connection:
        rows = connection.execute(f"SELECT student, assignment, outcome, reason FROM {OUTCOME_TABLE}").fetchall()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict]]:
    """Per-cell scores from plain, sequential `nbgrader autograde` (honest learners only).

    The session's shared reference courses (tests/reference_cohort.py): the same three
    honest submissions of each assignment, graded by the nbgrader command, read only.
    """
    references = reference_courses(tmp_path_factory, ASSIGNMENTS)
    for built in references.values():
        assert built.autograde.returncode == 0, built.autograde.stderr[-3000:]
    with kept_unchanged(*references.values()):
        yield {assignment: built.scores() for assignment, built in references.items()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    """The cohort graded once by `mlteam-course grade --jobs 2`. Read only: see `graded_copy`.

    At the end of the module the course must be byte for byte as grading left it:
    a test that changed it would make the others depend on the order they run in.
    """
    course = build_cohort(tmp_path_factory.mktemp("cohort"))
    completed = mlteam_course(course, "grade", "--jobs", "2")
    before = folder_digest(course)
    yield course, completed
    after = folder_digest(course)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"a test changed the shared graded course (use graded_copy): {changed[:10]}"


@pytest.fixture
def graded_copy(graded: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> Path:
    """This test's own copy of the graded course, for tests that change it."""
    course, _ = graded
    copy = tmp_path / "graded-copy"
    shutil.copytree(course, copy, symlinks=True)  # copy2: file times kept, as `grade` left them
    return copy


def test_every_honest_grade_equals_plain_nbgrader(graded, reference) -> None:
    course, completed = graded
    assert "graded: 6" in completed.stdout, completed.stdout + completed.stderr[-2000:]
    for assignment in ASSIGNMENTS:
        parallel = scores(course, assignment)
        assert {k: v for k, v in parallel.items() if k != BROKEN[0]} == reference[assignment]
        for kind in HONEST_KINDS:
            assert (course / "course" / "autograded" / kind / assignment / f"{assignment}.ipynb").is_file()


def test_a_broken_submission_is_reported_and_skipped(graded) -> None:
    course, completed = graded
    assert completed.returncode == 1, "exit status 1 says some submissions failed"
    assert "failed: 1" in completed.stdout
    assert "broken/ex01_how_ml_projects_differ: NotJSONError" in completed.stdout
    assert outcomes(course)[BROKEN][0] == "failed"
    assert not (course / "course" / "autograded" / BROKEN[0]).exists()


def test_summary_counts_manual_grading_and_progress_shows_eta(graded) -> None:
    _, completed = graded
    # Each assignment's reflection waits for a hand grade, but the blank learners': an empty one scores 0 on its own.
    assert "(4 need manual grading)" in completed.stdout, completed.stdout
    assert "7/7 done" in completed.stderr and "left" in completed.stderr


def test_rerun_grades_only_what_changed_and_force_regrades_all(graded_copy: Path) -> None:
    course = graded_copy
    rerun = mlteam_course(course, "grade", "--jobs", "2", "--quiet")
    assert "graded: 0" in rerun.stdout and "unchanged since the last run (not regraded): 6" in rerun.stdout
    assert "failed: 1" in rerun.stdout, "a failed submission is retried, and fails again"

    # The half-right learner hands in a corrected notebook: only that one is regraded.
    assignment = ASSIGNMENTS[1]
    before = sum(v or 0 for v in scores(course, assignment)["half_right"].values())
    submit(course, "half_right", assignment, {assignment: honest_submission(course, assignment, "solution")})
    changed = mlteam_course(course, "grade", assignment, "--quiet")
    assert "graded: 1" in changed.stdout and "unchanged since the last run (not regraded): 2" in changed.stdout
    after = sum(v or 0 for v in scores(course, assignment)["half_right"].values())
    assert after > before

    forced = mlteam_course(course, "grade", "--force", "--quiet", "--jobs", "2")
    assert "graded: 6" in forced.stdout and "unchanged since the last run (not regraded): 0" in forced.stdout


def test_a_manual_grade_survives_regrading(graded_copy: Path) -> None:
    from nbgrader.api import Gradebook

    course = graded_copy
    assignment, student = ASSIGNMENTS[0], "solution"
    url = f"sqlite:///{course / 'course' / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        manual = [g for g in notebook.grades if g.needs_manual_grade]
        assert manual, "the reflection needs manual grading"
        manual[0].manual_score = 1.5
        gradebook.db.commit()
        name = manual[0].name
    completed = mlteam_course(course, "grade", assignment, "--force", "--quiet")
    assert "graded: 3" in completed.stdout
    with Gradebook(url) as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        assert {g.name: g.manual_score for g in notebook.grades}[name] == 1.5


def test_interrupting_leaves_the_gradebook_consistent(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", [ASSIGNMENTS[0]])
    generate(course, ASSIGNMENTS[0])
    learners = [f"learner{i}" for i in range(6)]
    for index, learner in enumerate(learners):
        kind = HONEST_KINDS[index % len(HONEST_KINDS)]
        submit(course, learner, ASSIGNMENTS[0], {ASSIGNMENTS[0]: honest_submission(course, ASSIGNMENTS[0], kind)})
    # Graded third (in name order, one worker), a submission whose cell runs until interrupted:
    # Ctrl-C comes while it runs, with exactly two graded, however fast or loaded the machine is.
    stuck = honest_submission(course, ASSIGNMENTS[0], "blank")
    stuck.notebook.cells.insert(1, nbformat.v4.new_code_cell("while True:\n    pass"))
    stuck_folder = submit(course, "learner1_stuck", ASSIGNMENTS[0], {ASSIGNMENTS[0]: stuck})
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.Execute.timeout = 3600  # the stuck cell outlasts any test run\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlteam_utils.cli", "grade", "--jobs", "1", "--quiet"],
        cwd=course, env=nbgrader_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As at a terminal: a test run started in the background inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    database = course / "course" / "gradebook.db"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if len(outcomes(course)) >= 2:
                break
        except sqlite3.Error:
            pass  # not created yet
        time.sleep(0.2)
    assert process.poll() is None, "grading ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stdout and "Run the command again" in stdout

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    saved = outcomes(course)
    assert sorted(student for student, _ in saved) == ["learner0", "learner1"]
    for (student, assignment), (outcome, _) in saved.items():
        assert outcome == "graded"
        assert (course / "course" / "autograded" / student / assignment / f"{assignment}.ipynb").is_file()
    assert sorted(scores(course, ASSIGNMENTS[0])) == sorted(student for student, _ in saved)
    assert not list((course / "course" / ".grading").glob("run-*")), "no scratch folder is left behind"

    shutil.rmtree(stuck_folder)  # the learner takes the endless loop back
    rerun = mlteam_course(course, "grade", "--quiet")
    assert f"graded: {len(learners) - len(saved)}" in rerun.stdout
    assert f"unchanged since the last run (not regraded): {len(saved)}" in rerun.stdout


def test_feedback_hides_hidden_tests_and_missed_answers(graded_copy: Path) -> None:
    course = graded_copy
    completed = mlteam_course(course, "feedback", ASSIGNMENTS[0])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    page = course / "course" / "feedback" / "half_right" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.html"
    text = page.read_text(encoding="utf-8")
    assert "Widget question:" in text, "the widget questions' scores and per-item feedback are shown"
    # A failed check reads as one sentence: no exception name, no traceback.
    assert "Not right yet:" in text and "AssertionError" not in text and "Traceback (most recent call last)" not in text
    from mlteam_utils.cohort.feedback import assignment_secrets, find_feedback_leaks, secrets_for, shown_to_learner

    secrets = assignment_secrets(course / "solutions" / ASSIGNMENTS[0])
    assert any(s.kind == "hidden test" for s in secrets) and any(s.kind == "answer key" for s in secrets)
    graded_nb = course / "course" / "autograded" / "half_right" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb"
    assert find_feedback_leaks(text, secrets_for(secrets, shown_to_learner(graded_nb))) == []
    assert "no nbgrader exchange" in completed.stdout


def test_feedback_withholds_a_page_that_would_leak(graded_copy: Path) -> None:
    """If a setting lets hidden tests through, the scan stops the page, not the learner."""
    leaky = graded_copy
    with (leaky / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.GenerateFeedback.preprocessors = ['nbgrader.preprocessors.GetGrades', 'nbconvert.preprocessors.CSSHTMLHeaderPreprocessor']\n")
    completed = mlteam_course(leaky, "feedback", ASSIGNMENTS[0], "--no-release")
    assert completed.returncode == 1
    assert "WITHHELD" in completed.stdout and "hidden test line" in completed.stdout
    left = {page.parent.parent.name for page in (leaky / "course" / "feedback").glob(f"*/{ASSIGNMENTS[0]}/*.html")}
    # Every leaking page was removed; the broken submission's page ("could not be graded") quotes no test.
    assert left <= {BROKEN[0]}, left


def test_feedback_without_a_gradebook_deletes_nothing_and_says_why(graded_copy: Path) -> None:
    """nbgrader would create an empty gradebook and remove every page; the command stops first."""
    copy = graded_copy
    assert mlteam_course(copy, "feedback", ASSIGNMENTS[0], "--no-release").returncode in (0, 1)
    pages = sorted((copy / "course" / "feedback").rglob("*.html"))
    assert pages, "the cohort has feedback pages before the gradebook goes missing"
    before = {page: page.read_bytes() for page in pages}
    (copy / "course" / "gradebook.db").unlink()
    completed = mlteam_course(copy, "feedback", "--no-release")
    assert completed.returncode == 1
    assert "no gradebook" in completed.stderr and "mlteam-course grade" in completed.stderr
    assert {page: page.read_bytes() for page in sorted((copy / "course" / "feedback").rglob("*.html"))} == before
    assert not (copy / "course" / "gradebook.db").exists()


def test_feedback_with_no_release_says_so_rather_than_blaming_the_exchange(graded_copy: Path) -> None:
    copy = graded_copy
    completed = mlteam_course(copy, "feedback", ASSIGNMENTS[0], "--no-release")
    assert "not released (--no-release)" in completed.stdout
    assert "no nbgrader exchange" not in completed.stdout


def test_grade_with_nothing_submitted_says_so(tmp_path: Path) -> None:
    course = make_course(tmp_path / "empty", [ASSIGNMENTS[0]])
    completed = mlteam_course(course, "grade")
    assert completed.returncode == 0 and "nothing to grade" in completed.stdout


def test_grade_rejects_a_bad_jobs_value(tmp_path: Path) -> None:
    course = make_course(tmp_path / "c", [ASSIGNMENTS[0]])
    completed = mlteam_course(course, "grade", "--jobs", "0")
    assert completed.returncode == 2 and "--jobs must be at least 1" in completed.stderr


def test_a_hand_grade_given_during_a_run_is_not_lost_by_the_merge(graded_copy: Path, tmp_path: Path) -> None:
    """The instructor grades a reflection while a worker regrades the same submission."""
    from nbgrader.api import Gradebook

    from mlteam_utils.cohort.gradebook_merge import copy_gradebook, merge_submission

    course = graded_copy
    assignment, student = ASSIGNMENTS[1], "blank"
    database = course / "course" / "gradebook.db"
    worker_copy = tmp_path / "worker.db"
    copy_gradebook(database, worker_copy)  # the worker's copy, taken at the start of the run
    with Gradebook(f"sqlite:///{database}") as gradebook:  # meanwhile, in the formgrader
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        reflection = next(g for g in notebook.grades if g.auto_score is None)  # its empty reflection's automatic 0, changed
        reflection.manual_score = 2.0
        name = reflection.name
        comment = next(c for c in notebook.comments if c.name == name)
        comment.manual_comment = "Good example from your own team."
        gradebook.db.commit()
    merge_submission(database, worker_copy, student, assignment, "fingerprint")
    with Gradebook(f"sqlite:///{database}") as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        assert {g.name: g.manual_score for g in notebook.grades}[name] == 2.0
        assert {c.name: c.manual_comment for c in notebook.comments}[name] == "Good example from your own team."


def _set_points(notebook_path: Path, grade_id: str, points: float) -> None:
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.metadata["nbgrader"]["points"] = points
    nbformat.write(notebook, notebook_path)


def test_changed_points_are_refused_by_release_and_regraded_by_grade(graded_copy: Path) -> None:
    """An instructor fixes the points of a question learners already answered."""
    from nbgrader.api import Gradebook

    copy = graded_copy
    assignment = ASSIGNMENTS[0]
    url = f"sqlite:///{copy / 'course' / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        max_before = gradebook.find_assignment(assignment).max_score
        score_before = gradebook.find_submission(assignment, "solution").score
    source = copy / "solutions" / assignment / f"{assignment}.ipynb"
    _set_points(source, "q1_crisp_dm_loops", 4)
    released_before = (copy / "exercises" / assignment / f"{assignment}.ipynb").read_bytes()

    refused = mlteam_course(copy, "release", assignment)
    assert refused.returncode == 1
    assert f"{assignment}/q1_crisp_dm_loops: 3 -> 4 points" in refused.stderr and "--accept-changes" in refused.stderr
    assert (copy / "exercises" / assignment / f"{assignment}.ipynb").read_bytes() == released_before, "nothing released"
    with Gradebook(url) as gradebook:
        assert gradebook.find_assignment(assignment).max_score == max_before, "the gradebook is untouched"

    # Without a release, `grade` still notices the change and regrades with the new points.
    regraded = mlteam_course(copy, "grade", "--quiet")
    assert "regraded because solutions/ changed since they were graded: 3" in regraded.stdout, regraded.stdout
    assert "unchanged since the last run (not regraded): 3" in regraded.stdout, regraded.stdout
    with Gradebook(url) as gradebook:
        assert gradebook.find_assignment(assignment).max_score == max_before + 1
        assert gradebook.find_submission(assignment, "solution").score == pytest.approx(score_before + 1)
    again = mlteam_course(copy, "grade", "--quiet")
    assert "graded: 0" in again.stdout and "regraded because" not in again.stdout

    _set_points(source, "q1_crisp_dm_loops", 5)
    accepted = mlteam_course(copy, "release", "--accept-changes", assignment)
    assert accepted.returncode == 0, accepted.stderr
    assert f"changing {assignment}, which has 3 submission(s)" in accepted.stdout and "4 -> 5 points" in accepted.stdout
    assert b'"points": 5' in (copy / "exercises" / assignment / f"{assignment}.ipynb").read_bytes()


def test_a_failed_resubmission_keeps_the_earlier_grade_and_says_so(graded_copy: Path, tmp_path: Path) -> None:
    """Nothing lost: a learner's broken resubmission leaves their graded work in place, flagged."""
    import csv

    copy = graded_copy
    assignment, student = ASSIGNMENTS[1], "half_right"
    before = scores(copy, assignment)[student]
    graded_folder = copy / "course" / "autograded" / student / assignment
    graded_before = (graded_folder / f"{assignment}.ipynb").read_bytes()

    submit(copy, student, assignment, {assignment: Submission('{"cells": [')})
    regraded = mlteam_course(copy, "grade", assignment, "--quiet")
    assert regraded.returncode == 1 and f"{student}/{assignment}: NotJSONError" in regraded.stdout
    assert scores(copy, assignment)[student] == before, "the earlier grade stays in the gradebook"
    assert (graded_folder / f"{assignment}.ipynb").read_bytes() == graded_before, "and its autograded notebook"

    assert mlteam_course(copy, "export", "--to", str(tmp_path / "grades.csv")).returncode == 0
    with (tmp_path / "grades.submissions.csv").open(newline="", encoding="utf-8") as stream:
        rows = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(stream)}
    row = rows[(student, assignment)]
    assert row["status"] == "could not be graded"
    assert row["reason"].startswith("NotJSONError") and row["reason"].endswith("the score shown is from an earlier submission")
    assert float(row["raw_score"]) == pytest.approx(sum(v or 0 for v in before.values()))
