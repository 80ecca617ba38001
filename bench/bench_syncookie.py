"""Benchmarks for the SYN-flood page: cookie encode/check, the queue model, and both explorers.

    .venv/bin/python bench/bench_syncookie.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, percentile, time_calls, time_explorer  # noqa: E402


def _per_call_us(fn, n: int = 2000, repeat: int = 7) -> tuple[float, float]:
    xs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        xs.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(xs), percentile(xs, 0.95)


def run() -> list[Row]:
    from tcpkit.syncookie import SynCookieSecrets, cookie_v4_check, cookie_v4_init_sequence
    from tcpkit.widgets.syncookie import syncookie_calculator, synflood_explorer

    rows: list[Row] = []
    s = SynCookieSecrets.from_seed(0)
    args = ("192.0.2.1", "198.51.100.7", 40000, 80, 1000)
    cookie, _ = cookie_v4_init_sequence(*args, 1460, minute=71577, secrets=s)
    med, p95 = _per_call_us(lambda: cookie_v4_init_sequence(*args, 1460, minute=71577, secrets=s))
    rows.append(Row("cookie_v4_init_sequence (pure Python, 2 SipHash)", med, "µs", "≤ 100 µs", med <= 100, p95))
    med, p95 = _per_call_us(lambda: cookie_v4_check(*args, cookie, minute=71578, secrets=s))
    rows.append(Row("cookie_v4_check (pure Python, 2 SipHash)", med, "µs", "≤ 100 µs", med <= 100, p95))

    for dt in (0.01, 0.02):
        for cookies in (1, 0):
            med, p95 = time_calls(lambda dt=dt, cookies=cookies: _uncached(dt, cookies), repeat=10)
            rows.append(Row(f"simulate_listen_queues 60 s, 10k SYN/s, dt={dt * 1000:g} ms, syncookies={cookies}",
                            med, "ms", "(part of ≤ 40 ms)", True, p95))

    calc = syncookie_calculator()
    rows.append(time_explorer(calc, "ack", ["honest", "replay_3min", "tampered_ack", "guess", "other_port"],
                              name="widget syncookie_calculator: ACK dropdown"))
    rows.append(time_explorer(calc, "minute", list(range(71570, 71600)), name="widget syncookie_calculator: minute"))
    rows.append(time_explorer(calc, "client_isn", list(range(1, 40)), name="widget syncookie_calculator: client ISN"))
    flood = synflood_explorer()
    rows.append(time_explorer(flood, "attack_rate", [10 ** (k / 4) for k in range(1, 25)],
                              name="widget synflood_explorer: attack rate (new runs)"))
    rows.append(time_explorer(flood, "backlog", list(range(16, 16 + 30 * 37, 37)),
                              name="widget synflood_explorer: backlog (new runs)"))
    rows.append(time_explorer(flood, "syncookies", [0, 1, 2], name="widget synflood_explorer: syncookies toggle"))
    rows.append(time_explorer(flood, "accept_rate", [10 ** (k / 4) for k in range(0, 21)],
                              name="widget synflood_explorer: accept rate (new runs)"))
    return rows


def _uncached(dt: float, cookies: int):
    # bypass the memo in tcpkit.queues so every call really simulates
    from tcpkit import queues

    p = queues._params(10_000.0, 100.0, 0.05, 60.0, 128, None, None, cookies, None, None, 1000.0, 5.0, None, dt)
    return queues._run.__wrapped__(p)


if __name__ == "__main__":
    print(format_rows(run()))
