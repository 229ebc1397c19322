"""Chapter 6, RoPE in d dimensions: a d = 4 example worked by hand and then in ten lines of NumPy, the positions a
scrubber visits, the corners of the block-diagonal matrix at every one of them, and which pairs and positions the
other charts sample.

The frequencies, wavelengths, angles, full turns and the matrix itself are rope_core's.
"""

import inspect
import textwrap
from dataclasses import dataclass

import numpy as np

from rope_core import apply_rope, apply_rope_textbook, inv_freq, rotate_half, rotation_angles
from rope_core._checks import check_base, check_int, check_position, check_vector
from rope_core.limits import MAX_POSITION

MAX_HEATMAP_ROWS = 256
# The overview panel of the matrix shows at most this many pairs (the top-left corner when d is larger), so every
# scrubber stop stays small enough to send: 16 pairs are 32 × 32 cells.
OVERVIEW_PAIRS = 16
ZOOM_PAIRS = 2


def evenly_spaced_pairs(n_pairs: int, count: int = 8) -> np.ndarray:
    """Indices of `count` pairs spread from the fastest (0) to the slowest (n_pairs − 1); all pairs if fewer."""
    if n_pairs < 1 or count < 1:
        raise ValueError(f"n_pairs and count must be positive, got {n_pairs} and {count}")
    if n_pairs <= count:
        return np.arange(n_pairs)
    return np.unique(np.round(np.linspace(0, n_pairs - 1, count)).astype(int))


