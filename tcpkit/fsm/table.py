"""The transition table of the TCP state machine: every state change is a row here.

>>> row = TRANSITIONS_BY_KEY[(State.SYN_SENT, Event.RCV_SYN_ACK)]
>>> row.new_state.name, row.send, row.arrow.name
('ESTABLISHED', 'ACK', 'MAIN')

Rule (after h11's ``_state.py``): a TCP state changes only through a row of
:data:`TRANSITIONS`. :meth:`Machine.step <tcpkit.fsm.Machine.step>` is one
lookup in it, :func:`~tcpkit.fsm.graph` draws one edge per row,
:func:`table_markdown` prints it for the chapter, and the connection simulator
(:mod:`tcpkit.connection`) moves each endpoint's state only by ``Machine.step``.
Where RFC 9293 says "ignore", "answer with an ACK" or "answer with a RST", the
reply is a self-loop row, so those cases are table rows too. A
``(state, event)`` pair that has no row is an error: :meth:`Machine.step
<tcpkit.fsm.Machine.step>` raises :class:`~tcpkit.errors.IllegalTransition`.

What the table does **not** hold: which event an arriving segment is (the
acceptability tests on sequence and acknowledgment numbers of RFC 9293
§3.10.7), the sequence-number bookkeeping (SND.NXT, RCV.NXT, the ISN after
TIME_WAIT), and the timers that produce the ``RTO``, ``USER_TIMEOUT``,
``FIN_WAIT_2_TIMEOUT`` and ``TIME_WAIT_TIMEOUT`` events (which timer runs in
which state, and for how long). The connection simulator codes those in
``tcpkit/connection/sim.py``, with :mod:`tcpkit.timers` for the schedules; a
row only says what happens once such an event has been decided.

Columns: state, event → new state; the segment sent (``"SYN"``, ``"SYN+ACK"``,
``"ACK"``, ``"FIN"``, ``"RST"``, ``"DATA"`` or ``""`` for none); how the state
diagram draws the row (:class:`Arrow`); and the reference: an RFC 9293 section
(§3.3.2 Figure 5 is the state diagram, §3.5 the handshake, §3.6 the close,
§3.10.x the event processing) or the Linux function that does it. The ``send``
column is the control function of the RFC; on the wire Linux sets the ACK bit
on every segment after the SYN, so a "FIN" leaves as ``FIN+ACK``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from .events import Event
from .states import State

__all__ = ["Arrow", "Transition", "TRANSITIONS", "TRANSITIONS_BY_KEY", "SENDS", "table_markdown"]

#: The segment kinds a transition may send ("" = nothing).
SENDS = ("", "SYN", "SYN+ACK", "ACK", "FIN", "RST", "DATA")


class Arrow(Enum):
    """How the state diagram (:func:`~tcpkit.fsm.graph`, the chapter's figure) draws a row."""

    #: A dark arrow: the usual paths of a connection, i.e. every arrow of RFC 9293
    #: §3.3.2 Figure 5, the simultaneous-open ACK of §3.5 Figure 7 and Linux's reuse
    #: of a TIME_WAIT port by a new SYN.
    MAIN = "main"
    #: A light arrow: the other state changes of §3.10 and Linux (RST, ABORT, time-outs).
    EXTRA = "extra"
    #: A self-loop (the state does not change): not drawn, listed in the chapter's table.
    LOOP = "loop"


@dataclass(frozen=True, slots=True)
class Transition:
    """One row: in ``state``, ``event`` leads to ``new_state`` and sends ``send``.

    Attributes
    ----------
    state, event, new_state
        The transition.
    send : str
        One of :data:`SENDS`; ``""`` means no segment is sent.
    arrow : Arrow
        How the state diagram draws the row; :attr:`Arrow.LOOP` exactly when
        ``new_state`` is ``state``.
    ref : str
        Where the rule comes from (RFC 9293 section, RFC 5961, or a Linux
        function in ``net/ipv4/``).

    Raises
    ------
    ValueError
        If ``send`` is not one of :data:`SENDS`, or ``arrow`` is
        :attr:`Arrow.LOOP` for a row that changes the state (or the other way round).
    TypeError
        If ``arrow`` is not an :class:`Arrow`.
    """

    state: State
    event: Event
    new_state: State
    send: str
    arrow: Arrow
    ref: str

    def __post_init__(self) -> None:
        if self.send not in SENDS:
            raise ValueError(f"send must be one of {SENDS!r}, got {self.send!r}")
        if not isinstance(self.arrow, Arrow):
            raise TypeError(f"arrow must be a tcpkit.fsm.Arrow, got {type(self.arrow).__name__} {self.arrow!r}")
        loop = self.state is self.new_state
        if (self.arrow is Arrow.LOOP) != loop:
            want = "Arrow.LOOP" if loop else "Arrow.MAIN or Arrow.EXTRA"
            raise ValueError(f"arrow must be {want} for {self.state.name} → {self.new_state.name}, "
                             f"got Arrow.{self.arrow.name}")


S, E, A = State, Event, Arrow
_CLOSED_RST = "RFC 9293 §3.10.7.1 (CLOSED: any segment but a RST is answered with RST); Linux tcp_v4_send_reset"
_CHALLENGE = "RFC 9293 §3.10.7.4 fourth (SYN in a synchronized state) = RFC 5961 §4: challenge ACK; Linux tcp_send_challenge_ack"
_RST_SYNC = "RFC 9293 §3.10.7.4 second (acceptable RST in a synchronized state → CLOSED, ECONNRESET); tcp_reset"
_ABORT_RST = "RFC 9293 §3.10.5 ABORT call: send <SEQ=SND.NXT><CTL=RST>; Linux tcp_disconnect"
_ABORT_QUIET = "RFC 9293 §3.10.5 ABORT call in CLOSING/LAST-ACK/TIME-WAIT: delete the TCB, no RST"

_ROWS: tuple[tuple[State, Event, State, str, Arrow, str], ...] = (
    # ---- CLOSED ------------------------------------------------------------
    (S.CLOSED, E.PASSIVE_OPEN, S.LISTEN, "", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'passive OPEN'; §3.10.1; listen()"),
    (S.CLOSED, E.ACTIVE_OPEN, S.SYN_SENT, "SYN", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'active OPEN / snd SYN'; §3.10.1; tcp_connect"),
    (S.CLOSED, E.RCV_SYN, S.CLOSED, "RST", A.LOOP, _CLOSED_RST + " <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>"),
    (S.CLOSED, E.RCV_SYN_ACK, S.CLOSED, "RST", A.LOOP, _CLOSED_RST + " <SEQ=SEG.ACK><CTL=RST>"),
    (S.CLOSED, E.RCV_ACK, S.CLOSED, "RST", A.LOOP, _CLOSED_RST + " <SEQ=SEG.ACK><CTL=RST>"),
    (S.CLOSED, E.RCV_BAD_ACK, S.CLOSED, "RST", A.LOOP, _CLOSED_RST + " <SEQ=SEG.ACK><CTL=RST>"),
    (S.CLOSED, E.RCV_FIN, S.CLOSED, "RST", A.LOOP, _CLOSED_RST),
    (S.CLOSED, E.RCV_FIN_ACK, S.CLOSED, "RST", A.LOOP, _CLOSED_RST),
    (S.CLOSED, E.RCV_RST, S.CLOSED, "", A.LOOP, "RFC 9293 §3.10.7.1: an incoming RST is discarded"),
    # ---- LISTEN ------------------------------------------------------------
    (S.LISTEN, E.RCV_SYN, S.SYN_RECEIVED, "SYN+ACK", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'rcv SYN / snd SYN,ACK'; §3.10.7.2 third; Linux tcp_conn_request (request sock)"),
    (S.LISTEN, E.RCV_ACK, S.LISTEN, "RST", A.LOOP, "RFC 9293 §3.10.7.2 second: any ACK in LISTEN is bad → <SEQ=SEG.ACK><CTL=RST>"),
    (S.LISTEN, E.RCV_BAD_ACK, S.LISTEN, "RST", A.LOOP, "RFC 9293 §3.10.7.2 second: any ACK in LISTEN is bad → <SEQ=SEG.ACK><CTL=RST>"),
    (S.LISTEN, E.RCV_SYN_ACK, S.LISTEN, "RST", A.LOOP, "RFC 9293 §3.10.7.2 second: ACK-bearing segment in LISTEN → RST"),
    (S.LISTEN, E.RCV_FIN_ACK, S.LISTEN, "RST", A.LOOP, "RFC 9293 §3.10.7.2 second: ACK-bearing segment in LISTEN → RST"),
    (S.LISTEN, E.RCV_FIN, S.LISTEN, "", A.LOOP, "RFC 9293 §3.10.7.2 fourth: other control without ACK is dropped"),
    (S.LISTEN, E.RCV_RST, S.LISTEN, "", A.LOOP, "RFC 9293 §3.10.7.2 first: an incoming RST is ignored"),
    (S.LISTEN, E.SEND, S.SYN_SENT, "SYN", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'SEND / snd SYN'; §3.10.2 (optional; Linux has no such call)"),
    (S.LISTEN, E.CLOSE, S.CLOSED, "", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'CLOSE / delete TCB'; §3.10.4"),
    (S.LISTEN, E.ABORT, S.CLOSED, "", A.EXTRA, "RFC 9293 §3.10.5 ABORT in LISTEN: delete the TCB"),
    # ---- SYN_SENT ----------------------------------------------------------
    (S.SYN_SENT, E.RCV_SYN_ACK, S.ESTABLISHED, "ACK", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'rcv SYN,ACK / snd ACK'; §3.5 Figure 6; §3.10.7.3; tcp_rcv_synsent_state_process"),
    (S.SYN_SENT, E.RCV_SYN, S.SYN_RECEIVED, "SYN+ACK", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'rcv SYN / snd SYN,ACK'; §3.5 Figure 7 (simultaneous open); §3.10.7.3 fourth; tcp_rcv_synsent_state_process"),
    (S.SYN_SENT, E.RCV_BAD_ACK, S.SYN_SENT, "RST", A.LOOP,
     "RFC 9293 §3.10.7.3 first: SEG.ACK =< ISS or > SND.NXT → <SEQ=SEG.ACK><CTL=RST>; §3.5 Figure 8"),
    (S.SYN_SENT, E.RCV_RST, S.CLOSED, "", A.EXTRA,
     "RFC 9293 §3.10.7.3 second: RST acking our SYN → 'connection reset' (ECONNREFUSED)"),
    (S.SYN_SENT, E.RCV_ACK, S.SYN_SENT, "", A.LOOP, "RFC 9293 §3.10.7.3 fifth: neither SYN nor RST → drop"),
    (S.SYN_SENT, E.RCV_FIN, S.SYN_SENT, "", A.LOOP, "RFC 9293 §3.10.7.3 fifth: neither SYN nor RST → drop"),
    (S.SYN_SENT, E.RTO, S.SYN_SENT, "SYN", A.LOOP, "RFC 9293 §3.8.1; RFC 6298 §5; Linux tcp_retransmit_timer (SYN retransmission)"),
    (S.SYN_SENT, E.USER_TIMEOUT, S.CLOSED, "", A.EXTRA,
     "RFC 9293 §3.10.8 USER TIMEOUT; Linux tcp_write_timeout (tcp_syn_retries) → ETIMEDOUT"),
    (S.SYN_SENT, E.SEND, S.SYN_SENT, "", A.LOOP, "RFC 9293 §3.10.2: data queued until ESTABLISHED"),
    (S.SYN_SENT, E.CLOSE, S.CLOSED, "", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'CLOSE / delete TCB'; §3.10.4"),
    (S.SYN_SENT, E.ABORT, S.CLOSED, "", A.EXTRA, "RFC 9293 §3.10.5 ABORT in SYN-SENT: delete the TCB"),
    # ---- SYN_RECEIVED --------------------------------------------------------
    (S.SYN_RECEIVED, E.RCV_ACK, S.ESTABLISHED, "", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'rcv ACK of SYN'; §3.10.7.4 fifth; Linux tcp_check_req → child socket"),
    (S.SYN_RECEIVED, E.RCV_SYN_ACK, S.ESTABLISHED, "", A.MAIN,
     "RFC 9293 §3.5 Figure 7 line 6/7 (simultaneous open: the peer's SYN,ACK acks our SYN)"),
    (S.SYN_RECEIVED, E.RCV_FIN_ACK, S.CLOSE_WAIT, "ACK", A.EXTRA,
     "RFC 9293 §3.10.7.4 fifth then eighth: the ACK completes the handshake, the FIN moves on to CLOSE-WAIT"),
    (S.SYN_RECEIVED, E.RCV_SYN, S.SYN_RECEIVED, "SYN+ACK", A.LOOP,
     "Linux tcp_check_req: 'pure retransmitted SYN' → resend SYN-ACK (RFC 9293 §3.10.7.4 would return to LISTEN)"),
    (S.SYN_RECEIVED, E.RCV_BAD_ACK, S.SYN_RECEIVED, "RST", A.LOOP,
     "RFC 9293 §3.10.7.4 fifth: unacceptable ACK in SYN-RECEIVED → <SEQ=SEG.ACK><CTL=RST>"),
    (S.SYN_RECEIVED, E.RCV_RST, S.LISTEN, "", A.EXTRA,
     "RFC 9293 §3.10.7.4 second: passive OPEN returns to LISTEN (§3.5 Figure 8 line 5); inet_csk_reqsk_queue_drop"),
    (S.SYN_RECEIVED, E.RTO, S.SYN_RECEIVED, "SYN+ACK", A.LOOP, "Linux reqsk_timer_handler → inet_rtx_syn_ack (tcp_synack_retries)"),
    (S.SYN_RECEIVED, E.USER_TIMEOUT, S.LISTEN, "", A.EXTRA,
     "Linux reqsk_timer_handler: request dropped after tcp_synack_retries, the listener stays in LISTEN"),
    (S.SYN_RECEIVED, E.SEND, S.SYN_RECEIVED, "", A.LOOP, "RFC 9293 §3.10.2: data queued until ESTABLISHED"),
    (S.SYN_RECEIVED, E.CLOSE, S.FIN_WAIT_1, "FIN", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'CLOSE / snd FIN'; §3.10.4"),
    (S.SYN_RECEIVED, E.ABORT, S.CLOSED, "RST", A.EXTRA, _ABORT_RST),
    # ---- ESTABLISHED -------------------------------------------------------
    (S.ESTABLISHED, E.CLOSE, S.FIN_WAIT_1, "FIN", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'CLOSE / snd FIN'; §3.6; §3.10.4; tcp_close"),
    (S.ESTABLISHED, E.RCV_FIN, S.CLOSE_WAIT, "ACK", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'rcv FIN / snd ACK'; §3.10.7.4 eighth; Linux tcp_fin (ACK delayed, pingpong mode)"),
    (S.ESTABLISHED, E.SEND, S.ESTABLISHED, "DATA", A.LOOP, "RFC 9293 §3.10.2 SEND call"),
    (S.ESTABLISHED, E.RCV_ACK, S.ESTABLISHED, "", A.LOOP, "RFC 9293 §3.10.7.4 fifth: update SND.UNA"),
    (S.ESTABLISHED, E.RCV_SYN, S.ESTABLISHED, "ACK", A.LOOP, _CHALLENGE),
    (S.ESTABLISHED, E.RCV_SYN_ACK, S.ESTABLISHED, "ACK", A.LOOP,
     "RFC 9293 §3.10.7.4 first: old segment (e.g. retransmitted SYN,ACK) → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; tcp_send_dupack"),
    (S.ESTABLISHED, E.RCV_BAD_ACK, S.ESTABLISHED, "ACK", A.LOOP, "RFC 9293 §3.10.7.4 fifth: SEG.ACK > SND.NXT → send ACK, drop"),
    (S.ESTABLISHED, E.RCV_RST, S.CLOSED, "", A.EXTRA, _RST_SYNC),
    (S.ESTABLISHED, E.RTO, S.ESTABLISHED, "DATA", A.LOOP, "RFC 6298 §5.4; Linux tcp_retransmit_timer"),
    (S.ESTABLISHED, E.USER_TIMEOUT, S.CLOSED, "", A.EXTRA, "RFC 9293 §3.10.8; Linux tcp_write_timeout (tcp_retries2) → ETIMEDOUT"),
    (S.ESTABLISHED, E.ABORT, S.CLOSED, "RST", A.EXTRA, _ABORT_RST),
    # ---- FIN_WAIT_1 --------------------------------------------------------
    (S.FIN_WAIT_1, E.RCV_ACK, S.FIN_WAIT_2, "", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'rcv ACK of FIN'; §3.10.7.4 fifth"),
    (S.FIN_WAIT_1, E.RCV_FIN, S.CLOSING, "ACK", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'rcv FIN / snd ACK'; §3.6 Figure 13 (simultaneous close); §3.10.7.4 eighth"),
    (S.FIN_WAIT_1, E.RCV_FIN_ACK, S.TIME_WAIT, "ACK", A.EXTRA,
     "RFC 9293 §3.10.7.4 eighth: 'FIN-WAIT-1: if our FIN has been ACKed … enter TIME-WAIT'"),
    (S.FIN_WAIT_1, E.RCV_SYN, S.FIN_WAIT_1, "ACK", A.LOOP, _CHALLENGE),
    (S.FIN_WAIT_1, E.RCV_RST, S.CLOSED, "", A.EXTRA, _RST_SYNC),
    (S.FIN_WAIT_1, E.RTO, S.FIN_WAIT_1, "FIN", A.LOOP, "Linux tcp_retransmit_timer (FIN retransmission)"),
    (S.FIN_WAIT_1, E.USER_TIMEOUT, S.CLOSED, "", A.EXTRA,
     "Linux tcp_write_timeout: tcp_orphan_retries (after close()) or tcp_retries2 (after shutdown())"),
    (S.FIN_WAIT_1, E.ABORT, S.CLOSED, "RST", A.EXTRA, _ABORT_RST),
    # ---- FIN_WAIT_2 --------------------------------------------------------
    (S.FIN_WAIT_2, E.RCV_FIN, S.TIME_WAIT, "ACK", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'rcv FIN / snd ACK'; §3.10.7.4 eighth"),
    (S.FIN_WAIT_2, E.RCV_ACK, S.FIN_WAIT_2, "", A.LOOP, "RFC 9293 §3.10.7.4 fifth: nothing to do"),
    (S.FIN_WAIT_2, E.RCV_SYN, S.FIN_WAIT_2, "ACK", A.LOOP, _CHALLENGE),
    (S.FIN_WAIT_2, E.RCV_RST, S.CLOSED, "", A.EXTRA, _RST_SYNC),
    (S.FIN_WAIT_2, E.FIN_WAIT_2_TIMEOUT, S.CLOSED, "", A.EXTRA,
     "Linux only: orphan FIN_WAIT_2 lives tcp_fin_timeout (tcp_rcv_state_process → tcp_time_wait(TCP_FIN_WAIT2)); no RFC timer"),
    (S.FIN_WAIT_2, E.ABORT, S.CLOSED, "RST", A.EXTRA, _ABORT_RST),
    # ---- CLOSE_WAIT --------------------------------------------------------
    (S.CLOSE_WAIT, E.CLOSE, S.LAST_ACK, "FIN", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'CLOSE / snd FIN'; §3.10.4"),
    (S.CLOSE_WAIT, E.SEND, S.CLOSE_WAIT, "DATA", A.LOOP, "RFC 9293 §3.10.2: sending is still allowed in CLOSE-WAIT"),
    (S.CLOSE_WAIT, E.RCV_FIN, S.CLOSE_WAIT, "ACK", A.LOOP, "RFC 9293 §3.10.7.4 eighth: 'CLOSE-WAIT: remain' (retransmitted FIN re-ACKed)"),
    (S.CLOSE_WAIT, E.RCV_ACK, S.CLOSE_WAIT, "", A.LOOP, "RFC 9293 §3.10.7.4 fifth"),
    (S.CLOSE_WAIT, E.RCV_SYN, S.CLOSE_WAIT, "ACK", A.LOOP, _CHALLENGE),
    (S.CLOSE_WAIT, E.RCV_RST, S.CLOSED, "", A.EXTRA, _RST_SYNC),
    (S.CLOSE_WAIT, E.RTO, S.CLOSE_WAIT, "DATA", A.LOOP, "RFC 6298 §5.4; Linux tcp_retransmit_timer"),
    (S.CLOSE_WAIT, E.USER_TIMEOUT, S.CLOSED, "", A.EXTRA, "RFC 9293 §3.10.8; Linux tcp_write_timeout (tcp_retries2)"),
    (S.CLOSE_WAIT, E.ABORT, S.CLOSED, "RST", A.EXTRA, _ABORT_RST),
    # ---- CLOSING -----------------------------------------------------------
    (S.CLOSING, E.RCV_ACK, S.TIME_WAIT, "", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'rcv ACK of FIN'; §3.10.7.4 fifth"),
    (S.CLOSING, E.RCV_FIN, S.CLOSING, "ACK", A.LOOP, "RFC 9293 §3.10.7.4 eighth: 'CLOSING: remain'"),
    (S.CLOSING, E.RCV_SYN, S.CLOSING, "ACK", A.LOOP, _CHALLENGE),
    (S.CLOSING, E.RCV_RST, S.CLOSED, "", A.EXTRA, "RFC 9293 §3.10.7.4 second: RST in CLOSING → CLOSED"),
    (S.CLOSING, E.RTO, S.CLOSING, "FIN", A.LOOP, "Linux tcp_retransmit_timer (FIN retransmission)"),
    (S.CLOSING, E.USER_TIMEOUT, S.CLOSED, "", A.EXTRA, "Linux tcp_write_timeout (tcp_orphan_retries / tcp_retries2)"),
    (S.CLOSING, E.ABORT, S.CLOSED, "", A.EXTRA, _ABORT_QUIET),
    # ---- LAST_ACK ----------------------------------------------------------
    (S.LAST_ACK, E.RCV_ACK, S.CLOSED, "", A.MAIN, "RFC 9293 §3.3.2 Figure 5 'rcv ACK of FIN'; §3.10.7.4 fifth"),
    (S.LAST_ACK, E.RCV_FIN, S.LAST_ACK, "ACK", A.LOOP, "RFC 9293 §3.10.7.4 eighth: 'LAST-ACK: remain'"),
    (S.LAST_ACK, E.RCV_SYN, S.LAST_ACK, "ACK", A.LOOP, _CHALLENGE),
    (S.LAST_ACK, E.RCV_RST, S.CLOSED, "", A.EXTRA, "RFC 9293 §3.10.7.4 second: RST in LAST-ACK → CLOSED"),
    (S.LAST_ACK, E.RTO, S.LAST_ACK, "FIN", A.LOOP, "Linux tcp_retransmit_timer (FIN retransmission)"),
    (S.LAST_ACK, E.USER_TIMEOUT, S.CLOSED, "", A.EXTRA, "Linux tcp_write_timeout (tcp_orphan_retries / tcp_retries2)"),
    (S.LAST_ACK, E.ABORT, S.CLOSED, "", A.EXTRA, _ABORT_QUIET),
    # ---- TIME_WAIT ---------------------------------------------------------
    (S.TIME_WAIT, E.TIME_WAIT_TIMEOUT, S.CLOSED, "", A.MAIN,
     "RFC 9293 §3.3.2 Figure 5 'Timeout=2MSL'; Linux TCP_TIMEWAIT_LEN (60 s), inet_twsk_kill"),
    (S.TIME_WAIT, E.RCV_FIN, S.TIME_WAIT, "ACK", A.LOOP,
     "RFC 9293 §3.10.7.4 eighth: 'TIME-WAIT: remain, restart the 2 MSL timeout'; Linux tcp_timewait_state_process"),
    (S.TIME_WAIT, E.RCV_ACK, S.TIME_WAIT, "", A.LOOP, "RFC 9293 §3.10.7.4 fifth; Linux tcp_timewait_state_process"),
    (S.TIME_WAIT, E.RCV_SYN, S.SYN_RECEIVED, "SYN+ACK", A.MAIN,
     "RFC 9293 §3.10.7.4 / RFC 6191; Linux tcp_timewait_state_process TCP_TW_SYN (ISN = tw_snd_nxt + 65537)"),
    (S.TIME_WAIT, E.RCV_OLD_SYN, S.TIME_WAIT, "ACK", A.LOOP, "Linux tcp_timewait_state_process TCP_TW_ACK (old SYN → ACK)"),
    (S.TIME_WAIT, E.RCV_RST, S.CLOSED, "", A.EXTRA,
     "RFC 9293 §3.10.7.4 second; RFC 1337 'TIME-WAIT assassination' (Linux tcp_rfc1337=0)"),
    (S.TIME_WAIT, E.ABORT, S.CLOSED, "", A.EXTRA, _ABORT_QUIET),
)

#: Every transition of the model, in a fixed order (state, then as written).
TRANSITIONS: tuple[Transition, ...] = tuple(Transition(*r) for r in _ROWS)


def _index(rows: tuple[Transition, ...]) -> Mapping[tuple[State, Event], Transition]:
    d: dict[tuple[State, Event], Transition] = {}
    for r in rows:
        key = (r.state, r.event)
        if key in d:
            raise ValueError(f"duplicate transition row for {r.state.name}, {r.event.name}")
        d[key] = r
    return MappingProxyType(d)


#: ``(state, event) -> Transition``: the lookup :meth:`Machine.step` does.
TRANSITIONS_BY_KEY: Mapping[tuple[State, Event], Transition] = _index(TRANSITIONS)


def table_markdown(*, states: tuple[State, ...] | None = None, with_ref: bool = True) -> str:
    """The transition table as a Markdown table (Chinese headers), one row per transition.

    Parameters
    ----------
    states : tuple of State, optional
        Only rows starting in these states (default: all eleven).
    with_ref : bool
        Include the reference column.

    Returns
    -------
    str
        A GitHub/MyST pipe table, ready for ``IPython.display.Markdown``.

    Examples
    --------
    >>> print(table_markdown(states=(State.TIME_WAIT,), with_ref=False).splitlines()[2])
    | TIME_WAIT | TIME_WAIT_TIMEOUT（TIME_WAIT 到期） | CLOSED | — |
    """
    wanted = set(states) if states is not None else None
    head = "| 当前状态 | 事件 | 新状态 | 发送 |" + (" 依据 |" if with_ref else "")
    sep = "|---|---|---|---|" + ("---|" if with_ref else "")
    lines = [head, sep]
    for r in TRANSITIONS:
        if wanted is not None and r.state not in wanted:
            continue
        cells = [r.state.name, f"{r.event.name}（{r.event.label}）", r.new_state.name, r.send or "—"]
        if with_ref:
            cells.append(r.ref.replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
