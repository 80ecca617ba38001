"""Congestion controllers and the bottleneck simulator against RFC 5681 / 6582 / 9438 and tcp_bbr.c."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpkit.congestion import (
    BBR,
    CONTROLLERS,
    Cubic,
    NewReno,
    Phase,
    Reno,
    Tahoe,
    create,
    cubic_k,
    cubic_window,
    simulate,
)
from tcpkit.congestion.bbr import DRAIN_GAIN, HIGH_GAIN, PACING_GAIN_CYCLE
from tcpkit.linux import LINUX

LOSS_BASED = [n for n, c in CONTROLLERS.items() if c.beta is not None]
BETA = {"tahoe": 0.5, "reno": 0.5, "newreno": 0.5, "cubic": 0.7}  # RFC 5681 eq. 4 / RFC 9438 §4.6


# ---------------------------------------------------------------------------
# one invariant checker for every controller (networkx validate_flows style)
# ---------------------------------------------------------------------------
def check_trace(tr, name: str) -> None:
    for f in tr.flows:
        n = len(f.time)
        assert n > 10, f"{name}: too few samples"
        assert all(len(a) == n for a in (f.cwnd, f.ssthresh, f.phase, f.inflight, f.delivery_rate, f.queue)), name
        for i in range(1, n):
            assert f.time[i] >= f.time[i - 1], f"{name}: time goes back at sample {i}"
        assert min(f.cwnd) >= 1.0, f"{name}: cwnd below the 1-segment loss window"
        assert min(f.ssthresh) >= 2.0, f"{name}: ssthresh below 2 segments"
        assert max(f.queue) <= tr.buffer_pkts + 1, f"{name}: queue above the buffer"
        assert f.goodput_mbps <= tr.bandwidth_mbps * 1.001, f"{name}: delivered more than the link carries"
        beta = CONTROLLERS[f.algorithm].beta
        if beta is None:
            continue
        # ssthresh reduced by the algorithm's factor on every loss
        for ev in f.events:
            if ev.kind == "fast_retransmit":
                i = max(0, _index_before(f.time, ev.time) - 1)
                before = max(f.cwnd[i], f.inflight[i])
                assert ev.ssthresh <= max(beta * before, 2.0) + 1.0, (
                    f"{name}: ssthresh {ev.ssthresh} after loss at t={ev.time:.4f} s exceeds {beta}·{before}"
                )
            if ev.kind == "recovery_end":  # deflation: cwnd = ssthresh (RFC 5681 §3.2 step 6)
                assert ev.cwnd == pytest.approx(ev.ssthresh), f"{name}: no deflation at t={ev.time:.4f} s"
        # phases consistent with cwnd vs ssthresh; ssthresh frozen during a recovery episode
        prev_fr_ss = None
        for i in range(n):
            ph = f.phase[i]
            if ph == Phase.SLOW_START:
                assert f.cwnd[i] < f.ssthresh[i], f"{name}: slow start with cwnd ≥ ssthresh at sample {i}"
            elif ph == Phase.CONGESTION_AVOIDANCE:
                assert f.cwnd[i] >= f.ssthresh[i], f"{name}: CA with cwnd < ssthresh at sample {i}"
            if ph == Phase.FAST_RECOVERY:
                if prev_fr_ss is not None:
                    assert f.ssthresh[i] == prev_fr_ss, f"{name}: ssthresh changed inside recovery at sample {i}"
                prev_fr_ss = f.ssthresh[i]
                if CONTROLLERS[f.algorithm].recovery == "sack":  # no growth during SACK/PRR recovery
                    assert f.cwnd[i] <= f.ssthresh[i] + 1e-9, f"{name}: cwnd grew in recovery at sample {i}"
            else:
                prev_fr_ss = None


def _index_before(times, t: float) -> int:
    lo, hi = 0, len(times)
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@pytest.mark.parametrize("granularity", ["ack", "round"])
@pytest.mark.parametrize("name", list(CONTROLLERS))
def test_invariants_single_flow(name: str, granularity: str) -> None:
    tr = simulate(name, bandwidth_mbps=10, rtt_ms=40, buffer_pkts=30, duration_s=6, loss_rate=0.001,
                  granularity=granularity)
    check_trace(tr, f"{name}/{granularity}")


@pytest.mark.parametrize("name", list(CONTROLLERS))
def test_invariants_shared_bottleneck(name: str) -> None:
    tr = simulate([name, "cubic"], bandwidth_mbps=8, rtt_ms=30, buffer_pkts=40, duration_s=5)
    check_trace(tr, f"{name}+cubic")


# ---------------------------------------------------------------------------
# RFC 5681 oracles
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", LOSS_BASED)
@pytest.mark.parametrize("flight", [1, 3, 4, 7, 20, 101])
def test_ssthresh_on_fast_retransmit(name: str, flight: int) -> None:
    cc = create(name, cwnd=float(max(flight, 1)))
    cc.on_loss(now=1.0, flight_size=flight)
    assert cc.ssthresh == pytest.approx(max(flight * BETA[name], 2.0))  # RFC 5681 eq. 4, RFC 9438 §4.6
    expected_cwnd = {"tahoe": 1.0, "reno": cc.ssthresh + 3.0, "newreno": cc.ssthresh + 3.0, "cubic": cc.ssthresh}
    assert cc.cwnd == pytest.approx(expected_cwnd[name])


@pytest.mark.parametrize("name", LOSS_BASED)
def test_rto_resets_to_loss_window(name: str) -> None:
    cc = create(name, cwnd=40.0)
    cc.on_rto(now=2.0, flight_size=40)
    assert (cc.cwnd, cc.ssthresh) == (1.0, pytest.approx(max(40 * BETA[name], 2.0)))
    assert cc.phase is Phase.SLOW_START


@pytest.mark.parametrize("name", LOSS_BASED)
def test_slow_start_adds_one_segment_per_ack(name: str) -> None:
    cc = create(name, cwnd=1.0, ssthresh=64.0)
    for k in range(1, 63):
        cc.on_ack(now=k * 0.001, acked=1, rtt=0.1)
        assert cc.cwnd == 1.0 + k, f"{name}: ACK {k}"  # RFC 5681 eq. 2, min(N, SMSS) with N = SMSS


@pytest.mark.parametrize("name", ["tahoe", "reno", "newreno"])
def test_congestion_avoidance_one_segment_per_rtt(name: str) -> None:
    w = 40.0
    cc = create(name, cwnd=w, ssthresh=w)
    oracle = w
    for rtt_round in range(5):
        start = cc.cwnd
        for _ in range(int(start)):
            cc.on_ack(now=0.0, acked=1, rtt=0.1)
            oracle += 1.0 / oracle  # RFC 5681 eq. 3: cwnd += SMSS*SMSS/cwnd
        assert cc.cwnd == pytest.approx(oracle, rel=1e-12)
        assert cc.cwnd - start == pytest.approx(1.0, abs=0.05), f"round {rtt_round}"


def test_reno_fast_recovery_steps() -> None:
    r = Reno(cwnd=20.0)
    r.on_loss(now=0.0, flight_size=20)
    assert (r.ssthresh, r.cwnd, r.phase) == (10.0, 13.0, Phase.FAST_RECOVERY)  # ssthresh + 3·SMSS
    for k in range(1, 6):
        r.on_dup_ack(now=0.01 * k)
        assert r.cwnd == 13.0 + k  # step 4: +SMSS per further dup ACK
    r.on_recovery_end(now=0.1, flight_size=10)
    assert (r.cwnd, r.in_recovery) == (10.0, False)  # step 6: deflate to ssthresh


def test_newreno_partial_ack_keeps_recovery() -> None:
    n = NewReno(cwnd=30.0)
    n.on_loss(now=0.0, flight_size=30)
    before = n.cwnd
    n.on_partial_ack(now=0.1, acked=5)
    assert n.in_recovery and n.cwnd == before - 5 + 1  # RFC 6582 §3.2 step 5


def _two_losses(name: str):
    return simulate(name, bandwidth_mbps=10, rtt_ms=60, buffer_pkts=200, duration_s=4,
                    initial_ssthresh=40, losses=[2.0, 2.004])


def test_newreno_repairs_two_losses_in_one_recovery() -> None:
    f = _two_losses("newreno").flows[0]
    kinds = [e.kind for e in f.events]
    assert kinds.count("fast_retransmit") == 1 and f.timeouts == 0
    assert kinds.count("recovery_start") == 1 and kinds.count("recovery_end") == 1


def test_reno_halves_twice_or_times_out_on_two_losses() -> None:
    f = _two_losses("reno").flows[0]
    assert f.fast_retransmits + f.timeouts >= 2  # leaves recovery on the first partial ACK


def test_sack_recovery_repairs_two_losses_without_inflation() -> None:
    tr = simulate("reno", bandwidth_mbps=10, rtt_ms=60, buffer_pkts=200, duration_s=4, initial_ssthresh=40,
                  losses=[2.0, 2.004], sack=True)
    f = tr.flows[0]
    assert f.fast_retransmits == 1 and f.timeouts == 0
    rec = [w for w, p in zip(f.cwnd, f.phase) if p == Phase.FAST_RECOVERY]
    ss = [e.ssthresh for e in f.events if e.kind == "fast_retransmit"][0]
    assert rec and max(rec) == ss + 3  # Reno's ssthresh + 3, no per-dup-ACK inflation: PRR paces the sending


def test_tahoe_has_no_fast_recovery() -> None:
    f = simulate("tahoe", bandwidth_mbps=10, rtt_ms=50, buffer_pkts=100, duration_s=4, initial_ssthresh=30,
                 losses=[2.0]).flows[0]
    assert f.fast_retransmits == 1
    assert Phase.FAST_RECOVERY not in set(f.phase)
    i = _index_before(f.time, [e.time for e in f.events if e.kind == "fast_retransmit"][0])
    assert f.cwnd[i] == 1.0  # back to the loss window, then slow start


def test_dupthresh_is_linux_tcp_reordering() -> None:
    """One scripted loss → exactly one fast retransmit, after 3 duplicate ACKs (~1 RTT after the loss)."""
    # cwnd stays below the BDP (≈ 43 segments) so the queue is empty and ACKs are spaced by tx
    tx = 1460 * 8 / 10e6
    f = simulate("reno", bandwidth_mbps=10, rtt_ms=50, buffer_pkts=100, duration_s=2, initial_ssthresh=10,
                 losses=[1.0]).flows[0]
    lost_at = [e.time for e in f.events if e.kind == "scripted_loss"][0]
    fr = [e.time for e in f.events if e.kind == "fast_retransmit"]
    dupthresh = LINUX["tcp_reordering"].value
    assert len(fr) == 1
    assert lost_at + 0.050 + dupthresh * tx - 1e-9 <= fr[0] <= lost_at + 0.050 + (dupthresh + 2) * tx + 0.001


# ---------------------------------------------------------------------------
# queueing physics: utilisation of one Reno flow vs buffer size
# ---------------------------------------------------------------------------
def _sawtooth_utilisation(bdp: float, buf: int) -> float:
    """Fluid oracle: W climbs 1 segment per round from (BDP+B+1)/2 to BDP+B+1; a round lasts
    max(W, BDP)/μ and delivers W segments, so utilisation = ΣW / Σmax(W, BDP)."""
    w, num, den = (bdp + buf + 1) / 2, 0.0, 0.0
    while w <= bdp + buf + 1:
        num += w
        den += max(w, bdp)
        w += 1
    return num / den


@pytest.mark.parametrize("buf", [2, 8, 30, 52])
def test_newreno_utilisation_matches_sawtooth_geometry(buf: int) -> None:
    bdp = 12e6 / (1460 * 8) * 0.050  # ≈ 51.4 segments
    tr = simulate("newreno", bandwidth_mbps=12, rtt_ms=50, buffer_pkts=buf, duration_s=60, initial_ssthresh=30)
    util = tr.flows[0].goodput_mbps / 12
    assert util == pytest.approx(_sawtooth_utilisation(bdp, buf), abs=0.04)
    if buf >= bdp:
        assert util > 0.95  # rule of thumb: a buffer of one BDP keeps the link busy


@pytest.mark.parametrize("name", ["newreno", "cubic"])
def test_round_model_agrees_with_per_ack_model(name: str) -> None:
    """One loss event per round in the fluid model ≈ one recovery episode per ACK-level loss burst.

    (Reno and Tahoe are left out on purpose: at ACK level drop-tail often costs them two segments per
    congestion event and an RTO, which the round model does not represent — see the next test.)
    """
    kw = dict(bandwidth_mbps=10, rtt_ms=40, buffer_pkts=40, duration_s=30, initial_ssthresh=40)
    a = simulate(name, granularity="ack", **kw).flows[0]
    r = simulate(name, granularity="round", **kw).flows[0]
    assert statistics.median(r.cwnd) == pytest.approx(statistics.median(a.cwnd), rel=0.2)
    assert r.goodput_mbps == pytest.approx(a.goodput_mbps, rel=0.1)


def test_reno_times_out_where_newreno_does_not() -> None:
    kw = dict(bandwidth_mbps=10, rtt_ms=40, buffer_pkts=40, duration_s=30, initial_ssthresh=40)
    reno, newreno = (simulate(a, **kw).flows[0] for a in ("reno", "newreno"))
    assert reno.timeouts > 0 and newreno.timeouts == 0
    assert reno.goodput_mbps < newreno.goodput_mbps


def test_simulator_is_deterministic() -> None:
    kw = dict(bandwidth_mbps=5, rtt_ms=30, buffer_pkts=20, duration_s=3, loss_rate=0.01, seed=7)
    a, b = simulate("cubic", **kw), simulate("cubic", **kw)
    assert list(a.cwnd) == list(b.cwnd) and a.events == b.events
    c = simulate("cubic", **{**kw, "seed": 8})
    assert list(c.cwnd) != list(a.cwnd)


# ---------------------------------------------------------------------------
# CUBIC: RFC 9438 §4.2 helpers and the controller
# ---------------------------------------------------------------------------
def test_cubic_k_hand_computed() -> None:
    assert cubic_k(100, c=0.4, beta=0.7) == pytest.approx(4.2172, abs=5e-5)  # cbrt(30 / 0.4)
    assert cubic_k(100, c=0.4, beta=0.7) == pytest.approx((100 * 0.3 / 0.4) ** (1 / 3), rel=1e-12)
    assert cubic_k(1000) == pytest.approx(9.0856, abs=5e-5)  # cbrt(750)
    linux = cubic_k(100, c=LINUX["cubic_c"].value, beta=LINUX["cubic_beta"].value)
    assert linux == pytest.approx((100 * (1 - 717 / 1024) / (410 / 1024)) ** (1 / 3), rel=1e-12)


@pytest.mark.parametrize("t", [0.0, 1.0, 2.5, 4.2172, 6.0, 10.0])
def test_cubic_window_hand_computed(t: float) -> None:
    k = (100 * (1 - 0.7) / 0.4) ** (1 / 3)
    assert cubic_window(t, 100) == pytest.approx(0.4 * (t - k) ** 3 + 100, rel=1e-12)
    if t == 0.0:
        assert cubic_window(t, 100) == pytest.approx(70.0)  # β·W_max
    if t == 4.2172:
        assert cubic_window(t, 100) == pytest.approx(100.0, abs=1e-3)  # plateau at W_max


def test_cubic_controller_follows_w_cubic_after_a_loss() -> None:
    """Controller within ±1 % of W_cubic(t) for 400 ms after the reduction (RFC 9438 eq. 1)."""
    c, beta, w_max, rtt = 0.4, 0.7, 100.0, 0.050
    cc = Cubic(cwnd=beta * w_max, ssthresh=beta * w_max, w_max=w_max)
    k = (w_max * (1 - beta) / c) ** (1 / 3)
    for ms in range(0, 401):
        now = ms / 1000
        cc.on_ack(now=now, acked=cc.cwnd * 0.001 / rtt, rtt=rtt)  # one window per RTT, spread over 1 ms steps
        expected = c * (now - k) ** 3 + w_max
        assert abs(cc.cwnd - expected) <= 0.01 * expected, (
            f"Error at {ms} ms, cwnd={cc.cwnd:.4f}, expected W_cubic={expected:.4f}"
        )


def test_cubic_fast_convergence_and_reduction() -> None:
    cc = Cubic(cwnd=80.0, ssthresh=80.0, w_max=100.0)
    cc.on_loss(now=0.0, flight_size=80)
    assert cc.w_max == pytest.approx(80 * (1 + 0.7) / 2)  # §4.7: cwnd < W_max → W_max = cwnd(1+β)/2
    assert cc.ssthresh == pytest.approx(56.0) and cc.cwnd == pytest.approx(56.0)  # §4.6
    cc2 = Cubic(cwnd=120.0, ssthresh=120.0, w_max=100.0)
    cc2.on_loss(now=0.0, flight_size=120)
    assert cc2.w_max == 120.0


def test_cubic_concave_then_convex_in_simulation() -> None:
    tr = simulate("cubic", bandwidth_mbps=50, rtt_ms=40, buffer_pkts=300, duration_s=30, initial_ssthresh=100,
                  losses=[5.0])
    f = tr.flows[0]
    end = [e.time for e in f.events if e.kind == "recovery_end"][0]
    w_max = [e.cwnd for e in f.events if e.kind == "fast_retransmit"][0] / 0.7
    k = cubic_k(w_max)
    pts = [(t, w) for t, w in zip(f.time, f.cwnd) if end < t < end + 2 * k]
    slope = lambda a, b: (_at(pts, b) - _at(pts, a)) / (b - a)  # noqa: E731
    s1, s2, s3 = slope(end + 0.1, end + 0.4 * k), slope(end + 0.8 * k, end + 1.1 * k), slope(end + 1.5 * k, end + 1.9 * k)
    assert s1 > s2 < s3, f"not concave then convex: slopes {s1:.2f}, {s2:.2f}, {s3:.2f}"


def _at(pts, t):
    return min(pts, key=lambda p: abs(p[0] - t))[1]


# ---------------------------------------------------------------------------
# BBR v1 (tcp_bbr.c)
# ---------------------------------------------------------------------------
def test_bbr_gain_constants() -> None:
    assert HIGH_GAIN == pytest.approx(2 / math.log(2), abs=0.003) and HIGH_GAIN * 256 == 739
    assert DRAIN_GAIN == pytest.approx(math.log(2) / 2, abs=0.003) and DRAIN_GAIN * 256 == 88
    assert PACING_GAIN_CYCLE == (1.25, 0.75, 1, 1, 1, 1, 1, 1)


def test_bbr_phases_in_order() -> None:
    tr = simulate("bbr", bandwidth_mbps=10, rtt_ms=40, buffer_pkts=100, duration_s=12)
    f = tr.flows[0]
    modes = [m for _, m, _ in f.bbr_history]
    assert modes[:3] == ["startup", "drain", "probe_bw"]
    assert "probe_rtt" in modes and modes[modes.index("probe_rtt") + 1] == "probe_bw"
    gains = {m: g for _, m, g in f.bbr_history if m in ("startup", "drain")}
    assert gains == {"startup": pytest.approx(2.885, abs=0.005), "drain": pytest.approx(0.346, abs=0.005)}
    cycle = [g for _, m, g in f.bbr_history if m == "probe_bw"]
    i0 = PACING_GAIN_CYCLE.index(cycle[0]) if cycle[0] != 1.0 else None
    for a, b in zip(cycle, cycle[1:20]):  # consecutive phases follow the 8-phase cycle
        assert (a, b) in {(PACING_GAIN_CYCLE[j], PACING_GAIN_CYCLE[(j + 1) % 8]) for j in range(8)} or b == a == 1.0
    assert 1.25 in cycle and 0.75 in cycle and i0 != 1  # never starts in the 0.75 phase
    # PROBE_RTT: cwnd capped at 4 segments for at least 200 ms
    t_in = [t for t, m, _ in f.bbr_history if m == "probe_rtt"][0]
    t_out = [t for t, m, _ in f.bbr_history if t > t_in][0]
    assert t_out - t_in >= 0.2
    inside = [w for t, w in zip(f.time, f.cwnd) if t_in + 0.06 < t < t_out]
    assert inside and max(inside) <= 4.0


def test_bbr_keeps_queue_short_in_deep_buffer() -> None:
    kw = dict(bandwidth_mbps=10, rtt_ms=40, buffer_pkts=300, duration_s=8)
    bbr = simulate("bbr", **kw).flows[0]
    cubic = simulate("cubic", **kw).flows[0]
    assert statistics.median(bbr.queue) < 0.5 * statistics.median(cubic.queue)


def test_bbr_startup_bandwidth_estimate_matches_link() -> None:
    b = BBR()
    tr = simulate("bbr", bandwidth_mbps=10, rtt_ms=40, buffer_pkts=100, duration_s=3)
    assert max(tr.flows[0].delivery_rate) == pytest.approx(10, rel=0.05)
    assert b.phase is Phase.STARTUP and b.pacing_rate is None


# ---------------------------------------------------------------------------
# registry and validators
# ---------------------------------------------------------------------------
def test_registry_is_explicit() -> None:
    assert CONTROLLERS == {"tahoe": Tahoe, "reno": Reno, "newreno": NewReno, "cubic": Cubic, "bbr": BBR}


def test_unknown_algorithm_message() -> None:
    with pytest.raises(ValueError) as e:
        simulate("vegas", bandwidth_mbps=10, rtt_ms=10, buffer_pkts=10, duration_s=1)
    assert str(e.value) == "algorithm must be one of 'tahoe', 'reno', 'newreno', 'cubic', 'bbr', got 'vegas'"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"bandwidth_mbps": 0}, "bandwidth_mbps must be in [0.01, 10000], got 0"),
        ({"rtt_ms": -1}, "rtt_ms must be in [0.01, 10000], got -1"),
        ({"buffer_pkts": 0}, "buffer_pkts must be in [1, 1000000], got 0"),
        ({"loss_rate": 0.9}, "loss_rate must be in [0, 0.5], got 0.9"),
        ({"duration_s": 0}, "duration_s must be in (0, 3600], got 0"),
        ({"mss": 20}, "mss must be in [88, 65495], got 20"),
        ({"initial_cwnd": 0}, "initial_cwnd must be in [1, 1000], got 0"),
        ({"seed": -1}, "seed must be in [0, 4294967295], got -1"),
        ({"granularity": "packet"}, "granularity must be one of 'ack', 'round', got 'packet'"),
        ({"losses": [5.0]}, "losses must be in [0, 1], got 5"),
        ({"initial_ssthresh": 1}, "initial_ssthresh must be in [2, 2.14748e+09], got 1"),
    ],
)
def test_simulate_validator_messages(kw: dict, message: str) -> None:
    base = dict(bandwidth_mbps=10, rtt_ms=10, buffer_pkts=10, duration_s=1)
    with pytest.raises(ValueError) as e:
        simulate("reno", **{**base, **kw})
    assert str(e.value) == message


def test_helper_validator_messages() -> None:
    with pytest.raises(ValueError, match=r"^w_max must be in \(0, 1e\+09\], got 0$"):
        cubic_k(0)
    with pytest.raises(ValueError, match=r"^beta must be in \(0, 1\), got 1$"):
        cubic_window(1.0, 100, beta=1.0)
    with pytest.raises(ValueError, match=r"^cwnd must be in \[1, 1e\+06\], got 0.5$"):
        Reno(cwnd=0.5)
    with pytest.raises(TypeError, match="^bandwidth_mbps must be a number, got str '10'$"):
        simulate("reno", bandwidth_mbps="10", rtt_ms=10, buffer_pkts=10, duration_s=1)
    with pytest.raises(TypeError, match="^sack must be True or False, got int 1$"):
        simulate("reno", bandwidth_mbps=10, rtt_ms=10, buffer_pkts=10, duration_s=1, sack=1)
    with pytest.raises(ValueError, match="^algorithm must list 1 to 8 names, got 9$"):
        simulate(["reno"] * 9, bandwidth_mbps=10, rtt_ms=10, buffer_pkts=10, duration_s=1)


_PARAMS = {
    "bandwidth_mbps": st.one_of(st.floats(max_value=0.0099), st.floats(min_value=10000.01)),
    "rtt_ms": st.one_of(st.floats(max_value=0.0099), st.floats(min_value=10000.01)),
    "buffer_pkts": st.one_of(st.integers(max_value=0), st.integers(min_value=1_000_001)),
    "loss_rate": st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=0.50001)),
    "duration_s": st.one_of(st.floats(max_value=0.0), st.floats(min_value=3600.01)),
    "mss": st.one_of(st.integers(max_value=87), st.integers(min_value=65496)),
    "initial_cwnd": st.one_of(st.integers(max_value=0), st.integers(min_value=1001)),
}


@settings(max_examples=60, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(_PARAMS)))
def test_bad_values_name_the_parameter(data, name: str) -> None:
    value = data.draw(_PARAMS[name])
    base = dict(bandwidth_mbps=10, rtt_ms=10, buffer_pkts=10, duration_s=1)
    with pytest.raises(ValueError) as e:
        simulate("reno", **{**base, name: value})
    assert str(e.value).startswith(name + " must be")


@settings(max_examples=30, deadline=None)
@given(value=st.one_of(st.text(), st.none(), st.booleans(), st.lists(st.integers())))
def test_wrong_types_are_type_errors(value) -> None:
    with pytest.raises(TypeError) as e:
        simulate("reno", bandwidth_mbps=10, rtt_ms=value, buffer_pkts=10, duration_s=1)
    assert str(e.value).startswith("rtt_ms must be a number")


# ---------------------------------------------------------------------------
# bad input that used to pass silently
# ---------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(alg=st.sampled_from(sorted(CONTROLLERS)), bw=st.floats(0.01, 10000), rtt=st.floats(0.01, 10000),
       buf=st.integers(1, 10**6), dur=st.floats(0.001, 3600))
def test_sack_needs_the_per_ack_model(alg: str, bw: float, rtt: float, buf: int, dur: float) -> None:
    """The round model has no SACK scoreboard: ``sack=True`` there is refused, whatever the path."""
    with pytest.raises(ValueError) as e:
        simulate(alg, bandwidth_mbps=bw, rtt_ms=rtt, buffer_pkts=buf, duration_s=dur, sack=True, granularity="round")
    assert str(e.value) == "sack=True needs granularity='ack' (the round model has no SACK scoreboard), " \
                           "got granularity='round'"


_HOOKS = {  # hook → its keyword arguments, all valid
    "on_ack": dict(now=1.0, acked=1.0, rtt=0.1, inflight=5.0, rate=100.0),
    "on_sample": dict(now=1.0, rtt=0.1, rate=100.0, inflight=5.0, delivered=1.0),
    "on_loss": dict(now=1.0, flight_size=10.0),
    "on_dup_ack": dict(now=1.0),
    "on_partial_ack": dict(now=1.0, acked=1.0),
    "on_recovery_end": dict(now=1.0, flight_size=10.0),
    "on_rto": dict(now=1.0, flight_size=10.0),
}
_BAD = st.one_of(st.just(float("nan")), st.just(float("inf")), st.just(-float("inf")),
                 st.floats(max_value=-1e-12, allow_infinity=False, allow_nan=False))


def test_reno_on_ack_nan_raises_and_leaves_cwnd() -> None:
    r = Reno()
    with pytest.raises(ValueError, match=r"^acked must be a finite number in \[0, inf\], got nan$"):
        r.on_ack(now=0.0, acked=float("nan"), rtt=0.1)
    assert r.cwnd == 10.0


@settings(max_examples=120, deadline=None)
@given(name=st.sampled_from(sorted(CONTROLLERS)), hook=st.sampled_from(sorted(_HOOKS)), data=st.data(), bad=_BAD)
def test_hooks_reject_nan_inf_and_negative(name: str, hook: str, data, bad: float) -> None:
    """Every hook of every controller refuses a NaN, infinite or negative number, names it, and changes nothing."""
    cc = create(name, cwnd=20)
    kwargs = dict(_HOOKS[hook])
    arg = data.draw(st.sampled_from(sorted(kwargs)))
    kwargs[arg] = bad
    before = cc.snapshot()
    with pytest.raises(ValueError) as e:
        getattr(cc, hook)(**kwargs)
    assert str(e.value).startswith(arg + " must be")
    assert cc.snapshot() == before
    getattr(cc, hook)(**_HOOKS[hook])  # the valid call still works
    assert math.isfinite(cc.cwnd) and cc.cwnd >= 1.0


def test_hooks_name_a_wrong_type() -> None:
    with pytest.raises(TypeError, match="^rtt must be a number, got str '0.1'$"):
        Cubic().on_ack(now=0.0, acked=1, rtt="0.1")


# ---------------------------------------------------------------------------
# the parts of the per-ACK simulator, each against a closed form
# ---------------------------------------------------------------------------
def test_bottleneck_serialises_queues_and_drops_tail() -> None:
    """Back-to-back segments leave one serialisation time apart (8·mss/rate); beyond buffer + 1 they are dropped."""
    from tcpkit.congestion.link import DROPPED, Bottleneck

    link = Bottleneck(bandwidth_mbps=8, rtt_ms=30, buffer_pkts=3, mss=1000)  # 1 ms per segment
    got = [link.admit(0.0) for _ in range(6)]
    assert got[:4] == pytest.approx([0.031, 0.032, 0.033, 0.034], abs=1e-12)
    assert got[4:] == [DROPPED, DROPPED]
    assert link.admit(0.0025) == pytest.approx(0.035, abs=1e-12)  # two have left: room again, behind the 4th


def test_receiver_acks_cumulatively() -> None:
    from tcpkit.congestion.link import Receiver

    r = Receiver()
    assert [r.receive(s) for s in (0, 2, 3, 1, 5, 4)] == [1, 1, 1, 4, 4, 6]


def test_scoreboard_pipe_and_holes_follow_rfc_6675() -> None:
    """Segments 0–9 sent, 3 and 6 lost: SACKs up to 9 leave pipe = retransmissions only, holes 3 then 6."""
    from tcpkit.congestion.scoreboard import Scoreboard

    b = Scoreboard()
    for seq in (0, 1, 2):
        b.on_ack(seq + 1, seq, seq, 0.0, 0.1)
    for seq in (4, 5, 7, 8, 9):
        b.on_ack(3, seq, 3, 0.0, 0.1)
    assert b.pipe(3, 10) == 0  # FACK: nothing sent above the highest SACK
    assert [b.next_hole(3, 1.0), b.next_hole(3, 1.0), b.next_hole(3, 1.0)] == [3, 6, -1]
    assert b.pipe(3, 10) == 2  # the two retransmissions
    b.on_ack(3, 5, 3, 1.1, 0.1)  # a duplicate SACK of a segment sent 1.1 s > 1.0 + SRTT/4: RACK marks both lost
    assert b.pipe(3, 10) == 0 and b.next_hole(3, 1.2) == 3


def test_event_clock_orders_ack_then_pacing_then_rto() -> None:
    from tcpkit.congestion.clock import ACK, PACE, RTO, EventClock

    c = EventClock(2)
    c.acks.append((1.0,))
    c.pace[1] = 1.0
    c.rto[0] = 1.0
    assert c.next() == (ACK, 1.0)
    c.acks.popleft()
    assert c.next() == (PACE, 1.0) and c.flow == 1
    c.pace[1] = float("inf")
    assert c.next() == (RTO, 1.0) and c.flow == 0


def test_sender_rto_is_rfc_6298_with_the_linux_floor() -> None:
    """The sender's RtoEstimator: RTO = SRTT + max(4·RTTVAR, 200 ms), recomputed here from RFC 6298 §2."""
    from tcpkit.congestion.sender import rto_estimator

    est, srtt, var = rto_estimator(), None, None
    for i, r in enumerate([0.05, 0.08, 0.03, 0.5, 0.05]):
        got = est.update(r, float(i))
        if srtt is None:
            srtt, var = r, r / 2
        else:
            var = 0.75 * var + 0.25 * abs(srtt - r)
            srtt = 0.875 * srtt + 0.125 * r
        assert got == pytest.approx(srtt + max(4 * var, 0.2), rel=1e-12), i
    assert est.on_timeout().rto == pytest.approx(2 * got, rel=1e-12)


