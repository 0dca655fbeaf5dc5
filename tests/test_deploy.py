"""The deployment files (deploy/): the hub's settings and the Kubernetes values, checked without a cluster.

The hub itself runs in tests/browser/test_hub.py; here, what can be checked in a second.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = REPO_ROOT / "deploy" / "kubernetes"


def hub_settings():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("hub_settings", REPO_ROOT / "deploy" / "jupyterhub" / "hub_settings.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["hub_settings"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_kubernetes_values_fit_the_charts_schema() -> None:
    values = yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))
    schema = yaml.safe_load((KUBERNETES / "values.schema.extract.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(values, schema)
    # The same groups, roles and service as the one-machine hub.
    assert values["hub"]["services"].keys() == {"mlteam-onboarding"}
    assert "access:services!service=mlteam-onboarding" in values["hub"]["loadRoles"]["mlteam-formgrader"]["scopes"]
    mounts = values["singleuser"]["storage"]["extraVolumeMounts"]
    assert mounts[0]["mountPath"] == values["singleuser"]["extraEnv"]["MLTEAM_HUB_EXCHANGE_ROOT"]


@pytest.mark.parametrize("mistake", [
    {"hub": {"loadGroups": {}}},                         # not a chart option (groups go in hub.config)
    {"singleuser": {"defaultUrl": 42}},                  # wrong type
    {"singleuser": {"storage": {"capacity": ["2Gi"]}}},  # wrong type
    {"hub": {"config": {"authenticator": {}}}},          # hub.config keys are class names
])
def test_the_schema_check_can_fail(mistake: dict) -> None:
    """A key the chart does not know, or a wrong type, is refused by the same check."""
    values = yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))
    schema = yaml.safe_load((KUBERNETES / "values.schema.extract.yaml").read_text(encoding="utf-8"))
    for section, change in mistake.items():
        target = values[section]
        for key, value in change.items():
            if isinstance(value, dict) and isinstance(target.get(key), dict) and value:
                target[key].update(value)
            else:
                target[key] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, schema)


def test_hub_settings_come_from_a_file_and_the_environment(tmp_path: Path) -> None:
    module = hub_settings()
    settings_file = tmp_path / "hub.toml"
    settings_file.write_text('course_root = "/srv/course"\ngrader_user = "grader"\nlearners = ["ada", "linus"]\nport = 8080\n')
    settings = module.HubSettings.load({"MLTEAM_HUB_SETTINGS": str(settings_file), "MLTEAM_HUB_PORT": "9000"})
    assert (settings.course_root, settings.learners, settings.port) == ("/srv/course", ["ada", "linus"], 9000)


@pytest.mark.parametrize(("environ", "message"), [
    ({"MLTEAM_HUB_COURSE_ROOT": "/c"}, "MLTEAM_HUB_GRADER_USER is not set"),
    ({"MLTEAM_HUB_COURSE_ROOT": "/c", "MLTEAM_HUB_GRADER_USER": "g", "MLTEAM_HUB_PORT": "http"}, "must be a port number"),
    ({"MLTEAM_HUB_COURSE_ROOT": "/c", "MLTEAM_HUB_GRADER_USER": "g", "MLTEAM_HUB_AUTHENTICATOR": "dummy"}, "TEST_PASSWORD"),
    ({"MLTEAM_HUB_SETTINGS": "/nonexistent/hub.toml"}, "cannot read it"),
])
def test_a_bad_hub_setting_is_one_clear_line(environ: dict[str, str], message: str) -> None:
    module = hub_settings()
    with pytest.raises(module.HubSettingsError, match=message) as raised:
        module.HubSettings.load(environ)
    assert "\n" not in str(raised.value)


def test_hub_settings_examples_run() -> None:
    """deploy/ is not a package pytest collects: its settings module's doctests run here."""
    import doctest

    failed, attempted = doctest.testmod(hub_settings(), optionflags=doctest.ELLIPSIS)
    assert attempted >= 5 and failed == 0


