"""Warm kernels (mlteam_utils.grading.kernel_zygote) keep each submission's kernel fresh and alone.

Real kernels, forked by a real parent in the real bubblewrap sandbox, through jupyter_client's
KernelManager and the sandbox provisioner, as the grader starts them: learner 1's kernel
leaves files in every writable place it has, a process that outlives it and an IPython
startup file; it tries to signal, trace and read the parent. Learner 2's kernel, forked
next by the same parent, finds none of it, and the parent serves it as before.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from traitlets.config import Config

from conftest import require_optional
from mlteam_utils.grading.isolation import isolation_status
from mlteam_utils.grading.provisioner import SandboxProvisioner, write_sandbox_kernel_spec
from mlteam_utils.grading.warm_kernels import ForkedKernel

LEAVE_BEHIND = r'''
import json, os, subprocess
home = os.environ["HOME"]
for folder in ("/tmp", home, "/dev/shm", "."):
    with open(os.path.join(folder, "left_by_learner_1"), "w") as handle:
        handle.write("learner 1's answers")
startup = os.path.join(os.environ["IPYTHONDIR"], "profile_default", "startup")
os.makedirs(startup, exist_ok=True)
with open(os.path.join(startup, "00-planted.py"), "w") as handle:
    handle.write("PLANTED = True\n")
# A process that outlives the kernel: its own session, no parent to die with.
subprocess.Popen(["sleep", "3600"], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''

PROBE = r'''
import ctypes, glob, json, os, signal
found = {"pid": os.getpid(), "cwd": os.getcwd(), "listing": sorted(os.listdir("."))}
home = os.environ["HOME"]
found["left"] = sorted(path for folder in ("/tmp", home, "/dev/shm", ".")
                       for path in glob.glob(os.path.join(folder, "**", "left_by_learner_1"), recursive=True))
found["planted"] = "PLANTED" in globals()
found["capabilities"] = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0]
found["no_new_privs"] = [line.split()[1] for line in open("/proc/self/status") if line.startswith("NoNewPrivs")][0]
# Every other process this kernel can see: signal it, read its environment, open its memory.
# Its own entry has another number there: /proc is the worker sandbox's (see kernel_zygote).
me = int(os.readlink("/proc/self"))
others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me)
found["signalled"], found["read"] = [], []
for number in range(2, 64):
    try:
        os.kill(number, 0)
        found["signalled"].append(number)
    except OSError:
        pass
for number in others:
    for name in ("environ", "mem", "fd"):
        try:
            if name == "fd":
                os.listdir(f"/proc/{number}/fd")
            else:
                open(f"/proc/{number}/{name}", "rb").read(1)
            found["read"].append(f"{number}/{name}")
        except OSError:
            pass
found["sleepers"] = [p for p in os.listdir("/proc") if p.isdigit() and "sleep" in open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace")]
found["descriptors"] = []
for fd in os.listdir("/proc/self/fd"):
    try:
        found["descriptors"].append(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        pass  # the listing's own
print(json.dumps(found))
'''


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, KernelSpecManager, Config]]:
    status = isolation_status()
    require_optional(status.available, "bubblewrap grading isolation", f"{status.reason} (sudo apt-get install bubblewrap)")
    root = tmp_path_factory.mktemp("warm")
    course = root / "course"
    (course / "source").mkdir(parents=True)
    spec = KernelSpecManager().get_kernel_spec("python3")
    write_sandbox_kernel_spec(root / "kernels", "python3", spec)
    config = Config()
    config.SandboxProvisioner.course_root = str(course)
    yield root, KernelSpecManager(kernel_dirs=[str(root / "kernels")], ensure_native_kernel=False), config


def run_as_learner(kernels: tuple[Path, KernelSpecManager, Config], learner: str, code: str) -> tuple[str, KernelManager]:
    root, specs, config = kernels
    folder = root / "course" / "autograded" / learner / "ex01"
    folder.mkdir(parents=True)
    (folder / "ex01.ipynb").write_text("{}", encoding="utf-8")
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs, config=config)
    manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        printed: list[str] = []
        reply = client.execute_interactive(code, timeout=120, output_hook=lambda message: printed.append(
            message["content"].get("text", "")) if message["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(printed), manager
    finally:
        client.stop_channels()


def parent_control_socket(parent) -> str:
    """What the parent's control descriptor is (``socket:[inode]``), read from the host's /proc."""
    pending = [parent._process.pid]
    while pending:
        pid = pending.pop()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"mlteam_utils.grading.kernel_zygote" in command and command[0] != b"bwrap":
            return os.readlink(f"/proc/{pid}/fd/{int(command[-2])}")
        for task in Path(f"/proc/{pid}/task").iterdir():
            pending += [int(child) for child in (task / "children").read_text().split()]
    raise AssertionError("no kernel parent under its sandbox")


def test_a_kernel_forked_after_another_finds_nothing_it_left(kernels) -> None:
    first_output, first = run_as_learner(kernels, "learner1", LEAVE_BEHIND)
    assert isinstance(first.provisioner.process, ForkedKernel), "the kernel was not forked by the warm parent"
    parent = first.provisioner.warm_parent
    first.shutdown_kernel(now=True)

    second_output, second = run_as_learner(kernels, "learner2", PROBE)
    try:
        assert isinstance(second.provisioner.process, ForkedKernel)
        assert second.provisioner.warm_parent is parent and parent.alive(), "one parent serves both learners"
        found = json.loads(second_output.strip().splitlines()[-1])
        folder = kernels[0] / "course" / "autograded" / "learner2" / "ex01"
        assert found["cwd"] == str(folder.resolve()), "the kernel works in its submission's folder, as a fresh one does"
        assert found["listing"] == ["ex01.ipynb"]
        assert found["left"] == [], "learner 1's files reached learner 2's kernel"
        assert found["planted"] is False, "learner 1's IPython startup file ran in learner 2's kernel"
        assert found["sleepers"] == [], "learner 1's process outlived its kernel"
        assert found["pid"] == 2, "the kernel is process 2 of a namespace of its own (1 ends with it), as in bubblewrap's"
        assert found["capabilities"] == "0000000000000000" and found["no_new_privs"] == "1"
        assert found["read"] == [], f"the kernel read another process's /proc files: {found['read']}"
        # It can signal only its own threads (their ids are in its own namespace), never the parent.
        assert parent.alive()
        # Nor does it hold the parent's end of the worker's control socket (to ask for kernels of its choosing).
        control = parent_control_socket(parent)
        assert control.startswith("socket:[") and control not in found["descriptors"], found["descriptors"]
    finally:
        second.shutdown_kernel(now=True)
    assert not (kernels[0] / "course" / "autograded" / "learner1" / "ex01" / "left_by_learner_1").exists(), \
        "a kernel wrote into the real submission folder, not its disposable copy"
    leftover = subprocess.run(["pgrep", "-f", "^sleep 3600$"], capture_output=True, text=True)
    assert leftover.stdout == "", "a process a learner left is still running on the machine"


def test_a_kernel_that_kills_everything_it_sees_leaves_the_parent_serving(kernels) -> None:
    code = "import os, signal\nfor number in range(2, 4096):\n    try: os.kill(number, signal.SIGKILL)\n    except OSError: pass\nprint('done')"
    manager = None
    try:
        _, manager = run_as_learner(kernels, "killer", "print('ready')")
        client = manager.client()
        client.start_channels()
        client.execute(code)
        manager.provisioner.process.wait(60)  # killing its own threads ends the kernel
        client.stop_channels()
        parent = manager.provisioner.warm_parent
        assert parent is not None and parent.alive(), "learner code ended the warm parent"
    finally:
        if manager is not None:
            manager.shutdown_kernel(now=True)
    output, after = run_as_learner(kernels, "after_killer", "print(2 + 2)")
    forked = isinstance(after.provisioner.process, ForkedKernel)
    after.shutdown_kernel(now=True)
    assert output.strip() == "4" and forked


def test_warm_kernels_can_be_turned_off(kernels) -> None:
    root, specs, config = kernels
    cold = Config(config)
    cold.SandboxProvisioner.warm_kernels = False
    _, manager = run_as_learner((root, specs, cold), "cold", "print(1)")
    try:
        assert not isinstance(manager.provisioner.process, ForkedKernel)
        assert isinstance(manager.provisioner, SandboxProvisioner)
    finally:
        manager.shutdown_kernel(now=True)
