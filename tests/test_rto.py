"""Tests for tcpkit.rto: RFC 6298 recomputed step by step, the Linux estimator against an
integer re-implementation of tcp_rtt_estimator(), Karn, back-off, tcp_model_timeout()."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.linux import LINUX
from tcpkit.rto import (
    RtoEstimator,
    linux_retries_timeout,
    rto_scenario,
    rto_series,
    synthetic_rtts,
)

SAMPLES = [0.120, 0.100, 0.300, 0.090, 0.095, 0.500, 0.110, 0.080, 0.081, 0.2]


def rfc6298_reference(samples, *, g=0.001, lo=1.0, hi=60.0):
    """RFC 6298 §2.2–2.5 written out again, independently of tcpkit."""
    out = []
    srtt = rttvar = None
    for r in samples:
        if srtt is None:
            srtt, rttvar = r, r / 2
        else:
            rttvar = 0.75 * rttvar + 0.25 * abs(srtt - r)  # RTTVAR first, with the old SRTT
            srtt = 0.875 * srtt + 0.125 * r
        rto = srtt + max(g, 4 * rttvar)
        out.append((srtt, rttvar, min(max(rto, lo), hi)))
    return out


@pytest.mark.parametrize("lo,hi", [(1.0, 60.0), (0.2, 120.0), (0.05, 1.0)])
def test_rfc6298_updates_step_by_step(lo, hi):
    est = RtoEstimator(flavor="rfc6298", rto_min=lo, rto_max=hi)
    assert est.rto == 1.0  # §2.1: RTO = 1 s before the first sample
    t = 0.0
    for (srtt, rttvar, rto), r in zip(rfc6298_reference(SAMPLES, lo=lo, hi=hi), SAMPLES):
        t += r
        s = est.on_sample(r, now=t)
        assert s.srtt == pytest.approx(srtt, abs=1e-12)
        assert s.rttvar == pytest.approx(rttvar, abs=1e-12)
        assert s.rto == pytest.approx(rto, abs=1e-12)


def test_rfc6298_first_sample_and_granularity():
    s = RtoEstimator(rto_min=0.001, granularity=0.5).on_sample(0.04, now=1.0)
    assert (s.srtt, s.rttvar) == (0.04, 0.02)
    assert s.rto == pytest.approx(0.04 + 0.5)  # max(G, 4·RTTVAR) = G
    s = RtoEstimator(rto_min=0.001, granularity=0.0).on_sample(0.04, now=1.0)
    assert s.rto == pytest.approx(0.04 + 4 * 0.02)


def test_rfc_floor_rounds_up_to_one_second():
    est = RtoEstimator()
    t = 0.0
    for _ in range(50):
        t += 0.01
        s = est.on_sample(0.01, now=t)
    assert s.rto == 1.0


def linux_reference(samples_s, rto_min_us=200_000):
    """net/ipv4/tcp_input.c tcp_rtt_estimator() with the kernel's integer µs shifts (stop-and-wait:
    every ACK acknowledges data sent after the previous ACK, so after(snd_una, rtt_seq) holds)."""
    srtt8 = mdev = mdev_max = rttvar = 0
    out = []
    for r in samples_s:
        m = round(r * 1e6)
        if srtt8 != 0:
            m -= srtt8 >> 3
            srtt8 += m
            if m < 0:
                m = -m
                m -= mdev >> 2
                if m > 0:
                    m >>= 3
            else:
                m -= mdev >> 2
            mdev += m
            if mdev > mdev_max:
                mdev_max = mdev
                if mdev_max > rttvar:
                    rttvar = mdev_max
            if mdev_max < rttvar:
                rttvar -= (rttvar - mdev_max) >> 2
            mdev_max = rto_min_us
        else:
            srtt8 = m << 3
            mdev = m << 1
            rttvar = max(mdev, rto_min_us)
            mdev_max = rttvar
        rto = min((srtt8 >> 3) + rttvar, 120_000_000)
        out.append((srtt8 / 8e6, rttvar / 1e6, rto / 1e6))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linux_estimator_matches_kernel_integer_code(seed):
    rtts = list(SAMPLES) + list(synthetic_rtts(40, base=0.03, jitter=0.02, spike_at=20, spike_size=0.25, seed=seed))
    ref = linux_reference(rtts)
    est = RtoEstimator(flavor="linux")
    t = 0.0
    for (srtt, var_term, rto), r in zip(ref, rtts):
        t += r
        s = est.on_sample(r, now=t)
        assert s.srtt == pytest.approx(srtt, abs=2e-5)
        assert s.var_term == pytest.approx(var_term, abs=2e-5)
        assert s.rto == pytest.approx(rto, abs=2e-5)


def test_linux_floor_is_on_the_variance_term():
    est = RtoEstimator(flavor="linux")
    t = 0.0
    for _ in range(100):
        t += 0.05
        s = est.on_sample(0.05, now=t)
    rto_min = LINUX["TCP_RTO_MIN"].value
    assert s.rto == pytest.approx(0.05 + rto_min, abs=1e-6)  # SRTT + rto_min, not max(RTO, rto_min)
    first = RtoEstimator(flavor="linux").on_sample(0.5, now=0.5)
    assert first.rto == pytest.approx(3 * 0.5)  # "make sure rto = 3*rtt"


@pytest.mark.parametrize("flavor", ["rfc6298", "linux"])
def test_karn_ignores_retransmitted_samples(flavor):
    est = RtoEstimator(flavor=flavor)
    est.on_sample(0.1, now=0.1)
    est.on_timeout()
    before = est.state
    after = est.on_sample(5.0, now=10.0, retransmitted=True)
    assert after == before  # nothing learned from an ambiguous sample
    assert after.backoff == 1 and after.rto == before.rto
    resumed = est.on_sample(0.1, now=10.2)
    assert resumed.backoff == 0 and resumed.samples == 2


@pytest.mark.parametrize("flavor,cap", [("rfc6298", 60.0), ("linux", 120.0)])
def test_backoff_doubles_up_to_the_cap(flavor, cap):
    est = RtoEstimator(flavor=flavor)
    assert cap == (60.0 if flavor == "rfc6298" else LINUX["TCP_RTO_MAX"].value)
    rtos = [est.on_timeout().rto for _ in range(10)]
    expected = [min(est.initial_rto * 2**k, cap) for k in range(1, 11)]
    assert rtos == pytest.approx(expected)
    assert est.state.backoff == 10


def test_series_timing_of_timeouts_and_karn():
    rtts = [0.2] * 10
    s = rto_series(rtts, timeout_at=4, timeouts=3)
    ref = rfc6298_reference(rtts[:4])
    rto_before = ref[-1][2]
    t_loss = sum(rtts[:4])
    touts = s.timeouts
    assert [p.time for p in touts] == pytest.approx(
        [t_loss + rto_before, t_loss + 3 * rto_before, t_loss + 7 * rto_before]
    )
    assert [p.rto for p in touts] == pytest.approx([2 * rto_before, 4 * rto_before, 8 * rto_before])
    karn = [p for p in s.points if p.kind == "karn"]
    assert len(karn) == 1 and karn[0].rto == touts[-1].rto
    assert len([p for p in s.points if p.kind == "sample"]) == 9
    assert s.max_rto == pytest.approx(8 * rto_before)


def test_scenario_spike_raises_rto_and_is_deterministic():
    quiet = rto_scenario(spike_size=0.0, timeouts=0, jitter=0.0, base_rtt=0.5)
    spiky = rto_scenario(spike_size=2.0, timeouts=0, jitter=0.0, base_rtt=0.5)
    assert spiky.max_rto > quiet.max_rto
    assert rto_scenario(seed=3) == rto_scenario(seed=3)
    assert rto_scenario(seed=3) != rto_scenario(seed=4)


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        ({"retries": 15}, 924.6),  # tcp_retries2 (ip-sysctl.rst: "924.6 seconds")
        ({"retries": 3}, 3.0),  # tcp_retries1
        ({"retries": 8}, 102.2),  # orphan retries 0 → 8
        ({"retries": 6, "rto_base": 1.0}, 127.0),  # classic SYN give-up
        ({"retries": 5, "rto_base": 1.0}, 63.0),  # SYN-ACK give-up
    ],
)
def test_linux_retries_timeout_matches_kernel_doc(kwargs, expected):
    assert linux_retries_timeout(**kwargs) == pytest.approx(expected)


def test_linux_retries_timeout_formula_recomputed():
    for n in range(0, 30):
        thresh = int(math.log2(120 / 0.2))
        t = (2 ** (n + 1) - 1) * 0.2 if n <= thresh else (2 ** (thresh + 1) - 1) * 0.2 + (n - thresh) * 120
        assert linux_retries_timeout(n) == pytest.approx(t)


# --- validators ------------------------------------------------------------


@pytest.mark.parametrize(
    "call,exc,msg",
    [
        (lambda: RtoEstimator(flavor="bsd"), ValueError, "flavor must be one of 'rfc6298', 'linux', got 'bsd'"),
        (lambda: RtoEstimator(rto_min=0), ValueError, "rto_min must be in (0, 60], got 0"),
        (lambda: RtoEstimator(rto_max=0.5), ValueError, "rto_max must be in [1, 3600], got 0.5"),
        (lambda: RtoEstimator(rto_min=5, rto_max=2), ValueError, "rto_min must be ≤ rto_max (2), got 5"),
        (lambda: RtoEstimator(initial_rto=0), ValueError, "initial_rto must be in [0.001, 3600], got 0"),
        (lambda: RtoEstimator(granularity=2), ValueError, "granularity must be in [0, 1], got 2"),
        (lambda: RtoEstimator().on_sample(0, now=1), ValueError, "rtt must be in (0, 600], got 0"),
        (lambda: RtoEstimator().on_sample(0.1, now=-1), ValueError, "now must be in [0, inf], got -1"),
        (lambda: RtoEstimator().on_sample("x", now=1), TypeError, "rtt must be a number, got str 'x'"),
        (lambda: rto_series([]), ValueError, "len(rtts) must be in [1, 100000], got 0"),
        (lambda: rto_series([0.1], timeout_at=1), ValueError, "timeout_at must be in [0, 0], got 1"),
        (lambda: rto_series([0.1], timeouts=17), ValueError, "timeouts must be in [0, 16], got 17"),
        (lambda: synthetic_rtts(0), ValueError, "n must be in [1, 10000], got 0"),
        (lambda: synthetic_rtts(5, base=0), ValueError, "base must be in [0.001, 10], got 0"),
        (lambda: synthetic_rtts(5, jitter=-1), ValueError, "jitter must be in [0, 5], got -1"),
        (lambda: synthetic_rtts(5, spike_at=5), ValueError, "spike_at must be in [0, 4], got 5"),
        (lambda: synthetic_rtts(5, spike_size=31), ValueError, "spike_size must be in [0, 30], got 31"),
        (lambda: synthetic_rtts(5, seed=-1), ValueError, "seed must be in [0, 4294967295], got -1"),
        (lambda: linux_retries_timeout(256), ValueError, "retries must be in [0, 255], got 256"),
        (lambda: linux_retries_timeout(3, rto_base=0), ValueError, "rto_base must be in [0.001, 120], got 0"),
    ],
)
def test_validator_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == msg


def test_time_must_not_go_backwards():
    est = RtoEstimator()
    est.on_sample(0.1, now=2.0)
    with pytest.raises(ValueError, match=r"now must be ≥ the previous now \(2\), got 1"):
        est.on_sample(0.1, now=1.0)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_hypothesis_rtt_range(r):
    est = RtoEstimator()
    if 0 < r <= 600:
        assert est.on_sample(r, now=1.0).srtt == r
    else:
        with pytest.raises(ValueError, match="rtt"):
            est.on_sample(r, now=1.0)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e3, max_value=1e4))
def test_hypothesis_rto_max_range(x):
    if 1 <= x <= 3600:
        assert RtoEstimator(rto_max=x, rto_min=min(1.0, x)).rto_max == x
    else:
        with pytest.raises(ValueError, match="rto_max"):
            RtoEstimator(rto_max=x)


@given(st.integers(min_value=-10, max_value=300))
def test_hypothesis_retries_range(n):
    if 0 <= n <= 255:
        assert linux_retries_timeout(n) > 0
    else:
        with pytest.raises(ValueError, match="retries"):
            linux_retries_timeout(n)


@given(st.one_of(st.text(max_size=3), st.none(), st.booleans()))
def test_hypothesis_wrong_types(v):
    with pytest.raises(TypeError, match="rtt"):
        RtoEstimator().on_sample(v, now=1.0)


def test_give_up_time_agrees_with_tcpkit_timers():
    from tcpkit.timers import retries_timeout

    for n in range(0, 40):
        for base in (0.2, 1.0):
            assert linux_retries_timeout(n, rto_base=base) == pytest.approx(retries_timeout(n, rto_base=base))


@pytest.mark.kernel
def test_linux_flavor_matches_tcpi_rto_on_loopback():
    """On a fresh loopback connection the kernel's RTO is SRTT + the 200 ms floor (plus jiffy rounding):
    the Linux flavour predicts it, the RFC flavour (1 s floor) does not."""
    import socket
    import struct

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli = conn = None
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        cli = socket.create_connection(srv.getsockname(), timeout=5)
        conn, _ = srv.accept()
        for _ in range(5):  # a few request/response rounds give RTT samples
            cli.sendall(b"ping")
            conn.recv(4)
            conn.sendall(b"pong")
            cli.recv(4)
        u32 = struct.unpack("8B20I", cli.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[:88])[8:]
        rto, rtt = u32[0] / 1e6, u32[15] / 1e6  # tcpi_rto, tcpi_rtt (srtt), µs
        model = RtoEstimator(flavor="linux").on_sample(max(rtt, 1e-6), now=1.0).rto
        assert model <= rto <= model + 0.012  # usecs_to_jiffies() rounds up to the next tick
        assert RtoEstimator().on_sample(max(rtt, 1e-6), now=1.0).rto == 1.0  # RFC 6298 would wait 1 s
    finally:
        for s in (conn, cli, srv):
            if s is not None:
                s.close()
