"""`mlteam-course export --format canvas|moodle` on a real nbgrader gradebook.

The cohort (tests/completion_cohort.py, graded once per session and shared with
the completion tests) has a passed learner, a late pass, a submission that could
not be graded, an incomplete learner with a reflection awaiting manual grading,
and a late submission under nbgrader's ``penalty_method = 'zero'``. Each file is
read back the way the LMS's own importer reads it (the rules of Canvas's
``gradebook_importer.rb`` and Moodle's ``gradeimport_csv`` ``load_data.php``, cited
in ``mlteam_utils/reports/lms_export.py``), and every score is compared with nbgrader's own.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from completion_cohort import COURSE_ID, EX01, EX02, NO_GRADE, PLAN, completion_cohort, db_url
from mlteam_utils.cli import main

pytestmark = pytest.mark.nbgrader

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "lms"
EXAMPLE_ROSTER = DOCS / "lms-roster-example.csv"
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The graded cohort. Tests only read it; each writes its exports to its own tmp_path."""
    return completion_cohort(tmp_path_factory).course


@pytest.fixture(scope="module")
def nbgrader_scores(course: Path) -> dict[tuple[str, str], float]:
    """(learner, assignment) -> nbgrader's score less its late penalty (as ``nbgrader export`` gives it), per graded submission."""
    scores = {}
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for assignment in (EX01, EX02):
            for submission in gradebook.assignment_submissions(assignment):
                penalty = submission.late_submission_penalty or 0.0
                scores[submission.student_id, assignment] = max(float(submission.score) - penalty, 0.0)
    return scores


