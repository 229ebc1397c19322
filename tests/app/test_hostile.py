"""Hostile input on every page and every URL key: the one suite that checks "a bad link never breaks a page".

First a fixed list of values that are wrong in every way a shared link can be (tests.app.helpers.HOSTILE_VALUES),
each given to every key of the page; then Hypothesis makes up more: huge, negative, non-finite and malformed
numbers, empty and blank values, arbitrary Unicode (controls, bidi overrides, emoji), HTML and script text,
template and path tricks, very long values and repeated keys, on the page's own URL keys and on made-up ones.
Every run must finish without an exception, inside the AppTest time limit, with every control inside its range,
every chart small enough to be sent (server.maxMessageSize), and a notice where the app rejects a value it reads
itself. Per-page test files only check what is particular to a page (which default a bad link falls back to).
One test in a real browser proves that a `<script>` typed into a sentence is shown as text and never becomes a
script.

Bounded for 2 shared cores: ROPELAB_HOSTILE_EXAMPLES (default 10) examples per page, no shrinking.
"""

from __future__ import annotations

import functools
import math
import os
import tomllib

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.app.helpers import ALL_SCRIPTS, COMMON_KEYS, HOSTILE_VALUES, REPO_ROOT, assert_clean, run_page, widget_keys

EXAMPLES = int(os.environ.get("ROPELAB_HOSTILE_EXAMPLES", "10"))
RUN_TIMEOUT = 60  # seconds per page run: the core's caps keep every page far below this
HOSTILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: keeps a failing run bounded too
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
_CONFIG = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
MAX_MESSAGE_BYTES = int(_CONFIG["server"]["maxMessageSize"]) * 1024 * 1024
# How ropelab.ui reads ?lecture=: anything else must be reported to the reader, not silently guessed.
LECTURE_WORDS = {"1", "true", "yes", "on", "0", "false", "no", "off"}

_numbers = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "-0", "+5", " 7 ", "0x10",
         "1_000", "1,5", "１２", "١٢", "2**31", "9" * 400, "100000000", "-100000000", "4096", "1e9"]
    ),
)  # fmt: skip
_markup = st.sampled_from(
    [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>', "javascript:alert(1)",
        "<b>bold</b>", "[link](javascript:alert(1))", "![pixel](http://example.invalid/p.png)", "{{7*7}}", "${7*7}",
        "'; DROP TABLE t;--", "../../etc/passwd", "%00", "\x00", "\u202e\u2066", "🙂" * 20, "\n\r\t", "$$\\x$$",
    ]
)  # fmt: skip
_words = st.sampled_from(["true", "false", "1", "0", "on", "yes", "10k", "500k", "1M", "half", "interleaved", "row"])
_value = st.one_of(
    _numbers, _markup, st.text(max_size=40), _words, st.just(""), st.integers(200, 3000).map("x".__mul__)
)
# A repeated key (?d=1&d=2) reaches AppTest as a list of values.
_param_value = st.one_of(_value, st.lists(_value, min_size=2, max_size=3))


@functools.cache
def _url_keys(script: str) -> tuple[str, ...]:
    return tuple(sorted(frozenset(COMMON_KEYS) | widget_keys(run_page(script))))


def _params(script: str) -> st.SearchStrategy[dict[str, object]]:
    keys = st.one_of(st.sampled_from(_url_keys(script)), st.text(min_size=1, max_size=12))
    return st.dictionaries(keys, _param_value, min_size=1, max_size=8)


def _assert_controls_in_range(at) -> None:
    for slider in at.slider:
        values = slider.value if isinstance(slider.value, tuple | list) else (slider.value,)
        for value in values:
            number = float(value)
            assert math.isfinite(number) and slider.min <= number <= slider.max, (slider.key, value)
    for number_input in at.number_input:
        value = number_input.value
        assert value is None or math.isfinite(float(value)), (number_input.key, value)
    for text_input in at.text_input:
        limit = text_input.proto.max_chars
        assert not limit or len(text_input.value or "") <= limit, (text_input.key, len(text_input.value or ""))


def _assert_work_bounded(at) -> None:
    assert not at.get("plotly_chart"), "every chart goes through RoPE Lab's chart element"
    for chart in at.get("bidi_component"):
        assert len(chart.proto.bytes) < MAX_MESSAGE_BYTES, f"a chart of {len(chart.proto.bytes)} bytes"


def _last(value: object) -> str:
    return str(value[-1] if isinstance(value, list) else value)


def _survives(script: str, params: dict[str, object]):
    at = run_page(script, params, timeout=RUN_TIMEOUT)
    assert_clean(at)
    _assert_controls_in_range(at)
    _assert_work_bounded(at)
    return at


