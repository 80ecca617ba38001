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

A controller only decides *windows* (and, for BBR, a pacing rate). Sequence
numbers, the SACK scoreboard, duplicate-ACK counting, the NewReno ``recover``
point and the RFC 6298 timer belong to the sender
(:mod:`tcpkit.congestion.sender`), which calls the hooks below. This split is
the one aioquic uses (``quic/congestion/base.py`` vs ``quic/recovery.py``).

When the simulator's sender calls each hook, per ACK:

* every ACK (duplicates included), only if ``wants_samples`` (BBR) →
  :meth:`on_sample`;
* new data acknowledged outside recovery, unless ``wants_samples`` →
  :meth:`on_ack` (``acked`` = 1 for ``recovery`` "reno"/"newreno"/"none"
  senders, the segments covered for SACK senders);
* 3rd duplicate ACK (``tcp_reordering`` = 3) outside recovery, and for
  all but Tahoe only at or above NewReno's ``recover`` (RFC 6582 §3.2
  step 1) → :meth:`on_loss`;
* only for senders without SACK (``recovery`` "reno"/"newreno"): a further
  duplicate ACK in recovery → :meth:`on_dup_ack`, a partial ACK in
  "newreno" recovery → :meth:`on_partial_ack`;
* the ACK that ends recovery (the first new ACK for "reno", the one
  covering ``recover`` otherwise) → :meth:`on_recovery_end`;
* retransmission timer expiry → :meth:`on_rto`.

The round model (``simulate(granularity="round")``) calls, once per round
and flow, :meth:`on_sample` (if ``wants_samples``) and then one of
:meth:`on_recovery_end`, :meth:`on_rto`, :meth:`on_loss` or :meth:`on_ack`
with the round's aggregated numbers.

Every public hook rejects a NaN, infinite or negative number with a
:class:`ValueError` naming the argument, then calls the ``_name`` method a
controller overrides (``on_ack`` → ``_ack`` …).
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


