"""The one small interface every congestion controller implements.

>>> from tcpkit.congestion import Reno
>>> Reno(cwnd=10).snapshot().cwnd
10.0

Units, decided once for the whole package: **every window is counted in
segments** (multiples of SMSS, the sender maximum segment size), as float.
``cwnd`` and ``ssthresh`` are in segments; ``pacing_rate`` and the delivery
``rate`` are in segments per second; times are seconds. Linux counts
``snd_cwnd`` in packets too (``include/linux/tcp.h``); RFC 5681 counts bytes,
so its ``2*SMSS`` is ``2.0`` here.

A controller only decides *windows*. Sequence numbers, duplicate-ACK counting,
the NewReno ``recover`` point and the RFC 6298 timer live in the simulator
(:mod:`tcpkit.congestion.sim`), which calls the hooks below. This split is the
one aioquic uses (``quic/congestion/base.py`` vs ``quic/recovery.py``).

Hook call order, per ACK, as the simulator does it:

* every ACK, for controllers with ``wants_samples`` (BBR) → :meth:`on_sample`;
* new data acknowledged, not in recovery → :meth:`on_ack`;
* 3rd duplicate ACK (``tcp_reordering`` = 3) → :meth:`on_loss` (the fast
  retransmit); later duplicate ACKs in recovery → :meth:`on_dup_ack`;
* partial ACK in recovery (NewReno style) → :meth:`on_partial_ack`;
* full ACK ending recovery → :meth:`on_recovery_end`;
* retransmission timer expiry → :meth:`on_rto`.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from typing import ClassVar

from .._validate import check_float
from ..linux import LINUX

__all__ = [
    "Phase",
    "PHASE_LABELS",
    "Snapshot",
    "CongestionController",
    "INFINITE_SSTHRESH",
    "MIN_CWND",
    "LOSS_WINDOW",
]

#: "Arbitrarily high" initial ssthresh (RFC 5681 §3.1), in segments. Linux uses
#: ``TCP_INFINITE_SSTHRESH`` = 0x7fffffff.
INFINITE_SSTHRESH: float = float(LINUX["TCP_INFINITE_SSTHRESH"].value)
#: Smallest ssthresh after a loss: 2 segments (RFC 5681 §3.1 eq. 4, ``2*SMSS``).
MIN_CWND: float = 2.0
#: Loss window after an RTO: 1 segment (RFC 5681 §3.1, "LW").
LOSS_WINDOW: float = 1.0


class Phase(enum.IntEnum):
    """The phase a controller is in; the simulator records it per sample."""

    SLOW_START = 0
    CONGESTION_AVOIDANCE = 1
    FAST_RECOVERY = 2
    STARTUP = 3
    DRAIN = 4
    PROBE_BW = 5
    PROBE_RTT = 6


#: Chinese labels used by the figures.
PHASE_LABELS: dict[Phase, str] = {
    Phase.SLOW_START: "慢启动",
    Phase.CONGESTION_AVOIDANCE: "拥塞避免",
    Phase.FAST_RECOVERY: "快速恢复",
    Phase.STARTUP: "STARTUP",
    Phase.DRAIN: "DRAIN",
    Phase.PROBE_BW: "PROBE_BW",
    Phase.PROBE_RTT: "PROBE_RTT",
}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The public state of a controller at one instant (for tracing)."""

    cwnd: float
    ssthresh: float
    phase: Phase
    pacing_rate: float | None


