"""The package reads top-down: no module imports one from a layer above it.

Layers, bottom first: the learner's side (answers file, naming rules, domain data,
figures, questions, simulations); the grader (``grading/``); the instructor's
tools (``cohort/``, ``reports/``); the commands (``release``, ``selfgrade``,
``workspace``, ``cli``). Every import counts, also one inside a function (the
package imports lazily) and a module named in a lazy-export table.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mlteam_utils"
DOTTED = re.compile(r"^mlteam_utils(\.\w+)+$")

#: Modules a learner's kernel loads: they must work without the grader or the instructor's tools.
BOTTOM = (
    "mlteam_utils.answers",
    "mlteam_utils.naming",
    "mlteam_utils.atomic_files",
    "mlteam_utils.paths",
    "mlteam_utils.figures",
    "mlteam_utils.theme",
    "mlteam_utils.domain",
    "mlteam_utils.questions",
    "mlteam_utils.simulations",
    "mlteam_utils.kernel_warm_up",
)
GRADING = ("mlteam_utils.grading", "mlteam_utils.nbgrader_runner", "mlteam_utils.nbgrader_inprocess")
TOOLS = ("mlteam_utils.cohort", "mlteam_utils.reports")
COMMANDS = ("mlteam_utils.release", "mlteam_utils.selfgrade", "mlteam_utils.workspace", "mlteam_utils.cli")

#: (modules under these prefixes, may not import modules under these prefixes)
RULES = [
    (BOTTOM, GRADING + TOOLS + COMMANDS),
    (GRADING, TOOLS + COMMANDS),
    (TOOLS, COMMANDS),
]


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
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def upward(name: str, imports: list[Import]) -> list[str]:
    """The imports of module ``name`` that run up a layer, as ``line: module imports target``."""
    found: dict[int, str] = {}  # one per line: `from a.b import c, d` names a.b, a.b.c and a.b.d
    for sources, forbidden in RULES:
        if under(name, sources):
            for item in imports:
                if under(item.target, forbidden):
                    found.setdefault(item.line, f"line {item.line}: {name} imports {item.target}")
    return [found[line] for line in sorted(found)]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_import_runs_up_a_layer(path: Path) -> None:
    """A module imports nothing from a layer above its own (an upward import is listed with its line)."""
    found = upward(module_name(path), imports_of(path))
    assert not found, "imports that run up a layer:\n" + "\n".join(found)


def test_the_scan_sees_imports_of_every_kind() -> None:
    """The scanner finds top-level, in-function and lazy-table imports (it cannot pass by seeing nothing)."""
    assert {"mlteam_utils.naming", "mlteam_utils.atomic_files"} <= {i.target for i in imports_of(PACKAGE / "answers.py")}
    assert "mlteam_utils.naming" in {i.target for i in imports_of(PACKAGE / "cohort" / "feedback.py")}
    assert "mlteam_utils.simulations.panel" in {i.target for i in imports_of(PACKAGE / "simulations" / "__init__.py")}
    assert {"mlteam_utils.answers", "mlteam_utils.naming", "mlteam_utils.cli"} <= {module_name(p) for p in MODULES}


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("mlteam_utils.answers", "from mlteam_utils.grading.settings import answers_filename"),
        ("mlteam_utils.answers", "def f():\n    from mlteam_utils import grading"),
        ("mlteam_utils.domain.api", "from ..reports import export"),
        ("mlteam_utils.cohort.feedback", "def f():\n    import mlteam_utils.release"),
        ("mlteam_utils.grading.keys", "from mlteam_utils.cohort.grade import grade_cohort"),
        ("mlteam_utils.simulations", '_X = "mlteam_utils.cli"'),
    ],
)
def test_an_upward_import_is_caught(name: str, source: str) -> None:
    """Each way of writing an upward import is flagged."""
    assert upward(name, imports_in(source, name, is_package=name == "mlteam_utils.simulations"))


def test_downward_and_sibling_imports_pass() -> None:
    """Importing a lower layer, or a module of the same one, is not flagged (nor is a look-alike name)."""
    assert upward("mlteam_utils.cohort.feedback", imports_in("from mlteam_utils.grading.leaks import key_texts", "mlteam_utils.cohort.feedback")) == []
    assert upward("mlteam_utils.answers", imports_in("from mlteam_utils.naming import answers_filename", "mlteam_utils.answers")) == []
    assert not under("mlteam_utils.releases", COMMANDS), "a prefix matches whole module names only"
