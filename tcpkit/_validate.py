"""Parameter validators shared by every public tcpkit function.

>>> check_int("mss", 1460, lo=88, hi=65495)
1460

Every validator raises :class:`TypeError` for a value of the wrong type and
:class:`ValueError` for a value out of range. The message always names the
parameter, the value it got and the allowed range, e.g.
``"mss must be in [88, 65495], got 20"``. Widgets show exactly this text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

__all__ = ["check_int", "check_float", "check_choice", "check_bool", "check_bytes"]

T = TypeVar("T")


def _range_text(lo: float | None, hi: float | None, lo_open: bool = False, hi_open: bool = False) -> str:
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    lo_s = "-inf" if lo is None else f"{lo:g}" if isinstance(lo, float) else str(lo)
    hi_s = "inf" if hi is None else f"{hi:g}" if isinstance(hi, float) else str(hi)
    return f"{left}{lo_s}, {hi_s}{right}"


def check_int(name: str, value: object, *, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` if it is an ``int`` (not ``bool``) in ``[lo, hi]``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is outside ``[lo, hi]``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        # numpy integers are accepted through __index__
        try:
            if isinstance(value, bool) or not hasattr(value, "__index__"):
                raise TypeError
            value = int(value.__index__())
        except TypeError:
            raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}") from None
    assert isinstance(value, int)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be in {_range_text(lo, hi)}, got {value}")
    return value


def check_float(
    name: str,
    value: object,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``float(value)`` if it is a finite real number in the given range.

    ``lo_open`` / ``hi_open`` make the corresponding bound exclusive.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (``bool`` is refused).
    ValueError
        If ``value`` is NaN, infinite or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if hasattr(value, "__float__") and not isinstance(value, (str, bytes, bool)):
            value = float(value)
        else:
            raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    x = float(value)
    rng = _range_text(lo, hi, lo_open, hi_open)
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"{name} must be a finite number in {rng}, got {x}")
    bad_lo = lo is not None and (x <= lo if lo_open else x < lo)
    bad_hi = hi is not None and (x >= hi if hi_open else x > hi)
    if bad_lo or bad_hi:
        raise ValueError(f"{name} must be in {rng}, got {x:g}")
    return x


def check_choice(name: str, value: T, choices: Iterable[T]) -> T:
    """Return ``value`` if it is one of ``choices``; else ``ValueError`` listing them."""
    options = list(choices)
    if value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a ``bool``; else ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return value


def check_bytes(name: str, value: object, *, length: int | None = None) -> bytes:
    """Return ``bytes(value)`` for ``bytes``/``bytearray``/``memoryview``, optionally of exact ``length``."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes, got {type(value).__name__}")
    b = bytes(value)
    if length is not None and len(b) != length:
        raise ValueError(f"{name} must be exactly {length} bytes long, got {len(b)}")
    return b
