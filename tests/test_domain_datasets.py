"""The course datasets load with their manifest's columns and really contain what the lessons teach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlteam_utils import domain
from mlteam_utils.syllabus import load_syllabus

EXPECTED_COLUMNS = {
    "experiment_log": ["experiment", "week", "accuracy"],
    "team_roster": ["employee_id", "department", "team", "job_title", "role_id", "seniority", "start_date", "fte"],
    "raw_customer_events": [
        "event_id",
        "customer_id",
        "event_time",
        "event_type",
        "category",
        "amount",
        "country",
        "channel",
    ],
    "drift_reference": [
        "request_id",
        "scored_on",
        "customer_age",
        "tenure_months",
        "monthly_spend",
        "sessions_per_week",
        "support_tickets_90d",
        "device_type",
        "country",
        "payment_method",
    ],
    "ml_backlog": [
        "project_id",
        "project",
        "department",
        "description",
        "impact",
        "expected_value_keur",
        "data_availability",
        "accuracy_requirement",
        "problem_difficulty",
        "feasibility",
        "estimated_weeks",
        "rule_based_alternative",
    ],
    "churn_sample": [
        "customer_id",
        "tenure_months",
        "plan",
        "monthly_spend",
        "sessions_per_week",
        "support_tickets_90d",
        "churned",
        "churn_probability",
    ],
}
EXPECTED_COLUMNS["drift_current"] = EXPECTED_COLUMNS["drift_reference"]
EXPECTED_COLUMNS["handoff_log"] = [
    "handoff_id",
    "stage",
    "artifact",
    "from_role",
    "to_role",
    "collaboration_point",
    "sent_on",
    "accepted_on",
    "times_returned",
    "return_reason",
]


def psi(reference: pd.Series, current: pd.Series, bins: int = 10) -> float:
    """Population stability index over the reference's deciles (the usual drift score)."""
    ref = reference.dropna().to_numpy(dtype=float)
    cur = current.dropna().to_numpy(dtype=float)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    p = np.clip(np.histogram(ref, edges)[0] / len(ref), 1e-4, None)
    q = np.clip(np.histogram(cur, edges)[0] / len(cur), 1e-4, None)
    return float(((q - p) * np.log(q / p)).sum())


