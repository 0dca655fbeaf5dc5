"""The case-study simulation (one churn project, decision by decision) and its widgets.

The widget tests drive the real ipywidgets objects: they set control values
the way a learner's click does, and read what the widgets then show.
"""

from __future__ import annotations

import re
from dataclasses import replace
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from mlteam_utils.domain import load_dataset
from mlteam_utils.simulations.case_study import (
    DECISION_OWNERS,
    MONITORING_PLANS,
    SHORTCUTS,
    CaseAssumptions,
    Decisions,
    break_even_probability,
    campaign_metrics,
    compare_decisions,
    option_effects,
    plot_project,
    project_story,
    score_bands,
    simulate_project,
)
from mlteam_utils.simulations.case_study_widgets import (
    CaseStudy,
    chart_alt,
    decision_tables,
    draw_project,
    project_svg,
    project_tables,
)

SEEDS = range(40)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    return load_dataset("churn_sample")


# ---------------------------------------------------------------- the campaign on real data


@pytest.mark.parametrize("threshold", [0.05, 0.2, 0.3, 0.35, 0.4, 0.5, 0.65, 0.9])
def test_campaign_metrics_match_a_direct_count_on_the_churn_test_set(churn: pd.DataFrame, threshold: float) -> None:
    """Precision, recall, calls and value recomputed independently: the team calls the flagged
    customers from the highest churn probability down, as many as it has capacity for."""
    a = CaseAssumptions()
    n = len(churn)
    capacity = int(a.call_capacity_share * n)
    ranked = sorted(zip(churn["churn_probability"], churn["churned"]), key=lambda pair: -pair[0])
    flagged = [(score, left) for score, left in ranked if score >= threshold]
    called = flagged[:capacity]
    hits = sum(bool(left) for _, left in called)
    expected_value = (hits * a.save_rate * a.customer_value_eur - len(called) * a.call_cost_eur) / n * a.customers

    m = campaign_metrics(churn, threshold, a)
    assert m["over_capacity"] == (len(flagged) > capacity)
    assert m["called_share"] == pytest.approx(len(called) / n)
    assert m["recall"] == pytest.approx(hits / churn["churned"].sum())
    assert m["accuracy"] == pytest.approx(((churn["churn_probability"] >= threshold) == churn["churned"]).mean())
    assert m["value_eur"] == pytest.approx(expected_value)
    if called:
        assert m["precision"] == pytest.approx(hits / len(called))
        assert m["lowest_score_called"] == pytest.approx(min(score for score, _ in called))


def test_the_rule_is_scored_on_support_tickets(churn: pd.DataFrame) -> None:
    flagged = churn["support_tickets_90d"] >= 2
    m = campaign_metrics(churn, None)
    assert m["flagged_share"] == pytest.approx(flagged.mean())
    assert m["precision"] == pytest.approx((flagged & churn["churned"]).sum() / flagged.sum())


def test_capacity_sets_how_many_are_called_and_economics_the_floor() -> None:
    """With 125 calls per 400 customers, every floor low enough to fill the capacity gives the same
    calls (the top of the ranking) and the most value; a higher floor leaves capacity unused."""
    grid = [round(0.05 * k, 2) for k in range(1, 15)]
    values = {t: campaign_metrics(threshold=t)["value_eur"] for t in grid}
    full = [t for t in grid if campaign_metrics(threshold=t)["over_capacity"]]
    assert full == [t for t in grid if t <= 0.25]
    assert len({values[t] for t in full}) == 1 and values[0.1] == max(values.values())
    assert all(values[t] < values[0.25] for t in grid if t > 0.25)
    # with room for every customer, calls below the break-even probability lose money
    roomy = CaseAssumptions(call_capacity_share=0.99)
    assert break_even_probability(roomy) == pytest.approx(0.2)
    assert campaign_metrics(threshold=0.05, assumptions=roomy)["value_eur"] < campaign_metrics(threshold=0.2, assumptions=roomy)["value_eur"]
    # accuracy peaks elsewhere: it is the wrong metric for this decision
    accuracy = {t: campaign_metrics(threshold=t)["accuracy"] for t in grid}
    assert max(accuracy, key=accuracy.get) > 0.45