@pytest.mark.parametrize("alg", ["cubic", "bbr", "reno"])
def test_sack_timeout_row_shows_the_pipe(alg: str) -> None:
    """After an RTO a SACK sender marks everything outstanding lost (Linux tcp_enter_loss) and retransmits
    snd_una: the pipe, which every other row of ``inflight`` reports, is that one segment (cwnd = 1)."""
    rows = []
    for seed in range(6):
        tr = simulate(alg, bandwidth_mbps=2, rtt_ms=50, buffer_pkts=5, duration_s=8, loss_rate=0.3, seed=seed,
                      initial_cwnd=2, sack=True)
        f = tr.flows[0]
        timeouts = {e.time for e in f.events if e.kind == "timeout"}
        rows += [(i, w) for t, i, w in zip(f.time, f.inflight, f.cwnd) if t in timeouts]
    assert len(rows) >= 10
    assert set(rows) == {(1.0, 1.0)}


# ---------------------------------------------------------------------------
# the retransmission timer: a sender with data outstanding is never silent for longer than its RTO
# ---------------------------------------------------------------------------
def _rto_bound(tr) -> float:
    """Largest RTO a flow can have without backoff (RFC 6298 §2 with the Linux floor), from the path alone.

    Every RTT sample r lies in [rtt, rtt_max] (propagation + a full FIFO ahead + own serialisation), so
    SRTT ≤ rtt_max and RTTVAR ≤ max(rtt_max/2, rtt_max − rtt) ≤ rtt_max; before the first sample RTO = 1 s.
    """
    tx = 8 * tr.mss / (tr.bandwidth_mbps * 1e6)
    rtt_max = tr.rtt_ms / 1000 + (tr.buffer_pkts + 2 * len(tr.flows) + 1) * tx
    return max(LINUX["TCP_TIMEOUT_INIT"].value, rtt_max + max(4 * rtt_max, LINUX["TCP_RTO_MIN"].value))


