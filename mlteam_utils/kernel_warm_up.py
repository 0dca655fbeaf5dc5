"""A lesson's kernel imports matplotlib while the learner reads, before its first cell runs.

Most of a lesson's Run All is spent before any of the course's code runs: the
kernel starts (about 0.6 s on a 2-core machine), then the setup cell imports
matplotlib's pyplot (about 0.5 s, the largest part), pandas (0.2 s) and the
course's helpers (0.1 s). JupyterLab starts a notebook's kernel as the notebook
opens, and a learner reads the page before pressing Run All: idle time. Loaded as
an IPython extension (``make install`` puts the setting in the venv's
``etc/ipython/ipython_kernel_config.py``), this module imports pyplot in a
background thread as the kernel starts, so the setup cell finds it loaded.

Only a kernel started in a folder named ``lessons`` warms up (a lesson's, in
``my-work/lessons/`` or ``lessons/``): the start page, the exercises and the
grading kernels import what they need themselves, as before. Set
``MLTEAM_KERNEL_WARM_UP=0`` to turn it off (``benchmarks/bench_lessons.py``
compares both).

Nothing a lesson shows changes:

* the first code the kernel runs waits until the import is done (an IPython
  ``pre_execute`` callback that removes itself), so no learner code ever runs
  while a library is half imported, and a library that fails to import here
  fails again, with its message, in the cell that imports it;
* only pyplot is imported early. pandas is not: it picks its display defaults at
  import by asking ``get_ipython()``, which IPython provides only while a cell
  runs, so pandas imported outside a cell would print wider tables. pyplot reads
  its backend from ``MPLBACKEND``, which the kernel sets before extensions load.

>>> from types import SimpleNamespace
>>> from IPython.core.events import EventManager
>>> shell = SimpleNamespace(events=EventManager(None, {"pre_execute": None}))
>>> thread = start_warm_up(shell, ["json", "no_such_module_for_the_doctest"])
>>> shell.events.trigger("pre_execute")  # the first cell: waits for the imports, once
>>> thread.is_alive(), shell.events.callbacks["pre_execute"]
(False, [])
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["LESSON_FOLDER", "SWITCH", "WARM_MODULES", "load_ipython_extension", "start_warm_up", "wanted"]

#: What a lesson's setup cell imports that is slow and safe to import outside a cell.
WARM_MODULES = ("matplotlib.pyplot",)
#: The folder a lesson's kernel starts in.
LESSON_FOLDER = "lessons"
#: The environment variable that turns the warm-up off ("0").
SWITCH = "MLTEAM_KERNEL_WARM_UP"


def wanted(folder: Path, environment: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether a kernel started in ``folder`` warms up.

    >>> wanted(Path("my-work/lessons"), {}), wanted(Path("my-work/exercises/ex01"), {})
    (True, False)
    >>> wanted(Path("lessons"), {SWITCH: "0"})
    False
    """
    return folder.name == LESSON_FOLDER and environment.get(SWITCH, "1") != "0"


def load_ipython_extension(shell: Any) -> None:
    """IPython's hook: warm up a lesson's kernel (see :func:`wanted`)."""
    if wanted(Path.cwd()):
        start_warm_up(shell)


def start_warm_up(shell: Any, modules: Iterable[str] = WARM_MODULES) -> threading.Thread:
    """Import ``modules`` in a background thread; the shell's first execution waits for it."""
    thread = threading.Thread(target=_import_all, args=(tuple(modules),), name="mlteam-kernel-warm-up", daemon=True)

    def wait_for_the_imports(*_: Any) -> None:
        shell.events.unregister("pre_execute", wait_for_the_imports)
        thread.join()

    shell.events.register("pre_execute", wait_for_the_imports)
    thread.start()
    return thread


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        # A module that fails here is left out of sys.modules: the lesson's own import
        # tries it again and shows the error where the learner expects it.
        with contextlib.suppress(Exception):
            importlib.import_module(name)
