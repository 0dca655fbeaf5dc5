"""The typed records of the domain data: frozen dataclasses, one per kind of fact.

>>> FeedbackLoop("evaluation", "problem_framing", "The model cannot meet the goal.").to_stage
'problem_framing'
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = [
    "ColumnInfo",
    "DatasetInfo",
    "FeedbackLoop",
    "Lifecycle",
    "LifecycleStage",
    "OrgArchetype",
    "Role",
    "Statistic",
    "Task",
    "as_row",
]

EVIDENCE_GRADES = ("strong", "moderate", "weak", "unverified")
EVIDENCE_TYPES = ("survey", "poll", "panel remark", "secondhand report", "industry report", "prediction")
EMPHASES = ("research", "software engineering", "balanced", "undefined")
LIFECYCLE_KINDS = ("sequential", "iterative", "ml")


@dataclass(frozen=True)
class Role:
    """A role in an ML team; ``core`` marks the seed's four core roles."""

    id: str
    name: str
    core: bool
    mission: str
    responsibilities: tuple[str, ...]
    skills: tuple[str, ...]
    tools: tuple[str, ...]
    key_question: str
    deliverables: tuple[str, ...]
    works_with: tuple[str, ...]
    note: str
    source: str


@dataclass(frozen=True)
class LifecycleStage:
    """One stage (phase, event) of a lifecycle, numbered from 1 by ``order``.

    ``equivalents`` maps another lifecycle's id to its matching stage ids
    (filled in for the course lifecycle only).
    """

    id: str
    name: str
    order: int
    description: str
    equivalents: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def equivalent_in(self, lifecycle_id: str) -> tuple[str, ...]:
        """Stage ids of ``lifecycle_id`` that match this stage (empty if none)."""
        return dict(self.equivalents).get(lifecycle_id, ())


@dataclass(frozen=True)
class FeedbackLoop:
    """A way back: work returns from ``from_stage`` to ``to_stage`` for ``reason``."""

    from_stage: str
    to_stage: str
    reason: str
    source: str = ""


@dataclass(frozen=True)
class Lifecycle:
    """A delivery lifecycle: its stages in order and its feedback loops."""

    id: str
    name: str
    kind: str
    description: str
    stages: tuple[LifecycleStage, ...]
    loops: tuple[FeedbackLoop, ...]
    source: str

    @property
    def stage_ids(self) -> tuple[str, ...]:
        """Stage ids in order."""
        return tuple(stage.id for stage in self.stages)

    def stage(self, stage_id: str) -> LifecycleStage:
        """The stage with this id; ``KeyError`` names the known ids."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(f"{self.id!r} has no stage {stage_id!r}; its stages are {', '.join(self.stage_ids)}")


@dataclass(frozen=True)
class Task:
    """A task in an ML project, with the one role Responsible for it."""

    id: str
    task: str
    responsible: str
    stage: str
    rationale: str
    consulted: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class OrgArchetype:
    """One of FSDL's five ways an organization can place ML."""

    id: str
    order: int
    name: str
    description: str
    where_ml_sits: str
    data_owner: str
    model_owner: str
    emphasis: str
    strengths: tuple[str, ...]
    challenges: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Statistic:
    """A popular claim, traced to its origin and graded for how well it is supported."""

    id: str
    claim: str
    figure: str
    origin: str
    evidence_type: str
    sample_size: int | None
    year: int | None
    evidence_grade: str
    note: str
    source: str


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a course dataset."""

    name: str
    dtype: str
    description: str
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    references: str | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """What a course dataset is, which lesson uses it, and its columns."""

    name: str
    file: str
    title: str
    description: str
    lesson: str
    columns: tuple[ColumnInfo, ...]
    known_issues: tuple[str, ...]
    source: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in file order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnInfo:
        """The column called ``name``; ``KeyError`` if the dataset has none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"dataset {self.name!r} has no column {name!r}")


def as_row(record: Any) -> dict[str, Any]:
    """A record's top-level fields as a dict (nested records stay objects).

    >>> as_row(FeedbackLoop("a", "b", "why"))
    {'from_stage': 'a', 'to_stage': 'b', 'reason': 'why', 'source': ''}
    """
    return {f.name: getattr(record, f.name) for f in fields(record)}
