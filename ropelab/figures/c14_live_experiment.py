"""Chapter 14's charts: the copy task, live loss curves, accuracy against length, learned attention maps."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c14_live_experiment import ExperimentResult, PairAblation, PairUsage, mass_on_target
from ropelab.style import HIGHLIGHT_COLOUR, KEY_COLOUR, OKABE_ITO, QUERY_COLOUR, SEQUENTIAL_SCALE, style_figure

SCHEME_ORDER = ("nope", "sinusoidal", "learned", "rope")
SCHEME_NAMES = {"nope": "NoPE", "sinusoidal": "Sinusoidal", "learned": "Learned absolute", "rope": "RoPE"}
# One fixed colour and dash per scheme on every chart of the chapter, so the legend is learned once.
SCHEME_COLOURS = {"nope": OKABE_ITO[4], "sinusoidal": OKABE_ITO[1], "learned": OKABE_ITO[2], "rope": OKABE_ITO[0]}
SCHEME_DASHES = {"nope": "dot", "sinusoidal": "dash", "learned": "dashdot", "rope": "solid"}
MAX_CURVE_POINTS = 600
MAX_MAP_SIZE = 64
LOSS_FLOOR = 1e-4


def _task(tokens: np.ndarray, targets: np.ndarray, offset: int, *, title: str | None = None) -> spec.Figure:
    """The input sequence on top, the targets below, and an arrow from x_{t−k} to every target y_t."""
    tokens = np.asarray(tokens)
    targets = np.asarray(targets)
    if tokens.ndim != 1 or tokens.shape != targets.shape:
        raise ValueError(f"tokens and targets must be 1-D of equal length, got {tokens.shape} and {targets.shape}")
    length = tokens.size
    positions = np.arange(length, dtype=np.float32)
    has_target = targets >= 0
    no_target = ~has_target
    inputs = {
        "type": "scatter",
        "x": positions,
        "y": np.ones(length, dtype=np.float32),
        "mode": "markers+text",
        "marker": {"symbol": "square", "size": 24, "color": OKABE_ITO[5], "line": {"width": 1, "color": "#444"}},
        "text": [str(token) for token in tokens],
        "textfont": {"size": 13, "color": "#000"},
        "name": "input token x_t",
        "hovertemplate": "position %{x}<br>input token %{text}<extra></extra>",
    }
    shown_targets = {
        "type": "scatter",
        "x": positions[has_target],
        "y": np.zeros(int(has_target.sum()), dtype=np.float32),
        "mode": "markers+text",
        "marker": {"symbol": "square", "size": 24, "color": OKABE_ITO[1], "line": {"width": 1, "color": "#444"}},
        "text": [str(target) for target in targets[has_target]],
        "textfont": {"size": 13, "color": "#000"},
        "name": f"target y_t = x_(t−{offset})",
        "hovertemplate": "position %{x}<br>target %{text}<extra></extra>",
    }
    empty = {
        "type": "scatter",
        "x": positions[no_target],
        "y": np.zeros(int(no_target.sum()), dtype=np.float32),
        "mode": "markers",
        "marker": {"symbol": "square-open", "size": 24, "color": "rgba(128,128,128,0.6)"},
        "name": "no target (t < k)",
        "hovertemplate": "position %{x}<br>nothing to copy yet<extra></extra>",
    }
    fig = spec.figure([inputs, shown_targets, empty])
    for position in np.flatnonzero(has_target):
        spec.add_annotation(
            fig,
            x=float(position),
            y=0.16,
            ax=float(position - offset),
            ay=0.84,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1,
            arrowwidth=1.5,
            arrowcolor=HIGHLIGHT_COLOUR,
            text="",
        )
    spec.update_xaxes(
        fig, title={"text": "position t"}, dtick=1, range=[-0.7, length - 0.3], showgrid=False, zeroline=False
    )
    spec.update_yaxes(
        fig, tickvals=[0, 1], ticktext=["target", "input"], range=[-0.5, 1.5], showgrid=False, zeroline=False
    )
    return spec.legend_at_foot(style_figure(fig, title=title, height=300))


def _downsample(curve: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    steps = np.arange(1, curve.size + 1)
    stride = max(1, -(-curve.size // max_points))
    keep = np.arange(0, curve.size, stride)
    if keep.size and keep[-1] != curve.size - 1:
        keep = np.append(keep, curve.size - 1)
    return steps[keep], curve[keep]


def _loss_curves(
    losses: Mapping[str, np.ndarray],
    total_steps: int,
    chance_loss: float,
    *,
    title: str | None = None,
    max_points: int = MAX_CURVE_POINTS,
) -> spec.Figure:
    """Training loss of each scheme against step (log scale), with the loss of a uniform guess for reference."""
    fig = spec.figure()
    for scheme in SCHEME_ORDER:
        if scheme not in losses:
            continue
        steps, values = _downsample(np.asarray(losses[scheme], dtype=np.float64), max_points)
        curve = {
            "type": "scatter",
            "x": steps.astype(np.float32),
            # A loss of exactly 0 cannot sit on a log axis; the floor is far below anything worth reading.
            "y": np.maximum(values, LOSS_FLOOR).astype(np.float32),
            "mode": "lines",
            "name": SCHEME_NAMES[scheme],
            "line": {"color": SCHEME_COLOURS[scheme], "dash": SCHEME_DASHES[scheme], "width": 2.5},
            "hovertemplate": f"{SCHEME_NAMES[scheme]}<br>step %{{x}}<br>loss %{{y:.4f}}<extra></extra>",
        }
        spec.add_trace(fig, curve)
    spec.add_hline(fig, chance_loss, line={"color": "gray", "dash": "dot", "width": 1})
    spec.add_line_label(fig, f"uniform guess: ln V = {chance_loss:.2f}", chance_loss, log_axis=True)
    spec.update_xaxes(fig, title={"text": "training step"}, range=[0, max(total_steps, 1) * 1.01])
    highest = max([chance_loss, *(float(np.nanmax(curve)) for curve in losses.values() if len(curve))])
    spec.update_yaxes(
        fig,
        title={"text": "cross-entropy loss (nats, log scale)"},
        type="log",
        range=[np.log10(LOSS_FLOOR) - 0.1, np.log10(highest) + 0.4],
        exponentformat="power",
        dtick=1,
    )
    return spec.legend_at_foot(style_figure(fig, title=title, height=400))


def _accuracy_by_length(
    lengths: np.ndarray,
    scores: Mapping[str, np.ndarray],
    train_length: int,
    chance: float,
    *,
    title: str | None = None,
) -> spec.Figure:
    """Held-out accuracy of each scheme against sequence length; the training length is marked.

    Learned absolute has NaN beyond its table: the line simply stops there, and its legend entry says why.
    """
    lengths = np.asarray(lengths, dtype=np.float32)
    fig = spec.figure()
    longest = float(lengths.max()) if lengths.size else float(train_length)
    band_end = longest * 1.03
    spec.add_vrect(fig, train_length, band_end, fillcolor="rgba(128,128,128,0.12)", line={"width": 0})
    spec.add_top_label(fig, "longer than any training sequence", band_end, xanchor="right")
    spec.add_vline(fig, train_length, line={"color": "gray", "dash": "dash", "width": 1})
    for scheme in SCHEME_ORDER:
        if scheme not in scores:
            continue
        values = np.asarray(scores[scheme], dtype=np.float32)
        if values.shape != lengths.shape:
            raise ValueError(f"scores[{scheme!r}] must have shape {lengths.shape}, got {values.shape}")
        name = SCHEME_NAMES[scheme]
        if np.isnan(values).any():
            # The line stops where the model has no answer; the legend says why instead of a number.
            name += f" (n/a beyond L = {train_length})"
        curve = {
            "type": "scatter",
            "x": lengths,
            "y": values,
            "mode": "lines+markers",
            "name": name,
            "line": {"color": SCHEME_COLOURS[scheme], "dash": SCHEME_DASHES[scheme], "width": 2.5},
            "marker": {"size": 8},
            "hovertemplate": f"{name}<br>length %{{x}}<br>accuracy %{{y:.1%}}<extra></extra>",
        }
        spec.add_trace(fig, curve)
    spec.add_hline(fig, chance, line={"color": "gray", "dash": "dot", "width": 1})
    spec.add_line_label(fig, f"random guess 1/V = {chance:.0%}", chance, above=False)
    spec.update_xaxes(fig, title={"text": "test sequence length (tokens)"}, range=[0, longest * 1.03])
    spec.update_yaxes(
        fig,
        title={"text": "accuracy on held-out sequences"},
        range=[0, 1.14],
        tickformat=".0%",
        tickvals=np.linspace(0, 1, 6),
    )
    return spec.legend_at_foot(style_figure(fig, title=title, height=420))


def _attention_maps(
    tokens: np.ndarray,
    maps: Mapping[str, np.ndarray | None],
    offset: int,
    train_length: int,
    *,
    title: str | None = None,
) -> spec.Figure:
    """A 2×2 grid of heatmaps, one per scheme, of its attention weights (query row t, key column s).

    A dotted line marks the ideal cells s = t − k; a model that cannot run at this length gets a note instead.
    """
    length = int(np.asarray(tokens).size)
    if length > MAX_MAP_SIZE:
        raise ValueError(f"tokens must have at most {MAX_MAP_SIZE} entries for display, got {length}")
    schemes = [scheme for scheme in SCHEME_ORDER if scheme in maps]
    # One row: four squares side by side on a wide screen, stacked one under another on a phone.
    columns = max(1, len(schemes))
    rows = 1
    fig = spec.subplots(
        rows,
        columns,
        subplot_titles=[SCHEME_NAMES[scheme] for scheme in schemes],
        horizontal_spacing=0.05,
    )
    ideal_rows = np.arange(offset, length, dtype=np.float32)
    for index, scheme in enumerate(schemes):
        row, column = divmod(index, columns)
        row, column = row + 1, column + 1
        weights = maps[scheme]
        if weights is None:
            spec.add_annotation(
                fig,
                row=row,
                col=column,
                text=f"n/a: no embedding<br>for positions ≥ {train_length}",
                x=(length - 1) / 2,
                y=(length - 1) / 2,
                showarrow=False,
                font={"size": 15},
            )
            continue
        weights = np.asarray(weights, dtype=np.float32)
        if weights.shape != (length, length):
            raise ValueError(f"maps[{scheme!r}] must have shape {(length, length)}, got {weights.shape}")
        heatmap = {
            "type": "heatmap",
            "z": weights,
            "zmin": 0.0,
            "zmax": 1.0,
            "colorscale": SEQUENTIAL_SCALE,
            "showscale": index == 0,
            "colorbar": {"title": {"text": "weight"}, "thickness": 12},
            "name": SCHEME_NAMES[scheme],
            "hovertemplate": "query t=%{y}<br>key s=%{x}<br>weight %{z:.3f}<extra>%{fullData.name}</extra>",
        }
        ideal = {
            "type": "scatter",
            "x": ideal_rows - offset,
            "y": ideal_rows,
            "mode": "lines",
            "line": {"color": HIGHLIGHT_COLOUR, "width": 1.5, "dash": "dot"},
            "name": f"ideal: s = t − {offset}",
            "showlegend": False,
            "hoverinfo": "skip",
        }
        spec.add_trace(fig, heatmap, row=row, col=column)
        spec.add_trace(fig, ideal, row=row, col=column)
        if length > train_length:
            spec.add_hline(
                fig, train_length - 0.5, row=row, col=column, line={"color": "white", "width": 1.5, "dash": "dash"}
            )
    spec.update_xaxes(fig, range=[-0.5, length - 0.5])
    spec.update_yaxes(fig, range=[length - 0.5, -0.5])
    for column in range(1, columns + 1):
        spec.update_xaxes(fig, row=rows, col=column, title={"text": "key s"})
    for row in range(1, rows + 1):
        spec.update_yaxes(fig, row=row, col=1, title={"text": "query t"})
    style_figure(fig, title=title, height=360)
    return spec.finish(fig)


def _wavelength_text(wavelength: float) -> str:
    return f"{wavelength:,.0f}" if wavelength >= 100 else f"{wavelength:.1f}"


def _pair_axis(fig: spec.Figure, wavelengths: np.ndarray, row: int, col: int) -> None:
    # The axis is named in the subplot titles and its end ticks, not by an axis title, which the legend below the
    # plot would cover on a phone or a projector.
    pairs = wavelengths.size
    ticks = list(range(0, pairs, 3 if pairs > 16 else 1))
    spec.update_xaxes(
        fig,
        row=row,
        col=col,
        tickvals=ticks,
        ticktext=[str(tick) for tick in ticks],
        range=[-0.6, pairs - 0.4],
    )


def _pair_usage(usage: PairUsage, ablation: PairAblation, *, title: str | None = None) -> spec.Figure:
    """Left: how large each pair is in the trained queries and keys. Right: accuracy with only that pair off."""
    pairs = np.arange(usage.wavelengths.size)
    if ablation.single_accuracy.shape != pairs.shape:
        raise ValueError(f"ablation must have {pairs.size} pairs, got {ablation.single_accuracy.size}")
    fig = spec.subplots(
        1,
        2,
        subplot_titles=[
            "Size of pair i in queries and keys (0 = fastest)",
            "Accuracy with only pair i switched off",
        ],
        horizontal_spacing=0.12,
    )
    hover = np.stack([usage.wavelengths, usage.weight_q, usage.weight_k], axis=1).astype(np.float32)
    for name, values, colour in (("queries ‖q⁽ⁱ⁾‖", usage.query, QUERY_COLOUR), ("keys ‖k⁽ⁱ⁾‖", usage.key, KEY_COLOUR)):
        bars = {
            "type": "bar",
            "x": pairs,
            "y": np.asarray(values, dtype=np.float32),
            "name": name,
            "marker": {"color": colour},
            "customdata": hover,
            "hovertemplate": f"pair %{{x}} (λ = %{{customdata[0]:,.1f}} tokens)<br>mean {name} %{{y:.2f}}"
            "<br>weights ‖W_q‖ %{customdata[1]:.2f}, ‖W_k‖ %{customdata[2]:.2f}<extra></extra>",
        }
        spec.add_trace(fig, bars, row=1, col=1)
    single = {
        "type": "scatter",
        "x": pairs,
        "y": np.asarray(ablation.single_accuracy, dtype=np.float32),
        "mode": "lines+markers",
        "name": "accuracy with pair i off",
        "line": {"color": SCHEME_COLOURS["rope"], "width": 2.5},
        "marker": {"size": 8},
        "customdata": usage.wavelengths.astype(np.float32),
        "hovertemplate": "pair %{x} off (λ = %{customdata:,.1f} tokens)<br>accuracy %{y:.1%}<extra></extra>",
        "showlegend": False,
    }
    spec.add_trace(fig, single, row=1, col=2)
    spec.add_hline(fig, ablation.accuracy, row=1, col=2, line={"color": "gray", "dash": "dash", "width": 1})
    spec.add_line_label(fig, f"no pair off: {ablation.accuracy:.0%}", ablation.accuracy, row=1, col=2)
    spec.update_layout(fig, barmode="group", bargap=0.25)
    _pair_axis(fig, usage.wavelengths, 1, 1)
    _pair_axis(fig, usage.wavelengths, 1, 2)
    spec.update_yaxes(fig, row=1, col=1, title={"text": "mean norm"}, rangemode="tozero")
    spec.update_yaxes(fig, row=1, col=2, title={"text": "accuracy"}, range=[0, 1.12], tickformat=".0%")
    spec.legend_at_foot(style_figure(fig, title=title, height=420))
    return spec.finish(fig)


def _switch_off_title(order: str, count: int, pairs: int, accuracy: float, mass: float, offset: int) -> str:
    which = "none" if count == 0 else f"the {count} {order}" if count < pairs else "all"
    # Two short lines: one long title would be cut off on a phone.
    return f"Pairs off: {which} of {pairs}<br>accuracy {accuracy:.0%} · {mass:.0%} of attention on t − {offset}"


def _switch_off(ablation: PairAblation, order: str, count: int, offset: int, *, title: str | None = None):
    """Left: the RoPE head's attention with `count` pairs off. Right: accuracy and attention on t − k against count."""
    accuracy, mass, maps = ablation.cumulative[order]
    pairs = accuracy.size - 1
    if not 0 <= count <= pairs:
        raise ValueError(f"count must be between 0 and {pairs}, got {count}")
    length = ablation.length
    fig = spec.subplots(
        1,
        2,
        subplot_titles=[
            "RoPE's attention (rows: query t, columns: key s)",
            f"Pairs switched off, {order} first",
        ],
        horizontal_spacing=0.14,
        column_widths=[0.45, 0.55],
    )
    heatmap = {
        "type": "heatmap",
        "z": maps[count].astype(np.float32),
        "zmin": 0.0,
        "zmax": 1.0,
        "colorscale": SEQUENTIAL_SCALE,
        "showscale": False,
        "name": "attention",
        "hovertemplate": "query t=%{y}<br>key s=%{x}<br>weight %{z:.3f}<extra></extra>",
    }
    ideal_rows = np.arange(offset, length, dtype=np.float32)
    ideal = {
        "type": "scatter",
        "x": ideal_rows - offset,
        "y": ideal_rows,
        "mode": "lines",
        "line": {"color": HIGHLIGHT_COLOUR, "width": 1.5, "dash": "dot"},
        "name": f"ideal s = t − {offset}",
        "hoverinfo": "skip",
        "showlegend": False,
    }
    counts = np.arange(pairs + 1, dtype=np.float32)
    curves = [
        {
            "type": "scatter",
            "x": counts,
            "y": np.asarray(values, dtype=np.float32),
            "mode": "lines+markers",
            "name": name,
            "line": {"color": colour, "width": 2.5, "dash": dash},
            "marker": {"size": 6},
            "hovertemplate": f"%{{x}} pairs off<br>{name} %{{y:.1%}}<extra></extra>",
        }
        for name, values, colour, dash in (
            ("accuracy", accuracy, SCHEME_COLOURS["rope"], "solid"),
            (f"attention on t − {offset}", mass, OKABE_ITO[3], "dash"),
        )
    ]
    current = {
        "type": "scatter",
        "x": [float(count), float(count)],
        "y": [float(accuracy[count]), float(mass[count])],
        "mode": "markers",
        "marker": {"size": 15, "color": "rgba(0,0,0,0)", "line": {"color": HIGHLIGHT_COLOUR, "width": 3}},
        "name": "now",
        "hoverinfo": "skip",
        "showlegend": False,
    }
    spec.add_trace(fig, heatmap, row=1, col=1)
    spec.add_trace(fig, ideal, row=1, col=1)
    for curve in curves:
        spec.add_trace(fig, curve, row=1, col=2)
    spec.add_trace(fig, current, row=1, col=2)
    # No axis titles: the subplot titles name the axes, and the legend below the plot would cover a title.
    spec.update_xaxes(fig, row=1, col=1, range=[-0.5, length - 0.5])
    spec.update_yaxes(fig, row=1, col=1, range=[length - 0.5, -0.5])
    spec.update_xaxes(fig, row=1, col=2, range=[-0.5, pairs + 0.5], dtick=2)
    spec.update_yaxes(fig, row=1, col=2, range=[0, 1.08], tickformat=".0%")
    spec.legend_at_foot(style_figure(fig, title=title, height=450))
    return spec.finish(fig)


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def _percent(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.0%}"


