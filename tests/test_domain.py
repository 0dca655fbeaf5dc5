"""The shipped ML-team domain data: counts, coverage, integrity, and frames that match the records."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pandas as pd
import pytest

from mlteam_utils import domain
from mlteam_utils.domain.records import as_row

SEED_KEY_QUESTION = "How can we use this data to build a machine learning model for predicting something?"
ROLE_IDS = {
    "data_engineer",
    "data_scientist",
    "ml_engineer",
    "product_manager",
    "mlops_engineer",
    "ml_researcher",
    "data_analyst",
    "domain_expert",
}
COURSE_STAGES = (
    "problem_framing",
    "data_acquisition",
    "data_preparation",
    "modeling",
    "evaluation",
    "deployment",
    "monitoring",
)
# Every citation must start with one of the sources the content brief and the seed name.
CITABLE = (
    "seed",
    "FSDL 2022",
    "CRISP-DM 1.0",
    "Microsoft TDSP",
    "Microsoft engineering playbook",
    "Scrum Guide 2020",
    "Google Rules of ML",
    "Google MLOps maturity levels",
    "Google People + AI Guidebook",
    "Andrew Ng",
    "Huyen, Designing Machine Learning Systems",
    "Huyen, ML Interviews Book",
    "Sculley et al.",
    "Nahar et al.",
    "Booking.com",
    "C. Kastner",
    "Waterfall model",
    "Gartner survey",
    "Gartner prediction",
    "VentureBeat Transform 2019",
    "Alegion / Dimensional Research",
    "KDnuggets poll",
    "Nexla survey",
    "LinkedIn Emerging Jobs report",
    "Anaconda State of Data Science 2020",
)


def test_eight_roles_four_of_them_core() -> None:
    """The seed's four core roles plus the four around them, with unique snake_case ids."""
    roles = domain.roles()
    assert {r.id for r in roles} == ROLE_IDS and len(roles) == 8
    assert [r.id for r in roles if r.core] == ["data_engineer", "data_scientist", "ml_engineer", "product_manager"]
    assert domain.role_ids() == tuple(r.id for r in roles)


def test_data_scientist_asks_the_seed_question() -> None:
    """The data scientist's key question is the seed's, word for word."""
    assert domain.role("data_scientist").key_question == SEED_KEY_QUESTION


def test_every_role_is_complete() -> None:
    """Each role has every list filled and cites a source."""
    for role in domain.roles():
        for name in ("responsibilities", "skills", "tools", "deliverables", "works_with"):
            assert getattr(role, name), f"{role.id}: {name} is empty"
        assert role.mission and role.key_question.endswith("?") and role.source


def test_works_with_is_symmetric() -> None:
    """If A works with B, B works with A."""
    by_id = {r.id: r for r in domain.roles()}
    for role in by_id.values():
        for other in role.works_with:
            assert role.id in by_id[other].works_with, f"{role.id} works with {other} but not the reverse"


def test_seed_skills_are_kept() -> None:
    """The seed's named skills appear on the data engineer and the data scientist."""
    assert {"AWS", "Kafka", "Airflow"} <= set(domain.role("data_engineer").tools)
    assert {"Python", "Machine learning", "SQL"} <= set(domain.role("data_scientist").skills)


def test_unknown_role_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="data_engineer"):
        domain.role("ml_eng")


def test_task_catalog_size_and_coverage() -> None:
    """At least 60 tasks; every role Responsible for 3 or more; every course stage has tasks."""
    tasks = domain.tasks()
    assert len(tasks) >= 60
    per_role = Counter(t.responsible for t in tasks)
    assert set(per_role) == ROLE_IDS
    assert min(per_role.values()) >= 3, per_role
    per_stage = Counter(t.stage for t in tasks)
    assert set(per_stage) == set(COURSE_STAGES)


