"""Generate ``exercises/`` (the learners' release) from ``solutions/`` with nbgrader.

Each assignment is generated into a temporary folder first and scanned for
leaks; only a clean result replaces ``exercises/<assignment>/``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlteam_utils.grading.settings import ANSWERS_GLOB, ANSWERS_SIDE_FILES_GLOB, KEY_GLOB
from mlteam_utils.nbgrader_runner import run_nbgrader

ASSIGNMENT_PATTERN = re.compile(r"^ex\d{2}_[a-z0-9_]+$")
# Text that must never reach a learner: nbgrader's solution and hidden-test markers.
FORBIDDEN_MARKERS = (
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN MARK SCHEME",
    "instructor-only",
)
# Explanations shorter than this are too generic to count as a leak ("Yes.").
MIN_LEAK_TEXT = 25


class ReleaseError(RuntimeError):
    """The release was refused or nbgrader failed; nothing in exercises/ was changed."""


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
    source = course_root / "solutions"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and ASSIGNMENT_PATTERN.match(p.name))


def key_texts(source_folder: Path) -> list[str]:
    """Explanations and correct-answer texts from the folder's key files."""
    texts: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            if len(value) >= MIN_LEAK_TEXT:
                texts.append(value)
        elif isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    for key_file in source_folder.glob(KEY_GLOB):
        try:
            questions = json.loads(key_file.read_text(encoding="utf-8")).get("questions", {})
        except (OSError, ValueError, AttributeError):
            continue
        for spec in questions.values():
            if isinstance(spec, dict):
                # Prompts and option lists are public; explanations and keys are not.
                before = len(texts)
                for field in ("explanations", "explanation", "key", "correct", "accountable", "responsible"):
                    collect(spec.get(field))
                public = {
                    str(text)
                    for field in ("options", "items", "categories", "activities", "roles")
                    for text in spec.get(field, []) or []
                }
                # A correct option is one of the options every learner sees: not a secret.
                texts[before:] = [text for text in texts[before:] if text not in public]
    return texts


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
    source_folder = course_root / "solutions" / assignment
    if not source_folder.is_dir():
        raise ReleaseError(f"no assignment {assignment!r}: {source_folder} does not exist")
    target = course_root / "exercises" / assignment
    with tempfile.TemporaryDirectory(prefix="mlteam-release-") as staging:
        staging_root = Path(staging)
        run_nbgrader(
            course_root,
            "generate_assignment",
            assignment,
            "--force",
            f"--CourseDirectory.release_directory={staging_root}",
        )
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


def release(course_root: Path, assignments: Sequence[str] | None = None) -> list[Path]:
    """Release the given assignments (default: all in ``solutions/``)."""
    wanted = list(assignments) if assignments else list_assignments(course_root)
    return [release_assignment(course_root, assignment) for assignment in wanted]


def iter_tree(folder: Path) -> Iterable[tuple[str, bytes]]:
    """(relative path, bytes) for every file under ``folder``, in order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            yield path.relative_to(folder).as_posix(), path.read_bytes()
