"""Python as a learner's machine runs it: each module compiled once, then read from its cache.

A learner's Python writes a module's compiled bytecode (``__pycache__/*.pyc``) the first
time it imports it, and every later process reads it from there. This machine's
environment may set ``PYTHONDONTWRITEBYTECODE`` (CI and tool sandboxes do): then every
process compiles every module it imports again from its source, which doubles the CPU a
``selfgrade`` or a lesson's kernel start takes (sqlalchemy, nbconvert, ipykernel and
matplotlib are large), a cost no learner pays after their first run. The benchmarks that
time what a learner waits for run their processes without it, after an untimed first run
that fills the caches (and print what that first run took).

>>> learner_environment({"PYTHONDONTWRITEBYTECODE": "1", "HOME": "/home/learner"})
{'HOME': '/home/learner'}
>>> before = os.environ.get(VARIABLE)
>>> with caching_bytecode():
...     VARIABLE in os.environ
False
>>> os.environ.get(VARIABLE) == before
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

VARIABLE = "PYTHONDONTWRITEBYTECODE"


def learner_environment(environment: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``environment`` (this process's) for a command run as a learner runs it: bytecode is cached."""
    return {key: value for key, value in environment.items() if key != VARIABLE}


@contextlib.contextmanager
def caching_bytecode() -> Iterator[None]:
    """Within it, processes started from here (a kernel, say) cache their bytecode; the variable comes back after."""
    previous = os.environ.pop(VARIABLE, None)
    try:
        yield
    finally:
        if previous is not None:
            os.environ[VARIABLE] = previous
