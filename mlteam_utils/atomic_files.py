"""Replace a file in one step, so a reader or a crash sees the old content or the new, never half.

The data goes to a hidden temporary file in the same folder (``.<name>.<random>.tmp``),
which then takes the file's place with ``os.replace``, atomic on one file system.
The widgets' answers file (:mod:`mlteam_utils.answers`) and the grade exports
(:mod:`mlteam_utils.reports.export`) are written this way.

>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "grades.csv"
>>> write_atomically(path, b"student_id,total\\n")
>>> path.read_bytes()
b'student_id,total\\n'
>>> sorted(p.name for p in path.parent.iterdir())
['grades.csv']
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["TEMPORARY_SUFFIX", "temporary_glob", "write_atomically"]

TEMPORARY_SUFFIX = ".tmp"


def temporary_glob(path: Path) -> str:
    """The glob, relative to ``path``'s folder, that matches the temporary files of ``path``.

    >>> temporary_glob(Path("/course/ex01_demo.answers.json"))
    '.ex01_demo.answers.json.*.tmp'
    """
    return f".{path.name}.*{TEMPORARY_SUFFIX}"


def write_atomically(path: Path, data: bytes, *, durable: bool = False, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename it into place.

    On any failure (a full disk, an interrupt) the temporary file is removed and
    ``path`` is left as it was. The file gets ``mode`` whatever the umask
    (default: readable by all; ``mkstemp`` alone would give ``0o600``).
    With ``durable``, the data and then the rename are flushed to disk
    (``fsync``), so that a power cut right after the call loses nothing: for
    files that cannot be made again, such as a learner's answers.

    The folder must exist.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        # The rename is only durable once the folder's entry is on disk (POSIX);
        # where a folder cannot be opened or synced (Windows), the data still is.
        with contextlib.suppress(OSError, AttributeError):
            directory_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory_fd)
            finally:
                os.close(directory_fd)
