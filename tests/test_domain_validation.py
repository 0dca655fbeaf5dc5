"""Broken domain files fail loudly, with the file and the row in the message."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlteam_utils import domain
from mlteam_utils.domain import DATA_FILES, DomainDataError, load_domain, read_dataset

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped domain files and datasets."""
    source = Path(str(domain.data_folder()))
    for name in [*DATA_FILES, *(f"{n}.csv" for n in domain.dataset_names())]:
        shutil.copy(source / name, tmp_path / name)
    return tmp_path


def edit_json(folder: Path, name: str, change: Edit) -> None:
    path = folder / name
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def load_error(folder: Path) -> DomainDataError:
    with pytest.raises(DomainDataError) as caught:
        load_domain(folder)
    return caught.value


def test_an_unchanged_copy_loads_like_the_shipped_data(data_copy: Path) -> None:
    """The fixture is valid, so every failure below comes from the one edit."""
    assert load_domain(data_copy) == domain.catalog.shipped_domain()


def test_task_with_unknown_role(data_copy: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["tasks"][16]["responsible"] = "ml_eng"

    edit_json(data_copy, "tasks.json", change)
    error = load_error(data_copy)
    task_id = json.loads((data_copy / "tasks.json").read_text())["tasks"][16]["id"]
    assert str(error).startswith(
        f"tasks.json, row 17 (id {task_id!r}): responsible role 'ml_eng' is not a known role id"
    )
    assert (error.file, error.row, error.record_id) == ("tasks.json", 17, task_id)


def test_task_with_unknown_stage(data_copy: Path) -> None:
    edit_json(data_copy, "tasks.json", lambda doc: doc["tasks"][3].update(stage="training"))
    message = str(load_error(data_copy))
    assert (
        message.startswith("tasks.json, row 4 (id ")
        and "stage 'training' is not a stage of the course lifecycle" in message
    )


def test_task_with_unknown_consulted_role(data_copy: Path) -> None:
    edit_json(data_copy, "tasks.json", lambda doc: doc["tasks"][0].update(consulted=["legal"]))
    assert "tasks.json, row 1 (id 'write_problem_statement'): consulted role 'legal'" in str(load_error(data_copy))


def test_duplicate_task_id(data_copy: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["tasks"][9]["id"] = doc["tasks"][2]["id"]

    edit_json(data_copy, "tasks.json", change)
    message = str(load_error(data_copy))
    assert message.startswith("tasks.json, row 10 (id ") and "duplicate id" in message and "row 3" in message


def test_task_missing_field(data_copy: Path) -> None:
    edit_json(data_copy, "tasks.json", lambda doc: doc["tasks"][5].pop("rationale"))
    message = str(load_error(data_copy))
    assert message.startswith("tasks.json, row 6 (id ") and message.endswith("field 'rationale' is missing")


def test_role_works_with_unknown_role(data_copy: Path) -> None:
    edit_json(data_copy, "roles.json", lambda doc: doc["roles"][2]["works_with"].append("devops"))
    assert str(load_error(data_copy)).startswith(
        "roles.json, row 3 (id 'ml_engineer'): works_with 'devops' is not a known role id"
    )


def test_role_with_wrong_type(data_copy: Path) -> None:
    edit_json(data_copy, "roles.json", lambda doc: doc["roles"][0].update(core="yes"))
    assert (
        str(load_error(data_copy))
        == "roles.json, row 1 (id 'data_engineer'): field 'core' must be true or false, not 'yes'"
    )


def test_role_with_misspelt_field(data_copy: Path) -> None:
    edit_json(data_copy, "roles.json", lambda doc: doc["roles"][1].update(skils=["R"]))
    assert "roles.json, row 2 (id 'data_scientist'): unknown field 'skils'" in str(load_error(data_copy))


def test_loop_to_unknown_stage(data_copy: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        crisp = next(item for item in doc["lifecycles"] if item["id"] == "crisp_dm")
        crisp["loops"][1]["to_stage"] = "training"

    edit_json(data_copy, "lifecycles.json", change)
    assert str(load_error(data_copy)).startswith(
        "lifecycles.json, lifecycle 'crisp_dm', loops row 2: to_stage 'training' is not a stage of 'crisp_dm'"
    )


def test_stages_out_of_order(data_copy: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["lifecycles"][0]["stages"][2]["order"] = 7

    edit_json(data_copy, "lifecycles.json", change)
    assert str(load_error(data_copy)).startswith(
        "lifecycles.json, lifecycle 'waterfall', stages row 3 (id 'implementation'): field 'order' must be 3"
    )


def test_equivalent_pointing_at_unknown_stage(data_copy: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        course = next(item for item in doc["lifecycles"] if item["id"] == "course")
        course["stages"][0]["equivalents"]["crisp_dm"] = ["scoping"]

    edit_json(data_copy, "lifecycles.json", change)
    assert str(load_error(data_copy)).startswith(
        "lifecycles.json, lifecycle 'course', stages row 1 (id 'problem_framing'): "
        "equivalent stage 'scoping' is not a stage of 'crisp_dm'"
    )


def test_missing_course_lifecycle(data_copy: Path) -> None:
    edit_json(data_copy, "lifecycles.json", lambda doc: doc.update(lifecycles=doc["lifecycles"][:-1]))
    assert "lifecycles.json: no lifecycle with id 'course'" in str(load_error(data_copy))


def test_statistic_with_unknown_grade(data_copy: Path) -> None:
    edit_json(data_copy, "statistics.json", lambda doc: doc["statistics"][4].update(evidence_grade="solid"))
    message = str(load_error(data_copy))
    assert message.startswith("statistics.json, row 5 (id 'gartner_pilot_to_production_2021'): field 'evidence_grade'")
    assert "strong, moderate, weak, unverified" in message


def test_statistic_with_negative_sample(data_copy: Path) -> None:
    edit_json(data_copy, "statistics.json", lambda doc: doc["statistics"][7].update(sample_size=-266))
    assert "statistics.json, row 8 (id 'nexla_engineers_per_users'): field 'sample_size' must be at least 1" in str(
        load_error(data_copy)
    )


def test_archetype_out_of_order(data_copy: Path) -> None:
    edit_json(data_copy, "archetypes.json", lambda doc: doc["archetypes"][3].update(order=9))
    assert str(load_error(data_copy)).startswith("archetypes.json, row 4 (id 'independent'): field 'order' must be 4")


def test_invalid_json_names_file_and_line(data_copy: Path) -> None:
    path = data_copy / "archetypes.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"order": 2,', '"order": 2', 1), encoding="utf-8")
    message = str(load_error(data_copy))
    assert message.startswith("archetypes.json: not valid JSON (line ")


def test_missing_file(data_copy: Path) -> None:
    (data_copy / "statistics.json").unlink()
    assert str(load_error(data_copy)).startswith("statistics.json: file not found in ")


def test_manifest_with_wrong_file_name(data_copy: Path) -> None:
    edit_json(data_copy, "datasets.json", lambda doc: doc["datasets"][1].update(file="events.csv"))
    assert "datasets.json, row 2 (id 'raw_customer_events'): field 'file' must be 'raw_customer_events.csv'" in str(
        load_error(data_copy)
    )


def test_parsers_take_text_directly() -> None:
    """The validators work on raw text, without any folder."""
    with pytest.raises(DomainDataError, match=r"^roles.json, row 1 \(id 'x'\): field 'name' is missing$"):
        domain.parse_roles('{"roles": [{"id": "x"}]}')
    with pytest.raises(DomainDataError, match=r"^my.json: expected a list under 'statistics'$"):
        domain.parse_statistics('{"statistics": {}}', file="my.json")
    with pytest.raises(DomainDataError, match=r"row 2 \(id 'a'\): duplicate id 'a' \(first used in row 1\)"):
        domain.parse_archetypes(json.dumps({"archetypes": [_archetype("a", 1), _archetype("a", 2)]}))


def _archetype(archetype_id: str, order: int) -> dict[str, Any]:
    return {
        "id": archetype_id,
        "order": order,
        "name": "N",
        "description": "D",
        "where_ml_sits": "W",
        "data_owner": "D",
        "model_owner": "M",
        "emphasis": "research",
        "strengths": ["s"],
        "challenges": ["c"],
        "source": "FSDL 2022, ML Teams and Project Management",
    }


# ---------------------------------------------------------------- datasets


def rewrite_csv(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    import csv

    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_unchanged_dataset_copy_reads_like_the_shipped_one(data_copy: Path) -> None:
    for name in domain.dataset_names():
        assert read_dataset(data_copy / f"{name}.csv").equals(domain.load_dataset(name))


def test_roster_with_unknown_role(data_copy: Path) -> None:
    path = data_copy / "team_roster.csv"
    rewrite_csv(path, lambda rows: rows[12].__setitem__(4, "ml_eng"))
    with pytest.raises(DomainDataError) as caught:
        read_dataset(path)
    assert str(caught.value) == (
        "team_roster.csv, row 12 (line 13, employee_id 'E012'): column 'role_id' has 'ml_eng', "
        "which is not a known role id"
    )
    assert caught.value.row == 12


def test_dataset_with_missing_column(data_copy: Path) -> None:
    path = data_copy / "ml_backlog.csv"
    rewrite_csv(path, lambda rows: [row.pop(5) for row in rows])
    with pytest.raises(
        DomainDataError, match=r"^ml_backlog.csv: columns do not match .*missing \['expected_value_keur'\]"
    ):
        read_dataset(path)


def test_dataset_with_text_in_a_number_column(data_copy: Path) -> None:
    path = data_copy / "ml_backlog.csv"
    rewrite_csv(path, lambda rows: rows[3].__setitem__(4, "high"))
    with pytest.raises(
        DomainDataError, match=r"^ml_backlog.csv, row 3 \(line 4, project_id 'P03'\): column 'impact' has 'high'"
    ):
        read_dataset(path)


def test_dataset_with_a_fraction_in_an_integer_column(data_copy: Path) -> None:
    path = data_copy / "ml_backlog.csv"
    rewrite_csv(path, lambda rows: rows[20].__setitem__(10, "2.5"))
    with pytest.raises(DomainDataError, match=r"row 20 \(line 21, project_id 'P20'\): .*not a whole number"):
        read_dataset(path)


def test_dataset_with_a_bad_date(data_copy: Path) -> None:
    path = data_copy / "drift_current.csv"
    rewrite_csv(path, lambda rows: rows[7].__setitem__(1, "2024-09-31"))
    with pytest.raises(
        DomainDataError, match=r"^drift_current.csv, row 7 \(line 8, request_id 'CUR00007'\): column 'scored_on'"
    ):
        read_dataset(path)


def test_dataset_with_empty_required_value(data_copy: Path) -> None:
    path = data_copy / "drift_reference.csv"
    rewrite_csv(path, lambda rows: rows[2].__setitem__(2, ""))
    with pytest.raises(
        DomainDataError, match=r"row 2 \(line 3, request_id 'REF00002'\): column 'customer_age' is empty"
    ):
        read_dataset(path)


def test_dataset_with_value_outside_allowed(data_copy: Path) -> None:
    path = data_copy / "raw_customer_events.csv"
    rewrite_csv(path, lambda rows: rows[5].__setitem__(3, "checkout"))
    with pytest.raises(DomainDataError, match=r"row 5 \(line 6, event_id '.*'\): column 'event_type' has 'checkout'"):
        read_dataset(path)


def test_unknown_dataset_name() -> None:
    with pytest.raises(KeyError, match="team_roster"):
        domain.load_dataset("customers")
