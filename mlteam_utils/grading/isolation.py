"""Grading kernels that cannot read the answers: nbgrader's Execute step in a sandbox.

nbgrader's ``Execute`` preprocessor starts a Jupyter kernel with the submission's
autograded folder as working directory. :class:`IsolatedExecute` starts it from a
kernelspec that names this package's kernel provisioner
(:class:`mlteam_utils.grading.provisioner.SandboxProvisioner`, jupyter_client's
public extension point for how a kernel is launched), which wraps the kernel
command in bubblewrap (see :mod:`mlteam_utils.grading.sandbox`): the learner's
code, and every process it starts, sees only the system, Python and
``mlteam_utils`` read-only and its own folder read-write; ``solutions/``, the
gradebook, other submissions and the instructor's home are not there, and memory,
CPU time, file size and process count are capped.

Use it from Python (``NbGraderAPI(config=...)``) or nbgrader's command line::

    from mlteam_utils.grading.isolation import nbgrader_isolation_args, nbgrader_isolation_config
    config = nbgrader_isolation_config(course_root)            # a traitlets Config
    run_nbgrader(course_root, "autograde", "ex01", *nbgrader_isolation_args(course_root))

>>> status = isolation_status()
>>> status.method in {"bubblewrap", "none"}
True
>>> isinstance(status.reason, str) and bool(status.reason)
True
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager
from nbgrader.preprocessors import Execute
from traitlets import Enum, Integer
from traitlets.config import Config

from mlteam_utils.grading.isolation_check import (
    NO_ISOLATION_HINT,
    IsolationStatus,
    IsolationUnavailable,
    isolation_status,
    require_isolation,
)
from mlteam_utils.grading.provisioner import (
    PROVISIONER_NAME,
    ProcessWatch,
    SandboxProvisioner,
    disposable_workdir,
    system_tasks,
    wait_until_no_tasks,
    write_sandbox_kernel_spec,
)
from mlteam_utils.grading.sandbox import SandboxLimits

__all__ = [
    "ISOLATED_EXECUTE",
    "NO_ISOLATION_HINT",
    "IsolatedExecute",
    "IsolationStatus",
    "IsolationUnavailable",
    "ProcessWatch",
    "SandboxLimits",
    "SandboxProvisioner",
    "disposable_workdir",
    "isolation_status",
    "nbgrader_isolation_args",
    "nbgrader_isolation_config",
    "require_isolation",
    "system_tasks",
    "wait_until_no_tasks",
]

ISOLATED_EXECUTE = "mlteam_utils.grading.isolation.IsolatedExecute"
PLAIN_EXECUTE = "nbgrader.preprocessors.Execute"


class IsolatedExecute(Execute):
    """nbgrader's ``Execute`` with its kernel started by :class:`SandboxProvisioner`.

    The notebook's kernelspec (``python3``) is looked up as usual, and a sandboxed
    copy of it under the same name, whose metadata names the provisioner, is what
    the kernel manager starts. nbgrader's ``Execute`` passes ``kernel_manager_class``
    as a keyword, which outranks ``c.Execute.kernel_manager_class`` in a config, so
    the sandbox is selected by putting this class in
    ``Autograde.autograde_preprocessors`` instead.
    """

    # The graded outputs are in hand when the last cell ends, and the working folder is
    # thrown away: the kernel gets no time for its own clean-up (atexit hooks are
    # learner code too). Waiting for a graceful exit cost about 0.4 s per notebook.
    shutdown_kernel = Enum(
        ["graceful", "immediate"], default_value="immediate",
        help="How the sandboxed kernel is stopped after the last cell; 'immediate' kills its sandbox.",
    ).tag(config=True)

    # Outputs stream from the kernel into the grader's memory, where the sandbox's caps do
    # not reach: a notebook printing flat out in every cell could hold gigabytes there.
    max_output_mb = Integer(
        64, help="Outputs one notebook may hold in the grader's memory, in MB. Beyond it only the "
                 "code questions' handed-over values are kept; the rest is dropped, with a note in the notebook.",
    ).tag(config=True)

    # The kernel manager of the notebook being run: nbclient forgets it when the kernel is
    # gone, and its provisioner knows whether the sandbox was stopped for too many processes.
    sandbox_manager: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.output_bytes, self.output_dropped = 0, False
        self.chained_notebook_start: Any = None
        self.hook_kernel_ready()

    def hook_kernel_ready(self) -> None:
        """Make :meth:`kernel_ready` nbclient's ``on_notebook_start`` hook, before a configured one.

        nbclient runs the hook once the kernel has answered: its sockets are bound, and no
        learner code has run yet. nbconvert's preprocess() loads the config afresh for each
        notebook, which puts a configured hook back; so this runs for each kernel manager too.
        """
        client: Any = self  # nbclient's traits, which mypy cannot type through nbgrader's Execute
        if client.on_notebook_start != self.kernel_ready:
            self.chained_notebook_start = client.on_notebook_start
            client.on_notebook_start = self.kernel_ready

    def create_kernel_manager(self) -> Any:
        """A kernel manager whose kernelspec is the notebook's, sandboxed (see :func:`sandbox_kernel_spec`)."""
        client: Any = self  # as in hook_kernel_ready
        name = client.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name") or NATIVE_KERNEL_NAME
        spec = KernelSpecManager().get_kernel_spec(name)
        with tempfile.TemporaryDirectory(prefix="mlteam-kernelspec-") as kernels:
            write_sandbox_kernel_spec(Path(kernels), name, spec)
            # Only this folder: no other kernelspec of that name can be picked up.
            specs = KernelSpecManager(kernel_dirs=[kernels], ensure_native_kernel=False)
            manager = self.kernel_manager_class(kernel_name=name, kernel_spec_manager=specs, config=self.config)
            sandboxed = manager.kernel_spec  # read now: the folder goes at the end of this block
        provisioner = (sandboxed.metadata or {}).get("kernel_provisioner", {}).get("provisioner_name")
        if provisioner != PROVISIONER_NAME:
            raise IsolationUnavailable(f"the grading kernelspec {name!r} does not name the sandbox provisioner")
        client.kernel_name = name
        self.km = self.sandbox_manager = manager
        self.hook_kernel_ready()
        return manager

    def kernel_ready(self, **kwargs: Any) -> Any:
        """Before any cell runs: check that the sandbox started the kernel, and seal its sockets."""
        provisioner = getattr(self.km, "provisioner", None)
        if not isinstance(provisioner, SandboxProvisioner):
            raise IsolationUnavailable(
                f"the grading kernel was started by {type(provisioner).__name__}, not the sandbox provisioner "
                f"({PROVISIONER_NAME!r}): is the mlteam-course package installed (pip install -e .)?"
            )
        provisioner.seal_sockets()
        if self.chained_notebook_start is not None:
            return self.chained_notebook_start(**kwargs)
        return None

    def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
        size = output_size(msg)
        self.output_bytes += size
        if size == 0 or self.output_bytes <= self.max_output_mb * 2**20 or self.is_handover(msg, cell_index, size):
            return super().output(outs, msg, display_id, cell_index)
        if not self.output_dropped:
            self.output_dropped = True
            from nbformat.v4 import new_output

            note = f"[The grader dropped this notebook's output beyond {self.max_output_mb} MB.]\n"
            outs.append(new_output("stream", name="stderr", text=note))
            self.log.warning("Output beyond %s MB dropped", self.max_output_mb)
        return None

    def is_handover(self, msg: dict[str, Any], cell_index: int, size: int) -> bool:
        """A test cell's handed-over values, of a size the grader would read (see code_questions)."""
        from mlteam_utils.grading.answer_values import MAX_TEXT_BYTES, MEDIA_TYPE

        data = msg.get("content", {}).get("data")
        cell = self.nb.cells[cell_index] if 0 <= cell_index < len(self.nb.cells) else {}
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        return (isinstance(data, dict) and MEDIA_TYPE in data and bool(nbgrader.get("locked")) and bool(nbgrader.get("grade"))
                and size <= 2 * MAX_TEXT_BYTES)

    def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
        self.sandbox_manager = None
        self.output_bytes, self.output_dropped = 0, False
        try:
            return super().preprocess(nb, resources, km)
        except Exception as error:
            provisioner = self.sandbox_provisioner()
            limit = provisioner.process_cap_tripped() if provisioner is not None else None
            if limit is not None:
                raise ProcessCapError(
                    f"learner code started processes up to the cap of {limit} (a fork bomb?); grading stopped it"
                ) from error
            raise
        finally:
            provisioner = self.sandbox_provisioner()
            if provisioner is not None:
                provisioner.discard_scratch()

    def sandbox_provisioner(self) -> SandboxProvisioner | None:
        """The sandbox provisioner of the notebook being (or last) run, if it started one."""
        provisioner = getattr(self.sandbox_manager, "provisioner", None)
        return provisioner if isinstance(provisioner, SandboxProvisioner) else None