def silent_gaps(tr) -> list[tuple[str, float, float, float]]:
    """(algorithm, from, to, allowed) for every stretch in which a flow with data outstanding did nothing
    for longer than its retransmission timer allows.

    RFC 6298 §5.1: every time data is sent, the timer is started if it is not running, so while data is
    outstanding the next ACK or timeout comes at most one RTO later. The RTO is at most
    :func:`_rto_bound` after any ACK (each ACK is a new RTT sample here), and doubles on each expiry
    (§5.5) up to ``TCP_RTO_MAX``. The end of the run counts as an event: a flow whose last sample has
    data outstanding must not stay silent until the end for longer than that either.
    """
    base, rto_max = _rto_bound(tr), LINUX["TCP_RTO_MAX"].value
    bad = []
    for f in tr.flows:
        timeouts: dict[float, int] = {}
        for e in f.events:
            if e.kind == "timeout":
                timeouts[e.time] = timeouts.get(e.time, 0) + 1
        backoff, prev, outstanding = 0, 0.0, True  # at t = 0 the initial window is in flight
        n = len(f.time)
        for i in range(n + 1):
            t = f.time[i] if i < n else tr.duration_s
            allowed = min(base * 2**backoff, rto_max)
            if outstanding and t - prev > allowed + 1e-9:
                bad.append((f.algorithm, prev, t, allowed))
            if i == n:
                break
            if timeouts.get(t):  # this sample is the timeout itself: the timer doubled (§5.5)
                timeouts[t] -= 1
                backoff += 1
            else:  # an ACK: a fresh RTT sample, RTO recomputed without backoff (§2)
                backoff = 0
            prev, outstanding = t, f.inflight[i] > 0
    return bad


