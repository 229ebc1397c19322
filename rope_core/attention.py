"""Attention maps under different position encodings, and linear attention with RoPE (RoFormer Eq. 19)."""

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_base, check_bool, check_choice, check_dim, check_int, check_real_array
from ._equation import equation
from .encodings import alibi_bias, learned_encoding, learned_position_table, sinusoidal_encoding, t5_bias
from .frequencies import inv_freq as default_inv_freq
from .limits import MAX_DIM, MAX_ELEMENTS, MAX_POSITION, MAX_SEQ
from .rotation import CONVENTIONS, apply_rope

METHODS = ("nope", "sinusoidal", "learned", "t5", "alibi", "rope")
FEATURE_MAPS = ("elu1", "relu", "exp")
_CHUNK = 64


@equation(r"\operatorname{softmax}(x)_j = \frac{e^{x_j - \max x}}{\sum_k e^{x_k - \max x}}")
def softmax(x, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax; -inf entries get weight 0 and fully masked rows become all zeros."""
    x = np.asarray(x, dtype=np.float64)
    if x.size > MAX_ELEMENTS:
        raise ValueError(f"x must have at most {MAX_ELEMENTS} elements, got {x.size}")
    if np.isnan(x).any() or np.isposinf(x).any():
        raise ValueError("x must not contain NaN or +inf (use -inf to mask)")
    axis = check_int("axis", axis, -max(x.ndim, 1), max(x.ndim, 1) - 1)
    row_max = np.max(x, axis=axis, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    weights = np.exp(x - row_max)
    total = np.sum(weights, axis=axis, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


@equation(r"M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}")
def causal_mask(n: int) -> np.ndarray:
    """Return the (n, n) additive causal mask: 0 on and below the diagonal, -inf above."""
    n = check_int("n", n, 1, MAX_SEQ)
    return np.where(np.tri(n, dtype=bool), 0.0, -np.inf)


@dataclass(frozen=True)
class AttentionMaps:
    """Result of attention_maps: softmax probabilities, the logits they came from, and the positions used."""

    probabilities: np.ndarray
    scores: np.ndarray
    positions: np.ndarray
    tokens: np.ndarray
    method: str
    content: np.ndarray  # the seeded content vector of every token (one row each), before any position enters


def _content_vectors(tokens: np.ndarray, d: int, seed: int) -> np.ndarray:
    """One seeded Gaussian vector per token id, independent of which other tokens are present."""
    vectors = np.empty((tokens.size, d))
    for token in np.unique(tokens):
        vectors[tokens == token] = np.random.default_rng([seed, 2, int(token)]).standard_normal(d)
    return vectors


def _queries_and_keys(
    content: np.ndarray, positions: np.ndarray, method: str, seed: int, base: float, learned_max_len: int,
    convention: str,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """q and k rows for content vectors at the given positions: absolute encodings added, seeded projections,
    RoPE rotations. Shared by attention_maps and pair_logits so both compute the same logits."""
    d = content.shape[1]
    if method == "sinusoidal":
        # One table over the span of the positions, then a row per position (positions need not be consecutive);
        # a span longer than one table may hold is built a row per distinct position instead.
        first, span = int(positions.min()), int(positions.max() - positions.min()) + 1
        if span <= MAX_SEQ:
            content = content + sinusoidal_encoding(span, d, check_base(base), offset=first)[positions - first]
        else:
            distinct, where = np.unique(positions, return_inverse=True)
            rows = np.concatenate([sinusoidal_encoding(1, d, check_base(base), offset=int(p)) for p in distinct])
            content = content + rows[where]
    elif method == "learned":
        table = learned_position_table(learned_max_len, d, seed)
        content = content + learned_encoding(positions, table)
    weights = np.random.default_rng([seed, 1]).standard_normal((2, d, d)) / math.sqrt(d)
    q, k = content @ weights[0], content @ weights[1]
    if method == "rope":
        frequencies = default_inv_freq(d, base)
        convention = check_choice("convention", convention, CONVENTIONS)
        q = apply_rope(q, positions, frequencies, convention=convention)
        k = apply_rope(k, positions, frequencies, convention=convention)
    return q, k


@equation(
    r"\text{abs: } q = (x + p)W_q,\ k = (x + p)W_k;\quad \text{bias: } S = \frac{qk^\top}{\sqrt d} + A;"
    r"\quad \text{rope: } S_{mn} = \frac{(R_m q_m)^\top R_n k_n}{\sqrt d}"
)
def attention_maps(
    tokens,
    d: int = 64,
    method: str = "rope",
    *,
    seed: int = 0,
    causal: bool = False,
    same_token: bool = False,
    shift: int = 0,
    base: float = 10000.0,
    learned_max_len: int = 512,
    num_buckets: int = 32,
    max_distance: int = 128,
    alibi_slope: float = 0.5,
    convention: str = "half",
) -> AttentionMaps:
    """Return attention probabilities and logits for seeded content under one position-encoding method.

    `tokens` is a sequence length (distinct tokens 0..n-1, or one repeated token if same_token) or a list of
    token ids (equal ids share a content vector). Positions are shift, shift+1, ...; absolute methods add the
    encoding to the content before the seeded W_q, W_k projections, bias methods add to the logits, RoPE
    rotates q and k.
    """
    method = check_choice("method", method, METHODS)
    d = check_dim(d, "d")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    causal = check_bool("causal", causal)
    same_token = check_bool("same_token", same_token)
    shift = check_int("shift", shift, 0, MAX_POSITION - MAX_SEQ)
    if isinstance(tokens, (int, np.integer)) and not isinstance(tokens, (bool, np.bool_)):
        seq_len = check_int("tokens", tokens, 1, MAX_SEQ)
        token_ids = np.zeros(seq_len, dtype=np.int64) if same_token else np.arange(seq_len)
    else:
        token_ids = check_real_array("tokens", tokens, ndim=1, max_size=MAX_SEQ)
        if token_ids.size == 0 or not np.array_equal(token_ids, np.round(token_ids)) or token_ids.min() < 0:
            raise ValueError("tokens must be a sequence length or a non-empty list of non-negative integer ids")
        token_ids = token_ids.astype(np.int64)
        if same_token:
            token_ids = np.full_like(token_ids, token_ids[0])
    seq_len = token_ids.size
    positions = np.arange(seq_len) + shift

    content = _content_vectors(token_ids, d, seed)
    q, k = _queries_and_keys(content, positions, method, seed, base, learned_max_len, convention)
    scores = q @ k.T / math.sqrt(d)
    if method == "t5":
        scores = scores + t5_bias(seq_len, num_buckets, max_distance, True, seed)[0]
    elif method == "alibi":
        scores = scores + alibi_bias(seq_len, alibi_slope)
    if causal:
        scores = scores + causal_mask(seq_len)
    return AttentionMaps(softmax(scores), scores, positions, token_ids, method, content)


def pair_logits(
    query_token: int,
    key_token: int,
    distance: int,
    key_positions,
    d: int = 64,
    method: str = "rope",
    *,
    seed: int = 0,
    base: float = 10000.0,
    learned_max_len: int = 512,
    num_buckets: int = 32,
    max_distance: int = 128,
    alibi_slope: float = 0.5,
    convention: str = "half",
) -> np.ndarray:
    """Return attention_maps' logit of one (query, key) token pair `distance` apart, for every key position at once.

    Entry i equals attention_maps(...).scores[p + r, p] for a sequence holding the key token at p = key_positions[i]
    and the query token at p + r (tokens in between do not change that logit), without building the maps.
    """
    method = check_choice("method", method, METHODS)
    d = check_dim(d, "d")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    distance = check_int("distance", distance, 0, MAX_SEQ - 1)
    key_positions = check_real_array("key_positions", key_positions, ndim=1, max_size=MAX_SEQ // 2)
    if not np.array_equal(key_positions, np.round(key_positions)) or key_positions.size == 0:
        raise ValueError("key_positions must be a non-empty list of whole numbers")
    key_positions = key_positions.astype(np.int64)
    if key_positions.min() < 0 or key_positions.max() + distance > MAX_POSITION:
        raise ValueError(f"key_positions + distance must lie in [0, {MAX_POSITION}]")
    tokens = np.array([check_int("query_token", query_token, 0, 2**31), check_int("key_token", key_token, 0, 2**31)])
    query_vector, key_vector = _content_vectors(tokens, d, seed)
    count = key_positions.size
    content = np.concatenate([np.tile(query_vector, (count, 1)), np.tile(key_vector, (count, 1))])
    positions = np.concatenate([key_positions + distance, key_positions])
    q, k = _queries_and_keys(content, positions, method, seed, base, learned_max_len, convention)
    logits = np.einsum("ij,ij->i", q[:count], k[count:]) / math.sqrt(d)
    # The bias methods depend on the distance alone: one entry of their (distance + 1)² bias matrix.
    if method == "t5":
        logits = logits + t5_bias(distance + 1, num_buckets, max_distance, True, seed)[0][distance, 0]
    elif method == "alibi":
        logits = logits + alibi_bias(distance + 1, alibi_slope)[distance, 0]
    return logits


def _feature_map(x: np.ndarray, name: str) -> np.ndarray:
    if name == "elu1":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    if name == "relu":
        return np.maximum(x, 0.0)
    return np.exp(x - x.max(axis=-1, keepdims=True))


def _check_qkv(q, k, v, max_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q = check_real_array("q", q, ndim=2, max_size=max_len * MAX_DIM)
    k = check_real_array("k", k, ndim=2, max_size=max_len * MAX_DIM)
    v = check_real_array("v", v, ndim=2, max_size=max_len * MAX_DIM)
    if not (q.shape[0] == k.shape[0] == v.shape[0]) or q.shape[0] == 0:
        raise ValueError(f"q, k, v must have the same non-zero length, got {q.shape[0]}, {k.shape[0]}, {v.shape[0]}")
    if q.shape[0] > max_len:
        raise ValueError(f"q must have at most {max_len} rows, got {q.shape[0]}")
    if q.shape[1] != k.shape[1] or q.shape[1] == 0:
        raise ValueError(f"k must have the same non-zero last dimension as q ({q.shape[1]}), got {k.shape[1]}")
    return q, k, v


def _prefix_products(left: np.ndarray, keys: np.ndarray, values: np.ndarray, causal: bool) -> np.ndarray:
    """Sum_n left_m . keys_n values_n over all n (or n <= m), in O(N d d_v) by carrying a running state."""
    if not causal:
        return left @ (keys.T @ values)
    out = np.empty((left.shape[0], values.shape[1]))
    state = np.zeros((keys.shape[1], values.shape[1]))
    for start in range(0, left.shape[0], _CHUNK):
        stop = min(start + _CHUNK, left.shape[0])
        block_left, block_keys, block_values = left[start:stop], keys[start:stop], values[start:stop]
        # Inside a chunk the masked N^2 term is cheap; across chunks the running state carries the prefix.
        within = np.tril(block_left @ block_keys.T) @ block_values
        out[start:stop] = block_left @ state + within
        state += block_keys.T @ block_values
    return out


@equation(
    r"\operatorname{Attn}_m = "
    r"\frac{\phi(q_m)^\top \sum_n \phi(k_n) v_n^\top}{\phi(q_m)^\top \sum_n \phi(k_n)}"
)
def linear_attention(q, k, v, feature_map: str = "elu1", causal: bool = False) -> np.ndarray:
    """Kernelised linear attention in O(N d^2) with a non-negative feature map."""
    q, k, v = _check_qkv(q, k, v, MAX_POSITION)
    feature_map = check_choice("feature_map", feature_map, FEATURE_MAPS)
    causal = check_bool("causal", causal)
    phi_q, phi_k = _feature_map(q, feature_map), _feature_map(k, feature_map)
    numerator = _prefix_products(phi_q, phi_k, v, causal)
    denominator = _prefix_products(phi_q, phi_k, np.ones((k.shape[0], 1)), causal)
    return numerator / denominator


def _rotated_features(q, k, positions, inv_freq, feature_map, convention):
    feature_map = check_choice("feature_map", feature_map, FEATURE_MAPS)
    phi_q, phi_k = _feature_map(q, feature_map), _feature_map(k, feature_map)
    rotated_q = apply_rope(phi_q, positions, inv_freq, convention=convention)
    rotated_k = apply_rope(phi_k, positions, inv_freq, convention=convention)
    return phi_q, phi_k, rotated_q, rotated_k


@equation(
    r"\operatorname{Attn}_m = \frac{\sum_n \big(R_m\phi(q_m)\big)^\top \big(R_n\phi(k_n)\big)\, v_n}"
    r"{\sum_n \phi(q_m)^\top \phi(k_n)}"
)
def linear_attention_rope(
    q, k, v, positions, inv_freq, causal: bool = False, feature_map: str = "elu1", convention: str = "half"
) -> np.ndarray:
    """RoFormer Eq. 19 in O(N d^2): rotation in the numerator only, unrotated denominator."""
    q, k, v = _check_qkv(q, k, v, MAX_ELEMENTS // MAX_DIM)
    causal = check_bool("causal", causal)
    phi_q, phi_k, rotated_q, rotated_k = _rotated_features(q, k, positions, inv_freq, feature_map, convention)
    numerator = _prefix_products(rotated_q, rotated_k, v, causal)
    denominator = _prefix_products(phi_q, phi_k, np.ones((k.shape[0], 1)), causal)
    return numerator / denominator


@equation(r"W_{mn} = \frac{\big(R_m\phi(q_m)\big)^\top R_n\phi(k_n)}{\sum_{n'} \phi(q_m)^\top \phi(k_{n'})}")
def linear_attention_rope_weights(
    q, k, positions, inv_freq, causal: bool = False, feature_map: str = "elu1", convention: str = "half"
) -> np.ndarray:
    """Return the (N, N) effective RoPE linear-attention weights: can be negative, need not sum to 1."""
    q, k, _ = _check_qkv(q, k, np.zeros((np.shape(q)[0], 1)), MAX_SEQ)
    causal = check_bool("causal", causal)
    phi_q, phi_k, rotated_q, rotated_k = _rotated_features(q, k, positions, inv_freq, feature_map, convention)
    numerator = rotated_q @ rotated_k.T
    similarity = phi_q @ phi_k.T
    if causal:
        numerator = np.tril(numerator)
        similarity = np.tril(similarity)
    return numerator / similarity.sum(axis=1, keepdims=True)
