"""CUBIC (RFC 9438): a cubic function of the time since the last congestion event.

>>> round(cubic_k(100), 4), round(cubic_window(cubic_k(100), 100), 6)
(4.2172, 100.0)
"""

from __future__ import annotations

import math
from typing import ClassVar

from .._validate import check_bool, check_float
from .base import LOSS_WINDOW, MIN_CWND, CongestionController

__all__ = ["Cubic", "cubic_k", "cubic_window", "CUBIC_C", "CUBIC_BETA", "CUBIC_ALPHA", "LINUX_CUBIC_BETA", "LINUX_CUBIC_C"]

#: C = 0.4 (RFC 9438 §5.1 / §4.2), segments per second cubed.
CUBIC_C = 0.4
#: β_cubic = 0.7, multiplicative decrease factor (RFC 9438 §4.6).
CUBIC_BETA = 0.7
#: α_cubic = 3(1 − β)/(1 + β) ≈ 0.529, the Reno-friendly additive increase (RFC 9438 §4.3).
CUBIC_ALPHA = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA)
#: Linux ``net/ipv4/tcp_cubic.c``: ``beta = 717`` / ``BICTCP_BETA_SCALE`` (1024).
LINUX_CUBIC_BETA = 717 / 1024
#: Linux ``tcp_cubic.c``: ``bic_scale = 41`` → ``cube_rtt_scale = 410``, C = 410/1024.
LINUX_CUBIC_C = 410 / 1024


def _cbrt(x: float) -> float:
    return math.copysign(abs(x) ** (1.0 / 3.0), x)


