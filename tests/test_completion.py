"""Issue 19 §1-§2: completion rules, the cohort's completion, and verifiable certificates, on a real gradebook.

The cohort (tests/completion_cohort.py: a passed, a late, a failed, an incomplete
and a not-passed learner, shared with tests/test_lms_export.py) is graded once per
session by `mlteam-course grade`.
Tests that issue certificates or change grades work on their own copy.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from completion_cohort import COMPLETED_ON, COURSE_ID, EX02, CompletionCohort, completion_cohort, copy_cohort, db_url
from mlteam_utils.certificates import CertificateError
from mlteam_utils.certificates.pdf import pdf_text, render_pdf
from mlteam_utils.certificates.statement import ModuleLine, Statement
from mlteam_utils.syllabus import SyllabusError, load_syllabus

ROOT = Path(__file__).resolve().parents[1]


def mlteam_course(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command's own entry point, in this process (a second interpreter per call would cost ~1.5 s)."""
    import contextlib
    import io

    from mlteam_utils.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--course-root", str(course), *args])
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


# --- the rules, in the syllabus ----------------------------------------------------------


def syllabus_with(tmp_path: Path, completion: str) -> Path:
    text = (ROOT / "course" / "syllabus.toml").read_text(encoding="utf-8")
    start = text.index("[completion]")
    end = text.index("[[module]]", start)
    path = tmp_path / "syllabus.toml"
    path.write_text(text[:start] + completion + "\n\n" + text[end:], encoding="utf-8")
    return path


@pytest.mark.parametrize(("table", "message"), [
    ("[completion]\nmodules = [1, 99]", "modules must be \"all\" or a list of available module numbers; 99 is not one"),
    ("[completion]\nmodules = []", "a non-empty list"),
    ("[completion]\nlate_pass_counts = \"yes\"", "late_pass_counts must be true or false, got 'yes'"),
    ("[completion]\nmodule = \"lesson read\"", "module must be \"exercise passed\""),
    ("[completion]\nmodules_required = 3", "unknown field(s) modules_required"),
])
def test_a_bad_completion_rule_says_which_and_why(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(SyllabusError, match="completion") as raised:
        load_syllabus(syllabus_with(tmp_path, table))
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_course_rule_is_defined_once_and_shown_on_the_start_page() -> None:
    syllabus = load_syllabus()
    assert syllabus.completion.modules == "all" and syllabus.completion.late_pass_counts is True
    assert syllabus.required_modules == syllabus.available_modules
    start_page = json.loads((ROOT / "course" / "index.ipynb").read_text(encoding="utf-8"))
    shown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in start_page["cells"] for o in c.get("outputs", []))
    assert syllabus.completion_rule_text() in shown, "the start page shows the rule as the syllabus defines it"


