"""The TCP state machine: table ↔ graph, reachability, illegal events, and RFC 9293 cross-checks."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.errors import IllegalTransition
from tcpkit.fsm import (
    LAYOUT,
    SENDS,
    TRANSITIONS,
    TRANSITIONS_BY_KEY,
    Arrow,
    Event,
    Machine,
    State,
    Transition,
    allowed_events,
    graph,
    is_figure5_edge,
    next_transition,
    table_markdown,
)


def test_graph_edges_equal_table_rows():
    g = graph()
    edges = {(u, v, k) for u, v, k in g.edges(keys=True)}
    rows = {(r.state, r.new_state, r.event.name) for r in TRANSITIONS}
    assert edges == rows
    assert g.number_of_edges() == len(TRANSITIONS)
    for r in TRANSITIONS:
        data = g.get_edge_data(r.state, r.new_state, key=r.event.name)
        assert data == {"event": r.event, "send": r.send, "arrow": r.arrow, "ref": r.ref}


def test_one_row_per_state_event_pair():
    keys = [(r.state, r.event) for r in TRANSITIONS]
    assert len(keys) == len(set(keys)) == len(TRANSITIONS_BY_KEY)


def test_all_eleven_states_reachable_from_closed():
    g = graph()
    assert len(State) == 11
    reach = nx.descendants(g, State.CLOSED) | {State.CLOSED}
    assert reach == set(State)


def test_every_state_has_a_position_and_a_way_back_to_closed():
    g = graph()
    assert set(LAYOUT) == set(State)
    for s in State:
        assert s is State.CLOSED or nx.has_path(g, s, State.CLOSED), s


def test_every_row_sends_a_known_segment_and_has_a_reference():
    for r in TRANSITIONS:
        assert r.send in SENDS
        assert ("RFC" in r.ref) or ("Linux" in r.ref) or ("tcp_" in r.ref), r


def test_illegal_event_raises_and_leaves_machine_unchanged():
    m = Machine()
    m.step(Event.ACTIVE_OPEN)
    before = (m.state, list(m.history))
    with pytest.raises(IllegalTransition) as ei:
        m.step(Event.TIME_WAIT_TIMEOUT)
    assert str(ei.value) == "event TIME_WAIT_TIMEOUT is not allowed in state SYN_SENT"
    assert ei.value.state is State.SYN_SENT and ei.value.event is Event.TIME_WAIT_TIMEOUT
    assert (m.state, m.history) == before


PAIRS = [(s, e) for s in State for e in Event]


@given(st.sampled_from(PAIRS))
def test_step_is_exactly_the_table_lookup(pair):
    state, event = pair
    m = Machine(state)
    if (state, event) in TRANSITIONS_BY_KEY:
        row = m.step(event)
        assert row is TRANSITIONS_BY_KEY[(state, event)]
        assert m.state is row.new_state
        assert event in allowed_events(state)
    else:
        with pytest.raises(IllegalTransition):
            m.step(event)
        assert m.state is state and m.history == []
        assert not m.can(event)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("SYN_SENT", "state must be a tcpkit.fsm.State, got str 'SYN_SENT'"),
        (3, "state must be a tcpkit.fsm.State, got int 3"),
    ],
)
def test_state_type_is_checked(value, message):
    with pytest.raises(TypeError) as ei:
        next_transition(value, Event.RCV_SYN)
    assert str(ei.value) == message
    with pytest.raises(TypeError):
        Machine(value)


def test_event_type_is_checked():
    with pytest.raises(TypeError) as ei:
        next_transition(State.CLOSED, "RCV_SYN")
    assert str(ei.value) == "event must be a tcpkit.fsm.Event, got str 'RCV_SYN'"


# RFC 9293 §3.3.2, Figure 5 ("TCP Connection State Diagram"), written out by hand from the
# figure: (from, what the arrow says, to). Every one of these arrows must be a row with the
# same target and the segment the arrow sends.
FIGURE_5 = [
    (State.CLOSED, Event.PASSIVE_OPEN, "", State.LISTEN),            # passive OPEN / create TCB
    (State.CLOSED, Event.ACTIVE_OPEN, "SYN", State.SYN_SENT),        # active OPEN / snd SYN
    (State.LISTEN, Event.RCV_SYN, "SYN+ACK", State.SYN_RECEIVED),    # rcv SYN / snd SYN,ACK
    (State.LISTEN, Event.SEND, "SYN", State.SYN_SENT),               # SEND / snd SYN
    (State.LISTEN, Event.CLOSE, "", State.CLOSED),                   # CLOSE / delete TCB
    (State.SYN_SENT, Event.RCV_SYN, "SYN+ACK", State.SYN_RECEIVED),  # rcv SYN / snd SYN,ACK
    (State.SYN_SENT, Event.RCV_SYN_ACK, "ACK", State.ESTABLISHED),   # rcv SYN,ACK / snd ACK
    (State.SYN_SENT, Event.CLOSE, "", State.CLOSED),                 # CLOSE / delete TCB
    (State.SYN_RECEIVED, Event.RCV_ACK, "", State.ESTABLISHED),      # rcv ACK of SYN
    (State.SYN_RECEIVED, Event.CLOSE, "FIN", State.FIN_WAIT_1),      # CLOSE / snd FIN
    (State.ESTABLISHED, Event.CLOSE, "FIN", State.FIN_WAIT_1),       # CLOSE / snd FIN
    (State.ESTABLISHED, Event.RCV_FIN, "ACK", State.CLOSE_WAIT),      # rcv FIN / snd ACK
    (State.FIN_WAIT_1, Event.RCV_ACK, "", State.FIN_WAIT_2),         # rcv ACK of FIN
    (State.FIN_WAIT_1, Event.RCV_FIN, "ACK", State.CLOSING),         # rcv FIN / snd ACK
    (State.FIN_WAIT_2, Event.RCV_FIN, "ACK", State.TIME_WAIT),       # rcv FIN / snd ACK
    (State.CLOSING, Event.RCV_ACK, "", State.TIME_WAIT),             # rcv ACK of FIN
    (State.TIME_WAIT, Event.TIME_WAIT_TIMEOUT, "", State.CLOSED),    # Timeout=2MSL / delete TCB
    (State.CLOSE_WAIT, Event.CLOSE, "FIN", State.LAST_ACK),          # CLOSE / snd FIN
    (State.LAST_ACK, Event.RCV_ACK, "", State.CLOSED),               # rcv ACK of FIN
]


@pytest.mark.parametrize(("state", "event", "send", "new"), FIGURE_5)
def test_rfc9293_figure5_arrows(state, event, send, new):
    row = next_transition(state, event)
    assert (row.new_state, row.send) == (new, send)
    assert "Figure 5" in row.ref
    assert row.arrow is Arrow.MAIN and is_figure5_edge(row.ref)


def test_main_arrows_are_figure5_plus_two_named_paths():
    main = {(r.state, r.event) for r in TRANSITIONS if r.arrow is Arrow.MAIN}
    figure5 = {(s, e) for s, e, _, _ in FIGURE_5}
    # §3.5 Figure 7 (simultaneous open: the peer's SYN,ACK) and Linux TCP_TW_SYN (a SYN reuses a TIME_WAIT port)
    assert main - figure5 == {(State.SYN_RECEIVED, Event.RCV_SYN_ACK), (State.TIME_WAIT, Event.RCV_SYN)}
    assert figure5 <= main


def test_arrow_field_is_loop_exactly_for_self_loops_and_decides_the_figure():
    for r in TRANSITIONS:
        assert (r.arrow is Arrow.LOOP) == (r.state is r.new_state), r
        # is_figure5_edge is keyed by the reference text but answers from the field
        assert is_figure5_edge(r.ref) == (r.arrow is Arrow.MAIN), r
    assert not is_figure5_edge("RFC 9293 §3.3.2 Figure 5")  # the words alone no longer decide


@pytest.mark.parametrize(
    ("args", "exc", "message"),
    [((State.CLOSED, Event.RCV_RST, State.CLOSED, "", Arrow.MAIN, "r"), ValueError,
      "arrow must be Arrow.LOOP for CLOSED → CLOSED, got Arrow.MAIN"),
     ((State.CLOSED, Event.ACTIVE_OPEN, State.SYN_SENT, "SYN", Arrow.LOOP, "r"), ValueError,
      "arrow must be Arrow.MAIN or Arrow.EXTRA for CLOSED → SYN_SENT, got Arrow.LOOP"),
     ((State.CLOSED, Event.ACTIVE_OPEN, State.SYN_SENT, "SYN", "main", "r"), TypeError,
      "arrow must be a tcpkit.fsm.Arrow, got str 'main'"),
     ((State.CLOSED, Event.ACTIVE_OPEN, State.SYN_SENT, "SYN+FIN", Arrow.MAIN, "r"), ValueError,
      "send must be one of ('', 'SYN', 'SYN+ACK', 'ACK', 'FIN', 'RST', 'DATA'), got 'SYN+FIN'")],
)
def test_transition_rows_are_validated(args, exc, message):
    with pytest.raises(exc) as ei:
        Transition(*args)
    assert str(ei.value) == message


# RFC 9293 §3.10.7.1 (text confirmed against the RFC 793/9293 "SEGMENT ARRIVES" section):
# "If the state is CLOSED ... An incoming segment containing a RST is discarded. An incoming
#  segment not containing a RST causes a RST to be sent in response."
@pytest.mark.parametrize("event", [e for e in Event if e.kind == "segment" and e is not Event.RCV_OLD_SYN])
def test_rfc_closed_state_answers_everything_but_rst_with_rst(event):
    row = next_transition(State.CLOSED, event)
    assert row.new_state is State.CLOSED
    assert row.send == ("" if event is Event.RCV_RST else "RST")


# RFC 9293 §3.10.7.2: "If the state is LISTEN ... An incoming RST should be ignored ...
# Any acknowledgment is bad if it arrives on a connection still in the LISTEN state.
# An acceptable reset segment should be formed for any arriving ACK-bearing segment."
def test_rfc_listen_ignores_rst_and_resets_acks():
    assert next_transition(State.LISTEN, Event.RCV_RST).send == ""
    for e in (Event.RCV_ACK, Event.RCV_SYN_ACK, Event.RCV_FIN_ACK, Event.RCV_BAD_ACK):
        row = next_transition(State.LISTEN, e)
        assert (row.new_state, row.send) == (State.LISTEN, "RST")


# RFC 5961 §4 (quoted in RFC 9293 §3.10.7.4): "If the SYN bit is set, irrespective of the
# sequence number, TCP MUST send an ACK (also referred to as challenge ACK) to the remote
# peer ... After sending the acknowledgment, TCP MUST drop the unacceptable segment".
@pytest.mark.parametrize(
    "state", [State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK]
)
def test_rfc5961_challenge_ack_in_synchronized_states(state):
    row = next_transition(state, Event.RCV_SYN)
    assert (row.new_state, row.send) == (state, "ACK")
    assert "5961" in row.ref


# RFC 9293 §3.10.7.3, SYN-SENT: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset
# (unless the RST bit is set ...)" — the client's answer to an old duplicate SYN's SYN,ACK.
def test_rfc_syn_sent_resets_unacceptable_ack():
    row = next_transition(State.SYN_SENT, Event.RCV_BAD_ACK)
    assert (row.new_state, row.send) == (State.SYN_SENT, "RST")
    # ... and the passive side returns to LISTEN on that RST (§3.5 Figure 8, line 5).
    assert next_transition(State.SYN_RECEIVED, Event.RCV_RST).new_state is State.LISTEN


def test_fin_wait_1_fin_that_acks_our_fin_goes_straight_to_time_wait():
    # RFC 9293 §3.10.7.4 eighth: "FIN-WAIT-1 STATE: If our FIN has been ACKed (perhaps in this
    # segment), then enter TIME-WAIT, start the time-wait timer, turn off the other timers".
    row = next_transition(State.FIN_WAIT_1, Event.RCV_FIN_ACK)
    assert (row.new_state, row.send) == (State.TIME_WAIT, "ACK")


def test_machine_walks_active_close_and_records_states():
    m = Machine()
    for e in (Event.ACTIVE_OPEN, Event.RCV_SYN_ACK, Event.CLOSE, Event.RCV_ACK, Event.RCV_FIN,
              Event.RCV_FIN, Event.TIME_WAIT_TIMEOUT):
        m.step(e)
    assert [s.name for s in m.states()] == [
        "CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED"]
    assert len(m.history) == 7


def test_table_markdown_has_every_row_and_escapes_pipes():
    md = table_markdown()
    lines = md.splitlines()
    assert len(lines) == len(TRANSITIONS) + 2
    assert lines[0].startswith("| 当前状态 |")
    for s in State:
        assert f"| {s.name} |" in md
    short = table_markdown(states=(State.LISTEN,), with_ref=False)
    assert len(short.splitlines()) == 2 + sum(r.state is State.LISTEN for r in TRANSITIONS)


@given(st.sampled_from(list(State)), st.sampled_from(list(State)), st.sampled_from(list(Arrow)))
def test_transition_accepts_an_arrow_exactly_when_it_fits_the_move(state, new_state, arrow):
    fits = (arrow is Arrow.LOOP) == (state is new_state)
    if fits:
        assert Transition(state, Event.RCV_ACK, new_state, "", arrow, "r").arrow is arrow
    else:
        with pytest.raises(ValueError, match=f"^arrow must be .* for {state.name} → {new_state.name}, got"):
            Transition(state, Event.RCV_ACK, new_state, "", arrow, "r")
