"""Chapter 13, RoPE for images: the score of one query patch against every patch of a grid under axial 2-D RoPE,
RoPE-Mixed and flattened 1-D RoPE, with or without the picture's content in the queries and keys, and how the
query's nearest neighbours score.

The rotations themselves are rope_core's (axial_rope_2d, mixed_rope_2d, apply_rope); M-RoPE is rope_core.apply_mrope.
RoPE-Mixed starts as its paper's code does: one random angle per head, shared by all of the head's pairs.
"""

import numpy as np

from rope_core import apply_mrope, apply_rope, axial_rope_2d, inv_freq, mixed_inv_freq_directions, mixed_rope_2d
from rope_core._checks import check_choice, check_dim, check_int, check_real_array
from rope_core._equation import equation
from rope_core.limits import MAX_GRID

from .c12_linear_attention import seeded_qkv

PATCH_METHODS = ("axial", "mixed", "flat1d")
PATCH_CONTENT = ("ones", "random")
PATTERNS = ("circle", "checkerboard", "gradient")
MAX_IMAGE_SIDE = 128


def pixels_per_patch(grid: int, max_side: int = MAX_IMAGE_SIDE) -> int:
    """How many pixels each patch gets so the whole picture stays within `max_side` pixels a side."""
    if grid < 1:
        raise ValueError(f"grid must be at least 1, got {grid}")
    return max(1, max_side // grid)


def synthetic_image(pattern: str, grid: int, patch_pixels: int) -> np.ndarray:
    """A greyscale picture in [0, 1] of grid·patch_pixels pixels a side, drawn in code (no files needed)."""
    pattern = check_choice("pattern", pattern, PATTERNS)
    grid = check_int("grid", grid, 1, MAX_GRID)
    patch_pixels = check_int("patch_pixels", patch_pixels, 1, MAX_IMAGE_SIDE)
    side = grid * patch_pixels
    # Pixel centres in [0, 1), so the drawing looks the same whatever the resolution.
    coordinate = (np.arange(side) + 0.5) / side
    y, x = np.meshgrid(coordinate, coordinate, indexing="ij")
    if pattern == "checkerboard":
        squares = 4
        image = ((np.floor(x * squares) + np.floor(y * squares)) % 2).astype(np.float64)
    elif pattern == "gradient":
        image = 0.5 * (x + y)
    else:
        distance = np.hypot(x - 0.5, y - 0.5)
        image = np.clip((0.38 - distance) / 0.04, 0.0, 1.0)
    return image.astype(np.float32)


def patch_contents(pattern: str, grid: int) -> np.ndarray:
    """Each patch's content as one number: its mean brightness on a −1 (black) … +1 (white) scale, (grid, grid).

    Read from the very picture the chapter draws (synthetic_image at pixels_per_patch(grid) pixels per patch).
    """
    patch = pixels_per_patch(check_int("grid", grid, 1, MAX_GRID))
    image = synthetic_image(pattern, grid, patch).astype(np.float64)
    means = image.reshape(grid, patch, grid, patch).mean(axis=(1, 3))
    return 2 * means - 1


def rope_mixed_head_angle(seed: int = 0) -> float:
    """The one random angle RoPE-Mixed starts a head with, uniform in [0, 2π): every pair of the head shares it.

    (The second half of the pairs points at this angle + 90°; see rope_core.mixed_inv_freq_directions.) Training then
    moves each pair's frequency vector on its own, which is where per-pair directions come from.
    """
    seed = check_int("seed", seed, 0, 2**32 - 1)
    return float(np.random.default_rng([seed, 13]).uniform(0.0, 2 * np.pi))


@equation(r"s(y, x) = \frac{\langle R_{(y_q, x_q)}\, q,\; R_{(y, x)}\, k\rangle}{d}")
def patch_scores_2d(
    grid_h: int,
    grid_w: int,
    query_rc: tuple[int, int],
    dim: int = 64,
    base: float = 100.0,
    method: str = "axial",
    directions=None,
    seed: int = 0,
    content: str = "ones",
    contents=None,
) -> np.ndarray:
    """Return the (grid_h, grid_w) score of one query patch against every patch under a 2-D (or flat) RoPE.

    Every patch's query and key is the same vector (all ones, or a seeded random one), times the patch's own number
    in `contents` (grid_h, grid_w) when given, e.g. its brightness from patch_contents. RoPE-Mixed without
    `directions` starts as RoPE-Mixed does: one angle for the whole head, drawn from `seed` (rope_mixed_head_angle).
    """
    grid_h = check_int("grid_h", grid_h, 1, MAX_GRID)
    grid_w = check_int("grid_w", grid_w, 1, MAX_GRID)
    if not isinstance(query_rc, (tuple, list)) or len(query_rc) != 2:
        raise ValueError(f"query_rc must be a (row, col) pair, got {query_rc!r:.60}")
    query_row = check_int("query_rc[0]", query_rc[0], 0, grid_h - 1)
    query_col = check_int("query_rc[1]", query_rc[1], 0, grid_w - 1)
    dim = check_dim(dim, multiple_of=4)
    method = check_choice("method", method, PATCH_METHODS)
    content = check_choice("content", content, PATCH_CONTENT)
    rows, cols = np.divmod(np.arange(grid_h * grid_w), grid_w)
    if content == "ones":
        q = k = np.ones(dim)
    else:
        rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
        q, k = rng.standard_normal((2, dim))
    scale = np.ones(grid_h * grid_w)
    if contents is not None:
        scale = check_real_array("contents", contents, ndim=2, max_size=MAX_GRID * MAX_GRID, max_abs=1e6)
        if scale.shape != (grid_h, grid_w):
            raise ValueError(f"contents must have one number per patch, shape {(grid_h, grid_w)}, got {scale.shape}")
        scale = scale.ravel()
    if method == "mixed":
        if directions is None:
            directions = np.full(dim // 4, rope_mixed_head_angle(seed))
        freqs_x, freqs_y = mixed_inv_freq_directions(dim, directions, base, seed)
    # Flattening rows into one sequence makes the end of one row a neighbour of the next row's start.
    flat_positions = (rows * grid_w + cols).astype(np.float64)

    def rotate(x: np.ndarray, at: slice) -> np.ndarray:
        """Rotate the vectors x of the patches `at` by their grid position, under the chosen method."""
        if method == "axial":
            return axial_rope_2d(x, rows[at], cols[at], base)
        if method == "mixed":
            return mixed_rope_2d(x, rows[at], cols[at], freqs_x, freqs_y)
        return apply_rope(x, flat_positions[at], inv_freq(dim, base), convention="interleaved")

    query_index = query_row * grid_w + query_col
    keys = rotate(scale[:, None] * k, slice(None))
    query = rotate(scale[query_index] * q[None, :], slice(query_index, query_index + 1))[0]
    return (keys @ query / dim).reshape(grid_h, grid_w)


def neighbour_scores(scores: np.ndarray, row: int, col: int) -> tuple[str, float, str, float]:
    """The score of the side neighbour and of the vertical neighbour of the query (right/below when they exist)."""
    side_col = col + 1 if col + 1 < scores.shape[1] else col - 1
    vertical_row = row + 1 if row + 1 < scores.shape[0] else row - 1
    side_label = "right" if side_col > col else "left"
    vertical_label = "below" if vertical_row > row else "above"
    side = float(scores[row, side_col]) if side_col >= 0 else float("nan")
    vertical = float(scores[vertical_row, col]) if vertical_row >= 0 else float("nan")
    return side_label, side, vertical_label, vertical


def mrope_against_1d(position_ids: np.ndarray, dim: int, sections, base: float) -> tuple[float, float]:
    """How far M-RoPE lands from 1-D RoPE on the same seeded vectors: (text only, t = h = w; with the video, on t).

    With t = h = w every section reads the same position, so the first gap is rounding; with a video the h and w
    sections turn differently, so the second is not.
    """
    n_tokens = position_ids.shape[1]
    vectors = seeded_qkv(n_tokens, dim, 0)[0]
    frequencies = inv_freq(dim, base)
    text = np.arange(n_tokens, dtype=np.float64)
    text_only = apply_mrope(vectors, text, text, text, sections, base, "half")
    one_d = apply_rope(vectors, text, frequencies, convention="half")
    with_video = apply_mrope(vectors, *position_ids, sections, base, "half")
    one_d_on_time = apply_rope(vectors, position_ids[0], frequencies, convention="half")
    return float(np.max(np.abs(text_only - one_d))), float(np.max(np.abs(with_video - one_d_on_time)))
