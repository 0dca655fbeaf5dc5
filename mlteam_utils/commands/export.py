"""``mlteam-course export``: the grades as CSV files, or as an LMS's import file (``--format``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.commands.base import course_root, reapply_late_penalties, subcommand

if TYPE_CHECKING:
    from mlteam_utils.reports.gradebook_frames import GradebookFrames

#: Where export writes by default: inside the course, in a folder git ignores,
#: so learners' grades are never committed by accident.
DEFAULT_EXPORT = Path("course/reports/grades.csv")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``export`` sub-parser, with :data:`run` as its handler (``--format``: csv or an LMS of the registry)."""
    from mlteam_utils.reports.lms_export import FORMATS
    export_parser = subparsers.add_parser(
        "export",
        help="write the grades as CSV (per learner, and per learner x question), or as a Canvas or Moodle import file",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Read the course gradebook (nbgrader's db_url from nbgrader_config.py) and write three CSV files.\n"
            "FILE: one row per learner; a column per assignment with the score less any late penalty (empty =\n"
            "  no graded submission), total (missing counts 0), max_possible (the scale of total), submitted,\n"
            "  not_submitted, failed (could not be graded), late, status ('ok' or each problem and its reason).\n"
            "SUBMISSIONS: one row per learner x assignment: status (graded, awaiting manual grading, could not\n"
            "  be graded, not submitted), reason, next_step, timestamp, duedate, late_by, late_penalty, score.\n"
            "LONG: one row per learner x question: student_id, assignment, notebook, question (grade_id),\n"
            "  cell_type, submitted (yes/no), score (empty when not submitted; 0 = scored 0), max_score,\n"
            "  auto_score, manual_score, needs_manual_grade (yes/no; empty when not submitted)."
        ),
        epilog=(
            "examples:\n"
            "  mlteam-course export                       # course/reports/grades.csv, .long.csv, .submissions.csv\n"
            "  mlteam-course export --to out/grades.csv --long-to out/questions.csv\n"
            "  mlteam-course export --format canvas       # course/reports/canvas-grades.csv, learners from course/lms-roster.csv\n"
            "  mlteam-course export --format moodle --moodle-key idnumber --assignment ex01 --to out/moodle.csv\n"
            "  mlteam-course export --format canvas --roster ~/cohort-3.csv --include-waiting\n"
            "canvas/moodle: only learners in the roster are exported; a failed, missing or (without --include-waiting)\n"
            "  waiting submission is a blank cell, never 0; each learner left out is listed.\n"
            "exit status: 0 written, 1 no gradebook, nothing graded yet or an unusable roster, 2 an unknown assignment\n"
            "  or an option that does not apply to the format"
        ),
    )
    export_parser.add_argument("--to", type=Path, default=None, metavar="FILE", help=f"the per-learner CSV to write (default: {DEFAULT_EXPORT}, which git ignores), or the LMS file with --format canvas|moodle")
    export_parser.add_argument("--long-to", type=Path, default=None, metavar="LONG", help="the per-question CSV (default: FILE's name with .long.csv, e.g. grades.long.csv)")
    export_parser.add_argument("--submissions-to", type=Path, default=None, metavar="SUBMISSIONS", help="the per-submission CSV (default: FILE's name with .submissions.csv)")
    export_parser.add_argument(
        "--format", choices=("csv", *FORMATS), default="csv",
        help="csv: the three files above (default); canvas: Canvas's gradebook import file; moodle: Moodle's grade "
        "import CSV (default FILE: course/reports/FORMAT-grades.csv). See docs/lms/README.md",
    )
    export_parser.add_argument(
        "--roster", type=Path, default=None, metavar="ROSTER",
        help="canvas/moodle: the CSV mapping learner ids to LMS identities (default: course/lms-roster.csv, which git "
        "ignores); columns learner_id, name, canvas_user_id, sis_user_id, sis_login_id, section, email, username, idnumber",
    )
    export_parser.add_argument(
        "--assignment", action="append", default=[], metavar="ASSIGNMENT",
        help="export only this assignment (repeat for more; ex01 = ex01_...; default: those learners were given: released, "
        "due or submitted, as the report counts them)",
    )
    export_parser.add_argument(
        "--include-waiting", action="store_true",
        help="canvas/moodle: export the partial score of a submission still awaiting manual grading (default: blank, and listed)",
    )
    export_parser.add_argument(
        "--moodle-key", choices=("email", "username", "idnumber"), default="email",
        help="moodle: the user field that identifies learners (the roster column of that name; default: email)",
    )
    export_parser.set_defaults(handler=run)


