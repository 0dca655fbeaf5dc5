"""Learner markup is inert in every HTML rendering of an autograded notebook.

A notebook carrying a corpus of hostile payloads is neutralised with
:mod:`mlteam_utils.grading.markup` and rendered by *real* nbconvert: the ``lab``
and ``classic`` templates, the formgrader's ``formgrade`` template through the
exporter configuration nbgrader's ``FormgradeExtension`` builds and the
``from_filename`` call its ``SubmissionHandler`` makes, and the ``feedback``
template with the configuration ``GenerateFeedback`` builds. The HTML is parsed
with :mod:`html.parser`, and everything risky in it (scripts, event handlers,
URLs with other schemes, frames, SVG, styles, live TeX link commands) must also
be in the same template's rendering of an empty notebook: the template's own.
The same audit finds plenty in the notebook *before* neutralising, so it can fail.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from mlteam_utils.grading import markup
from mlteam_utils.grading.markup import (
    NeutralizeLearnerMarkup,
    inert_markdown,
    neutralize_notebook,
    render_markdown_like_nbconvert,
    safe_html,
    safe_output,
)

# ----------------------------------------------------------------------- the audit

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "cite", "srcset", "ping", "longdesc", "codebase", "manifest"}
RISKY_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "form", "link", "style", "meta", "portal", "template", "noscript"}
LIVE_TEX = re.compile(r"\\(?:href|url|class|cssId|style|html|unicode|require|bbox|mmlToken|data|includegraphics)")
SKIPPED_BY_MATHJAX = {"script", "style", "pre", "code", "textarea", "noscript"}


def url_is_acceptable(value: str, tag: str, attribute: str) -> bool:
    """A URL a browser would resolve to http(s), mailto, a relative URL, or a PNG/JPEG/GIF data image."""
    url = re.sub(r"[\x00-\x20\x7f-\x9f]", "", value)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    if scheme is None:
        return ":" not in url.split("/")[0].split("?")[0].split("#")[0]
    if scheme.group(1).lower() in SAFE_SCHEMES:
        return True
    return (tag, attribute) == ("img", "src") and re.fullmatch(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=]+", url) is not None


class RiskAudit(HTMLParser):
    """Everything in a page that can run script, load a document, or carry a link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[tuple[str, ...]] = []
        self._raw: tuple[str, tuple[tuple[str, str], ...]] | None = None
        self._raw_text: list[str] = []
        self._skip_depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pairs = tuple((name, value or "") for name, value in attrs)
        if tag in ("script", "style"):
            self._raw, self._raw_text = (tag, pairs), []
        elif tag in RISKY_TAGS:
            self.findings.append(("element", tag, repr(sorted(pairs))))
        if tag in SKIPPED_BY_MATHJAX:
            self._skip_depth += 1
        for name, value in pairs:
            if name.startswith("on"):
                self.findings.append(("event handler", tag, name, value))
            if name in URL_ATTRIBUTES and not url_is_acceptable(value, tag, name):
                self.findings.append(("url", tag, name, value))
            if name == "style" and re.search(r"url\(|expression\(|@import", value, re.I):
                self.findings.append(("css url", tag, value))
            if name == "http-equiv" and value.lower() == "refresh":
                self.findings.append(("refresh", tag))
            if LIVE_TEX.search(value):
                self.findings.append(("tex in attribute", tag, name, value))
            if name == "class" and {"mermaid", "jp-mermaid"} & set(value.lower().split()):
                self.findings.append(("mermaid diagram", tag, value))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_BY_MATHJAX:
            self._skip_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if self._raw and tag == self._raw[0]:
            self.findings.append(("element", self._raw[0], repr(sorted(self._raw[1])), "".join(self._raw_text).strip()))
            self._raw = None
        if tag in SKIPPED_BY_MATHJAX and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._raw:
            self._raw_text.append(data)
            return
        self.text.append(data)
        if not self._skip_depth and LIVE_TEX.search(data):
            self.findings.append(("live tex", data.strip()[:80]))


def audit(page: str) -> RiskAudit:
    parser = RiskAudit()
    parser.feed(page)
    parser.close()
    return parser


def new_findings(page: str, baseline: str) -> list[tuple[str, ...]]:
    """What the page has that the template's own rendering of an empty notebook lacks."""
    extra = Counter(audit(page).findings) - Counter(audit(baseline).findings)
    return sorted(extra.elements())


