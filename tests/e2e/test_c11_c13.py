"""Chapters 11–13 in a real browser: the target-length scrubber moves the picture without the server, sections rerun
alone while the address bar and the share link follow, and deep links restore the view."""

from __future__ import annotations

import time

from tests.e2e.browser import (
    assert_no_exception,
    chart_data,
    grab_scrubber,
    open_app,
    real_console_errors,
    share_link_with,
    url_query,
    wait_for_app,
)

CHAPTER_11 = "pages/11_Context_extension.py"
CHAPTER_12 = "pages/12_Linear_attention.py"
CHAPTER_13 = "pages/13_RoPE_for_images.py"


def _chart(page, key: str):
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first


def _title(page, key: str) -> str:
    return _chart(page, key).evaluate("el => el._fullLayout.title ? el._fullLayout.title.text : ''")


def _wait_for_title(page, key: str, text: str) -> None:
    page.wait_for_function(
        "([key, text]) => { const el = document.querySelector(`.st-key-chart_${key} .js-plotly-plot`);"
        " return el && el._fullLayout && el._fullLayout.title && el._fullLayout.title.text.includes(text); }",
        arg=[key, text],
        timeout=15_000,
    )


def _metric(page, label: str) -> str:
    metric = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return metric.locator("[data-testid=stMetricValue]").inner_text()


def _open_fresh(page, url: str, key: str):
    fresh = page.context.new_page()
    fresh.goto(url, wait_until="domcontentloaded")
    fresh.wait_for_selector(f".st-key-chart_{key} .js-plotly-plot", timeout=30_000)
    wait_for_app(fresh)
    return fresh


