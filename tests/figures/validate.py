"""Figure builders return plain dicts; plotly's graph objects check them here, property by property."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


def validated(fig: dict[str, Any]) -> go.Figure:
    """The builder's dict as a go.Figure, built with full validation (a misspelt property raises ValueError)."""
    assert isinstance(fig, dict), f"figure builders return dicts, got {type(fig).__name__}"
    assert set(fig) <= {"data", "layout", "frames"}, f"unexpected top-level keys {sorted(set(fig))}"
    _assert_plotly_js_reads_it_as_meant(fig, "fig")
    return go.Figure(fig)


def _assert_plotly_js_reads_it_as_meant(value: Any, path: str) -> None:
    """go.Figure would quietly fix these two, but the browser gets the dict as it is, so they must be right here."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if key == "colorscale":
                # Scale names like "RdBu_r" exist only in plotly.py; plotly.js falls back to its default scale.
                assert not isinstance(item, str), f"{where} = {item!r}: spell the scale out (see ropelab.style)"
            if key == "title":
                # plotly.js 3 ignores a bare-string title.
                assert isinstance(item, dict), f"{where} = {item!r}: titles are {{'text': ...}} dicts"
            _assert_plotly_js_reads_it_as_meant(item, where)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _assert_plotly_js_reads_it_as_meant(item, f"{path}[{index}]")
