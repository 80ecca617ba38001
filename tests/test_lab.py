"""Tests of tcpkit.lab: /proc parsing, the state predictor, and every live experiment on loopback."""

from __future__ import annotations

import os
import socket
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.errors import IllegalTransition, LabError
from tcpkit.fsm import State
from tcpkit.lab import (
    EXPERIMENTS,
    LAB_EVENTS,
    decode_address,
    listen_queue,
    next_state,
    parse_proc_net,
    predict_states,
    read_sockets,
    run_experiment,
)
from tcpkit.lab.experiments import _bench

# -- pure parts ----------------------------------------------------------------


def test_decode_address_examples():
    # the kernel prints the address as a host-order u32 (little-endian here) and the port big-endian
    assert decode_address("0100007F:0050") == ("127.0.0.1", 80)
    assert decode_address("00000000000000000000000001000000:1F90") == ("::1", 8080)


@pytest.mark.parametrize("bad", ["", "0100007F", "XYZ:0050", "0100:0050"])
def test_decode_address_rejects(bad):
    with pytest.raises(ValueError, match="text must look like 0100007F:1F90"):
        decode_address(bad)


def test_parse_proc_net_sample_line():
    text = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:B1AD 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 4242 1 0\n"
        "   1: 0100007F:C00C 0100007F:B1AD 05 00000000:00000000 03:0000176B 00000000     0        0 0 3 0\n"
    )
    lst, orphan = parse_proc_net(text)
    assert (lst.local_addr, lst.local_port, lst.state, lst.rx_queue, lst.inode) == ("127.0.0.1", 0xB1AD, State.LISTEN, 3, 4242)
    assert not lst.mini_socket
    assert (orphan.state, orphan.timer, orphan.mini_socket) == (State.FIN_WAIT_2, 3, True)


def test_parse_proc_net_new_syn_recv_is_syn_received():
    line = "   0: 0100007F:B1AD 0100007F:C00C 0C 00000000:00000000 02:00000064 00000000 0 0 0 1 0"
    assert parse_proc_net(line)[0].state is State.SYN_RECEIVED


def test_parse_proc_net_messages():
    with pytest.raises(ValueError, match=r"proto must be one of 'tcp', 'udp', got 'sctp'"):
        parse_proc_net("", proto="sctp")
    with pytest.raises(ValueError, match="line must be a /proc/net/tcp socket line"):
        parse_proc_net("  0: garbage")


@pytest.mark.parametrize(
    ("state", "event", "new"),
    [
        # RFC 9293 §3.3.2 Figure 5, read off the figure
        (State.CLOSED, "passive_open", State.LISTEN),
        (State.CLOSED, "active_open", State.SYN_SENT),
        (State.LISTEN, "rcv_syn", State.SYN_RECEIVED),
        (State.SYN_SENT, "rcv_syn", State.SYN_RECEIVED),
        (State.SYN_SENT, "rcv_syn_ack", State.ESTABLISHED),
        (State.SYN_RECEIVED, "rcv_ack", State.ESTABLISHED),
        (State.ESTABLISHED, "close", State.FIN_WAIT_1),
        (State.ESTABLISHED, "rcv_fin", State.CLOSE_WAIT),
        (State.FIN_WAIT_1, "rcv_ack", State.FIN_WAIT_2),
        (State.FIN_WAIT_1, "rcv_fin", State.CLOSING),
        (State.FIN_WAIT_2, "rcv_fin", State.TIME_WAIT),
        (State.CLOSING, "rcv_ack", State.TIME_WAIT),
        (State.CLOSE_WAIT, "close", State.LAST_ACK),
        (State.LAST_ACK, "rcv_ack", State.CLOSED),
        (State.TIME_WAIT, "timeout", State.CLOSED),
    ],
)
def test_next_state_follows_rfc9293_figure5(state, event, new):
    assert next_state(state, event) is new


