"""Shared Streamlit glue used by every page: chrome, URL-bound controls, lecture mode, charts and export.

Pages stay thin: `start_page(n)` → controls from here → cached `rope_core` calls → figure builders →
`chart(...)` → `end_page(n)`. Nothing in here computes a formula; that is `rope_core`'s job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import ropelab.tuning  # noqa: F401  Importing it tunes the process once, however it was started (see tuning.py)
from ropelab import chapters
from ropelab import chart as chart_element
from ropelab.figures.spec import Chart, Figure, Scrub
from ropelab.numbers import MAX_CHARS as MAX_TYPED_CHARS
from ropelab.numbers import parse_number
from ropelab.style import DARK_BACKGROUND_SWAPS, scale_fonts_for_lecture, scale_frame_fonts_for_lecture

T = TypeVar("T")

APP_TITLE = "RoPE Lab"
_RUN_CONTROLS_KEY = "_ropelab_run_controls"
_LINK_VALUES_KEY = "_ropelab_link_values"
_LINK_FALLBACKS_KEY = "_ropelab_link_fallbacks"
_PAGE_KEY = "_ropelab_page"
_SCRUB_RELEASED_KEY = "_ropelab_scrub_released"
_SNAPPED_KEY = "_ropelab_snapped"
_PENDING_TOAST_KEY = "_ropelab_pending_toast"
_LECTURE_KEY = "_ropelab_lecture"
_LECTURE_PARAM = "lecture"
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})

# Base frequencies offered everywhere; the short labels double as the URL values (?base=500k).
BASE_CHOICES: tuple[float, ...] = (
    100.0, 500.0, 1_000.0, 5_000.0, 10_000.0, 50_000.0, 100_000.0, 500_000.0, 1_000_000.0, 10_000_000.0,
)  # fmt: skip


def format_base(value: float) -> str:
    """Short label for a base frequency: 10000 → '10k', 500000 → '500k', 1e6 → '1M'."""
    if value >= 1_000_000 and value % 1_000_000 == 0:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000 and value % 1_000 == 0:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


# ---------------------------------------------------------------------------------------------------------
# Page chrome
# ---------------------------------------------------------------------------------------------------------


def start_page(number: int | None) -> None:
    """Configure the page, draw the shared sidebar and the chapter header; call first on every page."""
    entry = chapters.chapter(number) if number is not None else None
    title = f"{entry.label} · {APP_TITLE}" if entry else f"{APP_TITLE} · learn rotary position embeddings"
    st.set_page_config(page_title=title, page_icon="🔄", layout="wide")
    st.session_state[_RUN_CONTROLS_KEY] = set()
    entering = st.session_state.get(_PAGE_KEY, "") != number
    if entering:
        st.session_state[_PAGE_KEY] = number
        remember_link_values()
    lecture = _resolve_lecture_mode(report_unknown=entering)
    _inject_base_css()
    if lecture:
        _inject_lecture_css()
    _draw_sidebar(number)
    if entry is not None:
        if entry.part == chapters.TOOLS:
            st.caption(f"Tool · after the {len(chapters.COURSE)} chapters of the course")
        else:
            st.caption(f"Chapter {entry.number} of {len(chapters.COURSE)} · {entry.part}")
        st.title(entry.title)


def remember_link_values() -> None:
    """Record what the address bar asked for when the reader arrived, so values a control rejects can be reported.

    Only on arrival: afterwards the address bar holds values the reader set with the controls themselves, and a
    notice about "the link's value" must only ever be about a value that came from a link.
    """
    st.session_state[_LINK_VALUES_KEY] = st.query_params.to_dict()
    st.session_state[_LINK_FALLBACKS_KEY] = {}


def end_page(number: int | None) -> None:
    """Draw the previous / next links; call last on every page."""
    pending = st.session_state.pop(_PENDING_TOAST_KEY, None)
    if pending:
        st.toast(pending)
    if number is not None:
        before, after = chapters.neighbours(number)
        st.divider()
        left, right = st.columns(2)
        with left:
            if before is not None:
                st.page_link(before.script, label=f"← {before.label}", icon=None)
            else:
                st.page_link(chapters.HOME_SCRIPT, label="← Home")
        with right:
            if after is not None:
                st.page_link(after.script, label=f"{after.label} →")
            else:
                st.page_link(chapters.HOME_SCRIPT, label="Back to the start →")


def lecture_mode() -> bool:
    """True when the page is in lecture mode (large type, prose folded away)."""
    return bool(st.session_state.get(_LECTURE_KEY, False))


def _resolve_lecture_mode(*, report_unknown: bool) -> bool:
    raw = st.query_params.get(_LECTURE_PARAM)
    if raw is not None:
        word = str(raw).strip().lower()
        if word in _TRUE_WORDS:
            st.session_state[_LECTURE_KEY] = True
        elif word in _FALSE_WORDS:
            st.session_state[_LECTURE_KEY] = False
        elif report_unknown:
            # Shown by end_page: a run that stops early to snap a slider's link value would swallow a toast here.
            st.session_state[_PENDING_TOAST_KEY] = "Ignored an unknown `lecture` value in the link; use lecture=1 or 0."
    on = lecture_mode()
    # Streamlit clears unbound query parameters when the page changes, so write the mode back each run.
    if on:
        st.query_params[_LECTURE_PARAM] = "1"
    elif _LECTURE_PARAM in st.query_params:
        del st.query_params[_LECTURE_PARAM]
    return on


def _toggle_lecture() -> None:
    st.session_state[_LECTURE_KEY] = bool(st.session_state.get("_ropelab_lecture_toggle", False))
    if st.session_state[_LECTURE_KEY]:
        st.query_params[_LECTURE_PARAM] = "1"
    elif _LECTURE_PARAM in st.query_params:
        del st.query_params[_LECTURE_PARAM]


def _inject_base_css() -> None:
    # Static CSS only. A long display equation scrolls sideways instead of being cut off (phones), and tables of
    # numbers keep their digits aligned.
    st.html(
        """<style>
        [data-testid="stMain"] .katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 0.2em; }
        [data-testid="stMain"] [data-testid="stMetricValue"] { font-variant-numeric: tabular-nums; }
        </style>"""
    )


def _inject_lecture_css() -> None:
    # Static CSS only: no user-controlled text ever reaches HTML.
    st.html(
        """<style>
        [data-testid="stMain"] { font-size: 1.3rem; }
        [data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
        [data-testid="stMain"] [data-testid="stMarkdownContainer"] li { font-size: 1.3rem; line-height: 1.55; }
        [data-testid="stMetricValue"] { font-size: 2.6rem; }
        [data-testid="stMetricLabel"] p { font-size: 1.15rem; white-space: normal; }
        [data-testid="stMain"] h1 { font-size: 3.2rem; }
        [data-testid="stMain"] .katex { font-size: 1.35em; }
        [data-testid="stWidgetLabel"] p { font-size: 1.2rem; }
        [data-testid="stMain"] [data-baseweb="select"] { font-size: 1.2rem; }
        /* The rule for prose above also reaches the numbers Streamlit writes as markdown: metric values, a slider's
           value above its thumb and its end labels. Give them their own sizes, and lift the thumb's value clear of
           the track, which the larger letters would otherwise cover. */
        [data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
            font-size: 2.6rem; line-height: 1.2;
        }
        [data-testid="stMain"] [data-testid="stSliderThumbValue"] [data-testid="stMarkdownContainer"] p,
        [data-testid="stMain"] [data-testid="stSliderTickBar"] [data-testid="stMarkdownContainer"] p {
            font-size: 1.15rem; line-height: 1.2;
        }
        [data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.1rem; }
        [data-testid="stMain"] [data-testid="stMarkdownContainer"] td,
        [data-testid="stMain"] [data-testid="stMarkdownContainer"] th { font-size: 1.2rem; }
        [data-testid="stMain"] [data-testid="stSliderThumbValue"] { transform: translateY(-0.4rem); }
        [data-testid="stMain"] [data-testid="stSlider"] [role="group"] { margin-top: 0.9rem; }
        </style>"""
    )


def _draw_sidebar(current: int | None) -> None:
    with st.sidebar:
        st.page_link(chapters.HOME_SCRIPT, label=f"**{APP_TITLE}**", icon=":material/home:")
        part = None
        for entry in chapters.CHAPTERS:
            if entry.part != part:
                part = entry.part
                st.caption(part)
            st.page_link(entry.script, label=entry.label, icon=entry.icon)
        st.divider()
        st.toggle(
            "Lecture mode",
            value=lecture_mode(),
            key="_ropelab_lecture_toggle",
            on_change=_toggle_lecture,
            help="Large type for projectors; explanations fold into expanders. Also `?lecture=1` in the link.",
        )
        _draw_share_link()
        st.caption("Light or dark: ⋮ menu (top right) → System, Light or Dark. A chart's camera saves a PNG at 2×.")


def _draw_share_link() -> None:
    st.markdown("**Share this view**")
    # The browser keeps the element's link equal to its address bar, which every control writes to, so the link
    # stays right when only one section of the page reruns; share_link() is only the text it starts from. Drawn
    # before the page's content, it also starts loading plotly.js while the rest of the page runs.
    chart_element.share_link(share_link(), key="share")
    st.caption("The link holds every setting on this page.")


def share_link() -> str:
    """The URL that reopens this page as it is now: the page address with the current query string."""
    params = st.query_params.to_dict()
    if lecture_mode():
        params[_LECTURE_PARAM] = "1"
    base = st.context.url or ""
    if base and urllib.parse.urlsplit(base).path == "":
        base += "/"
    query = urllib.parse.urlencode(params)
    return f"{base}?{query}" if query else (base or "?")


def section(function: Callable[..., T]) -> Callable[..., T]:
    """Run a chapter section as an st.fragment: a control inside it reruns only this section, not the chapter.

    Use it for a section whose controls change only its own charts; controls that change several sections belong
    outside, at page level. Page-wide values a section needs are passed in as arguments.
    """

    @functools.wraps(function)
    def body(*args: Any, **kwargs: Any) -> T:
        if _in_fragment_rerun():
            st.session_state[_RUN_CONTROLS_KEY] = set()  # this run draws only the section's own controls
        return function(*args, **kwargs)

    return st.fragment(body)


def _in_fragment_rerun() -> bool:
    context = get_script_run_ctx()
    return bool(context is not None and context.fragment_ids_this_run)


# ---------------------------------------------------------------------------------------------------------
# Teaching blocks
# ---------------------------------------------------------------------------------------------------------


def goal(text: str) -> None:
    """The chapter's learning goal, one sentence."""
    st.markdown(f"**You will learn:** {text}")


def prose(markdown: str) -> None:
    """Explanatory text; folded into an expander in lecture mode so the projector shows charts."""
    if lecture_mode():
        with st.expander("Explanation"):
            st.markdown(markdown)
    else:
        st.markdown(markdown)


def formula(latex_or_function: str | Callable[..., Any], caption: str | None = None) -> None:
    """Show an equation; pass a `rope_core` function to show the equation attached to the code that ran."""
    latex = getattr(latex_or_function, "latex", latex_or_function)
    if not isinstance(latex, str):
        raise TypeError("formula() needs a LaTeX string or a rope_core function with a .latex attribute")
    st.latex(latex)
    if caption:
        st.caption(caption)


def takeaway(text: str) -> None:
    """The one idea to remember from a chapter; in large type in lecture mode."""
    with st.container(key="ropelab_takeaway"):  # a stable handle for the layout tests (.st-key-ropelab_takeaway)
        if lecture_mode():
            st.markdown(f"## :material/lightbulb: {text}")
        else:
            st.success(text, icon=":material/lightbulb:")


def try_this(prompts: Sequence[str]) -> None:
    """A short list of experiments for the reader to run with the controls."""
    with st.container(border=True):
        st.markdown("**Try this**")
        st.markdown("\n".join(f"- {prompt}" for prompt in prompts))


@contextlib.contextmanager
def go_deeper(title: str) -> Iterator[None]:
    """A folded "Go deeper" section for secondary formulas, variants and details, off the chapter's main path."""
    with st.expander(f"Go deeper: {title}", icon=":material/school:"):
        yield


def check_yourself(question: str, answer: str) -> None:
    """A question with its answer hidden until the reader asks for it."""
    with st.container(border=True):
        st.markdown(f"**Check yourself.** {question}")
        with st.expander("Show the answer"):
            st.markdown(answer)


def misconception(claim: str, truth: str) -> None:
    """A common wrong belief and what is actually true."""
    with st.container(border=True):
        st.markdown(f":material/report: **Misconception:** “{claim}”")
        st.markdown(truth)


def notice(message: str) -> None:
    """Tell the reader that an input was rejected or adjusted, and what was used instead."""
    st.warning(message, icon=":material/info:")


def guarded(compute: Callable[[], T], fallback: Callable[[], T], what: str) -> T:
    """Run a core computation; on a ValueError show its message and use the safe fallback instead."""
    try:
        return compute()
    except ValueError as error:
        notice(f"{what}: {error}. Showing the default instead.")
        return fallback()


# ---------------------------------------------------------------------------------------------------------
# URL-bound controls (short keys that mean the same on every page: m, n, d, base, L, seed, ...)
# ---------------------------------------------------------------------------------------------------------


def _forget_stale_state(key: str, is_valid: Callable[[Any], bool]) -> None:
    # Keys mean the same on every page, but ranges differ (L runs to 512 on one page and 64 on another); a value
    # left in the session by the previous page must not reach a widget that cannot hold it.
    if key in st.session_state and not is_valid(st.session_state[key]):
        del st.session_state[key]


def _report_rejected_link_value(
    key: str, label: str, shown: str, matches: Callable[[str], bool], *, reason: str = "is not allowed here"
) -> None:
    # Streamlit silently drops a bound value it cannot use (out of range, not a number, unknown option); the reader
    # deserves to know why the shared link shows something else. The notice stays until the reader moves the
    # control themselves; from then on the value is theirs, not the link's.
    links = st.session_state.get(_LINK_VALUES_KEY, {})
    raw = links.get(key)
    if raw is None:
        return
    fallbacks = st.session_state.setdefault(_LINK_FALLBACKS_KEY, {})
    if matches(raw) or fallbacks.get(key, shown) != shown:
        links.pop(key, None)
        fallbacks.pop(key, None)
        return
    fallbacks[key] = shown
    quoted = raw.replace("`", "")[:40] + ("…" if len(raw) > 40 else "")
    notice(f"{label}: the link's value `{quoted}` {reason}, so {shown} is used.")


def _number_matches(value) -> Callable[[str], bool]:
    def matches(raw: str) -> bool:
        try:
            return math.isclose(float(raw), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False

    return matches


def _register(key: str) -> None:
    # Which controls this run drew: a scrubber released in a section whose control lives outside it needs the
    # whole page to rerun (see chart()).
    st.session_state.setdefault(_RUN_CONTROLS_KEY, set()).add(key)


def slider(
    label: str,
    min_value: int | float,
    max_value: int | float,
    default: int | float,
    *,
    key: str,
    step: int | float | None = None,
    help: str | None = None,
    format: str | None = None,
    exact: bool = False,
) -> Any:
    """A slider whose value lives in the URL under `key`; bad or out-of-range URL values fall back to default.

    With `exact=True` a small text field under it takes a typed value such as ``pi/2`` or ``3π/4``, kept exactly
    (not rounded to the slider's step), for examples that need an exact number.
    """
    _forget_stale_state(
        key, lambda old: isinstance(old, int | float) and not isinstance(old, bool) and min_value <= old <= max_value
    )
    snapped = st.session_state.get(_SNAPPED_KEY, {}).pop(key, None)
    if snapped is not None:
        st.session_state[key] = snapped  # before the widget exists, so the widget and the URL take it
    value = st.slider(
        label, min_value, max_value, default, step=step, key=key, help=help, format=format, bind="query-params"
    )
    on_step = value if exact else _snap_to_step(value, min_value, max_value, default, step)
    if on_step != value:
        # Streamlit accepts any in-range number from a link, even one between steps (?d=17 on a step-16 slider);
        # the page must only see values the slider itself could produce, and the address bar (the share link)
        # must say what is shown: set the snapped value and run again (the notice comes in that run).
        st.session_state.setdefault(_SNAPPED_KEY, {})[key] = on_step
        st.rerun()
    raw = st.session_state.get(_LINK_VALUES_KEY, {}).get(key)
    reason = "is not one of the slider's steps" if _in_range(raw, min_value, max_value) else "is not allowed here"
    _report_rejected_link_value(key, label, _number_text(value), _number_matches(value), reason=reason)
    if exact:
        _exact_entry(label, key, min_value, max_value)
    _register(key)
    return value


def _exact_entry(label: str, key: str, min_value: float, max_value: float) -> None:
    typed_key = f"_ropelab_typed_{key}"
    error_key = f"_ropelab_typed_error_{key}"

    def apply() -> None:
        text = st.session_state.get(typed_key) or ""
        st.session_state[error_key] = None
        if not text.strip():
            return
        try:
            value = parse_number(text)
        except ValueError as error:
            st.session_state[error_key] = f"{label}: {error}."
            return
        if not min_value <= value <= max_value:
            st.session_state[error_key] = f"{label}: {value:g} is outside {min_value:g} … {max_value:g}."
            return
        st.session_state[key] = value

    st.text_input(
        f"Type an exact {label}",
        key=typed_key,
        max_chars=MAX_TYPED_CHARS,
        placeholder="e.g. pi/2, 3π/4, 0.25",
        on_change=apply,
        help="Numbers, fractions and π: 3pi/4, 3*pi/4, 2(pi - 1). Kept exactly, not rounded to the slider's step.",
    )
    if st.session_state.get(error_key):
        notice(st.session_state[error_key])


def _in_range(raw: object, min_value: float, max_value: float) -> bool:
    try:
        number = float(str(raw))
    except ValueError:
        return False
    return math.isfinite(number) and min_value <= number <= max_value


def _snap_to_step(value, min_value, max_value, default, step):
    if step is None or value is None:
        return value
    steps = round((value - min_value) / step)
    snapped = min(max(min_value + steps * step, min_value), max_value)
    if isinstance(default, int) and isinstance(step, int):
        snapped = int(snapped)
    if math.isclose(snapped, value, rel_tol=0.0, abs_tol=abs(step) * 1e-9):
        return value
    return snapped


def choice(
    label: str,
    options: Sequence[T],
    default: T,
    *,
    key: str,
    format_func: Callable[[T], str] = str,
    help: str | None = None,
    widget: str = "selectbox",
    on_change: Callable[[], None] | None = None,
) -> T:
    """Pick one of `options` (selectbox, radio, segmented or select_slider); the URL holds format_func(option)."""
    options = list(options)
    index = options.index(default)
    _forget_stale_state(key, lambda old: old in options)
    # on_change runs only when the reader picks (not for a value arriving in a link), before the page reruns.
    common = {"key": key, "format_func": format_func, "help": help, "bind": "query-params", "on_change": on_change}
    if widget == "selectbox":
        value = st.selectbox(label, options, index=index, **common)
    elif widget == "radio":
        value = st.radio(label, options, index=index, horizontal=True, **common)
    elif widget == "segmented":
        value = st.segmented_control(label, options, default=default, required=True, **common)
    elif widget == "select_slider":
        value = st.select_slider(label, options, value=default, **common)
    else:
        raise ValueError(f"widget must be one of selectbox, radio, segmented, select_slider; got {widget!r}")
    if value not in options:
        # An empty `?key=` can leave a segmented control with no selection; the page always gets a real option.
        value = default
    _report_rejected_link_value(key, label, format_func(value), lambda raw: raw == format_func(value))
    _register(key)
    return value


def base_choice(label: str = "Base frequency b", default: float = 10_000.0, *, key: str = "base") -> float:
    """The base b of θ_i = b^(−2i/d), from a log-spaced list, shown and shared as '10k', '500k', '1M'."""
    return choice(
        label,
        BASE_CHOICES,
        default,
        key=key,
        format_func=format_base,
        widget="select_slider",
        help="θ_i = b^(−2i/d): a larger base makes the slow pairs slower.",
    )


def toggle(label: str, default: bool, *, key: str, help: str | None = None) -> bool:
    """An on/off switch bound to the URL as true/false."""
    _forget_stale_state(key, lambda old: isinstance(old, bool))
    value = st.toggle(label, value=default, key=key, help=help, bind="query-params")
    shown = "true" if value else "false"
    _report_rejected_link_value(key, label, shown, lambda raw: raw.strip().lower() == shown)
    _register(key)
    return bool(value)


def text(label: str, default: str, *, key: str, max_chars: int, help: str | None = None) -> str:
    """A short text field bound to the URL; Streamlit enforces max_chars in the browser, we enforce it here too."""
    _forget_stale_state(key, lambda old: isinstance(old, str) and len(old) <= max_chars)
    value = st.text_input(label, value=default, key=key, max_chars=max_chars, help=help, bind="query-params")
    value = value if isinstance(value, str) else default
    _report_rejected_link_value(key, label, f"{len(value)} characters", lambda raw: raw == value)
    if len(value) > max_chars:
        notice(f"The text was longer than {max_chars} characters and was cut.")
        value = value[:max_chars]
    _register(key)
    return value


def _number_text(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


# ---------------------------------------------------------------------------------------------------------
# Charts, export and caching
# ---------------------------------------------------------------------------------------------------------


# Constant between updates on purpose: a changed config makes Plotly.react fall back to drawing a new plot.
_PLOT_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "scrollZoom": False,
}


def chart(
    fig: Figure | Chart,
    *,
    key: str,
    alt: str | None = None,
    csv: str | Callable[[], str] | None = None,
    filename: str | None = None,
) -> None:
    """Draw a Chart (or a figure dict plus alt text) in RoPE Lab's chart element, with a CSV download of its data.

    The element keeps one plot per key in the browser and updates it in place; the camera icon saves a PNG at 2×.
    A chart with a scrubber moves through its precomputed stops while the reader drags; on release the stop's value
    is written to the URL-bound control the scrubber names, and the section (or, for a page-wide control, the page)
    reruns with it.
    """
    scrub = None
    if isinstance(fig, Chart):
        fig, alt, csv, filename, scrub = fig.figure, fig.alt, fig.csv, fig.filename, fig.scrub
    if not alt:
        raise ValueError(f"chart {key!r} needs alt text for screen readers")
    name = filename or f"ropelab_{key}"
    if lecture_mode():
        fig = scale_fonts_for_lecture(fig)
        if scrub is not None:
            scrub = dataclasses.replace(scrub, frames=[scale_frame_fonts_for_lecture(frame) for frame in scrub.frames])
    config = {**_PLOT_CONFIG, "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2}}
    data = chart_element.payload(fig, alt=alt, config=config, dark_swaps=DARK_BACKGROUND_SWAPS, scrub=scrub)
    on_release = functools.partial(_scrub_released, key, scrub) if scrub is not None else None
    chart_element.show(data, key=key, on_release=on_release)
    released_here = scrub is not None and st.session_state.pop(_SCRUB_RELEASED_KEY, None) == scrub.key
    if released_here and _in_fragment_rerun() and scrub.key not in st.session_state.get(_RUN_CONTROLS_KEY, set()):
        # The control lives outside this section, so other sections depend on it too: rerun the whole page.
        st.rerun(scope="app")
    if csv is not None:
        st.download_button(
            "Download the data (CSV)",
            csv,
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
            type="tertiary",
        )


def _scrub_released(key: str, scrub: Scrub) -> None:
    # A widget callback: it runs before the rerun, so the control sees the new value as if the reader had set it.
    stop = chart_element.released_stop(key)
    if stop is None or not 0 <= stop < len(scrub.values):
        return
    value = scrub.values[stop]
    current = st.session_state.get(scrub.key)
    if isinstance(current, int) and not isinstance(current, bool) and float(value).is_integer():
        value = int(value)
    st.session_state[scrub.key] = value
    st.session_state[_SCRUB_RELEASED_KEY] = scrub.key


def measure_again_button(measurement: Callable[..., Any], *, key: str) -> None:
    """A button that empties a cached measurement, so the rerun it triggers times everything afresh."""
    # Live timings are cached per setting: moving an unrelated slider then neither re-times (which would cost
    # every visitor a fraction of a second per press) nor makes the bars jitter; this button is the way to re-time.
    st.button(
        "Measure again",
        key=key,
        icon=":material/timer:",
        on_click=getattr(measurement, "clear", None),
        type="secondary",
    )
