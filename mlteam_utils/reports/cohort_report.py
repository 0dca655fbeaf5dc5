"""The cohort report: one HTML page, its PNG plots and its CSVs, in one folder.

``write_report(frames, folder)`` writes:

- ``index.html``: a self-contained page (no scripts, no web fonts, inline CSS)
  that shows the plots below, each with a one-line *what to see* caption, and
  short tables; long tables are capped (:data:`MAX_BEHIND_ROWS`,
  :data:`MAX_ITEM_ROWS`) and sorted by need, with the full list in the CSV. The
  plots are inside the page (PNG ``data:`` URIs): it shows them whole where no
  script runs and no other request is made (the hub serves files sandboxed);
- ``completion.png`` / ``completion.csv``: who submitted each assignment;
- ``score_distributions.png`` / ``score_distribution.csv``: scores per assignment;
- ``learners.png`` / ``learners.csv``: every learner's progress;
  ``behind.csv``: the learners who are behind, most in need first;
- ``submissions.csv``: every learner x assignment, with its status (a
  submission that could not be graded, and why), lateness and late penalty;
- ``item_analysis.png`` / ``item_analysis.csv``: difficulty and discrimination
  per question, flags and hints.

Plots are drawn on :class:`matplotlib.figure.Figure` objects with the Agg
canvas, so nothing touches pyplot's global state. Every plot has one mark per
assignment, per question or per score bin, never per learner, so it stays the
same size for 5 learners and for 500.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlteam_utils.reports import cohort_stats, item_analysis
from mlteam_utils.reports.course_context import CourseContext, common_wrong_answers, missed_questions, why_behind
from mlteam_utils.reports.export import submissions_frame, write_csv_atomically
from mlteam_utils.reports.gradebook_frames import ReportError
from mlteam_utils.reports.learner_pages import page_name, write_learner_pages

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from mlteam_utils.reports.gradebook_frames import GradebookFrames

MAX_BEHIND_ROWS = 25
MAX_ITEM_ROWS = 30
SHOW_EVERY_LEARNER_UP_TO = 40  # below this, the score plot shows each learner as a dot
MAX_ITEM_LABELS = 12

CAPTIONS = {
    "completion": "What to see: a short bar is an assignment many learners have not submitted yet; chase those first.",
    "scores": (
        "What to see: each box holds the middle half of the scores (line = median); a low box is an assignment "
        "that stumped the cohort, a tall one an assignment that split it."
    ),
    "learners": (
        "What to see: learners left of the dashed line score below the 'behind' threshold on what they submitted; "
        "a long left tail means a group needs help, a lone bar at the left one or two people."
    ),
    "items": (
        "What to see: questions in the shaded bands are flagged: left = very hard, right = very easy, "
        "bottom = scores that do not follow the rest of the exercise. The table below says what to do."
    ),
}


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote."""

    folder: Path
    index: Path
    plots: tuple[Path, ...]
    tables: tuple[Path, ...]
    learner_pages: tuple[Path, ...] = ()

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.index, *self.plots, *self.tables, *self.learner_pages)


# --- Plots: each takes and returns an Axes ---------------------------------------


