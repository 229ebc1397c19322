"""Chapter 1's charts: a point a + ib with its modulus and argument; e^{iθ} and z·e^{iθ} turning under one scrubber."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c01_complex_numbers import ANGLE_STEP, AngleSweep
from ropelab.style import HIGHLIGHT_COLOUR, KEY_COLOUR, OKABE_ITO, QUERY_COLOUR, style_figure

GUIDE_COLOUR = "rgba(128,128,128,0.55)"
_CIRCLE_POINTS = 181


def complex_text(real: float, imaginary: float, digits: int = 3) -> str:
    """'0.707 − 0.500i' rather than '0.707 + -0.500i'."""
    sign = "−" if imaginary < 0 else "+"
    return f"{real:.{digits}f} {sign} {abs(imaginary):.{digits}f}i"


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _circle(radius: float, name: str, *, dash: str = "dot") -> dict[str, Any]:
    turn = np.linspace(0.0, 2.0 * np.pi, _CIRCLE_POINTS)
    return {
        "type": "scatter",
        "x": _f32(radius * np.cos(turn)),
        "y": _f32(radius * np.sin(turn)),
        "mode": "lines",
        "line": {"color": GUIDE_COLOUR, "width": 1.5, "dash": dash},
        "name": name,
        "hoverinfo": "skip",
    }


def _arc(start: float, stop: float, radius: float, colour: str, name: str) -> dict[str, Any]:
    """A curved arrow from angle `start` to `stop` (radians, counter-clockwise when stop > start)."""
    sweep = np.linspace(start, stop, max(2, int(abs(stop - start) / (2 * np.pi) * 90) + 2))
    return {
        "type": "scatter",
        "x": _f32(radius * np.cos(sweep)),
        "y": _f32(radius * np.sin(sweep)),
        "mode": "lines+markers",
        "line": {"color": colour, "width": 2},
        "marker": {"size": [0] * (sweep.size - 1) + [9], "symbol": "arrow", "angleref": "previous", "color": colour},
        "name": name,
        "hoverinfo": "skip",
    }


def _label(x: float, y: float, text: str, colour: str, position: str = "middle center") -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": _f32([x]),
        "y": _f32([y]),
        "mode": "text",
        "text": [text],
        "textposition": position,
        "textfont": {"color": colour, "size": 16},
        "showlegend": False,
        "hoverinfo": "skip",
    }


def _arc_label(start: float, stop: float, radius: float, text: str, colour: str) -> dict[str, Any]:
    middle = (start + stop) / 2.0
    return _label(radius * np.cos(middle), radius * np.sin(middle), text, colour)


def _vector(x: float, y: float, colour: str, name: str, hover: str, *, width: float = 4) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": _f32([0.0, x]),
        "y": _f32([0.0, y]),
        "mode": "lines+markers",
        "line": {"color": colour, "width": width},
        "marker": {"size": [0, 14], "symbol": "arrow", "angleref": "previous", "color": colour},
        "name": name,
        "hovertemplate": hover + "<extra></extra>",
    }


def _segment(
    x0: float, y0: float, x1: float, y1: float, colour: str, name: str, *, dash: str = "dash"
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": _f32([x0, x1]),
        "y": _f32([y0, y1]),
        "mode": "lines",
        "line": {"color": colour, "width": 2, "dash": dash},
        "name": name,
        "hoverinfo": "skip",
    }


def _square_axes(fig: spec.Figure, extent: float) -> None:
    axis = {"range": [-extent, extent], "zeroline": True, "zerolinewidth": 1.5, "dtick": _tick(extent)}
    spec.update_xaxes(fig, title={"text": "real part (Re)"}, constrain="domain", **axis)
    spec.update_yaxes(fig, title={"text": "imaginary part (Im)"}, scaleanchor="x", scaleratio=1, **axis)


def _finish(fig: spec.Figure, title: str) -> spec.Figure:
    style_figure(fig, title=title, height=370)
    # Labels sit on the drawing itself; a legend beside a square plot would squeeze it to a sliver on a phone.
    spec.update_layout(fig, showlegend=False)
    return fig


def complex_number_chart(a: float, b: float, modulus: float, argument: float) -> spec.Chart:
    """The point z = a + ib as an arrow, its parts a and b, the circle |z| = r and the angle φ from the +Re axis."""
    extent = _point_extent(modulus)
    fig = spec.figure()
    if modulus > 0:
        spec.add_trace(fig, _circle(modulus, f"circle |z| = {modulus:.3f}"))
        spec.add_trace(
            fig, _arc(0.0, argument, min(0.45, 0.6 * modulus), HIGHLIGHT_COLOUR, f"argument φ = {argument:.3f} rad")
        )
    spec.add_trace(fig, _segment(a, 0.0, a, b, OKABE_ITO[2], f"imaginary part b = {b:.2f}"))
    spec.add_trace(fig, _segment(0.0, b, a, b, OKABE_ITO[4], f"real part a = {a:.2f}"))
    spec.add_trace(fig, _label(a / 2.0, b, "a", OKABE_ITO[4], "top center" if b >= 0 else "bottom center"))
    spec.add_trace(fig, _label(a, b / 2.0, "b", OKABE_ITO[2], "middle right" if a >= 0 else "middle left"))
    spec.add_trace(
        fig,
        _vector(
            a,
            b,
            QUERY_COLOUR,
            "z = a + ib",
            f"z = {complex_text(a, b, 2)}<br>|z| = {modulus:.3f}, φ = {argument:.3f} rad",
        ),
    )
    if modulus > 0:
        tip = np.array([a, b])
        normal = np.array([-b, a]) / modulus  # a quarter turn from the arrow, to put r beside it, not on it
        middle = argument / 2.0
        arc_label = (min(0.45, 0.6 * modulus) + 0.05 * extent) * np.array([np.cos(middle), np.sin(middle)])
        spec.add_trace(fig, _label(*_outward(tip[None, :], 0.07 * extent)[0], "z", QUERY_COLOUR))
        spec.add_trace(fig, _label(*(tip / 2.0 + 0.07 * extent * normal), "r", QUERY_COLOUR))
        spec.add_trace(fig, _label(*arc_label, "φ", HIGHLIGHT_COLOUR))
    _square_axes(fig, extent)
    return spec.Chart(
        _finish(fig, f"z = {complex_text(a, b, 2)}: r = {modulus:.3f}, φ = {argument:.3f} rad"),
        alt=(
            f"The complex plane with the arrow z = {complex_text(a, b, 2)} from the origin, its real and imaginary "
            f"parts as dashed lines, the circle of radius {modulus:.3f} and the angle {argument:.3f} rad."
        ),
        csv=columns_to_csv({"a": [a], "b": [b], "modulus": [modulus], "argument_rad": [argument]}),
    )


def pi_fraction(theta: float) -> str | None:
    """'π/4', '−3π/2', '2π', '0' for a multiple of π/36 (5°); None for any other angle."""
    steps = theta / ANGLE_STEP
    if abs(steps - round(steps)) > 1e-9:
        return None
    numerator, denominator = round(steps), 36
    if numerator == 0:
        return "0"
    common = math.gcd(abs(numerator), denominator)
    numerator, denominator = numerator // common, denominator // common
    sign = "−" if numerator < 0 else ""
    count = "" if abs(numerator) == 1 else str(abs(numerator))
    return f"{sign}{count}π" + ("" if denominator == 1 else f"/{denominator}")


def angle_text(theta: float) -> str:
    """'π/4 = 0.785 rad (45°)', or '0.790 rad (45.3°)' for an angle that is not a multiple of 5°."""
    fraction = pi_fraction(theta)
    radians = f"{theta:.3f} rad ({math.degrees(theta):.{0 if fraction else 1}f}°)".replace("-", "−")
    return radians if fraction in (None, "0") else f"{fraction} = {radians}"


_ARC_POINTS = 25
_ARC_RADIUS = 0.3
_UNIT_EXTENT = 1.35


def _arcs(starts: np.ndarray, turns: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(stops, points) x and y of an arc per stop from angle `starts` to `starts + turns`, all the same length.

    A stop with no turn (or a zero radius) gets NaN points: no arc, and no arrowhead pointing a random way.
    """
    angles = starts[:, None] + turns[:, None] * np.linspace(0.0, 1.0, _ARC_POINTS)[None, :]
    x, y = radius * np.cos(angles), radius * np.sin(angles)
    if radius == 0:
        x[:], y[:] = np.nan, np.nan
    x[turns == 0], y[turns == 0] = np.nan, np.nan
    return x, y


