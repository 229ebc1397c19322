"""AppTest checks for chapter 14: no training on load, URL handling, slider extremes, train / cache / stop flows."""

from __future__ import annotations

import pytest

from ropelab.lessons import c14_live_experiment as training
from tests.app.helpers import HOSTILE_VALUES, assert_clean, chart_payloads, decode_array, plotly_figure, run_page

SCRIPT = "pages/14_Live_experiment.py"
SLIDERS = ("k", "steps", "seed", "T")


def arrow_offsets(at) -> set[float]:
    """Offsets t − s of the arrows in the task chart (one per target)."""
    figure = plotly_figure(at, "task")
    return {note["x"] - note["ax"] for note in figure["layout"]["annotations"]}


def chart_keys(at) -> list[str]:
    return list(chart_payloads(at))


def test_page_load_is_clean_and_never_trains():
    at = run_page(SCRIPT)
    assert_clean(at)
    assert chart_keys(at) == ["task"]
    assert arrow_offsets(at) == {3.0}
    assert len(plotly_figure(at, "task")["layout"]["annotations"]) == 16 - 3
    assert not at.dataframe
    assert any("Press **Train the four models**" in info.value for info in at.info)
    assert at.button(key="p14_train").disabled is False


@pytest.mark.parametrize("key", SLIDERS)
def test_slider_extremes_run_clean(key):
    at = run_page(SCRIPT)
    slider = at.slider(key=key)
    for value in (slider.min, slider.max):
        slider.set_value(value).run()
        assert_clean(at)
        assert at.slider(key=key).value == value


def test_training_length_extremes_run_clean_and_set_the_task_length():
    at = run_page(SCRIPT)
    picker = at.select_slider(key="L")
    for value in (picker.options[0], picker.options[-1]):
        picker.set_value(int(value)).run()
        assert_clean(at)
    assert at.select_slider(key="L").value == 32


def test_copy_offset_slider_changes_the_task_chart():
    at = run_page(SCRIPT)
    at.slider(key="k").set_value(5).run()
    assert_clean(at)
    assert arrow_offsets(at) == {5.0}
    assert len(plotly_figure(at, "task")["layout"]["annotations"]) == 16 - 5
    targets = plotly_figure(at, "task")["data"][1]
    assert decode_array(targets["x"])[0] == 5


def test_good_url_values_reach_widgets_and_chart():
    at = run_page(SCRIPT, {"k": "5", "L": "24", "steps": "300", "seed": "7", "T": "48"})
    assert_clean(at)
    assert at.slider(key="k").value == 5
    assert at.select_slider(key="L").value == 24
    assert at.slider(key="steps").value == 300
    assert at.slider(key="seed").value == 7
    assert at.slider(key="T").value == 48
    assert arrow_offsets(at) == {5.0}
    work = training.training_work(training.ExperimentSettings(offset=5, train_length=24, steps=300, seed=7))
    assert at.metric[0].value == f"{work:.1e} multiply-adds"


def test_out_of_range_url_values_fall_back_to_defaults():
    at = run_page(SCRIPT, {"k": "99", "L": "17", "steps": "99999", "seed": "-3", "T": "2"})
    assert_clean(at)
    assert at.slider(key="k").value == 3
    assert at.select_slider(key="L").value == 16
    assert at.slider(key="steps").value == 400
    assert at.slider(key="seed").value == 0
    assert at.slider(key="T").value == 32


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_garbage_url_values_are_dropped(value):
    at = run_page(SCRIPT, {key: value for key in ("k", "L", "steps", "seed", "T")})
    assert_clean(at)
    assert arrow_offsets(at) == {3.0}


def test_train_button_trains_shows_results_and_caches_the_run():
    at = run_page(SCRIPT, {"L": "8", "steps": "100", "seed": "11", "T": "16"})
    assert at.button(key="p14_train").disabled is False
    at.button(key="p14_train").click().run()
    assert_clean(at)
    assert chart_keys(at) == ["task", "loss", "accuracy", "attention"]
    loss = plotly_figure(at, "loss")
    assert [trace["name"] for trace in loss["data"]] == ["NoPE", "Sinusoidal", "Learned absolute", "RoPE"]
    assert len(decode_array(loss["data"][0]["x"])) == 100
    table = at.dataframe[0].value
    assert list(table["model"]) == ["NoPE", "Sinusoidal", "Learned absolute", "RoPE"]
    assert table["accuracy at T = 16"][2] == "n/a: no embedding for positions ≥ 8"
    assert table["accuracy at L = 8"][2].endswith("%")
    # The rerun after training finds the cached run: the button is disabled and nothing retrains.
    assert at.button(key="p14_train").disabled is True
    # Evaluation settings change the results without retraining.
    at.slider(key="T").set_value(8).run()
    assert_clean(at)
    assert at.dataframe[0].value["accuracy at T = 8"][2].endswith("%")
    assert at.button(key="p14_train").disabled is True


def test_a_stopped_run_shows_its_partial_curves_with_a_notice():
    settings = training.ExperimentSettings(offset=3, train_length=8, steps=100, seed=13)
    kept = []

    class Stop(Exception):
        pass

    def stop_at_half(partial):
        kept.append(partial)
        if partial.steps_done >= 50:
            raise Stop

    with pytest.raises(Stop):
        training.run_experiment(settings, on_chunk=stop_at_half, chunk_steps=25)
    at = run_page(SCRIPT, {"L": "8", "steps": "100", "seed": "13"})
    at.session_state["p14_partial"] = kept[-1]
    at.run()
    assert_clean(at)
    assert any("stopped after 50 of 100 steps" in warning.value for warning in at.warning)
    assert len(decode_array(plotly_figure(at, "loss")["data"][3]["x"])) == 50
    assert at.button(key="p14_train").disabled is False
