"""``mlteam-course grade``: autograde a cohort in parallel, safely and incrementally.

nbgrader grades one submission at a time (parallel autograding is its oldest open
request, jupyter/nbgrader#174). Here each of ``jobs`` worker processes runs
nbgrader's own ``Autograde`` converter with a private copy of the gradebook and a
private staging folder; the parent merges each finished submission into the
course gradebook in one transaction and moves its autograded folder into place.
So:

* a bad submission fails alone, with a one-line reason recorded in the gradebook;
* a rerun grades only what is new, changed or failed before (``force`` regrades all);
* Ctrl-C stops the workers; what was merged stays, what was not is untouched.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlteam_utils.cohort.gradebook_merge import (
    Outcome,
    assignments_in_gradebook,
    copy_gradebook,
    ensure_outcome_table,
    has_submission,
    merge_submission,
    record_failure,
    recorded_outcomes,
    sqlite_path,
)
from mlteam_utils.cohort.progress import ProgressLine
from mlteam_utils.cohort.submissions import Submission, find_submissions, fingerprint
from mlteam_utils.cohort.workers import ConfigValues, WorkerPool, WorkerResult


@dataclass(frozen=True)
class CourseFolders:
    """The folders and gradebook nbgrader_config.py gives a course."""

    root: Path
    source: Path
    submitted: Path
    autograded: Path
    gradebook: Path


def course_folders(course_root: Path) -> CourseFolders:
    """Read the course's nbgrader_config.py the way nbgrader does."""
    from nbgrader.coursedir import CourseDirectory

    from mlteam_utils.nbgrader_runner import load_course_config

    coursedir = CourseDirectory(config=load_course_config(course_root))
    root = Path(coursedir.root)
    return CourseFolders(
        root=root,
        source=root / coursedir.source_directory,
        submitted=root / coursedir.submitted_directory,
        autograded=root / coursedir.autograded_directory,
        gradebook=sqlite_path(coursedir.db_url),
    )


@dataclass
class GradeSummary:
    """What one ``grade`` run did, for the closing summary."""

    graded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    unchanged: list[Submission] = field(default_factory=list)
    not_reached: list[Submission] = field(default_factory=list)
    interrupted: bool = False

    @property
    def needs_manual_grading(self) -> list[Outcome]:
        return [outcome for outcome in self.graded if outcome.needs_manual_grade]

    def as_text(self) -> str:
        """The closing summary, as printed by the CLI.

        >>> summary = GradeSummary(graded=[Outcome("ada", "ex01_a", "f", "graded", None, 8.0, 10.0, True)],
        ...                        failed=[Outcome("bob", "ex01_a", "f", "failed", "Notebook JSON is invalid", None, None, False)])
        >>> print(summary.as_text())
        graded: 1  (1 need manual grading)
        failed: 1
          bob/ex01_a: Notebook JSON is invalid
        unchanged since the last run (not regraded): 0
        """
        lines = [
            f"graded: {len(self.graded)}  ({len(self.needs_manual_grading)} need manual grading)",
            f"failed: {len(self.failed)}",
            *[f"  {o.student}/{o.assignment}: {o.reason}" for o in self.failed],
            f"unchanged since the last run (not regraded): {len(self.unchanged)}",
        ]
        noted = [o for o in self.graded if o.reason]
        if noted:
            lines.append(f"graded without some of their files: {len(noted)}")
            lines.extend(f"  {o.student}/{o.assignment}: {o.reason}" for o in noted)
        if self.interrupted:
            lines.append(
                f"interrupted: {len(self.not_reached)} submission(s) not graded; the gradebook holds every "
                "submission graded before the interruption. Run the command again to grade the rest."
            )
        return "\n".join(lines)


class GradeError(RuntimeError):
    """Grading could not start (no course, no gradebook access, unknown assignment)."""


def _ensure_in_gradebook(folders: CourseFolders, assignments: set[str]) -> None:
    """nbgrader grades only assignments in its gradebook: add missing ones.

    ``generate_assignment`` records the assignment's cells in the gradebook; its
    release output goes to a scratch folder so exercises/ is not touched.
    """
    from mlteam_utils.nbgrader_runner import NbgraderFailed, run_nbgrader

    missing = sorted(assignments - assignments_in_gradebook(folders.gradebook))
    for assignment in missing:
        if not (folders.source / assignment).is_dir():
            continue  # reported per submission as an unknown assignment
        with tempfile.TemporaryDirectory(prefix="mlteam-release-") as scratch:
            try:
                run_nbgrader(
                    folders.root,
                    "generate_assignment",
                    assignment,
                    "--force",
                    f"--CourseDirectory.release_directory={scratch}",
                )
            except NbgraderFailed as error:
                raise GradeError(f"could not add {assignment} to the gradebook: {error}") from error


@contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C until the block ends, so a merge is never cut in half."""
    received: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *args: received.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def _replace_folder(new: Path, destination: Path) -> None:
    """Move ``new`` to ``destination``, replacing what was there."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    old = destination.with_name(destination.name + ".previous")
    shutil.rmtree(old, ignore_errors=True)
    if destination.exists():
        destination.rename(old)
    shutil.move(str(new), str(destination))
    shutil.rmtree(old, ignore_errors=True)


def plan(
    submissions: Sequence[Submission],
    outcomes: dict[tuple[str, str], Outcome],
    fingerprints: dict[Submission, str],
    in_gradebook: Callable[[Submission], bool],
    force: bool,
) -> tuple[list[Submission], list[Submission]]:
    """Split submissions into (to grade, unchanged since a successful grading).

    >>> ada = Submission("ada", "ex01_a", Path("a"))
    >>> bob = Submission("bob", "ex01_a", Path("b"))
    >>> done = {("ada", "ex01_a"): Outcome("ada", "ex01_a", "f1", "graded", None, 1.0, 2.0, False)}
    >>> plan([ada, bob], done, {ada: "f1", bob: "f2"}, lambda s: True, force=False)
    ([Submission(student='bob', assignment='ex01_a', folder=PosixPath('b'))], [Submission(student='ada', assignment='ex01_a', folder=PosixPath('a'))])
    >>> plan([ada], done, {ada: "f1"}, lambda s: True, force=True)[0] == [ada]
    True
    """
    to_grade, unchanged = [], []
    for submission in submissions:
        previous = outcomes.get((submission.student, submission.assignment))
        if (
            not force
            and previous is not None
            and previous.outcome == "graded"
            and previous.fingerprint == fingerprints[submission]
            and in_gradebook(submission)
        ):
            unchanged.append(submission)
        else:
            to_grade.append(submission)
    return to_grade, unchanged


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def grade_cohort(
    course_root: Path,
    assignments: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    timeout: float = 600.0,
    extra_config: ConfigValues | None = None,
    show_progress: bool = True,
) -> GradeSummary:
    """Autograde every (new or changed) submission of a course in parallel.

    Raises :class:`KeyboardInterrupt` after stopping the workers when interrupted;
    the summary so far is then in the exception's ``summary`` attribute.
    """
    folders = course_folders(course_root)
    submissions = find_submissions(folders.submitted, assignments)
    summary = GradeSummary()
    if not submissions:
        return summary
    known = {s.assignment for s in submissions if (folders.source / s.assignment).is_dir()}
    _ensure_in_gradebook(folders, known)
    ensure_outcome_table(folders.gradebook)
    fingerprints = {s: fingerprint(s.folder) for s in submissions}
    outcomes = recorded_outcomes(folders.gradebook)
    to_grade, summary.unchanged = plan(
        submissions,
        outcomes,
        fingerprints,
        lambda s: has_submission(folders.gradebook, s.student, s.assignment) and (folders.autograded / s.student / s.assignment).is_dir(),
        force,
    )
    for submission in [s for s in to_grade if s.assignment not in known]:
        to_grade.remove(submission)
        summary.failed.append(
            record_failure(folders.gradebook, submission.student, submission.assignment, fingerprints[submission],
                           f"no assignment {submission.assignment!r} in solutions/")
        )
    if not to_grade:
        return summary

    progress = ProgressLine(len(to_grade)) if show_progress else None
    finished: set[Submission] = set()

    def on_result(result: WorkerResult) -> None:
        submission = result.submission
        with _deferred_interrupt():
            if result.ok and result.worker_db is not None and result.staged_folder is not None and result.staged_folder.is_dir():
                _replace_folder(result.staged_folder, folders.autograded / submission.student / submission.assignment)
                summary.graded.append(
                    merge_submission(folders.gradebook, result.worker_db, submission.student, submission.assignment, fingerprints[submission], result.note)
                )
            else:
                reason = result.reason or "nbgrader wrote no autograded notebook"
                summary.failed.append(
                    record_failure(folders.gradebook, submission.student, submission.assignment, fingerprints[submission], reason)
                )
            finished.add(submission)
        if progress:
            progress.update(len(finished), len(summary.failed))

    work_root = folders.gradebook.parent / ".grading"
    work_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
    pool = WorkerPool(
        folders.root,
        scratch,
        jobs or default_jobs(),
        prepare_worker=lambda folder: copy_gradebook(folders.gradebook, folder / "gradebook.db"),
        extra_config=extra_config,
        timeout=timeout,
    )
    if progress:
        progress.update(0, 0)
    try:
        pool.run(to_grade, on_result)
    except KeyboardInterrupt as interrupt:
        pool.close(kill=True)
        summary.interrupted = True
        summary.not_reached = [s for s in to_grade if s not in finished]
        interrupt.summary = summary  # type: ignore[attr-defined]
        raise
    finally:
        pool.close()
        if progress:
            progress.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return summary
