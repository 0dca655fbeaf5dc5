"""Issue 19 §1, first part: a learner's lesson checks are recorded in their own work area, never in
the course's tracked files, and `mlteam-course progress` shows checks and exercise answers per module."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlteam_utils.cli import NOT_COMPLETED_YET
from mlteam_utils.progress import learner_progress
from mlteam_utils.progress_log import PROGRESS_FILE, read_progress
from mlteam_utils.questions import knowledge_check
from mlteam_utils.workspace import WORK_FOLDER, sync_workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course with its learner's work area, as `make lab` makes it."""
    copy = tmp_path / "course"
    for name in ("course", "lessons", "exercises"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copy2(ROOT / "nbgrader_config.py", copy / "nbgrader_config.py")
    sync_workspace(copy)
    return copy


@pytest.fixture
def in_folder(monkeypatch: pytest.MonkeyPatch):
    """Run as a lesson's kernel does: from the notebook's folder."""
    def enter(folder: Path) -> None:
        monkeypatch.chdir(folder)
    return enter


def test_pressing_check_records_tries_and_the_first_right_answer(course: Path, in_folder) -> None:
    in_folder(course / WORK_FOLDER / "lessons")
    box = knowledge_check("kc_uncertainty")
    wrong = next(option for option in box.controls["answer"].options if option != box.spec["correct"])
    box.controls["answer"].value = wrong
    assert box.check().fraction == 0
    box.controls["answer"].value = box.spec["correct"]
    assert box.check().fraction == 1
    entry = read_progress(course / WORK_FOLDER)["kc_uncertainty"]
    assert entry["lesson"] == "01_how_ml_projects_differ" and entry["attempts"] == 2 and entry["best"] == 1.0
    assert entry["first_right"] is not None
    # Nothing beside the course's own files: the record is in my-work/ only.
    assert [p for p in course.rglob(PROGRESS_FILE)] == [course / WORK_FOLDER / PROGRESS_FILE]


def test_a_lesson_opened_outside_the_work_area_records_nothing(course: Path, in_folder) -> None:
    in_folder(course / "lessons")  # the tracked lessons, as `make instructor` serves them
    box = knowledge_check("kc_uncertainty")
    box.controls["answer"].value = box.spec["correct"]
    box.check()
    assert list(course.rglob(PROGRESS_FILE)) == []


def test_a_garbled_record_is_set_aside_and_started_afresh(course: Path, in_folder) -> None:
    work = course / WORK_FOLDER
    (work / PROGRESS_FILE).write_text("{not json", encoding="utf-8")
    in_folder(work / "lessons")
    box = knowledge_check("kc_uncertainty")
    box.controls["answer"].value = box.spec["correct"]
    assert box.check().fraction == 1
    assert set(read_progress(work)) == {"kc_uncertainty"}
    kept = list(work.glob(f"{PROGRESS_FILE}.bad-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"


def test_a_record_that_cannot_be_written_does_not_stop_the_lesson(course: Path, in_folder) -> None:
    """A folder where the record should be (root can write anywhere, so a permission test would prove
    nothing here): the lesson's Check still answers, and nothing is recorded."""
    from mlteam_utils.progress_log import record_check

    work = course / WORK_FOLDER
    (work / PROGRESS_FILE).mkdir()
    in_folder(work / "lessons")
    box = knowledge_check("kc_uncertainty")
    box.controls["answer"].value = box.spec["correct"]
    assert box.check().fraction == 1
    assert "✔" in box.feedback.value or "Right" in box.feedback.value or box.last_result.fraction == 1
    assert record_check("kc_uncertainty", "01_how_ml_projects_differ", 1.0) is False
    assert (work / PROGRESS_FILE).is_dir() and not any((work / PROGRESS_FILE).iterdir())


def test_progress_counts_checks_and_saved_exercise_answers(course: Path, in_folder) -> None:
    work = course / WORK_FOLDER
    in_folder(work / "lessons")
    for check_id, right in (("kc_uncertainty", True), ("kc_debt", False)):
        box = knowledge_check(check_id)
        if right:
            box.controls["answer"].value = box.spec["correct"]
        box.check()
    fixture = json.loads((ROOT / "tests/fixtures/ex01_how_ml_projects_differ/half_right.answers.json").read_text())
    answers = work / "exercises/ex01_how_ml_projects_differ/ex01_how_ml_projects_differ.answers.json"
    answers.write_text(json.dumps(fixture), encoding="utf-8")

    first = learner_progress(work, course)[0]
    lesson_one = json.loads((ROOT / "mlteam_utils/data/knowledge_checks/01_how_ml_projects_differ.json").read_text())
    assert (first.checks, first.tried, first.right) == (len(lesson_one["checks"]), 2, 1)
    assert (first.questions, first.answered) == (3, 3)

    completed = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(course), "progress"],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert str(work) in lines[0]
    assert f"checks 2 tried, 1 right of {first.checks}" in lines[2] and "exercise 3 of 3 answered" in lines[2]
    assert "checks 0 tried, 0 right" in lines[3] and "exercise 0 of" in lines[3]


def test_progress_without_a_work_area_says_how_to_get_one(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(ROOT), "progress", "--folder", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0 and "No work area found" in completed.stdout and "make lab" in completed.stdout


# --- issue 19 §1-§2: self-graded scores, the start page's table and a self-graded certificate ----


def selfgrade_report(assignment: str, widget: float, code: float = 0.0):
    """What `mlteam-course selfgrade` returns for an exercise: widget points, the optional code question, the reflection."""
    from mlteam_utils.selfgrade import QuestionScore, SelfGradeReport

    return SelfGradeReport(assignment, assignment, (
        QuestionScore("q1", widget, 9.0, False), QuestionScore("q4", code, 4.0, False, optional=True),
        QuestionScore("q5_reflection", None, 3.0, True)), None, ())


def test_make_certificate_before_the_end_says_what_is_left_without_a_make_error(tmp_path: Path) -> None:
    """Not completed yet is no failure: the learner reads what is left, and make adds no "Error" line."""
    completed = subprocess.run(["make", "--no-print-directory", "certificate", "NAME=Ada Lovelace", f"WORK={tmp_path / WORK_FOLDER}"],
                               cwd=ROOT, capture_output=True, text=True, check=False)
    shown = completed.stdout + completed.stderr
    assert completed.returncode == 0, shown
    assert "the course is not completed yet (0 of " in shown and "Still to complete: modules 1 (" in shown, shown
    assert "Error" not in shown and "***" not in shown, shown
    assert not (tmp_path / WORK_FOLDER / "certificate.pdf").exists()


def run_cli(course: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from mlteam_utils.cli import main

    status = main(["--course-root", str(course), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_self_graded_scores_show_in_progress_and_earn_a_verifiable_self_graded_certificate(course: Path, capsys, monkeypatch) -> None:
    from mlteam_utils.certificates.pdf import pdf_text
    from mlteam_utils.progress import progress_html, record_selfgrade_report, self_progress
    from mlteam_utils.syllabus import load_syllabus

    syllabus = course / "course" / "syllabus.toml"
    syllabus.write_text(syllabus.read_text(encoding="utf-8").replace('modules = "all"', "modules = [1, 2]"), encoding="utf-8")
    work = course / WORK_FOLDER
    ex01, ex02 = (load_syllabus(syllabus).module(n) for n in (1, 2))
    notebook = work / ex01.exercise_path
    assert record_selfgrade_report(notebook, selfgrade_report(ex01.exercise_id, 8.0)) == work / ".mlteam-selfgrade.json"
    record_selfgrade_report(work / ex02.exercise_path, selfgrade_report(ex02.exercise_id, 5.0))  # below 7.2: not yet
    rows = self_progress(work, course).rows
    assert (rows[0].status, rows[0].score, rows[0].pass_mark, rows[0].completed) == ("passed", 8.0, 7.2, True)
    assert rows[1].status == "waiting for a person" and not rows[1].completed  # the reflection's 3 points could make it
    status, _, err = run_cli(course, "certificate", "--name", "Zoë Ada", capsys=capsys)
    assert status == NOT_COMPLETED_YET and "the course is not completed yet (1 of 2 required modules completed.)" in err and "modules 2 (" in err

    record_selfgrade_report(work / ex02.exercise_path, selfgrade_report(ex02.exercise_id, 9.0))
    table = progress_html(work / "course", course)
    assert "<table" in table and "8 / 16 (pass mark 7.2)" in table and "Course completed on" in table
    status, out, err = run_cli(course, "progress", capsys=capsys)
    assert status == 0 and "8 / 16 passed, completed" in out and "Course completed on" in out, err

    status, out, err = run_cli(course, "certificate", "--name", "Zoë <i>Ada</i>", capsys=capsys)
    assert status == 0, err
    pdf = work / "certificate.pdf"
    code = out.split("verification code: ")[1].split()[0]
    assert code.startswith("SELF-")
    _, text = pdf_text(pdf)
    assert "Zoë <i>Ada</i>" in text and "SELF-GRADED" in text and "8 / 16" in text and "9 / 16" in text
    # Against the points that need no code, as the feedback page's verdict counts them (the reflection's 3 included).
    assert "Points that need no code" in text and "8 of 12" in text and "9 of 12" in text, text
    assert "passed with a score of 60% of the points that need no code" in text
    # Dates as a person reads them, and no placeholder: the check command, with the code, works as printed.
    assert not re.search(r"\d{4}-\d\d-\d\d", text) and "THIS_FILE" not in text, text
    printed = re.search(r"run (make verify CODE=\S+) \(in the course’s folder\)", text.replace("\n", " "))
    assert printed is not None and printed.group(1) == f"make verify CODE={code}" and "mlteam-course" not in text, text
    # Run in the course's folder as printed; make's own venv is the one running the tests (-o install: never reinstall it).
    made = subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "-o", "install", f"VENV={sys.prefix}",
                           *shlex.split(printed.group(1))[1:]], cwd=course, capture_output=True, text=True, check=False)
    assert made.returncode == 0 and made.stdout.startswith(f"VALID: certificate {code}, self-graded"), made.stdout + made.stderr
    status, out, err = run_cli(course, "verify", code, "--pdf", str(pdf), capsys=capsys)
    assert status == 0 and "self-graded (checked against the learner's own self-grade record)" in out, err

    # Made on the hub, where mlteam-course is on PATH and there is no make: the line says so, and works as printed.
    monkeypatch.setenv("MLTEAM_HUB_BIN", str(Path(sys.executable).parent))
    status, out, err = run_cli(course, "certificate", "--name", "Zoë Ada", capsys=capsys)
    assert status == 0, err
    _, text = pdf_text(pdf)
    printed = re.search(r"run (mlteam-course verify \S+), which", text.replace("\n", " "))
    assert printed is not None and "make" not in text, text
    hub_code = shlex.split(printed.group(1))[2]
    status, out, err = run_cli(course, *shlex.split(printed.group(1))[1:], "--pdf", str(pdf), capsys=capsys)
    assert status == 0 and out.startswith(f"VALID: certificate {hub_code}"), err
    monkeypatch.delenv("MLTEAM_HUB_BIN")

    # A later selfgrade that no longer passes: the certificate no longer verifies.
    record_selfgrade_report(work / ex02.exercise_path, selfgrade_report(ex02.exercise_id, 1.0))
    status, _, err = run_cli(course, "verify", code, capsys=capsys)
    assert status == 1 and "no longer meets the course's completion rule" in err


def test_a_certificate_issued_before_the_check_line_and_the_points_without_code_still_verifies() -> None:
    """An earlier certificate states no points that need no code, ISO dates, and ends with the earlier command: its code and text
    still match (tests/test_completion.py verifies a PDF the previous release made)."""
    from mlteam_utils.certificates.pdf import EARLIER_HINTS
    from mlteam_utils.certificates.statement import ModuleLine, Statement, code_matches, make_code
    from mlteam_utils.certificates.verify import _check_pdf, drawn_lines

    earlier = Statement(name="Ana Lopez", student_id="self", course="How machine-learning teams work", issuer="self-graded",
                        self_graded=True, completed_on="2026-02-25",
                        modules=(ModuleLine(1, "How ML projects differ", 9.0, 16.0, "2026-02-20", 7.2),))
    key = b"k" * 32
    code = make_code(key, earlier)
    assert "no_code" not in earlier.as_record()  # the canonical form, and so the code, is the one issued then
    assert code_matches(key, Statement.from_record(earlier.as_record()), code)
    for hint in EARLIER_HINTS:
        _check_pdf("\n".join(drawn_lines(earlier, code, hint, earlier=True)), earlier, code, Path("old.pdf"))
    from mlteam_utils.certificates import CertificateError

    with pytest.raises(CertificateError, match="text that was not issued"):
        _check_pdf("\n".join(drawn_lines(earlier, code, "Check it with: something else", earlier=True)), earlier, code, Path("old.pdf"))
    # The earlier last line under today's wording was never issued.
    with pytest.raises(CertificateError, match="text that was not issued"):
        _check_pdf("\n".join(drawn_lines(earlier, code, EARLIER_HINTS[0])), earlier, code, Path("old.pdf"))