def _outward(tips: np.ndarray, gap: float) -> np.ndarray:
    """Points `gap` beyond each tip (rows of `tips`), along its arrow, where a label clears the arrowhead."""
    lengths = np.hypot(tips[:, 0], tips[:, 1])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        beyond = tips * (1.0 + gap / lengths)
    return np.where(lengths > 0, beyond, tips + np.array([0.0, gap]))


def _f32_data(values: np.ndarray) -> dict[str, str]:
    """One short float32 row as plotly.js's base64 typed array (what spec.encode_arrays makes, without its checks)."""
    return {"dtype": "f4", "bdata": base64.b64encode(values.astype("<f4").tobytes()).decode("ascii")}


def _turn_rows(sweep: AngleSweep, z: np.ndarray, extent: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The x and y, (stops, points) each, of every trace of the turn chart that moves with θ (see _TURNING_TRACES).

    Computed for all stops at once with NumPy.
    """
    thetas, unit, product, by_matrix = sweep.thetas, sweep.unit, sweep.by_product, sweep.by_matrix
    stops = thetas.size
    cos_value, sin_value = unit[:, 0], unit[:, 1]
    zeros = np.zeros(stops)
    radius = float(np.hypot(*z))
    start = float(np.arctan2(z[1], z[0]))
    middle = thetas / 2.0
    below = np.where(sin_value >= 0, -0.12, 0.12)
    beside = np.where(cos_value >= 0, 0.16, -0.16)
    arc_x, arc_y = _arcs(zeros, thetas, _ARC_RADIUS)
    turn_x, turn_y = _arcs(np.full(stops, start), thetas, 0.5 * radius)
    turn_label = (0.5 * radius + 0.12 * extent) * np.column_stack([np.cos(start + middle), np.sin(start + middle)])
    z_label = _outward(np.tile(z, (stops, 1)), 0.1 * extent)
    # (stops, points) x and y of each moving trace, in _TURNING_TRACES order.
    xs = [
        arc_x,
        np.column_stack([zeros, cos_value]),
        np.column_stack([cos_value, cos_value]),
        np.column_stack([zeros, cos_value]),
        np.column_stack(
            [(_ARC_RADIUS + 0.16) * np.cos(middle), _outward(unit, 0.2)[:, 0], cos_value / 2.0, cos_value + beside]
        ),
        turn_x,
        np.column_stack([zeros, product[:, 0]]),
        by_matrix[:, :1],
        np.column_stack([z_label[:, 0], _outward(product, 0.16 * extent)[:, 0], turn_label[:, 0]]),
    ]
    ys = [
        arc_y,
        np.column_stack([zeros, zeros]),
        np.column_stack([zeros, sin_value]),
        np.column_stack([zeros, sin_value]),
        np.column_stack(
            [
                (_ARC_RADIUS + 0.16) * np.sin(middle),
                _outward(unit, 0.2)[:, 1],
                below,
                # A short sin θ segment (θ near 0 or π) would put its label on e^{iθ}'s: move it below or above.
                np.where(np.abs(sin_value) >= 0.3, sin_value / 2.0, -2.0 * below),
            ]
        ),
        turn_y,
        np.column_stack([zeros, product[:, 1]]),
        by_matrix[:, 1:],
        np.column_stack([z_label[:, 1], _outward(product, 0.16 * extent)[:, 1], turn_label[:, 1]]),
    ]
    return [values.astype(np.float32) for values in xs], [values.astype(np.float32) for values in ys]


def _frames_data(xs: list[np.ndarray], ys: list[np.ndarray]) -> list[list[dict[str, Any]]]:
    # Each row becomes a plotly.js typed array here, so the payload builder has nothing left to convert in the frames.
    stops = xs[0].shape[0]
    return [[{"x": _f32_data(x[stop]), "y": _f32_data(y[stop])} for x, y in zip(xs, ys, strict=True)]
            for stop in range(stops)]  # fmt: skip


# Indices, in the figure, of the traces _turn_rows moves (the others, circles and z itself, stay put).
_TURNING_TRACES = [1, 2, 3, 4, 5, 8, 9, 10, 11]


def _turn_title(theta: float) -> str:
    return f"θ = {angle_text(theta)}"


def _point_extent(radius: float) -> float:
    """Half the width of a square window that holds the circle |z| = radius with a margin, in steps of 0.5."""
    return max(2.5, math.ceil(2.0 * 1.25 * radius) / 2.0)


def turn_chart(a: float, b: float, sweep: AngleSweep, index: int) -> spec.Chart:
    """Left: e^{iθ} on the unit circle with cos θ and sin θ. Right: z and z·e^{iθ}. A scrubber turns both.

    `sweep` holds every scrubber stop (chapter 1's lesson turns them all at once); `index` is the angle shown now.
    """
    if not 0 <= index < sweep.thetas.size:
        raise ValueError(f"index must be between 0 and {sweep.thetas.size - 1}, got {index}")
    z = np.array([a, b], dtype=np.float64)
    radius = float(np.hypot(*z))
    extent = _point_extent(radius)
    xs, ys = _turn_rows(sweep, z, extent)
    fig = spec.subplots(
        1,
        2,
        subplot_titles=["e<sup>iθ</sup> walks around the unit circle", "z·e<sup>iθ</sup>: z turned by θ"],
        horizontal_spacing=0.1,
    )
    left, right = {"row": 1, "col": 1}, {"row": 1, "col": 2}
    traces = [
        (_circle(1.0, "unit circle |z| = 1", dash="solid"), left),
        (_arc_trace(HIGHLIGHT_COLOUR, "θ"), left),
        (_segment(0, 0, 0, 0, OKABE_ITO[4], "cos θ (real part)", dash="solid"), left),
        (_segment(0, 0, 0, 0, OKABE_ITO[2], "sin θ (imaginary part)", dash="solid"), left),
        (_vector(0, 0, KEY_COLOUR, "e<sup>iθ</sup>", "e<sup>iθ</sup> = (%{x:.3f}, %{y:.3f})"), left),
        (
            _labels(
                ["θ", "e<sup>iθ</sup>", "cos θ", "sin θ"], [HIGHLIGHT_COLOUR, KEY_COLOUR, OKABE_ITO[4], OKABE_ITO[2]]
            ),
            left,
        ),
        (_circle(radius, f"circle |z| = {radius:.3f}"), right),
        (_vector(z[0], z[1], QUERY_COLOUR, "z", "z = (%{x:.3f}, %{y:.3f})"), right),
        (_arc_trace(HIGHLIGHT_COLOUR, "turned by θ"), right),
        (_vector(0, 0, KEY_COLOUR, "z·e<sup>iθ</sup>", "z·e<sup>iθ</sup> = (%{x:.3f}, %{y:.3f})"), right),
        (_ring(), right),
        (_labels(["z", "z·e<sup>iθ</sup>", "θ"], [QUERY_COLOUR, KEY_COLOUR, HIGHLIGHT_COLOUR]), right),
    ]
    for trace, cell in traces:
        spec.add_trace(fig, {**trace, "showlegend": False}, **cell)
    for trace_index, x, y in zip(_TURNING_TRACES, xs, ys, strict=True):
        fig["data"][trace_index].update({"x": x[index], "y": y[index]})
    for column, reach in ((1, _UNIT_EXTENT), (2, extent)):
        anchor = "x" if column == 1 else "x2"
        axis = {"range": [-reach, reach], "zeroline": True, "zerolinewidth": 1.5, "dtick": _tick(reach)}
        # Short axis titles: two square panels side by side leave little room beside each one.
        spec.update_xaxes(fig, row=1, col=column, title={"text": "Re"}, constrain="domain", **axis)
        spec.update_yaxes(fig, row=1, col=column, title={"text": "Im"}, scaleanchor=anchor, scaleratio=1, **axis)
    theta = float(sweep.thetas[index])
    style_figure(fig, title=_turn_title(theta), height=440)
    # Room for the chart title above the two panel titles, also at lecture-mode type sizes.
    spec.update_layout(fig, margin={"t": 90})
    spec.finish(fig)
    scrub = spec.Scrub(
        key="theta",
        label="Angle θ",
        values=[float(value) for value in sweep.thetas],
        index=index,
        traces=_TURNING_TRACES,
        frames=[
            {"data": stop, "layout": {"title": {"text": _turn_title(float(value))}}}
            for stop, value in zip(_frames_data(xs, ys), sweep.thetas, strict=True)
        ],
        labels=[f"θ = {angle_text(float(value))}" for value in sweep.thetas],
        play_ms=60,
    )
    unit, product = sweep.unit[index], sweep.by_product[index]
    return spec.Chart(
        fig,
        alt=(
            f"Two planes. Left: the unit circle with e^(iθ) at θ = {theta:.3f} rad, the point "
            f"{complex_text(*unit)}. Right: the arrow z = {complex_text(a, b, 2)} and the arrow z·e^(iθ) = "
            f"{complex_text(*product)}, turned by θ on the same circle of radius {radius:.3f}; a ring marks the "
            "rotation-matrix result on the tip of the turned arrow. A scrubber under the chart turns θ."
        ),
        csv=columns_to_csv(
            {
                "theta_rad": sweep.thetas,
                "cos_theta": sweep.unit[:, 0],
                "sin_theta": sweep.unit[:, 1],
                "z_times_e_itheta_re": sweep.by_product[:, 0],
                "z_times_e_itheta_im": sweep.by_product[:, 1],
                "R_theta_ab_x": sweep.by_matrix[:, 0],
                "R_theta_ab_y": sweep.by_matrix[:, 1],
            }
        ),
        scrub=scrub,
    )


def _tick(reach: float) -> float:
    return 0.5 if reach <= 1.6 else 1.0 if reach <= 5 else 2.0


def _arc_trace(colour: str, name: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": np.zeros(_ARC_POINTS, dtype=np.float32),
        "y": np.zeros(_ARC_POINTS, dtype=np.float32),
        "mode": "lines+markers",
        "line": {"color": colour, "width": 2},
        "marker": {"size": [0] * (_ARC_POINTS - 1) + [9], "symbol": "arrow", "angleref": "previous", "color": colour},
        "name": name,
        "hoverinfo": "skip",
    }


def _labels(texts: list[str], colours: list[str]) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": np.zeros(len(texts), dtype=np.float32),
        "y": np.zeros(len(texts), dtype=np.float32),
        "mode": "text",
        "text": texts,
        "textposition": "middle center",
        "textfont": {"color": colours, "size": 17},
        "hoverinfo": "skip",
        "name": "labels",
    }


def _ring() -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": np.zeros(1, dtype=np.float32),
        "y": np.zeros(1, dtype=np.float32),
        "mode": "markers",
        "marker": {"size": 22, "symbol": "circle-open", "line": {"width": 3}, "color": OKABE_ITO[2]},
        "name": "R(θ)·(a, b) from the 2×2 matrix",
        "hovertemplate": "R(θ)·(a, b) = (%{x:.3f}, %{y:.3f})<extra></extra>",
    }
