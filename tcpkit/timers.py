"""Linux retransmission schedules for SYN, SYN-ACK, FIN and data, and their give-up times.

>>> syn_retransmit_schedule().sends
(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 11.0, 19.0, 35.0, 67.0)

All functions are pure arithmetic on integer milliseconds (so 102.2 s is exact)
and return frozen dataclasses. They reproduce ``net/ipv4/tcp_timer.c``:

* ``tcp_model_timeout(boundary, rto_base)`` turns a retry *count* into a *time*
  budget, as if the RTO doubled from ``rto_base`` up to ``TCP_RTO_MAX``:
  ``((2 << boundary) - 1) * rto_base`` while ``boundary <= ilog2(rto_max/rto_base)``,
  then ``+ (boundary - thresh) * rto_max`` (:func:`retries_timeout`).
* ``tcp_write_timeout()`` gives up at a timer expiry when the retransmission
  count reached its limit (SYN_SENT: ``tcp_syn_retries + tcp_syn_linear_timeouts``)
  or when ``now - first send >= tcp_model_timeout`` — whichever comes first.
* ``tcp_retransmit_timer()``: in SYN_SENT the first ``tcp_syn_linear_timeouts``
  backoffs keep the RTO at its initial value (Linux ≥ 6.5); otherwise
  ``rto = min(2 * rto, TCP_RTO_MAX)``.
* ``reqsk_timer_handler()`` (SYN-ACK): timeout ``min(TCP_TIMEOUT_INIT << n, TCP_RTO_MAX)``,
  request dropped when ``n`` reaches ``tcp_synack_retries``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validate import check_float, check_int
from .linux import LINUX

__all__ = [
    "RetransmitSchedule", "retries_timeout", "orphan_retries",
    "syn_retransmit_schedule", "synack_retransmit_schedule", "fin_retransmit_schedule", "data_retransmit_schedule",
]

_SYN_RETRIES = int(LINUX["tcp_syn_retries"].value)
_LINEAR = int(LINUX["tcp_syn_linear_timeouts"].value)
_SYNACK_RETRIES = int(LINUX["tcp_synack_retries"].value)
_ORPHAN_EFFECTIVE = int(LINUX["tcp_orphan_retries_effective"].value)
_RETRIES2 = int(LINUX["tcp_retries2"].value)
_INIT_RTO = float(LINUX["TCP_TIMEOUT_INIT"].value)
_RTO_MIN = float(LINUX["TCP_RTO_MIN"].value)
_RTO_MAX = float(LINUX["TCP_RTO_MAX"].value)
_MAX_TCP_SYNCNT = 127  # include/net/tcp.h MAX_TCP_SYNCNT


@dataclass(frozen=True, slots=True)
class RetransmitSchedule:
    """When a segment is (re)sent and when the sender gives up.

    Attributes
    ----------
    kind : str
        ``"SYN"``, ``"SYN-ACK"``, ``"FIN"`` or ``"data"``.
    sends : tuple of float
        Send times in seconds, the original first (always 0.0).
    give_up : float
        Time (s, from the first send) of the timer expiry at which the kernel
        stops: ``connect()`` fails with ETIMEDOUT, the request sock is dropped,
        or the connection is aborted.
    model_timeout : float
        The ``tcp_model_timeout()`` time budget that was compared (s). For
        SYN/SYN-ACK it counts from the first send; for FIN and data from the
        first *retransmission* (``tp->retrans_stamp``), so those give up later.
    count_limit : int or None
        The retransmission-count limit (SYN, SYN-ACK), ``None`` if time only.
    """

    kind: str
    sends: tuple[float, ...]
    give_up: float
    model_timeout: float
    count_limit: int | None

    @property
    def retransmissions(self) -> int:
        """How many retransmissions were sent (``len(sends) - 1``)."""
        return len(self.sends) - 1

    @property
    def gaps(self) -> tuple[float, ...]:
        """Time between consecutive sends, then from the last send to ``give_up`` (s)."""
        pts = self.sends + (self.give_up,)
        return tuple(round(b - a, 3) for a, b in zip(pts, pts[1:]))


def _ms(x: float) -> int:
    return int(round(x * 1000))


#: Allowed range (s) of each RTO argument: ``TCP_RTO_MAX`` may be set from 1 s (``tcp_rto_max_ms``).
_RTO_RANGE = {"initial_rto": (0.001, 120.0), "rto_base": (0.001, 120.0), "rto_max": (1.0, 120.0)}


def _rto_ms(name: str, value: float) -> int:
    """Check one RTO argument against :data:`_RTO_RANGE` and return it in whole milliseconds."""
    lo, hi = _RTO_RANGE[name]
    return _ms(check_float(name, value, lo=lo, hi=hi))


def _base_and_cap(base_name: str, base: float, rto_max: float) -> tuple[int, int]:
    """The RTO ``tcp_model_timeout`` doubles from and its ceiling, in ms; the base may not exceed the ceiling.

    The kernel's ``ilog2(rto_max / rto_base)`` needs ``rto_base <= rto_max``
    (true of its constants: 0.2 s or 1 s against at least 1 s).
    """
    b, cap = _rto_ms(base_name, base), _rto_ms("rto_max", rto_max)
    if b > cap:
        raise ValueError(f"{base_name} must be ≤ rto_max ({cap / 1000:g}), got {b / 1000:g}")
    return b, cap


def _model_timeout_ms(boundary: int, base_ms: int, max_ms: int) -> int:
    # tcp_timer.c tcp_model_timeout(); ilog2 = floor(log2)
    thresh = (max_ms // base_ms).bit_length() - 1
    if boundary <= thresh:
        return ((2 << boundary) - 1) * base_ms
    return ((2 << thresh) - 1) * base_ms + (boundary - thresh) * max_ms


def retries_timeout(retries: int = _RETRIES2, *, rto_base: float = _RTO_MIN, rto_max: float = _RTO_MAX) -> float:
    """The time budget Linux derives from a retry count (``tcp_model_timeout``), in seconds.

    Parameters
    ----------
    retries : int
        Retry count (``tcp_retries2``, ``tcp_orphan_retries``, ``tcp_syn_retries``…), in [0, 255].
    rto_base : float
        RTO the model doubles from, s, in [0.001, 120]: ``TCP_RTO_MIN`` (0.2 s) for
        established connections, ``TCP_TIMEOUT_INIT`` (1 s) for SYN_SENT/SYN_RECV.
    rto_max : float
        RTO ceiling, s, in [1, 120] (``TCP_RTO_MAX`` / ``tcp_rto_max_ms``).

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    ValueError
        If ``retries`` is not in [0, 255], ``rto_base`` not in [0.001, 120] or
        ``rto_max`` not in [1, 120] (the message names the parameter).
    TypeError
        If ``retries`` is not an integer or an RTO is not a number.

    Notes
    -----
    ``net/ipv4/tcp_timer.c`` ``tcp_model_timeout()``; the result is compared with
    the time since the first transmission in ``retransmits_timed_out()``.
    ``Documentation/networking/ip-sysctl.rst`` quotes 924.6 s for ``tcp_retries2=15``.

    Examples
    --------
    >>> retries_timeout(15), retries_timeout(8), retries_timeout(6, rto_base=1.0)
    (924.6, 102.2, 127.0)
    """
    retries = check_int("retries", retries, lo=0, hi=255)
    return _model_timeout_ms(retries, *_base_and_cap("rto_base", rto_base, rto_max)) / 1000


def syn_retransmit_schedule(retries: int = _SYN_RETRIES, initial_rto: float = _INIT_RTO, rto_max: float = _RTO_MAX,
                            linear_timeouts: int = _LINEAR) -> RetransmitSchedule:
    """When Linux sends each SYN of ``connect()`` and when it returns ETIMEDOUT.

    Parameters
    ----------
    retries : int
        ``net.ipv4.tcp_syn_retries`` or the socket's ``TCP_SYNCNT``, in [1, 127]
        (``MAX_TCP_SYNCNT``). Default from :data:`tcpkit.linux.LINUX` (6).
    initial_rto : float
        First RTO in seconds, in [0.001, 120] (``TCP_TIMEOUT_INIT`` = 1 s; only a
        BPF ``sock_ops`` program can change it).
    rto_max : float
        RTO ceiling in seconds, in [1, 120].
    linear_timeouts : int
        ``net.ipv4.tcp_syn_linear_timeouts`` in [0, 127] (Linux ≥ 6.5, default 4;
        use 0 for kernels before 6.5).

    Returns
    -------
    RetransmitSchedule
        ``sends`` (first SYN at 0) and ``give_up``.

    Raises
    ------
    ValueError
        If ``retries`` or ``linear_timeouts`` is outside its range above, or
        an RTO outside [0.001, 120] (``initial_rto``) / [1, 120] (``rto_max``);
        the message names the parameter and the range.

    Notes
    -----
    ``tcp_write_timeout()``: at every SYN timer expiry the kernel gives up if the
    number of retransmissions already sent is ≥ ``retries + linear_timeouts``,
    or if the time since the first SYN is ≥ ``tcp_model_timeout(retries,
    initial_rto)`` — the time limit is computed *as if* the backoff were purely
    exponential. ``tcp_retransmit_timer()`` keeps the RTO at ``initial_rto`` for
    the first ``linear_timeouts`` retransmissions, then doubles it up to
    ``rto_max``. Patch "tcp: make the first N SYN RTO backoffs linear"
    (Linux 6.5); ``ip-sysctl.rst`` ``tcp_syn_linear_timeouts``.

    Examples
    --------
    >>> s = syn_retransmit_schedule()            # Linux ≥ 6.5 defaults
    >>> s.retransmissions, s.give_up
    (10, 131.0)
    >>> syn_retransmit_schedule(linear_timeouts=0).sends, syn_retransmit_schedule(linear_timeouts=0).give_up
    ((0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0), 127.0)
    >>> s = syn_retransmit_schedule(retries=2)   # TCP_SYNCNT=2: the time limit wins
    >>> s.retransmissions, s.give_up
    (5, 7.0)
    """
    retries = check_int("retries", retries, lo=1, hi=_MAX_TCP_SYNCNT)
    base, cap = _base_and_cap("initial_rto", initial_rto, rto_max)
    linear_timeouts = check_int("linear_timeouts", linear_timeouts, lo=0, hi=_MAX_TCP_SYNCNT)
    budget = _model_timeout_ms(retries, base, cap)
    count_limit = retries + linear_timeouts
    rto = min(base, cap)
    t, sends, n = 0, [0], 0
    while True:
        t += rto
        if n >= count_limit or t >= budget:
            break
        sends.append(t)
        n += 1
        if n > linear_timeouts:
            rto = min(rto * 2, cap)
    return RetransmitSchedule("SYN", tuple(x / 1000 for x in sends), t / 1000, budget / 1000, count_limit)


def synack_retransmit_schedule(retries: int = _SYNACK_RETRIES, initial_rto: float = _INIT_RTO,
                               rto_max: float = _RTO_MAX) -> RetransmitSchedule:
    """When a listener resends the SYN-ACK of one request and when it drops the request.

    Parameters
    ----------
    retries : int
        ``net.ipv4.tcp_synack_retries`` in [1, 255] (default 5).
    initial_rto : float
        First timeout in seconds, in [0.001, 120] (``TCP_TIMEOUT_INIT``).
    rto_max : float
        Ceiling in seconds, in [1, 120].

    Returns
    -------
    RetransmitSchedule
        ``sends`` counted from the first SYN-ACK; ``give_up`` = request dropped.

    Raises
    ------
    ValueError
        If ``retries`` is not in [1, 255], ``initial_rto`` not in [0.001, 120]
        or ``rto_max`` not in [1, 120].

    Notes
    -----
    ``net/ipv4/inet_connection_sock.c`` ``reqsk_timer_handler()``: after the
    ``n``-th expiry the next timeout is ``min(TCP_TIMEOUT_INIT << n, TCP_RTO_MAX)``;
    the request expires when ``num_timeout >= max_syn_ack_retries``. (The
    handler lowers the limit when the SYN queue is more than half full of old
    requests — not modelled.) A retransmitted client SYN also triggers an
    immediate SYN-ACK (``tcp_check_req``), which :mod:`tcpkit.connection` models.

    Examples
    --------
    >>> s = synack_retransmit_schedule()
    >>> s.sends, s.give_up
    ((0.0, 1.0, 3.0, 7.0, 15.0, 31.0), 63.0)
    """
    retries = check_int("retries", retries, lo=1, hi=255)
    base, cap = _base_and_cap("initial_rto", initial_rto, rto_max)
    t, sends, n = 0, [0], 0
    while True:
        t += min(base << n, cap) if n < 64 else cap
        if n >= retries:
            break
        sends.append(t)
        n += 1
    budget = _model_timeout_ms(retries, base, cap)
    return RetransmitSchedule("SYN-ACK", tuple(x / 1000 for x in sends), t / 1000, budget / 1000, retries)


def _established_schedule(kind: str, retries: int, initial_rto: float, rto_max: float, rto_base: float) -> RetransmitSchedule:
    # retransmits_timed_out() measures from tp->retrans_stamp, which tcp_retransmit_skb() stamps at the
    # FIRST retransmission (not the original send); the check runs at every RTO expiry, before
    # retransmitting. Measured on Linux 6.18 (tests/test_capacity.py, tcp_retries2=3).
    retries = check_int("retries", retries, lo=1, hi=255)
    first_rto = _rto_ms("initial_rto", initial_rto)
    base, cap = _base_and_cap("rto_base", rto_base, rto_max)
    budget = _model_timeout_ms(retries, base, cap)
    rto = min(first_rto, cap)
    t, sends = 0, [0]
    first: int | None = None
    while True:
        t += rto
        if first is not None and t - first >= budget:
            break
        sends.append(t)
        first = t if first is None else first
        rto = min(rto * 2, cap)
    return RetransmitSchedule(kind, tuple(x / 1000 for x in sends), t / 1000, budget / 1000, None)


def orphan_retries(sysctl_value: int = int(LINUX["tcp_orphan_retries"].value), *, alive: bool = True) -> int:
    """The retry count Linux uses for an orphaned socket (``tcp_orphan_retries()``).

    ``0`` means 8 while the connection is "alive" (RTO below ``TCP_RTO_MAX``),
    0 after an ICMP error made it not alive.

    >>> orphan_retries(0), orphan_retries(3), orphan_retries(0, alive=False)
    (8, 3, 0)
    """
    v = check_int("tcp_orphan_retries", sysctl_value, lo=0, hi=255)
    if v == 0 and alive:
        return _ORPHAN_EFFECTIVE
    return v


def fin_retransmit_schedule(retries: int = _ORPHAN_EFFECTIVE, initial_rto: float = _RTO_MIN, rto_max: float = _RTO_MAX,
                            rto_base: float = _RTO_MIN) -> RetransmitSchedule:
    """FIN retransmissions of a closed (orphaned) socket, and when it is destroyed.

    Parameters
    ----------
    retries : int
        Effective retries in [1, 255]: ``tcp_orphan_retries`` after ``close()``
        (0 → 8, see :func:`orphan_retries`), ``tcp_retries2`` after ``shutdown()``.
    initial_rto : float
        The connection's current RTO when the FIN leaves, s, in [0.001, 120]
        (after one RTT sample *m* Linux uses m + max(2m, 200 ms)).
    rto_max : float
        RTO ceiling, s, in [1, 120].
    rto_base : float
        RTO the time model assumes, s, in [0.001, 120] (``TCP_RTO_MIN`` = 0.2 s).

    Returns
    -------
    RetransmitSchedule
        ``give_up`` = the first timer expiry at or after ``tcp_model_timeout``.

    Raises
    ------
    ValueError
        If ``retries`` is not in [1, 255], ``initial_rto`` or ``rto_base`` not
        in [0.001, 120], or ``rto_max`` not in [1, 120].

    Notes
    -----
    ``tcp_write_timeout()`` for non-SYN states is time based only
    (``retransmits_timed_out()``, ``rto_base = TCP_RTO_MIN``), and
    ``tcp_retransmit_timer()`` doubles the RTO up to ``TCP_RTO_MAX``.

    Examples
    --------
    >>> s = fin_retransmit_schedule()        # orphan, RTO 200 ms
    >>> s.model_timeout, s.give_up, s.retransmissions  # budget counts from the 1st retransmission
    (102.2, 204.6, 9)
    """
    return _established_schedule("FIN", retries, initial_rto, rto_max, rto_base)


def data_retransmit_schedule(retries: int = _RETRIES2, initial_rto: float = _RTO_MIN, rto_max: float = _RTO_MAX,
                             rto_base: float = _RTO_MIN) -> RetransmitSchedule:
    """Data retransmissions on an established connection until ETIMEDOUT (``tcp_retries2``).

    Same rules and parameters as :func:`fin_retransmit_schedule` (``retries`` in
    [1, 255], default ``tcp_retries2`` = 15).

    Examples
    --------
    >>> s = data_retransmit_schedule()
    >>> s.model_timeout, s.give_up, s.retransmissions
    (924.6, 1044.6, 16)
    """
    return _established_schedule("data", retries, initial_rto, rto_max, rto_base)
