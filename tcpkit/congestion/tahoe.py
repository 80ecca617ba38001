"""Tahoe: slow start, congestion avoidance and fast retransmit, but no fast recovery.

>>> t = Tahoe(cwnd=20); t.on_loss(now=0.0, flight_size=20); (t.ssthresh, t.cwnd)
(10.0, 1.0)
"""

from __future__ import annotations

from typing import ClassVar

from .base import LOSS_WINDOW, MIN_CWND, CongestionController

__all__ = ["Tahoe", "TAHOE_BETA"]

#: ssthresh = max(FlightSize / 2, 2) on any loss (Jacobson 1988; RFC 5681 eq. 4).
TAHOE_BETA = 0.5


class Tahoe(CongestionController):
    """4.3BSD-Tahoe congestion control (Jacobson 1988; no RFC of its own).

    Parameters
    ----------
    cwnd : float
        Initial window in segments, in [1, 1e6]; default 10.
    ssthresh : float
        Initial slow-start threshold in segments, in [2, 2**31]; default infinite.

    Notes
    -----
    Same increase rules as Reno (RFC 5681 eqs. 2–3). Loss detected by three
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

    def on_ack(self, *, now: float, acked: float, rtt: float, inflight: float = 0.0, rate: float = 0.0) -> None:
        self._reno_increase(acked)

    def on_loss(self, *, now: float, flight_size: float) -> None:
        self.ssthresh = max(flight_size * TAHOE_BETA, MIN_CWND)
        self.cwnd = LOSS_WINDOW
        self.in_recovery = False
