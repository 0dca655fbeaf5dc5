"""Run a notebook's code-question tests in a fresh interpreter, on the learner's values as data.

The learner's kernel only hands over the values its test cells need (see
:mod:`mlteam_utils.grading.answer_values`). This module runs the instructor's
tests on them in a new Python process that no learner code has touched:

1. the locked setup cells of the *instructor's* notebook (data, constants) run;
2. for each test cell, in notebook order, the values the kernel handed over at
   that point are rebuilt from data and put in the namespace; values the learner
   did not define are removed, so the test meets a ``NameError`` rather than a
   value left over from an earlier test;
3. the test's source, hidden tests included, runs; it passes when it raises
   nothing. Its printed text is kept (short); warnings and stderr cost nothing.

The process reads one JSON job on stdin and writes one JSON result on stdout::

    python -I -m mlteam_utils.grading.code_tests < job.json

:func:`run_tests` starts it, in the grading sandbox when asked.

>>> job = CodeTestJob(setup=["LIMIT = 3"], tests=[
...     CodeTest("q_shape", "assert isinstance(answer, int), 'answer should be a whole number'", '{"schema": "mlteam-values/1", "values": {"answer": 2}, "missing": [], "problems": {}}'),
...     CodeTest("q_value", "assert answer == LIMIT, 'answer is not right'", '{"schema": "mlteam-values/1", "values": {"answer": 2}, "missing": [], "problems": {}}'),
... ])
>>> [(r.grade_id, r.passed, r.message) for r in run_job(job).results]
[('q_shape', True, ''), ('q_value', False, 'AssertionError: answer is not right')]
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CodeTestsFailed", "JobResult", "CodeTest", "CodeTestJob", "CodeTestResult", "run_job", "run_tests"]

#: Printed text kept per test, in characters.
MAX_PRINTED = 2000
#: Longest error line kept per test.
MAX_MESSAGE = 300


class CodeTestsFailed(RuntimeError):
    """The tests could not be run at all (an instructor's or the machine's problem, not the learner's)."""


@dataclass(frozen=True)
class CodeTest:
    """One test cell: its grade id, its source (hidden tests included) and the values handed over."""

    grade_id: str
    source: str
    values: str | None  # the JSON the kernel handed over, or None when it handed over nothing
    problem: str = ""  # why the values are unusable, found before the run (e.g. too large)


@dataclass(frozen=True)
class CodeTestJob:
    setup: list[str]
    tests: list[CodeTest]
    timeout: float = 30.0  # seconds per test


@dataclass(frozen=True)
class CodeTestResult:
    grade_id: str
    passed: bool
    message: str = ""  # "ErrorName: text", one line, when it failed
    printed: str = ""


@dataclass
class JobResult:
    results: list[CodeTestResult] = field(default_factory=list)
    setup_error: str = ""


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


class _TestTimeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float):  # type: ignore[no-untyped-def]
    """Raise :class:`_TestTimeout` after ``seconds`` (main thread, POSIX only)."""
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(*_: Any) -> None:
        raise _TestTimeout(f"the test took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_quietly(source: str, namespace: dict[str, Any], name: str, timeout: float) -> tuple[BaseException | None, str]:
    printed = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            with _time_limit(timeout):
                exec(compile(source, name, "exec"), namespace)  # noqa: S102 -- the instructor's own test code
        except BaseException as error:  # a test may raise anything, SystemExit included
            return error, printed.getvalue()
    return None, printed.getvalue()


def run_job(job: CodeTestJob) -> JobResult:
    """Run ``job`` in this process (the fresh interpreter) and return the results."""
    from mlteam_utils.grading.answer_values import AnswerValueError, decode_values

    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    for index, source in enumerate(job.setup):
        error, _ = _run_quietly(source, namespace, f"<setup cell {index + 1}>", job.timeout)
        if error is not None:
            return JobResult(setup_error=f"setup cell {index + 1} failed: {_one_line(error)}")
    outcome = JobResult()
    for test in job.tests:
        if test.problem or test.values is None:
            reason = test.problem or "your notebook handed over no answer for this check (did the cells above it run?)"
            outcome.results.append(CodeTestResult(test.grade_id, False, f"AnswerNotGradable: {reason}"))
            continue
        try:
            decoded = decode_values(test.values)
        except AnswerValueError as error:
            outcome.results.append(CodeTestResult(test.grade_id, False, f"AnswerNotGradable: {error}"))
            continue
        if decoded.problems:
            name, why = next(iter(sorted(decoded.problems.items())))
            outcome.results.append(CodeTestResult(test.grade_id, False, f"AnswerNotGradable: {name}: {why}"))
            continue
        for name in decoded.missing:
            namespace.pop(name, None)
        namespace.update(decoded.values)
        error, printed = _run_quietly(test.source, namespace, f"<test {test.grade_id}>", job.timeout)
        outcome.results.append(CodeTestResult(test.grade_id, error is None, "" if error is None else _one_line(error), printed[:MAX_PRINTED]))
    return outcome


def _job_from_json(text: str) -> CodeTestJob:
    data = json.loads(text)
    return CodeTestJob(
        setup=[str(s) for s in data["setup"]],
        tests=[CodeTest(str(t["grade_id"]), str(t["source"]), t.get("values"), str(t.get("problem", ""))) for t in data["tests"]],
        timeout=float(data.get("timeout", 30.0)),
    )


def main() -> None:
    """Entry point of the fresh interpreter: a job on stdin, the result on stdout."""
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    job = _job_from_json(sys.stdin.read())
    result = run_job(job)
    result_stream.write(json.dumps(asdict(result)))
    result_stream.flush()


def run_tests(
    job: CodeTestJob,
    *,
    sandbox: dict[str, Any] | None = None,
    python: str | None = None,
) -> JobResult:
    """Run ``job`` in a new Python process; in the grading sandbox when ``sandbox`` is given.

    ``sandbox`` holds :func:`mlteam_utils.grading.sandbox.sandbox_command`'s keyword
    arguments besides the command and working folder (``course_root``, ``limits``,
    ``hidden``). Raises :class:`CodeTestsFailed` when the process cannot run the job.
    """
    python = python or sys.executable
    command = [python, "-I", "-m", "mlteam_utils.grading.code_tests"]
    payload = json.dumps({"setup": job.setup, "tests": [asdict(t) for t in job.tests], "timeout": job.timeout})
    limit = job.timeout * (len(job.tests) + len(job.setup)) + 60
    with tempfile.TemporaryDirectory(prefix="mlteam-tests-") as folder:
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NBGRADER_EXECUTION": "autograde",
                       "HOME": folder, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "LANG": "C.UTF-8"}
        if sandbox is not None:
            from mlteam_utils.grading.sandbox import sandbox_command, sandbox_environment, sandbox_user_id

            user_id = sandbox_user_id()
            if user_id is not None:
                os.chown(folder, user_id, user_id)
                # bubblewrap enters it as root without capabilities before switching user.
                os.chmod(folder, 0o711)
            command = sandbox_command(command, workdir=Path(folder), connection_file=None, user_id=user_id, **sandbox)
            environment = sandbox_environment(environment)
        try:
            completed = subprocess.run(
                command, input=payload, capture_output=True, text=True, cwd=folder, env=environment, timeout=limit, check=False
            )
        except subprocess.TimeoutExpired:
            raise CodeTestsFailed(f"the tests did not finish within {limit:.0f} s") from None
        except OSError as error:
            raise CodeTestsFailed(f"the test process could not start: {error}") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no message"])[-1]
        raise CodeTestsFailed(f"the test process failed (exit code {completed.returncode}): {last}")
    try:
        data = json.loads(completed.stdout)
        return JobResult([CodeTestResult(**r) for r in data["results"]], str(data.get("setup_error", "")))
    except (ValueError, KeyError, TypeError) as error:
        raise CodeTestsFailed(f"the test process gave no readable result ({error})") from None


if __name__ == "__main__":
    main()