def visible_text(page: str) -> str:
    return " ".join(" ".join(audit(page).text).split())


# ------------------------------------------------------------------------ renderers

def _png() -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\x00\xff" * 2)
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode("ascii")


PNG = _png()
FEEDBACK_RESOURCES = {"nbgrader": {"notebook": "ex02", "score": 2.0, "max_score": 3.0, "late_penalty": 0}}
FORMGRADE_RESOURCES = {
    "assignment_id": "ex02_the_ml_team", "notebook_id": "ex02", "submission_id": "0123abcd", "index": 0, "total": 1,
    "base_url": "", "student": "learner1", "last_name": "Learner", "first_name": "Ada", "notebook_path": "course/autograded/learner1/ex02/ex02.ipynb",
}


def render_lab(nb: nbformat.NotebookNode, tmp: Path) -> str:
    return HTMLExporter(template_name="lab").from_notebook_node(nb)[0]


def render_classic(nb: nbformat.NotebookNode, tmp: Path) -> str:
    return HTMLExporter(template_name="classic").from_notebook_node(nb)[0]


def render_formgrade(nb: nbformat.NotebookNode, tmp: Path) -> str:
    """nbgrader's formgrader path: FormgradeExtension's exporter config, SubmissionHandler's call."""
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    exporter = HTMLExporter(config=FormgradeExtension().build_extra_config())
    path = tmp / "submission.ipynb"
    nbformat.write(nb, path)
    return exporter.from_filename(str(path), resources=dict(FORMGRADE_RESOURCES))[0]