def sampled_positions(context_length: int, max_rows: int = MAX_HEATMAP_ROWS) -> np.ndarray:
    """Integer positions 0, s, 2s, … below `context_length` with a stride s that keeps at most `max_rows` rows."""
    if context_length < 1 or max_rows < 1:
        raise ValueError(f"context_length and max_rows must be positive, got {context_length} and {max_rows}")
    stride = -(-context_length // max_rows)
    return np.arange(0, context_length, stride)


# ---------------------------------------------------------------------------------------------------------
# A d = 4 example small enough to do by hand
# ---------------------------------------------------------------------------------------------------------


def turn_pair(x: float, y: float, angle: float) -> tuple[float, float]:
    """One pair (x, y) turned by `angle`, written out as by hand: (x cos α − y sin α, x sin α + y cos α)."""
    cos, sin = float(np.cos(angle)), float(np.sin(angle))
    return x * cos - y * sin, x * sin + y * cos


@dataclass(frozen=True)
class PairStep:
    """One pair of the worked example at one pair of positions: the angles, the turned pairs and their product."""

    q_angle: float
    k_angle: float
    q_turned: tuple[float, float]
    k_turned: tuple[float, float]

    @property
    def product(self) -> float:
        return self.q_turned[0] * self.k_turned[0] + self.q_turned[1] * self.k_turned[1]


@dataclass(frozen=True)
class WorkedExample:
    """q and k (interleaved pairs (x0, x1), (x2, x3), …) at (m, n) and at (m + Δ, n + Δ), every step by hand."""

    query: np.ndarray
    key: np.ndarray
    m: int
    n: int
    shift: int
    base: float
    frequencies: np.ndarray
    steps: tuple[PairStep, ...]  # per pair, at (m, n)
    shifted_steps: tuple[PairStep, ...]  # per pair, at (m + Δ, n + Δ)

    @property
    def score(self) -> float:
        return sum(step.product for step in self.steps)

    @property
    def shifted_score(self) -> float:
        return sum(step.product for step in self.shifted_steps)

    def turned(self, which: str, shifted: bool = False) -> np.ndarray:
        """The whole turned query or key (`which` = "q" or "k") in the interleaved order, from the hand steps."""
        steps = self.shifted_steps if shifted else self.steps
        return np.array([value for step in steps for value in (step.q_turned if which == "q" else step.k_turned)])


def _pair_steps(query: np.ndarray, key: np.ndarray, m: float, n: float, frequencies: np.ndarray) -> tuple:
    steps = []
    for index, theta in enumerate(frequencies):
        q_angle, k_angle = m * float(theta), n * float(theta)
        q_turned = turn_pair(float(query[2 * index]), float(query[2 * index + 1]), q_angle)
        k_turned = turn_pair(float(key[2 * index]), float(key[2 * index + 1]), k_angle)
        steps.append(PairStep(q_angle, k_angle, q_turned, k_turned))
    return tuple(steps)


def worked_example(query, key, m: int, n: int, shift: int, base: float = 100.0) -> WorkedExample:
    """Turn q at m and k at n pair by pair, score them, then move both positions by `shift` and score again."""
    query = check_vector("query", query)
    key = check_vector("key", key, query.size)
    if query.size % 2 or query.size > 16:
        raise ValueError(f"query must have an even length of at most 16 (a hand-sized example), got {query.size}")
    m = check_int("m", m, 0, MAX_POSITION)
    n = check_int("n", n, 0, MAX_POSITION)
    shift = check_int("shift", shift, 0, MAX_POSITION - max(m, n))
    frequencies = inv_freq(query.size, check_base(base))
    return WorkedExample(
        query, key, m, n, shift, base, frequencies,
        _pair_steps(query, key, m, n, frequencies),
        _pair_steps(query, key, m + shift, n + shift, frequencies),
    )  # fmt: skip


@dataclass(frozen=True)
class WorkedStops:
    """The worked example with both positions moved by every shift in `shifts`: one row per shift."""

    shifts: np.ndarray
    queries: np.ndarray  # (S, d): q turned to m + Δ (interleaved pairs)
    keys: np.ndarray  # (S, d): k turned to n + Δ
    products: np.ndarray  # (S, d/2): each pair's dot product


def worked_stops(example: WorkedExample, shifts) -> WorkedStops:
    """The example's turned q and k and each pair's product for every shift Δ at once (for the Δ scrubber)."""
    shifts = np.asarray(shifts, dtype=np.int64)
    if (
        shifts.ndim != 1
        or shifts.size == 0
        or shifts.min() < 0
        or shifts.max() > MAX_POSITION - max(example.m, example.n)
    ):
        raise ValueError(f"shifts must be a non-empty list of shifts in [0, {MAX_POSITION}], got {shifts!r}")
    queries = apply_rope(np.tile(example.query, (shifts.size, 1)), example.m + shifts, example.frequencies,
                         convention="interleaved")  # fmt: skip
    keys = apply_rope(np.tile(example.key, (shifts.size, 1)), example.n + shifts, example.frequencies,
                      convention="interleaved")  # fmt: skip
    pairs = example.frequencies.size
    products = (queries * keys).reshape(shifts.size, pairs, 2).sum(axis=-1)
    return WorkedStops(shifts, queries, keys, products)


@dataclass(frozen=True)
class CodeCheck:
    """The worked example run through the ten-line NumPy version and through the library."""

    half_order: np.ndarray  # channel order that turns the interleaved pairs into the half-split layout
    textbook: np.ndarray  # (2, d): q at m and k at n through apply_rope_textbook, in the half-split order
    library: np.ndarray  # (2, d): the same through apply_rope (interleaved layout, original order)
    gap_to_hand: float  # largest difference between the textbook output (reordered back) and the hand steps
    gap_to_library: float  # largest difference between the textbook output (reordered back) and the library
    score: float  # the dot product of the textbook's two rows


def code_check(example: WorkedExample) -> CodeCheck:
    """Run the example through apply_rope_textbook (half-split pairs) and apply_rope (interleaved pairs)."""
    dim = example.query.size
    # The textbook form pairs x_i with x_{i+d/2}; writing the interleaved pairs (x0, x1), (x2, x3), … in that order
    # gives it the same pairs: (x0, x2, …, x1, x3, …).
    order = np.concatenate([np.arange(0, dim, 2), np.arange(1, dim, 2)])
    both = np.stack([example.query, example.key])
    textbook = apply_rope_textbook(both[:, order], [example.m, example.n], example.frequencies)
    library = apply_rope(both, [example.m, example.n], example.frequencies, convention="interleaved")
    back = np.empty_like(textbook)
    back[:, order] = textbook
    hand = np.stack([example.turned("q"), example.turned("k")])
    return CodeCheck(
        order,
        textbook,
        library,
        float(np.max(np.abs(back - hand))),
        float(np.max(np.abs(back - library))),
        float(textbook[0] @ textbook[1]),
    )


def _without_decorators_and_docstring(function) -> str:
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("def "))
    lines = lines[start:]
    docstring = function.__doc__
    if docstring:
        # The docstring sits right after the signature; drop its lines (the page explains the code instead).
        body = next(index for index, line in enumerate(lines) if line.rstrip().endswith(":"))
        first = body + 1
        quote = lines[first].strip()[:3]
        last = first if lines[first].strip().count(quote) >= 2 else next(
            index for index in range(first + 1, len(lines)) if quote in lines[index]
        )  # fmt: skip
        lines = lines[:first] + lines[last + 1 :]
    return "\n".join(lines)


