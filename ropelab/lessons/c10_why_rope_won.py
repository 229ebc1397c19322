"""Chapter 10, why RoPE won: the six position schemes side by side on one fixed token pair, as the pair slides
along the sequence and as its two tokens move apart (rope_core.pair_logits and attention_maps compute the logits).
"""

import math

import numpy as np

from rope_core import METHODS, pair_logits, t5_bias, t5_relative_bucket
from rope_core._checks import check_base, check_choice, check_dim, check_int, check_real_array
from rope_core._equation import equation
from rope_core.attention import _content_vectors, _queries_and_keys
from rope_core.limits import MAX_POSITION, MAX_SEQ

MAX_SHIFTS = 1024
_QUERY_TOKEN, _KEY_TOKEN = 1, 0
# The learned table's length runs in steps of this many rows; the pair slides in steps of 1/64 of it.
TABLE_STEP = 64


def slide_positions(table_length: int) -> np.ndarray:
    """Where the key token stops as the pair slides: 0 to twice the table length in 128 equal steps.

    Twice the training length keeps the learned table's end in view; a step of table_length / 64 tokens is a
    whole number for every length the chapter offers (multiples of 64), so the stops are exact positions.
    """
    table_length = check_int("table_length", table_length, TABLE_STEP, 65536)
    if table_length % TABLE_STEP:
        raise ValueError(f"table_length must be a multiple of {TABLE_STEP}, got {table_length}")
    return np.arange(0, 2 * table_length + 1, table_length // TABLE_STEP)


def _check_common(method, d, seed, base, learned_max_len) -> tuple[str, int, int, float, int]:
    method = check_choice("method", method, METHODS)
    d = check_dim(d, "d")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    base = check_base(base)
    learned_max_len = check_int("learned_max_len", learned_max_len, 2, 65536)
    return method, d, seed, base, learned_max_len


@equation(r"s(p) = S_{p+r,\;p}:\ \text{key token at position } p,\ \text{the same query token } r \text{ later}")
def pair_score_across_shifts(
    method: str,
    distance: int,
    shifts,
    d: int = 64,
    *,
    seed: int = 0,
    base: float = 10000.0,
    learned_max_len: int = 512,
) -> np.ndarray:
    """Return the logit of the same (query, key) tokens `distance` apart, with the key at each shift.

    The logits are attention_maps' (seeded content and projections, via `pair_logits`, which skips building the
    maps), so every method sees identical tokens. A learned table has no row at or beyond `learned_max_len`:
    those entries are NaN.
    """
    method, d, seed, base, learned_max_len = _check_common(method, d, seed, base, learned_max_len)
    distance = check_int("distance", distance, 1, MAX_SEQ - 1)
    shifts = check_real_array("shifts", shifts, ndim=1, max_size=MAX_SHIFTS, max_abs=MAX_POSITION - MAX_SEQ)
    if shifts.size == 0 or not np.array_equal(shifts, np.round(shifts)) or shifts.min() < 0:
        raise ValueError("shifts must be a non-empty list of non-negative whole numbers")
    scores = np.full(shifts.size, np.nan)
    shifts = shifts.astype(np.int64)
    # A learned table has no row for a query at or beyond learned_max_len: those entries stay NaN.
    reachable = shifts + distance < learned_max_len if method == "learned" else np.ones(shifts.size, dtype=bool)
    if reachable.any():
        scores[reachable] = pair_logits(
            _QUERY_TOKEN, _KEY_TOKEN, distance, shifts[reachable], d, method,
            seed=seed, base=base, learned_max_len=learned_max_len,
        )  # fmt: skip
    return scores


@equation(r"s(r) = S_{p_0+r,\;p_0},\quad r = 1, \dots, R")
def pair_score_by_distance(
    method: str,
    max_distance: int,
    d: int = 64,
    *,
    seed: int = 0,
    shift: int = 0,
    base: float = 10000.0,
    learned_max_len: int = 512,
) -> np.ndarray:
    """Return the logits of the same (query, key) tokens at distances 1..max_distance, key at `shift`.

    Entry r-1 is distance r. Distances that would need a learned-table row at or beyond `learned_max_len`
    are NaN.
    """
    method, d, seed, base, learned_max_len = _check_common(method, d, seed, base, learned_max_len)
    max_distance = check_int("max_distance", max_distance, 1, MAX_SEQ - 1)
    shift = check_int("shift", shift, 0, MAX_POSITION - MAX_SEQ)
    reachable = max_distance
    if method == "learned":
        reachable = min(max_distance, learned_max_len - 1 - shift)
    scores = np.full(max_distance, np.nan)
    if reachable < 1:
        return scores
    # attention_maps' column of logits against the key, without the other (R+1)² − R entries of its score matrix:
    # the same seeded content, tables, projections and rotations, so the numbers are the map's own.
    tokens = np.array([_KEY_TOKEN] + [_QUERY_TOKEN] * reachable)
    positions = shift + np.arange(reachable + 1)
    content = _content_vectors(tokens, d, seed)
    q, k = _queries_and_keys(content, positions, method, seed, base, learned_max_len, "half")
    logits = q[1:] @ k[0] / math.sqrt(d)
    if method == "t5":
        logits = logits + t5_relative_bias_column(reachable, seed)
    elif method == "alibi":
        logits = logits - 0.5 * np.arange(1, reachable + 1)
    scores[:reachable] = logits
    return scores


def t5_relative_bias_column(max_distance: int, seed: int = 0) -> np.ndarray:
    """T5's bias of a query r = 1 … max_distance tokens after its key: column 0 of attention_maps' T5 bias."""
    max_distance = check_int("max_distance", max_distance, 1, MAX_SEQ - 1)
    buckets = t5_relative_bucket(-np.arange(1, max_distance + 1), True, 32, 128)
    return t5_bias(1, 32, 128, True, seed)[1][buckets]
