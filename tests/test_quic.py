"""tcpkit.quic: HOL blocking TCP vs QUIC, RFC 9002 loss detection, flow-control credit, migration."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpkit.quic import (
    AMPLIFICATION_FACTOR,
    K_GRANULARITY,
    K_INITIAL_RTT,
    K_PACKET_THRESHOLD,
    K_TIME_THRESHOLD,
    MAX_ACK_DELAY,
    RttEstimator,
    flow_credit,
    hol_compare,
    migrate,
    rtt_ambiguity,
)


def test_rfc9002_constants():
    # RFC 9002 §6.1.1, §6.1.2, §6.2.2 and RFC 9000 §18.2, §8.1
    assert K_PACKET_THRESHOLD == 3
    assert K_TIME_THRESHOLD == 9 / 8
    assert K_GRANULARITY == 0.001
    assert K_INITIAL_RTT == 0.333
    assert MAX_ACK_DELAY == 0.025
    assert AMPLIFICATION_FACTOR == 3


def test_estimator_follows_rfc9002_section_5_3():
    e = RttEstimator()
    # before any sample the PTO is about one second (RFC 9002 §6.2.2): 333 + 4 × 166.5 ms
    assert e.pto(max_ack_delay=0.0) == pytest.approx(0.999)
    samples = [0.1, 0.14, 0.09, 0.2]
    srtt, var = samples[0], samples[0] / 2
    for r in samples[1:]:
        var = 0.75 * var + 0.25 * abs(srtt - r)
        srtt = 0.875 * srtt + 0.125 * r
    for r in samples:
        e.update(r)
    assert e.smoothed_rtt == pytest.approx(srtt) and e.rttvar == pytest.approx(var)
    assert e.min_rtt == 0.09 and e.latest_rtt == 0.2
    assert e.loss_delay() == pytest.approx(9 / 8 * max(srtt, 0.2))
    assert e.pto() == pytest.approx(srtt + max(4 * var, 0.001) + 0.025)


def test_ack_delay_is_subtracted_only_above_min_rtt():
    e = RttEstimator()
    e.update(0.1)
    e.update(0.13, ack_delay=0.02)  # 0.13 ≥ min_rtt + ack_delay → adjusted 0.11
    assert e.smoothed_rtt == pytest.approx(0.875 * 0.1 + 0.125 * 0.11)


# --- head-of-line blocking -------------------------------------------------------------------

@pytest.mark.parametrize("lost", [0, 2, 5])
def test_packet_threshold_detection_time(lost):
    """Tiny packets (T ≪ RTT): the ACK of packet lost+3 arrives before 9/8·RTT has passed."""
    T, rtt = 0.001, 0.1
    r = hol_compare(n_streams=4, packets_per_stream=4, lost=lost, rtt=rtt, tx_time=T)
    assert r.detect_rule == "packet threshold"
    assert r.detect_time == pytest.approx((lost + 3) * T + T + rtt)  # ACK of packet lost+3 returns


def test_time_threshold_detection_time():
    """rtt/23 < T < rtt/7: a later ACK arms the loss timer, which fires 9/8 × (T + rtt) after the send."""
    T, rtt = 0.01, 0.1
    r = hol_compare(n_streams=3, packets_per_stream=3, lost=1, rtt=rtt, tx_time=T)
    assert r.detect_rule == "time threshold"
    assert r.detect_time == pytest.approx(1 * T + 9 / 8 * (T + rtt))


def test_time_threshold_already_passed_when_first_later_ack_arrives():
    """T > rtt/7: by the time the ACK of the next packet arrives, the packet is already 9/8 RTT old."""
    T, rtt = 0.02, 0.1
    r = hol_compare(n_streams=3, packets_per_stream=3, lost=1, rtt=rtt, tx_time=T)
    assert r.detect_rule == "time threshold"
    assert r.detect_time == pytest.approx(2 * T + T + rtt)


def test_tail_loss_needs_a_probe_timeout():
    # the only packet is lost: no RTT sample ⇒ PTO = 333 ms + 4 × 166.5 ms + max_ack_delay after sending
    r = hol_compare(n_streams=1, packets_per_stream=1, lost=0, rtt=0.1, tx_time=0.01)
    assert r.detect_rule == "PTO"
    assert r.detect_time == pytest.approx(0.0 + 0.333 + 4 * 0.1665 + 0.025)
    # a lost last packet with earlier samples: PTO from the estimator fed with the earlier ACKs
    r2 = hol_compare(n_streams=2, packets_per_stream=2, lost=3, rtt=0.1, tx_time=0.01)
    e = RttEstimator()
    for _ in range(3):
        e.update(0.11)
    assert r2.detect_rule == "PTO" and r2.detect_time == pytest.approx(0.03 + e.pto())


@settings(max_examples=80, deadline=None)
@given(ns=st.integers(1, 8), pps=st.integers(1, 8), data=st.data(),
       rtt=st.floats(0.001, 1.0), T=st.floats(0.0001, 0.05))
def test_hol_properties(ns, pps, data, rtt, T):
    lost = data.draw(st.integers(0, ns * pps - 1))
    r = hol_compare(n_streams=ns, packets_per_stream=pps, lost=lost, rtt=rtt, tx_time=T)
    ls, lc = lost % ns, lost // ns
    repair = r.arrival[ls][lc]
    for s in range(ns):
        for c in range(pps):
            q, t, a = r.quic_ready[s][c], r.tcp_ready[s][c], r.arrival[s][c]
            assert a <= q <= t  # nothing is readable before it arrives; QUIC never later than TCP
            i = c * ns + s
            if s != ls:
                assert q == a  # other streams are never blocked by the loss in QUIC
            if i >= lost:
                assert t >= repair  # TCP: every byte behind the hole waits for the repair
    # packet numbers are unique and the repair uses a brand-new one
    numbers = [p.number for p in r.packets]
    assert len(numbers) == len(set(numbers)) and r.packets[-1].number == ns * pps
    assert r.packets[-1].retransmits == lost
    assert r.blocked_time("quic") <= r.blocked_time("tcp")


def test_no_loss_means_no_blocking():
    r = hol_compare(n_streams=4, packets_per_stream=5, lost=None)
    assert r.tcp_ready == r.quic_ready == r.arrival
    assert r.blocked_time("tcp") == 0.0 and r.detect_time is None


# --- retransmission ambiguity ------------------------------------------------------------------

@pytest.mark.parametrize("rtt,rto", [(0.1, 0.3), (0.05, 1.0), (0.2, 0.2)])
def test_quic_sample_is_exact_tcp_is_ambiguous(rtt, rto):
    a = rtt_ambiguity(rtt=rtt, rto=rto)
    assert a.quic_sample == pytest.approx(rtt)
    assert a.tcp_candidates[1] == pytest.approx(rtt) and a.tcp_candidates[0] == pytest.approx(rto + rtt)


def test_spurious_retransmission_makes_the_wrong_candidate_too_small():
    a = rtt_ambiguity(rtt=0.5, rto=0.3, original_lost=False)
    assert a.quic_sample == pytest.approx(0.5) and a.quic_acked_packet == 0
    assert a.tcp_candidates[1] == pytest.approx(0.2)  # timing from the retransmission underestimates
    with pytest.raises(ValueError) as exc:
        rtt_ambiguity(rtt=0.1, rto=0.3, original_lost=False)
    assert str(exc.value) == "rtt must be in (0.3, 60] when original_lost is False (a spurious retransmission), got 0.1"


# --- flow control ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(
    wants=st.lists(st.integers(0, 400_000), min_size=1, max_size=5),
    rates=st.data(),
    win_s=st.integers(1_000, 200_000),
    win_c=st.integers(1_000, 500_000),
    cap=st.integers(1_000, 300_000),
)
def test_flow_credit_never_exceeds_limits(wants, rates, win_s, win_c, cap):
    read = tuple(rates.draw(st.lists(st.integers(0, 200_000), min_size=len(wants), max_size=len(wants))))
    t = flow_credit(stream_bytes=tuple(wants), read_rate=read, initial_max_stream_data=win_s,
                    initial_max_data=win_c, send_rate=cap, rounds=15)
    prev_lim, prev_clim = None, None
    for r in range(15):
        sent, lim, cons = t.sent[r], t.limit[r], t.consumed[r]
        for s in range(len(wants)):
            assert sent[s] <= lim[s] and sent[s] <= wants[s] and cons[s] <= sent[s]  # RFC 9000 §4.1
        assert t.conn_sent[r] == sum(sent) <= t.conn_limit[r]
        assert t.conn_sent[r] - (t.conn_sent[r - 1] if r else 0) <= cap
        if prev_lim is not None:  # limits never go down
            assert all(a >= b for a, b in zip(lim, prev_lim)) and t.conn_limit[r] >= prev_clim
        prev_lim, prev_clim = lim, t.conn_limit[r]
        for s in range(len(wants)):
            blocked = sent[s] < wants[s] and sent[s] >= lim[s]
            assert blocked == ((r, "STREAM_DATA_BLOCKED", s, lim[s]) in t.frames)


def test_slow_reader_blocks_only_its_stream():
    t = flow_credit(stream_bytes=(200_000, 200_000), read_rate=(5_000, 200_000),
                    initial_max_stream_data=150_000, initial_max_data=1_000_000, send_rate=100_000, rounds=10)
    assert t.finished(1) is not None and t.finished(0) is None
    assert any(f[1] == "STREAM_DATA_BLOCKED" and f[2] == 0 for f in t.frames)
    assert not any(f[1] == "STREAM_DATA_BLOCKED" and f[2] == 1 for f in t.frames)


def test_connection_credit_bounds_the_sum():
    t = flow_credit(stream_bytes=(100_000, 100_000), read_rate=(0, 0), initial_max_stream_data=100_000,
                    initial_max_data=60_000, send_rate=1_000_000, rounds=4)
    assert t.conn_sent[-1] == 60_000 and ("DATA_BLOCKED" in {f[1] for f in t.frames})


@pytest.mark.parametrize("kw,msg", [
    ({"stream_bytes": (1, 2), "read_rate": (1,)}, "read_rate must have 2 entries (one per stream), got 1"),
    ({"stream_bytes": (1,) * 9, "read_rate": (1,) * 9}, "len(stream_bytes) must be in [1, 8], got 9"),
    ({"initial_max_stream_data": 0}, "initial_max_stream_data must be in [1, 1000000000], got 0"),
    ({"initial_max_data": 0}, "initial_max_data must be in [1, 1000000000], got 0"),
    ({"send_rate": 0}, "send_rate must be in [1, 1000000000], got 0"),
    ({"rounds": 501}, "rounds must be in [1, 500], got 501"),
    ({"stream_bytes": (-1,), "read_rate": (0,)}, "stream_bytes must be in [0, 1000000000], got -1"),
])
def test_flow_validators(kw, msg):
    with pytest.raises(ValueError) as exc:
        flow_credit(**kw)
    assert str(exc.value) == msg


# --- migration ---------------------------------------------------------------------------------

@given(rtt=st.floats(0.001, 2.0), cb=st.integers(21, 9000), backlog=st.integers(0, 200_000))
def test_anti_amplification_holds_until_validated(rtt, cb, backlog):
    m = migrate(rtt=rtt, client_bytes=cb, server_backlog=backlog)
    for s in m.steps:
        if not s.validated:
            assert s.sent_total <= AMPLIFICATION_FACTOR * s.received_total  # RFC 9000 §8.1, §9.3
    assert m.validated_at == pytest.approx(1.5 * rtt)  # client → server, challenge → response
    assert m.steps[-1].sent_total >= backlog
    assert m.server_budget_before_validation <= 3 * cb


def test_migration_uses_a_new_connection_id_and_resets_congestion():
    m = migrate()
    assert m.new_cid != m.old_cid and m.steps[0].dcid == m.new_cid
    assert m.reset_congestion and not migrate(nat_rebinding=True).reset_congestion
    assert any("PATH_CHALLENGE" in s.what for s in m.steps) and any("PATH_RESPONSE" in s.what for s in m.steps)


# --- validators --------------------------------------------------------------------------------

@pytest.mark.parametrize("kw,msg", [
    ({"n_streams": 0}, "n_streams must be in [1, 16], got 0"),
    ({"packets_per_stream": 65}, "packets_per_stream must be in [1, 64], got 65"),
    ({"lost": 12}, "lost must be in [0, 11], got 12"),
    ({"rtt": 0.0}, "rtt must be in (0, 10], got 0"),
    ({"tx_time": 1.5}, "tx_time must be in (0, 1], got 1.5"),
    ({"max_ack_delay": -0.1}, "max_ack_delay must be in [0, 1], got -0.1"),
])
def test_hol_validators(kw, msg):
    kw = {"n_streams": 3, "packets_per_stream": 4, **kw}
    with pytest.raises(ValueError) as exc:
        hol_compare(**kw)
    assert str(exc.value) == msg


@pytest.mark.parametrize("kw,msg", [
    ({"rtt": 11.0}, "rtt must be in (0, 10], got 11"),
    ({"client_bytes": 20}, "client_bytes must be in [21, 65527], got 20"),
    ({"datagram": 1199}, "datagram must be in [1200, 65527], got 1199"),
    ({"server_backlog": -1}, "server_backlog must be in [0, 100000000], got -1"),
])
def test_migrate_validators(kw, msg):
    with pytest.raises(ValueError) as exc:
        migrate(**kw)
    assert str(exc.value) == msg


@pytest.mark.parametrize("fn,kw,name", [
    (hol_compare, {"lost": 1.5}, "lost"), (hol_compare, {"n_streams": "3"}, "n_streams"),
    (migrate, {"nat_rebinding": 0}, "nat_rebinding"), (rtt_ambiguity, {"rto": "1"}, "rto"),
    (flow_credit, {"stream_bytes": 5}, "stream_bytes"),
])
def test_type_errors(fn, kw, name):
    with pytest.raises(TypeError, match=name):
        fn(**kw)


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not 0.0 < x <= 10.0))
def test_rtt_out_of_range_always_rejected(x):
    with pytest.raises(ValueError, match="^rtt must be"):
        hol_compare(rtt=x)


@given(st.one_of(st.text(max_size=6), st.integers(), st.none()).filter(lambda t: t not in ("tcp", "quic")))
def test_hol_result_rejects_an_unknown_transport(transport):
    r = hol_compare(n_streams=2, packets_per_stream=2, lost=0)
    for method in (r.stream_done, r.blocked_time, r.ready):
        with pytest.raises(ValueError) as ei:
            method(transport)
        assert str(ei.value) == f"transport must be one of 'tcp', 'quic', got {transport!r}"
    assert r.ready("tcp") == r.tcp_ready and r.ready("quic") == r.quic_ready