def export(course: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["--course-root", str(course), "export", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def canvas_reads(path: Path) -> tuple[list[str], dict[str, str], dict[str, dict[str, str]]]:
    """(assignments, points possible, Canvas user ID -> assignment -> cell), by the rules of Canvas's importer.

    gradebook_importer.rb: the header's first cell includes "Student", its second "ID"; with
    "SIS User ID" then "SIS Login ID" after them, the identity columns are five and the last one
    must include "Section"; a row whose first cell includes "Points Possible" describes the
    assignments; every other row is a student, found first by the ID column.
    """
    rows = read_rows(path)
    header = rows[0]
    assert "Student" in header[0] and "ID" in header[1], header
    assert header[2] == "SIS User ID" and header[3] == "SIS Login ID" and "Section" in header[4], header
    assignments = header[5:]
    points = [row for row in rows[1:] if "Points Possible" in row[0]]
    assert len(points) == 1, "one Points Possible row"
    students = {row[1]: dict(zip(assignments, row[5:], strict=True)) for row in rows[1:] if "Points Possible" not in row[0]}
    return assignments, dict(zip(assignments, points[0][5:], strict=True)), students


def moodle_reads(path: Path, key_header: str) -> dict[str, dict[str, tuple[float | None, str]]]:
    """identity -> assignment -> (grade or None, feedback), as Moodle's CSV grade import reads it.

    load_data.php: a grade cell that is empty or "-" is no grade (null); any other value must
    be a number, or the whole import stops with "badgrade".
    """
    rows = read_rows(path)
    header = rows[0]
    assert header[0] == key_header
    grades = header[1::2]
    assert header[2::2] == [f"Feedback: {name}" for name in grades], "a feedback column after each grade item"
    result: dict[str, dict[str, tuple[float | None, str]]] = {}
    for row in rows[1:]:
        assert row[0], "every row names its learner"
        cells: dict[str, tuple[float | None, str]] = {}
        for index, name in enumerate(grades):
            value, feedback = row[1 + 2 * index], row[2 + 2 * index]
            cells[name] = (None if value in ("", "-") else float(value), feedback)
        result[row[0]] = cells
    return result


def roster_ids(column: str) -> dict[str, str]:
    """learner_id -> the example roster's value of ``column``."""
    with EXAMPLE_ROSTER.open(encoding="utf-8", newline="") as handle:
        return {row["learner_id"]: row[column] for row in csv.DictReader(handle)}


# --- the formats --------------------------------------------------------------------------


def test_canvas_file_is_what_canvas_imports_blank_not_zero(course: Path, nbgrader_scores, tmp_path: Path, capsys) -> None:
    target = tmp_path / "canvas.csv"
    status, out, err = export(course, capsys, "--format", "canvas", "--roster", str(EXAMPLE_ROSTER), "--to", str(target))
    assert status == 0 and err == "", err
    assert read_rows(target)[0] == [*CANVAS_HEADER, EX01, EX02]
    assignments, points, students = canvas_reads(target)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for assignment in assignments:
            assert float(points[assignment]) == pytest.approx(gradebook.find_assignment(assignment).max_score)
    ids = roster_ids("canvas_user_id")
    assert set(students) == {ids[learner] for learner in PLAN}
    for learner in PLAN:
        for assignment in assignments:
            cell = students[ids[learner]][assignment]
            if (learner, assignment) in NO_GRADE:
                # failed, awaiting manual grading, not submitted: no grade, never 0
                assert cell == "", (learner, assignment, cell)
            else:
                assert float(cell) == pytest.approx(nbgrader_scores[learner, assignment], abs=0.005), (learner, assignment)
    # Late: the score is nbgrader's, its late penalty taken off.
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        late = gradebook.find_submission(EX01, "eve")
        assert late.total_seconds_late > 0 and late.late_submission_penalty > 0
        assert float(students[ids["eve"]][EX01]) == pytest.approx(late.score - late.late_submission_penalty, abs=0.005)
    # The instructor is told about each blank that is not a plain missing submission.
    assert f"dan/{EX01}" in out and "awaiting manual grading" in out and "--include-waiting" in out
    assert f"cat/{EX02}: could not be graded (NotJSONError" in out
    assert "2 assignment(s) not submitted, left blank" in out


def test_moodle_file_is_what_moodle_imports_with_feedback_flags(course: Path, nbgrader_scores, tmp_path: Path, capsys) -> None:
    target = tmp_path / "moodle.csv"
    status, out, _ = export(course, capsys, "--format", "moodle", "--roster", str(EXAMPLE_ROSTER), "--to", str(target))
    assert status == 0
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        maxima = ", ".join(f"{a} {gradebook.find_assignment(a).max_score:g}" for a in (EX01, EX02))
    assert f"before importing, give each Moodle grade item its maximum: {maxima}" in out
    emails = roster_ids("email")
    grades = moodle_reads(target, "Email address")
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        penalty = gradebook.find_submission(EX01, "eve").late_submission_penalty
    assert penalty > 0
    assert set(grades) == {emails[learner] for learner in PLAN}
    for learner in PLAN:
        for assignment in (EX01, EX02):
            grade, feedback = grades[emails[learner]][assignment]
            if (learner, assignment) in NO_GRADE:
                assert grade is None, (learner, assignment)
            else:
                assert grade == pytest.approx(nbgrader_scores[learner, assignment], abs=0.005)
            expected_feedback = {
                ("dan", EX01): "awaiting manual grading",
                ("eve", EX01): f"late: {penalty:g} point(s) taken off (nbgrader's late-submission penalty)",
            }.get((learner, assignment), "")
            assert feedback == expected_feedback, (learner, assignment)
    # Another key: the first column's header and values change, nothing else.
    by_id = tmp_path / "moodle-idnumber.csv"
    assert export(course, capsys, "--format", "moodle", "--moodle-key", "idnumber", "--roster", str(EXAMPLE_ROSTER),
                  "--to", str(by_id))[0] == 0
    idnumbers = roster_ids("idnumber")
    assert set(moodle_reads(by_id, "ID number")) == {idnumbers[learner] for learner in PLAN}
    assert [row[1:] for row in read_rows(by_id)] == [row[1:] for row in read_rows(target)]


def test_include_waiting_exports_the_partial_score_and_still_flags_it(course: Path, nbgrader_scores, tmp_path: Path, capsys) -> None:
    canvas, moodle = tmp_path / "canvas.csv", tmp_path / "moodle.csv"
    roster = ["--roster", str(EXAMPLE_ROSTER), "--include-waiting"]
    status, out, _ = export(course, capsys, "--format", "canvas", *roster, "--to", str(canvas))
    assert status == 0 and "exported with their partial score" in out and f"dan/{EX01}" in out
    _, _, students = canvas_reads(canvas)
    partial = nbgrader_scores["dan", EX01]
    assert partial > 0 and float(students[roster_ids("canvas_user_id")["dan"]][EX01]) == pytest.approx(partial)
    assert students[roster_ids("canvas_user_id")["dan"]][EX02] == "", "still blank: not submitted"
    assert export(course, capsys, "--format", "moodle", *roster, "--to", str(moodle))[0] == 0
    grade, feedback = moodle_reads(moodle, "Email address")[roster_ids("email")["dan"]][EX01]
    assert grade == pytest.approx(partial) and feedback.startswith("awaiting manual grading: partial score")


def test_only_the_chosen_assignments_and_roster_columns_are_exported(course: Path, tmp_path: Path, capsys) -> None:
    """--assignment picks columns (ex02 = ex02_the_ml_team); nothing nbgrader knows of a learner but the score leaves."""
    target = tmp_path / "canvas.csv"
    roster = tmp_path / "roster.csv"
    roster.write_text("learner_id,canvas_user_id\nana,1\nben,2\ncat,3\ndan,4\n", encoding="utf-8")
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:  # what nbgrader knows, the roster does not give
        known = {s.id: (s.first_name, s.last_name, s.email) for s in gradebook.students}
    status, _, _ = export(course, capsys, "--format", "canvas", "--assignment", "ex02", "--roster", str(roster), "--to", str(target))
    assert status == 0
    rows = read_rows(target)
    assert rows[0] == [*CANVAS_HEADER, EX02]
    assert [row[:5] for row in rows[2:]] == [["", str(i), "", "", ""] for i in (1, 2, 3, 4)]
    text = target.read_text(encoding="utf-8")
    for learner, values in known.items():
        assert learner not in text and not any(value and value in text for value in values)
    # An unknown assignment is a usage error that lists the course's.
    status, _, err = export(course, capsys, "--format", "moodle", "--assignment", "ex9", "--roster", str(roster), "--to", str(tmp_path / "m.csv"))
    assert status == 2 and f"unknown assignment 'ex9'; the gradebook has: {EX01}, {EX02}" in err
    assert not (tmp_path / "m.csv").exists()


def test_exports_cover_only_the_assignments_learners_were_given(course: Path, tmp_path: Path, capsys) -> None:
    """An assignment only in the gradebook (generated, never released, no due date, nobody handed it in)
    is in no export by default, as the report leaves it out; ``--assignment`` still exports it."""
    from course_helpers import generate

    checkout = tmp_path / "course"
    shutil.copytree(course, checkout)
    extra = "ex03_data_engineer"
    shutil.copytree(REPO / "solutions" / extra, checkout / "solutions" / extra)
    generate(checkout, extra)  # records it in the gradebook, as `mlteam-course release` does
    with Gradebook(db_url(checkout), course_id=COURSE_ID) as gradebook:
        extra_points = gradebook.find_assignment(extra).max_score
        given_points = sum(gradebook.find_assignment(name).max_score for name in (EX01, EX02))
    assert extra_points > 0
    said = f"not exported (not released yet, nobody submitted, no due date): {extra}"

    status, out, _ = export(checkout, capsys, "--to", str(tmp_path / "grades.csv"))
    assert status == 0 and said in out
    wide = read_rows(tmp_path / "grades.csv")
    assert extra not in wide[0] and {row[wide[0].index("max_possible")] for row in wide[1:]} == {f"{given_points:g}"}
    assert all(row[1] != extra for row in read_rows(tmp_path / "grades.submissions.csv"))
    assert all(row[1] != extra for row in read_rows(tmp_path / "grades.long.csv"))
    canvas, moodle = tmp_path / "canvas.csv", tmp_path / "moodle.csv"
    status, out, _ = export(checkout, capsys, "--format", "canvas", "--roster", str(EXAMPLE_ROSTER), "--to", str(canvas))
    assert status == 0 and said in out and read_rows(canvas)[0] == [*CANVAS_HEADER, EX01, EX02]
    status, out, _ = export(checkout, capsys, "--format", "moodle", "--roster", str(EXAMPLE_ROSTER), "--to", str(moodle))
    assert status == 0 and said in out and extra not in moodle.read_text(encoding="utf-8")
    assert f"give each Moodle grade item its maximum: {EX01} " in out and f"{extra} {extra_points:g}" not in out

    # Asked for by name, it is exported, in every format.
    status, out, _ = export(checkout, capsys, "--assignment", "ex03", "--to", str(tmp_path / "ex03.csv"))
    assert status == 0 and said not in out
    header = read_rows(tmp_path / "ex03.csv")[0]
    assert extra in header and EX01 not in header
    status, _, _ = export(checkout, capsys, "--format", "canvas", "--assignment", "ex03", "--roster", str(EXAMPLE_ROSTER), "--to", str(canvas))
    assert status == 0 and read_rows(canvas)[0] == [*CANVAS_HEADER, extra]


# --- the roster -----------------------------------------------------------------------------


def test_roster_problems_are_one_line_each_and_never_stop_the_others(course: Path, tmp_path: Path, capsys) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "learner_id,name,canvas_user_id,sis_login_id,email\n"
        "ana,Ana,1001,ana,ana@example.org\n"           # line 2: fine
        "cat,Cat,1003,cat,cat@example.org\n"           # line 3: cat twice ...
        "cat,Cat again,1033,cat2,cat2@example.org\n"   # line 4: ... neither used
        "zed,Zed,1009,zed,zed@example.org\n"           # line 5: not in the gradebook
        "dan,Dan,1004\n"                               # line 6: garbled (3 fields)
        "ben,Ben,,,ana@example.org\n",                 # line 7: no Canvas identity; Moodle: ana's e-mail
        encoding="utf-8",
    )
    target = tmp_path / "canvas.csv"
    status, out, err = export(course, capsys, "--format", "canvas", "--roster", str(roster), "--to", str(target))
    assert status == 0 and err == "" and "Traceback" not in out
    for expected in (
        f"{roster} line 4: learner 'cat' is also on line 3: neither line used",
        f"{roster} line 5: learner 'zed' is not in the gradebook: row not used",
        f"{roster} line 6: 3 fields where the header has 5: row not used",
        f"{roster} line 7: learner 'ben' has no canvas_user_id, sis_user_id or sis_login_id: not exported",
        f"cat: not in the roster {roster}: not exported",
        f"dan: not in the roster {roster}: not exported",
    ):
        assert expected in out, out
    assert [row[1] for row in read_rows(target)[2:]] == ["1001"], "only ana is exported"
    # Moodle: two learners with one e-mail address would put both grades on one account. That leaves
    # nobody to export here: nothing is written, and the reasons come before the error line.
    status, out, err = export(course, capsys, "--format", "moodle", "--roster", str(roster), "--to", str(tmp_path / "m.csv"))
    assert status == 1 and err.startswith("mlteam-course export: no learner could be exported") and err.count("\n") == 1
    assert f"{roster} line 2: learner 'ana' has the email 'ana@example.org' of learner 'ben' (line 7): not exported" in out
    assert f"{roster} line 7: learner 'ben' has the email 'ana@example.org' of learner 'ana' (line 2): not exported" in out
    assert f"{roster} line 4: learner 'cat' is also on line 3" in out
    assert not (tmp_path / "m.csv").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no roster at"),
        ("", "is empty"),
        ("name,email\nAna,a@example.org\n", "no learner_id column"),
        ("learner_id,e-mail\nana,a@example.org\n", "unknown column(s) 'e-mail'"),
        ('learner_id,name\nana,"Ana\n', "line 2: garbled CSV"),
        (b"learner_id,name\nana,Ana \xe9\n", "is not UTF-8 text"),
        ("fifo", "is a named pipe"),
        ("link", "is a symbolic link"),
    ],
)
def test_an_unusable_roster_file_stops_with_one_line_and_writes_nothing(
    course: Path, tmp_path: Path, capsys, content: str | bytes | None, message: str
) -> None:
    roster = tmp_path / "roster.csv"
    if content == "fifo":
        os.mkfifo(roster)  # must not hang: never opened for a blocking read
    elif content == "link":
        (tmp_path / "real.csv").write_text("learner_id\nana\n", encoding="utf-8")
        roster.symlink_to(tmp_path / "real.csv")
    elif isinstance(content, bytes):
        roster.write_bytes(content)
    elif content is not None:
        roster.write_text(content, encoding="utf-8")
    target = tmp_path / "out.csv"
    status, out, err = export(course, capsys, "--format", "canvas", "--roster", str(roster), "--to", str(target))
    assert status == 1 and message in err, err
    assert err.count("\n") == 1 and err.startswith("mlteam-course export: ") and "Traceback" not in err + out
    assert not target.exists()


