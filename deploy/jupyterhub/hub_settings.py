"""The course hub's site settings: read from environment variables or a small TOML file.

``jupyterhub_config.py`` (beside this file) reads them, and so do the tests and the
benchmark, so a test hub and a real site run the same configuration with different
settings. Every setting is an environment variable ``MLTEAM_HUB_<NAME>``; a TOML file
named by ``MLTEAM_HUB_SETTINGS`` may give the same names in lower case (an environment
variable wins over the file). ``settings.example.toml`` lists them with comments.

>>> settings = HubSettings.load({"MLTEAM_HUB_COURSE_ROOT": "/srv/mlteam/course",
...     "MLTEAM_HUB_GRADER_USER": "grader-mlteam", "MLTEAM_HUB_INSTRUCTORS": "ada, grace",
...     "MLTEAM_HUB_LEARNERS": "linus"})
>>> settings.course_id, settings.exchange_root, settings.instructors
('mlteam-onboarding', '/srv/nbgrader/exchange', ['ada', 'grace'])
>>> settings.learner_course_root  # the learners' copy that `make hub-course` builds beside the clone
'/srv/mlteam/course-learners'
>>> HubSettings.load({})
Traceback (most recent call last):
...
hub_settings.HubSettingsError: MLTEAM_HUB_COURSE_ROOT is not set: the grader's copy of the course (see deploy/jupyterhub/README.md)
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "MLTEAM_HUB_"
SETTINGS_FILE_VARIABLE = "MLTEAM_HUB_SETTINGS"
#: The folder in each learner's home that holds their copy of the course (``mlteam-course workspace``).
LEARNER_FOLDER = "mlteam-course"
#: The course start page, relative to the learner's folder (as `make lab` opens it).
START_PAGE = "course/index.ipynb"
#: An authenticator that accepts one shared password: for tests only, never for a site.
TEST_AUTHENTICATOR = "dummy"


class HubSettingsError(ValueError):
    """A missing or malformed site setting; the message names it and says what to do."""


def _names(value: object) -> list[str]:
    """A list of user names from ``"a, b"`` or a TOML list.

    >>> _names("ada, grace,"), _names(["linus"]), _names("")
    (['ada', 'grace'], ['linus'], [])
    """
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return [str(item).strip() for item in items if str(item).strip()]


@dataclass(frozen=True)
class HubSettings:
    """What differs from one site to another; everything else is in jupyterhub_config.py."""

    #: The grader's clone of the course's private repository (``make hub-course``): learners never read it.
    course_root: str
    grader_user: str
    instructors: list[str] = field(default_factory=list)
    learners: list[str] = field(default_factory=list)
    course_id: str = "mlteam-onboarding"
    #: The learners' copy of the course (start page, lessons, released exercises; no .git, no
    #: solutions/), built by ``make hub-course``; empty: ``<course_root>-learners``.
    learner_course_root: str = ""
    exchange_root: str = "/srv/nbgrader/exchange"
    #: nbgrader's gradebook, written into the grader's course config (``nbgrader_site_config``).
    db_url: str = ""
    #: JupyterHub's authenticator_class: "pam", "github", "generic-oauth", "lti13", ... or "dummy" (tests).
    authenticator: str = "pam"
    #: The shared password of the "dummy" authenticator (tests only).
    test_password: str = ""
    state_dir: str = "/srv/jupyterhub"
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    service_port: int = 9999
    #: The Python environment's bin/ folder with jupyterhub-singleuser and mlteam-course.
    bin_dir: str = field(default_factory=lambda: str(Path(sys.executable).parent))
    #: configurable-http-proxy; empty: <environment>/node/node_modules/.bin, then PATH.
    proxy_command: str = ""

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> HubSettings:
        """Settings from ``environ`` (default: the process environment) and its settings file."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        settings_file = environ.get(SETTINGS_FILE_VARIABLE)
        if settings_file:
            try:
                values.update(tomllib.loads(Path(settings_file).read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise HubSettingsError(f"{SETTINGS_FILE_VARIABLE}={settings_file}: cannot read it ({error})") from error
        for name in cls.__dataclass_fields__:
            if PREFIX + name.upper() in environ:
                values[name] = environ[PREFIX + name.upper()]
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise HubSettingsError(f"unknown hub setting(s) {', '.join(unknown)} in {settings_file}")
        for required, what in (("course_root", "the grader's copy of the course"),
                               ("grader_user", "the Unix user who runs the formgrader")):
            if not values.get(required):
                raise HubSettingsError(f"{PREFIX}{required.upper()} is not set: {what} (see deploy/jupyterhub/README.md)")
        for name in ("instructors", "learners"):
            values[name] = _names(values.get(name, ""))
        if not values.get("learner_course_root"):
            values["learner_course_root"] = f"{str(values['course_root']).rstrip('/')}-learners"
        for name in ("port", "hub_port", "proxy_api_port", "service_port"):
            if name in values:
                try:
                    values[name] = int(values[name])  # type: ignore[call-overload]
                except ValueError as error:
                    raise HubSettingsError(f"{PREFIX}{name.upper()} must be a port number, not {values[name]!r}") from error
        settings = cls(**{key: value if key in ("instructors", "learners") or isinstance(value, int) else str(value)
                          for key, value in values.items()})  # type: ignore[arg-type]
        if settings.authenticator == TEST_AUTHENTICATOR and not settings.test_password:
            raise HubSettingsError(f"{PREFIX}AUTHENTICATOR=dummy (tests only) needs {PREFIX}TEST_PASSWORD")
        return settings

    def proxy(self) -> str:
        """The configurable-http-proxy program to run (see :attr:`proxy_command`)."""
        if self.proxy_command:
            return self.proxy_command
        local = Path(self.bin_dir).parent / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
        return str(local) if local.is_file() else "configurable-http-proxy"

    def nbgrader_site_config(self) -> str:
        """The course's ``course/nbgrader_site_config.py`` (git-ignored, read last by ``nbgrader_config.py``): the shared exchange and the gradebook.

        >>> print(HubSettings("/c", "g", db_url="postgresql+psycopg://grader@/mlteam").nbgrader_site_config())
        <BLANKLINE>
        # --- This site (deploy/jupyterhub): the shared exchange and the gradebook ---
        c.CourseDirectory.course_id = 'mlteam-onboarding'
        c.Exchange.root = '/srv/nbgrader/exchange'
        c.CourseDirectory.db_url = 'postgresql+psycopg://grader@/mlteam'
        <BLANKLINE>
        """
        lines = ["", "# --- This site (deploy/jupyterhub): the shared exchange and the gradebook ---",
                 f"c.CourseDirectory.course_id = {self.course_id!r}",
                 f"c.Exchange.root = {self.exchange_root!r}"]
        if self.db_url:
            lines.append(f"c.CourseDirectory.db_url = {self.db_url!r}")
        return "\n".join(lines) + "\n"


if __name__ == "__main__":  # `python hub_settings.py nbgrader-site-config` prints course/nbgrader_site_config.py
    if sys.argv[1:] != ["nbgrader-site-config"]:
        sys.exit("usage: python deploy/jupyterhub/hub_settings.py nbgrader-site-config")
    try:
        print(HubSettings.load().nbgrader_site_config(), end="")
    except HubSettingsError as error:
        sys.exit(f"error: {error}")
