"""Tool page 16, "Your model": read a Hugging Face config.json, describe its RoPE, and plan a longer context.

Pure: NumPy, the standard library and rope_core only. The page renders what this module returns. Every frequency,
band, angle and score comes from rope_core; this module reads and validates configs (both Hugging Face schemas),
maps their fields onto the core's parameters, writes `rope_scaling` blocks, and packs a config into a short link.

Every rejected input raises one ConfigError naming the field, the value and what is allowed.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import rope_core
from rope_core import (
    MAX_ATTENTION_FACTOR,
    MAX_BASE,
    MAX_DIM,
    MAX_FACTOR,
    MAX_POSITION,
    MIN_FACTOR,
    llama3_bands,
    out_of_distribution_pairs,
    scaled_all_ones_score,
    scaled_inv_freq,
    wavelengths,
    yarn_ramp,
)

MAX_CONFIG_BYTES = 256 * 1024
MAX_NESTING = 32
# A shared link must survive chat apps and address bars: the packed config stays short.
MAX_LINK_CHARS = 640
MAX_LINK_JSON_BYTES = 16 * 1024
LINK_PREFIX = "r1."
# max_position_embeddings is only displayed and used as a length to analyse (capped at the core's MAX_POSITION), so a
# larger advertised context (Llama 4 Scout: 10,485,760) is still read.
MAX_ADVERTISED = 1_000_000_000
MAX_HIDDEN = MAX_DIM * 1024
MAX_HEAD_COUNT = 65_536
SCORE_POINTS = 600
DEFAULT_BASE = 10_000.0

# The rope types Hugging Face accepts, and two older spellings found in published configs.
HF_ROPE_TYPES = ("default", "linear", "dynamic", "yarn", "llama3", "longrope")
TYPE_ALIASES = {"mrope": "default", "su": "longrope"}
EXTENSION_METHODS = ("linear", "dynamic", "yarn", "llama3")
METHOD_NAMES = {
    "default": "plain RoPE",
    "linear": "position interpolation (linear)",
    "dynamic": "dynamic NTK",
    "yarn": "YaRN",
    "llama3": "Llama 3.1 scaling",
    "longrope": "LongRoPE",
}
BAND_NAMES = ("kept", "blended", "divided")
# Published models whose checkpoints rotate adjacent channels (x[2i], x[2i+1]) rather than Hugging Face's halves.
INTERLEAVED_MODEL_TYPES = frozenset({"gptj", "codegen", "deepseek_v2", "deepseek_v3"})
# Keys of a rope block that carry no frequency parameter but are known, so they are not reported as ignored.
_BLOCK_BOOKKEEPING = frozenset(
    {"rope_type", "type", "rope_theta", "mrope_section", "mrope_interleaved", "partial_rotary_factor"}
)
# The parameters each rope type reads from its block (Hugging Face names), besides original_max_position_embeddings.
_TYPE_PARAMETERS = {
    "default": (),
    "linear": ("factor",),
    "dynamic": ("factor",),
    "yarn": ("factor", "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate", "attention_factor"),
    "llama3": ("factor", "low_freq_factor", "high_freq_factor"),
    "longrope": ("short_factor", "long_factor", "factor", "attention_factor"),
}
_REQUIRED = {
    "linear": ("factor",),
    "dynamic": ("factor",),
    "llama3": ("factor", "low_freq_factor", "high_freq_factor"),
    "longrope": ("short_factor", "long_factor"),
}
_MISSING = object()


# ---------------------------------------------------------------------------------------------------------
# The one error type
# ---------------------------------------------------------------------------------------------------------


class ConfigError(ValueError):
    """A config (or a link, or a calculator request) that cannot be used: which field, what it held, what is allowed."""

    def __init__(self, field_name: str, value: Any, allowed: str) -> None:
        self.field = field_name
        self.value_text = describe_value(value)
        self.allowed = allowed
        super().__init__(f"{field_name}: got {self.value_text}; allowed: {allowed}")

    def markdown(self) -> str:
        """The message for a Markdown element: field and value in code spans, where Markdown means nothing."""
        return f"`{_code_span(self.field)}` got `{_code_span(self.value_text)}`; allowed: {self.allowed}."


def _code_span(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ").replace("\r", " ")


def describe_value(value: Any) -> str:
    """A short, printable account of a value from a config (never the whole of a long text)."""
    if value is _MISSING:
        return "nothing (the field is missing)"
    if isinstance(value, _Told):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**30 else f"an integer of {len(str(abs(value)))} digits"
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        shown = repr(value[:40]) + ("…" if len(value) > 40 else "")
        return f"the text {shown}"
    if isinstance(value, Mapping):
        return f"an object with {len(value)} keys"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} items"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class _Told:
    """A value already put into words (a size, a position in the text)."""

    text: str


def _safe_name(text: Any, limit: int = 40) -> str:
    # Names taken from a pasted config (keys, model types) are shown; only plain identifier characters survive.
    return re.sub(r"[^A-Za-z0-9_.\-/ ()]", "", str(text)).strip()[:limit]


# ---------------------------------------------------------------------------------------------------------
# Reading the text: size, nesting, JSON without NaN / Infinity
# ---------------------------------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NON_FINITE = re.compile(r"(?<![A-Za-z0-9_.])(-?Infinity|NaN)(?![A-Za-z0-9_])")
_KEY_BEFORE = re.compile(r'"([^"\\]{1,60})"\s*:')


class _BadNumber(Exception):
    def __init__(self, token: str, allowed: str) -> None:
        super().__init__(token)
        self.token, self.allowed = token, allowed


def _blank_strings(text: str) -> str:
    # Same length as the text, strings emptied: brackets and words inside strings no longer count.
    return _JSON_STRING.sub(lambda match: '"' + " " * (len(match.group()) - 2) + '"', text)


def _nesting_depth(blanked: str) -> int:
    codes = np.frombuffer(blanked.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int32) - np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max()) if steps.size else 0


def _where(text: str, blanked: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    keys = _KEY_BEFORE.findall(text[max(0, position - 2000) : position])
    near = f" after key {_safe_name(keys[-1])}" if keys and _safe_name(keys[-1]) else ""
    return f"config.json, line {line}, column {column}{near}"


def _checked_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _BadNumber(token, "finite numbers (this one overflows a 64-bit float)")
    return value


def _checked_int(token: str) -> int:
    if len(token.lstrip("-")) > 30:
        raise _BadNumber(token, "integers of at most 30 digits")
    return int(token)


def _reject_constant(token: str) -> None:
    raise _BadNumber(token, "finite numbers only: JSON has no NaN or Infinity")


def load_config_json(source: str | bytes | bytearray) -> dict[str, Any]:
    """Parse config.json text (or bytes) into a dict: at most 256 kB, nesting ≤ 32, no NaN / Infinity."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_CONFIG_BYTES:
            raise ConfigError("config.json", _Told(f"a file of {len(source):,} bytes"), _size_rule())
        try:
            text = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ConfigError(
                "config.json", _Told(f"bytes that are not UTF-8 text (at byte {error.start})"), "UTF-8 JSON text"
            ) from None
    elif isinstance(source, str):
        # A character is at least one byte, so the cheap length test comes first.
        if len(source) > MAX_CONFIG_BYTES or len(source.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
            size = len(source.encode("utf-8", "surrogatepass"))
            raise ConfigError("config.json", _Told(f"a text of {size:,} bytes"), _size_rule())
        text = source.removeprefix("\ufeff")
    else:
        raise ConfigError("config.json", source, "the text of a config.json file")
    if not text.strip():
        raise ConfigError("config.json", _Told("an empty text"), "the text of a config.json file (a JSON object)")
    blanked = _blank_strings(text)
    depth = _nesting_depth(blanked)
    if depth > MAX_NESTING:
        raise ConfigError("config.json", _Told(f"brackets nested {depth} deep"), f"nesting up to {MAX_NESTING} deep")
    constant = _NON_FINITE.search(blanked)
    if constant:
        raise ConfigError(
            _where(text, blanked, constant.start()),
            _Told(constant.group()),
            "finite numbers only: JSON has no NaN or Infinity",
        )
    try:
        parsed = json.loads(text, parse_float=_checked_float, parse_int=_checked_int, parse_constant=_reject_constant)
    except _BadNumber as bad:
        position = blanked.find(bad.token)
        where = _where(text, blanked, position) if position >= 0 else "config.json"
        raise ConfigError(where, _Told(bad.token[:40]), bad.allowed) from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"config.json, line {error.lineno}, column {error.colno}",
            _Told(f"invalid JSON ({error.msg})"),
            'a JSON object such as {"rope_theta": 10000.0, ...}',
        ) from None
    except (ValueError, RecursionError, TypeError) as error:
        unreadable = _Told(f"text the JSON reader rejects ({type(error).__name__})")
        raise ConfigError("config.json", unreadable, "valid JSON") from None
    if not isinstance(parsed, dict):
        raise ConfigError("config.json", parsed, "a JSON object { ... } at the top level")
    return parsed