def test_a_spreadsheet_never_runs_a_cell_as_a_formula(course: Path, tmp_path: Path, capsys) -> None:
    """Free text from the roster gets a leading ', an identity that would be a formula is refused (it cannot be altered)."""
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "learner_id,name,canvas_user_id,sis_login_id,section,email\n"
        'ana,"=HYPERLINK(""http://x.example"",""click"")",1001,ana,+cohort,ana@example.org\n'
        "ben,@SUM(A1),1002,ben,-3,=cmd|'/c calc'!A1\n"
        "cat,Cat,1003,=1+2,\tsection,cat@example.org\n"
        "dan,Dan,1004,dan,Cohort 3,@dan.example.org\n",
        encoding="utf-8",
    )
    canvas, moodle = tmp_path / "canvas.csv", tmp_path / "moodle.csv"
    status, out, _ = export(course, capsys, "--format", "canvas", "--roster", str(roster), "--to", str(canvas))
    assert status == 0
    assert f"{roster} line 4: learner 'cat': sis_login_id '=1+2' starts with '=', which a spreadsheet would run as a formula: not exported" in out
    rows = {row[1]: row for row in read_rows(canvas)[2:]}
    assert set(rows) == {"1001", "1002", "1004"}
    assert rows["1001"][0] == "'=HYPERLINK(\"http://x.example\",\"click\")" and rows["1001"][4] == "'+cohort"
    assert rows["1002"][0] == "'@SUM(A1)" and rows["1002"][4] == "-3"  # a plain number is not a formula: kept as is
    status, out, _ = export(course, capsys, "--format", "moodle", "--roster", str(roster), "--to", str(moodle))
    assert status == 0 and "learner 'ben': email \"=cmd|'/c calc'!A1\" starts with '='" in out
    assert "learner 'dan': email '@dan.example.org' starts with '@'" in out
    assert [row[0] for row in read_rows(moodle)[1:]] == ["ana@example.org", "cat@example.org"]
    for path in (canvas, moodle):
        for row in read_rows(path):
            assert not any(cell.startswith(FORMULA_STARTS) and cell != "-3" for cell in row), row


