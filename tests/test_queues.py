"""The listen-queue model against the kernel's rules recomputed here (tcp-facts §1.2 #15, §2.1, §7 Q2/Q15)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpkit.linux import LINUX
from tcpkit.queues import (
    COUNTERS,
    QueueParams,
    client_syn_schedule,
    compare_syncookies,
    simulate_listen_queues,
    synack_drop_age,
)

FAILS = ("legit_failed_reset", "legit_failed_cookie_ack", "legit_failed_expired", "legit_failed_timeout")


def at(tl, t: float) -> int:
    """Index of the step ending at time t."""
    return round(t / tl.params.dt) - 1


# --- timer arithmetic -----------------------------------------------------------
def test_synack_schedule_matches_the_documented_63_s():
    # ip-sysctl.rst tcp_synack_retries: retransmissions at 1, 3, 7, 15, 31 s, request dropped at 63 s
    r = int(LINUX["tcp_synack_retries"].value)
    assert synack_drop_age(r) == sum(2**k for k in range(r + 1)) == 63


def test_client_schedule_matches_fact_sheet():
    # tcp-facts §1.2 #11 (Linux ≥ 6.5): SYNs at 0,1,2,3,4,5,7,11,19,35,67 s, ETIMEDOUT at 131 s
    gaps, give_up = client_syn_schedule()
    times = [0.0]
    for g in gaps:
        times.append(times[-1] + g)
    assert times == [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67] and give_up == 131


def test_client_schedule_without_linear_phase_is_the_classic_127_s():
    gaps, give_up = client_syn_schedule(6, 0)
    assert gaps == (1, 2, 4, 8, 16, 32) and give_up == 127


# --- half-open lifetime: Little's law with the SYN-ACK timer ----------------------
@pytest.mark.parametrize("retries", [5, 3, 2])
def test_spoofed_entries_live_until_the_synack_timer_gives_up(retries):
    rate, start = 2.0, 1.0
    life = synack_drop_age(retries)
    tl = simulate_listen_queues(attack_rate=rate, legit_rate=0, duration=start + life + 10, backlog=4096,
                                somaxconn=4096, synack_retries=retries, attack_start=start, dt=0.01)
    for t in (start + 0.5 * life, start + life + 5):
        assert tl.syn_queue[at(tl, t)] == pytest.approx(rate * min(t - start, life), abs=rate * 0.02)
    # an entry admitted at time a gets SYN-ACK retransmissions at a + 1, a + 3, …, a + 2**retries − 1 s
    span = tl.params.duration - start
    expected = rate * sum(max(0.0, span - (2**k - 1)) for k in range(1, retries + 1))
    assert tl.total("synack_retrans") == pytest.approx(expected, rel=0.01)


def young_rule(qlen: float, young: float, max_ack_backlog: int, retries: int) -> int:
    """reqsk_timer_handler's pruning loop, transcribed from net/ipv4/inet_connection_sock.c."""
    r = retries
    if 2 * qlen > max(8, max_ack_backlog):
        y = 2 * young
        while r > 2:
            if qlen < y:
                break
            r -= 1
            y *= 2
    return r


def test_full_queue_of_old_requests_is_pruned_at_7_s():
    # queue full (129) and no young requests left → retries drop to 2 → requests die at age 7 s, not 63 s
    assert young_rule(129, 0, 128, 5) == 2
    tl = simulate_listen_queues(attack_rate=10_000, legit_rate=0, duration=20, attack_start=1.0, dt=0.01)
    exp = tl.counts["requests_expired"]
    first = next(i for i, v in enumerate(exp) if v > 0)
    assert tl.t[first] == pytest.approx(1.0 + synack_drop_age(2), abs=0.02)
    assert sum(exp[: first]) == 0


def test_young_rule_keeps_full_retries_below_half_full():
    assert young_rule(60, 0, 128, 5) == 5
    tl = simulate_listen_queues(attack_rate=1.0, legit_rate=0, duration=40, attack_start=0.0, backlog=128)
    assert tl.total("requests_expired") == 0  # 1 SYN/s never fills half of 128 within 40 s: all live 63 s


# --- queue limits -----------------------------------------------------------------
@pytest.mark.parametrize(("backlog", "somaxconn"), [(0, 4096), (1, 4096), (3, 4096), (128, 4096), (1000, 10)])
def test_accept_queue_holds_backlog_plus_one(backlog, somaxconn):
    # sk_acceptq_is_full: sk_ack_backlog > sk_max_ack_backlog, sk_max_ack_backlog = min(backlog, somaxconn)
    tl = simulate_listen_queues(attack_rate=0, legit_rate=50, duration=5, backlog=backlog, somaxconn=somaxconn,
                                accept_rate=0)
    assert max(tl.accept_queue) == pytest.approx(min(backlog, somaxconn) + 1)
    assert tl.params.accept_queue_limit == min(backlog, somaxconn) + 1


