"""The shared controls in ropelab.ui, run inside a tiny Streamlit script under AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.helpers import assert_clean


def _controls_script():
    import streamlit as st

    from ropelab import ui

    ui.remember_link_values()
    dim = ui.slider("Head size d", 16, 256, 64, key="d", step=16)
    method = ui.choice("Method", ["rope", "alibi"], "rope", key="method", widget="segmented")
    base = ui.base_choice()
    st.write(f"d={dim} method={method} base={base}")
    st.code(ui.share_link())


def _run(params: dict[str, str]) -> AppTest:
    at = AppTest.from_function(_controls_script, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert_clean(at)
    return at


def _readout(at: AppTest) -> str:
    return next(str(element.value) for element in at.markdown if str(element.value).startswith("d="))


def test_defaults_make_an_empty_share_link():
    at = _run({})
    assert _readout(at) == "d=64 method=rope base=10000.0"
    assert at.code[0].value == "?"


def test_off_step_link_value_is_snapped_with_a_notice():
    at = _run({"d": "17"})
    assert _readout(at).startswith("d=16 ")
    assert any("not one of the slider's steps" in warning.value for warning in at.warning)
    # The widget itself now holds 16, so its URL binding writes d=16 into the address bar (and the share link,
    # which the browser reads from there: tests/e2e check that part).
    assert at.slider(key="d").value == 16


def test_empty_choice_in_link_falls_back_to_default():
    at = _run({"method": ""})
    assert "method=rope" in _readout(at)


def test_share_link_carries_only_changed_values_with_short_labels():
    at = _run({"d": "128", "base": "500k"})
    assert _readout(at) == "d=128 method=rope base=500000.0"
    link = at.code[0].value
    assert "d=128" in link and "base=500k" in link and "method" not in link


def test_a_rejected_link_value_is_reported_and_the_default_used():
    at = _run({"d": "100000000"})
    assert _readout(at).startswith("d=64 ")
    assert any("`100000000` is not allowed here" in warning.value for warning in at.warning)


def test_an_unknown_option_in_the_link_is_reported():
    at = _run({"base": "banana"})
    assert _readout(at).endswith("base=10000.0")
    assert any("`banana` is not allowed here" in warning.value for warning in at.warning)


def test_valid_link_values_raise_no_notice():
    at = _run({"d": "128", "base": "500k", "method": "alibi"})
    assert _readout(at) == "d=128 method=alibi base=500000.0"
    assert not at.warning


def test_markup_in_a_rejected_value_is_shown_as_code_not_rendered():
    at = _run({"d": "`<b>x</b>`[link](http://example.com)"})
    warning = next(warning.value for warning in at.warning if "not allowed" in warning.value)
    assert "`<b>x</b>[link](http://example.com)`" in warning


def _exact_script():
    import streamlit as st

    from ropelab import ui

    ui.remember_link_values()
    angle = ui.slider("Angle θ", -3.2, 3.2, 0.5, key="theta", step=0.01, exact=True)
    st.write(f"theta={angle!r}")
    with ui.go_deeper("where the angle comes from"):
        st.write("details")


def test_a_typed_pi_expression_sets_the_slider_exactly():
    import math

    at = AppTest.from_function(_exact_script, default_timeout=30).run()
    at.text_input(key="_ropelab_typed_theta").input("pi/2").run()
    assert_clean(at)
    assert at.slider(key="theta").value == math.pi / 2
    assert any(str(element.value) == f"theta={math.pi / 2!r}" for element in at.markdown)
    assert at.expander[0].label == "Go deeper: where the angle comes from"


def test_a_typed_value_that_cannot_be_used_is_named_and_changes_nothing():
    at = AppTest.from_function(_exact_script, default_timeout=30).run()
    at.text_input(key="_ropelab_typed_theta").input("2pi").run()
    assert_clean(at)
    assert at.slider(key="theta").value == 0.5
    assert any("6.28319 is outside -3.2 … 3.2" in warning.value for warning in at.warning)
    at.text_input(key="_ropelab_typed_theta").input("import os").run()
    assert any("cannot read" in warning.value for warning in at.warning)
    assert at.slider(key="theta").value == 0.5


def _page_like_script():
    import streamlit as st

    from ropelab import ui

    if "arrived" not in st.session_state:  # as ui.start_page does: the link is recorded once, on arrival
        st.session_state["arrived"] = True
        ui.remember_link_values()

    @ui.section
    def experiment():
        dim = ui.slider("Head size d", 16, 256, 64, key="d", step=16)
        st.write(f"d={dim}")

    experiment()


def test_an_off_step_link_value_inside_a_section_is_snapped_with_its_notice():
    at = AppTest.from_function(_page_like_script, default_timeout=30)
    at.query_params["d"] = "17"
    at.run()
    assert_clean(at)
    assert at.slider(key="d").value == 16
    assert any("`17` is not one of the slider's steps, so 16 is used" in warning.value for warning in at.warning)
    at.slider(key="d").set_value(32).run()  # the reader moves it: the notice about the link goes
    assert not any("link's value" in warning.value for warning in at.warning)
