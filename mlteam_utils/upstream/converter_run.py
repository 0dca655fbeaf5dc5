"""Run an nbgrader converter and keep what went wrong as exceptions, not only as log text.

nbgrader's converters catch most errors themselves: ``BaseConverter.convert_notebooks``
(0.9.x) wraps each submission in ``try``/``except Exception``, logs "There was an error
processing assignment" and the traceback with ``self.log.error`` *inside* the ``except``
block, and only then raises an ``NbGraderException`` that says "Please see the error
log". nbgrader's own ``capture_log`` keeps the text of all that; the exception objects
are gone. :func:`run_converter` runs the converter the same way and also records, for
every error logged while an exception was being handled, that exception
(``sys.exc_info()`` in the logging handler), plus the one ``start()`` raised. Callers
then tell conditions apart by exception type (:mod:`.kernel_start`,
:mod:`.changed_assignment`), and :func:`failure_reason` names the exception that stopped a
submission instead of searching the log's text for one.

The log is formatted as ``capture_log`` formats it (``[LEVEL] message``). The contract
tests run a real ``Autograde`` on a broken notebook and check that the exception is
recorded and that nbgrader's generic messages are the ones in :data:`GENERIC_ERRORS`.

>>> import logging
>>> class Broken:
...     log = logging.getLogger("doctest.converter")
...     def start(self):
...         try:
...             {}["cell"]
...         except KeyError:
...             self.log.error("There was an error processing assignment: /c/ada")
...         raise RuntimeError("Please see the error log")
>>> run = run_converter(Broken())
>>> run.success, [type(error).__name__ for error in run.exceptions]
(False, ['KeyError', 'RuntimeError'])
>>> print(run.log.strip())
[ERROR] There was an error processing assignment: /c/ada
>>> failure_reason(run)
"KeyError: 'cell'"
"""

from __future__ import annotations

import io
import logging
import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GENERIC_ERRORS", "ConverterRun", "describe_exception", "failure_reason", "run_converter"]

#: nbgrader's own error lines that say only "something failed" (lower case; pinned by a contract test).
GENERIC_ERRORS = (
    "please see the error log",
    "there was an error processing",
    "removing failed assignment",
    "above traceback for details on the specific errors",  # nbgrader 0.9.x says "Please see the the above traceback"
)

_LOG_LINE = re.compile(r"^\[(?P<level>[A-Z]+)\]\s*(?P<text>.*)$")


@dataclass
class ConverterRun:
    """What running a converter gave: success, its log, the traceback it raised, and every exception seen."""

    success: bool
    log: str = ""
    error: str = ""
    #: Exceptions nbgrader caught and logged as errors, then the one ``start()`` raised (oldest first, each once).
    exceptions: list[BaseException] = field(default_factory=list)


class _Recorder(logging.Handler):
    """Formats records as ``capture_log`` does, and keeps the exception being handled when an error is logged."""

    def __init__(self, buffer: io.StringIO) -> None:
        super().__init__(logging.DEBUG)
        self.buffer = buffer
        self.exceptions: list[BaseException] = []
        self.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.buffer.write(self.format(record) + "\n")
        current = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if record.levelno >= logging.ERROR and current is not None and all(current is not e for e in self.exceptions):
            self.exceptions.append(current)


def run_converter(converter: Any) -> ConverterRun:
    """``converter.start()``, with its log captured (as nbgrader's ``capture_log``) and its exceptions kept."""
    buffer = io.StringIO()
    recorder = _Recorder(buffer)
    converter.log.addHandler(recorder)
    try:
        converter.start()
    except BaseException as error:  # anything start() raises is the result, as capture_log's bare except has it
        if all(error is not seen for seen in recorder.exceptions):
            recorder.exceptions.append(error)
        return ConverterRun(False, buffer.getvalue(), traceback.format_exc(), recorder.exceptions)
    finally:
        converter.log.removeHandler(recorder)
    return ConverterRun(True, buffer.getvalue(), "", recorder.exceptions)


def describe_exception(error: BaseException) -> str:
    """``Name: first line of the message``, as a traceback's last line names it.

    >>> describe_exception(ValueError("bad\\nvalue"))
    'ValueError: bad'
    >>> describe_exception(KeyError("a"))
    "KeyError: 'a'"
    """
    text = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_reason(run: ConverterRun) -> str:
    """One line saying why the converter could not do its work.

    The last exception nbgrader caught and logged (what stopped the submission); else
    nbgrader's first specific ``[ERROR]`` message (one it logs before raising, e.g.
    "No notebooks found"); else the exception ``start()`` raised.

    >>> failure_reason(ConverterRun(False, "[ERROR] No notebooks found, did you forget to run 'nbgrader generate_assignment'?"))
    "No notebooks found, did you forget to run 'nbgrader generate_assignment'?"
    >>> failure_reason(ConverterRun(False, "", "", [KeyError("a")]))
    "KeyError: 'a'"
    >>> failure_reason(ConverterRun(False))
    'nbgrader gave no reason'
    """
    caught = run.exceptions[:-1] if not run.success and run.error else run.exceptions
    if caught:
        return _shorten(describe_exception(caught[-1]))
    for line in run.log.splitlines():
        match = _LOG_LINE.match(line.strip())
        if match and match.group("level") in ("ERROR", "CRITICAL"):
            text = match.group("text").strip()
            if text and not text.startswith("Traceback") and not any(generic in text.lower() for generic in GENERIC_ERRORS):
                return _shorten(text)
    if run.exceptions:
        return _shorten(describe_exception(run.exceptions[-1]))
    lines = [line.strip() for line in run.error.strip().splitlines() if line.strip()]
    return _shorten(lines[-1]) if lines else "nbgrader gave no reason"
