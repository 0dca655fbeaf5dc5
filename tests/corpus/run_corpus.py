"""Grade the corpus of bad submissions together with honest ones, and judge the outcome.

Used by ``tests/test_bad_submissions.py`` and by ``benchmarks/bench_reliability.py``
(``make bench``), which prints the figures.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from corpus import hand_over
from corpus.bad_submissions import ASSIGNMENT, ESCAPE_MARKER, KINDS, NOTEBOOK, Context, Kind, write_submission
from course_helpers import HONEST_KINDS, REPO_ROOT, generate, honest_submission, make_course, scores, submit
from mlteam_utils.cohort.feedback import assignment_secrets
from mlteam_utils.nbgrader_runner import nbgrader_environment

HONEST = {f"honest_{kind}": kind for kind in HONEST_KINDS}
VICTIM = "honest_solution"
#: Seconds per cell in the corpus course, as the course's own nbgrader_config.py sets: only the
#: infinite loop needs it (the bombs meet their caps), and an honest cell on a loaded machine
#: stays well inside it, so no outcome depends on how busy the machine is.
CELL_TIMEOUT = 30


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    outcome: str  # graded | failed | missing
    score: float | None
    reason: str | None
    ok: bool
    detail: str


@dataclass
class CorpusReport:
    verdicts: list[Verdict] = field(default_factory=list)
    batch_completed: bool = False
    batch_output: str = ""
    honest_unchanged: int = 0
    honest_total: int = 0
    changed_outside: list[str] = field(default_factory=list)
    isolation: bool = True
    feedback_completed: bool = False
    feedback_output: str = ""
    feedback_problems: list[str] = field(default_factory=list)  # stray files, missing pages, leaks
    live_markup: list[str] = field(default_factory=list)  # learner markup that would run in a browser
    network_reached: int = 0  # connections learner code made to the listener on 127.0.0.1
    hand_over: list[hand_over.HandOverVerdict] = field(default_factory=list)  # extra names sent, per exercise

    @property
    def cheats(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind.group == "cheat"]

    @property
    def special_files(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind.special_file]

    def figures(self) -> str:
        contained = sum(v.ok for v in self.cheats)
        return "\n".join([
            f"kinds tried: {len(self.verdicts)} (in {len({v.kind.group for v in self.verdicts})} groups), isolation {'on' if self.isolation else 'OFF'}",
            f"batch completed: {'yes' if self.batch_completed else 'NO'}",
            f"outcomes as expected: {sum(v.ok for v in self.verdicts)}/{len(self.verdicts)}",
            f"honest grades unchanged: {self.honest_unchanged}/{self.honest_total}",
            f"cheats contained: {contained}/{len(self.cheats)}",
            f"files changed outside the sandbox: {len(self.changed_outside)}",
            f"special files handled: {sum(v.ok for v in self.special_files)}/{len(self.special_files)}",
            f"feedback for the whole batch: {'completed' if self.feedback_completed else 'NOT COMPLETED'}",
            f"leaks in released feedback: {len(self.feedback_problems)}",
            f"live learner markup: {len(self.live_markup)}",
            f"network reach: {self.network_reached}",
            f"hand-over of extra names: {sum(v.ok for v in self.hand_over)}/{len(self.hand_over)} exercises unmoved, "
            f"gains {sum(v.gain for v in self.hand_over):g} points",
        ])

    def table(self) -> str:
        rows = [f"{'kind':34} {'outcome':8} {'score':>6}  {'ok':3} detail"]
        for v in self.verdicts:
            score = "" if v.score is None else f"{v.score:g}"
            rows.append(f"{v.kind.name:34} {v.outcome:8} {score:>6}  {'yes' if v.ok else 'NO':3} {v.detail}")
        return "\n".join(rows)


def _snapshot(folder: Path, skip: tuple[Path, ...]) -> dict[str, str]:
    digests = {}
    for path in sorted(folder.rglob("*")):
        if any(path == s or s in path.parents for s in skip) or path.is_dir():
            continue
        try:
            if path.is_symlink():
                digests[str(path)] = "link:" + os.readlink(path)
            elif not path.is_file():
                digests[str(path)] = f"special:{path.lstat().st_mode:o}"
            else:
                digests[str(path)] = f"{path.stat().st_mode:o}:" + hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digests[str(path)] = "unreadable"
    return digests


def _course_command(course: Path, home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``mlteam-course ARGUMENTS`` in the course, as its instructor (whose home is ``home``)."""
    return subprocess.run(
        [sys.executable, "-m", "mlteam_utils.cli", *arguments],
        cwd=course,
        env=nbgrader_environment({"HOME": str(home)}),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def _grade(course: Path, home: Path, isolation: bool) -> subprocess.CompletedProcess[str]:
    return _course_command(course, home, "grade", "--jobs", "2", "--quiet", *([] if isolation else ["--no-isolation"]))


def _course(root: Path, assignments: list[str] | None = None) -> Path:
    assignments = assignments or [ASSIGNMENT, "ex02_the_ml_team"]
    course = make_course(root, assignments)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}  # the corpus's infinite loop costs this long\n")
    for assignment in assignments:
        generate(course, assignment)
    for learner, kind in HONEST.items():
        submit(course, learner, ASSIGNMENT, {ASSIGNMENT: honest_submission(course, ASSIGNMENT, kind)})
    return course


