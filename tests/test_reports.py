"""`mlteam-course export` and `report` on real nbgrader gradebooks.

One temporary course, two assignments, five learners graded by real
``nbgrader autograde`` (module-scoped: grading costs about a second per
notebook). The 500-learner test fills a copy of that real gradebook through
nbgrader's Gradebook API with synthetic scores.
"""

from __future__ import annotations

import csv
import math
import random
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import text as sql

from course_helpers import autograde, generate, honest_submission, make_course, submit
from mlteam_utils.cli import main
from mlteam_utils.reports import cohort_report, item_analysis
from mlteam_utils.reports.export import write_export
from mlteam_utils.reports.gradebook_frames import read_course_gradebook, read_gradebook

pytestmark = pytest.mark.nbgrader

ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
# learner -> assignment -> kind of submission (None = did not submit)
COHORT: dict[str, dict[str, str | None]] = {
    "ana": {ASSIGNMENTS[0]: "solution", ASSIGNMENTS[1]: "solution"},
    "ben": {ASSIGNMENTS[0]: "half_right", ASSIGNMENTS[1]: "half_right"},
    "cat": {ASSIGNMENTS[0]: "blank", ASSIGNMENTS[1]: "blank"},
    "dan": {ASSIGNMENTS[0]: "solution", ASSIGNMENTS[1]: None},
    "eve": {ASSIGNMENTS[0]: "half_right", ASSIGNMENTS[1]: "solution"},
}
REFLECTION_GRADED_BY_HAND = ("ana", ASSIGNMENTS[0])
# The item-analysis flags this cohort should get, worked out by hand from its scores
# (solution = full marks, blank = 0, half_right as its fixture scores): none. Every
# difficulty lies between 0.40 (ex01 q3 and q4_values: only the two full-mark
# learners score, 2 of 5) and 0.80 (ex01 q4_shape: 4 of 5), inside [0.3, 0.9]; every
# defined discrimination is well above 0.2 (about 0.7 or more), since the same
# learners lead on every question (full marks, then half-right, then blank); the
# reflections have fewer than 3 final scores, so no flag. Any flag
# here is a change to explain. Each flag itself is checked by hand in
# test_item_analysis.py, on a cohort built to raise it.
EXPECTED_FLAGS: dict[tuple[str, str], str] = {}


def db_url(course: Path) -> str:
    return f"sqlite:///{course / 'course' / 'gradebook.db'}"


