"""What mlteam_utils/upstream relies on in nbgrader and Jupyter, checked against the installed versions.

Each test here fails when an upstream behaviour the course works around or builds on
changes: then read the module named in the test and adapt (or drop) it.

The formgrader's gradebook (issue 31, C): a throwaway PostgreSQL cluster is stopped and
started again on the same port between two queries of the same gradebook object.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nbgrader.api import Gradebook
from sqlalchemy.exc import OperationalError, PendingRollbackError

from course_helpers import make_course
from mlteam_utils.nbgrader_runner import nbgrader_environment
from mlteam_utils.upstream.gradebook import FORMGRADER_MODULE, ResilientGradebook
from postgres_cluster import PostgresCluster, _as_server_user, missing_parts, start_cluster


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own: it is restarted, which the session's shared one must not be."""
    from conftest import require_optional

    missing = missing_parts()
    require_optional(not missing, "PostgreSQL for the tests (" + ", ".join(missing) + ")", "apt-get install postgresql")
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def restart(cluster: PostgresCluster) -> None:
    """Stop the server (dropping every client connection) and start it again, same port and folder."""
    pg_ctl = str(cluster.bin_dir / "pg_ctl")
    for command in (["stop", "-m", "fast", "-w"], ["start", "-w", "-t", "60", "-l", str(cluster.log_file)]):
        subprocess.run(_as_server_user([pg_ctl, *command, "-D", str(cluster.data_dir)]), cwd=cluster.base,
                       capture_output=True, text=True, check=True, timeout=90)


def student_ids(gradebook: Gradebook) -> list[str]:
    # A read and no commit, as the formgrader's pages do: the session keeps its connection.
    return [student.id for student in gradebook.students]


@pytest.mark.slow  # a PostgreSQL cluster or a Jupyter server of its own; the fast contracts below cover the same touch point
def test_the_formgrader_gradebook_answers_the_first_query_after_postgres_restarts(own_cluster: PostgresCluster) -> None:
    db_url = own_cluster.url()
    with ResilientGradebook(db_url, "mlteam-onboarding") as gradebook:
        gradebook.add_student("ada")
        assert student_ids(gradebook) == ["ada"]
        restart(own_cluster)
        assert student_ids(gradebook) == ["ada"], "the same object's next query succeeds"
        gradebook.add_student("bob")  # and writes go through
        assert student_ids(gradebook) == ["ada", "bob"]
        restart(own_cluster)
        # A hand grade as the formgrader saves one: find the row, change it, commit.
        student = gradebook.find_student("bob")
        student.first_name = "Bob"
        gradebook.db.commit()
    with Gradebook(db_url, "mlteam-onboarding") as fresh:
        assert fresh.find_student("bob").first_name == "Bob"


@pytest.mark.slow  # a PostgreSQL cluster or a Jupyter server of its own; the fast contracts below cover the same touch point
def test_contract_nbgrader_s_own_gradebook_still_breaks_when_postgres_restarts(own_cluster: PostgresCluster) -> None:
    """If this fails, nbgrader recovers by itself: mlteam_utils/upstream/gradebook.py can go."""
    with Gradebook(own_cluster.url(), "mlteam-onboarding") as gradebook:
        gradebook.add_student("ada")
        assert student_ids(gradebook) == ["ada"]
        restart(own_cluster)
        with pytest.raises(OperationalError):
            student_ids(gradebook)
        with pytest.raises(PendingRollbackError):
            student_ids(gradebook)


def test_contract_gradebook_builds_its_engine_and_session_in_init_as_adapted() -> None:
    """ResilientGradebook replaces ``engine`` and ``db`` after nbgrader's __init__ made them."""
    source = inspect.getsource(Gradebook.__init__)
    assert "self.engine = create_engine(db_url" in source and "pool_pre_ping" not in source, source
    assert "self.db = scoped_session(sessionmaker(" in source
    assert list(inspect.signature(Gradebook.__init__).parameters) == ["self", "db_url", "course_id", "authenticator"]
    close = inspect.getsource(Gradebook.close)
    assert "self.db.remove()" in close and "self.engine.dispose()" in close


