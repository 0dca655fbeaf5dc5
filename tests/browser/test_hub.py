"""The course on JupyterHub (deploy/jupyterhub), a cohort through the hub's own login page.

One hub for the module (tests/hub_fixtures.py: real Unix users, the grader's course, the
exchange on a shared folder, configurable-http-proxy), started with the very
``jupyterhub_config.py`` a site runs. The test logs in with JupyterHub's DummyAuthenticator
and one shared password (test only; a site uses PAM, OAuth or LTI: deploy/jupyterhub/README.md).

1. the instructor releases ex01 from the formgrader (the course service, in its own tab:
   JupyterHub 4.1+ forbids the iframe of the Lab menu);
2. two learners log in, fetch ex01 from the Assignments tab, answer a widget question and the
   code question, and submit;
3. the instructor collects, grades into PostgreSQL with ``mlteam-course grade`` (as the
   grader account, in the course folder), grades one reflection in the formgrader (the test
   reads that grade back from PostgreSQL) and releases feedback;
4. a learner fetches the feedback and sees their widget score;
5. (a test of its own) a learner cannot open another learner's server, the formgrader,
   ``solutions/`` or the gradebook: from their own kernel, the grader's ``~/.pgpass`` is
   unreadable, and PostgreSQL refuses them over TCP without the password or with a guessed
   one, and over the cluster's socket.

The gradebook is a database of the session's PostgreSQL cluster (tests/postgres_cluster.py),
set up as deploy/jupyterhub/README.md tells a site: the grader's role connects over TCP on
127.0.0.1 with its password in the grader's ``~/.pgpass`` alone (the site's ``db_url`` holds
none), and the formgrader service, run as the grader, reaches it the same way. The cluster's
socket trusts whoever opens it, so its folder is closed to every user but the server's (and
root, which this test runs as and reads the gradebook with).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from browser.conftest import RECORD, UI_TIMEOUT_MS, VIEWPORT, WRITTEN, PathRecord, Screenshots, artifacts_root
from browser.notebook_ui import (
    cells,
    menu,
    notebook_panel,
    question,
    run_all,
    save_notebook,
    show,
    wait_for_notebook,
    workspace_url,
)
from conftest import require_optional

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser, BrowserContext, Page

    from hub_fixtures import CourseHub
    from postgres_cluster import PostgresCluster

pytestmark = pytest.mark.browser

ASSIGNMENT = "ex01_how_ml_projects_differ"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"  # where the Assignments tab fetches it
LOOPS = "q1_crisp_dm_loops"
REFLECTION = "q5_reflection"
CODE_ANSWER = 'first_good_week = log.groupby("experiment")["week"].min()\nno_usable_model = []\n'
LEARNER_FOLDER = "mlteam-course"  # deploy/jupyterhub/hub_settings.py


@pytest.fixture(scope="module")
def course_hub(browser_tools: None, postgres_cluster: PostgresCluster) -> Iterator[CourseHub]:
    from hub_fixtures import HOW_TO_INSTALL, missing_parts, start_course_hub

    missing = missing_parts()
    require_optional(not missing, "a test JupyterHub (" + ", ".join(missing) + ")", HOW_TO_INSTALL)
    hub = start_course_hub(learners=2, instructors=1, postgres=postgres_cluster)
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture
def hub_record(course_hub: CourseHub, request: pytest.FixtureRequest) -> Iterator[PathRecord]:
    """This test's screenshot folder; on a failure the conftest keeps the current page's last screen."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = artifacts_root() / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    record = PathRecord(name, folder, None)  # type: ignore[arg-type]  # the page comes with the first login
    request.node.stash[RECORD] = record
    WRITTEN.append(record)
    yield record
    (folder / "jupyterhub.log").write_text(course_hub.log_tail(400), encoding="utf-8")


