"""``mlteam-course feedback``: feedback HTML that reveals no key, released if possible.

nbgrader's ``generate_feedback`` writes one HTML page per learner and notebook
(with this course's settings it clears hidden tests and mark schemes and cuts
tracebacks to one line). Before anything is released, every page is scanned for
text that only the instructor should see: hidden-test lines, mark-scheme lines,
solution markers and the answer key's explanations. A page that contains any is
withheld and reported, never released.

nbgrader copies every file of the autograded folder into the feedback folder,
following links. It therefore works on a private copy holding only each
learner's graded notebooks and nbgrader's timestamp, taken without following
links or opening special files (see :mod:`mlteam_utils.safe_files`);
every file that ends up in a feedback folder is scanned, and anything but the
pages and nbgrader's bookkeeping is removed before release.
"""

from __future__ import annotations

import fnmatch
import html
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlteam_utils.cohort.gradebook_db import GradebookLocation
from mlteam_utils.grading.leaks import FORBIDDEN_MARKERS, key_texts
from mlteam_utils.nbgrader_inprocess import run_step
from mlteam_utils.nbgrader_runner import NbgraderFailed, load_course_config, run_nbgrader
from mlteam_utils.safe_files import (
    UnsafeEntry,
    describe_entry,
    printable,
    read_regular_file,
    stage_tree,
    walk_entries,
)

#: Lines shorter than this (``assert x``, ``pass``) are too common to be secrets.
MIN_SECRET_LINE = 20
_BLOCKS = {
    "hidden test": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
    "mark scheme": ("BEGIN MARK SCHEME", "END MARK SCHEME"),
}


@dataclass(frozen=True)
class Secret:
    """A line of instructor-only text, and what kind it is."""

    text: str
    kind: str


def secret_lines(source: str) -> list[Secret]:
    """Hidden-test and mark-scheme lines in one cell's source.

    >>> cell = "assert True\\n### BEGIN HIDDEN TESTS\\nassert roles == ['data engineer', 'pm']\\n### END HIDDEN TESTS"
    >>> secret_lines(cell)
    [Secret(text="assert roles == ['data engineer', 'pm']", kind='hidden test')]
    """
    found: list[Secret] = []
    for kind, (begin, end) in _BLOCKS.items():
        inside = False
        for line in source.splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= MIN_SECRET_LINE:
                found.append(Secret(line.strip(), kind))
    return found


def assignment_secrets(source_folder: Path) -> list[Secret]:
    """Every instructor-only text of an assignment's source folder."""
    secrets: list[Secret] = []
    for notebook_path in sorted(source_folder.glob("*.ipynb")):
        notebook = nbformat.read(notebook_path, as_version=4)
        for cell in notebook.cells:
            secrets.extend(secret_lines(cell.source))
    secrets.extend(Secret(text, "answer key") for text in key_texts(source_folder))
    return secrets


def shown_to_learner(autograded_notebook: Path) -> list[str]:
    """Feedback of the widget items a learner got right: safe to show them.

    The explanation of an item the learner answered correctly reveals nothing they
    do not know; the scan must not mistake it for a leak.
    """
    from mlteam_utils.grading.widget_scores import METADATA_KEY

    try:
        notebook = nbformat.read(autograded_notebook, as_version=4)
    except Exception:  # unreadable: allow nothing, so the scan is strict
        return []
    texts: list[str] = []
    for cell in notebook.cells:
        record = cell.metadata.get(METADATA_KEY, {}).get("widget_score") or {}
        texts.extend(str(item.get("feedback", "")) for item in record.get("items", []) if item.get("correct"))
    return texts


def secrets_for(secrets: Sequence[Secret], allowed_feedback: Sequence[str]) -> list[Secret]:
    """Drop the key explanations that appear in feedback the learner may see.

    >>> secrets = [Secret("Scope is fixed up front in Waterfall.", "answer key"), Secret("assert x == 42 and y == 7", "hidden test")]
    >>> secrets_for(secrets, ["You chose Waterfall. Scope is fixed up front in Waterfall."])
    [Secret(text='assert x == 42 and y == 7', kind='hidden test')]
    """
    allowed = [" ".join(text.split()) for text in allowed_feedback]
    return [
        secret for secret in secrets
        if secret.kind != "answer key" or not any(" ".join(secret.text.split()) in text for text in allowed)
    ]


