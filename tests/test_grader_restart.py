"""Graders that survive being killed: three `grade --shard-index I/3` on one PostgreSQL gradebook, one SIGKILLed mid-run.

As the Kubernetes Job runs them (deploy/kubernetes/manifests/grade-job.yaml): three real
``mlteam-course grade`` processes share one course folder (the course volume) and one PostgreSQL
gradebook (tests/postgres_cluster.py, a throwaway cluster), each pod's share given by its index
counted from 0. Each grader runs in network, process and /proc namespaces of its own where the
machine allows it (tests/grader_namespace.py: root with ``unshare``), as a pod does: it reaches
PostgreSQL over TCP at 127.0.0.1 on its own loopback, an init reaps what ends in it, and killing
it kills every process it started. Elsewhere each runs in a process group of its own on this
machine's 127.0.0.1, and its workers are killed with it by name.

The cohort: two exercises, six learners (two in each share), each submission one of the reference
kinds (solution, half right, blank). The grader of share 2 (pod index 1) is killed mid-run at a
moment the test chooses, not by timing: the test holds the gradebook's lock on that grader's
second submission (the lock each merge takes, ``gradebook_db.lock_submission``), waits until the
grader, having merged its first submission, waits for that lock inside its merge transaction, and
kills it there with SIGKILL, then waits (on process handles, not on time) until every process and
PostgreSQL session of it has ended. It is started again; then the gradebook must hold exactly what one SQLite run of the same cohort
holds (every grade of every learner, assignment and grade id), with no row twice, no lock or
session of a grader left in PostgreSQL, and a plain ``grade`` afterwards finds nothing to do.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import running_in_ci
from course_helpers import HONEST_KINDS, generate, honest_submission, make_course, submit
from grader_namespace import in_own_namespaces, namespaces_available
from mlteam_utils.cohort.gradebook_db import lock_key
from mlteam_utils.cohort.learner_split import shard_of
from mlteam_utils.nbgrader_runner import nbgrader_environment
from postgres_cluster import PostgresCluster
from test_postgres_gradebook import NO_DUPLICATES, duplicate_rows, graded_submissions, query, use_database

pytestmark = pytest.mark.nbgrader

SHARDS = 3
ASSIGNMENTS = ["ex01_how_ml_projects_differ", "ex02_the_ml_team"]
#: learner -> the reference submission they hand in; two learners in each share of three.
LEARNERS = {"ana": "solution", "ben": "half_right", "cat": "blank", "dan": "half_right", "eve": "solution", "fay": "blank"}
KILLED = 1  # the pod index (from 0) of the grader killed mid-run: share 2 of 3
GRADER = ("grade", "--quiet", "--jobs", "1")
#: A bound on each wait, only so that a broken grader fails the test instead of hanging it.
PATIENCE = 600.0


def grade_ids(db_url: str) -> dict[tuple[str, str, str, str], tuple[float | None, float | None]]:
    """(learner, assignment, notebook, grade id) -> (auto score, manual score): every grade in the gradebook."""
    [rows] = query(db_url, """
        SELECT student.id, assignment.name, notebook.name, base_cell.name, grade.auto_score, grade.manual_score
        FROM grade
        JOIN base_cell ON grade.cell_id = base_cell.id
        JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
        JOIN notebook ON submitted_notebook.notebook_id = notebook.id
        JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
        JOIN assignment ON submitted_assignment.assignment_id = assignment.id
        JOIN student ON submitted_assignment.student_id = student.id
    """)
    return {(row[0], row[1], row[2], row[3]): (row[4], row[5]) for row in rows}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course with every learner's submissions, not graded yet."""
    assert sorted(shard_of(name, SHARDS) for name in LEARNERS) == [1, 1, 2, 2, 3, 3], "two learners in each share"
    course = make_course(tmp_path_factory.mktemp("restart-cohort") / "course", ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        generate(course, assignment)
        kinds = {kind: honest_submission(course, assignment, kind) for kind in HONEST_KINDS}
        for learner, kind in LEARNERS.items():
            submit(course, learner, assignment, {assignment: kinds[kind]})
    return course


class Graders:
    """The grader processes of one test: started as pods are, killed as a pod is."""

    def __init__(self, cluster: PostgresCluster, isolated: bool) -> None:
        self.cluster, self.isolated = cluster, isolated
        self.started: list[subprocess.Popen[str]] = []

    def start(self, course: Path, name: str, *args: str, isolated: bool | None = None) -> subprocess.Popen[str]:
        """``mlteam-course ARGS`` in ``course``, its PostgreSQL sessions named ``name`` (PGAPPNAME)."""
        command = [sys.executable, "-m", "mlteam_utils.cli", *args]
        if self.isolated if isolated is None else isolated:
            command = in_own_namespaces(self.cluster.port, self.cluster.socket_dir / f".s.PGSQL.{self.cluster.port}", command)
        process = subprocess.Popen(command, cwd=course, env=nbgrader_environment({"PGAPPNAME": name}),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen[str], name: str = "") -> None:
        """SIGKILL to the grader's process group. In namespaces of its own every process it started dies with
        it; without them, its workers (each in a session of its own) are killed too, found by ``name``."""
        os.killpg(process.pid, signal.SIGKILL)
        if name and not self.isolated:
            for pid in processes_with(f"PGAPPNAME={name}"):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        process.communicate()

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                self.kill(process)


@contextmanager
def graders_of(cluster: PostgresCluster, isolated: bool) -> Iterator[Graders]:
    graders = Graders(cluster, isolated)
    try:
        yield graders
    finally:
        graders.stop_all()  # a failed check must not leave graders behind


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=PATIENCE)
    return process.returncode, stdout, stderr


