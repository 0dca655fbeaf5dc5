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
on 2026-02-25
Module Score Completed
1. How ML projects differ 11.5 / 12 2026-02-20
Issued by the course mlteam-onboarding, from its gradebook
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["CODE_PATTERN", "ModuleLine", "Statement", "code_matches", "compact", "make_code"]

COURSE_PREFIX = "MLT"
SELF_PREFIX = "SELF"
#: ``MLT-XXXX-XXXX-XXXX-XXXX`` (issued by the course) or ``SELF-...`` (self-graded); base32 letters and digits.
CODE_PATTERN = re.compile(r"^(MLT|SELF)-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
SCHEMA = "mlteam-certificate/1"


@dataclass(frozen=True)
class ModuleLine:
    """One module on a certificate: number, title, score, maximum and completion date."""

    number: int
    title: str
    score: float
    max_score: float
    completed_on: str

    def text(self) -> str:
        return f"{self.number}. {self.title} {self.score:g} / {self.max_score:g} {self.completed_on}"


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

    def issuer_line(self) -> str:
        if self.self_graded:
            return "SELF-GRADED: scored by the learner's own selfgrade runs, not checked by an instructor"
        return f"Issued by the course {self.issuer}, from its gradebook"

    def lines(self) -> list[str]:
        """The certificate's text, line by line, as the PDF shows it (the code's line apart)."""
        return [
            "Certificate of completion", "This certifies that", self.name, "completed the course", self.course,
            f"on {self.completed_on}", "Module Score Completed", *(m.text() for m in self.modules), self.issuer_line(),
        ]

    def canonical(self) -> bytes:
        """The canonical form the code is computed over: sorted-key JSON, UTF-8."""
        data = {"schema": SCHEMA, **asdict(self)}
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
