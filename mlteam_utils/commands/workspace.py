"""``mlteam-course workspace``: bring the learner's own copy of the course (my-work/) up to date."""

from __future__ import annotations

import argparse
from pathlib import Path

from mlteam_utils.commands.base import course_root, subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``workspace`` sub-parser, with :data:`run` as its handler."""
    workspace_parser = subparsers.add_parser(
        "workspace",
        help="bring your own copy of the course (my-work/) up to date; `make lab` runs it",
        description=(
            "Copy the start page, lessons and exercises into my-work/ (ignored by git), which `make lab` serves, "
            "so that taking the course never changes a tracked file and `git pull` of course updates never "
            "conflicts with your work. After a pull: copies you never changed are updated; a lesson you ran is "
            "updated and your copy kept beside it; an exercise you worked on is never replaced, the new version "
            "is written beside it as NAME.new-version.ipynb."
        ),
    )
    workspace_parser.add_argument("--folder", type=Path, metavar="DIR", help="the learner's copy (default: my-work/ in the course)")
    workspace_parser.set_defaults(handler=run)


def _workspace_context(args: argparse.Namespace) -> str:
    return f"could not update {course_root(args) / 'my-work'}"


@subcommand("workspace", failures=("builtins:OSError",), context=_workspace_context)
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.workspace import sync_workspace

    root = course_root(args)
    report = sync_workspace(root, args.folder.resolve() if args.folder else None)
    print(report.summary())
    return 0
