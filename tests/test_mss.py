"""Tests for tcpkit.mss: MTU/MSS arithmetic, fragment layout, exact expectations vs hand
computation and vs a seeded Monte Carlo run."""

from __future__ import annotations

import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.linux import LINUX
from tcpkit.mss import (
    compare,
    fragment_sizes,
    max_message,
    monte_carlo,
    mss_for_mtu,
    mss_table,
    segment_sizes,
)


@pytest.mark.parametrize(
    "mtu,v,ts,mss,payload",
    [
        (1500, 4, False, 1460, 1460),  # Ethernet
        (1500, 4, True, 1460, 1448),  # with the 12-byte timestamps option
        (1500, 6, False, 1440, 1440),
        (1492, 4, False, 1452, 1452),  # PPPoE
        (1492, 6, False, 1432, 1432),
        (9000, 4, False, 8960, 8960),
        (9000, 6, False, 8940, 8940),
        (576, 4, False, 536, 536),  # = TCP_MSS_DEFAULT
        (1280, 6, False, 1220, 1220),  # = TCP_MSS_DESIRED (IPv6 default)
        (65536, 4, False, 65495, 65495),  # Linux loopback
        (65536, 6, False, 65476, 65476),
    ],
)
def test_mss_arithmetic(mtu, v, ts, mss, payload):
    info = mss_for_mtu(mtu, ip_version=v, timestamps=ts)
    assert (info.mss, info.payload) == (mss, payload)


def test_defaults_agree_with_the_linux_table():
    assert mss_for_mtu(576).mss == LINUX["TCP_MSS_DEFAULT"].value
    assert mss_for_mtu(1280, ip_version=6).mss == LINUX["TCP_MSS_DESIRED_V6"].value
    assert mss_for_mtu(65536).mss == LINUX["loopback_mss"].value


def test_table_rows():
    rows = {r[0]: r for r in mss_table()}
    assert rows["PPPoE"][1:] == (1492, 1452, 1440, 1432)
    assert rows["IPv4 最小重组长度 (RFC 791)"][4] is None  # 576 < IPv6 minimum MTU


