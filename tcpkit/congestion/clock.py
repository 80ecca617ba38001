"""The event clock of the per-ACK simulator: what happens next, and when.

>>> c = EventClock(2); c.pace[1] = 0.5; c.rto[0] = 0.7
>>> c.next(), c.flow   # flow 1's pacing timer (kind 1) at 0.5 s comes before the RTO at 0.7 s
((1, 0.5), 1)
>>> c.pace[1] = float("inf")   # the sender disarms it when it fires
>>> c.next(), c.flow
((2, 0.7), 0)

Three sources, kept apart because each is cheap to query that way:

* ``acks``: ACKs travelling back to the senders, a FIFO. The bottleneck
  serves segments in order and every ACK takes the same propagation delay,
  so arrival times only grow and the head is always the earliest;
* ``pace[i]``: flow *i*'s pacing wake-up (at most one armed per flow);
* ``rto[i]``: flow *i*'s retransmission timer deadline (RFC 6298 §5).

``inf`` marks a timer that is not armed. At equal times an ACK is handled
before a pacing timer, and a pacing timer before a retransmission timeout:
the ACK may restart the timer (RFC 6298 §5.3); among flows the lowest index
goes first.
"""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["EventClock", "ACK", "PACE", "RTO"]

#: Event kinds returned by :meth:`EventClock.next`.
ACK, PACE, RTO = 0, 1, 2
_INF = float("inf")


class EventClock:
    """The pending ACKs and the per-flow timers of ``nflows`` flows."""

    __slots__ = ("acks", "pace", "rto", "flow", "_single")

    def __init__(self, nflows: int) -> None:
        #: ACK records ``(arrival time, sender, ackno, …)`` in arrival order.
        self.acks: deque[tuple[Any, ...]] = deque()
        self.pace = [_INF] * nflows
        self.rto = [_INF] * nflows
        #: The flow of the timer event :meth:`next` returned last (lowest index first at equal times).
        self.flow = 0
        self._single = nflows == 1

    def next(self) -> tuple[int, float]:
        """``(kind, time)`` of the earliest event: :data:`ACK`, :data:`PACE` or :data:`RTO`.

        The time is ``inf`` when nothing is pending. For a timer event,
        :attr:`flow` says whose; the owner disarms or re-arms it.
        """
        acks = self.acks
        t_ack = acks[0][0] if acks else _INF
        if self._single:
            t_pace = self.pace[0]
            t_rto = self.rto[0]
        else:
            t_pace = min(self.pace)
            t_rto = min(self.rto)
        if t_ack <= t_pace and t_ack <= t_rto:
            return ACK, t_ack
        if t_pace <= t_rto:
            if not self._single:
                self.flow = self.pace.index(t_pace)
            return PACE, t_pace
        if not self._single:
            self.flow = self.rto.index(t_rto)
        return RTO, t_rto