def _normalise(text: str, tag: str = " ") -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", tag, text)).split())


def find_feedback_leaks(page: str, secrets: Sequence[Secret]) -> list[str]:
    """Why a feedback page must not reach the learner (empty when it is clean).

    HTML tags and entities are undone first, so a secret split by syntax
    highlighting is still found.

    >>> secrets = [Secret("assert roles == ['data engineer', 'pm']", "hidden test")]
    >>> page = "<span>assert</span> roles == [&#39;data engineer&#39;, &#39;pm&#39;]"
    >>> find_feedback_leaks(page, secrets)
    ["a hidden test line: assert roles == ['data engineer', 'pm']"]
    >>> find_feedback_leaks("<p>AssertionError: expected 3 roles</p>", secrets)
    []
    >>> highlighted = '<span class="k">assert</span> <span class="n">roles</span> <span class="o">==</span> <span class="p">[</span>&#39;data engineer&#39;<span class="p">,</span> &#39;pm&#39;<span class="p">]</span>'
    >>> len(find_feedback_leaks(highlighted, secrets))
    1
    """
    plain = _normalise(page)
    # Syntax highlighting wraps every token of a code line in its own tag: read the page
    # with tags dropped too, or a hidden test shown as code would slip through.
    joined = _normalise(page, tag="")
    leaks = [f"nbgrader's marker {marker!r}" for marker in FORBIDDEN_MARKERS if marker in plain and marker != "instructor-only"]
    for secret in secrets:
        text = _normalise(secret.text)
        if text in plain or text in joined:
            leaks.append(f"a {secret.kind} line: {secret.text[:80]}")
    return leaks


@dataclass
class FeedbackResult:
    """What ``feedback`` produced, withheld and released."""

    pages: list[Path] = field(default_factory=list)
    withheld: dict[Path, list[str]] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    exchange: Path | None = None
    problems: list[str] = field(default_factory=list)
    release_asked: bool = True
    #: "student/assignment" of submissions with parts awaiting a person's grade.
    awaiting_manual: list[str] = field(default_factory=list)
    #: Whether pages awaiting manual grading were released anyway (--include-ungraded).
    include_ungraded: bool = False
    #: "student/assignment: reason" of submissions that could not be graded: no page.
    not_graded: list[str] = field(default_factory=list)
    #: Pages kept as they were: nothing they are made from changed since they were written.
    unchanged: int = 0
    #: Why released pages could not be made readable by their learner alone (no POSIX ACLs), if so.
    not_private: str = ""

    @property
    def held(self) -> list[str]:
        """Submissions whose page was not released because a person has not graded them yet."""
        return [] if self.include_ungraded or not self.release_asked or self.exchange is None else self.awaiting_manual

    def as_text(self, course_root: Path) -> str:
        """The summary the CLI prints.

        >>> result = FeedbackResult(exchange=Path("/srv/exchange"), released=["ada/ex01"], awaiting_manual=["bob/ex01"],
        ...                         not_graded=["eve/ex01: Notebook JSON is invalid"])
        >>> print(result.as_text(Path("/course")))
        feedback pages: 0 in /course/course/feedback
        released through the exchange at /srv/exchange: ada/ex01
        held back, awaiting manual grading: 1 (bob/ex01)
          grade them in the formgrader, then run `mlteam-course feedback` again (or --include-ungraded to release them now, marked 'awaiting grading')
        could not be graded (their page says so, and what to do): 1
          eve/ex01: Notebook JSON is invalid
          fix the submission or ask for a resubmission, then `mlteam-course grade` and `mlteam-course feedback`
        """
        kept = f" ({self.unchanged} unchanged since the last run, not regenerated)" if self.unchanged else ""
        lines = [f"feedback pages: {len(self.pages)} in {course_root / 'course' / 'feedback'}{kept}"]
        for page, reasons in self.withheld.items():
            lines.append(f"  WITHHELD {page.relative_to(course_root)}: {'; '.join(reasons)}")
        lines.extend(f"  problem: {problem}" for problem in self.problems)
        if not self.release_asked:
            lines.append("not released (--no-release): the pages stay in course/feedback")
        elif self.exchange is None:
            lines.append("no nbgrader exchange on this machine: share course/feedback yourself, or set Exchange.root")
        else:
            lines.append(f"released through the exchange at {self.exchange}: {', '.join(self.released) or 'nothing'}")
            if self.not_private:
                lines.append(f"  not readable by their learner alone: {self.not_private}; as nbgrader leaves them, anyone "
                             "who knows a page's name can read it")
        if self.held:
            lines.append(f"held back, awaiting manual grading: {len(self.held)} ({', '.join(self.held)})")
            lines.append(
                "  grade them in the formgrader, then run `mlteam-course feedback` again "
                "(or --include-ungraded to release them now, marked 'awaiting grading')"
            )
        elif self.awaiting_manual:
            lines.append(
                f"awaiting manual grading: {len(self.awaiting_manual)} page(s) show those parts as 'awaiting grading' "
                f"({', '.join(self.awaiting_manual)})"
            )
        if self.not_graded:
            lines.append(f"could not be graded (their page says so, and what to do): {len(self.not_graded)}")
            lines.extend(f"  {line}" for line in self.not_graded)
            lines.append("  fix the submission or ask for a resubmission, then `mlteam-course grade` and `mlteam-course feedback`")
        return "\n".join(lines)