def task_chart(tokens: np.ndarray, targets: np.ndarray, offset: int) -> spec.Chart:
    """One training sequence above its targets, an arrow from each target back to the token it copies."""
    return spec.Chart(
        _task(tokens, targets, offset, title=f"A training sequence and its targets, k = {offset}"),
        alt=(
            f"A row of {tokens.size} random input tokens above a row of targets; each target at position t "
            f"is the input token at position t − {offset}, drawn as an arrow; the first {offset} positions have "
            "no target."
        ),
        csv=columns_to_csv({"position": np.arange(tokens.size), "input_token": tokens, "target": targets}),
    )


def live_loss_chart(partial: ExperimentResult, chance_loss: float) -> spec.Chart:
    """The loss curves so far, redrawn while the four models train."""
    steps = partial.settings.steps
    return spec.Chart(
        _loss_curves(partial.losses, steps, chance_loss, title="Training loss (live)"),
        alt=f"Training loss of the four models after {partial.steps_done} of {steps} steps.",
    )


def loss_chart(result: ExperimentResult, chance_loss: float) -> spec.Chart:
    """The four training-loss curves of a run, with the loss of a uniform guess."""
    return spec.Chart(
        _loss_curves(
            result.losses, result.settings.steps, chance_loss, title=f"Training loss over {result.steps_done} steps"
        ),
        alt=(
            "Training loss against step for the four models; final losses: "
            + ", ".join(f"{SCHEME_NAMES[s]} {result.losses[s][-1]:.3f}" for s in SCHEME_ORDER)
            + f". A uniform guess has loss {chance_loss:.2f}."
        ),
        csv=columns_to_csv({"step": np.arange(1, result.steps_done + 1)} | {s: result.losses[s] for s in SCHEME_ORDER}),
    )


