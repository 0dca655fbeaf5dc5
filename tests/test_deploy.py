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