def test_silent_gaps_detects_a_stall() -> None:
    """The checker itself: a trace cut short while data is outstanding is reported."""
    from tcpkit.congestion import Trace

    tr = simulate("reno", bandwidth_mbps=2, rtt_ms=50, buffer_pkts=5, duration_s=3, loss_rate=0.0)
    assert silent_gaps(tr) == []
    longer = Trace(tr.flows, tr.bandwidth_mbps, tr.rtt_ms, tr.buffer_pkts, 30.0, tr.mss, tr.granularity,
                   tr.ack_events)
    assert len(silent_gaps(longer)) == 1 and silent_gaps(longer)[0][1:3] == (tr.time[-1], 30.0)


def test_reported_stall_is_fixed() -> None:
    """The reproducer of the bug: an ACK emptied the flight, the new data sent after it was all lost, and
    no retransmission timer was armed — the trace stopped at 1.11 s of 20 s with one timeout."""
    tr = simulate("reno", bandwidth_mbps=2, rtt_ms=50, buffer_pkts=5, duration_s=20, loss_rate=0.3, seed=1,
                  initial_cwnd=2)
    assert silent_gaps(tr) == []
    f = tr.flows[0]
    assert f.time[-1] > 15 and f.timeouts > 1


_HEAVY_LOSS = [
    (alg, dict(bandwidth_mbps=2, rtt_ms=50, buffer_pkts=(2, 5, 8)[s % 3], duration_s=8,
               loss_rate=(0.2, 0.3, 0.4, 0.5)[s % 4], seed=s, initial_cwnd=(1, 2, 4)[s % 3],
               sack=bool(s % 2)))
    for alg in CONTROLLERS for s in range(48)
] + [
    (algs, dict(bandwidth_mbps=3, rtt_ms=40, buffer_pkts=4, duration_s=8, loss_rate=(0.2, 0.35, 0.5)[s % 3],
                seed=s, initial_cwnd=2))
    for algs in (["reno", "bbr"], ["cubic", "newreno", "tahoe"]) for s in range(24)
]


