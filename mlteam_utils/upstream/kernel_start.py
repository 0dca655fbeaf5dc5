"""A kernel that never started, told apart from one the learner's code stopped.

jupyter_client's ``KernelClient.wait_for_ready`` (8.x), which nbclient calls when it
starts the kernel for a notebook, raises a plain ``RuntimeError`` when the kernel does
not answer in time or exits before its first reply: no exception type of its own, so
its message is all there is. Those two messages are kept here, once, and the contract
tests start real kernels that do each on the installed jupyter_client and check them.
A kernel that never answered ran no learner code (on a loaded machine, or when its sandbox
could not start), so the grading worker tries once more. One that dies later (nbclient's
``DeadKernelError``) may have been killed by the learner's code, and is not a start failure.

>>> kernel_did_not_start([RuntimeError("Kernel didn't respond in 60 seconds")])
True
>>> kernel_did_not_start([RuntimeError(KERNEL_DIED_BEFORE_REPLY)])
True
>>> from nbclient.exceptions import DeadKernelError
>>> kernel_did_not_start([DeadKernelError("Kernel died")])
False
>>> kernel_did_not_start([ValueError("Kernel didn't respond in 60 seconds")])  # a learner cannot fake it in a message
False
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["KERNEL_DIED_BEFORE_REPLY", "KERNEL_NO_REPLY", "kernel_did_not_start"]

#: How jupyter_client's message starts when the kernel did not answer in time ("... in 60 seconds").
KERNEL_NO_REPLY = "Kernel didn't respond in "
#: jupyter_client's message when the kernel process exited before its first reply.
KERNEL_DIED_BEFORE_REPLY = "Kernel died before replying to kernel_info"


def kernel_did_not_start(exceptions: Iterable[BaseException]) -> bool:
    """Whether one of ``exceptions`` is jupyter_client saying the kernel never answered its first request."""
    return any(
        type(error) is RuntimeError and (str(error).startswith(KERNEL_NO_REPLY) or str(error) == KERNEL_DIED_BEFORE_REPLY)
        for error in exceptions
    )
