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

import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlteam_utils.cohort.capacity import available_memory, usable_cpus
from mlteam_utils.cohort.drift import source_fingerprint
from mlteam_utils.cohort.gradebook_db import GradebookLocation, course_setup_lock, gradebook_exists, gradebook_location
from mlteam_utils.cohort.gradebook_merge import (
    Outcome,
    assignments_in_gradebook,
    copy_gradebook,
    copy_submission,
    ensure_outcome_table,
    gradebook_sources,
    merge_submission,
    record_failure,
    record_gradebook_source,
    recorded_outcomes,
    submissions_in_gradebook,
)
from mlteam_utils.cohort.learner_split import LearnerFilter
from mlteam_utils.cohort.progress import ProgressLine
from mlteam_utils.cohort.submissions import (
    Submission,
    WaitingSubmission,
    find_submissions,
    fingerprint,
    uncollected_submissions,
)
from mlteam_utils.cohort.workers import ConfigValues, WorkerPool, WorkerResult
from mlteam_utils.grading.sandbox import SandboxLimits


@dataclass(frozen=True)
class CourseFolders:
    """The folders and gradebook nbgrader_config.py gives a course."""

    root: Path
    source: Path
    submitted: Path
    autograded: Path
    feedback: Path
    #: The gradebook: an SQLite file, or a PostgreSQL URL (gradebook_db explains both).
    gradebook: GradebookLocation
    course_id: str = "default_course"
    exchange: Path | None = None
    #: Where the workers are staged (hidden from learner code like the folders above).
    scratch: Path | None = None

    def assignments(self) -> list[str]:
        """The assignments the course has: the folders of its source (solutions/)."""
        if not self.source.is_dir():
            return []
        return sorted(entry.name for entry in self.source.iterdir() if entry.is_dir() and not entry.name.startswith("."))


def course_folders(course_root: Path) -> CourseFolders:
    """Read the course's nbgrader_config.py the way nbgrader does (:mod:`mlteam_utils.upstream.course_paths`)."""
    from mlteam_utils.upstream.course_paths import course_paths

    if not (Path(course_root) / "nbgrader_config.py").is_file():
        raise FileNotFoundError(f"no nbgrader_config.py in {course_root}")
    paths = course_paths(course_root)
    return CourseFolders(
        root=paths.root,
        source=paths.source,
        submitted=paths.submitted,
        autograded=paths.autograded,
        feedback=paths.feedback,
        gradebook=gradebook_location(paths.db_url),
        course_id=paths.course_id,
        exchange=paths.exchange,
        scratch=paths.grading_scratch,
    )


