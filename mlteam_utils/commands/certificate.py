"""``mlteam-course certificate``: a PDF certificate of completion (self-graded, or one per learner with ``--cohort``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlteam_utils.commands.base import course_root, reapply_late_penalties, subcommand

#: `certificate`'s exit status when the learner has not completed the course yet: not a
#: failure, but not a certificate either (the Makefile's `certificate` ends without an error on it).
NOT_COMPLETED_YET = 3


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``certificate`` sub-parser, with :data:`run` as its handler."""
    certificate_parser = subparsers.add_parser(
        "certificate",
        help="make a PDF certificate of completion (yours, self-graded; or with --cohort one per learner who completed)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Make a one-page PDF certificate for a learner who meets the course's completion rule ([completion] in\n"
            "course/syllabus.toml): name, course, modules with scores, completion date, issuer and a verification code.\n"
            "Without --cohort: your own, from your `make selfgrade` results, marked SELF-GRADED (my-work/certificate.pdf).\n"
            "With --cohort: one per learner who completed, from the gradebook, in course/certificates/ (git-ignored),\n"
            "recorded in the gradebook; the others are listed with why."
        ),
        epilog=(
            "examples:\n"
            '  mlteam-course certificate --name "Ada Lovelace"     # a self-learner\n'
            "  mlteam-course certificate --cohort                  # an instructor\n"
            "exit status: 0 made, 3 (yours) the course is not completed yet, 1 an unreadable gradebook or record,\n"
            "  or a certificate that could not be made"
        ),
    )
    certificate_parser.add_argument("--cohort", action="store_true", help="instructors: one certificate per learner who completed the course")
    certificate_parser.add_argument("--name", metavar="NAME", help="self-learners: your name, as it should be printed")
    certificate_parser.add_argument("--to", type=Path, metavar="PATH", help="the PDF (yours) or the folder (--cohort) to write")
    certificate_parser.add_argument("--folder", type=Path, metavar="DIR", help="your work area (default: my-work/ in the course)")
    certificate_parser.set_defaults(handler=run)


@subcommand("certificate", failures=("mlteam_utils.certificates:CertificateError", "builtins:OSError",
                                       "mlteam_utils.reports.gradebook_frames:ReportError", "mlteam_utils.syllabus:SyllabusError",
                                       "mlteam_utils.cohort.gradebook_db:GradebookError"), keeps_learners_out=True)
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.certificates import CourseNotCompleted
    from mlteam_utils.certificates.issue import issue_cohort, issue_self
    from mlteam_utils.start_page import verify_command
    from mlteam_utils.workspace import WORK_FOLDER

    root = course_root(args)
    if args.cohort:
        reapply_late_penalties(root)
        summary = issue_cohort(root, args.to)
        print(summary.as_text())
        return 1 if summary.problems else 0
    try:
        path, code, statement = issue_self(root, (args.folder or root / WORK_FOLDER).resolve(), args.name or "", args.to)
    except CourseNotCompleted as not_yet:  # not a failure: `make certificate` ends quietly on this status
        print(f"mlteam-course certificate: {not_yet}", file=sys.stderr)
        return NOT_COMPLETED_YET
    print(f"wrote {path}: your self-graded certificate ({len(statement.modules)} modules, completed {statement.completed_on})")
    print(f"verification code: {code} (check it with: {verify_command(code, str(path))})")
    return 0
