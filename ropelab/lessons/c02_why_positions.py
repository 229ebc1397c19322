"""Chapter 2, why attention needs positions: words become vectors, and self-attention without positions ignores
their order (reordering the words only reorders the results). Adding a position vector per slot breaks that.
"""

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from rope_core import softmax
from rope_core._checks import check_dim, check_int, check_real_array
from rope_core._equation import equation
from rope_core.limits import MAX_DIM, MAX_SEQ

MAX_TEXT_CHARS = 10_000
MAX_SHUFFLE_SEED = 2**32 - 1


def split_words(text: str, max_words: int = 12) -> tuple[tuple[str, ...], int]:
    """Split text on whitespace; return the first `max_words` words and how many words were left out."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text must have at most {MAX_TEXT_CHARS} characters, got {len(text)}")
    max_words = check_int("max_words", max_words, 1, MAX_SEQ)
    words = text.split()
    return tuple(words[:max_words]), max(0, len(words) - max_words)


def _word_seed(word: str) -> int:
    # A cryptographic digest, unlike Python's hash(), is the same in every process, so links stay reproducible.
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


@equation(r"x_w = \varepsilon\big(\operatorname{hash}(w)\big),\quad \varepsilon \sim \mathcal{N}(0, I_d)")
def word_vectors(words, dim: int = 8) -> np.ndarray:
    """Return one vector per word (len(words), dim), seeded by a hash of the word: equal words, equal vectors."""
    dim = check_dim(dim)
    if isinstance(words, str) or not all(isinstance(word, str) for word in words):
        raise ValueError("words must be a sequence of strings")
    words = list(words)
    if not 1 <= len(words) <= MAX_SEQ:
        raise ValueError(f"words must contain between 1 and {MAX_SEQ} words, got {len(words)}")
    return np.stack([np.random.default_rng(_word_seed(word)).standard_normal(dim) for word in words])


@equation(r"(PX)_i = X_{\pi(i)},\quad \pi_0 = \mathrm{id},\ \ \pi_s \ne \mathrm{id} \text{ for } s \ge 1")
def shuffle_order(n: int, seed: int) -> np.ndarray:
    """Return a reordering pi of 0..n-1: seed 0 keeps the order, any other seed gives a shuffle that moves something."""
    n = check_int("n", n, 1, MAX_SEQ)
    seed = check_int("seed", seed, 0, MAX_SHUFFLE_SEED)
    identity = np.arange(n)
    if seed == 0 or n == 1:
        return identity
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n)
        # Redraw the identity so that every non-zero seed visibly changes the sentence.
        if not np.array_equal(order, identity):
            return order


@equation(r"W_Q, W_K, W_V \in \mathbb{R}^{d\times d},\quad (W)_{jk} \sim \mathcal{N}(0, 1/d)")
def projection_weights(dim: int = 8, seed: int = 0) -> np.ndarray:
    """Return seeded stand-ins for trained W_Q, W_K, W_V stacked as (3, dim, dim)."""
    dim = check_dim(dim)
    seed = check_int("seed", seed, 0, MAX_SHUFFLE_SEED)
    return np.random.default_rng([seed, 7]).standard_normal((3, dim, dim)) / math.sqrt(dim)


@equation(r"h_p = x_p + PE_p")
def add_position_vectors(token_vectors, position_vectors) -> np.ndarray:
    """Return token vectors (seq, d) plus the position vector of the slot each one sits in (same shape)."""
    tokens = check_real_array("token_vectors", token_vectors, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    positions = check_real_array("position_vectors", position_vectors, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if tokens.shape != positions.shape:
        raise ValueError(f"position_vectors must have the shape of token_vectors {tokens.shape}, got {positions.shape}")
    return tokens + positions


@equation(r"S = \frac{Q K^\top}{\sqrt{d}}")
def scaled_dot_product_scores(q, k) -> np.ndarray:
    """Return q k^T / sqrt(d) for q (seq_q, d) and k (seq_k, d)."""
    q = check_real_array("q", q, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    k = check_real_array("k", k, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if q.shape[1] != k.shape[1] or q.shape[1] == 0:
        raise ValueError(f"k must have the same non-zero last dimension as q ({q.shape[1]}), got {k.shape[1]}")
    return q @ k.T / math.sqrt(q.shape[1])


@dataclass(frozen=True)
class SelfAttention:
    """One self-attention pass: logits S, softmax weights A and outputs A·V, one row per token."""

    scores: np.ndarray
    weights: np.ndarray
    outputs: np.ndarray


@equation(r"\operatorname{Attn}(X) = \operatorname{softmax}\!\Big(\frac{XW_Q\,(XW_K)^\top}{\sqrt d}\Big)\,XW_V")
def self_attention(x, projections) -> SelfAttention:
    """Single-head self-attention of x (seq, d) with no mask and no position information."""
    x = check_real_array("x", x, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    projections = check_real_array("projections", projections, ndim=3, max_size=3 * MAX_DIM * MAX_DIM)
    dim = x.shape[1]
    if projections.shape != (3, dim, dim):
        raise ValueError(f"projections must have shape (3, {dim}, {dim}), got {projections.shape}")
    queries, keys, values = x @ projections[0], x @ projections[1], x @ projections[2]
    scores = scaled_dot_product_scores(queries, keys)
    weights = softmax(scores)
    return SelfAttention(scores, weights, weights @ values)


@dataclass(frozen=True)
class OrderComparison:
    """Self-attention on a sequence and on its reordering, and how far the second is from a reordered first."""

    original: SelfAttention
    reordered: SelfAttention
    order: np.ndarray
    output_gap: float
    score_gap: float


@equation(r"\operatorname{Attn}(PX) = P\,\operatorname{Attn}(X),\qquad S(PX) = P\,S(X)\,P^\top")
def compare_orders(x, order, projections, position_vectors=None) -> OrderComparison:
    """Run attention on x and on x[order]; gaps are max |reordered - original[order]| (0 without positions).

    With `position_vectors` (seq, d), slot p gets PE_p added after reordering, as a transformer would: the
    position belongs to the slot, not to the word, so the reordering no longer just permutes the results.
    """
    x = check_real_array("x", x, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    order = check_real_array("order", order, ndim=1, max_size=MAX_SEQ)
    if not np.array_equal(np.sort(order), np.arange(x.shape[0])):
        raise ValueError(f"order must be a permutation of 0..{x.shape[0] - 1}")
    order = order.astype(np.int64)
    original_input, reordered_input = x, x[order]
    if position_vectors is not None:
        original_input = add_position_vectors(x, position_vectors)
        reordered_input = add_position_vectors(x[order], position_vectors)
    original = self_attention(original_input, projections)
    reordered = self_attention(reordered_input, projections)
    output_gap = float(np.abs(reordered.outputs - original.outputs[order]).max())
    score_gap = float(np.abs(reordered.scores - original.scores[np.ix_(order, order)]).max())
    return OrderComparison(original, reordered, order, output_gap, score_gap)
