"""Whether grading kernels can be sandboxed here, and the error when they cannot.

Used by the sandbox provisioner (:mod:`mlteam_utils.grading.provisioner`), which
refuses to launch a kernel unconfined, and by the commands that grade
(through :mod:`mlteam_utils.grading.isolation`, which re-exports these names).

>>> status = isolation_status()
>>> status.method in {"bubblewrap", "none"}
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import entry_points

from mlteam_utils.grading.sandbox import probe_sandbox, process_cap_note

__all__ = [
    "NO_ISOLATION_HINT",
    "PROVISIONER_NAME",
    "IsolationStatus",
    "IsolationUnavailable",
    "isolation_status",
    "provisioner_registered",
    "require_isolation",
]

#: The name under which ``pyproject.toml`` registers the sandbox's kernel provisioner
#: (:class:`mlteam_utils.grading.provisioner.SandboxProvisioner`).
PROVISIONER_NAME = "mlteam-sandbox"
PROVISIONER_GROUP = "jupyter_client.kernel_provisioners"

NO_ISOLATION_HINT = "pass --no-isolation to grade without a sandbox (learner code can then read solutions/ and the gradebook)"


@dataclass(frozen=True)
class IsolationStatus:
    """Whether grading kernels can be sandboxed here, how, and why (not).

    ``reason`` is a sentence for the instructor either way.
    """

    available: bool
    method: str
    reason: str


class IsolationUnavailable(RuntimeError):
    """Isolation was asked for but cannot run here; the message says why and what to do."""


@functools.cache
def isolation_status() -> IsolationStatus:
    """Probe (once per process) whether bubblewrap can sandbox a kernel on this machine.

    The probe starts a sandboxed Python (about 0.1 s), so the answer is cached: a
    grading run asks before each submission. A test that changes what the probe
    would find (``PATH``, the sandbox settings) calls ``isolation_status.cache_clear()``.

    >>> status = isolation_status()
    >>> status is isolation_status()  # probed once, then the same answer
    True
    >>> expected = "learner code runs in a bubblewrap sandbox (" if status.available else "grading isolation is not available: "
    >>> (status.method == ("bubblewrap" if status.available else "none"), status.reason.startswith(expected))
    (True, True)
    >>> status.available == (probe_sandbox().ok and provisioner_registered())  # what a fresh probe finds
    True
    """
    probe = probe_sandbox()
    if probe.ok and not provisioner_registered():
        # A clone updated without reinstalling: jupyter_client would report "no such kernel".
        return IsolationStatus(False, "none", f"grading isolation is not available: the sandbox's kernel provisioner "
                               f"({PROVISIONER_NAME}) is not registered; reinstall the course package (pip install -e .)")
    if probe.ok:
        notes = process_cap_note()
        reason = f"learner code runs in a bubblewrap sandbox ({probe.detail})" + (f"; note: {notes}" if notes else "")
        return IsolationStatus(True, "bubblewrap", reason)
    return IsolationStatus(False, "none", f"grading isolation is not available: {probe.detail}")


def provisioner_registered() -> bool:
    """Whether the sandbox's kernel provisioner is registered (the package is installed, not only on the path).

    >>> provisioner_registered()
    True
    """
    return bool(entry_points(group=PROVISIONER_GROUP, name=PROVISIONER_NAME))


def require_isolation() -> IsolationStatus:
    """The status, or :class:`IsolationUnavailable` with a message that names ``--no-isolation``."""
    status = isolation_status()
    if not status.available:
        raise IsolationUnavailable(f"{status.reason}. To grade anyway, {NO_ISOLATION_HINT}.")
    return status
