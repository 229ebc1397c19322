"""AppTest checks for the cheat sheet: its formulas are the library's own, every block links to its chapter, the
print stylesheet is static, and the scale factor drives the chart."""

from __future__ import annotations

import numpy as np

import rope_core
from ropelab import chapters
from ropelab.lessons.c17_cheat_sheet import compare_scaling_rules
from tests.app.helpers import assert_clean, decode_array, plotly_figure, run_page

SCRIPT = "pages/17_Cheat_sheet.py"
LIBRARY_FORMULAS = (
    "inv_freq", "wavelengths", "rotation_angles", "rotation_matrix_2d", "rotation_matrix", "apply_rope_textbook",
    "rotate_half", "decay_bound", "interleaved_to_half_permutation", "ntk_scaled_base", "dynamic_ntk_base",
    "yarn_correction_range", "yarn_ramp", "yarn_attention_factor", "llama3_bands",
)  # fmt: skip


def test_every_library_formula_on_the_sheet_is_the_library_functions_own_latex():
    at = run_page(SCRIPT)
    assert_clean(at)
    shown = [element.value.removeprefix("$$\n").removesuffix("\n$$") for element in at.latex]
    for name in LIBRARY_FORMULAS:
        assert getattr(rope_core, name).latex in shown, name
    written = [latex for latex in shown if latex not in {getattr(rope_core, n).latex for n in LIBRARY_FORMULAS}]
    # The rest are written out (no library function carries them): the relative property and the rotation's
    # identities, the complex form and its score, PI, YaRN's blend and LongRoPE.
    assert len(written) == 7, written


def test_each_block_links_to_the_chapters_that_derive_it():
    at = run_page(SCRIPT)
    linked = {link.proto.label for link in at.get("page_link")}
    for number in (1, 5, 6, 7, 9, 11):
        entry = chapters.chapter(number)
        assert f"Chapter {number}: {entry.title}" in linked


def test_it_is_a_tool_page_with_a_static_print_stylesheet():
    at = run_page(SCRIPT)
    assert at.caption[0].value.startswith("Tool · ")
    assert at.title[0].value == "Cheat sheet"
    styles = [element.proto.body for element in at.get("html") if "@media print" in element.proto.body]
    assert len(styles) == 1 and "@page { size: A4" in styles[0]
    assert "stSidebar" in styles[0] and "display: none" in styles[0]


def test_the_scale_factor_drives_the_chart_and_the_link():
    at = run_page(SCRIPT, {"s": "4"})
    assert_clean(at)
    figure = plotly_figure(at, "rules")
    expected = compare_scaling_rules(4.0)
    np.testing.assert_allclose(decode_array(figure["data"][0]["y"]), expected.ratios["linear"], rtol=1e-6)
    at.slider(key="s").set_value(32).run()
    assert_clean(at)
    figure = plotly_figure(at, "rules")
    np.testing.assert_allclose(decode_array(figure["data"][3]["y"]), compare_scaling_rules(32.0).ratios["llama3"])
    assert "s = 32" in figure["layout"]["title"]["text"]


def test_the_slowest_wavelength_quoted_is_computed():
    at = run_page(SCRIPT)
    slowest = float(rope_core.wavelengths(rope_core.inv_freq(128, 10_000.0))[-1])
    assert any(f"{slowest:,.0f} tokens" in caption.value for caption in at.caption)
    assert f"{slowest:,.0f}" == "54,410"
