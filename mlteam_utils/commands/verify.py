"""``mlteam-course verify``: check a certificate's verification code (and its PDF) against the record."""

from __future__ import annotations

import argparse
from pathlib import Path

from mlteam_utils.commands.base import course_root, subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``verify`` sub-parser, with :data:`run` as its handler."""
    verify_parser = subparsers.add_parser(
        "verify",
        help="check a certificate's verification code (and its PDF) against the record of issued certificates",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Check that CODE was issued by this course (MLT-...: the gradebook's record; SELF-...: the self-learner's\n"
            "own record in my-work/), that the record matches its code, and that the learner still meets the\n"
            "completion rule. With --pdf, also that the PDF's text is exactly what was issued."
        ),
        epilog=(
            "examples:\n"
            "  mlteam-course verify MLT-ABCD-EFGH-IJKL-MNOP\n"
            "  mlteam-course verify --pdf course/certificates/certificate-ana.pdf\n"
            "exit status: 0 valid, 1 not valid (the line says why)"
        ),
    )
    verify_parser.add_argument("code", nargs="?", metavar="CODE", help="the verification code (default: the one the PDF shows)")
    verify_parser.add_argument("--pdf", type=Path, metavar="FILE", help="the certificate's PDF: its text must be exactly what was issued")
    verify_parser.add_argument("--folder", type=Path, metavar="DIR", help="SELF- codes: the learner's work area (default: my-work/ in the course)")
    verify_parser.set_defaults(handler=run)


@subcommand("verify", failures=("mlteam_utils.certificates:CertificateError", "mlteam_utils.reports.gradebook_frames:ReportError",
                                  "mlteam_utils.cohort.gradebook_db:GradebookError"))
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.certificates.verify import verify

    root = course_root(args)
    print(verify(args.code, root, pdf=args.pdf, work=args.folder.resolve() if args.folder else None).as_text())
    return 0
