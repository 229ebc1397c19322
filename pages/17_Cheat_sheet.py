"""Tool: the whole course on one printable page: formulas, the two layouts, the scaling rules, each with its chapter."""

import streamlit as st

import rope_core
from ropelab import chapters, ui
from ropelab.figures import c17_cheat_sheet as figures
from ropelab.lessons import c17_cheat_sheet as lesson

PAGE = 17


def print_stylesheet() -> None:
    """How the sheet looks on paper: the app's chrome goes, the main column flows, and it fits two A4 pages.

    Static CSS only, no user text. Gone on paper: the sidebar, header and toolbar, the controls, folded answers and
    the links to the previous and next page. The main column flows from page to page instead of scrolling inside
    the window.
    """
    st.html(
        """<style>
@media print {
  @page { size: A4; margin: 10mm 11mm; }
  html, body { height: auto !important; overflow: visible !important; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stMain"] [data-testid="stSlider"], [data-testid="stMain"] [data-testid="stDownloadButton"],
  [data-testid="stMain"] [data-testid="stExpander"], [data-testid="stMain"] .ropelab-chart__scrub,
  .st-key-ropelab_sheet_screen_only, .st-key-ropelab_sheet_neighbours { display: none !important; }
  [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] {
    position: static !important; height: auto !important; overflow: visible !important; max-height: none !important;
  }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [data-testid="stMain"] { font-size: 9pt; }
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] td,
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] th {
    font-size: 9pt; line-height: 1.3; margin-bottom: 0.15rem;
  }
  [data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 8pt; }
  [data-testid="stMain"] h1 { font-size: 17pt; padding: 0 0 0.2rem 0; }
  [data-testid="stMain"] h3 { font-size: 12pt; padding: 0.3rem 0 0.1rem 0; }
  [data-testid="stMain"] .katex { font-size: 0.9em; }
  [data-testid="stMain"] .katex-display { overflow: visible; margin: 0.35em 0; }
  [data-testid="stMain"] [data-testid="stElementContainer"] { break-inside: avoid; }
  .st-key-chart_rules { zoom: 0.75; }
  [data-testid="stMain"] [data-testid="stPageLink"] p { font-size: 8pt; }
  [data-testid="stMain"] [data-testid="stPageLink"] a { padding: 0; min-height: 0; }
  [class*="st-key-sheet_block_rule_"] { break-inside: avoid; }
  .st-key-ropelab_takeaway { break-inside: avoid; }
}
</style>"""
    )


def chapter_link(*numbers: int) -> None:
    """Links to the chapters that derive what this block states."""
    for number in numbers:
        entry = chapters.chapter(number)
        st.page_link(entry.script, label=f"Chapter {entry.number}: {entry.title}", icon=entry.icon)


def block(name: str):
    """A block of the sheet that print keeps on one page."""
    return st.container(key=f"sheet_block_{name}")


def rule(name: str, note: str, formulas) -> None:
    """One context-extension rule: its name and note on the left, its formulas on the right."""
    with block("rule_" + name.lower().replace(" ", "_").replace(".", "")):
        label, equations = st.columns([1, 3], gap="medium")
        label.markdown(f"**{name}**  \n{note}")
        with equations:
            for formula in formulas:
                ui.formula(formula)


@ui.section
def scaling_chart_section() -> None:
    """The rules side by side for a factor the reader picks."""
    factor = ui.slider(
        "Scale factor s",
        2,
        32,
        8,
        key="s",
        help="How many times longer than its training context the model should read.",
    )
    ui.chart(figures.scaling_rules_chart(lesson.compare_scaling_rules(float(factor))), key="rules")
    st.caption(
        f"Computed with Llama 3.1 8B's d = {lesson.SHEET_DIM}, b = {lesson.SHEET_BASE:,.0f} and L = "
        f"{lesson.SHEET_CONTEXT:,}. Only PI touches pair 0; the rules differ in how they treat the pairs between."
    )


ui.start_page(PAGE)
print_stylesheet()
ui.goal(
    "RoPE on one page: its formulas, its two memory layouts and the context-extension rules side by side, each "
    "linked to the chapter that derives it. Print it (Ctrl/Cmd + P): it fits on two A4 pages."
)
st.caption(
    "Notation: d rotary dimension (even), b base, m and n positions, i = 0 … d/2 − 1 the pair index, s the scale "
    "factor, L the original context."
)

left, right = st.columns(2, gap="large")
with left, block("frequencies"):
    st.subheader("Frequencies")
    ui.formula(rope_core.inv_freq)
    ui.formula(rope_core.wavelengths)
    slowest = float(rope_core.wavelengths(rope_core.inv_freq(128, 10_000.0))[-1])
    st.caption(
        f"Pair 0 is the fastest: θ₀ = 1, one turn every 2π ≈ 6.28 tokens. With d = 128 and b = 10,000 the slowest "
        f"turns once every {slowest:,.0f} tokens."
    )
    ui.formula(rope_core.rotation_angles)
    chapter_link(6)