def test_a_sites_own_settings_are_read_last_from_an_untracked_file(tmp_path: Path) -> None:
    """course/nbgrader_site_config.py overrides the course's settings; git ignores it."""
    import subprocess

    from mlteam_utils.nbgrader_runner import load_course_config

    (tmp_path / "course").mkdir()
    (tmp_path / "nbgrader_config.py").write_bytes((REPO_ROOT / "nbgrader_config.py").read_bytes())
    assert load_course_config(tmp_path).Exchange.root == str(tmp_path / "course" / "exchange")
    site = hub_settings().HubSettings(str(tmp_path), "grader", exchange_root="/srv/exchange",
                                      db_url="postgresql+psycopg://grader@/mlteam")
    (tmp_path / "course" / "nbgrader_site_config.py").write_text(site.nbgrader_site_config(), encoding="utf-8")
    config = load_course_config(tmp_path)
    assert config.Exchange.root == "/srv/exchange"
    assert config.CourseDirectory.db_url == "postgresql+psycopg://grader@/mlteam"
    assert config.CourseDirectory.course_id == "mlteam-onboarding"
    ignored = subprocess.run(["git", "check-ignore", "-q", "course/nbgrader_site_config.py"], cwd=REPO_ROOT, check=False)
    assert ignored.returncode == 0, "git must ignore a site's own settings"


# --- deploy/kubernetes/manifests: the grader's Kubernetes objects --------------------------------

MANIFESTS = KUBERNETES / "manifests"
#: The Kubernetes versions the manifests are checked against (kubernetes-validate ships their API
#: schemas; nothing is downloaded): 1.33, the first with every field they use (backoffLimitPerIndex
#: became GA there; the chart itself needs 1.32 or later), and the newest the package knows.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
#: Objects the manifests name that a site makes itself with kubectl (README.md), or the chart makes.
MADE_ELSEWHERE = {("Secret", "mlteam-gradebook"), ("Secret", "hub")}


