"""The ``mlteam-course`` command: the instructor's and self-learner's tools.

Run ``mlteam-course --help`` or ``mlteam-course SUBCOMMAND --help``. Each
subcommand is one module of :mod:`mlteam_utils.commands`; this module only
lists them (in the order ``--help`` shows them) and runs the one asked for.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from mlteam_utils import __version__
from mlteam_utils.commands import (
    certificate,
    export,
    feedback,
    grade,
    progress,
    release,
    report,
    selfgrade,
    verify,
    workspace,
)

# Kept importable from here: tests and scripts name them as mlteam_utils.cli's.
from mlteam_utils.commands.base import Subcommand, error_class, subcommand
from mlteam_utils.commands.certificate import NOT_COMPLETED_YET
from mlteam_utils.commands.export import DEFAULT_EXPORT
from mlteam_utils.commands.report import DEFAULT_REPORT

__all__ = [
    "COMMANDS",
    "DEFAULT_EXPORT",
    "DEFAULT_REPORT",
    "NOT_COMPLETED_YET",
    "Subcommand",
    "build_parser",
    "error_class",
    "main",
    "subcommand",
]

#: Every subcommand's module: each has ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS: tuple[ModuleType, ...] = (
    release, grade, feedback, workspace, progress, certificate, verify, selfgrade, export, report,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``mlteam-course`` parser: the global options, and one sub-parser per module of :data:`COMMANDS`.

    >>> build_parser().parse_args(["release", "ex01"]).handler.name
    'release'
    """
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
    subparsers = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlteam-course`` console script."""
    from mlteam_utils.nbgrader_runner import skip_unused_schema_formats

    skip_unused_schema_formats()
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
