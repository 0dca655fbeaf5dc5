"""A site's first hub: seconds from the README's first command to the hub's login page.

Runs deploy/jupyterhub/README.md's "Start it on one machine (as root)" block as written, in a
temporary folder standing in for ``/`` (tests/hub_readme.py: the same run as
tests/test_hub_layout.py, with its few stated replacements): the admin's clone, ``make hub-env``
(the environment from the package registries, most of the time), the users, the folders,
``make hub-course`` and ``make hub``, until ``GET /hub/login`` serves the login form. Then stops
the hub and removes the users and the folder. Needs root, git, npm, ``/usr/bin/python3`` with
venv; prints why it is skipped otherwise.

Run with ``python -m benchmarks hub_readme``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def missing_parts() -> list[str]:
    """What the block needs and this machine lacks."""
    missing = [] if os.geteuid() == 0 else ["root"]
    missing += [program for program in ("git", "npm", "make", "useradd", "runuser") if shutil.which(program) is None]
    if not Path("/usr/bin/python3").is_file():
        missing.append("/usr/bin/python3")
    return missing


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from hub_readme import start_readme_site

    missing = missing_parts()
    if missing:
        print(f"hub_readme benchmark skipped: missing {', '.join(missing)}")
        return
    site = start_readme_site(Path(tempfile.mkdtemp(prefix="mlteam-bench-readme-")), secrets.token_hex(3))
    try:
        print(f"deploy/jupyterhub/README.md's block, first command to the hub's login page: {site.seconds:.0f} s "
              f"(make hub-env installs from the package registries: most of it)")
    finally:
        site.remove()


if __name__ == "__main__":
    main()
