"""The package reads top-down: no module imports one from a layer above it, and no import runs in a circle.

Layers, bottom first: the learner's side (the package's front door, answers
file, naming rules, safe file access, domain data, figures, questions,
simulations, the syllabus and its completion rule, the progress log); the
grader (``grading/``, and ``upstream/``, its adapters to nbgrader's own code);
the instructor's tools (``cohort/``, ``reports/``, ``hub/``, ``migrations/``);
what a command does (``release``, ``selfgrade``, ``workspace``, ``progress``,
``certificates/``); the command line (``cli``, ``commands/``).
Every module is in exactly one layer (a module in none fails), and a module
is placed by its longest listed prefix. Every import counts, also one inside
a function (the package imports lazily), one only for type checking, and a
module named in a lazy-export table.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mlteam_utils"
DOTTED = re.compile(r"^mlteam_utils(\.\w+)+$")

ROOT = "mlteam_utils"

#: Modules a learner's kernel loads: they must work without the grader or the instructor's tools.
#: ``mlteam_utils`` itself is the package's front door only (its submodules are placed by their own prefix).
BOTTOM = (
    ROOT,
    "mlteam_utils._lazy",
    "mlteam_utils.answers",
    "mlteam_utils.notes",
    "mlteam_utils.dates",
    "mlteam_utils.naming",
    "mlteam_utils.atomic_files",
    "mlteam_utils.safe_files",
    "mlteam_utils.file_modes",
    "mlteam_utils.paths",
    "mlteam_utils.figures",
    "mlteam_utils.theme",
    "mlteam_utils.domain",
    "mlteam_utils.questions",
    "mlteam_utils.simulations",
    "mlteam_utils.kernel_warm_up",
    "mlteam_utils.syllabus",
    "mlteam_utils.completion",
    "mlteam_utils.lesson_time",
    "mlteam_utils.progress_log",
    "mlteam_utils.start_page",
    "mlteam_utils.tables",
)
#: The grader, and every adapter to nbgrader's and Jupyter's own code (``upstream/``).
GRADING = ("mlteam_utils.grading", "mlteam_utils.nbgrader_runner", "mlteam_utils.nbgrader_inprocess", "mlteam_utils.upstream")
TOOLS = ("mlteam_utils.cohort", "mlteam_utils.reports", "mlteam_utils.hub", "mlteam_utils.migrations")
COMMANDS = (
    "mlteam_utils.release",
    "mlteam_utils.selfgrade",
    "mlteam_utils.workspace",
    "mlteam_utils.progress",
    "mlteam_utils.certificates",
)
CLI = ("mlteam_utils.cli", "mlteam_utils.commands")

#: Bottom first: a module may import its own layer and those below it, never one above.
LAYERS = (BOTTOM, GRADING, TOOLS, COMMANDS, CLI)


@dataclass(frozen=True)
class Import:
    target: str
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(source: str, name: str, is_package: bool = False) -> list[Import]:
    """Every module of the package that the module ``name`` (given as ``source``) imports, wherever."""
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(source)
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append(Import(base, node.lineno))
            # `from mlteam_utils import grading` imports the subpackage, not a name
            found += [Import(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    for node in tree.body:  # lazy-export tables: {"name": "mlteam_utils.x.y"} or _X = "mlteam_utils.x"
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
            found += [
                Import(value.value, value.lineno)
                for value in values
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and DOTTED.match(value.value)
            ]
    return [item for item in found if item.target.startswith("mlteam_utils")]


def imports_of(path: Path) -> list[Import]:
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether module ``name`` is one of ``prefixes`` or inside one (the root package covers only itself)."""
    return any(name == prefix or (prefix != ROOT and name.startswith(prefix + ".")) for prefix in prefixes)


def layer_of(name: str) -> int | None:
    """The index in :data:`LAYERS` of the layer whose longest prefix holds ``name``; None when none does."""
    found = [(len(prefix), index) for index, layer in enumerate(LAYERS) for prefix in layer if under(name, (prefix,))]
    return max(found)[1] if found else None


MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = frozenset(module_name(path) for path in MODULES)


def module_of(target: str, names: Iterable[str] = NAMES) -> str | None:
    """The package module an import target is: ``a.b.name`` is module ``a.b`` when ``name`` is not a module."""
    known = set(names)
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def upward(name: str, imports: list[Import]) -> list[str]:
    """The imports of module ``name`` that run up a layer, as ``line: module imports target``."""
    own = layer_of(name)
    found: dict[int, str] = {}  # one per line: `from a.b import c, d` names a.b, a.b.c and a.b.d
    for item in imports:
        target = layer_of(module_of(item.target) or item.target)
        if own is not None and target is not None and target > own:
            found.setdefault(item.line, f"line {item.line}: {name} imports {item.target}")
    return [found[line] for line in sorted(found)]


