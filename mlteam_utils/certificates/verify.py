"""``mlteam-course verify CODE [--pdf FILE]``: is this certificate what the course issued, and still deserved?

A code is valid when (1) it was issued: it is in the gradebook's record (or, for
a ``SELF-`` code, the learner's own work area); (2) the recorded statement still
matches the code under the course's key (a record edited by hand does not); (3)
the learner still meets the completion rule, judged again on the grades now;
and, with ``--pdf``, (4) the PDF is a file the course made for that code (its
SHA-256 is in the record: text can be copied onto a page that shows something
else, such as a name drawn as a picture over the issued one) and its text is
exactly the issued statement; and (5) it was not replaced: issuing again to the
same learner after what it states changed records the old code as replaced by the
new one. A certificate issued before files were
fingerprinted is checked by its text only, and the answer says so.
Anything else fails with the reason, as a :class:`CertificateError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.certificates import CertificateError
from mlteam_utils.certificates.pdf import EARLIER_HINTS, check_line, check_lines, file_fingerprint, pdf_bytes, pdf_text
from mlteam_utils.certificates.registry import Issued, find_issued, find_self_issued
from mlteam_utils.certificates.signing import COURSE_KEY, SELF_KEY, load_key
from mlteam_utils.certificates.statement import CODE_PATTERN, Statement, code_matches, compact

__all__ = ["Verified", "drawn_lines", "issued_texts", "verify"]

CODE_IN_TEXT = re.compile(r"Verification\s*code:\s*((?:MLT|SELF)-[A-Z2-7-]{19})")


@dataclass(frozen=True)
class Verified:
    """A valid certificate: its code, what it states and when it was issued."""

    code: str
    statement: Statement
    issued_at: str
    #: The PDF was checked by its text only: it was issued before files were fingerprinted.
    text_only: bool = False

    def as_text(self) -> str:
        kind = "self-graded (checked against the learner's own self-grade record)" if self.statement.self_graded else "issued by the course"
        lines = [f"VALID: certificate {self.code}, {kind}, issued {self.issued_at[:10]}. It states:"]
        lines += [f"  {line}" for line in self.statement.lines()]
        if self.text_only:
            lines.append("Note: this certificate was issued before the course kept each PDF's fingerprint, so only the "
                         "PDF's text was checked, not what its page shows. Issue it again for a file that can be checked whole.")
        return "\n".join(lines)


def drawn_lines(statement: Statement, code: str, hint: str | None = None, *, earlier: bool = False) -> list[str]:
    """Every line of text the PDF shows, in order (what ``--pdf`` compares with).

    ``hint`` is the last line (default: the one a certificate made on one machine shows);
    ``earlier``: the statement's lines as certificates issued before they read for a person show them.
    """
    hint = check_line(code, statement.self_graded, on_hub=False) if hint is None else hint
    return [*statement.lines(earlier), f"Verification code: {code}", hint]


def issued_texts(statement: Statement, code: str) -> list[list[str]]:
    """Every text a PDF the course issued under ``code`` may show: made on the hub or on one machine,
    now or by an earlier release (ISO dates, the course's id and an earlier last line)."""
    return ([drawn_lines(statement, code, hint) for hint in check_lines(code, statement.self_graded)]
            + [drawn_lines(statement, code, hint, earlier=True) for hint in EARLIER_HINTS])


def _code_from_pdf(text: str) -> str:
    found = CODE_IN_TEXT.search(text)
    if found is None:
        raise CertificateError("the PDF shows no verification code: it is not one of the course's certificates")
    return found.group(1)


def _check_pdf(text: str, statement: Statement, code: str, pdf: Path) -> None:
    have = compact(text)
    candidates = issued_texts(statement, code)
    if any(have == compact("".join(lines)) for lines in candidates):
        return
    # Name a line of the issued text it most resembles (now or earlier wording) that it lacks.
    closest = max(candidates, key=lambda lines: sum(compact(line) in have for line in lines))
    for line in closest[:-1]:
        if compact(line) not in have:
            raise CertificateError(f"the PDF's text differs from the certificate issued under {code}: "
                                   f"it does not say {line!r} ({pdf})")
    raise CertificateError(f"the PDF's text differs from the certificate issued under {code}: it has text that was not issued ({pdf})")


def _still_completed(statement: Statement, course_root: Path, work: Path) -> None:
    """Raise unless the learner still meets the completion rule on their grades now."""
    if statement.self_graded:
        from mlteam_utils.progress import self_progress

        progress = self_progress(work, course_root)
        if progress.completed_on is None:
            raise CertificateError(f"the learner no longer meets the course's completion rule on their self-grade record: {progress.summary()}")
        return
    from mlteam_utils.certificates.issue import cohort_completion

    _, course, _, _ = cohort_completion(course_root)
    row = course[course["student_id"] == statement.student_id]
    if not len(row):
        raise CertificateError(f"the learner {statement.student_id!r} is no longer in the gradebook")
    if not bool(row["course_completed"].iloc[0]):
        raise CertificateError(
            f"the learner {statement.student_id!r} no longer meets the course's completion rule: {row['not_completed'].iloc[0]}"
        )


def verify(code: str | None, course_root: Path, *, pdf: Path | None = None, work: Path | None = None) -> Verified:
    """Check ``code`` (or the code a PDF shows) against the record of issued certificates; see the module's text."""
    text, fingerprint = None, None
    if pdf is not None:
        data = pdf_bytes(pdf)
        _, text = pdf_text(pdf, data)
        fingerprint = file_fingerprint(data)
        code = code or _code_from_pdf(text)
    if not code:
        raise CertificateError("give a verification code, or a certificate with --pdf FILE")
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise CertificateError(f"{code[:40]!r} is not a verification code (they read like MLT-XXXX-XXXX-XXXX-XXXX or SELF-...)")
    from mlteam_utils.workspace import WORK_FOLDER

    work = work or course_root / WORK_FOLDER
    issued: Issued | None
    if code.startswith("SELF-"):
        issued, key_path = find_self_issued(work, code), work / SELF_KEY
        where = f"the self-learner's record in {work}"
    else:
        from mlteam_utils.reports.gradebook_frames import course_gradebook_url

        db_url, _ = course_gradebook_url(course_root)
        issued, key_path = find_issued(db_url, code), course_root / COURSE_KEY
        where = "the course gradebook's record of issued certificates"
    if issued is None:
        raise CertificateError(f"unknown code {code}: no certificate with this code is in {where}")
    if issued.replaced_by:
        raise CertificateError(f"certificate {code} was replaced by {issued.replaced_by} (issued again to the same learner "
                               f"after what it states changed): verify {issued.replaced_by}")
    try:
        statement = Statement.from_record(issued.statement)
    except (ValueError, TypeError, KeyError):
        raise CertificateError(f"the record of {code} is damaged: it is not a certificate statement") from None
    if not code_matches(load_key(key_path), statement, code):
        raise CertificateError(f"the record of {code} was altered: what it states no longer matches its code")
    if text is not None:
        if pdf is not None and _code_from_pdf(text) != code:
            raise CertificateError(f"the PDF shows another code than {code}")
        _check_pdf(text, statement, code, pdf or Path("?"))
        if issued.file_fingerprints and fingerprint not in issued.file_fingerprints:
            raise CertificateError(
                f"the PDF is not a file the course issued under {code}: its text matches, but the file was changed "
                f"after it was issued (something may be drawn over it) ({pdf})"
            )
    _still_completed(statement, course_root, work)
    return Verified(code, statement, issued.issued_at, text_only=text is not None and not issued.file_fingerprints)
