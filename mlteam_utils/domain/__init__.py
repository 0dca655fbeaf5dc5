"""The ML-team domain data: roles, lifecycles, tasks, organizations, statistics and datasets.

Everything is read from files shipped in ``mlteam_utils/data`` (JSON for the
facts, CSV for the hands-on datasets), checked when first loaded, and cached.
Records are frozen dataclasses; every ``*_frame()`` and ``load_dataset()`` call
returns a fresh pandas DataFrame. Importing this package does not import pandas.

>>> from mlteam_utils.domain import roles, tasks, lifecycle, archetypes, statistics
>>> len(roles()), len(tasks()) >= 60, len(archetypes())
(8, True, 5)
>>> [loop.to_stage for loop in lifecycle("course").loops if loop.from_stage == "monitoring"]
['data_acquisition', 'problem_framing']
>>> sorted({s.evidence_grade for s in statistics()})
['moderate', 'strong', 'unverified', 'weak']

A broken file fails with the file and the row at fault:

>>> from mlteam_utils.domain import parse_roles
>>> parse_roles('{"roles": [{"id": "pm"}]}')
Traceback (most recent call last):
...
mlteam_utils.domain.errors.DomainDataError: roles.json, row 1 (id 'pm'): field 'name' is missing
"""

from __future__ import annotations

from mlteam_utils.domain.api import (
    archetypes,
    archetypes_frame,
    course_stage_ids,
    lifecycle,
    lifecycle_names,
    lifecycles,
    loops_frame,
    role,
    role_ids,
    roles,
    roles_frame,
    sources,
    stages_frame,
    statistics,
    statistics_frame,
    tasks,
    tasks_frame,
)
from mlteam_utils.domain.catalog import DATA_FILES, Domain, data_folder, load_domain
from mlteam_utils.domain.datasets import (
    dataset_info,
    dataset_names,
    datasets_frame,
    load_dataset,
    parse_dataset,
    read_dataset,
)
from mlteam_utils.domain.errors import DomainDataError
from mlteam_utils.domain.parsers import (
    COURSE_LIFECYCLE,
    parse_archetypes,
    parse_datasets,
    parse_lifecycles,
    parse_roles,
    parse_statistics,
    parse_tasks,
)
from mlteam_utils.domain.records import (
    ColumnInfo,
    DatasetInfo,
    FeedbackLoop,
    Lifecycle,
    LifecycleStage,
    OrgArchetype,
    Role,
    Statistic,
    Task,
)

__all__ = [
    "COURSE_LIFECYCLE",
    "DATA_FILES",
    "ColumnInfo",
    "DatasetInfo",
    "Domain",
    "DomainDataError",
    "FeedbackLoop",
    "Lifecycle",
    "LifecycleStage",
    "OrgArchetype",
    "Role",
    "Statistic",
    "Task",
    "archetypes",
    "archetypes_frame",
    "course_stage_ids",
    "data_folder",
    "dataset_info",
    "dataset_names",
    "datasets_frame",
    "lifecycle",
    "lifecycle_names",
    "lifecycles",
    "load_dataset",
    "load_domain",
    "loops_frame",
    "parse_archetypes",
    "parse_dataset",
    "parse_datasets",
    "parse_lifecycles",
    "parse_roles",
    "parse_statistics",
    "parse_tasks",
    "read_dataset",
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
