"""The one error wrapper of the ``mlteam-course`` subcommands: messages and exit statuses."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mlteam_utils.cli import Subcommand, build_parser, error_class, main
from mlteam_utils.cohort.grade import GradeError, UnknownAssignmentError


def subcommands() -> dict[str, Subcommand]:
    parser = build_parser()
    choices = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction)).choices
    return {name: sub.get_default("handler") for name, sub in choices.items()}


def test_every_subcommand_goes_through_the_wrapper_and_names_real_errors() -> None:
    """Each handler is a Subcommand whose error names import as exception classes (a typo fails here, not on a bad day)."""
    handlers = subcommands()
    assert set(handlers) == {"release", "grade", "feedback", "workspace", "progress", "selfgrade", "export", "report", "certificate", "verify"}
    for name, handler in handlers.items():
        assert isinstance(handler, Subcommand) and handler.name == name
        for error in (*handler.usage, *handler.failures):
            assert issubclass(error_class(error), BaseException)


def failing(error: BaseException, **policy: object) -> Subcommand:
    def handler(_args: argparse.Namespace) -> int:
        raise error

    return Subcommand("grade", handler, **policy)  # type: ignore[arg-type]


GRADE_ERRORS = {
    "usage": ("mlteam_utils.cohort.grade:UnknownAssignmentError",),
    "failures": ("mlteam_utils.cohort.grade:GradeError",),
}


def test_usage_error_exits_2_even_when_it_subclasses_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    """UnknownAssignmentError is a GradeError; it still gives status 2, with the command's name before the message."""
    assert failing(UnknownAssignmentError("unknown assignment 'ex9'"), **GRADE_ERRORS)(argparse.Namespace()) == 2
    assert capsys.readouterr().err == "mlteam-course grade: unknown assignment 'ex9'\n"
    assert failing(GradeError("the gradebook is locked"), **GRADE_ERRORS)(argparse.Namespace()) == 1
    assert capsys.readouterr().err == "mlteam-course grade: the gradebook is locked\n"


def test_other_errors_and_a_missing_course_go_on_to_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """An error not declared propagates; a course not found is main()'s (status 2), even for a command that reports OSError."""
    with pytest.raises(ZeroDivisionError):
        failing(ZeroDivisionError(), **GRADE_ERRORS)(argparse.Namespace())
    monkeypatch.delenv("MLTEAM_COURSE_ROOT", raising=False)
    assert main(["--course-root", str(tmp_path), "export"]) == 2
    assert capsys.readouterr().err.startswith(f"mlteam-course: No course folder at or above {tmp_path.resolve()}")


def test_context_goes_before_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    """workspace says which folder it could not update."""
    command = failing(PermissionError("Permission denied"), failures=("builtins:OSError",), context=lambda _args: "could not update /c/my-work")
    assert command(argparse.Namespace()) == 1
    assert capsys.readouterr().err == "mlteam-course grade: could not update /c/my-work: Permission denied\n"


def test_interrupt_prints_the_partial_summary_only_where_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """grade prints what it graded before Ctrl-C and exits 130; another command leaves Ctrl-C to main()."""

    class Summary:
        def as_text(self) -> str:
            return "2 graded, 0 failed"

    interrupt = KeyboardInterrupt()
    interrupt.summary = Summary()  # type: ignore[attr-defined]
    assert failing(interrupt, interruptible=True)(argparse.Namespace()) == 130
    captured = capsys.readouterr()
    assert captured.out == "2 graded, 0 failed\n" and captured.err == "mlteam-course grade: interrupted\n"
    with pytest.raises(KeyboardInterrupt):
        failing(KeyboardInterrupt())(argparse.Namespace())


def test_export_formats_come_from_the_lms_registry_and_an_unknown_one_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--format offers csv and exactly the registry's formats; any other is refused by the parser and by the registry."""
    from mlteam_utils.reports.lms_export import FORMATS, UnknownFormatError, lms_writer

    export = build_parser()._subparsers._group_actions[0].choices["export"]  # type: ignore[union-attr]
    assert next(action.choices for action in export._actions if action.dest == "format") == ("csv", *FORMATS)
    assert set(FORMATS) == {"canvas", "moodle"} and all(callable(writer) for writer in FORMATS.values())
    with pytest.raises(SystemExit) as refused:
        main(["export", "--format", "blackboard"])
    assert refused.value.code == 2 and "invalid choice: 'blackboard'" in capsys.readouterr().err
    with pytest.raises(UnknownFormatError, match="unknown LMS format 'blackboard'; use one of canvas, moodle"):
        lms_writer("blackboard")
    assert subcommands()["export"].status_for(UnknownFormatError("unknown LMS format 'x'")) == 2