def test_contract_the_formgrader_builds_its_gradebook_by_the_name_we_replace() -> None:
    from nbgrader.server_extensions.formgrader import base

    assert base.__name__ == FORMGRADER_MODULE and base.Gradebook is not None
    source = inspect.getsource(base.BaseHandler.gradebook.fget)
    assert "Gradebook(self.db_url, self.coursedir.course_id)" in source and "nbgrader_gradebook" in source, source


_FORMGRADER = """
import logging, sys
from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
from nbgrader.server_extensions.formgrader import base

formgrader = FormgradeExtension()
formgrader.initialize([])  # reads the course's nbgrader_config.py, as the server extension does

class Handler:  # what BaseHandler.gradebook reads of a request handler
    settings = {"nbgrader_gradebook": None}
    db_url = formgrader.coursedir.db_url
    coursedir = formgrader.coursedir
    log = logging.getLogger()

gradebook = base.BaseHandler.gradebook.fget(Handler())
print(type(gradebook).__name__, gradebook.engine.pool._pre_ping)
"""

_OTHER_COMMAND = """
from pathlib import Path
import nbgrader.api
from mlteam_utils.nbgrader_runner import load_course_config
load_course_config(Path.cwd())
print(nbgrader.api.Gradebook.__module__)
"""


@pytest.mark.slow  # a PostgreSQL cluster or a Jupyter server of its own; the fast contracts below cover the same touch point
def test_the_formgrader_started_from_the_course_folder_uses_the_resilient_gradebook(tmp_path: Path) -> None:
    course = make_course(tmp_path / "course", [])

    def run(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], cwd=course, env=nbgrader_environment(),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    assert run(_FORMGRADER) == "ResilientGradebook True"
    assert run(_OTHER_COMMAND) == "nbgrader.api", "other nbgrader commands keep nbgrader's own gradebook"


def test_the_hub_s_course_service_runs_the_formgrader_from_the_course_folder() -> None:
    """The hub's formgrader reads the course's nbgrader_config.py (its cwd), so the wiring above applies there."""
    config = (Path(__file__).resolve().parent.parent / "deploy" / "jupyterhub" / "jupyterhub_config.py").read_text(encoding="utf-8")
    assert '"cwd": site.course_root' in config and "--ServerApp.root_dir={site.course_root}" in config


def test_contract_the_assignments_tab_shows_nothing_of_a_successful_submit_s_log() -> None:
    """mlteam_utils/upstream/late_submit.py: the late notice reaches the log, and the tab shows no log.

    If this fails, nbgrader's Assignments tab may now show the submit's messages: show the notice there.
    """
    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    source = inspect.getsource(AssignmentList.submit_assignment)
    assert "ExchangeFactory(config=config).Submit(" in source, "the tab's submit is the configured ExchangeFactory.submit"
    assert 'retvalue = {\n                    "success": True\n                }' in source, source


def test_contract_the_late_notice_reads_the_timestamp_submit_writes() -> None:
    from nbgrader.exchange.default.submit import ExchangeSubmit

    source = inspect.getsource(ExchangeSubmit.copy_files)
    assert "fh.write(self.timestamp)" in source, "the time the notice compares is the one timestamp.txt holds"
    from nbgrader.exchange.abc.exchange import Exchange

    start = inspect.getsource(Exchange.start)
    assert start.index("self.set_timestamp()") < start.index("self.copy_files()"), "the time is set before copy_files"


# --- Issue 29: every touch point of mlteam_utils/upstream/, checked on the installed versions ------------------------
# Quick (seconds): in-process nbgrader steps on a one-notebook course, real kernels that never start.

#: Settings scoped to nbgrader's applications, as a course may write them (tests/test_step_config.py uses them too).
APP_SCOPED_SETTINGS = """
c.GenerateAssignmentApp.GenerateAssignment.permissions = 604
c.AutogradeApp.permissions = 400  # nbgrader's outdated name for c.Autograde.permissions
c.GenerateFeedbackApp.GenerateFeedback.permissions = 604
c.GenerateFeedbackApp.GenerateFeedback.HTMLExporter.exclude_output_prompt = False
"""


