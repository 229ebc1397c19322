"""The learning path: one entry per page, in order. Home map, sidebar and prev/next links all read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    script: str  # path relative to the repository root, as st.page_link wants it
    icon: str
    summary: str
    part: str

    @property
    def label(self) -> str:
        """How menus name the page: "5. Rotation in 2-D" for a chapter, just the title for a tool."""
        return self.title if self.part == TOOLS else f"{self.number}. {self.title}"


_BASICS = "Foundations"
_CORE = "RoPE itself"
_BEYOND = "Beyond the basics"
TOOLS = "Tools"  # pages after the course that apply it (not numbered as chapters on the page itself)

CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        1,
        "Complex numbers",
        "pages/01_Complex_numbers.py",
        ":material/function:",
        "a + ib, polar form and Euler's formula: multiplying by e^{iθ} rotates.",
        _BASICS,
    ),
    Chapter(
        2,
        "Why attention needs positions",
        "pages/02_Why_positions.py",
        ":material/shuffle:",
        "Self-attention without positions cannot tell word order apart.",
        _BASICS,
    ),
    Chapter(
        3,
        "Absolute encodings",
        "pages/03_Absolute_encodings.py",
        ":material/pin_drop:",
        "Sinusoidal and learned position vectors added to the tokens.",
        _BASICS,
    ),
    Chapter(
        4,
        "Relative encodings",
        "pages/04_Relative_encodings.py",
        ":material/compare_arrows:",
        "Biases on the scores by distance: clipped, T5 buckets, ALiBi.",
        _BASICS,
    ),
    Chapter(
        5,
        "Rotation in 2-D",
        "pages/05_Rotation_in_2D.py",
        ":material/rotate_right:",
        "Rotate q and k by their positions: the score sees only m − n.",
        _BASICS,
    ),
    Chapter(
        6,
        "RoPE in many dimensions",
        "pages/06_RoPE_in_d_dimensions.py",
        ":material/view_column:",
        "One rotating pair per frequency, from fast to slow.",
        _CORE,
    ),
    Chapter(
        7,
        "Long-term decay",
        "pages/07_Long_term_decay.py",
        ":material/trending_down:",
        "The RoFormer bound, and when decay shows and when it does not.",
        _CORE,
    ),
    Chapter(
        8,
        "Attention maps",
        "pages/08_Attention_maps.py",
        ":material/grid_on:",
        "Six position schemes on the same queries and keys.",
        _CORE,
    ),
    Chapter(
        9,
        "Efficient implementation",
        "pages/09_Efficient_implementation.py",
        ":material/speed:",
        "O(d) element-wise form, two memory layouts, precision.",
        _CORE,
    ),
    Chapter(
        10,
        "Why RoPE won",
        "pages/10_Why_RoPE_won.py",
        ":material/emoji_events:",
        "Absolute vs relative vs rotary, claim by claim.",
        _CORE,
    ),
    Chapter(
        11,
        "Context extension lab",
        "pages/11_Context_extension.py",
        ":material/expand:",
        "PI, NTK, dynamic NTK, YaRN and Llama 3.1 on real configs.",
        _BEYOND,
    ),
    Chapter(
        12,
        "Linear attention",
        "pages/12_Linear_attention.py",
        ":material/linear_scale:",
        "RoPE inside O(N) attention (RoFormer §3.3).",
        _BEYOND,
    ),
    Chapter(
        13,
        "RoPE for images",
        "pages/13_RoPE_for_images.py",
        ":material/image:",
        "2-D axial RoPE, RoPE-Mixed and M-RoPE on patch grids.",
        _BEYOND,
    ),
    Chapter(
        14,
        "Live experiment",
        "pages/14_Live_experiment.py",
        ":material/science:",
        "Train tiny attention models with four position schemes.",
        _BEYOND,
    ),
    Chapter(
        15,
        "Check yourself",
        "pages/15_Check_yourself.py",
        ":material/quiz:",
        "A quiz across every chapter, with answers the app computes.",
        _BEYOND,
    ),
    Chapter(
        16,
        "Your model",
        "pages/16_Your_model.py",
        ":material/tune:",
        "Paste a config.json: its RoPE pair by pair, and the block to run it longer.",
        TOOLS,
    ),
    Chapter(
        17,
        "Cheat sheet",
        "pages/17_Cheat_sheet.py",
        ":material/summarize:",
        "Every formula, both layouts and the scaling rules on one printable page.",
        TOOLS,
    ),
)

HOME_SCRIPT = "app.py"
# The numbered chapters of the course, without the tool pages that follow it.
COURSE: tuple[Chapter, ...] = tuple(entry for entry in CHAPTERS if entry.part != TOOLS)


def chapter(number: int) -> Chapter:
    """The chapter with this number (1-based)."""
    for entry in CHAPTERS:
        if entry.number == number:
            return entry
    raise KeyError(f"no chapter {number}")


def neighbours(number: int) -> tuple[Chapter | None, Chapter | None]:
    """The chapters before and after this one, or None at either end of the path."""
    numbers = [entry.number for entry in CHAPTERS]
    index = numbers.index(number)
    before = CHAPTERS[index - 1] if index > 0 else None
    after = CHAPTERS[index + 1] if index + 1 < len(CHAPTERS) else None
    return before, after
