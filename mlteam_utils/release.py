"""Generate ``exercises/`` (the learners' release) from ``solutions/`` with nbgrader.

Each assignment is generated into a temporary folder first and scanned for
leaks; only a clean result replaces ``exercises/<assignment>/``.
"""

from __future__ import annotations

import fnmatch
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.grading.leaks import FORBIDDEN_MARKERS, key_texts
from mlteam_utils.naming import (
    ANSWERS_GLOB,
    ANSWERS_SIDE_FILES_GLOB,
    ASSIGNMENT_PATTERN,
    KEY_GLOB,
    unknown_assignment_message,
)
from mlteam_utils.nbgrader_inprocess import run_step
from mlteam_utils.upstream.course_paths import course_paths

# The leak rules and assignment names are shared with the cohort commands (feedback,
# grade), which must not import this command: they live beneath both.


class ReleaseError(RuntimeError):
    """The release was refused or nbgrader failed; nothing in exercises/ was changed."""


class UnknownAssignmentReleaseError(ReleaseError):
    """An assignment named on the command line is not in solutions/."""


@dataclass(frozen=True)
class Leak:
    """Something in a generated release that would reveal a key."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def list_assignments(course_root: Path) -> list[str]:
    """Assignment ids in ``solutions/``, in order.

    >>> from mlteam_utils.paths import find_course_root
    >>> "ex01_how_ml_projects_differ" in list_assignments(find_course_root())
    True
    """
    source = course_paths(course_root).source
    return sorted(p.name for p in source.iterdir() if p.is_dir() and ASSIGNMENT_PATTERN.match(p.name))


def find_leaks(release_folder: Path, source_folder: Path) -> list[Leak]:
    """Files or text in ``release_folder`` that would reveal answers from ``source_folder``."""
    leaks: list[Leak] = []
    secrets = key_texts(source_folder)
    for path in sorted(release_folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(release_folder)
        if fnmatch.fnmatch(path.name, ANSWERS_GLOB) or fnmatch.fnmatch(path.name, ANSWERS_SIDE_FILES_GLOB):
            leaks.append(Leak(relative, "an answers file (learners would start from someone's answers)"))
            continue
        if fnmatch.fnmatch(path.name, KEY_GLOB):
            leaks.append(Leak(relative, "an answer-key file"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for marker in FORBIDDEN_MARKERS:
            if marker in text:
                leaks.append(Leak(relative, f"contains nbgrader's marker {marker!r}"))
        for secret in secrets:
            if secret in text:
                leaks.append(Leak(relative, f"contains text from the answer key: {secret[:60]!r}"))
                break
    return leaks


def release_assignment(course_root: Path, assignment: str) -> Path:
    """Generate one assignment's release, refuse it if it leaks, else install it."""
    paths = course_paths(course_root)
    source_folder = paths.source / assignment
    if not source_folder.is_dir():
        raise ReleaseError(f"no assignment {assignment!r}: {source_folder} does not exist")
    target = paths.release / assignment
    with tempfile.TemporaryDirectory(prefix="mlteam-release-") as staging:
        staging_root = Path(staging)
        run_step(course_root, "generate_assignment", assignment,
                 overrides={"CourseDirectory": {"release_directory": str(staging_root)}})
        generated = staging_root / assignment
        if not generated.is_dir():
            raise ReleaseError(f"nbgrader produced no release for {assignment}")
        leaks = find_leaks(generated, source_folder)
        if leaks:
            details = "\n  ".join(str(leak) for leak in leaks)
            raise ReleaseError(
                f"refusing to release {assignment}: the generated exercise would leak answers.\n  {details}\n"
                f"Fix {source_folder} (remove the file, or move the text into a hidden-test or solution region) "
                "and run the release again. exercises/ was not changed."
            )
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(generated, target)
    return target


def check_release_changes(course_root: Path, assignments: Sequence[str], accept_changes: bool = False) -> list[str]:
    """Refuse, before anything is generated, to change the points or questions of an assignment learners submitted.

    Regenerating an assignment rewrites the points nbgrader records in the
    gradebook, while learners' copies still show the old ones. Returns, for the
    changes ``accept_changes`` lets through, what will change.
    """
    from mlteam_utils.cohort.drift import release_changes

    refused, accepted = [], []
    for assignment in assignments:
        changes, submissions = release_changes(course_root, assignment)
        if not changes or not submissions:
            continue
        adds_or_removes = any(": added" in line or ": removed" in line for line in changes)
        if accept_changes and not adds_or_removes:
            accepted.append(
                f"changing {assignment}, which has {submissions} submission(s) (`mlteam-course grade` regrades them): "
                + "; ".join(changes)
            )
            continue
        details = "\n    ".join(changes)
        refused.append(f"{assignment} has {submissions} submission(s) graded with other points or questions:\n    {details}")
        if adds_or_removes:
            refused.append(
                f"  nbgrader cannot add or remove questions of {assignment} while it has submissions; "
                "put them back, or release the change as a new assignment"
            )
    if refused:
        hint = "" if accept_changes else (
            "\nLearners' copies still show the old points. To change them anyway, run "
            "`mlteam-course release --accept-changes ...`, then `mlteam-course grade` regrades the submissions with the new ones."
        )
        raise ReleaseError("\n".join(refused) + "\nNothing was released or changed." + hint)
    return accepted


def release(
    course_root: Path,
    assignments: Sequence[str] | None = None,
    *,
    accept_changes: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> list[Path]:
    """Release the given assignments (default: all in ``solutions/``).

    Raises :class:`ReleaseError`, before anything is generated, when an assignment
    with submissions would change its points or questions and ``accept_changes`` is
    not given (see :func:`check_release_changes`).
    """
    known = list_assignments(course_root)
    if assignments:
        unknown = unknown_assignment_message(list(assignments), known)
        if unknown:
            raise UnknownAssignmentReleaseError(unknown)
    wanted = list(assignments) if assignments else known
    for line in check_release_changes(course_root, wanted, accept_changes):
        say(line)
    return [release_assignment(course_root, assignment) for assignment in wanted]


def iter_tree(folder: Path) -> Iterable[tuple[str, bytes]]:
    """(relative path, bytes) for every file under ``folder``, in order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            yield path.relative_to(folder).as_posix(), path.read_bytes()
