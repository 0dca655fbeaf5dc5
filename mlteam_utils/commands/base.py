"""What every subcommand shares: the error wrapper and the course it works on."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Handler", "Subcommand", "course_root", "error_class", "reapply_late_penalties", "subcommand"]

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Subcommand:
    r"""A subcommand's handler, and the errors that end it with one line on stderr.

    ``usage`` errors (asked for something the course does not have) exit with
    status 2, ``failures`` with status 1; ``usage`` is checked first, since its
    errors may subclass a failure. Each is named ``"module:Class"`` and imported
    only once the handler has failed, so that ``--help`` and every other
    subcommand load none of them. The line reads ``mlteam-course NAME: ERROR``,
    with ``context(args) + ": "`` before the error when given. With
    ``interruptible``, Ctrl-C prints the partial summary the interrupt carries
    (its ``summary``, if any) and exits with 130. Anything else, and a course
    that cannot be found, goes on to :func:`mlteam_utils.cli.main`. A subcommand that
    ``keeps_learners_out`` writes learners' work, grades or keys into the course:
    it runs with a umask that leaves other users nothing (:mod:`mlteam_utils.file_modes`).

    >>> def lookup(args):
    ...     return {"ex01": 0}[args.assignment]
    >>> command = Subcommand("demo", lookup, usage=("builtins:KeyError",))
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as stderr:
    ...     status = command(argparse.Namespace(assignment="ex99"))
    >>> status, stderr.getvalue()
    (2, "mlteam-course demo: 'ex99'\n")
    >>> command(argparse.Namespace(assignment="ex01"))
    0
    """

    name: str
    handler: Handler
    usage: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    context: Callable[[argparse.Namespace], str] | None = None
    interruptible: bool = False
    keeps_learners_out: bool = False

    def __call__(self, args: argparse.Namespace) -> int:
        if not self.keeps_learners_out:
            return self._run(args)
        import os

        from mlteam_utils.file_modes import keep_learners_out

        previous = keep_learners_out()
        try:
            return self._run(args)
        finally:
            os.umask(previous)  # called in-process (tests, a notebook): the caller's umask comes back

    def _run(self, args: argparse.Namespace) -> int:
        try:
            return self.handler(args)
        except KeyboardInterrupt as interrupt:
            if not self.interruptible:
                raise
            summary = getattr(interrupt, "summary", None)
            if summary is not None:
                print(summary.as_text())
            print(f"mlteam-course {self.name}: interrupted", file=sys.stderr)
            return 130
        except Exception as error:
            status = self.status_for(error)
            if status is None:
                raise
            where = f"{self.context(args)}: " if self.context is not None else ""
            print(f"mlteam-course {self.name}: {where}{error}", file=sys.stderr)
            return status

    def status_for(self, error: Exception) -> int | None:
        """The exit status ``error`` ends this subcommand with, or None when it is not one of its errors."""
        from mlteam_utils.paths import CourseNotFoundError

        if isinstance(error, CourseNotFoundError):  # an OSError, but main() reports it for every subcommand
            return None
        for status, names in ((2, self.usage), (1, self.failures)):
            if isinstance(error, tuple(error_class(name) for name in names)):
                return status
        return None


def error_class(name: str) -> type[BaseException]:
    """The exception class named ``"module:Class"``.

    >>> error_class("mlteam_utils.paths:CourseNotFoundError").__name__
    'CourseNotFoundError'
    """
    module, _, attribute = name.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise TypeError(f"{name} is not an exception class")
    return found


def subcommand(
    name: str,
    *,
    usage: Sequence[str] = (),
    failures: Sequence[str] = (),
    context: Callable[[argparse.Namespace], str] | None = None,
    interruptible: bool = False,
    keeps_learners_out: bool = False,
) -> Callable[[Handler], Subcommand]:
    """Make a handler a :class:`Subcommand` (a decorator).

    >>> @subcommand("demo")
    ... def run(args):
    ...     return 0
    >>> run.name, run(argparse.Namespace())
    ('demo', 0)
    """

    def wrap(handler: Handler) -> Subcommand:
        return Subcommand(name, handler, tuple(usage), tuple(failures), context, interruptible, keeps_learners_out)

    return wrap


def course_root(args: argparse.Namespace) -> Path:
    """The course the command works on: ``--course-root``, else found from the current folder upwards."""
    from mlteam_utils.paths import find_course_root

    return find_course_root(args.course_root)


def reapply_late_penalties(root: Path, graded_now: Sequence[tuple[str, str]] = ()) -> None:
    """Before a command reads scores: each late notebook's penalty recomputed on its current score
    (a hand grade given after autograding would otherwise lift the penalty)."""
    from mlteam_utils.cohort.late_penalties import report_reapplied

    for line in report_reapplied(root, graded_now):
        print(line)