@pytest.mark.parametrize("path", ["ack", "round"])
def test_never_silent_with_data_outstanding(path: str) -> None:
    """Heavy random loss, small buffers, every algorithm: the timer always restarts a stalled flow
    (the per-ACK simulator and the round model)."""
    stalled = []
    for alg, kw in _HEAVY_LOSS:
        kw = dict(kw, granularity="round" if path == "round" else "ack")
        if path == "round":
            kw.pop("sack", None)
        gaps = silent_gaps(simulate(alg, **kw))
        if gaps:
            stalled.append((alg, kw["seed"], kw["loss_rate"], gaps[0]))
    assert stalled == [], f"{len(stalled)} of {len(_HEAVY_LOSS)} runs went silent, e.g. {stalled[:3]}"


# ---------------------------------------------------------------------------
# delivery-rate samples after the flight went empty (Linux net/ipv4/tcp_rate.c tcp_rate_skb_sent) and BBR's
# STARTUP pacing floor (net/ipv4/tcp_bbr.c bbr_set_pacing_rate / bbr_init_pacing_rate_from_rtt)
# ---------------------------------------------------------------------------
class _SlowPacer(Reno):
    """Reno's window, but paced at a fixed ``rate`` segments/s so slowly that every segment leaves an empty flight."""

    def __init__(self, rate: float) -> None:
        super().__init__(cwnd=10.0)
        self.pacing_rate = rate


