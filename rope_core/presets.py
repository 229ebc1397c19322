"""RoPE settings of well-known models, copied number by number from their public config.json files."""

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._checks import check_int
from .limits import MAX_POSITION
from .scaling import scaled_inv_freq


@dataclass(frozen=True)
class RopePreset:
    """One model's RoPE configuration (HF names in rope_scaling) and where the numbers come from."""

    name: str
    head_dim: int
    base: float
    context_length: int
    rotary_dim: int
    convention: str
    rope_scaling: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""

    @property
    def rope_type(self) -> str:
        """Return the HF rope_type ('default' when there is no rope_scaling)."""
        return self.rope_scaling.get("rope_type", "default")


def _preset(name, head_dim, base, context_length, convention, source, rotary_dim=None, **rope_scaling):
    return RopePreset(
        name=name,
        head_dim=head_dim,
        base=base,
        context_length=context_length,
        rotary_dim=head_dim if rotary_dim is None else rotary_dim,
        convention=convention,
        rope_scaling=MappingProxyType(rope_scaling),
        source=source,
    )


_LLAMA3_SCALING = {"low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}

MODEL_PRESETS = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            _preset(
                "Llama 2 7B",
                128,
                10000.0,
                4096,
                "half",
                "meta-llama/Llama-2-7b-hf config.json: hidden_size 4096 / 32 heads, rope_theta 10000, "
                "max_position_embeddings 4096",
            ),
            _preset(
                "Llama 3.1 8B",
                128,
                500000.0,
                131072,
                "half",
                "meta-llama/Llama-3.1-8B config.json: rope_theta 500000, max_position_embeddings 131072, "
                "rope_scaling llama3 (factor 8, low 1, high 4, original 8192)",
                rope_type="llama3",
                factor=8.0,
                **_LLAMA3_SCALING,
            ),
            _preset(
                "Llama 3.2 1B",
                64,
                500000.0,
                131072,
                "half",
                "meta-llama/Llama-3.2-1B config.json: hidden_size 2048 / 32 heads, head_dim 64, "
                "rope_theta 500000, "
                "rope_scaling llama3 (factor 32, low 1, high 4, original 8192)",
                rope_type="llama3",
                factor=32.0,
                **_LLAMA3_SCALING,
            ),
            _preset(
                "Code Llama 7B",
                128,
                1000000.0,
                16384,
                "half",
                "codellama/CodeLlama-7b-hf config.json: rope_theta 1000000, max_position_embeddings 16384",
            ),
            _preset(
                "Pythia 1.4B (GPT-NeoX)",
                128,
                10000.0,
                2048,
                "half",
                "EleutherAI/pythia-1.4b config.json: hidden_size 2048 / 16 heads, rotary_pct 0.25, "
                "rotary_emb_base 10000, max_position_embeddings 2048",
                rotary_dim=32,
            ),
            _preset(
                "GPT-J 6B",
                256,
                10000.0,
                2048,
                "interleaved",
                "EleutherAI/gpt-j-6b config.json: n_embd 4096 / 16 heads, rotary_dim 64, n_positions 2048; "
                "rotate_every_two (interleaved) layout",
                rotary_dim=64,
            ),
            _preset(
                "Qwen2 7B Instruct",
                128,
                1000000.0,
                32768,
                "half",
                "Qwen/Qwen2-7B-Instruct config.json: hidden_size 3584 / 28 heads, rope_theta 1000000, "
                "max_position_embeddings 32768",
            ),
            _preset(
                "Qwen2-VL 7B",
                128,
                1000000.0,
                32768,
                "half",
                "Qwen/Qwen2-VL-7B-Instruct config.json: hidden_size 3584 / 28 heads, rope_theta 1000000, "
                "rope_scaling mrope_section [16, 24, 24]",
                rope_type="mrope",
                mrope_section=(16, 24, 24),
            ),
        )
    }
)


def preset_inv_freq(preset: RopePreset, seq_len: int | None = None) -> tuple[np.ndarray, float]:
    """Return (inv_freq, attention_factor) over the preset's rotary_dim, applying its rope_scaling."""
    if not isinstance(preset, RopePreset):
        raise ValueError(f"preset must be a RopePreset (see MODEL_PRESETS), got {type(preset).__name__}")
    params = {k: v for k, v in preset.rope_scaling.items() if k not in ("rope_type", "mrope_section")}
    rope_type = preset.rope_type if preset.rope_type != "mrope" else "default"
    if rope_type in ("dynamic", "longrope") and seq_len is not None:
        params["seq_len"] = check_int("seq_len", seq_len, 1, MAX_POSITION)
    return scaled_inv_freq(preset.rotary_dim, preset.base, rope_type, **params)
