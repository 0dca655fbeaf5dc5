"""Look-ups over the shipped domain data: typed records and pandas DataFrames.

Records are frozen and shared; every DataFrame is a fresh copy, so a lesson can
change it freely. pandas is imported only when a frame is asked for.

>>> role("data_scientist").key_question
'How can we use this data to build a machine learning model for predicting something?'
>>> [stage.id for stage in lifecycle("crisp_dm").stages][:3]
['business_understanding', 'data_understanding', 'data_preparation']
>>> int(tasks_frame().groupby("responsible").size().min()) >= 3
True
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mlteam_utils.domain.catalog import shipped_domain
from mlteam_utils.domain.parsers import COURSE_LIFECYCLE
from mlteam_utils.domain.records import Lifecycle, OrgArchetype, Role, Statistic, Task, as_row

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "archetypes",
    "archetypes_frame",
    "course_stage_ids",
    "lifecycle",
    "lifecycle_names",
    "lifecycles",
    "loops_frame",
    "role",
    "role_ids",
    "roles",
    "roles_frame",
    "sources",
    "stages_frame",
    "statistics",
    "statistics_frame",
    "tasks",
    "tasks_frame",
]

_ALIASES = {"agile": "scrum", "crisp": "crisp_dm", "team_data_science_process": "tdsp", "andrew_ng": "ng"}


def roles() -> tuple[Role, ...]:
    """The eight roles, the four core roles first.

    >>> [r.id for r in roles() if r.core]
    ['data_engineer', 'data_scientist', 'ml_engineer', 'product_manager']
    """
    return shipped_domain().roles


def role_ids() -> tuple[str, ...]:
    """Role ids in catalog order."""
    return tuple(r.id for r in roles())


def role(role_id: str) -> Role:
    """The role with this id; ``KeyError`` lists the known ids.

    >>> role("ml_engineer").name
    'ML engineer'
    """
    for candidate in roles():
        if candidate.id == role_id:
            return candidate
    raise KeyError(f"no role {role_id!r}; known role ids: {', '.join(role_ids())}")


def tasks() -> tuple[Task, ...]:
    """The task catalog: each task with the role Responsible for it and its course stage."""
    return shipped_domain().tasks


def lifecycles() -> tuple[Lifecycle, ...]:
    """All lifecycles: waterfall, scrum, crisp_dm, tdsp, ng and the course's own."""
    return shipped_domain().lifecycles


def lifecycle_names() -> tuple[str, ...]:
    """Lifecycle ids, e.g. ``'crisp_dm'``.

    >>> lifecycle_names()
    ('waterfall', 'scrum', 'crisp_dm', 'tdsp', 'ng', 'course')
    """
    return tuple(item.id for item in lifecycles())


def lifecycle(name: str = COURSE_LIFECYCLE) -> Lifecycle:
    """A lifecycle by id; case, hyphens and a few aliases (``'Agile'``, ``'CRISP-DM'``) are accepted.

    >>> lifecycle("Agile").id, len(lifecycle("CRISP-DM").stages), len(lifecycle("tdsp").stages)
    ('scrum', 6, 5)
    """
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    for item in lifecycles():
        if item.id == key:
            return item
    raise KeyError(f"no lifecycle {name!r}; known lifecycles: {', '.join(lifecycle_names())}")


def course_stage_ids() -> tuple[str, ...]:
    """Stage ids of the course lifecycle, in order; tasks use these.

    >>> course_stage_ids()
    ('problem_framing', 'data_acquisition', 'data_preparation', 'modeling', 'evaluation', 'deployment', 'monitoring')
    """
    return lifecycle(COURSE_LIFECYCLE).stage_ids


def archetypes() -> tuple[OrgArchetype, ...]:
    """FSDL's five organizational archetypes, from nascent to ML-first."""
    return shipped_domain().archetypes


def statistics() -> tuple[Statistic, ...]:
    """Popular statistics with their origins and evidence grades."""
    return shipped_domain().statistics


def sources() -> tuple[str, ...]:
    """Every source cited anywhere in the domain data, sorted, for a lesson's Sources cell.

    >>> "seed" in sources() and "Scrum Guide 2020" in sources()
    True
    """
    domain = shipped_domain()
    cited: set[str] = set()
    groups: list[Any] = [domain.roles, domain.tasks, domain.archetypes, domain.statistics, domain.lifecycles]
    for group in groups:
        for record in group:
            cited.update(part.strip() for part in record.source.split(";"))
    for item in domain.lifecycles:
        for loop in item.loops:
            cited.update(part.strip() for part in loop.source.split(";") if part.strip())
    return tuple(sorted(cited, key=str.lower))


# ---------------------------------------------------------------- frames


def _frame(records: Any, columns: list[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    rows = [as_row(record) for record in records]
    return pd.DataFrame(rows, columns=columns or (list(rows[0]) if rows else None))


@functools.cache
def _roles_frame() -> pd.DataFrame:
    return _frame(roles())


@functools.cache
def _tasks_frame() -> pd.DataFrame:
    return _frame(tasks())


@functools.cache
def _archetypes_frame() -> pd.DataFrame:
    return _frame(archetypes())


@functools.cache
def _statistics_frame() -> pd.DataFrame:
    frame = _frame(statistics())
    return frame.astype({"sample_size": "Int64", "year": "Int64"})


def roles_frame() -> pd.DataFrame:
    """One row per role; list fields (responsibilities, skills...) are tuples.

    >>> roles_frame().loc[lambda f: f.core, "id"].tolist()
    ['data_engineer', 'data_scientist', 'ml_engineer', 'product_manager']
    """
    return _roles_frame().copy()


def tasks_frame() -> pd.DataFrame:
    """One row per task: id, task, responsible, stage, rationale, consulted, source."""
    return _tasks_frame().copy()


def archetypes_frame() -> pd.DataFrame:
    """One row per organizational archetype."""
    return _archetypes_frame().copy()


def statistics_frame() -> pd.DataFrame:
    """One row per statistic; ``sample_size`` and ``year`` are nullable integers.

    >>> frame = statistics_frame().set_index("id")
    >>> int(frame.loc["gartner_pilot_to_production_2021", "sample_size"]), str(frame["year"].dtype)
    (699, 'Int64')
    """
    return _statistics_frame().copy()


def stages_frame(name: str = COURSE_LIFECYCLE) -> pd.DataFrame:
    """The stages of one lifecycle: id, name, order, description (and ``lifecycle``).

    >>> stages_frame("waterfall")["id"].tolist()
    ['requirements', 'design', 'implementation', 'verification', 'maintenance']
    """
    item = lifecycle(name)
    import pandas as pd

    frame = _frame(item.stages, ["id", "name", "order", "description", "equivalents"])
    frame["equivalents"] = pd.Series(
        [dict(stage.equivalents) for stage in item.stages], index=frame.index, dtype=object
    )
    frame.insert(0, "lifecycle", item.id)
    return frame


def loops_frame(name: str = COURSE_LIFECYCLE) -> pd.DataFrame:
    """The feedback loops of one lifecycle: from_stage, to_stage, reason, source (and ``lifecycle``).

    A loop without its own source cites the lifecycle's.

    >>> loops_frame("crisp_dm")[["from_stage", "to_stage"]].iloc[2].tolist()
    ['evaluation', 'business_understanding']
    """
    item = lifecycle(name)
    frame = _frame(item.loops, ["from_stage", "to_stage", "reason", "source"])
    frame["source"] = [loop.source or item.source for loop in item.loops]
    frame.insert(0, "lifecycle", item.id)
    return frame
