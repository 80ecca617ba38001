"""Benchmarks for the congestion area: per-ACK simulator throughput and cwnd_explorer latency.

    .venv/bin/python bench/bench_congestion.py

Targets (issue #4): the per-ACK simulator ≥ 300k ACK events/s on 60 s of a
100 Mbit/s, 50 ms RTT path (~0.5 M ACKs); every cwnd_explorer interaction
median ≤ 40 ms, measured across each slider's range including its extremes.
Times depend on the machine's load; nothing here is asserted in tests.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, time_explorer  # noqa: E402

from tcpkit.congestion import simulate  # noqa: E402


def _ack_rate(name: str, repeat: int = 3) -> Row:
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        tr = simulate(name, bandwidth_mbps=100, rtt_ms=50, buffer_pkts=400, duration_s=60)
        dt = time.perf_counter() - t0
        rates.append(tr.ack_events / dt)
    med = statistics.median(rates)
    return Row(f"simulate('{name}', 100 Mbit/s, 50 ms, 60 s) per-ACK ({tr.ack_events:,} ACKs)", med, "events/s",
               "≥ 300k events/s", med >= 300_000)


def _sweep(lo: float, hi: float, n: int, integer: bool = False) -> list:
    """n distinct values from lo to hi, extremes first (so caching never helps within a sweep)."""
    vals = [lo, hi] + [lo + (hi - lo) * (i + 0.5) / (n - 2) for i in range(n - 2)]
    if integer:
        vals = list(dict.fromkeys(int(round(v)) for v in vals))
    return vals


def run() -> list[Row]:
    from tcpkit.widgets.congestion import RANGES, cwnd_explorer

    rows = [_ack_rate(n) for n in ("reno", "cubic", "bbr")]
    # widget: the heaviest starting point (all five algorithms) and the default preset
    for preset, algs in (("reno_sawtooth", None), ("bbr_vs_cubic_deep_buffer", ("tahoe", "reno", "newreno", "cubic",
                                                                                   "bbr"))):
        ex = cwnd_explorer(preset=preset, **({"algorithms": algs} if algs else {}))
        for key, (lo, hi, step) in RANGES.items():
            integer = isinstance(step, int)
            opts = getattr(ex.controls[key], "options", None)   # the loss-rate SelectionSlider
            vals = [v for _, v in opts] if opts else _sweep(lo, hi, 32, integer)
            rows.append(time_explorer(ex, key, vals, name=f"cwnd_explorer[{preset}{'+5 flows' if algs else ''}]: {key}"))
            ex.controls[key].value = ex.controls[key].value  # keep the last value
        # the worst corner: shortest RTT, longest duration, five flows
        ex.controls["rtt_ms"].value = int(RANGES["rtt_ms"][0])
        rows.append(time_explorer(ex, "duration_s", [RANGES["duration_s"][1] - k for k in range(0, 30)],
                                  name=f"cwnd_explorer[{preset}]: duration at min RTT"))
    sel = cwnd_explorer(preset="reno_sawtooth")
    combos = [("reno",), ("reno", "cubic"), ("tahoe", "reno"), ("cubic", "bbr"), ("bbr",), ("newreno",),
              ("tahoe", "reno", "newreno", "cubic", "bbr"), ("cubic",)]
    rows.append(time_explorer(sel, "algorithms", combos, name="cwnd_explorer: algorithm selection"))
    return rows


if __name__ == "__main__":
    print(format_rows(run()))