def _outcomes(course: Path) -> dict[str, tuple[str, str | None]]:
    import sqlite3

    from mlteam_utils.cohort.gradebook_merge import OUTCOME_TABLE

    with sqlite3.connect(course / "course" / "gradebook.db") as connection:
        rows = connection.execute(f"SELECT student, outcome, reason FROM {OUTCOME_TABLE} WHERE assignment = ?", (ASSIGNMENT,)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _judge(kind: Kind, outcome: tuple[str, str | None] | None, score: float | None, honest_totals: dict[str, float], leaked: bool) -> Verdict:
    if outcome is None:
        return Verdict(kind, "missing", None, None, False, "no outcome was recorded")
    state, reason = outcome
    base = honest_totals[f"honest_{kind.base}"]
    graded = state == "graded" and score is not None
    if kind.expect == "failed":
        ok = state == "failed" and kind.reason.lower() in (reason or "").lower()
        detail = f"failed: {reason}" if state == "failed" else f"graded {score} instead of failing"
    elif kind.expect == "exactly":
        wanted = base if kind.points is None else kind.points
        ok = graded and abs(score - wanted) < 1e-6
        detail = f"scored {score} (expected exactly {wanted:g})" if graded else f"failed: {reason}"
    elif kind.expect == "at_most":
        ok = graded and score <= base + 1e-6
        detail = f"scored {score} (honest base {base:g})" if graded else f"failed: {reason}"
    else:  # failed_or_at_most
        ok = state == "failed" or (graded and score <= base + 1e-6)
        detail = f"failed: {reason}" if state == "failed" else f"scored {score} (honest base {base:g})"
    if leaked:
        ok, detail = False, detail + "; a secret appears in its autograded notebook"
    return Verdict(kind, state, score, reason, ok, detail)


class _Listener:
    """A TCP server on 127.0.0.1 that counts the connections learner code makes to it."""

    def __init__(self) -> None:
        import socket
        import threading

        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


def live_markup(html_text: str, template_scripts: int) -> list[str]:
    """What in a rendered page would run learner code in a browser."""
    from html.parser import HTMLParser

    found: list[str] = []
    scripts = 0

    class Finder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            nonlocal scripts
            if tag == "script":
                scripts += 1
            if tag in ("iframe", "object", "embed", "svg"):
                found.append(f"<{tag}>")
            for name, value in attrs:
                if name.lower().startswith("on"):
                    found.append(f"<{tag} {name}>")
                if name.lower() in ("href", "src", "action", "formaction", "xlink:href") and value:
                    scheme = value.strip().lower().replace("\t", "").replace("\n", "").split(":", 1)[0]
                    if ":" in value and scheme in ("javascript", "vbscript", "file"):
                        found.append(f"<{tag} {name}={value[:40]}>")

    Finder().feed(html_text)
    if scripts > template_scripts:
        found.append(f"{scripts - template_scripts} <script> more than the page template has")
    return found


def _rendered(notebook_path: Path) -> str:
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab").from_notebook_node(nbformat.read(notebook_path, as_version=4))[0]


def _template_scripts() -> int:
    from nbconvert import HTMLExporter

    page = HTMLExporter(template_name="lab").from_notebook_node(nbformat.v4.new_notebook())[0]
    return page.count("<script")


def run_corpus(root: Path, isolation: bool = True) -> CorpusReport:
    """Grade honest + bad submissions in one batch and the honest ones alone; judge each."""
    report = CorpusReport(isolation=isolation)
    kinds = [k for k in KINDS if isolation or not k.needs_isolation]
    home = root / "home"
    home.mkdir(parents=True)

    alone = _course(root / "alone")
    _grade(alone, home, isolation)
    alone_scores = scores(alone, ASSIGNMENT)

    # The batch holds every exercise: the hand-over class runs on each of them.
    every_exercise = sorted(p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir())
    course = _course(root / "batch", every_exercise)
    listener = _Listener()
    context = Context(course, VICTIM, listener.port)
    for kind in kinds:
        write_submission(course / "course" / "submitted" / kind.name / ASSIGNMENT, kind.build(context))
    for assignment in every_exercise:
        for learner, submission in hand_over.hand_over_submissions(course, assignment).items():
            submit(course, learner, assignment, {assignment: submission})
    autograded = course / "course" / "autograded"
    skip = (autograded, course / "course" / "gradebook.db", course / "course" / ".grading")
    before = _snapshot(course, skip)
    home_before = _snapshot(home, ())

    try:
        completed = _grade(course, home, isolation)
    finally:
        listener.close()
    report.network_reached = listener.connections
    report.batch_output = completed.stdout + completed.stderr[-3000:]
    outcomes = _outcomes(course)
    report.batch_completed = completed.returncode in (0, 1) and all(k.name in outcomes for k in kinds) and all(h in outcomes for h in HONEST)

    batch_scores = scores(course, ASSIGNMENT)
    report.hand_over = hand_over.judge(course, every_exercise, {a: scores(course, a) for a in every_exercise})
    report.honest_total = len(HONEST)
    report.honest_unchanged = sum(batch_scores.get(h) == alone_scores.get(h) and h in alone_scores for h in HONEST)
    honest_totals = {h: sum(v or 0 for v in alone_scores.get(h, {}).values()) for h in HONEST}

    secrets = [s.text for s in assignment_secrets(course / "solutions" / ASSIGNMENT)]
    for kind in kinds:
        graded_nb = autograded / kind.name / ASSIGNMENT / NOTEBOOK
        leaked = False
        if kind.secrets_must_not_appear and graded_nb.is_file():
            # The autograded notebook holds the hidden tests themselves; only what the
            # learner's code printed must be free of them and of the key.
            outputs = json.dumps([cell.get("outputs", []) for cell in nbformat.read(graded_nb, as_version=4).cells])
            leaked = any(json.dumps(secret)[1:-1] in outputs for secret in secrets)
        outcome = outcomes.get(kind.name)
        score = sum(v or 0 for v in batch_scores[kind.name].values()) if outcome and outcome[0] == "graded" and kind.name in batch_scores else None
        report.verdicts.append(_judge(kind, outcome, score, honest_totals, leaked))

    after = _snapshot(course, skip)
    changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
    # Inside autograded/, only a learner's own <learner>/<assignment>/ folder may change.
    for path in autograded.rglob("*"):
        relative = path.relative_to(autograded).parts
        if path.is_file() and len(relative) < 3:
            changed.add(str(path))
    home_after = _snapshot(home, ())
    changed |= {p for p in set(home_before) | set(home_after) if home_before.get(p) != home_after.get(p)}
    changed |= {str(p) for p in Path("/tmp").glob(f"*{ESCAPE_MARKER}*")}
    changed |= {str(p) for p in course.rglob(f"*{ESCAPE_MARKER}*")}
    report.changed_outside = sorted(changed)
    _judge_feedback(report, course, home, kinds)
    return report


def _judge_feedback(report: CorpusReport, course: Path, home: Path, kinds: list[Kind]) -> None:
    """Feedback for the whole batch: it completes, every honest learner gets a page, and
    no page or file in a feedback folder carries a secret, a stray file or live markup."""
    from mlteam_utils.cohort.feedback import FEEDBACK_OUTPUTS, find_feedback_leaks, secrets_for

    completed = _course_command(course, home, "feedback", ASSIGNMENT, "--no-release")
    report.feedback_output = completed.stdout + completed.stderr[-3000:]
    feedback_root = course / "course" / "feedback"
    report.feedback_completed = completed.returncode in (0, 1) and all(
        (feedback_root / honest / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).is_file() for honest in HONEST
    )
    template_scripts = _template_scripts()
    # An honest learner's page holds only the feedback template's own scripts.
    honest_page = feedback_root / VICTIM / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    feedback_scripts = honest_page.read_text(encoding="utf-8").count("<script") if honest_page.is_file() else 0
    # The key's explanations of items a learner got right may show; hidden tests and rubrics never.
    plain_secrets = [s for s in assignment_secrets(course / "solutions" / ASSIGNMENT) if s.kind != "answer key"]
    for path in sorted(feedback_root.rglob("*")) if feedback_root.is_dir() else []:
        relative = path.relative_to(feedback_root)
        if path.is_symlink() or (not path.is_dir() and not path.is_file()):
            report.feedback_problems.append(f"{relative}: a link or special file")
        elif path.is_file():
            import fnmatch

            if len(relative.parts) != 3 or not any(fnmatch.fnmatch(path.name, p) for p in FEEDBACK_OUTPUTS):
                report.feedback_problems.append(f"{relative}: a file that is not a feedback page")
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            report.feedback_problems.extend(f"{relative}: {leak}" for leak in find_feedback_leaks(text, secrets_for(plain_secrets, [])))
            if path.suffix == ".html":
                report.live_markup.extend(f"{relative}: {found}" for found in live_markup(text, feedback_scripts))
    for kind in kinds:
        graded_nb = course / "course" / "autograded" / kind.name / ASSIGNMENT / NOTEBOOK
        if graded_nb.is_file() and not graded_nb.is_symlink():
            report.live_markup.extend(f"{kind.name} (autograded notebook): {found}" for found in live_markup(_rendered(graded_nb), template_scripts))


def main_figures(isolation: bool = True) -> CorpusReport:
    """Run the corpus in a temporary folder (for the benchmark)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mlteam-corpus-") as scratch:
        return run_corpus(Path(scratch), isolation)
