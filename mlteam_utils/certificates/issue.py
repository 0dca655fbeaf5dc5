"""Issue certificates: in bulk for a cohort (from the gradebook) or one's own (self-graded).

Only a learner who meets the course's completion rule (``[completion]`` in the
syllabus) gets one; the summary says who did not qualify and why. One learner
whose certificate cannot be made (a name the font cannot show) never stops the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.certificates import CertificateError, CourseNotCompleted
from mlteam_utils.certificates.pdf import file_fingerprint, render_pdf
from mlteam_utils.certificates.registry import record_issued, record_self_issued
from mlteam_utils.certificates.signing import COURSE_KEY, SELF_KEY, load_or_create_key
from mlteam_utils.certificates.statement import ModuleLine, Statement, make_code

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames
    from mlteam_utils.syllabus import Syllabus

__all__ = [
    "DEFAULT_FOLDER", "IssueSummary", "certificate_name", "cohort_completion", "file_name", "issue_cohort", "issue_self", "printed_name",
    "roster_names", "statement_for",
]

#: Where the instructor's certificates go: inside the course, in a folder git ignores.
DEFAULT_FOLDER = Path("course") / "certificates"
SELF_FILE = "certificate.pdf"
SELF_ISSUER = "self-graded"


def file_name(student_id: str) -> str:
    """A safe file name for a learner's certificate (their id is not trusted as a path).

    >>> file_name("ana"), file_name("../../etc/x")
    ('certificate-ana.pdf', 'certificate-.._.._etc_x.pdf')
    """
    return f"certificate-{re.sub(r'[^A-Za-z0-9_.-]', '_', student_id)[:80]}.pdf"  # one name, no folder part


def printed_name(name: str) -> str:
    r"""The name as a certificate prints it: one line, single spaces; :class:`CertificateError` for hidden characters.

    A name comes from the gradebook (a hub or an LMS may let learners set it) or the
    command line. A line break would print as a second line the record does not show
    the same way, and invisible or direction-changing characters (zero-width space,
    U+202E) make the printed name read unlike the name that ``verify`` states.

    >>> printed_name("  Ana \n Lopez "), printed_name("Zoë Ñandú")
    ('Ana Lopez', 'Zoë Ñandú')
    >>> printed_name("Ana\u202eezepoL")
    Traceback (most recent call last):
    ...
    mlteam_utils.certificates.CertificateError: the name holds an invisible or control character (U+202E); correct it in the gradebook (or give it without)
    """
    import unicodedata

    hidden = [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") and not c.isspace()]
    if hidden:
        codes = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(hidden))
        raise CertificateError(f"the name holds an invisible or control character ({codes}); correct it in the gradebook (or give it without)")
    return " ".join(name.split())


@dataclass
class IssueSummary:
    """What :func:`issue_cohort` did: certificates issued, learners who did not qualify, problems."""

    issued: list[tuple[str, Path, str]] = field(default_factory=list)  # student, file, code
    not_qualified: list[tuple[str, str]] = field(default_factory=list)  # student, why
    problems: list[tuple[str, str]] = field(default_factory=list)  # student, what went wrong

    def as_text(self) -> str:
        from mlteam_utils.safe_files import printable

        lines = [f"{len(self.issued)} certificate(s) issued, {len(self.not_qualified)} learner(s) did not qualify"
                 + (f", {len(self.problems)} could not be made" if self.problems else "") + "."]
        lines += [f"  issued {printable(s)}: {path} (code {code})" for s, path, code in self.issued]
        lines += [f"  not qualified {printable(s)}: {printable(why, 2000)}" for s, why in self.not_qualified]
        lines += [f"  not made {printable(s)}: {printable(why, 2000)}" for s, why in self.problems]
        return "\n".join(lines)


def cohort_completion(course_root: Path) -> tuple[pd.DataFrame, pd.DataFrame, Syllabus, str]:
    """(module rows, course rows, syllabus, course id) from the course's gradebook now."""
    from mlteam_utils.reports.completion import code_question_points, course_completion, module_completion
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url, read_gradebook
    from mlteam_utils.syllabus import load_syllabus

    syllabus = load_syllabus(course_root / "course" / "syllabus.toml")
    db_url, course_id = course_gradebook_url(course_root)
    frames = read_gradebook(db_url, course_id)
    modules = module_completion(frames, syllabus, code_question_points(course_root, frames))
    return _with_no_code(modules, frames, course_root), course_completion(modules, syllabus), syllabus, course_id