@pytest.mark.parametrize("script", ALL_SCRIPTS)
@pytest.mark.parametrize("hostile", HOSTILE_VALUES)
def test_every_fixed_bad_value_on_every_key_never_breaks_a_page(script, hostile):
    _survives(script, dict.fromkeys(_url_keys(script), hostile))


@pytest.mark.parametrize("script", ALL_SCRIPTS)
@HOSTILE
@given(data=st.data())
def test_random_url_parameters_never_break_a_page(script, data):
    params = data.draw(_params(script), label="query params")
    at = _survives(script, params)
    if "lecture" in params and _last(params["lecture"]).strip().lower() not in LECTURE_WORDS:
        assert at.toast, "an unknown lecture value must be reported, not silently ignored"


def _has_text_input(script: str) -> bool:
    """Pages that draw a text field (read from the source, so collection stays cheap)."""
    source = (REPO_ROOT / script).read_text()
    return "text_input(" in source or "ui.text(" in source


_typed = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(_markup, _numbers, st.text(max_size=12)), max_size=30).map(" ".join),
    st.integers(81, 2000).map(lambda n: ("word " * n)[:n]),
)


@pytest.mark.parametrize("script", [script for script in ALL_SCRIPTS if _has_text_input(script)])
@HOSTILE
@given(data=st.data())
def test_random_typed_text_never_breaks_a_page(script, data):
    at = run_page(script, timeout=RUN_TIMEOUT)
    assert at.text_input, f"{script} draws no text field"
    field = data.draw(st.sampled_from([text_input.key for text_input in at.text_input]), label="text field")
    typed = data.draw(_typed, label="typed text")
    at.text_input(key=field).set_value(typed).run(timeout=RUN_TIMEOUT)
    assert_clean(at)
    _assert_controls_in_range(at)  # includes: the text was cut to the field's max_chars
    _assert_work_bounded(at)


# ---------------------------------------------------------------------------------------------------------
# In a real browser: text that looks like markup stays text
# ---------------------------------------------------------------------------------------------------------

SENTENCE_PAGE = "pages/02_Why_positions.py"
PAYLOAD = "<script>alert(1)</script> <img/src=x/onerror=alert(2)> the dog"


# Elements that markup in the text would have created: scripts, event handlers, images, javascript: links.
_INJECTED = """(marker) => ({
    scripts: Array.from(document.querySelectorAll('script')).filter(s => s.textContent.includes(marker)).length,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    images: Array.from(document.querySelectorAll('img')).filter(i => i.getAttribute('src') === 'x').length,
    jsLinks: Array.from(document.querySelectorAll('a[href]'))
        .filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length,
})"""


def _injected(page, marker: str) -> dict[str, int]:
    return page.evaluate(_INJECTED, marker)


@pytest.fixture(scope="module")
def browser_page():
    from tests.e2e import browser as helpers

    helpers.require_chromium()
    from playwright.sync_api import sync_playwright

    with helpers.running_app() as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            yield context.new_page(), base_url
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not (REPO_ROOT / SENTENCE_PAGE).exists(), reason="chapter 2 has not landed")
def test_script_in_the_sentence_is_shown_as_text_and_never_runs(browser_page):
    import urllib.parse

    from tests.e2e.browser import assert_no_exception, open_app, wait_for_app

    page, base_url = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_app(page, base_url, SENTENCE_PAGE, urllib.parse.urlencode({"text": PAYLOAD}))
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert_no_exception(page)

    # Typed by the reader: visible, verbatim, as the text of the sentence field and of the sentence readout.
    assert page.locator(".st-key-text input").input_value() == PAYLOAD
    readouts = page.locator("[data-testid=stMain] [data-testid=stCode]").all_inner_texts()
    assert any("<script>alert(1)</script>" in text for text in readouts), readouts
    assert "<script>alert(1)</script>" in page.locator("[data-testid=stMain]").inner_text()

    # ...and never markup: no script or image element came out of it, nothing ran.
    assert _injected(page, "alert(") == {"scripts": 0, "handlers": 0, "images": 0, "jsLinks": 0}
    page.wait_for_timeout(500)
    assert dialogs == [], f"script ran: {dialogs}"

    # The same text typed into the field (not from the URL) is just as inert.
    field = page.locator(".st-key-text input")
    field.fill("<script>alert(3)</script> cat sat")
    field.press("Enter")
    wait_for_app(page)
    assert "<script>alert(3)</script>" in page.locator("[data-testid=stMain]").inner_text()
    assert _injected(page, "alert(3)")["scripts"] == 0
    page.wait_for_timeout(500)
    assert dialogs == [], f"script ran: {dialogs}"
    assert_no_exception(page)
