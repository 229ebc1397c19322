"""Chapter 3, absolute encodings: how similar two positions' vectors are, in a table and from the formula, and the
four terms a score splits into once position vectors are added to the words (the cross terms chapter 5 recalls).

The sinusoidal and learned tables themselves are rope_core.sinusoidal_encoding and rope_core.learned_position_table;
adding them to the tokens is chapter 2's add_position_vectors.
"""

from dataclasses import dataclass

import numpy as np

from rope_core import inv_freq
from rope_core._checks import check_base, check_dim, check_int, check_positions, check_real_array
from rope_core._equation import equation
from rope_core.limits import MAX_DIM, MAX_ELEMENTS, MAX_SEQ


@equation(r"s_{mn} = PE_m \cdot PE_n")
def position_similarity(table) -> np.ndarray:
    """Return the (n, n) matrix of dot products between every pair of rows of a position table (n, d)."""
    table = check_real_array("table", table, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if table.shape[0] == 0 or table.shape[0] ** 2 > MAX_ELEMENTS:
        raise ValueError(f"table must have between 1 and {int(MAX_ELEMENTS**0.5)} rows, got {table.shape[0]}")
    return table @ table.T


@equation(r"PE_m \cdot PE_{m+k} = \sum_{i=0}^{d/2-1} \cos\!\big(k\, b^{-2i/d}\big)")
def sinusoidal_similarity(distances, d_model: int, base: float = 10000.0) -> np.ndarray:
    """Return the dot product of two sinusoidal position vectors k apart; it depends on k only, not on m."""
    distances = check_positions("distances", distances, max_len=MAX_SEQ)
    d_model = check_dim(d_model, "d_model")
    base = check_base(base)
    # sin(a)sin(b) + cos(a)cos(b) = cos(a - b): each (sin, cos) column pair contributes one cosine of k·ω_i.
    return np.cos(np.multiply.outer(distances, inv_freq(d_model, base))).sum(axis=1)


@dataclass(frozen=True)
class ScoreTerms:
    """The four parts of one attention score between two words whose inputs carry added position vectors.

    The query word sits at position m, the key word at m + offset; every array runs over m = 0 … L − 1 − offset.
    """

    positions: np.ndarray  # m
    offset: int  # k = n − m, the same for every m
    content_content: np.ndarray  # x_q W x_k: no position in it at all
    content_position: np.ndarray  # x_q W p_n: the query's content meets the key's position
    position_content: np.ndarray  # p_m W x_k: the query's position meets the key's content
    position_position: np.ndarray  # p_m W p_n

    @property
    def total(self) -> np.ndarray:
        """The score the model actually sees: the sum of the four terms."""
        return self.content_content + self.content_position + self.position_content + self.position_position

    def spread(self) -> dict[str, float]:
        """How much each term (and the total) changes as the pair slides along: max − min over m."""
        named = {
            "content · content": self.content_content,
            "content · position": self.content_position,
            "position · content": self.position_content,
            "position · position": self.position_position,
            "cross terms": self.content_position + self.position_content,
            "total score": self.total,
        }
        return {name: float(values.max() - values.min()) for name, values in named.items()}


@equation(
    r"(x_q + p_m)^\top W\,(x_k + p_n) = \underbrace{x_q^\top W x_k}_{\text{content}}"
    r" + \underbrace{x_q^\top W p_n + p_m^\top W x_k}_{\text{cross terms}}"
    r" + \underbrace{p_m^\top W p_n}_{\text{position}},\qquad W = \frac{W_Q W_K^\top}{\sqrt d}"
)
def score_terms(query_word, key_word, table, offset: int, projections=None) -> ScoreTerms:
    """Split the score of `query_word` at m and `key_word` at m + offset into its four terms, for every m.

    `table` (L, d) holds the position vectors p_0 … p_{L−1}; `projections` (3, d, d) are chapter 2's W_Q, W_K, W_V
    (only the first two are used). Without projections W is the identity divided by √d: the bare dot product.
    """
    table = check_real_array("table", table, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    length, dim = table.shape
    query_word = check_real_array("query_word", query_word, ndim=1, max_size=MAX_DIM)
    key_word = check_real_array("key_word", key_word, ndim=1, max_size=MAX_DIM)
    if query_word.shape != (dim,) or key_word.shape != (dim,):
        raise ValueError(f"query_word and key_word must have the table's width {dim}, got {query_word.shape}, "
                         f"{key_word.shape}")  # fmt: skip
    offset = check_int("offset", offset, 0, length - 1)
    if projections is None:
        mixing = np.eye(dim) / np.sqrt(dim)
    else:
        projections = check_real_array("projections", projections, ndim=3, max_size=3 * MAX_DIM * MAX_DIM)
        if projections.shape != (3, dim, dim):
            raise ValueError(f"projections must have shape (3, {dim}, {dim}), got {projections.shape}")
        mixing = projections[0] @ projections[1].T / np.sqrt(dim)
    queries, keys = table[: length - offset], table[offset:]
    return ScoreTerms(
        positions=np.arange(length - offset),
        offset=offset,
        content_content=np.full(length - offset, float(query_word @ mixing @ key_word)),
        content_position=keys @ (mixing.T @ query_word),
        position_content=queries @ (mixing @ key_word),
        position_position=np.einsum("md,de,me->m", queries, mixing, keys),
    )
