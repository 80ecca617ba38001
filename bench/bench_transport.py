"""Benchmarks of the transport chapter's explorers and models (run on demand, never in tests).

    .venv/bin/python bench/bench_transport.py
"""

from __future__ import annotations

from _util import Row, format_rows, time_calls, time_explorer


def run() -> list[Row]:
    from tcpkit.flow import simulate_flow
    from tcpkit.mss import compare, monte_carlo
    from tcpkit.rto import rto_scenario
    from tcpkit.widgets.transport import mss_calculator, rto_explorer, window_explorer

    rows = []
    rto = rto_explorer()
    rows.append(time_explorer(rto, "base_rtt", [0.05, 0.1, 0.2, 0.4], name="widget rto_explorer: base RTT slider"))
    rows.append(time_explorer(rto, "flavor", ["rfc6298", "linux"], name="widget rto_explorer: RFC/Linux toggle"))
    rows.append(time_explorer(rto, "timeouts", [0, 2, 4, 6], name="widget rto_explorer: timeouts slider"))
    win = window_explorer()
    rows.append(time_explorer(win, "time", [0.2, 0.6, 1.0, 1.4, 1.8], name="widget window_explorer: time slider"))
    rows.append(time_explorer(win, "read_kib_s", [20.0, 60.0, 120.0, 240.0],
                              name="widget window_explorer: read-rate slider (new run)"))
    rows.append(time_explorer(win, "nagle", [True, False], name="widget window_explorer: Nagle switch"))
    mss = mss_calculator()
    rows.append(time_explorer(mss, "loss", [0.001, 0.01, 0.05, 0.1], name="widget mss_calculator: loss slider"))
    rows.append(time_explorer(mss, "message", [1000, 20000, 65000], name="widget mss_calculator: message size"))

    med, p95 = time_calls(lambda: rto_scenario(n=60), repeat=30)
    rows.append(Row("model rto_scenario (60 samples)", med, "ms", "≤ 5 ms", med <= 5, p95))
    med, p95 = time_calls(lambda: simulate_flow(duration=2.5, step=0.002), repeat=10)
    rows.append(Row("model simulate_flow (1250 steps)", med, "ms", "≤ 20 ms", med <= 20, p95))
    med, p95 = time_calls(lambda: compare(65000, loss=0.01), repeat=30)
    rows.append(Row("model mss.compare", med, "ms", "≤ 1 ms", med <= 1, p95))
    med, p95 = time_calls(lambda: monte_carlo(14600, loss=0.02, trials=4000, seed=1), repeat=5)
    rows.append(Row("model mss.monte_carlo (4000 trials)", med, "ms", "≤ 200 ms", med <= 200, p95))
    return rows


if __name__ == "__main__":
    print(format_rows(run()))
