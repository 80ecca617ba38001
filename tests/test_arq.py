"""tcpkit.arq: stop-and-wait, Go-Back-N and Selective Repeat over a lossy, reordering channel."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpkit.arq import PROTOCOLS, max_window, simulate_arq, utilisation_formula

# a channel where every time is an exact binary fraction: T = 1/4 s, rtt = 1 s ⇒ a = (rtt/2)/T = 2
EXACT = dict(rtt=1.0, tx_time=0.25)


# --- correctness: in order, exactly once, for every protocol -------------------------------

@settings(max_examples=60, deadline=None)
@given(
    protocol=st.sampled_from(sorted(PROTOCOLS)),
    seq_bits=st.integers(1, 5),
    wfrac=st.floats(0.0, 1.0),
    loss=st.floats(0.0, 0.4),
    ack_loss=st.floats(0.0, 0.4),
    timer=st.sampled_from(["fixed", "rfc6298"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_delivery_is_in_order_exactly_once_on_a_fifo_channel(protocol, seq_bits, wfrac, loss, ack_loss, timer, seed):
    """The window limits (GBN ≤ 2^k − 1, SR ≤ 2^(k−1)) are enough when the channel keeps order."""
    limit = max_window(protocol, seq_bits)
    window = max(1, math.ceil(wfrac * limit))
    r = simulate_arq(protocol, n_packets=25, window=window, seq_bits=seq_bits, loss=loss, ack_loss=ack_loss,
                     timer=timer, timeout=0.3, rto_min=0.05, seed=seed, horizon=1e6)
    assert r.completed
    assert r.delivered == tuple(range(25)), (protocol, window, seq_bits, r.delivered)
    assert r.correct


@settings(max_examples=60, deadline=None)
@given(
    protocol=st.sampled_from(sorted(PROTOCOLS)),
    window=st.integers(1, 16),
    loss=st.floats(0.0, 0.4),
    ack_loss=st.floats(0.0, 0.4),
    jitter=st.floats(0.0, 0.3),
    timer=st.sampled_from(["fixed", "rfc6298"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_delivery_is_in_order_exactly_once_with_reordering(protocol, window, loss, ack_loss, jitter, timer, seed):
    """A reordering channel needs a sequence space that never wraps while old copies live (here 2^16 ≫ 25)."""
    r = simulate_arq(protocol, n_packets=25, window=window, seq_bits=16, loss=loss, ack_loss=ack_loss,
                     jitter=jitter, timer=timer, timeout=0.3, rto_min=0.05, seed=seed, horizon=1e6)
    assert r.completed and r.correct, (protocol, window, r.delivered)


def test_reordering_breaks_a_small_sequence_space():
    """Alternating bit (k = 1) is only correct on a FIFO channel: with jitter larger than the timeout
    slack, a late copy of an old packet carries the expected bit and is taken as new data. This is
    why TCP's 32-bit sequence numbers must not wrap within a segment's maximum lifetime (MSL)."""
    bad = [s for s in range(40)
           if not simulate_arq("sw", n_packets=25, seq_bits=1, loss=0.0, jitter=0.125, seed=s).correct]
    assert bad  # some seeds corrupt the stream …
    assert all(simulate_arq("sw", n_packets=25, seq_bits=16, loss=0.0, jitter=0.125, seed=s).correct for s in bad)


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_deterministic_for_a_seed(protocol):
    kw = dict(n_packets=30, window=3, seq_bits=3, loss=0.2, ack_loss=0.1, jitter=0.05, seed=42)
    assert simulate_arq(protocol, **kw) == simulate_arq(protocol, **kw)
    assert simulate_arq(protocol, **kw).events != simulate_arq(protocol, **{**kw, "seed": 43}).events


def test_jitter_reorders_and_sr_buffers():
    r = simulate_arq("sr", n_packets=40, window=8, seq_bits=4, loss=0.0, jitter=0.08, seed=3)
    arrivals = sorted((f.arrives, f.packet) for f in r.flights if f.kind == "data")
    order = [p for _, p in arrivals]
    assert order != sorted(order)  # the channel really reordered packets
    assert r.correct and any(e.kind == "buffer" for e in r.events)


# --- textbook formulas ---------------------------------------------------------------------

@pytest.mark.parametrize("rtt,tx", [(1.0, 0.25), (0.5, 0.125), (2.0, 0.0625), (0.25, 0.5)])
@pytest.mark.parametrize("n", [1, 5, 17])
def test_stop_and_wait_utilisation_without_loss(rtt, tx, n):
    """U = 1/(1+2a), a = propagation / transmission; each packet costs exactly T + RTT."""
    r = simulate_arq("sw", n_packets=n, rtt=rtt, tx_time=tx, loss=0.0, timeout=4 * (rtt + tx))
    a = (rtt / 2) / tx
    assert r.finish_time == pytest.approx(n * (tx + rtt))
    assert r.utilisation == pytest.approx(1 / (1 + 2 * a))
    assert r.utilisation == pytest.approx(utilisation_formula("sw", window=1, a=a))


@pytest.mark.parametrize("protocol", ["gbn", "sr"])
@pytest.mark.parametrize("window", [1, 2, 3, 4])
def test_sliding_window_without_loss(protocol, window):
    """W packets per cycle of T + RTT while W < 1 + 2a (here 1 + 2a = 5)."""
    n = 4 * window
    r = simulate_arq(protocol, n_packets=n, window=window, seq_bits=4, loss=0.0, timeout=10.0, **EXACT)
    cycle = EXACT["tx_time"] + EXACT["rtt"]
    # m full cycles, the last one ends when the last ACK of the last batch returns
    expected = (n // window - 1) * cycle + window * EXACT["tx_time"] + EXACT["rtt"]
    assert r.finish_time == pytest.approx(expected)
    assert r.retransmissions == 0 and r.timeouts == 0


def test_large_window_fills_the_pipe():
    r = simulate_arq("sr", n_packets=200, window=8, seq_bits=4, loss=0.0, timeout=10.0, **EXACT)
    assert r.finish_time == pytest.approx(200 * 0.25 + 1.0)  # U → 1 once W ≥ 1 + 2a
    assert r.utilisation == pytest.approx(200 * 0.25 / (200 * 0.25 + 1.0))


@pytest.mark.parametrize("p", [0.1, 0.2, 0.3])
def test_stop_and_wait_under_loss_matches_formula(p):
    """Timeout = T + RTT: each try costs 1 + 2a slots, 1/(1-p) tries per packet ⇒ U = (1-p)/(1+2a)."""
    us = [simulate_arq("sw", n_packets=1500, loss=p, timeout=1.25, seed=s, **EXACT).utilisation for s in range(4)]
    assert statistics.mean(us) == pytest.approx((1 - p) / (1 + 2 * 2.0), rel=0.04)


@pytest.mark.parametrize("p", [0.05, 0.2, 0.3])
def test_selective_repeat_under_loss_matches_formula(p):
    """With W large enough to cover a timeout, SR loses only the lost packets: U = 1 - p."""
    us = [simulate_arq("sr", n_packets=1500, window=32, seq_bits=6, loss=p, timeout=1.25, seed=s, **EXACT).utilisation
          for s in range(4)]
    assert statistics.mean(us) == pytest.approx(1 - p, rel=0.04)


@pytest.mark.parametrize("p", [0.05, 0.1, 0.2, 0.3])
def test_go_back_n_between_bounds(p):
    """GBN is bounded above by its textbook value (which assumes instant loss detection) and SR,
    and beats stop-and-wait."""
    def mean_u(protocol, window):
        return statistics.mean(simulate_arq(protocol, n_packets=800, window=window, seq_bits=5, loss=p,
                                            timeout=1.25, seed=s, **EXACT).utilisation for s in range(4))

    gbn, sr, sw = mean_u("gbn", 8), mean_u("sr", 8), mean_u("sw", 1)
    assert gbn <= utilisation_formula("gbn", window=8, a=2.0, p=p) + 0.02
    assert sw < gbn < sr <= (1 - p) + 0.02


# --- retransmission counts -----------------------------------------------------------------

@pytest.mark.parametrize("protocol", ["sw", "sr"])
@pytest.mark.parametrize("seed", range(5))
def test_retransmissions_equal_losses_without_spurious_timeouts(protocol, seed):
    """No ACK loss and timeout > RTT: SW and SR resend exactly the lost packets."""
    r = simulate_arq(protocol, n_packets=60, window=4, seq_bits=3, loss=0.25, timeout=0.3, seed=seed)
    assert r.retransmissions == r.data_lost
    assert r.transmissions == 60 + r.data_lost


def test_go_back_n_resends_the_whole_window():
    """Packet 1 lost (W = 4): 2, 3 and 4 arrive and are discarded; the timeout resends 1-4."""
    r = simulate_arq("gbn", n_packets=6, window=4, loss=0.0, drop_data=(1,))
    assert [e.packet for e in r.events if e.kind == "retransmit"] == [1, 2, 3, 4]
    assert [e.packet for e in r.events if e.kind == "discard"] == [2, 3, 4]
    assert r.timeouts == 1 and r.correct


def test_selective_repeat_resends_only_the_lost_packet():
    r = simulate_arq("sr", n_packets=6, window=4, loss=0.0, drop_data=(1,))
    assert [e.packet for e in r.events if e.kind == "retransmit"] == [1]
    assert [e.packet for e in r.events if e.kind == "buffer"][:3] == [0, 2, 3]
    assert r.correct


def test_lost_ack_causes_duplicate_that_is_discarded_and_reacked():
    r = simulate_arq("sw", n_packets=3, loss=0.0, drop_acks=(0,))
    kinds = [(e.kind, e.packet) for e in r.events]
    assert ("retransmit", 0) in kinds and ("discard", 0) in kinds
    assert r.correct and r.discarded == 1 and r.acks_lost == 1


# --- the sequence-number limit ---------------------------------------------------------------

@pytest.mark.parametrize("k", range(1, 9))
def test_max_window(k):
    assert max_window("gbn", k) == 2**k - 1
    assert max_window("sr", k) == 2 ** (k - 1)
    assert max_window("sw", k) == 1


def test_selective_repeat_window_too_big_corrupts_delivery():
    """k = 2 (numbers 0-3), W = 3 > 2: packets 0-2 arrive, all ACKs are lost; the receiver now expects
    3, 4, 5 = wire 3, 0, 1, so the retransmitted old packet 0 (wire 0) is accepted as new packet 4."""
    bad = simulate_arq("sr", n_packets=6, window=3, seq_bits=2, loss=0.0, drop_acks=(0, 1, 2), unsafe=True)
    assert not bad.correct
    assert bad.delivered[4] == 0  # old data handed to the application as packet 4
    good = simulate_arq("sr", n_packets=6, window=2, seq_bits=2, loss=0.0, drop_acks=(0, 1))
    assert good.correct


def test_go_back_n_window_of_2k_corrupts_delivery():
    bad = simulate_arq("gbn", n_packets=6, window=4, seq_bits=2, loss=0.0, drop_acks=(0, 1, 2, 3), unsafe=True)
    assert not bad.correct and bad.delivered[:5] == (0, 1, 2, 3, 0)
    good = simulate_arq("gbn", n_packets=6, window=3, seq_bits=2, loss=0.0, drop_acks=(0, 1, 2))
    assert good.correct


@pytest.mark.parametrize("protocol,k,w,limit,rule", [
    ("gbn", 3, 8, 7, "2**k - 1 for Go-Back-N"),
    ("sr", 3, 5, 4, "2**(k-1) for Selective Repeat"),
    ("sr", 1, 2, 1, "2**(k-1) for Selective Repeat"),
])
def test_window_limit_message(protocol, k, w, limit, rule):
    with pytest.raises(ValueError) as exc:
        simulate_arq(protocol, window=w, seq_bits=k)
    assert str(exc.value) == f"window must be in [1, {limit}], got {w} ({rule}, seq_bits={k})"


# --- RFC 6298 timer --------------------------------------------------------------------------

def test_rfc6298_estimator_converges_and_backs_off():
    r = simulate_arq("sr", n_packets=50, window=4, loss=0.0, timer="rfc6298", timeout=1.0, rto_min=0.0)
    rtt = 0.1 + 0.01  # propagation + transmission
    # after many equal samples RTTVAR → 0, so RTO → SRTT + max(G, 4·RTTVAR) ≈ RTT
    assert r.rto_final == pytest.approx(rtt, abs=0.01) and r.timeouts == 0
    backed = simulate_arq("sw", n_packets=1, loss=0.0, timer="rfc6298", timeout=1.0, drop_data=(0, 1, 2))
    # three timeouts double the RTO three times (RFC 6298 §5.5): 1 + 2 + 4 s before the 4th try
    sends = [e.time for e in backed.events if e.kind in ("send", "retransmit")]
    assert sends == pytest.approx([0.0, 1.0, 3.0, 7.0])


def test_karn_rule_no_sample_from_retransmissions():
    # the only packet is retransmitted, so no RTT sample is taken and the backed-off RTO stays
    r = simulate_arq("sw", n_packets=1, loss=0.0, timer="rfc6298", timeout=1.0, drop_data=(0,))
    assert r.rto_final == pytest.approx(2.0)


def test_unfinished_transfer_reports_zero_goodput():
    r = simulate_arq("sw", n_packets=5, loss=0.9, seed=1, horizon=1.0)
    assert not r.completed and r.goodput == 0.0 and r.utilisation == 0.0


# --- validators --------------------------------------------------------------------------------

@pytest.mark.parametrize("kw,msg", [
    ({"protocol": "tcp"}, "protocol must be one of 'sw', 'gbn', 'sr', got 'tcp'"),
    ({"n_packets": 0}, "n_packets must be in [1, 20000], got 0"),
    ({"seq_bits": 17}, "seq_bits must be in [1, 16], got 17"),
    ({"rtt": 0.0}, "rtt must be in (0, 10], got 0"),
    ({"tx_time": 2.0}, "tx_time must be in (0, 1], got 2"),
    ({"loss": 0.95}, "loss must be in [0, 0.9], got 0.95"),
    ({"ack_loss": -0.1}, "ack_loss must be in [0, 0.9], got -0.1"),
    ({"jitter": 11.0}, "jitter must be in [0, 10], got 11"),
    ({"timer": "karn"}, "timer must be one of 'fixed', 'rfc6298', got 'karn'"),
    ({"timeout": 0.0}, "timeout must be in (0, 120], got 0"),
    ({"rto_min": 61.0}, "rto_min must be in [0, 60], got 61"),
    ({"seed": -1}, "seed must be in [0, 4294967295], got -1"),
    ({"drop_data": (-1,)}, "drop_data must be in [0, inf], got -1"),
    ({"horizon": 0.0}, "horizon must be in (0, 1e+06], got 0"),
])
def test_validator_messages(kw, msg):
    protocol = kw.pop("protocol", "gbn")
    with pytest.raises(ValueError) as exc:
        simulate_arq(protocol, **kw)
    assert str(exc.value) == msg


@pytest.mark.parametrize("kw,name", [
    ({"n_packets": 2.5}, "n_packets"), ({"window": "4"}, "window"), ({"loss": "0.1"}, "loss"),
    ({"unsafe": 1}, "unsafe"), ({"drop_acks": 3}, "drop_acks"), ({"seed": None}, "seed"),
])
def test_type_errors_name_the_parameter(kw, name):
    with pytest.raises(TypeError, match=name):
        simulate_arq("sr", **kw)


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not 0.0 <= x <= 0.9))
def test_loss_out_of_range_always_rejected(x):
    with pytest.raises(ValueError, match="^loss must be"):
        simulate_arq("sw", loss=x)


@given(st.integers().filter(lambda x: not 1 <= x <= 16))
def test_seq_bits_out_of_range_always_rejected(x):
    with pytest.raises(ValueError, match="^seq_bits must be"):
        simulate_arq("gbn", seq_bits=x)


@given(st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=4096))
def test_window_above_limit_always_rejected(k, w):
    if w > max_window("sr", k):
        with pytest.raises(ValueError, match="^window must be in"):
            simulate_arq("sr", n_packets=1, window=w, seq_bits=k)
    else:
        assert simulate_arq("sr", n_packets=1, window=w, seq_bits=k, loss=0.0).correct


def test_formula_validators():
    with pytest.raises(ValueError, match=r"^p must be in \[0, 1\), got 1$"):
        utilisation_formula("sr", window=4, a=1.0, p=1.0)
    with pytest.raises(ValueError, match=r"^a must be in \(0, inf\], got 0$"):
        utilisation_formula("sr", window=4, a=0.0)


# --- one RFC 6298 estimator: tcpkit.rto.RtoEstimator --------------------------------------------

def test_rfc6298_timer_is_tcpkit_rto_estimator():
    """Feed the RTT samples the trace implies into RtoEstimator: it must end at the simulator's RTO."""
    from tcpkit.rto import RtoEstimator

    r = simulate_arq("sw", n_packets=12, loss=0.0, timer="rfc6298", timeout=0.5, rto_min=0.0, jitter=0.05, seed=3)
    est = RtoEstimator(rto_min=0.001, rto_max=120.0, initial_rto=0.5, granularity=0.001)
    sent = {e.packet: e.time for e in r.events if e.kind == "send"}
    for e in r.events:
        if e.kind == "ack_arrive":
            est.on_sample(e.time - sent[e.packet], now=e.time)
    assert r.timeouts == 0 and r.rto_final == est.rto


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=0.0, max_value=0.001, exclude_max=True, allow_subnormal=False))
def test_rfc6298_initial_rto_below_estimator_range_rejected(x):
    with pytest.raises(ValueError, match=r"^timeout must be in (\(0|\[0\.001), 120\], got "):
        simulate_arq("sw", timer="rfc6298", timeout=x)


def test_fixed_timer_keeps_sub_millisecond_timeouts():
    r = simulate_arq("sw", n_packets=2, loss=0.0, rtt=0.0001, tx_time=0.0001, timeout=0.0005)
    assert r.correct and r.rto_final == 0.0005
