"""Learners told apart on Kubernetes: one uid per learner, from the hub to the grader's owner check.

Real parts, no cluster: KubeSpawner itself (jupyterhub-kubespawner) configured by the very
``hub.extraConfig`` of deploy/kubernetes/values.yaml, with ``learner_uids.py`` where
``helm --set-file`` puts it in the hub pod, builds each learner's pod manifest from JupyterHub's
own user objects in a real hub database (SQLite, as Zero to JupyterHub's default), and the pod is
checked against the Kubernetes API schema. KubeSpawner needs a kubeconfig to start: it names a
cluster on 127.0.0.1 that nothing serves and nothing contacts (building a pod manifest makes no
API call).

Then the exchange as those pods use it: learners with no Unix account (as in a pod: their uid has
no /etc/passwd entry) fetch and hand in with real nbgrader as their own uid, one hands in under
the other's name, and the course's collect, told that uids come from names, collects the honest
hand-in and refuses the forgery.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import require_optional
from course_helpers import generate, make_course
from hub_fixtures import closed_ancestors
from mlteam_utils.hub import learner_uids
from mlteam_utils.hub.learner_uids import LearnerUidError, hashed_uid
from mlteam_utils.nbgrader_runner import nbgrader_environment, run_nbgrader
from postgres_cluster import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
VALUES = REPO_ROOT / "deploy" / "kubernetes" / "values.yaml"
KUBERNETES_VERSION = "1.33.0"
#: A name that KubeSpawner's {username} escapes: the pod must still get the hub's name itself.
ODD_NAME = "ada.lovelace@uni.example"


def colliding_names() -> tuple[str, str]:
    """Two hub names that hash to one uid: the first repeat among learner0, learner1, ... (a birthday search)."""
    seen: dict[int, str] = {}
    for index in range(2_000_000):
        name = f"learner{index}"
        uid = hashed_uid(name)
        if uid in seen:
            return seen[uid], name
        seen[uid] = name
    raise AssertionError("no two names collided: is the uid range larger than learner_uids says?")


@pytest.fixture
def hub_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The hub's KubeSpawner configuration as Zero to JupyterHub runs values.yaml's extraConfig.

    ``learner_uids.py`` is put where ``hub.extraFiles`` mounts it (under this test's folder);
    the overrides file where ``hub.extraVolumeMounts`` mounts the ConfigMap (ditto).
    """
    from traitlets.config import Config

    hub = yaml.safe_load(VALUES.read_text(encoding="utf-8"))["hub"]
    mount = Path(hub["extraFiles"]["mlteam-learner-uids"]["mountPath"])
    placed = tmp_path / "hub-files" / mount.name
    placed.parent.mkdir()
    shutil.copyfile(learner_uids.__file__, placed)  # what `--set-file ...stringData=mlteam_utils/hub/learner_uids.py` gives
    (overrides_mount,) = [m["mountPath"] for m in hub["extraVolumeMounts"] if m["name"] == "mlteam-learner-uids"]
    assert f"{overrides_mount}/overrides.json" == learner_uids.DEFAULT_OVERRIDES
    overrides = tmp_path / "overrides.json"
    overrides.write_text("{}", encoding="utf-8")
    monkeypatch.setenv(learner_uids.OVERRIDES_ENV, str(overrides))
    code = hub["extraConfig"]["mlteam-learner-uids"]
    assert str(mount.parent) in code
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "none",
        "clusters": [{"name": "none", "cluster": {"server": f"https://127.0.0.1:{free_port()}"}}],
        "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none", "namespace": "mlteam"}}],
        "users": [{"name": "none", "user": {"token": "never-sent"}}],
    }), encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the extraConfig prepends the hub's folder
    config = Config()
    exec(code.replace(str(mount.parent), str(placed.parent)), {"c": config})  # noqa: S102 - the chart runs it so
    config.KubeSpawner.environment = yaml.safe_load(VALUES.read_text(encoding="utf-8"))["singleuser"]["extraEnv"]
    yield config
    sys.modules.pop("learner_uids", None)


