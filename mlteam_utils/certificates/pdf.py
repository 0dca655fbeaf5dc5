"""Draw a certificate as a one-page PDF (fpdf2) and read a PDF's text back (pypdf).

The text is drawn in DejaVu Sans, the font matplotlib ships, so names with
accents print as written; a character the font lacks is refused with a clear
message rather than dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlteam_utils.certificates import CertificateError
from mlteam_utils.certificates.statement import Statement

__all__ = ["EARLIER_HINTS", "check_line", "check_lines", "issued_on_hub", "missing_characters", "pdf_text", "render_pdf"]

#: The last lines of certificates issued before :func:`check_line`: their PDFs still verify.
EARLIER_HINTS = ("Check it with: mlteam-course verify CODE --pdf THIS_FILE",
                 "Check it with: make verify CODE=CODE PDF=THIS_FILE (in the course's folder)")
#: Set on the course hub: in every learner's server (with ``MLTEAM_HUB_COURSE_ID``) and in the grader's service.
HUB_BIN_ENV = "MLTEAM_HUB_BIN"


def issued_on_hub(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a certificate is made on the course hub, where ``mlteam-course`` is on PATH and no clone has ``make``'s venv.

    >>> issued_on_hub({}), issued_on_hub({"MLTEAM_HUB_BIN": "/opt/mlteam/venv/bin"}), issued_on_hub({"MLTEAM_HUB_COURSE_ID": "c"})
    (False, True, True)
    """
    from mlteam_utils.start_page import hub_course_id

    environ = os.environ if environ is None else environ
    return hub_course_id(environ) is not None or bool(environ.get(HUB_BIN_ENV, "").strip())


def check_line(code: str, self_graded: bool, on_hub: bool) -> str:
    """The certificate's last line: how anyone gets it checked, with a command that works as printed where it was made.

    Verifying needs the record of what was issued (the course's gradebook, or a self-learner's
    work area), so the line says who runs it. On one machine the course's venv is not on the
    shell's PATH and ``make`` runs its ``mlteam-course``; on the hub ``mlteam-course`` is on PATH.

    >>> check_line("MLT-AAAA-BBBB-CCCC-DDDD", False, on_hub=True)
    'Anyone can check this certificate: the course’s instructor runs mlteam-course verify MLT-AAAA-BBBB-CCCC-DDDD, which shows what was issued.'
    >>> check_line("SELF-AAAA-BBBB-CCCC-DDDD", True, on_hub=False)
    'Anyone can check this certificate where it was made: run make verify CODE=SELF-AAAA-BBBB-CCCC-DDDD (in the course’s folder), which shows what was recorded.'
    """
    command = f"mlteam-course verify {code}" if on_hub else f"make verify CODE={code}"
    where = "" if on_hub else " (in the course’s folder)"
    if self_graded:
        return f"Anyone can check this certificate where it was made: run {command}{where}, which shows what was recorded."
    return f"Anyone can check this certificate: the course’s instructor runs {command}{where}, which shows what was issued."


def check_lines(code: str, self_graded: bool) -> tuple[str, ...]:
    """Every last line a certificate with ``code`` may show: made on the hub or on one machine."""
    return tuple(check_line(code, self_graded, on_hub) for on_hub in (False, True))

#: Landscape A4, in mm.
WIDTH, HEIGHT, MARGIN = 297.0, 210.0, 18.0
INK, ACCENT, MUTED = (20, 30, 45), (28, 78, 128), (70, 70, 70)


def _font_folder() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _document() -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("mlteam-course")
    pdf.add_font("DejaVu", "", str(_font_folder() / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_font_folder() / "DejaVuSans-Bold.ttf"))
    return pdf


def missing_characters(text: str) -> str:
    """The characters of ``text`` the certificate's font cannot draw ('' when it can draw them all).

    >>> missing_characters("Zoë Ñandú"), missing_characters("李雷")
    ('', '李雷')
    """
    pdf = _document()
    cmap = pdf.fonts["dejavu"].cmap
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in cmap))