@pytest.mark.kernel
def test_loopback_mss_matches_a_real_linux_socket():
    """TCP_INFO on a real loopback connection: tcpi_pmtu and tcpi_advmss (the announced MSS
    minus the 12 timestamp bytes, since tcp_timestamps=1)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    conn = None
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        cli.connect(srv.getsockname())
        conn, _ = srv.accept()
        raw = cli.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        u32 = struct.unpack("8B20I", raw[:88])[8:]
        pmtu, advmss = u32[13], u32[19]  # struct tcp_info: tcpi_pmtu, tcpi_advmss
        assert advmss == mss_for_mtu(pmtu, timestamps=True).payload
        assert mss_for_mtu(pmtu).mss == LINUX["loopback_mss"].value
    finally:
        for s in (conn, cli, srv):
            if s is not None:
                s.close()


def test_segment_and_fragment_layout_by_hand():
    # 4000 bytes: TCP makes 1460 + 1460 + 1080 (+40 bytes of headers each)
    assert segment_sizes(4000) == (1500, 1500, 1120)
    # one 4020-byte TCP segment: fragments carry 1480, 1480, 1060 (+20 IP header each)
    assert fragment_sizes(4000) == (1500, 1500, 1080)
    # IPv6: 8-byte fragment header, chunk = (1500-48)//8*8 = 1448
    assert fragment_sizes(4000, ip_version=6) == (1496, 1496, 48 + 4020 - 2 * 1448)
    # non-final fragment payload must be a multiple of 8: MTU 1006 → 984 per fragment
    sizes = fragment_sizes(3000, mtu=1006)
    assert all((s - 20) % 8 == 0 for s in sizes[:-1])
    assert sum(s - 20 for s in sizes) == 3020


def test_max_message():
    assert max_message() == 65535 - 40
    assert max_message(ip_version=6) == 65535 - 20
    assert max_message(timestamps=True) == 65535 - 52
    assert sum(s - 20 for s in fragment_sizes(max_message())) == 65515


@pytest.mark.parametrize("p", [0.0, 0.01, 0.05, 0.2])
def test_expectations_by_hand(p):
    c = compare(8000, loss=p)
    # by hand: 8000 = 5·1460 + 700 → 6 segments (5·1500 + 740 bytes); 8020 TCP bytes → 6 fragments
    assert c.segmented.packets == 6 and c.segmented.wire_bytes == 5 * 1500 + 740
    assert c.fragmented.packets == 6 and c.fragmented.wire_bytes == 5 * 1500 + 20 + 8020 - 5 * 1480
    r = p / (1 - p)
    assert c.segmented.resent_packets == pytest.approx(6 * r)
    assert c.segmented.resent_bytes == pytest.approx(8240 * r)
    q = (1 - p) ** 6
    assert c.fragmented.p_resend == pytest.approx(1 - q)
    assert c.fragmented.resent_bytes == pytest.approx(c.fragmented.wire_bytes * (1 - q) / q)
    assert c.segmented.p_resend == pytest.approx(1 - (1 - p) ** 6)
    if p > 0:
        assert c.fragmented.resent_bytes > c.segmented.resent_bytes


def test_single_packet_strategies_coincide():
    c = compare(1000, loss=0.1)
    assert c.segmented.packets == c.fragmented.packets == 1
    assert c.segmented.resent_bytes == pytest.approx(c.fragmented.resent_bytes)


@pytest.mark.parametrize("message,p,seed", [(14600, 0.02, 1), (40000, 0.01, 2), (60000, 0.03, 3)])
def test_formula_vs_monte_carlo(message, p, seed):
    exact = compare(message, loss=p)
    mc = monte_carlo(message, loss=p, trials=4000, seed=seed)
    for a, b in ((exact.segmented, mc.segmented), (exact.fragmented, mc.fragmented)):
        assert b.packets == a.packets and b.wire_bytes == a.wire_bytes
        assert b.p_resend == pytest.approx(a.p_resend, abs=0.03)
        assert b.resent_bytes == pytest.approx(a.resent_bytes, rel=0.12, abs=60)
        assert b.resent_packets == pytest.approx(a.resent_packets, rel=0.12, abs=0.05)
    assert monte_carlo(message, loss=p, trials=50, seed=seed) == monte_carlo(message, loss=p, trials=50, seed=seed)


# --- validators ----------------------------------------------------------


@pytest.mark.parametrize(
    "call,exc,msg",
    [
        (lambda: mss_for_mtu(100), ValueError, "mtu must be in [576, 65536], got 100"),
        (lambda: mss_for_mtu(1000, ip_version=6), ValueError, "mtu must be in [1280, 65536], got 1000"),
        (lambda: mss_for_mtu(1500, ip_version=5), ValueError, "ip_version must be one of 4, 6, got 5"),
        (lambda: mss_for_mtu(1500, timestamps=1), TypeError, "timestamps must be True or False, got int 1"),
        (lambda: compare(70000), ValueError, "message must be in [1, 65495], got 70000"),
        (lambda: compare(0, ip_version=6), ValueError, "message must be in [1, 65515], got 0"),
        (lambda: compare(1000, loss=0.6), ValueError, "loss must be in [0, 0.5], got 0.6"),
        (lambda: compare(1000, loss="x"), TypeError, "loss must be a number, got str 'x'"),
        (lambda: monte_carlo(1000, trials=0), ValueError, "trials must be in [1, 1000000], got 0"),
        (lambda: monte_carlo(1000, seed=-2), ValueError, "seed must be in [0, 4294967295], got -2"),
    ],
)
def test_validator_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == msg


@given(st.integers(min_value=-100, max_value=70000))
def test_hypothesis_mtu(mtu):
    if 576 <= mtu <= 65536:
        assert mss_for_mtu(mtu).mss == min(mtu, 65535) - 40
    else:
        with pytest.raises(ValueError, match="mtu"):
            mss_for_mtu(mtu)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_hypothesis_loss(p):
    if 0 <= p <= 0.5:
        c = compare(5000, loss=p)
        assert c.fragmented.resent_bytes >= c.segmented.resent_bytes - 1e-9
    else:
        with pytest.raises(ValueError, match="loss"):
            compare(5000, loss=p)


@given(st.integers(min_value=-5, max_value=70000))
def test_hypothesis_message(n):
    if 1 <= n <= 65495:
        assert sum(s - 40 for s in segment_sizes(n)) == n
    else:
        with pytest.raises(ValueError, match="message"):
            compare(n)