def test_tasks_are_distinct_and_explained() -> None:
    """Ids and texts are unique, every task has a rationale, and consulted roles exclude the responsible one."""
    tasks = domain.tasks()
    assert len({t.id for t in tasks}) == len(tasks)
    assert len({t.task.lower() for t in tasks}) == len(tasks)
    for task in tasks:
        assert task.rationale and task.source
        assert task.responsible not in task.consulted


def test_course_lifecycle_stages_and_loops() -> None:
    """The course lifecycle has the task stages in order and the loops the lessons teach."""
    course = domain.lifecycle("course")
    assert course.stage_ids == COURSE_STAGES == domain.course_stage_ids()
    assert [s.order for s in course.stages] == list(range(1, 8))
    loops = {(loop.from_stage, loop.to_stage) for loop in course.loops}
    assert ("evaluation", "problem_framing") in loops
    assert ("monitoring", "data_acquisition") in loops


@pytest.mark.parametrize(
    ("name", "stage_ids"),
    [
        ("waterfall", ["requirements", "design", "implementation", "verification", "maintenance"]),
        ("scrum", ["sprint", "sprint_planning", "daily_scrum", "sprint_review", "sprint_retrospective"]),
        (
            "crisp_dm",
            [
                "business_understanding",
                "data_understanding",
                "data_preparation",
                "modeling",
                "evaluation",
                "deployment",
            ],
        ),
        (
            "tdsp",
            [
                "business_understanding",
                "data_acquisition_and_understanding",
                "modeling",
                "deployment",
                "customer_acceptance",
            ],
        ),
        ("ng", ["scoping", "data", "modeling", "deployment"]),
    ],
)
def test_named_frameworks(name: str, stage_ids: list[str]) -> None:
    """Waterfall's phases, Scrum's five events, CRISP-DM's 6 phases, TDSP's 5 stages, Ng's 4."""
    assert list(domain.lifecycle(name).stage_ids) == stage_ids


def test_only_waterfall_has_no_loops() -> None:
    """The teaching point: every lifecycle but Waterfall plans its way back."""
    for item in domain.lifecycles():
        assert bool(item.loops) == (item.id != "waterfall"), item.id
    crisp = {(loop.from_stage, loop.to_stage) for loop in domain.lifecycle("crisp_dm").loops}
    assert ("evaluation", "business_understanding") in crisp


def test_course_stages_map_to_every_ml_framework() -> None:
    """Each course stage names its counterpart in CRISP-DM, TDSP and Ng's lifecycle."""
    for stage in domain.lifecycle("course").stages:
        for framework in ("crisp_dm", "tdsp", "ng"):
            assert stage.equivalent_in(framework), f"{stage.id} has no {framework} equivalent"
    assert domain.lifecycle("course").stage("modeling").equivalent_in("crisp_dm") == ("modeling",)


def test_lifecycle_lookup_accepts_aliases_and_reports_unknown() -> None:
    assert domain.lifecycle("Agile").id == "scrum"
    assert domain.lifecycle("CRISP-DM").id == "crisp_dm"
    with pytest.raises(KeyError, match="crisp_dm"):
        domain.lifecycle("spiral")
    with pytest.raises(KeyError, match="problem_framing"):
        domain.lifecycle("course").stage("training")


def test_five_archetypes_in_fsdl_order() -> None:
    """FSDL's five archetypes, nascent first, each with the three design choices filled in."""
    archetypes = domain.archetypes()
    assert [a.id for a in archetypes] == ["nascent_ad_hoc", "ml_rd", "embedded", "independent", "ml_first"]
    assert [a.order for a in archetypes] == [1, 2, 3, 4, 5]
    for archetype in archetypes:
        assert archetype.data_owner and archetype.model_owner and archetype.emphasis
        assert archetype.strengths and archetype.challenges
        assert archetype.source.startswith("FSDL 2022")
    assert domain.archetypes()[1].emphasis == "research"