def output_size(msg: dict[str, Any]) -> int:
    """Characters of output an iopub message carries (0 for one that carries none).

    >>> output_size({"msg_type": "stream", "content": {"name": "stdout", "text": "hello"}})
    5
    >>> output_size({"msg_type": "display_data", "content": {"data": {"text/plain": "ab", "x/json": {"k": 1}}}})
    10
    >>> output_size({"msg_type": "status", "content": {"execution_state": "idle"}})
    0
    """
    content = msg.get("content", {})
    size = len(content["text"]) if isinstance(content.get("text"), str) else 0
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(json.dumps(value, default=str))
    for line in content.get("traceback") or ():
        size += len(str(line))
    return size


class ProcessCapError(RuntimeError):
    """The sandbox was stopped because learner code started too many processes."""


def _course_preprocessors(course_root: Path) -> list[str]:
    """``Autograde.autograde_preprocessors`` as the course's ``nbgrader_config.py`` sets them."""
    from nbgrader.converters import Autograde

    from mlteam_utils.nbgrader_runner import load_course_config

    if (Path(course_root) / "nbgrader_config.py").is_file():
        loaded = load_course_config(Path(course_root))
        if "autograde_preprocessors" in loaded.get("Autograde", {}):
            return [_dotted(p) for p in loaded.Autograde.autograde_preprocessors]
    return [_dotted(p) for p in Autograde.autograde_preprocessors.default_value]


