"""Tests for tcpkit.flow: window invariants checked from the receiver's own advertisements,
persist-probe back-off, window-scale arithmetic, SWS rules, Nagle, delayed ACK, the Nagle +
delayed-ACK stall (also measured on the real Linux kernel over loopback), BDP."""

from __future__ import annotations

import select
import socket
import statistics
import struct
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.flow import (
    bdp,
    effective_shift,
    max_window,
    nagle_delack_stall,
    persist_probe_times,
    simulate_flow,
    window_field,
    window_limited_throughput,
)
from tcpkit.linux import LINUX

CONFIGS = [
    {},
    {"rcv_buf": 16_384, "read_rate": 20_000.0},
    {"rcv_buf": 8_192, "read_rate": 3_000.0, "sws_avoidance": False},
    {"rcv_buf": 262_144, "wscale": 0, "read_rate": 1e6},
    {"rcv_buf": 100_000, "wscale": 3, "read_rate": 0.0},
    {"rcv_buf": 65_536, "pause_start": 0.2, "pause_len": 1.0, "cwnd": 20_000},
    {"write_size": 300, "write_interval": 0.003, "rcv_buf": 4_096, "read_rate": 30_000.0, "nagle": False},
    {"write_size": 300, "write_interval": 0.003, "delayed_ack": False, "nagle_variant": "rfc896"},
    {"mss": 536, "rcv_buf": 3_000, "read_rate": 10_000.0, "link_rate": None},
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_invariants(cfg):
    t = simulate_flow(duration=1.5, **cfg)
    delay = round(0.05 / 2 / t.step)
    # 1. the sender never passes SND.UNA + min(rwnd, cwnd)
    for s in t.steps:
        assert s.snd_una <= s.snd_nxt <= s.written
        assert s.snd_nxt <= max(s.wnd_end, s.snd_una)
        assert s.wnd_end - s.snd_una <= t.cwnd
    # 2. independently: every byte sent was inside a right edge the receiver had advertised
    #    and the sender had received (initial SYN-ACK window: min(buf, 65535), never scaled)
    right = min(t.rcv_buf, 65535)
    arrivals = sorted((e.time + delay * t.step, e.ack + e.window) for e in t.events if e.window or e.ack)
    i = 0
    for e in t.events:
        if e.kind in ("data", "probe_data"):
            while i < len(arrivals) and arrivals[i][0] <= e.time + 1e-9:
                right = max(right, arrivals[i][1])
                i += 1
            assert e.seq + e.length <= right, (e, right)
    # 3. the receive buffer never overflows and nothing is dropped
    assert t.max_buffered <= t.rcv_buf
    assert t.dropped == 0
    assert all(s.buffered + s.rcv_wnd <= t.rcv_buf for s in t.steps)


def test_reader_that_never_reads_gets_exactly_one_buffer():
    t = simulate_flow(data=100_000, rcv_buf=20_000, read_rate=0.0, wscale=0, duration=3.0)
    assert t.steps[-1].buffered == 20_000 == t.delivered
    assert t.zero_windows and t.zero_windows[-1][1] == pytest.approx(3.0)


def test_zero_window_probes_back_off_exponentially():
    rtt = 0.05
    t = simulate_flow(data=100_000, rcv_buf=16_384, wscale=0, read_rate=0.0, rtt=rtt, duration=600.0, step=0.005)
    probes = [e for e in t.events if e.kind == "probe"]
    assert len(probes) >= 6
    una = t.steps[-1].snd_una
    assert all(p.seq == una - 1 and p.length == 0 for p in probes)  # seq = SND.UNA − 1, no data
    # each probe's ACK restarts the timer (tcp_ack_probe): gap_j = rtt + base·2^j, capped at TCP_RTO_MAX
    gaps = [b.time - a.time - rtt for a, b in zip(probes, probes[1:])]
    rto_max = LINUX["TCP_RTO_MAX"].value
    base = gaps[0] / 4  # after the first zero-length probe the back-off is 2 (the first probe carried data)
    assert base >= LINUX["TCP_RTO_MIN"].value - 0.01
    for j, g in enumerate(gaps):
        assert g == pytest.approx(min(base * 2 ** (j + 2), rto_max), abs=0.011), j
    assert gaps[-1] == pytest.approx(rto_max, abs=0.011)
    first = t.probes[0]
    last_data_ack = max(e.time for e in t.events if e.kind in ("ack", "delayed_ack") and e.time < first)
    assert first - last_data_ack >= LINUX["TCP_RTO_MIN"].value  # first probe after max(RTO, 200 ms)


def test_pause_opens_the_window_again_with_an_update():
    t = simulate_flow(rcv_buf=32_768, read_rate=100_000.0, pause_start=0.2, pause_len=1.2, duration=2.5)
    (z0, z1), *_ = t.zero_windows
    assert 0.2 < z0 < 1.4 < z1 < 1.5
    assert any(e.kind == "window_update" and e.time >= 1.4 for e in t.events)
    assert t.probes  # the zero window lasted long enough for persist probes


def test_window_scaling_arithmetic():
    assert max_window(14) == 1_073_725_440 == (2**16 - 1) * 2**14
    assert max_window(0) == 65535
    assert effective_shift(14) == 14 and effective_shift(200) == 14  # RFC 7323 §2.3
    assert window_field(65535 << 5, 5) == 65535
    assert window_field(1000, 3) == 125 and window_field(1001, 3) == 125  # rounded down


def test_without_window_scaling_the_window_stops_at_64k():
    kw = {"data": 10**7, "rcv_buf": 1_000_000, "read_rate": 1e8, "link_rate": None, "duration": 0.5}
    big = simulate_flow(wscale=0, **kw)
    assert max(s.snd_wnd for s in big.steps) <= 65535
    # at most one unscaled window per RTT (0.05 s): ≈ 64 KiB / 50 ms
    assert big.delivered <= 65535 * (0.5 / 0.05 + 1)
    scaled = simulate_flow(wscale=5, **kw)
    assert max(s.snd_wnd for s in scaled.steps) > 65535
    assert scaled.delivered > 3 * big.delivered


def _right_edges(t):
    return [e.ack + e.window for e in t.events if e.kind in ("ack", "delayed_ack", "window_update")]


def test_receiver_sws_moves_the_right_edge_by_at_least_min_half_buffer_mss():
    buf, mss = 8_192, 1460
    t = simulate_flow(rcv_buf=buf, read_rate=3_000.0, wscale=0, duration=3.0)
    edges = [min(buf, 65535)] + _right_edges(t)
    moves = [b - a for a, b in zip(edges, edges[1:]) if b != a]
    assert moves and all(m >= min(buf // 2, mss) for m in moves)
    assert all(b >= a for a, b in zip(edges, edges[1:]))  # never shrinks


def test_silly_window_without_avoidance():
    kw = {"rcv_buf": 8_192, "read_rate": 3_000.0, "wscale": 0, "duration": 3.0}
    silly = simulate_flow(sws_avoidance=False, **kw)
    sane = simulate_flow(**kw)
    tiny = [e.length for e in silly.events if e.kind == "data" and e.length < 200]
    assert len(tiny) > 20  # dribbles of a few bytes: the syndrome
    # sender SWS: a short data segment is either the last queued byte or ≥ half the max window
    for e in sane.events:
        if e.kind == "data" and e.length < 1460:
            assert e.seq + e.length == 300_000 or e.length >= 8_192 / 2


def _small_in_flight(t, mss):
    small = [(e.time, e.seq, e.seq + e.length) for e in t.events if e.kind == "data" and e.length < mss]
    worst = 0
    for s in t.steps:
        n = sum(1 for (ts, a, b) in small if ts <= s.time and b > s.snd_una)
        worst = max(worst, n)
    return worst


def test_nagle_minshall_keeps_one_small_segment_in_flight():
    kw = {"data": 20_000, "write_size": 100, "write_interval": 0.002, "duration": 1.0}
    on = simulate_flow(nagle=True, **kw)
    off = simulate_flow(nagle=False, **kw)
    assert _small_in_flight(on, 1460) <= 1
    assert _small_in_flight(off, 1460) > 5
    assert sum(e.kind == "data" for e in on.events) < sum(e.kind == "data" for e in off.events) / 5


def test_nagle_rfc896_sends_small_only_when_nothing_is_unacked():
    t = simulate_flow(data=5_000, write_size=100, write_interval=0.03, nagle_variant="rfc896", duration=2.0)
    una = {round(s.time, 6): s.snd_una for s in t.steps}  # SND.UNA after the ACKs of that step
    small = [e for e in t.events if e.kind == "data" and e.length < 1460]
    assert len(small) > 3
    for e in small:
        assert e.seq == una[round(e.time, 6)]  # nothing was unacknowledged when it left


def test_delayed_ack_waits_40ms_then_never_more_than_200ms():
    rtt = 0.05
    t = simulate_flow(data=6_000, write_size=200, write_interval=0.1, rtt=rtt, duration=4.0)
    data = [e for e in t.events if e.kind == "data"]
    acks = [e for e in t.events if e.kind in ("ack", "delayed_ack")]
    quick = int(LINUX["TCP_MAX_QUICKACKS"].value)
    assert all(a.kind == "ack" for a in acks[:quick])  # quickack mode at the start
    delays = []
    for d in data[quick:]:
        arrive = d.time + rtt / 2
        a = next(a for a in acks if a.ack >= d.seq + d.length and a.time >= arrive - 1e-9)
        delays.append(a.time - arrive)
    assert delays[0] == pytest.approx(LINUX["TCP_DELACK_MIN"].value, abs=0.0015)
    assert max(delays) <= LINUX["TCP_DELACK_MAX"].value + 0.0015
    off = simulate_flow(data=6_000, write_size=200, write_interval=0.1, rtt=rtt, duration=4.0, delayed_ack=False)
    assert not any(e.kind == "delayed_ack" for e in off.events)


def test_stall_model_by_hand():
    ato = LINUX["TCP_DELACK_MIN"].value
    for rtt in (0.0001, 0.01, 0.2):
        assert nagle_delack_stall(rtt=rtt).latency == pytest.approx(2 * rtt + ato)
        assert nagle_delack_stall(rtt=rtt, nagle=False).latency == pytest.approx(rtt)
        assert nagle_delack_stall(rtt=rtt, delayed_ack=False).latency == pytest.approx(2 * rtt)
    assert nagle_delack_stall(ato=0.2).stall == 0.2  # the 200 ms of other stacks


def _write_write_read(nodelay: bool, rounds: int = 8) -> list[float]:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli = None
    th = None
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        srv.settimeout(10)

        def server() -> None:
            conn, _ = srv.accept()
            conn.settimeout(10)
            try:
                while True:
                    got = b""
                    while len(got) < 200:
                        chunk = conn.recv(200 - len(got))
                        if not chunk:
                            return
                        got += chunk
                    conn.sendall(b"r" * 100)
            finally:
                conn.close()

        th = threading.Thread(target=server, daemon=True)
        th.start()
        cli = socket.create_connection(srv.getsockname(), timeout=10)
        if nodelay:
            cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lat = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            cli.send(b"h" * 100)
            cli.send(b"b" * 100)
            got = b""
            while len(got) < 100:
                got += cli.recv(100)
            lat.append(time.perf_counter() - t0)
        return lat[1:]  # the first round runs in quickack mode
    finally:
        if cli is not None:
            cli.close()
        if th is not None:
            th.join(timeout=10)
        srv.close()


@pytest.mark.kernel
def test_stall_on_the_real_kernel():
    model = nagle_delack_stall(rtt=0.0001)
    nagle = statistics.median(_write_write_read(False))
    nodelay = statistics.median(_write_write_read(True))
    assert model.stall * 0.9 <= nagle <= LINUX["TCP_DELACK_MAX"].value  # ≈ 40 ms on Linux
    assert nodelay < model.stall / 4


def test_bdp():
    r = bdp(1e9, 0.1)
    assert r.bytes == 12_500_000 and r.segments == pytest.approx(12_500_000 / 1460)
    assert max_window(r.wscale - 1) < r.bytes <= max_window(r.wscale)
    assert bdp(1e6, 0.01).wscale == 0 and bdp(1e6, 0.01).fits_unscaled
    assert not bdp(1e12, 10.0).fits_max_window
    share = LINUX["TCP_DEFAULT_SCALING_RATIO"].value   # the window is half the buffer (tcp_win_from_space)
    assert r.default_rmem_throughput == pytest.approx(8 * LINUX["tcp_rmem_default"].value * share / 0.1, rel=1e-6)
    assert r.max_rmem_throughput == pytest.approx(8 * LINUX["tcp_rmem_max"].value * share / 0.1, rel=1e-6)
    assert window_limited_throughput(65535, 0.1) == pytest.approx(65535 * 8 / 0.1)


# --- validators ----------------------------------------------------------


@pytest.mark.parametrize(
    "call,exc,msg",
    [
        (lambda: simulate_flow(data=0), ValueError, "data must be in [1, 1000000000], got 0"),
        (lambda: simulate_flow(mss=20), ValueError, "mss must be in [88, 65495], got 20"),
        (lambda: simulate_flow(rcv_buf=100), ValueError, "rcv_buf must be in [1460, 1073741824], got 100"),
        (lambda: simulate_flow(read_rate=-1), ValueError, "read_rate must be in [0, 1e+10], got -1"),
        (lambda: simulate_flow(rtt=0), ValueError, "rtt must be in [0.002, 10], got 0"),
        (lambda: simulate_flow(wscale=15), ValueError, "wscale must be in [0, 14], got 15"),
        (lambda: simulate_flow(cwnd=10), ValueError, "cwnd must be in [1460, 2147483648], got 10"),
        (lambda: simulate_flow(nagle=1), TypeError, "nagle must be True or False, got int 1"),
        (lambda: simulate_flow(nagle_variant="x"), ValueError, "nagle_variant must be one of 'minshall', 'rfc896', got 'x'"),
        (lambda: simulate_flow(step=1), ValueError, "step must be in [0.0001, 0.1], got 1"),
        (lambda: simulate_flow(duration=600, step=0.0001), ValueError, "duration / step must be in [1, 200000], got 6000000"),
        (lambda: simulate_flow(link_rate=1), ValueError, "link_rate must be in [1000, 1e+11], got 1"),
        (lambda: effective_shift(-1), ValueError, "received must be in [0, 255], got -1"),
        (lambda: max_window(15), ValueError, "shift must be in [0, 14], got 15"),
        (lambda: window_field(65536, 0), ValueError, "window must be in [0, 65535], got 65536"),
        (lambda: nagle_delack_stall(header=1460), ValueError, "header must be in [1, 1459], got 1460"),
        (lambda: nagle_delack_stall(ato=1), ValueError, "ato must be in [0.001, 0.5], got 1"),
        (lambda: bdp(10, 0.1), ValueError, "bandwidth must be in [1000, 1e+12], got 10"),
        (lambda: bdp(1e6, 0), ValueError, "rtt must be in [1e-06, 100], got 0"),
    ],
)
def test_validator_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == msg


@given(st.integers(min_value=-5, max_value=300))
def test_hypothesis_shift(n):
    if 0 <= n <= 255:
        assert effective_shift(n) == min(n, 14)
    else:
        with pytest.raises(ValueError, match="received"):
            effective_shift(n)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_hypothesis_rtt(r):
    if 0.002 <= r <= 10:
        assert nagle_delack_stall(rtt=r).latency >= r
    else:
        with pytest.raises(ValueError, match="rtt"):
            simulate_flow(rtt=r, duration=0.01)


@given(st.one_of(st.integers(), st.floats(allow_nan=False)))
def test_hypothesis_bandwidth(bw):
    if 1000 <= bw <= 1e12:
        assert bdp(bw, 0.05).bytes >= 1
    else:
        with pytest.raises(ValueError, match="bandwidth"):
            bdp(bw, 0.05)


def test_syn_window_is_never_scaled():
    # RFC 7323 §2.2: the window in SYN/SYN-ACK is not scaled, so the first window is ≤ 65535
    t = simulate_flow(rcv_buf=262_144, wscale=7, read_rate=1e7, duration=0.2)
    assert t.steps[0].snd_wnd == 65535
    assert max(s.snd_wnd for s in t.steps) > 65535  # later ACKs are scaled


def test_models_do_not_import_plotting():
    import subprocess
    import sys

    code = ("import sys, tcpkit.flow, tcpkit.rto, tcpkit.mss; "
            "assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_persist_probe_times_rule():
    base = 0.3
    t = persist_probe_times(base, 12, rtt=0.05)
    gaps = [b - a for a, b in zip(t, t[1:])]
    rto_max = LINUX["TCP_RTO_MAX"].value
    assert t[0] == base
    assert gaps == pytest.approx([0.05 + min(base * 2**k, rto_max) for k in range(1, 12)])
    assert persist_probe_times(0.01, 1) == (LINUX["TCP_RTO_MIN"].value,)  # max(RTO, TCP_RTO_MIN)


def test_simulation_follows_the_persist_rule():
    step, rtt = 0.002, 0.05
    t = simulate_flow(data=100_000, rcv_buf=14_600, wscale=0, read_rate=0.0, rtt=rtt, duration=40.0, step=step)
    zero_at = t.zero_windows[0][0]
    probes = [e.time - zero_at for e in t.events if e.kind == "probe"]
    assert len(probes) == 7
    rtt_steps = 2 * round(rtt / 2 / step) * step  # the one-way delay is a whole number of steps
    expected = persist_probe_times(probes[0], len(probes), rtt=rtt_steps)  # base = the first wait
    assert probes[0] >= LINUX["TCP_RTO_MIN"].value
    for k, (got, want) in enumerate(zip(probes, expected)):
        # the first wait is known to ±1 step and doubles with the back-off; each timer adds ≤ 1 step
        assert got == pytest.approx(want, abs=step * (2 ** (k + 1) + k)), k


def _parse_lo_frame(frame: bytes):
    ip = frame[14:]  # loopback frames carry a zeroed 14-byte Ethernet header
    if len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != 6:
        return None
    ihl = (ip[0] & 15) * 4
    total = int.from_bytes(ip[2:4], "big")
    tcp = ip[ihl:]
    sport, dport = int.from_bytes(tcp[0:2], "big"), int.from_bytes(tcp[2:4], "big")
    seq, ack = int.from_bytes(tcp[4:8], "big"), int.from_bytes(tcp[8:12], "big")
    doff = (tcp[12] >> 4) * 4
    window = int.from_bytes(tcp[14:16], "big")
    return sport, dport, seq, ack, total - ihl - doff, window


@pytest.mark.kernel
def test_zero_window_probes_on_the_real_kernel():
    """A loopback receiver that never reads: capture the sender's zero-window probes with AF_PACKET on lo
    and compare their timing and sequence numbers with persist_probe_times()."""
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli = conn = None
    try:
        cap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        cap.bind(("lo", 0))
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # tiny receive buffer, inherited by conn
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        cli = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn, _ = srv.accept()
        cli.setblocking(False)
        try:
            while True:
                cli.send(b"x" * 65536)
        except BlockingIOError:
            pass
        zero_at = None
        rto = None
        probes = []  # (time, seq, length)
        acks = []  # (time, ack, window) from the receiver
        deadline = time.monotonic() + 7.5
        while time.monotonic() < deadline:
            ready, _, _ = select.select([cap], [], [], 0.1)
            if not ready:
                continue
            frame, addr = cap.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING:  # each loopback packet is seen twice
                continue
            seg = _parse_lo_frame(frame)
            if seg is None or port not in seg[:2]:
                continue
            now = time.monotonic()
            sport, dport, seq, ack, length, window = seg
            if sport == port:
                acks.append((now, ack, window))
                if window == 0 and zero_at is None:
                    zero_at = now
                    info = cli.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
                    rto = struct.unpack("8B20I", info[:88])[8] / 1e6  # tcpi_rto (µs)
            elif zero_at is not None and length == 0:
                probes.append((now, seq, length))
        assert zero_at is not None and rto is not None
        una = acks[-1][1]
        assert len(probes) >= 4
        assert all(seq == (una - 1) % 2**32 for _, seq, _ in probes)  # seq = SND.UNA − 1, no data
        assert all(w == 0 for t, _, w in acks if t >= zero_at)  # every answer still shows a zero window
        got = [t - zero_at for t, _, _ in probes]
        want = persist_probe_times(rto, len(got))
        gaps_got = [got[0]] + [b - a for a, b in zip(got, got[1:])]
        gaps_want = [want[0]] + [b - a for a, b in zip(want, want[1:])]
        for g, w in zip(gaps_got, gaps_want):
            # timers never fire early; the timer wheel may add up to 1/8 of the interval (plus a jiffy or two)
            assert 0.97 * w - 0.005 <= g <= 1.15 * w + 0.03, (gaps_got, gaps_want)
    finally:
        for s in (conn, cli, srv, cap):
            if s is not None:
                s.close()
