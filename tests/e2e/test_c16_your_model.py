"""Browser flow for the "Your model" tool: paste a config.json, read the summary card and the band counts."""

from __future__ import annotations

import json

from ropelab.lessons import c16_your_model as lesson
from tests.e2e.browser import assert_no_exception, open_app, real_console_errors, url_query, wait_for_app
from tests.lessons import c16_public_configs as configs

PAGE = "pages/16_Your_model.py"


def metrics(page) -> dict[str, str]:
    """Every st.metric on the page, label → shown value (the first card wins on repeated labels)."""
    shown: dict[str, str] = {}
    for card in page.locator("[data-testid=stMetric]").all():
        label = card.locator("[data-testid=stMetricLabel]").inner_text().strip()
        shown.setdefault(label, card.locator("[data-testid=stMetricValue]").inner_text().strip())
    return shown


def test_paste_a_config_and_read_the_summary_card_and_band_counts(app_url, page):
    open_app(page, app_url, PAGE, "src=Paste")
    assert_no_exception(page)
    area = page.locator("[data-testid=stTextArea]").filter(has_text="config.json").locator("textarea").first
    area.fill(json.dumps(configs.DEEPSEEK_V2_LITE, indent=2))
    area.press("Control+Enter")
    wait_for_app(page)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=stMetricValue]')).some(e => e.innerText === '192')"
    )
    wait_for_app(page)
    shown = metrics(page)
    assert {label: shown[label] for label in ("Head size", "Rotary channels", "Pairs", "Base θ", "Layout", "Method",
                                              "Trained context", "Advertised context", "Attention factor")} == {
        "Head size": "192", "Rotary channels": "64", "Pairs": "32", "Base θ": "10,000", "Layout": "interleaved",
        "Method": "yarn", "Trained context": "4,096", "Advertised context": "163,840", "Attention factor": "1.0000",
    }  # fmt: skip
    counts = lesson.analyse(lesson.parse_config(configs.DEEPSEEK_V2_LITE), 163840).band_counts
    assert (shown["Pairs kept"], shown["Pairs blended"], shown["Pairs divided by s"]) == (
        str(counts["kept"]), str(counts["blended"]), str(counts["divided"]),
    )  # fmt: skip
    # The address bar now carries the pasted config, and it decodes to the same model.
    assert lesson.decode_link(url_query(page)["cfg"]) == lesson.parse_config(configs.DEEPSEEK_V2_LITE)

    # A bad paste is reported in one message and the card keeps the last good model.
    area.fill('{"hidden_size": 4096, "rope_theta": NaN}')
    area.press("Control+Enter")
    wait_for_app(page)
    page.wait_for_selector("[data-testid=stAlert]:has-text('was not used')")
    assert "no NaN or Infinity" in page.locator("[data-testid=stAlert]").first.inner_text()
    assert metrics(page)["Head size"] == "192"
    assert_no_exception(page)
    assert not real_console_errors(page)
