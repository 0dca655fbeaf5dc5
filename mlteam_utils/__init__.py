"""Helpers for the mlteam onboarding course.

Everything a lesson or exercise needs is importable from here; the submodules
load on first use, so ``import mlteam_utils`` stays cheap (no matplotlib, no
widgets until a widget is asked for).

>>> import mlteam_utils
>>> mlteam_utils.__version__
'0.1.0'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "load_syllabus": "mlteam_utils.syllabus",
    "Syllabus": "mlteam_utils.syllabus",
    "find_course_root": "mlteam_utils.paths",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access (PEP 562)."""
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'mlteam_utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