def exchange_root(course_root: Path) -> Path | None:
    """The nbgrader exchange folder configured for the course, if it exists."""
    from nbgrader.exchange.default.exchange import Exchange

    root = Path(Exchange(config=load_course_config(course_root)).root)
    return root if root.is_dir() else None


def answers_revealed(course_root: Path) -> bool:
    """Whether the instructor lets feedback show the widget questions' answers."""
    from mlteam_utils.grading.widget_scores import ScoreWidgetAnswers

    return bool(ScoreWidgetAnswers(config=load_course_config(course_root)).show_correct_answers)


def _graded_assignments(autograded: Path) -> list[str]:
    if not autograded.is_dir():
        return []
    return sorted({folder.name for student in autograded.iterdir() if student.is_dir() for folder in student.iterdir() if folder.is_dir() and not folder.name.endswith(".previous")})


#: What nbgrader needs from an autograded folder to write and release feedback.
FEEDBACK_INPUTS = ("*.ipynb", "timestamp.txt", "submission_secret.txt")
#: What may stay in a feedback folder: the pages and nbgrader's bookkeeping.
FEEDBACK_OUTPUTS = ("*.html", "timestamp.txt", "submission_secret.txt")


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def graded_students(autograded: Path, assignment: str) -> list[str]:
    """Learners with an autograded folder for ``assignment`` (links are not followed)."""
    if not autograded.is_dir():
        return []
    return [
        student for student in sorted(os.listdir(autograded))
        if not (autograded / student).is_symlink() and (autograded / student).is_dir()
        and not (autograded / student / assignment).is_symlink() and (autograded / student / assignment).is_dir()
    ]


def stage_autograded(autograded: Path, assignment: str, destination: Path, students: Sequence[str] | None = None) -> list[str]:
    """Copy each learner's graded notebooks and timestamp for ``assignment`` into ``destination``.

    ``students`` restricts the copy (default: every learner). Returns a problem
    line for every entry left out because it is a link or a special file (never
    opened, so a FIFO cannot block feedback for the cohort).
    """
    problems: list[str] = []
    if not autograded.is_dir():
        return problems
    for student in sorted(os.listdir(autograded)):
        if students is not None and student not in students:
            continue
        if (autograded / student).is_symlink() or not (autograded / student).is_dir():
            continue
        folder = autograded / student / assignment
        if folder.is_symlink() or not folder.is_dir():
            continue
        report = stage_tree(folder, destination / student / assignment, lambda relative, is_folder: "/" not in relative and not is_folder and _matches(relative, FEEDBACK_INPUTS))
        problems.extend(f"{printable(student)}/{assignment}: left out {printable(entry.path)} ({entry.why})" for entry in report.dropped)
    return problems


