"""What the start page says about working on the exercises, for where it runs.

On the course hub (the learner's server has ``MLTEAM_HUB_COURSE_ID`` from
deploy/jupyterhub/jupyterhub_config.py) a learner fetches, works on and submits each exercise in
nbgrader's *Assignments* tab; on one machine a self-learner works in ``exercises/`` and scores
their work with ``make selfgrade``. On the hub the page lists each exercise with where its
fetched copy lands, its due date (the site's ``[due]``, :mod:`mlteam_utils.syllabus`) and
whether the learner's last submission came after it, read from nbgrader's own record of the
learner's submissions (its cache in the learner's home, which only the learner reads).

>>> from mlteam_utils.syllabus import load_syllabus
>>> text = how_to_work_markdown(load_syllabus(), environ={})
>>> "make selfgrade" in text and "Assignments" not in text
True
>>> hub = how_to_work_markdown(load_syllabus(), environ={HUB_COURSE_ENV: "mlteam-onboarding"}, cache_root=Path("/nonexistent"))
>>> "**Assignments** tab" in hub and "make selfgrade" not in hub
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from mlteam_utils.dates import moment_in_words
from mlteam_utils.syllabus import Syllabus

#: Set in every learner's server on the course hub: the nbgrader course id.
HUB_COURSE_ENV = "MLTEAM_HUB_COURSE_ID"

SINGLE_MACHINE = """\
### Where you work on the exercises
You work in your own copy of the course: each exercise is in `exercises/` beside this page's folder. \
Score your own work with `make selfgrade EXERCISE=exNN` (the README's *Self-learners* section); \
it shows a model answer to compare your written reflection with.
"""

HUB_STEPS = """\
### Where you work on the exercises (on the course hub)
1. Open the **Assignments** tab (menu **Nbgrader ▸ Assignment List**). Under *Released assignments*, press **Fetch** next to an exercise.
2. The fetched copy is **your** copy: it lands in a folder named after the exercise in your home folder (`{example}/`, in the file browser's top folder, beside `course/` and `lessons/`). Open the notebook there and work in it; your widget answers are saved next to it automatically (`exNN_….answers.json`). The notebooks under `exercises/` are for reading only: what you write there is not handed in.
3. Press **Validate** (in the notebook's toolbar) to see whether something is missing.
4. Press **Submit** in the Assignments tab, next to the exercise under *Downloaded assignments*. You may submit again until it is due; your instructor grades the last submission. A submission after the due date is **late** (the table below says so), and your instructor's late policy applies.
5. When your instructor has released feedback, press **Fetch Feedback** next to the exercise under *Submitted assignments* and open the feedback page. A submission that **could not be graded** (a damaged notebook, for one) gets a feedback page that says so, why, and what to do: mend the notebook and submit again before the due date, and ask your instructor if it still goes wrong.
"""


#: After the steps, in the copy a hub learner first opens: the table is theirs once the page runs.
RUN_FOR_YOUR_TABLE = ("Run this page (**Run ▸ Run All Cells**) to see each exercise's folder, its due date "
                      "and your last submission.\n")


#: The start page's "Your progress" text on the hub: a hub learner has no checkout, no ``make``
#: and no answer keys to self-grade with; their instructor grades them and issues certificates.
HUB_PROGRESS = """\
## Your progress
Run the cell below (<kbd>Shift</kbd>+<kbd>Enter</kbd>) to see, module by module, the lesson checks you tried and the \
exercise questions you answered. Your instructor grades what you submit: your scores are on the feedback pages \
(**Fetch Feedback** in the **Assignments** tab). When you have completed the course, your instructor issues your \
certificate."""

#: The progress cell's note before it runs, on the hub (the learner's server opens in their own copy).
HUB_PROGRESS_NOTE = "<p>Your progress shows here once you run this cell.</p>"

#: A line of the start page's text that is for self-learners only (a checkout with its README).
SELF_LEARNERS_ONLY = "Working alone? See the README"
#: Lines of the start page's text that point into the repository, which a hub learner does not have.
REPOSITORY_ONLY = (SELF_LEARNERS_ONLY, "`README.md` at the root of the repository")


def _text(source: object) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def _set_stored(cell: dict, mime: str, value: str) -> None:
    for output in cell.get("outputs", []):
        data = output.get("data") if isinstance(output, dict) else None
        if isinstance(data, dict) and mime in data:
            data[mime] = value


def hub_start_page(notebook_text: str, first_exercise: str) -> str:
    """The start page as a hub learner first sees it: no ``make``, no checkout, the hub's steps.

    The committed page stores the single-machine output (``make selfgrade`` ...) and text, which
    the hub's learners would read until they run the page. Their copy gets the hub's steps, the
    hub's "Your progress" text and note, and loses the self-learners' pointer to the README; the
    table of their own submissions comes when the page runs. Other cells are untouched.

    >>> import json
    >>> cell = {"cell_type": "code", "source": "Markdown(how_to_work_markdown(load_syllabus()))", "metadata": {},
    ...         "outputs": [{"output_type": "execute_result", "data": {"text/markdown": SINGLE_MACHINE}}]}
    >>> progress = {"cell_type": "markdown", "source": "## Your progress\\nRun `make selfgrade`.", "metadata": {}}
    >>> page = json.loads(hub_start_page(json.dumps({"cells": [cell, progress]}), "ex01_x"))
    >>> shown = page["cells"][0]["outputs"][0]["data"]["text/markdown"]
    >>> "Assignments" in shown and "ex01_x/" in shown and "make selfgrade" not in shown
    True
    >>> "make" in page["cells"][1]["source"]
    False
    >>> about = {"cell_type": "markdown", "metadata": {},
    ...          "source": "## About\\n- Sources.\\n- **Licence.** See `README.md` at the root of the repository."}
    >>> json.loads(hub_start_page(json.dumps({"cells": [about]}), "ex01_x"))["cells"][0]["source"]
    '## About\\n- Sources.'
    """
    notebook = json.loads(notebook_text)
    for cell in notebook.get("cells", []):
        source = _text(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and source.startswith("## Your progress"):
            cell["source"] = HUB_PROGRESS
        elif cell.get("cell_type") == "markdown" and any(words in source for words in REPOSITORY_ONLY):
            cell["source"] = "\n".join(line for line in source.splitlines() if not any(w in line for w in REPOSITORY_ONLY))
        elif cell.get("cell_type") != "code":
            continue
        elif "how_to_work_markdown(" in source:
            _set_stored(cell, "text/markdown", HUB_STEPS.format(example=first_exercise) + "\n" + RUN_FOR_YOUR_TABLE)
        elif "progress_html(" in source:
            _set_stored(cell, "text/html", HUB_PROGRESS_NOTE)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def hub_course_id(environ: Mapping[str, str] | None = None) -> str | None:
    """The nbgrader course id when the page runs on the course hub, else None.

    >>> hub_course_id({}) is None, hub_course_id({HUB_COURSE_ENV: "mlteam-onboarding"})
    (True, 'mlteam-onboarding')
    """
    value = (os.environ if environ is None else environ).get(HUB_COURSE_ENV, "").strip()
    return value or None


def certificate_command(environ: Mapping[str, str] | None = None) -> str:
    """The command that makes a self-learner's certificate, as it works where the page runs.

    On one machine the course's venv is not on the shell's PATH (``make lab`` puts it there
    only for the server it starts), so the command is make's; on the hub ``mlteam-course`` is
    on every learner's PATH.

    >>> certificate_command({})
    'make certificate NAME="Your Name"'
    >>> certificate_command({HUB_COURSE_ENV: "mlteam-onboarding"})
    'mlteam-course certificate --name "Your Name"'
    """
    if hub_course_id(environ) is None:
        return 'make certificate NAME="Your Name"'
    return 'mlteam-course certificate --name "Your Name"'


def verify_command(code: str = "CODE", pdf: str = "THIS_FILE", environ: Mapping[str, str] | None = None) -> str:
    """The command that checks a certificate, as it works where it runs (see :func:`certificate_command`).

    >>> verify_command("SELF-AAAA-BBBB-CCCC-DDDD", "my-work/certificate.pdf", {})
    'make verify CODE=SELF-AAAA-BBBB-CCCC-DDDD PDF="my-work/certificate.pdf"'
    >>> verify_command(environ={HUB_COURSE_ENV: "mlteam-onboarding"})
    'mlteam-course verify CODE --pdf THIS_FILE'
    """
    if hub_course_id(environ) is None:
        return f'make verify CODE={code} PDF="{pdf}"' if pdf != "THIS_FILE" else f"make verify CODE={code} PDF={pdf}"
    return f"mlteam-course verify {code} --pdf {pdf}"


def nbgrader_cache_root() -> Path:
    """Where nbgrader keeps a copy of each of this user's submissions (its ``Exchange.cache``'s default).

    >>> nbgrader_cache_root().name
    'nbgrader_cache'
    """
    from nbgrader.exchange.default.exchange import Exchange

    return Path(Exchange().cache)


def last_submission(cache_root: Path, course_id: str, assignment_id: str) -> datetime | None:
    """When the learner last submitted ``assignment_id``, from nbgrader's cache of their submissions, or None.

    nbgrader names each cached submission ``<student>+<assignment>+<timestamp>`` (its submit,
    ``copy_files``) and writes the same timestamp into its ``timestamp.txt``; an entry that
    cannot be read is passed over (the learner's own folder, so only their own mistake).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> entry = root / "c1" / "ada+ex01+x"
    >>> entry.mkdir(parents=True)
    >>> _ = (entry / "timestamp.txt").write_text("2027-01-15 17:30:00.000000 UTC")
    >>> last_submission(root, "c1", "ex01")
    datetime.datetime(2027, 1, 15, 17, 30, tzinfo=datetime.timezone.utc)
    >>> last_submission(root, "c1", "ex02") is None
    True
    """
    from nbgrader.utils import parse_utc

    folder = cache_root / course_id
    times = []
    for entry in folder.glob(f"*+{assignment_id}+*") if folder.is_dir() else ():
        try:
            stamp = parse_utc((entry / "timestamp.txt").read_text(encoding="utf-8").strip())
        except (OSError, ValueError, TypeError, OverflowError):
            continue
        times.append(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))
    return max(times, default=None)




def exercise_table(syllabus: Syllabus, course_id: str, cache_root: Path) -> str:
    """One row per available exercise: its fetched folder, its due date and the learner's last submission."""
    rows = ["| Exercise | Fetched into | Due | Your last submission |", "|---|---|---|---|"]
    for module in syllabus.available_modules:
        due = syllabus.due_date(module.number)
        submitted = last_submission(cache_root, course_id, module.exercise_id)
        if submitted is None:
            status = "not submitted yet"
        elif due is not None and submitted > due:
            status = f"{moment_in_words(submitted)}: **late** (after the due date)"
        else:
            status = f"{moment_in_words(submitted)}: on time" if due is not None else moment_in_words(submitted)
        rows.append(f"| Exercise {module.number} | `{module.exercise_id}/` | {moment_in_words(due) if due else 'no due date set'} | {status} |")
    return "\n".join(rows)


def how_to_work_markdown(syllabus: Syllabus, environ: Mapping[str, str] | None = None,
                         cache_root: Path | None = None) -> str:
    """The start page's "How to work on the exercises", for the hub or for one machine."""
    course_id = hub_course_id(environ)
    if course_id is None:
        return SINGLE_MACHINE
    first = syllabus.available_modules[0].exercise_id if syllabus.available_modules else "exNN_…"
    table = exercise_table(syllabus, course_id, cache_root or nbgrader_cache_root())
    return HUB_STEPS.format(example=first) + "\n" + table + "\n"