def hub_database(path: Path, names: list[str]):  # type: ignore[no-untyped-def]
    """JupyterHub's own database (its schema, its orm), with these users created in this order."""
    from jupyterhub import orm

    db = orm.new_session_factory(f"sqlite:///{path}")()
    for name in names:
        if db.query(orm.User).filter_by(name=name).first() is None:
            db.add(orm.User(name=name))
            db.commit()
    return db


async def pod_of(config: object, db: object, name: str) -> dict:
    """The pod KubeSpawner would create for hub user ``name``, as the JSON sent to the API."""
    from jupyterhub import orm
    from jupyterhub.objects import Hub
    from jupyterhub.user import User
    from kubespawner import KubeSpawner

    orm_user = db.query(orm.User).filter_by(name=name).one()  # type: ignore[attr-defined]
    spawner = KubeSpawner(config=config, user=User(orm_user, settings={}, db=db), hub=Hub())
    assert spawner.uid is spawner.gid is spawner.fs_gid and callable(spawner.uid), "the configured callable, as KubeSpawner holds it"
    manifest = await spawner.get_pod_manifest()
    return spawner.api.api_client.sanitize_for_serialization(manifest)


def pods(config: object, db: object, names: list[str]) -> dict[str, dict]:
    async def build() -> dict[str, dict]:
        return {name: await pod_of(config, db, name) for name in names}

    return asyncio.run(build())


def run_as(pod: dict) -> tuple[int, int, int, list[int]]:
    """(runAsUser, runAsGroup, fsGroup, supplementalGroups) of a pod's notebook container."""
    container = pod["spec"]["containers"][0]["securityContext"]
    security = pod["spec"].get("securityContext", {})
    return container["runAsUser"], container["runAsGroup"], security["fsGroup"], security.get("supplementalGroups", [])


@pytest.mark.slow
def test_each_learners_pod_runs_as_a_uid_of_their_own_the_same_after_a_restart(hub_config: object, tmp_path: Path) -> None:
    import kubernetes_validate

    names = ["ana", "ben", ODD_NAME]
    built = pods(hub_config, hub_database(tmp_path / "jupyterhub.sqlite", names), names)
    uids = {}
    for name, pod in built.items():
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
        uid, gid, fs_gid, supplemental = run_as(pod)
        assert uid == gid == fs_gid == hashed_uid(name) and supplemental == []
        assert learner_uids.UID_FIRST <= uid <= learner_uids.UID_LAST
        env = {item["name"]: item.get("value") for item in pod["spec"]["containers"][0]["env"]}
        assert env["USER"] == name and env["HOME"] == "/home/jovyan"  # nbgrader's learner id is the hub name, unescaped
        uids[name] = uid
    assert len(set(uids.values())) == len(names) and 1000 not in uids.values()
    # A new hub process over the same database: the same uids.
    again = pods(hub_config, hub_database(tmp_path / "jupyterhub.sqlite", []), names)
    assert {name: run_as(pod)[0] for name, pod in again.items()} == uids


def test_the_hub_database_id_would_not_be_stable(tmp_path: Path) -> None:
    """Why the uid is not the hub's user id: SQLite gives a deleted newest user's id to the next user."""
    from jupyterhub import orm

    db = hub_database(tmp_path / "jupyterhub.sqlite", ["ana", "ben"])
    bens_id = db.query(orm.User).filter_by(name="ben").one().id
    db.delete(db.query(orm.User).filter_by(name="ben").one())
    db.commit()
    db = hub_database(tmp_path / "jupyterhub.sqlite", ["eve"])
    assert db.query(orm.User).filter_by(name="eve").one().id == bens_id, "eve would own ben's files by id"
    assert hashed_uid("eve") != hashed_uid("ben")


