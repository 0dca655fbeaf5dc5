"""Copy what a learner handed in, or left behind, without trusting any of it.

Learner code can leave symbolic links, hard links to other files, named pipes
(FIFOs), sockets and device nodes wherever it may write. A grader that opens,
copies or chmods such an entry as the grading user follows it: a link named
like the learner's notebook makes the grader overwrite the gradebook, a FIFO
makes it wait forever. Everything here looks at an entry with ``lstat`` first,
opens regular files with ``O_NOFOLLOW | O_NONBLOCK`` and checks the opened file
again with ``fstat``, so no path can be swapped in between.

>>> import tempfile
>>> source, target = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()) / "copy"
>>> _ = (source / "ex.ipynb").write_text("{}")
>>> os.mkfifo(source / "pipe")
>>> (source / "link.ipynb").symlink_to("/etc/passwd")
>>> report = stage_tree(source, target)
>>> report.copied
['ex.ipynb']
>>> [f"{entry.path}: {entry.why}" for entry in report.dropped]
['link.ipynb: a symbolic link', 'pipe: a named pipe (FIFO)']
>>> sorted(p.name for p in target.iterdir())
['ex.ipynb']
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DroppedEntry",
    "StagingReport",
    "UnsafeEntry",
    "describe_entry",
    "open_regular_file",
    "printable",
    "read_regular_file",
    "stage_tree",
    "walk_entries",
]

#: Largest single file the grader copies out of a submission.
MAX_FILE_BYTES = 256 * 1024 * 1024


class UnsafeEntry(OSError):
    """An entry that is not a plain, singly linked regular file (or is too big)."""


def printable(name: str, limit: int = 120) -> str:
    r"""A learner-chosen name made safe to print: control characters (terminal escapes) shown as codes.

    >>> print(printable("notes\x1b[2J.txt"))
    notes\x1b[2J.txt
    >>> len(printable("x" * 500))
    120
    """
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True)
class DroppedEntry:
    """An entry that was not copied, and why, in a few words for the instructor."""

    path: str
    why: str


@dataclass
class StagingReport:
    """What :func:`stage_tree` copied and what it left behind."""

    copied: list[str] = field(default_factory=list)
    dropped: list[DroppedEntry] = field(default_factory=list)

    def dropped_text(self) -> str:
        """One line naming the dropped entries, or an empty string.

        >>> StagingReport(dropped=[DroppedEntry("x", "a symbolic link")]).dropped_text()
        'not graded: x (a symbolic link)'
        """
        if not self.dropped:
            return ""
        return "not graded: " + ", ".join(f"{printable(entry.path)} ({entry.why})" for entry in self.dropped)


def describe_entry(info: os.stat_result) -> str | None:
    """Why an entry with this ``lstat`` result is unsafe to open, or None for a plain file or folder.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> describe_entry(os.lstat(folder)) is None
    True
    >>> (folder / "a").write_text("x") and None
    >>> os.link(folder / "a", folder / "b")
    >>> describe_entry(os.lstat(folder / "b"))
    'a hard link to another file'
    """
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if info.st_nlink > 1:
        # A second name for a file elsewhere (the gradebook, another learner's work):
        # copying or chmodding it would read or change that file.
        return "a hard link to another file"
    return None


def open_regular_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> int:
    """A read-only descriptor of ``path``, only if it is a plain regular file.

    Raises :class:`UnsafeEntry` for links, FIFOs, sockets, devices, hard links and
    files over ``max_bytes``; never blocks on a FIFO.

    >>> open_regular_file(Path("/dev/null"))
    Traceback (most recent call last):
    ...
    mlteam_utils.safe_files.UnsafeEntry: /dev/null is a device file
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeEntry(f"{path} is a symbolic link") from None
        raise
    try:
        info = os.fstat(descriptor)
        why = describe_entry(info) or ("a folder" if stat.S_ISDIR(info.st_mode) else None)
        if why is None and info.st_size > max_bytes:
            why = f"larger than {max_bytes // (1024 * 1024)} MB"
        if why is not None:
            raise UnsafeEntry(f"{path} is {why}")
        os.set_blocking(descriptor, True)
        return descriptor
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a plain regular file (see :func:`open_regular_file`).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("hello")
    >>> read_regular_file(path)
    b'hello'
    """
    descriptor = open_regular_file(path, max_bytes)
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafeEntry(f"{path} is larger than {max_bytes // (1024 * 1024)} MB")
    return data


def walk_entries(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under ``root`` (relative POSIX path, ``lstat`` result), sorted, never following links.

    Folders are yielded before their contents; unreadable folders are skipped.
    """

    def walk(folder: Path, prefix: str) -> Iterator[tuple[str, os.stat_result]]:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for name in names:
            path = folder / name
            try:
                info = os.lstat(path)
            except OSError:
                continue
            relative = f"{prefix}{name}"
            yield relative, info
            if stat.S_ISDIR(info.st_mode):
                yield from walk(path, relative + "/")

    yield from walk(Path(root), "")


def stage_tree(
    source: Path,
    destination: Path,
    keep: Callable[[str, bool], bool] = lambda relative, is_folder: True,
    *,
    mode: int = 0o644,
    max_bytes: int = MAX_FILE_BYTES,
) -> StagingReport:
    """Copy the plain files and folders of ``source`` that ``keep`` accepts into ``destination``.

    ``keep(relative_path, is_folder)`` decides what the grader uses; what it refuses
    is left out silently (the caller knows why). Every unsafe entry (see
    :func:`describe_entry`) is dropped and reported, never opened. Copies get
    ``mode`` and belong to the caller.
    """
    destination.mkdir(parents=True, exist_ok=True)
    report = StagingReport()
    skipped_folders: list[str] = []
    for relative, info in walk_entries(source):
        if any(relative.startswith(folder + "/") for folder in skipped_folders):
            continue
        why = describe_entry(info)
        is_folder = stat.S_ISDIR(info.st_mode)
        if why is not None:
            report.dropped.append(DroppedEntry(relative, why))
            continue
        if not keep(relative, is_folder):
            if is_folder:
                skipped_folders.append(relative)
            continue
        target = destination / relative
        if is_folder:
            target.mkdir(exist_ok=True)
            continue
        try:
            descriptor = open_regular_file(source / relative, max_bytes)
        except UnsafeEntry as error:  # swapped since the lstat above, or too big
            report.dropped.append(DroppedEntry(relative, str(error).rpartition(" is ")[2]))
            continue
        except OSError as error:
            report.dropped.append(DroppedEntry(relative, f"unreadable ({error.strerror})"))
            continue
        with os.fdopen(descriptor, "rb") as reader:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with os.fdopen(os.open(target, flags, mode), "wb") as writer:
                while block := reader.read(1 << 20):
                    writer.write(block)
        report.copied.append(relative)
    return report
