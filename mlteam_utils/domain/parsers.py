"""Parse and validate the domain data files from their text.

Each ``parse_*`` function takes the file's text (and the ids it may refer to)
and returns typed records, or raises :class:`DomainDataError` naming the file
and the row. Tests feed them broken text; :func:`load_domain` feeds them the
shipped files.

>>> parse_tasks('{"tasks": [{"id": "deploy_model", "task": "Deploy it.", "responsible": "ml_eng",'
...             ' "stage": "deployment", "rationale": "Why.", "source": "seed"}]}',
...             role_ids=["ml_engineer"], stage_ids=["deployment"])
Traceback (most recent call last):
...
mlteam_utils.domain.errors.DomainDataError: tasks.json, row 1 (id 'deploy_model'): responsible role 'ml_eng' is not a known role id (known: ml_engineer)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from mlteam_utils.domain._reader import ID_PATTERN, Record, check_unique_ids, load_json, records_of
from mlteam_utils.domain.errors import DomainDataError
from mlteam_utils.domain.records import (
    EMPHASES,
    EVIDENCE_GRADES,
    EVIDENCE_TYPES,
    LIFECYCLE_KINDS,
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
    "COLUMN_DTYPES",
    "COURSE_LIFECYCLE",
    "REFERENCE_KINDS",
    "parse_archetypes",
    "parse_datasets",
    "parse_lifecycles",
    "parse_roles",
    "parse_statistics",
    "parse_tasks",
]

COURSE_LIFECYCLE = "course"
COLUMN_DTYPES = ("string", "int", "float", "bool", "date")
REFERENCE_KINDS = ("roles",)


def _known(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids))


def parse_roles(text: str, *, file: str = "roles.json") -> tuple[Role, ...]:
    """Roles from ``roles.json``; ``works_with`` must name other known roles."""
    rows = records_of(load_json(text, file), "roles", file)
    roles: list[Role] = []
    for row in rows:
        row.check_fields(
            [
                "id",
                "name",
                "core",
                "mission",
                "responsibilities",
                "skills",
                "tools",
                "key_question",
                "deliverables",
                "works_with",
                "source",
            ],
            ["note"],
        )
        roles.append(
            Role(
                id=row.identifier(),
                name=row.text("name"),
                core=row.flag("core"),
                mission=row.text("mission"),
                responsibilities=row.texts("responsibilities"),
                skills=row.texts("skills"),
                tools=row.texts("tools"),
                key_question=row.text("key_question"),
                deliverables=row.texts("deliverables"),
                works_with=row.texts("works_with"),
                note=row.text("note", default=""),
                source=row.text("source"),
            )
        )
    check_unique_ids(rows, [role.id for role in roles])
    ids = {role.id for role in roles}
    for row, role in zip(rows, roles, strict=True):
        seen: set[str] = set()
        for other in role.works_with:
            if other not in ids:
                row.fail(f"works_with {other!r} is not a known role id (known: {_known(ids)})")
            if other == role.id:
                row.fail("works_with lists the role itself")
            if other in seen:
                row.fail(f"works_with lists {other!r} twice")
            seen.add(other)
    return tuple(roles)


def _parse_stages(owner: Record, lifecycle_id: str) -> tuple[list[Record], list[LifecycleStage]]:
    rows = records_of(owner.data, "stages", owner.file, f"lifecycle {lifecycle_id!r}, stages")
    if not rows:
        owner.fail("field 'stages' must not be empty")
    stages: list[LifecycleStage] = []
    for row in rows:
        row.check_fields(["id", "name", "order", "description"], ["equivalents"])
        stages.append(
            LifecycleStage(
                id=row.identifier(),
                name=row.text("name"),
                order=row.integer("order", minimum=1) or 0,
                description=row.text("description"),
                equivalents=_parse_equivalents(row),
            )
        )
    check_unique_ids(rows, [stage.id for stage in stages])
    for number, (row, stage) in enumerate(zip(rows, stages, strict=True), start=1):
        if stage.order != number:
            row.fail(f"field 'order' must be {number} (stages are listed in order, numbered from 1), not {stage.order}")
    return rows, stages


def _parse_equivalents(row: Record) -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = row.data.get("equivalents", {})
    if not isinstance(raw, dict):
        row.fail(f"field 'equivalents' must map lifecycle ids to lists of stage ids, not {raw!r}")
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for lifecycle_id, stage_ids in raw.items():
        if not isinstance(stage_ids, list) or not stage_ids or not all(isinstance(s, str) for s in stage_ids):
            row.fail(f"equivalents for {lifecycle_id!r} must be a non-empty list of stage ids, not {stage_ids!r}")
        pairs.append((lifecycle_id, tuple(stage_ids)))
    return tuple(pairs)


def _parse_loops(owner: Record, lifecycle_id: str, stage_ids: Collection[str]) -> list[FeedbackLoop]:
    rows = records_of(owner.data, "loops", owner.file, f"lifecycle {lifecycle_id!r}, loops")
    loops: list[FeedbackLoop] = []
    for row in rows:
        row.check_fields(["from_stage", "to_stage", "reason"], ["source"])
        loop = FeedbackLoop(
            from_stage=row.text("from_stage"),
            to_stage=row.text("to_stage"),
            reason=row.text("reason"),
            source=row.text("source", default=""),
        )
        for end in ("from_stage", "to_stage"):
            value = getattr(loop, end)
            if value not in stage_ids:
                row.fail(f"{end} {value!r} is not a stage of {lifecycle_id!r} (stages: {', '.join(stage_ids)})")
        if loop.from_stage == loop.to_stage:
            row.fail(f"a loop must go from one stage to another, not from {loop.from_stage!r} to itself")
        loops.append(loop)
    return loops


def parse_lifecycles(text: str, *, file: str = "lifecycles.json") -> tuple[Lifecycle, ...]:
    """Lifecycles from ``lifecycles.json``: stages numbered in order, loops between known stages,
    and ``equivalents`` that point at stages of other known lifecycles."""
    rows = records_of(load_json(text, file), "lifecycles", file)
    lifecycles: list[Lifecycle] = []
    stage_rows: list[list[Record]] = []
    for row in rows:
        row.check_fields(["id", "name", "kind", "description", "stages", "loops", "source"])
        lifecycle_id = row.identifier()
        rows_of_stages, stages = _parse_stages(row, lifecycle_id)
        loops = _parse_loops(row, lifecycle_id, [stage.id for stage in stages])
        stage_rows.append(rows_of_stages)
        lifecycles.append(
            Lifecycle(
                id=lifecycle_id,
                name=row.text("name"),
                kind=row.choice("kind", LIFECYCLE_KINDS),
                description=row.text("description"),
                stages=tuple(stages),
                loops=tuple(loops),
                source=row.text("source"),
            )
        )
    check_unique_ids(rows, [lifecycle.id for lifecycle in lifecycles])
    stages_by_lifecycle = {lifecycle.id: lifecycle.stage_ids for lifecycle in lifecycles}
    for lifecycle, rows_of_stages in zip(lifecycles, stage_rows, strict=True):
        for row, stage in zip(rows_of_stages, lifecycle.stages, strict=True):
            for other, stage_ids in stage.equivalents:
                if other not in stages_by_lifecycle or other == lifecycle.id:
                    row.fail(
                        f"equivalents names {other!r}, which is not another known lifecycle "
                        f"(known: {_known(stages_by_lifecycle)})"
                    )
                for stage_id in stage_ids:
                    if stage_id not in stages_by_lifecycle[other]:
                        row.fail(
                            f"equivalent stage {stage_id!r} is not a stage of {other!r} "
                            f"(stages: {', '.join(stages_by_lifecycle[other])})"
                        )
    return tuple(lifecycles)


def parse_tasks(
    text: str, *, role_ids: Collection[str], stage_ids: Collection[str], file: str = "tasks.json"
) -> tuple[Task, ...]:
    """Tasks from ``tasks.json``; roles must be in ``role_ids`` and stages in ``stage_ids``
    (the course lifecycle's stages)."""
    rows = records_of(load_json(text, file), "tasks", file)
    tasks: list[Task] = []
    for row in rows:
        row.check_fields(["id", "task", "responsible", "stage", "rationale", "source"], ["consulted"])
        task = Task(
            id=row.identifier(),
            task=row.text("task"),
            responsible=row.text("responsible"),
            stage=row.text("stage"),
            rationale=row.text("rationale"),
            consulted=row.texts("consulted", allow_empty=True, default=()),
            source=row.text("source"),
        )
        if task.responsible not in role_ids:
            row.fail(f"responsible role {task.responsible!r} is not a known role id (known: {_known(role_ids)})")
        if task.stage not in stage_ids:
            row.fail(f"stage {task.stage!r} is not a stage of the course lifecycle (stages: {', '.join(stage_ids)})")
        for role_id in task.consulted:
            if role_id not in role_ids:
                row.fail(f"consulted role {role_id!r} is not a known role id (known: {_known(role_ids)})")
            if role_id == task.responsible:
                row.fail(f"consulted lists {role_id!r}, which is already the responsible role")
        if len(set(task.consulted)) != len(task.consulted):
            row.fail("consulted lists a role twice")
        tasks.append(task)
    check_unique_ids(rows, [task.id for task in tasks])
    return tuple(tasks)


def parse_archetypes(text: str, *, file: str = "archetypes.json") -> tuple[OrgArchetype, ...]:
    """Organizational archetypes from ``archetypes.json``, numbered 1.. by ``order``."""
    rows = records_of(load_json(text, file), "archetypes", file)
    archetypes: list[OrgArchetype] = []
    for number, row in enumerate(rows, start=1):
        row.check_fields(
            [
                "id",
                "order",
                "name",
                "description",
                "where_ml_sits",
                "data_owner",
                "model_owner",
                "emphasis",
                "strengths",
                "challenges",
                "source",
            ]
        )
        archetype = OrgArchetype(
            id=row.identifier(),
            order=row.integer("order", minimum=1) or 0,
            name=row.text("name"),
            description=row.text("description"),
            where_ml_sits=row.text("where_ml_sits"),
            data_owner=row.text("data_owner"),
            model_owner=row.text("model_owner"),
            emphasis=row.choice("emphasis", EMPHASES),
            strengths=row.texts("strengths"),
            challenges=row.texts("challenges"),
            source=row.text("source"),
        )
        if archetype.order != number:
            row.fail(f"field 'order' must be {number} (archetypes are listed in order), not {archetype.order}")
        archetypes.append(archetype)
    check_unique_ids(rows, [archetype.id for archetype in archetypes])
    return tuple(archetypes)


def parse_statistics(text: str, *, file: str = "statistics.json") -> tuple[Statistic, ...]:
    """Graded statistics from ``statistics.json``."""
    rows = records_of(load_json(text, file), "statistics", file)
    statistics: list[Statistic] = []
    for row in rows:
        row.check_fields(
            [
                "id",
                "claim",
                "figure",
                "origin",
                "evidence_type",
                "sample_size",
                "year",
                "evidence_grade",
                "note",
                "source",
            ]
        )
        year = row.integer("year", nullable=True)
        if year is not None and not 1900 <= year <= 2100:
            row.fail(f"field 'year' must be a year such as 2019, not {year}")
        statistics.append(
            Statistic(
                id=row.identifier(),
                claim=row.text("claim"),
                figure=row.text("figure"),
                origin=row.text("origin"),
                evidence_type=row.choice("evidence_type", EVIDENCE_TYPES),
                sample_size=row.integer("sample_size", minimum=1, nullable=True),
                year=year,
                evidence_grade=row.choice("evidence_grade", EVIDENCE_GRADES),
                note=row.text("note"),
                source=row.text("source"),
            )
        )
    check_unique_ids(rows, [statistic.id for statistic in statistics])
    return tuple(statistics)


def _parse_columns(owner: Record, dataset: str) -> tuple[ColumnInfo, ...]:
    rows = records_of(owner.data, "columns", owner.file, f"dataset {dataset!r}, columns")
    if not rows:
        owner.fail("field 'columns' must not be empty")
    columns: list[ColumnInfo] = []
    for row in rows:
        row.check_fields(["name", "dtype", "description"], ["nullable", "allowed", "references"])
        references = row.choice("references", REFERENCE_KINDS) if "references" in row.data else None
        columns.append(
            ColumnInfo(
                name=row.text("name"),
                dtype=row.choice("dtype", COLUMN_DTYPES),
                description=row.text("description"),
                nullable=row.flag("nullable", default=False),
                allowed=row.texts("allowed", default=()),
                references=references,
            )
        )
    check_unique_ids(rows, [column.name for column in columns], "column name")
    return tuple(columns)


def parse_datasets(text: str, *, file: str = "datasets.json") -> tuple[DatasetInfo, ...]:
    """The course datasets' manifest: each dataset's file, lesson, columns and known issues."""
    rows = records_of(load_json(text, file), "datasets", file)
    datasets: list[DatasetInfo] = []
    for row in rows:
        row.check_fields(["name", "file", "title", "description", "lesson", "columns", "known_issues", "source"])
        name = row.identifier("name")
        data_file = row.text("file")
        if data_file != f"{name}.csv":
            row.fail(f"field 'file' must be {name + '.csv'!r}, not {data_file!r}")
        lesson = row.text("lesson")
        if not ID_PATTERN.match(lesson):
            row.fail(f"field 'lesson' must be a lesson slug such as 'data_engineer', not {lesson!r}")
        datasets.append(
            DatasetInfo(
                name=name,
                file=data_file,
                title=row.text("title"),
                description=row.text("description"),
                lesson=lesson,
                columns=_parse_columns(row, name),
                known_issues=row.texts("known_issues", allow_empty=True),
                source=row.text("source"),
            )
        )
    check_unique_ids(rows, [dataset.name for dataset in datasets], "name")
    return tuple(datasets)


def require_course_lifecycle(lifecycles: tuple[Lifecycle, ...], file: str = "lifecycles.json") -> Lifecycle:
    """The course lifecycle, whose stage ids tasks use; an error if it is missing."""
    for lifecycle in lifecycles:
        if lifecycle.id == COURSE_LIFECYCLE:
            return lifecycle
    raise DomainDataError(
        f"{file}: no lifecycle with id {COURSE_LIFECYCLE!r} (tasks take their stages from it)", file=file
    )
