"""Tahoe: slow start, congestion avoidance and fast retransmit, but no fast recovery.

>>> t = Tahoe(cwnd=20); t.on_loss(now=0.0, flight_size=20); (t.ssthresh, t.cwnd)
(10.0, 1.0)
"""

from __future__ import annotations

from typing import ClassVar

from .base import LOSS_WINDOW, MIN_CWND
from .reno import Reno

__all__ = ["Tahoe", "TAHOE_BETA"]

#: ssthresh = max(FlightSize / 2, 2) on any loss (Jacobson 1988; RFC 5681 eq. 4).
TAHOE_BETA = 0.5


class Tahoe(Reno):
    """4.3BSD-Tahoe congestion control (Jacobson 1988; no RFC of its own).

    Constructed like :class:`~tcpkit.congestion.base.CongestionController`
    (``cwnd=``, ``ssthresh=``).

    Notes
    -----
    Same increase rules as :class:`~tcpkit.congestion.reno.Reno` (RFC 5681
    eqs. 2–3), inherited from it. Loss detected by three
    duplicate ACKs is treated like a timeout: ``ssthresh = max(FlightSize/2, 2)``
    and ``cwnd = 1`` (the loss window), then slow start again. There is no
    fast recovery, so the simulator never puts Tahoe in recovery.

    Examples
    --------
    >>> t = Tahoe(cwnd=4)
    >>> for _ in range(4): t.on_ack(now=0.0, acked=1, rtt=0.1)
    >>> t.cwnd   # slow start: +1 per ACK, doubling per RTT
    8.0
    """

    name: ClassVar[str] = "tahoe"
    recovery: ClassVar[str] = "none"
    beta: ClassVar[float | None] = TAHOE_BETA

    def _loss(self, now: float, flight_size: float) -> None:
        """A fast retransmit handled like a timeout: ssthresh = max(FlightSize/2, 2), cwnd = LW = 1."""
        self.ssthresh = max(flight_size * TAHOE_BETA, MIN_CWND)
        self.cwnd = LOSS_WINDOW
        self.in_recovery = False