def accuracy_chart(
    lengths: np.ndarray, scores: Mapping[str, np.ndarray], train_length: int, chance: float
) -> spec.Chart:
    """Held-out accuracy of each model against the test length; lengths past L were never trained on."""
    return spec.Chart(
        _accuracy_by_length(lengths, scores, train_length, chance, title="Accuracy against length"),
        alt=(
            f"Held-out accuracy against test length {lengths.min()} to {lengths.max()}, "
            f"training length {train_length}: "
            + "; ".join(f"{SCHEME_NAMES[s]} {', '.join(_percent(v) for v in scores[s])}" for s in SCHEME_ORDER)
        ),
        csv=columns_to_csv({"length": lengths} | {s: scores[s] for s in SCHEME_ORDER}),
    )


def attention_chart(
    tokens: np.ndarray, maps: Mapping[str, np.ndarray | None], offset: int, train_length: int
) -> spec.Chart:
    """What each trained model attends to on one held-out sequence; the ideal is the diagonal s = t − k."""
    length = tokens.size
    return spec.Chart(
        _attention_maps(
            tokens,
            maps,
            offset,
            train_length,
            title=f"Attention at length {length} (dotted: s = t − {offset})",
        ),
        alt=(
            f"Four attention heatmaps on one held-out sequence of length {length}; the ideal pattern is the "
            f"diagonal s = t − {offset}. "
            + "; ".join(
                f"{SCHEME_NAMES[s]}: "
                + ("not available" if maps[s] is None else f"{mass_on_target(maps[s], offset):.0%} on it")
                for s in SCHEME_ORDER
            )
        ),
        csv=matrix_to_csv(maps["rope"], [f"t={t}" for t in range(length)], [f"s={s}" for s in range(length)], "rope"),
        filename="ropelab_rope_attention",
    )