def _line(pdf: Any, text: str, size: float, height: float, *, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.cell(0, height, text, align="C", new_x="LMARGIN", new_y="NEXT")


def render_pdf(statement: Statement, code: str, path: Path, on_hub: bool | None = None) -> Path:
    """Write the certificate of ``statement`` with its ``code`` to ``path`` (one page); returns ``path``.

    ``on_hub`` (default: :func:`issued_on_hub`) chooses the command its last line prints.
    """
    missing = missing_characters(" ".join(statement.lines()))
    if missing:
        raise CertificateError(f"the certificate's font cannot show {missing!r} (in the name or a title); "
                               "give the name in Latin, Greek or Cyrillic letters")
    pdf = _document()
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, WIDTH - 16, HEIGHT - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, WIDTH - 22, HEIGHT - 22)
    pdf.set_y(20)
    lines = statement.lines()
    heading, certifies, name, completed, course, on = lines[:6]
    _line(pdf, heading, 26, 13, bold=True, color=ACCENT)
    _line(pdf, certifies, 12, 8, color=MUTED)
    _line(pdf, name, 22, 12, bold=True)
    _line(pdf, completed, 12, 7, color=MUTED)
    _line(pdf, course, 16, 9, bold=True)
    _line(pdf, on, 12, 8, color=MUTED)
    pdf.ln(3)
    # The last column fits a date in words ("30 September 2026"), the third its bold header, at 10 pt.
    if statement.states_no_code:
        widths: tuple[float, ...] = (100.0, 24.0, 56.0, 40.0)
    else:
        widths = (120.0, 30.0, 25.0, 38.0) if statement.states_pass_marks else (140.0, 35.0, 38.0)
    left = (WIDTH - sum(widths)) / 2
    pdf.set_draw_color(170, 170, 170)
    rows = [statement.header()] + [m.cells() for m in statement.modules]
    size = 10 if len(statement.modules) <= 9 else 8
    for index, row in enumerate(rows):
        pdf.set_x(left)
        pdf.set_font("DejaVu", "B" if index == 0 else "", size)
        pdf.set_text_color(*INK)
        for width, text in zip(widths, row):
            pdf.cell(width, 6.2, text, border="B", align="L")
        pdf.ln(6.2)
    note = statement.note()
    if note is not None:
        pdf.ln(1)
        _line(pdf, note, 8, 5, color=MUTED)
    pdf.ln(3)
    _line(pdf, lines[-1], 11 if statement.self_graded else 10, 7, bold=statement.self_graded,
          color=(150, 40, 20) if statement.self_graded else MUTED)
    pdf.set_y(HEIGHT - 30)
    _line(pdf, f"Verification code: {code}", 11, 6, bold=True)
    _line(pdf, check_line(code, statement.self_graded, issued_on_hub() if on_hub is None else on_hub), 8, 5, color=MUTED)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def pdf_bytes(path: Path) -> bytes:
    """A PDF's bytes, read as a plain file; :class:`CertificateError` when it cannot be."""
    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    try:
        return read_regular_file(path, max_bytes=20 * 1024 * 1024)
    except FileNotFoundError:
        raise CertificateError(f"{path} does not exist") from None
    except (UnsafeEntry, OSError) as error:
        raise CertificateError(f"{path} cannot be read as a plain file: {error}") from None


def file_fingerprint(data: bytes) -> str:
    """The SHA-256 of a certificate file, as the record of issued certificates keeps it.

    >>> file_fingerprint(b"%PDF-1.4")[:12]
    'e16fa5d9b519'
    """
    import hashlib

    return hashlib.sha256(data).hexdigest()


def pdf_text(path: Path, data: bytes | None = None) -> tuple[int, str]:
    """The number of pages and the text of a PDF; :class:`CertificateError` for a file that is not a readable PDF."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if data is None:
        data = pdf_bytes(path)
    try:
        reader = PdfReader(io.BytesIO(data))
        return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise CertificateError(f"{path} is not a readable PDF ({type(error).__name__})") from None
