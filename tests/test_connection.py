"""The connection simulator vs RFC 9293 §3.5–3.6 state sequences, Linux timers and seq/ack arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpkit.connection import PARAMS, SCENARIOS, run_scenario, scenario_defaults
from tcpkit.fsm import TRANSITIONS_BY_KEY, State
from tcpkit.linux import LINUX
from tcpkit.timers import syn_retransmit_schedule

C, L, SS, SR, E = State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RECEIVED, State.ESTABLISHED
FW1, FW2, CW, CL, LA, TW = (State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK,
                            State.TIME_WAIT)

# Expected state sequences, written from RFC 9293 §3.5 (Figures 6–8), §3.6 (Figures 12–13) and
# Figure 5, independently of the simulator.
OPEN_C = [C, SS, E]                 # Figure 6, TCP Peer A
OPEN_S = [C, L, SR, E]              # Figure 6, TCP Peer B
ACTIVE_CLOSE_C = [FW1, FW2, TW, C]  # Figure 12, TCP Peer A
PASSIVE_CLOSE_S = [CW, LA, C]       # Figure 12, TCP Peer B
EXPECTED = {
    "handshake": (OPEN_C, OPEN_S),
    "active_close": (OPEN_C + ACTIVE_CLOSE_C, OPEN_S + PASSIVE_CLOSE_S),
    "passive_close_without_close": (OPEN_C + [FW1, FW2, C], OPEN_S + [CW]),
    "simultaneous_open": ([C, SS, SR, E], [C, SS, SR, E]),                           # Figure 7
    "simultaneous_close": (OPEN_C + [FW1, CL, TW, C], OPEN_S + [FW1, CL, TW, C]),     # Figure 13
    "lost_syn": (OPEN_C, OPEN_S),
    "lost_synack": (OPEN_C, OPEN_S),
    "lost_ack3": (OPEN_C, OPEN_S),
    "lost_fin1": (OPEN_C + ACTIVE_CLOSE_C, OPEN_S + PASSIVE_CLOSE_S),
    "lost_ack2": (OPEN_C + ACTIVE_CLOSE_C, OPEN_S + PASSIVE_CLOSE_S),
    "lost_fin2": (OPEN_C + ACTIVE_CLOSE_C, OPEN_S + PASSIVE_CLOSE_S),
    "lost_ack4": (OPEN_C + ACTIVE_CLOSE_C, OPEN_S + PASSIVE_CLOSE_S),
    "old_duplicate_syn": (OPEN_C, [C, L, SR, L, SR, E]),                               # Figure 8
    "syn_to_closed_port": ([C, SS, C], [C]),
    "three_way_close": (OPEN_C + [FW1, TW, C], OPEN_S + PASSIVE_CLOSE_S),
    "syn_in_time_wait": (OPEN_C + [CW, LA, C, SS, E], OPEN_S + [FW1, FW2, TW, SR, E]),
}


def test_every_scenario_has_an_expectation():
    assert set(EXPECTED) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_state_sequences(name):
    t = run_scenario(name)
    exp_c, exp_s = EXPECTED[name]
    assert list(t.states("client")) == exp_c
    assert list(t.states("server")) == exp_s


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_step_is_a_table_row_and_time_ordered(name):
    t = run_scenario(name)
    for step in t.steps:
        row = TRANSITIONS_BY_KEY[(step.old, step.event)]
        assert (row.new_state, row.send) == (step.new, step.send)
    times = [step.t for step in t.steps]
    assert times == sorted(times)
    sends = [s.t_send for s in t.segments]
    assert sends == sorted(sends)
    for s in t.segments:
        assert s.lost == (s.t_arrive is None)
        if not s.lost:
            assert s.t_arrive > s.t_send


def test_handshake_seq_ack_arithmetic():
    # RFC 9293 §3.4: SYN and FIN consume one sequence number; ACK = next byte expected.
    t = run_scenario("active_close", client_isn=1000, server_isn=5000, data_at=0.1)
    x, y = 1000, 5000
    got = [(s.sender, s.flags, s.seq, s.ack, s.length) for s in t.segments]
    assert got == [
        ("client", "SYN", x, None, 0),
        ("server", "SYN+ACK", y, x + 1, 0),
        ("client", "ACK", x + 1, y + 1, 0),
        ("client", "PSH+ACK", x + 1, y + 1, 100),
        ("server", "ACK", y + 1, x + 101, 0),
        ("client", "FIN+ACK", x + 101, y + 1, 0),
        ("server", "ACK", y + 1, x + 102, 0),
        ("server", "FIN+ACK", y + 1, x + 102, 0),
        ("client", "ACK", x + 102, y + 2, 0),
    ]


def test_sequence_numbers_wrap_modulo_2_32():
    t = run_scenario("active_close", client_isn=2**32 - 1, server_isn=2**32 - 1)
    syn, synack, ack = t.segments[:3]
    assert synack.ack == 0 and ack.seq == 0 and ack.ack == 0
    fin = [s for s in t.segments if s.sender == "client" and "FIN" in s.flags][0]
    assert fin.seq == 0
    last = t.segments[-1]
    assert (last.seq, last.ack) == (1, 1)


@pytest.mark.parametrize("linear", [0, 4])
@pytest.mark.parametrize("losses", [1, 3, 7])
def test_lost_syn_timings_follow_the_schedule(losses, linear):
    sched = syn_retransmit_schedule(linear_timeouts=linear)
    t = run_scenario("lost_syn", losses=losses, linear_timeouts=linear, rtt=0.1)
    syns = [s.t_send for s in t.sent_by("client", "SYN")]
    if losses < len(sched.sends):
        assert syns == list(sched.sends[: losses + 1])
        assert t.client_established_at == pytest.approx(sched.sends[losses] + 0.1)
    else:
        assert syns == list(sched.sends)


@pytest.mark.parametrize(("linear", "give_up"), [(4, 131.0), (0, 127.0)])
def test_lost_syn_gives_up_with_etimedout(linear, give_up):
    t = run_scenario("lost_syn", losses=50, linear_timeouts=linear)
    assert t.gave_up_at == give_up and t.gave_up_by == "client"
    assert t.client_error == "ETIMEDOUT"
    assert t.states("client") == (C, SS, C)
    assert "ETIMEDOUT" in t.summary_zh()


@settings(max_examples=40, deadline=None)
@given(retries=st.integers(1, 12), linear=st.integers(0, 6), losses=st.integers(0, 14))
def test_connect_deadline_is_the_syn_schedule_give_up(retries, linear, losses):
    """The trace's connect() deadline is the kernel schedule's ETIMEDOUT time (first SYN at 0), lost or not."""
    t = run_scenario("lost_syn", losses=losses, syn_retries=retries, linear_timeouts=linear)
    give_up = syn_retransmit_schedule(retries, linear_timeouts=linear).give_up
    assert t.connect_deadline == pytest.approx(give_up)
    if t.gave_up_by == "client":
        assert t.gave_up_at == pytest.approx(t.connect_deadline)


def test_syncnt_two():
    t = run_scenario("lost_syn", losses=50, syn_retries=2)
    assert t.gave_up_at == 7.0 and len(t.sent_by("client", "SYN")) == 6


def test_lost_synack_both_sides_retransmit():
    t = run_scenario("lost_synack", losses=2)
    syns = [s.t_send for s in t.sent_by("client", "SYN")]
    synacks = t.sent_by("server", "SYN+ACK")
    assert syns == [0.0, 1.0, 2.0]
    assert len(synacks) == 3 and [s.lost for s in synacks] == [True, True, False]
    assert all(s.seq == 300 and s.ack == 101 for s in synacks)


def test_lost_synack_server_drops_request_after_synack_retries():
    # The client gives up first (131 s) or the server (SYN-ACK timer pushed back by retransmitted SYNs).
    t = run_scenario("lost_synack", losses=50, synack_retries=5)
    assert t.client_error == "ETIMEDOUT"
    assert t.states("server")[:3] == (C, L, SR)


def test_lost_synack_server_schedule_without_client_retries():
    # With the client's SYNs not reaching the server after the first (syn_retries 1, linear 0: SYN at 0, 1),
    # the server's own SYN-ACK timer runs 1, 3, 7, 15, 31 → drop at 63 s (tcp_synack_retries=5).
    t = run_scenario("lost_ack3", losses=50, data_at=None)
    synacks = [round(s.t_send - 0.05, 6) for s in t.sent_by("server", "SYN+ACK")]
    assert synacks == [0, 1, 3, 7, 15, 31]
    assert t.gave_up_by == "server" and t.gave_up_at == pytest.approx(63.05)
    assert t.states("server")[-1] is L


def test_lost_ack3_first_data_completes_handshake():
    t = run_scenario("lost_ack3", losses=1, data_at=0.5)
    data = t.sent_by("client", "PSH+ACK")[0]
    assert t.server_established_at == data.t_arrive
    assert not t.sent_by("server", "SYN+ACK")[1:]  # no SYN-ACK retransmission was needed


def test_lost_ack3_without_data_dup_ack_completes():
    t = run_scenario("lost_ack3", losses=1, data_at=None)
    synacks = t.sent_by("server", "SYN+ACK")
    assert len(synacks) == 2 and synacks[1].retransmission
    assert t.server_established_at == pytest.approx(synacks[1].t_send + 0.1)


def test_lost_ack3_then_server_gives_up_and_data_gets_rst():
    t = run_scenario("lost_ack3", losses=50, data_at=80.0)
    assert t.states("server")[-1] is L
    assert t.client_error == "ECONNRESET"
    rst = t.sent_by("server", "RST")[0]
    assert rst.t_send > 63


def test_lost_fin1_client_retransmits_fin_after_rto():
    t = run_scenario("lost_fin1", losses=1, rtt=0.1)
    fins = t.sent_by("client", "FIN+ACK")
    # after one RTT sample m = 0.1 s Linux uses RTO = m + max(2m, 200 ms) = 0.3 s
    assert len(fins) == 2 and fins[1].t_send - fins[0].t_send == pytest.approx(0.3)
    assert fins[0].seq == fins[1].seq


def test_lost_fin1_orphan_gives_up():
    t = run_scenario("lost_fin1", losses=50)
    assert t.gave_up_by == "client"
    fins = t.sent_by("client", "FIN+ACK")
    first = fins[0].t_send
    assert t.gave_up_at - first >= 102.2      # tcp_model_timeout(8, 200 ms)
    assert t.states("client")[-1] is C and t.client_error is None


def test_lost_ack2_fin_is_retransmitted_and_reacked():
    t = run_scenario("lost_ack2", losses=1)
    fins = t.sent_by("client", "FIN+ACK")
    acks = [s for s in t.sent_by("server", "ACK") if s.ack == fins[0].seq + 1]
    assert len(fins) == 2 and len(acks) == 2 and acks[0].lost and not acks[1].lost


def test_lost_fin2_server_retransmits_fin():
    t = run_scenario("lost_fin2", losses=2)
    fins = t.sent_by("server", "FIN+ACK")
    assert [f.lost for f in fins] == [True, True, False]
    assert fins[2].t_send - fins[1].t_send == pytest.approx(2 * (fins[1].t_send - fins[0].t_send))


def test_lost_fin2_client_fin_wait_2_timeout():
    t = run_scenario("lost_fin2", losses=50, fin_timeout=30)
    fw2 = [st for st in t.steps if st.endpoint == "client" and st.new is FW2][0]
    closed = [st for st in t.steps if st.endpoint == "client" and st.new is C][-1]
    assert closed.t - fw2.t == pytest.approx(30)


def test_lost_ack4_time_wait_restarts():
    t = run_scenario("lost_ack4", losses=1)
    tw_len = LINUX["TCP_TIMEWAIT_LEN"].value
    refin = t.sent_by("server", "FIN+ACK")[1]
    assert t.client_closed_at == pytest.approx(refin.t_arrive + tw_len)
    assert t.server_closed_at < t.client_closed_at


def test_active_close_time_wait_lasts_timewait_len():
    t = run_scenario("active_close")
    tw = [st for st in t.steps if st.endpoint == "client" and st.new is TW][0]
    assert t.client_closed_at - tw.t == pytest.approx(LINUX["TCP_TIMEWAIT_LEN"].value)


def test_three_way_close_piggybacks_fin_on_delayed_ack():
    t = run_scenario("three_way_close")
    close_flags = [s.flags for s in t.segments[3:]]
    assert close_flags == ["FIN+ACK", "FIN+ACK", "ACK"]
    slow = run_scenario("three_way_close", server_close_delay=0.3)
    assert [s.flags for s in slow.segments[3:]] == ["FIN+ACK", "ACK", "FIN+ACK", "ACK"]
    ack = slow.segments[4]
    assert ack.t_send - slow.segments[3].t_arrive == pytest.approx(LINUX["TCP_DELACK_MIN"].value)


def test_old_duplicate_syn_rejected_with_rst():
    t = run_scenario("old_duplicate_syn", client_isn=100)
    rst = t.sent_by("client", "RST")[0]
    old_synack = t.sent_by("server", "SYN+ACK")[0]
    assert old_synack.ack == 91 and rst.seq == 91 and rst.ack is None
    assert t.established_at is not None


def test_syn_to_closed_port_refused():
    t = run_scenario("syn_to_closed_port")
    rst = t.sent_by("server")[0]
    # RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    assert (rst.flags, rst.seq, rst.ack) == ("RST+ACK", 0, 101)
    assert t.client_error == "ECONNREFUSED" and t.end == pytest.approx(0.1)


def test_simultaneous_open_four_segments():
    t = run_scenario("simultaneous_open")
    assert sorted(s.flags for s in t.segments) == ["SYN", "SYN", "SYN+ACK", "SYN+ACK"]


def test_syn_in_time_wait_new_isn_and_old_syn():
    t = run_scenario("syn_in_time_wait")
    tw_fin = t.sent_by("server", "FIN+ACK")[0]
    synack = t.sent_by("server", "SYN+ACK")[-1]
    assert synack.seq == (tw_fin.seq + 1 + 65537) % 2**32       # tw_snd_nxt + 65535 + 2
    old = run_scenario("syn_in_time_wait", client_isn2=50)
    assert old.sent_by("client", "RST")                          # TCP_TW_ACK → client RST
    assert old.states("server")[-4:] == (C, L, SR, E)


def test_passive_close_without_close_keeps_close_wait():
    t = run_scenario("passive_close_without_close", fin_timeout=45)
    assert t.final_state("server") is CW
    assert "CLOSE_WAIT" in t.summary_zh()


def test_unknown_scenario_lists_names():
    with pytest.raises(ValueError) as ei:
        run_scenario("nope")
    msg = str(ei.value)
    assert msg.startswith("scenario must be one of handshake, active_close,") and msg.endswith("got 'nope'")
    for n in SCENARIOS:
        assert n in msg


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"rtt": 0}, "rtt must be in (0, 5], got 0"),
        ({"rtt": 6}, "rtt must be in (0, 5], got 6"),
        ({"losses": -1}, "losses must be in [0, 50], got -1"),
        ({"syn_retries": 0}, "syn_retries must be in [1, 127], got 0"),
        ({"linear_timeouts": 200}, "linear_timeouts must be in [0, 127], got 200"),
        ({"synack_retries": 0}, "synack_retries must be in [1, 255], got 0"),
        ({"fin_timeout": 0}, "fin_timeout must be in [1, 600], got 0"),
        ({"orphan_retries": 256}, "orphan_retries must be in [0, 255], got 256"),
        ({"client_isn": -1}, "client_isn must be in [0, 4294967295], got -1"),
        ({"server_isn": 2**32}, "server_isn must be in [0, 4294967295], got 4294967296"),
        ({"close_delay": -0.5}, "close_delay must be in [0, 100], got -0.5"),
        ({"data_at": 101}, "data_at must be in [0, 100], got 101"),
        ({"mss": 3}, "unknown parameter 'mss'; valid parameters: " + ", ".join(PARAMS)),
    ],
)
def test_parameter_messages(kw, message):
    with pytest.raises(ValueError) as ei:
        run_scenario("handshake", **kw)
    assert str(ei.value) == message


@given(st.sampled_from(sorted(PARAMS)), st.one_of(st.text(max_size=3), st.booleans()))
def test_wrong_types_name_the_parameter(pname, bad):
    with pytest.raises(TypeError, match=pname):
        run_scenario("handshake", **{pname: bad})


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(SCENARIOS)),
    st.floats(0.001, 2.0),
    st.integers(0, 6),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
)
def test_any_parameters_give_a_consistent_trace(name, rtt, losses, cisn, sisn):
    t = run_scenario(name, rtt=rtt, losses=losses, client_isn=cisn, server_isn=sisn)
    for st_ in t.steps:
        assert TRANSITIONS_BY_KEY[(st_.old, st_.event)].new_state is st_.new
    assert t.states("client")[0] is C
    assert isinstance(t.summary_zh(), str) and t.summary_zh()


def test_defaults_come_from_linux_table():
    d = scenario_defaults("handshake")
    assert d["syn_retries"] == LINUX["tcp_syn_retries"].value
    assert d["linear_timeouts"] == LINUX["tcp_syn_linear_timeouts"].value
    assert d["fin_timeout"] == LINUX["tcp_fin_timeout"].value
    assert run_scenario("handshake").param("rtt") == 0.1
    with pytest.raises(ValueError, match="endpoint must be one of"):
        run_scenario("handshake").states("router")


@pytest.mark.parametrize("rtt", [0.5, 1.0, 2.0, 4.0])
def test_orphan_fin_wait_2_uses_the_rto_estimator_of_tcpkit_rto(rtt):
    """tcp_fin_time(): max(tcp_fin_timeout, 3.5·RTO); the RTO comes from RtoEstimator("linux") after the FIN's
    ACK, which the peer delays by TCP_DELACK_MIN (pingpong mode), so the sample is rtt + 40 ms."""
    from tcpkit.rto import RtoEstimator

    t = run_scenario("passive_close_without_close", rtt=rtt, fin_timeout=1)
    (span,) = [s for s in t.timers if s.kind == "FIN_WAIT_2"]
    m = rtt + LINUX["TCP_DELACK_MIN"].value
    rto = RtoEstimator(flavor="linux").on_sample(m, now=m).rto
    assert span.fired and span.t_end - span.t_start == pytest.approx(max(1.0, 3.5 * rto), abs=1e-6)
