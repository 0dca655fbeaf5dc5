"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

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


def test_environment_yml_matches_pyproject() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    conda, pip = conda_requirements(environment)
    project = pyproject()["project"]
    wanted = {Requirement(d).name.lower(): Requirement(d).specifier for d in project["dependencies"]}
    for name, specifier in wanted.items():
        assert name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[name] == specifier, f"{name}: pyproject says {specifier}, environment.yml says {conda[name]}"
    extra = set(conda) - set(wanted) - {"python", "pip"}
    assert not extra, f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}"
    assert conda["python"] == SpecifierSet(project["requires-python"])
    assert any(line.replace("--editable", "-e").split() == ["-e", "."] for line in pip), "environment.yml must pip-install the package itself"


def test_disagreement_is_detected(tmp_path: Path) -> None:
    """The check above can fail: a changed bound is caught."""
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    environment["dependencies"] = [
        "nbgrader==0.9.5" if isinstance(e, str) and e.startswith("nbgrader") else e
        for e in environment["dependencies"]
    ]
    conda, _ = conda_requirements(environment)
    assert conda["nbgrader"] != Requirement("nbgrader==0.9.6").specifier


def test_console_script_is_declared_and_installed() -> None:
    assert pyproject()["project"]["scripts"]["mlteam-course"] == "mlteam_utils.cli:main"
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "mlteam-course"), "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0 and "release" in completed.stdout


SUBCOMMANDS = ["release", "grade", "feedback", "export", "report", "selfgrade", "workspace"]


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
