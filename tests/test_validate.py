"""The shared validators: exact messages, and properties over their whole input space."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit._validate import check_bool, check_bytes, check_choice, check_float, check_int


def test_int_message_names_parameter_range_and_value():
    with pytest.raises(ValueError, match=r"^mss must be in \[88, 65495\], got 20$"):
        check_int("mss", 20, lo=88, hi=65495)


def test_int_refuses_bool_and_float():
    with pytest.raises(TypeError, match=r"^retries must be an integer, got bool True$"):
        check_int("retries", True, lo=0)
    with pytest.raises(TypeError, match="retries must be an integer, got float"):
        check_int("retries", 1.5)


def test_float_message_and_open_bounds():
    with pytest.raises(ValueError, match=r"^loss_rate must be in \[0, 1\), got 1$"):
        check_float("loss_rate", 1, lo=0, hi=1, hi_open=True)
    with pytest.raises(ValueError, match=r"^rtt must be a finite number in \(0, inf\], got nan$"):
        check_float("rtt", math.nan, lo=0, lo_open=True)
    with pytest.raises(TypeError, match="^rtt must be a number, got str '1'$"):
        check_float("rtt", "1")


def test_choice_lists_options():
    with pytest.raises(ValueError, match=r"^algorithm must be one of 'reno', 'cubic', got 'vegas'$"):
        check_choice("algorithm", "vegas", ["reno", "cubic"])


def test_bool_and_bytes():
    assert check_bool("nagle", False) is False
    with pytest.raises(TypeError, match="^nagle must be True or False, got int 1$"):
        check_bool("nagle", 1)
    assert check_bytes("key", bytearray(16), length=16) == bytes(16)
    with pytest.raises(ValueError, match="^key must be exactly 16 bytes long, got 15$"):
        check_bytes("key", bytes(15), length=16)


@given(st.integers(), st.integers(-1000, 1000), st.integers(0, 1000))
def test_int_accepts_exactly_the_range(v, lo, width):
    hi = lo + width
    if lo <= v <= hi:
        assert check_int("x", v, lo=lo, hi=hi) == v
    else:
        with pytest.raises(ValueError, match=rf"^x must be in \[{lo}, {hi}\], got {v}$"):
            check_int("x", v, lo=lo, hi=hi)


@given(st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.booleans())
def test_float_accepts_exactly_the_range(v, lo_open, hi_open):
    lo, hi = -1.0, 1.0
    inside = (not math.isnan(v) and not math.isinf(v)
              and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi))
    if inside:
        assert check_float("y", v, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open) == v
    else:
        with pytest.raises(ValueError, match=r"^y must be"):
            check_float("y", v, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)


@given(st.one_of(st.text(), st.none(), st.lists(st.integers()), st.booleans()))
def test_non_numbers_raise_type_error_naming_the_parameter(v):
    with pytest.raises(TypeError, match=r"^z must be"):
        check_float("z", v)
    with pytest.raises(TypeError, match=r"^z must be an integer"):
        check_int("z", v)