def render_feedback(nb: nbformat.NotebookNode, tmp: Path) -> str:
    """``nbgrader generate_feedback``'s exporter (GenerateFeedback's config) on the autograded file."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    converter = GenerateFeedback(coursedir=CourseDirectory(root=str(tmp)))
    exporter = HTMLExporter(parent=converter, config=converter.config)
    path = tmp / "autograded.ipynb"
    nbformat.write(nb, path)
    return exporter.from_filename(str(path), resources={"nbgrader": dict(FEEDBACK_RESOURCES["nbgrader"])})[0]


RENDERERS: dict[str, Callable[[nbformat.NotebookNode, Path], str]] = {
    "lab": render_lab,
    "classic": render_classic,
    "formgrade": render_formgrade,
    "feedback": render_feedback,
}


# ------------------------------------------------------------------- the corpus

MARKDOWN_PAYLOADS = {
    "img onerror": "<img src=x onerror=alert(1)>",
    "script": "<script>alert(document.cookie)</script>",
    "svg onload": "<svg onload=alert(1)><circle r=5 /></svg>",
    "iframe srcdoc": '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>',
    "object/embed": '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    "form": '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>',
    "style": "<style>body{background:url(https://evil.example/x)}</style>",
    "inline link": "[x](javascript:alert(1))",
    "spaces and case": "[x](  JaVaScRiPt:alert(1))",
    "entity in scheme": "[x](java&#115;cript:alert(1))",
    "double entity": "[x](java&amp;#115;cript:alert(1))",
    "colon entity": "[x](javascript&colon;alert(1))",
    "backslash in scheme": "[x](java\\script:alert(1))",
    "pointy destination": "[x](<javascript:alert(1)>)",
    "image": "![x](javascript:alert(1))",
    "vbscript": "[x](vbscript:msgbox(1))",
    "data html": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "file": "[x](file:///etc/passwd)",
    "reference definition": "[click][r]\n\n[r]: javascript:alert(1)",
    "reference definition, next line": "![pic][r]\n\n[r]:\n   <javascript:alert(1)> 'title'",
    "autolink": "<javascript:alert(1)>",
    "entities": "&lt;img src=x onerror=alert(1)&gt; &#60;script&#62;alert(1)&#60;/script&#62;",
    "markdown in html block": "<div onclick=alert(1)>\n\n[x](javascript:alert(1))\n\n</div>",
    "html comment": "<!-- <script>alert(1)</script> -->",
    "mathjax href": "$\\href{javascript:alert(1)}{x}$",
    "mathjax class/style": "$$\\class{x}{\\style{background:url(https://evil.example)}{y}} \\cssId{statusmessage}{z}$$",
    "mathjax entity": "x &#92;href{javascript:alert(1)}{y} $&#92;href{javascript:alert(1)}{y}$",
    "mathjax across emphasis": "*$* \\\\href{javascript:alert(1)}{x} *$*",
    "mathjax environment": "\\begin{equation}\\href{javascript:alert(1)}{x}\\unicode{x41}\\end{equation}",
    "mermaid block": "```mermaid\n<img src=x onerror=alert(1)>\n```",
    "escaped backtick": "\\`<img src=x onerror=alert(1)>`",
    "backtick in destination": "[a](`)<img src=x onerror=alert(1)>`)",
    "fence fooling the scanner": "- a\n\n      ```\n<img src=x onerror=alert(1)>\n      ```",
    "attachment not attached": "![x](attachment:missing.png)",
    "attachment as a link": "[x](attachment:chart.png)",
}

PROSE = (
    "I learned that the data engineer owns the pipelines, while the data scientist "
    "owns the model; a < b and c > d both hold, and R&D matters."
)
TABLE = "| Role | Owns |\n|---|---|\n| Data scientist | the model |\n| Data engineer | the pipelines |"


def hostile_outputs() -> list[nbformat.NotebookNode]:
    import pandas as pd

    frame = pd.DataFrame({"metric": ["precision", "recall"], "value": [0.91, 0.84]})
    return [
        new_output("display_data", data={"text/html": "<b>bold</b><script>alert(1)</script><img src=x onerror=alert(1)>", "text/plain": "<IPython.core.display.HTML object>"}),
        new_output("display_data", data={"text/html": '<a href="javascript:alert(1)">a</a><iframe src="https://evil.example"></iframe><svg onload=alert(1)></svg><object data="x"></object>'},
                   metadata={"text/html": {"isolated": True}}),
        new_output("display_data", data={"text/html": "<p>$\\href{javascript:alert(1)}{x}$ $&#92;href{javascript:alert(1)}{y}$</p>"}),
        new_output("display_data", data={"application/javascript": "alert(document.cookie)"}),
        new_output("display_data", data={"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'}),
        new_output("display_data", data={"text/markdown": "<img src=x onerror=alert(1)> [x](javascript:alert(1))"}),
        new_output("display_data", data={"text/latex": "$\\href{javascript:alert(1)}{x}$", "application/pdf": "JVBERi0="}),
        new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2, "version_minor": 0}, "text/plain": "HTML(value='<img src=x onerror=alert(1)>')"}),
        new_output("display_data", data={"application/vnd.mlteam.answer-values+json": {"q1": "b"}}),
        new_output("display_data", data={"text/vnd.mermaid": "graph TD; A-->B"}),
        new_output("display_data", data={"image/png": "not base64 <script>alert(1)</script>"}),
        new_output("display_data", data={"image/png": PNG}, metadata={"image/png": {"width": 40, "height": "40 onerror=alert(1)"}, "filenames": {"image/png": "javascript:alert(1)"}}),
        new_output("execute_result", data={"text/html": frame._repr_html_(), "text/plain": repr(frame)}, execution_count=3),
        new_output("stream", name="stdout", text="\x1b[31mred\x1b[0m \x1b]8;;javascript:alert(1)\x07click\x1b]8;;\x07 \x1b[2J<script>alert(1)</script>\n"),
        new_output("error", ename="ValueError", evalue="<img src=x onerror=alert(1)>", traceback=["\x1b[0;31mValueError\x1b[0m: <img src=x onerror=alert(1)>", "\x1b]52;c;ZXZpbA==\x07"]),
    ]


def hostile_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.2", "mimetype": "text/x-python", "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3", "file_extension": ".py"},
        "title": "</title><script>alert(1)</script>",
        "widgets": {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {"m1": {
            "model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
            "state": {"value": "<img src=x onerror=alert(1)>"}}}}},
    })
    cells: list[nbformat.NotebookNode] = [
        new_markdown_cell("## Instructions\n\nAnswer in <b>three</b> sentences.",
                          metadata={"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": "instructions", "schema_version": 3}}),
        new_markdown_cell(PROSE + "\n\n" + TABLE + "\n\nUse `<br>` rarely; see [the guide](https://example.org/reflection).\n\n```python\nif a < b:\n    pass\n```\n\n$x^2 < y$",
                          metadata={"nbgrader": {"grade": True, "solution": True, "locked": False, "grade_id": "reflection", "points": 3, "score": 2.0, "schema_version": 3}}),
        new_markdown_cell("<img src=x onerror=alert('forged-lock')>", metadata={"nbgrader": {"locked": True, "solution": False, "grade": False}}),
        new_markdown_cell("![chart](attachment:chart.png) ![vector](attachment:vector.svg)", attachments={
            "chart.png": {"image/png": PNG},
            "vector.svg": {"image/svg+xml": base64.b64encode(b"<svg onload=alert(1)></svg>").decode()},
        }),
    ]
    cells += [new_markdown_cell(f"**{name}**: {payload}", metadata={"tags": [re.sub(r"[^a-z]+", "-", name)], "onclick": "alert(1)"}) for name, payload in MARKDOWN_PAYLOADS.items()]
    cells += [
        new_raw_cell("<img src=x onerror=alert('raw html')>", metadata={"raw_mimetype": "text/html"}),
        new_raw_cell("<script>alert('raw, no mimetype')</script>"),
        new_raw_cell("<svg onload=alert(1)>", metadata={"format": "text/html"}),
        new_code_cell("print('hello')", outputs=hostile_outputs(), execution_count=3,
                      metadata={"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": "answer", "schema_version": 3}, "mlteam": {"record": 1}}),
    ]
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markup")


@pytest.fixture(scope="module")
def neutralized() -> nbformat.NotebookNode:
    nb = hostile_notebook()
    neutralize_notebook(nb)
    return nb


@pytest.fixture(scope="module")
def pages(neutralized: nbformat.NotebookNode, tmp_dir: Path) -> dict[str, tuple[str, str]]:
    """Each template's rendering of the neutralised notebook and of an empty one."""
    empty = new_notebook(metadata={"kernelspec": neutralized.metadata.kernelspec, "language_info": neutralized.metadata.language_info})
    return {name: (render(neutralized, tmp_dir), render(empty, tmp_dir)) for name, render in RENDERERS.items()}


