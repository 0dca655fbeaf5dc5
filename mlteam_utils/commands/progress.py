"""``mlteam-course progress``: a learner's progress per module, or (``--cohort``) every learner's completion."""

from __future__ import annotations

import argparse
from pathlib import Path

from mlteam_utils.commands.base import course_root, reapply_late_penalties, subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``progress`` sub-parser, with :data:`run` as its handler."""
    progress_parser = subparsers.add_parser(
        "progress",
        help="your progress per module: lesson checks, exercise answers, self-graded score, passed, completed",
        description="Show your progress through the course, module by module: the lesson's knowledge checks you "
        "tried and got right (recorded in my-work/ when you press Check), the exercise's questions you answered, "
        "your latest `make selfgrade` score against the pass mark, and whether the module is passed and completed "
        "(the rules: [completion] in course/syllabus.toml).",
    )
    progress_parser.add_argument("--folder", type=Path, metavar="DIR", help="your work area (default: my-work/ in the course)")
    progress_parser.add_argument(
        "--cohort", action="store_true",
        help="instructors: every learner's completion per module, with the date, from the gradebook (rules: course/syllabus.toml [completion])",
    )
    progress_parser.set_defaults(handler=run)


@subcommand("progress", failures=("builtins:OSError", "mlteam_utils.reports.gradebook_frames:ReportError",
                                    "mlteam_utils.syllabus:SyllabusError", "mlteam_utils.cohort.gradebook_db:GradebookError"))
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.progress import progress_report
    from mlteam_utils.workspace import WORK_FOLDER

    root = course_root(args)
    if args.cohort:  # the instructor's view: every learner x module, from the gradebook
        from mlteam_utils.certificates.issue import cohort_completion
        from mlteam_utils.reports.completion import completion_text

        reapply_late_penalties(root)
        modules, course, syllabus, _ = cohort_completion(root)
        print(completion_text(modules, course, syllabus))
        return 0
    print(progress_report((args.folder or root / WORK_FOLDER).resolve(), root))
    return 0
