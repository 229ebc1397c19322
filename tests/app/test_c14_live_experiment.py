"""AppTest checks for chapter 14: no training on load, URL handling, the time estimate, train / cache / stop flows,
and the bridge section computed from the run just trained."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ropelab.lessons import c14_live_experiment as training
from tests.app.helpers import (
    HOSTILE_VALUES,
    assert_clean,
    chart_payload,
    chart_payloads,
    decode_array,
    metric_values,
    plotly_figure,
    run_page,
)

SCRIPT = "pages/14_Live_experiment.py"
DEVELOPER_WORDS = ("so tests can check", "rope_core", "the core says", "test suite")
QUICK = {"L": "8", "steps": "100", "seed": "11", "T": "16"}  # a run of a second or two


def arrow_offsets(at) -> set[float]:
    """Offsets t − s of the arrows in the task chart (one per target)."""
    figure = plotly_figure(at, "task")
    return {note["x"] - note["ax"] for note in figure["layout"]["annotations"]}


def chart_keys(at) -> list[str]:
    return list(chart_payloads(at))


def page_text(at) -> str:
    blocks = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.subheader]
    return " ".join(str(block.value) for block in blocks)


def status_line(at) -> str:
    return next(caption.value for caption in at.caption if "trained" in caption.value or "Nothing" in caption.value)


def test_page_load_is_clean_and_never_trains():
    at = run_page(SCRIPT)
    assert_clean(at)
    assert chart_keys(at) == ["task"]
    assert arrow_offsets(at) == {3.0}
    assert len(plotly_figure(at, "task")["layout"]["annotations"]) == 16 - 3
    assert not at.dataframe
    assert any("Press **Train the four models**" in info.value for info in at.info)
    assert at.button(key="p14_train").disabled is False
    assert status_line(at).startswith("Nothing trained yet")


def test_no_words_meant_for_developers():
    at = run_page(SCRIPT)
    text = page_text(at).lower()
    for words in DEVELOPER_WORDS:
        assert words not in text, words


def test_the_time_shown_is_the_lessons_estimate_and_says_it_is_one():
    at = run_page(SCRIPT, {"L": "32", "steps": "1000"})
    assert_clean(at)
    settings = training.ExperimentSettings(train_length=32, steps=1000)
    seconds = training.estimated_seconds(settings)
    shown = metric_values(at)["Estimated time on this server"]
    minutes, rest = divmod(round(seconds), 60)
    assert shown == (f"≈ {minutes} min {rest} s" if seconds >= 60 else f"≈ {round(seconds)} s")
    assert "estimate" in next(item for item in at.metric if item.label.startswith("Estimated")).help
    assert seconds > training.estimated_seconds(training.ExperimentSettings())


def test_copy_offset_slider_changes_the_task_chart():
    at = run_page(SCRIPT)
    at.slider(key="k").set_value(5).run()
    assert_clean(at)
    assert arrow_offsets(at) == {5.0}
    assert len(plotly_figure(at, "task")["layout"]["annotations"]) == 16 - 5
    targets = plotly_figure(at, "task")["data"][1]
    assert decode_array(targets["x"])[0] == 5


def test_good_url_values_reach_widgets_and_chart():
    at = run_page(SCRIPT, {"k": "5", "L": "24", "steps": "300", "seed": "7"})
    assert_clean(at)
    assert at.slider(key="k").value == 5
    assert at.select_slider(key="L").value == 24
    assert at.slider(key="steps").value == 300
    assert at.slider(key="seed").value == 7
    assert arrow_offsets(at) == {5.0}
    work = training.training_work(training.ExperimentSettings(offset=5, train_length=24, steps=300, seed=7))
    assert metric_values(at)["Work for all four models"] == f"{work:.1e} multiply-adds"


def test_out_of_range_url_values_fall_back_to_defaults():
    at = run_page(SCRIPT, {"k": "99", "L": "17", "steps": "99999", "seed": "-3"})
    assert_clean(at)
    assert at.slider(key="k").value == 3
    assert at.select_slider(key="L").value == 16
    assert at.slider(key="steps").value == 400
    assert at.slider(key="seed").value == 0


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_garbage_url_values_are_dropped(value):
    at = run_page(SCRIPT, {key: value for key in ("k", "L", "steps", "seed", "T", "off", "from")})
    assert_clean(at)
    assert arrow_offsets(at) == {3.0}


def test_train_button_trains_shows_results_and_caches_the_run():
    at = run_page(SCRIPT, QUICK)
    assert at.button(key="p14_train").disabled is False
    at.button(key="p14_train").click().run()
    assert_clean(at)
    assert chart_keys(at) == ["task", "loss", "accuracy", "attention", "pairs", "switch_off"]
    loss = plotly_figure(at, "loss")
    assert [trace["name"] for trace in loss["data"]] == ["NoPE", "Sinusoidal", "Learned absolute", "RoPE"]
    assert len(decode_array(loss["data"][0]["x"])) == 100
    table = at.dataframe[0].value
    assert list(table["model"]) == ["NoPE", "Sinusoidal", "Learned absolute", "RoPE"]
    assert table["accuracy at T = 16"][2] == "n/a: no embedding for positions ≥ 8"
    assert table["accuracy at L = 8"][2].endswith("%")
    # Right after the reader's own run the page says so, with the time it took, never "trained earlier".
    status = status_line(at)
    assert re.fullmatch(
        r"You trained these settings: \d+\.\d s from the press to the last step, \d+\.\d s of it "
        r"training \(estimated ≈ \d+ s\)\.",
        status,
    ), status
    assert "earlier" not in page_text(at) and "before" not in status
    # The rerun after training finds the cached run: the button is disabled and nothing retrains.
    assert at.button(key="p14_train").disabled is True
    # Evaluation settings change the results without retraining.
    at.slider(key="T").set_value(8).run()
    assert_clean(at)
    assert at.dataframe[0].value["accuracy at T = 8"][2].endswith("%")
    assert at.button(key="p14_train").disabled is True
    assert at.slider(key="T").max == 64 and at.slider(key="T").min == 8

    # Another visitor with the same settings gets the stored run at once, and is told where it came from.
    other = run_page(SCRIPT, QUICK)
    assert_clean(other)
    assert status_line(other) == "These settings were trained earlier on this server, so that run is shown at once."
    assert other.button(key="p14_train").disabled is True


def test_the_bridge_charts_are_computed_from_the_run_just_trained():
    at = run_page(SCRIPT, QUICK | {"seed": "12"})
    at.button(key="p14_train").click().run()
    assert_clean(at)
    settings = training.ExperimentSettings(train_length=8, steps=100, seed=12)
    # The same run, trained again here: runs are bit-identical for equal settings.
    result = training.run_experiment(settings)
    usage, ablation = training.pair_usage(result), training.pair_ablation(result)
    pairs = plotly_figure(at, "pairs")["data"]
    np.testing.assert_allclose(decode_array(pairs[0]["y"]), usage.query, rtol=1e-6)
    np.testing.assert_allclose(decode_array(pairs[2]["y"]), ablation.single_accuracy, rtol=1e-6)
    payload = chart_payload(at, "switch_off")
    assert payload["scrub"]["label"] == "Pairs switched off" and payload["scrub"]["index"] == 12
    assert len(payload["scrub"]["frames"]) == settings.dim // 2 + 1
    accuracy, _, maps = ablation.cumulative["slowest"]
    np.testing.assert_allclose(decode_array(payload["figure"]["data"][0]["z"]), maps[12], atol=1e-6)
    summary = next(block.value for block in at.markdown if block.value.startswith("**In your run:**"))
    assert f"right {ablation.accuracy:.0%} of the time" in summary
    assert f"{training.removable_pairs(ablation, 'slowest')} of the 16 pairs" in summary
    # The other end, and both ends of the scrubber's control.
    at.segmented_control(key="from").set_value("fastest").run()
    assert_clean(at)
    for count in (0, 16):
        at.slider(key="off").set_value(count).run()
        assert_clean(at)
        figure = plotly_figure(at, "switch_off")
        np.testing.assert_allclose(
            decode_array(figure["data"][0]["z"]), ablation.cumulative["fastest"][2][count], atol=1e-6
        )
    assert "all of 16" in figure["layout"]["title"]["text"]
    assert accuracy[0] == ablation.accuracy


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
    assert "pairs" in chart_keys(at), "the bridge looks inside the partly trained head too"


def test_changing_a_setting_mid_run_stops_that_run_and_keeps_its_curves_for_its_own_settings():
    settings = training.ExperimentSettings(offset=3, train_length=8, steps=100, seed=14)
    run = training.ExperimentRun(settings)
    run.advance(20)
    at = run_page(SCRIPT, {"L": "8", "steps": "100", "seed": "15"})
    at.session_state["p14_training"] = run
    at.run()
    assert_clean(at)
    assert "p14_training" not in at.session_state
    assert status_line(at).startswith("Nothing trained yet"), "the other settings' run must not go on here"
    at.slider(key="seed").set_value(14).run()
    assert_clean(at)
    assert any("stopped after 20 of 100 steps" in warning.value for warning in at.warning)
    assert len(decode_array(plotly_figure(at, "loss")["data"][3]["x"])) == 20