def _tidy_feedback_folder(folder: Path) -> list[Path]:
    """Remove from a learner's feedback folder everything but pages and bookkeeping; return what stays."""
    kept = []
    for relative, info in list(walk_entries(folder)):
        path = folder / relative
        if "/" not in relative and _matches(relative, FEEDBACK_OUTPUTS) and describe_entry(info) is None and not path.is_dir():
            kept.append(path)
        elif path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return kept


def awaiting_manual_grade(course_root: Path, assignment: str) -> set[str]:
    """Learners whose submission of ``assignment`` has a part no person has graded yet."""
    from nbgrader.api import Gradebook, MissingEntry

    from mlteam_utils.reports.gradebook_frames import course_gradebook_url

    db_url, course_id = course_gradebook_url(course_root)
    with Gradebook(db_url, course_id=course_id) as gradebook:
        try:
            return {submission.student_id for submission in gradebook.assignment_submissions(assignment) if submission.needs_manual_grade}
        except MissingEntry:
            return set()


def _failed_submissions(gradebook: GradebookLocation, assignments: Sequence[str]) -> list[str]:
    from mlteam_utils.cohort.gradebook_merge import recorded_outcomes

    return [
        f"{printable(student)}/{printable(assignment)}: {outcome.reason}"
        for (student, assignment), outcome in sorted(recorded_outcomes(gradebook).items())
        if outcome.outcome == "failed" and (not assignments or assignment in assignments)
    ]


def _failed_reasons(gradebook: GradebookLocation, assignments: Sequence[str]) -> dict[tuple[str, str], str | None]:
    """(learner, assignment) -> recorded reason, of the submissions grading failed on (plain folder names only)."""
    from mlteam_utils.cohort.gradebook_merge import recorded_outcomes

    return {
        (student, assignment): outcome.reason
        for (student, assignment), outcome in recorded_outcomes(gradebook).items()
        if outcome.outcome == "failed" and (not assignments or assignment in assignments)
        and all(name not in {"", ".", ".."} and "/" not in name and "\\" not in name for name in (student, assignment))
    }


def exchange_checksums(folder: Path) -> set[str]:
    """The exchange file names (without ``.html``) nbgrader gives a learner's feedback pages.

    nbgrader names a released page after the submission's secret and the notebook,
    so each submission's pages have names of their own.
    """
    from mlteam_utils.upstream.nbgrader_utils import feedback_page_name

    try:
        secret = read_regular_file(folder / "submission_secret.txt", max_bytes=4096).decode("utf-8", errors="replace")
    except (UnsafeEntry, OSError):
        return set()
    return {feedback_page_name(secret, page.stem) for page in folder.glob("*.html")}


def _release(course_root: Path, feedback_root: Path, assignment: str, students: Sequence[str], gradebook: GradebookLocation,
             exchange_feedback: Path) -> str:
    """Release exactly these learners' pages, and take back pages of their earlier submissions.

    nbgrader's release_feedback runs on a copy holding only these learners' pages.
    A learner who resubmitted would otherwise fetch the old submission's page too.
    nbgrader leaves a released page readable by every user who knows its name; each
    page is made readable by its learner alone (when the learner is a Unix user here).
    Returns why that could not be done (no POSIX ACLs in the exchange), or "".
    """
    from mlteam_utils.cohort.feedback_state import record_release, released_checksums
    from mlteam_utils.file_modes import AclUnsupported, readable_by

    with tempfile.TemporaryDirectory(prefix="mlteam-release-feedback-") as staging:
        for student in students:
            source = feedback_root / student / assignment
            stage_tree(source, Path(staging) / student / assignment,
                       lambda relative, is_folder: "/" not in relative and not is_folder and _matches(relative, FEEDBACK_OUTPUTS))
        run_nbgrader(course_root, "release_feedback", assignment, f"--CourseDirectory.feedback_directory={staging}")
    not_private = ""
    for student in students:
        current = exchange_checksums(feedback_root / student / assignment)
        for stale in released_checksums(gradebook, assignment, student) - current:
            (exchange_feedback / f"{stale}.html").unlink(missing_ok=True)
        for checksum in sorted(current):
            page = exchange_feedback / f"{checksum}.html"
            if page.is_file() and not page.is_symlink():
                try:
                    readable_by(page, student)
                except AclUnsupported as error:
                    not_private = str(error)
                except OSError as error:  # e.g. a page another account released: say so, go on
                    not_private = not_private or f"{page.name}: {error.strerror}"
        record_release(gradebook, assignment, student, current)
    return not_private


