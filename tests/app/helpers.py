"""Run app pages under streamlit.testing.v1.AppTest and read back what they rendered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from ropelab import chapters
from ropelab import chart as chart_element

REPO_ROOT = chapters.REPO_ROOT
HOME = "app.py"
PAGE_SCRIPTS = sorted(str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "pages").glob("*.py"))
ALL_SCRIPTS = [HOME, *PAGE_SCRIPTS]

# URL values that are wrong in every way a shared link can be: garbage, huge, negative, non-finite, markup.
HOSTILE_VALUES = ("abc", "1e99", "-5", "nan", "inf", "", "9" * 40, "<script>alert(1)</script>", "１２", "0x10")
COMMON_KEYS = ("m", "n", "d", "base", "L", "seed", "pos", "k", "s", "lecture", "text", "method", "theta")


def run_page(script: str, query_params: dict[str, str] | None = None, timeout: float = 90) -> AppTest:
    """Open `script` the way a browser would (entrypoint app.py, then switch page) and run it once."""
    at = AppTest.from_file(str(REPO_ROOT / HOME), default_timeout=timeout)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    if script != HOME:
        at.switch_page(script)
    at.run()
    return at


def drive_sliders_to_both_ends(at: AppTest, keys=None) -> None:
    """Move each slider (those named in `keys`, else every one) to its minimum, then its maximum; every run clean."""
    for ident in range(len(at.slider)) if keys is None else keys:
        for end in ("min", "max"):
            widget = at.slider[ident] if isinstance(ident, int) else at.slider(key=ident)
            # A range slider takes both ends at once.
            value = (widget.min, widget.max) if isinstance(widget.value, tuple) else getattr(widget, end)
            widget.set_value(value).run()
            assert_clean(at)
            landed = at.slider[ident] if isinstance(ident, int) else at.slider(key=ident)
            assert landed.value == value, (landed.key, landed.value, value)


def exception_messages(at: AppTest) -> list[str]:
    """The messages (with tracebacks) of every exception element the run produced."""
    return [f"{error.message}\n{''.join(error.stack_trace)}" for error in at.exception]


def assert_clean(at: AppTest) -> None:
    """Fail with the page's own traceback if the run showed an exception."""
    messages = exception_messages(at)
    assert not messages, "\n\n".join(messages)


def chart_payloads(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every chart the run drew with ui.chart, by its key: the payload sent to the browser (figure, alt, scrub)."""
    payloads = {}
    for element in at.get("bidi_component"):
        if element.proto.component_name != chart_element.COMPONENT_NAME:
            continue
        key = user_key_from_element_id(element.proto.id)
        payloads[key.removeprefix(chart_element.KEY_PREFIX)] = chart_element.decode(element.proto.bytes)
    return payloads


def chart_payload(at: AppTest, key: str) -> dict[str, Any]:
    """The payload of the chart drawn with ui.chart(..., key=key)."""
    payloads = chart_payloads(at)
    if key not in payloads:
        raise AssertionError(f"no chart with key {key!r}; chart keys: {sorted(payloads)}")
    return payloads[key]


def share_link_text(at: AppTest) -> str:
    """The link the sidebar's "Share this view" element starts from (the browser keeps it equal to the URL)."""
    for element in at.get("bidi_component"):
        if element.proto.component_name == chart_element.SHARE_COMPONENT_NAME:
            return json.loads(element.proto.json)
    raise AssertionError("the page has no share link")


def plotly_figures(at: AppTest) -> list[dict[str, Any]]:
    """Every Plotly figure the run drew, as the JSON sent to the browser."""
    return [payload["figure"] for payload in chart_payloads(at).values()]


def plotly_figure(at: AppTest, key: str) -> dict[str, Any]:
    """The figure JSON of the chart rendered with ui.chart(..., key=key)."""
    return chart_payload(at, key)["figure"]


def metric_values(at: AppTest) -> dict[str, str]:
    """Every st.metric the run rendered, label → displayed value."""
    return {metric.label: metric.value for metric in at.metric}


def decode_array(value: Any) -> list[float]:
    """Plotly ≥ 6 sends NumPy arrays as base64 typed arrays; return plain numbers either way."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        raw = base64.b64decode(value["bdata"])
        array = np.frombuffer(raw, dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            shape = [int(part) for part in str(value["shape"]).split(",")]
            array = array.reshape(shape)
        return array.tolist()
    return value


_WIDGET_KINDS = ("slider", "select_slider", "selectbox", "toggle", "radio", "text_input", "number_input")


def widget_keys(at: AppTest) -> set[str]:
    """Keys of every slider, select slider, selectbox, toggle, radio and text input on the page."""
    return {widget.key for kind in _WIDGET_KINDS for widget in getattr(at, kind) if widget.key}


def widget_values(at: AppTest, keys) -> dict[str, Any]:
    """The current value of each widget named in `keys`, whatever kind of widget it is."""
    by_key = {widget.key: widget.value for kind in _WIDGET_KINDS for widget in getattr(at, kind) if widget.key}
    return {key: by_key[key] for key in keys}


def script_path(script: str) -> Path:
    return REPO_ROOT / script
