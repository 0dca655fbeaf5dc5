"""Draw a certificate as a one-page PDF (fpdf2) and read a PDF's text back (pypdf).

The text is drawn in DejaVu Sans, the font matplotlib ships, so names with
accents print as written; a character the font lacks is refused with a clear
message rather than dropped silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlteam_utils.certificates import CertificateError
from mlteam_utils.certificates.statement import Statement

__all__ = ["EARLIER_HINTS", "HINT", "missing_characters", "pdf_text", "render_pdf"]

#: The certificate's last line: a command that works in a clone of the course, where the
#: course's venv is not on the shell's PATH (make runs the course's own ``mlteam-course``).
HINT = "Check it with: make verify CODE=CODE PDF=THIS_FILE (in the course's folder)"
#: The last lines of certificates issued before: their PDFs still verify.
EARLIER_HINTS = ("Check it with: mlteam-course verify CODE --pdf THIS_FILE",)

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


def render_pdf(statement: Statement, code: str, path: Path) -> Path:
    """Write the certificate of ``statement`` with its ``code`` to ``path`` (one page); returns ``path``."""
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
    if statement.states_no_code:
        widths: tuple[float, ...] = (115.0, 30.0, 52.0, 28.0)
    else:
        widths = (130.0, 35.0, 25.0, 30.0) if statement.states_pass_marks else (150.0, 35.0, 35.0)
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
    _line(pdf, HINT, 8, 5, color=MUTED)
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
