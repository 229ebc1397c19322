"""ropelab.numbers.parse_number: what a learner may type for a number, and clear refusals for the rest."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ropelab.numbers import MAX_CHARS, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.75", 0.75), ("-2.5e-3", -2.5e-3), (".5", 0.5), ("3/4", 0.75), ("pi/2", math.pi / 2),
        ("3pi/4", 3 * math.pi / 4), ("3π/4", 3 * math.pi / 4), ("3*pi/4", 3 * math.pi / 4),
        ("3 * π / 4", 3 * math.pi / 4), ("-π", -math.pi), ("2(pi - 1)", 2 * (math.pi - 1)), ("tau/8", math.pi / 4),
        ("1.5pi", 1.5 * math.pi), ("PI", math.pi), ("−π/2", -math.pi / 2), ("3 × π ÷ 4", 3 * math.pi / 4),
        ("--1", 1.0), ("2/3*3", 2.0), ("1 - 2 - 3", -4.0), ("8/2/2", 2.0),
    ],
)  # fmt: skip
def test_reads_numbers_and_pi_expressions(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "nothing was typed"), ("   ", "nothing was typed"), ("abc", "cannot read"), ("1/0", "divides by zero"),
        ("(1", "ends too early"), ("1)", "unexpected"), ("3pi/", "ends too early"), ("__import__('os')", "cannot read"),
        ("1e999", "not a finite number"), ("9" * (MAX_CHARS + 1), f"at most {MAX_CHARS} characters"),
        ("(" * 9 + "1" + ")" * 9, "nests parentheses"), ("2**3", "unexpected"), ("nan", "cannot read"),
    ],
)  # fmt: skip
def test_refuses_anything_else_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_CHARS + 5))
def test_never_raises_anything_but_value_error_and_never_returns_a_non_finite_number(text):
    try:
        value = parse_number(text)
    except ValueError:
        return
    assert math.isfinite(value)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_a_printed_float_reads_back_exactly(number):
    text = repr(number)
    if len(text) <= MAX_CHARS:
        assert parse_number(text) == number