def test_a_bad_rule_is_one_line_from_the_command(tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(ROOT / "course", course / "course", ignore=shutil.ignore_patterns("gradebook.db", "exchange", "reports"))
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    (course / "course" / "syllabus.toml").write_text(syllabus_with(tmp_path, "[completion]\nmodules = [42]").read_text())
    completed = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "--course-root", str(course), "progress", "--cohort"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 1 and "Traceback" not in completed.stderr
    assert completed.stderr.count("\n") == 1 and "42 is not one" in completed.stderr


# --- the cohort ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> CompletionCohort:
    return completion_cohort(tmp_path_factory)


def completion_rows(course: Path, **rules: object):
    from mlteam_utils.reports.completion import code_question_points, course_completion, module_completion
    from mlteam_utils.reports.gradebook_frames import read_course_gradebook

    syllabus = load_syllabus(course / "course" / "syllabus.toml")
    if rules:
        syllabus = dataclasses.replace(syllabus, completion=dataclasses.replace(syllabus.completion, **rules))
    frames = read_course_gradebook(course)
    modules = module_completion(frames, syllabus, code_question_points(course, frames))
    return modules.set_index(["student_id", "module"]), course_completion(modules, syllabus).set_index("student_id")


@pytest.mark.nbgrader
def test_each_learner_reads_rightly_with_the_date_of_the_passing_submission(cohort: CompletionCohort) -> None:
    modules, course = completion_rows(cohort.course)
    status = modules["status"].to_dict()
    assert status == {
        ("ana", 1): "passed", ("ana", 2): "passed", ("ben", 1): "passed", ("ben", 2): "passed",
        ("cat", 1): "passed", ("cat", 2): "could not be graded", ("dan", 1): "passed", ("dan", 2): "not submitted",
        ("eve", 1): "not passed", ("eve", 2): "not submitted",
    }
    assert modules.loc[("ana", 1), "completed_on"] == "2026-02-20" and modules.loc[("ben", 2), "completed_on"] == "2026-03-03"
    assert bool(modules.loc[("ben", 2), "late"]) and not bool(modules.loc[("ben", 1), "late"])
    assert "NotJSONError" in modules.loc[("cat", 2), "reason"]
    assert modules.loc[("ana", 1), "manual_grade"] == "3 / 3" and modules.loc[("dan", 1), "manual_grade"] == "waiting for a person"
    # The pass mark is 60% of the points that need no code (the code question's 4 points left out).
    assert modules.loc[("ana", 1), "pass_mark"] == pytest.approx(0.6 * (modules.loc[("ana", 1), "max_score"] - 4))
    assert course["completed_on"].to_dict() == {**dict.fromkeys(["cat", "dan", "eve"], ""), **COMPLETED_ON}
    assert course.loc["dan", "modules_completed"] == "1 of 2" and "2: not submitted" in course.loc["dan", "not_completed"]

    shown = mlteam_course(cohort.course, "progress", "--cohort")
    assert shown.returncode == 0, shown.stderr
    assert "ben (Ben <b>Okafor</b>): 2 of 2 modules, course completed on 2026-03-03" in shown.stdout
    assert f"module 2 ({EX02}): passed (late), completed 2026-03-03" in shown.stdout
    assert "cat (cat): 1 of 2 modules, course not completed" in shown.stdout


@pytest.mark.nbgrader
def test_a_late_pass_does_not_complete_a_module_when_the_syllabus_says_so(cohort: CompletionCohort) -> None:
    modules, course = completion_rows(cohort.course, late_pass_counts=False)
    assert modules.loc[("ben", 2), "status"] == "passed late (does not count)" and not modules.loc[("ben", 2), "completed"]
    assert not course.loc["ben", "course_completed"] and course.loc["ana", "course_completed"]


@pytest.mark.nbgrader
def test_the_report_has_a_completion_section_with_names_kept_inert(cohort: CompletionCohort, tmp_path: Path) -> None:
    written = mlteam_course(cohort.course, "report", "--to", str(tmp_path / "report"))
    assert written.returncode == 0, written.stderr
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    section = page[page.index("<h2>Completion</h2>"):page.index("<h2>Completion by assignment</h2>")]
    assert "Ben &lt;b&gt;Okafor&lt;/b&gt;" in section and "<b>Okafor" not in page
    assert "passed (late) 2026-03-03" in section and "completed 2026-02-25" in section
    assert "could not be graded" in section and "not submitted" in section and "1 of 2 modules" in section
    rows = (tmp_path / "report" / "completion_by_learner.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 5 * 2


# --- certificates ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issued(cohort: CompletionCohort, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A copy of the cohort with `certificate --cohort` run on it (read only: tests that change it copy it)."""
    course = copy_cohort(cohort, tmp_path_factory.mktemp("issued") / "course")
    return course, mlteam_course(course, "certificate", "--cohort")


def code_of(summary: str, student: str) -> str:
    line = next(line for line in summary.splitlines() if line.startswith(f"  issued {student}:"))
    return line.rsplit("(code ", 1)[1].rstrip(")")


@pytest.mark.nbgrader
def test_only_learners_who_completed_get_a_certificate_that_states_their_scores(issued) -> None:
    course, run = issued
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "2 certificate(s) issued, 3 learner(s) did not qualify."
    assert "not qualified cat: 1 of 2 modules completed; 2: could not be graded (NotJSONError" in run.stdout
    assert "not qualified dan: 1 of 2 modules completed; 2: not submitted" in run.stdout
    assert "not qualified eve: 0 of 2 modules completed; 1: not passed; 2: not submitted" in run.stdout
    assert sorted(p.name for p in (course / "course" / "certificates").iterdir()) == ["certificate-ana.pdf", "certificate-ben.pdf"]
    key = course / "course" / "certificate.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    pages, text = pdf_text(course / "course" / "certificates" / "certificate-ben.pdf")
    modules, _ = completion_rows(course)
    assert pages == 1
    # Ben's late ex02 was half right (9.228 points: 9.6667 before issue 26's scoring rules, which
    # take 0.3333 off its multiple-choice answer with a wrong tick and 0.1053 off its matching answer
    # that leans on one category): the certificate states scores to two decimals.
    for expected in ("Ben <b>Okafor</b>", "How machine-learning teams work", "on 3 March 2026",
                     "1. How ML projects differ from Waterfall and Agile", "2. The ML team: roles, archetypes and ratios",
                     f"{round(modules.loc[('ben', 2), 'score'], 2):g} / {modules.loc[('ben', 2), 'max_score']:g}",
                     "Issued by the instructor of “How machine-learning teams work”, from the course’s record of grades",
                     code_of(run.stdout, "ben")):
        assert expected in text, expected
    # Written for a person: dates in words, the course's title, never its id, and a check command that works as
    # printed in the course's folder on one machine (make runs the course's own mlteam-course).
    assert not re.search(r"\d{4}-\d\d-\d\d", text) and COURSE_ID not in text and "THIS_FILE" not in text, text
    assert f"the course’s instructor runs make verify CODE={code_of(run.stdout, 'ben')} (in the course’s folder)" in text, text
    # Each module states Ben's points on the questions that need no code, of how many (the code question's 4 points
    # left out), as the feedback page's verdict counts them.
    from mlteam_utils.grading.keys import find_key
    from mlteam_utils.reports.gradebook_frames import read_course_gradebook

    assert "Points that need no code" in text and "passed with a score of 60% of the points that need no code" in text
    items = read_course_gradebook(course).items
    for module in (1, 2):
        assignment = load_syllabus(course / "course" / "syllabus.toml").module(module).exercise_id
        his = items[(items["student_id"] == "ben") & (items["assignment"] == assignment)]
        answer_key = find_key(course / "solutions", assignment, str(his["notebook"].iloc[0]))
        assert answer_key is not None and answer_key.code is not None
        without_code = his[~his["question"].isin(list(answer_key.code.tests))]
        assert float(without_code["max_score"].sum()) == modules.loc[("ben", module), "max_score"] - 4
        assert f"{round(float(without_code['score'].sum()), 2):g} of {float(without_code['max_score'].sum()):g}" in text, (module, text)
    # The key stays with the instructor: nowhere under exercises/ or feedback.
    assert not [p for p in course.rglob("certificate.key") if p != key]


@pytest.mark.nbgrader
def test_a_certificate_verifies_by_code_and_with_its_pdf(issued) -> None:
    course, run = issued
    code = code_of(run.stdout, "ana")
    by_code = mlteam_course(course, "verify", code)
    assert by_code.returncode == 0, by_code.stderr
    assert by_code.stdout.startswith(f"VALID: certificate {code}, issued by the course") and "Ana Lopez" in by_code.stdout
    with_pdf = mlteam_course(course, "verify", "--pdf", str(course / "course" / "certificates" / "certificate-ana.pdf"))
    assert with_pdf.returncode == 0 and code in with_pdf.stdout, with_pdf.stderr


EARLIER = ROOT / "tests" / "fixtures" / "certificates" / "issued_by_an_earlier_release"


@pytest.mark.nbgrader
def test_a_certificate_issued_by_an_earlier_release_still_verifies(cohort: CompletionCohort, tmp_path: Path) -> None:
    """A PDF the previous release made (ISO dates, the course's id, "Check it with: make verify CODE=CODE ...")
    still verifies whole; the same PDF with a score drawn over it does not.

    The fixture was made by that release's ``render_pdf`` with the key in its ``.json`` (see there), for Ana,
    who completed the cohort; here it is recorded as that release recorded it, under that key.
    """
    import os

    from pypdf import PdfReader, PdfWriter

    from mlteam_utils.certificates.pdf import file_fingerprint
    from mlteam_utils.certificates.registry import record_issued

    course = copy_cohort(cohort, tmp_path / "course")
    fixture = json.loads(EARLIER.with_suffix(".json").read_text(encoding="utf-8"))
    descriptor = os.open(course / "course" / "certificate.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(fixture["key"].encode("ascii").hex() + "\n")
    pdf = EARLIER.with_suffix(".pdf")
    _, text = pdf_text(pdf)
    assert "on 2026-03-03" in text and f"Issued by the course {COURSE_ID}" in text and "make verify CODE=CODE" in text
    record_issued(db_url(course), fixture["code"], "ana", fixture["statement"], file_fingerprint(pdf.read_bytes()))
    verified = mlteam_course(course, "verify", "--pdf", str(pdf))
    assert verified.returncode == 0 and verified.stdout.startswith(f"VALID: certificate {fixture['code']}"), verified.stderr
    assert "on 3 March 2026" in verified.stdout  # what it states, told as a person reads it

    from fpdf import FPDF

    overlay = FPDF(orientation="L", unit="mm", format="A4")
    overlay.add_page()
    overlay.set_font("helvetica", size=10)
    overlay.text(150, 120, "16 / 16")
    writer = PdfWriter(clone_from=pdf)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(bytes(overlay.output()))).pages[0])
    tampered = tmp_path / "tampered.pdf"
    with tampered.open("wb") as handle:
        writer.write(handle)
    refused = mlteam_course(course, "verify", "--pdf", str(tampered))
    assert refused.returncode == 1 and "the PDF's text differs from the certificate issued" in refused.stderr, refused.stderr


def name_painted_over(original: Path, folder: Path) -> Path:
    """``original`` with the name line covered by a white box and "Mallory Forger" drawn over it as a picture."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    figure = plt.figure(figsize=(4, 0.5), dpi=100)
    figure.text(0.5, 0.5, "Mallory Forger", ha="center", va="center", fontsize=22, weight="bold")
    figure.savefig(folder / "name.png")
    plt.close(figure)
    overlay = FPDF(orientation="L", unit="mm", format="A4")
    overlay.add_page()
    overlay.set_fill_color(255, 255, 255)
    overlay.rect(60, 40, 177, 14, style="F")
    overlay.image(str(folder / "name.png"), x=88, y=40, w=120)
    overlay.output(str(folder / "overlay.pdf"))
    writer = PdfWriter(clone_from=original)
    writer.pages[0].merge_page(PdfReader(folder / "overlay.pdf").pages[0])
    forged = folder / "forged.pdf"
    with forged.open("wb") as handle:
        writer.write(handle)
    return forged


@pytest.mark.nbgrader
def test_forged_edited_altered_and_no_longer_deserved_certificates_fail(issued, tmp_path: Path) -> None:
    from nbgrader.api import Gradebook
    from sqlalchemy import create_engine, text

    course = shutil.copytree(issued[0], tmp_path / "course", symlinks=True)
    code = code_of(issued[1].stdout, "ben")
    forged = mlteam_course(course, "verify", "MLT-AAAA-BBBB-CCCC-DDDD")
    assert forged.returncode == 1 and "unknown code MLT-AAAA-BBBB-CCCC-DDDD" in forged.stderr

    # An edited PDF: the same layout and code, one score raised (what a forger's editor would produce).
    record = json.loads(create_engine(db_url(course)).connect().execute(
        text("SELECT statement FROM mlteam_certificate WHERE code = :c"), {"c": code}).scalar_one())
    record.pop("schema")
    statement = Statement(**{**record, "modules": tuple(ModuleLine(**m) for m in record["modules"])})
    raised = dataclasses.replace(statement, modules=(statement.modules[0], dataclasses.replace(statement.modules[1], score=17.0)))
    edited = render_pdf(raised, code, tmp_path / "edited.pdf")
    result = mlteam_course(course, "verify", code, "--pdf", str(edited))
    assert result.returncode == 1 and "it does not say '2. The ML team" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    # Another learner's certificate shown with this code: the PDF's own code differs.
    other = mlteam_course(course, "verify", code, "--pdf", str(course / "course" / "certificates" / "certificate-ana.pdf"))
    assert other.returncode == 1 and "shows another code" in other.stderr
    # Ben's own PDF with his name covered by a white box and another name pasted on as a picture:
    # its text is still the issued text, but it is not the file the course made.
    pictured = mlteam_course(course, "verify", "--pdf", str(name_painted_over(course / "course" / "certificates" / "certificate-ben.pdf", tmp_path)))
    assert pictured.returncode == 1 and "its text matches, but the file was changed after it was issued" in pictured.stderr, pictured.stderr
    # A certificate issued before files were fingerprinted is checked by its text, and the answer says so.
    ana_pdf = course / "course" / "certificates" / "certificate-ana.pdf"
    with create_engine(db_url(course)).begin() as connection:
        assert connection.execute(text("DELETE FROM mlteam_certificate_file WHERE code = :c"), {"c": code_of(issued[1].stdout, "ana")}).rowcount == 1
    older = mlteam_course(course, "verify", "--pdf", str(ana_pdf))
    assert older.returncode == 0 and "only the PDF's text was checked" in older.stdout, older.stderr

    # The record edited in the gradebook: it no longer matches its code.
    engine = create_engine(db_url(course))
    with engine.begin() as connection:
        connection.execute(text("UPDATE mlteam_certificate SET statement = REPLACE(statement, '\"Ben\"', '\"Bea\"') WHERE code = :c"), {"c": code})
        connection.execute(text("UPDATE mlteam_certificate SET statement = REPLACE(statement, 'Okafor', 'Smith') WHERE code = :c"), {"c": code})
    engine.dispose()
    altered = mlteam_course(course, "verify", code)
    assert altered.returncode == 1 and "was altered" in altered.stderr, altered.stderr

    # Ana's grade taken back (a regrade): her certificate is no longer deserved.
    ana = code_of(issued[1].stdout, "ana")
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        for notebook in gradebook.find_submission(EX02, "ana").notebooks:
            for grade in notebook.grades:
                grade.manual_score = 0.0
        gradebook.db.commit()
    revoked = mlteam_course(course, "verify", ana)
    assert revoked.returncode == 1 and "'ana' no longer meets the course's completion rule: 2: not passed" in revoked.stderr


@pytest.mark.nbgrader
def test_a_name_the_font_cannot_show_does_not_stop_the_others(cohort: CompletionCohort, tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    course = copy_cohort(cohort, tmp_path / "course")
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        gradebook.update_or_create_student("ana", first_name="安娜", last_name="")
    run = mlteam_course(course, "certificate", "--cohort")
    assert run.returncode == 1 and run.stdout.startswith("1 certificate(s) issued, 3 learner(s) did not qualify, 1 could not be made.")
    assert "not made ana: the certificate's font cannot show '安娜'" in run.stdout and "issued ben:" in run.stdout


@pytest.mark.nbgrader
def test_names_come_from_the_roster_and_issuing_again_keeps_or_replaces_the_code(issued, tmp_path: Path) -> None:
    """Never the login: the roster's name, else the gradebook's, else no certificate and how to set one.
    Issuing again: the same statement keeps its code and file; a changed one gets a new code, and
    the old one verifies as replaced."""
    from nbgrader.api import Gradebook

    course = shutil.copytree(issued[0], tmp_path / "course", symlinks=True)
    ben_code, ben_pdf = code_of(issued[1].stdout, "ben"), course / "course" / "certificates" / "certificate-ben.pdf"
    ben_file = (ben_pdf.read_bytes(), ben_pdf.stat().st_mtime_ns)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gradebook:
        gradebook.update_or_create_student("ana", first_name=None, last_name=None)  # a hub login, no name
    unnamed = mlteam_course(course, "certificate", "--cohort")
    assert unnamed.returncode == 1 and "not made ana: no name for ana: give it in course/lms-roster.csv" in unnamed.stdout
    assert "nbgrader db student add ana --first-name=" in unnamed.stdout
    assert code_of(unnamed.stdout, "ben") == ben_code and (ben_pdf.read_bytes(), ben_pdf.stat().st_mtime_ns) == ben_file

    roster = course / "course" / "lms-roster.csv"
    roster.write_text("learner_id,name\nana,Ana María Lopez\n", encoding="utf-8")
    named = mlteam_course(course, "certificate", "--cohort")
    assert named.returncode == 0, named.stdout + named.stderr
    first = code_of(named.stdout, "ana")
    ana_pdf = course / "course" / "certificates" / "certificate-ana.pdf"
    assert "This certifies that" in pdf_text(ana_pdf)[1] and "Ana María Lopez" in pdf_text(ana_pdf)[1]
    ana_file = (ana_pdf.read_bytes(), ana_pdf.stat().st_mtime_ns)
    again = mlteam_course(course, "certificate", "--cohort")
    assert code_of(again.stdout, "ana") == first and (ana_pdf.read_bytes(), ana_pdf.stat().st_mtime_ns) == ana_file

    roster.write_text("learner_id,name\nana,Ana M. Lopez\n", encoding="utf-8")
    renamed = mlteam_course(course, "certificate", "--cohort")
    second = code_of(renamed.stdout, "ana")
    assert second != first and "Ana M. Lopez" in pdf_text(ana_pdf)[1]
    old = mlteam_course(course, "verify", first)
    assert old.returncode == 1 and f"certificate {first} was replaced by {second}" in old.stderr, old.stderr
    new = mlteam_course(course, "verify", "--pdf", str(ana_pdf))
    assert new.returncode == 0 and "Ana M. Lopez" in new.stdout, new.stderr

    roster.write_text("learner_id,name\nana,Ana\u202eezepoL\n", encoding="utf-8")
    hidden = mlteam_course(course, "certificate", "--cohort")
    assert "not made ana: the name holds an invisible or control character (U+202E)" in hidden.stdout


def test_a_file_that_is_not_a_pdf_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "fake.pdf").write_text("not a pdf")
    with pytest.raises(CertificateError, match="is not a readable PDF"):
        pdf_text(tmp_path / "fake.pdf")
    import os

    os.mkfifo(tmp_path / "pipe.pdf")
    with pytest.raises(CertificateError, match="cannot be read as a plain file"):
        pdf_text(tmp_path / "pipe.pdf")
