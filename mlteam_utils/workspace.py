"""The learner's own copy of the course, so that taking it never changes a tracked file.

Opening a lesson and running it rewrites the notebook (outputs, widget ids), and
answering an exercise writes into it. Done on the files ``git`` tracks, that
work would conflict with the next ``git pull`` of course updates. ``make lab``
therefore serves ``my-work/`` (ignored by git), a copy of what a learner opens:

    my-work/course/index.ipynb     the start page
    my-work/lessons/*.ipynb        the lessons
    my-work/exercises/exNN_*/      the exercises (answers files and feedback pages land here)

:func:`sync_workspace` runs before each ``make lab``. It copies what is missing,
and after a ``git pull`` brings a new version of a file:

* a copy the learner never changed is replaced by the new version;
* a changed **lesson** or start page is replaced too (it holds only outputs a
  Run All recreates), and the learner's copy is kept beside it as
  ``NAME.before-update-YYYYmmdd-HHMMSS.ipynb``;
* a changed **exercise** is the learner's work and is never replaced: the new
  version is written beside it as ``NAME.new-version.ipynb``, and the summary says so.

A manifest (``my-work/.mlteam-workspace.json``) records, per file, the digest of
the course's version it came from and of the copy as written.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "lessons").mkdir(), (root / "lessons" / "01_x.ipynb").write_text("v1")
>>> print(sync_workspace(root).summary())
my-work/: 1 added
>>> _ = (root / "lessons" / "01_x.ipynb").write_text("v2")
>>> print(sync_workspace(root).summary())
my-work/: 1 updated to the course's new version
>>> (root / "my-work" / "lessons" / "01_x.ipynb").read_text()
'v2'
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from mlteam_utils.naming import WORKSPACE_MANIFEST
from mlteam_utils.start_page import hub_course_id, hub_start_page
from mlteam_utils.syllabus import SyllabusError, load_syllabus

__all__ = ["MANIFEST", "WORK_FOLDER", "WorkspaceReport", "course_files", "sync_workspace"]

WORK_FOLDER = "my-work"
MANIFEST = WORKSPACE_MANIFEST
#: The learner's own files beside a notebook: never copied from the course, never touched.
OWN_FILES = (".answers.json", ".feedback.html")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def course_files(course_root: Path) -> list[Path]:
    """What a learner opens, relative to the course root: the start page, lessons, exercises.

    >>> from mlteam_utils.paths import find_course_root
    >>> files = course_files(find_course_root())
    >>> Path("course/index.ipynb") in files and Path("lessons/01_how_ml_projects_differ.ipynb") in files
    True
    """
    found = []
    if (course_root / "course" / "index.ipynb").is_file():
        found.append(Path("course/index.ipynb"))
    for pattern in ("lessons/*.ipynb", "exercises/*/*"):
        for path in sorted(course_root.glob(pattern)):
            if path.is_file() and not path.is_symlink() and not path.name.endswith(OWN_FILES) and ".ipynb_checkpoints" not in path.parts:
                found.append(path.relative_to(course_root))
    return found


@dataclass
class WorkspaceReport:
    """What one sync did, by file (paths relative to the workspace)."""

    folder: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    replaced_with_backup: list[tuple[str, str]] = field(default_factory=list)  # (file, backup of the learner's copy)
    new_versions_beside: list[tuple[str, str]] = field(default_factory=list)  # (learner's exercise, new version)
    skipped: list[str] = field(default_factory=list)  # not a plain file in the workspace: left alone

    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} added")
        if self.updated:
            parts.append(f"{len(self.updated)} updated to the course's new version")
        lines = [f"{self.folder.name}/: " + (", ".join(parts) if parts else "up to date")]
        for name, backup in self.replaced_with_backup:
            lines.append(f"  {name}: updated to the course's new version; your copy is kept as {backup}")
        for name in self.skipped:
            lines.append(f"  {name}: not a plain file in {self.folder.name}/ (a link, folder or pipe); left as it is")
        for name, new in self.new_versions_beside:
            lines.append(f"  {name}: the course has a new version, written beside yours as {new}; your answers are untouched")
        return "\n".join(lines)


def _write_copy(source: Path, target: Path, transform: Callable[[str], str] | None = None) -> None:
    """Copy ``source`` to ``target`` atomically (a crash leaves the old file or the new one),
    through ``transform`` (text to text) when given."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        if transform is None:
            shutil.copyfile(source, temporary)
        else:
            Path(temporary).write_text(transform(source.read_text(encoding="utf-8")), encoding="utf-8")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _for_this_place(course_root: Path, relative: Path) -> Callable[[str], str] | None:
    """How a file's copy differs from the course's: on the hub, the start page's stored steps are the hub's."""
    if relative != Path("course/index.ipynb") or hub_course_id() is None:
        return None
    try:
        available = load_syllabus(course_root / "course" / "syllabus.toml").available_modules
        first = available[0].exercise_id if available else "exNN_…"
    except (OSError, SyllabusError):  # the page itself says what is wrong with the syllabus when it runs
        first = "exNN_…"
    return partial(hub_start_page, first_exercise=first)


def _stamped(path: Path, label: str, when: datetime) -> Path:
    return path.with_name(f"{path.stem}.{label}-{when:%Y%m%d-%H%M%S}{path.suffix}")


def sync_workspace(course_root: Path, folder: Path | None = None, now: datetime | None = None) -> WorkspaceReport:
    """Bring ``my-work/`` up to date with the course without losing anything the learner wrote."""
    course_root = Path(course_root)
    work = folder or course_root / WORK_FOLDER
    work.mkdir(exist_ok=True)
    manifest_path = work / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            manifest = {}
    except (OSError, ValueError):
        manifest = {}  # a lost or damaged manifest: every existing copy counts as the learner's
    when = now or datetime.now()
    report = WorkspaceReport(work)
    for relative in course_files(course_root):
        source, target, key = course_root / relative, work / relative, relative.as_posix()
        transform = _for_this_place(course_root, relative)
        write_copy = partial(_write_copy, transform=transform)
        source_digest = _digest(source)
        record = manifest.get(key) if isinstance(manifest.get(key), dict) else None
        if target.is_symlink() or (target.exists() and not target.is_file()):
            # A link, folder or named pipe where a notebook belongs: never read or replaced.
            report.skipped.append(key)
            continue
        if not target.exists():
            write_copy(source, target)
            report.added.append(key)
        elif record is not None and record.get("source") == source_digest:
            continue  # the course did not change this file
        elif _digest(target) == source_digest:
            pass  # already the new version (a copy made by hand, or a lost manifest)
        elif record is not None and record.get("copy") == _digest(target):
            write_copy(source, target)  # the learner never changed it
            report.updated.append(key)
        elif relative.parts[0] == "exercises":
            new = target.with_name(f"{target.stem}.new-version{target.suffix}")
            write_copy(source, new)
            report.new_versions_beside.append((key, new.relative_to(work).as_posix()))
            manifest[key] = {"source": source_digest, "copy": record.get("copy") if record else None}
            continue
        else:
            backup = _stamped(target, "before-update", when)
            os.replace(target, backup)
            write_copy(source, target)
            report.replaced_with_backup.append((key, backup.relative_to(work).as_posix()))
            report.updated.append(key)
        manifest[key] = {"source": source_digest, "copy": _digest(target)}
    handle, temporary = tempfile.mkstemp(dir=work, prefix=f".{MANIFEST}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(manifest, stream, indent=1, sort_keys=True)
    os.replace(temporary, manifest_path)
    return report