def tiny_course(folder: Path, assignment: str = "ex_tiny", settings: str = "") -> Path:
    """The course's nbgrader_config.py (plus ``settings``) and one assignment of one plain notebook."""
    import nbformat

    repo = Path(__file__).resolve().parent.parent
    (folder / "course").mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text((repo / "nbgrader_config.py").read_text(encoding="utf-8") + settings, encoding="utf-8")
    (folder / "course" / "syllabus.toml").write_bytes((repo / "course" / "syllabus.toml").read_bytes())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A tiny exercise")])
    (folder / "solutions" / assignment).mkdir(parents=True)
    nbformat.write(notebook, folder / "solutions" / assignment / "tiny.ipynb")
    return folder


def _config_values(configurable: Any) -> dict[str, Any]:
    return {name: getattr(configurable, name) for name in sorted(configurable.trait_names(config=True))}


def _what_the_converter_runs(converter: Any) -> dict[str, Any]:
    """The converter's settings, its exporter's, and those of each preprocessor it would register (as its start() builds them)."""
    from nbgrader.converters import Autograde
    from traitlets.utils.importstring import import_item

    exporter = converter.exporter_class(parent=converter, config=converter.config)
    names = (list(converter.sanitize_preprocessors) + list(converter.autograde_preprocessors)
             if isinstance(converter, Autograde) else list(converter.preprocessors))
    preprocessors = [import_item(name) if isinstance(name, str) else name for name in names]
    return {
        "converter": _config_values(converter),
        "coursedir": _config_values(converter.coursedir),
        "exporter": _config_values(exporter),
        "preprocessors": [(p.__name__, _config_values(p(parent=exporter))) for p in preprocessors],
    }