# ---------------------------------------------------------------------- rendering


@pytest.mark.filterwarnings("ignore:Your element with mimetype")
def test_the_audit_finds_the_payloads_before_neutralising(tmp_dir: Path) -> None:
    nb = hostile_notebook()
    # nbconvert raises on a missing attachment: those payloads are left out here.
    nb.cells = [c for c in nb.cells if "attachment:" not in c.source]
    page = render_lab(nb, tmp_dir)
    found = new_findings(page, render_lab(new_notebook(), tmp_dir))
    kinds = {finding[0] for finding in found}
    assert {"event handler", "url", "element", "live tex", "mermaid diagram"} <= kinds
    elements = {finding[1] for finding in found if finding[0] == "element"}
    assert {"script", "iframe", "svg", "object", "embed", "form", "style"} <= elements
    assert any(f[0] == "url" and "javascript:" in f[3].lower() for f in found)
    assert "jupyter-widgets/html-manager" in page, "the forged widget state loads the widget manager"


@pytest.mark.parametrize("template", list(RENDERERS))
def test_nothing_risky_beyond_the_template_itself(pages: dict[str, tuple[str, str]], template: str) -> None:
    page, baseline = pages[template]
    assert new_findings(page, baseline) == []


@pytest.mark.parametrize("template", list(RENDERERS))
def test_no_learner_script_handler_or_frame(pages: dict[str, tuple[str, str]], template: str) -> None:
    page, baseline = pages[template]
    found, own = audit(page).findings, audit(baseline).findings
    scripts = [f for f in found if f[:2] == ("element", "script")]
    assert Counter(scripts) <= Counter(f for f in own if f[:2] == ("element", "script"))
    assert [f for f in found if f[0] == "event handler"] == [f for f in own if f[0] == "event handler"]
    assert not [f for f in found if f[0] == "element" and f[1] in ("iframe", "object", "embed", "svg", "form", "math")]
    assert not [f for f in found if f[0] in ("url", "live tex", "tex in attribute", "mermaid diagram")]
    assert "jupyter-widgets/html-manager" not in page and "widget-state+json" not in page