def log_in(chromium: Browser, hub: CourseHub, name: str, record: PathRecord) -> tuple[BrowserContext, Page]:
    """A fresh browser at the hub's login page: the user's name and the password, then Sign in."""
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda message: record.console.append(f"[{name}] [{message.type}] {message.text}"))
    page.on("dialog", lambda dialog: dialog.accept())
    record.page = page
    page.goto(f"{hub.url}/hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(hub.password)
    page.locator("#login_submit").click()
    expect(page).not_to_have_url(re.compile(r"/hub/login"))
    return context, page


def open_assignments(page: Page) -> None:
    from playwright.sync_api import expect

    menu(page, "Nbgrader", "nbgrader:open-assignment-list")
    # A tab left open from the last visit comes back with the workspace: bring it to the front.
    page.locator(".lm-TabBar-tab", has_text=re.compile(r"^Assignments$")).click()
    expect(page.locator("#released_assignments_list")).to_be_visible()
    page.locator("#refresh_assignments_list").click()


def learner_hands_in(chromium: Browser, hub: CourseHub, name: str, record: PathRecord, shots: Screenshots,
                     answer: dict[str, str]) -> None:
    """Step 2 for one learner: the course page, Fetch, one widget answer, the written and the code answer, Submit."""
    from playwright.sync_api import expect

    context, page = log_in(chromium, hub, name, record)
    try:
        # The spawner made their own copy of the course and opened the start page.
        expect(page).to_have_url(re.compile(rf"/user/{re.escape(name)}/lab/tree/course/index\.ipynb"))
        wait_for_notebook(page, "course/index.ipynb")
        open_assignments(page)
        released = page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT)
        released.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT)
        expect(fetched.first).to_be_visible()
        shots.take(f"assignments_tab_fetched_{name.rsplit('-', 1)[-1]}")
        on_disk = hub.users.run_as(name, ["find", ".", "-path", f"*{ASSIGNMENT}/*.ipynb", "-not", "-path", "*/exercises/*"])
        assert f"./{LEARNER_FOLDER}/{NOTEBOOK}" in on_disk.stdout.split(), on_disk.stdout + on_disk.stderr

        page.goto(f"{hub.url}/user/{name}{workspace_url('hub', NOTEBOOK)}")
        wait_for_notebook(page, NOTEBOOK)
        run_all(page)
        box = question(page, LOOPS)
        for item, category in answer.items():
            box.locator(".widget-hbox", has_text=item).locator("select").select_option(label=category)
        expect(box).to_contain_text(f"Saved. {len(answer)} of {len(answer)} items answered.")
        # A written answer, for a person to grade (an empty one would score 0 on its own).
        written = show(page.locator(".mlteam-written-answer textarea"))
        written.fill("We would agree a good-enough target and time-box a feasibility study first.")
        written.press("Tab")
        expect(page.locator(".mlteam-written-status")).to_contain_text("Saved")
        code_cell = cells(page).filter(has_text="YOUR CODE HERE").first
        code_cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(CODE_ANSWER)
        save_notebook(page)

        open_assignments(page)
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
        fetched.get_by_role("button", name="Submit").click()
        expect(page.locator("#submitted_assignments_list .list_item").first).to_be_visible()
        shots.take(f"assignments_tab_after_submit_{name.rsplit('-', 1)[-1]}")
    finally:
        context.close()


def hub_course_id() -> str:
    from hub_fixtures import COURSE_ID

    return COURSE_ID


def submission_id(hub: CourseHub, learner: str) -> str:
    """The gradebook id of ``learner``'s ex01 notebook, read by the grader (the formgrader's own link)."""
    read = hub.as_grader("python", "-c", (
        "import sys; from nbgrader.api import Gradebook\n"
        "with Gradebook(sys.argv[1]) as gb: print(gb.find_submission_notebook(sys.argv[2], sys.argv[2], sys.argv[3]).id)"
    ), hub.db_url, ASSIGNMENT, learner)
    assert read.returncode == 0, read.stderr
    return read.stdout.strip()


def grader_pgpass(hub: CourseHub) -> Path:
    return hub.users.homes / hub.grader / ".pgpass"


def in_gradebook(hub: CourseHub, query: str, *params: object) -> list[tuple[object, ...]]:
    """Rows of the hub's PostgreSQL gradebook, read as the cluster's superuser: what really landed there."""
    import psycopg

    assert hub.postgres is not None, "the hub test's gradebook is PostgreSQL"
    with psycopg.connect(hub.postgres.conninfo(hub.database)) as connection:
        return connection.execute(query, params).fetchall()


