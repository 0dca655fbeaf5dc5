"""``mlteam-course release``: regenerate exercises/ from solutions/."""

from __future__ import annotations

import argparse

from mlteam_utils.commands.base import course_root, subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``release`` sub-parser, with :data:`run` as its handler."""
    release_parser = subparsers.add_parser(
        "release",
        help="regenerate exercises/ from solutions/",
        description=(
            "Regenerate exercises/ (what learners get) from solutions/ (the instructor's notebooks) "
            "with nbgrader. Refuses, and changes nothing, when the result would leak an answers "
            "file, an answer key, a hidden test or a solution, or when it would change the points or "
            "questions of an assignment learners have already submitted (--accept-changes to change points)."
        ),
    )
    release_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="e.g. ex01_how_ml_projects_differ (default: all)")
    release_parser.add_argument(
        "--accept-changes", action="store_true",
        help="change the points of an assignment that already has submissions (refused otherwise, with the list of changes)",
    )
    release_parser.set_defaults(handler=run)


@subcommand(
    "release",
    usage=("mlteam_utils.release:UnknownAssignmentReleaseError",),
    failures=("mlteam_utils.release:ReleaseError", "mlteam_utils.nbgrader_runner:NbgraderFailed"),
)
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.release import release

    root = course_root(args)
    for target in release(root, args.assignments, accept_changes=args.accept_changes, say=print):
        print(f"released {target.relative_to(root)}")
    return 0
