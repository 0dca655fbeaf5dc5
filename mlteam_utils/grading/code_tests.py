"""Run a notebook's code-question tests in a fresh interpreter, on the learner's values as data.

The learner's kernel only hands over the values its test cells need (see
:mod:`mlteam_utils.grading.answer_values`). This module runs the instructor's
tests on them in a new Python process that no learner code has touched:

1. the locked setup cells of the *instructor's* notebook (data, constants) run;
2. each test cell gets a namespace of its own: the setup runs again for it, and
   only the values its key declares are rebuilt from what the kernel handed over
   and added. Any other name the kernel sent (the setup's data, a builtin, a
   name of another test) is dropped unread and reported in
   :attr:`CodeTestResult.ignored`, so expected values are always computed from the
   instructor's own setup, and a value the learner did not define meets a
   ``NameError`` rather than one left over from an earlier test;
3. the test's source, hidden tests included, runs; it passes when it raises
   nothing. Its printed text is kept (short); warnings and stderr cost nothing.

:func:`run_tests` hands each job to a *zygote*, started once per grading process
(in the grading sandbox when asked) as ``python -I -m mlteam_utils.grading.code_tests
--serve``: it imports pandas and the course's helpers once, then forks a fresh
child for every job, so no job sees another's data.

>>> handed = '{"schema": "mlteam-values/1", "values": {"answer": 2, "LIMIT": 2}, "missing": [], "problems": {}}'
>>> job = CodeTestJob(setup=["LIMIT = 3"], tests=[
...     CodeTest("q_shape", "assert isinstance(answer, int), 'answer should be a whole number'", ("answer",), handed),
...     CodeTest("q_value", "assert answer == LIMIT, 'answer is not right'", ("answer",), handed),
... ])
>>> [(r.grade_id, r.passed, r.message, r.ignored) for r in run_job(job).results]
[('q_shape', True, '', ('LIMIT',)), ('q_value', False, 'AssertionError: answer is not right', ('LIMIT',))]
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CodeTestsFailed", "JobResult", "CodeTest", "CodeTestJob", "CodeTestResult", "run_job", "run_tests"]

#: Printed text kept per test, in characters.
MAX_PRINTED = 2000
#: Longest error line kept per test.
MAX_MESSAGE = 300
#: Why a test of a question the learner left as released fails.
SKIPPED = "this question was not attempted (none of the names it asks for is defined), so it scores 0"


class CodeTestsFailed(RuntimeError):
    """The tests could not be run at all (an instructor's or the machine's problem, not the learner's)."""


@dataclass(frozen=True)
class CodeTest:
    """One test cell: its grade id, its source (hidden tests included), the names its key
    declares, and the values handed over (only the declared names among them are used)."""

    grade_id: str
    source: str
    names: tuple[str, ...]  # the values this test takes, as the instructor's key declares them
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
    ignored: tuple[str, ...] = ()  # names the kernel handed over that the key does not declare (dropped unread)


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
def _time_limit(seconds: float) -> Iterator[None]:
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


def _setup_namespace(job: CodeTestJob) -> tuple[dict[str, Any], str]:
    """A namespace holding only what the instructor's setup cells define, or why they failed."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    for index, source in enumerate(job.setup):
        error, _ = _run_quietly(source, namespace, f"<setup cell {index + 1}>", job.timeout)
        if error is not None:
            return namespace, f"setup cell {index + 1} failed: {_one_line(error)}"
    return namespace, ""


#: Undeclared names reported per test, and the longest name kept (they are the learner's text).
_MAX_IGNORED = 10
_MAX_NAME = 40


def _shown(names: Iterable[str]) -> tuple[str, ...]:
    kept = sorted(names)
    shown = [n if len(n) <= _MAX_NAME and n.isprintable() else repr(n)[:_MAX_NAME] + "…" for n in kept[:_MAX_IGNORED]]
    return (*shown, f"(+{len(kept) - _MAX_IGNORED} more)") if len(kept) > _MAX_IGNORED else tuple(shown)


def run_job(job: CodeTestJob) -> JobResult:
    """Run ``job`` in this process (the fresh interpreter) and return the results.

    Each test runs in a namespace of its own: the setup's names plus the values its
    key declares. What else the kernel sent is never decoded nor seen by a test.
    """
    from mlteam_utils.grading.answer_values import AnswerValueError, decode_values

    _, setup_error = _setup_namespace(job)
    if setup_error:
        return JobResult(setup_error=setup_error)
    outcome = JobResult()
    for test in job.tests:
        if test.problem or test.values is None:
            reason = test.problem or "your notebook handed over no answer for this check (did the cells above it run?)"
            outcome.results.append(CodeTestResult(test.grade_id, False, f"AnswerNotGradable: {reason}"))
            continue
        try:
            decoded = decode_values(test.values, names=test.names)
        except AnswerValueError as not_gradable:
            outcome.results.append(CodeTestResult(test.grade_id, False, f"AnswerNotGradable: {not_gradable}"))
            continue
        ignored = _shown(decoded.ignored)
        if decoded.problems:
            name, why = next(iter(sorted(decoded.problems.items())))
            outcome.results.append(CodeTestResult(test.grade_id, False, f"AnswerNotGradable: {name}: {why}", ignored=ignored))
            continue
        if not decoded.values:
            # An optional question left as released: 0 points, whatever the test's own code does.
            outcome.results.append(CodeTestResult(test.grade_id, False, f"NotAttempted: {SKIPPED}", ignored=ignored))
            continue
        namespace, setup_error = _setup_namespace(job)
        if setup_error:
            return JobResult(setup_error=setup_error)
        namespace.update(decoded.values)
        error, printed = _run_quietly(test.source, namespace, f"<test {test.grade_id}>", job.timeout)
        outcome.results.append(CodeTestResult(test.grade_id, error is None, "" if error is None else _one_line(error),
                                              printed[:MAX_PRINTED], ignored))
    return outcome


def _job_from_json(text: str) -> CodeTestJob:
    data = json.loads(text)
    return CodeTestJob(
        setup=[str(s) for s in data["setup"]],
        tests=[CodeTest(str(t["grade_id"]), str(t["source"]), tuple(str(n) for n in t["names"]), t.get("values"),
                        str(t.get("problem", ""))) for t in data["tests"]],
        timeout=float(data.get("timeout", 30.0)),
    )


# --- the zygote: a pristine interpreter that forks a fresh one for every job -------------
#
# Starting Python and importing pandas costs more than most tests. The zygote does it
# once, in the sandbox, and then only ever forks: each job runs in a new child, a copy
# of an interpreter that has imported modules and done nothing else, and exits with it.
# No job sees another's data, and no learner value ever reaches the zygote itself.

#: Modules every job needs, imported once by the zygote.
PRELOADED = ("numpy", "pandas", "mlteam_utils.grading.answer_values", "mlteam_utils.domain")
_HEADER = struct.Struct(">Q")
#: Largest job or result passed through the zygote's pipes.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def _read_exactly(stream: Any, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_message(stream: Any) -> bytes | None:
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ValueError(f"a message of {size} bytes is too large")
    return _read_exactly(stream, size)


def _write_message(stream: Any, data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _child_result(job_text: bytes) -> bytes:
    try:
        return json.dumps(asdict(run_job(_job_from_json(job_text.decode("utf-8"))))).encode()
    except BaseException as error:  # a malformed job: say so rather than die silently
        return json.dumps({"results": [], "setup_error": f"the job could not be read ({_one_line(error)})"}).encode()


def serve() -> None:
    """The zygote's loop: a job on stdin, a forked child runs it, its result on stdout; EOF ends it."""
    for module in PRELOADED:
        __import__(module)
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    while True:
        job_text = _read_message(requests)
        if job_text is None:
            return
        job = json.loads(job_text)
        limit = float(job.get("timeout", 30.0)) * (len(job.get("tests", [])) + len(job.get("setup", []))) + 30
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(reader)
            try:
                with os.fdopen(writer, "wb") as out:
                    out.write(_child_result(job_text))
            finally:
                os._exit(0)
        os.close(writer)
        result = _collect_child(child, reader, limit)
        _write_message(replies, result)


def _collect_child(child: int, reader: int, limit: float) -> bytes:
    import select
    import time

    deadline = time.monotonic() + limit
    chunks: list[bytes] = []
    with os.fdopen(reader, "rb", buffering=0) as stream:
        while True:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([stream], [], [], max(0.0, remaining))
            if not ready:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                return json.dumps({"results": [], "setup_error": f"the tests did not finish within {limit:.0f} s"}).encode()
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(child, 0)
    return b"".join(chunks) or json.dumps({"results": [], "setup_error": "the test process ended without a result"}).encode()


def main() -> None:
    """Entry point of ``python -m mlteam_utils.grading.code_tests --serve`` (the zygote)."""
    if sys.argv[1:] != ["--serve"]:
        raise SystemExit("usage: python -I -m mlteam_utils.grading.code_tests --serve (started by run_tests)")
    serve()


class _Zygote:
    """A running zygote process, for one sandbox configuration."""

    def __init__(self, sandbox: dict[str, Any] | None, python: str) -> None:
        self.folder = tempfile.mkdtemp(prefix="mlteam-tests-")
        command = [python, "-I", "-m", "mlteam_utils.grading.code_tests", "--serve"]
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NBGRADER_EXECUTION": "autograde",
                       "HOME": self.folder, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "LANG": "C.UTF-8",
                       "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        if sandbox is not None:
            from mlteam_utils.grading.sandbox import sandbox_command, sandbox_environment, sandbox_user_id

            user_id = sandbox_user_id(role=1)
            if user_id is not None:
                os.chown(self.folder, user_id, user_id)
                # bubblewrap enters it as root without capabilities before switching user.
                os.chmod(self.folder, 0o711)
            command = sandbox_command(command, workdir=Path(self.folder), connection_file=None, user_id=user_id, **sandbox)
            environment = sandbox_environment(environment)
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                            cwd=self.folder, env=environment)
        except OSError as error:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise CodeTestsFailed(f"the test process could not start: {error}") from None

    def run(self, payload: bytes, limit: float) -> bytes:
        import select

        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            _write_message(self.process.stdin, payload)
            ready, _, _ = select.select([self.process.stdout], [], [], limit)
            if not ready:
                raise CodeTestsFailed(f"the tests did not finish within {limit:.0f} s")
            result = _read_message(self.process.stdout)
        except (OSError, ValueError) as error:
            raise CodeTestsFailed(f"the test process failed: {error}") from None
        if result is None:
            raise CodeTestsFailed(f"the test process ended (exit code {self.process.poll()})")
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_ZYGOTES: dict[str, _Zygote] = {}