def _page_settings(course_root: Path, reveal: bool) -> bytes:
    """What every page depends on besides the learner's own grades: template, preprocessors, settings."""
    from mlteam_utils.cohort.feedback_state import digest_of
    from mlteam_utils.grading import feedback_page, tracebacks
    from mlteam_utils.grading.settings import feedback_template_folder

    template = feedback_template_folder() / "feedback" / "index.html.j2"
    return digest_of([
        (course_root / "nbgrader_config.py").read_bytes(),
        template.read_bytes(),
        Path(feedback_page.__file__).read_bytes(),
        Path(tracebacks.__file__).read_bytes(),
        str(reveal),
    ]).encode()


def _feedback_digests(course_root: Path, autograded: Path, assignment: str, students: Sequence[str], settings: bytes) -> dict[str, str]:
    """learner -> digest of everything their feedback page for ``assignment`` is made from."""
    from nbgrader.api import Gradebook

    from mlteam_utils.cohort.feedback_state import digest_of, submission_record
    from mlteam_utils.reports.gradebook_frames import course_gradebook_url

    db_url, course_id = course_gradebook_url(course_root)
    digests = {}
    with Gradebook(db_url, course_id=course_id) as gradebook:
        for student in students:
            folder = autograded / student / assignment
            parts: list[bytes | str] = [settings, submission_record(gradebook, assignment, student)]
            for relative, _info in walk_entries(folder):
                if "/" in relative or not _matches(relative, FEEDBACK_INPUTS):
                    continue
                try:
                    parts += [relative, read_regular_file(folder / relative)]
                except (UnsafeEntry, OSError) as error:
                    parts += [relative, f"unreadable: {error}"]
            digests[student] = digest_of(parts)
    return digests


