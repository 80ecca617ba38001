"""Benchmarks for the UDP chapter: ARQ / HOL explorers (control change → new PNG) and the models.

    .venv/bin/python bench/bench_udp.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, time_calls, time_explorer  # noqa: E402


def run() -> list[Row]:
    from tcpkit.arq import simulate_arq
    from tcpkit.quic import flow_credit, hol_compare
    from tcpkit.widgets.udp import arq_explorer, hol_explorer

    rows: list[Row] = []
    med, p95 = time_calls(lambda: simulate_arq("sr", n_packets=1000, window=8, seq_bits=4, loss=0.1), repeat=10)
    rows.append(Row("model simulate_arq sr, 1000 packets, p=0.1", med, "ms", "≤ 100 ms", med <= 100, p95))
    med, p95 = time_calls(lambda: hol_compare(n_streams=8, packets_per_stream=12, lost=5), repeat=30)
    rows.append(Row("model hol_compare 8 streams × 12 packets", med, "ms", "≤ 5 ms", med <= 5, p95))
    med, p95 = time_calls(lambda: flow_credit(rounds=100), repeat=30)
    rows.append(Row("model flow_credit 100 rounds", med, "ms", "≤ 5 ms", med <= 5, p95))

    e = arq_explorer()
    rows.append(time_explorer(e, "loss", [0.0, 0.1, 0.2, 0.3, 0.4], name="widget arq_explorer: loss slider"))
    rows.append(time_explorer(e, "seed", list(range(10)), name="widget arq_explorer: seed slider"))
    rows.append(time_explorer(e, "window", [1, 2, 3, 4], name="widget arq_explorer: window slider (cached sweep)"))
    e3 = arq_explorer(protocol="all", window=3)
    rows.append(time_explorer(e3, "loss", [0.0, 0.1, 0.2, 0.3], name="widget arq_explorer (all three): loss slider"))
    h = hol_explorer()
    rows.append(time_explorer(h, "lost", list(range(12)), name="widget hol_explorer: lost packet slider"))
    rows.append(time_explorer(h, "rtt", [0.05, 0.1, 0.2, 0.3], name="widget hol_explorer: rtt slider"))
    return rows


if __name__ == "__main__":
    print(format_rows(run()))