def import_graph() -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports (every kind of import)."""
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        name = module_name(path)
        graph[name] = {target for item in imports_of(path) if (target := module_of(item.target)) not in (None, name)}
    return graph


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import circles of ``graph``: its strongly connected components of more than one module (Tarjan).

    >>> circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_every_module_is_in_a_layer(path: Path) -> None:
    """A module no layer lists fails: a new module is placed on purpose, not left out of the check."""
    assert layer_of(module_name(path)) is not None, f"{module_name(path)} is in no layer: add it to one in {__name__}"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_import_runs_up_a_layer(path: Path) -> None:
    """A module imports nothing from a layer above its own (an upward import is listed with its line)."""
    found = upward(module_name(path), imports_of(path))
    assert not found, "imports that run up a layer:\n" + "\n".join(found)


def test_no_import_runs_in_a_circle() -> None:
    """No module imports itself through others, not even from inside a function (each circle is listed)."""
    found = circles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(circle) for circle in found)


def test_the_scan_sees_imports_of_every_kind() -> None:
    """The scanner finds top-level, in-function and lazy-table imports (it cannot pass by seeing nothing)."""
    assert {"mlteam_utils.naming", "mlteam_utils.atomic_files"} <= {i.target for i in imports_of(PACKAGE / "answers.py")}
    assert "mlteam_utils.naming" in {i.target for i in imports_of(PACKAGE / "cohort" / "feedback.py")}
    assert "mlteam_utils.simulations.panel" in {i.target for i in imports_of(PACKAGE / "simulations" / "__init__.py")}
    assert {"mlteam_utils.answers", "mlteam_utils.naming", "mlteam_utils.cli", "mlteam_utils.commands.grade"} <= NAMES
    assert "mlteam_utils.commands.base" in import_graph()["mlteam_utils.commands.grade"]


def test_a_module_in_no_layer_and_a_circle_are_caught() -> None:
    """The checks cannot pass by placing nothing or seeing no circle."""
    assert layer_of("mlteam_utils.not_placed_anywhere") is None
    assert layer_of("mlteam_utils") == 0 and layer_of("mlteam_utils.cli") == len(LAYERS) - 1
    assert layer_of("mlteam_utils.questions.kinds.raci") == 0 and layer_of("mlteam_utils.commands.export") == len(LAYERS) - 1
    assert circles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    # a function-level import closes a circle as surely as a top-level one
    source = "def f():\n    from mlteam_utils.reports.cohort_stats import assignment_scores"
    in_function = {module_of(item.target) for item in imports_in(source, "mlteam_utils.reports.export")}
    assert circles({"mlteam_utils.reports.export": in_function, "mlteam_utils.reports.cohort_stats": {"mlteam_utils.reports.export"}})


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("mlteam_utils.answers", "from mlteam_utils.grading.settings import answers_filename"),
        ("mlteam_utils.answers", "def f():\n    from mlteam_utils import grading"),
        ("mlteam_utils.domain.api", "from ..reports import export"),
        ("mlteam_utils.cohort.feedback", "def f():\n    import mlteam_utils.release"),
        ("mlteam_utils.grading.keys", "from mlteam_utils.cohort.grade import grade_cohort"),
        ("mlteam_utils.simulations", '_X = "mlteam_utils.cli"'),
        ("mlteam_utils.progress_log", "def f():\n    from mlteam_utils.grading.keys import load_keys"),
        ("mlteam_utils.certificates.issue", "from mlteam_utils.commands.base import course_root"),
    ],
)
def test_an_upward_import_is_caught(name: str, source: str) -> None:
    """Each way of writing an upward import is flagged."""
    assert upward(name, imports_in(source, name, is_package=name == "mlteam_utils.simulations"))


def test_downward_and_sibling_imports_pass() -> None:
    """Importing a lower layer, or a module of the same one, is not flagged (nor is a look-alike name)."""
    assert upward("mlteam_utils.cohort.feedback", imports_in("from mlteam_utils.grading.leaks import key_texts", "mlteam_utils.cohort.feedback")) == []
    assert upward("mlteam_utils.answers", imports_in("from mlteam_utils.naming import answers_filename", "mlteam_utils.answers")) == []
    assert upward("mlteam_utils.cli", imports_in("from mlteam_utils import __version__", "mlteam_utils.cli")) == []
    assert not under("mlteam_utils.releases", COMMANDS), "a prefix matches whole module names only"
    assert not under("mlteam_utils.cli", BOTTOM), "the root package covers only itself"
