"""A notebook's outputs are capped in the grader's memory, not only in the sandbox.

The sandbox caps the kernel's own memory, but every output it prints streams into the
grading process, where no sandbox limit applies: a kernel that prints and flushes a
megabyte at a time, in every cell, could fill the grader's memory. IsolatedExecute keeps
at most ``max_output_mb`` of a notebook's outputs, then only what the code questions hand
over from their (locked) test cells, and says in the notebook that it dropped the rest.
These tests run a real sandboxed kernel with a small cap.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from conftest import require_optional
from mlteam_utils.grading.answer_values import MEDIA_TYPE
from mlteam_utils.grading.isolation import IsolatedExecute, isolation_status, nbgrader_isolation_config

REPO_ROOT = Path(__file__).resolve().parent.parent
CAP_MB = 1
FLOOD = "import sys\nline = 'x' * 100_000\nfor _ in range(100):  # 10 MB, flushed as it goes\n    print(line); sys.stdout.flush()"
HANDOVER = f"from IPython.display import display\ndisplay({{{MEDIA_TYPE!r}: '{{\"answer\": 42}}'}}, raw=True)"


def test_output_beyond_the_cap_is_dropped_but_handed_over_values_are_kept(tmp_path: Path) -> None:
    require_optional(isolation_status().available, "bubblewrap grading isolation", f"{isolation_status().reason} (sudo apt-get install bubblewrap)")
    config = nbgrader_isolation_config(REPO_ROOT)
    config.IsolatedExecute.max_output_mb = CAP_MB
    test_cell = nbformat.v4.new_code_cell(HANDOVER)
    test_cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "q_test", "points": 1, "schema_version": 3}
    learner_cell = nbformat.v4.new_code_cell(HANDOVER)  # the same output from an ordinary cell: not a test's
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOD), learner_cell, test_cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    executed, _ = IsolatedExecute(config=config).preprocess(notebook, {"metadata": {"path": str(tmp_path)}})

    flood, learner, test = executed.cells
    printed = sum(len(o.get("text", "")) for o in flood.outputs if o.get("name") == "stdout")
    assert 0 < printed <= CAP_MB * 2**20 + 100_001, f"{printed} characters kept"
    assert flood.outputs[-1].name == "stderr" and f"dropped this notebook's output beyond {CAP_MB} MB" in flood.outputs[-1].text
    assert learner.outputs == [], "past the cap, only a test cell's handed-over values are kept"
    assert [o.data[MEDIA_TYPE] for o in test.outputs if MEDIA_TYPE in o.get("data", {})] == ['{"answer": 42}']


def test_under_the_cap_nothing_is_dropped(tmp_path: Path) -> None:
    require_optional(isolation_status().available, "bubblewrap grading isolation", f"{isolation_status().reason} (sudo apt-get install bubblewrap)")
    config = nbgrader_isolation_config(REPO_ROOT)
    config.IsolatedExecute.max_output_mb = CAP_MB
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('x' * 1000)"), nbformat.v4.new_code_cell("print('done')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, _ = IsolatedExecute(config=config).preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    assert [o.text for cell in executed.cells for o in cell.outputs] == ["x" * 1000 + "\n", "done\n"]
