"""Relative position biases in action: add a distance-only bias to the content scores, then softmax."""

import numpy as np

from ._checks import check_bool, check_real_array
from ._equation import equation
from .attention import causal_mask, softmax
from .limits import MAX_SEQ


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