with right, block("rotation"):
    st.subheader("The 2-D rotation")
    ui.formula(rope_core.rotation_matrix_2d)
    ui.formula(r"\langle R(m\theta)\,q,\; R(n\theta)\,k\rangle = \langle q,\; R\big((n-m)\theta\big)\,k\rangle")
    ui.formula(r"R(a)^{\top}R(b) = R(b-a),\qquad R^{-1} = R^{\top} = R(-\alpha)")
    st.caption("The relative property: the score sees only the offset n − m. Rotations keep lengths.")
    chapter_link(5)

with block("dimensions"):
    st.subheader("d dimensions: the block form and what code does")
    ui.formula(rope_core.rotation_matrix)
    ui.formula(rope_core.apply_rope_textbook)
    ui.formula(rope_core.rotate_half)
    st.caption("The block-diagonal matrix costs O(d²) per vector; the element-wise form does the same in O(d).")
    chapter_link(6, 9)

left, right = st.columns(2, gap="large")
with left, block("complex"):
    st.subheader("The complex form")
    ui.formula(r"z_i = x_{2i} + i\,x_{2i+1} \;\mapsto\; z_i\,e^{i m\theta_i}")
    ui.formula(r"s_{mn} = \operatorname{Re}\sum_i \tilde q_i\,\overline{\tilde k_i}\; e^{i(m-n)\theta_i}")
    st.caption("Each pair is a complex number (q̃_i, k̃_i: pair i of q and k); RoPE multiplies it by a unit phasor.")
    chapter_link(1, 9)
with right, block("decay"):
    st.subheader("Long-term decay: a bound")
    ui.formula(rope_core.decay_bound)
    st.caption(
        "RoFormer's bound falls with distance r = m − n while oscillating; random q and k show no decay at all "
        "(their expected score is 0 at every distance)."
    )
    chapter_link(7)

with block("layouts"):
    st.subheader("Two memory layouts")
    st.markdown(
        "| layout | pair i rotates | used by |\n"
        "|---|---|---|\n"
        "| interleaved | $(x_{2i},\\ x_{2i+1})$ | RoFormer, Meta's Llama code, GPT-J, RoPE-ViT |\n"
        "| half-split | $(x_i,\\ x_{i+d/2})$, with rotate_half | Hugging Face Llama, GPT-NeoX, Qwen, Phi |"
    )
    ui.formula(rope_core.interleaved_to_half_permutation)
    st.caption(
        "Same input, different vectors. To move a checkpoint from one layout to the other, reorder each head's "
        "output rows of W_q and W_k by P (not W_v): the attention scores are then identical."
    )
    chapter_link(9)

st.subheader("Context extension, rule by rule")
st.caption(
    "θ′ replaces θ. An attention factor, where a rule has one, multiplies both cos and sin. In brackets: the "
    "rope_type name in a Hugging Face config."
)
rule("PI", "`linear`: every pair slowed by s", [r"\theta'_i = \theta_i / s \qquad (\text{positions } m \to m/s)"])
rule("NTK-aware", "static; not a Hugging Face rope_type", [rope_core.ntk_scaled_base])
rule("Dynamic NTK", "`dynamic`: unscaled while ℓ ≤ L_max", [rope_core.dynamic_ntk_base])
rule(
    "YaRN",
    "`yarn`: β_fast = 32, β_slow = 1",
    [
        rope_core.yarn_correction_range,
        rope_core.yarn_ramp,
        r"\theta'_i = (\theta_i / s)\,\gamma_i + \theta_i\,(1 - \gamma_i)",
        rope_core.yarn_attention_factor,
    ],
)
rule("Llama 3.1", "`llama3`: α = 1, β = 4, s = 8, L = 8192; no attention factor", [rope_core.llama3_bands])
rule(
    "LongRoPE",
    "`longrope`: a searched factor r_i per pair (a long list beyond L)",
    [r"\theta'_i = \theta_i / r_i,\qquad a = \sqrt{1 + \ln s / \ln L}"],
)
st.caption(
    "YaRN and Llama 3.1 are both NTK-by-parts: fast pairs kept, slow pairs divided by s, a ramp between. They "
    "differ in the thresholds (λ = L/32 and L for YaRN, L/4 and L for Llama 3.1), the ramp's variable (the pair "
    "index for YaRN, L/λ for Llama 3.1) and YaRN's attention factor."
)
chapter_link(11)
scaling_chart_section()

with st.container(key="ropelab_sheet_screen_only"):
    ui.try_this(
        [
            "Move **s**: which rule changes pair 0, and which pairs do all four rules treat alike?",
            "Print the page (Ctrl/Cmd + P) and check the preview: two A4 pages, no sidebar.",
            "Pick a formula you cannot derive yet and open its chapter.",
        ]
    )
ui.check_yourself(
    "Which of the rules on this page changes the fastest pair, pair 0?",
    "Only PI: it divides every frequency by s, the fast pairs too, which blurs neighbouring positions. NTK and "
    "dynamic NTK change the base, and b′^0 = 1 for any base; YaRN's ramp and Llama 3.1's bands keep the fast "
    "pairs as they are. LongRoPE leaves it to its searched factor for that pair.",
)
ui.takeaway(
    "RoPE is one line: rotate pair i of every query and key by m·θ_i, with θ_i = b^(−2i/d). Everything else on "
    "this page decides which channels form a pair and how fast each pair turns."
)
with st.container(key="ropelab_sheet_neighbours"):
    ui.end_page(PAGE)
