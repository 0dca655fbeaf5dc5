"""Hostile and broken submissions of exercise 1, each with the outcome it must get.

Every kind is built from the assignment's generated release, so the corpus never
goes stale when the exercise changes. A kind says what a learner hands in (the
notebook and any other files) and what ``mlteam-course grade`` must record:

* ``failed``: the submission is not graded, and the reason names the problem;
* ``at_most``: it is graded and scores no more than the honest submission it was
  built from (a cheat earns nothing; a tamper is undone);
* ``exactly``: it is graded and scores exactly the honest base (noise costs nothing),
  or the stated number of points;
* ``failed_or_at_most``: either is a clear outcome (a kernel that dies).

``needs_isolation`` marks the attacks on the grader's files and on the machine:
without isolation they are not contained, so they only run with it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_helpers import honest_submission
from mlteam_utils.grading.settings import answers_filename

ASSIGNMENT = "ex01_how_ml_projects_differ"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ANSWERS = answers_filename(ASSIGNMENT)
#: The code question's solution cell, where most attacks are typed.
CODE_CELL = "q4_solution"
#: Points of the code question alone (what a submission without answers file can earn).
CODE_POINTS = 4.0
#: Files an escaping submission would create: the test checks none appears.
ESCAPE_MARKER = "mlteam-escaped"


SWAP_SOCKETS = """
import json, os
try:
    from ipykernel import get_connection_file
    base = json.load(open(get_connection_file()))["ip"]
    for number in range(1, 6):
        try:
            os.unlink(f"{base}-{number}")
            os.symlink("/run/systemd/private", f"{base}-{number}")
        except OSError:
            pass
except Exception:
    pass
"""


@dataclass(frozen=True)
class Link:
    """A symbolic link in a submission, pointing at ``target``."""

    target: Path


@dataclass(frozen=True)
class HardLink:
    """A hard link in a submission: a second name for the file ``target``."""

    target: Path


@dataclass(frozen=True)
class Special:
    """A named pipe (``fifo``) or a Unix socket (``socket``) in a submission."""

    kind: str


Files = dict[str, "bytes | str | Link | HardLink | Special"]


@dataclass(frozen=True)
class Context:
    """What a builder may use: the temporary course and its learners' folders."""

    course: Path
    victim: str  # an honest learner whose files the cheats try to reach
    listener_port: int = 0  # a TCP server on 127.0.0.1 that learner code must not reach

    @property
    def release(self) -> Path:
        return self.course / "exercises" / ASSIGNMENT / NOTEBOOK

    def honest(self, kind: str) -> tuple[nbformat.NotebookNode, dict | None]:
        submission = honest_submission(self.course, ASSIGNMENT, kind)
        notebook = submission.notebook
        assert isinstance(notebook, nbformat.NotebookNode)
        return notebook, submission.answers


@dataclass(frozen=True)
class Kind:
    name: str
    group: str
    description: str
    build: Callable[[Context], Files]
    base: str  # the honest submission it starts from
    expect: str  # failed | at_most | exactly | failed_or_at_most
    reason: str = ""  # for failed: a text the recorded reason contains
    points: float | None = None  # for exactly: the score, when not the base's
    needs_isolation: bool = False
    secrets_must_not_appear: bool = field(default=False)
    markup: bool = False  # its learner markup must be inert wherever the course renders it
    special_file: bool = False  # hands in, or makes while graded, a link or special file


def _files(notebook: nbformat.NotebookNode | bytes | str | Link, answers: dict | bytes | str | Link | None) -> Files:
    files: Files = {}
    files[NOTEBOOK] = nbformat.writes(notebook) if isinstance(notebook, nbformat.NotebookNode) else notebook
    if answers is not None:
        files[ANSWERS] = json.dumps(answers) if isinstance(answers, dict) else answers
    return files


