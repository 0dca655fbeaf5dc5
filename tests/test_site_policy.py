"""A site's own policy lives outside the files git tracks, so ``git pull`` of the course never conflicts.

Issue 31, item 4. A site writes its late policy into ``course/nbgrader_site_config.py`` and its
cohort's modules into ``course/syllabus.site.toml`` (both git-ignored); the course's authors
change ``course/syllabus.toml`` and ``nbgrader_config.py`` upstream. A real ``git clone`` and
``git pull`` follow, then real nbgrader and the course's own syllabus loader read the result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlteam_utils.syllabus import SyllabusError, load_syllabus

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The tracked files a site's policy sits beside.
COURSE_FILES = (".gitignore", "nbgrader_config.py", "course/syllabus.toml")
SITE_SYLLABUS = """\
# This site's cohort takes two modules; a late pass does not complete one.
[completion]
modules = [1, 2]
late_pass_counts = false
"""
SITE_NBGRADER = """\
c = get_config()  # noqa: F821
c.LateSubmissionPlugin.penalty_method = "zero"
"""


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Course author", "GIT_AUTHOR_EMAIL": "author@example.org",
           "GIT_COMMITTER_NAME": "Course author", "GIT_COMMITTER_EMAIL": "author@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def nbgrader_setting(course: Path, trait: str) -> str:
    """What nbgrader, started in ``course``, reads for ``trait`` (e.g. ``LateSubmissionPlugin.penalty_method``); "(unset)" if nothing sets it."""
    section, name = trait.split(".")
    script = ("from nbgrader.apps.baseapp import NbGrader\n"
              "app = NbGrader(); app.load_config_file()\n"
              f"print(app.config.{section}.get({name!r}, '(unset)'))\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MLTEAM_", "JUPYTER"))}
    done = subprocess.run([sys.executable, "-c", script], cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def upstream_and_site(tmp_path: Path) -> tuple[Path, Path]:
    """The course's repository (one commit of the tracked files) and a site's clone of it, with its own policy."""
    upstream = tmp_path / "upstream"
    for relative in COURSE_FILES:
        (upstream / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / relative, upstream / relative)
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "The course"]):
        assert git(*step, cwd=upstream).returncode == 0
    site = tmp_path / "site"
    cloned = git("clone", "-q", str(upstream), str(site), cwd=tmp_path)
    assert cloned.returncode == 0, cloned.stderr
    (site / "course" / "syllabus.site.toml").write_text(SITE_SYLLABUS, encoding="utf-8")
    (site / "course" / "nbgrader_site_config.py").write_text(SITE_NBGRADER, encoding="utf-8")
    return upstream, site


@pytest.mark.slow
def test_a_pull_of_the_course_never_conflicts_with_the_sites_policy(upstream_and_site: tuple[Path, Path]) -> None:
    upstream, site = upstream_and_site
    assert git("status", "--porcelain", cwd=site).stdout == "", "the site's files must be ignored by git"
    # Upstream changes exactly the two files a site used to edit: the completion rule and nbgrader's settings.
    syllabus = upstream / "course" / "syllabus.toml"
    text = syllabus.read_text(encoding="utf-8")
    assert 'late_pass_counts = true' in text
    syllabus.write_text(text.replace('title = "How machine-learning teams work"',
                                     'title = "How machine-learning teams work (2nd edition)"', 1), encoding="utf-8")
    with (upstream / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.Exchange.timezone = 'UTC'  # an upstream change\n")
    assert git("commit", "-q", "-am", "Upstream edits", cwd=upstream).returncode == 0

    pulled = git("pull", "-q", "--no-rebase", cwd=site)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert git("status", "--porcelain", cwd=site).stdout == ""
    # Upstream's change arrived, and the site's policy still applies on top of it.
    merged = load_syllabus(site / "course" / "syllabus.toml")
    assert merged.title.endswith("(2nd edition)")
    assert merged.completion.modules == (1, 2) and merged.completion.late_pass_counts is False
    assert [m.number for m in merged.required_modules] == [1, 2]
    assert "modules 1, 2" in merged.completion_rule_text() and "does not count" in merged.completion_rule_text()
    assert nbgrader_setting(site, "LateSubmissionPlugin.penalty_method") == "zero"
    assert nbgrader_setting(site, "Exchange.timezone") == "UTC"
    # Without the site's files, the course's own rules come back: the policy lived only there.
    (site / "course" / "syllabus.site.toml").unlink()
    (site / "course" / "nbgrader_site_config.py").unlink()
    assert load_syllabus(site / "course" / "syllabus.toml").completion.modules == "all"
    assert nbgrader_setting(site, "LateSubmissionPlugin.penalty_method") == "(unset)"


@pytest.mark.parametrize(("site_text", "message"), [
    ("[passing]\npercent = 50\n", "a site may set only [completion], [due], not [passing] (the pass mark is stated"),
    ("[completion]\nmodules = [1, 99]\n", "99 is not one"),
    ("[completion]\nmodules = [1]\nlate_passes = false\n", "unknown field(s) late_passes"),
    ("completion = 3\n", "[completion] must be a table"),
    ("[completion\n", "not valid TOML"),
])
def test_a_bad_site_policy_is_refused_by_name(tmp_path: Path, site_text: str, message: str) -> None:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copyfile(REPO_ROOT / "course" / "syllabus.toml", course / "syllabus.toml")
    (course / "syllabus.site.toml").write_text(site_text, encoding="utf-8")
    with pytest.raises(SyllabusError) as refused:
        load_syllabus(course / "syllabus.toml")
    assert message in str(refused.value)
    assert "syllabus.site.toml" in str(refused.value)
