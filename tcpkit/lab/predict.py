"""The model side of the lab: advance each socket's state by the events a step causes.

>>> predict_states({"c": State.CLOSED}, {"c": ("active_open", "rcv_syn_ack")})["c"].name
'ESTABLISHED'

The lab describes each step by the RFC 9293 events every socket sees on a
loss-free loopback (``active_open``, ``rcv_syn``, ``rcv_fin``, ``close``, …)
and asks the TCP state machine where they lead. The events are the labels of
RFC 9293 §3.3.2 Figure 5; ``abort`` is the ABORT call of §3.10.1 (an RST sent
by ``close()`` with unread data or ``SO_LINGER{1,0}``), ``rcv_rst`` the reset
processing of §3.10.7.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._validate import check_choice
from ..errors import IllegalTransition
from ..fsm import State

__all__ = ["LAB_EVENTS", "predict_states", "next_state"]

S = State

# RFC 9293 §3.3.2 Figure 5 (and §3.10 for RST/ABORT), restricted to the moves
# a loss-free loopback exchange can make.
_TABLE: dict[tuple[State, str], State] = {
    (S.CLOSED, "passive_open"): S.LISTEN,
    (S.CLOSED, "active_open"): S.SYN_SENT,
    (S.LISTEN, "rcv_syn"): S.SYN_RECEIVED,
    (S.LISTEN, "close"): S.CLOSED,
    (S.SYN_SENT, "rcv_syn_ack"): S.ESTABLISHED,
    (S.SYN_SENT, "rcv_syn"): S.SYN_RECEIVED,
    (S.SYN_SENT, "rcv_rst"): S.CLOSED,
    (S.SYN_SENT, "close"): S.CLOSED,
    (S.SYN_RECEIVED, "rcv_ack"): S.ESTABLISHED,
    (S.SYN_RECEIVED, "rcv_rst"): S.LISTEN,
    (S.ESTABLISHED, "close"): S.FIN_WAIT_1,
    (S.ESTABLISHED, "rcv_fin"): S.CLOSE_WAIT,
    (S.ESTABLISHED, "rcv_rst"): S.CLOSED,
    (S.ESTABLISHED, "abort"): S.CLOSED,
    (S.FIN_WAIT_1, "rcv_ack"): S.FIN_WAIT_2,
    (S.FIN_WAIT_1, "rcv_fin"): S.CLOSING,
    (S.FIN_WAIT_1, "rcv_rst"): S.CLOSED,
    (S.FIN_WAIT_2, "rcv_fin"): S.TIME_WAIT,
    (S.FIN_WAIT_2, "rcv_rst"): S.CLOSED,
    (S.CLOSING, "rcv_ack"): S.TIME_WAIT,
    (S.CLOSE_WAIT, "close"): S.LAST_ACK,
    (S.CLOSE_WAIT, "rcv_rst"): S.CLOSED,
    (S.CLOSE_WAIT, "abort"): S.CLOSED,
    (S.LAST_ACK, "rcv_ack"): S.CLOSED,
    (S.TIME_WAIT, "timeout"): S.CLOSED,
}

#: Every event name a lab step may use.
LAB_EVENTS: tuple[str, ...] = tuple(sorted({e for _, e in _TABLE}))


def next_state(state: State, event: str) -> State:
    """The state after ``event`` in ``state`` (RFC 9293 §3.3.2 Figure 5).

    Parameters
    ----------
    state : State
        The current state.
    event : str
        One of :data:`LAB_EVENTS`.

    Returns
    -------
    State

    Raises
    ------
    ValueError
        For an unknown event name.
    IllegalTransition
        If the event is not allowed in ``state``.

    Examples
    --------
    >>> next_state(State.FIN_WAIT_2, "rcv_fin").name
    'TIME_WAIT'
    >>> next_state(State.LISTEN, "rcv_fin")
    Traceback (most recent call last):
    ...
    tcpkit.errors.IllegalTransition: event rcv_fin is not allowed in state LISTEN
    """
    check_choice("event", event, LAB_EVENTS)
    try:
        return _TABLE[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def predict_states(current: Mapping[str, State], events: Mapping[str, tuple[str, ...]]) -> dict[str, State]:
    """Advance every socket of ``current`` by its events (sockets without events keep their state).

    Raises
    ------
    KeyError
        If ``events`` names a socket that is not in ``current``.
    IllegalTransition
        If an event is not allowed in the socket's state.
    """
    out = dict(current)
    for name, evs in events.items():
        if name not in out:
            raise KeyError(f"socket {name!r} is not followed")
        for e in evs:
            out[name] = next_state(out[name], e)
    return out