def test_a_call_pays_above_the_break_even_probability(churn: pd.DataFrame) -> None:
    """Each band's call value, recomputed: negative below 0.2, where fewer than one in five leave."""
    bands = score_bands(churn)
    assert int(bands["customers"].sum()) == len(churn)
    for (band, row) in bands.iterrows():
        low = float(band.split("–")[0])
        assert (row["call_value_eur"] > 0) == (low >= break_even_probability()), band
    with pytest.raises(ValueError, match="edges must rise"):
        score_bands(churn, edges=(0.5, 0.2))


def test_a_test_set_without_the_needed_columns_is_a_clear_error(churn: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"lacks the columns \['churn_probability'\]"):
        campaign_metrics(churn.drop(columns="churn_probability"), 0.3)
    with pytest.raises(ValueError, match="has no rows"):
        campaign_metrics(churn.iloc[:0], 0.3)


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"threshold": 0.01}, "threshold must be between 0.05 and 0.95, got 0.01"),
        ({"threshold": "high"}, "threshold must be between 0 and 1, got 'high'"),
        ({"monitoring": "daily"}, "monitoring must be one of 'none', 'alerts', 'alerts_and_retraining', got 'daily'"),
        ({"metrics_first": 1}, "metrics_first must be True or False, got 1"),
        ({"baseline_first": None}, "baseline_first must be True or False, got None"),
    ],
)
def test_bad_decisions_give_a_clear_error(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Decisions(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"customers": 0}, "customers must be a whole number >= 1"),
        ({"call_capacity_share": 0}, "call_capacity_share must be greater than 0 and at most 1"),
        ({"horizon_weeks": 10}, "horizon_weeks must be a whole number from 20 to 520"),
        ({"call_cost_eur": -5}, "call_cost_eur must be a finite number >= 0"),
    ],
)
def test_bad_assumptions_give_a_clear_error(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CaseAssumptions(**changes)


def test_a_horizon_shorter_than_the_plan_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"horizon_weeks \(20\) must be longer than the \d+ weeks to launch"):
        simulate_project(SHORTCUTS, CaseAssumptions(horizon_weeks=20), seed=1)