@pytest.mark.parametrize("step", ["generate_assignment", "autograde", "generate_feedback"])
def test_contract_nbgrader_s_own_command_gives_its_converter_what_step_application_gives(
    step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mlteam_utils/upstream/step_config.py: the application object, configured but not initialised, is the
    converter's parent as in ``nbgrader STEP``. Here the application is initialised as the command does it
    (``initialize([])`` in the course folder: the course's file, nbgrader's rewriting of outdated sections)."""
    from nbgrader import apps, converters

    from mlteam_utils.upstream.step_config import STEPS, step_application, step_converter

    course = tiny_course(tmp_path / "course", settings=APP_SCOPED_SETTINGS)
    monkeypatch.chdir(course)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "no-user-config"))
    converter_name, application = STEPS[step]
    command = getattr(apps, application)()
    command.initialize([])
    theirs = getattr(converters, converter_name)(coursedir=command.coursedir, parent=command)  # as the app's start() does
    theirs.force = True  # --force, as the course runs every step
    ours = step_converter(step, step_application(course, step))
    assert _what_the_converter_runs(ours) == _what_the_converter_runs(theirs)
    expected_permissions = {"generate_assignment": 604, "autograde": 400, "generate_feedback": 604}[step]
    assert ours.permissions == expected_permissions, "the app-scoped setting reaches the converter"
    assert f"{converter_name}(coursedir=self.coursedir, parent=self)" in inspect.getsource(getattr(apps, application).start)


def _fake_kernel(jupyter_path: Path, name: str, code: str) -> None:
    """A kernelspec whose 'kernel' runs ``code`` and never answers."""
    import json

    folder = jupyter_path / "kernels" / name
    folder.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-c", code, "{connection_file}"], "display_name": name, "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


@pytest.mark.parametrize("kernel, code", [("mute", "import time; time.sleep(60)"), ("dies", "import sys; sys.exit(3)")])
def test_contract_a_kernel_that_never_answers_fails_with_jupyter_client_s_runtime_error(
    kernel: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mlteam_utils/upstream/kernel_start.py: the messages of the kernel start nbgrader's Execute makes (nbclient, jupyter_client)."""
    import nbformat
    from nbclient import NotebookClient

    from mlteam_utils.upstream.kernel_start import KERNEL_DIED_BEFORE_REPLY, KERNEL_NO_REPLY, kernel_did_not_start

    _fake_kernel(tmp_path / "jupyter", kernel, code)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    client = NotebookClient(notebook, kernel_name=kernel, startup_timeout=3)
    with pytest.raises(RuntimeError) as raised:
        client.execute()
    import atexit

    atexit.unregister(client._cleanup_kernel)  # nbclient's exit hook for a kernel that never was: nothing to clean
    assert type(raised.value) is RuntimeError
    text = str(raised.value)
    assert text.startswith(KERNEL_NO_REPLY) if kernel == "mute" else text == KERNEL_DIED_BEFORE_REPLY, text
    assert kernel_did_not_start([raised.value])


def test_contract_generate_assignment_refuses_to_change_an_assignment_with_submissions(tmp_path: Path) -> None:
    """mlteam_utils/upstream/changed_assignment.py (used by cohort/grade.py): nbgrader's exception and message."""
    import shutil

    from nbgrader.converters import NbGraderException

    from mlteam_utils.nbgrader_inprocess import run_step
    from mlteam_utils.nbgrader_runner import NbgraderFailed
    from mlteam_utils.upstream.changed_assignment import HAS_SUBMISSIONS, blocked_by_submissions
    from mlteam_utils.upstream.gradebook_creation import create_submission

    course = tiny_course(tmp_path / "course")
    run_step(course, "generate_assignment", "ex_tiny")
    create_submission(f"sqlite:///{course / 'course' / 'gradebook.db'}", "mlteam-onboarding", "ex_tiny", "ada")
    shutil.copy2(course / "solutions" / "ex_tiny" / "tiny.ipynb", course / "solutions" / "ex_tiny" / "second.ipynb")
    with pytest.raises(NbgraderFailed) as raised:
        run_step(course, "generate_assignment", "ex_tiny")
    refusals = [error for error in raised.value.exceptions if isinstance(error, NbGraderException)]
    assert refusals and HAS_SUBMISSIONS in str(refusals[0]), raised.value.exceptions
    assert blocked_by_submissions(raised.value.exceptions)


def test_contract_a_failed_submission_s_exception_is_kept_and_nbgrader_s_other_error_lines_are_generic(tmp_path: Path) -> None:
    """mlteam_utils/upstream/converter_run.py: nbgrader logs what it caught inside its ``except`` block, and says
    nothing specific in its other error lines (``GENERIC_ERRORS``), so the reason is the exception's."""
    from nbformat.reader import NotJSONError
    from nbgrader.converters import NbGraderException

    from mlteam_utils.nbgrader_inprocess import run_step
    from mlteam_utils.nbgrader_runner import NbgraderFailed
    from mlteam_utils.upstream.converter_run import GENERIC_ERRORS, ConverterRun, failure_reason

    course = tiny_course(tmp_path / "course")
    run_step(course, "generate_assignment", "ex_tiny")
    submitted = course / "course" / "submitted" / "ada" / "ex_tiny"
    submitted.mkdir(parents=True)
    (submitted / "tiny.ipynb").write_text("", encoding="utf-8")  # not a notebook: fails before any kernel starts
    with pytest.raises(NbgraderFailed) as raised:
        run_step(course, "autograde", "ex_tiny", student="ada")
    kinds = [type(error) for error in raised.value.exceptions]
    assert kinds[0] is NotJSONError and kinds[-1] is NbGraderException, kinds
    log = raised.value.completed.stdout
    other_errors = [line for line in log.splitlines() if line.startswith("[ERROR]") and "Traceback" not in line and "NotJSONError" not in line]
    assert other_errors and all(any(generic in line.lower() for generic in GENERIC_ERRORS) for line in other_errors), other_errors
    run = ConverterRun(False, log, raised.value.completed.stderr, list(raised.value.exceptions))
    assert failure_reason(run).startswith("NotJSONError: Notebook does not appear to be JSON")


def _overwrite_cells_case(tmp_path: Path) -> tuple[Any, Any]:
    """A gradebook whose notebook has a test cell right after a read-only widget cell, and a submission without it."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import OverwriteCells

    from mlteam_utils.nbgrader_inprocess import create_gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    create_gradebook(url)
    with Gradebook(url) as gradebook:
        gradebook.add_assignment("a")
        gradebook.add_notebook("nb", "a")
        for name, kind in (("intro", "markdown"), ("widget", "code"), ("test", "code")):
            gradebook.add_source_cell(name, "nb", "a", cell_type=kind, locked=True, source=f"# {name}", checksum=name)
        gradebook.add_grade_cell("test", "nb", "a", max_score=1.0, cell_type="code")
    widget = nbformat.v4.new_code_cell("# widget", metadata={"nbgrader": {"grade_id": "widget", "locked": True}})
    submitted = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# intro"), widget])
    return submitted, (OverwriteCells, url)


def test_contract_nbgrader_s_overwrite_cells_still_crashes_on_a_test_cell_after_a_widget_cell(tmp_path: Path) -> None:
    """If this fails, nbgrader restores such cells itself: mlteam_utils/upstream/overwrite_cells.py may go."""
    import copy

    import nbformat
    from nbgrader.api import Gradebook

    from mlteam_utils.upstream.overwrite_cells import OverwriteCellsKeepingOrder

    submitted, (upstream_class, url) = _overwrite_cells_case(tmp_path)
    results = {}
    for cls in (upstream_class, OverwriteCellsKeepingOrder):
        preprocessor = cls()
        preprocessor.notebook_id, preprocessor.assignment_id = "nb", "a"
        with Gradebook(url) as gradebook:
            preprocessor.gradebook = gradebook
            try:
                results[cls.__name__] = preprocessor.add_missing_grade_cells(copy.deepcopy(submitted), {})[0]
            except KeyError as error:
                results[cls.__name__] = error
            no_grade_id = copy.deepcopy(submitted)
            no_grade_id.cells.append(nbformat.v4.new_markdown_cell("note", metadata={"nbgrader": {}}))
            try:
                preprocessor.add_missing_task_cells(no_grade_id, {})
            except KeyError as error:
                results[cls.__name__ + " task"] = error
    assert isinstance(results["OverwriteCells"], KeyError), "nbgrader now restores the cell: drop the override?"
    assert isinstance(results["OverwriteCells task"], KeyError), "nbgrader now tolerates nbgrader metadata without grade_id"
    restored = results["OverwriteCellsKeepingOrder"]
    assert [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in restored.cells] == [None, "widget", "test"]
    assert "OverwriteCellsKeepingOrder task" not in results
    source = inspect.getsource(upstream_class.preprocess)  # the overridden methods are the ones preprocess calls
    assert "self.add_missing_grade_cells(nb, resources)" in source and "self.add_missing_task_cells(nb, resources)" in source
    assert list(inspect.signature(upstream_class.missing_cell_transform).parameters) == ["self", "source_cell", "max_score", "is_solution", "is_task"]


def test_contract_collect_s_steps_and_attributes_are_the_ones_safe_collect_replaces(tmp_path: Path) -> None:
    """mlteam_utils/upstream/exchange_collect.py (with mlteam_utils/grading/hand_ins.py)."""
    import datetime as dt

    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeError
    from nbgrader.exchange.abc.exchange import Exchange
    from nbgrader.exchange.default.collect import ExchangeCollect
    from nbgrader.utils import parse_utc
    from traitlets.config import Config

    from mlteam_utils.grading.hand_ins import NBGRADER_TIME_FORMAT
    from mlteam_utils.upstream.exchange_collect import SafeExchangeCollectBase

    start = inspect.getsource(Exchange.start)
    steps = ["self.set_timestamp()", "self.init_src()", "self.init_dest()", "self.copy_files()"]
    assert [start.index(step) for step in steps] == sorted(start.index(step) for step in steps), start
    assert inspect.getsource(ExchangeCollect.init_dest).strip().endswith("pass"), "init_dest does nothing we skip"
    assert {"check_owner", "update", "before_duedate"} <= set(ExchangeCollect.class_trait_names())
    assert {"max_dir_size", "max_file_size", "ignore", "include", "groupshared", "submitted_directory"} <= set(
        CourseDirectory.class_trait_names())
    assert callable(CourseDirectory.format_path) and callable(CourseDirectory.get_existing_timestamp)
    config = Config({"Exchange": {"root": str(tmp_path / "exchange")}, "CourseDirectory": {"course_id": "c", "root": str(tmp_path)}})
    collect = SafeExchangeCollectBase(coursedir=CourseDirectory(config=config), config=config)
    with pytest.raises(ExchangeError):  # fail() raises, as init_src relies on
        collect.init_src()
    moment = dt.datetime(2026, 11, 2, 12, 0, 1, 5, tzinfo=dt.UTC)
    assert moment.strftime(Exchange().timestamp_format) == moment.strftime(NBGRADER_TIME_FORMAT)
    assert parse_utc(moment.strftime(NBGRADER_TIME_FORMAT)) == moment.replace(tzinfo=None)


def test_contract_the_gradebook_tables_the_merge_copies_are_nbgrader_s() -> None:
    """mlteam_utils/upstream/gradebook_schema.py (tests/test_gradebook_schema.py pins every column)."""
    from nbgrader.api import Base

    from mlteam_utils.upstream.gradebook_schema import COPIED_COLUMNS, definition_tables, nbgrader_table

    for table, columns in COPIED_COLUMNS.items():
        assert set(columns) <= set(nbgrader_table(table).c.keys()), table
    order = [table.name for table in Base.metadata.sorted_tables]
    copied = [name for name in order if name in COPIED_COLUMNS]
    assert [name for name in COPIED_COLUMNS if name in ("submitted_assignment", "submitted_notebook", "grade")] == [
        name for name in copied if name in ("submitted_assignment", "submitted_notebook", "grade")], "parents first"
    assert {table.name for table in definition_tables()} | set(COPIED_COLUMNS) == set(order)
    assert {"task_cells", "assignment"} <= {table.name for table in definition_tables()}


def test_contract_a_gradebook_made_in_this_process_is_one_nbgrader_opens_as_its_own(tmp_path: Path) -> None:
    """mlteam_utils/upstream/gradebook_creation.py: nbgrader's tables and the head of its migration scripts
    (read here with alembic's own ScriptDirectory, in this process; the slow test in test_gradebook_schema.py
    asks a real ``alembic heads``)."""
    import sqlite3
    from contextlib import closing

    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR

    from mlteam_utils.upstream.gradebook_creation import create_gradebook, create_submission, nbgrader_schema_revision

    assert [nbgrader_schema_revision()] == list(ScriptDirectory(ALEMBIC_DIR).get_heads())
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert create_gradebook(url)
    with closing(sqlite3.connect(tmp_path / "gradebook.db")) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    with Gradebook(url, "mlteam-onboarding") as gradebook:
        gradebook.add_assignment("ex01")
        assert hasattr(gradebook.db, "no_autoflush"), "Gradebook.db is the SQLAlchemy session"
    create_submission(url, "mlteam-onboarding", "ex01", "ada")
    with Gradebook(url, "mlteam-onboarding") as gradebook:
        assert gradebook.find_submission("ex01", "ada").student.id == "ada"


def test_contract_the_nbgrader_utils_the_course_uses(tmp_path: Path) -> None:
    """mlteam_utils/upstream/nbgrader_utils.py: nbgrader.utils is not documented API."""
    import datetime as dt

    from nbformat.v4 import new_code_cell
    from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback

    from mlteam_utils.upstream.nbgrader_utils import feedback_page_name, is_grade, parse_utc, temp_attrs

    assert parse_utc("2026-11-02 12:00:00.000001 UTC") == dt.datetime(2026, 11, 2, 12, 0, 0, 1)
    assert parse_utc(dt.datetime(2026, 11, 2, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == dt.datetime(2026, 11, 2, 12, 0)
    assert is_grade(new_code_cell(metadata={"nbgrader": {"grade": True}})) and not is_grade(new_code_cell(metadata={"nbgrader": {}}))

    class Holder:
        value = "before"

    holder = Holder()
    with temp_attrs(holder, value="during"):
        assert holder.value == "during"
    assert holder.value == "before"
    source = inspect.getsource(ExchangeReleaseFeedback.copy_files)
    assert "checksum = notebook_hash(secret=submission_secret, notebook_id=notebook_id)" in source
    assert '"{}.html". format(checksum)' in source, "a released page is named <checksum>.html"
    assert feedback_page_name("abc", "ex01") == feedback_page_name("abc", "ex01") != feedback_page_name("abd", "ex01")
