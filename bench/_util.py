"""Shared timing helpers for the benchmarks in bench/ (run on demand, never in tests).

Every ``bench/bench_<area>.py`` defines ``run() -> list[Row]`` and, under
``if __name__ == "__main__"``, prints ``format_rows(run())``. ``make bench``
(bench/run_all.py) collects all of them into one table.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    """One measured figure, printed beside its target."""

    name: str          # what was measured, e.g. "widget cwnd_explorer: bandwidth slider"
    value: float       # the median (or the rate)
    unit: str          # "ms", "events/s", "µs", "s", "KiB"
    target: str        # e.g. "≤ 40 ms", "≥ 300k events/s"
    ok: bool           # does the value meet the target?
    p95: float | None = None


def percentile(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[k]


def time_calls(fn: Callable[[], Any], *, repeat: int = 30, warmup: int = 2) -> tuple[float, float]:
    """Median and p95 wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    xs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(xs), percentile(xs, 0.95)


def time_explorer(explorer: Any, key: str, values: Iterable[Any], *, target_ms: float | None = None,
                  name: str = "") -> Row:
    """Time ``control change → new PNG`` for an Explorer, cycling ``key`` through ``values``.

    Every change goes through the real traitlets observer (``control.value = v``),
    so this is what a reader's kernel does when a slider moves. The explorer's PNG
    cache is cleared before each change (every timed change draws a new figure).
    The target is the plain-redraw floor, timed between the changes (:func:`_floor_once`),
    unless ``target_ms`` is given; the row shows the ratio to the floor.
    """
    control = explorer.controls[key]
    vals = list(values)
    xs, fl = [], []
    for i in range(max(30, len(vals))):
        v = vals[i % len(vals)]
        if control.value == v:
            v = vals[(i + 1) % len(vals)]
        explorer.clear_cache()
        if i % 3 == 0:
            fl.append(_floor_once(i))
        t0 = time.perf_counter()
        control.value = v
        xs.append((time.perf_counter() - t0) * 1000)
        assert explorer.error is None, explorer.error
    med, p95 = statistics.median(xs), percentile(xs, 0.95)
    return ratio_row(name or f"widget {key}", med, p95, target_ms, floor_ms=statistics.median(fl))


def ratio_row(name: str, med: float, p95: float, target_ms: float | None = None, *,
              floor_ms: float | None = None) -> Row:
    """A widget row: median vs the floor (or ``target_ms``), the ratio to the floor in the target column."""
    fl = floor() if floor_ms is None else floor_ms
    limit = fl if target_ms is None else target_ms
    return Row(name, med, "ms", f"≤ {limit:.0f} ms (×{med / fl:.2f} floor)", med <= limit, p95)


_FLOOR: list[float] = []


def floor() -> float:
    """The plain-redraw floor of this run (measured once per process), ms."""
    if not _FLOOR:
        _FLOOR.append(floor_ms()[0])
    return _FLOOR[0]


def format_rows(rows: Iterable[Row]) -> str:
    lines = [f"{'measurement':<64} {'median':>12} {'p95':>10}  {'target':<24} ok"]
    for r in rows:
        p95 = f"{r.p95:.1f}" if r.p95 is not None else "-"
        val = f"{r.value:,.1f} {r.unit}" if r.value < 1e4 else f"{r.value:,.0f} {r.unit}"
        lines.append(f"{r.name:<64} {val:>12} {p95:>10}  {r.target:<24} {'yes' if r.ok else 'NO'}")
    return "\n".join(lines)


def _floor_once(k: int = 0) -> float:
    """One plain redraw, ms: a NEW 8×4 in figure, one line plot, PNG at 80 dpi."""
    import numpy as np

    from tcpkit.plot import fig_to_png, new_figure

    x = np.linspace(0, 10, 200)
    t0 = time.perf_counter()
    fig = new_figure(8, 4, dpi=80)
    fig.add_subplot().plot(x, np.sin(x + k))
    fig_to_png(fig)
    return (time.perf_counter() - t0) * 1000


def floor_ms(repeat: int = 15) -> tuple[float, float]:
    """The plain-redraw floor (median, p95 in ms)."""
    _floor_once()
    xs = [_floor_once(k) for k in range(repeat)]
    return statistics.median(xs), percentile(xs, 0.95)


def time_control(explorer: Any, key: str, *, steps: int = 8) -> tuple[float, float, float]:
    """Median and p95 ms of ``control.value = v`` → new PNG, and the median floor measured alongside.

    Each step moves to the value one step further (turning back at an end); the explorer's
    PNG cache is cleared before every change, so every timed change draws a new figure.
    A plain redraw (:func:`_floor_once`) is timed right before every change, so the ratio
    holds on this shared, unevenly loaded machine.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from chapter_widgets import step_value

    control = explorer.controls[key]
    start = control.value
    xs, fl = [], []
    for k in range(steps):
        v = step_value(control)
        explorer.clear_cache()
        fl.append(_floor_once(k))
        t0 = time.perf_counter()
        control.value = v
        xs.append((time.perf_counter() - t0) * 1000)
    control.value = start
    return statistics.median(xs), percentile(xs, 0.95), statistics.median(fl)


def floor_row() -> Row:
    """The floor itself, as the first row of a widget table."""
    med, p95 = floor_ms()
    return Row("floor: new 8x4 in figure, one line plot, PNG at 80 dpi", med, "ms", "reference", True, p95)
