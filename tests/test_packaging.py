"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>[<>=!~].*)?$")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def conda_requirements(environment: dict) -> tuple[dict[str, SpecifierSet], list[str]]:
    conda: dict[str, SpecifierSet] = {}
    pip: list[str] = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip.extend(entry.get("pip", []))
            continue
        match = CONDA_SPEC.match(entry.strip())
        assert match, f"environment.yml: cannot read {entry!r}"
        conda[match["name"].lower()] = SpecifierSet(match["spec"] or "")
    return conda, pip


def environment_disagreements(pyproject_toml: Path, environment_yml: Path) -> list[str]:
    """Every way ``environment_yml`` differs from ``pyproject_toml``'s dependencies (empty when they agree)."""
    project = tomllib.loads(pyproject_toml.read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load(environment_yml.read_text(encoding="utf-8"))
    problems: list[str] = []
    if environment.get("channels") != ["conda-forge"]:
        problems.append(f"environment.yml: channels should be ['conda-forge'], not {environment.get('channels')}")
    conda, pip = conda_requirements(environment)
    wanted = {Requirement(d).name.lower(): Requirement(d).specifier for d in project["dependencies"]}
    for name, specifier in wanted.items():
        if name not in conda:
            problems.append(f"{name} is in pyproject.toml but not in environment.yml")
        elif conda[name] != specifier:
            problems.append(f"{name}: pyproject says {specifier}, environment.yml says {conda[name]}")
    extra = set(conda) - set(wanted) - {"python", "pip"}
    if extra:
        problems.append(f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}")
    if conda.get("python") != SpecifierSet(project["requires-python"]):
        problems.append(f"python: pyproject says {project['requires-python']}, environment.yml says {conda.get('python')}")
    if not any(line.replace("--editable", "-e").split() == ["-e", "."] for line in pip):
        problems.append("environment.yml must pip-install the package itself")
    return problems


def test_environment_yml_matches_pyproject() -> None:
    assert environment_disagreements(ROOT / "pyproject.toml", ROOT / "environment.yml") == []


def test_disagreement_is_detected(tmp_path: Path) -> None:
    """The comparison above can fail: a changed bound, a missing and an extra package are each reported."""
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    changed = []
    for entry in environment["dependencies"]:
        if isinstance(entry, str) and entry.startswith("nbgrader"):
            changed.append("nbgrader==0.9.5")
        elif isinstance(entry, str) and entry.startswith("nh3"):
            continue  # dropped
        else:
            changed.append(entry)
    environment["dependencies"] = [*changed, "pytest>=9"]
    disagreeing = tmp_path / "environment.yml"
    disagreeing.write_text(yaml.safe_dump(environment), encoding="utf-8")

    assert environment_disagreements(ROOT / "pyproject.toml", disagreeing) == [
        "nbgrader: pyproject says ==0.9.6, environment.yml says ==0.9.5",
        "nh3 is in pyproject.toml but not in environment.yml",
        "environment.yml has packages pyproject.toml lacks: ['pytest']",
    ]


def _third_party_imports(folder: Path) -> dict[str, str]:
    """Top-level modules imported anywhere under ``folder`` (lazy imports in functions too) -> a file that does."""
    modules: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names:
                    modules.setdefault(top, str(path.relative_to(ROOT)))
    return modules


def _declared(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def _undeclared(folder: Path, declared: set[str], local: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module, where in _third_party_imports(folder).items():
        if module in local:
            continue
        owners = {canonicalize_name(d) for d in distributions.get(module, [])}
        if not owners & declared:
            missing.append(f"{module} (imported in {where}; installed from {sorted(owners) or 'nowhere'})")
    return missing


def test_the_package_declares_what_it_imports() -> None:
    """A package imported by mlteam_utils, even lazily, is a direct dependency, not a transitive accident."""
    declared = _declared(pyproject()["project"]["dependencies"])
    assert _undeclared(ROOT / "mlteam_utils", declared, {"mlteam_utils"}) == []


def test_the_tests_declare_what_they_import() -> None:
    """The tests and benchmarks import only the course's dependencies and the `test` extra."""
    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    # The `test` extra names others of the course's extras (mlteam-course[browser], [hub], ...): theirs count too.
    own = [Requirement(r) for r in extras["test"] if canonicalize_name(Requirement(r).name) == "mlteam-course"]
    declared = _declared(project["dependencies"] + extras["test"] + [dep for r in own for extra in r.extras for dep in extras[extra]])
    local = {"mlteam_utils", "tests", "benchmarks", "conftest", "course_helpers", "corpus", "browser", "completion_cohort", "postgres_cluster", "hub_fixtures", "reference_cohort",
             "grader_namespace", "test_postgres_gradebook", "hub_readme", "test_layering", "test_upstream_contracts"}
    assert _undeclared(ROOT / "tests", declared, local) + _undeclared(ROOT / "benchmarks", declared, local) == []


def test_only_the_test_extra_carries_test_tools() -> None:
    """pytest and nbval are test tools: the course never runs them, so they sit in the `test` extra `make test` installs."""
    project = pyproject()["project"]
    runtime = _declared(project["dependencies"])
    test_extra = _declared(project["optional-dependencies"]["test"])
    for tool in ("pytest", "nbval", "pytest-randomly", "mypy", "ruff", "pandas-stubs"):
        assert tool not in runtime and tool in test_extra, tool
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--editable '.[test]'" in makefile
    assert re.search(r"^\$\(TEST_STAMP\):.*pyproject\.toml", makefile, re.M), "the test tools reinstall when pyproject changes"


def test_console_script_is_declared_and_installed() -> None:
    assert pyproject()["project"]["scripts"]["mlteam-course"] == "mlteam_utils.cli:main"
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "mlteam-course"), "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0 and "release" in completed.stdout


SUBCOMMANDS = ["release", "grade", "feedback", "export", "report", "selfgrade", "workspace", "progress", "certificate", "verify"]


def test_the_cli_has_exactly_the_documented_subcommands() -> None:
    import argparse

    from mlteam_utils.cli import build_parser

    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert sorted(actions[0].choices) == sorted(SUBCOMMANDS)


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_subcommand_has_help(subcommand: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", subcommand, "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "usage: mlteam-course " + subcommand in completed.stdout
    description = completed.stdout.split("\n\n")[1]
    assert len(description) > 60, "a description that says what the subcommand does"


def test_makefile_targets_and_ci_entry_point() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("lab:", "test:", "bench:", "install:"):
        assert re.search(rf"^{target}", makefile, re.M), f"Makefile lacks {target}"
    assert "--ip=127.0.0.1" in makefile and "PORT" in makefile
    assert "course/index.ipynb" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "CI=true" in ci


def test_readme_quick_start_comes_first_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert headings and headings[0].lower().startswith("quick start")
    quick_start = readme.split("## ", 2)[1]
    assert "make lab" in quick_start and "make test" in quick_start
    for section in ("Course map", "Self-learners", "Instructors", "Layout", "Troubleshooting"):
        assert any(section.lower() in h.lower() for h in headings), f"README lacks a '{section}' section"


def test_runtime_folders_are_ignored_by_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    for path in ("course/submitted/", "course/autograded/", "course/feedback/", "course/gradebook.db", "*.answers.json"):
        assert path in ignored, f".gitignore lacks {path}"


def test_jupyterlab_news_and_update_popups_are_off() -> None:
    import json

    overrides = json.loads((ROOT / "course" / "jupyterlab" / "overrides.json").read_text(encoding="utf-8"))
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"checkForUpdates": False, "fetchNews": "false"}


def test_no_test_fixture_or_shipped_file_is_ignored_by_git() -> None:
    """A git-ignored fixture passes locally and vanishes from a fresh clone."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    candidates = [
        str(p.relative_to(ROOT))
        for folder in ("tests/fixtures", "mlteam_utils/data", "solutions", "exercises", "lessons", "course")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    ]
    candidates = [c for c in candidates if not c.endswith((".answers.json", ".feedback.html", ".db")) or c.startswith("tests/fixtures")]
    completed = subprocess.run(["git", "check-ignore", "--no-index", *candidates], cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.stdout.strip() == "", f"ignored by git, so missing from a fresh clone:\n{completed.stdout}"