def _code_questions(course_root: Path, frames: GradebookFrames) -> set[tuple[str, str, str]]:
    """(assignment, notebook, question) of every code question: optional, never needed to pass (the answer keys say)."""
    from mlteam_utils.grading.keys import find_key
    from mlteam_utils.upstream.course_paths import course_paths

    source = course_paths(course_root).source
    found: set[tuple[str, str, str]] = set()
    for assignment, notebook in frames.questions[["assignment", "notebook"]].drop_duplicates().itertuples(index=False):
        key = find_key(source, str(assignment), str(notebook))
        if key is not None and key.code is not None:
            found |= {(str(assignment), str(notebook), str(question)) for question in key.code.tests}
    return found


def _with_no_code(modules: pd.DataFrame, frames: GradebookFrames, course_root: Path) -> pd.DataFrame:
    """``modules`` with each learner's points on the questions that need no code (``no_code_score``), of ``no_code_max``.

    Counted as the feedback page's verdict counts them: every graded question but the code questions.
    """
    code = _code_questions(course_root, frames)
    items = frames.items
    keys = zip(items["assignment"].astype(str), items["notebook"].astype(str), items["question"].astype(str), strict=True)
    no_code = items[[key not in code for key in keys]]
    earned = no_code.groupby(["student_id", "assignment"])["score"].sum(min_count=1)
    total = no_code.drop_duplicates(["assignment", "notebook", "question"]).groupby("assignment")["max_score"].sum()
    shown = modules.copy()
    pairs = zip(shown["student_id"].astype(str), shown["assignment"].astype(str), strict=True)
    shown["no_code_score"] = [earned.get(pair, float("nan")) for pair in pairs]
    shown["no_code_max"] = [total.get(assignment, float("nan")) for assignment in shown["assignment"].astype(str)]
    return shown


def statement_for(
    student: str, modules: pd.DataFrame, course: pd.DataFrame, syllabus: Syllabus, course_id: str, name: str | None = None
) -> Statement:
    """The statement of a learner who completed the course (rows from :func:`cohort_completion`), under
    ``name`` (default: the gradebook's)."""
    summary = course[course["student_id"] == student].iloc[0]
    titles = {m.number: m.title for m in syllabus.modules}
    lines = tuple(
        ModuleLine(int(row["module"]), titles[int(row["module"])], round(float(row["score"]), 2), float(row["max_score"]),
                   str(row["completed_on"]), _points(row.get("pass_mark")), _points(row.get("no_code_score")),
                   _points(row.get("no_code_max")))
        for row in modules[modules["student_id"] == student].to_dict("records")
    )
    return Statement(name=printed_name(str(summary["name"]) if name is None else name), student_id=student, course=syllabus.title, issuer=course_id,
                     self_graded=False, completed_on=str(summary["completed_on"]), modules=lines)


def _points(value: object) -> float | None:
    """A number of points for a certificate line, a pass mark for one (None when the gradebook gives none).

    >>> _points(5.4), _points(float("nan")), _points(None)
    (5.4, None, None)
    """
    import math

    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        return None
    return round(float(value), 2)


#: where a learner's printed name comes from first: the roster's ``name`` column
NAME_ROSTER = Path("course") / "lms-roster.csv"


def roster_names(course_root: Path) -> dict[str, str]:
    r"""learner id -> the ``name`` column of the course's roster (``course/lms-roster.csv``); empty without one.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "course").mkdir()
    >>> _ = (root / "course" / "lms-roster.csv").write_text("learner_id,name\nana,Ana Lopez\nben,\n", encoding="utf-8")
    >>> roster_names(root)
    {'ana': 'Ana Lopez'}
    """
    from mlteam_utils.reports.lms_roster import read_roster

    path = course_root / NAME_ROSTER
    if not path.exists():
        return {}
    roster = read_roster(path)  # a roster that cannot be used stops issuing: names would silently change
    return {learner: entry.get("name") for learner, entry in roster.entries.items() if entry.get("name")}


