"""Learner content made inert before the autograded notebook is written.

The autograded notebook is rendered to HTML twice: by the formgrader, on the
instructor's own Jupyter server (same origin as the instructor's session), and by
``nbgrader generate_feedback``. nbconvert renders markdown with raw HTML allowed
and *every* link scheme allowed (``IPythonRenderer(escape=False,
allow_harmful_protocols=True)``), inlines ``text/html`` outputs unsanitised, runs
``application/javascript`` outputs, inlines ``image/svg+xml``, hands a
``mermaid`` fenced block to the page unescaped, and loads the widget manager when
the notebook's metadata has widget state. Everything a learner can influence is
therefore rewritten here, in the notebook itself:

* learner markdown (and ``text/markdown`` outputs) becomes :func:`inert_markdown`;
* ``text/html`` outputs go through :func:`safe_html` (``nh3``);
* outputs keep only a few MIME types (:func:`safe_output`);
* notebook and cell metadata keep only what rendering and grading need;
* raw cells become markdown cells that show their text as code.

:func:`neutralize_notebook` does all of it; :class:`NeutralizeLearnerMarkup` is
the nbgrader preprocessor around it. It belongs at the end of
``Autograde.autograde_preprocessors``: after ``ApplyWidgetScores`` (which reads the
answer-values outputs this module removes) and after ``SaveAutoGrades`` (which
reads partial credit from an ``execute_result``'s ``text/plain``, so it should see
the kernel's own outputs), e.g. just before the final ``CheckCellMetadata``.

Markdown is made inert in two layers. A scanner rewrites the text (escapes ``<``
and ``&`` outside code and math, rewrites link destinations); then the result is
rendered with the very markdown renderer nbconvert uses and audited with
:mod:`html.parser` (tag, attribute and URL allow-lists). If the audit finds
anything -- a construct where the scanner and nbconvert's parser disagree -- the
whole text is shown as a fenced code block instead, which the audit checks again.
The scanner therefore decides how faithfully a cell reads, never whether it is safe.
"""

from __future__ import annotations

import base64
import binascii
import html as html_module
import math
import re
import string
import uuid
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import nbformat
import nh3
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = [
    "NeutralizeLearnerMarkup",
    "UNSAFE_LINK",
    "inert_markdown",
    "neutralize_mathjax",
    "neutralize_notebook",
    "render_markdown_like_nbconvert",
    "safe_html",
    "safe_output",
    "safe_terminal_text",
    "url_is_safe",
]

UNSAFE_LINK = "#unsafe-link"
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
SAFE_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
ANSWER_VALUES_MIME = "application/vnd.mlteam.answer-values+json"
NOTEBOOK_METADATA_KEPT = ("kernelspec", "language_info", "nbgrader")
GRADER_CELL_KEYS = ("nbgrader", "mlteam")

# 1x1 transparent GIF: stands in for an attachment whose every MIME type was dropped,
# so that a markdown cell referring to it still renders (nbconvert raises on a
# missing attachment, which would take the whole formgrader page down).
PLACEHOLDER_GIF = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

ZWSP = "\u200b"
_PUNCTUATION = frozenset(string.punctuation)

# --------------------------------------------------------------------------- MathJax

# TeX commands that can carry a link, a CSS class/id/style, HTML or an extension
# load. MathJax 2 (nbconvert's templates) knows \href \class \cssId \style \unicode
# \require \bbox \mmlToken; MathJax 3 / KaTeX (JupyterLab, if the instructor opens
# the live notebook) add \url \html... \data \includegraphics. Matched as a prefix,
# so \htmlClass, \htmlStyle and friends are caught too.
MATHJAX_COMMANDS = (
    "href", "url", "class", "cssId", "style", "html", "unicode",
    "require", "bbox", "mmlToken", "data", "includegraphics",
)
_MATHJAX_RE = re.compile(r"\\(?=(?:" + "|".join(MATHJAX_COMMANDS) + "))")


def neutralize_mathjax(text: str) -> str:
    r"""Break the TeX commands that can carry links or HTML, so they show as text.

    A zero-width space goes between the backslash and the command's name. Doubling
    the backslash (``\\href``) would be undone by markdown wherever nbconvert's
    parser does not see math but MathJax, reading the page, does (``*$* ... *$*``);
    ``\`` + zero-width space is not a command in markdown, in TeX or in HTML, so it
    stays text in every context (MathJax shows it as an unknown symbol at worst).

    >>> neutralize_mathjax(r"$\href{javascript:alert(1)}{x}$") == "$\\\u200bhref{javascript:alert(1)}{x}$"
    True
    >>> neutralize_mathjax(r"$\frac{a}{b} \le \sqrt{2}$")
    '$\\frac{a}{b} \\le \\sqrt{2}$'
    """
    return _MATHJAX_RE.sub("\\\\" + ZWSP, text)