@pytest.mark.parametrize("template", list(RENDERERS))
def test_the_reflection_still_reads(pages: dict[str, tuple[str, str]], template: str) -> None:
    page, _ = pages[template]
    text = visible_text(page)
    assert " ".join(PROSE.split()) in text
    assert "Data scientist the model" in " ".join(text.split()), "the markdown table"
    tables = re.findall(r"<table.*?</table>", page, re.S)
    assert any("Data engineer" in t and "<td>" in t for t in tables), "a markdown table renders as a table"
    assert any("precision" in t and "0.91" in t for t in tables), "a pandas DataFrame renders as a table"
    assert f'src="data:image/png;base64,{PNG}"' in page, "the PNG output"
    assert page.count("data:image/png;base64,") >= 2, "the PNG output and the PNG attachment"
    assert re.search(r'<a href="https://example.org/reflection"[^>]*>the guide</a>', page)
    assert re.search(r"<code>&lt;br&gt;</code>", page), "a code span reads as written"
    assert "<b>three</b>" in page, "the locked instructor cell is left as the instructor wrote it"
    assert "$x^2 &lt; y$" in page, "math reaches MathJax"
    assert 'class="ansi-red-fg"' in page, "terminal colours survive"
    assert "ValueError" in text


def test_each_payload_shows_as_text(pages: dict[str, tuple[str, str]]) -> None:
    text = visible_text(pages["lab"][0])
    assert "<img src=x onerror=alert(1)>" in text
    assert "<script>alert(document.cookie)</script>" in text
    assert "[output not shown: application/javascript is not displayed for safety]" in text
    assert "[output not shown: image/svg+xml is not displayed for safety]" in text
    assert "<img src=x onerror=alert('raw html')>" in text, "a raw HTML cell shows its text"


# ----------------------------------------------------------------- markdown units


@pytest.mark.parametrize("payload", list(MARKDOWN_PAYLOADS.values()), ids=list(MARKDOWN_PAYLOADS))
def test_inert_markdown_renders_nothing_risky(payload: str) -> None:
    attachments = {"chart.png": {"image/png": PNG}}
    rendered = render_markdown_like_nbconvert(inert_markdown(payload, attachments), attachments)
    assert audit(rendered).findings == []
    assert not re.search(r"<(?!/?(p|br|hr|h[1-6]|a|img|em|strong|del|code|pre|blockquote|ul|ol|li|table|thead|tbody|tr|th|td|input|dl|dt|dd|div|span)[\s/>])", rendered)


def test_unsafe_destinations_become_the_marker() -> None:
    for payload in ("[x](javascript:alert(1))", "[x](  JaVaScRiPt:alert(1))", "[x](java&#115;cript:alert(1))", "![x](javascript:alert(1))",
                    "[x](<javascript:alert(1)>)", "[x](vbscript:x)", "[x](data:text/html,x)", "[x](file:///etc/passwd)"):
        out = inert_markdown(payload)
        assert re.fullmatch(r"!?\[x\]\( *#unsafe-link\)", out), (payload, out)
    assert inert_markdown("[r]: javascript:alert(1)") == "[r]: #unsafe-link"
    assert inert_markdown("[r]:\n  <JAVASCRIPT:alert(1)>") == "[r]:\n  #unsafe-link"


@pytest.mark.parametrize("text", [
    "Plain prose, with *emphasis*, **strong** text and a list:\n\n- one\n- two\n\n1. first\n2. second",
    "# Heading\n\n## Sub-heading\n\n> A quotation.",
    "Code: `x < y && z`, and\n\n```python\nif a < b & c:\n    print('<ok>')\n```",
    "Math: $a < b$ and $$\\sum_i x_i < 1$$",
    TABLE,
    "[a link](https://example.org/page?x=1) and ![an image](https://example.org/a.png \"title\") and [relative](other.ipynb#part)",
    "- [x] done\n- [ ] to do",
])
def test_ordinary_markdown_renders_the_same(text: str) -> None:
    assert render_markdown_like_nbconvert(inert_markdown(text)) == render_markdown_like_nbconvert(text)


def test_comparisons_and_ampersands_read_the_same() -> None:
    rendered = render_markdown_like_nbconvert(inert_markdown("a < b, c <d and R&D"))
    assert visible_text(rendered) == "a < b, c <d and R&D"