def test_other_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="decisions must be a Decisions"):
        simulate_project({"threshold": 0.3})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        simulate_project(seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name must be one of"):
        option_effects(Decisions(), "headcount")
    with pytest.raises(ValueError, match="at least one set of decisions"):
        compare_decisions({})


# ---------------------------------------------------------------- determinism and shared luck


def test_the_same_seed_gives_the_same_project() -> None:
    first, second = simulate_project(SHORTCUTS, seed=7), simulate_project(SHORTCUTS, seed=7)
    pd.testing.assert_frame_equal(first.phases, second.phases)
    pd.testing.assert_frame_equal(first.weekly, second.weekly)
    pd.testing.assert_frame_equal(first.incidents, second.incidents)
    assert first.summary == second.summary


def test_different_seeds_give_different_luck() -> None:
    outcomes = {simulate_project(SHORTCUTS, seed=s).summary["net_value_eur"] for s in SEEDS}
    assert len(outcomes) > len(SEEDS) // 2


@pytest.mark.parametrize("seed", SEEDS)
def test_decisions_share_the_same_luck(seed: int) -> None:
    """Drift comes the same number of weeks after launch, whoever decided what."""
    drift_after = set()
    for decisions in (Decisions(), SHORTCUTS, replace(Decisions(), baseline_first=False)):
        outcome = simulate_project(decisions, seed=seed)
        drift = outcome.incidents[outcome.incidents["kind"].str.startswith("drift")]
        drift_after |= {int(w) - outcome.launch_week for w in drift["week"]}
    assert len(drift_after) <= 1


# ---------------------------------------------------------------- what follows from each decision


@pytest.mark.parametrize("seed", SEEDS)
def test_quality_checks_stop_every_pipeline_fault_at_the_pipeline(seed: int) -> None:
    checked = simulate_project(replace(SHORTCUTS, quality_checks=True), seed=seed).incidents
    faults = checked[checked["kind"].str.startswith("pipeline")]
    assert (faults["noticed_by"] == "data-quality check stops the pipeline").all()
    unchecked = simulate_project(SHORTCUTS, seed=seed).incidents
    silent = unchecked[unchecked["kind"].str.startswith("pipeline")]
    assert (silent["weeks_degraded"] > 1).all()


def test_quality_checks_pay_off_on_average() -> None:
    table = option_effects(SHORTCUTS, "quality_checks", runs=60)
    assert table.loc["yes", "weeks_degraded"] < table.loc["no", "weeks_degraded"]
    assert table.loc["yes", "net_value_eur"] > table.loc["no", "net_value_eur"]


@pytest.mark.parametrize("seed", SEEDS)
def test_each_decision_moves_what_the_sources_say_it_moves(seed: int) -> None:
    base = simulate_project(Decisions(), seed=seed).summary
    complex_first = simulate_project(replace(Decisions(), baseline_first=False), seed=seed).summary
    assert complex_first["weeks_to_launch"] == base["weeks_to_launch"] + 5  # 3 more in modelling, 2 in deployment
    no_rule = simulate_project(replace(Decisions(), launch_rule_first=False), seed=seed).summary
    assert base["first_value_week"] < no_rule["first_value_week"] == no_rule["weeks_to_launch"]
    assert base["value_eur"] > no_rule["value_eur"]
    no_metric = simulate_project(replace(Decisions(), metrics_first=False), seed=seed).summary
    assert base["effect_measured"] and not no_metric["effect_measured"]


@pytest.mark.parametrize("seed", SEEDS)
def test_monitoring_shortens_the_time_a_degraded_model_goes_unnoticed(seed: int) -> None:
    degraded = {
        plan: simulate_project(replace(Decisions(), monitoring=plan), seed=seed).summary["weeks_degraded"]
        for plan in ("none", "alerts", "alerts_and_retraining")
    }
    assert degraded["none"] >= degraded["alerts"] >= degraded["alerts_and_retraining"]
    assert degraded["none"] > degraded["alerts_and_retraining"]


@pytest.mark.parametrize("seed", SEEDS)
def test_without_alerts_a_business_metric_notices_problems_sooner_than_complaints(seed: int) -> None:
    blind = simulate_project(SHORTCUTS, seed=seed)
    measured = simulate_project(replace(SHORTCUTS, metrics_first=True), seed=seed)
    assert measured.summary["weeks_degraded"] < blind.summary["weeks_degraded"]
    assert set(blind.incidents["noticed_by"]) == {"complaints from the retention team"}


def test_following_the_sources_beats_every_shortcut_in_every_run() -> None:
    for seed in SEEDS:
        good, bad = simulate_project(Decisions(), seed=seed), simulate_project(SHORTCUTS, seed=seed)
        assert good.summary["net_value_eur"] > bad.summary["net_value_eur"]
        assert good.summary["weeks_degraded"] < bad.summary["weeks_degraded"]


def test_weekly_value_adds_up_and_follows_what_is_live() -> None:
    outcome = simulate_project(Decisions(), seed=3)
    weekly = outcome.weekly
    assert len(weekly) == outcome.assumptions.horizon_weeks
    assert weekly["value_eur"].sum() == pytest.approx(outcome.summary["value_eur"])
    assert (weekly.loc[weekly["week"] < outcome.rule_week, "live"] == "none").all()
    assert (weekly.loc[weekly["week"] >= outcome.launch_week, "live"] == "model").all()
    assert weekly.loc[weekly["live"] != "model", "model_health"].isna().all()
    assert outcome.summary["net_value_eur"] == pytest.approx(
        outcome.summary["value_eur"] - outcome.summary["build_cost_eur"] - outcome.summary["run_cost_eur"]
    )


def test_averaging_over_runs_matches_the_single_runs() -> None:
    averaged = compare_decisions({"x": SHORTCUTS}, seed=5, runs=4).loc["x", "net_value_eur"]
    singles = [simulate_project(SHORTCUTS, seed=5 + k).summary["net_value_eur"] for k in range(4)]
    assert averaged == pytest.approx(np.mean(singles))


def test_the_story_names_each_decision_owner() -> None:
    story = project_story(SHORTCUTS)
    assert set(story["owner"]) == set(DECISION_OWNERS.values())
    assert story.loc["6. Deployment and monitoring", "chosen"] == "no monitoring"


# ---------------------------------------------------------------- plot and widgets


@pytest.fixture
def no_pyplot_figures():
    """Drawing uses its own Figure; pyplot (and so the notebook) never sees it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def test_plot_marks_launches_and_incidents(no_pyplot_figures) -> None:
    from matplotlib.figure import Figure

    outcome = simulate_project(SHORTCUTS, seed=1)
    ax = plot_project(outcome, ax=Figure().add_subplot())
    assert len(ax.patches) >= len(outcome.incidents)
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "value of the calls"
    figure = Figure()
    assert draw_project(figure, outcome) == chart_alt(outcome) and len(figure.axes) == 1


def test_the_project_widget_needs_no_matplotlib() -> None:
    """The lesson stays quick: building the project widget imports no matplotlib."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mlteam_utils.simulations.case_study_widgets import CaseStudy\n"
        "CaseStudy(seed=1).project_widget()\n"
        "print('matplotlib' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


def shown_svg(html: str) -> ElementTree.Element:
    """The chart the project widget shows, parsed as XML (fails if it is not well-formed)."""
    return ElementTree.fromstring(html[html.index("<svg"): html.index("</svg>") + len("</svg>")])


def incident_bands(svg: ElementTree.Element) -> list[ElementTree.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]


def test_the_chart_marks_every_incident_and_both_launches() -> None:
    for decisions in (Decisions(), SHORTCUTS, replace(Decisions(), launch_rule_first=False)):
        outcome = simulate_project(decisions, seed=4)
        svg = ElementTree.fromstring(project_svg(outcome))
        assert len(incident_bands(svg)) == len(outcome.incidents)
        labels = {t.text for t in svg.iter(f"{SVG}text")}
        assert "model live" in labels
        assert ("rule live" in labels) == decisions.launch_rule_first
        assert svg.get("aria-label") == chart_alt(outcome)


def test_a_decision_in_one_widget_updates_every_widget_of_the_study() -> None:
    study = CaseStudy(seed=1)
    step = study.decision_widget("quality_checks")
    project = study.project_widget()
    before, before_renders = project.view.value, project.renders
    assert all(band.get("fill") == "url(#fault)" or band.get("fill") == "url(#drift)"
               for band in incident_bands(shown_svg(before)))

    step.controls["quality_checks"].value = False  # the learner clicks "no"

    assert study.decisions.quality_checks is False
    assert project.controls["quality_checks"].value is False
    assert project.renders == before_renders + 1
    assert project.outcome is not None and project.outcome.decisions.quality_checks is False
    assert project.view.value != before
    assert len(incident_bands(shown_svg(project.view.value))) == len(project.outcome.incidents)
    assert "Your choice: no. The sources advise: yes." in step.view.value


def test_the_project_widget_shows_what_follows_from_the_threshold() -> None:
    study = CaseStudy(seed=2)
    project = study.project_widget()
    project.controls["threshold"].value = 0.2
    assert project.outcome.summary["over_capacity"] is True
    assert 'more customers flagged than the team can call?</th>\n      <td style="text-align: right">yes' in project.view.value
    project.controls["threshold"].value = 0.5
    assert study.decisions.threshold == 0.5
    assert project.outcome.summary["precision"] == pytest.approx(campaign_metrics(threshold=0.5)["precision"])


def test_the_seed_control_changes_the_luck() -> None:
    study = CaseStudy(SHORTCUTS, seed=0)
    project = study.project_widget()
    incidents = {}
    for seed in (0, 1, 9):
        project.controls["seed"].value = seed
        assert study.seed == seed
        incidents[seed] = len(project.outcome.incidents)
    assert len(set(incidents.values())) > 1


def test_decide_from_code_syncs_the_widgets() -> None:
    study = CaseStudy()
    step = study.decision_widget("monitoring")
    study.decide(monitoring="none")
    assert step.controls["monitoring"].value == "none"
    assert "Your choice: no monitoring. The sources advise: alerts plus automated retraining" in step.view.value


def test_every_decision_starts_unset_and_is_checked_once_chosen() -> None:
    """No option is pre-selected and nothing is called "your choice" before the learner chooses."""
    study = CaseStudy(seed=1)
    steps = {name: study.decision_widget(name) for name in DECISION_OWNERS}
    project = study.project_widget()
    for name, step in steps.items():
        assert step.controls[name].value is None and project.controls[name].value is None, name
        assert "Not chosen yet" in step.view.value and "Your choice" not in step.view.value, name
    assert "Not chosen yet:" in project.view.value
    assert set(study.story()["your choice"]) == {"not chosen yet"}
    # Until a choice, the simulation follows the sources' advice.
    assert project.outcome is not None and project.outcome.decisions == Decisions()

    steps["threshold"].controls["threshold"].value = 0.3
    steps["baseline_first"].controls["baseline_first"].value = True
    assert study.chosen == {"threshold", "baseline_first"}
    assert "Your choice: 0.30. The sources advise: 0.20." in steps["threshold"].view.value
    assert "Your choice: yes, as the sources advise." in steps["baseline_first"].view.value
    assert project.controls["threshold"].value == 0.3 and project.outcome.decisions.threshold == 0.3
    waiting = re.search(r"Not chosen yet:</b> (.*?)\. Until you choose", project.view.value)
    assert waiting is not None and project.controls["monitoring"].value is None
    assert "Monitoring and retraining plan" in waiting.group(1) and "Lowest churn" not in waiting.group(1)
    assert study.story().loc["5. Launch decision", "your choice"] == "0.30"


def test_a_simulation_error_is_shown_in_the_widget_not_raised() -> None:
    study = CaseStudy(assumptions=CaseAssumptions(horizon_weeks=26), seed=1)
    project = study.project_widget()
    assert project.message.value == ""
    project.controls["baseline_first"].value = False  # five more weeks: the plan now runs past the horizon
    assert "Cannot run the simulation" in project.message.value
    assert "horizon_weeks (26)" in project.message.value
    project.controls["baseline_first"].value = True
    assert project.message.value == "" and "<svg" in project.view.value


def test_widgets_reject_unknown_decisions() -> None:
    study = CaseStudy()
    with pytest.raises(ValueError, match="no decision named 'budget'"):
        study.decision_widget("budget")
    with pytest.raises(ValueError, match="name at least one decision"):
        study.decision_widget()
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        study.set_seed(-3)


def test_tables_for_the_widgets_are_plain_dataframes() -> None:
    (caption, table), = decision_tables(Decisions(), ["monitoring"], seed=1)
    assert list(table.index) == list(MONITORING_PLANS.values())  # options as they read, not their keys
    assert caption.startswith("Monitoring and retraining plan: what each option leads to")
    captions = [c for c, _ in project_tables(simulate_project(SHORTCUTS, seed=1))]
    assert captions[-1] == "Incidents after launch"