def certificate_name(student: str, gradebook_name: str, names: dict[str, str]) -> str:
    """The name a course certificate prints: the roster's, else the gradebook's first and last name.

    The gradebook shows a learner without a name by their id (their Unix login on a hub), which
    is no name for a certificate: :class:`CertificateError` then says how to set one.

    >>> certificate_name("ana", "ana", {"ana": "Ana Lopez"}), certificate_name("ben", "Ben Okafor", {})
    ('Ana Lopez', 'Ben Okafor')
    >>> certificate_name("u1234", "u1234", {})
    Traceback (most recent call last):
    ...
    mlteam_utils.certificates.CertificateError: no name for u1234: give it in course/lms-roster.csv (learner_id,name) or nbgrader's gradebook (nbgrader db student add u1234 --first-name=... --last-name=...)
    """
    name = names.get(student) or (gradebook_name if gradebook_name.strip() != student else "")
    if not name.strip():
        raise CertificateError(f"no name for {student}: give it in {NAME_ROSTER} (learner_id,name) or nbgrader's gradebook "
                               f"(nbgrader db student add {student} --first-name=... --last-name=...)")
    return name


def issue_cohort(course_root: Path, folder: Path | None = None) -> IssueSummary:
    """One PDF per learner who completed the course, recorded in the gradebook; the others listed with why.

    Issuing again is idempotent: the same statement gives the same code, and when the file
    already is the PDF recorded for it, it is left as it is. A changed statement (a new
    name, score or date) gets a new code, and the learner's earlier code is recorded as
    replaced by it (``verify`` then refuses the old one, naming the new).
    """
    from mlteam_utils.certificates.registry import find_issued
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url

    modules, course, syllabus, course_id = cohort_completion(course_root)
    names = roster_names(course_root)
    db_url, _ = course_gradebook_url(course_root)
    folder = folder or course_root / DEFAULT_FOLDER
    key = load_or_create_key(course_root / COURSE_KEY)
    summary = IssueSummary()
    for row in course.to_dict("records"):
        student = str(row["student_id"])
        if not row["course_completed"]:
            summary.not_qualified.append((student, f"{row['modules_completed']} modules completed; {row['not_completed']}"))
            continue
        try:
            name = certificate_name(student, str(row["name"]), names)
            statement = statement_for(student, modules, course, syllabus, course_id, name=name)
            code = make_code(key, statement)
            path = folder / file_name(student)
            earlier = find_issued(db_url, code)
            if not (earlier is not None and path.is_file() and file_fingerprint(path.read_bytes()) in earlier.file_fingerprints):
                path = render_pdf(statement, code, path)
        except (CertificateError, OSError) as error:
            summary.problems.append((student, str(error)))
            continue
        record_issued(db_url, code, student, statement.as_record(), file_fingerprint(path.read_bytes()))
        summary.issued.append((student, path, code))
    return summary


def issue_self(course_root: Path, work: Path, name: str, to: Path | None = None) -> tuple[Path, str, Statement]:
    """A self-learner's own certificate, marked self-graded; :class:`CourseNotCompleted` when not completed yet."""
    from mlteam_utils.progress import self_progress

    name = printed_name(name)
    if not name:
        from mlteam_utils.start_page import certificate_command

        raise CertificateError(f"give the name to print: {certificate_command()}")
    if len(name) > 80:
        raise CertificateError("the name is longer than 80 characters; give a shorter form")
    progress = self_progress(work, course_root)
    if progress.completed_on is None:
        missing = [f"{row.module.number} ({row.exercise_text()})" for row in progress.required if not row.completed]
        raise CourseNotCompleted(
            f"the course is not completed yet ({progress.summary()}) Still to complete: modules {', '.join(missing)}. "
            "Self-grade each exercise with `make selfgrade EXERCISE=exNN` until it passes."
        )
    lines = tuple(
        ModuleLine(row.module.number, row.module.title, round(float(row.score or 0), 2), float(row.max_score or 0),
                   str(row.completed_on), _points(row.pass_mark), row.no_code_score, row.points_without_code)
        for row in progress.required
    )
    statement = Statement(name=name, student_id="self", course=progress.syllabus.title, issuer=SELF_ISSUER,
                          self_graded=True, completed_on=progress.completed_on, modules=lines)
    code = make_code(load_or_create_key(work / SELF_KEY), statement)
    path = render_pdf(statement, code, to or work / SELF_FILE)
    record_self_issued(work, code, "self", statement.as_record(), file_fingerprint(path.read_bytes()))
    return path, code, statement
