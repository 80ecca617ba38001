"""Benchmark of the capacity calculators: control change → new PNG (target ≤ 40 ms median), and the lab.

    .venv/bin/python bench/bench_capacity.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, time_calls, time_explorer  # noqa: E402


def run() -> list[Row]:
    from tcpkit.capacity import dead_peer, port_timeline, server_limits
    from tcpkit.widgets.capacity import keepalive_explorer, server_limits_explorer, time_wait_explorer

    rows = []
    tw = time_wait_explorer()
    rows.append(time_explorer(tw, "rate", [200, 400, 600, 900, 1500, 3000], name="widget time_wait_explorer: rate"))
    rows.append(time_explorer(tw, "destinations", [1, 2, 3, 4, 6, 8], name="widget time_wait_explorer: destinations"))
    rows.append(time_explorer(tw, "tw_reuse", [0, 1, 2], name="widget time_wait_explorer: tw_reuse"))
    ka = keepalive_explorer()
    rows.append(time_explorer(ka, "idle", [7200, 3600, 600, 60, 30], name="widget keepalive_explorer: idle"))
    rows.append(time_explorer(ka, "probes", [9, 5, 3, 1, 12], name="widget keepalive_explorer: probes"))
    rows.append(time_explorer(ka, "user_timeout", [0.0, 30.0, 300.0], name="widget keepalive_explorer: user_timeout"))
    sl = server_limits_explorer()
    rows.append(time_explorer(sl, "fd_limit", [1024, 65535, 1048576, 4096], name="widget server_limits_explorer: fd_limit"))
    rows.append(time_explorer(sl, "buffer_bytes", [0, 16384, 65536, 147456], name="widget server_limits_explorer: buffer"))
    for name, fn in (("model port_timeline(600/s, 120 s)", lambda: port_timeline(rate=600)),
                     ("model dead_peer()", dead_peer), ("model server_limits()", server_limits)):
        med, p95 = time_calls(fn, repeat=50)
        rows.append(Row(name, med, "ms", "≤ 5 ms (median)", med <= 5, p95))
    try:
        from tcpkit.lab import EXPERIMENTS, run_experiment

        t0 = time.perf_counter()
        for n in EXPERIMENTS:
            run_experiment(n)
        total = time.perf_counter() - t0
        rows.append(Row(f"lab: all {len(EXPERIMENTS)} live experiments", total, "s", "≤ 3 s (book build)", total <= 3))
    except Exception as exc:  # not Linux: the lab cannot run here
        print(f"lab skipped: {exc}")
    return rows


if __name__ == "__main__":
    print(format_rows(run()))
