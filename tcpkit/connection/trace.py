"""The record of one simulated connection: segments, state changes, timers, outcome.

>>> from tcpkit.connection import run_scenario
>>> [s.name for s in run_scenario("handshake").states("server")]
['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..fsm import Event, State
from ..stream import segment_text

__all__ = ["Segment", "Step", "TimerSpan", "Trace", "ENDPOINTS"]

ENDPOINTS = ("client", "server")


@dataclass(frozen=True, slots=True)
class Segment:
    """One TCP segment on the simulated wire.

    Attributes
    ----------
    sender, receiver : str
        ``"client"`` or ``"server"``.
    flags : str
        Wire flags as captured, e.g. ``"SYN"``, ``"SYN+ACK"``, ``"FIN+ACK"``, ``"RST+ACK"``.
    seq : int
        Sequence number (mod 2**32).
    ack : int or None
        Acknowledgment number, ``None`` when the ACK bit is off.
    length : int
        Payload bytes (SYN and FIN occupy one sequence number each but no payload).
    t_send : float
        Send time (s).
    t_arrive : float or None
        Arrival time (s), ``None`` if lost.
    lost : bool
        Dropped by the loss script.
    retransmission : bool
        A retransmission of an earlier segment.
    note : str
        Why it was sent (Chinese, for figures), e.g. ``"挑战 ACK"``.
    """

    sender: str
    receiver: str
    flags: str
    seq: int
    ack: int | None
    length: int
    t_send: float
    t_arrive: float | None
    lost: bool
    retransmission: bool = False
    note: str = ""

    @property
    def seq_space(self) -> int:
        """Sequence numbers consumed: payload + 1 for SYN + 1 for FIN (RFC 9293 §3.4)."""
        return self.length + ("SYN" in self.flags) + ("FIN" in self.flags)

    def label(self) -> str:
        """``"SYN seq=100"`` / ``"ACK seq=101 ack=301"`` / ``"PSH+ACK seq=101 ack=301 len=100"``."""
        return segment_text(self.flags, self.seq, self.ack, self.length)


@dataclass(frozen=True, slots=True)
class Step:
    """One lookup in the transition table by one endpoint (self-loops included)."""

    t: float
    endpoint: str
    old: State
    event: Event
    new: State
    send: str


@dataclass(frozen=True, slots=True)
class TimerSpan:
    """A timer that ran from ``t_start`` to ``t_end`` and then ``fired`` or was cancelled."""

    endpoint: str
    kind: str
    t_start: float
    t_end: float
    fired: bool


@dataclass(frozen=True, slots=True)
class Trace:
    """Everything one :func:`~tcpkit.connection.run_scenario` call produced.

    Attributes
    ----------
    scenario : str
        Scenario name.
    params : tuple of (str, value)
        The parameters actually used (defaults filled in).
    segments : tuple of Segment
        In send order.
    steps : tuple of Step
        Every state-machine step of both endpoints, in time order.
    timers : tuple of TimerSpan
        Retransmission, TIME_WAIT, FIN_WAIT_2 and delayed-ACK timers.
    client_established_at, server_established_at : float or None
        When each endpoint entered ESTABLISHED (first time after its last
        ACTIVE/PASSIVE open), ``None`` if never.
    gave_up_at : float or None
        When a retransmission limit made an endpoint give up.
    gave_up_by : str or None
        Which endpoint gave up.
    client_error : str or None
        What ``connect()``/``recv()`` reports to the client application:
        ``"ETIMEDOUT"``, ``"ECONNREFUSED"``, ``"ECONNRESET"`` or ``None``.
    client_closed_at, server_closed_at : float or None
        Last entry into CLOSED after the connection existed.
    end : float
        Time of the last event.
    connect_deadline : float or None
        When ``connect()`` gives up (ETIMEDOUT) if no SYN-ACK ever arrives: the
        first SYN plus :func:`tcpkit.timers.syn_retransmit_schedule`'s
        ``give_up`` for this ``syn_retries`` / ``linear_timeouts``; ``None`` if
        the client never sent a SYN.
    """

    scenario: str
    params: tuple[tuple[str, Any], ...]
    segments: tuple[Segment, ...]
    steps: tuple[Step, ...]
    timers: tuple[TimerSpan, ...]
    client_established_at: float | None
    server_established_at: float | None
    gave_up_at: float | None
    gave_up_by: str | None
    client_error: str | None
    client_closed_at: float | None
    server_closed_at: float | None
    end: float
    connect_deadline: float | None = None

    def param(self, name: str) -> Any:
        """The value of one parameter."""
        return dict(self.params)[name]

    @property
    def established_at(self) -> float | None:
        """When *both* ends were ESTABLISHED, or ``None``."""
        if self.client_established_at is None or self.server_established_at is None:
            return None
        return max(self.client_established_at, self.server_established_at)

    def states(self, endpoint: str) -> tuple[State, ...]:
        """The sequence of states ``endpoint`` visited, starting at CLOSED.

        Raises
        ------
        ValueError
            If ``endpoint`` is not ``"client"`` or ``"server"``.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of 'client', 'server', got {endpoint!r}")
        out = [State.CLOSED]
        for st in self.steps:
            if st.endpoint == endpoint and st.new is not out[-1]:
                out.append(st.new)
        return tuple(out)

    def state_at(self, endpoint: str, t: float) -> State:
        """The state of ``endpoint`` just after time ``t``."""
        s = State.CLOSED
        for st in self.steps:
            if st.t > t:
                break
            if st.endpoint == endpoint:
                s = st.new
        return s

    def sent_by(self, endpoint: str, flags: str | None = None) -> tuple[Segment, ...]:
        """Segments sent by ``endpoint`` (optionally only those with exactly ``flags``)."""
        return tuple(s for s in self.segments if s.sender == endpoint and (flags is None or s.flags == flags))

    def final_state(self, endpoint: str) -> State:
        """The state ``endpoint`` ended in."""
        return self.states(endpoint)[-1]

    def summary_zh(self) -> str:
        """One Chinese sentence describing the outcome (shown under the widget).

        >>> from tcpkit.connection import run_scenario
        >>> run_scenario("lost_syn", losses=11).summary_zh()
        '131 s 后放弃，connect() 返回 ETIMEDOUT（共发出 11 个 SYN）'
        """
        parts: list[str] = []
        if self.client_error == "ETIMEDOUT" and self.gave_up_by == "client" and self.client_established_at is None:
            n = len(self.sent_by("client", "SYN"))
            return f"{self.gave_up_at:.4g} s 后放弃，connect() 返回 ETIMEDOUT（共发出 {n} 个 SYN）"
        if self.client_error == "ECONNREFUSED":
            return "对端回 RST，connect() 立即返回 ECONNREFUSED（连接被拒绝）"
        if self.client_established_at is not None:
            parts.append(f"连接在 {self.client_established_at:.4g} s 后建立（客户端 connect() 返回）")
            if self.server_established_at is not None:
                parts.append(f"服务端在 {self.server_established_at:.4g} s 进入 ESTABLISHED")
            else:
                parts.append("服务端始终没有进入 ESTABLISHED")
        if self.gave_up_by == "server" and self.server_established_at is None:
            parts.append(f"服务端在 {self.gave_up_at:.4g} s 放弃这个半连接")
        elif self.gave_up_by is not None and self.client_established_at is not None:
            who = "客户端" if self.gave_up_by == "client" else "服务端"
            parts.append(f"{who}在 {self.gave_up_at:.4g} s 重传次数耗尽、放弃连接")
        if self.client_error == "ECONNRESET":
            parts.append("客户端收到 RST（ECONNRESET）")
        for who, name, t in (("客户端", "client", self.client_closed_at), ("服务端", "server", self.server_closed_at)):
            fs = self.final_state(name)
            if fs is State.CLOSED and t is not None and self.client_established_at is not None:
                parts.append(f"{who}在 {t:.4g} s 进入 CLOSED")
            elif fs not in (State.CLOSED, State.ESTABLISHED, State.LISTEN):
                parts.append(f"{who}停在 {fs.name}")
        return "；".join(parts) if parts else "没有建立连接"