def _dotted(preprocessor: Any) -> str:
    if isinstance(preprocessor, str):
        return preprocessor
    return f"{preprocessor.__module__}.{preprocessor.__qualname__}"


def _isolated_preprocessors(preprocessors: list[str]) -> list[str]:
    """The list with nbgrader's Execute replaced by :class:`IsolatedExecute`.

    >>> _isolated_preprocessors(["nbgrader.preprocessors.Execute", "x.Y"])
    ['mlteam_utils.grading.isolation.IsolatedExecute', 'x.Y']
    >>> _isolated_preprocessors(["x.Y"])
    Traceback (most recent call last):
    ...
    mlteam_utils.grading.isolation_check.IsolationUnavailable: the course's Autograde.autograde_preprocessors has no nbgrader Execute step to sandbox: ['x.Y']
    """
    execute_names = {PLAIN_EXECUTE, "nbgrader.preprocessors.execute.Execute", ISOLATED_EXECUTE}
    if not any(p in execute_names for p in preprocessors):
        raise IsolationUnavailable(
            f"the course's Autograde.autograde_preprocessors has no nbgrader Execute step to sandbox: {preprocessors}"
        )
    return [ISOLATED_EXECUTE if p in execute_names else p for p in preprocessors]


def nbgrader_isolation_config(
    course_root: Path,
    *,
    memory_mb: int = SandboxLimits.memory_mb,
    cpu_seconds: int = SandboxLimits.cpu_seconds,
    max_file_mb: int = SandboxLimits.max_file_mb,
    max_processes: int = SandboxLimits.max_processes,
    hidden_paths: Iterable[Path] = (),
) -> Config:
    """nbgrader settings that run autograde's kernels in the sandbox, as a traitlets ``Config``.

    Merge it into the config given to ``NbGraderAPI`` (after the course's own
    ``nbgrader_config.py``, whose preprocessor list it repeats with Execute
    swapped). ``hidden_paths`` are covered up too (e.g. the real course's
    ``solutions/`` when ``course_root`` is a temporary copy). It does not check that the sandbox works: call
    :func:`require_isolation` first for a clear message.

    >>> from pathlib import Path
    >>> from mlteam_utils.paths import find_course_root
    >>> config = nbgrader_isolation_config(find_course_root(Path(__file__)), memory_mb=512)
    >>> ISOLATED_EXECUTE in config.Autograde.autograde_preprocessors
    True
    >>> config.SandboxProvisioner.memory_mb
    512
    """
    limits = SandboxLimits(memory_mb=memory_mb, cpu_seconds=cpu_seconds, max_file_mb=max_file_mb, max_processes=max_processes)
    root = Path(course_root).resolve()
    config = Config()
    config.Autograde.autograde_preprocessors = _isolated_preprocessors(_course_preprocessors(root))
    # The sandbox provisioner reads these through the kernel manager, which gets Execute's config.
    config.SandboxProvisioner.course_root = str(root)
    config.SandboxProvisioner.memory_mb = limits.memory_mb
    config.SandboxProvisioner.cpu_seconds = limits.cpu_seconds
    config.SandboxProvisioner.max_file_mb = limits.max_file_mb
    config.SandboxProvisioner.max_processes = limits.max_processes
    config.SandboxProvisioner.hidden_paths = [str(Path(p).resolve()) for p in hidden_paths]
    # The code-question tests run in the same kind of sandbox, in a fresh interpreter.
    config.ScoreCodeAnswers.isolate = True
    config.ScoreCodeAnswers.course_root = str(root)
    config.ScoreCodeAnswers.hidden_paths = [str(Path(p).resolve()) for p in hidden_paths]
    return config


def nbgrader_isolation_args(course_root: Path, **options: Any) -> list[str]:
    """The same settings as command-line options for ``nbgrader autograde``.

    >>> from mlteam_utils.paths import find_course_root
    >>> args = nbgrader_isolation_args(find_course_root(Path(__file__)), memory_mb=512)
    >>> "--SandboxProvisioner.memory_mb=512" in args
    True
    >>> "--Autograde.autograde_preprocessors=mlteam_utils.grading.isolation.IsolatedExecute" in args
    True
    """
    config = nbgrader_isolation_config(course_root, **options)
    arguments = []
    for section, traits in config.items():
        for name, value in traits.items():
            # A list is given as one flag per item: traitlets collects repeated flags.
            for item in value if isinstance(value, list) else [value]:
                arguments.append(f"--{section}.{name}={item}")
    return arguments
