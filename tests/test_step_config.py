"""Issue 29, item 3: one way to run nbgrader's steps, with the same configuration for every command.

``grade`` (``generate_assignment``, then ``autograde`` in its workers), ``selfgrade`` (all three
steps), ``release`` (``generate_assignment``) and ``feedback`` (``generate_feedback``) build each
step's converter with :mod:`mlteam_utils.upstream.step_config`: nbgrader's own application for the
step is its parent, so a setting a course scopes to the application reaches it as in ``nbgrader STEP``
(``tests/test_upstream_contracts.py`` compares with the application initialised as the command does).
"""

from __future__ import annotations

import ast
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from test_upstream_contracts import APP_SCOPED_SETTINGS, tiny_course

PACKAGE = Path(__file__).resolve().parent.parent / "mlteam_utils"

#: What each command runs, with the overrides it passes (as in its module).
COMMAND_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("grade", "generate_assignment", {"CourseDirectory": {"release_directory": "/tmp/scratch"}}),
    ("grade", "autograde", {"CourseDirectory": {"db_url": "sqlite:////tmp/w/gradebook.db", "autograded_directory": "/tmp/w/autograded"}}),
    ("selfgrade", "generate_assignment", {}),
    ("selfgrade", "autograde", {"ScoreWidgetAnswers": {"show_correct_answers": True}}),
    ("selfgrade", "generate_feedback", {"GenerateFeedback": {"preprocessors": ["nbgrader.preprocessors.GetGrades"]}}),
    ("release", "generate_assignment", {"CourseDirectory": {"release_directory": "/tmp/staging"}}),
    ("feedback", "generate_feedback", {"CourseDirectory": {"autograded_directory": "/tmp/staging"}}),
]
#: The permissions APP_SCOPED_SETTINGS gives each step's converter.
PERMISSIONS = {"generate_assignment": 604, "autograde": 400, "generate_feedback": 604}


@pytest.mark.parametrize("command, step, overrides", COMMAND_STEPS, ids=[f"{c}-{s}" for c, s, _ in COMMAND_STEPS])
def test_an_app_scoped_setting_reaches_the_converter_each_command_runs(
    command: str, step: str, overrides: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlteam_utils.upstream.step_config import step_application, step_converter

    course = tiny_course(tmp_path / "course", settings=APP_SCOPED_SETTINGS)
    monkeypatch.chdir(course)
    converter = step_converter(step, step_application(course, step, overrides))
    assert converter.permissions == PERMISSIONS[step]
    assert converter.permissions != {"generate_assignment": 644, "autograde": 440, "generate_feedback": 640}[step], "not the course-wide value"
    for section, values in overrides.items():  # and the command's own overrides still win
        target = converter.coursedir if section == "CourseDirectory" else converter if section == type(converter).__name__ else None
        for name, value in values.items():
            if target is not None:
                assert getattr(target, name) == value
    if step == "generate_feedback":
        exporter = converter.exporter_class(parent=converter, config=converter.config)  # as the converter's start() makes it
        assert exporter.exclude_output_prompt is False, "a setting scoped to the app's converter's exporter"
    if step == "generate_assignment":
        assert "*.answers.json" in converter.coursedir.ignore, "the course's own app-scoped setting"


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            found.append((name, node))
    return found


def test_every_command_runs_nbgrader_s_steps_the_one_way() -> None:
    """No converter is built, and no step run as a command, anywhere but through upstream/step_config.py."""
    steps = {"generate_assignment", "autograde", "generate_feedback"}
    elsewhere = []
    uses: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        calls = _calls(ast.parse(path.read_text(encoding="utf-8")))
        uses[relative] = {name for name, _ in calls}
        for name, call in calls:
            if name in ("Autograde", "GenerateAssignment", "GenerateFeedback", "capture_log") and relative != "upstream/step_config.py":
                elsewhere.append(f"{relative}:{call.lineno} builds {name}")
            if name == "run_nbgrader" and any(isinstance(a, ast.Constant) and a.value in steps for a in call.args):
                elsewhere.append(f"{relative}:{call.lineno} runs a step as a command")
            if name == "getattr" and len(call.args) > 1 and isinstance(call.args[0], ast.Name) and call.args[0].id == "converters" \
                    and relative != "upstream/step_config.py":
                elsewhere.append(f"{relative}:{call.lineno} looks a converter up")
    assert not elsewhere, elsewhere
    for module in ("release.py", "selfgrade.py", "cohort/grade.py", "cohort/feedback.py", "nbgrader_inprocess.py"):
        assert {"run_step"} & uses[module] or {"step_application"} & uses[module], module
    assert {"step_application", "step_converter"} <= uses["cohort/workers.py"]
    assert {"step_application", "step_converter"} <= uses["nbgrader_inprocess.py"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_release_writes_the_exercise_with_the_app_scoped_permissions(tmp_path: Path) -> None:
    """A real ``release`` (nbgrader's generate_assignment in this process) on a one-notebook course."""
    from mlteam_utils.release import release_assignment

    course = tiny_course(tmp_path / "course", settings=APP_SCOPED_SETTINGS)
    target = release_assignment(course, "ex_tiny")
    assert _mode(target / "tiny.ipynb") == 0o604


@pytest.mark.nbgrader
def test_grade_s_workers_and_feedback_use_the_app_scoped_settings(tmp_path: Path) -> None:
    """The paths that left app-scoped settings out before: the grading worker's autograde, and feedback."""
    from mlteam_utils.cohort.feedback import generate_feedback
    from mlteam_utils.cohort.grade import grade_cohort
    from mlteam_utils.release import release_assignment

    course = tiny_course(tmp_path / "course", settings=APP_SCOPED_SETTINGS)
    released = release_assignment(course, "ex_tiny")
    submitted = course / "course" / "submitted" / "ada" / "ex_tiny"
    submitted.mkdir(parents=True)
    shutil.copy(released / "tiny.ipynb", submitted / "tiny.ipynb")
    summary = grade_cohort(course, jobs=1, show_progress=False)
    assert [s.student for s in summary.graded] == ["ada"] and not summary.failed, summary
    assert _mode(course / "course" / "autograded" / "ada" / "ex_tiny" / "tiny.ipynb") == 0o400
    result = generate_feedback(course, release=False)
    assert not result.problems, result.problems
    assert _mode(course / "course" / "feedback" / "ada" / "ex_tiny" / "tiny.html") == 0o604