def test_statistics_carry_the_briefs_figures() -> None:
    """The figures for statistic forensics, with the sample sizes and grades the brief supports."""
    stats = {s.id: s for s in domain.statistics()}
    assert stats["mle_per_ds_ratio"].figure == "1:10"
    assert stats["mle_per_ds_ratio"].evidence_grade == "unverified"
    assert stats["never_reach_production_87"].figure == "87%"
    assert stats["never_reach_production_87"].evidence_type == "panel remark"
    assert stats["never_reach_production_87"].year == 2019
    assert stats["gartner_pilot_to_production_2019"].figure == "53%"
    assert (
        stats["gartner_pilot_to_production_2021"].figure,
        stats["gartner_pilot_to_production_2021"].sample_size,
    ) == ("54%", 699)
    assert stats["alegion_projects_stall"].figure == "78%"
    assert stats["kdnuggets_models_deployed"].evidence_type == "poll"
    assert stats["nexla_engineers_per_users"].sample_size == 266
    assert stats["linkedin_mle_growth"].figure == "9.8x"
    assert stats["anaconda_time_split"].sample_size == 2360
    assert {s.evidence_grade for s in stats.values()} == {"strong", "moderate", "weak", "unverified"}


def test_the_panel_remark_is_graded_below_the_surveys() -> None:
    """A remark with no method must not outrank a survey with a stated sample."""
    order = ["unverified", "weak", "moderate", "strong"]
    stats = {s.id: s for s in domain.statistics()}
    assert order.index(stats["never_reach_production_87"].evidence_grade) < order.index(
        stats["gartner_pilot_to_production_2021"].evidence_grade
    )


def test_every_citation_is_a_known_source() -> None:
    """Facts are cited, and only from the sources the content brief and the seed name."""
    for citation in domain.sources():
        assert citation.startswith(CITABLE), f"unexpected source {citation!r}"


def test_frames_match_records() -> None:
    """Each frame has one row per record with the same fields and values."""
    pairs = [
        (domain.roles_frame(), domain.roles()),
        (domain.tasks_frame(), domain.tasks()),
        (domain.archetypes_frame(), domain.archetypes()),
    ]
    for frame, records in pairs:
        assert frame.to_dict("records") == [as_row(r) for r in records]
    stats = domain.statistics_frame()
    for row, record in zip(stats.to_dict("records"), domain.statistics(), strict=True):
        expected = as_row(record)
        for key in ("sample_size", "year"):
            assert (None if pd.isna(row[key]) else row[key]) == expected[key]
            row.pop(key), expected.pop(key)
        assert row == expected


def test_stage_and_loop_frames() -> None:
    stages = domain.stages_frame("crisp_dm")
    assert stages["id"].tolist() == list(domain.lifecycle("crisp_dm").stage_ids)
    assert set(stages["lifecycle"]) == {"crisp_dm"}
    loops = domain.loops_frame("course")
    assert len(loops) == len(domain.lifecycle("course").loops)
    assert loops["source"].str.len().min() > 0
    assert domain.loops_frame("waterfall").empty


def test_frames_are_fresh_copies() -> None:
    """Changing a returned frame does not change the next one."""
    frame = domain.tasks_frame()
    frame.loc[0, "responsible"] = "nobody"
    del frame["stage"]
    again = domain.tasks_frame()
    assert again.loc[0, "responsible"] != "nobody" and "stage" in again


def test_tasks_frame_joins_to_roles_and_stages() -> None:
    """A lesson-style join works: every task finds its role and stage."""
    joined = (
        domain.tasks_frame()
        .merge(domain.roles_frame()[["id", "name"]], left_on="responsible", right_on="id", suffixes=("", "_role"))
        .merge(domain.stages_frame()[["id", "order"]], left_on="stage", right_on="id", suffixes=("", "_stage"))
    )
    assert len(joined) == len(domain.tasks())


def test_import_is_light() -> None:
    """Importing the domain package imports neither pandas nor matplotlib nor ipywidgets, and reads nothing."""
    code = (
        "import sys, mlteam_utils.domain as d;"
        "heavy = [m for m in ('pandas', 'matplotlib', 'ipywidgets') if m in sys.modules];"
        "print(heavy, d.catalog.shipped_domain.cache_info().currsize)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[] 0"
