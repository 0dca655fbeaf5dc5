"""JupyterHub for the mlteam course: one JupyterLab per learner, the formgrader as a course service.

Run it as root (LocalProcessSpawner starts each learner's server as their own Unix user):

    MLTEAM_HUB_SETTINGS=/etc/mlteam/hub.toml jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

The site's settings (course folder, exchange, gradebook, users, authenticator) come from
``hub_settings.py`` beside this file: environment variables ``MLTEAM_HUB_*`` or the TOML file
named by ``MLTEAM_HUB_SETTINGS`` (``settings.example.toml``). The tests start the hub with this
very file (tests/hub_fixtures.py). README.md beside it explains each part.

- **Learners** (group ``nbgrader-<course>``): their server runs ``learner-server``, which brings
  their own copy of the course (``~/mlteam-course``, made by ``mlteam-course workspace``) up to
  date, then opens JupyterLab on the course start page, with nbgrader's Assignments tab and
  Validate button and without the instructor tools (``learner/``).
- **Instructors** (group ``formgrade-<course>``, nbgrader's naming): the same JupyterLab for
  themselves, and the role that reaches the course service, where the formgrader runs as the
  grader account in the grader's course folder. JupyterHub 4.1 and later forbid iframes, so the
  formgrader is opened in its own tab: ``/services/<course>/formgrader`` (the hub's Services menu).
"""

import importlib.util
import json
import sys
from pathlib import Path

c = get_config()  # noqa: F821 -- injected by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("hub_settings", HERE / "hub_settings.py")
hub_settings = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["hub_settings"] = hub_settings
_spec.loader.exec_module(hub_settings)  # type: ignore[union-attr]
try:
    site = hub_settings.HubSettings.load()
except hub_settings.HubSettingsError as error:  # one line, not a traceback from inside the hub
    sys.exit(f"mlteam hub: {error}")

state = Path(site.state_dir)
bin_dir = Path(site.bin_dir)
# Spawned processes inherit no PATH from the hub (Spawner.env_keep): give them the course's
# environment first, so `alembic` (nbgrader's gradebook) and the kernels are found.
path = f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"
# A terminal's shell (terminal-shell): a login shell would set PATH anew from /etc/profile and
# lose the course's environment; this one reads the profiles, then puts bin_dir first.
terminal_setting = "--ServerApp.terminado_settings=" + json.dumps({"shell_command": [str(HERE / "terminal-shell")]})
instructors_group = f"formgrade-{site.course_id}"
learners_group = f"nbgrader-{site.course_id}"

# --- The hub and its proxy -----------------------------------------------------------
c.JupyterHub.bind_url = f"http://{site.ip}:{site.port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = site.hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{site.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [site.proxy()]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
# The hub's own state; the proxy's token is made afresh at each start when none is given.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

# --- Who may log in ------------------------------------------------------------------
c.JupyterHub.authenticator_class = site.authenticator
c.Authenticator.allowed_users = set(site.instructors + site.learners)
c.Authenticator.admin_users = set()  # nobody needs the admin page to run the course
if site.authenticator == hub_settings.TEST_AUTHENTICATOR:
    # Test only: one shared password for every allowed name (JupyterHub's DummyAuthenticator).
    c.DummyAuthenticator.password = site.test_password
# Only the groups below decide what a user reaches; a hub restart keeps them in step.
c.JupyterHub.load_groups = {
    instructors_group: {"users": site.instructors},
    learners_group: {"users": site.learners},
}
c.Authenticator.manage_groups = False

# --- Each user's server ----------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(HERE / "learner-server")]
c.Spawner.notebook_dir = f"~/{hub_settings.LEARNER_FOLDER}"
c.Spawner.default_url = f"/lab/tree/{hub_settings.START_PAGE}"
c.Spawner.args = [terminal_setting]
c.Spawner.environment = {
    "PATH": path,
    "MLTEAM_HUB_BIN": str(bin_dir),
    # The learners' copy (`make hub-course`): the grader's clone, which holds solutions/, is
    # closed to learners, so their workspace is made from a copy without keys or history.
    "MLTEAM_HUB_COURSE_ROOT": site.learner_course_root,
    "MLTEAM_HUB_LEARNER_FOLDER": hub_settings.LEARNER_FOLDER,
    # The start page's kernel reads the syllabus (and the site's syllabus.site.toml) from the
    # learners' copy: the learner's own folder holds only the pages (mlteam_utils.paths).
    "MLTEAM_COURSE_ROOT": site.learner_course_root,
    # nbgrader for learners: the course id and the exchange, nothing of the grader's course.
    "MLTEAM_HUB_COURSE_ID": site.course_id,
    "MLTEAM_HUB_EXCHANGE_ROOT": site.exchange_root,
    "JUPYTER_CONFIG_PATH": str(HERE / "learner"),
}
c.Spawner.http_timeout = 120  # the first start copies the course into the learner's home
c.Spawner.start_timeout = 120

# --- The formgrader: a hub service per course, run as the grader account ------------------
c.JupyterHub.services = [
    {
        # nbgrader requires the service to be named after the course.
        "name": site.course_id,
        "display": True,
        "url": f"http://127.0.0.1:{site.service_port}",
        # umask 027: what the formgrader and the grader's terminals write in the course (collected
        # hand-ins, autograded copies, feedback, exports) is never readable by other users.
        "command": ["/bin/sh", "-c", 'umask 027 && exec "$@"', "grader-service",
                    str(bin_dir / "jupyterhub-singleuser"), f"--ServerApp.root_dir={site.course_root}",
                    terminal_setting],
        "user": site.grader_user,
        "cwd": site.course_root,  # nbgrader reads nbgrader_config.py from the folder it runs in
        "oauth_no_confirm": True,
        "environment": {
            "PATH": path,
            "MLTEAM_HUB_BIN": str(bin_dir),  # terminal-shell puts it first on a terminal's PATH
            # /services/<course>/ opens the formgrader; /services/<course>/lab is the grader's Lab.
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
        },
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "mlteam-formgrader",
        "description": "Instructors reach the course's formgrader service; nobody else does.",
        "groups": [instructors_group],
        "scopes": [
            f"access:services!service={site.course_id}",
            "list:services",
            f"read:services!service={site.course_id}",
        ],
    },
]