def test_chapter_11_dragging_the_target_length_moves_the_angles_without_the_server(page, app_url):
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    open_app(page, app_url, CHAPTER_11)
    page.wait_for_selector(".st-key-chart_angles .ropelab-chart__range", timeout=30_000)
    scrubber = page.locator(".st-key-chart_angles .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Target length T"
    assert scrubber.get_attribute("aria-valuetext") == "T = 65,536 = s·L"
    assert "Llama 3.1 scaling: angle at T = 65,536" in _title(page, "angles")
    # The wavelength chart, folded under "Go deeper", carries Llama 3.1's band counts in its legend.
    names = _chart(page, "wavelengths").evaluate("el => el._fullData.map(t => t.name)")
    assert [name for name in names if name.startswith("Llama 3.1")] == [
        "Llama 3.1 scaling: kept (fast), 29 pairs",
        "Llama 3.1 scaling: blended, 6 pairs",
        "Llama 3.1 scaling: divided by s (slow), 29 pairs",
    ]
    line = chart_data(page, "angles", 1)

    x, y, width = grab_scrubber(page, scrubber)
    during = len(sent)
    titles, lines = set(), set()
    for step in range(1, 9):
        page.mouse.move(x + step * width / 40, y, steps=2)
        page.wait_for_timeout(80)
        titles.add(_title(page, "angles"))
        lines.add(str(chart_data(page, "angles", 1)))
    assert len(sent) == during, "dragging the scrubber must not talk to the server"
    assert len(titles) >= 5 and len(lines) >= 5, f"the picture followed the drag only to {sorted(titles)}"
    notes = _chart(page, "angles").evaluate("el => el._fullData[3].text[0]")
    assert notes.startswith("Beyond s·L = 65,536"), "past s·L the chart itself says what that means"
    page.mouse.up()
    wait_for_app(page)
    released = url_query(page)["T"]
    assert int(released) > 64 and chart_data(page, "angles", 1) != line
    page.wait_for_function("t => document.querySelector('.ropelab-share__link').value.includes(`T=${t}`)", arg=released)
    # The page-wide numbers follow the released value.
    tokens = f"{int(released) * 1024:,}"
    page.wait_for_function(
        "t => Array.from(document.querySelectorAll('[data-testid=stMetricValue]')).some(e => e.innerText === t)",
        arg=tokens,
    )
    assert _metric(page, "Target T") == tokens
    title = _title(page, "angles")
    assert tokens in title

    fresh = _open_fresh(page, page.url, "angles")
    assert _title(fresh, "angles") == title
    assert fresh.locator(".st-key-T input[type=range]").input_value() == released
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_11_a_model_from_the_link_and_the_method_section_keep_the_address_bar(page, app_url):
    open_app(page, app_url, CHAPTER_11, "preset=Llama+2+7B&T=32&method=PI")
    assert_no_exception(page)
    assert page.locator(".st-key-T input[type=range]").input_value() == "32"
    assert _metric(page, "Training L") == "4,096" and _metric(page, "Factor s") == "8"
    assert "Position interpolation: angle at T = 32,768" in _title(page, "angles")
    names = _chart(page, "angles").evaluate("el => el._fullData.map(t => t.name)")
    assert names[2] == "out of range: 0 pairs"

    # The method lives in the angle chart's own section: it reruns alone, and the address bar and share link follow.
    page.locator(".st-key-method").get_by_text("NTK", exact=True).click()
    wait_for_app(page)
    _wait_for_title(page, "angles", "NTK-aware: angle at T = 32,768")
    assert url_query(page)["method"] == "NTK" and url_query(page)["preset"] == "Llama 2 7B"
    share_link_with(page, "method=NTK", "T=32")
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_angles .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    assert "NTK-aware: angle at T = 32,768" in _title(page, "angles")
    assert_no_exception(page)
    assert real_console_errors(page) == []


def _slider(page, key: str):
    return page.locator(f".st-key-{key} input[type=range]").first


def _wait_for_rows(page, key: str, rows: int, trace: int = 0) -> None:
    page.wait_for_function(
        """([key, trace, rows]) => {
            const el = document.querySelector(`.st-key-chart_${key} .js-plotly-plot`);
            return el && el._fullData && el._fullData[trace].z && el._fullData[trace].z.length === rows;
        }""",
        arg=[key, trace, rows],
        timeout=30_000,
    )


def test_chapter_12_the_weights_section_reruns_alone_and_the_link_keeps_its_length(page, app_url):
    open_app(page, app_url, CHAPTER_12, "L=12&d=8&causal=true")
    assert _slider(page, "L").input_value() == "12"
    _wait_for_rows(page, "weights", 12)
    rope_linear = chart_data(page, "weights", trace=2, field="z")
    assert all(value == 0 for row, values in enumerate(rope_linear) for value in values[row + 1 :]), "causal"
    assert chart_data(page, "timing", trace=0, field="x")[0] == 64

    _slider(page, "L").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    _wait_for_rows(page, "weights", 13)
    assert _slider(page, "L").input_value() == "13"
    assert url_query(page)["L"] == "13" and url_query(page)["causal"] == "true"
    page.wait_for_function("() => document.querySelector('.ropelab-share__link').value.includes('L=13')")
    share_link_with(page, "causal=true")
    fresh = _open_fresh(page, page.url, "weights")
    _wait_for_rows(fresh, "weights", 13)
    assert _slider(fresh, "L").input_value() == "13"
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_13_the_query_follows_its_sliders_and_shrinking_the_grid_clamps_it(page, app_url):
    open_app(page, app_url, CHAPTER_13, "grid=10&row=9&col=9&pattern=checkerboard")
    assert _slider(page, "grid").input_value() == "10"
    assert _slider(page, "row").input_value() == "9"
    _wait_for_rows(page, "scores", 10)
    assert chart_data(page, "scores", trace=1, field="x") == [9]
    assert _title(page, "scores").endswith("checkerboard picture")
    assert page.locator(".st-key-chart_picture .js-plotly-plot").count() == 1

    _slider(page, "col").focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelector('.st-key-chart_scores .js-plotly-plot')._fullData[1].x[0] === 8", timeout=30_000
    )
    assert url_query(page)["col"] == "8"
    page.wait_for_function("() => document.querySelector('.ropelab-share__link').value.includes('col=8')")

    _slider(page, "grid").focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app(page)
    _wait_for_rows(page, "scores", 9)
    assert int(_slider(page, "row").input_value()) <= 8
    assert int(_slider(page, "row").get_attribute("max")) == 8
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_scores .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    _wait_for_rows(page, "scores", 9)
    assert _slider(page, "col").input_value() == "8"
    assert_no_exception(page)
    assert real_console_errors(page) == []
