"""What a certificate states, its canonical form, and the verification code that binds them.

>>> statement = Statement(
...     name="Ana Lopez", student_id="ana", course="How machine-learning teams work", issuer="mlteam-onboarding",
...     self_graded=False, completed_on="2026-02-25",
...     modules=(ModuleLine(1, "How ML projects differ", 11.5, 12.0, "2026-02-20"),))
>>> key = b"k" * 32
>>> code = make_code(key, statement)
>>> code.startswith("MLT-") and len(code) == 23, code == make_code(key, statement)
(True, True)
>>> code_matches(key, statement, code), code_matches(key, statement, code[:-1] + "A" if code[-1] != "A" else code[:-1] + "B")
(True, False)
>>> print("\\n".join(statement.lines()))
Certificate of completion
This certifies that
Ana Lopez
completed the course
How machine-learning teams work
on 25 February 2026
Module Score Completed
1. How ML projects differ 11.5 / 12 20 February 2026
Issued by the instructor of “How machine-learning teams work”, from the course’s record of grades

A certificate issued before dates and the issuer were written for a person showed the ISO
dates and the course's id: ``earlier=True`` gives its lines, which its PDF still shows.

>>> print("\\n".join(statement.lines(earlier=True)[5:]))
on 2026-02-25
Module Score Completed
1. How ML projects differ 11.5 / 12 2026-02-20
Issued by the course mlteam-onboarding, from its gradebook

A module line with its pass mark says what the score is measured against: a score of 9 of
16 points reads as 56%, though with the optional code questions left out it is every point.

>>> import dataclasses
>>> with_marks = dataclasses.replace(statement, modules=(ModuleLine(1, "How ML projects differ", 9, 16, "2026-02-20", 5.4),))
>>> print("\\n".join(with_marks.lines()[6:9]))
Module Score Pass mark Completed
1. How ML projects differ 9 / 16 5.4 20 February 2026
Scores count the optional code questions too; a module is passed at its pass mark, a share of the points that need no code.

A module line with the learner's points on the questions that need no code says them, as
the feedback page's verdict counts them: 9 of the 12 points that need no code, passed at 60%.

>>> with_no_code = dataclasses.replace(statement, modules=(
...     ModuleLine(1, "How ML projects differ", 9, 16, "2026-02-20", 7.2, no_code_score=9, no_code_max=12),))
>>> print("\\n".join(with_no_code.lines()[6:9]))
Module Score Points that need no code Completed
1. How ML projects differ 9 / 16 9 of 12 20 February 2026
Score: every point, the optional code questions' too. A module is passed with a score of 60% of the points that need no code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CODE_PATTERN", "ModuleLine", "Statement", "code_matches", "compact", "make_code", "readable_date"]

COURSE_PREFIX = "MLT"
SELF_PREFIX = "SELF"
#: ``MLT-XXXX-XXXX-XXXX-XXXX`` (issued by the course) or ``SELF-...`` (self-graded); base32 letters and digits.
CODE_PATTERN = re.compile(r"^(MLT|SELF)-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
SCHEMA = "mlteam-certificate/1"


#: Under the table of a certificate whose modules state their pass marks.
PASS_MARK_NOTE = ("Scores count the optional code questions too; a module is passed at its pass mark, "
                  "a share of the points that need no code.")
#: Under the table of a certificate whose modules state the points that need no code (the share: the pass percent).
NO_CODE_NOTE = ("Score: every point, the optional code questions' too. A module is passed with a score of {percent} "
                "of the points that need no code.")
#: ModuleLine fields a certificate issued before them does not have: left out of its canonical form when unset.
OPTIONAL_FIELDS = ("pass_mark", "no_code_score", "no_code_max")

def readable_date(iso: str) -> str:
    """An ISO date as a person reads it (day, month's name, year); anything else as it is.

    >>> readable_date("2026-03-03"), readable_date("2026-12-25T10:00:00"), readable_date("soon")
    ('3 March 2026', '25 December 2026', 'soon')
    """
    from mlteam_utils.dates import day_in_words

    return day_in_words(iso)


@dataclass(frozen=True)
class ModuleLine:
    """One module on a certificate: number, title, score, maximum, completion date and pass mark.

    ``pass_mark`` is ``None`` on certificates issued before it was stated, and
    ``no_code_score`` / ``no_code_max`` (the learner's points on the questions that need
    no code, of how many) on those issued before they were.
    """

    number: int
    title: str
    score: float
    max_score: float
    completed_on: str
    pass_mark: float | None = None
    no_code_score: float | None = None
    no_code_max: float | None = None

    @property
    def states_no_code(self) -> bool:
        return self.no_code_score is not None and self.no_code_max is not None

    def cells(self, earlier: bool = False) -> tuple[str, ...]:
        """The row's cells as the certificate's table shows them (``earlier``: with the ISO date, as before)."""
        if self.states_no_code:
            middle: tuple[str, ...] = (f"{self.no_code_score:g} of {self.no_code_max:g}",)
        else:
            middle = () if self.pass_mark is None else (f"{self.pass_mark:g}",)
        completed = self.completed_on if earlier else readable_date(self.completed_on)
        return (f"{self.number}. {self.title}", f"{self.score:g} / {self.max_score:g}", *middle, completed)

    def text(self, earlier: bool = False) -> str:
        return " ".join(self.cells(earlier))


@dataclass(frozen=True)
class Statement:
    """Everything a certificate states (and nothing else: the code covers exactly this)."""

    name: str
    student_id: str
    course: str
    issuer: str
    self_graded: bool
    completed_on: str
    modules: tuple[ModuleLine, ...]

    def issuer_line(self, earlier: bool = False) -> str:
        """Who issued it, in plain words and the course's title (``earlier``: as before, with the course's id)."""
        if earlier:
            if self.self_graded:
                return "SELF-GRADED: scored by the learner's own selfgrade runs, not checked by an instructor"
            return f"Issued by the course {self.issuer}, from its gradebook"
        if self.self_graded:
            return "SELF-GRADED: the learner scored their own answers; no instructor checked them"
        return f"Issued by the instructor of “{self.course}”, from the course’s record of grades"

    @property
    def states_no_code(self) -> bool:
        """Each module states the learner's points that need no code (certificates issued since they are)."""
        return bool(self.modules) and all(m.states_no_code for m in self.modules)

    @property
    def states_pass_marks(self) -> bool:
        return bool(self.modules) and all(m.pass_mark is not None for m in self.modules)

    def header(self) -> tuple[str, ...]:
        """The table's column names."""
        if self.states_no_code:
            return ("Module", "Score", "Points that need no code", "Completed")
        return ("Module", "Score", "Pass mark", "Completed") if self.states_pass_marks else ("Module", "Score", "Completed")

    def note(self) -> str | None:
        """The line under the table that says what the scores are measured against, if any."""
        if self.states_no_code:
            shares = {round(100 * m.pass_mark / m.no_code_max) for m in self.modules if m.pass_mark is not None and m.no_code_max}
            percent = f"{shares.pop():g}%" if len(shares) == 1 else "its pass mark, a share"
            return NO_CODE_NOTE.format(percent=percent)
        return PASS_MARK_NOTE if self.states_pass_marks else None

    def lines(self, earlier: bool = False) -> list[str]:
        """The certificate's text, line by line, as the PDF shows it (the code's lines apart).

        ``earlier``: as certificates issued before dates and the issuer read for a person show it.
        Only the wording differs: the canonical form, and so the code, is the same.
        """
        note = [text for text in (self.note(),) if text is not None]
        completed = self.completed_on if earlier else readable_date(self.completed_on)
        return [
            "Certificate of completion", "This certifies that", self.name, "completed the course", self.course,
            f"on {completed}", " ".join(self.header()), *(m.text(earlier) for m in self.modules), *note,
            self.issuer_line(earlier),
        ]

    def canonical(self) -> bytes:
        """The canonical form the code is computed over: sorted-key JSON, UTF-8.

        A module without a pass mark (or without its points that need no code) leaves the
        key out, so certificates issued before they were stated keep their codes.
        """
        data = {"schema": SCHEMA, **asdict(self)}
        data["modules"] = [{k: v for k, v in m.items() if not (k in OPTIONAL_FIELDS and v is None)} for m in data["modules"]]
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def as_record(self) -> str:
        return self.canonical().decode("utf-8")

    @classmethod
    def from_record(cls, record: str) -> Statement:
        """The statement stored as :meth:`as_record`; ``ValueError`` for anything else."""
        data: dict[str, Any] = json.loads(record)
        if not isinstance(data, dict) or data.pop("schema", None) != SCHEMA:
            raise ValueError("not a certificate statement")
        modules = tuple(ModuleLine(**m) for m in data.pop("modules"))
        return cls(modules=modules, **data)


def make_code(key: bytes, statement: Statement) -> str:
    """The verification code: HMAC-SHA256 of the canonical statement under ``key``, 80 bits in base32."""
    digest = hmac.new(key, statement.canonical(), hashlib.sha256).digest()
    letters = base64.b32encode(digest[:10]).decode("ascii")
    prefix = SELF_PREFIX if statement.self_graded else COURSE_PREFIX
    return "-".join([prefix, *(letters[i:i + 4] for i in range(0, 16, 4))])


def code_matches(key: bytes, statement: Statement, code: str) -> bool:
    """Whether ``code`` is the statement's code under ``key`` (compared in constant time)."""
    return hmac.compare_digest(make_code(key, statement), code.strip().upper())


def compact(text: str) -> str:
    """Text with every whitespace removed, to compare a PDF's extracted text with what was drawn.

    >>> compact(" 1. Teams  9 / 12\\n2026 ")
    '1.Teams9/122026'
    """
    return re.sub(r"\s+", "", text)
