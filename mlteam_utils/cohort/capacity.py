"""What this machine (or container) gives the grader: usable CPUs and available memory.

A grader often runs in a container (a Kubernetes Job's pod) on a bigger host: the
host's CPU count and free memory are then not what the grader may use. These read
the limits the way the kernel enforces them: the CPU affinity mask and the cgroup's
CPU quota; ``MemAvailable`` and the cgroup's memory limit less what it already uses
(its working set: the page cache it could drop does not count, as the kubelet counts it).
Both cgroup versions are read at their usual mount, ``/sys/fs/cgroup``, which a
container sees as its own.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["available_memory", "cpu_quota", "meminfo_available", "usable_cpus"]

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: cgroup v1 writes "no limit" as a huge number (the largest page-aligned signed 64-bit value).
_UNLIMITED = 2**62


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def cpu_quota(quota: str | None, period: str | None = None) -> float | None:
    """CPUs a cgroup's quota allows, or None for no quota.

    cgroup v2 gives ``cpu.max`` ("QUOTA PERIOD", QUOTA "max" for none); v1 gives
    ``cpu.cfs_quota_us`` (-1 for none) and ``cpu.cfs_period_us`` apart.

    >>> cpu_quota("150000 100000"), cpu_quota("max 100000"), cpu_quota("50000", "100000"), cpu_quota("-1", "100000")
    (1.5, None, 0.5, None)
    >>> cpu_quota(None), cpu_quota("garbage")
    (None, None)
    """
    if quota is None:
        return None
    fields = quota.split()
    if period is not None:
        fields = fields[:1] + [period]
    try:
        limit, every = int(fields[0]), int(fields[1])
    except (ValueError, IndexError):
        return None
    return limit / every if limit > 0 and every > 0 else None


def usable_cpus(cgroup_root: Path = CGROUP_ROOT) -> int:
    """CPUs this process may use: its affinity mask, lowered to its cgroup's CPU quota (rounded up).

    >>> 1 <= usable_cpus() <= (os.cpu_count() or 1)
    True
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(_read(cgroup_root / "cpu.max")) or cpu_quota(
        _read(cgroup_root / "cpu" / "cpu.cfs_quota_us"), _read(cgroup_root / "cpu" / "cpu.cfs_period_us"))
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def meminfo_available(meminfo: str) -> int | None:
    """``MemAvailable`` of a /proc/meminfo text, in bytes.

    >>> meminfo_available("MemTotal:  4000 kB\\nMemAvailable:   2048 kB\\n")
    2097152
    >>> meminfo_available("MemTotal:  4000 kB\\n") is None
    True
    """
    for line in meminfo.splitlines():
        name, _, rest = line.partition(":")
        if name == "MemAvailable" and rest.split() and rest.split()[0].isdigit():
            return int(rest.split()[0]) * 1024
    return None


def _stat_value(stat: str | None, name: str) -> int:
    for line in (stat or "").splitlines():
        key, _, value = line.partition(" ")
        if key == name and value.strip().isdigit():
            return int(value)
    return 0


def _cgroup_headroom(cgroup_root: Path) -> int | None:
    """The cgroup's memory limit less its working set, or None when it sets no limit."""
    for limit_file, usage_file, stat_file, inactive in (
        ("memory.max", "memory.current", "memory.stat", "inactive_file"),  # v2
        ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes", "memory/memory.stat", "total_inactive_file"),  # v1
    ):
        limit, usage = _read(cgroup_root / limit_file), _read(cgroup_root / usage_file)
        if limit is None or usage is None:
            continue
        if not limit.isdigit() or int(limit) >= _UNLIMITED or not usage.isdigit():
            return None  # "max", or v1's "unlimited"
        working_set = max(0, int(usage) - _stat_value(_read(cgroup_root / stat_file), inactive))
        return max(0, int(limit) - working_set)
    return None


def available_memory(meminfo: Path = Path("/proc/meminfo"), cgroup_root: Path = CGROUP_ROOT) -> int | None:
    """Bytes the grader could still take without swapping or being killed, or None when unknown.

    The smaller of the machine's ``MemAvailable`` and the cgroup's headroom.

    >>> memory = available_memory()
    >>> memory is None or memory >= 0
    True
    >>> available_memory(Path("/nonexistent"), Path("/nonexistent")) is None
    True
    """
    known = [value for value in (meminfo_available(_read(meminfo) or ""), _cgroup_headroom(cgroup_root)) if value is not None]
    return min(known) if known else None
