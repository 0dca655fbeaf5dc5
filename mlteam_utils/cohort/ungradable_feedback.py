"""The feedback page of a submission that could not be graded.

When ``mlteam-course grade`` fails on a learner's submission (a notebook that is not
valid JSON, a kernel that died, a run that overran its time limit), the gradebook keeps
the instructor's one-line reason (:func:`mlteam_utils.cohort.gradebook_merge.recorded_outcomes`).
The learner gets a page in its place, where nbgrader's ``fetch_feedback`` finds a page:
``course/feedback/<learner>/<assignment>/<notebook>.html`` beside the submission's
``timestamp.txt`` and ``submission_secret.txt``. It says in plain words that the
submission was not graded, why (a category of the reason, never the reason itself:
that may quote a traceback, the learner's own hostile text or a hidden test), and
what to do.

>>> reason_in_words("NotJSONError: Notebook does not appear to be JSON: '{\\"cells\\": ['")
'Your notebook file is damaged: it is not a valid Jupyter notebook, so the grader could not open it.'
>>> "a loop that never ends" in reason_in_words("grading took longer than 600 s and was stopped")
True
>>> page = ungradable_page("ex01_demo", "KeyError: 'secret'", "2026-12-01 10:00:00 UTC")
>>> "could not be graded" in page and "secret" not in page and "instructor" in page
True
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from mlteam_utils.safe_files import UnsafeEntry, printable, read_regular_file

__all__ = ["UNGRADABLE_HEADING", "reason_in_words", "ungradable_page", "write_ungradable_feedback"]

#: The heading of every such page (tests and the instructor's summary look for it).
UNGRADABLE_HEADING = "Your submission could not be graded"

#: (words in the recorded reason, what the learner is told), first match wins.
_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("symbolic link", "only plain files", "special file", "fifo"),
     "Your submission holds a link or a special file where the notebook should be, so the grader did not open it."),
    (("another exercise", "not this exercise", "foreign"),
     "The notebook you submitted is not this exercise's notebook (it belongs to another exercise, or was replaced)."),
    (("json", "nbformat", "validationerror", "not a valid notebook", "unreadable notebook"),
     "Your notebook file is damaged: it is not a valid Jupyter notebook, so the grader could not open it."),
    (("took longer", "timeout", "timed out", "time limit"),
     "Running your notebook took longer than the time allowed, for example because of a loop that never ends "
     "or a very long computation."),
    (("kernel died", "deadkernel", "process died", "kernel didn't respond", "memoryerror", "killed"),
     "Python stopped while your notebook was running (the kernel died), for example because the notebook used "
     "too much memory or ended its own process."),
    (("no assignment",),
     "This exercise is not set up for grading on the course's side yet: this is not a problem with your work."),
)
_OTHER_REASON = "The grader could not run your notebook to the end."


def reason_in_words(reason: str | None) -> str:
    """What a learner is told of the recorded ``reason``: a fixed sentence, nothing of the reason's own text.

    >>> reason_in_words("DeadKernelError: Kernel died")
    'Python stopped while your notebook was running (the kernel died), for example because the notebook used too much memory or ended its own process.'
    >>> reason_in_words("AssertionError: assert roles == ['pm']")
    'The grader could not run your notebook to the end.'
    """
    text = (reason or "").lower()
    for words, sentence in _REASONS:
        if any(word in text for word in words):
            return sentence
    return _OTHER_REASON


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>Feedback: {assignment}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 44em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
.notice {{ border-left: 0.4em solid #c0392b; padding: 0.5em 1em; background: #fdf2f0; }}
</style>
</head>
<body>
<h1>Feedback: {assignment}</h1>
<div class="notice">
<h2>{heading}</h2>
<p>Your submission{when} was received, but the grader could not grade it, so it has no score yet.</p>
<p><strong>Why:</strong> {why}</p>
</div>
<h2>What to do</h2>
<ol>
<li>Open the exercise in Jupyter. If the notebook does not open or looks wrong, fetch a fresh copy of the exercise
and copy your answers into it (the answers you gave in the question widgets are kept in its answers file).</li>
<li>Choose <em>Kernel &rarr; Restart Kernel and Run All Cells</em> and check that every cell runs to the end
without an error and in reasonable time.</li>
<li>Save the notebook and submit it again from the <em>Assignments</em> tab.</li>
<li>If it still goes wrong, or you are not sure what to change, contact your instructor and give the exercise's
name ({assignment}){when_hint}.</li>
</ol>
</body>
</html>
"""


def ungradable_page(assignment: str, reason: str | None, submitted_at: str | None = None) -> str:
    """The page for a submission of ``assignment`` that could not be graded (every value escaped)."""
    when = f" of {html.escape(submitted_at)}" if submitted_at else ""
    return _PAGE.format(
        assignment=html.escape(assignment),
        heading=UNGRADABLE_HEADING,
        when=when,
        why=html.escape(reason_in_words(reason)),
        when_hint=f" and when you submitted it ({html.escape(submitted_at)})" if submitted_at else "",
    )


#: nbgrader's bookkeeping that release_feedback and fetch_feedback need beside the pages.
_BOOKKEEPING = ("timestamp.txt", "submission_secret.txt")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def _read_small(path: Path) -> str | None:
    try:
        return read_regular_file(path, max_bytes=4096).decode("utf-8", errors="replace")
    except (UnsafeEntry, OSError):
        return None


def write_ungradable_feedback(
    submitted: Path, feedback: Path, assignment: str, notebooks: Iterable[str], reason: str | None
) -> list[Path]:
    """Replace the learner's feedback folder ``feedback`` with a page per notebook; return the pages.

    ``submitted`` is the learner's submission folder (read without following links);
    ``notebooks`` the assignment's notebook names. The submitted folder's notebooks with
    plain names get a page too: ``fetch_feedback`` looks for one per notebook the learner
    handed in.
    """
    names = set(notebooks)
    if submitted.is_dir() and not submitted.is_symlink():
        names |= {path.stem for path in submitted.glob("*.ipynb") if _SAFE_NAME.match(path.stem)}
    if feedback.is_symlink() or feedback.is_file():
        feedback.unlink()
    elif feedback.is_dir():
        shutil.rmtree(feedback)  # an earlier submission's pages must not stand for this one
    feedback.mkdir(parents=True)
    for name in _BOOKKEEPING:
        text = _read_small(submitted / name)
        if text is not None:
            (feedback / name).write_text(text, encoding="utf-8")
    stamp = _read_small(submitted / "timestamp.txt")
    submitted_at = printable(stamp.strip())[:40] if stamp and stamp.strip() else None
    page = ungradable_page(assignment, reason, submitted_at)
    pages = []
    for name in sorted(names):
        path = feedback / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        pages.append(path)
    return pages
