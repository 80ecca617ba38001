"""A listening socket's SYN (half-open) queue and accept (full) queue under a SYN flood.

>>> simulate_listen_queues(attack_rate=10_000, backlog=128, duration=20).total("cookies_sent") > 0
True

What it follows: the Linux **6.x** listener (read for 6.7–6.18; tcp-facts §1.2 #15, §2.1, §7 Q2/Q11/Q15):

* ``listen(backlog)`` stores ``sk_max_ack_backlog = min(backlog, somaxconn)``
  (``net/socket.c`` ``__sys_listen``); call it *B*.
* **SYN queue** (``icsk_accept_queue.qlen``, request socks in state
  ``TCP_NEW_SYN_RECV``; the listener itself stays in LISTEN) is full when
  ``qlen > B`` (``inet_csk_reqsk_queue_is_full``; ``>`` since the January 2025
  fix "tcp/dccp: allow a connection when sk_max_ack_backlog is zero", before
  that ``>=``), so it holds *B* + 1 requests (checked on Linux 6.18 in a
  network namespace: ``tests/test_kernel_queues.py``).
* **Accept queue** is full when ``sk_ack_backlog > B`` (``sk_acceptq_is_full``),
  so it holds *B* + 1 established connections.
* ``tcp_conn_request`` (net/ipv4/tcp_input.c), per SYN, in this order:

  1. SYN queue full, or ``tcp_syncookies = 2``: answer with a cookie if
     ``tcp_syncookies`` ≠ 0, else **drop**;
  2. accept queue full: **drop** — also when cookies are on;
  3. ``tcp_syncookies = 0`` and fewer than ``tcp_max_syn_backlog / 4`` free
     slots: **drop** SYNs from peers not "proven" by the TCP metrics cache
     (all peers are treated as unproven here); so ``tcp_max_syn_backlog``
     only matters when cookies are off;
  4. otherwise a request sock joins the SYN queue and a SYN-ACK is sent.

* The SYN-ACK timer (``reqsk_timer_handler``, net/ipv4/inet_connection_sock.c)
  retransmits at ages 1, 3, 7, 15, 31 s and drops the request at 63 s
  (``tcp_synack_retries = 5``). When the queue is more than half full
  (``2·qlen > max(8, B)``) it lowers the retries for old requests —
  "reserve half of room for young embrions" — down to 2 (drop at 7 s),
  depending on how many requests are still young (no timeout yet).
* Third-step ACK of a queued request: if the accept queue is full, it is
  dropped (``tcp_abort_on_overflow = 0``; the request stays and the next
  SYN-ACK retransmission gives the client another chance) or answered with
  RST (``= 1``; the client sees ECONNRESET). A cookie ACK that meets a full
  accept queue is simply dropped (no state to keep).
* Legitimate clients whose SYN is dropped retransmit it after 1, 1, 1, 1, 1, 2,
  4, 8, 16, 32 s (``tcp_syn_retries = 6`` + ``tcp_syn_linear_timeouts = 4``,
  Linux ≥ 6.5) and give up 64 s after the last one (131 s).

How it is computed — a *fluid*, bucketed time-step model, not one object per
SYN, so 60 s at 10 000 SYN/s costs a few milliseconds: time advances in steps
of ``dt`` (default 10 ms); arrivals are expected counts (rate × dt, real
numbers); every step's admitted requests form one *cohort* that ages
together, so the age histogram of the SYN queue is the list of cohorts, and
each SYN-ACK timer (ages 1, 3, 7, … s) touches exactly one cohort per step.
A legitimate request's ACK arrives ``rtt`` after its SYN-ACK (no loss on the
path); spoofed requests never complete. Not modelled: per-CPU backlog and NIC
drops, the application's processing time beyond ``accept_rate``, TFO, timer
slack, SYN-ACK rate limits, ``tcp_defer_accept``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from ._validate import check_choice, check_float, check_int
from .linux import LINUX

__all__ = ["QueueParams", "QueueTimeline", "simulate_listen_queues", "compare_syncookies", "synack_drop_age",
           "client_syn_schedule", "COUNTERS"]

#: Per-step event counters recorded by :func:`simulate_listen_queues` (names → meaning, in Chinese for the book).
COUNTERS: dict[str, str] = {
    "attack_syns": "攻击 SYN 到达",
    "legit_syns": "正常客户端 SYN 到达（含重传）",
    "legit_new": "新的正常连接请求",
    "dropped_syn_queue_full": "SYN 因半连接队列满被丢弃（未开 syncookies）",
    "dropped_syn_backlog_rule": "SYN 因 tcp_max_syn_backlog 的 ¾ 规则被丢弃",
    "dropped_accept_queue_full": "SYN 因全连接队列满被丢弃",
    "legit_dropped": "正常客户端的 SYN 被丢弃",
    "cookies_sent": "以 SYN cookie 回复的 SYN-ACK",
    "synack_retrans": "SYN-ACK 重传",
    "requests_expired": "半连接请求因 SYN-ACK 重传耗尽被删除",
    "legit_completed": "正常连接完成握手、进入全连接队列",
    "legit_completed_cookie": "其中经 SYN cookie 完成的",
    "legit_ack_dropped": "第三次握手 ACK 因全连接队列满被丢弃",
    "legit_failed_reset": "失败：全连接队列满，回 RST（abort_on_overflow=1）",
    "legit_failed_cookie_ack": "失败：cookie ACK 遇到全连接队列满被丢弃",
    "legit_failed_expired": "失败：已回 ACK 的请求在半连接队列中超时",
    "legit_failed_timeout": "失败：客户端 SYN 重传耗尽（ETIMEDOUT）",
    "accepted": "应用 accept() 取走的连接",
}


def synack_drop_age(retries: int) -> float:
    """Age in seconds at which a request is dropped after ``retries`` SYN-ACK retransmissions.

    Parameters
    ----------
    retries : int
        Effective SYN-ACK retries, ``[0, 20]``.

    Returns
    -------
    float
        ``2**(retries + 1) - 1`` times the 1 s initial RTO: timers fire at ages
        1, 3, 7, … s and the request is dropped at the timer where
        ``num_timeout >= retries`` (``syn_ack_recalc``).

    Examples
    --------
    >>> synack_drop_age(LINUX["tcp_synack_retries"].value), synack_drop_age(2)
    (63.0, 7.0)
    """
    r = check_int("retries", retries, lo=0, hi=20)
    return float((2 ** (r + 1) - 1) * LINUX["TCP_TIMEOUT_INIT"].value)


def client_syn_schedule(syn_retries: int | None = None, linear: int | None = None) -> tuple[tuple[float, ...], float]:
    """Gaps between a client's SYN transmissions and the give-up time (Linux ≥ 6.5).

    Parameters
    ----------
    syn_retries : int, optional
        ``tcp_syn_retries`` ``[1, 127]``; default from :data:`tcpkit.linux.LINUX`.
    linear : int, optional
        ``tcp_syn_linear_timeouts`` ``[0, 127]``; default from the table.

    Returns
    -------
    (tuple of float, float)
        The ``syn_retries + linear`` gaps in seconds and the give-up time after
        the first SYN.

    Notes
    -----
    The first ``linear`` + 1 RTOs stay at the initial RTO (1 s), later ones
    double; the count limit is ``syn_retries + linear`` retransmissions
    (tcp-facts §2.1; net/ipv4/tcp_timer.c ``tcp_retransmit_timer``).

    Examples
    --------
    >>> gaps, give_up = client_syn_schedule()
    >>> gaps, give_up
    ((1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0), 131.0)
    """
    r = int(LINUX["tcp_syn_retries"].value) if syn_retries is None else check_int("syn_retries", syn_retries, lo=1, hi=127)
    n = int(LINUX["tcp_syn_linear_timeouts"].value) if linear is None else check_int("linear", linear, lo=0, hi=127)
    rto0 = float(LINUX["TCP_TIMEOUT_INIT"].value)
    rto_max = float(LINUX["TCP_RTO_MAX"].value)
    gaps = []
    rto = rto0
    for i in range(r + n + 1):
        gaps.append(rto)
        if i >= n:
            rto = min(2 * rto, rto_max)
    return tuple(gaps[:-1]), float(sum(gaps))


@dataclass(frozen=True, slots=True)
class QueueParams:
    """The validated inputs of one run (see :func:`simulate_listen_queues`)."""

    attack_rate: float
    legit_rate: float
    rtt: float
    duration: float
    backlog: int
    somaxconn: int
    tcp_max_syn_backlog: int
    syncookies: int
    synack_retries: int
    abort_on_overflow: int
    accept_rate: float
    attack_start: float
    attack_end: float
    dt: float

    @property
    def max_ack_backlog(self) -> int:
        """``sk_max_ack_backlog = min(backlog, somaxconn)``."""
        return min(self.backlog, self.somaxconn)

    @property
    def accept_queue_limit(self) -> int:
        """How many established connections the accept queue holds: ``B + 1``."""
        return self.max_ack_backlog + 1

    @property
    def syn_queue_limit(self) -> int:
        """How many request socks can wait in the SYN queue.

        ``B + 1``; with ``tcp_syncookies = 0`` also at most
        ``tcp_max_syn_backlog − tcp_max_syn_backlog // 4 + 1`` (the ¾ rule for
        unproven peers); with ``tcp_syncookies = 2`` zero (every SYN gets a cookie).
        """
        if self.syncookies == 2:
            return 0
        lim = self.max_ack_backlog + 1
        if self.syncookies == 0:
            m = self.tcp_max_syn_backlog
            lim = min(lim, m - (m >> 2) + 1)
        return lim


@dataclass(frozen=True, slots=True)
class QueueTimeline:
    """Result of :func:`simulate_listen_queues`: queue lengths and event counts per step.

    ``t[i]`` is the end of step ``i``; queue lengths are sampled there; every
    name in :data:`COUNTERS` is an array of expected counts during the step.
    """

    params: QueueParams
    t: tuple[float, ...]
    syn_queue: tuple[float, ...]
    syn_queue_attack: tuple[float, ...]
    syn_queue_legit: tuple[float, ...]
    accept_queue: tuple[float, ...]
    counts: Mapping[str, tuple[float, ...]] = field(repr=False)  #: read-only
    pending_end: float = 0.0  #: legitimate clients still retrying or waiting at the end

    def total(self, name: str) -> float:
        """Sum of counter ``name`` over the run (see :data:`COUNTERS`)."""
        check_choice("name", name, COUNTERS)
        return float(sum(self.counts[name]))

    def binned(self, name: str, width: float = 1.0) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Counter ``name`` per second, averaged over bins of ``width`` seconds.

        Returns
        -------
        (tuple of float, tuple of float)
            Bin centres (s) and rates (events/s).
        """
        check_choice("name", name, COUNTERS)
        dt = self.params.dt
        w = check_float("width", width, lo=dt, hi=self.params.duration)
        k = max(1, round(w / dt))
        xs = self.counts[name]
        centres, rates = [], []
        for i in range(0, len(xs) - k + 1, k):
            centres.append((i + k / 2) * dt)
            rates.append(sum(xs[i : i + k]) / (k * dt))
        return tuple(centres), tuple(rates)

    def success_ratio(self, width: float = 1.0) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Legitimate handshakes completed per bin divided by new legitimate attempts per bin.

        1.0 means every client that arrives gets through (in steady state);
        retries can push a bin slightly above 1 after a bad stretch. ``nan``
        where no legitimate client arrived.
        """
        c, done = self.binned("legit_completed", width)
        _, new = self.binned("legit_new", width)
        return c, tuple(d / n if n > 0 else math.nan for d, n in zip(done, new))

    def summary(self) -> dict[str, float]:
        """Totals of every counter plus ``offered``, ``success_fraction`` and peak queue lengths."""
        out = {k: self.total(k) for k in COUNTERS}
        offered = out["legit_new"]
        out["offered"] = offered
        out["success_fraction"] = out["legit_completed"] / offered if offered > 0 else math.nan
        out["peak_syn_queue"] = max(self.syn_queue) if self.syn_queue else 0.0
        out["peak_accept_queue"] = max(self.accept_queue) if self.accept_queue else 0.0
        out["pending_end"] = self.pending_end
        return out


def _params(attack_rate: float, legit_rate: float, rtt: float, duration: float, backlog: int, somaxconn: int | None,
            tcp_max_syn_backlog: int | None, syncookies: int | None, synack_retries: int | None,
            abort_on_overflow: int | None, accept_rate: float, attack_start: float, attack_end: float | None,
            dt: float) -> QueueParams:
    dur = check_float("duration", duration, lo=0.0, hi=600.0, lo_open=True)
    step = check_float("dt", dt, lo=0.001, hi=0.1)
    start = check_float("attack_start", attack_start, lo=0.0, hi=dur)
    end = dur if attack_end is None else check_float("attack_end", attack_end, lo=start, hi=dur)
    return QueueParams(
        attack_rate=check_float("attack_rate", attack_rate, lo=0.0, hi=1e7),
        legit_rate=check_float("legit_rate", legit_rate, lo=0.0, hi=1e6),
        rtt=check_float("rtt", rtt, lo=0.0005, hi=5.0),
        duration=dur,
        backlog=check_int("backlog", backlog, lo=0, hi=1_000_000),
        somaxconn=int(LINUX["somaxconn"].value) if somaxconn is None
        else check_int("somaxconn", somaxconn, lo=0, hi=1_000_000),
        tcp_max_syn_backlog=int(LINUX["tcp_max_syn_backlog"].value) if tcp_max_syn_backlog is None
        else check_int("tcp_max_syn_backlog", tcp_max_syn_backlog, lo=1, hi=1_000_000),
        syncookies=int(LINUX["tcp_syncookies"].value) if syncookies is None
        else check_choice("syncookies", syncookies, (0, 1, 2)),
        synack_retries=int(LINUX["tcp_synack_retries"].value) if synack_retries is None
        else check_int("synack_retries", synack_retries, lo=0, hi=20),
        abort_on_overflow=int(LINUX["tcp_abort_on_overflow"].value) if abort_on_overflow is None
        else check_choice("abort_on_overflow", abort_on_overflow, (0, 1)),
        accept_rate=check_float("accept_rate", accept_rate, lo=0.0, hi=1e7),
        attack_start=start,
        attack_end=end,
        dt=step,
    )


def simulate_listen_queues(
    *,
    attack_rate: float = 10_000.0,
    legit_rate: float = 100.0,
    rtt: float = 0.05,
    duration: float = 60.0,
    backlog: int = int(LINUX["python_listen_default_backlog"].value),
    somaxconn: int | None = None,
    tcp_max_syn_backlog: int | None = None,
    syncookies: int | None = None,
    synack_retries: int | None = None,
    abort_on_overflow: int | None = None,
    accept_rate: float = 1000.0,
    attack_start: float = 0.0,
    attack_end: float | None = None,
    dt: float = 0.01,
) -> QueueTimeline:
    """Simulate a listener's two queues while spoofed SYNs and real clients arrive.

    Parameters
    ----------
    attack_rate : float
        Spoofed SYNs per second ``[0, 1e7]`` (random sources: never answer the SYN-ACK).
    legit_rate : float
        New legitimate connections per second ``[0, 1e6]``.
    rtt : float
        Round-trip time of legitimate clients in seconds ``[0.0005, 5]``.
    duration : float
        Simulated seconds ``(0, 600]``.
    backlog : int
        ``listen()`` argument ``[0, 1e6]``; default Python's 128.
    somaxconn, tcp_max_syn_backlog, syncookies, synack_retries, abort_on_overflow : int, optional
        The sysctls (``net.core.somaxconn`` ``[0, 1e6]``, ``tcp_max_syn_backlog``
        ``[1, 1e6]``, ``tcp_syncookies`` 0/1/2, ``tcp_synack_retries`` ``[0, 20]``,
        ``tcp_abort_on_overflow`` 0/1); default: the Linux defaults table.
    accept_rate : float
        Connections per second the application takes with ``accept()`` ``[0, 1e7]``
        (0: it never calls ``accept()``).
    attack_start, attack_end : float
        The flood runs in ``[attack_start, attack_end)`` seconds (default: the whole run
        ).
    dt : float
        Time step in seconds ``[0.001, 0.1]``.

    Returns
    -------
    QueueTimeline
        Queue lengths and per-step event counts (see :data:`COUNTERS`).

    Raises
    ------
    TypeError, ValueError
        On a bad parameter (the message names it and its range).

    Notes
    -----
    Rules and their kernel sources are listed in the module docstring; in short
    ``tcp_conn_request`` (net/ipv4/tcp_input.c), ``inet_csk_reqsk_queue_is_full``
    / ``sk_acceptq_is_full`` (include/net/inet_connection_sock.h, include/net/sock.h),
    ``reqsk_timer_handler`` (net/ipv4/inet_connection_sock.c), ``tcp_check_req``
    (net/ipv4/tcp_minisocks.c) and ``cookie_v4_check`` (net/ipv4/syncookies.c).

    Examples
    --------
    With cookies (the default) a flood cannot lock legitimate clients out:

    >>> on = simulate_listen_queues(attack_rate=10_000, duration=30)
    >>> round(on.summary()["success_fraction"], 2)
    1.0

    Without them, the SYN queue (129 entries) is full of spoofed requests:

    >>> off = simulate_listen_queues(attack_rate=10_000, duration=30, syncookies=0)
    >>> off.params.syn_queue_limit, round(max(off.syn_queue))
    (129, 129)
    >>> off.summary()["success_fraction"] < 0.25
    True
    """
    p = _params(attack_rate, legit_rate, rtt, duration, backlog, somaxconn, tcp_max_syn_backlog, syncookies,
                synack_retries, abort_on_overflow, accept_rate, attack_start, attack_end, dt)
    return _run(p)


def compare_syncookies(*, contrast_dt: float | None = None, **kwargs: object) -> tuple[QueueTimeline, QueueTimeline]:
    """Run :func:`simulate_listen_queues` twice: as given, and with ``tcp_syncookies`` switched.

    Parameters
    ----------
    contrast_dt : float, optional
        Time step of the contrast run ``[0.001, 0.1]`` s (default: the same as the
        chosen run). A widget that only shows the contrast's success rate per
        second can use a coarser step and save time.
    **kwargs
        Any keyword of :func:`simulate_listen_queues`.

    Returns
    -------
    (QueueTimeline, QueueTimeline)
        ``(chosen, contrast)``; the contrast run uses ``syncookies=0`` when the
        chosen one has cookies (1 or 2), and ``syncookies=1`` when it has none.
        Runs are memoised (the model is deterministic), so flipping the switch
        back and forth in a widget costs nothing.

    Raises
    ------
    TypeError, ValueError
        As :func:`simulate_listen_queues`.

    Examples
    --------
    >>> on, off = compare_syncookies(attack_rate=5000, duration=20)
    >>> on.params.syncookies, off.params.syncookies
    (1, 0)
    """
    unknown = set(kwargs) - set(simulate_listen_queues.__kwdefaults__ or {})
    if unknown:
        raise TypeError(f"compare_syncookies() got unexpected keyword argument(s) {sorted(unknown)}")
    kw = {**(simulate_listen_queues.__kwdefaults__ or {}), **kwargs}
    p = _params(**kw)
    other = replace(p, syncookies=0 if p.syncookies else 1)
    if contrast_dt is not None:
        other = replace(other, dt=check_float("contrast_dt", contrast_dt, lo=0.001, hi=0.1))
    return _run(p), _run(other)


#: Floating-point dust below which a leftover count is treated as zero.
_EPS = 1e-9


def _clamp(xs: list[float]) -> tuple[float, ...]:
    """Queue lengths as a tuple, with floating-point dust below zero removed."""
    return tuple(x if x > 0.0 else 0.0 for x in xs)


@lru_cache(maxsize=64)
def _run(p: QueueParams) -> QueueTimeline:
    """Run the model once (memoised: the model is deterministic and :class:`QueueParams` is hashable)."""
    return _Listener(p).run()


class _Listener:
    """The fluid model of one listening socket; :meth:`run` calls the five steps once per time step.

    The steps, in ``tcp_conn_request`` / timer order: :meth:`synack_timers`
    (retransmit or drop the cohorts that reach age 1, 3, 7, … s),
    :meth:`handshake_acks` (third-step ACKs move requests to the accept queue),
    :meth:`cookie_acks`, :meth:`syns_arrive` (admit, answer with a cookie or
    drop; dropped clients retry through :meth:`clients_retry`) and
    :meth:`app_accepts`. Every counter is an expected count (a real number).
    """

    def __init__(self, p: QueueParams) -> None:
        self.p = p
        dt = p.dt
        n = self.n = max(1, round(p.duration / dt))
        steps_per_s = 1.0 / dt
        R = self.R = max(1, round(p.rtt / dt))
        B = p.max_ack_backlog
        self.cap_acc = float(B + 1)
        self.q_cap = float(p.syn_queue_limit)
        # reason attributed when the SYN queue limit bites with cookies off
        self.backlog_rule_bites = p.syncookies == 0 and self.q_cap < B + 1
        self.young_threshold = max(8, B)
        self.abort = p.abort_on_overflow == 1
        # SYN-ACK timer ages in steps: 1, 3, 7, … s, up to the drop at 2**(retries+1)-1 s
        self.timer_steps: list[int] = []
        for k in range(1, p.synack_retries + 2):
            a = round((2**k - 1) * float(LINUX["TCP_TIMEOUT_INIT"].value) * steps_per_s)
            if a > n:
                break
            self.timer_steps.append(a)
        self.ack_offsets = [R] + [a + R for a in self.timer_steps]
        self.first_timer = self.timer_steps[0] if self.timer_steps else n + 1
        gaps, give_up = client_syn_schedule()
        self.gap_steps = [max(1, round(g * steps_per_s)) for g in gaps]
        self.last_wait = max(1, round((give_up - sum(gaps)) * steps_per_s))
        self.n_attempts = len(gaps) + 1
        self.attack_per_step = p.attack_rate * dt
        self.legit_per_step = p.legit_rate * dt
        self.accept_per_step = p.accept_rate * dt
        self.a_start = round(p.attack_start * steps_per_s)
        self.a_end = round(p.attack_end * steps_per_s)
        # state
        self.att = [0.0] * (n + 1)       # spoofed requests alive, by admission step (cohorts)
        self.leg = [0.0] * (n + 1)       # legitimate requests alive, by admission step
        self.cookie_ack = [0.0] * (n + R + 2)
        self.retry = [[0.0] * (n + 1) for _ in range(self.n_attempts)]  # retransmitted legit SYNs, by attempt
        self.retry_total = [0.0] * (n + 1)
        self.giveup = [0.0] * (n + 1)
        self.qlen = self.q_att = self.q_leg = self.young = self.acc = 0.0
        self.pending_beyond = 0.0
        self.rec: dict[str, list[float]] = {k: [0.0] * n for k in COUNTERS}
        self.accepted = self.rec["accepted"]
        # queue lengths at the end of each step: SYN queue (all, spoofed, legitimate), accept queue
        self.sq, self.sqa, self.sql, self.aq = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n

    def run(self) -> QueueTimeline:
        timers, acks, cookie_acks = self.synack_timers, self.handshake_acks, self.cookie_acks
        syns, accepts, cookie_ack = self.syns_arrive, self.app_accepts, self.cookie_ack
        first_timer, first_ack = self.first_timer, self.R
        for s in range(self.n):
            if s >= first_timer:  # no request is old enough for a timer before that
                timers(s)
            if s >= first_ack:
                acks(s)
            if cookie_ack[s] > 0.0:
                cookie_acks(s)
            syns(s)
            accepts(s)
        return self.timeline()

    def retries_now(self) -> int:
        """reqsk_timer_handler: with the queue more than half full, old requests get fewer retries (≥ 2)."""
        r_eff = self.p.synack_retries
        if 2 * self.qlen > self.young_threshold:
            y2 = 2 * self.young
            while r_eff > 2:
                if self.qlen < y2:
                    break
                r_eff -= 1
                y2 *= 2
        return r_eff

    def synack_timers(self, s: int) -> None:
        """Step 1: SYN-ACK timers of the cohorts that reach age 1, 3, 7, … s now."""
        att, leg, rec = self.att, self.leg, self.rec
        retransmitted = rec["synack_retrans"]
        r_eff = -1
        for k, a in enumerate(self.timer_steps):
            s0 = s - a
            if s0 < 0:
                break
            alive = att[s0] + leg[s0]
            if alive <= 0.0:
                continue
            if r_eff < 0:
                r_eff = self.retries_now()
            if k == 0:
                self.young -= alive
            if k >= r_eff:  # num_timeout (= k) >= max retries: drop the request
                rec["requests_expired"][s] += alive
                rec["legit_failed_expired"][s] += leg[s0]
                self.qlen -= alive
                self.q_att -= att[s0]
                self.q_leg -= leg[s0]
                att[s0] = leg[s0] = 0.0
            else:
                retransmitted[s] += alive

    def handshake_acks(self, s: int) -> None:
        """Step 2: third-step ACKs of queued legitimate requests (first try, then after each SYN-ACK retransmission)."""
        leg, rec, cap_acc = self.leg, self.rec, self.cap_acc
        acc, q_leg, qlen, young = self.acc, self.q_leg, self.qlen, self.young
        for j, off in enumerate(self.ack_offsets):
            s0 = s - off
            if s0 < 0:
                break
            m = leg[s0]
            if m <= 0.0:
                continue
            room = cap_acc - acc
            moved = m if room >= m else (room if room > 0.0 else 0.0)
            is_young = j == 0 and off < self.first_timer
            if moved > 0.0:
                acc += moved
                leg[s0] = m = m - moved
                q_leg -= moved
                qlen -= moved
                if is_young:
                    young -= moved
                rec["legit_completed"][s] += moved
            if m > _EPS:
                if self.abort:  # tcp_abort_on_overflow = 1: answer with RST
                    rec["legit_failed_reset"][s] += m
                    q_leg -= m
                    qlen -= m
                    if is_young:
                        young -= m
                    leg[s0] = 0.0
                else:  # drop the ACK; the next SYN-ACK retransmission gives the client another chance
                    rec["legit_ack_dropped"][s] += m
        self.acc, self.q_leg, self.qlen, self.young = acc, q_leg, qlen, young

    def cookie_acks(self, s: int) -> None:
        """Step 3: ACKs answering cookies; one that meets a full accept queue is dropped."""
        ck = self.cookie_ack[s]
        room = self.cap_acc - self.acc
        moved = ck if room >= ck else (room if room > 0.0 else 0.0)
        self.acc += moved
        self.rec["legit_completed"][s] += moved
        self.rec["legit_completed_cookie"][s] += moved
        if ck - moved > _EPS:
            self.rec["legit_failed_cookie_ack"][s] += ck - moved

    def syns_arrive(self, s: int) -> None:
        """Step 4: tcp_conn_request for the SYNs of this step (spoofed, new legitimate, retransmitted)."""
        rec = self.rec
        na = self.attack_per_step if self.a_start <= s < self.a_end else 0.0
        nl = self.legit_per_step + self.retry_total[s]
        rec["attack_syns"][s] = na
        rec["legit_syns"][s] = nl
        rec["legit_new"][s] = self.legit_per_step
        total = na + nl
        if total > 0.0:
            dropped_legit_frac = self.admit(s, na, nl, total)
            if dropped_legit_frac > 0.0 and nl > 0.0:
                rec["legit_dropped"][s] += nl * dropped_legit_frac
                self.clients_retry(s, dropped_legit_frac)
        if self.giveup[s] > 0.0:
            rec["legit_failed_timeout"][s] += self.giveup[s]

    def admit(self, s: int, na: float, nl: float, total: float) -> float:
        """Queue, answer with a cookie, or drop ``total`` SYNs; return the fraction of legitimate SYNs dropped."""
        rec, cookies = self.rec, self.p.syncookies
        acc_full = self.acc >= self.cap_acc - _EPS
        if cookies == 2:
            admit, overflow = 0.0, total
        else:
            room = self.q_cap - self.qlen
            admit = total if room >= total else (room if room > 0.0 else 0.0)
            overflow = total - admit
        if acc_full:
            # cookie or not, tcp_conn_request drops every SYN while the accept queue is full
            # (unless the SYN queue is full too and cookies are off: then that is the reason)
            if cookies == 0 and overflow > 0.0 and not self.backlog_rule_bites:
                rec["dropped_syn_queue_full"][s] += overflow
                rec["dropped_accept_queue_full"][s] += admit
            else:
                rec["dropped_accept_queue_full"][s] += total
            return 1.0
        if admit > 0.0:
            fa = na / total
            self.qlen += admit
            self.young += admit
            self.q_att += admit * fa
            self.q_leg += admit * (1.0 - fa)
            self.att[s] += admit * fa
            self.leg[s] += admit * (1.0 - fa)
        if overflow > 0.0:
            if cookies:
                rec["cookies_sent"][s] += overflow
                self.cookie_ack[s + self.R] += overflow * (nl / total)
            else:
                rec["dropped_syn_backlog_rule" if self.backlog_rule_bites else "dropped_syn_queue_full"][s] += overflow
                return overflow / total
        return 0.0

    def clients_retry(self, s: int, frac: float) -> None:
        """Dropped legitimate SYNs are retransmitted by their clients (1, 1, 1, 1, 1, 2, 4, … s later) or give up."""
        n, n_attempts, retry, retry_total = self.n, self.n_attempts, self.retry, self.retry_total
        gap_steps, pending = self.gap_steps, self.pending_beyond
        has_retries = retry_total[s] > 0.0
        for k2 in range(n_attempts):
            v = self.legit_per_step if k2 == 0 else 0.0
            if has_retries:
                v += retry[k2][s]
            if v <= 0.0:
                continue
            d = v * frac
            if k2 + 1 < n_attempts:
                s2 = s + gap_steps[k2]
                if s2 < n:
                    retry[k2 + 1][s2] += d
                    retry_total[s2] += d
                else:
                    pending += d
            else:
                s2 = s + self.last_wait
                if s2 < n:
                    self.giveup[s2] += d
                else:
                    pending += d
        self.pending_beyond = pending

    def app_accepts(self, s: int) -> None:
        """Step 5: the application accept()s; record the queue lengths at the end of the step."""
        acc = self.acc
        take = acc if acc <= self.accept_per_step else self.accept_per_step
        self.acc = acc = acc - take
        self.accepted[s] = take
        self.sq[s], self.sqa[s], self.sql[s], self.aq[s] = self.qlen, self.q_att, self.q_leg, acc

    def timeline(self) -> QueueTimeline:
        n, dt = self.n, self.p.dt
        pending = self.pending_beyond + max(self.q_leg, 0.0) + sum(self.cookie_ack[n:])
        return QueueTimeline(
            params=self.p, t=tuple((i + 1) * dt for i in range(n)), syn_queue=_clamp(self.sq),
            syn_queue_attack=_clamp(self.sqa), syn_queue_legit=_clamp(self.sql), accept_queue=tuple(self.aq),
            counts=MappingProxyType({k: tuple(v) for k, v in self.rec.items()}), pending_end=pending,
        )