def task_cell_names(gradebook: Gradebook, assignment: str) -> list[tuple[str, str]]:
    return [(nb.name, cell.name) for nb in gradebook.find_assignment(assignment).notebooks for cell in nb.task_cells]


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two assignments, five learners (one missing ex02), autograded by nbgrader; one reflection hand-graded."""
    course = make_course(tmp_path_factory.mktemp("reports") / "course", ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        generate(course, assignment)
        for learner, plan in COHORT.items():
            kind = plan[assignment]
            if kind is not None:
                submit(course, learner, assignment, {assignment: honest_submission(course, assignment, kind)})
        completed = autograde(course, assignment)
        assert completed.returncode == 0, completed.stderr[-3000:]
    # What the formgrader does when an instructor grades a reflection by hand.
    learner, assignment = REFLECTION_GRADED_BY_HAND
    with Gradebook(db_url(course), course_id="mlteam-onboarding") as gradebook:
        tasks = task_cell_names(gradebook, assignment)
        assert tasks, "the exercise should have a hand-graded reflection (a task cell)"
        notebook, cell = tasks[0]
        grade = gradebook.find_grade(cell, notebook, assignment, learner)
        grade.manual_score = gradebook.find_graded_cell(cell, notebook, assignment).max_score
        grade.needs_manual_grade = False
        gradebook.db.commit()
    return course


@pytest.fixture(scope="module")
def exported(graded_course: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = tmp_path_factory.mktemp("export")
    wide, long, _ = write_export(read_course_gradebook(graded_course), out / "grades.csv")
    assert long == out / "grades.long.csv"
    return (
        pd.read_csv(wide, dtype={"student_id": str}, keep_default_na=False, na_values=[""]),
        pd.read_csv(long, dtype={"student_id": str}, keep_default_na=False, na_values=[""]),
    )


# --- export ---------------------------------------------------------------------------


def test_wide_export_matches_nbgrader_totals(graded_course: Path, exported) -> None:
    wide, _ = exported
    assert list(wide["student_id"]) == sorted(COHORT)
    assert list(wide.columns) == [
        "student_id", "first_name", "last_name", "email", *ASSIGNMENTS, "total", "max_possible", "submitted", "not_submitted",
        "failed", "late", "status",
    ]
    with Gradebook(db_url(graded_course), course_id="mlteam-onboarding") as gradebook:
        max_possible = sum(gradebook.find_assignment(a).max_score for a in ASSIGNMENTS)
        for row in wide.itertuples(index=False):
            expected_total = 0.0
            for assignment in ASSIGNMENTS:
                cell = getattr(row, assignment)
                try:
                    submission = gradebook.find_submission(assignment, row.student_id)
                except MissingEntry:
                    assert COHORT[row.student_id][assignment] is None
                    assert math.isnan(cell), f"{row.student_id} did not submit {assignment}: the cell must be empty"
                    continue
                per_question = sum(g.score for nb in submission.notebooks for g in nb.grades)
                assert cell == pytest.approx(per_question)
                assert cell == pytest.approx(submission.score)
                expected_total += per_question
            assert row.total == pytest.approx(expected_total)
            assert row.max_possible == pytest.approx(max_possible)
            assert row.submitted + row.not_submitted == len(ASSIGNMENTS)
    # The cohort is not degenerate: full marks, partial and zero all occur.
    ex01 = wide.set_index("student_id")[ASSIGNMENTS[0]]
    assert ex01["cat"] == 0 and 0 < ex01["ben"] < ex01["dan"]


def test_long_export_has_every_learner_question_and_matches_each_grade(graded_course: Path, exported) -> None:
    wide, long = exported
    with Gradebook(db_url(graded_course), course_id="mlteam-onboarding") as gradebook:
        questions = [
            (a, nb.name, cell.name, cell.max_score)
            for a in ASSIGNMENTS
            for nb in gradebook.find_assignment(a).notebooks
            for cell in [*nb.grade_cells, *nb.task_cells]
        ]
        assert len(long) == len(COHORT) * len(questions)
        assert set(zip(long.assignment, long.notebook, long.question)) == {q[:3] for q in questions}
        for row in long.itertuples(index=False):
            if COHORT[row.student_id][row.assignment] is None:
                assert row.submitted == "no"
                assert pd.isna(row.needs_manual_grade) and pd.isna(row.score), "not submitted: both cells empty"
                continue
            grade = gradebook.find_grade(row.question, row.notebook, row.assignment, row.student_id)
            assert row.submitted == "yes"
            assert row.score == pytest.approx(grade.score)
            assert row.max_score == pytest.approx(grade.max_score)
            assert row.needs_manual_grade == ("yes" if grade.needs_manual_grade else "no")
    # A blank submission scored 0 is not "not submitted".
    cat = long[long.student_id == "cat"]
    assert (cat.submitted == "yes").all() and (cat.score.dropna() == 0).all() and cat.score.notna().all()
    # The hand-graded reflection no longer needs grading, nor the blank one (an empty answer scores 0
    # on its own); the others still do.
    learner, assignment = REFLECTION_GRADED_BY_HAND
    manual = long[(long.cell_type == "markdown") & (long.assignment == assignment) & (long.submitted == "yes")]
    assert set(manual[manual.needs_manual_grade == "no"].student_id) == {learner, "cat"}
    # The long file adds up to the wide one.
    sums = long.groupby(["student_id", "assignment"])["score"].sum(min_count=1).unstack()
    for assignment in ASSIGNMENTS:
        pd.testing.assert_series_equal(
            sums[assignment].reindex(wide.student_id).reset_index(drop=True), wide[assignment], check_names=False,
            check_dtype=False,  # read_csv reads a column of whole scores as integers
        )


# --- item analysis --------------------------------------------------------------------


def test_item_analysis_matches_a_hand_computation(graded_course: Path) -> None:
    frames = read_course_gradebook(graded_course)
    table = item_analysis.item_statistics(frames.items).set_index(["assignment", "notebook", "question"])
    items = frames.items[frames.items.submitted]
    final = items[~items.needs_manual_grade.astype(bool)]
    defined = 0
    for assignment in ASSIGNMENTS:
        in_assignment = final[final.assignment == assignment]
        totals = in_assignment.groupby("student_id")["score"].sum()
        for (notebook, question), item in in_assignment.groupby(["notebook", "question"]):
            row = table.loc[(assignment, notebook, question)]
            scores = item.set_index("student_id")["score"]
            maximum = float(item["max_score"].iloc[0])
            assert row["difficulty"] == pytest.approx(scores.mean() / maximum)
            assert row["learners"] == len(scores)
            rest = (totals - scores).reindex(scores.index)
            if len(scores) < 3 or np.std(scores) == 0 or np.std(rest) == 0:
                assert math.isnan(row["discrimination"]) and row["note"], (question, row.to_dict())
            else:
                expected = np.corrcoef(scores.to_numpy(float), rest.to_numpy(float))[0, 1]
                assert row["discrimination"] == pytest.approx(expected)
                defined += 1
            assert row["flags"] == EXPECTED_FLAGS.get((assignment, question), ""), question
            assert bool(row["hint"]) == bool(row["flags"])
    assert defined >= 2, "the cohort should give several questions a defined discrimination"
    # Reflections still waiting for a hand grade are left out of their question's statistics.
    pending = table[table["pending_manual"] > 0]
    assert len(pending) and (pending["learners"] < len(COHORT)).all()


# --- report ---------------------------------------------------------------------------


class PageParts(HTMLParser):
    """Collects what the report page links to and its table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.scripts = 0
        self.tables: list[int] = []
        self.figcaptions = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values["src"] or "")
        elif tag == "a":
            self.links.append(values["href"] or "")
        elif tag in ("script", "link", "iframe"):
            self.scripts += 1
        elif tag == "table":
            self.tables.append(0)
        elif tag == "tr" and self.tables:
            self.tables[-1] += 1
        elif tag == "figcaption":
            self.figcaptions += 1


