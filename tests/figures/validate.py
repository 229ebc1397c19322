"""Figure builders return plain dicts; plotly's graph objects check them here, property by property."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


def validated(fig: dict[str, Any]) -> go.Figure:
    """The builder's dict as a go.Figure, built with full validation (a misspelt property raises ValueError)."""
    assert isinstance(fig, dict), f"figure builders return dicts, got {type(fig).__name__}"
    assert set(fig) <= {"data", "layout", "frames"}, f"unexpected top-level keys {sorted(set(fig))}"
    return go.Figure(fig)