def test_three_quarter_rule_without_cookies():
    # tcp_conn_request: !syncookies && max_syn_backlog - qlen < max_syn_backlog >> 2 → drop (unproven peers)
    m = 256
    tl = simulate_listen_queues(attack_rate=10_000, legit_rate=0, duration=10, backlog=4096, syncookies=0,
                                tcp_max_syn_backlog=m)
    assert max(tl.syn_queue) == pytest.approx(m - (m >> 2) + 1)
    assert tl.total("dropped_syn_backlog_rule") > 0 and tl.total("dropped_syn_queue_full") == 0


def test_tcp_max_syn_backlog_is_ignored_with_cookies():
    a = simulate_listen_queues(attack_rate=10_000, duration=10, backlog=4096, tcp_max_syn_backlog=256)
    assert max(a.syn_queue) == pytest.approx(4097)


def test_syncookies_2_never_queues():
    tl = simulate_listen_queues(attack_rate=5000, duration=10, syncookies=2)
    assert max(tl.syn_queue) == 0
    assert tl.total("cookies_sent") == pytest.approx(tl.total("attack_syns") + tl.total("legit_syns"))
    assert tl.total("legit_completed_cookie") == pytest.approx(tl.total("legit_completed"))


def test_full_accept_queue_drops_syns_even_with_cookies():
    tl = simulate_listen_queues(attack_rate=5000, legit_rate=200, duration=20, accept_rate=0, backlog=16)
    i = next(k for k, v in enumerate(tl.accept_queue) if v >= 17 - 1e-9)
    after = slice(i + 1, None)
    assert sum(tl.counts["cookies_sent"][after]) == 0
    assert sum(tl.counts["dropped_accept_queue_full"][after]) == pytest.approx(
        sum(tl.counts["attack_syns"][after]) + sum(tl.counts["legit_syns"][after]))


@pytest.mark.parametrize("abort", [0, 1])
def test_abort_on_overflow(abort):
    tl = simulate_listen_queues(attack_rate=0, legit_rate=200, accept_rate=50, duration=20, backlog=8,
                                abort_on_overflow=abort)
    if abort:
        assert tl.total("legit_failed_reset") > 0 and tl.total("legit_ack_dropped") == 0
    else:
        assert tl.total("legit_failed_reset") == 0 and tl.total("legit_ack_dropped") > 0


def test_cookies_keep_legitimate_clients_in_and_no_cookies_lock_them_out():
    on, off = compare_syncookies(attack_rate=10_000, duration=40, attack_start=5.0)
    during = slice(at(on, 10), None)
    ok_on = sum(on.counts["legit_completed"][during]) / sum(on.counts["legit_new"][during])
    ok_off = sum(off.counts["legit_completed"][during]) / sum(off.counts["legit_new"][during])
    assert ok_on > 0.99 and ok_off < 0.1
    assert off.params.syncookies == 0 and on.params.syncookies == 1


def test_no_attack_everything_completes():
    tl = simulate_listen_queues(attack_rate=0, legit_rate=300, accept_rate=1000, duration=10)
    s = tl.summary()
    assert s["legit_completed"] == pytest.approx(s["offered"] - 300 * tl.params.rtt, abs=1)
    assert all(tl.counts[k] == tuple([0.0] * len(tl.t)) for k in FAILS)


@settings(max_examples=25, deadline=None)
@given(attack=st.floats(0, 20_000), legit=st.floats(0, 500), accept=st.floats(0, 2000), backlog=st.integers(0, 300),
       cookies=st.sampled_from([0, 1, 2]), abort=st.sampled_from([0, 1]), retries=st.integers(0, 6),
       rtt=st.floats(0.001, 1.5))
def test_every_legitimate_client_is_accounted_for(attack, legit, accept, backlog, cookies, abort, retries, rtt):
    tl = simulate_listen_queues(attack_rate=attack, legit_rate=legit, accept_rate=accept, backlog=backlog,
                                syncookies=cookies, abort_on_overflow=abort, synack_retries=retries, rtt=rtt,
                                duration=15, dt=0.02)
    s = tl.summary()
    out = s["legit_completed"] + sum(s[k] for k in FAILS) + s["pending_end"]
    assert out == pytest.approx(s["offered"], rel=1e-6, abs=1e-6)
    assert max(tl.accept_queue) <= tl.params.accept_queue_limit + 1e-9
    assert max(tl.syn_queue, default=0) <= tl.params.syn_queue_limit + 1e-9
    assert s["accepted"] <= s["legit_completed"] + 1e-9