def parse_page(path: Path) -> tuple[str, PageParts]:
    text = path.read_text(encoding="utf-8")
    parts = PageParts()
    parts.feed(text)
    return text, parts


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def hand_behind(wide: pd.DataFrame, maxima: dict[str, float], relative: float = 0.75) -> set[str]:
    """The report's 'behind' definition, recomputed from the wide export (no due dates here)."""
    counted = [a for a in maxima if wide[a].notna().sum() >= 0.5 * len(wide)]
    percents = {}
    missing = {}
    for row in wide.itertuples(index=False):
        done = [a for a in counted if not math.isnan(getattr(row, a))]
        missing[row.student_id] = len(counted) - len(done)
        possible = sum(maxima[a] for a in done)
        percents[row.student_id] = 100 * sum(getattr(row, a) for a in done) / possible if possible else math.nan
    median = float(np.nanmedian(list(percents.values())))
    # The report rounds percentages to one decimal place before comparing.
    return {s for s in percents if missing[s] > 0 or round(percents[s], 1) < relative * median}


def test_report_writes_page_plots_and_csvs(graded_course: Path, exported, tmp_path: Path) -> None:
    wide, _ = exported
    frames = read_course_gradebook(graded_course)
    files = cohort_report.write_report(frames, tmp_path / "report")
    text, page = parse_page(files.index)

    # The plots are inside the page, the same bytes as the PNG files beside it: no script and
    # no request shows them (the hub serves the page sandboxed, deploy/jupyterhub/README.md).
    assert sorted(page.images) == sorted(cohort_report.png_data_uri(p) for p in files.plots)
    for name in [link for link in page.links if not link.startswith("#")]:
        assert "://" not in name and (files.folder / name).is_file(), name
    for plot in files.plots:
        png_size(plot)
    assert page.scripts == 0, "the page must be self-contained"
    assert page.figcaptions == len(files.plots) and text.count("What to see:") == len(files.plots)

    completion = pd.read_csv(files.folder / "completion.csv")
    assert dict(zip(completion.assignment, completion.submitted)) == {
        a: sum(plan[a] is not None for plan in COHORT.values()) for a in ASSIGNMENTS
    }
    distribution = pd.read_csv(files.folder / "score_distribution.csv").set_index("assignment")
    for assignment in ASSIGNMENTS:
        assert distribution.loc[assignment, "median"] == pytest.approx(wide[assignment].median())
        assert distribution.loc[assignment, "submitted"] == wide[assignment].notna().sum()

    behind = pd.read_csv(files.folder / "behind.csv", dtype={"student_id": str})
    maxima = frames.assignments.set_index("assignment")["max_score"].to_dict()
    assert set(behind.student_id) == hand_behind(wide, maxima)
    assert {"cat", "dan"} <= set(behind.student_id)
    assert behind.student_id.iloc[0] == "dan", "missing work sorts first"
    assert ASSIGNMENTS[1] in behind.set_index("student_id").loc["dan", "reason"]
    assert "A learner is behind when" in text
    for learner in behind.student_id:
        assert f"<td>{learner}</td>" in text

    items = pd.read_csv(files.folder / "item_analysis.csv", keep_default_na=False)
    assert len(items) == len(item_analysis.item_statistics(frames.items))
    for hint in items.loc[items["flags"] != "", "hint"]:
        assert hint and hint.split(":")[0] in text


