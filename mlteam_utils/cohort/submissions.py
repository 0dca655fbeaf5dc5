"""Find the submissions in ``course/submitted`` and fingerprint them.

nbgrader keeps one folder per learner and assignment:
``course/submitted/<student>/<assignment>/``. A fingerprint of everything in such
a folder tells a rerun of ``mlteam-course grade`` whether the learner has handed
in something new since the last grading.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: nbgrader's own ids are folder names; anything else is not a submission.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
#: Files bigger than this are fingerprinted by size and mtime only (a learner's
#: megabytes of output must not make every rerun slow).
_HASH_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Submission:
    """One learner's hand-in of one assignment.

    >>> Submission("ada", "ex01_intro", Path("/c/course/submitted/ada/ex01_intro")).label
    'ada/ex01_intro'
    """

    student: str
    assignment: str
    folder: Path

    @property
    def label(self) -> str:
        return f"{self.student}/{self.assignment}"


def find_submissions(submitted_root: Path, assignments: Sequence[str] | None = None) -> list[Submission]:
    """Every ``<student>/<assignment>`` folder under ``submitted_root``, sorted.

    ``assignments`` restricts the result; folder names that cannot be nbgrader ids
    (hidden folders, checkpoints) are ignored.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for folder in ("ada/ex01_a", "ada/ex02_b", "bob/ex01_a", ".ipynb_checkpoints/x"):
    ...     (root / folder).mkdir(parents=True)
    >>> [s.label for s in find_submissions(root)]
    ['ada/ex01_a', 'ada/ex02_b', 'bob/ex01_a']
    >>> [s.label for s in find_submissions(root, ["ex01_a"])]
    ['ada/ex01_a', 'bob/ex01_a']
    """
    if not submitted_root.is_dir():
        return []
    wanted = set(assignments or ())
    found = []
    for student_folder in submitted_root.iterdir():
        if not (student_folder.is_dir() and _ID.match(student_folder.name)):
            continue
        for folder in student_folder.iterdir():
            if folder.is_dir() and _ID.match(folder.name) and (not wanted or folder.name in wanted):
                found.append(Submission(student_folder.name, folder.name, folder))
    return sorted(found)


def _files(folder: Path) -> Iterable[Path]:
    for directory, subfolders, files in os.walk(folder, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if d != ".ipynb_checkpoints")
        for name in sorted(files):
            yield Path(directory) / name


def fingerprint(folder: Path) -> str:
    """A digest of the names and contents of every file under ``folder``.

    Symbolic links are fingerprinted by their target's text, not followed, so a
    link pointing outside the submission is neither read nor trusted.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.ipynb").write_text("{}")
    >>> before = fingerprint(folder)
    >>> before == fingerprint(folder)
    True
    >>> _ = (folder / "a.ipynb").write_text("{ }")
    >>> before == fingerprint(folder)
    False
    """
    digest = hashlib.sha256()
    for path in _files(folder):
        relative = path.relative_to(folder).as_posix()
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
            continue
        stat = path.stat()
        if stat.st_size > _HASH_LIMIT:
            digest.update(f"big:{stat.st_size}:{stat.st_mtime_ns}".encode())
            continue
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()
