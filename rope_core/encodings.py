"""Position encodings other than RoPE: absolute (sinusoidal, a learned table) and relative (T5 buckets, ALiBi).

The learned table and the T5 bias values are seeded stand-ins for trained parameters, so every chart is reproducible.
"""

import math

import numpy as np

from ._checks import check_base, check_bool, check_dim, check_float, check_int, check_real_array
from ._equation import equation
from .limits import MAX_DIM, MAX_HEADS, MAX_POSITION, MAX_SEQ

MAX_TABLE_ROWS = 65536
MAX_BUCKETS = 1024


def _check_seed(seed) -> int:
    return check_int("seed", seed, 0, 2**32 - 1)


@equation(r"PE_{p,2i} = \sin\!\big(p / b^{2i/d}\big),\quad PE_{p,2i+1} = \cos\!\big(p / b^{2i/d}\big)")
def sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0, offset: int = 0) -> np.ndarray:
    """Return the (n_positions, d_model) Vaswani sinusoidal table for positions offset .. offset+n-1."""
    n_positions = check_int("n_positions", n_positions, 1, MAX_SEQ)
    d_model = check_dim(d_model, "d_model")
    base = check_base(base)
    offset = check_int("offset", offset, 0, MAX_POSITION)
    angles = np.multiply.outer(np.arange(n_positions) + float(offset), base ** (-np.arange(0, d_model, 2) / d_model))
    table = np.empty((n_positions, d_model))
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles)
    return table


@equation(r"E \in \mathbb{R}^{L_{\max} \times d},\quad E_{p,j} \sim \mathcal{N}(0, 1/2)")
def learned_position_table(max_len: int, d_model: int, seed: int = 0) -> np.ndarray:
    """Return a seeded stand-in for a trained absolute table (variance 1/2, like a sinusoid's entries)."""
    max_len = check_int("max_len", max_len, 1, MAX_TABLE_ROWS)
    d_model = check_int("d_model", d_model, 1, MAX_DIM)
    if max_len * d_model > 2**24:
        raise ValueError(f"max_len * d_model must be at most {2**24}, got {max_len} * {d_model}")
    return np.random.default_rng(_check_seed(seed)).normal(0.0, math.sqrt(0.5), (max_len, d_model))


@equation(r"\mathrm{pos}(p) = E_{p,:},\quad 0 \le p < L_{\max}")
def learned_encoding(positions, table) -> np.ndarray:
    """Look up rows of a learned table; positions at or beyond its max_len have no row and raise."""
    table = check_real_array("table", table, ndim=2, max_size=2**24)
    positions = check_real_array("positions", positions, ndim=1, max_size=MAX_SEQ)
    if positions.size and not np.array_equal(positions, np.round(positions)):
        raise ValueError("positions must be whole numbers for a learned table")
    max_len = table.shape[0]
    if positions.size and positions.min() < 0:
        raise ValueError(f"positions must be in [0, {max_len - 1}], got {positions.min():g}")
    beyond = positions[positions >= max_len]
    if beyond.size:
        raise ValueError(
            f"position {int(beyond[0])} is beyond the learned table's max_len {max_len}: "
            f"positions must be in [0, {max_len - 1}]"
        )
    return table[positions.astype(np.int64)]


@equation(
    r"\text{bucket}(r) = \begin{cases} |r| & |r| < n/2 \\ "
    r"\frac{n}{2} + \left\lfloor \frac{\ln(|r|/(n/2))}{\ln(D/(n/2))}\,\frac{n}{2} \right\rfloor "
    r"& \text{else} "
    r"\end{cases}\ (+\,n \text{ if } r > 0 \text{, bidirectional, with } n \text{ halved})"
)
def t5_relative_bucket(
    relative_position, bidirectional: bool = True, num_buckets: int = 32, max_distance: int = 128
) -> np.ndarray:
    """Map relative_position = key - query to T5 buckets exactly as HF's _relative_position_bucket."""
    bidirectional = check_bool("bidirectional", bidirectional)
    num_buckets = check_int("num_buckets", num_buckets, 4 if bidirectional else 2, MAX_BUCKETS)
    max_distance = check_int("max_distance", max_distance, 1, MAX_POSITION)
    relative = check_real_array("relative_position", relative_position, max_size=MAX_SEQ * MAX_SEQ)
    if relative.size and not np.array_equal(relative, np.round(relative)):
        raise ValueError("relative_position must contain whole numbers")
    relative = relative.astype(np.int64)
    buckets = np.zeros(relative.shape, dtype=np.int64)
    if bidirectional:
        num_buckets //= 2
        buckets += (relative > 0) * num_buckets
        distance = np.abs(relative)
    else:
        distance = -np.minimum(relative, 0)
    max_exact = num_buckets // 2
    if max_distance <= max_exact:
        raise ValueError(f"max_distance must be greater than num_buckets/4 or /2 ({max_exact}), got {max_distance}")
    is_small = distance < max_exact
    # HF computes the log in float32; doing the same keeps bucket edges identical.
    scaled = np.maximum(distance, 1).astype(np.float32) / np.float32(max_exact)
    log_ratio = np.log(scaled) / np.float32(math.log(max_distance / max_exact))
    large = max_exact + (log_ratio * np.float32(num_buckets - max_exact)).astype(np.int64)
    large = np.minimum(large, num_buckets - 1)
    return buckets + np.where(is_small, distance, large)


@equation(r"a_{ij} = w_{\text{bucket}(j - i)}")
def t5_bias(
    seq_len: int, num_buckets: int = 32, max_distance: int = 128, bidirectional: bool = True, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return a (seq, seq) T5 bias from one seeded scalar per bucket, and that per-bucket table."""
    seq_len = check_int("seq_len", seq_len, 1, MAX_SEQ)
    offsets = np.arange(seq_len)
    buckets = t5_relative_bucket(offsets[None, :] - offsets[:, None], bidirectional, num_buckets, max_distance)
    table = np.random.default_rng(_check_seed(seed)).normal(0.0, 1.0, num_buckets)
    return table[buckets], table


def _power_of_two_slopes(n_heads: int) -> list[float]:
    start = 2.0 ** (-8.0 / n_heads)
    return [start ** (h + 1) for h in range(n_heads)]


@equation(
    r"m_h = 2^{-8h/H},\ h = 1..H \quad(\text{else the } 2^{\lfloor\log_2 H\rfloor} \text{ slopes, "
    r"then every other slope for } 2^{\lfloor\log_2 H\rfloor + 1} \text{ heads})"
)
def alibi_slopes(n_heads: int) -> np.ndarray:
    """Return the ALiBi head slopes, with the reference recipe for head counts that are not powers of 2."""
    n_heads = check_int("n_heads", n_heads, 1, MAX_HEADS)
    closest = 2 ** math.floor(math.log2(n_heads))
    slopes = _power_of_two_slopes(closest)
    if closest < n_heads:
        slopes += _power_of_two_slopes(2 * closest)[0::2][: n_heads - closest]
    return np.array(slopes)


@equation(r"a_{ij} = -m\,|i - j|")
def alibi_bias(seq_len: int, slope: float) -> np.ndarray:
    """Return the (seq, seq) ALiBi bias -slope * |i - j| (symmetric; mask the future for causal use)."""
    seq_len = check_int("seq_len", seq_len, 1, MAX_SEQ)
    slope = check_float("slope", slope, 0.0, 1e3)
    offsets = np.arange(seq_len)
    return -slope * np.abs(offsets[:, None] - offsets[None, :]).astype(np.float64)
