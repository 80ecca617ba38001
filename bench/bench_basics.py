"""Benchmarks for the basics chapter: header / seq-ack / framing explorers and the models.

    .venv/bin/python bench/bench_basics.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, percentile, time_calls, time_explorer  # noqa: E402


def cpu_explorer(explorer, key, values, *, name, target_ms=40.0) -> Row:
    """Like ``time_explorer`` but in CPU time of this process (``time.process_time``).

    The build machine is shared by several jobs; CPU time shows what one
    interaction costs independently of how busy the other core is.
    """
    import statistics
    import time

    control = explorer.controls[key]
    vals = list(values)
    xs = []
    for i in range(max(30, len(vals))):
        v = vals[i % len(vals)]
        if control.value == v:
            v = vals[(i + 1) % len(vals)]
        t0 = time.process_time()
        control.value = v
        xs.append((time.process_time() - t0) * 1000)
        assert explorer.error is None, explorer.error
    med = statistics.median(xs)
    return Row(name + " [CPU]", med, "ms", f"≤ {target_ms:g} ms (median)", med <= target_ms, percentile(xs, 0.95))


def run() -> list[Row]:
    from tcpkit.segment import Mss, Nop, SackPermitted, Timestamps, WindowScale, header_pair, parse_tcp
    from tcpkit.stream import conversation, framing
    from tcpkit.widgets.basics import framing_demo, header_explorer, seq_stepper

    rows: list[Row] = []
    opts = (Mss(1460), SackPermitted(), Timestamps(7, 0), Nop(), WindowScale(7))
    med, p95 = time_calls(lambda: header_pair(options=opts, payload=b"x" * 1400), repeat=200)
    rows.append(Row("model header_pair (40-byte header, 1400 B payload, 2 checksums)", med, "ms", "≤ 1 ms", med <= 1, p95))
    seg = header_pair(options=opts).tcp.to_bytes()
    med, p95 = time_calls(lambda: parse_tcp(seg), repeat=500)
    rows.append(Row("model parse_tcp (Linux SYN with 5 options)", med, "ms", "≤ 0.2 ms", med <= 0.2, p95))
    med, p95 = time_calls(lambda: conversation("C100 S50 C3000 S20000"), repeat=100)
    rows.append(Row("model conversation (4 messages, 24 segments)", med, "ms", "≤ 5 ms", med <= 5, p95))
    msgs = [f"message {i}".encode() for i in range(64)]
    med, p95 = time_calls(lambda: framing(msgs, method="length", max_segment=16, read_size=64), repeat=100)
    rows.append(Row("model framing (64 messages, length prefix)", med, "ms", "≤ 5 ms", med <= 5, p95))

    h = header_explorer("linux_syn")
    rows.append(time_explorer(h, "src_port", [40000, 40001, 5353, 80], name="widget header_explorer: port"))
    rows.append(cpu_explorer(h, "src_port", [40000, 40001, 5353, 80], name="widget header_explorer: port"))
    rows.append(time_explorer(h, "flag_ACK", [True, False], name="widget header_explorer: ACK checkbox"))
    rows.append(time_explorer(h, "wscale", [0, 7, 14], name="widget header_explorer: window-scale slider"))
    s = seq_stepper("C100 S50")
    rows.append(time_explorer(s, "step", list(range(11)), name="widget seq_stepper: step slider"))
    rows.append(cpu_explorer(s, "step", list(range(11)), name="widget seq_stepper: step slider"))
    rows.append(time_explorer(s, "relative", [True, False], name="widget seq_stepper: relative checkbox"))
    f = framing_demo()
    rows.append(time_explorer(f, "seed", list(range(20)), name="widget framing_demo: seed slider"))
    rows.append(cpu_explorer(f, "seed", list(range(20)), name="widget framing_demo: seed slider"))
    rows.append(time_explorer(f, "method", ["none", "length", "delimiter"], name="widget framing_demo: method"))
    return rows


if __name__ == "__main__":
    print(format_rows(run()))