def textbook_source() -> str:
    """The source of the two functions the page shows, exactly as they run (decorators and docstrings left out)."""
    return "\n\n\n".join(_without_decorators_and_docstring(function) for function in (rotate_half, apply_rope_textbook))


# ---------------------------------------------------------------------------------------------------------
# Scrubbing the position: the stops, and the matrix corners at every stop
# ---------------------------------------------------------------------------------------------------------


def position_stops(position: int, step: int, max_position: int, count: int) -> tuple[np.ndarray, int]:
    """Up to `count` positions step apart, within [0, max_position], that include `position`; and its index.

    The window is centred on `position` where it can be and slides along at the ends, so a scrubber always has
    room on both sides except at the ends of the range.
    """
    position = check_int("position", position, 0, max_position)
    step = check_int("step", step, 1, max(1, max_position))
    count = check_int("count", count, 2, 4096)
    below = position // step  # how many stops fit below the position
    above = (max_position - position) // step
    lower = min(below, max(count // 2, count - 1 - above))
    upper = min(above, count - 1 - lower)
    stops = position + step * np.arange(-lower, upper + 1)
    return stops, lower


def _block_diagonal(angles: np.ndarray) -> np.ndarray:
    """(S, 2p, 2p) interleaved block-diagonal rotation matrices from (S, p) angles."""
    count, pairs = angles.shape
    matrices = np.zeros((count, 2 * pairs, 2 * pairs))
    even = 2 * np.arange(pairs)
    cos, sin = np.cos(angles), np.sin(angles)
    matrices[:, even, even] = cos
    matrices[:, even, even + 1] = -sin
    matrices[:, even + 1, even] = sin
    matrices[:, even + 1, even + 1] = cos
    return matrices


@dataclass(frozen=True)
class MatrixCorners:
    """The parts of R_m the matrix chart draws, at every stop: the overview corner, the fastest and slowest blocks."""

    positions: np.ndarray
    overview: np.ndarray  # (S, 2p, 2p): the first p = min(d/2, OVERVIEW_PAIRS) pairs
    fast: np.ndarray  # (S, 2z, 2z): pairs 0 … z − 1
    slow: np.ndarray  # (S, 2z, 2z): the last z pairs
    n_pairs: int


def matrix_corners(positions, frequencies) -> MatrixCorners:
    """The corners of the block-diagonal RoPE matrix (interleaved layout) at every position, computed at once."""
    frequencies = np.asarray(frequencies, dtype=np.float64)
    positions = np.asarray([check_position("position", value) for value in np.atleast_1d(positions)])
    angles = rotation_angles(positions, frequencies)
    n_pairs = frequencies.size
    zoom = min(ZOOM_PAIRS, n_pairs)
    return MatrixCorners(
        positions.astype(np.int64),
        _block_diagonal(angles[:, : min(n_pairs, OVERVIEW_PAIRS)]),
        _block_diagonal(angles[:, :zoom]),
        _block_diagonal(angles[:, n_pairs - zoom :]),
        n_pairs,
    )
