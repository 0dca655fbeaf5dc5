"""The ``mlteam-course`` command: the instructor's and self-learner's tools.

Run ``mlteam-course --help`` or ``mlteam-course SUBCOMMAND --help``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils import __version__

if TYPE_CHECKING:
    from mlteam_utils.reports.gradebook_frames import GradebookFrames

#: Where export and report write by default: inside the course, in a folder git ignores,
#: so learners' grades are never committed by accident.
DEFAULT_EXPORT = Path("course/reports/grades.csv")
DEFAULT_REPORT = Path("course/reports/cohort")
#: `certificate`'s exit status when the learner has not completed the course yet: not a
#: failure, but not a certificate either (the Makefile's `certificate` ends without an error on it).
NOT_COMPLETED_YET = 3


Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Subcommand:
    r"""A subcommand's handler, and the errors that end it with one line on stderr.

    ``usage`` errors (asked for something the course does not have) exit with
    status 2, ``failures`` with status 1; ``usage`` is checked first, since its
    errors may subclass a failure. Each is named ``"module:Class"`` and imported
    only once the handler has failed, so that ``--help`` and every other
    subcommand load none of them. The line reads ``mlteam-course NAME: ERROR``,
    with ``context(args) + ": "`` before the error when given. With
    ``interruptible``, Ctrl-C prints the partial summary the interrupt carries
    (its ``summary``, if any) and exits with 130. Anything else, and a course
    that cannot be found, goes on to :func:`main`. A subcommand that
    ``keeps_learners_out`` writes learners' work, grades or keys into the course:
    it runs with a umask that leaves other users nothing (:mod:`mlteam_utils.file_modes`).

    >>> def lookup(args):
    ...     return {"ex01": 0}[args.assignment]
    >>> command = Subcommand("demo", lookup, usage=("builtins:KeyError",))
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as stderr:
    ...     status = command(argparse.Namespace(assignment="ex99"))
    >>> status, stderr.getvalue()
    (2, "mlteam-course demo: 'ex99'\n")
    >>> command(argparse.Namespace(assignment="ex01"))
    0
    """

    name: str
    handler: Handler
    usage: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    context: Callable[[argparse.Namespace], str] | None = None
    interruptible: bool = False
    keeps_learners_out: bool = False

    def __call__(self, args: argparse.Namespace) -> int:
        if not self.keeps_learners_out:
            return self._run(args)
        import os

        from mlteam_utils.file_modes import keep_learners_out

        previous = keep_learners_out()
        try:
            return self._run(args)
        finally:
            os.umask(previous)  # called in-process (tests, a notebook): the caller's umask comes back

    def _run(self, args: argparse.Namespace) -> int:
        try:
            return self.handler(args)
        except KeyboardInterrupt as interrupt:
            if not self.interruptible:
                raise
            summary = getattr(interrupt, "summary", None)
            if summary is not None:
                print(summary.as_text())
            print(f"mlteam-course {self.name}: interrupted", file=sys.stderr)
            return 130
        except Exception as error:
            status = self.status_for(error)
            if status is None:
                raise
            where = f"{self.context(args)}: " if self.context is not None else ""
            print(f"mlteam-course {self.name}: {where}{error}", file=sys.stderr)
            return status

    def status_for(self, error: Exception) -> int | None:
        """The exit status ``error`` ends this subcommand with, or None when it is not one of its errors."""
        from mlteam_utils.paths import CourseNotFoundError

        if isinstance(error, CourseNotFoundError):  # an OSError, but main() reports it for every subcommand
            return None
        for status, names in ((2, self.usage), (1, self.failures)):
            if isinstance(error, tuple(error_class(name) for name in names)):
                return status
        return None


def error_class(name: str) -> type[BaseException]:
    """The exception class named ``"module:Class"``.

    >>> error_class("mlteam_utils.paths:CourseNotFoundError").__name__
    'CourseNotFoundError'
    """
    module, _, attribute = name.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise TypeError(f"{name} is not an exception class")
    return found


def subcommand(
    name: str,
    *,
    usage: Sequence[str] = (),
    failures: Sequence[str] = (),
    context: Callable[[argparse.Namespace], str] | None = None,
    interruptible: bool = False,
    keeps_learners_out: bool = False,
) -> Callable[[Handler], Subcommand]:
    """Make a handler a :class:`Subcommand` (a decorator)."""

    def wrap(handler: Handler) -> Subcommand:
        return Subcommand(name, handler, tuple(usage), tuple(failures), context, interruptible, keeps_learners_out)

    return wrap


def _course_root(args: argparse.Namespace) -> Path:
    from mlteam_utils.paths import find_course_root

    return find_course_root(args.course_root)


def _reapply_late_penalties(root: Path, graded_now: Sequence[tuple[str, str]] = ()) -> None:
    """Before a command reads scores: each late notebook's penalty recomputed on its current score
    (a hand grade given after autograding would otherwise lift the penalty)."""
    from mlteam_utils.cohort.late_penalties import report_reapplied

    for line in report_reapplied(root, graded_now):
        print(line)


def _workspace_context(args: argparse.Namespace) -> str:
    return f"could not update {_course_root(args) / 'my-work'}"


@subcommand("workspace", failures=("builtins:OSError",), context=_workspace_context)
def cmd_workspace(args: argparse.Namespace) -> int:
    from mlteam_utils.workspace import sync_workspace

    root = _course_root(args)
    report = sync_workspace(root, args.folder.resolve() if args.folder else None)
    print(report.summary())
    return 0


@subcommand("progress", failures=("builtins:OSError", "mlteam_utils.reports.gradebook_frames:ReportError",
                                    "mlteam_utils.syllabus:SyllabusError", "mlteam_utils.cohort.gradebook_db:GradebookError"))
def cmd_progress(args: argparse.Namespace) -> int:
    from mlteam_utils.progress import progress_report
    from mlteam_utils.workspace import WORK_FOLDER

    root = _course_root(args)
    if args.cohort:  # the instructor's view: every learner x module, from the gradebook
        from mlteam_utils.certificates.issue import cohort_completion
        from mlteam_utils.reports.completion import completion_text

        _reapply_late_penalties(root)
        modules, course, syllabus, _ = cohort_completion(root)
        print(completion_text(modules, course, syllabus))
        return 0
    print(progress_report((args.folder or root / WORK_FOLDER).resolve(), root))
    return 0


@subcommand("certificate", failures=("mlteam_utils.certificates:CertificateError", "builtins:OSError",
                                       "mlteam_utils.reports.gradebook_frames:ReportError", "mlteam_utils.syllabus:SyllabusError",
                                       "mlteam_utils.cohort.gradebook_db:GradebookError"), keeps_learners_out=True)
def cmd_certificate(args: argparse.Namespace) -> int:
    from mlteam_utils.certificates import CourseNotCompleted
    from mlteam_utils.certificates.issue import issue_cohort, issue_self
    from mlteam_utils.workspace import WORK_FOLDER

    root = _course_root(args)
    if args.cohort:
        _reapply_late_penalties(root)
        summary = issue_cohort(root, args.to)
        print(summary.as_text())
        return 1 if summary.problems else 0
    try:
        path, code, statement = issue_self(root, (args.folder or root / WORK_FOLDER).resolve(), args.name or "", args.to)
    except CourseNotCompleted as not_yet:  # not a failure: `make certificate` ends quietly on this status
        print(f"mlteam-course certificate: {not_yet}", file=sys.stderr)
        return NOT_COMPLETED_YET
    print(f"wrote {path}: your self-graded certificate ({len(statement.modules)} modules, completed {statement.completed_on})")
    print(f"verification code: {code} (check it with: mlteam-course verify {code} --pdf {path})")
    return 0


@subcommand("verify", failures=("mlteam_utils.certificates:CertificateError", "mlteam_utils.reports.gradebook_frames:ReportError",
                                  "mlteam_utils.cohort.gradebook_db:GradebookError"))
def cmd_verify(args: argparse.Namespace) -> int:
    from mlteam_utils.certificates.verify import verify

    root = _course_root(args)
    print(verify(args.code, root, pdf=args.pdf, work=args.folder.resolve() if args.folder else None).as_text())
    return 0


@subcommand(
    "release",
    usage=("mlteam_utils.release:UnknownAssignmentReleaseError",),
    failures=("mlteam_utils.release:ReleaseError", "mlteam_utils.nbgrader_runner:NbgraderFailed"),
)
def cmd_release(args: argparse.Namespace) -> int:
    from mlteam_utils.release import release

    root = _course_root(args)
    for target in release(root, args.assignments, accept_changes=args.accept_changes, say=print):
        print(f"released {target.relative_to(root)}")
    return 0


@subcommand("selfgrade", failures=("mlteam_utils.selfgrade:SelfGradeError", "mlteam_utils.nbgrader_runner:NbgraderFailed"))
def cmd_selfgrade(args: argparse.Namespace) -> int:
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
def cmd_grade(args: argparse.Namespace) -> int:
    from mlteam_utils.cohort.grade import grade_cohort, uncollected_lines
    from mlteam_utils.cohort.learner_split import LearnerFilter

    root = _course_root(args)
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
    _reapply_late_penalties(root, [(outcome.student, outcome.assignment) for outcome in summary.graded])
    if not (summary.graded or summary.failed or summary.unchanged):
        print("nothing to grade: no submissions in course/submitted" + (f" for {', '.join(args.assignments)}" if args.assignments else ""))
        for line in uncollected_lines(summary.uncollected):
            print(line)
        # Hand-ins waiting uncollected while nothing was graded: almost surely a forgotten collect.
        return 1 if summary.uncollected else 0
    print(summary.as_text())
    return 1 if summary.failed else 0


@subcommand(
    "feedback",
    usage=("mlteam_utils.cohort.grade:UnknownAssignmentError",),
    failures=("mlteam_utils.cohort.gradebook_merge:GradebookError",),
    keeps_learners_out=True,
)
def cmd_feedback(args: argparse.Namespace) -> int:
    from mlteam_utils.cohort.feedback import generate_feedback

    root = _course_root(args)
    _reapply_late_penalties(root)
    result = generate_feedback(root, args.assignments, release=not args.no_release, include_ungraded=args.include_ungraded)
    if not result.pages and not result.problems and not result.not_graded:
        print("no feedback to generate: grade the cohort first (mlteam-course grade)")
        return 0
    print(result.as_text(root))
    return 1 if (result.withheld or result.problems) else 0


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
    from mlteam_utils.reports.lms_export import canvas_export, moodle_export, write_lms_export
    from mlteam_utils.reports.lms_roster import DEFAULT_ROSTER, read_roster

    roster = read_roster(args.roster or root / DEFAULT_ROSTER)
    frames = _exported_frames(read_course_gradebook(root), root, args.assignment)
    if args.format == "canvas":
        export = canvas_export(frames, roster, args.assignment, args.include_waiting)
    else:
        export = moodle_export(frames, roster, args.assignment, args.include_waiting, args.moodle_key)
    for problem in export.problems if not export.learners else ():
        print(f"  {problem}")  # nothing will be written: say why before the error line
    path = write_lms_export(export, args.to or root / "course" / "reports" / f"{args.format}-grades.csv")
    print(export.summary(path, args.include_waiting))
    return 0


@subcommand(
    "export",
    usage=("mlteam_utils.reports.lms_export:UnknownAssignmentError",),
    failures=("mlteam_utils.reports.gradebook_frames:ReportError", "mlteam_utils.cohort.gradebook_db:GradebookError", "builtins:OSError"),
    keeps_learners_out=True,
)
def cmd_export(args: argparse.Namespace) -> int:
    from mlteam_utils.reports.export import write_export
    from mlteam_utils.reports.gradebook_frames import FAILED, read_course_gradebook

    lms_only = [option for option, given in (("--roster", args.roster),
                ("--include-waiting", args.include_waiting), ("--moodle-key", args.moodle_key != "email")) if given]
    csv_only = [option for option, given in (("--long-to", args.long_to), ("--submissions-to", args.submissions_to)) if given]
    if (args.format == "csv" and lms_only) or (args.format != "csv" and csv_only):
        wrong = lms_only if args.format == "csv" else csv_only
        print(f"mlteam-course export: {', '.join(wrong)} does not apply to --format {args.format}", file=sys.stderr)
        return 2
    root = _course_root(args)
    _reapply_late_penalties(root)
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


@subcommand("report", failures=("mlteam_utils.reports.gradebook_frames:ReportError", "mlteam_utils.cohort.gradebook_db:GradebookError",
                                "builtins:OSError"), keeps_learners_out=True)
def cmd_report(args: argparse.Namespace) -> int:
    if not 0 < args.behind_below <= 1:
        print("mlteam-course report: --behind-below must be a fraction between 0 and 1, e.g. 0.75", file=sys.stderr)
        return 2
    from mlteam_utils.reports.cohort_report import write_report
    from mlteam_utils.reports.course_context import load_context
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url, read_gradebook
    from mlteam_utils.reports.released import course_paths, given_assignments

    root = _course_root(args)
    _reapply_late_penalties(root)
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
            "file, an answer key, a hidden test or a solution, or when it would change the points or "
            "questions of an assignment learners have already submitted (--accept-changes to change points)."
        ),
    )
    release_parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="e.g. ex01_how_ml_projects_differ (default: all)")
    release_parser.add_argument(
        "--accept-changes", action="store_true",
        help="change the points of an assignment that already has submissions (refused otherwise, with the list of changes)",
    )
    release_parser.set_defaults(handler=cmd_release)

    grade_parser = commands.add_parser(
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
            "  mlteam-course grade                      # everything new, one worker per CPU\n"
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
    grade_parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: the number of CPUs)")
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
    grade_parser.set_defaults(handler=cmd_grade)

    feedback_parser = commands.add_parser(
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
    feedback_parser.set_defaults(handler=cmd_feedback)

    workspace_parser = commands.add_parser(
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
    workspace_parser.set_defaults(handler=cmd_workspace)

    progress_parser = commands.add_parser(
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
    progress_parser.set_defaults(handler=cmd_progress)

    certificate_parser = commands.add_parser(
        "certificate",
        help="make a PDF certificate of completion (yours, self-graded; or with --cohort one per learner who completed)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Make a one-page PDF certificate for a learner who meets the course's completion rule ([completion] in\n"
            "course/syllabus.toml): name, course, modules with scores, completion date, issuer and a verification code.\n"
            "Without --cohort: your own, from your `make selfgrade` results, marked SELF-GRADED (my-work/certificate.pdf).\n"
            "With --cohort: one per learner who completed, from the gradebook, in course/certificates/ (git-ignored),\n"
            "recorded in the gradebook; the others are listed with why."
        ),
        epilog=(
            "examples:\n"
            '  mlteam-course certificate --name "Ada Lovelace"     # a self-learner\n'
            "  mlteam-course certificate --cohort                  # an instructor\n"
            "exit status: 0 made, 3 (yours) the course is not completed yet, 1 an unreadable gradebook or record,\n"
            "  or a certificate that could not be made"
        ),
    )
    certificate_parser.add_argument("--cohort", action="store_true", help="instructors: one certificate per learner who completed the course")
    certificate_parser.add_argument("--name", metavar="NAME", help="self-learners: your name, as it should be printed")
    certificate_parser.add_argument("--to", type=Path, metavar="PATH", help="the PDF (yours) or the folder (--cohort) to write")
    certificate_parser.add_argument("--folder", type=Path, metavar="DIR", help="your work area (default: my-work/ in the course)")
    certificate_parser.set_defaults(handler=cmd_certificate)

    verify_parser = commands.add_parser(
        "verify",
        help="check a certificate's verification code (and its PDF) against the record of issued certificates",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Check that CODE was issued by this course (MLT-...: the gradebook's record; SELF-...: the self-learner's\n"
            "own record in my-work/), that the record matches its code, and that the learner still meets the\n"
            "completion rule. With --pdf, also that the PDF's text is exactly what was issued."
        ),
        epilog=(
            "examples:\n"
            "  mlteam-course verify MLT-ABCD-EFGH-IJKL-MNOP\n"
            "  mlteam-course verify --pdf course/certificates/certificate-ana.pdf\n"
            "exit status: 0 valid, 1 not valid (the line says why)"
        ),
    )
    verify_parser.add_argument("code", nargs="?", metavar="CODE", help="the verification code (default: the one the PDF shows)")
    verify_parser.add_argument("--pdf", type=Path, metavar="FILE", help="the certificate's PDF: its text must be exactly what was issued")
    verify_parser.add_argument("--folder", type=Path, metavar="DIR", help="SELF- codes: the learner's work area (default: my-work/ in the course)")
    verify_parser.set_defaults(handler=cmd_verify)

    selfgrade_parser = commands.add_parser(
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
    selfgrade_parser.set_defaults(handler=cmd_selfgrade)

    export_parser = commands.add_parser(
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
        "--format", choices=("csv", "canvas", "moodle"), default="csv",
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
    export_parser.set_defaults(handler=cmd_export)

    report_parser = commands.add_parser(
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
    report_parser.set_defaults(handler=cmd_report)
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
