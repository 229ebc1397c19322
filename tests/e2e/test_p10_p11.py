"""Browser flows for chapters 10 and 11: deep links, a slider changing a chart, the preset picker."""

from tests.e2e.browser import assert_no_exception, chart_data, open_app, real_console_errors, wait_for_app

P10 = "pages/10_Why_RoPE_won.py"
P11 = "pages/11_Context_extension.py"


def script_errors(page) -> list[str]:
    return real_console_errors(page)


def chart_title(page, key: str) -> str:
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first.evaluate("el => el._fullLayout.title.text")


def test_p10_deep_link_then_distance_slider_moves_the_alibi_line(app_url, page):
    open_app(page, app_url, P10, "r=20&L=128")
    assert_no_exception(page)
    r_slider = page.locator(".st-key-r input[type=range]")
    assert r_slider.input_value() == "20"
    assert page.locator(".st-key-L input[type=range]").input_value() == "128"
    assert "r = 20 apart" in chart_title(page, "shift_scores")
    nope, alibi = chart_data(page, "shift_scores", 0), chart_data(page, "shift_scores", 4)
    assert abs((nope[0] - alibi[0]) - 0.5 * 20) < 1e-3

    r_slider.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelector('.st-key-chart_shift_scores .js-plotly-plot')._fullLayout.title.text"
        ".includes('r = 21 apart')"
    )
    assert "r=21" in page.url
    nope, alibi = chart_data(page, "shift_scores", 0), chart_data(page, "shift_scores", 4)
    assert abs((nope[0] - alibi[0]) - 0.5 * 21) < 1e-3
    # The learned line stops where the 128-row table ends: key position 128 − 1 − 21 = 106.
    shifts = chart_data(page, "shift_scores", 2, "x")
    has_score = page.locator(".st-key-chart_shift_scores .js-plotly-plot").first.evaluate(
        "el => Array.from(el._fullData[2].y).map(Number.isFinite)"
    )
    assert has_score == [shift <= 106 for shift in shifts]
    assert_no_exception(page)
    assert not script_errors(page)


def test_p11_preset_deep_link_and_target_slider(app_url, page):
    open_app(page, app_url, P11, "preset=llama2-7b&T=64&method=PI")
    assert_no_exception(page)
    assert page.locator(".st-key-T input[type=range]").input_value() == "64"
    readouts = " | ".join(page.locator("[data-testid=stMetric]").all_inner_texts())
    assert "Training L\n\n4,096" in readouts and "Base b\n\n10k" in readouts
    assert "Position interpolation: angle at T = 65,536" in chart_title(page, "angles")
    names = page.locator(".st-key-chart_angles .js-plotly-plot").first.evaluate("el => el._fullData.map(t => t.name)")
    assert names[-1] == "out of range: 0 pairs"

    before = chart_data(page, "wavelengths", 3)  # dynamic NTK adapts to T
    page.locator(".st-key-T input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelector('.st-key-chart_angles .js-plotly-plot')._fullLayout.title.text.includes('66,560')"
    )
    assert "T=65" in page.url
    assert chart_data(page, "wavelengths", 3) != before
    assert_no_exception(page)
    assert not script_errors(page)


def test_p11_default_shows_llama31_band_counts(app_url, page):
    open_app(page, app_url, P11)
    assert_no_exception(page)
    chart = page.locator(".st-key-chart_wavelengths .js-plotly-plot").first
    names = chart.evaluate("el => el._fullData.map(t => t.name)")
    assert [name for name in names if name.startswith("Llama 3.1")] == [
        "Llama 3.1 scaling: kept (fast), 29 pairs",
        "Llama 3.1 scaling: blended, 6 pairs",
        "Llama 3.1 scaling: divided by s (slow), 29 pairs",
    ]
    assert not script_errors(page)
