"""``mlteam-course grade``: autograde every submission in course/submitted, in parallel."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlteam_utils.commands.base import course_root, reapply_late_penalties, subcommand


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """The ``grade`` sub-parser, with :data:`run` as its handler."""
    grade_parser = subparsers.add_parser(
        "grade",
        help="autograde every submission in course/submitted, in parallel",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Autograde the cohort's submissions (course/submitted/STUDENT/ASSIGNMENT) with nbgrader, in N\n"
            "worker processes. A bad submission is reported and skipped; it never stops the batch.\n"
            "A rerun grades only what is new, changed or failed before, unless --force.\n"
            "Ctrl-C stops cleanly: every submission graded so far stays in the gradebook."
        ),
        epilog=(
            "examples:\n"
            "  mlteam-course grade                      # everything new, one worker per CPU plus two\n"
            "  mlteam-course grade ex01_how_ml_projects_differ --jobs 2\n"
            "  mlteam-course grade --force              # regrade every submission\n"
            "  mlteam-course grade --shard 1/2          # two graders on a PostgreSQL gradebook: this one\n"
            "  mlteam-course grade --shard 2/2          # ... and this one on the other machine, at the same time\n"
            "  mlteam-course grade --shard-index 0/2    # the same share as --shard 1/2, counted from 0 (Kubernetes Job)\n"
            "  mlteam-course grade --learner ada --learner bob   # only these learners\n"
            "exit status: 0 all graded, 1 some failed (listed) or nothing graded while hand-ins wait\n"
            "uncollected in the exchange, 2 unknown assignment, 130 interrupted"
        ),
    )
    grade_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="only these assignments (default: all)")
    grade_parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: one more than the CPUs this process may use, fewer if memory is short)")
    grade_parser.add_argument("--force", action="store_true", help="regrade submissions that have not changed since the last run")
    grade_parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="stop grading one submission after this long (default: 600; each cell also has nbgrader's own 30 s limit)")
    grade_parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    grade_parser.add_argument(
        "--shard", metavar="K/N", default=None,
        help="grade share K of N of the learners (split by a stable hash of the learner id), so N graders can grade "
             "one course at once on a PostgreSQL gradebook: --shard 1/2 on one, --shard 2/2 on the other",
    )
    grade_parser.add_argument(
        "--shard-index", metavar="I/N", default=None,
        help="the same as --shard I+1/N, counted from 0 as a Kubernetes Indexed Job numbers its pods: "
             "--shard-index $(JOB_COMPLETION_INDEX)/N in the Job's arguments (deploy/kubernetes/)",
    )
    grade_parser.add_argument(
        "--learner", dest="learners", action="append", metavar="ID", default=None,
        help="grade only this learner (repeat for several); with --shard, those of them in the share",
    )
    grade_parser.add_argument(
        "--no-isolation",
        action="store_true",
        help="run learner code without the bubblewrap sandbox (only when the sandbox is unavailable; learner code can then read solutions/ and the gradebook)",
    )
    grade_parser.set_defaults(handler=run)


def _isolation_config(args: argparse.Namespace, root: Path) -> dict | None:
    """nbgrader settings that sandbox the grading kernels, or None with --no-isolation.

    Raises IsolationUnavailable (naming --no-isolation) when the sandbox cannot run.
    """
    from mlteam_utils.grading.isolation import nbgrader_isolation_config, require_isolation

    if args.no_isolation:
        print(
            "mlteam-course grade: --no-isolation: learner code runs unsandboxed and can read solutions/ and the gradebook",
            file=sys.stderr,
        )
        return None
    require_isolation()
    return {section: dict(traits) for section, traits in nbgrader_isolation_config(root).items()}


@subcommand(
    "grade",
    usage=("mlteam_utils.cohort.grade:UnknownAssignmentError",),
    failures=(
        "mlteam_utils.cohort.grade:GradeError",
        "mlteam_utils.cohort.gradebook_merge:GradebookError",
        "mlteam_utils.nbgrader_runner:NbgraderFailed",
        "mlteam_utils.grading.isolation:IsolationUnavailable",
        "mlteam_utils.cohort.learner_split:LearnerSplitError",
    ),
    interruptible=True,  # what was graded before Ctrl-C is kept, and its summary printed
    keeps_learners_out=True,
)
def run(args: argparse.Namespace) -> int:
    from mlteam_utils.cohort.grade import grade_cohort, uncollected_lines
    from mlteam_utils.cohort.learner_split import LearnerFilter

    root = course_root(args)
    if args.jobs is not None and args.jobs < 1:
        print("mlteam-course grade: --jobs must be at least 1", file=sys.stderr)
        return 2
    learners = LearnerFilter.from_options(args.learners, args.shard, args.shard_index)  # a wrong share: said before the sandbox's probe
    summary = grade_cohort(
        root,
        args.assignments,
        jobs=args.jobs,
        force=args.force,
        timeout=args.timeout,
        extra_config=_isolation_config(args, root),
        show_progress=not args.quiet,
        learners=learners,
    )
    # A hand grade kept through the merge: its notebook's penalty follows it (and the run's policy is recorded).
    reapply_late_penalties(root, [(outcome.student, outcome.assignment) for outcome in summary.graded])
    if not (summary.graded or summary.failed or summary.unchanged):
        print("nothing to grade: no submissions in course/submitted" + (f" for {', '.join(args.assignments)}" if args.assignments else ""))
        for line in uncollected_lines(summary.uncollected):
            print(line)
        # Hand-ins waiting uncollected while nothing was graded: almost surely a forgotten collect.
        return 1 if summary.uncollected else 0
    print(summary.as_text())
    return 1 if summary.failed else 0
