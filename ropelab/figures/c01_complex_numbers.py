"""Chapter 1's charts: a point a + ib with its modulus and argument, Euler's unit circle, and a rotation by e^{iθ}."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c01_complex_numbers import RotationRoutes
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
    axis = {"range": [-extent, extent], "zeroline": True, "zerolinewidth": 1.5, "dtick": 1 if extent > 1.6 else 0.5}
    spec.update_xaxes(fig, title={"text": "real part (Re)"}, constrain="domain", **axis)
    spec.update_yaxes(fig, title={"text": "imaginary part (Im)"}, scaleanchor="x", scaleratio=1, **axis)


def _finish(fig: spec.Figure, title: str, *, legend_below: bool = False) -> spec.Figure:
    style_figure(fig, title=title, height=540 if legend_below else 470)
    if legend_below:
        # In a narrow column a side legend would squeeze the square plot; below it the plot keeps its width.
        spec.update_layout(fig, legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0})
    else:
        # A square plot leaves room on the right, so the legend goes there instead of colliding with the title.
        spec.update_layout(fig, legend={"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.02})
    return fig


def complex_number_chart(a: float, b: float, modulus: float, argument: float, *, extent: float = 3.0) -> spec.Chart:
    """The point z = a + ib as an arrow, its parts a and b, the circle |z| = r and the angle φ from the +Re axis."""
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
    _square_axes(fig, extent)
    return spec.Chart(
        _finish(fig, f"z = {complex_text(a, b, 2)}: r = {modulus:.3f}, φ = {argument:.3f} rad"),
        alt=(
            f"The complex plane with the arrow z = {complex_text(a, b, 2)} from the origin, its real and imaginary "
            f"parts as dashed lines, the circle of radius {modulus:.3f} and the angle {argument:.3f} rad."
        ),
        csv=columns_to_csv({"a": [a], "b": [b], "modulus": [modulus], "argument_rad": [argument]}),
    )


def euler_circle_chart(theta: float, cos_value: float, sin_value: float) -> spec.Chart:
    """The point e^{iθ} on the unit circle, with cos θ on the real axis and sin θ on the imaginary axis."""
    fig = spec.figure()
    spec.add_trace(fig, _circle(1.0, "unit circle |z| = 1", dash="solid"))
    spec.add_trace(fig, _arc(0.0, theta, 0.3, HIGHLIGHT_COLOUR, f"θ = {theta:.2f} rad"))
    spec.add_trace(fig, _arc_label(0.0, theta, 0.45, "θ", HIGHLIGHT_COLOUR))
    spec.add_trace(fig, _segment(0.0, 0.0, cos_value, 0.0, OKABE_ITO[4], f"cos θ = {cos_value:.3f}", dash="solid"))
    spec.add_trace(
        fig, _segment(cos_value, 0.0, cos_value, sin_value, OKABE_ITO[2], f"sin θ = {sin_value:.3f}", dash="solid")
    )
    spec.add_trace(
        fig,
        _vector(
            cos_value,
            sin_value,
            KEY_COLOUR,
            "e<sup>iθ</sup>",
            f"e<sup>iθ</sup> = {complex_text(cos_value, sin_value)}",
            width=3,
        ),
    )
    _square_axes(fig, 1.35)
    return spec.Chart(
        _finish(fig, f"Euler: e<sup>i·{theta:.2f}</sup> = {complex_text(cos_value, sin_value)}"),
        alt=(
            f"The unit circle with the point e^(iθ) at θ = {theta:.2f} rad: real part cos θ = {cos_value:.3f}, "
            f"imaginary part sin θ = {sin_value:.3f}."
        ),
        csv=columns_to_csv({"theta_rad": [theta], "cos": [cos_value], "sin": [sin_value]}),
    )


def rotation_chart(a: float, b: float, theta: float, routes: RotationRoutes, *, extent: float = 3.0) -> spec.Chart:
    """z = a + ib and z·e^{iθ} as arrows on the circle |z|, with the rotation-matrix result drawn on top as a ring."""
    z = np.array([a, b], dtype=np.float64)
    product = np.asarray(routes.by_product, dtype=np.float64)
    by_matrix = np.asarray(routes.by_matrix, dtype=np.float64)
    radius = float(np.hypot(*z))
    fig = spec.figure()
    if radius > 0:
        spec.add_trace(fig, _circle(radius, f"same circle |z| = {radius:.3f}"))
        start = float(np.arctan2(z[1], z[0]))
        spec.add_trace(
            fig, _arc(start, start + theta, 0.55 * radius, HIGHLIGHT_COLOUR, f"turned by θ = {theta:.2f} rad")
        )
        spec.add_trace(fig, _arc_label(start, start + theta, 0.55 * radius + 0.3, "θ", HIGHLIGHT_COLOUR))
    spec.add_trace(fig, _vector(z[0], z[1], QUERY_COLOUR, "z (before)", f"z = {complex_text(z[0], z[1])}"))
    spec.add_trace(
        fig,
        _vector(
            product[0],
            product[1],
            KEY_COLOUR,
            "z·e<sup>iθ</sup> (after)",
            f"z·e<sup>iθ</sup> = {complex_text(product[0], product[1])}",
        ),
    )
    ring = {
        "type": "scatter",
        "x": _f32([by_matrix[0]]),
        "y": _f32([by_matrix[1]]),
        "mode": "markers",
        "marker": {"size": 24, "symbol": "circle-open", "line": {"width": 3}, "color": OKABE_ITO[2]},
        "name": "R(θ)·(a, b) from the 2×2 matrix",
        "hovertemplate": f"R(θ)·(a, b) = ({by_matrix[0]:.3f}, {by_matrix[1]:.3f})<extra></extra>",
    }
    spec.add_trace(fig, ring)
    _square_axes(fig, extent)
    title = f"Multiply by e<sup>iθ</sup>, θ = {theta:.2f} rad: the arrow turns, its length stays"
    return spec.Chart(
        _finish(fig, title, legend_below=True),
        alt=(
            f"The arrow z = {complex_text(a, b, 2)} and the arrow z·e^(iθ) = "
            f"{complex_text(*routes.by_product)} on the same circle of radius {math.hypot(a, b):.3f}; the ring "
            "marking the rotation-matrix result sits exactly on the tip of the rotated arrow."
        ),
        csv=columns_to_csv(
            {
                "route": ["z", "z*e^(i*theta)", "R(theta)*(a,b)", "exp(theta*J)*(a,b)"],
                "real_or_x": [a, routes.by_product[0], routes.by_matrix[0], routes.by_exponential[0]],
                "imaginary_or_y": [b, routes.by_product[1], routes.by_matrix[1], routes.by_exponential[1]],
            }
        ),
    )
