"""The grading sandbox is reached through jupyter_client's public extension point only.

The kernel is launched by a kernel provisioner that this package registers under
the ``jupyter_client.kernel_provisioners`` entry point, named by the grading
kernelspec; no class of the package overrides (or defines) a private method of a
jupyter_client or nbclient class, which a minor release may change or drop.
The sandbox itself is tested by test_isolation.py, test_sandbox_grader_side.py and
the corpus (test_bad_submissions.py).
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory

from mlteam_utils.grading.isolation_check import IsolationUnavailable
from mlteam_utils.grading.provisioner import PROVISIONER_NAME, SandboxProvisioner, write_sandbox_kernel_spec

PACKAGE = Path(__file__).resolve().parent.parent / "mlteam_utils"
LIBRARIES = ("jupyter_client", "nbclient")
PYTHON_SPEC = KernelSpec(
    argv=["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    display_name="Python 3", language="python", resource_dir="/nonexistent/python3",
)


def test_the_entry_point_loads_the_sandbox_provisioner() -> None:
    found = entry_points(group=KernelProvisionerFactory.GROUP_NAME, name=PROVISIONER_NAME)
    assert len(found) == 1, f"{PROVISIONER_NAME!r} is not registered: reinstall the package (pip install -e .)"
    assert next(iter(found)).load() is SandboxProvisioner


def test_jupyter_client_makes_the_sandbox_provisioner_from_the_grading_kernelspec(tmp_path: Path) -> None:
    write_sandbox_kernel_spec(tmp_path, "python3", PYTHON_SPEC)
    # jupyter_client's own lookup: a kernelspec whose provisioner is not registered is "no such kernel".
    spec = KernelSpecManager(kernel_dirs=[str(tmp_path)], ensure_native_kernel=False).get_kernel_spec("python3")
    provisioner = KernelProvisionerFactory.instance().create_provisioner_instance("k1", spec, parent=None)
    assert type(provisioner) is SandboxProvisioner
    assert spec.interrupt_mode == "message"


def test_the_sandbox_provisioner_refuses_to_launch_without_a_course(tmp_path: Path) -> None:
    write_sandbox_kernel_spec(tmp_path / "kernels", "python3", PYTHON_SPEC)
    manager = AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False),
        connection_file=str(tmp_path / "kernel.json"),
    )
    with pytest.raises(IsolationUnavailable, match="course_root is not set"):
        asyncio.run(manager.start_kernel(cwd=str(tmp_path)))
    assert isinstance(manager.provisioner, SandboxProvisioner)
    assert not manager.has_kernel


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_a_library(tree: ast.AST) -> bool:
    """Whether the module imports anything a jupyter_client/nbclient class can come from."""
    wanted = (*LIBRARIES, "nbconvert", "nbgrader")
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(name.split(".")[0] in wanted for name in names):
            return True
    return False


def library_bases(cls: type) -> list[type]:
    return [base for base in cls.__mro__[1:] if base.__module__.split(".")[0] in LIBRARIES]


def private_names(node: ast.ClassDef) -> Iterator[tuple[str, int, bool]]:
    """(name, line, defined in the class body) of each single-underscore name a class defines.

    Methods and class attributes in its body, and ``self._x`` attributes its methods set.
    """
    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and private(statement.name):
            yield statement.name, statement.lineno, True
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target] if isinstance(statement, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and private(target.id):
                yield target.id, statement.lineno, True
    for inner in ast.walk(node):
        if (isinstance(inner, ast.Attribute) and isinstance(inner.ctx, ast.Store) and isinstance(inner.value, ast.Name)
                and inner.value.id == "self" and private(inner.attr)):
            yield inner.attr, inner.lineno, False


def private_overrides(path: Path, module: object) -> tuple[list[str], list[str]]:
    """The library subclasses of one module, and what they do with private names.

    A private method or class attribute in such a class fails, an override or not (the
    next release may add one of that name); a ``self._x`` fails only if the library's
    classes use that name too.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    subclasses, problems = [], []
    for node in tree.body:
        cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
        if not isinstance(cls, type) or not library_bases(cls):
            continue
        subclasses.append(cls.__qualname__)
        sources = [inspect.getsource(base) for base in library_bases(cls)]
        for name, line, in_body in private_names(node):
            if in_body or any(f"self.{name}" in source for source in sources):
                problems.append(f"{path.name}:{line}: {cls.__qualname__} defines {name}")
    return subclasses, problems


def test_no_class_of_the_package_defines_a_private_jupyter_client_or_nbclient_method() -> None:
    subclasses, problems = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(node, ast.ClassDef) for node in tree.body) or not imports_a_library(tree):
            continue
        found, wrong = private_overrides(path, importlib.import_module(module_name(path)))
        subclasses += found
        problems += wrong
    assert problems == []
    # The scan saw the classes that start grading kernels (it is not vacuous).
    assert {"IsolatedExecute", "SandboxProvisioner"} <= set(subclasses)


def test_the_scan_finds_a_private_override(tmp_path: Path) -> None:
    source = tmp_path / "overrides.py"
    source.write_text(
        "from jupyter_client.manager import AsyncKernelManager\n"
        "from nbgrader.preprocessors import Execute\n"
        "class Manager(AsyncKernelManager):\n"
        "    async def _async_pre_start_kernel(self, **kw): ...\n"
        "    pre_start_kernel = _async_pre_start_kernel\n"
        "class Client(Execute):\n"
        "    def run(self):\n"
        "        self._own = 1\n"  # a name of its own: not nbclient's
        "        self.km = None\n"
        "        self._async_cleanup_kernel_future = None\n"  # nbclient's
        "class Unrelated:\n"
        "    def _helper(self): ...\n",
        encoding="utf-8",
    )
    spec = importlib.util.spec_from_file_location("mlteam_scan_sample", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mlteam_scan_sample"] = module
    try:
        spec.loader.exec_module(module)
        subclasses, problems = private_overrides(source, module)
    finally:
        del sys.modules["mlteam_scan_sample"]
    assert subclasses == ["Manager", "Client"]
    assert problems == [
        "overrides.py:4: Manager defines _async_pre_start_kernel",
        "overrides.py:10: Client defines _async_cleanup_kernel_future",
    ]
