"""The reflection's rubric, shown to the grader as a rubric, not as nbgrader's raw markers.

A task cell carries its rubric between ``=== BEGIN MARK SCHEME ===`` and
``=== END MARK SCHEME ===`` lines. nbgrader removes that region from the learners'
release and from feedback, but the formgrader shows the cell as written, markers
and all. :class:`PresentMarkScheme` rewrites the region of each locked task cell
in the autograded notebook as a quoted "Rubric, for the grader" block right above
the learner's answer; the marker words stay inside HTML comments, invisible on the
page, so nbgrader's ``ClearMarkScheme`` still finds and removes the whole region
from feedback.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

BEGIN = "BEGIN MARK SCHEME"
END = "END MARK SCHEME"
RUBRIC_LEAD = "**Rubric, for the grader.**"


def present_mark_scheme(source: str) -> str:
    """A task cell's markdown with its mark-scheme region shown as a quoted rubric.

    >>> cell = "Write 3 sentences.\\n\\n=== BEGIN MARK SCHEME ===\\n**3 points:** names the risk.\\n=== END MARK SCHEME ==="
    >>> print(present_mark_scheme(cell))
    Write 3 sentences.
    <BLANKLINE>
    > **Rubric, for the grader.** <!-- BEGIN MARK SCHEME -->
    >
    > **3 points:** names the risk.
    <!-- END MARK SCHEME -->
    >>> present_mark_scheme("No rubric here.")
    'No rubric here.'
    """
    lines = source.splitlines()
    if not any(BEGIN in line for line in lines):
        return source
    shown: list[str] = []
    inside = False
    for line in lines:
        if BEGIN in line and not inside:
            inside = True
            shown += [f"> {RUBRIC_LEAD} <!-- {BEGIN} -->", ">"]
        elif END in line and inside:
            inside = False
            shown.append(f"<!-- {END} -->")
        elif inside:
            shown.append(f"> {line}" if line.strip() else ">")
        else:
            shown.append(line)
    return "\n".join(shown)


class PresentMarkScheme(NbGraderPreprocessor):
    """Show each locked task cell's rubric as a rubric in the autograded notebook (for the formgrader)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            # Locked task cells are the instructor's text, restored from the gradebook before this runs.
            if cell.cell_type == "markdown" and meta.get("task") and meta.get("locked"):
                cell.source = present_mark_scheme(cell.source)
        return nb, resources


def without_markers(source: str) -> str:
    """A presented rubric without nbgrader's marker words (for a self-learner's own page).

    >>> without_markers(present_mark_scheme("Write.\\n=== BEGIN MARK SCHEME ===\\nBe clear.\\n=== END MARK SCHEME ==="))
    'Write.\\n> **Rubric, for the grader.**\\n>\\n> Be clear.'
    """
    lines = [line.replace(f" <!-- {BEGIN} -->", "") for line in source.splitlines() if line.strip() != f"<!-- {END} -->"]
    return "\n".join(lines)


class RevealMarkScheme(NbGraderPreprocessor):
    """Keep the rubric on a self-learner's feedback page, without the marker words."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        for cell in nb.cells:
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("task"):
                cell.source = without_markers(cell.source)
        return nb, resources
