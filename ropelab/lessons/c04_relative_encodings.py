"""Chapter 4, relative encodings: a Shaw-style clipped bias table, T5's buckets as the page shows them, ALiBi's slopes
sorted into the ones that halve and the extra ones, and what a distance-only bias does to softmax attention.

T5 buckets and biases and ALiBi are rope_core's (t5_relative_bucket, t5_bias, alibi_slopes, alibi_bias), because
chapter 8's attention maps use them too.
"""

import math
from dataclasses import dataclass

import numpy as np

from rope_core import alibi_bias, alibi_slopes, causal_mask, softmax, t5_bias, t5_relative_bucket
from rope_core._checks import check_bool, check_int, check_real_array
from rope_core._equation import equation
from rope_core.limits import MAX_SEQ

# Each scheme at one fixed setting, for the chapter's overview: a clip distance of 4, T5's own defaults, and the
# steepest head of an 8-head ALiBi model (slope 1/2).
OVERVIEW_CLIP = 4
OVERVIEW_BUCKETS, OVERVIEW_MAX_DISTANCE = 32, 128
OVERVIEW_HEADS = 8


@equation(r"a_{ij} = w_{\operatorname{clip}(j-i,\,-k,\,k)}")
def clipped_relative_bias(seq_len: int, max_relative: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return the Shaw-style (seq, seq) bias from one seeded scalar per clipped distance, and that table."""
    seq_len = check_int("seq_len", seq_len, 1, MAX_SEQ)
    max_relative = check_int("max_relative", max_relative, 0, MAX_SEQ)
    table = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1)).normal(0.0, 1.0, 2 * max_relative + 1)
    offsets = np.arange(seq_len)
    distance = np.clip(offsets[None, :] - offsets[:, None], -max_relative, max_relative)
    return table[distance + max_relative], table


@dataclass(frozen=True)
class T5Views:
    """What the page shows of one T5 setting: the bucket of every offset in view, and the L × L bias it gives."""

    num_buckets: int
    max_distance: int
    offsets: np.ndarray  # j - i from -reach to reach, reach = max(L, 2D)
    buckets: np.ndarray  # the bucket of each offset
    bias: np.ndarray  # the (L, L) bias from one seeded scalar per bucket


@equation(
    r"\begin{aligned}"
    r"&\text{bidirectional: } N = n/2,\quad \operatorname{bucket}(r) = N\,[\,r > 0\,] + f(|r|)\\"
    r"&\text{causal (one direction): } N = n,\quad \operatorname{bucket}(r) = f\big(\max(-r, 0)\big)\\"
    r"&f(\delta) = \begin{cases} \delta & \delta < E \\"
    r" \min\!\Big(N - 1,\ E + \Big\lfloor \dfrac{\ln(\delta / E)}{\ln(D / E)}\,(N - E) \Big\rfloor\Big)"
    r" & \delta \ge E \end{cases},\qquad E = \lfloor N/2 \rfloor"
    r"\end{aligned}"
)
def t5_views(length: int, num_buckets: int, max_distance: int, bidirectional: bool, seed: int) -> T5Views:
    """Buckets over every offset up to twice the max distance (so the last, shared bucket shows) and the bias."""
    reach = max(length, 2 * max_distance)
    offsets = np.arange(-reach, reach + 1)
    buckets = t5_relative_bucket(offsets, bidirectional, num_buckets, max_distance)
    bias = t5_bias(length, num_buckets, max_distance, bidirectional, seed)[0]
    return T5Views(num_buckets, max_distance, offsets, buckets, bias)


@equation(r"P = \operatorname{softmax}_j\!\big(S_{ij} + A_{ij}\ [+\,M_{ij}]\big),\quad A_{ij} = b(j - i)")
def attention_with_bias(scores, bias, causal: bool = False) -> np.ndarray:
    """Return the (seq, seq) attention probabilities softmax(scores + bias), optionally with the causal mask."""
    scores = check_real_array("scores", scores, ndim=2, max_size=MAX_SEQ * MAX_SEQ)
    bias = check_real_array("bias", bias, ndim=2, max_size=MAX_SEQ * MAX_SEQ)
    causal = check_bool("causal", causal)
    if scores.shape[0] != scores.shape[1] or scores.shape[0] == 0:
        raise ValueError(f"scores must be a non-empty square (seq, seq) matrix, got shape {scores.shape}")
    if bias.shape != scores.shape:
        raise ValueError(f"bias must have the same shape as scores {scores.shape}, got {bias.shape}")
    logits = scores + bias
    if causal:
        logits = logits + causal_mask(scores.shape[0])
    return softmax(logits)


@dataclass(frozen=True)
class AlibiSlopeGroups:
    """ALiBi's slopes for H heads: the geometric sequence for the largest power of two R ≤ H, then the extra heads."""

    slopes: np.ndarray  # all H slopes, head 1 first
    regular: np.ndarray  # the first R: 2^(−8/R), 2^(−16/R), …, 2^(−8)
    extra: np.ndarray  # the H − R others: every other slope of the 2R-head sequence
    between: np.ndarray  # the extra slopes that lie between the steepest and the gentlest regular slope
    steeper: np.ndarray  # the extra slopes steeper than every regular one

    @property
    def exponents(self) -> np.ndarray:
        """log₂ of every slope (−1, −2, … for 8 heads; −0.5, −1.5, … for the extra heads of 12)."""
        return np.log2(self.slopes)


def alibi_slope_groups(n_heads: int) -> AlibiSlopeGroups:
    """Split ALiBi's slopes for `n_heads` heads into the regular sequence and the extra heads, and place the extras."""
    slopes = alibi_slopes(n_heads)
    regular_count = 2 ** math.floor(math.log2(slopes.size))  # alibi_slopes has checked n_heads
    regular, extra = slopes[:regular_count], slopes[regular_count:]
    inside = (extra > regular.min()) & (extra < regular.max())
    return AlibiSlopeGroups(slopes, regular, extra, extra[inside], extra[extra > regular.max()])


def overview_biases(length: int, seed: int, causal: bool) -> dict[str, np.ndarray]:
    """The (L, L) bias of every scheme at its overview setting, with no bias first; T5 goes one way when causal."""
    causal = check_bool("causal", causal)
    slope = float(alibi_slopes(OVERVIEW_HEADS)[0])
    return {
        "no bias": np.zeros((check_int("length", length, 1, MAX_SEQ), length)),
        f"clipped (k = {OVERVIEW_CLIP})": clipped_relative_bias(length, OVERVIEW_CLIP, seed)[0],
        "T5 buckets": t5_bias(length, OVERVIEW_BUCKETS, OVERVIEW_MAX_DISTANCE, not causal, seed)[0],
        f"ALiBi (m = {slope:g})": alibi_bias(length, slope),
    }