def test_dataset_names_and_columns() -> None:
    """Every dataset loads with exactly the columns the manifest lists."""
    assert set(domain.dataset_names()) == set(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        frame = domain.load_dataset(name)
        assert frame.columns.tolist() == columns == list(domain.dataset_info(name).column_names)
        assert len(frame) > 0


def test_every_dataset_names_a_syllabus_module() -> None:
    """The manifest's lesson slugs are module slugs of the syllabus."""
    slugs = {module.slug for module in load_syllabus().modules}
    assert {domain.dataset_info(n).lesson for n in domain.dataset_names()} <= slugs
    frame = domain.datasets_frame()
    assert frame["name"].tolist() == list(domain.dataset_names())
    assert frame["rows"].min() > 0


def test_load_dataset_returns_copies() -> None:
    first = domain.load_dataset("ml_backlog")
    first.loc[0, "impact"] = 99
    assert domain.load_dataset("ml_backlog.csv").loc[0, "impact"] != 99


# ---------------------------------------------------------------- team roster


def test_roster_size_and_roles() -> None:
    roster = domain.load_dataset("team_roster")
    assert 60 <= len(roster) <= 120
    assert roster["employee_id"].is_unique
    assert set(roster["role_id"]) == set(domain.role_ids())
    assert roster["department"].nunique() >= 5
    assert str(roster["start_date"].dtype).startswith("datetime64")


def test_roster_titles_are_unreliable() -> None:
    """The same title means different roles in different departments (the Lyft lesson)."""
    roster = domain.load_dataset("team_roster")
    roles_per_title = roster.groupby("job_title")["role_id"].agg(set)
    assert roles_per_title["Data Scientist"] == {"data_scientist", "data_analyst"}
    assert roles_per_title["Research Scientist"] == {"data_scientist", "ml_researcher"}
    assert "mlops_engineer" in set(roster.loc[roster["job_title"] == "ML Engineer", "role_id"])
    by_title = (roster["job_title"] == "Data Scientist").sum()
    by_role = (roster["role_id"] == "data_scientist").sum()
    assert by_title != by_role


def test_roster_role_ratios_differ_by_department() -> None:
    """Ratios by department tell different stories: one has data scientists and no ML engineer."""
    counts = domain.load_dataset("team_roster").pivot_table(
        index="department", columns="role_id", values="employee_id", aggfunc="count", fill_value=0
    )
    with_ds = counts[counts["data_scientist"] > 0]
    assert (with_ds["ml_engineer"] == 0).any()
    assert (with_ds["ml_engineer"] > 0).any()
    ratio = counts["data_scientist"].sum() / counts["ml_engineer"].sum()
    assert 1 < ratio < 10


# ---------------------------------------------------------------- raw events


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return domain.load_dataset("raw_customer_events")


def test_events_size(events: pd.DataFrame) -> None:
    assert 200 <= len(events) <= 500


def test_events_have_duplicates_and_missing_values(events: pd.DataFrame) -> None:
    assert events.duplicated().sum() >= 10
    assert events["customer_id"].isna().sum() >= 5
    assert events["event_time"].isna().sum() >= 3
    purchases = events[events["event_type"] == "purchase"]
    assert purchases["amount"].isna().sum() >= 3
    views = events[events["event_type"].isin(["view", "add_to_cart"])]
    assert views["amount"].isna().all()


def test_events_have_negative_amounts(events: pd.DataFrame) -> None:
    assert (events["amount"] < 0).sum() >= 5
    assert (events.loc[events["amount"] < 0, "event_type"] == "purchase").all()


def test_events_have_bad_dates(events: pd.DataFrame) -> None:
    """Some times do not parse in the expected format, and some are placeholders in the future."""
    parsed = pd.to_datetime(events["event_time"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    unparsed = events.loc[parsed.isna() & events["event_time"].notna(), "event_time"]
    assert len(unparsed) >= 10
    assert unparsed.str.match(r"^\d{2}/\d{2}/\d{4} ").any()
    assert unparsed.isin(["2024-02-30 10:15:00", "not recorded"]).any()
    assert (parsed > pd.Timestamp("2030-01-01")).sum() >= 1
    valid = parsed[(parsed < pd.Timestamp("2030-01-01"))]
    assert valid.min() >= pd.Timestamp("2024-01-01") and valid.max() < pd.Timestamp("2024-04-01")


def test_events_categories_collapse_to_five_after_cleaning(events: pd.DataFrame) -> None:
    """Inconsistent spellings exist, and a normal clean-up maps them to five categories."""
    raw = events["category"]
    assert raw.nunique() > 10
    cleaned = (
        raw.str.strip()
        .str.lower()
        .str.replace(" and ", " & ", regex=False)
        .str.replace("&", " & ", regex=False)
        .str.split()
        .str.join(" ")
        .replace({"electronic": "electronics", "clothes": "clothing", "book": "books"})
    )
    assert set(cleaned) == {"electronics", "home & garden", "clothing", "books", "toys"}


def test_events_clean_to_a_feature_table(events: pd.DataFrame) -> None:
    """The lesson's path works: drop duplicates and bad rows, then one row per customer."""
    clean = events.drop_duplicates().dropna(subset=["customer_id"])
    clean = clean.assign(event_time=pd.to_datetime(clean["event_time"], format="%Y-%m-%d %H:%M:%S", errors="coerce"))
    clean = clean[clean["event_time"].notna() & (clean["event_time"] < "2030-01-01")]
    clean = clean[~((clean["event_type"] == "purchase") & ~(clean["amount"] > 0))]
    purchases = clean[clean["event_type"] == "purchase"]
    features = purchases.groupby("customer_id").agg(orders=("event_id", "count"), spend=("amount", "sum"))
    assert features.index.is_unique and len(features) >= 30
    assert (features["spend"] > 0).all()


# ---------------------------------------------------------------- drift


@pytest.fixture(scope="module")
def batches() -> tuple[pd.DataFrame, pd.DataFrame]:
    return domain.load_dataset("drift_reference"), domain.load_dataset("drift_current")


@pytest.mark.parametrize("feature", ["monthly_spend", "sessions_per_week"])
def test_drifted_numeric_features(batches: tuple[pd.DataFrame, pd.DataFrame], feature: str) -> None:
    reference, current = batches
    assert psi(reference[feature], current[feature]) > 0.25


@pytest.mark.parametrize("feature", ["customer_age", "tenure_months", "support_tickets_90d"])
def test_stable_numeric_features(batches: tuple[pd.DataFrame, pd.DataFrame], feature: str) -> None:
    reference, current = batches
    assert psi(reference[feature], current[feature]) < 0.1


def test_drift_directions(batches: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = batches
    assert current["monthly_spend"].mean() > 1.15 * reference["monthly_spend"].mean()
    assert current["sessions_per_week"].mean() < 0.85 * reference["sessions_per_week"].mean()


def test_device_mix_shifted_but_country_and_payment_stable(batches: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = batches

    def share_gap(column: str) -> float:
        p = reference[column].value_counts(normalize=True)
        q = current[column].value_counts(normalize=True)
        return float(p.sub(q, fill_value=0).abs().max())

    assert share_gap("device_type") > 0.15
    assert (current["device_type"] == "mobile").mean() > (reference["device_type"] == "mobile").mean()
    assert share_gap("country") < 0.05 and share_gap("payment_method") < 0.05


def test_pipeline_fault_shows_as_new_missing_values(batches: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = batches
    assert reference["support_tickets_90d"].isna().sum() == 0
    assert current["support_tickets_90d"].isna().mean() > 0.05
    assert reference.drop(columns="support_tickets_90d").notna().all().all()
    assert current.drop(columns="support_tickets_90d").notna().all().all()


def test_batches_are_from_different_periods(batches: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = batches
    assert reference["scored_on"].max() < current["scored_on"].min()
    assert len(reference) == len(current) == 1000


# ---------------------------------------------------------------- backlog


def test_backlog_shape_and_ranges() -> None:
    backlog = domain.load_dataset("ml_backlog")
    assert 15 <= len(backlog) <= 25 and backlog["project_id"].is_unique
    assert backlog["impact"].between(1, 5).all() and backlog["feasibility"].between(1, 5).all()
    assert backlog["accuracy_requirement"].between(0.5, 1).all()
    assert backlog["rule_based_alternative"].dtype == bool


def test_backlog_feasibility_follows_its_cost_drivers() -> None:
    """Feasibility falls as data gets scarcer, the problem harder and the accuracy bar higher (FSDL)."""
    backlog = domain.load_dataset("ml_backlog")
    by_data = backlog.groupby("data_availability")["feasibility"].mean()
    assert by_data["high"] > by_data["medium"] > by_data["low"]
    by_difficulty = backlog.groupby("problem_difficulty")["feasibility"].mean()
    assert by_difficulty["low"] > by_difficulty["medium"] > by_difficulty["high"]
    assert backlog["accuracy_requirement"].corr(backlog["feasibility"]) < -0.3


def test_backlog_has_moonshots_and_quick_wins() -> None:
    """Prioritizing is a real choice: high impact with low feasibility, and the reverse, both occur."""
    backlog = domain.load_dataset("ml_backlog")
    assert ((backlog["impact"] >= 4) & (backlog["feasibility"] <= 1)).any()
    assert ((backlog["impact"] <= 2) & (backlog["feasibility"] >= 5)).any()
    assert backlog["rule_based_alternative"].any() and not backlog["rule_based_alternative"].all()


# ---------------------------------------------------------------- handoff log


def test_handoff_log_is_consistent() -> None:
    """Ids are unique, nothing is accepted before it is sent, and a reason is given exactly when returned."""
    log = domain.load_dataset("handoff_log")
    assert 20 <= len(log) <= 40 and log["handoff_id"].is_unique
    assert (log["accepted_on"] >= log["sent_on"]).all()
    assert (log["from_role"] != log["to_role"]).all()
    assert ((log["times_returned"] > 0) == log["return_reason"].notna()).all()
    assert set(log["stage"]) == set(domain.course_stage_ids())


def test_handoff_log_fails_most_at_data_and_integration() -> None:
    """The lesson's finding: training-data and integration handoffs wait longer and come back more often."""
    log = domain.load_dataset("handoff_log")
    log["wait_days"] = (log["accepted_on"] - log["sent_on"]).dt.days
    by_point = log.groupby("collaboration_point").agg(
        median_wait=("wait_days", "median"), returned=("times_returned", lambda s: (s > 0).mean())
    )
    requirements = by_point.loc["requirements_and_planning"]
    for point in ("training_data", "product_model_integration"):
        assert by_point.loc[point, "median_wait"] > requirements["median_wait"]
        assert by_point.loc[point, "returned"] > requirements["returned"]
    longest = log.nlargest(4, "wait_days")["wait_days"].tolist()
    assert len(set(longest)) == 4, "the exercise's top three has no tie at the cut"