# ------------------------------------------------------------------------------ URLs

_INVISIBLE = re.compile("[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SCHEME = re.compile(r"^([^:/?#]*):")
_ATTACHMENT_REF = re.compile(r"attachment:([A-Za-z0-9._-]{1,200})")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def _decoded_url(url: str) -> str:
    """The URL with every encoding layer a parser or browser might undo, undone."""
    for _ in range(8):
        previous = url
        url = html_module.unescape(url)
        url = re.sub(r"\\(.)", r"\1", url)
        url = unquote(url)
        if url == previous:
            break
    return _INVISIBLE.sub("", url)


def url_is_safe(url: str, *, image_data: bool = False) -> bool:
    r"""Whether a link or image destination uses http, https, mailto or no scheme.

    The destination is decoded first (entities, repeatedly; backslash escapes;
    percent-encoding) and stripped of whitespace and invisible characters, because
    markdown parsers and browsers undo each of these. A ``:`` before the first
    ``/``, ``?`` or ``#`` counts as a scheme even where a browser would not see one.
    With ``image_data``, ``data:image/png|jpeg|gif;base64,`` with valid base64 is
    allowed too.

    >>> [url_is_safe(u) for u in ["https://example.org/a?b=1&c=2", "../data/x.png", "#intro", "mailto:a@b.c"]]
    [True, True, True, True]
    >>> [url_is_safe(u) for u in ["javascript:alert(1)", "  JaVaScRiPt:alert(1)", "java&#115;cript:x", "java\\script:x"]]
    [False, False, False, False]
    >>> [url_is_safe(u) for u in ["vbscript:x", "data:text/html,x", "file:///etc/passwd", "jav&#x09;ascript:x"]]
    [False, False, False, False]
    >>> url_is_safe("data:image/png;base64,iVBORw0KGgo=", image_data=True)
    True
    """
    if not isinstance(url, str):
        return False
    if image_data and _valid_data_image(url):
        return True
    match = _SCHEME.match(_decoded_url(url))
    return match is None or match.group(1).lower() in SAFE_SCHEMES


def _valid_data_image(url: str) -> bool:
    match = re.fullmatch(r"data:(image/(?:png|jpeg|gif));base64,([A-Za-z0-9+/=\s]*)", url)
    return match is not None and _valid_base64(match.group(2))


def _valid_base64(data: str) -> bool:
    compact = re.sub(r"\s+", "", data)
    if not compact or len(compact) % 4 or not _BASE64.fullmatch(compact):
        return False
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _as_text(value: Any) -> str | None:
    """A string, or nbformat's list-of-lines form joined; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return None


# -------------------------------------------------------------------------- Markdown

# A fence may follow block-quote markers and list-item markers on its line.
_FENCE_OPEN = re.compile(r"^(?P<prefix>(?:[ \t>]|[-+*][ \t]|\d{1,9}[.)][ \t])*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)(?P<end>\n?)$")
_REFERENCE_DEFINITION = re.compile(
    r"^(?P<lead>[ \t>]*\[(?:[^\[\]\\\n]|\\.){1,999}\]:[ \t]*(?:\n[ \t>]*)?)(?P<dest><[^<>\n]*>|[^\s<]\S*)",
    re.M,
)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_EMAIL_AUTOLINK = re.compile(r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BACKTICKS = re.compile(r"`+")
# nbconvert's math rules (filters/markdown_mistune.py) take precedence over every
# other inline rule, and nbconvert HTML-escapes their bodies itself. Each is an
# opener, then the first closer after it: (name, opener, closer, may span a blank
# line -- nbconvert's block parser keeps $$ and \\[ whole --, shortest body).
_MATH_RULES = (
    ("$$", re.compile(r"(?<!\\)\$\$"), re.compile(r"(?<!\\)\$\$"), True, 0),
    ("\\\\[", re.compile(r"(?<!\\)\\\\\["), re.compile(r"(?<!\\)\\\\\]"), True, 0),
    ("$", re.compile(r"(?<![$\\])\$"), re.compile(r"(?<![$\\])\$"), False, 1),
    ("\\\\(", re.compile(r"(?<!\\)\\\\\("), re.compile(r"(?<!\\)\\\\\)"), False, 0),
)
_MATH_ENVIRONMENT = re.compile(r"\\begin\{(?P<name>[a-z]*\*?)\}")


class _MathSpans:
    """Finds the math span nbconvert's parser would start at a position.

    A closer that is not found after one position is not found after any later
    one, so each failed search is remembered: the scan stays linear on a text
    full of openers. An opener that has no closer is returned broken by a
    zero-width space (``\\\\`` + ZWSP + ``[``: the same text to the reader), so that
    nbconvert's own lazy regular expressions do not rescan the rest of the text
    from every one of them either.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.failed_from: dict[str, int] = {}

    def _closer(self, key: str, search: Callable[[int], int | None], start: int) -> int | None:
        if start >= self.failed_from.get(key, len(self.text) + 1):
            return None
        end = search(start)
        if end is None:
            self.failed_from[key] = min(start, self.failed_from.get(key, start))
        return end

    def match(self, i: int) -> tuple[int, str] | None:
        """(end, text to emit) for a math span or an unmatched opener at ``i``."""
        text = self.text
        for key, opener, closer, spans_paragraphs, shortest in _MATH_RULES:
            if not opener.match(text, i):
                continue
            body = i + len(key)

            def search(start: int, closer: re.Pattern[str] = closer) -> int | None:
                found = closer.search(text, start)
                return found.end() if found else None

            end = self._closer(key, search, body + shortest)
            if end is None:
                if key.startswith("\\"):
                    return body, "\\\\" + ZWSP + key[2:]
                continue
            if spans_paragraphs or not _BLANK_LINE.search(text, body, end):
                return end, text[i:end]
        environment = _MATH_ENVIRONMENT.match(text, i)
        if environment:
            ending = "\\end{" + environment["name"] + "}"

            def find(start: int) -> int | None:
                found = text.find(ending, start)
                return found + len(ending) if found != -1 else None

            end = self._closer(ending, find, environment.end())
            if end is None:
                return environment.end(), "\\" + ZWSP + environment.group(0)[1:]
            return end, text[i:end]
        return None


def _markdown_punctuation_escaped(text: str) -> str:
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def _destination(dest: str, *, image: bool, attachments: Mapping[str, Any], pointy: bool, escape_amp: bool = True) -> str:
    """A link destination as it goes back into the markdown: safe, or UNSAFE_LINK.

    ``&`` is escaped unless the text will pass through the scanner again.
    """
    inner = dest[1:-1] if pointy else dest
    attachment = _ATTACHMENT_REF.fullmatch(inner)
    if attachment and image and attachment.group(1) in attachments:
        return inner
    if attachment or not url_is_safe(inner):
        return UNSAFE_LINK
    if pointy:
        inner = inner.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    if escape_amp:
        inner = inner.replace("&", "&amp;")
    return inner.replace("<", "%3C").replace(">", "%3E")


def _scan_destination(text: str, start: int) -> tuple[int, int, bool] | None:
    """Where the destination after ``](`` lies: (begin, end, pointy), or None."""
    n, k = len(text), start
    while k < n and text[k] in " \t":
        k += 1
    if k < n and text[k] == "\n":
        k += 1
        while k < n and text[k] in " \t":
            k += 1
    if k < n and text[k] == "<":
        end, newline = text.find(">", k + 1), text.find("\n", k + 1)
        if end != -1 and (newline == -1 or end < newline):
            return k, end + 1, True
        return None
    begin, depth = k, 0
    while k < n:
        char = text[k]
        if char == "\\" and k + 1 < n and text[k + 1] in _PUNCTUATION:
            k += 2
            continue
        if char in " \t\n\r\f\v" or ord(char) < 0x20 or char == "\x7f":
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        k += 1
    return (begin, k, False) if k > begin else None


def _inert_prose(text: str, attachments: Mapping[str, Any]) -> str:
    """Escape ``<`` and ``&`` outside code spans and math; rewrite destinations."""
    text = _REFERENCE_DEFINITION.sub(
        lambda m: m.group("lead")
        + _destination(m.group("dest"), image=False, attachments={}, pointy=m.group("dest").startswith("<"), escape_amp=False),
        text,
    )
    out: list[str] = []
    brackets: list[bool] = []  # one per open "[": whether it opened an image "!["
    after_bang = False
    math = _MathSpans(text)
    unclosed_runs: dict[int, int] = {}  # backtick run length -> no closing run after this
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        was_bang, after_bang = after_bang, False
        if char in "$\\" and (math_span := math.match(i)) is not None:
            i, emitted = math_span
            out.append(emitted)
        elif char == "\\" and i + 1 < n and text[i + 1] in _PUNCTUATION:
            escaped = text[i + 1]
            out.append({"<": "&lt;", "&": "&amp;"}.get(escaped, "\\" + escaped))
            i += 2
        elif char == "`":
            run = _BACKTICKS.match(text, i).end() - i  # type: ignore[union-attr]
            closing = None
            if i + run < unclosed_runs.get(run, n + 1):
                closing = re.compile(r"(?<!`)`{%d}(?!`)" % run).search(text, i + run)
                if closing is None:
                    unclosed_runs[run] = i + run
            if closing and not _BLANK_LINE.search(text, i, closing.start()):
                out.append(text[i : closing.end()])
                i = closing.end()
            else:
                out.append("`" * run)
                i += run
        elif char == "<":
            autolink = _AUTOLINK.match(text, i)
            email = _EMAIL_AUTOLINK.match(text, i)
            if autolink and url_is_safe(autolink.group(1)):
                url = autolink.group(1)
                out.append(f"[{_markdown_punctuation_escaped(url)}]({_destination(url, image=False, attachments={}, pointy=False)})")
                i = autolink.end()
            elif email:
                address = email.group(1)
                out.append(f"[{_markdown_punctuation_escaped(address)}](mailto:{_destination(address, image=False, attachments={}, pointy=False)})")
                i = email.end()
            else:
                out.append("&lt;")
                i += 1
        elif char == "&":
            out.append("&amp;")
            i += 1
        elif char == "[":
            brackets.append(was_bang)
            out.append(char)
            i += 1
        elif char == "]" and i + 1 < n and text[i + 1] == "(":
            image = brackets.pop() if brackets else False
            out.append("](")
            span = _scan_destination(text, i + 2)
            if span is None:
                i += 2
                continue
            begin, end, pointy = span
            out.append(text[i + 2 : begin])
            out.append(_destination(text[begin:end], image=image, attachments=attachments, pointy=pointy))
            i = end
        else:
            if char == "]" and brackets:
                brackets.pop()
            after_bang = char == "!"
            out.append(char)
            i += 1
    return "".join(out)


def _safe_fence_info(info: str) -> str:
    """A fence's info string: one plain language word, never ``mermaid``.

    nbconvert passes a ``mermaid`` block's text to the page *unescaped* (and to
    mermaid.js), so it is shown as plain code instead.
    """
    words = info.split()
    if not words or "`" in info:
        return ""
    word = words[0]
    if re.fullmatch(r"[A-Za-z0-9_+#.-]{1,32}", word) and "mermaid" not in word.lower():
        return word
    return ""


def _rewrite_markdown(text: str, attachments: Mapping[str, Any]) -> str:
    """Fenced code stays as written (bar its info string); the rest is made inert."""
    out: list[str] = []
    prose: list[str] = []
    fence: tuple[str, int] | None = None
    for line in text.splitlines(keepends=True):
        if fence is None:
            opening = _FENCE_OPEN.match(line)
            if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
                out.append(_inert_prose("".join(prose), attachments))
                prose = []
                info = _safe_fence_info(opening["info"])
                out.append(opening["prefix"] + opening["fence"] + info + opening["end"])
                fence = (opening["fence"][0], len(opening["fence"]))
            else:
                prose.append(line)
        else:
            out.append(line)
            marker, length = fence
            if re.fullmatch(r"[ \t>]*" + re.escape(marker) + "{%d,}[ \t]*\n?" % length, line):
                fence = None
    out.append(_inert_prose("".join(prose), attachments))
    return "".join(out)


def _as_code_block(text: str) -> str:
    """The text, shown literally: a fenced block longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text.rstrip(chr(10))}\n{fence}\n"


def inert_markdown(text: str, attachments: Mapping[str, Any] | None = None) -> str:
    r"""Learner markdown that renders to no HTML, script or unsafe link of its own.

    ``<`` and ``&`` are escaped outside code spans, fenced code and math (so raw
    HTML, autolinks to other schemes and entity tricks show literally); link and
    image destinations other than http, https, mailto and relative ones become
    ``#unsafe-link``; MathJax commands that carry links or HTML are broken
    (:func:`neutralize_mathjax`). ``attachments`` are the cell's (already
    filtered) attachments: ``![x](attachment:name)`` is kept only for those.

    The result is rendered with nbconvert's own markdown renderer and audited; if
    the audit fails, the text is shown as a code block instead.

    >>> inert_markdown("A <b>bold</b> claim & a < b")
    'A &lt;b>bold&lt;/b> claim &amp; a &lt; b'
    >>> inert_markdown("[x](javascript:alert(1)) and [ok](https://example.org)")
    '[x](#unsafe-link) and [ok](https://example.org)'
    >>> inert_markdown("Use `<br>` or $a < b$.")
    'Use `<br>` or $a < b$.'
    >>> inert_markdown("```mermaid\ngraph TD; A-->B\n```")
    '```\ngraph TD; A-->B\n```'
    """
    if not isinstance(text, str):
        return "*[text not shown: it is not a string]*"
    attachments = attachments if isinstance(attachments, Mapping) else {}
    text = neutralize_mathjax(text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd"))
    for candidate in (_rewrite_markdown(text, attachments), _as_code_block(text)):
        if _markdown_renders_inert(candidate, attachments):
            return candidate
    return "*[text not shown: it could not be displayed safely]*"


# ------------------------------------------------------------------- Markdown audit

_MARKDOWN_TAGS = frozenset(
    "p br hr h1 h2 h3 h4 h5 h6 a img em strong del s code pre blockquote ul ol li "
    "table thead tbody tr th td input dl dt dd div span".split()
)
_MARKDOWN_ATTRIBUTES = frozenset("href src alt title class id start style type checked disabled".split())
_TAG_START = re.compile(r"<(?!/?(?:%s)[\s/>])" % "|".join(sorted(_MARKDOWN_TAGS, key=len, reverse=True)))
_LIVE_TEX = re.compile(r"\\(?:" + "|".join(MATHJAX_COMMANDS) + ")")


class _MarkdownAudit(HTMLParser):
    """Collects what in rendered markdown falls outside the allow-lists."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _MARKDOWN_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name not in _MARKDOWN_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            elif name == "href" and not url_is_safe(value):
                self.problems.append(f"href {value!r}")
            elif name == "src" and not url_is_safe(value, image_data=True):
                self.problems.append(f"src {value[:40]!r}")
            elif name == "style" and not re.fullmatch(r"text-align:\s*(left|right|center);?", value):
                self.problems.append(f"style {value!r}")
            elif name == "type" and value != "checkbox":
                self.problems.append(f"type {value!r}")
            elif name == "class" and "mermaid" in value.lower():
                # lab's template hands .jp-Mermaid > pre.mermaid text to mermaid.js
                self.problems.append("mermaid diagram")
            if _LIVE_TEX.search(value):
                self.problems.append(f"TeX command in {name}")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if _LIVE_TEX.search(data):
            self.problems.append("TeX command in text")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


def render_markdown_like_nbconvert(text: str, attachments: Mapping[str, Any] | None = None) -> str:
    """Markdown to HTML exactly as nbconvert's HTMLExporter renders a cell's source."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=dict(attachments or {}), embed_images=False)
    return MarkdownWithMath(renderer=renderer).render(text)


def _markdown_renders_inert(text: str, attachments: Mapping[str, Any]) -> bool:
    try:
        rendered = render_markdown_like_nbconvert(text, attachments)
        audit = _MarkdownAudit()
        audit.feed(rendered)
        audit.close()
    except Exception:  # noqa: BLE001 -- a text nbconvert cannot render is not shown
        return False
    return not audit.problems and not _TAG_START.search(rendered)


# ---------------------------------------------------------------------------- HTML

_CLEANER = nh3.Cleaner(url_schemes=set(SAFE_SCHEMES))


def safe_html(html: str) -> str:
    """An HTML output sanitised with nh3 (ammonia's default allow-list).

    Tables and basic formatting survive; ``<script>``, ``<style>``, event handlers,
    ``javascript:`` and ``data:`` URLs, ``<iframe>``, ``<object>``, ``<svg>``, forms,
    classes and ids do not. Links keep only http, https, mailto and relative URLs.
    MathJax commands that carry links are broken afterwards: nh3 writes a
    ``&#92;`` as a literal backslash, so the check sees what MathJax would.

    >>> safe_html('<table><tr><td onclick="x()">1</td></tr></table><script>alert(1)</script>')
    '<table><tbody><tr><td>1</td></tr></tbody></table>'
    >>> safe_html('<img src=x onerror=alert(1)><a href="javascript:alert(1)">a</a>')
    '<img src="x"><a rel="noopener noreferrer">a</a>'
    """
    if not isinstance(html, str):
        return ""
    try:
        cleaned = _CLEANER.clean(html)
    except Exception:  # noqa: BLE001 -- never raise on hostile input
        return html_module.escape(html)
    return neutralize_mathjax(cleaned)


# ------------------------------------------------------------------ Terminal text

# nbconvert's ansi2html escapes the text with markupsafe *first* and only then
# interprets CSI sequences, keeping SGR (colour) ones and deleting the others, so
# no escape sequence can produce markup. What it leaves behind is every non-CSI
# sequence -- OSC 8 hyperlinks (ESC ] 8 ;; url BEL), OSC 52 clipboard writes,
# DCS/APC strings, 8-bit C1 controls -- as literal text in the page, and in the
# notebook, where JupyterLab's own renderer or a terminal (`cat`, `nbgrader`'s
# logs) may interpret them. So only SGR sequences with plain numeric parameters
# are kept (nbconvert renders those as <span class="ansi-...">); every other
# escape sequence and every control character but \t, \n and \r is removed.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # two-character and nF sequences
    r"|\x1b"  # a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x98\x9d-\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\)?"  # 8-bit OSC, DCS, SOS, PM, APC
)
_SGR = re.compile(r"\x1b\[[0-9;]{0,64}m")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def safe_terminal_text(text: str) -> str:
    r"""Stream, error and plain text: colours kept, other escape sequences removed.

    >>> safe_terminal_text("\x1b[31mred\x1b[0m \x1b]8;;javascript:alert(1)\x07link\x1b]8;;\x07 \x1b[2J")
    '\x1b[31mred\x1b[0m link '
    """
    if not isinstance(text, str):
        return ""
    kept = _ESCAPE_SEQUENCE.sub(lambda m: m.group(0) if _SGR.fullmatch(m.group(0)) else "", text)
    parts = _SGR.split(kept)
    sequences = _SGR.findall(kept)
    cleaned = [neutralize_mathjax(_CONTROL.sub("", part)) for part in parts]
    return "".join(part + (sequences[k] if k < len(sequences) else "") for k, part in enumerate(cleaned))


# -------------------------------------------------------------------------- Outputs


def _placeholder(kinds: list[str]) -> str:
    shown = ", ".join(sorted(set(kinds))) or "this output"
    verb = "is" if len(set(kinds)) <= 1 else "are"
    return f"[output not shown: {shown} {verb} not displayed for safety]"


def _mime_label(mime: Any) -> str:
    label = str(mime)[:80] if isinstance(mime, str) else "data of an unknown type"
    return re.sub(r"[^A-Za-z0-9.+/_-]", "?", label)


def _safe_image_metadata(value: Any) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    if not isinstance(value, Mapping):
        return kept
    for key in ("width", "height"):
        number = value.get(key)
        if isinstance(number, (int, float)) and not isinstance(number, bool) and math.isfinite(number) and 0 < number <= 100_000:
            kept[key] = number
    if isinstance(value.get("unconfined"), bool):
        kept["unconfined"] = value["unconfined"]
    return kept


def safe_output(output: dict[str, Any]) -> dict[str, Any]:
    """One code-cell output reduced to what renders inertly (a new NotebookNode).

    ``display_data``/``execute_result`` keep ``text/plain``, base64-valid PNG, JPEG
    and GIF, ``text/html`` through :func:`safe_html` and ``text/markdown`` through
    :func:`inert_markdown`; everything else (JavaScript, SVG, LaTeX, PDF, widget
    views, every ``application/vnd.*`` including the grader's answer values) is
    dropped, and an output left empty says so in ``text/plain``. Metadata keeps
    only image width/height (numbers) and ``unconfined`` (a boolean): not
    ``isolated``, which would put the HTML in an ``<iframe src="data:text/html...">``,
    and not ``filenames``, which would become an ``<img src>``. ``stream`` and
    ``error`` outputs keep their text minus non-colour escape sequences.

    >>> out = safe_output({"output_type": "display_data", "metadata": {},
    ...                    "data": {"application/javascript": "alert(1)", "image/svg+xml": "<svg onload=alert(1)>"}})
    >>> out["data"]
    {'text/plain': '[output not shown: application/javascript, image/svg+xml are not displayed for safety]'}
    >>> safe_output({"output_type": "stream", "name": "stdout", "text": "hi\\n"})["text"]
    'hi\\n'
    >>> safe_output("not an output")["text"]
    '[output not shown: this output is not displayed for safety]\\n'
    """
    try:
        return nbformat.from_dict(_safe_output(output))
    except Exception:  # noqa: BLE001 -- never raise on hostile input
        return nbformat.from_dict(_stream(_placeholder([])))


def _stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text + "\n"}


def _safe_output(output: Any) -> dict[str, Any]:
    if not isinstance(output, Mapping):
        return _stream(_placeholder([]))
    kind = output.get("output_type")
    if kind == "stream":
        text = _as_text(output.get("text"))
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        if text is None:
            return _stream(_placeholder(["a non-text stream"]), name)
        return {"output_type": "stream", "name": name, "text": safe_terminal_text(text)}
    if kind == "error":
        ename, evalue = output.get("ename"), output.get("evalue")
        traceback = output.get("traceback")
        lines = traceback if isinstance(traceback, list) else []
        return {
            "output_type": "error",
            "ename": safe_terminal_text(ename) if isinstance(ename, str) else "Error",
            "evalue": safe_terminal_text(evalue) if isinstance(evalue, str) else "",
            "traceback": [safe_terminal_text(line) if isinstance(line, str) else "[traceback line not shown]" for line in lines],
        }
    if kind not in ("display_data", "execute_result"):
        return _stream(_placeholder([f"an output of type {_mime_label(kind)}"]))

    data = output.get("data")
    data = data if isinstance(data, Mapping) else {}
    metadata = output.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    kept: dict[str, Any] = {}
    kept_metadata: dict[str, Any] = {}
    dropped: list[str] = []
    for mime, value in data.items():
        text = _as_text(value)
        if mime == "text/plain" and text is not None:
            kept[mime] = safe_terminal_text(text)
        elif mime in SAFE_IMAGE_TYPES and text is not None and _valid_base64(text):
            kept[mime] = re.sub(r"\s+", "", text)
            if image_metadata := _safe_image_metadata(metadata.get(mime)):
                kept_metadata[mime] = image_metadata
        elif mime == "text/html" and text is not None:
            kept[mime] = safe_html(text)
        elif mime == "text/markdown" and text is not None:
            kept[mime] = inert_markdown(text)
        elif mime != ANSWER_VALUES_MIME:
            dropped.append(_mime_label(mime))
    if not kept:
        kept["text/plain"] = _placeholder(dropped)
    result: dict[str, Any] = {"output_type": kind, "data": kept, "metadata": kept_metadata}
    if kind == "execute_result":
        count = output.get("execution_count")
        result["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
    return result


# ------------------------------------------------------------------------ Notebooks

_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def _safe_attachments(value: Any) -> dict[str, dict[str, str]]:
    """Attachments keep PNG, JPEG and GIF with valid base64; others become a 1x1 GIF."""
    kept: dict[str, dict[str, str]] = {}
    if not isinstance(value, Mapping):
        return kept
    for name, bundle in value.items():
        if not isinstance(name, str):
            continue
        images = {}
        if isinstance(bundle, Mapping):
            for mime in SAFE_IMAGE_TYPES:
                data = _as_text(bundle.get(mime))
                if data is not None and _valid_base64(data):
                    images[mime] = re.sub(r"\s+", "", data)
        kept[name] = images or {"image/gif": PLACEHOLDER_GIF}
    return kept


def _safe_cell_metadata(value: Any) -> dict[str, Any]:
    """The grader's keys untouched; a few display keys if well typed; nothing else."""
    if not isinstance(value, Mapping):
        return {}
    kept: dict[str, Any] = {key: value[key] for key in GRADER_CELL_KEYS if key in value}
    tags = value.get("tags")
    if isinstance(tags, list):
        # nbformat's schema forbids commas in tags; an invalid notebook makes
        # nbconvert's preprocessor validation raise, i.e. the page fails to render.
        kept["tags"] = [tag for tag in tags if isinstance(tag, str) and 0 < len(tag) <= 200 and "," not in tag]
    for key in ("editable", "deletable", "collapsed"):
        if isinstance(value.get(key), bool):
            kept[key] = value[key]
    if isinstance(value.get("scrolled"), bool) or value.get("scrolled") == "auto":
        kept["scrolled"] = value["scrolled"]
    jupyter = value.get("jupyter")
    if isinstance(jupyter, Mapping):
        flags = {key: jupyter[key] for key in ("source_hidden", "outputs_hidden") if isinstance(jupyter.get(key), bool)}
        if flags:
            kept["jupyter"] = flags
    return kept


def _safe_plain_value(value: Any, depth: int = 0) -> Any:
    """Strings of a plain character set, numbers, booleans, one level of dicts."""
    if isinstance(value, bool) or (isinstance(value, (int, float)) and math.isfinite(value)):
        return value
    if isinstance(value, str) and re.fullmatch(r"[\w .,+#/:()-]{0,100}", value):
        return value
    if isinstance(value, Mapping) and depth == 0:
        inner = {k: _safe_plain_value(v, 1) for k, v in value.items() if isinstance(k, str)}
        return {k: v for k, v in inner.items() if v is not None}
    return None


def _safe_notebook_metadata(value: Any) -> dict[str, Any]:
    """kernelspec and language_info (plain values only) and nbgrader; nothing else."""
    if not isinstance(value, Mapping):
        return {}
    kept: dict[str, Any] = {}
    # nbformat requires these string fields; without them the section goes.
    for key, required in (("kernelspec", ("name", "display_name")), ("language_info", ("name",))):
        section = _safe_plain_value(value.get(key))
        if isinstance(section, dict) and all(isinstance(section.get(field), str) for field in required):
            kept[key] = section
    if "nbgrader" in value:
        kept["nbgrader"] = value["nbgrader"]
    return kept


def _is_restored_instructor_cell(cell: Mapping[str, Any]) -> bool:
    """A locked nbgrader cell: nbgrader restored its source from the gradebook.

    nbgrader's OverwriteCells puts back a locked cell's source whenever its
    checksum differs, and drops the ``grade_id`` of a cell the gradebook does not
    know, so a cell only counts as restored if it is locked, not a solution, and
    has a ``grade_id`` left.
    """
    meta = cell.get("metadata")
    nbgrader_meta = meta.get("nbgrader") if isinstance(meta, Mapping) else None
    if not isinstance(nbgrader_meta, Mapping):
        return False
    grade_id = nbgrader_meta.get("grade_id")
    return nbgrader_meta.get("locked") is True and nbgrader_meta.get("solution") is not True and isinstance(grade_id, str) and bool(grade_id)


def _placeholder_cell(reason: str, metadata: dict[str, Any] | None = None) -> NotebookNode:
    return nbformat.from_dict({"cell_type": "markdown", "metadata": metadata or {}, "source": f"*[cell not shown: {reason}]*"})


def _with_id(cell: NotebookNode, original: Any, with_ids: bool) -> NotebookNode:
    """Cell ids as nbformat 4.5+ requires them (kept if valid) and 4.4 forbids them."""
    cell.pop("id", None)
    if with_ids:
        cell_id = original.get("id") if isinstance(original, Mapping) else None
        cell["id"] = cell_id if isinstance(cell_id, str) and _CELL_ID.fullmatch(cell_id) else uuid.uuid4().hex[:8]
    return cell


def _safe_cell(cell: Any) -> NotebookNode:
    if not isinstance(cell, Mapping):
        return _placeholder_cell("it is not a notebook cell")
    kind = cell.get("cell_type")
    metadata = _safe_cell_metadata(cell.get("metadata"))
    source = _as_text(cell.get("source"))
    if kind == "code":
        outputs = cell.get("outputs")
        count = cell.get("execution_count")
        new: dict[str, Any] = {
            "cell_type": "code",
            "metadata": metadata,
            "source": source if source is not None else "# [source not shown: it is not text]",
            "outputs": [safe_output(output) for output in outputs] if isinstance(outputs, list) else [],
            "execution_count": count if isinstance(count, int) and not isinstance(count, bool) else None,
        }
    elif kind == "markdown":
        attachments = _safe_attachments(cell.get("attachments"))
        if source is None:
            text = "*[text not shown: it is not a string]*"
        elif _is_restored_instructor_cell(cell):
            text = source
        else:
            text = inert_markdown(source, attachments)
        new = {"cell_type": "markdown", "metadata": metadata, "source": text}
        if attachments:
            new["attachments"] = attachments
    elif kind == "raw":
        # nbconvert's HTMLExporter renders a raw cell whose raw_mimetype is
        # "text/html" *or missing* (raw_mimetypes defaults to [output_mimetype, ""]),
        # through bleach (ids and classes kept, MathJax live), and raises on a
        # raw_mimetype that is not a string. Dropping the mimetype is therefore
        # not enough: the cell becomes markdown showing its text as a code block.
        text = source if source is not None else "[raw cell not shown: it is not text]"
        new = {"cell_type": "markdown", "metadata": metadata, "source": inert_markdown(_as_code_block(text))}
    else:
        return _placeholder_cell("it has an unknown cell type", metadata)
    return nbformat.from_dict(new)


def neutralize_notebook(nb: Any) -> None:
    """Make every learner-influenced part of a notebook inert, in place.

    >>> nb = nbformat.v4.new_notebook(metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    >>> nb.cells = [nbformat.v4.new_markdown_cell("<img src=x onerror=alert(1)>"), nbformat.v4.new_raw_cell("<b>x</b>", metadata={"raw_mimetype": "text/html"})]
    >>> neutralize_notebook(nb)
    >>> sorted(nb.metadata), nb.cells[0].source, nb.cells[1].cell_type, nb.cells[1].source
    ([], '&lt;img src=x onerror=alert(1)>', 'markdown', '```\\n<b>x</b>\\n```\\n')
    """
    if not isinstance(nb, dict):
        return
    nb["metadata"] = nbformat.from_dict(_safe_notebook_metadata(nb.get("metadata")))
    cells = nb.get("cells")
    if not isinstance(cells, list):
        nb["cells"] = []
        return
    minor = nb.get("nbformat_minor")
    with_ids = nb.get("nbformat") == 4 and isinstance(minor, int) and minor >= 5
    for index, cell in enumerate(cells):
        try:
            safe = _safe_cell(cell)
        except Exception:  # noqa: BLE001 -- never raise on hostile input
            grader = {key: cell["metadata"][key] for key in GRADER_CELL_KEYS if key in cell["metadata"]} if _has_dict_metadata(cell) else {}
            safe = _placeholder_cell("it could not be read safely", grader)
        cells[index] = _with_id(safe, cell, with_ids)


def _has_dict_metadata(cell: Any) -> bool:
    return isinstance(cell, Mapping) and isinstance(cell.get("metadata"), Mapping)


class NeutralizeLearnerMarkup(NbGraderPreprocessor):
    """Make the autograded notebook safe to render in the formgrader and feedback.

    See :func:`neutralize_notebook`. Runs at the end of
    ``Autograde.autograde_preprocessors``, after ``ApplyWidgetScores`` and
    ``SaveAutoGrades``.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        neutralize_notebook(nb)
        return nb, resources
