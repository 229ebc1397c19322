"""Chart builders return a spec.Chart holding a plain figure dict; plotly's graph objects check it here, property by
property, and the chart's alt text and CSV are checked to be there and well formed."""

from __future__ import annotations

import csv
import io
from typing import Any

import plotly.graph_objects as go

from ropelab.figures.spec import Chart


def validated(built: Chart | dict[str, Any]) -> go.Figure:
    """The figure as a go.Figure, built with full validation (a misspelt property raises ValueError).

    For a Chart, its alt text must be a sentence and its CSV (when it has one) a rectangular table with a header.
    """
    if isinstance(built, Chart):
        assert isinstance(built.alt, str) and len(built.alt.split()) >= 4, f"alt text too thin: {built.alt!r}"
        if built.csv is not None:
            text = built.csv() if callable(built.csv) else built.csv  # made on click in the app
            assert isinstance(text, str), f"the CSV must be text, got {type(text).__name__}"
            rows = list(csv.reader(io.StringIO(text)))
            assert len(rows) >= 2, "the CSV needs a header and at least one row"
            assert len({len(row) for row in rows}) == 1, "every CSV row needs as many cells as the header"
        fig = built.figure
    else:
        fig = built
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
