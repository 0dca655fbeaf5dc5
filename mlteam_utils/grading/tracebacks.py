"""Feedback that quotes no hidden test: tracebacks become one short line.

nbgrader's feedback HTML shows the full traceback of a failed test cell, and a
traceback quotes the lines of the hidden test that failed (nbgrader issues 917
and 1363). :class:`ShortenTracebacks` keeps only the error's type and message.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


def short_error_line(ename: str, evalue: str, limit: int = 300) -> str:
    """One line for a learner: the error's type and the start of its message.

    >>> short_error_line("AssertionError", "expected 3 roles, got 2")
    'AssertionError: expected 3 roles, got 2'
    >>> len(short_error_line("ValueError", "x" * 1000, limit=50))
    50
    """
    message = " ".join(str(evalue).split())
    line = f"{ename}: {message}" if message else str(ename)
    return line if len(line) <= limit else line[: limit - 1] + "…"


class ShortenTracebacks(NbGraderPreprocessor):
    """Replace each error output's traceback with a single short line."""

    max_length = Integer(300, help="Longest error line kept in feedback.").tag(config=True)

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = short_error_line(output.get("ename", "Error"), output.get("evalue", ""), self.max_length)
                output["traceback"] = [line]
                output["evalue"] = line.partition(": ")[2]
        return cell, resources
