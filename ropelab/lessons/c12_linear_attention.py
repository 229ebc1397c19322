"""Chapter 12, linear attention: softmax, linear and RoPE-linear attention weights on the same seeded inputs,
RoFormer Eq. 19 in its O(N^2) reference form, and a bounded O(N) against O(N^2) timing.
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rope_core import (
    causal_mask,
    linear_attention_rope,
    linear_attention_rope_weights,
    rope_scores,
    softmax,
)
from rope_core import inv_freq as default_inv_freq
from rope_core._checks import check_base, check_bool, check_choice, check_dim, check_float, check_int, check_real_array
from rope_core._equation import equation
from rope_core.attention import FEATURE_MAPS
from rope_core.limits import MAX_DIM, MAX_SEQ

MAX_TIMED_LENGTH = 2048
MAX_TIMING_BUDGET = 2.0
_MAX_REPEATS = 3
# Best of three smooths out a busy machine; calls slower than this are measured once to protect the budget.
_REPEAT_BELOW_SECONDS = 0.1


def seeded_qkv(length: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return standard-normal q, k, v of shape (length, dim) each, reproducible from `seed`."""
    length = check_int("length", length, 1, MAX_SEQ)
    dim = check_dim(dim)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    q, k, v = np.random.default_rng([seed, 12]).standard_normal((3, length, dim))
    return q, k, v


def _check_pair(q, k) -> tuple[np.ndarray, np.ndarray]:
    q = check_real_array("q", q, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    k = check_real_array("k", k, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if q.shape != k.shape or q.shape[0] == 0 or q.shape[0] > MAX_SEQ:
        raise ValueError(f"q and k must have the same shape (N, d) with 1 <= N <= {MAX_SEQ}, got {q.shape}, {k.shape}")
    return q, k


@equation(r"A_{mn} = \operatorname{softmax}_n\!\Big(\frac{(R_m q_m)^\top (R_n k_n)}{\sqrt d}\Big)")
def softmax_rope_weights(q, k, positions, inv_freq, causal: bool = False, convention: str = "half") -> np.ndarray:
    """Return the (N, N) softmax attention probabilities of RoPE-rotated q and k: positive, rows sum to 1."""
    q, k = _check_pair(q, k)
    causal = check_bool("causal", causal)
    scores = rope_scores(q, k, positions, positions, inv_freq, convention) / math.sqrt(q.shape[1])
    if causal:
        scores = scores + causal_mask(q.shape[0])
    return softmax(scores)


@equation(r"W_{mn} = \frac{\phi(q_m)^\top \phi(k_n)}{\sum_{n'} \phi(q_m)^\top \phi(k_{n'})}")
def linear_attention_weights(q, k, causal: bool = False, feature_map: str = "elu1") -> np.ndarray:
    """Return the (N, N) weights of plain linear attention (no positions): non-negative, rows sum to 1."""
    q, k = _check_pair(q, k)
    # Every token at position 0 means every rotation is the identity, which leaves Eq. 19 as plain linear attention.
    at_origin = np.zeros(q.shape[0])
    return linear_attention_rope_weights(q, k, at_origin, default_inv_freq(q.shape[1]), causal, feature_map)


@equation(r"\operatorname{Attn} = W V \quad (O(N^2)\text{ reference})")
def linear_attention_rope_bruteforce(
    q, k, v, positions, inv_freq, causal: bool = False, feature_map: str = "elu1", convention: str = "half"
) -> np.ndarray:
    """RoFormer Eq. 19 by forming the full (N, N) weight matrix: O(N^2), the reference for the fast form."""
    weights = linear_attention_rope_weights(q, k, positions, inv_freq, causal, feature_map, convention)
    v = check_real_array("v", v, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if v.shape[0] != weights.shape[1]:
        raise ValueError(f"q, k, v must have the same non-zero length, got {weights.shape[0]} and {v.shape[0]}")
    return weights @ v


@dataclass(frozen=True)
class LinearTiming:
    """Wall-clock seconds of the O(N) and O(N^2) forms of RoFormer Eq. 19, and how far their outputs differ."""

    lengths: np.ndarray
    fast_seconds: np.ndarray
    quadratic_seconds: np.ndarray
    max_abs_difference: np.ndarray
    skipped: tuple[int, ...]


def _best_time(run) -> tuple[float, np.ndarray]:
    best, result = math.inf, None
    for _ in range(_MAX_REPEATS):
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        if elapsed > _REPEAT_BELOW_SECONDS:
            break
    return best, result


def time_linear_attention(
    lengths: Sequence[int],
    dim: int,
    base: float = 10000.0,
    seed: int = 0,
    causal: bool = False,
    feature_map: str = "elu1",
    budget_seconds: float = 0.8,
) -> LinearTiming:
    """Time both forms of Eq. 19 at increasing N, skipping lengths the remaining budget cannot pay for.

    The shortest length always runs. Each further length is predicted to cost (N / N_prev)^2 times the previous
    one; lengths that would push past `budget_seconds` are listed in `skipped`, so one call stays near the budget.
    """
    dim = check_dim(dim)
    base = check_base(base)
    causal = check_bool("causal", causal)
    feature_map = check_choice("feature_map", feature_map, FEATURE_MAPS)
    budget_seconds = check_float("budget_seconds", budget_seconds, 0.0, MAX_TIMING_BUDGET, low_open=True)
    if isinstance(lengths, (str, bytes)) or not hasattr(lengths, "__len__") or not 1 <= len(lengths) <= 16:
        raise ValueError(f"lengths must be a list of 1 to 16 sequence lengths, got {lengths!r:.60}")
    lengths = sorted({check_int("lengths[i]", n, 1, MAX_TIMED_LENGTH) for n in lengths})
    frequencies = default_inv_freq(dim, base)
    started = time.perf_counter()
    measured, fast, quadratic, gaps, skipped = [], [], [], [], []
    previous_length, previous_cost = None, 0.0
    for length in lengths:
        spent = time.perf_counter() - started
        predicted = previous_cost * (length / previous_length) ** 2 if previous_length else 0.0
        # The shortest length always runs, so the chart has at least one point.
        if measured and spent + predicted > budget_seconds:
            skipped.append(length)
            continue
        q, k, v = seeded_qkv(length, dim, seed)
        positions = np.arange(length, dtype=np.float64)
        fast_time, fast_out = _best_time(
            lambda: linear_attention_rope(q, k, v, positions, frequencies, causal, feature_map)  # noqa: B023
        )
        quadratic_time, quadratic_out = _best_time(
            lambda: linear_attention_rope_bruteforce(q, k, v, positions, frequencies, causal, feature_map)  # noqa: B023
        )
        measured.append(length)
        fast.append(fast_time)
        quadratic.append(quadratic_time)
        gaps.append(float(np.max(np.abs(fast_out - quadratic_out))))
        previous_length, previous_cost = length, fast_time + quadratic_time
    return LinearTiming(
        np.array(measured, dtype=np.int64),
        np.array(fast),
        np.array(quadratic),
        np.array(gaps),
        tuple(skipped),
    )
