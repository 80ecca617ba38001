"""Reno: slow start, congestion avoidance, fast retransmit and fast recovery (RFC 5681).

>>> r = Reno(cwnd=20); r.on_loss(now=0.0, flight_size=20); (r.ssthresh, r.cwnd)
(10.0, 13.0)
"""

from __future__ import annotations

from typing import ClassVar

from .base import MIN_CWND, CongestionController

__all__ = ["Reno", "RENO_BETA", "DUPACK_INFLATION"]

#: ssthresh = max(FlightSize / 2, 2*SMSS) on loss (RFC 5681 §3.1 eq. 4, §3.2 step 2).
RENO_BETA = 0.5
#: cwnd = ssthresh + 3*SMSS when fast recovery starts (RFC 5681 §3.2 step 3).
DUPACK_INFLATION = 3.0


class Reno(CongestionController):
    """TCP Reno as specified by RFC 5681 §3 (windows in segments).

    Parameters
    ----------
    cwnd : float
        Initial window in segments, in [1, 1e6]; default 10 (``TCP_INIT_CWND``).
    ssthresh : float
        Initial slow-start threshold in segments, in [2, 2**31]; default infinite.

    Notes
    -----
    * Slow start (cwnd < ssthresh): ``cwnd += acked`` per ACK — RFC 5681
      eq. (2) ``min(N, SMSS)`` when one ACK covers one segment, RFC 3465 /
      Linux ``tcp_slow_start()`` when an ACK covers several.
    * Congestion avoidance: ``cwnd += acked / cwnd`` per ACK, eq. (3), i.e.
      about +1 segment per RTT (Linux ``tcp_cong_avoid_ai``).
    * Fast retransmit on the 3rd duplicate ACK: ``ssthresh = max(FlightSize/2, 2)``,
      ``cwnd = ssthresh + 3`` (§3.2 steps 2–3); ``+1`` per further duplicate
      ACK (step 4); ``cwnd = ssthresh`` on the next ACK of new data (step 6).
      Reno leaves recovery on that first new ACK even if it is partial, so
      several losses in one window usually cost several halvings or an RTO.
    * Linux's ``tcp_reno_ssthresh`` uses ``max(cwnd/2, 2)`` (cwnd, not
      FlightSize) and reduces cwnd with PRR (RFC 6937) instead of inflating.

    Examples
    --------
    >>> r = Reno(cwnd=10, ssthresh=10)
    >>> r.on_ack(now=0.0, acked=1, rtt=0.1); round(r.cwnd, 3)   # +1/cwnd
    10.1
    """

    name: ClassVar[str] = "reno"
    recovery: ClassVar[str] = "reno"
    beta: ClassVar[float | None] = RENO_BETA

    def _ack(self, now: float, acked: float, rtt: float, inflight: float, rate: float) -> None:
        """Slow start (RFC 5681 eq. 2, per-ACK ``min(N, SMSS)`` generalised to ``acked``
        segments as RFC 3465 ABC with L = ``acked``) then congestion avoidance (eq. 3).

        Like Linux ``tcp_slow_start()``, the part of ``acked`` that crosses
        ssthresh is handed to congestion avoidance.
        """
        cwnd = self.cwnd
        ss = self.ssthresh
        if cwnd < ss:
            room = ss - cwnd
            if acked <= room:
                self.cwnd = cwnd + acked
                return
            cwnd = ss
            acked -= room
        self.cwnd = cwnd + acked / cwnd

    def _loss(self, now: float, flight_size: float) -> None:
        """ssthresh = max(FlightSize/2, 2), cwnd = ssthresh + 3, enter fast recovery (§3.2 steps 2–3)."""
        self.ssthresh = max(flight_size * RENO_BETA, MIN_CWND)
        self.cwnd = self.ssthresh + DUPACK_INFLATION
        self.in_recovery = True