# --- the CLI, the docs, git ---------------------------------------------------------------


def test_options_of_one_format_are_refused_for_another(course: Path, tmp_path: Path, capsys) -> None:
    status, _, err = export(course, capsys, "--roster", str(EXAMPLE_ROSTER), "--to", str(tmp_path / "g.csv"))
    assert status == 2 and "--roster does not apply to --format csv" in err
    status, _, err = export(course, capsys, "--format", "canvas", "--long-to", str(tmp_path / "l.csv"))
    assert status == 2 and "--long-to does not apply to --format canvas" in err
    assert list(tmp_path.iterdir()) == []
    status, _, err = export(course, capsys, "--format", "moodle", "--roster", str(EXAMPLE_ROSTER), "--to", str(tmp_path))
    assert status == 1 and f"{tmp_path} is a folder: give a file name" in err and list(tmp_path.iterdir()) == []


def test_the_examples_in_the_docs_are_what_the_exporter_writes(course: Path, tmp_path: Path, capsys) -> None:
    """docs/lms/*-example.csv come from this cohort and the example roster, so they cannot drift."""
    for name, args in {"canvas": ["--format", "canvas"], "moodle": ["--format", "moodle"]}.items():
        written = tmp_path / f"{name}-example.csv"
        assert export(course, capsys, *args, "--roster", str(EXAMPLE_ROSTER), "--to", str(written))[0] == 0
        committed = DOCS / f"{name}-example.csv"
        assert committed.is_file() and committed.read_bytes() == written.read_bytes(), (
            f"{committed} differs from what the exporter writes; if the change is intended, copy {written} over it"
        )


def test_default_files_land_where_git_ignores_them(course: Path, tmp_path: Path, capsys) -> None:
    checkout = tmp_path / "course"
    shutil.copytree(course, checkout)
    shutil.copy2(EXAMPLE_ROSTER, checkout / "course" / "lms-roster.csv")
    assert export(checkout, capsys, "--format", "canvas")[0] == 0
    assert export(checkout, capsys, "--format", "moodle")[0] == 0
    written = ["course/lms-roster.csv", "course/reports/canvas-grades.csv", "course/reports/moodle-grades.csv"]
    for name in written:
        assert (checkout / name).is_file()
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *written], cwd=REPO, capture_output=True, text=True, check=False)
    assert ignored.stdout.split() == written, "the roster and the LMS files hold personal data: git must ignore them"