def test_binned_and_success_ratio():
    tl = simulate_listen_queues(attack_rate=0, legit_rate=100, duration=4, dt=0.01)
    c, r = tl.binned("legit_new", 1.0)
    assert c == (0.5, 1.5, 2.5, 3.5) and all(v == pytest.approx(100) for v in r)
    _, ratio = tl.success_ratio(1.0)
    assert ratio[1] == pytest.approx(1.0)
    z = simulate_listen_queues(attack_rate=0, legit_rate=0, duration=2)
    assert all(math.isnan(v) for v in z.success_ratio(1.0)[1])


def test_results_are_read_only_and_memoised():
    a = simulate_listen_queues(duration=5)
    b = simulate_listen_queues(duration=5)
    assert a is b
    with pytest.raises(TypeError):
        a.counts["accepted"] = ()  # type: ignore[index]


def test_params_limits():
    p = simulate_listen_queues(duration=1, backlog=5000, syncookies=0).params
    assert isinstance(p, QueueParams)
    m = int(LINUX["tcp_max_syn_backlog"].value)
    assert p.max_ack_backlog == int(LINUX["somaxconn"].value)
    assert p.syn_queue_limit == min(p.max_ack_backlog + 1, m - (m >> 2) + 1)


# --- validators -----------------------------------------------------------------
@pytest.mark.parametrize(("kw", "exc", "msg"), [
    ({"attack_rate": -1.0}, ValueError, r"^attack_rate must be in \[0, 1e\+07\], got -1$"),
    ({"legit_rate": 2e6}, ValueError, r"^legit_rate must be in \[0, 1e\+06\], got 2e\+06$"),
    ({"rtt": 0.0}, ValueError, r"^rtt must be in \[0.0005, 5\], got 0$"),
    ({"duration": 0.0}, ValueError, r"^duration must be in \(0, 600\], got 0$"),
    ({"backlog": -1}, ValueError, r"^backlog must be in \[0, 1000000\], got -1$"),
    ({"somaxconn": 2_000_000}, ValueError, r"^somaxconn must be in \[0, 1000000\], got 2000000$"),
    ({"tcp_max_syn_backlog": 0}, ValueError, r"^tcp_max_syn_backlog must be in \[1, 1000000\], got 0$"),
    ({"syncookies": 3}, ValueError, r"^syncookies must be one of 0, 1, 2, got 3$"),
    ({"synack_retries": 21}, ValueError, r"^synack_retries must be in \[0, 20\], got 21$"),
    ({"abort_on_overflow": 2}, ValueError, r"^abort_on_overflow must be one of 0, 1, got 2$"),
    ({"accept_rate": float("nan")}, ValueError, r"^accept_rate must be a finite number in \[0, 1e\+07\], got nan$"),
    ({"attack_start": 61.0}, ValueError, r"^attack_start must be in \[0, 60\], got 61$"),
    ({"attack_start": 10.0, "attack_end": 5.0}, ValueError, r"^attack_end must be in \[10, 60\], got 5$"),
    ({"dt": 0.5}, ValueError, r"^dt must be in \[0.001, 0.1\], got 0.5$"),
    ({"backlog": 1.5}, TypeError, r"^backlog must be an integer, got float 1.5$"),
])
def test_validation_messages(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        simulate_listen_queues(**kw)


def test_contrast_step_message():
    with pytest.raises(ValueError, match=r"^contrast_dt must be in \[0.001, 0.1\], got 1$"):
        compare_syncookies(contrast_dt=1.0)


def test_compare_rejects_unknown_keywords():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['bogus'\]"):
        compare_syncookies(bogus=1)


def test_counter_name_message():
    tl = simulate_listen_queues(duration=1)
    with pytest.raises(ValueError, match=r"^name must be one of 'attack_syns'"):
        tl.total("nope")
    assert set(tl.counts) == set(COUNTERS)


@settings(max_examples=50, deadline=None)
@given(v=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1e7 + 1)))
def test_bad_attack_rates_raise(v):
    with pytest.raises(ValueError, match=r"^attack_rate must be"):
        simulate_listen_queues(attack_rate=v)


@settings(max_examples=50, deadline=None)
@given(v=st.one_of(st.integers(max_value=-1), st.integers(min_value=1_000_001)))
def test_bad_backlogs_raise(v):
    with pytest.raises(ValueError, match=r"^backlog must be in \[0, 1000000\]"):
        simulate_listen_queues(backlog=v)