def wait_until(event: Callable[[], bool], what: str, watched: Sequence[subprocess.Popen[str]] = ()) -> None:
    """Return once ``event()`` holds; fail if a watched process ends first (it never will then) or after PATIENCE."""
    deadline = time.monotonic() + PATIENCE
    while not event():
        ended = [p for p in watched if p.poll() is not None]
        if ended or time.monotonic() > deadline:
            pytest.fail(f"never saw {what}: " + "; ".join(f"exit {p.returncode}: {p.communicate()}" for p in ended))
        time.sleep(0.1)  # between two looks at the event; no decision rests on how long anything took


def wait_for_exit(pids: Sequence[int], what: str) -> None:
    """Block until each process in ``pids`` has ended (pidfds: no polling); fail after PATIENCE."""
    handles = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            handles.append(os.pidfd_open(pid))
    poller = select.poll()
    for handle in handles:
        poller.register(handle, select.POLLIN)
    deadline = time.monotonic() + PATIENCE
    try:
        waiting = set(handles)
        while waiting:
            ready = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
            if not ready:
                pytest.fail(f"never saw {what}")
            for handle, _event in ready:
                poller.unregister(handle)
                waiting.discard(handle)
    finally:
        for handle in handles:
            os.close(handle)


def advisory_key(key: int) -> tuple[int, int]:
    """(classid, objid) under which pg_locks shows the bigint advisory lock ``key``."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


def waiting_for(db_url: str, application: str, key: int) -> bool:
    classid, objid = advisory_key(key)
    [[(count,)]] = query(db_url, f"""
        SELECT COUNT(*) FROM pg_locks JOIN pg_stat_activity USING (pid)
        WHERE locktype = 'advisory' AND NOT granted AND classid = {classid} AND objid = {objid} AND objsubid = 1
          AND application_name = '{application}'
    """)
    return count > 0


def sessions_of(db_url: str, application_prefix: str) -> list[int]:
    """The server processes of the sessions whose application name starts so."""
    [rows] = query(db_url, f"SELECT pid FROM pg_stat_activity WHERE application_name LIKE '{application_prefix}%'")
    return [row[0] for row in rows]


def processes_with(variable: str) -> list[int]:
    """Process ids whose environment carries ``variable`` (e.g. one grader's PGAPPNAME=...)."""
    found = []
    marker = variable.encode() + b"\0"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes() + b"\0":
                    found.append(int(entry.name))
            except OSError:
                continue  # ended meanwhile, or not ours to read
    return found


def test_a_grader_killed_mid_run_and_started_again_loses_nothing_and_grades_nothing_twice(
    cohort: Path, tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    isolated = namespaces_available()
    if not isolated and running_in_ci():
        pytest.fail("CI=true and the graders cannot have namespaces of their own (root and unshare are needed)", pytrace=False)
    sqlite = Path(shutil.copytree(cohort, tmp_path / "sqlite" / "course", symlinks=True))
    db_url = postgres_cluster.url(tcp=True)  # 127.0.0.1:port, as each grader reaches it from its namespace
    shared = use_database(Path(shutil.copytree(cohort, tmp_path / "pg" / "course", symlinks=True)), db_url)
    share = [(learner, assignment) for learner in sorted(LEARNERS) if shard_of(learner, SHARDS) == KILLED + 1 for assignment in ASSIGNMENTS]
    held = lock_key("mlteam-submission", *share[1])
    killed_name = f"mlteam-grade-{KILLED}"
    total = len(LEARNERS) * len(ASSIGNMENTS)

    with graders_of(postgres_cluster, isolated) as graders, \
            psycopg.connect(postgres_cluster.conninfo(make_url(db_url).database), autocommit=True) as holder:
        # Before anyone starts, the test takes the lock of the second submission of the share to be killed.
        holder.execute("SELECT pg_advisory_lock(%s)", (held,))
        reference = graders.start(sqlite, "mlteam-sqlite", "grade", "--quiet", isolated=False)  # one SQLite run
        pods = {index: graders.start(shared, f"mlteam-grade-{index}", *GRADER, "--shard-index", f"{index}/{SHARDS}")
                for index in range(SHARDS)}
        wait_until(lambda: waiting_for(db_url, killed_name, held), f"grader {KILLED} waiting to merge {share[1]}", [pods[KILLED]])
        assert set(graded_submissions(db_url)) & set(share) == {share[0]}, "mid-run: one merged, one being merged, two to go"
        graders.kill(pods[KILLED], killed_name)
        assert pods[KILLED].returncode == -signal.SIGKILL
        holder.execute("SELECT pg_advisory_unlock(%s)", (held,))
        # Gone as a pod goes: no process of it left, no session of it in PostgreSQL.
        wait_for_exit(processes_with(f"PGAPPNAME={killed_name}"), f"every process of grader {KILLED} ended")
        assert processes_with(f"PGAPPNAME={killed_name}") == []
        wait_for_exit(sessions_of(db_url, killed_name), f"grader {KILLED}'s sessions ended")  # their server processes
        assert sessions_of(db_url, killed_name) == []
        assert set(graded_submissions(db_url)) & set(share) == {share[0]}, "the merge it was killed in left nothing"

        again = graders.start(shared, f"{killed_name}-again", *GRADER, "--shard-index", f"{KILLED}/{SHARDS}")
        results = {index: finished(again if index == KILLED else process) for index, process in pods.items()}
        reference_result = finished(reference)

    for index, (code, out, err) in results.items():
        assert code == 0, (index, out, err)
        if index != KILLED:
            assert "graded: 4 " in out, (index, out, err)
    # Started again, it grades what its share lacks, and only that: the merged one is left as it was.
    assert "graded: 3 " in results[KILLED][1] and "unchanged since the last run (not regraded): 1" in results[KILLED][1], results[KILLED]

    # The same gradebook as one SQLite run: every submission graded once, every grade the same.
    code, out, err = reference_result
    assert code == 0 and f"graded: {total} " in out, out + err
    sqlite_url = f"sqlite:///{sqlite / 'course' / 'gradebook.db'}"
    everyone = {(learner, assignment) for learner in LEARNERS for assignment in ASSIGNMENTS}
    assert set(graded_submissions(db_url)) == set(graded_submissions(sqlite_url)) == everyone
    assert set(graded_submissions(db_url).values()) == {"graded"}
    expected = grade_ids(sqlite_url)
    assert len(expected) >= 2 * total and any(auto for auto, _manual in expected.values())
    assert grade_ids(db_url) == expected
    assert duplicate_rows(db_url) == NO_DUPLICATES
    for course in (shared, sqlite):
        autograded = course / "course" / "autograded"
        assert {str(p.relative_to(autograded)) for p in autograded.glob("*/*")} == {f"{learner}/{assignment}" for learner, assignment in everyone}
    # No lock left: no advisory lock held or awaited, no grader's session.
    [[(locks,)]] = query(db_url, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")
    assert locks == 0 and sessions_of(db_url, "mlteam-grade") == []

    # A plain grade afterwards has nothing left to do.
    with graders_of(postgres_cluster, False) as graders:
        code, out, err = finished(graders.start(shared, "mlteam-grade-after", "grade", "--quiet"))
    assert code == 0 and "graded: 0 " in out and f"unchanged since the last run (not regraded): {total}" in out, out + err
