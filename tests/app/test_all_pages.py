"""Every page, the same bar: clean at defaults, the full chapter anatomy, every control at its extremes, lecture mode.

Hostile URL values are tested once, for every page and every key, in tests/app/test_hostile.py.
"""

from __future__ import annotations

import functools

import pytest

from ropelab import chapters
from tests.app.helpers import (
    ALL_SCRIPTS,
    PAGE_SCRIPTS,
    assert_clean,
    drive_sliders_to_both_ends,
    plotly_figures,
    run_page,
    share_link_text,
)


def test_every_chapter_has_its_page_and_every_page_is_a_chapter():
    registered = {entry.script for entry in chapters.CHAPTERS}
    assert registered == set(PAGE_SCRIPTS)


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_page_runs_clean_at_defaults_with_a_chart(script):
    at = _default_run(script)
    assert_clean(at)
    assert plotly_figures(at), f"{script} rendered no chart"
    assert not at.get("plotly_chart"), f"{script} draws a chart with st.plotly_chart instead of ui.chart"
    assert at.title, f"{script} has no title"


@pytest.mark.parametrize("script", PAGE_SCRIPTS)
def test_chapter_page_has_the_full_anatomy(script):
    at = _default_run(script)
    assert_clean(at)
    markdown = " ".join(str(element.value) for element in at.markdown)
    assert "You will learn" in markdown, "learning goal missing"
    assert "Try this" in markdown, "try-this prompts missing"
    assert "Check yourself" in markdown, "check-yourself question missing"
    assert at.latex, "no formula shown"
    assert len(at.success) == 1, "each chapter has exactly one takeaway"


@functools.cache
def _default_run(script: str):
    # Several checks below only read a page at its defaults; one run per page serves them all.
    return run_page(script)


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_every_control_at_its_extremes(script):
    at = run_page(script)
    assert_clean(at)
    drive_sliders_to_both_ends(at)
    for index in range(len(at.toggle)):
        at.toggle[index].set_value(not at.toggle[index].value).run()
        assert_clean(at)


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_every_select_slider_at_both_ends_from_the_url(script):
    # AppTest reports select-slider options by label, and the URL carries labels too, so the ends go in the link.
    probe = _default_run(script)
    for widget in probe.select_slider:
        for label in (widget.options[0], widget.options[-1]):
            at = run_page(script, {widget.key: label})
            assert_clean(at)
            landed = next(candidate for candidate in at.select_slider if candidate.key == widget.key)
            assert landed.format_func(landed.value) == label


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_lecture_mode_from_the_url(script):
    at = run_page(script, {"lecture": "1"})
    assert_clean(at)
    assert "lecture=1" in share_link_text(at), "the share link must keep lecture mode"
