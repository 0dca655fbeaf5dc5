"""One printable page per learner, for an instructor's one-to-one.

``learners/<id>.html`` beside the cohort report: each assignment's status, score,
lateness and late penalty; the objectives to revisit (from the questions the
learner missed, most points lost first); every question's score; and each widget
item answered wrong with the learner's answer and the expected one. The page is
for the instructor (it shows expected answers): do not hand it to learners as is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.reports.course_context import CourseContext, missed_questions

if TYPE_CHECKING:
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import GradebookFrames

PAGE_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.5rem 0; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.45rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } .note { font-size: 0.88rem; color: #444; } .missed { background: #fff3f0; }
@media print { a { color: inherit; text-decoration: none; } body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def page_name(student_id: str) -> str:
    """A file name for a learner's page: the id itself when it is a plain nbgrader id.

    Any other id gets its odd characters replaced and a short hash, so two ids never share a page.

    >>> page_name("ada.lovelace@example.org")
    'ada.lovelace@example.org.html'
    >>> page_name("../../etc")[:10], page_name("a b") != page_name("a_b")
    ('_._.._etc-', True)
    """
    import hashlib

    safe = re.sub(r"[^A-Za-z0-9_.@+-]", "_", student_id)
    if safe == student_id and not safe.startswith("."):
        return f"{safe}.html"
    safe = "_" + safe[1:] if safe.startswith(".") else safe
    return f"{safe[:60]}-{hashlib.sha1(student_id.encode('utf-8')).hexdigest()[:8]}.html"


def _number(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if number != number:  # NaN
        return ""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _rows(frame: pd.DataFrame, columns: list[tuple[str, str]], missed: set[tuple[str, str]] | None = None) -> str:
    header = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body = []
    for row in frame.to_dict("records"):
        flagged = missed is not None and (row.get("assignment"), row.get("question")) in missed
        cells = "".join(f"<td>{html.escape(str(row.get(key, '')))}</td>" for key, _ in columns)
        body.append(f'<tr{" class=missed" if flagged else ""}>{cells}</tr>')
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_learner_page(student_id: str, frames: GradebookFrames, context: CourseContext, generated: str, title: str) -> str:
    """The HTML of one learner's page (every value escaped)."""
    import pandas as pd

    from mlteam_utils.reports.cohort_stats import late_by

    learner = frames.learners.set_index("student_id").loc[student_id]
    name = " ".join(str(part) for part in (learner.get("first_name"), learner.get("last_name")) if isinstance(part, str) and part)
    heading = f"{student_id}" + (f" ({name})" if name else "")

    submissions = frames.submissions[frames.submissions["student_id"] == student_id].copy()
    submissions["score / max"] = [
        f"{_number(score)} / {_number(maximum)}" if _number(score) else f"– / {_number(maximum)}"
        for score, maximum in zip(submissions["score"], submissions["max_score"])
    ]
    submissions["late"] = [late_by(seconds) for seconds in submissions["seconds_late"]]
    submissions["penalty"] = [_number(value) if (value or 0) > 0 else "" for value in submissions["late_penalty"].fillna(0)]

    missed = missed_questions(frames, context.catalog)
    missed = missed[missed["student_id"] == student_id]
    lost = (missed["max_score"] - missed["score"]).groupby(missed["objective"]).sum().drop("", errors="ignore").sort_values(ascending=False)

    items = frames.items[(frames.items["student_id"] == student_id) & frames.items["submitted"]].merge(
        context.catalog, on=["assignment", "question"], how="left"
    )
    items["title"] = items["title"].fillna(items["question"])
    items["objective"] = items["objective"].fillna("")
    pending = items["needs_manual_grade"].astype("boolean").fillna(False).astype(bool)
    items["points"] = [
        f"awaiting grading (of {_number(m)})" if waiting else f"{_number(s)} / {_number(m)}"
        for s, m, waiting in zip(items["score"], items["max_score"], pending)
    ]

    wrong = context.answers[(context.answers["student_id"] == student_id) & ~context.answers["correct"].astype(bool)]

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(heading)}: {html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{html.escape(heading)}</h1>",
        f'<p class="note">{html.escape(title)}. Generated {html.escape(generated)} from the gradebook. '
        "For the instructor: this page shows the expected answers. "
        '<a href="../index.html">Back to the cohort report</a>.</p>',
        "<h2>Assignments</h2>",
        _rows(submissions, [("assignment", "Assignment"), ("status", "Status"), ("score / max", "Score"),
                            ("late", "Late by"), ("penalty", "Late penalty"), ("reason", "Why not graded")]),
        "<h2>Objectives to revisit</h2>",
    ]
    if len(lost):
        parts.append("<p>From the questions this learner earned less than half the points on, most points lost first.</p><ol>")
        parts.extend(f"<li>{html.escape(str(objective))} ({_number(points)} points lost)</li>" for objective, points in lost.items())
        parts.append("</ol>")
    else:
        parts.append("<p>None: every graded question earned at least half its points.</p>")
    parts.append("<h2>Every question</h2>")
    if len(items):
        parts.append('<p class="note">Rows shaded are questions earning less than half their points.</p>')
        parts.append(_rows(items, [("assignment", "Assignment"), ("title", "Question"), ("objective", "Objective"), ("points", "Points")],
                           set(zip(missed["assignment"], missed["question"]))))
    else:
        parts.append("<p>No graded submission yet.</p>")
    parts.append("<h2>Widget items answered wrong</h2>")
    if len(wrong):
        shown = wrong.merge(context.catalog, on=["assignment", "question"], how="left")
        shown["title"] = shown["title"].fillna(shown["question"])
        parts.append(_rows(pd.DataFrame(shown), [("assignment", "Assignment"), ("title", "Question"), ("item", "Item"),
                                                ("given", "Their answer"), ("expected", "Expected")]))
    else:
        parts.append("<p>None (or no widget answers recorded for this learner).</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _each_learner(frames: GradebookFrames, context: CourseContext) -> Iterator[tuple[str, GradebookFrames, CourseContext]]:
    """Each learner with the gradebook and answers narrowed to their own rows.

    The frames are split once: a page built from the whole cohort's frames costs time
    in proportion to the cohort, so the pages together grew with its square.
    """
    from dataclasses import replace

    def split(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return {str(student): rows for student, rows in frame.groupby("student_id", sort=False)}

    learners, items, submissions, answers = (split(frames.learners), split(frames.items),
                                             split(frames.submissions), split(context.answers))
    for student in frames.learners["student_id"]:
        student_id = str(student)
        own = replace(frames, learners=learners[student_id],
                      items=items.get(student_id, frames.items.iloc[0:0]),
                      submissions=submissions.get(student_id, frames.submissions.iloc[0:0]))
        yield student_id, own, replace(context, answers=answers.get(student_id, context.answers.iloc[0:0]))


def write_learner_pages(frames: GradebookFrames, context: CourseContext, folder: Path, generated: str, title: str) -> dict[str, Path]:
    """Write ``folder/<id>.html`` for every learner; return learner -> page."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = {}
    for student_id, own_frames, own_context in _each_learner(frames, context):
        path = folder / page_name(student_id)
        path.write_text(render_learner_page(student_id, own_frames, own_context, generated, title), encoding="utf-8")
        pages[student_id] = path
    listing = "".join(f'<li><a href="{html.escape(path.name)}">{html.escape(student)}</a></li>' for student, path in pages.items())
    (folder / "index.html").write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Learners: {html.escape(title)}</title>'
        f"<style>{PAGE_STYLE}</style></head><body><h1>Learners</h1>"
        f'<p class="note"><a href="../index.html">Back to the cohort report</a></p><ul>{listing}</ul></body></html>\n',
        encoding="utf-8",
    )
    return pages
