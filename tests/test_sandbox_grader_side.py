"""What the grader holds of a sandboxed kernel, beyond the sandbox's reach.

- Outputs: the sandbox caps the kernel's own memory, but every output it prints streams
  into the grading process. A kernel printing and flushing a megabyte at a time, in every
  cell, could fill the grader's memory; IsolatedExecute keeps at most ``max_output_mb``,
  then only what the code questions hand over from their (locked) test cells, and says in
  the notebook that it dropped the rest.
- Channels: the kernel talks to the grader over Unix sockets in a folder of its own. Once
  the kernel has bound them, the folder is the grader's, so learner code cannot swap a
  socket for a link to another one.

These tests run a real sandboxed kernel.
"""

from __future__ import annotations

import json
import os
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


SOCKET_SWAP = """
import json, os
from ipykernel import get_connection_file
base = json.load(open(get_connection_file()))["ip"]
folder = os.path.dirname(base)
results = {}
for name, attempt in {
    "unlink": lambda: os.unlink(base + "-1"),
    "rename": lambda: os.rename(base + "-1", base + "-moved"),
    "link": lambda: os.symlink("/run/some-other.sock", base + "-99"),
}.items():
    try:
        attempt()
        results[name] = "done"
    except OSError as error:
        results[name] = type(error).__name__
print(json.dumps({"sockets": sorted(os.listdir(folder)), "results": results}))
"""


def test_learner_code_cannot_swap_its_kernels_sockets(tmp_path: Path) -> None:
    """The kernel's channels are Unix sockets in a folder of their own; once the kernel has
    bound them, the folder is the grader's, so learner code cannot point one elsewhere
    (ZeroMQ would reconnect the grader to whatever the path names)."""
    require_optional(isolation_status().available, "bubblewrap grading isolation", f"{isolation_status().reason} (sudo apt-get install bubblewrap)")
    require_optional(os.geteuid() == 0, "a root grader (learner code then runs as a user of its own)", "run the tests as root, as CI does")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOCKET_SWAP), nbformat.v4.new_code_cell("print('still connected')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, _ = IsolatedExecute(config=nbgrader_isolation_config(REPO_ROOT)).preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    report = json.loads(executed.cells[0].outputs[0].text)
    assert len(report["sockets"]) == 5, report  # shell, iopub, stdin, control, heartbeat
    assert report["results"] == {"unlink": "PermissionError", "rename": "PermissionError", "link": "PermissionError"}, report
    assert executed.cells[1].outputs[0].text == "still connected\n"
