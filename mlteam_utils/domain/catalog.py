"""Load the domain data: the shipped files (cached) or a folder of your own (checked the same way).

>>> domain = load_domain()
>>> len(domain.roles), len(domain.archetypes), domain.course.stage_ids[0]
(8, 5, 'problem_framing')
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from mlteam_utils.domain.errors import DomainDataError
from mlteam_utils.domain.parsers import (
    parse_archetypes,
    parse_datasets,
    parse_lifecycles,
    parse_roles,
    parse_statistics,
    parse_tasks,
    require_course_lifecycle,
)
from mlteam_utils.domain.records import DatasetInfo, Lifecycle, OrgArchetype, Role, Statistic, Task

__all__ = ["DATA_FILES", "Domain", "data_folder", "load_domain", "shipped_domain"]

#: The domain files every data folder must hold, in loading order.
DATA_FILES = ("roles.json", "lifecycles.json", "tasks.json", "archetypes.json", "statistics.json", "datasets.json")


@dataclass(frozen=True)
class Domain:
    """Everything in one data folder, validated together."""

    roles: tuple[Role, ...]
    lifecycles: tuple[Lifecycle, ...]
    tasks: tuple[Task, ...]
    archetypes: tuple[OrgArchetype, ...]
    statistics: tuple[Statistic, ...]
    datasets: tuple[DatasetInfo, ...]

    @property
    def course(self) -> Lifecycle:
        """The course lifecycle, whose stage ids the tasks use."""
        return require_course_lifecycle(self.lifecycles)


def data_folder() -> Traversable:
    """The package's own data folder (``mlteam_utils/data``), read with importlib.resources."""
    return resources.files("mlteam_utils") / "data"


def _read(folder: Traversable | Path, name: str) -> str:
    item = folder / name
    if not item.is_file():
        raise DomainDataError(f"{name}: file not found in {folder}", file=name)
    return item.read_text(encoding="utf-8")


def load_domain(folder: str | os.PathLike[str] | Traversable | None = None) -> Domain:
    """Read and cross-check all domain files in ``folder`` (default: the shipped data).

    Raises :class:`DomainDataError` naming the file and the row of the first problem.
    """
    where: Traversable | Path = (
        data_folder() if folder is None else (folder if isinstance(folder, Traversable) else Path(folder))
    )
    roles = parse_roles(_read(where, "roles.json"))
    lifecycles = parse_lifecycles(_read(where, "lifecycles.json"))
    course = require_course_lifecycle(lifecycles)
    tasks = parse_tasks(_read(where, "tasks.json"), role_ids=[role.id for role in roles], stage_ids=course.stage_ids)
    return Domain(
        roles=roles,
        lifecycles=lifecycles,
        tasks=tasks,
        archetypes=parse_archetypes(_read(where, "archetypes.json")),
        statistics=parse_statistics(_read(where, "statistics.json")),
        datasets=parse_datasets(_read(where, "datasets.json")),
    )


@functools.cache
def shipped_domain() -> Domain:
    """The shipped data, loaded and checked once per process."""
    return load_domain()