def _size_rule() -> str:
    return f"at most {MAX_CONFIG_BYTES // 1024} kB (a config.json is a few kB)"


# ---------------------------------------------------------------------------------------------------------
# Reading fields
# ---------------------------------------------------------------------------------------------------------


class _Fields:
    """Typed reads from one JSON object; `prefix` makes every error name the field's full path."""

    def __init__(self, mapping: Mapping[str, Any], prefix: str = "") -> None:
        self.mapping, self.prefix = mapping, prefix

    def path(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def has(self, key: str) -> bool:
        return self.mapping.get(key) is not None

    def raw(self, key: str, default: Any = None) -> Any:
        value = self.mapping.get(key)
        return default if value is None else value

    def number(self, key: str, low: float, high: float, *, low_open: bool = False, default: Any = _MISSING) -> float:
        value = self.mapping.get(key)
        if value is None:
            if default is _MISSING:
                raise ConfigError(self.path(key), _MISSING, _number_rule(low, high, low_open))
            return default
        return _number_value(self.path(key), value, low, high, low_open)

    def integer(self, key: str, low: int, high: int, *, default: Any = _MISSING) -> int:
        value = self.mapping.get(key)
        if value is None:
            if default is _MISSING:
                raise ConfigError(self.path(key), _MISSING, _integer_rule(low, high))
            return default
        return _integer_value(self.path(key), value, low, high)

    def flag(self, key: str, default: bool) -> bool:
        value = self.mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(self.path(key), value, "true or false")
        return value


def _number_rule(low: float, high: float, low_open: bool) -> str:
    return f"a number in {'(' if low_open else '['}{low:,g}, {high:,g}]"


def _integer_rule(low: int, high: int) -> str:
    return f"an integer in [{low:,}, {high:,}]"


def _number_value(path: str, value: Any, low: float, high: float, low_open: bool = False) -> float:
    rule = _number_rule(low, high, low_open)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(path, value, rule)
    number = float(value) if abs(value) < 1e308 else math.inf
    if not math.isfinite(number) or number < low or number > high or (low_open and number == low):
        raise ConfigError(path, value, rule)
    return number


def _integer_value(path: str, value: Any, low: int, high: int) -> int:
    rule = _integer_rule(low, high)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(path, value, rule)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ConfigError(path, value, rule)
    number = int(value)
    if not low <= number <= high:
        raise ConfigError(path, value, rule)
    return number


# ---------------------------------------------------------------------------------------------------------
# The RoPE description of one model
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RopeModel:
    """What a config says about its rotary embedding, validated, in Hugging Face's names."""

    head_dim: int
    rotary_dim: int
    base: float
    layout: str  # "half" (Hugging Face's rotate_half) or "interleaved" (pairs x[2i], x[2i+1])
    rope_type: str  # one of HF_ROPE_TYPES
    parameters: tuple[tuple[str, Any], ...]  # the rope block's frequency parameters (lists as tuples)
    trained_context: int  # original_max_position_embeddings where present, else max_position_embeddings
    advertised_context: int  # max_position_embeddings
    mrope_section: tuple[int, ...] | None = None
    label: str = field(default="your config", compare=False)
    schema: str = field(default="rope_scaling", compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def pairs(self) -> int:
        return self.rotary_dim // 2

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.parameters)

    @property
    def method_name(self) -> str:
        return METHOD_NAMES[self.rope_type]


def parse_config(source: str | bytes | bytearray | Mapping[str, Any], *, label: str | None = None) -> RopeModel:
    """Read a config.json (text, bytes or an already-parsed dict) into a validated RopeModel."""
    config = source if isinstance(source, Mapping) else load_config_json(source)
    try:
        return describe(config, label=label)
    except ConfigError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # a guard: no other error type escapes
        raise ConfigError(
            "config.json",
            _Told(f"a value the reader could not use ({type(error).__name__})"),
            "the fields of a Hugging Face config.json",
        ) from None


def describe(config: Mapping[str, Any], *, label: str | None = None) -> RopeModel:
    """Turn a parsed config into a RopeModel (both schemas; text_config for multimodal models)."""
    if not isinstance(config, Mapping):
        raise ConfigError("config.json", config, "a JSON object { ... } at the top level")
    notes: list[str] = []
    fields = _language_model_fields(config, notes)
    block, block_name = _rope_block(fields, notes)
    block_fields = _Fields(block, f"{block_name}.")
    rope_type = _rope_type(block_fields, block, notes)

    head_dim, rotary_dim = _head_and_rotary_dims(fields, block_fields, notes)
    pairs = rotary_dim // 2
    base = _base(fields, block_fields, block_name, notes)
    layout = _layout(fields, notes)
    advertised = _advertised_context(fields)
    trained = _trained_context(fields, block_fields, rope_type, advertised)
    parameters = _parameters(
        block_fields, block, rope_type, pairs, notes, top_level_original=fields.has("original_max_position_embeddings")
    )
    mrope = _mrope_section(block_fields, pairs)
    _note_ignored_keys(block, block_name, rope_type, notes)

    model = RopeModel(
        head_dim=head_dim,
        rotary_dim=rotary_dim,
        base=base,
        layout=layout,
        rope_type=rope_type,
        parameters=parameters,
        trained_context=trained,
        advertised_context=advertised,
        mrope_section=mrope,
        label=label or _label(config, fields),
        schema=block_name if block else "none",
        notes=tuple(notes),
    )
    # The core is the judge of the combination (e.g. dynamic NTK needs at least 4 rotary channels).
    try:
        frequencies(model, analysis_length(model, advertised))
    except ValueError as error:
        raise ConfigError(block_name if block else "config.json", _Told(f"rope type {rope_type}"), str(error)) from None
    return model


def _language_model_fields(config: Mapping[str, Any], notes: list[str]) -> _Fields:
    head_keys = ("num_attention_heads", "n_head", "head_dim", "qk_rope_head_dim")
    text_config = config.get("text_config")
    if not any(config.get(key) is not None for key in head_keys) and isinstance(text_config, Mapping):
        notes.append("Read the language model's settings from `text_config`.")
        return _Fields(text_config, "text_config.")
    return _Fields(config)


def _rope_block(fields: _Fields, notes: list[str]) -> tuple[Mapping[str, Any], str]:
    name = "rope_parameters" if fields.has("rope_parameters") else "rope_scaling"
    block = fields.raw(name, {})
    if not isinstance(block, Mapping):
        raise ConfigError(fields.path(name), block, "an object { ... } or null")
    if name == "rope_parameters" and block and not ({"rope_type", "type", "rope_theta"} & set(block)):
        # Transformers 5 keeps one block per attention kind when they differ (e.g. Gemma 3); the global one counts.
        kinds = [key for key, value in block.items() if isinstance(value, Mapping)]
        if "full_attention" in kinds:
            notes.append("`rope_parameters` has one block per attention kind; this page reads `full_attention`.")
            return block["full_attention"], f"{fields.path(name)}.full_attention"
        shown = ", ".join(_safe_name(kind) for kind in kinds[:5]) or "none"
        raise ConfigError(fields.path(name), _Told(f"blocks for {shown}"), "a rope_type, or a full_attention block")
    return block, fields.path(name)


def _rope_type(block_fields: _Fields, block: Mapping[str, Any], notes: list[str]) -> str:
    key = "rope_type" if block.get("rope_type") is not None else "type"
    value = block.get(key)
    allowed = f"one of {', '.join(HF_ROPE_TYPES)} (or the older mrope, su)"
    if value is None:
        if {"factor", "short_factor", "long_factor", "low_freq_factor"} & set(block):
            raise ConfigError(block_fields.path("rope_type"), _MISSING, allowed)
        return "default"
    if not isinstance(value, str):
        raise ConfigError(block_fields.path(key), value, allowed)
    if value in TYPE_ALIASES:
        meaning = TYPE_ALIASES[value]
        if value == "mrope":
            notes.append(
                "`mrope` (Qwen2-VL): the plain RoPE frequencies, split into sections for time, height and "
                "width positions; on text alone it equals plain RoPE."
            )
        else:
            notes.append(f"`{value}` is an older name of `{meaning}`.")
        return meaning
    if value not in HF_ROPE_TYPES:
        hint = " (static NTK has no Hugging Face rope_type: use dynamic)" if value == "ntk" else ""
        raise ConfigError(block_fields.path(key), value, allowed + hint)
    return value


def _head_and_rotary_dims(fields: _Fields, block_fields: _Fields, notes: list[str]) -> tuple[int, int]:
    even = f"an even integer in [2, {MAX_DIM}]"
    if fields.has("qk_rope_head_dim"):
        # Multi-head latent attention (DeepSeek-V2/V3): only a separate qk_rope_head_dim slice of each head rotates.
        rotary = fields.integer("qk_rope_head_dim", 2, MAX_DIM)
        if rotary % 2:
            raise ConfigError(fields.path("qk_rope_head_dim"), rotary, even)
        head = rotary + fields.integer("qk_nope_head_dim", 0, MAX_DIM, default=0)
        if head > MAX_DIM:
            raise ConfigError("qk_nope_head_dim + qk_rope_head_dim", head, even)
        notes.append(
            "Multi-head latent attention: each query/key head is `qk_nope_head_dim` + `qk_rope_head_dim` "
            "wide and only the `qk_rope_head_dim` part rotates."
        )
        return head, rotary
    if fields.has("head_dim"):
        head = fields.integer("head_dim", 1, MAX_DIM)
        where = fields.path("head_dim")
    else:
        hidden_key = next((key for key in ("hidden_size", "n_embd", "d_model") if fields.has(key)), "hidden_size")
        heads_key = next((key for key in ("num_attention_heads", "n_head") if fields.has(key)), "num_attention_heads")
        if not fields.has(hidden_key):
            raise ConfigError(fields.path("hidden_size"), _MISSING, "an integer (with num_attention_heads) or head_dim")
        if not fields.has(heads_key):
            raise ConfigError(fields.path(heads_key), _MISSING, "an integer in [1, 65,536] (or give head_dim)")
        hidden = fields.integer(hidden_key, 1, MAX_HIDDEN)
        heads = fields.integer(heads_key, 1, MAX_HEAD_COUNT)
        where = f"{fields.path(hidden_key)} / {heads_key}"
        if hidden % heads:
            raise ConfigError(where, _Told(f"{hidden:,} / {heads:,} (not a whole number)"), "a whole head size")
        head = hidden // heads
    if head % 2 or head > MAX_DIM:
        raise ConfigError(where, _Told(f"a head size of {head}"), even)
    return head, _rotary_dim(fields, block_fields, head, notes)


def _rotary_dim(fields: _Fields, block_fields: _Fields, head: int, notes: list[str]) -> int:
    if fields.has("rotary_dim"):
        rotary = fields.integer("rotary_dim", 2, head)
        where = fields.path("rotary_dim")
    else:
        # Transformers 5 may keep the fraction inside rope_parameters; GPT-NeoX calls it rotary_pct.
        inside, outside = (block_fields, "partial_rotary_factor"), (fields, "partial_rotary_factor")
        candidates = (inside, outside, (fields, "rotary_pct"))
        found = [(holder, key) for holder, key in candidates if holder.has(key)]
        if not found:
            return head
        holder, key = found[0]
        rotary = int(head * holder.number(key, 0.0, 1.0, low_open=True))  # Hugging Face truncates the same way
        where = holder.path(key)
    if rotary % 2 or rotary < 2:
        raise ConfigError(where, _Told(f"{rotary} rotary channels"), f"an even number of channels in [2, {head}]")
    if rotary < head:
        notes.append(f"Partial rotary: {rotary} of the {head} channels of each head rotate; the rest pass unchanged.")
    return rotary


def _base(fields: _Fields, block_fields: _Fields, block_name: str, notes: list[str]) -> float:
    for holder, key in ((block_fields, "rope_theta"), (fields, "rope_theta"), (fields, "rotary_emb_base")):
        if holder.has(key):
            return holder.number(key, 1.0, MAX_BASE, low_open=True)
    notes.append(f"No `rope_theta` in the config: Hugging Face's default base {DEFAULT_BASE:,.0f} is used.")
    return DEFAULT_BASE


def _layout(fields: _Fields, notes: list[str]) -> str:
    if fields.has("rope_interleave"):
        return "interleaved" if fields.flag("rope_interleave", False) else "half"
    model_type = fields.raw("model_type")
    if isinstance(model_type, str) and model_type in INTERLEAVED_MODEL_TYPES:
        notes.append(f"`{model_type}` checkpoints rotate adjacent channel pairs (x[2i], x[2i+1]): interleaved layout.")
        return "interleaved"
    return "half"


def _advertised_context(fields: _Fields) -> int:
    # GPT-J's config calls it n_positions.
    key = (
        "n_positions"
        if fields.has("n_positions") and not fields.has("max_position_embeddings")
        else ("max_position_embeddings")
    )
    return fields.integer(key, 1, MAX_ADVERTISED)


def _trained_context(fields: _Fields, block_fields: _Fields, rope_type: str, advertised: int) -> int:
    key = "original_max_position_embeddings"
    # Phi-3 (longrope) keeps it at the top level, where Hugging Face looks first; the other types read the block.
    holders = (fields, block_fields) if rope_type == "longrope" else (block_fields, fields)
    holder = next((holder for holder in holders if holder.has(key)), None)
    if holder is not None:
        return holder.integer(key, 1, MAX_POSITION)
    if rope_type == "llama3":
        raise ConfigError(block_fields.path(key), _MISSING, _integer_rule(1, MAX_POSITION))
    if advertised > MAX_POSITION:
        rule = f"{_integer_rule(1, MAX_POSITION)} when there is no original_max_position_embeddings"
        raise ConfigError(fields.path("max_position_embeddings"), advertised, rule)
    return advertised


def _parameters(
    block_fields: _Fields,
    block: Mapping[str, Any],
    rope_type: str,
    pairs: int,
    notes: list[str],
    *,
    top_level_original: bool,
) -> tuple[tuple[str, Any], ...]:
    for key in _REQUIRED.get(rope_type, ()):
        if block.get(key) is None:
            rule = f"a list of {pairs} numbers, one per pair" if key in ("short_factor", "long_factor") else "a number"
            raise ConfigError(block_fields.path(key), _MISSING, rule)
    values: dict[str, Any] = {}
    for key in _TYPE_PARAMETERS[rope_type]:
        if block.get(key) is None:
            continue
        if key == "factor":
            values[key] = block_fields.number(key, MIN_FACTOR, MAX_FACTOR)
        elif key in ("low_freq_factor", "high_freq_factor"):
            values[key] = block_fields.number(key, 0.0, MAX_FACTOR, low_open=True)
        elif key in ("beta_fast", "beta_slow"):
            values[key] = block_fields.number(key, 0.0, 1e6)  # 0 means "the default", as Hugging Face reads it
        elif key in ("mscale", "mscale_all_dim"):
            values[key] = block_fields.number(key, 0.0, 100.0)
        elif key == "truncate":
            values[key] = block_fields.flag(key, True)
        elif key == "attention_factor":
            values[key] = block_fields.number(key, 0.0, MAX_ATTENTION_FACTOR, low_open=True)
        else:
            values[key] = _factor_list(block_fields, key, block[key], pairs)
    if rope_type == "llama3" and values["high_freq_factor"] <= values["low_freq_factor"]:
        raise ConfigError(
            block_fields.path("high_freq_factor"),
            values["high_freq_factor"],
            f"a number greater than low_freq_factor ({values['low_freq_factor']:g})",
        )
    if rope_type == "longrope" and top_level_original and "factor" in values:
        # Hugging Face (Phi-3) derives the factor from the two context lengths and ignores this one.
        del values["factor"]
        notes.append(
            "LongRoPE with a top-level original_max_position_embeddings: the factor is the ratio of the two "
            "context lengths, as Hugging Face computes it; the block's `factor` is not used."
        )
    return tuple((key, values[key]) for key in _TYPE_PARAMETERS[rope_type] if key in values)


def _factor_list(block_fields: _Fields, key: str, value: Any, pairs: int) -> tuple[float, ...]:
    rule = f"a list of {pairs} numbers in (0, {MAX_FACTOR:g}], one per pair"
    if not isinstance(value, (list, tuple)) or len(value) != pairs:
        raise ConfigError(block_fields.path(key), value, rule)
    return tuple(
        _number_value(f"{block_fields.path(key)}[{i}]", item, 0.0, MAX_FACTOR, True) for i, item in enumerate(value)
    )


def _mrope_section(block_fields: _Fields, pairs: int) -> tuple[int, ...] | None:
    value = block_fields.raw("mrope_section")
    if value is None:
        return None
    rule = f"a list of positive integers adding up to the {pairs} pairs"
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 8:
        raise ConfigError(block_fields.path("mrope_section"), value, rule)
    sections = tuple(
        _integer_value(f"{block_fields.path('mrope_section')}[{i}]", item, 1, MAX_DIM) for i, item in enumerate(value)
    )
    if sum(sections) != pairs:
        raise ConfigError(block_fields.path("mrope_section"), _Told(f"sections adding up to {sum(sections)}"), rule)
    return sections


def _note_ignored_keys(block: Mapping[str, Any], block_name: str, rope_type: str, notes: list[str]) -> None:
    known = set(_TYPE_PARAMETERS[rope_type]) | _BLOCK_BOOKKEEPING | {"original_max_position_embeddings"}
    ignored = [_safe_name(key, 30) for key in block if key not in known]
    if ignored:
        shown = ", ".join(f"`{key}`" for key in ignored[:6] if key) + (" …" if len(ignored) > 6 else "")
        notes.append(
            f"Not used by {rope_type} (Hugging Face ignores them too): {shown or 'unnamed keys'} in "
            f"`{_safe_name(block_name)}`."
        )


def _label(config: Mapping[str, Any], fields: _Fields) -> str:
    for value in (config.get("_name_or_path"), fields.raw("model_type"), config.get("model_type")):
        if isinstance(value, str) and _safe_name(value, 60):
            return _safe_name(value, 60)
    return "your config"


# ---------------------------------------------------------------------------------------------------------
# From a RopeModel to rope_core's answers
# ---------------------------------------------------------------------------------------------------------


def analysis_length(model: RopeModel, target_length: int | None = None) -> int:
    """The length to analyse at: the target, else the advertised context, within the core's position cap."""
    length = model.advertised_context if target_length is None else target_length
    return max(1, min(int(length), MAX_POSITION))


def core_parameters(model: RopeModel, seq_len: int) -> dict[str, Any]:
    """The keyword arguments of rope_core.scaled_inv_freq for this model at sequence length seq_len."""
    params = {key: list(value) if isinstance(value, tuple) else value for key, value in model.parameters}
    kind = model.rope_type
    if kind == "dynamic":
        params["max_position_embeddings"] = model.trained_context  # the length dynamic NTK grows from
        params["seq_len"] = seq_len
    elif kind in ("yarn", "llama3", "longrope"):
        params["original_max_position_embeddings"] = model.trained_context
    if kind in ("yarn", "longrope") and "factor" not in params:
        params["max_position_embeddings"] = analysis_length(model)
    if kind == "longrope":
        params["seq_len"] = seq_len
    return params


def frequencies(model: RopeModel, seq_len: int) -> tuple[np.ndarray, float]:
    """(inv_freq, attention_factor) of the model as configured, at sequence length seq_len, from rope_core."""
    return scaled_inv_freq(model.rotary_dim, model.base, model.rope_type, **core_parameters(model, seq_len))


def attention_factor(model: RopeModel) -> float:
    """The cos/sin multiplier at the advertised context (1 for every type but yarn and longrope)."""
    return float(frequencies(model, analysis_length(model))[1])


def pair_bands(model: RopeModel) -> np.ndarray | None:
    """'kept' / 'blended' / 'divided' per pair for llama3 and yarn (None for the other types), from rope_core."""
    params = model.params
    original = scaled_inv_freq(model.rotary_dim, model.base, "default")[0]
    if model.rope_type == "llama3":
        labels = llama3_bands(original, params["low_freq_factor"], params["high_freq_factor"], model.trained_context)
        return np.select([labels == "high", labels == "low"], ["kept", "divided"], "blended")
    if model.rope_type == "yarn":
        # Hugging Face reads a beta of 0 as "the default", as the core's scaled_inv_freq does.
        ramp = yarn_ramp(
            model.rotary_dim,
            model.base,
            model.trained_context,
            params.get("beta_fast") or 32.0,
            params.get("beta_slow") or 1.0,
            params.get("truncate", True),
        )
        return np.select([ramp <= 0.0, ramp >= 1.0], ["kept", "divided"], "blended")
    return None


@dataclass(frozen=True, eq=False)
class PairAnalysis:
    """One model at one target length: per-pair frequencies, bands, out-of-range pairs and scores, before and after."""

    model: RopeModel
    target_length: int
    scaling_label: str  # "llama3 as configured" or "YaRN, s = 16 (calculator)"
    original_inv_freq: np.ndarray
    scaled_inv_freq: np.ndarray
    attention_factor: float
    original_wavelengths: np.ndarray
    scaled_wavelengths: np.ndarray
    bands: np.ndarray | None
    training_angles: np.ndarray
    target_angles: np.ndarray
    out_of_range: np.ndarray
    unscaled_target_angles: np.ndarray
    unscaled_out_of_range: np.ndarray
    distances: np.ndarray
    score_before: np.ndarray
    score_after: np.ndarray

    @property
    def band_counts(self) -> dict[str, int] | None:
        if self.bands is None:
            return None
        return {band: int(np.sum(self.bands == band)) for band in BAND_NAMES}


def analyse(model: RopeModel, target_length: int, scaling_label: str | None = None) -> PairAnalysis:
    """Everything the charts show for one model at one target length, every number from rope_core."""
    target = analysis_length(model, target_length)
    original, _ = scaled_inv_freq(model.rotary_dim, model.base, "default")
    scaled, factor = frequencies(model, target)
    seen, reached, flagged = out_of_distribution_pairs(original, scaled, model.trained_context, target)
    _, reached_unscaled, flagged_unscaled = out_of_distribution_pairs(original, original, model.trained_context, target)
    # Log-spaced whole distances, so short and long range get equal room on a log axis.
    distances = np.unique(np.geomspace(1, target, SCORE_POINTS).round())
    return PairAnalysis(
        model=model,
        target_length=target,
        scaling_label=scaling_label or f"{model.rope_type} as configured",
        original_inv_freq=original,
        scaled_inv_freq=scaled,
        attention_factor=float(factor),
        original_wavelengths=wavelengths(original),
        scaled_wavelengths=wavelengths(scaled),
        bands=pair_bands(model),
        training_angles=seen,
        target_angles=reached,
        out_of_range=flagged,
        unscaled_target_angles=reached_unscaled,
        unscaled_out_of_range=flagged_unscaled,
        distances=distances,
        score_before=scaled_all_ones_score(distances, original, 1.0),
        score_after=scaled_all_ones_score(distances, scaled, factor),
    )


def per_pair_columns(analysis: PairAnalysis) -> dict[str, np.ndarray]:
    """The per-pair numbers behind the charts, one column each (for the CSV download and the table)."""
    pairs = analysis.original_inv_freq.size
    bands = analysis.bands if analysis.bands is not None else np.full(pairs, "")
    return {
        "pair": np.arange(pairs),
        "inv_freq_original": analysis.original_inv_freq,
        "inv_freq_scaled": analysis.scaled_inv_freq,
        "wavelength_original_tokens": analysis.original_wavelengths,
        "wavelength_scaled_tokens": analysis.scaled_wavelengths,
        "band": bands,
        "training_angle_rad": analysis.training_angles,
        "target_angle_rad": analysis.target_angles,
        "out_of_range_scaled": analysis.out_of_range,
        "out_of_range_unscaled": analysis.unscaled_out_of_range,
    }


# ---------------------------------------------------------------------------------------------------------
# The summary card
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryItem:
    label: str
    value: str
    help: str


def summary(model: RopeModel) -> list[SummaryItem]:
    """The summary card: head size, rotary channels, pairs, base, layout, method, contexts, attention factor."""
    share = f"{model.rotary_dim / model.head_dim:.0%} of the head" if model.rotary_dim < model.head_dim else "all"
    layout = "half-split" if model.layout == "half" else "interleaved"
    layout_help = (
        "pairs (x[i], x[i + d/2]), Hugging Face's rotate_half"
        if model.layout == "half"
        else "pairs (x[2i], x[2i+1]), as in the RoFormer paper and GPT-J"
    )
    method = model.rope_type + (" + M-RoPE" if model.mrope_section else "")
    return [
        SummaryItem("Head size", f"{model.head_dim}", "Channels per query/key head."),
        SummaryItem("Rotary channels", f"{model.rotary_dim}", f"Channels that rotate: {share}."),
        SummaryItem("Pairs", f"{model.pairs}", "Rotating pairs, one frequency each (rotary channels / 2)."),
        SummaryItem("Base θ", f"{model.base:,.10g}", "rope_theta: θ_i = base^(−2i/d)."),
        SummaryItem("Layout", layout, layout_help),
        SummaryItem("Method", method, METHOD_NAMES[model.rope_type] + "; its parameters are listed below."),
        SummaryItem(
            "Trained context",
            f"{model.trained_context:,}",
            "original_max_position_embeddings where the config has it, else max_position_embeddings.",
        ),
        SummaryItem("Advertised context", f"{model.advertised_context:,}", "max_position_embeddings."),
        SummaryItem(
            "Attention factor",
            f"{attention_factor(model):.4f}",
            "Multiplies cos and sin at the advertised context, so logits scale by its square.",
        ),
    ]


def parameter_rows(model: RopeModel) -> list[tuple[str, str]]:
    """(Hugging Face name, value) for every parameter of the model's rope block, lists summarised."""
    rows = []
    for key, value in model.parameters:
        if isinstance(value, tuple):
            rows.append((key, f"{len(value)} values, {min(value):.4g} … {max(value):.4g}"))
        elif isinstance(value, bool):
            rows.append((key, str(value).lower()))
        else:
            rows.append((key, f"{value:.10g}"))
    scaled = model.rope_type in ("yarn", "llama3", "longrope", "dynamic")
    if scaled or model.trained_context != model.advertised_context:
        rows.append(("original_max_position_embeddings", f"{model.trained_context}"))
    if model.mrope_section:
        rows.append(("mrope_section", ", ".join(str(part) for part in model.mrope_section)))
    return rows


# ---------------------------------------------------------------------------------------------------------
# The calculator: a rope_scaling block for a longer context
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extension:
    """The block that extends a model from its trained length to target_length with one method, and its result."""

    method: str
    factor: float
    target_length: int
    classic_fragment: dict[str, Any]  # rope_theta + rope_scaling (transformers 4)
    parameters_fragment: dict[str, Any]  # rope_parameters (transformers 5)
    model: RopeModel  # the fragment read back through the same parser

    @property
    def classic_json(self) -> str:
        return json.dumps(self.classic_fragment, indent=2)

    @property
    def parameters_json(self) -> str:
        return json.dumps(self.parameters_fragment, indent=2)


def extend(model: RopeModel, target_length: int, method: str) -> Extension:
    """The rope_scaling block (both schemas) that runs `model` at target_length with `method`, checked by parsing."""
    if method not in EXTENSION_METHODS:
        raise ConfigError("method", method, f"one of {', '.join(EXTENSION_METHODS)}")
    trained = model.trained_context
    target = _integer_value("target length L", target_length, 1, MAX_POSITION)
    if target <= trained:
        raise ConfigError("target length L", target, f"more than the trained context ({trained:,} tokens)")
    factor = round(target / trained, 6)
    if factor > MAX_FACTOR:
        raise ConfigError("target length L", target, f"at most {MAX_FACTOR:g} × the trained context ({trained:,})")
    block: dict[str, Any] = {"rope_type": method, "factor": factor}
    if method == "llama3":
        block |= {"low_freq_factor": 1.0, "high_freq_factor": 4.0}
    if method in ("yarn", "llama3"):
        block["original_max_position_embeddings"] = trained
    if model.mrope_section:
        block["mrope_section"] = list(model.mrope_section)
    # Dynamic NTK measures growth from max_position_embeddings, so it must stay the trained length.
    lengths: dict[str, int] = {"max_position_embeddings": trained if method == "dynamic" else target}
    if method == "linear":
        # The linear block has no field for it; kept at the top level (as Phi-3 does), it records the trained length.
        lengths["original_max_position_embeddings"] = trained
    classic = {**lengths, "rope_theta": model.base, "rope_scaling": block}
    rest = {key: value for key, value in block.items() if key != "rope_type"}
    parameters = {**lengths, "rope_parameters": {"rope_type": method, "rope_theta": model.base, **rest}}
    extended = describe(_with_rope_fields(model, classic), label=model.label)
    return Extension(method, factor, target, classic, parameters, extended)


def _with_rope_fields(model: RopeModel, fragment: Mapping[str, Any]) -> dict[str, Any]:
    config = canonical_config(model)
    for key in ("rope_scaling", "rope_parameters", "original_max_position_embeddings"):
        config.pop(key, None)
    return {**config, **fragment}


EXTENSION_ADVICE = {
    "linear": (
        "Fine-tune on sequences close to the new length before you rely on it: position interpolation squeezes "
        "every pair, the fast ones included, and the PI paper needed about 1,000 fine-tuning steps to recover. "
        "Then check short-context quality too, because short prompts are squeezed as well.",
        "Every position is divided by s before it is rotated, at every length; there is no attention factor and "
        "the cost per token does not change.",
    ),
    "dynamic": (
        "Nothing else: dynamic NTK is meant to work without fine-tuning, so the same weights load with this block. "
        "Keep max_position_embeddings at the trained length, because the scaling grows from it.",
        "Up to the trained length nothing changes; beyond it the base grows with the current sequence length. "
        "Keys already in a KV cache keep the rotation they were cached with, so a long generation mixes bases.",
    ),
    "yarn": (
        "Fine-tune on long documents with this block switched on: the YaRN paper needed only a few hundred steps, "
        "and without fine-tuning it works, but less well.",
        "Fast pairs keep their frequencies, slow pairs are divided by s and the ramp between them blends, the same at "
        "every length; cos and sin are multiplied by the attention factor a, so every logit grows by a².",
    ),
    "llama3": (
        "Continue training on long sequences with this block switched on, as Meta did for Llama 3.1; the divided "
        "pairs need to learn their new, slower angles.",
        "Pairs with wavelengths under L/4 are unchanged, those over L are divided by s and those between blend; "
        "there is no attention factor and the frequencies do not depend on the sequence length.",
    ),
}


# ---------------------------------------------------------------------------------------------------------
# Canonical configs: presets, links
# ---------------------------------------------------------------------------------------------------------


def canonical_config(model: RopeModel) -> dict[str, Any]:
    """The smallest config.json (classic schema) that reads back as this model."""
    config: dict[str, Any] = {"_name_or_path": model.label} if model.label != "your config" else {}
    config["head_dim"] = model.head_dim
    if model.rotary_dim != model.head_dim:
        config["rotary_dim"] = model.rotary_dim
    if model.layout == "interleaved":
        config["rope_interleave"] = True
    config["rope_theta"] = model.base
    config["max_position_embeddings"] = model.advertised_context
    block: dict[str, Any] = {"rope_type": model.rope_type}
    block |= {key: list(value) if isinstance(value, tuple) else value for key, value in model.parameters}
    if model.mrope_section:
        block["mrope_section"] = list(model.mrope_section)
    in_block = model.rope_type in ("yarn", "llama3", "longrope")
    if in_block:
        block["original_max_position_embeddings"] = model.trained_context
    elif model.trained_context != model.advertised_context:
        config["original_max_position_embeddings"] = model.trained_context
    if len(block) > 1 or model.rope_type != "default":
        config["rope_scaling"] = block
    return config


def canonical_json(model: RopeModel) -> str:
    """canonical_config as indented JSON text, for the config.json text area."""
    return json.dumps(canonical_config(model), indent=2)


def preset_names() -> tuple[str, ...]:
    """The model presets of rope_core, by name."""
    return tuple(rope_core.MODEL_PRESETS)


def preset_model(name: str) -> RopeModel:
    """A rope_core preset as a RopeModel, read through the same parser as a pasted config."""
    if name not in rope_core.MODEL_PRESETS:
        raise ConfigError("preset", name, f"one of {', '.join(preset_names())}")
    preset = rope_core.MODEL_PRESETS[name]
    config: dict[str, Any] = {
        "head_dim": preset.head_dim,
        "rope_theta": preset.base,
        "max_position_embeddings": preset.context_length,
    }
    if preset.rotary_dim != preset.head_dim:
        config["rotary_dim"] = preset.rotary_dim
    if preset.convention == "interleaved":
        config["rope_interleave"] = True
    scaling = {key: list(value) if isinstance(value, tuple) else value for key, value in preset.rope_scaling.items()}
    if scaling:
        config["rope_scaling"] = scaling
    model = describe(config, label=preset.name)
    return replace(model, notes=(f"Source: {preset.source}",))


def encode_link(model: RopeModel) -> str:
    """A short, versioned text for the URL that decode_link turns back into an equal RopeModel."""
    config = canonical_config(model)
    packed_lists = []
    block = config.get("rope_scaling", {})
    for key in ("short_factor", "long_factor"):
        values = block.get(key)
        # Published LongRoPE factors are float32 numbers; their shortest float32 spelling is exact and short.
        if values and all(float(np.float32(value)) == value for value in values):
            block[key] = [float(str(np.float32(value))) for value in values]
            packed_lists.append(key)
    payload: dict[str, Any] = {"config": config}
    if packed_lists:
        payload["float32"] = packed_lists
    raw = json.dumps(payload, separators=(",", ":")).encode()
    text = LINK_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")
    if len(text) > MAX_LINK_CHARS:
        raise ConfigError("link", _Told(f"{len(text)} characters"), f"at most {MAX_LINK_CHARS} characters")
    return text


def decode_link(text: Any) -> RopeModel:
    """Read a link made by encode_link, with the same validation as a pasted config.json."""
    allowed = f"a config link made by this page ({LINK_PREFIX}…, at most {MAX_LINK_CHARS} characters)"
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS or not text.startswith(LINK_PREFIX):
        raise ConfigError("cfg", _Told(_link_shown(text)), allowed)
    body = text[len(LINK_PREFIX) :]
    if not re.fullmatch(r"[A-Za-z0-9_-]+", body):
        raise ConfigError("cfg", _Told(_link_shown(text)), allowed)
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), MAX_LINK_JSON_BYTES)
        complete = inflater.eof and not inflater.unconsumed_tail and not inflater.unused_data
    except (binascii.Error, zlib.error, ValueError):
        complete = False
    if not complete:
        raise ConfigError("cfg", _Told(_link_shown(text)), allowed)
    try:
        return _model_from_payload(load_config_json(raw))  # the paste's checks: size, nesting, NaN, UTF-8
    except ConfigError as error:
        raise ConfigError(f"cfg → {error.field}", _Told(error.value_text), error.allowed) from None