def cubic_k(w_max: float, c: float = CUBIC_C, beta: float = CUBIC_BETA) -> float:
    """Time K (s) the cubic curve needs to climb back to ``w_max`` after a reduction.

    Parameters
    ----------
    w_max : float
        Window just before the reduction, segments, in (0, 1e9].
    c : float
        CUBIC constant C, in (0, 100]; default 0.4 (RFC 9438).
    beta : float
        Multiplicative decrease factor β_cubic, in (0, 1); default 0.7.

    Returns
    -------
    float
        ``K = cbrt(w_max·(1 − β)/C)`` seconds.

    Raises
    ------
    ValueError
        If ``w_max``, ``c`` or ``beta`` is out of its range.

    Notes
    -----
    RFC 9438 §4.2 eq. 2 defines ``K = cbrt((W_max − cwnd_epoch)/C)``; right
    after a multiplicative decrease ``cwnd_epoch = β·W_max``, which gives the
    form used here (RFC 8312's equation).

    Examples
    --------
    >>> round(cubic_k(100, c=0.4, beta=0.7), 4)   # cbrt(30 / 0.4)
    4.2172
    """
    w_max = check_float("w_max", w_max, lo=0.0, hi=1e9, lo_open=True)
    c = check_float("c", c, lo=0.0, hi=100.0, lo_open=True)
    beta = check_float("beta", beta, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    return _cbrt(w_max * (1.0 - beta) / c)


def cubic_window(t: float, w_max: float, c: float = CUBIC_C, beta: float = CUBIC_BETA) -> float:
    """``W_cubic(t) = C·(t − K)³ + W_max`` in segments (RFC 9438 §4.2 eq. 1).

    Parameters
    ----------
    t : float
        Seconds since the start of the congestion-avoidance epoch after the
        reduction, in [0, 1e6].
    w_max, c, beta : float
        As in :func:`cubic_k`.

    Returns
    -------
    float
        The target window in segments: ``β·w_max`` at ``t = 0``, concave up to
        ``w_max`` at ``t = K``, convex after.

    Raises
    ------
    ValueError
        If ``t``, ``w_max``, ``c`` or ``beta`` is out of its range.

    Examples
    --------
    >>> round(cubic_window(0.0, 100), 9)      # β·W_max
    70.0
    >>> round(cubic_window(6.0, 100), 3)   # convex region, past K = 4.2172 s
    102.267
    """
    t = check_float("t", t, lo=0.0, hi=1e6)
    k = cubic_k(w_max, c, beta)
    return c * (t - k) ** 3 + w_max


class Cubic(CongestionController):
    """CUBIC congestion control following RFC 9438.

    Parameters
    ----------
    cwnd : float
        Initial window, segments, in [1, 1e6]; default 10.
    ssthresh : float
        Initial slow-start threshold, segments, in [2, 2**31]; default infinite.
    w_max : float, optional
        Window before the last congestion event (segments, in [1, 1e9]). Give
        it (with ``cwnd = ssthresh = β·w_max``) to start right after a loss.
    c : float
        C in (0, 100]; default 0.4 (RFC 9438). Linux: ``LINUX_CUBIC_C``.
    beta : float
        β_cubic in (0, 1); default 0.7 (RFC 9438). Linux: ``LINUX_CUBIC_BETA``.
    fast_convergence : bool
        Apply RFC 9438 §4.7 (default True, as Linux ``fast_convergence=1``).

    Notes
    -----
    What the model does (RFC 9438):

    * congestion avoidance epoch starts at the first ACK after slow start or
      recovery: ``t = now − epoch_start``, ``K = cbrt((W_max − cwnd_epoch)/C)``
      (§4.2); per ACK ``target = W_cubic(t + RTT)`` clamped to
      ``[cwnd, 1.5·cwnd]`` and ``cwnd += (target − cwnd)/cwnd`` per acked
      segment (§4.4, §4.5);
    * Reno-friendly region (§4.3): ``W_est += α·acked/cwnd`` with
      ``α = 3(1−β)/(1+β)``, switching to α = 1 once ``W_est ≥ cwnd_prior``;
      if ``W_cubic(t) < W_est`` then ``cwnd = W_est``;
    * loss (§4.6): ``ssthresh = max(β·FlightSize, 2)``; fast convergence
      (§4.7) ``W_max = cwnd·(1+β)/2`` if cwnd < previous W_max, else cwnd;
    * timeout (§4.8): as Reno but with β; the next epoch uses K = 0 and
      W_max = cwnd at its start;
    * recovery itself is SACK-based (RFC 6675, as in Linux): cwnd stays at
      ssthresh, the simulator sends while its "pipe" estimate < cwnd and
      retransmits every hole; no window inflation.

    Where Linux ``net/ipv4/tcp_cubic.c`` (v2.3) differs, and what the model
    follows:

    * β = 717/1024 ≈ 0.7002 and C = 410/1024 ≈ 0.4004 (``bic_scale = 41``) in
      fixed point with a 1/1024 s clock — the model uses RFC's 0.7 and 0.4 by
      default, the Linux values through ``beta=``/``c=``;
    * Linux takes ``ssthresh = max(cwnd·β, 2)`` from **cwnd**, not from the
      flight size — the model follows the RFC (FlightSize);
    * Linux sets K = 0 and origin = cwnd when cwnd ≥ last_max_cwnd, and caps
      growth at +50 %/RTT (``cnt ≥ 2``) — the model uses RFC's clamp to 1.5·cwnd;
    * Linux's Reno-friendliness never switches α to 1 — the model does (RFC);
    * Linux runs **HyStart** (ACK-train and delay detection, ``hystart=1``)
      to leave slow start early — the model uses plain slow start (RFC 5681),
      so its first loss comes from overflowing the buffer;
    * Linux reduces cwnd during recovery with PRR (RFC 6937), not inflation.

    Examples
    --------
    >>> c = Cubic(cwnd=70, ssthresh=70, w_max=100)
    >>> c.on_ack(now=0.0, acked=1, rtt=0.1)   # epoch starts, K = 4.2172 s
    >>> round(c.k, 4)
    4.2172
    """

    name: ClassVar[str] = "cubic"
    recovery: ClassVar[str] = "sack"
    beta: ClassVar[float | None] = CUBIC_BETA

    def __init__(
        self,
        *,
        cwnd: float | None = None,
        ssthresh: float | None = None,
        w_max: float | None = None,
        c: float = CUBIC_C,
        beta: float = CUBIC_BETA,
        fast_convergence: bool = True,
    ) -> None:
        super().__init__(cwnd=cwnd, ssthresh=ssthresh)
        self.c = check_float("c", c, lo=0.0, hi=100.0, lo_open=True)
        self.b = check_float("beta", beta, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
        self.fast_convergence = check_bool("fast_convergence", fast_convergence)
        self.w_max: float | None = None if w_max is None else check_float("w_max", w_max, lo=1.0, hi=1e9)
        self.cwnd_prior = self.w_max if self.w_max is not None else self.cwnd
        self.alpha = 3 * (1 - self.b) / (1 + self.b)
        self.epoch_start: float | None = None
        self.cwnd_epoch = self.cwnd
        self.k = 0.0
        self.w_est = self.cwnd

    def w_cubic(self, t: float) -> float:
        """W_cubic(t) of the current epoch, segments (``t`` seconds since its start)."""
        w_max = self.w_max if self.w_max is not None else self.cwnd_epoch
        d = t - self.k
        return self.c * d * d * d + w_max

    def _ack(self, now: float, acked: float, rtt: float, inflight: float, rate: float) -> None:
        cwnd = self.cwnd
        if cwnd < self.ssthresh:  # slow start, RFC 9438 §4.10 → RFC 5681
            room = self.ssthresh - cwnd
            if acked <= room:
                self.cwnd = cwnd + acked
                return
            self.cwnd = cwnd = self.ssthresh
            acked -= room
        if self.epoch_start is None:  # §4.2: start of a congestion avoidance epoch
            self.epoch_start = now
            self.cwnd_epoch = cwnd
            if self.w_max is None or self.w_max <= cwnd:
                self.w_max = cwnd
                self.k = 0.0
            else:
                self.k = _cbrt((self.w_max - cwnd) / self.c)
            self.w_est = cwnd
        t = now - self.epoch_start
        w_max = self.w_max
        assert w_max is not None
        # Reno-friendly estimate (§4.3)
        alpha = 1.0 if self.w_est >= self.cwnd_prior else self.alpha
        self.w_est += alpha * acked / cwnd
        d = t - self.k
        w_t = self.c * d * d * d + w_max
        if w_t < self.w_est:
            self.cwnd = self.w_est
            return
        d = t + rtt - self.k
        target = self.c * d * d * d + w_max
        if target < cwnd:
            target = cwnd
        elif target > 1.5 * cwnd:
            target = 1.5 * cwnd
        new = cwnd + (target - cwnd) * acked / cwnd
        self.cwnd = target if new > target else new

    def _reduce(self, flight_size: float) -> None:
        cwnd = self.cwnd
        self.epoch_start = None
        if self.fast_convergence and self.w_max is not None and cwnd < self.w_max:
            self.w_max = cwnd * (1.0 + self.b) / 2.0  # §4.7
        else:
            self.w_max = cwnd
        self.cwnd_prior = cwnd
        self.ssthresh = max(flight_size * self.b, MIN_CWND)  # §4.6

    def _loss(self, now: float, flight_size: float) -> None:
        """Fast retransmit: reduce (§4.6) and set ``cwnd = ssthresh`` — no inflation (SACK recovery)."""
        self._reduce(flight_size)
        self.cwnd = self.ssthresh
        self.in_recovery = True

    def _dup_ack(self, now: float) -> None:
        """Nothing: with SACK recovery the pipe estimate, not inflation, admits new segments."""

    def _partial_ack(self, now: float, acked: float) -> None:
        """Nothing: cwnd stays at ssthresh until recovery ends (RFC 6675 §5)."""

    def _timeout(self, now: float, flight_size: float) -> None:
        """Reduce (§4.6–4.7), cwnd = 1, and start the next epoch with K = 0 (§4.8)."""
        self._reduce(flight_size)
        self.w_max = None  # §4.8: next epoch K = 0, W_max = cwnd at its start
        self.cwnd = LOSS_WINDOW
        self.in_recovery = False
