"""``mlteam-course feedback``: write feedback HTML for graded submissions and release it."""

from __future__ import annotations

import argparse

from mlteam_utils.commands.base import course_root, reapply_late_penalties, subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``feedback`` sub-parser, with :data:`run` as its handler."""
    feedback_parser = subparsers.add_parser(
        "feedback",
        help="write feedback HTML for graded submissions and release it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Generate each learner's feedback page (course/feedback/STUDENT/ASSIGNMENT/*.html) with nbgrader.\n"
            "Hidden tests and mark schemes are removed and tracebacks cut to one line; every page is then\n"
            "scanned, and one that still shows a hidden test, a mark scheme or the answer key is withheld.\n"
            "When the nbgrader exchange exists (Exchange.root), the clean pages are released through it,\n"
            "and learners get them with `nbgrader fetch_feedback` or the Assignments tab. A page whose\n"
            "submission still has a part to grade by hand (a reflection) is held back until it is graded\n"
            "in the formgrader, unless --include-ungraded; that part then reads 'awaiting grading'."
        ),
        epilog="examples:\n  mlteam-course feedback\n  mlteam-course feedback ex01_how_ml_projects_differ --no-release",
    )
    feedback_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="only these assignments (default: every graded one)")
    feedback_parser.add_argument("--no-release", action="store_true", help="only write the pages; do not release them through the exchange")
    feedback_parser.add_argument(
        "--include-ungraded", action="store_true",
        help="also release pages whose manual parts (the reflections) nobody has graded yet; those parts read 'awaiting grading'",
    )
    feedback_parser.set_defaults(handler=run)


@subcommand(
    "feedback",
    usage=("mlteam_utils.cohort.grade:UnknownAssignmentError",),
    failures=("mlteam_utils.cohort.gradebook_merge:GradebookError",),
    keeps_learners_out=True,
)
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.cohort.feedback import generate_feedback

    root = course_root(args)
    reapply_late_penalties(root)
    result = generate_feedback(root, args.assignments, release=not args.no_release, include_ungraded=args.include_ungraded)
    if not result.pages and not result.problems and not result.not_graded:
        print("no feedback to generate: grade the cohort first (mlteam-course grade)")
        return 0
    print(result.as_text(root))
    return 1 if (result.withheld or result.problems) else 0