@atexit.register
def _close_zygotes() -> None:
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].close()


def _zygote_for(sandbox: dict[str, Any] | None, python: str) -> _Zygote:
    key = json.dumps([python, sandbox], sort_keys=True, default=str)
    zygote = _ZYGOTES.get(key)
    if zygote is None or zygote.process.poll() is not None:
        if zygote is not None:
            zygote.close()  # it ended (killed by a test's limit): remove its folder before starting anew
        zygote = _ZYGOTES[key] = _Zygote(sandbox, python)
    return zygote


def warm_up(*, sandbox: dict[str, Any] | None = None, python: str | None = None) -> None:
    """Start the zygote :func:`run_tests` will use, so that its imports overlap other work.

    ``selfgrade`` calls it before the learner's notebook runs: pandas imports in the
    zygote while the kernel executes the cells. A later :func:`run_tests` with the same
    ``sandbox`` and ``python`` uses this zygote.
    """
    _zygote_for(sandbox, python or sys.executable)


def run_tests(
    job: CodeTestJob,
    *,
    sandbox: dict[str, Any] | None = None,
    python: str | None = None,
) -> JobResult:
    """Run ``job`` in a fresh interpreter (a child of the zygote); in the grading sandbox when ``sandbox`` is given.

    ``sandbox`` holds :func:`mlteam_utils.grading.sandbox.sandbox_command`'s keyword
    arguments besides the command and working folder (``limits``, ``hidden``). Raises :class:`CodeTestsFailed` when the tests cannot be run; the
    next call then starts a new zygote.
    """
    python = python or sys.executable
    key = json.dumps([python, sandbox], sort_keys=True, default=str)
    zygote = _zygote_for(sandbox, python)
    payload = json.dumps({"setup": job.setup, "tests": [asdict(t) for t in job.tests], "timeout": job.timeout}).encode()
    limit = job.timeout * (len(job.tests) + len(job.setup)) + 60
    try:
        text = zygote.run(payload, limit)
    except CodeTestsFailed:
        _ZYGOTES.pop(key, None)
        zygote.close()
        raise
    try:
        data = json.loads(text)
        results = [CodeTestResult(**{**r, "ignored": tuple(r.get("ignored", ()))}) for r in data["results"]]
        return JobResult(results, str(data.get("setup_error", "")))
    except (ValueError, KeyError, TypeError) as error:
        raise CodeTestsFailed(f"the test process gave no readable result ({error})") from None


if __name__ == "__main__":
    main()