def manifest_documents() -> list[tuple[str, dict]]:
    """(file name, object) for every object of every file under manifests/ (multi-document YAML)."""
    return [
        (path.name, document)
        for path in sorted(MANIFESTS.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if document
    ]


def manifest(kind: str, name: str) -> dict:
    (found,) = [d for _file, d in manifest_documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def test_every_yaml_file_under_deploy_kubernetes_is_checked() -> None:
    """The chart's values (against its schema) and the manifests (against the API's): no file escapes both checks."""
    files = {str(p.relative_to(KUBERNETES)) for p in KUBERNETES.rglob("*.y*ml")}
    manifests = {f"manifests/{p.name}" for p in MANIFESTS.glob("*.yaml")}
    assert files == {"values.yaml", "values.schema.extract.yaml"} | manifests
    assert {"manifests/grade-job.yaml", "manifests/formgrader.yaml"} <= manifests


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_fits_the_kubernetes_api_schema(version: str) -> None:
    import kubernetes_validate

    documents = manifest_documents()
    assert len(documents) >= 9
    problems = []
    for file_name, document in documents:
        try:  # strict: a field the API does not have (a typo) is an error, not ignored
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{file_name}: {document['kind']}/{document['metadata']['name']}: {error.message}")
    assert not problems


@pytest.mark.parametrize("mistake", [
    ("Job", "mlteam-grade", ["spec", "completionMode"], ["Indexed"]),                   # a list, not a string
    ("Job", "mlteam-grade", ["spec", "template", "spec", "containers", 0, "resoures"], {}),  # a typo of a field
    ("Job", "mlteam-grade", ["spec", "backoffLimitPerIndex"], "2"),                      # a string, not a number
    ("Deployment", "mlteam-formgrader", ["spec", "replicas"], "one"),
    ("Deployment", "mlteam-formgrader", ["spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add"], "SYS_ADMIN"),
])
def test_the_manifest_check_can_fail(mistake: tuple) -> None:
    import kubernetes_validate

    kind, name, path, value = mistake
    document = manifest(kind, name)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(document, KUBERNETES_VERSIONS[0], strict=True)


def job_arguments_as_started(job: dict, index: int) -> list[str]:
    """The grade pod's command line as Kubernetes starts pod ``index``: $(VAR) replaced from its environment."""
    container = job["spec"]["template"]["spec"]["containers"][0]
    variables = {"JOB_COMPLETION_INDEX": str(index)}  # set by the Job controller in every container
    return [part.replace("$(JOB_COMPLETION_INDEX)", variables["JOB_COMPLETION_INDEX"]) for part in container["command"] + container["args"]]


def test_the_grading_job_gives_each_pod_one_share_and_every_share_one_pod() -> None:
    """Pod I runs `mlteam-course grade --shard-index I/N`: the CLI parses it into share I+1 of N, for I = 0..N-1."""
    from mlteam_utils.cli import build_parser
    from mlteam_utils.cohort.learner_split import LearnerFilter

    job = manifest("Job", "mlteam-grade")
    spec = job["spec"]
    shares = spec["completions"]
    assert spec["completionMode"] == "Indexed" and spec["parallelism"] == shares >= 2
    assert spec["backoffLimitPerIndex"] >= 1 and spec["activeDeadlineSeconds"] > 0
    found = []
    for index in range(shares):
        command = job_arguments_as_started(job, index)
        assert command[:2] == ["mlteam-course", "grade"]
        args = build_parser().parse_args(command[1:])
        found.append(LearnerFilter.from_options(args.learners, args.shard, args.shard_index).shard)
    assert found == [(k, shares) for k in range(1, shares + 1)], "share K of N for pod K-1: none missing, none twice"
    learners = [f"learner{i}" for i in range(200)]
    pods = [LearnerFilter(shard=share) for share in found]
    assert all(sum(pod.accepts(name) for pod in pods) == 1 for name in learners)


@pytest.mark.parametrize(("arguments", "message"), [
    (["--shard-index", "3/3"], "--shard-index takes I/N with 0 <= I < N"),  # JOB_COMPLETION_INDEX runs 0..N-1
    (["--shard-index", "$(JOB_COMPLETION_INDEX)/3"], "got '$(JOB_COMPLETION_INDEX)/3'"),  # not expanded: no such variable
    (["--shard-index", "0/3", "--shard", "1/3"], "not both"),
])
def test_a_wrong_share_is_one_clear_line(arguments: list[str], message: str, tmp_path: Path) -> None:
    """A grading pod given a share that does not exist stops at once, saying why, and grades nothing."""
    import subprocess

    from course_helpers import make_course

    course = make_course(tmp_path / "course", [])
    done = subprocess.run([sys.executable, "-m", "mlteam_utils.cli", "grade", *arguments], cwd=course,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (course / "course" / "gradebook.db").exists()


def test_the_grading_job_states_what_the_sandbox_needs() -> None:
    job = manifest("Job", "mlteam-grade")
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsUser"] == 0
    assert pod["shareProcessNamespace"] is True, "an init reaps the sandboxes' orphans (the pause container)"
    context = container["securityContext"]
    assert "SYS_ADMIN" in context["capabilities"]["add"] and context["appArmorProfile"] == {"type": "Unconfined"}
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys() and "memory" in container["resources"]["limits"]
    assert "--no-isolation" not in container["args"]


def test_the_manifests_name_only_objects_that_exist() -> None:
    """Every volume claim, ConfigMap and Secret a pod names is in the manifests (or made by kubectl / the chart)."""
    defined = {(d["kind"], d["metadata"]["name"]) for _file, d in manifest_documents()}
    values = yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))
    pods = [manifest("Job", "mlteam-grade")["spec"]["template"]["spec"], manifest("Deployment", "mlteam-formgrader")["spec"]["template"]["spec"]]
    named = set()
    for pod in pods:
        for volume in pod["volumes"]:
            if "persistentVolumeClaim" in volume:
                named.add(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]))
            if "configMap" in volume:
                named.add(("ConfigMap", volume["configMap"]["name"]))
        mounted = {m["name"] for c in pod["containers"] for m in c["volumeMounts"]}
        assert mounted == {v["name"] for v in pod["volumes"]}, "every volume mounted, every mount a volume"
        for container in pod["containers"]:
            for variable in container["env"]:
                if "secretKeyRef" in variable.get("valueFrom", {}):
                    named.add(("Secret", variable["valueFrom"]["secretKeyRef"]["name"]))
    named |= {("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"]) for v in values["singleuser"]["storage"]["extraVolumes"]}
    named |= {("ConfigMap", v["configMap"]["name"]) for v in values["hub"]["extraVolumes"]}
    assert named - defined == MADE_ELSEWHERE
    for claim in ("mlteam-course", "nbgrader-exchange"):
        bound = manifest("PersistentVolumeClaim", claim)["spec"]
        volume = manifest("PersistentVolume", bound["volumeName"])["spec"]
        assert "nfs" in volume and bound["accessModes"] == volume["accessModes"] == ["ReadWriteMany"]
    # The hub's service URL is the formgrader's Service; its token is the one the chart makes for that service.
    service = manifest("Service", "mlteam-formgrader")
    (url,) = [s["url"] for s in values["hub"]["services"].values()]
    assert url == f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}"
    formgrader = manifest("Deployment", "mlteam-formgrader")["spec"]["template"]["spec"]["containers"][0]
    token = next(e for e in formgrader["env"] if e["name"] == "JUPYTERHUB_API_TOKEN")["valueFrom"]["secretKeyRef"]
    assert token == {"name": "hub", "key": f"hub.services.{next(iter(values['hub']['services']))}.apiToken"}