def test_mathjax_link_commands_show_as_text() -> None:
    out = inert_markdown("$\\href{javascript:alert(1)}{x}$ and \\url{https://x} and \\htmlClass{a}{b}")
    assert not re.search(r"\\(href|url|html)", out)
    assert "\\\u200bhref" in out and "\\\u200burl" in out and "\\\u200bhtmlClass" in out
    assert "\\frac{a}{b}" in inert_markdown("$\\frac{a}{b}$"), "other TeX is untouched"


def test_a_fooled_scanner_falls_back_to_a_code_block() -> None:
    payload = MARKDOWN_PAYLOADS["fence fooling the scanner"]
    out = inert_markdown(payload)
    assert out.startswith("````\n") and payload in out
    assert audit(render_markdown_like_nbconvert(out)).findings == []


def test_without_the_scanner_the_audit_alone_keeps_every_payload_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markup, "_rewrite_markdown", lambda text, attachments: text)
    for name, payload in MARKDOWN_PAYLOADS.items():
        rendered = render_markdown_like_nbconvert(inert_markdown(payload))
        assert audit(rendered).findings == [], name


@pytest.mark.parametrize("text", [
    "\\\\[ a " * 20000, "\\begin{a} x " * 20000, "\\\\( a " * 20000, "$ a\n\n" * 10000,
    " ".join("`" * k for k in range(1, 400)), "[" * 20000 + "](" * 20000, "<" * 50000,
])
def test_hostile_sizes_render_inert(text: str) -> None:
    """Huge unclosed openers come out whole and inert. Their speed (linear, not the quadratic
    time nbconvert's own lazy regexes would take) is measured by `make bench` (bench_markup)."""
    out = inert_markdown(text)
    rendered = render_markdown_like_nbconvert(out)
    assert audit(rendered).findings == []
    assert len(out) >= len(text) // 2


def test_an_unclosed_opener_reads_the_same() -> None:
    assert visible_text(render_markdown_like_nbconvert(inert_markdown("a \\\\[ b"))).replace("\u200b", "") == "a \\[ b"


def test_attachments_only_for_attached_images() -> None:
    attachments = {"chart.png": {"image/png": PNG}}
    assert inert_markdown("![c](attachment:chart.png)", attachments) == "![c](attachment:chart.png)"
    assert inert_markdown("![c](attachment:other.png)", attachments) == "![c](#unsafe-link)"
    assert inert_markdown("[c](attachment:chart.png)", attachments) == "[c](#unsafe-link)"


def test_non_string_markdown_becomes_a_placeholder() -> None:
    assert inert_markdown(["<img src=x onerror=alert(1)>"]).startswith("*[text not shown")  # type: ignore[arg-type]


# ---------------------------------------------------------------- outputs and HTML


def test_safe_html_keeps_tables_and_formatting() -> None:
    html = '<table border="1" class="dataframe"><thead><tr><th>a</th></tr></thead><tbody><tr><td><b>1</b></td></tr></tbody></table>'
    assert safe_html(html) == "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td><b>1</b></td></tr></tbody></table>"


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>', '<a href="JaVa&#115;cript:alert(1)">x</a>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>', '<object data="x.swf"></object>', "<svg><script>alert(1)</script></svg>",
    "<style>*{background:url(https://evil.example)}</style>", '<div style="background:url(https://evil.example)">x</div>',
    '<form action="https://evil.example"><input name="_xsrf"></form>', '<math><maction xlink:href="javascript:alert(1)">x</maction></math>',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<p>$\\href{javascript:alert(1)}{x}$ &#92;class{a}{b}</p>", "<base href=\"https://evil.example/\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', '<details open ontoggle="alert(1)">x</details>',
])
def test_safe_html_removes_every_active_part(html: str) -> None:
    assert audit(safe_html(html)).findings == []


def test_safe_output_keeps_only_safe_types() -> None:
    out = safe_output(new_output("display_data", data={
        "text/plain": "x", "text/html": "<b>x</b><script>alert(1)</script>", "application/javascript": "alert(1)",
        "image/svg+xml": "<svg/>", "application/vnd.mlteam.answer-values+json": {"q": 1}, "application/vnd.plotly.v1+json": {},
        "image/png": PNG, "image/jpeg": "%%%", "text/markdown": "<b>x</b>",
    }, metadata={"image/png": {"width": 10, "height": "10 onerror=alert(1)", "unconfined": True}, "isolated": True, "text/html": {"isolated": True}}))
    assert sorted(out["data"]) == ["image/png", "text/html", "text/markdown", "text/plain"]
    assert out["data"]["text/html"] == "<b>x</b>"
    assert out["data"]["text/markdown"] == "&lt;b>x&lt;/b>"
    assert out["metadata"] == {"image/png": {"width": 10, "unconfined": True}}


