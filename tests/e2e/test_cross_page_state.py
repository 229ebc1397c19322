"""A key shared by several pages (L, d, base, ...) must not carry a value into a page whose range cannot hold it."""

from tests.e2e.browser import assert_no_exception, open_app, wait_for_app


def test_a_large_value_left_on_one_page_does_not_break_the_next(page, app_url):
    open_app(page, app_url, "pages/09_Efficient_implementation.py")
    slider = page.locator(".st-key-L input[type=range]")
    slider.press("End")
    wait_for_app(page)
    assert int(slider.input_value()) > 64  # beyond chapter 4's largest L
    page.locator("[data-testid=stSidebar]").get_by_text("4. Relative encodings").click()
    page.wait_for_selector("[data-testid=stMain] h1:has-text('Relative encodings')", timeout=30_000)
    page.wait_for_selector(".st-key-L input[type=range]", timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert int(page.locator(".st-key-L input[type=range]").input_value()) <= 64