def test_a_cohort_through_the_hub(chromium, course_hub, hub_record) -> None:
    from playwright.sync_api import expect
    from sqlalchemy.engine import make_url

    from course_helpers import load_fixture

    hub, shots = course_hub, Screenshots(hub_record)
    instructor, (first, second) = hub.instructors[0], hub.learners
    service = f"{hub.url}/services/mlteam-onboarding"

    # 1. The instructor signs in and releases ex01 from the formgrader, in its own tab.
    context, page = log_in(chromium, hub, instructor, hub_record)
    page.goto(f"{service}/formgrader")
    expect(page.get_by_role("heading", name="Manage Assignments")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("link", name=ASSIGNMENT, exact=True))
    row.locator(".glyphicon-cloud-upload").click()  # the Release column
    expect(page.locator("#success-modal")).to_contain_text(f"Successfully released '{ASSIGNMENT}'.")
    page.locator("#success-modal .modal-footer button").first.click()
    expect(row.locator(".label-success")).to_have_text("released")
    shots.take("instructor_formgrader_released")
    context.close()

    # 2. Two learners fetch, answer and submit.
    answers = load_fixture(ASSIGNMENT, "half_right.answers.json")["answers"]
    learner_hands_in(chromium, hub, first, hub_record, shots, answers[LOOPS]["value"])
    learner_hands_in(chromium, hub, second, hub_record, shots, answers[LOOPS]["value"])

    # The second learner, in a terminal of theirs, also hands in as the first (nbgrader takes any
    # --student), marked so that it can be told apart.
    forged = hub.users.run_as(second, ["sh", "-c", (
        f"python -c \"import nbformat, sys; nb = nbformat.read(sys.argv[1], 4); "
        f"nb.cells.append(nbformat.v4.new_markdown_cell('FORGED BY THE SECOND LEARNER')); nbformat.write(nb, sys.argv[1])\" {NOTEBOOK}"
        f" && nbgrader submit {ASSIGNMENT} --student={first} --Exchange.root={hub.exchange} --CourseDirectory.course_id={hub_course_id()}"
    )], cwd=hub.users.homes / second / LEARNER_FOLDER)
    assert forged.returncode == 0, forged.stdout + forged.stderr

    # 3. The instructor collects in the formgrader: the two learners' own hand-ins come in, the
    # forgery stays in the exchange and the dialog says whose folder it is ...
    context, page = log_in(chromium, hub, instructor, hub_record)
    page.goto(f"{service}/formgrader")
    row = page.locator("tr", has=page.get_by_role("link", name=ASSIGNMENT, exact=True))
    row.locator(".glyphicon-cloud-download").click()  # the Collect column
    dialog = page.locator("#error-modal")
    expect(dialog).to_contain_text(f"There was an error collecting '{ASSIGNMENT}'")
    expect(dialog).to_contain_text(f"{first}'s hand-in not collected: it belongs to the Unix user {second}, not to {first}")
    expect(dialog).to_have_class(re.compile(r"\bin\b"))
    page.wait_for_timeout(600)  # Bootstrap's fade and slide-in (0.3 s) end before the picture is taken
    shots.take("instructor_formgrader_collect_refuses_a_forgery")
    context.close()
    collected_notebook = (hub.course / "course" / "submitted" / first / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    assert "FORGED BY THE SECOND LEARNER" not in collected_notebook
    assert (hub.course / "course" / "submitted" / second / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    # ... and grades (a terminal of the grader account) ...
    graded = hub.as_grader("mlteam-course", "grade", ASSIGNMENT, "--jobs", "2", "--quiet")
    assert graded.returncode == 0, graded.stdout + graded.stderr[-3000:]
    assert "graded: 2" in graded.stdout, graded.stdout
    # The site's settings name the database and no password: that is in the grader's ~/.pgpass alone.
    site_config = (hub.course / "course" / "nbgrader_site_config.py").read_text(encoding="utf-8")
    password = grader_pgpass(hub).read_text(encoding="utf-8").strip().rsplit(":", 1)[1]
    assert f"db_url = {hub.db_url!r}" in site_config and password not in site_config, site_config
    assert make_url(hub.db_url).drivername == "postgresql+psycopg" and make_url(hub.db_url).password is None
    autograded = in_gradebook(hub, """
        SELECT sa.student_id, count(g.auto_score) FROM submitted_assignment sa
        JOIN assignment a ON a.id = sa.assignment_id JOIN submitted_notebook sn ON sn.assignment_id = sa.id
        JOIN grade g ON g.notebook_id = sn.id WHERE a.name = %s GROUP BY sa.student_id""", ASSIGNMENT)
    assert sorted(name for name, _ in autograded) == sorted([first, second]), autograded
    assert all(scores > 0 for _, scores in autograded), autograded
    assert not (hub.course / "course" / "gradebook.db").exists(), "nbgrader fell back to an SQLite gradebook"
    # ... grades one reflection in the formgrader (the first learner's; the other waits) ...
    context, page = log_in(chromium, hub, instructor, hub_record)
    reflection_of_first = submission_id(hub, first)
    page.goto(f"{service}/formgrader/submissions/{reflection_of_first}")
    task = page.locator(".cell", has=page.locator(".nbgrader-label", has_text="Student's task"))
    expect(task).to_contain_text("Rubric, for the grader.")
    score = page.locator(f"input.score#{REFLECTION}")
    # The formgrader's view renders once the grades have loaded, emptying the box: type after that,
    # and wait for the grade's PUT (the "saved" tick is in the page from the start).
    expect(score).to_have_class(re.compile(r"\bneeds_manual_grade\b"))
    with page.expect_response(lambda response: "/formgrader/api/grade/" in response.url
                              and response.request.method == "PUT") as saved:
        score.fill("2")
        score.press("Tab")
    assert saved.value.ok, saved.value.status
    expect(page.locator(".cell", has=score).locator(".score-saved")).to_have_class(re.compile(r"\bglyphicon-ok\b"))
    shots.take("instructor_formgrader_manual_grade")
    context.close()
    hand_grade = in_gradebook(hub, "SELECT g.manual_score FROM grade g JOIN base_cell c ON c.id = g.cell_id "
                                   "WHERE g.notebook_id = %s AND c.name = %s", reflection_of_first, REFLECTION)
    assert hand_grade == [(2.0,)], hand_grade  # the formgrader (run as the grader) wrote it into PostgreSQL
    # ... and releases the feedback (`mlteam-course feedback`: through the exchange, once graded by a person).
    released = hub.as_grader("mlteam-course", "feedback", ASSIGNMENT)
    assert released.returncode == 0, released.stdout + released.stderr[-3000:]
    assert "released through the exchange" in released.stdout, released.stdout
    assert "held back, awaiting manual grading: 1" in released.stdout and second in released.stdout, released.stdout

    # 4. A learner fetches the feedback and sees their widget score.
    context, page = log_in(chromium, hub, first, hub_record)
    wait_for_notebook(page, "course/index.ipynb")
    # The start page on the hub: fetch, work and submit in the Assignments tab, with the due dates.
    show(cells(page).filter(has_text="Where you work on the exercises").first, at_top=True)  # its code is hidden
    steps = page.locator(".jp-RenderedMarkdown", has=page.get_by_role("heading", name="Where you work on the exercises (on the course hub)"))
    expect(steps).to_contain_text("Assignments")
    expect(steps).not_to_contain_text("make selfgrade")
    # No machinery on the hub learner's page either: every code cell's input is folded, no Python shows.
    code_cells = notebook_panel(page).locator(".jp-Cell.jp-CodeCell")
    assert code_cells.count() > 0, "the start page's code cells are on the page"
    expect(code_cells.locator(".jp-InputArea-editor:visible")).to_have_count(0)
    shown = notebook_panel(page).evaluate("panel => panel.innerText")
    assert "import " not in shown and "load_syllabus(" not in shown and "syllabus.toml" not in shown, "code shows"
    shots.take("learner_start_page_on_the_hub")
    open_assignments(page)
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT)
    submitted.get_by_role("button", name="Fetch Feedback").click()
    expect(page.locator("#submitted_assignments_list")).to_contain_text("(view feedback)")
    shots.take("learner_assignments_tab_feedback")
    listing = hub.users.run_as(first, ["sh", "-c", f"ls mlteam-course/{ASSIGNMENT}/feedback/*/{ASSIGNMENT}.html"])
    assert listing.returncode == 0, listing.stderr
    relative = listing.stdout.strip().removeprefix("mlteam-course/")
    page.goto(f"{hub.url}/user/{first}/files/{relative}")
    expect(page.locator("body")).to_contain_text(re.compile(r"Widget question: [\d.]+ / \d+ points"))
    shots.take("learner_feedback_widget_score", full_page=True)
    context.close()

    # 5. The instructor writes the cohort report in the grader's terminal and opens it through the
    # hub, where the course service serves files in a sandbox without scripts: its charts still show.
    reported = hub.as_grader("mlteam-course", "report")
    assert reported.returncode == 0, reported.stdout + reported.stderr[-3000:]
    context, page = log_in(chromium, hub, instructor, hub_record)
    page.goto(f"{service}/files/course/reports/cohort/index.html")
    expect(page.get_by_role("heading", name="Cohort report", level=1)).to_be_visible()
    charts = page.locator("img")
    expect(charts.first).to_be_visible()
    widths = charts.evaluate_all("images => images.map(image => image.complete ? image.naturalWidth : 0)")
    assert widths and all(width > 0 for width in widths), widths
    shots.take("instructor_cohort_report_through_the_hub", full_page=True)
    context.close()


def test_a_learner_reaches_nothing_but_their_own_server(course_hub) -> None:
    """Step 5, as a hostile learner with a script: each attempt is refused."""
    from hub_fixtures import HubSession

    hub = course_hub
    me, other = hub.learners
    theirs_running = HubSession(hub, other)
    theirs_running.login()
    theirs_running.open_course_page()  # the other learner's server runs, behind the proxy
    learner = HubSession(hub, me)
    assert learner.login() == 200
    learner.open_course_page()

    # Another learner's server: its OAuth check at the hub refuses.
    theirs = learner.get(f"/user/{other}/lab", allow_redirects=True)
    assert theirs.status_code == 403 and "JupyterLab" not in theirs.text, (theirs.status_code, theirs.url)
    assert learner.api("GET", "contents", server=other).status_code in (302, 403), "another learner's files"
    # The formgrader, a service only the instructors' role reaches.
    for path in ("/services/mlteam-onboarding/formgrader", "/services/mlteam-onboarding/api/contents/solutions"):
        refused = learner.get(path, allow_redirects=True)
        assert refused.status_code == 403, (path, refused.status_code, refused.url)
    # Their own server's file API stops at their own folder.
    escape = learner.api("GET", f"contents/{'../' * 8}{str(hub.course).lstrip('/')}/solutions")
    assert escape.status_code in (400, 403, 404), escape.status_code
    # Code in their own kernel runs as their own Unix user: solutions/ and the grader's password file are closed ...
    assert hub.postgres is not None
    secrets_on_disk = [hub.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.key.json", hub.course / "solutions",
                       grader_pgpass(hub)]
    probe = f"""
import os, pathlib
for target in {[str(path) for path in secrets_on_disk]!r}:
    try:
        (os.listdir if pathlib.Path(target).is_dir() else lambda p: open(p, 'rb').read(1))(target)
        print('READ', target)
    except PermissionError:
        print('refused', target)
print('uid', os.getuid())
"""
    output = learner.run_code(probe)
    assert "READ" not in output and output.count("refused") == len(secrets_on_disk), output
    assert f"uid {hub.users.uid(me)}" in output, output
    # ... and so is the PostgreSQL gradebook: over TCP without the password or with a guessed one
    # (as the grader's role and as the superuser), and over the cluster's socket, which trusts
    # whoever can open it (its folder is the server user's alone).
    cluster = hub.postgres
    tcp = {"host": cluster.host, "port": cluster.port, "dbname": hub.database, "connect_timeout": 10}
    attempts = {
        "tcp, the grader's role, no password": ({**tcp, "user": hub.grader}, "no password supplied"),
        "tcp, the grader's role, a guess": ({**tcp, "user": hub.grader, "password": hub.grader},
                                            f'password authentication failed for user "{hub.grader}"'),
        "tcp, the superuser, a guess": ({**tcp, "user": cluster.user, "password": "postgres"},
                                        f'password authentication failed for user "{cluster.user}"'),
        "the socket, the superuser": ({**tcp, "host": str(cluster.socket_dir), "user": cluster.user},
                                      f'"{cluster.socket_dir}/.s.PGSQL.{cluster.port}" failed: Permission denied'),
    }
    probe = f"""
import psycopg
for what, arguments in {({what: arguments for what, (arguments, _) in attempts.items()})!r}.items():
    try:
        psycopg.connect(**arguments).close()
        print(what, '=> CONNECTED')
    except psycopg.OperationalError as error:
        print(what, '=>', ' '.join(str(error).split()))
"""
    output = learner.run_code(probe)
    assert "CONNECTED" not in output, output
    for what, (_, refusal) in attempts.items():
        line = next((line for line in output.splitlines() if line.startswith(f"{what} =>")), "")
        assert refusal in line, (what, refusal, output)


def test_terminals_find_the_course_commands(course_hub) -> None:
    """Issue 31, item 2: a learner's terminal and the grader's service terminal find the commands the docs print.

    jupyter_server's default terminal is a login shell, whose /etc/profile sets PATH anew and drops
    the course's environment; the hub's terminal-shell puts it back first.
    """
    from hub_fixtures import BIN_DIR, COURSE_ID, HubSession

    hub = course_hub
    learner = HubSession(hub, hub.learners[0])
    assert learner.login() == 200
    learner.open_course_page()
    instructor = HubSession(hub, hub.instructors[0])
    assert instructor.login() == 200
    for who, session, server_path, account in (
        ("learner", learner, None, hub.learners[0]),
        ("grader's service", instructor, f"/services/{COURSE_ID}", hub.grader),
    ):
        shown = session.run_in_terminal("id -un; command -v mlteam-course nbgrader make", server_path=server_path)
        lines = [line.strip() for line in shown.replace("\r", "").splitlines()]
        assert account in lines, (who, shown)
        for command in ("mlteam-course", "nbgrader"):
            assert str(BIN_DIR / command) in lines, (who, command, shown)
        assert any(line.endswith("/make") for line in lines), (who, shown)
        version = session.run_in_terminal("mlteam-course --help >/dev/null && echo mlteam-course-runs",
                                          server_path=server_path)
        # Typed, the line reads "... && echo mlteam-course-runs"; alone on a line, it is the command's output.
        assert "mlteam-course-runs" in [line.strip() for line in version.replace("\r", "").splitlines()], (who, version)


def test_the_start_page_on_the_hub_tells_how_to_fetch_submit_and_when_it_is_late(course_hub) -> None:
    """Issue 31, item 3: the learner's start page on the hub, with the site's due dates, says a late submission is late.

    The site sets due dates in its own ``course/syllabus.site.toml`` (git-ignored) and runs
    ``make hub-course`` again; the grader releases ex02 from the service terminal; the learner
    fetches and submits it from their own terminal, after its (past) due date; then the start
    page's cell, run in the learner's own kernel, lists where the exercise lands, its due date
    and that the submission was late.
    """
    from hub_fixtures import COURSE_ID, REPO_ROOT, HubSession, lay_out_course

    hub = course_hub
    exercise = "ex02_the_ml_team"
    site_syllabus = hub.course / "course" / "syllabus.site.toml"
    site_syllabus.write_text("[due]\nex01 = 2099-01-01T00:00:00Z\nex02 = 2020-01-01T00:00:00Z\n", encoding="utf-8")
    shutil.chown(site_syllabus, hub.grader, hub.grader)
    laid_out = lay_out_course(REPO_ROOT, hub.course, hub.grader, hub.base / "private" / "mlteam-course.git",
                              hub.base / "hub.toml")
    assert laid_out.returncode == 0, laid_out.stdout + laid_out.stderr

    instructor = HubSession(hub, hub.instructors[0])
    assert instructor.login() == 200
    released = instructor.run_in_terminal(f"nbgrader release_assignment {exercise} --force && echo released-ok",
                                          server_path=f"/services/{COURSE_ID}", timeout=300)
    assert "released-ok" in released.splitlines(), released
    learner = HubSession(hub, hub.learners[1])
    assert learner.login() == 200
    learner.open_course_page()
    handed_in = learner.run_in_terminal(
        f"nbgrader fetch_assignment {exercise} && nbgrader submit {exercise} && echo submitted-ok", timeout=300)
    assert "submitted-ok" in handed_in.splitlines(), handed_in

    probe = """
import json, os
os.chdir(os.path.expanduser('~/mlteam-course/course'))
cells = json.load(open('index.ipynb'))['cells']
source = next(''.join(c['source']) for c in cells if c['cell_type'] == 'code' and 'how_to_work_markdown' in c['source'][-1])
*body, last = source.strip().splitlines()
namespace = {}
exec('\\n'.join(body), namespace)
print(eval(last, namespace).data)
"""
    page = learner.run_code(probe, timeout=120)
    assert "**Assignments** tab" in page and "**Fetch**" in page and "**Submit**" in page, page
    assert "make selfgrade" not in page, page
    rows = {line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| Exercise ")}
    assert f"`{exercise}/`" in rows["Exercise 2"] and "1 January 2020, 00:00 UTC" in rows["Exercise 2"], page
    assert "**late**" in rows["Exercise 2"], page
    assert "1 January 2099, 00:00 UTC" in rows["Exercise 1"] and "**late**" not in rows["Exercise 1"], page
    assert rows["Exercise 3"].rstrip(" |").endswith("not submitted yet") and "no due date set" in rows["Exercise 3"], page
