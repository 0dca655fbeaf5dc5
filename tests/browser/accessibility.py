"""axe-core, the accessibility engine, run on a page the browser tests opened.

axe-core comes bundled in the ``axe-playwright-python`` wheel (the ``browser``
extra); only its script is used here. :func:`audit` injects it and runs it twice
on a JupyterLab page: on what the course renders itself (notebook text, outputs
and widgets, ipywidgets' own controls included: the course chooses them), where
serious and critical violations are counted, and on the whole page, whose other
violations belong to JupyterLab and are listed apart.
A standalone page the course writes (feedback, cohort report) is the course's
own from top to bottom.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Impacts that count as failures (axe's scale: minor, moderate, serious, critical).
COUNTED_IMPACTS = ("serious", "critical")
#: What the course renders inside JupyterLab: text cells, outputs (widgets included, every part of
#: them: a control ipywidgets draws without an accessible name counts, so the course uses none).
COURSE_CONTENT = [[".jp-MarkdownOutput"], [".jp-OutputArea-output"]]


def axe_script() -> str:
    from axe_playwright_python.base import AXE_FILE_PATH

    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


@dataclass
class Audit:
    """The violations axe found on one page, split by who renders the element."""

    page: str
    course: list[dict[str, Any]] = field(default_factory=list)  # counted
    jupyterlab: list[dict[str, Any]] = field(default_factory=list)  # listed apart, not counted

    @property
    def counted(self) -> list[dict[str, Any]]:
        return [v for v in self.course if v.get("impact") in COUNTED_IMPACTS]

    def summary(self) -> str:
        def lines(violations: list[dict[str, Any]]) -> list[str]:
            return [f"  {v['id']} ({v.get('impact')}): {len(v['nodes'])} element(s), e.g. {v['nodes'][0]['target']}: {v['help']}"
                    for v in violations]

        return "\n".join([f"{self.page}: {len(self.counted)} serious or critical in the course's content",
                          *lines(self.course),
                          f"  JupyterLab's own (not counted): {len(self.jupyterlab)}", *lines(self.jupyterlab)])

    def save(self, folder: Path) -> Path:
        path = folder / f"axe_{self.page}.json"
        path.write_text(json.dumps({"course": self.course, "jupyterlab": self.jupyterlab}, indent=1), encoding="utf-8")
        return path


def _run(page: Any, context: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate(
        "async (context) => (await axe.run(context || document, {resultTypes: ['violations']})).violations",
        context,
    )


def audit(page: Any, name: str, *, jupyterlab: bool) -> Audit:
    """Run axe on ``page``: on the course's content within JupyterLab, or on the whole page."""
    if not jupyterlab:
        return Audit(name, course=_run(page, None))
    course = _run(page, {"include": COURSE_CONTENT})
    whole = _run(page, None)
    course_nodes = {json.dumps(node["target"]) for violation in course for node in violation["nodes"]}
    rest = []
    for violation in whole:
        nodes = [node for node in violation["nodes"] if json.dumps(node["target"]) not in course_nodes]
        if nodes:
            rest.append({**violation, "nodes": nodes})
    return Audit(name, course=course, jupyterlab=rest)
