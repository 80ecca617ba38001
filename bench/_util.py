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


def time_explorer(explorer: Any, key: str, values: Iterable[Any], *, target_ms: float = 40.0, name: str = "") -> Row:
    """Time ``control change → new PNG`` for an Explorer, cycling ``key`` through ``values``.

    Every change goes through the real traitlets observer (``control.value = v``),
    so this is what a reader's kernel does when a slider moves.
    """
    control = explorer.controls[key]
    vals = list(values)
    xs = []
    for i in range(max(30, len(vals))):
        v = vals[i % len(vals)]
        if control.value == v:
            v = vals[(i + 1) % len(vals)]
        t0 = time.perf_counter()
        control.value = v
        xs.append((time.perf_counter() - t0) * 1000)
        assert explorer.error is None, explorer.error
    med, p95 = statistics.median(xs), percentile(xs, 0.95)
    return Row(name or f"widget {key}", med, "ms", f"≤ {target_ms:g} ms (median)", med <= target_ms, p95)


def format_rows(rows: Iterable[Row]) -> str:
    lines = [f"{'measurement':<64} {'median':>12} {'p95':>10}  {'target':<24} ok"]
    for r in rows:
        p95 = f"{r.p95:.1f}" if r.p95 is not None else "-"
        val = f"{r.value:,.1f} {r.unit}" if r.value < 1e4 else f"{r.value:,.0f} {r.unit}"
        lines.append(f"{r.name:<64} {val:>12} {p95:>10}  {r.target:<24} {'yes' if r.ok else 'NO'}")
    return "\n".join(lines)


def floor_ms(repeat: int = 15) -> tuple[float, float]:
    """The plain-redraw floor: a NEW 8×4 in figure, one line plot, PNG at 80 dpi (median, p95 in ms)."""
    import numpy as np

    from tcpkit.plot import fig_to_png, new_figure

    x = np.linspace(0, 10, 200)
    k = [0]

    def once() -> None:
        k[0] += 1
        fig = new_figure(8, 4, dpi=80)
        fig.add_subplot().plot(x, np.sin(x + k[0]))
        fig_to_png(fig)

    return time_calls(once, repeat=repeat)


def time_control(explorer: Any, key: str, *, steps: int = 8) -> tuple[float, float]:
    """Median and p95 ms of ``control.value = v`` → new PNG, walking ``key`` one step at a time.

    Each step moves to the value one step further (turning back at an end); the explorer's
    PNG cache is cleared before every change, so every timed change draws a new figure.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from chapter_widgets import step_value

    control = explorer.controls[key]
    start = control.value
    xs = []
    for _ in range(steps):
        v = step_value(control)
        explorer.clear_cache()
        t0 = time.perf_counter()
        control.value = v
        xs.append((time.perf_counter() - t0) * 1000)
    control.value = start
    return statistics.median(xs), percentile(xs, 0.95)
