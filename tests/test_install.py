"""course/install.py (`make install`): uv with pip's package sources, and pip whenever uv cannot.

Each test installs a small project (tests/fixtures/probe_project: no dependencies,
an in-tree build backend) into a new venv, with pip set to use no package index
(``PIP_NO_INDEX=1``): nothing is downloaded, and uv is seen to follow pip's settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "fixtures" / "probe_project"

# Each test builds a venv and installs into it: make test runs them, make test-fast does not.
pytestmark = pytest.mark.slow


def real_uv() -> Path:
    """The uv `make install` put into the venv (or the one on PATH)."""
    for candidate in (Path(sys.executable).parent / "uv", Path(shutil.which("uv") or "/nonexistent")):
        if candidate.is_file():
            return candidate
    if os.environ.get("CI") == "true":
        pytest.fail("no uv in the venv or on PATH: `make install` installs it")
    pytest.skip("no uv in the venv or on PATH: run `make install`")


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv, with pip (with no index, pip could not be fetched); each test works on a copy."""
    venv = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv


def install(tmp_path: Path, template: Path, tools: Path, **environment: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run course/install.py for the probe project with a copy of ``template``'s Python and only ``tools`` on PATH first."""
    venv = shutil.copytree(template, tmp_path / "venv", symlinks=True)
    project = shutil.copytree(PROBE, tmp_path / "probe")
    # pip's settings are only these (no config file, none of this machine's PIP_* variables).
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PIP_", "UV_", "VIRTUAL_ENV"))}
    env.update({"PATH": os.pathsep.join([str(tools), "/usr/bin", "/bin"]), "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
                "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "PIP_CACHE_DIR": str(tmp_path / "pip-cache"), **environment})
    python = venv / "bin" / "python"
    completed = subprocess.run([str(python), str(ROOT / "course" / "install.py"), "--editable", str(project)],
                               env=env, capture_output=True, text=True, check=False)
    return completed, python


def installed(python: Path) -> bool:
    return subprocess.run([str(python), "-c", "import mlteam_probe; assert mlteam_probe.ANSWER == 42"], check=False).returncode == 0


def test_uv_installs_with_the_package_sources_pip_is_set_up_with(tmp_path: Path, fresh_venv: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "uv").symlink_to(real_uv())
    completed, python = install(tmp_path, fresh_venv, tools)
    shown = completed.stdout + completed.stderr
    assert completed.returncode == 0, shown
    uv_line = next(line for line in completed.stdout.splitlines() if " pip install --python " in line)
    assert uv_line.startswith(str(tools / "uv")) and "--no-index" in uv_line.split(), "pip's no-index reached uv"
    assert "installing with pip" not in shown
    assert installed(python)


def test_pip_installs_when_uv_fails(tmp_path: Path, fresh_venv: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    broken = tools / "uv"  # answers --version and `cache dir`, fails to install anything
    broken.write_text('#!/bin/sh\ncase "$1" in --version) echo "uv 0.0.0";; cache) echo /nonexistent;; *) exit 2;; esac\n')
    broken.chmod(0o755)
    completed, python = install(tmp_path, fresh_venv, tools)
    shown = completed.stdout + completed.stderr
    assert completed.returncode == 0, shown
    assert "uv failed (exit 2): installing with pip" in completed.stdout
    assert installed(python)


def test_pip_installs_when_uv_is_missing_and_cannot_be_fetched(tmp_path: Path, fresh_venv: Path) -> None:
    """No uv on PATH or in the venv, and pip (no index) cannot get it."""
    tools = tmp_path / "tools"
    tools.mkdir()
    completed, python = install(tmp_path, fresh_venv, tools)
    shown = completed.stdout + completed.stderr
    assert completed.returncode == 0, shown
    assert "Getting uv" in completed.stdout and "uv could not be installed: installing with pip" in completed.stdout
    assert installed(python)


def test_pip_alone_on_request(tmp_path: Path, fresh_venv: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "uv").symlink_to(real_uv())
    completed, python = install(tmp_path, fresh_venv, tools, MLTEAM_INSTALLER="pip")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "MLTEAM_INSTALLER=pip: installing with pip" in completed.stdout and " pip install --python " not in completed.stdout
    assert installed(python)