def test_answer_values_are_removed_and_leave_a_placeholder() -> None:
    out = safe_output(new_output("display_data", data={"application/vnd.mlteam.answer-values+json": {"q1": "b"}}))
    assert "application/vnd.mlteam.answer-values+json" not in out["data"]
    assert out["data"]["text/plain"].startswith("[output not shown")


def test_streams_keep_colours_and_lose_other_escape_sequences() -> None:
    out = safe_output(new_output("stream", name="stdout\"><script>", text="\x1b[1;32mok\x1b[0m\x1b]8;;javascript:alert(1)\x07link\x1b]8;;\x07\x9b2J\x07\x1bPq#0\x1b\\ end"))
    assert out["name"] == "stdout"
    assert out["text"] == "\x1b[1;32mok\x1b[0mlink end"
    from nbconvert.filters.ansi import ansi2html

    assert ansi2html(out["text"]) == '<span class="ansi-green-intense-fg ansi-bold">ok</span>link end'


def test_errors_stay_errors_for_grading() -> None:
    out = safe_output({"output_type": "error", "ename": "AssertionError", "evalue": "wrong", "traceback": ["\x1b[31mAssertionError\x1b[0m", 7]})
    assert out["output_type"] == "error" and out["ename"] == "AssertionError"
    assert out["traceback"] == ["\x1b[31mAssertionError\x1b[0m", "[traceback line not shown]"]


# ------------------------------------------------------------------------ notebooks


def test_notebook_metadata_keeps_only_kernel_and_grader_keys(neutralized: nbformat.NotebookNode) -> None:
    assert sorted(neutralized.metadata) == ["kernelspec", "language_info"]
    assert neutralized.metadata.kernelspec.display_name == "Python 3 (ipykernel)"


def test_cell_metadata_keeps_the_graders_keys(neutralized: nbformat.NotebookNode) -> None:
    code = next(c for c in neutralized.cells if c.cell_type == "code")
    assert code.metadata == {"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": "answer", "schema_version": 3}, "mlteam": {"record": 1}}
    assert all("onclick" not in c.metadata for c in neutralized.cells)
    assert all(not any(k in c.metadata for k in ("raw_mimetype", "format")) for c in neutralized.cells)


def test_attachments_keep_only_raster_images(neutralized: nbformat.NotebookNode) -> None:
    cell = next(c for c in neutralized.cells if "attachments" in c)
    assert cell.attachments["chart.png"] == {"image/png": PNG}
    assert cell.attachments["vector.svg"] == {"image/gif": markup.PLACEHOLDER_GIF}


def test_raw_cells_become_code_blocks(neutralized: nbformat.NotebookNode) -> None:
    assert not [c for c in neutralized.cells if c.cell_type == "raw"]
    shown = [c.source for c in neutralized.cells if "raw html" in c.source or "raw, no mimetype" in c.source]
    assert shown == ["```\n<img src=x onerror=alert('raw html')>\n```\n", "```\n<script>alert('raw, no mimetype')</script>\n```\n"]


def test_only_restored_locked_cells_are_trusted(neutralized: nbformat.NotebookNode) -> None:
    assert neutralized.cells[0].source == "## Instructions\n\nAnswer in <b>three</b> sentences."
    assert neutralized.cells[2].source == "&lt;img src=x onerror=alert('forged-lock')>", "locked without a grade_id: not restored by nbgrader"


def test_the_result_is_a_valid_notebook_with_the_same_cells() -> None:
    nb = hostile_notebook()
    ids = [c.id for c in nb.cells]
    neutralize_notebook(nb)
    nbformat.validate(nb)
    assert [c.id for c in nb.cells] == ids