def generate_feedback(
    course_root: Path, assignments: Sequence[str] | None = None, *, release: bool = True, include_ungraded: bool = False
) -> FeedbackResult:
    """Generate, scan and (when an exchange exists) release feedback.

    A page whose inputs (graded notebook, grades, comments, template, settings)
    have not changed since it was made is kept, not regenerated. A page whose
    submission still has a part awaiting a person's grade is written (that part
    reads "awaiting grading") but not released, unless ``include_ungraded``.
    """
    from mlteam_utils.cohort.feedback_state import forget_digest, record_digests, recorded_digests
    from mlteam_utils.cohort.grade import UnknownAssignmentError, course_folders
    from mlteam_utils.cohort.gradebook_db import describe, gradebook_exists
    from mlteam_utils.cohort.gradebook_merge import GradebookError
    from mlteam_utils.cohort.ungradable_feedback import exercise_title, write_ungradable_feedback
    from mlteam_utils.naming import unknown_assignment_message

    folders = course_folders(course_root)
    unknown = unknown_assignment_message(list(assignments or ()), folders.assignments())
    if unknown:
        raise UnknownAssignmentError(unknown)
    if not gradebook_exists(folders.gradebook):
        # nbgrader would create an empty gradebook and then delete every existing page.
        raise GradebookError(f"no gradebook at {describe(folders.gradebook)}: nothing was generated or deleted; grade the cohort first (mlteam-course grade)")
    # A submission that could not be graded gets a page saying so (mlteam_utils/cohort/ungradable_feedback.py).
    failed = _failed_reasons(folders.gradebook, assignments or ())
    wanted = list(assignments) if assignments else sorted(set(_graded_assignments(folders.autograded)) | {a for _s, a in failed})
    result = FeedbackResult(exchange=exchange_root(course_root) if release else None, release_asked=release, include_ungraded=include_ungraded)
    result.not_graded = _failed_submissions(folders.gradebook, wanted)
    reveal = answers_revealed(course_root)
    settings = _page_settings(folders.root, reveal)
    feedback_root = folders.feedback
    for assignment in wanted:
        failed_here = {student: reason for (student, name), reason in failed.items() if name == assignment}
        # An earlier submission's graded folder may remain: the failed, latest one is what the learner hears about.
        students = [student for student in graded_students(folders.autograded, assignment) if student not in failed_here]
        digests = _feedback_digests(folders.root, folders.autograded, assignment, students, settings)
        previous = recorded_digests(folders.gradebook, assignment)
        stale = [
            student for student in students
            if previous.get(student) != digests[student] or not list((feedback_root / student / assignment).glob("*.html"))
        ]
        result.unchanged += len(students) - len(stale)
        if stale:
            with tempfile.TemporaryDirectory(prefix="mlteam-feedback-") as staging:
                result.problems.extend(stage_autograded(folders.autograded, assignment, Path(staging), stale))
                try:
                    run_step(folders.root, "generate_feedback", assignment,
                             overrides={"CourseDirectory": {"autograded_directory": staging}})
                except NbgraderFailed as error:
                    result.problems.append(f"{assignment}: nbgrader generate_feedback failed: {error}")
                    continue
        sources = sorted((folders.source / assignment).glob("*.ipynb"))
        title = exercise_title(assignment, sources, folders.root) if failed_here else assignment
        for student, reason in sorted(failed_here.items()):
            write_ungradable_feedback(folders.submitted / student / assignment, feedback_root / student / assignment, assignment,
                                      [path.stem for path in sources], reason, title)
            forget_digest(folders.gradebook, assignment, student)
        secrets = assignment_secrets(folders.source / assignment)
        if reveal:
            secrets = [secret for secret in secrets if secret.kind != "answer key"]
        clean_students = []
        for folder in sorted(feedback_root.glob(f"*/{assignment}")):
            student = folder.parent.name
            files = _tidy_feedback_folder(folder)
            pages = [path for path in files if path.suffix == ".html"]
            result.pages.extend(pages)
            leaks_in_folder: dict[Path, list[str]] = {}
            for path in files:
                graded = folders.autograded / student / assignment / f"{path.stem}.ipynb"
                try:
                    text = read_regular_file(path).decode("utf-8", errors="replace")
                except (UnsafeEntry, OSError) as error:
                    leaks_in_folder[path] = [f"unreadable ({error})"]
                    continue
                leaks = find_feedback_leaks(text, secrets_for(secrets, shown_to_learner(graded)))
                if leaks:
                    leaks_in_folder[path] = leaks
            for path, leaks in leaks_in_folder.items():
                result.withheld[path] = leaks
                path.unlink(missing_ok=True)  # a leaking page must not be released by anyone, later or by hand
            if leaks_in_folder:
                forget_digest(folders.gradebook, assignment, student)
            elif student in stale:
                record_digests(folders.gradebook, assignment, {student: digests[student]})
            if any(path.suffix == ".html" and path not in leaks_in_folder for path in pages):
                clean_students.append(student)
        awaiting = awaiting_manual_grade(course_root, assignment)
        result.awaiting_manual.extend(f"{printable(student)}/{assignment}" for student in sorted(awaiting))
        # Only learners with a graded submission now: a page left from before is not released again.
        releasable = sorted(((set(clean_students) & set(students)) - (set() if include_ungraded else awaiting))
                            | (set(clean_students) & set(failed_here)))
        if result.exchange is not None and releasable:
            try:
                result.not_private = _release(folders.root, feedback_root, assignment, releasable, folders.gradebook,
                                              result.exchange / folders.course_id / "feedback") or result.not_private
            except NbgraderFailed as error:
                result.problems.append(f"{assignment}: release_feedback failed: {error}")
            else:
                result.released.extend(f"{printable(student)}/{assignment}" for student in releasable)
    return result
