"""The ``mlteam-course`` command: the instructor's and self-learner's tools.

Run ``mlteam-course --help`` or ``mlteam-course SUBCOMMAND --help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mlteam_utils import __version__


def _course_root(args: argparse.Namespace) -> Path:
    from mlteam_utils.paths import find_course_root

    return find_course_root(args.course_root)


def cmd_release(args: argparse.Namespace) -> int:
    from mlteam_utils.nbgrader_runner import NbgraderFailed
    from mlteam_utils.release import ReleaseError, release

    root = _course_root(args)
    try:
        for target in release(root, args.assignments):
            print(f"released {target.relative_to(root)}")
    except (ReleaseError, NbgraderFailed) as error:
        print(f"mlteam-course release: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_selfgrade(args: argparse.Namespace) -> int:
    from mlteam_utils.nbgrader_runner import NbgraderFailed
    from mlteam_utils.selfgrade import SelfGradeError, selfgrade

    from mlteam_utils.paths import find_course_root

    # The notebook's own checkout is the natural course, wherever the command runs from.
    root = find_course_root(args.course_root or args.notebook.resolve().parent)
    try:
        report = selfgrade(args.notebook, root, show_correct_answers=args.show_answers)
    except (SelfGradeError, NbgraderFailed) as error:
        print(f"mlteam-course selfgrade: {error}", file=sys.stderr)
        return 1
    print(report.as_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlteam-course",
        description="Release, grade and review the mlteam onboarding course (nbgrader underneath).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--course-root",
        type=Path,
        default=None,
        help="the course folder (default: found from the current folder upwards)",
    )
    commands = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    release_parser = commands.add_parser(
        "release",
        help="regenerate exercises/ from solutions/",
        description=(
            "Regenerate exercises/ (what learners get) from solutions/ (the instructor's notebooks) "
            "with nbgrader. Refuses, and changes nothing, when the result would leak an answers "
            "file, an answer key, a hidden test or a solution."
        ),
    )
    release_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="e.g. ex01_how_ml_projects_differ (default: all)")
    release_parser.set_defaults(handler=cmd_release)

    selfgrade_parser = commands.add_parser(
        "selfgrade",
        help="score your own copy of an exercise (for self-learners)",
        description=(
            "Grade your copy of an exercise against the instructor version in solutions/, in a private "
            "temporary course. Prints the score per question and writes NOTEBOOK_NAME.feedback.html next "
            "to the notebook. Your notebook, your answers file and the course gradebook are not changed."
        ),
    )
    selfgrade_parser.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="e.g. exercises/ex01_how_ml_projects_differ/ex01_how_ml_projects_differ.ipynb")
    selfgrade_parser.add_argument("--show-answers", action="store_true", help="show the correct answer of each widget item you got wrong in the feedback")
    selfgrade_parser.set_defaults(handler=cmd_selfgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlteam-course`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except FileNotFoundError as error:  # includes CourseNotFoundError
        print(f"mlteam-course: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mlteam-course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