def _cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _with_code(base: str, code: str, *, keep_answers: bool = True) -> Callable[[Context], Files]:
    """The base submission with ``code`` appended to the code question's cell."""

    def build(context: Context) -> Files:
        notebook, answers = context.honest(base)
        cell = _cell(notebook, CODE_CELL)
        cell.source = cell.source + "\n" + code
        return _files(notebook, answers if keep_answers else None)

    return build


def _notebook_bytes(build: Callable[[nbformat.NotebookNode], bytes | str], base: str = "solution") -> Callable[[Context], Files]:
    def make(context: Context) -> Files:
        notebook, answers = context.honest(base)
        return _files(build(notebook), answers)

    return make


def _mutated(base: str, mutate: Callable[[nbformat.NotebookNode], None]) -> Callable[[Context], Files]:
    def build(context: Context) -> Files:
        notebook, answers = context.honest(base)
        mutate(notebook)
        return _files(notebook, answers)

    return build


def _answers(base: str, answers: Callable[[Context], bytes | str | Link]) -> Callable[[Context], Files]:
    def build(context: Context) -> Files:
        notebook, _ = context.honest(base)
        return _files(notebook, answers(context))

    return build


# --- mutations -------------------------------------------------------------------


def _delete_test_cells(notebook: nbformat.NotebookNode) -> None:
    notebook.cells = [c for c in notebook.cells if not (c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))]


def _strip_nbgrader_metadata(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)


