"""Chapter 11, context extension: every scaling method on one model side by side (Hugging Face semantics).

Which pairs leave their training range, and the score of aligned vectors, are rope_core.out_of_distribution_pairs
and rope_core.scaled_all_ones_score: the "Your model" tool uses them too.
"""

import numpy as np

from rope_core import scaled_inv_freq
from rope_core._checks import check_base, check_dim, check_float, check_int
from rope_core.limits import MAX_FACTOR, MAX_POSITION

EXTENSION_METHODS = ("original", "linear", "ntk", "dynamic", "yarn", "llama3")


def extension_frequencies(
    dim: int,
    base: float,
    train_length: int,
    factor: float,
    seq_len: int,
    *,
    low_freq_factor: float = 1.0,
    high_freq_factor: float = 4.0,
) -> dict[str, tuple[np.ndarray, float]]:
    """Return {method: (inv_freq, attention_factor)} for every method in EXTENSION_METHODS (HF semantics).

    `train_length` plays every "original length" role: max_position_embeddings for dynamic NTK and
    original_max_position_embeddings for YaRN and Llama 3. `seq_len` is the length dynamic NTK adapts to.
    """
    dim = check_dim(dim)
    base = check_base(base)
    train_length = check_int("train_length", train_length, 1, MAX_POSITION)
    factor = check_float("factor", factor, 1.0, MAX_FACTOR)
    seq_len = check_int("seq_len", seq_len, 1, MAX_POSITION)
    return {
        "original": scaled_inv_freq(dim, base, "default"),
        "linear": scaled_inv_freq(dim, base, "linear", factor=factor),
        "ntk": scaled_inv_freq(dim, base, "ntk", factor=factor),
        "dynamic": scaled_inv_freq(
            dim, base, "dynamic", factor=factor, max_position_embeddings=train_length, seq_len=seq_len
        ),
        "yarn": scaled_inv_freq(dim, base, "yarn", factor=factor, original_max_position_embeddings=train_length),
        "llama3": scaled_inv_freq(
            dim,
            base,
            "llama3",
            factor=factor,
            low_freq_factor=low_freq_factor,
            high_freq_factor=high_freq_factor,
            original_max_position_embeddings=train_length,
        ),
    }
