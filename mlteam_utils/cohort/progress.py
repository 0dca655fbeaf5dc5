"""A one-line progress bar with an estimated time left, for long grading runs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss``.

    >>> format_duration(75)
    '1:15'
    >>> format_duration(3725.4)
    '1:02:05'
    """
    seconds = int(round(max(seconds, 0)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def estimate_left(elapsed: float, done: int, total: int) -> float | None:
    """Seconds left at the pace so far, or None before the first result.

    >>> estimate_left(30.0, 10, 40)
    90.0
    >>> estimate_left(5.0, 0, 40) is None
    True
    """
    if done <= 0:
        return None
    return elapsed / done * max(total - done, 0)


def render(done: int, total: int, failed: int, elapsed: float, width: int = 24) -> str:
    """The progress line's text.

    >>> render(5, 20, 1, 10.0, width=10)
    '[##........]  5/20 done, 1 failed, 0:10 elapsed, ~0:30 left'
    >>> render(0, 3, 0, 1.0, width=4)
    '[....] 0/3 done, 0 failed, 0:01 elapsed, ~? left'
    """
    filled = int(width * done / total) if total else width
    left = estimate_left(elapsed, done, total)
    eta = "?" if left is None else format_duration(left)
    count = f"{done:>{len(str(total))}}/{total}"
    return f"[{'#' * filled}{'.' * (width - filled)}] {count} done, {failed} failed, {format_duration(elapsed)} elapsed, ~{eta} left"


class ProgressLine:
    """Redraws one line on a terminal; prints a line per tenth of the work elsewhere."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_tenth = -1
        self._open_line = False

    def update(self, done: int, failed: int) -> None:
        line = render(done, self.total, failed, time.monotonic() - self.started)
        if self._interactive:
            self._open_line = done < self.total
            self.stream.write("\r" + line + ("" if self._open_line else "\n"))
        else:
            tenth = done * 10 // self.total if self.total else 10
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End an unfinished line (after an interruption) so later output starts clean."""
        if self._interactive and self._open_line:
            self._open_line = False
            self.stream.write("\n")
            self.stream.flush()