def test_the_grader_pods_read_the_site_settings_from_their_config_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ConfigMap's nbgrader_site_config.py, where the pods mount it, is what the course's nbgrader_config.py reads."""
    from mlteam_utils.nbgrader_runner import load_course_config

    values = yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))
    site_files = manifest("ConfigMap", "mlteam-grader-config")["data"]
    for kind, name in (("Job", "mlteam-grade"), ("Deployment", "mlteam-formgrader")):
        pod = manifest(kind, name)["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        named = next(e["value"] for e in container["env"] if e["name"] == "MLTEAM_NBGRADER_SITE_CONFIG")
        mount = next(m for m in container["volumeMounts"] if m["name"] == "grader-config")
        assert Path(named).parent == Path(mount["mountPath"]) and Path(named).name in site_files
        exchange = next(m for m in container["volumeMounts"] if m["name"] == "exchange")["mountPath"]
        assert exchange == values["singleuser"]["extraEnv"]["MLTEAM_HUB_EXCHANGE_ROOT"]
    (tmp_path / "course").mkdir()
    (tmp_path / "nbgrader_config.py").write_bytes((REPO_ROOT / "nbgrader_config.py").read_bytes())
    mounted = tmp_path / "etc" / "nbgrader_site_config.py"
    mounted.parent.mkdir()
    mounted.write_text(site_files["nbgrader_site_config.py"], encoding="utf-8")
    monkeypatch.setenv("MLTEAM_NBGRADER_SITE_CONFIG", str(mounted))
    config = load_course_config(tmp_path)
    assert config.Exchange.root == values["singleuser"]["extraEnv"]["MLTEAM_HUB_EXCHANGE_ROOT"]
    assert config.CourseDirectory.db_url.startswith("postgresql+psycopg://") and ":" not in config.CourseDirectory.db_url.split("@")[0].split("//")[1]
    assert config.SafeExchangeCollect.learner_uids_from_names is True
    # Named but missing: an error, never a silent fall back to the course's SQLite gradebook.
    monkeypatch.setenv("MLTEAM_NBGRADER_SITE_CONFIG", str(tmp_path / "missing.py"))
    with pytest.raises(FileNotFoundError, match="MLTEAM_NBGRADER_SITE_CONFIG"):
        load_course_config(tmp_path)


# --- make hub-env and make hub-course (deploy/jupyterhub/hub_env.py, hub_course.py) ------------------
# tests/test_hub_layout.py runs both as a site does; here, what they refuse, in a second.


def deploy_module(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "deploy" / "jupyterhub" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("name", ["hub_course", "hub_env"])
def test_the_layout_scripts_examples_run(name: str) -> None:
    import doctest

    failed, attempted = doctest.testmod(deploy_module(name), optionflags=doctest.ELLIPSIS)
    assert attempted >= 1 and failed == 0


def test_hub_env_refuses_a_wheel_that_holds_a_key(tmp_path: Path) -> None:
    import zipfile

    hub_env = deploy_module("hub_env")
    wheel = tmp_path / "mlteam_course-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("mlteam_utils/__init__.py", "")
        archive.writestr("solutions/ex01_a/ex01_a.key.json", "{}")
        archive.writestr("tests/fixtures/ex01_a/solution.answers.json", "{}")
    assert hub_env.wheel_leaks(wheel) == ["solutions/ex01_a/ex01_a.key.json", "tests/fixtures/ex01_a/solution.answers.json"]


def test_hub_env_refuses_a_python_other_users_cannot_run(tmp_path: Path) -> None:
    hub_env = deploy_module("hub_env")
    closed = tmp_path / "pyenv"
    closed.mkdir(mode=0o700)
    python = closed / "python3"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    with pytest.raises(hub_env.EnvironmentError_, match="cannot be run by other users"):
        hub_env.check_python(python)
    assert hub_env.main(["--prefix", str(REPO_ROOT / "venv"), "--python", "/usr/bin/python3"]) == 2  # inside the clone


def test_make_hub_course_says_what_it_needs(tmp_path: Path) -> None:
    import subprocess

    usage = subprocess.run(["make", "--no-print-directory", "-C", str(REPO_ROOT), "hub-course"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: make hub-course COURSE_DIR=" in usage.stdout
    hub_course = deploy_module("hub_course")
    with pytest.raises(hub_course.LayoutError, match="no Unix user 'no-such-grader-x'"):
        hub_course.parse(["--course-dir", str(tmp_path / "course"), "--grader", "no-such-grader-x", "--repo", "r"])
    with pytest.raises(hub_course.LayoutError, match="beside COURSE_DIR"):
        hub_course.parse(["--course-dir", str(tmp_path / "c"), "--grader", "root", "--learner-dir", str(tmp_path / "c" / "l")])


def test_the_hub_readmes_block_makes_the_folders_the_example_settings_name() -> None:
    """deploy/jupyterhub/README.md's "Start it on one machine" block (run whole, as root, by
    tests/test_hub_layout.py) is literal for a site: its paths' defaults and user names are
    settings.example.toml's and the Makefile's."""
    import re
    import tomllib

    from hub_readme import README, README_USERS, SETTINGS_EXAMPLE, path_defaults, readme_block

    defaults = path_defaults(readme_block(README.read_text(encoding="utf-8")))
    example = tomllib.loads((REPO_ROOT / SETTINGS_EXAMPLE).read_text(encoding="utf-8"))
    assert sorted(defaults) == ["ADMIN_CLONE", "COURSE_DIR", "EXCHANGE_ROOT", "HUB_PREFIX", "HUB_SETTINGS", "STATE_DIR"]
    assert (defaults["COURSE_DIR"], defaults["EXCHANGE_ROOT"], defaults["STATE_DIR"]) == (
        example["course_root"], example["exchange_root"], example["state_dir"])
    assert example["learner_course_root"] == f"{defaults['COURSE_DIR']}-learners"  # make hub-course's LEARNER_DIR default
    assert [example["grader_user"], *example["instructors"], *example["learners"]] == list(README_USERS)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    for variable in ("HUB_PREFIX", "HUB_SETTINGS"):
        assert re.search(rf"^{variable} \?= {re.escape(defaults[variable])}$", makefile, flags=re.MULTILINE), variable
