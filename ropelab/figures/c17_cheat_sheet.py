"""The cheat sheet's chart: every context-extension rule's θ'/θ per pair, side by side."""

from __future__ import annotations

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c17_cheat_sheet import RULE_NAMES, RULES, ScalingComparison
from ropelab.style import OKABE_ITO, style_figure

RULE_COLOURS = {"linear": OKABE_ITO[4], "ntk": OKABE_ITO[1], "yarn": OKABE_ITO[2], "llama3": OKABE_ITO[0]}
RULE_DASHES = {"linear": "dot", "ntk": "dash", "yarn": "solid", "llama3": "dashdot"}


def _rule_label(comparison: ScalingComparison, rule: str) -> str:
    factor = comparison.attention_factors[rule]
    return RULE_NAMES[rule] + ("" if factor == 1.0 else f" (cos, sin × {factor:.3f})")


def _scaling_rules(comparison: ScalingComparison, *, title: str | None = None) -> spec.Figure:
    """θ'_i/θ_i of each rule against the pair index, on a log axis from 1 (untouched) down to 1/s."""
    pairs = np.arange(comparison.wavelengths.size, dtype=np.float32)
    slow = np.flatnonzero(comparison.wavelengths > comparison.context)
    fig = spec.figure()
    if slow.size:
        spec.add_vrect(fig, float(slow[0]) - 0.5, float(pairs[-1]) + 0.5, fillcolor="rgba(128,128,128,0.13)",
                       line={"width": 0})  # fmt: skip
        spec.add_top_label(fig, f"λ > L = {comparison.context:,}:<br>under one turn in L", float(pairs[-1]),
                           xanchor="right")  # fmt: skip
    for rule in RULES:
        ratios = np.asarray(comparison.ratios[rule], dtype=np.float32)
        if ratios.shape != pairs.shape:
            raise ValueError(f"ratios[{rule!r}] must have shape {pairs.shape}, got {ratios.shape}")
        line = {
            "type": "scatter",
            "x": pairs,
            "y": ratios,
            "mode": "lines",
            "name": _rule_label(comparison, rule),
            "line": {"color": RULE_COLOURS[rule], "dash": RULE_DASHES[rule], "width": 3},
            "customdata": comparison.wavelengths.astype(np.float32),
            "hovertemplate": f"{RULE_NAMES[rule]}<br>pair %{{x}} (λ = %{{customdata:,.1f}} tokens)"
            "<br>θ′/θ = %{y:.4f}<extra></extra>",
        }
        spec.add_trace(fig, line)
    # The axis is named in its end ticks rather than by a title, which a legend below the plot would cover on a
    # phone or in lecture mode.
    last = int(pairs[-1])
    ticks = [0, *range(16, last, 16), last]
    spec.update_xaxes(
        fig,
        range=[-0.5, last + 0.5],
        showgrid=False,
        tickvals=ticks,
        ticktext=["pair 0, fastest", *(str(tick) for tick in ticks[1:-1]), f"{last}, slowest"],
    )
    spec.update_yaxes(
        fig,
        title={"text": "θ′ / θ (log)"},
        type="log",
        range=[np.log10(1 / comparison.factor) - 0.12, 0.12],
        tickvals=[1 / comparison.factor, 1 / np.sqrt(comparison.factor), 1.0],
        ticktext=[f"1/s = 1/{comparison.factor:g}", f"1/√s = 1/{np.sqrt(comparison.factor):.2g}", "1"],
    )
    spec.legend_at_foot(style_figure(fig, title=title, height=330))
    return fig


def scaling_rules_chart(comparison: ScalingComparison) -> spec.Chart:
    """Which pairs each context-extension rule slows down, and by how much, for one factor s."""
    untouched = {rule: int(np.isclose(comparison.ratios[rule], 1.0).sum()) for rule in RULES}
    full = {rule: int(np.isclose(comparison.ratios[rule], 1 / comparison.factor).sum()) for rule in RULES}
    pairs = comparison.wavelengths.size
    return spec.Chart(
        _scaling_rules(comparison, title=f"θ′/θ of the {pairs} pairs, s = {comparison.factor:g}"),
        alt=(
            f"θ′/θ for each of {pairs} pairs and four rules at s = {comparison.factor:g}, L = "
            f"{comparison.context:,}: "
            + "; ".join(
                f"{RULE_NAMES[rule]} leaves {untouched[rule]} pairs untouched and slows {full[rule]} by the full s"
                for rule in RULES
            )
        ),
        csv=columns_to_csv(
            {"pair": np.arange(pairs), "wavelength_tokens": comparison.wavelengths}
            | {f"ratio_{rule}": comparison.ratios[rule] for rule in RULES}
        ),
        filename="ropelab_scaling_rules",
    )
