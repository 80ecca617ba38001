"""Retransmission timeout (RTO): the RFC 6298 estimator, the Linux variant, back-off and give-up times.

>>> RtoEstimator().on_sample(0.1, now=0.1).rto   # first sample: SRTT + 4*RTTVAR = 0.3 s, floored at 1 s
1.0

Two estimators share one class, chosen with ``flavor``:

``"rfc6298"``
    RFC 6298 §2: α = 1/8, β = 1/4, K = 4, RTTVAR updated *before* SRTT,
    ``RTO = SRTT + max(G, K·RTTVAR)`` clamped to ``[rto_min, rto_max]``
    (defaults 1 s and 60 s, RFC 6298 §2.4–2.5).
``"linux"``
    ``tcp_rtt_estimator()`` and ``__tcp_set_rto()`` in net/ipv4/tcp_input.c:
    ``RTO = SRTT + rttvar`` where the variance term ``rttvar`` never drops
    below ``rto_min`` (200 ms), so ``RTO ≈ SRTT + max(4·mdev, rto_min)``;
    capped at ``rto_max`` (120 s). Defaults from :data:`tcpkit.linux.LINUX`.

Both use Karn's algorithm (RFC 6298 §3: no samples from retransmitted
segments) and exponential back-off (§5.5). :func:`rto_series` turns a list of
RTT samples into a time series of SRTT, RTTVAR and RTO, with forced timeouts;
:func:`linux_retries_timeout` reproduces the kernel's ``tcp_model_timeout()``
give-up time for ``tcp_retries2``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ._validate import check_choice, check_float, check_int
from .linux import LINUX
from .timers import _model_timeout_ms, _ms

__all__ = [
    "RFC_ALPHA",
    "RFC_BETA",
    "RFC_K",
    "RFC_RTO_MIN",
    "RFC_RTO_MAX",
    "FLAVORS",
    "RtoState",
    "RtoEstimator",
    "RtoPoint",
    "RtoSeries",
    "rto_series",
    "synthetic_rtts",
    "rto_scenario",
    "linux_retries_timeout",
]

#: SRTT gain α (RFC 6298 §2.3).
RFC_ALPHA = 1 / 8
#: RTTVAR gain β (RFC 6298 §2.3).
RFC_BETA = 1 / 4
#: Variance multiplier K (RFC 6298 §2.2).
RFC_K = 4
#: RTO floor: "if it is less than 1 second, then the RTO SHOULD be rounded up to 1 second" (RFC 6298 §2.4).
RFC_RTO_MIN = 1.0
#: RTO ceiling: "a maximum value MAY be placed on RTO provided it is at least 60 seconds" (RFC 6298 §2.5).
RFC_RTO_MAX = 60.0
#: The two estimators.
FLAVORS = ("rfc6298", "linux")
_KEEP_VAR = 1 - RFC_BETA  # 3/4, exact in binary
_KEEP_SRTT = 1 - RFC_ALPHA  # 7/8


@dataclass(frozen=True, slots=True)
class RtoState:
    """The estimator's state after one event.

    Attributes
    ----------
    srtt : float or None
        Smoothed RTT in seconds (None before the first sample).
    rttvar : float or None
        Mean deviation of the RTT in seconds (RFC 6298 RTTVAR; for Linux
        ``rttvar_us / 4``, so both flavours plot on the same scale).
    var_term : float or None
        What is added to SRTT: ``max(G, K·RTTVAR)`` (RFC) or the kernel's
        ``rttvar_us`` (Linux, ≥ rto_min).
    rto : float
        Current retransmission timeout in seconds, back-off included.
    backoff : int
        Number of consecutive timeouts since the last valid sample.
    samples : int
        Number of RTT samples taken (Karn-ignored samples not counted).
    """

    srtt: float | None
    rttvar: float | None
    var_term: float | None
    rto: float
    backoff: int
    samples: int


class RtoEstimator:
    """RFC 6298 (or Linux) RTT estimator and retransmission timer value.

    Parameters
    ----------
    flavor : {"rfc6298", "linux"}
        Which update rules to use (see the module docstring).
    rto_min : float, optional
        Lower bound in seconds, in (0, 60]. Default 1 s for ``"rfc6298"``
        (RFC 6298 §2.4), ``LINUX["TCP_RTO_MIN"]`` (0.2 s) for ``"linux"``.
        For Linux it bounds the variance term, not the RTO itself.
    rto_max : float, optional
        Upper bound in seconds, in [1, 3600], at least ``rto_min``. Default
        60 s for ``"rfc6298"`` (RFC 6298 §2.5), ``LINUX["TCP_RTO_MAX"]``
        (120 s) for ``"linux"``. Back-off never exceeds it.
    initial_rto : float, optional
        RTO before any sample, in [0.001, 3600] seconds. Default
        ``LINUX["TCP_TIMEOUT_INIT"]`` = 1 s (RFC 6298 §2.1).
    granularity : float
        Clock granularity G in seconds, in [0, 1] (RFC 6298 §2.2; ignored by
        ``"linux"``, whose clock is 1 µs). Default 0.001.

    Raises
    ------
    ValueError
        If a parameter is out of range, or ``rto_min > rto_max``.

    Notes
    -----
    RFC 6298 §2.2–2.3, after a first sample R::

        SRTT = R;  RTTVAR = R/2
        later:  RTTVAR = (1-β)·RTTVAR + β·|SRTT - R'|   (uses the old SRTT)
                SRTT   = (1-α)·SRTT + α·R'
        RTO = SRTT + max(G, K·RTTVAR), then clamp to [rto_min, rto_max]

    Linux ``tcp_rtt_estimator()`` keeps ``mdev`` = 4 × the mean deviation
    with gain 1/4, but uses the finer gain 1/32 when the RTT *falls* and the
    error exceeds mdev/4 (an Eifel-like rule); ``rttvar`` follows the largest
    ``mdev`` seen in the current round trip at once, and decays by 1/4 of the
    gap once per round trip towards ``max(mdev_max, rto_min)``. First sample
    m: ``srtt = m``, ``mdev = 2m``, ``rttvar = max(2m, rto_min)`` ("make sure
    rto = 3*rtt"). This model uses floats instead of the kernel's integer
    microseconds. The kernel ends a round trip when ``snd_una`` passes
    ``rtt_seq`` (``snd_nxt`` when the round began), i.e. when the ACK covers
    data sent after the round began; here: when ``now − rtt`` is not earlier
    than the time the round began.

    Karn's algorithm (RFC 6298 §3): samples from retransmitted segments are
    ignored and the backed-off RTO is kept until a valid sample arrives.
    Back-off (RFC 6298 §5.5; Linux ``tcp_retransmit_timer``):
    ``RTO = min(2·RTO, rto_max)``.

    Examples
    --------
    >>> est = RtoEstimator()
    >>> s = est.on_sample(0.5, now=0.5)
    >>> (s.srtt, s.rttvar, s.rto)
    (0.5, 0.25, 1.5)
    >>> s = est.on_sample(0.9, now=1.4)       # RTTVAR = 3/4·0.25 + 1/4·|0.5 − 0.9|, SRTT = 7/8·0.5 + 1/8·0.9
    >>> (round(s.rttvar, 4), round(s.srtt, 3), round(s.rto, 3))
    (0.2875, 0.55, 1.7)
    >>> round(est.on_timeout().rto, 3), round(est.on_timeout().rto, 3)
    (3.4, 6.8)
    >>> round(RtoEstimator(flavor="linux").on_sample(0.01, now=0.01).rto, 6)   # 10 ms + max(20 ms, 200 ms)
    0.21
    """

    def __init__(
        self,
        *,
        flavor: str = "rfc6298",
        rto_min: float | None = None,
        rto_max: float | None = None,
        initial_rto: float | None = None,
        granularity: float = 0.001,
    ) -> None:
        self.flavor = check_choice("flavor", flavor, FLAVORS)
        self._linux = linux = self.flavor == "linux"
        if rto_min is None:
            rto_min = float(LINUX["TCP_RTO_MIN"].value) if linux else RFC_RTO_MIN
        if rto_max is None:
            rto_max = float(LINUX["TCP_RTO_MAX"].value) if linux else RFC_RTO_MAX
        if initial_rto is None:
            initial_rto = float(LINUX["TCP_TIMEOUT_INIT"].value)
        self.rto_min = check_float("rto_min", rto_min, lo=0.0, hi=60.0, lo_open=True)
        self.rto_max = check_float("rto_max", rto_max, lo=1.0, hi=3600.0)
        if self.rto_min > self.rto_max:
            raise ValueError(f"rto_min must be ≤ rto_max ({self.rto_max:g}), got {self.rto_min:g}")
        self.initial_rto = check_float("initial_rto", initial_rto, lo=0.001, hi=3600.0)
        self.granularity = check_float("granularity", granularity, lo=0.0, hi=1.0)
        self._srtt: float | None = None
        self._rttvar: float | None = None  # RFC RTTVAR
        self._mdev = 0.0  # Linux mdev_us (4 × mean deviation)
        self._mdev_max = 0.0
        self._lx_rttvar = 0.0  # Linux rttvar_us (the term added to srtt)
        self._round_start = 0.0
        self._base_rto = min(self.initial_rto, self.rto_max)
        self._rto = self._base_rto
        self._backoff = 0
        self._samples = 0
        self._now: float | None = None

    # -- state ----------------------------------------------------------
    @property
    def state(self) -> RtoState:
        """The current :class:`RtoState`."""
        if self._srtt is None:
            return RtoState(None, None, None, self._rto, self._backoff, self._samples)
        if self.flavor == "linux":
            return RtoState(self._srtt, self._lx_rttvar / 4, self._lx_rttvar, self._rto, self._backoff, self._samples)
        assert self._rttvar is not None
        var_term = max(self.granularity, RFC_K * self._rttvar)
        return RtoState(self._srtt, self._rttvar, var_term, self._rto, self._backoff, self._samples)

    @property
    def rto(self) -> float:
        """Current RTO in seconds (with back-off)."""
        return self._rto

    @property
    def srtt(self) -> float | None:
        """Smoothed RTT in seconds, None before the first sample (a float, no :class:`RtoState` built)."""
        return self._srtt

    # -- events ---------------------------------------------------------
    def on_sample(self, rtt: float, *, now: float, retransmitted: bool = False) -> RtoState:
        """Feed one RTT measurement taken at time ``now``.

        Parameters
        ----------
        rtt : float
            Measured round-trip time in seconds, in (0, 600].
        now : float
            Time of the measurement in seconds, ≥ 0 and not earlier than the
            previous call's ``now``.
        retransmitted : bool
            True if the acknowledged segment had been retransmitted: the
            sample is ambiguous and ignored (Karn, RFC 6298 §3).

        Returns
        -------
        RtoState
            The state after the update (unchanged if the sample was ignored).

        Raises
        ------
        ValueError
            If ``rtt`` or ``now`` is out of range or time goes backwards.
        """
        r = check_float("rtt", rtt, lo=0.0, hi=600.0, lo_open=True)
        self._advance(now)
        if not isinstance(retransmitted, bool):
            raise TypeError(f"retransmitted must be True or False, got {type(retransmitted).__name__} {retransmitted!r}")
        if retransmitted:
            return self.state
        self.update(r, self._now or 0.0)
        return self.state

    def update(self, rtt: float, now: float) -> float:
        """Take one valid RTT sample and return the new RTO: :meth:`on_sample` without the checks.

        For simulators that feed millions of samples and already guarantee
        ``rtt > 0``, non-decreasing ``now`` and no retransmission ambiguity
        (e.g. :func:`tcpkit.congestion.simulate`, whose ACKs echo the send time
        of the segment, as TCP timestamps do, RFC 7323 §4). No
        :class:`RtoState` is built.

        >>> est = RtoEstimator(granularity=0.2, rto_min=0.2)   # G = 200 ms: the Linux floor of the variance term
        >>> round(est.update(0.01, 0.01), 6), est.srtt   # 10 ms + max(200 ms, 4 · 5 ms)
        (0.21, 0.01)
        """
        self._now = now
        if self._linux:
            self._linux_update(rtt, now)
        else:  # RFC 6298 §2.2–2.3 (RTTVAR first, from the old SRTT), then §2.4–2.5 bounds
            srtt = self._srtt
            if srtt is None or self._rttvar is None:
                srtt = rtt
                var = rtt / 2
            else:
                d = srtt - rtt
                var = _KEEP_VAR * self._rttvar + RFC_BETA * (d if d > 0 else -d)
                srtt = _KEEP_SRTT * srtt + RFC_ALPHA * rtt
            self._srtt = srtt
            self._rttvar = var
            kv = RFC_K * var
            g = self.granularity
            rto = srtt + (kv if kv > g else g)
            lo = self.rto_min
            hi = self.rto_max
            self._base_rto = hi if rto > hi else (lo if rto < lo else rto)
        self._samples += 1
        self._backoff = 0
        self._rto = rto = self._base_rto
        return rto

    def on_timeout(self) -> RtoState:
        """The retransmission timer expired: back off (RFC 6298 §5.5).

        Returns
        -------
        RtoState
            With ``rto = min(2·rto, rto_max)`` and ``backoff`` + 1.
        """
        self._rto = min(2 * self._rto, self.rto_max)
        self._backoff += 1
        return self.state

    # -- internals ------------------------------------------------------
    def _advance(self, now: float) -> None:
        t = check_float("now", now, lo=0.0)
        if self._now is not None and t < self._now:
            raise ValueError(f"now must be ≥ the previous now ({self._now:g}), got {t:g}")
        self._now = t

    def _linux_update(self, m: float, now: float) -> None:
        # net/ipv4/tcp_input.c tcp_rtt_estimator(), in seconds instead of µs
        if self._srtt is None:
            self._srtt = m
            self._mdev = 2 * m
            self._lx_rttvar = max(self._mdev, self.rto_min)
            self._mdev_max = self._lx_rttvar
            self._round_start = now
        else:
            err = m - self._srtt
            self._srtt += err / 8
            if err < 0:
                d = -err - self._mdev / 4
                if d > 0:
                    d /= 8  # finer gain when the RTT falls
            else:
                d = err - self._mdev / 4
            self._mdev += d
            if self._mdev > self._mdev_max:
                self._mdev_max = self._mdev
                if self._mdev_max > self._lx_rttvar:
                    self._lx_rttvar = self._mdev_max
            if now - m >= self._round_start - 1e-12:  # acked data was sent after the round began
                if self._mdev_max < self._lx_rttvar:
                    self._lx_rttvar -= (self._lx_rttvar - self._mdev_max) / 4
                self._round_start = now
                self._mdev_max = self.rto_min
        self._base_rto = min(self._srtt + self._lx_rttvar, self.rto_max)  # __tcp_set_rto + tcp_bound_rto


@dataclass(frozen=True, slots=True)
class RtoPoint:
    """One event of an :func:`rto_series`.

    ``kind`` is ``"sample"`` (a valid RTT sample), ``"karn"`` (the ACK of a
    retransmitted segment: sample ignored) or ``"timeout"`` (the timer
    expired and the RTO was doubled). ``rtt`` is None for timeouts.
    """

    time: float
    kind: str
    rtt: float | None
    srtt: float | None
    rttvar: float | None
    rto: float
    backoff: int


@dataclass(frozen=True, slots=True)
class RtoSeries:
    """SRTT, RTTVAR and RTO over time (see :func:`rto_series`)."""

    flavor: str
    rto_min: float
    rto_max: float
    initial_rto: float
    points: tuple[RtoPoint, ...]

    @property
    def timeouts(self) -> tuple[RtoPoint, ...]:
        """The timeout events."""
        return tuple(p for p in self.points if p.kind == "timeout")

    @property
    def max_rto(self) -> float:
        """Largest RTO reached (back-off included)."""
        return max([self.initial_rto] + [p.rto for p in self.points])


def rto_series(
    rtts: Sequence[float],
    *,
    flavor: str = "rfc6298",
    rto_min: float | None = None,
    rto_max: float | None = None,
    initial_rto: float | None = None,
    granularity: float = 0.001,
    timeout_at: int = 0,
    timeouts: int = 0,
) -> RtoSeries:
    """Run an :class:`RtoEstimator` over a list of RTT samples and record every event.

    The sender sends one segment, waits for its ACK (which gives the next
    sample), then sends the next one, so sample *i* arrives ``rtts[i]``
    seconds after sample *i − 1*. Segment ``timeout_at`` is lost ``timeouts``
    times in a row: each time the timer expires after the current RTO, the
    RTO doubles (capped) and the segment is retransmitted; the ACK of the
    last retransmission gives no sample (Karn).

    Parameters
    ----------
    rtts : sequence of float
        RTT samples in seconds, each in (0, 600]; 1 to 100000 of them.
    flavor, rto_min, rto_max, initial_rto, granularity
        As for :class:`RtoEstimator`.
    timeout_at : int
        Index of the segment that is lost, in [0, len(rtts) − 1].
    timeouts : int
        How many times it is lost in a row, in [0, 16] (0: no loss).

    Returns
    -------
    RtoSeries
        One :class:`RtoPoint` per sample, ignored sample and timeout.

    Raises
    ------
    ValueError
        On an empty/too long ``rtts`` or a parameter out of range.

    Examples
    --------
    >>> s = rto_series([0.1, 0.1, 0.1], timeout_at=1, timeouts=2)
    >>> [(p.kind, round(p.time, 3), round(p.rto, 3)) for p in s.points]
    [('sample', 0.1, 1.0), ('timeout', 1.1, 2.0), ('timeout', 3.1, 4.0), ('karn', 3.2, 4.0), ('sample', 3.3, 1.0)]
    """
    samples = [check_float("rtts[i]", r, lo=0.0, hi=600.0, lo_open=True) for r in rtts]
    check_int("len(rtts)", len(samples), lo=1, hi=100_000)
    check_int("timeout_at", timeout_at, lo=0, hi=len(samples) - 1)
    check_int("timeouts", timeouts, lo=0, hi=16)
    est = RtoEstimator(
        flavor=flavor, rto_min=rto_min, rto_max=rto_max, initial_rto=initial_rto, granularity=granularity
    )
    pts: list[RtoPoint] = []

    def rec(t: float, kind: str, rtt: float | None, st: RtoState) -> None:
        pts.append(RtoPoint(t, kind, rtt, st.srtt, st.rttvar, st.rto, st.backoff))

    t = 0.0
    for i, r in enumerate(samples):
        if i == timeout_at and timeouts > 0:
            for _ in range(timeouts):
                t += est.rto
                rec(t, "timeout", None, est.on_timeout())
            t += r
            rec(t, "karn", r, est.on_sample(r, now=t, retransmitted=True))
        else:
            t += r
            rec(t, "sample", r, est.on_sample(r, now=t))
    return RtoSeries(est.flavor, est.rto_min, est.rto_max, est.initial_rto, tuple(pts))


def synthetic_rtts(
    n: int, *, base: float = 0.1, jitter: float = 0.01, spike_at: int = 0, spike_size: float = 0.0,
    spike_len: int = 3, seed: int = 0,
) -> tuple[float, ...]:
    """RTT samples: ``base`` + Gaussian jitter, plus a spike of ``spike_size`` on samples ``spike_at…``.

    Parameters
    ----------
    n : int
        Number of samples, in [1, 10000].
    base : float
        Base RTT in seconds, in [0.001, 10].
    jitter : float
        Standard deviation of the Gaussian jitter in seconds, in [0, 5].
        Samples never go below ``base / 10``.
    spike_at : int
        Index of the first spiked sample, in [0, n − 1].
    spike_size : float
        Extra delay in seconds added during the spike, in [0, 30] (0: none).
    spike_len : int
        Number of spiked samples, in [1, 1000].
    seed : int
        Seeds the jitter (a private :class:`random.Random`), in [0, 2**32 − 1].

    Returns
    -------
    tuple of float
        The ``n`` samples, seconds; the same seed gives the same samples.

    Examples
    --------
    >>> synthetic_rtts(3, base=0.05, jitter=0.0, spike_at=1, spike_size=0.2, spike_len=1)
    (0.05, 0.25, 0.05)
    """
    n = check_int("n", n, lo=1, hi=10_000)
    base = check_float("base", base, lo=0.001, hi=10.0)
    jitter = check_float("jitter", jitter, lo=0.0, hi=5.0)
    spike_at = check_int("spike_at", spike_at, lo=0, hi=n - 1)
    spike_size = check_float("spike_size", spike_size, lo=0.0, hi=30.0)
    spike_len = check_int("spike_len", spike_len, lo=1, hi=1000)
    seed = check_int("seed", seed, lo=0, hi=2**32 - 1)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = max(base / 10, base + (rng.gauss(0.0, jitter) if jitter > 0 else 0.0))
        if spike_at <= i < spike_at + spike_len:
            r += spike_size
        out.append(r)
    return tuple(out)


def rto_scenario(
    *, base_rtt: float = 0.1, jitter: float = 0.01, spike_at: int = 25, spike_size: float = 0.3,
    timeout_at: int = 45, timeouts: int = 2, flavor: str = "rfc6298", n: int = 60, seed: int = 1,
) -> RtoSeries:
    """:func:`synthetic_rtts` followed by :func:`rto_series` — the one call behind ``rto_explorer``.

    Parameters are those of the two functions (``base_rtt`` is ``base``);
    the limits are each flavour's defaults (RFC 1 s / 60 s, Linux 200 ms / 120 s).

    Examples
    --------
    >>> s = rto_scenario(flavor="linux", timeouts=0, spike_size=0.0, jitter=0.0)
    >>> round(s.points[-1].rto, 3)     # SRTT + rto_min once the deviation has decayed
    0.3
    """
    rtts = synthetic_rtts(n, base=base_rtt, jitter=jitter, spike_at=min(spike_at, n - 1),
                          spike_size=spike_size, seed=seed)
    return rto_series(rtts, flavor=flavor, timeout_at=min(timeout_at, n - 1), timeouts=timeouts)


def linux_retries_timeout(retries: int, *, rto_base: float | None = None, rto_max: float | None = None) -> float:
    """Seconds after the first retransmission at which Linux gives up after ``retries`` (``tcp_model_timeout``).

    Parameters
    ----------
    retries : int
        The retry boundary, e.g. ``tcp_retries2`` (15), in [0, 255].
    rto_base : float, optional
        Base RTO in seconds, in [0.001, 120]: ``LINUX["TCP_RTO_MIN"]``
        (200 ms) for established connections (default), ``TCP_TIMEOUT_INIT``
        (1 s) for SYN_SENT / SYN_RECV.
    rto_max : float, optional
        RTO ceiling in seconds, in [1, 3600]; default ``LINUX["TCP_RTO_MAX"]``.

    Returns
    -------
    float
        The time limit in seconds: the connection is aborted at the first
        RTO expiry after it.

    Raises
    ------
    ValueError
        If ``retries``, ``rto_base`` or ``rto_max`` is out of its range.

    Notes
    -----
    The arithmetic is :func:`tcpkit.timers.retries_timeout`'s (one copy);
    this wrapper takes ``None`` for the Linux defaults and allows
    ``rto_max`` up to an hour. net/ipv4/tcp_timer.c ``tcp_model_timeout()``, used by
    ``retransmits_timed_out()``: with ``thresh = ilog2(rto_max / rto_base)``
    (integer jiffies, HZ = 1000 here), the limit is
    ``((2 << retries) − 1)·rto_base`` if ``retries ≤ thresh``, else
    ``((2 << thresh) − 1)·rto_base + (retries − thresh)·rto_max``: the time
    that ``retries`` doubling RTOs starting from ``rto_base`` would take,
    capped at ``rto_max`` each. It is a time budget, not a count, so the real
    RTOs (larger than ``rto_base`` on a long path) mean fewer retransmissions.

    Examples
    --------
    >>> round(linux_retries_timeout(15), 1)       # tcp_retries2 = 15
    924.6
    >>> round(linux_retries_timeout(3), 1)        # tcp_retries1 = 3
    3.0
    >>> linux_retries_timeout(6, rto_base=1.0)    # classic SYN schedule
    127.0
    """
    retries = check_int("retries", retries, lo=0, hi=255)
    base = check_float("rto_base", LINUX["TCP_RTO_MIN"].value if rto_base is None else rto_base, lo=0.001, hi=120.0)
    cap = check_float("rto_max", LINUX["TCP_RTO_MAX"].value if rto_max is None else rto_max, lo=1.0, hi=3600.0)
    return _model_timeout_ms(retries, _ms(base), _ms(cap)) / 1000  # jiffies at HZ = 1000
