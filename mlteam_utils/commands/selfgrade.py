"""``mlteam-course selfgrade``: score a learner's own copy of an exercise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlteam_utils.commands.base import subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``selfgrade`` sub-parser, with :data:`run` as its handler."""
    selfgrade_parser = subparsers.add_parser(
        "selfgrade",
        help="score your own copy of an exercise (for self-learners)",
        description=(
            "Grade your copy of an exercise against the instructor version in solutions/, in a private "
            "temporary course. Prints the score per question, the rubric of the written answer, and writes "
            "NOTEBOOK_NAME.feedback.html next to the notebook, with the correct answer and explanation of "
            "each widget item you missed. Your notebook, your answers file and the course gradebook are not "
            "changed. After `make lab`, run it as `make selfgrade EXERCISE=ex01` (or .venv/bin/mlteam-course selfgrade ...)."
        ),
    )
    selfgrade_parser.add_argument(
        "notebook", type=Path, metavar="NOTEBOOK",
        help="the exercise's notebook, or its id: ex01 (= exercises/ex01_how_ml_projects_differ/ex01_how_ml_projects_differ.ipynb)",
    )
    selfgrade_parser.add_argument(
        "--hide-answers", action="store_true",
        help="do not show the correct answer and explanation of the widget items you got wrong (shown by default: you hold the solutions anyway)",
    )
    selfgrade_parser.add_argument("--show-answers", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for old scripts
    selfgrade_parser.add_argument(
        "--no-isolation",
        action="store_true",
        help="run the notebook's code without the bubblewrap sandbox (used by default where it is installed)",
    )
    selfgrade_parser.set_defaults(handler=run)


@subcommand("selfgrade", failures=("mlteam_utils.selfgrade:SelfGradeError", "mlteam_utils.nbgrader_runner:NbgraderFailed"))
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.paths import find_course_root
    from mlteam_utils.selfgrade import find_exercise, selfgrade

    if not args.notebook.exists():  # an exercise named by id: `selfgrade ex01`
        found = find_exercise(str(args.notebook), find_course_root(args.course_root))
        if found is not None:
            args.notebook = found
    # The notebook's own checkout is the natural course, wherever the command runs from.
    root = find_course_root(args.course_root or args.notebook.resolve().parent)
    print(f"Grading {args.notebook} (this takes about five seconds) ...", file=sys.stderr, flush=True)
    report = selfgrade(
        args.notebook, root, show_correct_answers=not args.hide_answers, isolation=False if args.no_isolation else None,
        progress=lambda step: print(f"  {step} ...", file=sys.stderr, flush=True),
    )
    print(report.as_text())
    from mlteam_utils.progress import record_selfgrade_report

    try:  # the score also counts in `mlteam-course progress` and the start page's table
        recorded = record_selfgrade_report(args.notebook, report)
    except OSError as error:
        print(f"mlteam-course selfgrade: your score was not recorded for `make progress`: {error}", file=sys.stderr)
    else:
        if recorded is not None:
            print(f"  Recorded for `make progress` in {recorded}")
    return 0
