"""Benchmarks for the connection area: simulator speed and widget interaction latency.

    .venv/bin/python bench/bench_connection.py

Every widget row times ``control.value = v`` → new PNG through the real traitlets
observer. "cold" rows clear the explorer's figure cache and model cache before each
change (a value never drawn before); the rasterised label cache of the sequence
renderer is kept (labels such as ``SYN seq=100`` repeat across values), except in
the "first draw" row, which clears it too. "CPU" rows give the process CPU time of
the same cold change (less sensitive to other jobs on this shared 2-core machine).
The FSM explorer's cold rows clear its
PNG cache and trace cache (its background raster and the label sprites stay: they are
drawn once per explorer / per distinct string).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, percentile, ratio_row, time_calls, time_explorer  # noqa: E402

TARGET = 40.0


def _cold(explorer, key, values, name, *, text=False, cpu=False):
    from tcpkit.plot.connection import clear_text_cache

    control = explorer.controls[key]
    xs = []
    vals = list(values)
    clock = time.process_time if cpu else time.perf_counter
    for i in range(30):
        v = vals[i % len(vals)]
        if control.value == v:
            v = vals[(i + 1) % len(vals)]
        explorer.clear_cache()
        if text:
            clear_text_cache()
        t0 = clock()
        control.value = v
        xs.append((clock() - t0) * 1000)
        assert explorer.error is None, explorer.error
    return ratio_row(name, statistics.median(xs), percentile(xs, 0.95))


def _reference() -> Row:
    """The notes' calibration figure (jupyter-book-1x.md §6: 23.2 ms median on a quiet machine)."""
    import numpy as np

    from tcpkit.plot import fig_to_png, new_figure

    fig = new_figure(8, 4)
    fig.set_layout_engine(None)
    ax = fig.add_subplot()
    x = np.linspace(0, 10, 500)
    (line,) = ax.plot(x, np.sin(x))
    k = [0]

    def step() -> None:
        k[0] += 1
        line.set_ydata(np.sin(x + k[0] * 0.1))
        fig_to_png(fig)

    med, p95 = time_calls(step, repeat=30)
    return Row("reference: reused 8x4 figure, set_ydata + PNG (quiet box: 23.2 ms)", med, "ms", "calibration", True, p95)


def run() -> list[Row]:
    from tcpkit.connection import run_scenario
    from tcpkit.widgets.fsm import fsm_explorer
    from tcpkit.widgets.sequence import sequence_explorer

    rows = [_reference()]
    for name, kw in [("handshake", {}), ("lost_syn", {"losses": 11}), ("lost_fin2", {"losses": 50})]:
        med, p95 = time_calls(lambda name=name, kw=kw: run_scenario(name, **kw), repeat=50)
        rows.append(Row(f"run_scenario({name!r}, {kw})", med, "ms", "≤ 5 ms", med <= 5, p95))

    f = fsm_explorer("active_close")
    fsm_scenarios = ["lost_syn", "simultaneous_close", "handshake", "syn_in_time_wait"]
    rows.append(_cold(f, "step", range(0, 13), "fsm_explorer: step slider (cold)"))
    rows.append(_cold(f, "scenario", fsm_scenarios, "fsm_explorer: scenario dropdown (cold)"))
    rows.append(_cold(f, "step", range(0, 13), "fsm_explorer: step slider (cold, CPU time)", cpu=True))
    rows.append(_cold(f, "scenario", fsm_scenarios, "fsm_explorer: scenario dropdown (cold, CPU time)", cpu=True))
    rows.append(_cold(f, "scenario", fsm_scenarios, "fsm_explorer: scenario (label cache cleared)", text=True))
    med, p95 = time_calls(lambda: fsm_explorer("active_close"), repeat=10, warmup=1)
    rows.append(Row("fsm_explorer: new explorer (widgets, background raster, first PNG)", med, "ms", "once per page",
                    True, p95))
    rows.append(time_explorer(f, "step", range(0, 13),
                              name="fsm_explorer: step slider"))
    rows.append(time_explorer(f, "scenario", fsm_scenarios,
                              name="fsm_explorer: scenario dropdown"))

    s = sequence_explorer("lost_syn", losses=1)
    rows.append(_cold(s, "losses", [0, 1, 2, 3, 4, 5, 6], "sequence_explorer: losses slider (cold)"))
    rows.append(_cold(s, "rtt", [0.05, 0.1, 0.2, 0.3, 0.5], "sequence_explorer: rtt slider (cold)"))
    rows.append(_cold(s, "linear_timeouts", [0, 1, 2, 3, 4], "sequence_explorer: linear_timeouts (cold)"))
    rows.append(_cold(s, "scenario", ["active_close", "lost_ack4", "three_way_close", "handshake"],
                      "sequence_explorer: scenario dropdown (cold)"))
    rows.append(_cold(s, "losses", [0, 1, 2, 3, 4, 5, 6], "sequence_explorer: losses slider (cold, CPU time)", cpu=True))
    rows.append(_cold(s, "rtt", [0.05, 0.1, 0.2, 0.3, 0.5], "sequence_explorer: rtt slider (cold, CPU time)", cpu=True))
    rows.append(_cold(s, "scenario", ["active_close", "lost_ack4", "three_way_close", "handshake"],
                      "sequence_explorer: scenario dropdown (cold, CPU time)", cpu=True))
    rows.append(_cold(s, "scenario", ["active_close", "lost_ack4", "three_way_close", "handshake"],
                      "sequence_explorer: scenario (first draw: label cache cleared)", text=True))
    rows.append(time_explorer(s, "losses", [0, 1, 2, 3],
                              name="sequence_explorer: losses slider"))
    return rows


if __name__ == "__main__":
    import os

    print(f"load average before: {os.getloadavg()}")
    print(format_rows(run()))
    print(f"load average after: {os.getloadavg()}")