# nbgrader's add_submission builds its rows before adding them to the session, and
# SQLAlchemy 2 warns about that while it autoflushes; the rows are stored all the same.
@pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning")
def test_report_for_500_learners_stays_bounded(graded_course: Path, tmp_path: Path) -> None:
    """A real gradebook (a copy of the graded one) filled to 500 learners through nbgrader's API."""
    course = tmp_path / "big"
    shutil.copytree(graded_course, course, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
    rng = random.Random(7)
    with Gradebook(db_url(course), course_id="mlteam-onboarding") as gradebook:
        # A throw-away copy: skip SQLite's fsync per commit (add_submission commits each one).
        # Only this test writes it, so the session need not reload every object after each commit.
        gradebook.db.execute(sql("PRAGMA synchronous=OFF"))
        gradebook.db().expire_on_commit = False
        while len(gradebook.students) < 500:
            learner = f"learner{len(gradebook.students):03d}"
            gradebook.add_student(learner, first_name="Synthetic", last_name=learner)
            ability = rng.random()
            for assignment in ASSIGNMENTS:
                if rng.random() < 0.12:
                    continue  # not submitted
                submission = gradebook.add_submission(assignment, learner)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.cell_type == "code":
                            grade.auto_score = grade.cell.max_score * (1.0 if rng.random() < ability else 0.0)
                            grade.needs_manual_grade = False
                        # reflections stay waiting for a hand grade, as after autograde
            gradebook.db.commit()
        learner_count = len(gradebook.students)

    small = cohort_report.write_report(read_course_gradebook(graded_course), tmp_path / "small")
    frames = read_course_gradebook(course)
    assert len(frames.learners) == learner_count == 500
    files = cohort_report.write_report(frames, tmp_path / "report")
    text, page = parse_page(files.index)

    # The charts are inline images (the page opens through a hub's script-free sandbox): their
    # size is held below, file by file; the rest of the page must not grow with the cohort.
    words = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", text)
    assert len(words.encode()) < 60_000, "the page must not grow with the cohort"
    assert max(page.tables) <= max(cohort_report.MAX_BEHIND_ROWS, cohort_report.MAX_ITEM_ROWS) + 1
    for big_plot, small_plot in zip(files.plots, small.plots):
        assert png_size(big_plot) == png_size(small_plot), f"{big_plot.name} changes size with the cohort"
        assert big_plot.stat().st_size < 150_000

    learners = pd.read_csv(files.folder / "learners.csv")
    behind = pd.read_csv(files.folder / "behind.csv", dtype={"student_id": str})
    assert len(learners) == 500
    assert len(behind) > cohort_report.MAX_BEHIND_ROWS, "the synthetic cohort should need the cap"
    assert f"Showing {cohort_report.MAX_BEHIND_ROWS} of {len(behind)} rows" in text
    # Sorted by need: most missing first, then lowest score.
    keys = list(zip(-behind.missing, behind.percent_of_submitted.fillna(-1)))
    assert keys == sorted(keys)
    # Complete: the CSV's list is exactly the definition applied to the exported grades.
    wide, _, _ = write_export(frames, tmp_path / "grades.csv")
    wide_frame = pd.read_csv(wide, dtype={"student_id": str})
    maxima = frames.assignments.set_index("assignment")["max_score"].to_dict()
    assert set(behind.student_id) == hand_behind(wide_frame, maxima)


# --- CLI ------------------------------------------------------------------------------


def test_cli_export_and_report_end_to_end(graded_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course-root", str(graded_course), "export", "--to", str(tmp_path / "out" / "grades.csv")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "out" / "grades.csv") in out and str(tmp_path / "out" / "grades.long.csv") in out
    with (tmp_path / "out" / "grades.csv").open(newline="") as stream:
        assert len(list(csv.DictReader(stream))) == len(COHORT)

    long_to = tmp_path / "questions.csv"
    assert main(["--course-root", str(graded_course), "export", "--to", str(tmp_path / "g.csv"), "--long-to", str(long_to)]) == 0
    assert long_to.is_file() and not (tmp_path / "g.long.csv").exists()

    assert main(["--course-root", str(graded_course), "report", "--to", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "report" / "index.html") in out
    assert "mlteam-onboarding" in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")


def test_default_outputs_keep_a_checkout_clean(graded_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Grades written where export and report put them by default never show up in `git status`."""
    checkout = tmp_path / "checkout"
    shutil.copytree(graded_course, checkout)
    shutil.copy2(Path(__file__).resolve().parent.parent / ".gitignore", checkout / ".gitignore")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=checkout, capture_output=True, text=True, check=True,
        ).stdout

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "course")
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert main(["--course-root", str(checkout), "export"]) == 0
    assert main(["--course-root", str(checkout), "report"]) == 0
    out = capsys.readouterr().out
    written = [checkout / "course" / "reports" / "grades.csv", checkout / "course" / "reports" / "cohort" / "index.html"]
    for path in written:
        assert path.is_file() and str(path) in out
    assert git("status", "--porcelain", "--untracked-files=all") == "", "learners' grades must not be committable by accident"
    assert git("check-ignore", *map(str, written)).split() == [str(path) for path in written]


def test_cli_refuses_clearly_without_a_gradebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = make_course(tmp_path / "fresh", ASSIGNMENTS[:1])
    for command in (["export", "--to", str(tmp_path / "g.csv")], ["report", "--to", str(tmp_path / "r")]):
        assert main(["--course-root", str(course), *command]) == 1
        err = capsys.readouterr().err
        assert "No gradebook" in err and "Traceback" not in err
    assert not (course / "course" / "gradebook.db").exists(), "reading must not create a gradebook"
    assert not (tmp_path / "g.csv").exists() and not (tmp_path / "r").exists()


def test_cli_refuses_clearly_when_nothing_is_graded(graded_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A gradebook with assignments and learners but no submission (here: every one removed)."""
    course = make_course(tmp_path / "fresh", ASSIGNMENTS[:1])
    shutil.copy2(graded_course / "course" / "gradebook.db", course / "course" / "gradebook.db")
    with Gradebook(db_url(course), course_id="mlteam-onboarding") as gradebook:
        for assignment in ASSIGNMENTS:
            for submission in list(gradebook.assignment_submissions(assignment)):
                gradebook.remove_submission(assignment, submission.student.id)
        assert gradebook.students and gradebook.assignments
    assert main(["--course-root", str(course), "export", "--to", str(tmp_path / "g.csv")]) == 1
    err = capsys.readouterr().err
    assert "no graded submission" in err and "Traceback" not in err
    assert not (tmp_path / "g.csv").exists()


def test_cli_refuses_a_folder_as_export_file(graded_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course-root", str(graded_course), "export", "--to", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err


def test_read_gradebook_rejects_a_file_that_is_not_a_gradebook(tmp_path: Path) -> None:
    from mlteam_utils.reports.gradebook_frames import NoGradebookError

    bogus = tmp_path / "gradebook.db"
    bogus.write_text("not a database")
    with pytest.raises(NoGradebookError):
        read_gradebook(f"sqlite:///{bogus}")
    assert bogus.read_text() == "not a database"


@pytest.mark.parametrize("subcommand", ["export", "report"])
def test_console_script_help(subcommand: str) -> None:
    script = Path(sys.executable).parent / "mlteam-course"
    completed = subprocess.run([str(script), subcommand, "--help"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "examples:" in completed.stdout and "--to" in completed.stdout
    assert re.search(r"mlteam-course %s --to \S+" % subcommand, completed.stdout)


# --- why a learner is behind, wrong answers, per-learner pages, released assignments ---------


def test_report_says_why_each_learner_is_behind(graded_course: Path, tmp_path: Path) -> None:
    import json

    from mlteam_utils.reports.course_context import load_context
    from mlteam_utils.syllabus import load_syllabus

    frames = read_course_gradebook(graded_course)
    context = load_context(graded_course, graded_course / "course" / "autograded", ASSIGNMENTS)
    files = cohort_report.write_report(frames, tmp_path / "report", context=context)

    # Topics: the syllabus objectives of the questions earning under half their points, by hand.
    syllabus = load_syllabus(graded_course / "course" / "syllabus.toml")
    behind = pd.read_csv(files.folder / "behind.csv", dtype={"student_id": str}, keep_default_na=False).set_index("student_id")
    cat = frames.items[(frames.items.student_id == "cat") & frames.items.submitted]
    cat = cat[~cat.needs_manual_grade.astype(bool) & (cat.score < 0.5 * cat.max_score)]
    objectives = set()
    for row in cat.itertuples(index=False):
        module = next(m for m in syllabus.modules if m.exercise_id == row.assignment)
        objectives.add(module.objective_of(row.question))
    assert objectives and set(behind.loc["cat", "topics_to_revisit"].split("; ")) == objectives
    assert behind.loc["cat", "missed_questions"].startswith("ex01: Q1")

    # Wrong answers: each half-right learner's matching choices come straight from the fixture file.
    wrong = pd.read_csv(files.folder / "wrong_answers.csv", keep_default_na=False)
    fixture = json.loads((Path(__file__).parent / "fixtures" / ASSIGNMENTS[0] / "half_right.answers.json").read_text())
    half_right = [learner for learner, plan in COHORT.items() if plan[ASSIGNMENTS[0]] == "half_right"]
    key = json.loads((graded_course / "solutions" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.key.json").read_text())
    question = "q2_waterfall_agile_ml"
    chosen = fixture["answers"][question]["value"]
    expected = key["questions"][question]["key"]
    def accepted(item: str) -> list[str]:  # a key lists its accepted categories, or names one
        answer = expected.get(item)
        return list(answer) if isinstance(answer, list) else [answer]

    mistakes = {item: given for item, given in chosen.items() if given not in accepted(item)}
    assert mistakes, "the half-right fixture gets some matching items wrong"
    rows = wrong[(wrong.assignment == ASSIGNMENTS[0]) & (wrong.question == question)].set_index(["item", "given"])
    for item, given in mistakes.items():
        assert rows.loc[(item, given), "learners"] == len(half_right)

    # One printable page per learner, linked from the report; it shows the learner's own wrong answers.
    assert sorted(p.name for p in files.learner_pages) == sorted(f"{learner}.html" for learner in COHORT)
    index = files.index.read_text(encoding="utf-8")
    assert 'href="learners/cat.html"' in index and 'href="learners/index.html"' in index
    page = (files.folder / "learners" / "ben.html").read_text(encoding="utf-8")
    item, given = next(iter(mistakes.items()))
    import html as html_module

    assert html_module.escape(item) in page and html_module.escape(given) in page and "Objectives to revisit" in page


def test_report_counts_only_assignments_learners_were_given(graded_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An assignment in the gradebook that nobody received (no submission, no due date, not released) is left out."""
    course = tmp_path / "course"
    shutil.copytree(graded_course, course)
    extra = "ex03_data_engineer"
    shutil.copytree(Path(__file__).resolve().parent.parent / "solutions" / extra, course / "solutions" / extra)
    generate(course, extra)  # records it in the gradebook, as `mlteam-course release` does
    assert main(["--course-root", str(course), "report", "--to", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert f"not counted (not released yet, nobody submitted, no due date): {extra}" in out
    completion = pd.read_csv(tmp_path / "report" / "completion.csv")
    assert list(completion.assignment) == ASSIGNMENTS
