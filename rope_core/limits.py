"""Input caps: no URL parameter may make a single call take more than about a second or a few hundred MB."""

MAX_DIM = 1024
MAX_SEQ = 4096
MAX_POSITION = 10_000_000
MAX_ELEMENTS = 2**25
MAX_BASE = 1e9
MIN_FACTOR = 1.0
MAX_FACTOR = 1024.0
MAX_HEADS = 128
MAX_GRID = 64
MAX_SAMPLES = 10_000
MAX_ATTENTION_FACTOR = 16.0

__all__ = [
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