@pytest.mark.parametrize("pace, rtt_ms, bw", [(2.0, 50, 2.0), (5.0, 20, 10.0), (1.0, 100, 1.0)])
def test_rate_sample_after_idle_starts_at_the_new_send(pace: float, rtt_ms: int, bw: float) -> None:
    """Each segment is sent 1/pace s after the previous one, long after its ACK emptied the flight. Linux
    tcp_rate_skb_sent() restarts the sample's clock at that send when packets_out == 0, so each ACK's
    sample is 1 segment / (propagation + serialisation): the idle time before the send is not counted."""
    from tcpkit.congestion import sim

    tr = sim._simulate_ack(["slow"], [_SlowPacer(pace)], bw, rtt_ms, 10, 0.0, [], 5.0, 1460, 0)
    f = tr.flows[0]
    seg_time = rtt_ms / 1000 + 8 * 1460 / (bw * 1e6)  # empty queue: RTT of a lone segment
    want = 1 / seg_time * 1460 * 8 / 1e6  # Mbit/s
    assert len(f.time) >= 4 and max(f.inflight) == 0  # every ACK leaves nothing in flight
    assert f.delivery_rate.tolist() == pytest.approx([want] * len(f.time), rel=1e-9)


def test_bbr_startup_pacing_starts_from_cwnd_over_rtt() -> None:
    """Linux bbr_init_pacing_rate_from_rtt(): at the first RTT sample the pacing rate becomes
    high_gain × cwnd / SRTT (× 99 %), and in STARTUP bbr_set_pacing_rate() only raises it, so a tiny
    first delivery-rate sample cannot slow the sender down."""
    b = BBR(cwnd=4.0)
    b.on_sample(now=7.0, rtt=0.05, rate=0.1, inflight=2)  # first sample: 0.1 segment/s (a stale interval)
    assert b.pacing_rate == pytest.approx(HIGH_GAIN * 4 / 0.05 * 0.99, rel=1e-12)
    b.on_sample(now=7.01, rtt=0.05, rate=0.2, inflight=2)
    assert b.pacing_rate == pytest.approx(HIGH_GAIN * 4 / 0.05 * 0.99, rel=1e-12)  # not lowered in STARTUP
    b.on_sample(now=7.02, rtt=0.05, rate=500.0, inflight=2)
    assert b.pacing_rate == pytest.approx(HIGH_GAIN * 500.0 * 0.99, rel=1e-12)  # raised