def _check(**values: object) -> None:
    """Raise the error for the first hook argument that is not a finite number ≥ 0."""
    for name, value in values.items():
        check_float(name, value, lo=0.0)


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
        True from an :meth:`on_loss` that starts fast recovery (all but
        Tahoe) until :meth:`on_recovery_end` or :meth:`on_rto`.
    pacing_rate : float or None
        Segments per second if the controller paces (BBR), else None
        (pure ACK clocking).

    Notes
    -----
    Class attributes tell the sender what to do around the hooks:

    ``recovery``
        ``"none"`` (Tahoe: the fast retransmit starts no recovery),
        ``"reno"`` (leave recovery on the first new ACK, RFC 5681 §3.2 step
        6), ``"newreno"`` (stay until ``recover`` is acknowledged, repairing
        one hole per partial ACK, RFC 6582 §3.2) or ``"sack"`` (a simplified
        RFC 6675 recovery: each ACK SACKs the one segment that caused it, the
        sender sends while its "pipe" estimate is below cwnd — below the PRR
        budget, RFC 6937, unless ``wants_samples`` — and retransmits holes
        first; no window inflation). ``simulate(sack=True)`` gives "reno" and
        "newreno" controllers the "sack" sender.
    ``beta``
        The multiplicative-decrease factor, for the figures and for the
        default :meth:`on_rto`; ``None`` for BBR, which has none. Each
        controller's own ``on_loss`` applies its decrease.
    ``wants_samples``
        The controller sets cwnd itself from per-ACK delivery-rate samples,
        like a Linux ``cong_control`` module (BBR): the sender calls
        :meth:`on_sample` on every ACK instead of :meth:`on_ack`, runs no PRR,
        and passes the pipe (``tcp_packets_in_flight``) as ``flight_size``
        to :meth:`on_loss`.
    ``history``
        ``(time, mode, pacing_gain)`` each time a model-based controller
        changes mode; empty for the others.
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
        self.history: list[tuple[float, str, float]] = []

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
    # The public hooks check their numbers (finite, ≥ 0; a NaN would poison
    # cwnd silently) and hand them, positionally, to the ``_name`` method a
    # controller overrides.
    def on_ack(
        self, *, now: float, acked: float, rtt: float, inflight: float = 0.0, rate: float = 0.0
    ) -> None:
        """``acked`` new segments were cumulatively acknowledged outside recovery.

        ``rtt`` is the RTT sample in seconds carried by this ACK, ``inflight``
        the segments still outstanding after it, ``rate`` the delivery-rate
        sample in segments/s (used by BBR only). All must be finite and ≥ 0.
        """
        _check(now=now, acked=acked, rtt=rtt, inflight=inflight, rate=rate)
        self._ack(now, acked, rtt, inflight, rate)

    def on_sample(
        self, *, now: float, rtt: float, rate: float, inflight: float, delivered: float = 1.0
    ) -> None:
        """Every ACK (duplicates included): ``delivered`` segments reached the receiver.

        ``rtt`` in s, ``rate`` the delivery-rate sample in segments/s,
        ``inflight`` the pipe estimate in segments; all finite and ≥ 0. The
        simulator calls it only when ``wants_samples`` is true; the default
        does nothing.
        """
        _check(now=now, rtt=rtt, rate=rate, inflight=inflight, delivered=delivered)
        self._sample(now, rtt, rate, inflight, delivered)

    def on_loss(self, *, now: float, flight_size: float) -> None:
        """Loss detected by the 3rd duplicate ACK (fast retransmit).

        ``flight_size`` is the data outstanding, in segments (RFC 5681
        FlightSize; see :func:`~tcpkit.congestion.simulate` for what the
        simulator passes to SACK senders).
        """
        _check(now=now, flight_size=flight_size)
        self._loss(now, flight_size)

    def on_dup_ack(self, *, now: float) -> None:
        """A further duplicate ACK during recovery (the simulator calls it for non-SACK senders only)."""
        _check(now=now)
        self._dup_ack(now)

    def on_partial_ack(self, *, now: float, acked: float) -> None:
        """A partial ACK in NewReno recovery: ``acked`` segments below ``recover`` (RFC 6582 §3.2 step 5)."""
        _check(now=now, acked=acked)
        self._partial_ack(now, acked)

    def on_recovery_end(self, *, now: float, flight_size: float) -> None:
        """A full ACK ended recovery (RFC 5681 §3.2 step 6, RFC 6582 §3.2 step 3)."""
        _check(now=now, flight_size=flight_size)
        self._recovery_end(now, flight_size)

    def on_rto(self, *, now: float, flight_size: float) -> None:
        """The retransmission timer expired with ``flight_size`` segments outstanding."""
        _check(now=now, flight_size=flight_size)
        self._timeout(now, flight_size)

    # -- what a controller overrides (arguments already checked; the
    # simulator's sender calls _ack and _sample directly, its numbers are
    # finite and ≥ 0 by construction) ------------------------------------
    @abc.abstractmethod
    def _ack(self, now: float, acked: float, rtt: float, inflight: float, rate: float) -> None:
        """Grow the window for ``acked`` newly acknowledged segments."""

    def _sample(self, now: float, rtt: float, rate: float, inflight: float, delivered: float) -> None:
        """Nothing by default: only model-based controllers (BBR) use rate samples."""
        return None

    @abc.abstractmethod
    def _loss(self, now: float, flight_size: float) -> None:
        """Multiplicative decrease on fast retransmit."""

    def _dup_ack(self, now: float) -> None:
        """Inflate by 1 SMSS while in recovery (RFC 5681 §3.2 step 4)."""
        if self.in_recovery:
            self.cwnd += 1.0

    def _partial_ack(self, now: float, acked: float) -> None:
        """Deflate by ``acked``, add back 1 SMSS (RFC 6582 §3.2 step 5)."""
        self.cwnd = max(self.cwnd - acked + (1.0 if acked >= 1.0 else 0.0), 1.0)

    def _recovery_end(self, now: float, flight_size: float) -> None:
        """Leave fast recovery and deflate to ssthresh (RFC 5681 §3.2 step 6, RFC 6582 §3.2 step 3)."""
        self.in_recovery = False
        self.cwnd = self.ssthresh

    def _timeout(self, now: float, flight_size: float) -> None:
        """ssthresh = max(FlightSize·β, 2), cwnd = 1 (RFC 5681 §3.1 eq. 4 with β = 1/2)."""
        self.ssthresh = max(flight_size * (self.beta or 0.5), MIN_CWND)
        self.cwnd = LOSS_WINDOW
        self.in_recovery = False
