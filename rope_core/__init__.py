"""rope_core: rotary position embeddings (RoPE) in plain NumPy, the library behind RoPE Lab.

Read the modules in this order; each one is short and builds on the ones before it.

    frequencies  θ_i = b^(-2i/d), wavelengths 2π/θ_i, the angles m·θ_i, full turns in a context
    rotation     rotate_half and apply_rope_textbook (RoPE in a few lines), then apply_rope (the same numbers,
                 validated and fast), the 2-D and d-dimensional rotation matrices, the two memory layouts,
                 and the scores of rotated queries and keys
    scaling      context extension with Hugging Face's rope_type names: linear (PI), NTK, dynamic NTK, YaRN,
                 Llama 3, LongRoPE; which pairs leave their training range
    encodings    the schemes RoPE is compared with: sinusoidal and learned absolute, T5 buckets, ALiBi
    attention    softmax, the causal mask, attention maps under six position schemes, one pair's logits,
                 and linear attention with RoPE (RoFormer Eq. 19)
    decay        RoFormer's long-term decay bound and the score of aligned vectors
    images       RoPE on patch grids (axial, mixed directions) and Qwen2-VL's M-RoPE
    presets      the RoPE settings of well-known models, from their public config.json files
    limits       hard caps on sizes, so no input can take more than about a second

Every function validates its arguments and raises ValueError naming the parameter, its value and the allowed
range. A function whose equation a page shows carries it as LaTeX in ``fn.latex``. Private helpers: ``_checks``
(the validators), ``_equation`` (the decorator that attaches ``.latex``), ``_kernel`` (apply_rope's fast loop).

    >>> import rope_core
    >>> rope_core.inv_freq(8)
    array([1.   , 0.1  , 0.01 , 0.001])
"""

from .attention import (
    METHODS,
    AttentionMaps,
    attention_maps,
    causal_mask,
    linear_attention,
    linear_attention_rope,
    linear_attention_rope_weights,
    pair_logits,
    softmax,
)
from .decay import all_ones_score, decay_bound
from .encodings import (
    alibi_bias,
    alibi_slopes,
    learned_encoding,
    learned_position_table,
    sinusoidal_encoding,
    t5_bias,
    t5_relative_bucket,
)
from .frequencies import full_turns, inv_freq, rotation_angles, wavelengths
from .images import (
    apply_mrope,
    axial_inv_freq,
    axial_rope_2d,
    mixed_inv_freq_directions,
    mixed_rope_2d,
    mrope_positions,
)
from .limits import (
    MAX_ATTENTION_FACTOR,
    MAX_BASE,
    MAX_DIM,
    MAX_ELEMENTS,
    MAX_FACTOR,
    MAX_GRID,
    MAX_HEADS,
    MAX_POSITION,
    MAX_SAMPLES,
    MAX_SEQ,
    MIN_FACTOR,
)
from .presets import MODEL_PRESETS, RopePreset, preset_inv_freq
from .rotation import (
    CONVENTIONS,
    apply_rope,
    apply_rope_textbook,
    interleaved_to_half_permutation,
    rope_scores,
    rotate_half,
    rotation_matrix,
    rotation_matrix_2d,
)
from .scaling import (
    dynamic_ntk_base,
    llama3_bands,
    ntk_scaled_base,
    out_of_distribution_pairs,
    scaled_all_ones_score,
    scaled_inv_freq,
    yarn_attention_factor,
    yarn_correction_range,
    yarn_ramp,
)

__all__ = [  # noqa: RUF022  grouped by module, in the order the docstring lists them
    # frequencies
    "full_turns",
    "inv_freq",
    "rotation_angles",
    "wavelengths",
    # rotation
    "CONVENTIONS",
    "apply_rope",
    "apply_rope_textbook",
    "interleaved_to_half_permutation",
    "rope_scores",
    "rotate_half",
    "rotation_matrix",
    "rotation_matrix_2d",
    # scaling
    "dynamic_ntk_base",
    "llama3_bands",
    "ntk_scaled_base",
    "out_of_distribution_pairs",
    "scaled_all_ones_score",
    "scaled_inv_freq",
    "yarn_attention_factor",
    "yarn_correction_range",
    "yarn_ramp",
    # encodings
    "alibi_bias",
    "alibi_slopes",
    "learned_encoding",
    "learned_position_table",
    "sinusoidal_encoding",
    "t5_bias",
    "t5_relative_bucket",
    # attention
    "METHODS",
    "AttentionMaps",
    "attention_maps",
    "causal_mask",
    "linear_attention",
    "linear_attention_rope",
    "linear_attention_rope_weights",
    "pair_logits",
    "softmax",
    # decay
    "all_ones_score",
    "decay_bound",
    # images
    "apply_mrope",
    "axial_inv_freq",
    "axial_rope_2d",
    "mixed_inv_freq_directions",
    "mixed_rope_2d",
    "mrope_positions",
    # presets
    "MODEL_PRESETS",
    "RopePreset",
    "preset_inv_freq",
    # limits
    "MAX_ATTENTION_FACTOR",
    "MAX_BASE",
    "MAX_DIM",
    "MAX_ELEMENTS",
    "MAX_FACTOR",
    "MAX_GRID",
    "MAX_HEADS",
    "MAX_POSITION",
    "MAX_SAMPLES",
    "MAX_SEQ",
    "MIN_FACTOR",
]