def test_two_names_on_one_uid_the_later_is_refused_until_given_another(hub_config: object, tmp_path: Path) -> None:
    from jupyterhub import orm

    first, later = colliding_names()
    assert hashed_uid(first) == hashed_uid(later)
    db = hub_database(tmp_path / "jupyterhub.sqlite", [first, "ana", later])
    assert run_as(pods(hub_config, db, [first])[first])[0] == hashed_uid(first)
    hub_module = sys.modules["learner_uids"]  # the hub's copy of the file, not this package's module
    assert hub_module.__file__ != learner_uids.__file__
    with pytest.raises(hub_module.LearnerUidError, match="another user of this hub has the same one") as refused:
        pods(hub_config, db, [later])
    assert first not in str(refused.value), "the refused learner is not told who the other user is"
    # The administrator gives the later one a uid of its own, in the file the hub and the grader read.
    given = learner_uids.UID_FIRST + 7
    Path(os.environ[learner_uids.OVERRIDES_ENV]).write_text(f'{{"{later}": {given}}}', encoding="utf-8")
    both = pods(hub_config, db, [first, later])
    assert (run_as(both[first])[0], run_as(both[later])[0]) == (hashed_uid(first), given)
    # An override may not take an earlier user's uid either.
    Path(os.environ[learner_uids.OVERRIDES_ENV]).write_text(f'{{"{later}": {hashed_uid("ana")}}}', encoding="utf-8")
    with pytest.raises(hub_module.LearnerUidError):
        pods(hub_config, db, [later])
    assert db.query(orm.User).count() == 3


def test_learners_uids_are_apart_from_the_sandboxs() -> None:
    """A root grader runs learner code as uids of its own: never one a learner's pod runs as."""
    from mlteam_utils.grading.sandbox import SANDBOX_SLOTS, SANDBOX_UID_BASE

    assert SANDBOX_UID_BASE + 2 * SANDBOX_SLOTS <= learner_uids.UID_FIRST
    assert learner_uids.UID_LAST <= 2**31 - 1  # Kubernetes' limit for runAsUser


@pytest.mark.parametrize(("text", "message"), [
    ('{"bob": 1000}', "must be a whole number from 10000000"),
    ('{"bob": 1500000000, "cy": 1500000000}', "the same uid 1500000000"),
    ("{", "is not JSON"),
])
def test_a_bad_overrides_file_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(LearnerUidError, match=message) as raised:
        learner_uids.LearnerUids.from_json(text)
    assert "\n" not in str(raised.value)


# --- The exchange as the pods use it: uids without Unix accounts --------------------------------

ASSIGNMENT = "ex01_how_ml_projects_differ"
COURSE_ID = "mlteam-onboarding"


def missing_parts() -> list[str]:
    missing = [] if os.geteuid() == 0 else ["root (to run nbgrader as the learners' uids)"]
    return missing + [tool for tool in ("setpriv", "setfacl", "getfacl") if shutil.which(tool) is None]


class PodLearner:
    """A learner as their pod runs them: a uid with no account, and the pod's environment from values.yaml."""

    def __init__(self, name: str, base: Path, exchange: Path) -> None:
        self.name, self.uid, self.exchange = name, hashed_uid(name), exchange
        self.home = base / f"home-{self.uid}"
        self.home.mkdir(mode=0o700)
        os.chown(self.home, self.uid, self.uid)

    def environment(self) -> dict[str, str]:
        """What KubeSpawner gives the pod (singleuser.extraEnv, the repository at /opt/mlteam), and JupyterHub's JUPYTERHUB_USER."""
        pod = yaml.safe_load(VALUES.read_text(encoding="utf-8"))["singleuser"]["extraEnv"]
        pod = {key: str(value).replace("/opt/mlteam", str(REPO_ROOT)).replace("{unescaped_username}", self.name)
               for key, value in pod.items()}
        return pod | {"HOME": str(self.home), "MLTEAM_HUB_EXCHANGE_ROOT": str(self.exchange), "JUPYTERHUB_USER": self.name,
                      "PATH": nbgrader_environment()["PATH"], "LANG": "C.UTF-8"}

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--",
             "env", "-i", *[f"{k}={v}" for k, v in self.environment().items()], sys.executable, "-m", "nbgrader", *args],
            cwd=self.home, capture_output=True, text=True, timeout=300, check=False,
        )


