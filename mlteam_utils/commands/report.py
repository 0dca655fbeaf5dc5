"""``mlteam-course report``: a cohort report (HTML, plots and CSVs) in a folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlteam_utils.commands.base import course_root, reapply_late_penalties, subcommand

#: Where report writes by default: inside the course, in a folder git ignores.
DEFAULT_REPORT = Path("course/reports/cohort")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``report`` sub-parser, with :data:`run` as its handler."""
    report_parser = subparsers.add_parser(
        "report",
        help="write a cohort report (HTML, plots and CSVs) into a folder",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Read the course gradebook and write DIR/index.html, a self-contained page with plots (PNG files\n"
            "beside it) and short tables: completion by assignment, score distributions, the learners who\n"
            "are behind (and why), and an item analysis per question (difficulty = mean score / max;\n"
            "discrimination = correlation of the question's score with the rest of the assignment) with a\n"
            "hint for each flagged question. Long tables are capped on the page; the CSVs beside it\n"
            "(completion, score_distribution, learners, behind, item_analysis) hold every row."
        ),
        epilog=(
            "examples:\n"
            "  mlteam-course report                         # then open course/reports/cohort/index.html\n"
            "  mlteam-course report --to report/ --behind-below 0.6\n"
            "exit status: 0 written, 1 no gradebook or nothing graded yet"
        ),
    )
    report_parser.add_argument("--to", type=Path, default=None, metavar="DIR", help=f"the folder to write the report into, created if needed (default: {DEFAULT_REPORT}, which git ignores)")
    report_parser.add_argument(
        "--behind-below", type=float, default=0.75, metavar="FRACTION",
        help="a learner scoring below this fraction of the cohort median is behind (default: 0.75); missing a counted assignment always is",
    )
    report_parser.set_defaults(handler=run)


@subcommand("report", failures=("mlteam_utils.reports.gradebook_frames:ReportError", "mlteam_utils.cohort.gradebook_db:GradebookError",
                                "builtins:OSError"), keeps_learners_out=True)
def run(args: argparse.Namespace) -> int:
    if not 0 < args.behind_below <= 1:
        print("mlteam-course report: --behind-below must be a fraction between 0 and 1, e.g. 0.75", file=sys.stderr)
        return 2
    from mlteam_utils.reports.cohort_report import write_report
    from mlteam_utils.reports.course_context import load_context
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url, read_gradebook
    from mlteam_utils.reports.released import course_paths, given_assignments

    root = course_root(args)
    reapply_late_penalties(root)
    db_url, course_id = course_gradebook_url(root)
    frames = read_gradebook(db_url, course_id)
    autograded, outbound, _ = course_paths(root)
    released = given_assignments(frames, outbound)
    left_out = [name for name in frames.assignment_names if name not in released]
    frames = frames.only(released)
    context = load_context(root, autograded, frames.assignment_names)
    from mlteam_utils.reports.completion import code_question_points, module_completion
    from mlteam_utils.syllabus import load_syllabus

    syllabus = load_syllabus(root / "course" / "syllabus.toml")
    completion = (module_completion(frames, syllabus, code_question_points(root, frames)), syllabus.completion_rule_text())
    files = write_report(frames, args.to or root / DEFAULT_REPORT, relative=args.behind_below, learner_completion=completion,
                         title=f"Cohort report: {course_id}", context=context)
    if left_out:
        print(f"not counted (not released yet, nobody submitted, no due date): {', '.join(left_out)}")
    print(f"wrote {files.index} (open it in a browser)")
    for path in (*files.plots, *files.tables):
        print(f"wrote {path}")
    if files.learner_pages:
        print(f"wrote {len(files.learner_pages)} learner pages in {files.folder / 'learners'} (printable, for one-to-ones)")
    return 0
