"""The simulations' ipywidgets front ends, driven through the real widget objects."""

from __future__ import annotations

import base64
import json

import ipywidgets as widgets
import pytest

from mlteam_utils.simulations.widgets import (
    PLANNING_PROMPTS,
    STAFFING_PROMPT,
    SimulationPanel,
    planning_answer,
    planning_run,
    planning_widget,
    staffing_answer,
    staffing_run,
    staffing_widget,
)

PNG_MAGIC = b"\x89PNG"


def shown_png(panel: SimulationPanel) -> bytes:
    """The PNG currently shown in the panel's Output."""
    html = panel.output.outputs[0]["data"]["text/html"]
    return base64.b64decode(html.split("base64,", 1)[1].split('"', 1)[0])


def shown_text(panel: SimulationPanel) -> str:
    return "\n".join(item["data"]["text/plain"] for item in panel.output.outputs)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Front ends draw on their own Figure; pyplot (and so the notebook) never sees it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


NEW_VALUES = {
    "comparison": "single_vs_portfolio",
    "view": "accuracy",
    "deadline_weeks": 26,
    "budget_weeks": 20,  # work stops before the deadline: fewer projects ship (40 would change only the 90th-percentile week)
    "threshold": 0.9,
    "p_success": 0.3,
    "n_trials": 600,
    "seed": 3,
}


def test_planning_widget_redraws_in_place_for_every_control(capsys: pytest.CaptureFixture[str]) -> None:
    """Each number box or dropdown change recomputes and replaces the one picture; nothing is printed."""
    panel = planning_widget()
    assert panel.renders == 1
    assert shown_png(panel).startswith(PNG_MAGIC)
    assert set(panel.controls) == set(NEW_VALUES)
    for name, value in NEW_VALUES.items():
        before, before_renders = panel.output.outputs, panel.renders
        panel.controls[name].value = value
        assert panel.renders == before_renders + 1, name
        assert len(panel.output.outputs) == 2  # picture and table, replaced, not appended
        assert panel.output.outputs != before, name
    assert "Single bet" in shown_text(panel) and "Portfolio" in shown_text(panel)
    assert capsys.readouterr() == ("", "")


def test_planning_views_describe_their_chart() -> None:
    """Alt text and the table say what the picture shows (accessible without the image)."""
    panel = planning_widget()
    assert "chance each plan has shipped" in shown_text(panel)
    assert "Waterfall" in shown_text(panel) and "no usable model" in shown_text(panel)
    panel.controls["view"].value = "curves"
    assert "levelling off" in shown_text(panel)
    assert 'alt="Chart:' in panel.output.outputs[0]["data"]["text/html"]


def test_planning_lesson_mode_asks_for_a_prediction_before_running(capsys: pytest.CaptureFixture[str]) -> None:
    """Predict, then run: Run stays disabled until a guess is made, and the result appears only after."""
    panel = planning_widget(lesson=True)
    assert panel.run_button is not None and panel.guess is not None
    assert panel.run_button.disabled and panel.renders == 0
    assert "Predict first" in panel.question.value
    assert tuple(panel.guess.options) == PLANNING_PROMPTS["waterfall_vs_ml"][1]
    panel.controls["deadline_weeks"].value = 22  # exploring before predicting shows nothing yet
    assert panel.renders == 0 and "Choose your prediction" in shown_text(panel)
    panel.run_button.click()  # clicking without a guess does nothing
    assert panel.renders == 0

    panel.guess.value = "Waterfall"
    assert not panel.run_button.disabled
    panel.run_button.click()
    assert panel.renders == 1 and shown_png(panel).startswith(PNG_MAGIC)
    assert panel.guess.disabled and panel.run_button.disabled  # the prediction is committed
    assert "Your prediction:</b> Waterfall" in panel.feedback.value
    assert "Not this time" in panel.feedback.value  # the ML plan wins at these settings
    panel.controls["deadline_weeks"].value = 24  # after the reveal, controls redraw live
    assert panel.renders == 2
    # ... and the words under the chart follow: they describe the run now shown, not the first.
    prompt = panel.prompt
    assert prompt is not None and panel.result is not None
    assert prompt.explain(panel.result) in panel.feedback.value and "With the settings now" in panel.feedback.value
    first_words = panel.feedback.value
    panel.controls["p_success"].value = 0.1
    assert panel.feedback.value != first_words and prompt.explain(panel.result) in panel.feedback.value
    assert capsys.readouterr() == ("", "")


def test_planning_lesson_prompt_follows_the_comparison() -> None:
    """Switching comparison asks a new question and locks Run again."""
    panel = planning_widget(lesson=True)
    panel.guess.value = "ML plan"
    panel.run_button.click()
    assert "matches" in panel.feedback.value
    panel.controls["comparison"].value = "pipeline_early_vs_late"
    assert tuple(panel.guess.options) == PLANNING_PROMPTS["pipeline_early_vs_late"][1]
    assert panel.guess.value is None and panel.run_button.disabled and panel.feedback.value == ""
    renders = panel.renders
    panel.controls["threshold"].value = 0.8
    assert panel.renders == renders  # hidden again until the new prediction


def test_planning_answers_come_from_the_simulation() -> None:
    """The 'right' option is computed from the numbers, with a 5-point band for 'about the same'."""
    values = {"comparison": "waterfall_vs_ml", "deadline_weeks": 20, "budget_weeks": 30, "threshold": 0.85,
              "p_success": 0.5, "n_trials": 1000, "seed": 0}
    assert planning_answer("waterfall_vs_ml", planning_run(values).summary()) == "ML plan"
    values["comparison"] = "single_vs_portfolio"
    assert planning_answer("single_vs_portfolio", planning_run(values).summary()) == "Single bet"
    values.update(comparison="pipeline_early_vs_late", p_success=1.0)
    same = PLANNING_PROMPTS["pipeline_early_vs_late"][1][2]
    # when every approach works, nothing is revealed early: the pipeline only moves cost around
    assert planning_answer("pipeline_early_vs_late", planning_run(values).summary()) in {same, "Lowers it"}