@pytest.mark.nbgrader
def test_the_owner_check_stays_on_with_uids_from_names(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Ana hands in as herself, Eve as Ana: the course's collect takes Ana's and refuses Eve's forgery."""
    require_optional(not missing_parts(), ", ".join(missing_parts()) or "root", "run the tests as root on Linux with util-linux and acl")
    base = Path(tempfile.mkdtemp(prefix="mlteam-uids-"))
    base.chmod(0o755)
    opened = closed_ancestors(Path(sys.executable))
    # Folders without an ACL before this test get none after it (setfacl -x alone would leave a mask entry).
    plain = [f for f in opened if not subprocess.run(["getfacl", "--omit-header", "--skip-base", str(f)],
                                                     capture_output=True, text=True, check=False).stdout.strip()]
    ana_uid, eve_uid = hashed_uid("ana"), hashed_uid("eve")
    try:
        for folder in opened:  # the learners' Python, as the image would give it to any uid
            for uid in (ana_uid, eve_uid):
                subprocess.run(["setfacl", "-m", f"u:{uid}:--x", str(folder)], check=True, capture_output=True)
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o1777)  # the NFS export's root (deploy/kubernetes/manifests/storage.yaml)
        course = make_course(base / "course", [ASSIGNMENT])
        with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
            config.write(f"\nc.Exchange.root = {str(exchange)!r}\nc.SafeExchangeCollect.learner_uids_from_names = True\n")
        generate(course, ASSIGNMENT)
        run_nbgrader(course, "release_assignment", ASSIGNMENT)
        course.chmod(0o700)
        inbound = exchange / COURSE_ID / "inbound"
        assert oct(exchange.stat().st_mode & 0o7777) == "0o1777" and oct(inbound.stat().st_mode & 0o7777) == "0o2733"
        ana, eve = PodLearner("ana", base, exchange), PodLearner("eve", base, exchange)
        for learner in (ana, eve):
            with pytest.raises(KeyError):
                pwd.getpwuid(learner.uid)  # no account, as in a pod
            fetched = learner.nbgrader("fetch_assignment", ASSIGNMENT)
            assert fetched.returncode == 0, fetched.stderr
            assert (learner.home / ASSIGNMENT).stat().st_uid == learner.uid
        submitted_by_ana = ana.nbgrader("submit", ASSIGNMENT)
        assert submitted_by_ana.returncode == 0, submitted_by_ana.stderr
        forged = eve.nbgrader("submit", ASSIGNMENT, "--student=ana")
        assert forged.returncode == 0, forged.stderr
        owners = sorted(p.stat().st_uid for p in inbound.glob(f"ana+{ASSIGNMENT}+*"))
        assert owners == sorted([ana_uid, eve_uid])
        collected = subprocess.run([sys.executable, "-m", "nbgrader", "collect", ASSIGNMENT], cwd=course,
                                   env=nbgrader_environment(), capture_output=True, text=True, timeout=300)
        output = collected.stdout + collected.stderr
        assert collected.returncode == 1, output  # one hand-in left in the exchange, and said so
        assert f"it belongs to uid {eve_uid}, not to ana's uid {ana_uid}" in output
        (kept,) = [p for p in inbound.glob(f"ana+{ASSIGNMENT}+*") if p.stat().st_uid == ana_uid]
        submitted = course / "course" / "submitted" / "ana" / ASSIGNMENT / "timestamp.txt"
        assert submitted.read_text() == (kept / "timestamp.txt").read_text(), "Ana's own hand-in was collected"
    finally:
        for folder in opened:
            if folder in plain:
                subprocess.run(["setfacl", "--remove-all", str(folder)], capture_output=True, check=False)
            else:
                for uid in (ana_uid, eve_uid):
                    subprocess.run(["setfacl", "-x", f"u:{uid}", str(folder)], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)