class CongestionController(abc.ABC):
    """Abstract base of Tahoe, Reno, NewReno, CUBIC and BBR.

    Parameters
    ----------
    cwnd : float
        Initial congestion window in segments, in [1, 1e6]. Default
        ``LINUX["TCP_INIT_CWND"]`` (10, RFC 6928).
    ssthresh : float
        Initial slow-start threshold in segments, in [2, 2**31]. Default
        "infinite" (``TCP_INFINITE_SSTHRESH``, RFC 5681 §3.1).

    Attributes
    ----------
    cwnd : float
        Congestion window, segments.
    ssthresh : float
        Slow-start threshold, segments.
    in_recovery : bool
        True between :meth:`on_loss` and :meth:`on_recovery_end`.
    pacing_rate : float or None
        Segments per second if the controller paces (BBR), else None
        (pure ACK clocking).

    Notes
    -----
    Class attributes describe what the simulator must do around the hooks:
    ``recovery`` is ``"none"`` (Tahoe: no fast recovery), ``"reno"`` (leave
    recovery on the first new ACK, RFC 5681 §3.2 step 6), ``"newreno"``
    (stay until ``recover`` is acknowledged, RFC 6582 §3.2; one hole
    repaired per round trip) or ``"sack"`` (SACK-based recovery as in RFC 6675
    and Linux: send while the "pipe" estimate < cwnd, retransmit every hole,
    no window inflation). ``beta`` is the multiplicative-decrease factor
    applied on loss (``None`` for BBR, which has none). ``wants_samples``
    asks the simulator to call :meth:`on_sample` on every ACK (BBR).
    """

    name: ClassVar[str] = ""
    recovery: ClassVar[str] = "newreno"
    beta: ClassVar[float | None] = 0.5
    wants_samples: ClassVar[bool] = False

    def __init__(self, *, cwnd: float | None = None, ssthresh: float | None = None) -> None:
        init = float(LINUX["TCP_INIT_CWND"].value)
        self.cwnd = check_float("cwnd", init if cwnd is None else cwnd, lo=1.0, hi=1e6)
        self.ssthresh = check_float(
            "ssthresh", INFINITE_SSTHRESH if ssthresh is None else ssthresh, lo=MIN_CWND, hi=INFINITE_SSTHRESH
        )
        self.in_recovery = False
        self.pacing_rate: float | None = None

    # -- state out -------------------------------------------------------
    @property
    def phase(self) -> Phase:
        """Slow start if cwnd < ssthresh, else congestion avoidance; fast recovery wins."""
        if self.in_recovery:
            return Phase.FAST_RECOVERY
        return Phase.SLOW_START if self.cwnd < self.ssthresh else Phase.CONGESTION_AVOIDANCE

    def snapshot(self) -> Snapshot:
        """Frozen copy of the public state."""
        return Snapshot(self.cwnd, self.ssthresh, self.phase, self.pacing_rate)

    def __repr__(self) -> str:
        ss = "inf" if self.ssthresh >= INFINITE_SSTHRESH else f"{self.ssthresh:.2f}"
        return f"{type(self).__name__}(cwnd={self.cwnd:.2f}, ssthresh={ss}, phase={self.phase.name})"

    # -- hooks ----------------------------------------------------------
    @abc.abstractmethod
    def on_ack(
        self, *, now: float, acked: float, rtt: float, inflight: float = 0.0, rate: float = 0.0
    ) -> None:
        """``acked`` new segments were cumulatively acknowledged outside recovery.

        ``rtt`` is the RTT sample in seconds carried by this ACK, ``inflight``
        the segments still outstanding after it, ``rate`` the delivery-rate
        sample in segments/s (used by BBR only).
        """

    def on_sample(
        self, *, now: float, rtt: float, rate: float, inflight: float, delivered: float = 1.0
    ) -> None:
        """Every ACK (duplicates included): ``delivered`` segments reached the receiver.

        ``rtt`` in s, ``rate`` the delivery-rate sample in segments/s,
        ``inflight`` the pipe estimate in segments. Only called when
        ``wants_samples`` is true; the default does nothing.
        """
        return None

    @abc.abstractmethod
    def on_loss(self, *, now: float, flight_size: float) -> None:
        """Loss detected by the 3rd duplicate ACK (fast retransmit).

        ``flight_size`` is the data outstanding, in segments (RFC 5681 FlightSize).
        """

    def on_dup_ack(self, *, now: float) -> None:
        """A further duplicate ACK during recovery: inflate by 1 SMSS (RFC 5681 §3.2 step 4)."""
        if self.in_recovery:
            self.cwnd += 1.0

    def on_partial_ack(self, *, now: float, acked: float) -> None:
        """Partial ACK in recovery: deflate by ``acked``, add back 1 SMSS (RFC 6582 §3.2 step 5)."""
        self.cwnd = max(self.cwnd - acked + (1.0 if acked >= 1.0 else 0.0), 1.0)

    def on_recovery_end(self, *, now: float, flight_size: float) -> None:
        """Full ACK: leave fast recovery and deflate to ssthresh (RFC 5681 §3.2 step 6, RFC 6582 §3.2 step 3)."""
        self.in_recovery = False
        self.cwnd = self.ssthresh

    def on_rto(self, *, now: float, flight_size: float) -> None:
        """Retransmission timeout: ssthresh = max(FlightSize/2, 2), cwnd = 1 (RFC 5681 §3.1 eq. 4)."""
        self.ssthresh = max(flight_size * (self.beta or 0.5), MIN_CWND)
        self.cwnd = LOSS_WINDOW
        self.in_recovery = False

    # -- shared pieces --------------------------------------------------
    def _reno_increase(self, acked: float) -> None:
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

