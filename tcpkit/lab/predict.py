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
from ..fsm import Event, State, next_transition

__all__ = ["LAB_EVENTS", "predict_states", "next_state"]

#: The lab's event names → the events of :mod:`tcpkit.fsm` (its TRANSITIONS table is the model).
LAB_EVENTS: dict[str, Event] = {
    "passive_open": Event.PASSIVE_OPEN,
    "active_open": Event.ACTIVE_OPEN,
    "rcv_syn": Event.RCV_SYN,
    "rcv_syn_ack": Event.RCV_SYN_ACK,
    "rcv_ack": Event.RCV_ACK,
    "rcv_fin": Event.RCV_FIN,
    "rcv_rst": Event.RCV_RST,
    "close": Event.CLOSE,
    "abort": Event.ABORT,
    "timeout": Event.TIME_WAIT_TIMEOUT,
}


def next_state(state: State, event: str) -> State:
    """The state after ``event`` in ``state`` (RFC 9293 §3.3.2 Figure 5).

    Parameters
    ----------
    state : State
        The current state.
    event : str
        One of :data:`LAB_EVENTS` (mapped to a :class:`tcpkit.fsm.Event`).

    Returns
    -------
    State

    Raises
    ------
    ValueError
        For an unknown event name.
    IllegalTransition
        If the event is not allowed in ``state`` (no row in :data:`tcpkit.fsm.TRANSITIONS`).

    Notes
    -----
    One lookup in :data:`tcpkit.fsm.TRANSITIONS_BY_KEY` (RFC 9293 §3.3.2 Figure 5,
    §3.10); the lab codes no transition of its own.

    Examples
    --------
    >>> next_state(State.FIN_WAIT_2, "rcv_fin").name
    'TIME_WAIT'
    >>> next_state(State.CLOSED, "close")
    Traceback (most recent call last):
    ...
    tcpkit.errors.IllegalTransition: event CLOSE is not allowed in state CLOSED
    """
    check_choice("event", event, LAB_EVENTS)
    return next_transition(state, LAB_EVENTS[event]).new_state


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