def test_next_state_illegal_and_unknown():
    with pytest.raises(IllegalTransition, match="event CLOSE is not allowed in state CLOSED"):
        next_state(State.CLOSED, "close")
    with pytest.raises(ValueError, match="event must be one of .*got 'fly'"):
        next_state(State.LISTEN, "fly")
    with pytest.raises(KeyError, match="not followed"):
        predict_states({"a": State.CLOSED}, {"b": ("active_open",)})
    before = {"a": State.CLOSED}
    with pytest.raises(IllegalTransition):
        predict_states(before, {"a": ("close",)})
    assert before == {"a": State.CLOSED}  # the input mapping is left unchanged


def test_lab_events_are_the_table_events():
    from tcpkit.fsm import TRANSITIONS
    used = {t.event for t in TRANSITIONS}
    assert set(LAB_EVENTS.values()) <= used


# -- validation -------------------------------------------------------------------


def test_run_experiment_messages():
    with pytest.raises(ValueError, match=r"name must be one of 'handshake', .*got 'nope'"):
        run_experiment("nope")
    with pytest.raises(ValueError, match=r"host must be one of '127.0.0.1', '::1', got '10.0.0.1'"):
        run_experiment("handshake", host="10.0.0.1")
    with pytest.raises(ValueError, match=r"timeout must be in \(0, 30\], got 0"):
        run_experiment("handshake", timeout=0)
    with pytest.raises(ValueError, match=r"backlog must be in \[0, 16\], got 17"):
        run_experiment("no_accept", backlog=17)
    with pytest.raises(ValueError, match="backlog applies only to"):
        run_experiment("handshake", backlog=1)
    with pytest.raises(ValueError, match=r"port must be in \[1, 65535\], got 0"):
        listen_queue(0)


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (0 < x <= 30)))
def test_timeout_property(x):
    with pytest.raises(ValueError, match="timeout"):
        run_experiment("handshake", timeout=x)


@given(st.one_of(st.text(), st.integers(), st.none()).filter(lambda v: v not in EXPERIMENTS))
def test_name_property(v):
    with pytest.raises((ValueError, TypeError), match="name"):
        run_experiment(v)