def pair_usage_chart(usage: PairUsage, ablation: PairAblation) -> spec.Chart:
    """Which rotation pairs the trained RoPE head uses: their size, and what switching each one off costs."""
    strongest = int(np.argmax(usage.query * usage.key))
    costliest = int(np.argmin(ablation.single_accuracy))
    pairs = usage.wavelengths.size
    return spec.Chart(
        _pair_usage(usage, ablation, title="Which pairs the RoPE head uses"),
        alt=(
            f"Left: bars of the mean query and key norm of each of the {pairs} rotation pairs, fastest first; the "
            f"largest product is pair {strongest} (wavelength {_wavelength_text(usage.wavelengths[strongest])} "
            f"tokens). Right: accuracy with one pair switched off; intact {ablation.accuracy:.0%}, lowest "
            f"{ablation.single_accuracy[costliest]:.0%} without pair {costliest}."
        ),
        csv=columns_to_csv(
            {
                "pair": np.arange(pairs),
                "wavelength_tokens": usage.wavelengths,
                "mean_query_norm": usage.query,
                "mean_key_norm": usage.key,
                "weight_norm_q": usage.weight_q,
                "weight_norm_k": usage.weight_k,
                "accuracy_with_this_pair_off": ablation.single_accuracy,
                "attention_on_target_with_this_pair_off": ablation.single_mass,
            }
        ),
        filename="ropelab_rope_pairs",
    )