@dataclass
class GradeSummary:
    """What one ``grade`` run did, for the closing summary."""

    graded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    unchanged: list[Submission] = field(default_factory=list)
    not_reached: list[Submission] = field(default_factory=list)
    interrupted: bool = False
    #: Whether the run regraded unchanged submissions (--force).
    forced: bool = False
    #: Assignments whose points and questions were refreshed in the gradebook from changed solutions.
    solutions_refreshed: list[str] = field(default_factory=list)
    #: Unchanged submissions regraded because their solutions changed since they were graded.
    regraded_for_solutions: list[Submission] = field(default_factory=list)
    #: Hand-ins waiting in the exchange, newer than what course/submitted holds.
    uncollected: list[WaitingSubmission] = field(default_factory=list)

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

        After an interrupted ``--force`` run, a plain rerun would regrade nothing unchanged:

        >>> print(GradeSummary(interrupted=True, forced=True).as_text().splitlines()[-1])
        interrupted: 0 submission(s) not graded; the gradebook holds every submission graded before the interruption. Run it again with --force to regrade the rest (a plain rerun grades only new or changed submissions).
        """
        lines = [
            f"graded: {len(self.graded)}  ({len(self.needs_manual_grading)} need manual grading)",
            f"failed: {len(self.failed)}",
            *[f"  {o.student}/{o.assignment}: {o.reason}" for o in self.failed],
            f"unchanged since the last run (not regraded): {len(self.unchanged)}",
        ]
        if self.regraded_for_solutions:
            changed = sorted({s.assignment for s in self.regraded_for_solutions})
            lines.append(
                f"regraded because solutions/ changed since they were graded: {len(self.regraded_for_solutions)} "
                f"({', '.join(changed)}); the gradebook's points now follow solutions/"
            )
        noted = [o for o in self.graded if o.reason]
        if noted:
            lines.append(f"graded without some of their files: {len(noted)}")
            lines.extend(f"  {o.student}/{o.assignment}: {o.reason}" for o in noted)
        if self.interrupted:
            # A plain rerun skips unchanged submissions, so after --force only --force finishes the job.
            again = (
                "Run it again with --force to regrade the rest (a plain rerun grades only new or changed submissions)."
                if self.forced else "Run the command again to grade the rest."
            )
            lines.append(
                f"interrupted: {len(self.not_reached)} submission(s) not graded; the gradebook holds every "
                f"submission graded before the interruption. {again}"
            )
        lines.extend(uncollected_lines(self.uncollected))
        return "\n".join(lines)


def uncollected_lines(waiting: Sequence[WaitingSubmission]) -> list[str]:
    """What to tell an instructor about hand-ins still in the exchange.

    >>> for line in uncollected_lines([WaitingSubmission("ada", "ex01_a", "2026-11-02 10:00:00 UTC")]):
    ...     print(line)
    not collected yet: 1 submission(s) wait in the exchange, newer than course/submitted holds
      ada/ex01_a (submitted 2026-11-02 10:00:00 UTC)
      collect them first: nbgrader collect --update ex01_a
    """
    if not waiting:
        return []
    lines = [f"not collected yet: {len(waiting)} submission(s) wait in the exchange, newer than course/submitted holds"]
    lines.extend(f"  {item.label} (submitted {item.timestamp})" for item in waiting)
    lines.extend(f"  collect them first: nbgrader collect --update {assignment}" for assignment in sorted({item.assignment for item in waiting}))
    return lines


class GradeError(RuntimeError):
    """Grading could not start (no course, no gradebook access, unknown assignment)."""


class UnknownAssignmentError(GradeError):
    """An assignment named on the command line is not in the course."""


def _ensure_in_gradebook(folders: CourseFolders, sources: dict[str, str]) -> list[str]:
    """Make the gradebook's cells match solutions/: add missing assignments, refresh changed ones.

    nbgrader grades only assignments in its gradebook, with the points recorded
    there. ``generate_assignment`` writes an assignment's cells (and points) into
    the gradebook; its release output goes to a scratch folder so exercises/ is
    not touched. ``sources`` maps each assignment to grade to the fingerprint of
    its solutions folder. Returns the assignments whose cells were refreshed
    because their solutions changed.
    """
    from mlteam_utils.nbgrader_inprocess import run_step
    from mlteam_utils.nbgrader_runner import NbgraderFailed
    from mlteam_utils.upstream.changed_assignment import blocked_by_submissions

    in_gradebook = assignments_in_gradebook(folders.gradebook)
    recorded = gradebook_sources(folders.gradebook)
    refreshed = []
    for assignment, source in sorted(sources.items()):
        if assignment in in_gradebook and recorded.get(assignment) == source:
            continue
        with tempfile.TemporaryDirectory(prefix="mlteam-release-") as scratch:
            try:
                run_step(folders.root, "generate_assignment", assignment,
                         overrides={"CourseDirectory": {"release_directory": scratch}})
            except NbgraderFailed as error:
                if blocked_by_submissions(error.exceptions):
                    raise GradeError(
                        f"questions of {assignment} were added or removed in solutions/ after learners submitted it; "
                        "nbgrader cannot regrade them against a different set of questions. Put the questions back "
                        "(or release the change as a new assignment). Nothing was graded."
                    ) from error
                raise GradeError(f"could not add {assignment} to the gradebook: {error}") from error
        if assignment in in_gradebook and assignment in recorded:
            refreshed.append(assignment)
        record_gradebook_source(folders.gradebook, assignment, source)
    return refreshed


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


def resubmitted(previous: Outcome | None, fingerprint: str) -> bool:
    """Whether the learner handed in something new since the last grading run (graded or failed).

    >>> graded = Outcome("ada", "ex01_a", "f1", "graded", None, 1.0, 2.0, False)
    >>> resubmitted(graded, "f1"), resubmitted(graded, "f2"), resubmitted(None, "f2")
    (False, True, False)
    """
    return previous is not None and previous.fingerprint != fingerprint


def solutions_changed(previous: Outcome | None, source: str | None) -> bool:
    """Whether a submission was graded against other solutions than today's.

    Grades recorded before fingerprints were kept (None) are not second-guessed.

    >>> graded = Outcome("ada", "ex01_a", "f1", "graded", None, 1.0, 2.0, False, "s1")
    >>> solutions_changed(graded, "s1"), solutions_changed(graded, "s2"), solutions_changed(None, "s2")
    (False, True, False)
    """
    return previous is not None and previous.source_fingerprint is not None and source is not None and previous.source_fingerprint != source


def plan(
    submissions: Sequence[Submission],
    outcomes: dict[tuple[str, str], Outcome],
    fingerprints: dict[Submission, str],
    in_gradebook: Callable[[Submission], bool],
    force: bool,
    sources: dict[str, str] | None = None,
) -> tuple[list[Submission], list[Submission]]:
    """Split submissions into (to grade, unchanged since a successful grading).

    A submission is regraded when it is new, changed, failed before, missing from
    the gradebook, graded against solutions that have changed since (``sources``:
    assignment -> fingerprint of its solutions folder), or when ``force``.

    >>> ada = Submission("ada", "ex01_a", Path("a"))
    >>> bob = Submission("bob", "ex01_a", Path("b"))
    >>> done = {("ada", "ex01_a"): Outcome("ada", "ex01_a", "f1", "graded", None, 1.0, 2.0, False, "s1")}
    >>> plan([ada, bob], done, {ada: "f1", bob: "f2"}, lambda s: True, force=False, sources={"ex01_a": "s1"})
    ([Submission(student='bob', assignment='ex01_a', folder=PosixPath('b'))], [Submission(student='ada', assignment='ex01_a', folder=PosixPath('a'))])
    >>> plan([ada], done, {ada: "f1"}, lambda s: True, force=True)[0] == [ada]
    True
    >>> plan([ada], done, {ada: "f1"}, lambda s: True, force=False, sources={"ex01_a": "s2"})[0] == [ada]
    True
    """
    sources = sources or {}
    to_grade, unchanged = [], []
    for submission in submissions:
        previous = outcomes.get((submission.student, submission.assignment))
        if (
            not force
            and previous is not None
            and previous.outcome == "graded"
            and previous.fingerprint == fingerprints[submission]
            and not solutions_changed(previous, sources.get(submission.assignment))
            and in_gradebook(submission)
        ):
            unchanged.append(submission)
        else:
            to_grade.append(submission)
    return to_grade, unchanged


#: What one grading worker may hold, in MiB: the worker with its share of the parent
#: (about 350 MiB measured, kernel included: the benchmark cohort's kernels peak near
#: 120 MiB) plus room for the kernel to grow to the sandbox's cap (SandboxLimits.memory_mb,
#: 1 GiB of address space): a careless or hostile submission may take all of it.
WORKER_MEMORY_MB = 256 + SandboxLimits.memory_mb
#: Workers beyond one per CPU (see default_jobs).
SPARE_WORKERS = 2


def default_jobs(cpus: int | None = None, memory: int | None = None) -> int:
    """How many grading workers to start: one per usable CPU plus two, as far as memory allows.

    The spare workers keep the CPUs busy while a worker is not using one: a worker spends
    about two thirds of a submission's wall time waiting for its kernel (bubblewrap and the
    kernel starting, the kernel's ZeroMQ round trips) or for the parent (merging a result
    into the gradebook), and the worker and its kernel mostly take turns, so one worker
    keeps at most one CPU busy. Measured with ``python -m benchmarks grading`` on 2 shared,
    heavily loaded cores (load average about 9), as throughput over sequential ``nbgrader
    autograde`` in the same run, three runs: 2 workers 1.84x and 2.74x, 3 workers 2.84x,
    3.02x and 3.10x, 4 workers 2.93x, 3.53x and 4.42x (peak memory 0.7, 1.0 and 1.3 GiB).
    The CPU time per submission is about the same as nbgrader's (3.1 to 3.6 s against 3.8 s,
    kernels included, ``perf stat``), so on a loaded machine part of the fourth worker's gain
    is a bigger share of the CPUs. On the same 2 cores quiet (load below 1, bytecode cached),
    one run: 4 workers 2.51x, 3 workers 2.63x (1.94 and 1.81 CPU s a submission against
    nbgrader's 2.13): a tie within a run's noise, and 310 MiB more for the fourth. With warm
    kernels (each forked from a parent that imported ipykernel and pandas once,
    :mod:`mlteam_utils.grading.kernel_zygote`), quiet, one run: 4 workers 3.22x, 3 workers 3.23x
    (1.46 and 1.40 CPU s a submission against nbgrader's 2.19; peak memory 1.8 and 1.4 GiB,
    resident sizes summed, the forked kernels' shared pages counted in each). Memory caps the count, each worker
    counting ``WORKER_MEMORY_MB``; there is always at least one. ``--jobs`` overrides this.

    ``cpus`` and ``memory`` (bytes available) default to this machine's or container's
    (:mod:`mlteam_utils.cohort.capacity`); unknown memory leaves the CPU count alone.

    >>> default_jobs(cpus=2, memory=16 * 2**30)
    4
    >>> default_jobs(cpus=8, memory=4 * 2**30)   # a pod with little memory: 4 GiB / 1.25 GiB
    3
    >>> default_jobs(cpus=2, memory=100 * 2**20)  # always at least one worker
    1
    >>> 1 <= default_jobs() <= usable_cpus() + SPARE_WORKERS
    True
    """
    cpus = usable_cpus() if cpus is None else cpus
    memory = available_memory() if memory is None else memory
    jobs = cpus + SPARE_WORKERS
    if memory is not None:
        jobs = min(jobs, memory // (WORKER_MEMORY_MB * 2**20))
    return max(1, jobs)


def grade_cohort(
    course_root: Path,
    assignments: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    timeout: float = 600.0,
    extra_config: ConfigValues | None = None,
    show_progress: bool = True,
    learners: LearnerFilter | None = None,
) -> GradeSummary:
    """Autograde every (new or changed) submission of a course in parallel.

    ``learners`` limits the run to some learners (by name, or a share of the cohort),
    so that several graders can split a cohort on a PostgreSQL gradebook.

    Raises :class:`KeyboardInterrupt` after stopping the workers when interrupted;
    the summary so far is then in the exception's ``summary`` attribute.
    """
    from mlteam_utils.naming import unknown_assignment_message

    folders = course_folders(course_root)
    unknown = unknown_assignment_message(list(assignments or ()), folders.assignments())
    if unknown:
        raise UnknownAssignmentError(unknown)
    wanted = learners or LearnerFilter()
    submissions = [s for s in find_submissions(folders.submitted, assignments) if wanted.accepts(s.student)]
    summary = GradeSummary(forced=force)
    if folders.exchange is not None:
        summary.uncollected = [
            waiting for waiting in uncollected_submissions(folders.exchange, folders.course_id, folders.submitted, assignments)
            if wanted.accepts(waiting.student)
        ]
    if not submissions:
        return summary
    known = {s.assignment for s in submissions if (folders.source / s.assignment).is_dir()}
    sources = {assignment: source_fingerprint(folders.source / assignment) for assignment in known}
    # Several graders may start at once on a PostgreSQL gradebook: one at a time sets it up.
    with course_setup_lock(folders.gradebook):
        if gradebook_exists(folders.gradebook):
            ensure_outcome_table(folders.gradebook)
        summary.solutions_refreshed = _ensure_in_gradebook(folders, sources)
        ensure_outcome_table(folders.gradebook)
    fingerprints = {s: fingerprint(s.folder) for s in submissions}
    outcomes = recorded_outcomes(folders.gradebook)
    in_gradebook = submissions_in_gradebook(folders.gradebook)
    to_grade, summary.unchanged = plan(
        submissions,
        outcomes,
        fingerprints,
        lambda s: (s.student, s.assignment) in in_gradebook and (folders.autograded / s.student / s.assignment).is_dir(),
        force,
        sources,
    )
    summary.regraded_for_solutions = [
        s for s in to_grade
        if (previous := outcomes.get((s.student, s.assignment))) is not None and previous.outcome == "graded"
        and previous.fingerprint == fingerprints[s] and solutions_changed(previous, sources.get(s.assignment))
    ]
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
                    merge_submission(folders.gradebook, result.worker_db, submission.student, submission.assignment,
                                     fingerprints[submission], result.note, sources.get(submission.assignment),
                                     resubmitted=resubmitted(outcomes.get((submission.student, submission.assignment)), fingerprints[submission]))
                )
            else:
                reason = result.reason or "nbgrader wrote no autograded notebook"
                summary.failed.append(
                    record_failure(folders.gradebook, submission.student, submission.assignment, fingerprints[submission], reason,
                                   sources.get(submission.assignment))
                )
            finished.add(submission)
        if progress:
            progress.update(len(finished), len(summary.failed))

    # Beside the SQLite gradebook as before; beside autograded/ for a server's (CoursePaths.grading_scratch).
    work_root = folders.scratch or (folders.gradebook.parent if isinstance(folders.gradebook, Path) else folders.autograded.parent) / ".grading"
    work_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
    pool = WorkerPool(
        folders.root,
        scratch,
        jobs or default_jobs(),
        prepare_worker=lambda folder: copy_gradebook(folders.gradebook, folder / "gradebook.db"),
        prepare_task=lambda folder, s: copy_submission(folders.gradebook, folder / "gradebook.db", s.student, s.assignment),
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
