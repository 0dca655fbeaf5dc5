"""Lazy public names for a package (PEP 562), so importing it stays cheap.

>>> namespace = {"__name__": "demo"}
>>> getattr_, dir_ = lazy_exports(namespace, {"sqrt": "math"})
>>> getattr_("sqrt")(9.0)
3.0
>>> "sqrt" in dir_()
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` that import ``exports[name]`` on first use.

    ``namespace`` is the package's ``globals()``; a loaded name is cached there.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module_name), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
