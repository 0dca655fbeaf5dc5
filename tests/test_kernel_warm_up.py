"""A lesson's kernel imports pyplot while the learner reads, and the lesson shows exactly what it showed before."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "lessons" / "01_how_ml_projects_differ.ipynb"  # figures, tables and widgets
PROBE = "import sys\nprint('matplotlib.pyplot' in sys.modules, 'pandas' in sys.modules)"


def test_the_venv_has_the_projects_kernel_settings() -> None:
    """`make install` copies them where IPython's kernels look (sys.prefix/etc/ipython)."""
    installed = Path(sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.py"
    assert installed.is_file(), f"{installed} is missing: run `make install`"
    assert installed.read_text(encoding="utf-8") == (ROOT / "course" / "jupyterlab" / "ipython_kernel_config.py").read_text(encoding="utf-8")


def run_with_probe(path: Path, warm_up: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """Run the notebook with a first cell that says what is already imported; that line, and every other output."""
    from nbclient import NotebookClient

    monkeypatch.setenv("MLTEAM_KERNEL_WARM_UP", warm_up)  # the kernel inherits it
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [re.sub(r'"model_id": "[0-9a-f]+"', '"model_id": "ID"', json.dumps(cell.outputs, sort_keys=True)) for cell in code[1:]]
    return code[0].outputs[0]["text"].strip(), outputs


@pytest.mark.slow
def test_a_lesson_shows_the_same_with_and_without_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Byte for byte, figures (PNG) included; pyplot is loaded before the first cell only with the warm-up, pandas never."""
    warm_probe, warm = run_with_probe(LESSON, "1", monkeypatch)
    cold_probe, cold = run_with_probe(LESSON, "0", monkeypatch)
    assert (warm_probe, cold_probe) == ("True False", "False False")
    assert any("data:image/png;base64," in output for output in warm), "the lesson's figures are compared too"
    assert warm == cold


def test_the_start_page_kernel_does_not_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only lessons import pyplot early: the start page uses none of it."""
    notebook = ROOT / "course" / "index.ipynb"
    probe, _ = run_with_probe(notebook, "1", monkeypatch)
    assert probe == "False False"
