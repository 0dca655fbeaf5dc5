"""The course hub under a login rush: 10 learners at once, against one learner alone.

Starts the course's JupyterHub (deploy/jupyterhub, with tests/hub_fixtures.py: real Unix
users, configurable-http-proxy) and times, per learner, from the POST of the hub's login form
to the course start page served by their own new server (the Lab page of
``course/index.ipynb`` and the notebook in the contents API): login + spawn (with the copy of
the course made by ``mlteam-course workspace``) + first load. First one learner alone (the
baseline, same run, same machine), then 10 others at the same moment. Prints the median and
worst time and their ratio to the baseline. Needs root, `make install-hub` and setfacl.

Run with ``python -m benchmarks hub``.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUSH = 10


def _login_to_course_page(hub, name: str, times: dict[str, float], errors: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from hub_fixtures import HubSession

    try:
        session = HubSession(hub, name)
        started = time.perf_counter()
        status = session.login()
        if status != 200:
            raise RuntimeError(f"login answered {status}")
        session.open_course_page(timeout=300)
        times[name] = time.perf_counter() - started
    except Exception as error:  # one learner's failure is reported, the others still count
        errors[name] = f"{type(error).__name__}: {error}"[:300]


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from hub_fixtures import missing_parts, start_course_hub

    missing = missing_parts()
    if missing:
        print(f"hub benchmark skipped: missing {', '.join(missing)} (make install-hub; apt-get install acl; as root)")
        return
    hub = start_course_hub(learners=RUSH + 1, instructors=1)
    try:
        alone, rush = hub.learners[0], hub.learners[1:]
        times: dict[str, float] = {}
        errors: dict[str, str] = {}
        _login_to_course_page(hub, alone, times, errors)
        if alone not in times:
            print(f"baseline failed: {errors.get(alone)}")
            return
        baseline = times[alone]
        threads = [threading.Thread(target=_login_to_course_page, args=(hub, name, times, errors)) for name in rush]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rushed = [times[name] for name in rush if name in times]
        print(f"one learner alone, login to course page: {baseline:.1f} s (baseline)")
        if rushed:
            median, worst = statistics.median(rushed), max(rushed)
            print(f"{RUSH} learners at once: median {median:.1f} s ({median / baseline:.1f}x baseline), "
                  f"worst {worst:.1f} s ({worst / baseline:.1f}x baseline), {len(rushed)}/{RUSH} reached their course page")
        for name, error in sorted(errors.items()):
            print(f"  failed: {name}: {error}")
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
