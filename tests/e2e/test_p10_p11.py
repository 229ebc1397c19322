"""Browser flows for chapter 10: a deep link and a slider changing a chart (chapter 11's are in test_c11_c13.py)."""

from tests.e2e.browser import assert_no_exception, chart_data, open_app, real_console_errors, wait_for_app

P10 = "pages/10_Why_RoPE_won.py"


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