def _model_from_payload(payload: dict[str, Any]) -> RopeModel:
    config, packed = payload.get("config"), payload.get("float32", [])
    if not isinstance(config, dict) or not isinstance(packed, list):
        raise ConfigError("payload", _Told("an unexpected shape"), "a config and the names of float32 lists")
    block = config.get("rope_scaling")
    for key in packed:
        values = block.get(key) if isinstance(block, dict) and key in ("short_factor", "long_factor") else None
        if not isinstance(values, list):
            raise ConfigError("float32", _Told(_safe_name(key)), "short_factor or long_factor of rope_scaling")
        block[key] = [
            float(np.float32(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
            for value in values
        ]
    return parse_config(config)


def _link_shown(text: Any) -> str:
    if not isinstance(text, str):
        return describe_value(text)
    return f"a link value of {len(text)} characters" if len(text) > 40 else f"the text {text!r}"


# ---------------------------------------------------------------------------------------------------------
# Target lengths offered on the page
# ---------------------------------------------------------------------------------------------------------

ADVERTISED = 0  # stands for "the model's own max_position_embeddings"
TARGET_CHOICES = (ADVERTISED, *(2**power for power in range(11, 24)))


def target_label(value: int) -> str:
    """'advertised', '2K' … '8M' (K = 1,024 tokens): the label and the URL value of a target length."""
    if value == ADVERTISED:
        return "advertised"
    if value >= 2**20:
        return f"{value // 2**20}M"
    return f"{value // 2**10}K"


def resolve_target(choice: int, model: RopeModel) -> int:
    """The target length in tokens for a TARGET_CHOICES entry."""
    return analysis_length(model) if choice == ADVERTISED else analysis_length(model, choice)