def test_staffing_widget_redraws_and_keeps_ratio_presets_in_step(capsys: pytest.CaptureFixture[str]) -> None:
    """Sliders redraw once per change; the reported-ratio preset and the ML-engineer slider stay consistent."""
    panel = staffing_widget()
    preset = panel.extras["preset"]
    assert panel.renders == 1 and shown_png(panel).startswith(PNG_MAGIC)
    assert "reported, unverified" in preset.value

    panel.controls["data_scientists"].value = 20  # preset 1:10 keeps the ratio: 2 ML engineers
    assert panel.controls["ml_engineers"].value == 2.0 and panel.renders == 2

    preset.value = "1 ML engineer : 5 data scientists (reported, unverified)"
    assert panel.controls["ml_engineers"].value == 4.0 and panel.renders == 3

    panel.controls["ml_engineers"].value = 3.0  # off both ratios: custom
    assert preset.value == "custom" and panel.renders == 4

    panel.controls["data_scientists"].value = 12  # custom: engineers stay put
    assert panel.controls["ml_engineers"].value == 3.0 and panel.renders == 5

    before = shown_png(panel)
    panel.controls["maturity"].value = 2
    panel.controls["data_engineers"].value = 0
    panel.controls["quarters"].value = 30
    assert panel.renders == 8 and shown_png(panel) != before
    for view in ("time", "both", "production"):
        before = shown_png(panel)
        panel.controls["view"].value = view
        assert shown_png(panel) != before
    assert panel.renders == 11
    text = shown_text(panel)
    assert "reported, unverified" in text and "Your team (3 ML eng. : 12 data sci.)" in text
    assert capsys.readouterr() == ("", "")


def test_staffing_widget_states_its_assumptions_and_labels() -> None:
    """It says it is a teaching model, lists assumptions, and every control is labelled."""
    panel = staffing_widget()
    notes = panel.extras["assumptions"].value
    assert "Teaching model" in notes and "reported, unverified" in notes and "Assumptions" in notes
    for panel_ in (panel, planning_widget(lesson=True)):
        labelled = [w for w in panel_.extras.values() if not isinstance(w, widgets.HTML)]
        for widget in [*panel_.controls.values(), *labelled]:
            assert widget.description.strip(), widget
        if panel_.guess is not None:
            assert panel_.guess.description and panel_.run_button.description == "Run"
            assert panel_.run_button.tooltip


def test_staffing_lesson_mode(capsys: pytest.CaptureFixture[str]) -> None:
    """Predict the effect of 1:10 -> 1:5 (reported, unverified) before seeing it."""
    panel = staffing_widget(lesson=True)
    assert "reported, unverified" in panel.question.value
    assert panel.run_button.disabled and panel.renders == 0
    values = panel.values()
    right = staffing_answer(staffing_run(values))
    assert right in STAFFING_PROMPT[1]
    panel.guess.value = right
    panel.run_button.click()
    assert panel.renders == 1 and "matches" in panel.feedback.value
    assert capsys.readouterr() == ("", "")


def test_errors_are_shown_inside_the_widget(capsys: pytest.CaptureFixture[str]) -> None:
    """A ValueError from the simulation becomes a message in the Output, not a traceback on stdout."""
    panel = planning_widget()

    def broken(_values):
        raise ValueError("n_trials must be a whole number from 1 to 1000000, got 0")

    panel._run = broken  # type: ignore[method-assign]
    panel.controls["deadline_weeks"].value = 30
    assert "Cannot run the simulation: n_trials must be" in shown_text(panel)
    assert capsys.readouterr() == ("", "")


def test_in_a_real_kernel_callbacks_write_only_into_the_widget() -> None:
    """In a Jupyter kernel, redraws go through clear_output(wait=True) + display into the Output only."""
    import nbclient
    import nbformat
    source = (
        "from mlteam_utils.simulations import planning_widget, staffing_widget\n"
        "panel = planning_widget()\n"
        "display(panel)\n"
        "panel.controls['deadline_weeks'].value = 24\n"
        "staff = staffing_widget()\n"
        "staff.controls['data_scientists'].value = 20\n"
        "panel.renders, staff.renders"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
    )
    # The timeouts guard against a hung kernel, they are not a speed check: the cell
    # takes about 3 s on an idle 2-core machine but took 122.6 s on a CI runner
    # shared by several test jobs (over the former 120 s limit), so allow a lot more.
    client = nbclient.NotebookClient(
        notebook, timeout=600, startup_timeout=300, kernel_name="python3", store_widget_state=True
    )
    client.execute()
    outputs = notebook.cells[0].outputs
    kinds = [(item["output_type"], sorted(item.get("data", {}))) for item in outputs]
    assert all(kind != "stream" for kind, _ in kinds), kinds
    assert outputs[-1]["data"]["text/plain"] == "(2, 2)"
    # the cell shows the widget view and the result, never a stray picture or table
    for item in outputs[:-1]:
        assert "application/vnd.jupyter.widget-view+json" in item["data"]
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    captured = [model["state"].get("outputs", []) for model in state.values()
                if model["model_name"] == "OutputModel"]
    shown = json.dumps(captured)
    assert "data:image/png;base64" in shown  # the figure arrived inside an Output widget