def malformed_notebook() -> dict[str, Any]:
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": ["python3"], "language_info": {"name": "python<script>", "version": 3, "codemirror_mode": {"x": [1]}}, "widgets": "x"},
        "cells": [
            "not a cell",
            {"cell_type": "markdown", "id": "bad id\"><script>", "metadata": [], "source": 42},
            {"cell_type": "markdown", "id": "ok", "metadata": {"tags": "not-a-list", "jupyter": "x", "collapsed": "x"}, "source": ["<img src=x ", "onerror=alert(1)>"], "attachments": ["x"]},
            {"cell_type": "code", "id": "c1", "metadata": {"tags": [1, "ok", "a,b", ""]}, "source": None, "outputs": "none", "execution_count": "3"},
            {"cell_type": "code", "id": "c2", "metadata": {}, "source": "1", "execution_count": True, "outputs": [
                "not an output", {"output_type": "display_data", "data": ["text/html"], "metadata": 5},
                {"output_type": "display_data", "data": {"text/html": ["<b>", 5], 7: "x", "image/png": {"a": 1}}, "metadata": {"image/png": {"width": float("nan")}}},
                {"output_type": "execute_result", "data": {"text/plain": ["4", "2"]}, "metadata": {}, "execution_count": "x"},
                {"output_type": "stream", "name": None, "text": {"a": 1}},
                {"output_type": "error", "ename": None, "evalue": ["x"], "traceback": "not a list"},
                {"output_type": "<script>", "data": {}},
            ]},
            {"cell_type": "raw", "metadata": {"raw_mimetype": 5}, "source": ["<b>", "x</b>"]},
            {"cell_type": "heading", "metadata": {}, "source": "# old"},
            {"cell_type": "markdown", "metadata": {"nbgrader": "not a dict"}, "source": "<b>x</b>"},
        ],
    }


def test_hostile_types_never_raise_and_still_render(tmp_dir: Path) -> None:
    nb = nbformat.from_dict(malformed_notebook())
    neutralize_notebook(nb)
    assert len(nb.cells) == 8
    assert nb.cells[0].source.startswith("*[cell not shown")
    assert nb.cells[1].source.startswith("*[text not shown") and nb.cells[1].id != "bad id\"><script>"
    assert nb.cells[2].source == "&lt;img src=x onerror=alert(1)>" and "attachments" not in nb.cells[2]
    assert nb.cells[3].outputs == [] and nb.cells[3].execution_count is None and nb.cells[3].metadata == {"tags": ["ok"]}
    assert nb.cells[4].execution_count is None
    assert nb.cells[4].outputs[3]["data"] == {"text/plain": "42"} and nb.cells[4].outputs[3]["execution_count"] is None
    assert nb.cells[4].outputs[5]["output_type"] == "error" and nb.cells[4].outputs[5]["traceback"] == []
    assert nb.cells[5].cell_type == "markdown" and nb.cells[5].source == "```\n<b>x</b>\n```\n"
    assert nb.cells[6].source.startswith("*[cell not shown")
    assert nb.cells[7].source == "&lt;b>x&lt;/b>", "nbgrader metadata that is not a dict: not a restored cell"
    assert nb.metadata == {}
    nbformat.validate(nb)
    for name in ("lab", "formgrade"):
        assert new_findings(RENDERERS[name](nb, tmp_dir), RENDERERS[name](new_notebook(), tmp_dir)) == []


@pytest.mark.parametrize("nb", [None, [], "x", {"cells": "x"}, {"metadata": 5}])
def test_not_even_a_notebook_never_raises(nb: Any) -> None:
    neutralize_notebook(nb)


def test_nbformat_4_4_notebooks_get_no_cell_ids(tmp_dir: Path) -> None:
    nb = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [
        {"cell_type": "raw", "metadata": {}, "source": "<b>x</b>"}, 5, {"cell_type": "markdown", "metadata": {}, "source": "<i>y</i>"}]})
    neutralize_notebook(nb)
    assert all("id" not in cell for cell in nb.cells)
    nbformat.validate(nb)
    assert "&lt;i&gt;y&lt;/i&gt;" in render_classic(nb, tmp_dir)


def test_the_preprocessor_neutralises_in_place() -> None:
    nb = hostile_notebook()
    out, resources = NeutralizeLearnerMarkup().preprocess(nb, {"k": 1})
    assert out is nb and resources == {"k": 1}
    assert "widgets" not in nb.metadata
    assert all(c.cell_type != "raw" for c in nb.cells)