def _tests_into_pass(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"


def _points_times_100(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("points"):
            nbgrader["points"] = float(nbgrader["points"]) * 100


def _fake_widget_credit(notebook: nbformat.NotebookNode) -> None:
    """A widget question's test cell rewritten to print full marks."""
    for cell in notebook.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and "check_answered" in cell.source:
            cell.source = f"{float(nbgrader['points'])!r}"


def _other_assignment(context: Context) -> Files:
    other = context.course / "exercises" / "ex02_the_ml_team" / "ex02_the_ml_team.ipynb"
    return {NOTEBOOK: other.read_bytes()}


def _empty_notebook(context: Context) -> Files:
    notebook, _ = context.honest("blank")
    notebook.cells = []
    return _files(notebook, None)


# --- code a cheat or a runaway learner types -------------------------------------

_FIND_COURSE = '''
import os as _os
_root = _os.getcwd()
while _root != "/" and not _os.path.isfile(_os.path.join(_root, "nbgrader_config.py")):
    _root = _os.path.dirname(_root)
'''

READ_SOLUTIONS = _FIND_COURSE + f'''
import json as _json, nbformat as _nbf
try:
    _key = open(_os.path.join(_root, "solutions", "{ASSIGNMENT}", "{ASSIGNMENT}.key.json")).read()
    print(_key)
    _sol = _nbf.read(_os.path.join(_root, "solutions", "{ASSIGNMENT}", "{NOTEBOOK}"), 4)
    exec(next(c.source for c in _sol.cells if c.metadata.get("nbgrader", {{}}).get("grade_id") == "{CODE_CELL}"))
except OSError as _error:
    print("blocked:", type(_error).__name__)
'''

READ_GRADEBOOK = _FIND_COURSE + '''
import sqlite3 as _sqlite3
try:
    _db = _sqlite3.connect("file:" + _os.path.join(_root, "course", "gradebook.db") + "?mode=rw", uri=True)
    print(_db.execute("SELECT * FROM grade").fetchall())
    _db.execute("UPDATE grade SET auto_score = 100")
    _db.commit()
except Exception as _error:
    print("blocked:", type(_error).__name__)
'''

def _read_other_submission(victim: str) -> str:
    return _FIND_COURSE + f'''
import nbformat as _nbf
try:
    _theirs = _nbf.read(_os.path.join(_root, "course", "submitted", "{victim}", "{ASSIGNMENT}", "{NOTEBOOK}"), 4)
    exec(next(c.source for c in _theirs.cells if c.metadata.get("nbgrader", {{}}).get("grade_id") == "{CODE_CELL}"))
    print(open(_os.path.join(_root, "course", "submitted", "{victim}", "{ASSIGNMENT}", "{ANSWERS}")).read())
except OSError as _error:
    print("blocked:", type(_error).__name__)
'''

WRITE_OUTSIDE = _FIND_COURSE + f'''
import tempfile as _tempfile, pathlib as _pathlib
for _target in [_os.path.join(_root, "{ESCAPE_MARKER}.txt"),
                _os.path.join(_root, "solutions", "{ESCAPE_MARKER}.txt"),
                _os.path.join(_root, "course", "submitted", "{ESCAPE_MARKER}.txt"),
                _os.path.join(_os.path.expanduser("~"), "{ESCAPE_MARKER}.txt"),
                _os.path.join(_os.path.dirname(_os.getcwd()), "{ESCAPE_MARKER}.txt")]:
    try:
        _pathlib.Path(_target).write_text("escaped")
        print("wrote", _target)
    except OSError as _error:
        print("blocked:", type(_error).__name__)
'''

REWRITE_ANSWERS = f'''
import json as _json
_json.dump({{"schema": "forged", "questions": {{}}}}, open("{ANSWERS}", "w"))
'''

REDEFINE_HELPERS = '''
check_answered = lambda *args, **kwargs: None
import mlteam_utils.answers, mlteam_utils.grading.widget_scores as _scores
mlteam_utils.answers.check_answered = check_answered
_scores.score_record = lambda *args, **kwargs: {"fraction": 1.0, "items": [], "problems": []}
import builtins as _builtins
_builtins.AssertionError = type("Quiet", (Exception,), {})
'''

MEMORY_BOMB = '''
_chunks = []
while True:
    _chunks.append(bytearray(256 * 1024 * 1024))
'''

SHADOW_PACKAGE = '''"""A learner's own mlteam_utils, shadowing the real one during grading."""
def check_answered(*args, **kwargs):
    return None
'''

# --- what learner code leaves behind for the grader --------------------------------

# Inside the sandbox the course is not there, but the working folder's path names it.
_COURSE_FROM_CWD = """
import os as _os
_course = _os.getcwd().split("/course/")[0]
"""

LINK_NOTEBOOK_TO_GRADEBOOK = _COURSE_FROM_CWD + f"""
_os.remove("{NOTEBOOK}")
_os.symlink(_os.path.join(_course, "course", "gradebook.db"), "{NOTEBOOK}")
"""


def _links_named_html(victim: str) -> str:
    return _COURSE_FROM_CWD + f"""
for _name, _target in [("key.html", "solutions/{ASSIGNMENT}/{ASSIGNMENT}.key.json"),
                       ("gradebook.html", "course/gradebook.db"),
                       ("victim.html", "course/submitted/{victim}/{ASSIGNMENT}/{NOTEBOOK}"),
                       ("{ASSIGNMENT}.html", "solutions/{ASSIGNMENT}/{NOTEBOOK}")]:
    _os.symlink(_os.path.join(_course, _target), _name)
_os.makedirs("sub", exist_ok=True)
_os.symlink(_os.path.join(_course, "solutions"), "sub/solutions")
"""


LINKS_FOR_CHMOD = _COURSE_FROM_CWD + """
for _name, _target in [("timestamp.txt", "nbgrader_config.py"), ("notes.txt", "course/syllabus.toml")]:
    if _os.path.lexists(_name):
        _os.remove(_name)
    _os.symlink(_os.path.join(_course, _target), _name)
"""

HARD_LINK_WHILE_GRADED = f"""
import os as _os
_os.link("{NOTEBOOK}", "copy.html")
"""

FIFOS_WHILE_GRADED = f"""
import os as _os
_os.mkfifo("feedback.html")
_os.mkfifo("{ANSWERS}.tmp")
_os.mkfifo("timestamp.txt.new")
"""

# --- interpreter tricks: code that changes how later cells run ---------------------

INPUT_TRANSFORMER = """
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
"""

AST_TRANSFORMER = """
import ast as _ast
class _NoAsserts(_ast.NodeTransformer):
    def visit_Assert(self, node):
        return _ast.Pass()
    def visit_Raise(self, node):
        return _ast.Pass()
get_ipython().ast_transformers.append(_NoAsserts())
"""

REPLACED_SHELL_METHOD = """
_shell = get_ipython()
_original = _shell.run_cell_async
async def _run_nothing(raw_cell, *args, **kwargs):
    return await _original("None", *args, **kwargs)
_shell.run_cell_async = _run_nothing
_shell.should_run_async = lambda *args, **kwargs: True
"""

FORGED_VALUES = """
import json as _json
from IPython.display import display as _display
_media = "application/vnd.mlteam.answer-values+json"
_forged = _json.dumps({"schema": "mlteam-values/1", "values": {"first_good_week": {"__mlteam__": "callable", "source": "lambda: 4"},
                       "no_usable_model": "x" * 50}, "missing": [], "problems": {}})
_display({_media: _forged, "text/plain": "forged"}, raw=True)
import mlteam_utils.grading.answer_values as _values
_values.export_answer_values = lambda *args, **kwargs: _display({_media: _forged}, raw=True)
"""

# --- markup that would run in the instructor's browser -------------------------------

XSS_REFLECTION = """My reflection. <img src=x onerror="fetch('/api/contents?xsrf='+document.cookie)">
<script>document.title = 'pwned'</script> [see my plan](javascript:alert(document.cookie))
<svg onload="alert(1)"></svg> <iframe srcdoc="<script>alert(1)</script>"></iframe>"""

XSS_OUTPUTS = """
from IPython.display import display as _display, HTML as _HTML, Javascript as _JS, SVG as _SVG
_display(_HTML("<b>table</b><img src=x onerror=\\"alert('html output')\\"><script>alert('script output')</script>"))
_display(_JS("alert('javascript output')"))
_display(_SVG('<svg xmlns=\\"http://www.w3.org/2000/svg\\" onload=\\"alert(1)\\"><script>alert(2)</script></svg>'))
_display({"text/markdown": "<img src=x onerror=alert('markdown output')>", "text/plain": "md"}, raw=True)
"""


def _with_reflection(base: str, text: str) -> Callable[[Context], Files]:
    def build(context: Context) -> Files:
        notebook, answers = context.honest(base)
        for index, cell in enumerate(notebook.cells):
            if cell.metadata.get("nbgrader", {}).get("task") and index + 1 < len(notebook.cells):
                notebook.cells[index + 1].source = text
        return _files(notebook, answers)

    return build


def _forged_widget_state(notebook: nbformat.NotebookNode) -> None:
    html_model = {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
                  "state": {"value": "<img src=x onerror=\"alert('widget state')\">"}}
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0,
                                                                                  "state": {"forged": html_model}}}
    notebook.cells.append(nbformat.v4.new_markdown_cell("<script>alert('new markdown cell')</script>"))
    notebook.cells.append(nbformat.v4.new_raw_cell("<script>alert('raw cell')</script>", metadata={"format": "text/html", "raw_mimetype": "text/html"}))