def _idle_after_empty_flight(tr) -> list[tuple[float, float]]:
    """(time the flight became empty, time of the next sample) when that wait exceeds what pacing at the
    path's own rate and one un-backed-off retransmission timer allow."""
    tx = 8 * tr.mss / (tr.bandwidth_mbps * 1e6)
    rtt_max = tr.rtt_ms / 1000 + (tr.buffer_pkts + 2 * len(tr.flows) + 1) * tx
    allowed = _rto_bound(tr) + rtt_max
    out = []
    for f in tr.flows:
        t, infl = f.time.tolist(), f.inflight.tolist()
        for i in range(len(t) - 1):
            if infl[i] == 0 and t[i + 1] - t[i] > allowed:
                out.append((t[i], t[i + 1]))
    return out


def test_bbr_no_idle_gap_from_a_stale_rate_sample() -> None:
    """The reported case: the flight emptied at 7.11 s and BBR, paced by a 0.002 Mbit/s sample measured
    from t = 0, sent nothing until 9.58 s. After an ACK empties the flight the RTO is un-backed-off
    (RFC 6298 §5.3), so the next event must come within one pacing gap plus that RTO."""
    tr = simulate("bbr", bandwidth_mbps=2, rtt_ms=50, buffer_pkts=5, duration_s=20, loss_rate=0.3, seed=149,
                  initial_cwnd=2)
    assert _idle_after_empty_flight(tr) == []
    assert silent_gaps(tr) == []
    stalled = [(kw["seed"], g[0]) for alg, kw in _HEAVY_LOSS if alg == "bbr"
               for g in [_idle_after_empty_flight(simulate(alg, **kw))] if g]
    assert stalled == []
