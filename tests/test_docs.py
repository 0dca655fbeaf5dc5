"""docs/architecture.md stays true to the code: every file it names exists, and its layer table is ``LAYERS``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_layering import LAYERS

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
TEXT = ARCHITECTURE.read_text(encoding="utf-8")

#: A Python file anywhere in the text (backticked or in the diagram), with at least one folder.
PYTHON_PATH = re.compile(r"(?<![\w/.-])((?:[a-z_]+/)+[a-z_0-9]+\.py)\b")
#: A backticked span that is a path with a folder: a file with an extension, or a folder of the package
#: (a bare name such as `pandas.py` or `half_right.answers.json` is an example or a file named in context).
PATH_SPAN = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|toml|md|json|ipynb|csv|cfg)|mlteam_utils/[\w/]+/)`")
PLACEHOLDER = re.compile(r"NN|<|\*")


def named_paths() -> list[str]:
    """Every concrete path the document names (placeholders such as ``exNN_slug`` left out)."""
    found = set(PYTHON_PATH.findall(TEXT)) | set(PATH_SPAN.findall(TEXT))
    return sorted(path for path in found if not PLACEHOLDER.search(path))


def resolve(path: str) -> Path:
    """A path from the repository root, or (the diagram's short form, ``grading/sandbox.py``) from the package."""
    direct = ROOT / path
    return direct if direct.exists() or path.startswith(("mlteam_utils/", "tests/", "docs/")) else ROOT / "mlteam_utils" / path


def test_the_document_names_the_grading_modules() -> None:
    """The scan finds what it should (it cannot pass by finding nothing)."""
    paths = named_paths()
    assert {"mlteam_utils/grading/provisioner.py", "mlteam_utils/grading/sandbox.py", "grading/answer_values.py"} <= set(paths)
    assert "course/syllabus.toml" in paths and "mlteam_utils/migrations/" in paths
    assert not PYTHON_PATH.findall("`pandas.py`"), "a bare file name is not a path of the package"


@pytest.mark.parametrize("path", named_paths())
def test_every_named_path_exists(path: str) -> None:
    assert resolve(path).exists(), f"docs/architecture.md names {path}, which does not exist"


def test_the_layer_table_is_the_layering_test_s_map() -> None:
    """One row per layer of ``LAYERS`` (tests/test_layering.py), listing exactly its prefixes."""
    section = TEXT.split("## The layers", 1)[1].split("\n## ", 1)[0]
    for index, layer in enumerate(LAYERS):
        row = next((line for line in section.splitlines() if line.startswith(f"| {index} |")), None)
        assert row is not None, f"the layer table has no row {index}"
        assert set(re.findall(r"`([\w.]+)`", row)) == set(layer), f"row {index} differs from LAYERS[{index}] in tests/test_layering.py"
    assert not re.search(rf"^\| {len(LAYERS)} \|", section, re.MULTILINE), "the table has more layers than LAYERS"