def _exported_frames(frames: GradebookFrames, root: Path, wanted: Sequence[str]) -> GradebookFrames:
    """The assignments ``export`` writes: those in ``--assignment``, else those learners were given (as ``report``)."""
    from mlteam_utils.reports.lms_export import select_assignments
    from mlteam_utils.reports.released import released_assignments

    chosen = select_assignments(frames, wanted) if wanted else released_assignments(root, frames)
    left_out = [name for name in frames.assignment_names if name not in chosen]
    if left_out and not wanted:
        print(f"not exported (not released yet, nobody submitted, no due date): {', '.join(left_out)}")
    return frames.only(chosen)


def _export_lms(args: argparse.Namespace, root: Path) -> int:
    """``export --format canvas|moodle``: the LMS's import file, for the learners the roster names."""
    from mlteam_utils.reports.gradebook_frames import read_course_gradebook
    from mlteam_utils.reports.lms_export import lms_writer, write_lms_export
    from mlteam_utils.reports.lms_roster import DEFAULT_ROSTER, read_roster

    writer = lms_writer(args.format)  # an unknown format: a usage error before anything is read
    roster = read_roster(args.roster or root / DEFAULT_ROSTER)
    frames = _exported_frames(read_course_gradebook(root), root, args.assignment)
    export = writer(frames, roster, args.assignment, args.include_waiting, args.moodle_key)
    for problem in export.problems if not export.learners else ():
        print(f"  {problem}")  # nothing will be written: say why before the error line
    path = write_lms_export(export, args.to or root / "course" / "reports" / f"{args.format}-grades.csv")
    print(export.summary(path, args.include_waiting))
    return 0


@subcommand(
    "export",
    usage=("mlteam_utils.reports.lms_export:UnknownAssignmentError", "mlteam_utils.reports.lms_export:UnknownFormatError"),
    failures=("mlteam_utils.reports.gradebook_frames:ReportError", "mlteam_utils.cohort.gradebook_db:GradebookError", "builtins:OSError"),
    keeps_learners_out=True,
)
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.reports.export import write_export
    from mlteam_utils.reports.gradebook_frames import FAILED, read_course_gradebook

    lms_only = [option for option, given in (("--roster", args.roster),
                ("--include-waiting", args.include_waiting), ("--moodle-key", args.moodle_key != "email")) if given]
    csv_only = [option for option, given in (("--long-to", args.long_to), ("--submissions-to", args.submissions_to)) if given]
    if (args.format == "csv" and lms_only) or (args.format != "csv" and csv_only):
        wrong = lms_only if args.format == "csv" else csv_only
        print(f"mlteam-course export: {', '.join(wrong)} does not apply to --format {args.format}", file=sys.stderr)
        return 2
    root = course_root(args)
    reapply_late_penalties(root)
    if args.format != "csv":
        return _export_lms(args, root)
    frames = _exported_frames(read_course_gradebook(root), root, args.assignment)
    wide, long, submissions = write_export(frames, args.to or root / DEFAULT_EXPORT, args.long_to, args.submissions_to)
    print(f"wrote {wide} (one row per learner: {len(frames.learners)} learners x {len(frames.assignment_names)} assignments)")
    print(f"wrote {long} (one row per learner x question)")
    print(f"wrote {submissions} (one row per learner x assignment: status, reason, lateness, penalty)")
    failed = frames.submissions[frames.submissions["status"] == FAILED]
    if len(failed):
        print(f"{len(failed)} submission(s) could not be graded; their learners are in the files with status '{FAILED}':")
        for row in failed.itertuples(index=False):
            print(f"  {row.student_id}/{row.assignment}: {row.reason}")
    return 0