def switch_off_chart(ablation: PairAblation, order: str, count: int, offset: int) -> spec.Chart:
    """The RoPE head as pairs are switched off from one end; a scrubber steps through every count in the browser."""
    accuracy, mass, maps = ablation.cumulative[order]
    pairs = accuracy.size - 1
    fig = _switch_off(ablation, order, count, offset)
    titles = [_switch_off_title(order, j, pairs, accuracy[j], mass[j], offset) for j in range(pairs + 1)]
    # A two-line title hung from the top edge, clear of the subplot titles under it.
    title_layout = {"x": 0, "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 10}}
    spec.update_layout(fig, title={"text": titles[count], **title_layout}, margin={"t": 105})
    # Trace order in _switch_off: heatmap 0, ideal line 1, two curves 2-3, the "now" markers 4.
    frames = [
        {
            "data": [
                {"z": maps[j].astype(np.float32)},
                {"x": [float(j), float(j)], "y": [float(accuracy[j]), float(mass[j])]},
            ],
            "layout": {"title": {"text": titles[j]}},
        }
        for j in range(pairs + 1)
    ]
    scrub = spec.Scrub(
        key="off",
        label="Pairs switched off",
        values=list(range(pairs + 1)),
        index=count,
        traces=[0, 4],
        frames=frames,
        labels=[f"{j} of {pairs} pairs off ({order} first)" for j in range(pairs + 1)],
        play_ms=250,
    )
    return spec.Chart(
        fig,
        alt=(
            f"The RoPE head's attention on a held-out sequence with the {order} {count} of {pairs} pairs switched "
            f"off: accuracy {accuracy[count]:.0%}, {mass[count]:.0%} of attention on t − {offset}. Accuracy with "
            f"0 … {pairs} pairs off: " + ", ".join(f"{value:.0%}" for value in accuracy)
        ),
        csv=columns_to_csv({"pairs_off": np.arange(pairs + 1), "accuracy": accuracy, "attention_on_target": mass}),
        filename=f"ropelab_rope_switch_off_{order}",
        scrub=scrub,
    )
