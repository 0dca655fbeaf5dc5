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
>>> page = ungradable_page("Exercise 1: Planning", "KeyError: 'secret'", "2026-12-01 10:00:00.123456 UTC")
>>> "could not be graded" in page and "secret" not in page and "instructor" in page
True
>>> "1 December 2026, 10:00 UTC" in page and "123456" not in page
True

The page names the exercise as its graded page does (the exercise's own heading, see
:func:`exercise_title`) and the submission's time as a person reads it (:func:`when_in_words`).
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

__all__ = ["UNGRADABLE_HEADING", "exercise_title", "reason_in_words", "ungradable_page", "when_in_words",
           "write_ungradable_feedback"]

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


# Calm colours, not an error's red: nothing is lost, the learner mends and submits again.
# The box is the graded page's "not passed yet" verdict (mlteam_utils/grading/templates/feedback), 4.5:1 contrast
# in the light and the dark scheme.
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="color-scheme" content="light dark" />
<title>Feedback: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 44em; margin: 2em auto; padding: 0 1em; line-height: 1.5;
        color: #1f1f1f; background: #ffffff; }}
.verdict {{ border-left: 0.4em solid #8a5a00; padding: 0.5em 1em; background: #fbf5e9; }}
@media (prefers-color-scheme: dark) {{
  body {{ color: #e8e8e8; background: #1e1e1e; }}
  .verdict {{ border-color: #e0b050; background: #2e2716; }}
}}
</style>
</head>
<body>
<h1>Feedback: {title}</h1>
<div class="verdict not-yet" role="status">
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
<li>If it still goes wrong, or you are not sure what to change, contact your instructor and name the exercise
({title}){when_hint}.</li>
</ol>
</body>
</html>
"""


def when_in_words(timestamp: str | None) -> str | None:
    """nbgrader's submission time (``timestamp.txt``) as a person reads it, or None when it is not a time.

    The file comes with the learner's submission: anything but a time is not shown.

    >>> when_in_words("2026-12-07 14:05:33.123456 UTC")
    '7 December 2026, 14:05 UTC'
    >>> when_in_words("2027-01-05 09:00:00 UTC")
    '5 January 2027, 09:00 UTC'
    >>> when_in_words("<script>") is None and when_in_words(None) is None
    True
    """
    from mlteam_utils.upstream.nbgrader_utils import parse_utc

    if not timestamp or not timestamp.strip():
        return None
    try:
        moment = parse_utc(timestamp.strip()[:64])
    except (ValueError, TypeError, OverflowError):
        return None
    from mlteam_utils.dates import moment_in_words

    return moment_in_words(moment)


def exercise_title(assignment: str, source_notebooks: Iterable[Path] = (), course_root: Path | None = None) -> str:
    """The exercise's name as a person reads it: as its graded feedback page names it, else from the syllabus.

    The graded page takes the first heading of the instructor's locked cells
    (:mod:`mlteam_utils.grading.feedback_page`); without a readable source notebook, the
    syllabus gives "Exercise N: <module title>"; an assignment the syllabus does not list keeps its id.

    >>> from mlteam_utils.paths import find_course_root
    >>> root = find_course_root()
    >>> exercise_title("ex01_how_ml_projects_differ", sorted((root / "solutions/ex01_how_ml_projects_differ").glob("*.ipynb")))
    'Exercise 1: Planning an ML project'
    >>> exercise_title("ex02_the_ml_team", course_root=root)
    'Exercise 2: The ML team: roles, archetypes and ratios'
    >>> exercise_title("ex99_unknown", course_root=root)
    'ex99_unknown'
    """
    import nbformat

    from mlteam_utils.grading.feedback_page import question_title

    for path in source_notebooks:
        try:
            notebook = nbformat.read(path, as_version=4)
        except (OSError, ValueError):
            continue
        for cell in notebook.cells:
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("locked"):
                heading = question_title(cell.source)
                if heading:
                    return heading
    from mlteam_utils.syllabus import SyllabusError, load_syllabus

    try:
        syllabus = load_syllabus(course_root / "course" / "syllabus.toml" if course_root else None)
    except (OSError, SyllabusError):
        return assignment
    for module in syllabus.modules:
        if module.exercise_id == assignment:
            return f"Exercise {module.number}: {module.title}"
    return assignment


def ungradable_page(title: str, reason: str | None, submitted_at: str | None = None) -> str:
    """The page for a submission of the exercise ``title`` that could not be graded (every value escaped).

    ``submitted_at`` is nbgrader's timestamp; it is shown as a date a person reads, or not at all.
    """
    moment = when_in_words(submitted_at)
    when = f" of {html.escape(moment)}" if moment else ""
    return _PAGE.format(
        title=html.escape(title),
        heading=UNGRADABLE_HEADING,
        when=when,
        why=html.escape(reason_in_words(reason)),
        when_hint=f" and when you submitted it ({html.escape(moment)})" if moment else "",
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
    submitted: Path, feedback: Path, assignment: str, notebooks: Iterable[str], reason: str | None,
    title: str | None = None,
) -> list[Path]:
    """Replace the learner's feedback folder ``feedback`` with a page per notebook; return the pages.

    ``title`` names the exercise on the page (:func:`exercise_title`; its id when not given).

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
    page = ungradable_page(title or assignment, reason, stamp)
    pages = []
    for name in sorted(names):
        path = feedback / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        pages.append(path)
    return pages