def plot_completion(ax: Axes, completion: pd.DataFrame) -> Axes:
    """Horizontal bars: percent of learners who submitted each assignment, labelled n/N."""
    labels = list(completion["assignment"])[::-1]
    percents = list(completion["percent_submitted"])[::-1]
    bars = ax.barh(labels, percents, color="#4c78a8")
    for bar, submitted, learners in zip(bars, list(completion["submitted"])[::-1], list(completion["learners"])[::-1]):
        ax.text(min(bar.get_width() + 1, 88), bar.get_y() + bar.get_height() / 2, f"{submitted}/{learners}", va="center", fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("learners who submitted (%)")
    ax.set_title("Completion by assignment")
    return ax


def plot_score_distributions(ax: Axes, scores: pd.DataFrame, maxima: pd.Series) -> Axes:
    """One horizontal box per assignment (percent of its maximum); every learner as a dot in small cohorts."""
    import numpy as np

    assignments = list(scores.columns)[::-1]
    data = []
    for assignment in assignments:
        maximum = float(maxima[assignment])
        values = scores[assignment].dropna().to_numpy(dtype=float)
        data.append(100.0 * values / maximum if maximum else values * 0)
    positions = list(range(1, len(assignments) + 1))
    non_empty = [(p, d) for p, d in zip(positions, data) if len(d)]
    if non_empty:
        ax.boxplot([d for _, d in non_empty], positions=[p for p, _ in non_empty], widths=0.6,
                   showfliers=max(len(d) for _, d in non_empty) > SHOW_EVERY_LEARNER_UP_TO, orientation="horizontal")
    rng = np.random.default_rng(0)  # fixed jitter: the same data draws the same picture
    for position, values in non_empty:
        if len(values) <= SHOW_EVERY_LEARNER_UP_TO:
            ax.scatter(values, position + rng.uniform(-0.15, 0.15, len(values)), s=14, color="#e45756", alpha=0.8, zorder=3)
    ax.set_yticks(positions, assignments)
    ax.set_xlim(-3, 103)
    ax.set_xlabel("score (% of the assignment's points), learners who submitted")
    ax.set_title("Score distribution by assignment")
    return ax


def plot_learner_percents(ax: Axes, progress: pd.DataFrame, threshold: float) -> Axes:
    """Histogram of learners' percent of submitted points (5-point bins) with the 'behind' threshold."""
    values = progress["percent_of_submitted"].dropna().to_numpy(dtype=float)
    ax.hist(values, bins=[5.0 * i for i in range(21)], color="#72b7b2", edgecolor="white")
    if not math.isnan(threshold):
        ax.axvline(threshold, color="#e45756", linestyle="--", label=f"behind below {threshold:.0f}%")
        ax.legend(loc="upper left", frameon=False)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of people: no 0.2 of a learner
    ax.set_xlim(0, 100)
    ax.set_xlabel("score on submitted work (% of its points)")
    ax.set_ylabel("learners")
    ax.set_title("Learners by score")
    return ax


def plot_items(ax: Axes, items: pd.DataFrame) -> Axes:
    """Difficulty (x) against discrimination (y), one dot per question, flagged zones shaded."""
    ax.axvspan(0, item_analysis.VERY_HARD_BELOW, color="#f2cf5b", alpha=0.25, lw=0)
    ax.axvspan(item_analysis.VERY_EASY_ABOVE, 1.05, color="#9ecae9", alpha=0.3, lw=0)
    ax.axhspan(-1.05, item_analysis.LOW_DISCRIMINATION_BELOW, color="#e45756", alpha=0.12, lw=0)
    defined = items.dropna(subset=["difficulty", "discrimination"])
    flagged = defined["flags"].fillna("") != ""
    ax.scatter(defined.loc[~flagged, "difficulty"], defined.loc[~flagged, "discrimination"], color="#4c78a8", s=22, label="fine")
    ax.scatter(defined.loc[flagged, "difficulty"], defined.loc[flagged, "discrimination"], color="#e45756", s=30, marker="D", label="flagged")
    labelled = item_analysis.sort_by_need(defined[flagged]).head(MAX_ITEM_LABELS)
    for assignment, question, difficulty, discrimination in zip(
        labelled["assignment"].tolist(), labelled["question"].tolist(),
        labelled["difficulty"].tolist(), labelled["discrimination"].tolist(), strict=True,
    ):
        near_right = difficulty > 0.8  # label to the left there, or it runs off the plot
        ax.annotate(f"{short_assignment(assignment)} {question}", (difficulty, discrimination),
                    textcoords="offset points", xytext=(-4 if near_right else 4, 4),
                    ha="right" if near_right else "left", fontsize=7)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlim(-0.02, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("difficulty (mean score / max: 0 = nobody scored, 1 = everyone full marks)")
    ax.set_ylabel("discrimination (item vs rest)")
    undefined = len(items) - len(defined)
    title = "Item analysis"
    if undefined:
        title += f" ({undefined} question(s) without a defined value not shown)"
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return ax


def short_assignment(name: str) -> str:
    """``ex01_how_ml_projects_differ`` -> ``ex01``.

    >>> short_assignment("ex01_how_ml_projects_differ"), short_assignment("final")
    ('ex01', 'final')
    """
    return name.split("_", 1)[0]


def _save(figure_size: tuple[float, float], draw: Callable[[Axes], Axes], path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figure_size, dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure.add_subplot())
    figure.savefig(path, format="png")
    return path


# --- HTML -------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.3g}"
    return html.escape(str(value))


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[str],
    max_rows: int | None = None,
    full_csv: str | None = None,
    links: dict[str, Callable[[object], str]] | None = None,
) -> str:
    """An escaped HTML table of ``columns``, at most ``max_rows`` rows, with a pointer to the full CSV.

    ``links`` maps a column to a function giving each cell's link target.

    >>> import pandas as pd
    >>> print(html_table(pd.DataFrame({"a": ["<b>", "y", "z"]}), ["a"], max_rows=2, full_csv="a.csv"))
    <table><thead><tr><th>a</th></tr></thead><tbody>
    <tr><td>&lt;b&gt;</td></tr>
    <tr><td>y</td></tr>
    </tbody></table>
    <p class="more">Showing 2 of 3 rows; all of them are in <a href="a.csv">a.csv</a>.</p>
    """
    shown = frame if max_rows is None else frame.head(max_rows)
    header = "".join(f"<th>{html.escape(column.replace('_', ' '))}</th>" for column in columns)
    links = links or {}

    def cell(column: str, value: object) -> str:
        if column in links:
            return f'<td><a href="{html.escape(links[column](value))}">{_cell(value)}</a></td>'
        return f"<td>{_cell(value)}</td>"

    body = "\n".join(
        "<tr>" + "".join(cell(column, value) for column, value in zip(columns, row)) + "</tr>"
        for row in shown[list(columns)].itertuples(index=False)
    )
    table = f"<table><thead><tr>{header}</tr></thead><tbody>\n{body}\n</tbody></table>"
    if len(shown) < len(frame):
        link = f'<a href="{html.escape(full_csv)}">{html.escape(full_csv)}</a>' if full_csv else "the CSV"
        table += f'\n<p class="more">Showing {len(shown)} of {len(frame)} rows; all of them are in {link}.</p>'
    return table


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.92rem; color: #444; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.6rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .more, .note { font-size: 0.88rem; color: #555; }
.summary li { margin: 0.15rem 0; }
td.completed { font-weight: 600; }
@media (prefers-color-scheme: dark) {
  body { background: #16181d; color: #e8e8e8; }
  h2 { border-bottom-color: #444; } th { background: #2a2d34; } th, td { border-color: #4a4d55; }
  figcaption, .more, .note { color: #c4c4c4; } a { color: #8ab4f8; } figure img { background: #fff; }
}
"""


def png_data_uri(path: Path) -> str:
    """A PNG file as a ``data:`` URI, to put the image itself in the page.

    Served through the hub (``/services/<course>/files/...``), the page gets Jupyter's
    ``sandbox allow-scripts`` policy, an origin of its own; an image inside the page needs
    no request of its own, whatever that origin is let fetch.

    >>> import tempfile
    >>> png = Path(tempfile.mkdtemp()) / "dot.png"
    >>> _ = png.write_bytes(b"\\x89PNG")
    >>> png_data_uri(png)
    'data:image/png;base64,iVBORw=='
    """
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure(name: str, alt: str, caption_key: str, sources: Mapping[str, str]) -> str:
    """A plot with its caption; ``sources`` maps a plot's file name to the ``src`` to use (default: the name)."""
    return (
        f'<figure><img src="{html.escape(sources.get(name, name))}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(CAPTIONS[caption_key])}</figcaption></figure>"
    )


def render_html(
    *,
    title: str,
    generated: str,
    completion: pd.DataFrame,
    distribution: pd.DataFrame,
    progress: pd.DataFrame,
    behind: pd.DataFrame,
    items: pd.DataFrame,
    relative: float,
    median_percent: float,
    submissions: pd.DataFrame | None = None,
    wrong_answers: pd.DataFrame | None = None,
    learner_links: bool = False,
    completion_rows: pd.DataFrame | None = None,
    completion_rule: str = "",
    image_sources: Mapping[str, str] | None = None,
) -> str:
    """The report page. Every table is escaped; long ones are capped and point to their CSV.

    ``image_sources``: the ``src`` of each plot by its file name (:func:`write_report` gives
    ``data:`` URIs); a plot left out is linked by its file name.
    """
    import pandas as pd

    from mlteam_utils.reports.gradebook_frames import FAILED, SUBMISSION_COLUMNS

    submissions = submissions if submissions is not None else pd.DataFrame(columns=SUBMISSION_COLUMNS)
    image_sources = image_sources or {}
    flagged = items[items["flags"].fillna("") != ""]
    learners = len(progress)
    graded = int(completion["submitted"].sum())
    waiting = int(completion["waiting_manual_grade"].sum())
    items_by_need = item_analysis.sort_by_need(items)
    summary = [
        f"{learners} learner(s), {len(completion)} assignment(s), {graded} graded submission(s).",
        f"{len(behind)} learner(s) behind (definition below).",
        f"{len(flagged)} of {len(items)} question(s) flagged in the item analysis.",
    ]
    if waiting:
        summary.append(f"{waiting} submission(s) still have an item waiting for a manual grade (it counts 0 until graded).")
    failed = submissions[submissions["status"] == FAILED]
    if len(failed):
        summary.append(f"{len(failed)} submission(s) could not be graded: see below, and fix them first.")
    late = submissions[submissions["seconds_late"].fillna(0) > 0]
    if len(late):
        summary.append(f"{len(late)} submission(s) came in after their due date (see the late column and submissions.csv).")
    threshold = relative * median_percent
    threshold_text = "" if math.isnan(threshold) else f" Here: below {threshold:.0f}% (the cohort median is {median_percent:.0f}%)."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">Generated {html.escape(generated)} from the nbgrader gradebook.</p>',
        '<ul class="summary">' + "".join(f"<li>{html.escape(line)}</li>" for line in summary) + "</ul>",
    ]
    if len(failed):
        parts += [
            "<h2>Submissions that could not be graded</h2>",
            "<p>These learners handed work in, but it could not be graded; until it is, they count as behind.</p>",
            html_table(failed, ["student_id", "assignment", "reason", "next_step"], MAX_BEHIND_ROWS, "submissions.csv"),
        ]
    parts += completion_section(completion_rows, completion_rule)
    parts += [
        "<h2>Completion by assignment</h2>",
        _figure("completion.png", "Bar chart of the share of learners who submitted each assignment", "completion", image_sources),
        html_table(completion, ["assignment", "submitted", "could_not_grade", "not_submitted", "percent_submitted", "waiting_manual_grade", "late"]),
        "<h2>Score distributions</h2>",
        _figure("score_distributions.png", "Box plots of the scores of each assignment", "scores", image_sources),
        html_table(distribution, ["assignment", "max_score", "submitted", "mean", "median", "min", "q1", "q3", "max", "mean_percent"]),
        "<h2>Learners who are behind</h2>",
        f"<p>{html.escape(cohort_stats.behind_definition(relative))}{html.escape(threshold_text)}</p>",
        _figure("learners.png", "Histogram of the learners' scores with the threshold for behind", "learners", image_sources),
    ]
    learner_page = {"student_id": lambda student: f"learners/{page_name(str(student))}"} if learner_links else None
    if len(behind):
        parts.append(
            "<p>Most in need first: most missing assignments, then the lowest score. <b>Topics to revisit</b> are the "
            "syllabus objectives of the questions the learner earned less than half the points on, most points lost first."
            + (" Each name opens a printable page for a one-to-one." if learner_links else "") + "</p>"
        )
        columns = ["student_id", "first_name", "last_name", "missing", "percent_of_submitted", "reason"]
        if "topics_to_revisit" in behind.columns:
            columns += ["missed_questions", "topics_to_revisit"]
        parts.append(html_table(behind, columns, MAX_BEHIND_ROWS, "behind.csv", learner_page))
    else:
        parts.append("<p>Nobody is behind.</p>")
    parts += [
        "<h2>Item analysis</h2>",
        "<p><b>Difficulty</b> is the mean score on a question divided by its maximum (1 = everyone got full marks). "
        "<b>Discrimination</b> is the correlation between a learner's score on the question and their score on the "
        "rest of the same assignment (the question left out): high means the question separates learners who "
        "master the assignment from those who do not; near zero or negative means it does not. It is left empty "
        f"(see the note) with fewer than {item_analysis.MIN_LEARNERS} scored learners or when all scores are equal. "
        f"Flags: very hard below {item_analysis.VERY_HARD_BELOW}, very easy above {item_analysis.VERY_EASY_ABOVE}, "
        f"low discrimination below {item_analysis.LOW_DISCRIMINATION_BELOW}, negative below 0. Questions waiting for "
        "a manual grade are left out until they are graded.</p>",
        _figure("item_analysis.png", "Scatter plot of difficulty against discrimination per question", "items", image_sources),
        "<p>Flagged questions first, each with a hint.</p>" if len(flagged) else
        "<p>No question is flagged. Lowest discrimination first.</p>",
        html_table(
            items_by_need, ["assignment", "question", "learners", "difficulty", "discrimination", "flags", "hint", "note"],
            MAX_ITEM_ROWS, "item_analysis.csv",
        ),
        *_wrong_answer_section(wrong_answers),
        "<h2>Files</h2><ul>",
        *[
            f'<li><a href="{name}">{name}</a>: {html.escape(what)}</li>' for name, what in CSV_FILES.items()
            if (name != "wrong_answers.csv" or wrong_answers is not None) and (name != "learners/index.html" or learner_links)
            and (name != "completion_by_learner.csv" or completion_rows is not None)
        ],
        "</ul></body></html>",
    ]
    return "\n".join(parts) + "\n"


def completion_section(modules: pd.DataFrame | None, rule: str) -> list[str]:
    """The *Completion* section: each learner x required module, its status and date, and the course.

    ``modules`` are :func:`mlteam_utils.reports.completion.module_completion`'s rows;
    every value a learner could have chosen (their name) is escaped.

    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"student_id": "ben", "name": "<b>Ben</b>", "module": 1, "status": "passed",
    ...                       "completed": True, "completed_on": "2026-03-03", "late": True}])
    >>> html_text = "\\n".join(completion_section(rows, "Pass every module."))
    >>> "&lt;b&gt;Ben&lt;/b&gt;" in html_text and "<b>Ben" not in html_text, "passed (late) 2026-03-03" in html_text
    (True, True)
    """
    if modules is None:
        return []
    parts = ["<h2>Completion</h2>", f"<p>{html.escape(rule)}</p>"]
    if not len(modules):
        return [*parts, "<p>No learner in the gradebook yet.</p>"]
    numbers = sorted({int(n) for n in modules["module"]})
    header = "".join(["<th>learner</th><th>name</th>", *(f"<th>module {n}</th>" for n in numbers), "<th>course</th>"])
    body = []
    for student, mine in modules.groupby("student_id", sort=False):
        cells = [f"<td>{html.escape(str(student))}</td>", f"<td>{html.escape(str(mine['name'].iloc[0]))}</td>"]
        done = 0
        for number in numbers:
            row = mine[mine["module"] == number].iloc[0]
            text = str(row["status"]) + (" (late)" if bool(row["late"]) else "")
            if bool(row["completed"]):
                done += 1
                text += f" {row['completed_on']}"
            css = ' class="completed"' if bool(row["completed"]) else ""
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        finished = [str(d) for d in mine["completed_on"] if d] if done == len(numbers) else []
        course = f"completed {max(finished)}" if finished else f"{done} of {len(numbers)} modules"
        css = ' class="completed"' if finished else ""
        cells.append(f"<td{css}>{html.escape(course)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return [*parts, f"<table><thead><tr>{header}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>",
            '<p class="more">Every learner x module, with scores and pass marks, is in '
            '<a href="completion_by_learner.csv">completion_by_learner.csv</a>.</p>']


def _wrong_answer_section(wrong_answers: pd.DataFrame | None) -> list[str]:
    if wrong_answers is None:
        return []
    parts = ["<h3>Wrong answers most often given</h3>"]
    if not len(wrong_answers):
        parts.append("<p>No widget item was answered wrong, or no widget answers are recorded yet.</p>")
        return parts
    parts.append(
        "<p>For each widget item, the wrong answers learners gave most often (<b>learners</b> who gave it, of "
        "<b>answered</b>): a wrong answer many share points to a misconception to address in class, or to an "
        "ambiguous item.</p>"
    )
    parts.append(html_table(
        wrong_answers, ["assignment", "question", "item", "given", "learners", "answered", "expected"], MAX_ITEM_ROWS, "wrong_answers.csv",
    ))
    return parts


CSV_FILES = {
    "completion.csv": "submissions per assignment",
    "completion_by_learner.csv": "every learner x required module: status, score, pass mark, date completed",
    "score_distribution.csv": "score statistics per assignment",
    "learners.csv": "every learner's progress",
    "behind.csv": "the learners who are behind, most in need first, with the reason",
    "submissions.csv": "every learner x assignment: status, why it could not be graded, lateness, late penalty",
    "wrong_answers.csv": "per widget item, the wrong answers most often given",
    "learners/index.html": "one printable page per learner, for a one-to-one (shows expected answers: for instructors)",
    "item_analysis.csv": "difficulty, discrimination, flags and hints for every question",
}


def write_report(
    frames: GradebookFrames,
    folder: Path,
    *,
    relative: float = cohort_stats.DEFAULT_RELATIVE,
    title: str = "Cohort report",
    now: dt.datetime | None = None,
    context: CourseContext | None = None,
    learner_completion: tuple[pd.DataFrame, str] | None = None,
) -> ReportFiles:
    """Write the report into ``folder`` (created if needed) and return what was written.

    ``context`` (question titles, objectives, widget answers) adds why each learner
    is behind, the wrong answers most often given and one page per learner.
    ``learner_completion`` (module rows from :mod:`mlteam_utils.reports.completion` and
    the rule in words) adds the *Completion* section and its CSV.
    Raises :class:`ReportError` when ``folder`` is an existing file.
    """
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"{folder} is a file: give a folder for the report, e.g. {folder.with_suffix('')}-report/")
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)

    completion = cohort_stats.completion_by_assignment(frames)
    distribution = cohort_stats.score_distribution(frames)
    progress = cohort_stats.learner_progress(frames, now)
    behind = cohort_stats.learners_behind(frames, relative, now)
    wrong_answers = None
    if context is not None:
        reasons = why_behind(missed_questions(frames, context.catalog))
        behind = behind.merge(reasons, on="student_id", how="left")
        for column in ("missed_questions", "topics_to_revisit"):
            behind[column] = behind[column].fillna("")
        wrong_answers = common_wrong_answers(context.answers)
    items = item_analysis.item_statistics(frames.items)
    median_percent = float(progress["percent_of_submitted"].median())
    scores = cohort_stats.assignment_scores(frames)
    maxima = frames.assignments.set_index("assignment")["max_score"]

    tables = []
    for name, frame in (
        ("completion.csv", completion),
        ("score_distribution.csv", distribution),
        ("learners.csv", progress),
        ("behind.csv", behind),
        ("item_analysis.csv", item_analysis.sort_by_need(items)),
        ("submissions.csv", submissions_frame(frames)),
        *([("wrong_answers.csv", wrong_answers)] if wrong_answers is not None else []),
        *([("completion_by_learner.csv", learner_completion[0])] if learner_completion is not None else []),
    ):
        write_csv_atomically(frame, folder / name)
        tables.append(folder / name)
    generated = now.strftime("%Y-%m-%d %H:%M UTC")
    learner_pages: tuple[Path, ...] = ()
    if context is not None:
        learner_pages = tuple(write_learner_pages(frames, context, folder / "learners", generated, title).values())

    rows = max(len(completion), 1)
    plots = (
        _save((7.5, 1.2 + 0.45 * rows), lambda ax: plot_completion(ax, completion), folder / "completion.png"),
        _save((7.5, 1.4 + 0.55 * rows), lambda ax: plot_score_distributions(ax, scores, maxima), folder / "score_distributions.png"),
        _save((7.5, 3.6), lambda ax: plot_learner_percents(ax, progress, relative * median_percent), folder / "learners.png"),
        _save((7.5, 5.0), lambda ax: plot_items(ax, items), folder / "item_analysis.png"),
    )
    page = render_html(
        title=title, generated=generated, completion=completion, distribution=distribution,
        progress=progress, behind=behind, items=items, relative=relative, median_percent=median_percent,
        submissions=frames.submissions, wrong_answers=wrong_answers, learner_links=context is not None,
        completion_rows=learner_completion[0] if learner_completion is not None else None,
        completion_rule=learner_completion[1] if learner_completion is not None else "",
        image_sources={plot.name: png_data_uri(plot) for plot in plots},
    )
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return ReportFiles(folder, index, plots, tuple(tables), learner_pages)