def test_not_linux_raises_lab_error(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(LabError, match="the live lab needs Linux .*'darwin'"):
        run_experiment("handshake")


# -- live kernel --------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.kernel
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_experiment_kernel_agrees_with_model(name):
    before = _open_fds()
    run = run_experiment(name)
    bad = [(i, s.action, s.kernel, s.predicted, s.result, s.expected_result) for i, s in enumerate(run.steps, 1) if not s.agree]
    assert not bad, f"{name}: kernel and model disagree at {bad}"
    assert len(run.steps) >= 2
    assert _open_fds() == before, "the experiment leaked sockets"
    assert str(run.steps[0].action) in run.table() and "|" in run.markdown()


@pytest.mark.kernel
@pytest.mark.parametrize("name", ["handshake", "active_close", "no_accept", "self_connect", "rst_unread"])
def test_experiment_on_ipv6_loopback(name):
    assert run_experiment(name, host="::1").agree


@pytest.mark.kernel
@pytest.mark.parametrize("backlog", [0, 1, 3, 5])
def test_accept_queue_holds_backlog_plus_one(backlog):
    run = run_experiment("accept_overflow", backlog=backlog)
    assert run.agree
    assert run.extra["accept_queue"] == backlog + 1  # include/net/sock.h sk_acceptq_is_full uses '>'
    established = sum(1 for n, s in run.steps[-1].kernel if n.startswith("c") and s is State.ESTABLISHED)
    syn_sent = sum(1 for n, s in run.steps[-1].kernel if n.startswith("c") and s is State.SYN_SENT)
    assert (established, syn_sent) == (backlog + 1, 2)
    assert run.extra["send_q"] == backlog  # ss -ltn: Send-Q of a listener = its backlog


@pytest.mark.kernel
def test_orphan_fin_wait2_is_a_mini_socket_but_half_close_is_not():
    ac = run_experiment("active_close")
    step = next(s for s in ac.steps if s.action == "client: close()")
    assert step.kernel_state("client") is State.FIN_WAIT_2 and "client" in step.mini_sockets
    hc = run_experiment("half_close")
    step = next(s for s in hc.steps if s.action == "client: shutdown(SHUT_WR)")
    assert step.kernel_state("client") is State.FIN_WAIT_2 and "client" not in step.mini_sockets
    assert "client" in hc.steps[-1].mini_sockets  # TIME_WAIT is always a mini-socket


@pytest.mark.kernel
def test_refused_is_immediate():
    run = run_experiment("refused")
    assert run.steps[-1].result == "ECONNREFUSED"
    assert run.steps[-1].elapsed < 0.5  # an RST, not a SYN retransmission (the first one waits 1 s)


@pytest.mark.kernel
def test_read_sockets_sees_a_live_listener():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        s.listen(7)
        port = s.getsockname()[1]
        rows = [r for r in read_sockets("tcp") if r.local_port == port and r.state is State.LISTEN]
        assert len(rows) == 1 and rows[0].local_addr == "127.0.0.1"
        assert rows[0].inode == os.fstat(s.fileno()).st_ino
        assert listen_queue(port) == (0, 7)
    finally:
        s.close()


@pytest.mark.kernel
def test_waits_time_out_with_lab_error():
    with _bench("127.0.0.1", 0.05) as b:
        b.tcp("listener")
        b.bind("listener")
        b.socks["listener"].listen(1)
        with pytest.raises(LabError, match="accept\\(\\) found no connection within 0.05 s"):
            b.accept("listener", "server")
    assert not b.socks


def test_listen_queue_without_listener():
    with pytest.raises(LabError, match="no listener on 127.0.0.1:"):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", 0))
            listen_queue(s.getsockname()[1])
        finally:
            s.close()


# -- the SYN race in two network namespaces (root) --------------------------------------


@pytest.mark.kernel
def test_syn_race_in_window_new_syn_gets_rst_and_connect_is_refused():
    """tcp_check_req(): an in-window SYN ≠ the request's ISN → embryonic_reset → RST/ACK to the NEW SYN."""
    from tcpkit.lab.experiments import syn_race

    assert os.geteuid() == 0, "creates network namespaces: needs root (CI runs as root)"
    run = syn_race(in_window=True)
    assert run.old_request_state == "SYN_RECV"
    assert run.connect_result == "ECONNREFUSED"
    assert run.embryonic_rsts == 1
    delivered = [(p.direction, p.flags, p.seq, p.ack) for p in run.packets if p.delivered]
    # the answer to the retransmitted SYN Y is RST/ACK acknowledging Y, and no SYN-ACK for Y ever comes
    assert delivered[-1] == ("S→C", "RST/ACK", "0", "Y+1")
    assert not any(p.flags == "SYN/ACK" and p.ack == "Y+1" for p in run.packets)
    # the old request's SYN-ACK (ack X+1) never reached the client's IP layer
    assert [p.delivered for p in run.packets if p.ack == "X+1"] == [False]


@pytest.mark.kernel
def test_syn_race_out_of_window_dup_ack_then_client_rst_then_connection():
    from tcpkit.lab.experiments import syn_race

    assert os.geteuid() == 0, "creates network namespaces: needs root (CI runs as root)"
    run = syn_race(in_window=False)
    assert run.old_request_state == "SYN_RECV"
    assert run.connect_result == "ok"
    seen = [(p.direction, p.flags, p.seq, p.ack) for p in run.packets if p.delivered]
    i = seen.index(("S→C", "ACK", "S1+1", "X+1"))          # duplicate ACK for the old request
    assert seen[i + 1] == ("C→S", "RST", "X+1", "-")       # the client's RST removes it
    assert ("S→C", "SYN/ACK", "S2", "Y+1") in seen[i + 2:]  # a later SYN Y is answered normally
    j = seen.index(("S→C", "SYN/ACK", "S2", "Y+1"))
    # it answers the SYN Y after the RST: the connect() SYN and its first retransmission were not enough
    assert sum(1 for s in seen[:j] if s[:3] == ("C→S", "SYN", "Y")) >= 3


def test_syn_race_rejects_a_bad_gap():
    from tcpkit.lab.experiments import syn_race

    with pytest.raises(ValueError, match="gap"):
        syn_race(gap=2.0)
