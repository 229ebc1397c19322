"""The shared scrubber steps through frames by name and never asks the server for anything."""

from ropelab.figures.animation import add_position_scrubber
from tests.figures.validate import validated


def test_scrubber_has_one_animate_step_per_position_and_play_pause():
    spec = {"data": [{"type": "scatter", "x": [0], "y": [0]}], "layout": {}}
    spec["frames"] = [{"name": str(m), "data": [{"type": "scatter", "x": [m], "y": [0]}]} for m in range(5)]
    add_position_scrubber(spec, range(5), prefix="m = ", active_index=2, frame_ms=80, slider_placement={"x": 0.3})
    fig = validated(spec)
    slider = fig.layout.sliders[0]
    assert slider.active == 2 and slider.x == 0.3 and slider.currentvalue.prefix == "m = "
    assert [step.args[0][0] for step in slider.steps] == [frame.name for frame in fig.frames]
    assert {step.method for step in slider.steps} == {"animate"}
    play, pause = fig.layout.updatemenus[0].buttons
    assert play.args[1]["frame"]["duration"] == 80 and play.args[1]["frame"]["redraw"] is False
    assert list(pause.args[0]) == [None]
