"""The hub's files as deploy/jupyterhub/README.md lays them out, attacked by a learner with a shell.

Issue 26: a learner on the course hub is a Unix user beside the grader, so file modes are part
of grading security. Issue 31: the README runs as written. This test runs the README's "Start
it on one machine" block itself, as root, with real Unix users, and no copy that drops ``.git``
(tests/hub_readme.py says what it replaces: the repository's URL, the user names, the paths):

1. the course's private repository (a bare repository of this working tree, served by
   ``git daemon``: the grader clones it as itself);
2. the block: the admin's own clone, closed (under a stand-in for ``/root``), where
   ``make hub-env`` installs the environment every user runs, non-editable, into
   ``HUB_PREFIX`` with ``/usr/bin/python3``; the users; the exchange, the hub's state and the
   settings; ``make hub-course`` lays out the grader's clone and the learners' copy; ``make
   hub`` serves the hub's login page, and is stopped. ``make hub-course`` runs again with an
   instructors' group (``INSTRUCTORS_GROUP``);
3. the grader releases ex01 (``mlteam-course release``, ``nbgrader release_assignment``);
   two learners make their workspace from the learners' copy (what ``learner-server``
   does), fetch, answer and submit through nbgrader's exchange with the learners' nbgrader
   settings; the grader collects, grades, gives feedback, exports and reports (every
   command in a shell with umask 022: the writers keep learners out by themselves); a
   learner fetches their feedback; the grader writes the LMS roster by hand and puts a
   gradebook in PostgreSQL as the README says (``~/.pgpass``);
4. the first learner then tries, with ``cat``, ``ls``, ``git``, ``python`` and ``psycopg``,
   to read ``solutions/``, ``tests/fixtures/``, a key and a hidden test through ``git``
   (``show``, ``log -p``, ``clone``) of the grader's clone and of the private repository,
   the install's source (the admin's clone), ``course/autograded/``, the other learner's
   home, submission and feedback (in the course and, by its real name, in the exchange),
   the roster, the SQLite gradebook and the PostgreSQL one, the site's settings and the
   grader's home. Each is refused by the operating system (or by PostgreSQL), and the
   test checks the refusal, not only a failure;
5. what the writers left under ``course/`` has no bit for other users, and the SQLite
   gradebook is the grader's alone (0600); an instructor in the instructors' group reads the
   course and the graded work, not the gradebook; the learners' copy and the environment hold
   no key.

Needs root, ``useradd``/``runuser``, git (and its daemon), npm (configurable-http-proxy), ``/usr/bin/python3``
with venv, PostgreSQL for the tests, bubblewrap (grading); skips otherwise, fails under
``CI=true``. ``make hub-env`` installs from the package registries (PyPI, npm): most of this
test's time.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import require_optional
from hub_fixtures import UnixUsers, login_database

if TYPE_CHECKING:  # pragma: no cover - typing only
    from hub_readme import ReadmeSite
    from postgres_cluster import PostgresCluster

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "ex01_how_ml_projects_differ"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
COURSE_ID = "mlteam-onboarding"
HUB_PYTHON = Path("/usr/bin/python3")
LEARNER_FOLDER = "mlteam-course"  # deploy/jupyterhub/hub_settings.py
REFUSED = "Permission denied"


def missing_parts() -> list[str]:
    missing = [] if os.geteuid() == 0 else ["root (to make the users and lay out the site)"]
    missing += [program for program in ("useradd", "userdel", "groupadd", "usermod", "runuser", "git", "npm", "make", "bwrap")
                if shutil.which(program) is None]
    if subprocess.run([str(HUB_PYTHON), "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
        missing.append(f"{HUB_PYTHON} with venv (python3-venv)")
    return missing


@dataclass
class Site:
    """Everything the README's commands made, in one temporary folder."""

    base: Path
    users: UnixUsers
    grader: str
    learners: list[str]
    admin_clone: Path
    prefix: Path
    course: Path
    learner_copy: Path
    exchange: Path
    settings: Path
    private_repo: Path
    sqlite_gradebook: Path
    postgres: PostgresCluster
    database: str
    #: The README's block that made it (its hub stopped once its login page was served).
    readme: ReadmeSite
    instructor: str = ""
    instructors_group: str = ""
    db_url: str = ""
    log: list[str] = field(default_factory=list)

    @property
    def venv_bin(self) -> Path:
        return self.prefix / "venv" / "bin"

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def as_grader(self, *command: str) -> subprocess.CompletedProcess[str]:
        """A command in the grader's shell, in the course folder, with a umask of 022 (a plain login)."""
        return self.users.run_as(self.grader, ["sh", "-c", 'umask 022 && exec "$@"', "sh", *command], cwd=self.course,
                                 env={"PATH": f"{self.venv_bin}:/usr/bin:/bin"})

    def as_learner(self, name: str, *command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """A command as the learner, with what the hub gives a learner's server (jupyterhub_config.py)."""
        return self.users.run_as(name, list(command), cwd=cwd, env={
            "PATH": f"{self.venv_bin}:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": str(self.prefix / "jupyterhub" / "learner"),
            "MLTEAM_HUB_COURSE_ID": COURSE_ID, "MLTEAM_HUB_EXCHANGE_ROOT": str(self.exchange),
        })


def done(result: subprocess.CompletedProcess[str], what: str) -> str:
    assert result.returncode == 0, f"{what}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def site(postgres_cluster: PostgresCluster) -> Iterator[Site]:
    """deploy/jupyterhub/README.md's block, run as written (tests/hub_readme.py), then what this module adds.

    Once the block's ``make hub`` serves the login page, the hub is stopped; an instructors'
    group (``INSTRUCTORS_GROUP``) gets the README's instructor, ``make hub-course`` runs again
    with it, as the README says to after a change, and the grader gets a PostgreSQL gradebook.
    """
    from hub_readme import start_readme_site

    missing = missing_parts()
    require_optional(not missing, "a hub layout (" + ", ".join(missing) + ")",
                     "run as root on Linux: apt-get install passwd util-linux git npm python3-venv bubblewrap postgresql")
    tag = secrets.token_hex(3)
    database = f"mlteam_layout_{tag}"
    instructors = f"mlr{tag}-teachers"
    readme = start_readme_site(Path(tempfile.mkdtemp(prefix="mlteam-layout-")), tag)  # removes what it made if it fails
    grader = readme.names["grader-mlteam"]
    try:
        readme.stop_hub()
        names, paths = readme.names, readme.paths
        subprocess.run(["groupadd", instructors], check=True, capture_output=True)
        subprocess.run(["usermod", "--append", "--groups", instructors, names["ada"]], check=True, capture_output=True)
        course = paths["COURSE_DIR"]
        site = Site(base=readme.root, users=readme.users, grader=grader, learners=[names["grace"], names["linus"]],
                    admin_clone=paths["ADMIN_CLONE"], prefix=paths["HUB_PREFIX"], course=course,
                    learner_copy=Path(f"{course}-learners"), exchange=paths["EXCHANGE_ROOT"], settings=paths["HUB_SETTINGS"],
                    private_repo=readme.private_repo, sqlite_gradebook=course / "course" / "gradebook.db",
                    postgres=postgres_cluster, database=database, readme=readme, instructor=names["ada"],
                    instructors_group=instructors)
        # The README's "run make hub-course again (same arguments; REPO may be left out once the clone exists)".
        again = subprocess.run(["make", "--no-print-directory", "-C", str(site.admin_clone), "hub-course", f"COURSE_DIR={course}",
                                f"GRADER={grader}", f"HUB_SETTINGS={site.settings}", f"INSTRUCTORS_GROUP={instructors}"],
                               capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)
        site.log.append(done(again, "make hub-course, again"))
        site.db_url = login_database(grader, database, postgres_cluster)
        yield site
    finally:
        try:
            readme.remove()
        finally:
            subprocess.run(["groupdel", instructors], capture_output=True, check=False)
            postgres_cluster.drop(database=database, role=grader)


@pytest.fixture(scope="module")
def graded(site: Site) -> Site:
    """The cohort's round through the exchange, graded, with feedback fetched."""
    from course_helpers import load_fixture

    first, second = site.learners
    done(site.as_grader("mlteam-course", "release", ASSIGNMENT), "mlteam-course release")
    done(site.as_grader("nbgrader", "release_assignment", ASSIGNMENT), "nbgrader release_assignment")
    answers = load_fixture(ASSIGNMENT, "half_right.answers.json")

    def hand_in(learner: str) -> None:
        # What learner-server does before JupyterLab starts: the learner's own copy of the course.
        done(site.as_learner(learner, "mlteam-course", "--course-root", str(site.learner_copy), "workspace",
                             "--folder", str(site.home(learner) / LEARNER_FOLDER)), f"{learner}'s workspace")
        work = site.home(learner) / LEARNER_FOLDER
        done(site.as_learner(learner, "nbgrader", "fetch_assignment", ASSIGNMENT, cwd=work), f"{learner} fetches")
        answers_file = work / ASSIGNMENT / f"{ASSIGNMENT}.answers.json"
        answers_file.write_text(json.dumps(answers), encoding="utf-8")
        os.chown(answers_file, site.users.uid(learner), pwd.getpwnam(learner).pw_gid)
        done(site.as_learner(learner, "nbgrader", "submit", ASSIGNMENT, cwd=work), f"{learner} submits")

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as learners:  # two users at once, as on a hub
        for handed_in in [learners.submit(hand_in, learner) for learner in (first, second)]:
            handed_in.result()
    done(site.as_grader("nbgrader", "collect", ASSIGNMENT), "nbgrader collect")
    graded = done(site.as_grader("mlteam-course", "grade", ASSIGNMENT, "--jobs", "2", "--quiet"), "mlteam-course grade")
    assert "graded: 2" in graded, graded
    # The reflections wait for a person: released anyway, marked "awaiting grading".
    released = done(site.as_grader("mlteam-course", "feedback", ASSIGNMENT, "--include-ungraded"), "mlteam-course feedback")
    assert "released through the exchange" in released and first in released, released
    assert "not readable by their learner alone" not in released, released
    work = site.home(first) / LEARNER_FOLDER
    steps = {
        "mlteam-course export": lambda: site.as_grader("mlteam-course", "export"),
        "mlteam-course report": lambda: site.as_grader("mlteam-course", "report"),
        # The instructor writes the LMS roster by hand (docs/lms/README.md), in a plain shell.
        "the roster": lambda: site.as_grader(
            "sh", "-c", f"printf 'student_id,email\\n{first},first@example.org\\n' > course/lms-roster.csv"),
        # A gradebook in PostgreSQL, as the README sets one up: db_url without a password, ~/.pgpass.
        "a PostgreSQL gradebook": lambda: site.as_grader("nbgrader", "db", "student", "add", first, f"--db={site.db_url}"),
        "fetch_feedback": lambda: site.as_learner(first, "nbgrader", "fetch_feedback", ASSIGNMENT, cwd=work),
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # independent of each other: two at a time
        running = {what: pool.submit(step) for what, step in steps.items()}
        for what, result in running.items():
            done(result.result(), what)
    return site


#: How git says it could not read a repository a user may not enter (besides "Permission denied").
GIT_REFUSALS = ("not a git repository", "does not exist", "Could not read from remote repository")


def refused(site: Site, learner: str, *command: str) -> str:
    """Run ``command`` as ``learner``: it must fail, for want of permission, where root succeeds.

    Root runs it first (a clone into a folder of its own): the target is there and readable,
    so the learner's failure is the permissions' doing, not a wrong path.
    """
    control = list(command)
    if command[:2] == ("git", "clone"):
        control[-1] = tempfile.mkdtemp(prefix="control-", dir=site.base) + "/clone"
    trusted = site.base / "root.gitconfig"  # root may read the grader's repositories
    if not trusted.exists():
        trusted.write_text("[safe]\n\tdirectory = *\n", encoding="utf-8")
    as_root = subprocess.run(control, capture_output=True, text=True, errors="replace", cwd=site.base, timeout=120,
                             env={**os.environ, "GIT_CONFIG_GLOBAL": str(trusted)}, stdin=subprocess.DEVNULL)
    assert as_root.returncode == 0, f"{' '.join(command)} fails even as root: {as_root.stderr[:500]}"
    result = site.as_learner(learner, *command)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{' '.join(command)} succeeded as {learner}:\n{output[:2000]}"
    reasons = (REFUSED, *GIT_REFUSALS) if command[0] == "git" else (REFUSED,)
    assert any(reason in output for reason in reasons), f"{' '.join(command)} failed as {learner}, not for want of permission:\n{output[:2000]}"
    return output


def other_learners_pages(site: Site, learner: str) -> list[Path]:
    """``learner``'s released feedback pages in the exchange, found by root from the submission's secret."""
    from mlteam_utils.cohort.feedback import exchange_checksums

    folder = site.course / "course" / "feedback" / learner / ASSIGNMENT
    return [site.exchange / COURSE_ID / "feedback" / f"{checksum}.html" for checksum in sorted(exchange_checksums(folder))]


def test_the_learner_fetched_their_own_feedback(graded: Site) -> None:
    first = graded.learners[0]
    pages = list((graded.home(first) / LEARNER_FOLDER / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    assert len(pages) == 1 and "Widget question" in pages[0].read_text(encoding="utf-8"), pages
    # Each released page is readable by its learner: the second learner reads theirs in the exchange.
    (theirs,) = other_learners_pages(graded, graded.learners[1])
    shown = graded.as_learner(graded.learners[1], "cat", str(theirs))
    assert shown.returncode == 0 and "Widget question" in shown.stdout, shown.stderr


def test_a_learner_reads_nothing_secret(graded: Site) -> None:
    site = graded
    me, other = site.learners
    course, key = site.course, f"solutions/{ASSIGNMENT}/{ASSIGNMENT}.key.json"
    assert (course / key).is_file() and (site.admin_clone / key).is_file(), "the secrets this test tries to read"
    other_home = site.home(other)
    attempts: list[tuple[str, ...]] = [
        # solutions/ and the fixtures' right answers, in the grader's clone
        ("ls", str(course / "solutions")),
        ("cat", str(course / key)),
        ("cat", str(course / "tests" / "fixtures" / ASSIGNMENT / "solution.answers.json")),
        # keys and hidden tests through git: the grader's clone, and the private repository itself
        ("git", "-C", str(course), "show", f"HEAD:{key}"),
        ("git", "-C", str(course), "log", "-p"),
        ("git", "--git-dir", str(course / ".git"), "cat-file", "-p", f"HEAD:{key}"),
        ("git", "clone", str(course), str(site.home(me) / "stolen-course")),
        ("git", "clone", str(site.private_repo), str(site.home(me) / "stolen-repo")),
        # the install's source: the admin's clone the environment was built from
        ("ls", str(site.admin_clone)),
        ("cat", str(site.admin_clone / key)),
        ("git", "-C", str(site.admin_clone), "log", "-p"),
        # the grader's runtime folders: hidden tests in autograded/, others' work and feedback, grades
        ("ls", str(course / "course" / "autograded")),
        ("cat", str(course / "course" / "autograded" / other / ASSIGNMENT / NOTEBOOK)),
        ("cat", str(course / "course" / "submitted" / other / ASSIGNMENT / NOTEBOOK)),
        ("ls", str(course / "course" / "feedback" / other / ASSIGNMENT)),
        ("cat", str(course / "course" / "reports" / "grades.csv")),
        ("cat", str(course / "course" / "lms-roster.csv")),
        ("cat", str(site.sqlite_gradebook)),
        ("cat", str(course / "course" / "nbgrader_site_config.py")),
        # the other learner: home, answers, fetched copy; their hand-ins and pages in the exchange
        ("ls", str(other_home)),
        ("cat", str(other_home / LEARNER_FOLDER / ASSIGNMENT / f"{ASSIGNMENT}.answers.json")),
        ("ls", str(site.exchange / COURSE_ID / "inbound")),
        ("ls", str(site.exchange / COURSE_ID / "feedback")),
        *[("cat", str(page)) for page in other_learners_pages(site, other)],
        # the grader's home (the PostgreSQL password) and the site's settings
        ("ls", str(site.home(site.grader))),
        ("cat", str(site.home(site.grader) / ".pgpass")),
        ("cat", str(site.settings)),
    ]
    assert len(other_learners_pages(site, other)) == 1, "the other learner's released page"
    for command in attempts:
        refused(site, me, *command)

    # The same from Python, in one interpreter of the learner's environment.
    targets = [course / key, course / ".git" / "config", site.sqlite_gradebook, site.admin_clone / "mlteam_utils",
               course / "course" / "autograded", *other_learners_pages(site, other)]
    probe = (
        "import os, sqlite3, sys\n"
        "for target in sys.argv[1:]:\n"
        "    try:\n"
        "        os.listdir(target) if os.path.isdir(target) else open(target, 'rb').read(1)\n"
        "        print('READ', target)\n"
        "    except PermissionError:\n"
        "        print('refused', target)\n"
        "try:\n"
        f"    sqlite3.connect('file:{site.sqlite_gradebook}?mode=ro', uri=True).execute('select * from grade').fetchall()\n"
        "    print('READ the gradebook')\n"
        "except sqlite3.OperationalError as error:\n"
        "    print('refused the gradebook:', error)\n"
    )
    output = done(site.as_learner(me, "python", "-c", probe, *map(str, targets)), "the Python probe")
    assert "READ" not in output and output.count("refused") == len(targets) + 1, output

    # The PostgreSQL gradebook: the grader's role without its password, with a guess, and the socket.
    cluster = site.postgres
    tcp = {"host": cluster.host, "port": cluster.port, "dbname": site.database, "connect_timeout": 10}
    probe = (
        "import json, psycopg, sys\n"
        "for arguments in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        psycopg.connect(**arguments).execute('select * from student').fetchall()\n"
        "        print('CONNECTED')\n"
        "    except psycopg.OperationalError as error:\n"
        "        print('refused:', ' '.join(str(error).split()))\n"
    )
    tries = [{**tcp, "user": site.grader}, {**tcp, "user": site.grader, "password": site.grader},
             {**tcp, "host": str(cluster.socket_dir), "user": cluster.user}]
    output = done(site.as_learner(me, "python", "-c", probe, json.dumps(tries)), "the PostgreSQL probe")
    assert "CONNECTED" not in output, output
    assert "no password supplied" in output and "password authentication failed" in output and REFUSED in output, output
    # ... while the grader reaches it with the password in ~/.pgpass alone.
    listed = done(site.as_grader("nbgrader", "db", "student", "list", f"--db={site.db_url}"), "the grader's gradebook")
    assert me in listed, listed


def test_what_the_writers_leave_under_course_keeps_learners_out(graded: Site) -> None:
    runtime = graded.course / "course"
    written = [runtime / name for name in ("submitted", "autograded", "feedback", "reports", ".grading")]
    assert all(folder.is_dir() for folder in written[:4]), sorted(p.name for p in runtime.iterdir())
    open_to_others = []
    for folder in written:
        for path in [folder, *folder.rglob("*")] if folder.exists() else []:
            info = path.lstat()
            if not path.is_symlink() and info.st_mode & 0o007:
                open_to_others.append(f"{oct(info.st_mode & 0o7777)} {path.relative_to(runtime)}")
    assert not open_to_others, "\n".join(open_to_others)
    assert graded.sqlite_gradebook.stat().st_mode & 0o777 == 0o600
    assert graded.sqlite_gradebook.stat().st_uid == graded.users.uid(graded.grader)


def test_the_learners_copy_and_the_environment_hold_no_key(site: Site) -> None:
    keys = {path.read_bytes() for path in (site.admin_clone / "solutions").glob("*/*.key.json")}
    assert keys, "the keys this test looks for"
    copy = [path for path in site.learner_copy.rglob("*") if path.is_file()]
    assert {path.relative_to(site.learner_copy).parts[0] for path in copy} <= {"course", "lessons", "exercises", "nbgrader_config.py"}
    assert not [path for path in copy if path.name.endswith((".key.json", ".answers.json"))]
    assert not (site.learner_copy / ".git").exists()
    site_packages = next((site.prefix / "venv" / "lib").glob("python3*/site-packages"))
    package = site_packages / "mlteam_utils"
    assert package.is_dir() and not package.is_symlink()
    found = [path for path in package.rglob("*") if path.is_file() and path.read_bytes() in keys]
    assert not found, found
    # Non-editable: nothing in the environment points into a clone.
    pointers = [path for path in site_packages.glob("*.pth") if str(site.admin_clone) in path.read_text(encoding="utf-8")]
    assert not pointers and not list(site_packages.glob("__editable__*")), pointers
    located = done(site.as_learner(site.learners[0], "python", "-c", "import mlteam_utils; print(mlteam_utils.__file__)"),
                   "import mlteam_utils")
    assert located.strip() == str(package / "__init__.py"), located


def test_make_hub_course_prints_the_layout_it_made(site: Site) -> None:
    """The table ``make hub-course`` prints is the layout on disk."""
    printed = site.log[0]
    expected = [(site.course, "2750"), (site.course / ".git", "2750"), (site.course / "solutions", "2750"),
                (site.course / "tests" / "fixtures", "2750"), (site.course / "course", "2750"),
                (site.course / "course" / "nbgrader_site_config.py", "0640"), (site.learner_copy, "0755")]
    for path, mode in expected:
        shown = f"{path}/" if path.is_dir() else str(path)
        line = next((line for line in printed.splitlines() if line.split()[:1] == [shown]), "")
        owner, group = (site.grader, site.instructors_group) if path != site.learner_copy else ("root", "root")
        assert line.split()[1:] == [owner, group, mode], (path, printed)
        assert f"{path.stat().st_mode & 0o7777:04o}" == mode, path


def test_the_instructors_group_reads_the_course(graded: Site) -> None:
    """INSTRUCTORS_GROUP: an instructor's own account reads the course, its keys and the graded work; not the gradebook."""
    key = graded.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.key.json"
    autograded = graded.course / "course" / "autograded" / graded.learners[1] / ASSIGNMENT / NOTEBOOK
    for path in (key, autograded, graded.course / "course" / "reports" / "grades.csv"):
        shown = graded.users.run_as(graded.instructor, ["cat", str(path)])
        assert shown.returncode == 0 and shown.stdout, (path, shown.stderr)
    gradebook = graded.users.run_as(graded.instructor, ["cat", str(graded.sqlite_gradebook)])
    assert gradebook.returncode != 0 and REFUSED in gradebook.stderr, "the SQLite gradebook is the grader's alone"


def test_the_deploy_readme_runs_as_written(site: Site) -> None:
    """deploy/jupyterhub/README.md's block made every folder it needs, and its ``make hub`` served the login page."""
    readme = site.readme
    print(f"README block, first command to the hub's login page: {readme.seconds:.0f} s")
    page = readme.login_page
    assert "<form" in page and 'name="username"' in page and 'name="password"' in page, page[:2000]
    assert readme.process is not None and readme.process.returncode is not None, "the hub was stopped"
    state = readme.paths["STATE_DIR"]
    made = {site.exchange: 0o1777, state: 0o700, site.course.parent: 0o755, site.settings.parent: 0o755,
            site.settings: 0o600, site.prefix: 0o755, site.prefix / "venv": 0o755}
    for path, mode in made.items():
        info = path.stat()
        assert (info.st_uid, info.st_mode & 0o7777) == (0, mode), (path, info.st_uid, oct(info.st_mode & 0o7777))
    assert (state / "jupyterhub.sqlite").is_file() and (state / "jupyterhub_cookie_secret").is_file(), sorted(state.iterdir())
    # The environment is every user's: a learner runs the hub's server and the course's command from it.
    for program in ("jupyterhub-singleuser", "mlteam-course"):
        done(site.as_learner(site.learners[0], program, "--help"), f"{program} as a learner")