# --- the network and the machine ----------------------------------------------------

def _reach_loopback(port: int) -> str:
    return f"""
import socket as _socket
for _host in ("127.0.0.1", "localhost", "169.254.169.254"):
    try:
        with _socket.create_connection((_host, {port}), timeout=2) as _connection:
            _connection.sendall(b"learner code was here")
        print("reached", _host)
    except OSError as _error:
        print("blocked:", _host, type(_error).__name__)
"""


FORK_BOMB = """
import os as _os
while True:
    try:
        _os.fork()
    except OSError:
        pass
"""

KINDS: list[Kind] = [
    # --- broken files
    Kind("invalid_json", "broken file", "notebook text that is not JSON",
         lambda c: {NOTEBOOK: '{"cells": ['}, "blank", "failed", reason="NotJSONError"),
    Kind("truncated_json", "broken file", "a notebook cut off halfway (a failed upload)",
         _notebook_bytes(lambda nb: nbformat.writes(nb)[: len(nbformat.writes(nb)) // 2]), "solution", "failed", reason="NotJSONError"),
    Kind("zero_bytes", "broken file", "an empty file where the notebook should be",
         lambda c: {NOTEBOOK: b""}, "blank", "failed", reason="JSON"),
    Kind("empty_notebook", "broken file", "a valid notebook with no cells",
         _empty_notebook, "blank", "exactly", points=0.0),
    Kind("other_assignment", "broken file", "exercise 2's notebook handed in as exercise 1",
         _other_assignment, "blank", "failed", reason="another exercise's notebook"),
    Kind("notebook_is_a_link", "broken file", "the notebook is a symbolic link to the instructor's solution",
         lambda c: {NOTEBOOK: Link(c.course / "solutions" / ASSIGNMENT / NOTEBOOK)}, "blank", "failed", reason="symbolic link"),
    # --- tampered cells
    Kind("deleted_test_cells", "tampered", "every test cell deleted",
         _mutated("solution", _delete_test_cells), "solution", "at_most"),
    Kind("deleted_nbgrader_metadata", "tampered", "nbgrader's cell metadata stripped from every cell",
         _mutated("half_right", _strip_nbgrader_metadata), "half_right", "failed_or_at_most"),
    Kind("tests_edited_into_pass", "tampered", "every test cell's code replaced by `pass`",
         _mutated("blank", _tests_into_pass), "blank", "at_most"),
    Kind("points_changed", "tampered", "every cell's points multiplied by 100",
         _mutated("half_right", _points_times_100), "half_right", "at_most"),
    Kind("widget_test_prints_full_marks", "tampered", "widget test cells rewritten to output their full points",
         _mutated("blank", _fake_widget_credit), "blank", "at_most"),
    # --- runaway code
    Kind("infinite_loop", "runaway", "an endless loop in the code question",
         _with_code("solution", "while True:\n    pass"), "solution", "at_most"),
    Kind("sys_exit", "runaway", "sys.exit() in the code question",
         _with_code("solution", "import sys\nsys.exit(3)"), "solution", "at_most"),
    Kind("os_exit", "runaway", "os._exit() kills the kernel",
         _with_code("solution", "import os\nos._exit(1)"), "solution", "failed_or_at_most"),
    Kind("kernel_segfault", "runaway", "a segmentation fault in the kernel",
         _with_code("solution", "import ctypes\nctypes.string_at(0)"), "solution", "failed_or_at_most"),
    Kind("memory_bomb", "runaway", "allocates 256 MB at a time without end",
         _with_code("solution", MEMORY_BOMB), "solution", "at_most", needs_isolation=True),
    Kind("megabytes_of_output", "runaway", "prints 20 MB of output",
         _with_code("solution", "for _ in range(20_000):\n    print('x' * 1000)"), "solution", "at_most"),
    # --- noise
    Kind("stderr_and_warnings", "noise", "the learner's own cell writes to stderr and raises warnings",
         _with_code("solution", "import sys, warnings\nprint('debug output', file=sys.stderr)\nwarnings.warn('a learner warning')"), "solution", "exactly"),
    # --- answers file
    Kind("answers_missing", "answers file", "no answers file handed in",
         lambda c: _files(c.honest("solution")[0], None), "solution", "exactly", points=CODE_POINTS),
    Kind("answers_empty", "answers file", "an empty answers file",
         _answers("solution", lambda c: b""), "solution", "exactly", points=CODE_POINTS),
    Kind("answers_garbled", "answers file", "binary garbage in the answers file",
         _answers("solution", lambda c: b"\x00\xffnot json{{{"), "solution", "exactly", points=CODE_POINTS),
    Kind("answers_wrong_schema", "answers file", "JSON of another shape in the answers file",
         _answers("solution", lambda c: json.dumps({"schema": "someone-else/9", "answers": [1, 2, 3]})), "solution", "exactly", points=CODE_POINTS),
    Kind("answers_enormous", "answers file", "a 40 MB answers file",
         _answers("solution", lambda c: b'{"pad": "' + b"x" * (40 * 2**20) + b'"}'), "solution", "exactly", points=CODE_POINTS),
    Kind("answers_link_to_another_learner", "answers file", "the answers file is a link to another learner's",
         _answers("blank", lambda c: Link(c.course / "course" / "submitted" / c.victim / ASSIGNMENT / ANSWERS)), "blank", "exactly", points=0.0),
    # --- cheating
    Kind("redefined_grading_helpers", "cheat", "redefines check_answered, the widget scorer and AssertionError",
         _with_code("blank", REDEFINE_HELPERS), "blank", "at_most"),
    Kind("rewrites_answers_while_graded", "cheat", "rewrites its answers file while the grader runs it",
         _with_code("blank", REWRITE_ANSWERS), "blank", "at_most"),
    Kind("ships_its_own_mlteam_utils", "cheat", "hands in a mlteam_utils package and a pandas.py beside the notebook",
         lambda c: {**_files(*c.honest("blank")), "mlteam_utils/__init__.py": SHADOW_PACKAGE, "pandas.py": "Series = object\n"}, "blank", "at_most"),
    Kind("reads_solutions", "cheat", "reads the answer key and runs the instructor's solution",
         _with_code("blank", READ_SOLUTIONS), "blank", "at_most", needs_isolation=True, secrets_must_not_appear=True),
    Kind("reads_and_writes_gradebook", "cheat", "reads the gradebook and sets every score to 100",
         _with_code("blank", READ_GRADEBOOK), "blank", "at_most", needs_isolation=True),
    Kind("reads_another_submission", "cheat", "copies another learner's code and answers during grading",
         lambda c: _with_code("blank", _read_other_submission(c.victim))(c), "blank", "at_most", needs_isolation=True),
    Kind("writes_outside_its_folder", "cheat", "writes files in the course, in solutions/, in $HOME and next to its folder",
         _with_code("blank", WRITE_OUTSIDE), "blank", "at_most", needs_isolation=True),
    # --- links and special files left for the grader while graded
    Kind("notebook_replaced_by_link_to_gradebook", "left behind", "replaces its own notebook with a link to the gradebook",
         _with_code("solution", LINK_NOTEBOOK_TO_GRADEBOOK), "solution", "at_most", needs_isolation=True, special_file=True),
    Kind("links_named_html_to_secrets", "left behind", "leaves *.html links to the key, the gradebook, a solution and another learner's work",
         lambda c: _with_code("blank", _links_named_html(c.victim))(c), "blank", "at_most", needs_isolation=True,
         secrets_must_not_appear=True, special_file=True),
    Kind("links_for_chmod", "left behind", "replaces timestamp.txt and adds notes.txt as links to course files (nbgrader chmods its folder)",
         _with_code("blank", LINKS_FOR_CHMOD), "blank", "at_most", needs_isolation=True, special_file=True),
    Kind("hard_link_while_graded", "left behind", "makes a hard link of its notebook named copy.html",
         _with_code("blank", HARD_LINK_WHILE_GRADED), "blank", "at_most", needs_isolation=True, special_file=True),
    Kind("fifos_while_graded", "left behind", "makes named pipes called feedback.html, *.answers.json.tmp and timestamp.txt.new",
         _with_code("blank", FIFOS_WHILE_GRADED), "blank", "at_most", needs_isolation=True, special_file=True),
    # --- special files handed in
    Kind("fifo_as_answers_file", "special file", "the answers file is a named pipe",
         lambda c: {**_files(c.honest("solution")[0], None), ANSWERS: Special("fifo")}, "solution", "exactly",
         points=CODE_POINTS, special_file=True),
    Kind("fifo_and_socket_beside_notebook", "special file", "a named pipe and a Unix socket beside an honest notebook",
         lambda c: {**_files(*c.honest("half_right")), "notes.txt": Special("fifo"), "helper.sock": Special("socket")},
         "half_right", "exactly", special_file=True),
    Kind("hard_link_to_the_key", "special file", "the answers file is a hard link to the instructor's answer key",
         _answers("blank", lambda c: HardLink(c.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.key.json")),
         "blank", "exactly", points=0.0, special_file=True),
    # --- code that changes how later cells run
    Kind("input_transformer_empties_tests", "interpreter", "an input transformer turns every later cell into `pass`",
         _with_code("blank", INPUT_TRANSFORMER), "blank", "at_most"),
    Kind("ast_transformer_drops_asserts", "interpreter", "an AST transformer removes every assert and raise from later cells",
         _with_code("blank", AST_TRANSFORMER), "blank", "at_most"),
    Kind("shell_runs_nothing", "interpreter", "the shell's run_cell_async replaced to run nothing",
         _with_code("blank", REPLACED_SHELL_METHOD), "blank", "at_most"),
    Kind("forged_answer_values", "interpreter", "hands the grader forged values (a 'callable' tag) and replaces the exporter",
         _with_code("blank", FORGED_VALUES), "blank", "at_most"),
    # --- markup for the instructor's browser
    Kind("reflection_with_script", "markup", "the reflection carries <img onerror>, <script>, <svg onload>, an iframe and a javascript: link",
         _with_reflection("solution", XSS_REFLECTION), "solution", "exactly", markup=True),
    Kind("outputs_with_script", "markup", "code outputs of HTML with script, JavaScript, SVG with script and markdown with HTML",
         _with_code("solution", XSS_OUTPUTS), "solution", "exactly", markup=True),
    Kind("forged_widget_state", "markup", "forged widget state with an HTML widget, a new markdown cell and a raw HTML cell",
         _mutated("solution", _forged_widget_state), "solution", "exactly", markup=True),
    # --- the network and the machine
    Kind("reaches_loopback_and_metadata", "network", "connects to a server on 127.0.0.1, localhost and the cloud metadata address",
         lambda c: _with_code("solution", _reach_loopback(c.listener_port))(c), "solution", "exactly", needs_isolation=True),
    # Outputs stream into the grader's memory, past the sandbox's caps: the grader keeps at most
    # IsolatedExecute.max_output_mb (64 MB) of them and still reads the code questions' values.
    Kind("floods_output_flushed", "runaway", "prints and flushes 100 MB of output, a megabyte at a time",
         _with_code("solution", "import sys\nfor _ in range(100):\n    print('x' * 1_000_000); sys.stdout.flush()"),
         "solution", "exactly", needs_isolation=True),
    # The kernel's socket folder is the grader's once the kernel is up: the swap fails, grading goes on.
    Kind("swaps_kernel_sockets", "network", "replaces its kernel's socket files with links elsewhere",
         _with_code("solution", SWAP_SOCKETS), "solution", "exactly", needs_isolation=True),
    # A root grader runs learner code as a user of its own and stops it at the process cap;
    # another grader's own process cap (RLIMIT_NPROC) holds the bomb until the cell times out.
    Kind("fork_bomb", "runaway", "forks without end, ignoring every failure",
         _with_code("solution", FORK_BOMB), "solution", "failed" if os.geteuid() == 0 else "failed_or_at_most",
         reason="fork bomb", needs_isolation=True),
]


def write_submission(folder: Path, files: Files) -> None:
    """Put a kind's files in its submission folder."""
    folder.mkdir(parents=True, exist_ok=True)
    import socket

    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, HardLink):
            os.link(content.target, path)
        elif isinstance(content, Special) and content.kind == "fifo":
            os.mkfifo(path)
        elif isinstance(content, Special):
            here = os.getcwd()
            os.chdir(path.parent)  # a socket's path may not exceed 108 bytes
            try:
                with socket.socket(socket.AF_UNIX) as server:
                    server.bind(path.name)
            finally:
                os.chdir(here)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
