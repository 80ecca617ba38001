"""One or more TCP flows through one drop-tail bottleneck: the cwnd simulator.

>>> tr = simulate("reno", bandwidth_mbps=10, rtt_ms=40, buffer_pkts=20, duration_s=5)
>>> tr.flows[0].fast_retransmits > 0
True

Two granularities share the same controllers:

``granularity="ack"`` (default, accurate)
    Event-driven, one event per ACK. Each segment (``mss`` bytes) is
    serialised by the bottleneck at ``bandwidth_mbps``; a FIFO queue of
    ``buffer_pkts`` segments (not counting the one being sent) drops arrivals
    when full (drop-tail). The receiver ACKs every segment at once (no delayed
    ACK, no SACK), cumulatively; the ACK returns after ``rtt_ms`` of
    propagation. The sender counts duplicate ACKs, fast-retransmits on the
    3rd (``tcp_reordering``), runs Reno or NewReno recovery as the controller
    asks, and keeps an RFC 6298 retransmission timer.
``granularity="round"`` (fast, approximate; what the widgets use)
    A fluid model advanced one round trip at a time: each round every flow
    sends ``min(cwnd, pacing_rate·R)`` segments, the queue changes by arrivals
    minus what the link serves in the round, overflow above ``buffer_pkts`` is
    dropped and counted as one loss event per flow that lost something; the
    controllers receive one aggregated ``on_ack`` per round (RFC 3465-style
    byte counting, so slow start doubles and Reno adds one segment per
    round). Its cost is proportional to ``duration_s / rtt`` and does not
    depend on the bandwidth.
"""

from __future__ import annotations

import heapq
import random
import struct
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .._validate import check_bool, check_choice, check_float, check_int
from ..linux import LINUX
from .base import CongestionController

__all__ = ["simulate", "Trace", "FlowTrace", "Event", "EVENT_KINDS", "MAX_FLOWS"]

#: Kinds of :class:`Event`.
EVENT_KINDS = ("fast_retransmit", "recovery_start", "recovery_end", "timeout", "scripted_loss")
#: Most flows one simulation accepts.
MAX_FLOWS = 8
_DUPTHRESH = int(LINUX["tcp_reordering"].value)
_RTO_INIT = float(LINUX["TCP_TIMEOUT_INIT"].value)
_RTO_MIN = float(LINUX["TCP_RTO_MIN"].value)
_RTO_MAX = float(LINUX["TCP_RTO_MAX"].value)
_INF = float("inf")
#: The fast simulator packs trace rows and moves them into the arrays every 4096 ACKs (bounded memory).
_FLUSH_MASK = 4095
_ROW = struct.Struct("=6d")


@dataclass(frozen=True, slots=True)
class Event:
    """Something the sender did: ``kind`` is one of :data:`EVENT_KINDS`."""

    time: float
    flow: int
    kind: str
    cwnd: float
    ssthresh: float


@dataclass(frozen=True)
class FlowTrace:
    """What one flow did, sampled at every ACK (``"ack"``) or every round (``"round"``).

    All arrays have the same length. Windows in segments, times in seconds,
    ``delivery_rate`` in Mbit/s, ``queue`` in segments (the shared bottleneck
    queue when this flow's sample was taken).
    """

    algorithm: str
    time: array
    cwnd: array
    ssthresh: array
    phase: array
    inflight: array
    delivery_rate: array
    queue: array
    events: tuple[Event, ...]
    sent: int
    delivered: int
    drops: int
    fast_retransmits: int
    timeouts: int
    bbr_history: tuple[tuple[float, str, float], ...] = ()

    @property
    def goodput_mbps(self) -> float:
        """Delivered segments × MSS over the duration, Mbit/s (set by :func:`simulate`)."""
        return self._goodput

    _goodput: float = 0.0


@dataclass(frozen=True)
class Trace:
    """Result of :func:`simulate`: one :class:`FlowTrace` per flow plus the path."""

    flows: tuple[FlowTrace, ...]
    bandwidth_mbps: float
    rtt_ms: float
    buffer_pkts: int
    duration_s: float
    mss: int
    granularity: str
    ack_events: int
    bdp_pkts: float = field(default=0.0)

    # convenience: the first flow's arrays
    @property
    def time(self) -> array:
        return self.flows[0].time

    @property
    def cwnd(self) -> array:
        return self.flows[0].cwnd

    @property
    def ssthresh(self) -> array:
        return self.flows[0].ssthresh

    @property
    def phase(self) -> array:
        return self.flows[0].phase

    @property
    def inflight(self) -> array:
        return self.flows[0].inflight

    @property
    def delivery_rate(self) -> array:
        return self.flows[0].delivery_rate

    @property
    def queue(self) -> array:
        return self.flows[0].queue

    @property
    def events(self) -> tuple[Event, ...]:
        return self.flows[0].events


def _validate(
    algorithm: object,
    bandwidth_mbps: object,
    rtt_ms: object,
    buffer_pkts: object,
    loss_rate: object,
    losses: object,
    duration_s: object,
    mss: object,
    initial_cwnd: object,
    seed: object,
    granularity: object,
) -> tuple[list[str], float, float, int, float, list[float], float, int, int, int, str]:
    from . import CONTROLLERS

    if isinstance(algorithm, str):
        names = [algorithm]
    elif isinstance(algorithm, (list, tuple)):
        names = list(algorithm)
        if not 1 <= len(names) <= MAX_FLOWS:
            raise ValueError(f"algorithm must list 1 to {MAX_FLOWS} names, got {len(names)}")
    else:
        raise TypeError(f"algorithm must be a name or a list of names, got {type(algorithm).__name__}")
    for n in names:
        check_choice("algorithm", n, list(CONTROLLERS))
    bw = check_float("bandwidth_mbps", bandwidth_mbps, lo=0.01, hi=10000.0)
    rtt = check_float("rtt_ms", rtt_ms, lo=0.01, hi=10000.0)
    buf = check_int("buffer_pkts", buffer_pkts, lo=1, hi=1_000_000)
    p = check_float("loss_rate", loss_rate, lo=0.0, hi=0.5)
    dur = check_float("duration_s", duration_s, lo=0.0, hi=3600.0, lo_open=True)
    if isinstance(losses, (str, bytes)) or not isinstance(losses, Iterable):
        raise TypeError(f"losses must be a sequence of times in seconds, got {type(losses).__name__}")
    lst = sorted(check_float("losses", x, lo=0.0, hi=dur) for x in losses)
    m = check_int("mss", mss, lo=int(LINUX["TCP_MIN_MSS"].value), hi=int(LINUX["loopback_mss"].value))
    iw = check_int("initial_cwnd", initial_cwnd, lo=1, hi=1000)
    sd = check_int("seed", seed, lo=0, hi=2**32 - 1)
    g = str(check_choice("granularity", granularity, ("ack", "round")))
    return names, bw, rtt, buf, p, lst, dur, m, iw, sd, g


def simulate(
    algorithm: str | Sequence[str],
    *,
    bandwidth_mbps: float,
    rtt_ms: float,
    buffer_pkts: int,
    loss_rate: float = 0.0,
    losses: Iterable[float] = (),
    duration_s: float,
    mss: int = 1460,
    initial_cwnd: int = 10,
    seed: int = 0,
    granularity: str = "ack",
    initial_ssthresh: float | None = None,
    sack: bool = False,
) -> Trace:
    """Run TCP flow(s) through one drop-tail bottleneck and trace their windows.

    Parameters
    ----------
    algorithm : str or list of str
        A name in :data:`tcpkit.congestion.CONTROLLERS`, or a list of 1–8
        names: one flow each, all sharing the bottleneck and the RTT
        (fairness view).
    bandwidth_mbps : float
        Bottleneck rate, Mbit/s, in [0.01, 10000]. A segment of ``mss``
        bytes takes ``8·mss / rate`` to send (headers are not modelled).
    rtt_ms : float
        Two-way propagation delay, ms, in [0.01, 10000]. The smallest RTT a
        flow can see is this plus one segment's serialisation time.
    buffer_pkts : int
        Bottleneck queue capacity in segments, in [1, 1e6] (drop-tail).
    loss_rate : float
        Random loss probability per segment, in [0, 0.5] (seeded).
    losses : iterable of float
        Scripted losses: for each time (s, in [0, duration_s]) the first
        segment reaching the bottleneck at or after it is dropped (``"ack"``);
        in the ``"round"`` model every flow loses one segment in that round.
    duration_s : float
        Simulated time, s, in (0, 3600].
    mss : int
        Segment size, bytes, in [88, 65495]; default 1460.
    initial_cwnd : int
        Initial window, segments, in [1, 1000]; default 10 (``TCP_INIT_CWND``).
    seed : int
        Seed of the random loss and of BBR's random PROBE_BW phase, in [0, 2**32 − 1].
    granularity : {"ack", "round"}
        ``"ack"``: per-ACK event simulation (accurate). ``"round"``: one step
        per round trip (fast, used by the widgets). See the module docstring.
    initial_ssthresh : float, optional
        Initial slow-start threshold in segments, in [2, 2**31]; default
        "infinite" (RFC 5681 §3.1). A finite value skips the slow-start
        overshoot, which makes single-loss demonstrations clean. BBR ignores it.
    sack : bool
        Give Reno and NewReno Linux-style loss recovery (SACK scoreboard,
        RFC 6675 pipe, PRR, RACK-style detection of lost retransmissions)
        instead of RFC 5681 / RFC 6582 window inflation; their window rules
        (halve, +1 per RTT, ssthresh + 3) are unchanged. CUBIC and BBR always
        recover this way; Tahoe has no recovery. ``"ack"`` granularity only.

    Returns
    -------
    Trace
        Per flow: arrays ``time, cwnd, ssthresh, phase, inflight,
        delivery_rate, queue`` and the events (fast retransmit, recovery
        start/end, timeout, scripted loss).

    Raises
    ------
    ValueError
        A parameter out of range or an unknown algorithm name (the message
        lists the valid names).
    TypeError
        A parameter of the wrong type.

    Notes
    -----
    Sender rules: window check ``snd_nxt − snd_una < cwnd`` (RFC 5681 §2,
    FlightSize); Tahoe/Reno/NewReno grow per ACK, not per acknowledged segment
    (RFC 5681 §3.1), while SACK senders (CUBIC, BBR, ``sack=True``) count the
    segments an ACK covers, like Linux ``tcp_slow_start`` (RFC 3465); fast retransmit on the 3rd duplicate ACK (RFC 5681 §3.2,
    Linux ``TCP_FASTRETRANS_THRESH``); NewReno ``recover`` (RFC 6582 §3.2);
    after an RTO go-back-N from ``snd_una`` and ``recover = snd_nxt``
    (RFC 6582 §3.2 step 4). The RTO is RFC 6298 §2 (α = 1/8, β = 1/4, K = 4,
    initial 1 s, doubling on expiry, 120 s cap) with the Linux floor:
    ``RTO = SRTT + max(4·RTTVAR, TCP_RTO_MIN)`` (``tcp_rtt_estimator``,
    ``__tcp_set_rto``), not RFC 6298's 1 s minimum. Each ACK echoes the send
    time of the segment that caused it (like TCP timestamps, RFC 7323), so RTT
    samples are exact even for retransmissions. The retransmission timer runs
    whenever data is outstanding: sending data starts it if it is not running
    (RFC 6298 §5.1; Linux ``tcp_event_new_data_sent`` → ``tcp_rearm_rto``),
    an ACK of new data restarts it (§5.3) and it stops when everything is
    acknowledged (§5.2). BBR's delivery rate sample is
    (delivered now − delivered when the segment was sent) / (now − time of
    the last delivery before that send), Linux ``net/ipv4/tcp_rate.c``
    ``tcp_rate_gen()`` (its ACK-phase interval; the send-phase interval is
    not modelled). A segment of new data sent while nothing is
    unacknowledged (``packets_out == 0``) restarts that clock at its own send
    time, ``tcp_rate_skb_sent()``, so idle time before it is not counted.
    SACK, PRR (RFC 6937) and RACK-style loss marking (RFC 8985) are modelled
    in simplified form for SACK senders (see ``sack``); tail loss probes
    (RFC 8985 §7) are not.

    Examples
    --------
    >>> tr = simulate(["cubic", "bbr"], bandwidth_mbps=20, rtt_ms=20,
    ...               buffer_pkts=100, duration_s=2, granularity="round")
    >>> [f.algorithm for f in tr.flows]
    ['cubic', 'bbr']
    >>> simulate("reno", bandwidth_mbps=0, rtt_ms=20, buffer_pkts=10, duration_s=1)
    Traceback (most recent call last):
    ...
    ValueError: bandwidth_mbps must be in [0.01, 10000], got 0
    """
    names, bw, rtt, buf, p, lst, dur, m, iw, sd, g = _validate(
        algorithm, bandwidth_mbps, rtt_ms, buffer_pkts, loss_rate, losses, duration_s, mss, initial_cwnd, seed,
        granularity,
    )
    from . import CONTROLLERS
    from .bbr import BBR

    ssth = None if initial_ssthresh is None else check_float("initial_ssthresh", initial_ssthresh, lo=2.0, hi=2.0**31)
    use_sack = check_bool("sack", sack)
    ccs: list[CongestionController] = []
    for i, n in enumerate(names):
        cls = CONTROLLERS[n]
        if cls is BBR:
            ccs.append(cls(cwnd=float(iw), seed=sd + i))  # type: ignore[call-arg]
        else:
            ccs.append(cls(cwnd=float(iw), ssthresh=ssth))
    if g == "ack":
        return _simulate_ack(names, ccs, bw, rtt, buf, p, lst, dur, m, sd, use_sack)
    return _simulate_round(names, ccs, bw, rtt, buf, p, lst, dur, m, sd)


class _Flow:
    __slots__ = (
        "i", "cc", "style", "snd_una", "snd_nxt", "dupacks", "in_rec", "recover", "rcv_next", "ooo",
        "delivered", "delivered_time", "srtt", "rttvar", "rto", "rto_deadline", "next_send", "pace_pending",
        "t", "cwnd", "ssth", "ph", "infl", "rate", "queue", "events", "sent", "drops", "frs", "rtos",
        "pipe_mode", "high_sack", "sacked", "retx", "hole", "samples", "rto_mark", "retx_q", "prr", "prr_delivered", "prr_out", "recover_fs",
        "tx_high",
    )

    def __init__(self, i: int, cc: CongestionController, sack: bool = False) -> None:
        self.i = i
        self.cc = cc
        self.style = "sack" if sack and cc.recovery in ("reno", "newreno") else cc.recovery
        self.snd_una = 0
        self.snd_nxt = 0
        self.dupacks = 0
        self.in_rec = False
        self.recover = 0
        self.rcv_next = 0
        self.ooo: set[int] = set()
        self.delivered = 0
        self.delivered_time = 0.0
        self.tx_high = 0  # one past the highest sequence number sent so far (SND.NXT before any go-back-N)
        self.srtt = 0.0
        self.rttvar = 0.0
        self.rto = _RTO_INIT
        self.rto_deadline = _INF
        self.next_send = 0.0
        self.pace_pending = False
        self.t = array("d")
        self.cwnd = array("d")
        self.ssth = array("d")
        self.ph = array("b")
        self.infl = array("d")
        self.rate = array("d")
        self.queue = array("d")
        self.events: list[Event] = []
        self.sent = 0
        self.drops = 0
        self.frs = 0
        self.rtos = 0
        self.pipe_mode = self.style == "sack"
        self.samples = cc.wants_samples
        self.high_sack = -1
        self.sacked: set[int] = set()
        self.retx: set[int] = set()
        self.hole = 0
        self.rto_mark = 0
        self.retx_q: deque[tuple[float, int]] = deque()
        self.prr = self.pipe_mode and not self.samples
        self.prr_delivered = 0
        self.prr_out = 0
        self.recover_fs = 1

    def pipe(self) -> int:
        """Segments presumed in the network (RFC 6675 "pipe", FACK-style): those sent
        after the highest SACKed one, plus retransmissions not yet acknowledged."""
        lo = self.high_sack + 1
        if lo < self.snd_una:
            lo = self.snd_una
        if lo < self.rto_mark:  # after an RTO everything sent before it counts as lost
            lo = self.rto_mark
        n = self.snd_nxt - lo + len(self.retx)
        return n if n > 0 else 0

    def event(self, now: float, kind: str) -> None:
        self.events.append(Event(now, self.i, kind, self.cc.cwnd, self.cc.ssthresh))


def _finish(names, flows, bw, rtt, buf, dur, m, g, ack_events) -> Trace:  # type: ignore[no-untyped-def]
    from .bbr import BBR

    out = []
    for n, f in zip(names, flows):
        hist = tuple(f.cc.history) if isinstance(f.cc, BBR) else ()
        out.append(
            FlowTrace(
                n, f.t, f.cwnd, f.ssth, f.ph, f.infl, f.rate, f.queue, tuple(f.events), f.sent, f.delivered,
                f.drops, f.frs, f.rtos, hist, f.delivered * m * 8 / dur / 1e6,
            )
        )
    bdp = bw * 1e6 / (8 * m) * rtt / 1000
    return Trace(tuple(out), bw, rtt, buf, dur, m, g, ack_events, bdp)


def _simulate_ack_reference(names, ccs, bw, rtt_ms, buf, p, losses, dur, m, seed, sack=False) -> Trace:  # type: ignore[no-untyped-def]
    """The per-ACK simulator written plainly: the reference :func:`_simulate_ack` must match.

    Kept unoptimised on purpose (one attribute access per use, keyword hook
    calls, ``BBR.on_sample``) so that ``tests/test_congestion.py`` can check
    the fast path against it, trace for trace, bit for bit.
    """
    tx = 8.0 * m / (bw * 1e6)  # serialisation time of one segment, s
    prop = rtt_ms / 1000.0
    rng = random.Random(seed)
    rand = rng.random
    flows = [_Flow(i, cc, sack) for i, cc in enumerate(ccs)]
    nflows = len(flows)
    acks: deque[tuple] = deque()
    timers: list[tuple[float, int]] = []  # pacing wake-ups (time, flow index)
    q: deque[float] = deque()  # departure times of segments in the bottleneck
    last_dep = 0.0
    pending_losses = deque(losses)
    next_loss = pending_losses.popleft() if pending_losses else _INF
    deadlines = [_INF] * nflows
    to_mbps = m * 8 / 1e6

    def xmit(f: _Flow, seq: int, now: float) -> None:
        """One segment reaches the bottleneck at ``now``."""
        nonlocal last_dep, next_loss
        f.sent += 1
        if seq == f.tx_high:  # new data
            if seq == f.snd_una:  # nothing sent is unacknowledged (Linux packets_out == 0): tcp_rate_skb_sent()
                f.delivered_time = now  # restarts the rate sample's clock at this send, not at the last ACK
            f.tx_high = seq + 1
        if now >= next_loss:
            f.drops += 1
            f.event(now, "scripted_loss")
            next_loss = pending_losses.popleft() if pending_losses else _INF
            return
        if p and rand() < p:
            f.drops += 1
            return
        while q and q[0] <= now:
            q.popleft()
        if len(q) > buf:
            f.drops += 1
            return
        dep = (now if now > last_dep else last_dep) + tx
        last_dep = dep
        q.append(dep)
        # the receiver sees segments in FIFO order, so its ACK can be computed now
        rn = f.rcv_next
        if seq == rn:
            rn += 1
            ooo = f.ooo
            if ooo:
                while rn in ooo:
                    ooo.discard(rn)
                    rn += 1
            f.rcv_next = rn
        elif seq > rn:
            f.ooo.add(seq)
        acks.append((dep + prop, f, rn, now, f.delivered, f.delivered_time, seq))

    def send_allowed(f: _Flow, now: float) -> None:
        cc = f.cc
        cwnd = cc.cwnd
        pr = cc.pacing_rate
        if f.pipe_mode:  # RFC 6675: send while pipe < cwnd, holes first
            if f.in_rec or f.sacked or f.retx or f.rto_mark > f.snd_una:
                pipe = f.pipe()
            else:  # nothing SACKed or lost: pipe is the flight size
                pipe = f.snd_nxt - f.snd_una
            if f.in_rec and f.prr:  # RFC 6937 PRR-SSRB, as Linux tcp_cwnd_reduction()
                ss = cc.ssthresh
                if pipe > ss:
                    room = -(-f.prr_delivered * ss // f.recover_fs) - f.prr_out
                else:
                    d = f.prr_delivered - f.prr_out
                    room = min(ss - pipe, (d if d > 1 else 1) + 1)
            else:
                room = cwnd - pipe
            if room < 1 and f.snd_nxt == f.snd_una:
                room = 1
            sent0 = room
            gap = 1.0 / pr if pr else 0.0
            while room >= 1:
                if gap and f.next_send > now:
                    if not f.pace_pending:
                        f.pace_pending = True
                        heapq.heappush(timers, (f.next_send, f.i))
                    break
                seq = -1
                if f.in_rec or f.rto_mark > f.snd_una:
                    h = f.hole if f.hole > f.snd_una else f.snd_una
                    hs = f.high_sack if f.high_sack > f.rto_mark else f.rto_mark
                    sacked = f.sacked
                    retx = f.retx
                    while h < hs and (h in sacked or h in retx):
                        h += 1
                    if h < hs:
                        seq = h
                        f.hole = h + 1
                        f.retx.add(h)
                        f.retx_q.append((now, h))
                    else:
                        f.hole = h
                if seq < 0:
                    seq = f.snd_nxt
                    f.snd_nxt += 1
                xmit(f, seq, now)
                room -= 1
                if gap:
                    f.next_send = (f.next_send if f.next_send > now else now) + gap
            if f.in_rec:
                f.prr_out += int(sent0 - room) if sent0 > room else 0
        elif pr is None:
            while f.snd_nxt - f.snd_una < cwnd:
                xmit(f, f.snd_nxt, now)
                f.snd_nxt += 1
        else:
            gap = 1.0 / pr
            while f.snd_nxt - f.snd_una < cwnd:
                if f.next_send > now:
                    if not f.pace_pending:
                        f.pace_pending = True
                        heapq.heappush(timers, (f.next_send, f.i))
                    break
                xmit(f, f.snd_nxt, now)
                f.snd_nxt += 1
                f.next_send = (f.next_send if f.next_send > now else now) + gap
        if f.snd_nxt > f.snd_una and f.rto_deadline == _INF:
            f.rto_deadline = now + f.rto
            deadlines[f.i] = f.rto_deadline

    for f in flows:
        send_allowed(f, 0.0)
    next_rto = min(deadlines)
    ack_events = 0
    while True:
        t_ack = acks[0][0] if acks else _INF
        t_tim = timers[0][0] if timers else _INF
        if t_ack <= t_tim and t_ack <= next_rto:
            now = t_ack
            if now > dur:
                break
            _, f, ackno, sent_t, d_at_send, dt_at_send, seq = acks.popleft()
            ack_events += 1
            cc = f.cc
            # delivery accounting and RTT sample
            f.delivered += 1
            f.delivered_time = now
            r = now - sent_t
            if f.srtt == 0.0:
                f.srtt = r
                f.rttvar = r / 2
            else:
                d = f.srtt - r
                f.rttvar = 0.75 * f.rttvar + 0.25 * (d if d > 0 else -d)
                f.srtt = 0.875 * f.srtt + 0.125 * r
            v4 = 4 * f.rttvar
            rto = f.srtt + (v4 if v4 > _RTO_MIN else _RTO_MIN)
            f.rto = rto if rto < _RTO_MAX else _RTO_MAX
            el = now - dt_at_send
            rate = (f.delivered - d_at_send) / el if el > 0 else 0.0
            una = f.snd_una
            if f.pipe_mode:  # the segment that caused this ACK acts as a SACK block (RFC 2018)
                if seq >= ackno:
                    f.sacked.add(seq)
                    if seq > f.high_sack:
                        f.high_sack = seq
                if f.retx:
                    f.retx.discard(seq)
                    # RACK (RFC 8985 §6.2): a retransmission sent before a segment that
                    # has now been delivered, by more than reo_wnd = SRTT/4, is lost again
                    rq = f.retx_q
                    reo = f.srtt * 0.25
                    while rq and rq[0][0] + reo < sent_t:
                        h = rq.popleft()[1]
                        if h in f.retx:
                            f.retx.discard(h)
                            if h < f.hole:
                                f.hole = h
                if ackno > una and (f.sacked or f.retx):
                    for s_ in range(una, ackno):
                        f.sacked.discard(s_)
                        f.retx.discard(s_)
                if f.samples:
                    pipe = f.pipe() if (f.sacked or f.retx or f.rto_mark > una) else f.snd_nxt - una
                    cc.on_sample(now=now, rtt=r, rate=rate, inflight=pipe, delivered=1.0)
                if f.in_rec:
                    f.prr_delivered += 1
            if ackno > una:
                acked = ackno - una
                f.snd_una = ackno
                f.dupacks = 0
                if f.snd_nxt < ackno:
                    f.snd_nxt = ackno
                flight = f.snd_nxt - ackno
                if f.in_rec:
                    if f.style == "reno" or ackno >= f.recover:
                        f.in_rec = False
                        cc.on_recovery_end(now=now, flight_size=flight)
                        f.event(now, "recovery_end")
                    elif not f.pipe_mode:  # NewReno partial ACK: deflate, retransmit the next hole, stay
                        cc.on_partial_ack(now=now, acked=acked)
                        xmit(f, ackno, now)
                else:
                    # RFC 5681 §3.1: at most one SMSS per ACK in slow start, SMSS²/cwnd per ACK in CA,
                    # however much the ACK covers; SACK (Linux-style) senders count segments (RFC 3465)
                    cc.on_ack(now=now, acked=acked if f.pipe_mode else 1, rtt=r, inflight=flight, rate=rate)
                if flight > 0:
                    f.rto_deadline = now + f.rto
                else:
                    f.rto_deadline = _INF
                deadlines[f.i] = f.rto_deadline
                next_rto = min(deadlines) if nflows > 1 else f.rto_deadline
            elif ackno == una and f.snd_nxt > una:
                f.dupacks += 1
                if f.in_rec:
                    if not f.pipe_mode:  # window inflation (RFC 5681 §3.2 step 4); SACK/PRR needs none
                        cc.on_dup_ack(now=now)
                elif f.dupacks == _DUPTHRESH and (f.style == "none" or ackno >= f.recover):
                    flight = f.snd_nxt - una
                    if f.samples:  # BBR: packet conservation from the pipe estimate
                        flight = f.pipe()
                    elif f.pipe_mode and flight > cc.cwnd:  # SACK: Linux takes ssthresh from cwnd
                        flight = int(cc.cwnd)
                    cc.on_loss(now=now, flight_size=flight)
                    f.frs += 1
                    f.event(now, "fast_retransmit")
                    if f.style != "none":
                        f.in_rec = True
                        f.recover = f.snd_nxt
                        f.event(now, "recovery_start")
                    if f.pipe_mode:  # later holes go out through send_allowed
                        f.prr_delivered = 1
                        f.prr_out = 1
                        f.recover_fs = flight if flight > 0 else 1
                        f.retx.add(una)
                        f.retx_q.append((now, una))
                        f.hole = una + 1
                    xmit(f, una, now)
            send_allowed(f, now)
            if f.rto_deadline < next_rto:  # sending armed the timer (RFC 6298 §5.1): it may fire first
                next_rto = f.rto_deadline
            # record
            f.t.append(now)
            f.cwnd.append(cc.cwnd)
            f.ssth.append(cc.ssthresh)
            f.ph.append(cc.phase)
            infl = f.snd_nxt - f.snd_una
            if f.pipe_mode and (f.sacked or f.retx or f.rto_mark > f.snd_una):
                infl = f.pipe()
            f.infl.append(infl)
            f.rate.append(rate * to_mbps)
            f.queue.append(len(q))
        elif t_tim <= next_rto:
            now = t_tim
            if now > dur:
                break
            _, i = heapq.heappop(timers)
            f = flows[i]
            f.pace_pending = False
            send_allowed(f, now)
            if f.rto_deadline < next_rto:  # sending armed the timer (RFC 6298 §5.1): it may fire first
                next_rto = f.rto_deadline
        else:
            now = next_rto
            if now > dur or now == _INF:
                break
            i = deadlines.index(now)
            f = flows[i]
            cc = f.cc
            flight = f.snd_nxt - f.snd_una
            if f.pipe_mode and flight > cc.cwnd:  # Linux takes ssthresh from cwnd (tcp_enter_loss)
                flight = cc.cwnd
            cc.on_rto(now=now, flight_size=flight)
            f.rtos += 1
            f.in_rec = False
            f.dupacks = 0
            f.recover = f.snd_nxt
            if f.pipe_mode:  # keep the SACK scoreboard, mark the rest lost (Linux tcp_enter_loss)
                f.rto_mark = f.snd_nxt
                f.retx.clear()
                f.retx_q.clear()
                f.hole = f.snd_una
            else:
                f.snd_nxt = f.snd_una  # go-back-N (RFC 5681 §3.1, no SACK)
            f.rto = min(f.rto * 2, _RTO_MAX)
            f.event(now, "timeout")
            if f.pipe_mode:
                f.retx.add(f.snd_una)
                f.retx_q.append((now, f.snd_una))
                f.hole = f.snd_una + 1
                xmit(f, f.snd_una, now)
            else:
                xmit(f, f.snd_nxt, now)
                f.snd_nxt += 1
            f.rto_deadline = now + f.rto
            deadlines[i] = f.rto_deadline
            f.next_send = now
            send_allowed(f, now)
            next_rto = min(deadlines)
            f.t.append(now)
            f.cwnd.append(cc.cwnd)
            f.ssth.append(cc.ssthresh)
            f.ph.append(cc.phase)
            f.infl.append(f.snd_nxt - f.snd_una)
            f.rate.append(0.0)
            f.queue.append(len(q))
    return _finish(names, flows, bw, rtt_ms, buf, dur, m, "ack", ack_events)


def _simulate_ack(names, ccs, bw, rtt_ms, buf, p, losses, dur, m, seed, sack=False) -> Trace:  # type: ignore[no-untyped-def]
    """The per-ACK simulator, hot path hand-optimised.

    Same model, same event order and the same floating-point operations as
    :func:`_simulate_ack_reference` (``tests/test_congestion.py`` checks that
    both return identical traces); only the bookkeeping differs: flow state
    is read into local variables once per event, bound methods are
    prebound, BBR gets its samples through the positional
    :meth:`BBR._on_segment <tcpkit.congestion.bbr.BBR._on_segment>` (its
    ``on_ack`` does nothing and is not called), the phase is computed inline,
    and an ACK that arrives while a pacing timer is already armed skips the
    sending routine (it could only find the timer armed and stop).
    """
    from .bbr import _MODE_PHASE, BBR

    tx = 8.0 * m / (bw * 1e6)  # serialisation time of one segment, s
    prop = rtt_ms / 1000.0
    rng = random.Random(seed)
    rand = rng.random
    flows = [_Flow(i, cc, sack) for i, cc in enumerate(ccs)]
    nflows = len(flows)
    acks: deque[tuple] = deque()
    acks_append = acks.append
    acks_popleft = acks.popleft
    # pacing wake-ups: at most one per flow (``pace_pending``), so a list indexed by flow
    # replaces the reference's heap; min() and index() pop in the heap's (time, flow) order
    timers = [_INF] * nflows
    q: deque[float] = deque()  # departure times of segments in the bottleneck
    q_append = q.append
    q_popleft = q.popleft
    last_dep = 0.0
    pending_losses = deque(losses)
    next_loss = pending_losses.popleft() if pending_losses else _INF
    deadlines = [_INF] * nflows
    to_mbps = m * 8 / 1e6
    base_phase = CongestionController.phase
    pack_row = _ROW.pack
    bbr_phase = {k: int(v) for k, v in _MODE_PHASE.items()}
    # per flow: (sample hook or None, on_ack or None, phase kind, row buffer's extend, phase buffer's
    # append); a trace row is packed as 6 native doubles (time, cwnd, ssthresh, inflight, rate, queue)
    # plus one phase byte, and moved into the seven arrays every _FLUSH_MASK + 1 ACKs
    hooks = []
    rows = [bytearray() for _ in flows]
    phases = [bytearray() for _ in flows]
    for f in flows:
        cc = f.cc
        if isinstance(cc, BBR):
            seg, on_ack, phk = cc._on_segment, None, 1
        else:
            seg = None
            if f.samples:
                def seg(now: float, rtt: float, rate: float, inflight: float, _s=cc.on_sample) -> None:
                    _s(now=now, rtt=rtt, rate=rate, inflight=inflight, delivered=1.0)
            on_ack = cc.on_ack
            phk = 0 if type(cc).phase is base_phase else 2
        hooks.append((seg, on_ack, phk, rows[f.i].extend, phases[f.i].append))

    def flush(f: _Flow) -> None:
        d = array("d")
        d.frombytes(rows[f.i])
        for k, col in enumerate((f.t, f.cwnd, f.ssth, f.infl, f.rate, f.queue)):
            col.extend(d[k::6])
        f.ph.frombytes(phases[f.i])
        del rows[f.i][:], phases[f.i][:]

    def xmit(f: _Flow, seq: int, now: float) -> None:
        """One segment reaches the bottleneck at ``now``."""
        nonlocal last_dep, next_loss
        f.sent += 1
        if seq == f.tx_high:  # new data
            if seq == f.snd_una:  # nothing sent is unacknowledged (Linux packets_out == 0): tcp_rate_skb_sent()
                f.delivered_time = now  # restarts the rate sample's clock at this send, not at the last ACK
            f.tx_high = seq + 1
        if now >= next_loss:
            f.drops += 1
            f.event(now, "scripted_loss")
            next_loss = pending_losses.popleft() if pending_losses else _INF
            return
        if p and rand() < p:
            f.drops += 1
            return
        while q and q[0] <= now:
            q_popleft()
        if len(q) > buf:
            f.drops += 1
            return
        dep = (now if now > last_dep else last_dep) + tx
        last_dep = dep
        q_append(dep)
        # the receiver sees segments in FIFO order, so its ACK can be computed now
        rn = f.rcv_next
        if seq == rn:
            rn += 1
            ooo = f.ooo
            if ooo:
                while rn in ooo:
                    ooo.discard(rn)
                    rn += 1
            f.rcv_next = rn
        elif seq > rn:
            f.ooo.add(seq)
        acks_append((dep + prop, f, rn, now, f.delivered, f.delivered_time, seq))

    def send_allowed(f: _Flow, now: float) -> None:
        cc = f.cc
        pr = cc.pacing_rate
        una = f.snd_una
        if f.pipe_mode:  # RFC 6675: send while pipe < cwnd, holes first
            in_rec = f.in_rec
            repair = in_rec or f.rto_mark > una
            if repair or f.sacked or f.retx:
                pipe = f.pipe()
            else:  # nothing SACKed or lost: pipe is the flight size
                pipe = f.snd_nxt - una
            if in_rec and f.prr:  # RFC 6937 PRR-SSRB, as Linux tcp_cwnd_reduction()
                ss = cc.ssthresh
                if pipe > ss:
                    room = -(-f.prr_delivered * ss // f.recover_fs) - f.prr_out
                else:
                    d = f.prr_delivered - f.prr_out
                    room = min(ss - pipe, (d if d > 1 else 1) + 1)
            else:
                room = cc.cwnd - pipe
            nxt = f.snd_nxt
            if room < 1 and nxt == una:
                room = 1
            if room >= 1:
                sent0 = room
                gap = 1.0 / pr if pr else 0.0
                ns = f.next_send
                while room >= 1:
                    if gap and ns > now:
                        if not f.pace_pending:
                            f.pace_pending = True
                            timers[f.i] = ns
                        break
                    seq = -1
                    if repair:
                        h = f.hole if f.hole > una else una
                        hs = f.high_sack if f.high_sack > f.rto_mark else f.rto_mark
                        sacked = f.sacked
                        retx = f.retx
                        while h < hs and (h in sacked or h in retx):
                            h += 1
                        if h < hs:
                            seq = h
                            f.hole = h + 1
                            retx.add(h)
                            f.retx_q.append((now, h))
                        else:
                            f.hole = h
                    if seq < 0:
                        seq = nxt
                        nxt += 1
                        f.snd_nxt = nxt
                    xmit(f, seq, now)
                    room -= 1
                    if gap:
                        ns = (ns if ns > now else now) + gap
                f.next_send = ns
                if in_rec:
                    f.prr_out += int(sent0 - room) if sent0 > room else 0
        elif pr is None:
            cwnd = cc.cwnd
            nxt = f.snd_nxt
            while nxt - una < cwnd:
                xmit(f, nxt, now)
                nxt += 1
                f.snd_nxt = nxt
        else:
            cwnd = cc.cwnd
            gap = 1.0 / pr
            nxt = f.snd_nxt
            ns = f.next_send
            while nxt - una < cwnd:
                if ns > now:
                    if not f.pace_pending:
                        f.pace_pending = True
                        timers[f.i] = ns
                    break
                xmit(f, nxt, now)
                nxt += 1
                f.snd_nxt = nxt
                ns = (ns if ns > now else now) + gap
            f.next_send = ns
        if f.snd_nxt > una and f.rto_deadline == _INF:
            f.rto_deadline = now + f.rto
            deadlines[f.i] = f.rto_deadline

    for f in flows:
        send_allowed(f, 0.0)
    next_rto = min(deadlines)
    ack_events = 0
    while True:
        t_ack = acks[0][0] if acks else _INF
        t_tim = min(timers) if nflows > 1 else timers[0]
        if t_ack <= t_tim and t_ack <= next_rto:
            now = t_ack
            if now > dur:
                break
            _, f, ackno, sent_t, d_at_send, dt_at_send, seq = acks_popleft()
            ack_events += 1
            cc = f.cc
            seg, on_ack, phk, rec, rec_ph = hooks[f.i]
            # delivery accounting and RTT sample
            delivered = f.delivered + 1
            f.delivered = delivered
            f.delivered_time = now
            r = now - sent_t
            srtt = f.srtt
            if srtt == 0.0:
                srtt = r
                rttvar = r / 2
            else:
                d = srtt - r
                rttvar = 0.75 * f.rttvar + 0.25 * (d if d > 0 else -d)
                srtt = 0.875 * srtt + 0.125 * r
            f.srtt = srtt
            f.rttvar = rttvar
            v4 = 4 * rttvar
            rto = srtt + (v4 if v4 > _RTO_MIN else _RTO_MIN)
            rto = rto if rto < _RTO_MAX else _RTO_MAX
            f.rto = rto
            el = now - dt_at_send
            rate = (delivered - d_at_send) / el if el > 0 else 0.0
            una = f.snd_una
            pipe_mode = f.pipe_mode
            if pipe_mode:  # the segment that caused this ACK acts as a SACK block (RFC 2018)
                sacked = f.sacked
                retx = f.retx
                if seq >= ackno:
                    sacked.add(seq)
                    if seq > f.high_sack:
                        f.high_sack = seq
                if retx:
                    retx.discard(seq)
                    # RACK (RFC 8985 §6.2): a retransmission sent before a segment that
                    # has now been delivered, by more than reo_wnd = SRTT/4, is lost again
                    rq = f.retx_q
                    reo = srtt * 0.25
                    while rq and rq[0][0] + reo < sent_t:
                        h = rq.popleft()[1]
                        if h in retx:
                            retx.discard(h)
                            if h < f.hole:
                                f.hole = h
                if ackno > una and (sacked or retx):
                    for s_ in range(una, ackno):
                        sacked.discard(s_)
                        retx.discard(s_)
                if seg is not None:
                    pipe = f.pipe() if (sacked or retx or f.rto_mark > una) else f.snd_nxt - una
                    seg(now, r, rate, pipe)
                if f.in_rec:
                    f.prr_delivered += 1
            if ackno > una:
                acked = ackno - una
                f.snd_una = ackno
                f.dupacks = 0
                nxt = f.snd_nxt
                if nxt < ackno:
                    f.snd_nxt = nxt = ackno
                flight = nxt - ackno
                if f.in_rec:
                    if f.style == "reno" or ackno >= f.recover:
                        f.in_rec = False
                        cc.on_recovery_end(now=now, flight_size=flight)
                        f.event(now, "recovery_end")
                    elif not pipe_mode:  # NewReno partial ACK: deflate, retransmit the next hole, stay
                        cc.on_partial_ack(now=now, acked=acked)
                        xmit(f, ackno, now)
                elif on_ack is not None:
                    # RFC 5681 §3.1: at most one SMSS per ACK in slow start, SMSS²/cwnd per ACK in CA,
                    # however much the ACK covers; SACK (Linux-style) senders count segments (RFC 3465)
                    on_ack(now=now, acked=acked if pipe_mode else 1, rtt=r, inflight=flight, rate=rate)
                if flight > 0:
                    f.rto_deadline = dl = now + rto
                else:
                    f.rto_deadline = dl = _INF
                deadlines[f.i] = dl
                next_rto = min(deadlines) if nflows > 1 else dl
            elif ackno == una and f.snd_nxt > una:
                f.dupacks += 1
                if f.in_rec:
                    if not pipe_mode:  # window inflation (RFC 5681 §3.2 step 4); SACK/PRR needs none
                        cc.on_dup_ack(now=now)
                elif f.dupacks == _DUPTHRESH and (f.style == "none" or ackno >= f.recover):
                    flight = f.snd_nxt - una
                    if f.samples:  # BBR: packet conservation from the pipe estimate
                        flight = f.pipe()
                    elif pipe_mode and flight > cc.cwnd:  # SACK: Linux takes ssthresh from cwnd
                        flight = int(cc.cwnd)
                    cc.on_loss(now=now, flight_size=flight)
                    f.frs += 1
                    f.event(now, "fast_retransmit")
                    if f.style != "none":
                        f.in_rec = True
                        f.recover = f.snd_nxt
                        f.event(now, "recovery_start")
                    if pipe_mode:  # later holes go out through send_allowed
                        f.prr_delivered = 1
                        f.prr_out = 1
                        f.recover_fs = flight if flight > 0 else 1
                        f.retx.add(una)
                        f.retx_q.append((now, una))
                        f.hole = una + 1
                    xmit(f, una, now)
            if f.pace_pending and cc.pacing_rate and f.next_send > now:
                # send_allowed would stop at the armed pacing timer: only its RTO bookkeeping remains
                if f.rto_deadline == _INF and f.snd_nxt > f.snd_una:
                    f.rto_deadline = deadlines[f.i] = now + f.rto
            elif (pipe_mode and cc.pacing_rate is None and not (f.in_rec or f.rto_mark > f.snd_una or f.sacked
                                                                 or f.retx)
                  and 1 <= cc.cwnd - (f.snd_nxt - f.snd_una) < 2):
                # ACK clocking with nothing to repair: send_allowed would send exactly one new segment
                nxt = f.snd_nxt
                f.snd_nxt = nxt + 1
                xmit(f, nxt, now)
                if f.rto_deadline == _INF:
                    f.rto_deadline = deadlines[f.i] = now + f.rto
            else:
                send_allowed(f, now)
            if f.rto_deadline < next_rto:  # sending armed the timer (RFC 6298 §5.1): it may fire first
                next_rto = f.rto_deadline
            # record
            cwnd = cc.cwnd
            ssth = cc.ssthresh
            if phk == 1:
                rec_ph(bbr_phase[cc.mode])
            elif phk == 0:
                rec_ph(2 if cc.in_recovery else (0 if cwnd < ssth else 1))
            else:
                rec_ph(cc.phase)
            una = f.snd_una
            if pipe_mode and (f.sacked or f.retx or f.rto_mark > una):
                infl = f.pipe()
            else:
                infl = f.snd_nxt - una
            rec(pack_row(now, cwnd, ssth, infl, rate * to_mbps, len(q)))
            if ack_events & _FLUSH_MASK == 0:
                for g in flows:
                    flush(g)
        elif t_tim <= next_rto:
            now = t_tim
            if now > dur:
                break
            i = timers.index(now) if nflows > 1 else 0
            timers[i] = _INF
            f = flows[i]
            f.pace_pending = False
            pr = f.cc.pacing_rate
            una = f.snd_una
            nxt = f.snd_nxt
            if (pr and f.next_send <= now and f.pipe_mode and not (f.in_rec or f.rto_mark > una or f.sacked
                                                                     or f.retx)):
                # nothing to repair, pipe = flight: send_allowed would send one new segment, then stop
                # at the next pacing slot (arming its timer if the window allows a second one)
                room = f.cc.cwnd - (nxt - una)
                ns = now + 1.0 / pr
                if room >= 1 and ns > now:
                    f.snd_nxt = nxt + 1
                    xmit(f, nxt, now)
                    f.next_send = ns
                    if room >= 2:
                        f.pace_pending = True
                        timers[i] = ns
                    if f.rto_deadline == _INF:  # as send_allowed; next_rto follows below
                        f.rto_deadline = deadlines[i] = now + f.rto
                else:
                    send_allowed(f, now)
            else:
                send_allowed(f, now)
            if f.rto_deadline < next_rto:  # sending armed the timer (RFC 6298 §5.1): it may fire first
                next_rto = f.rto_deadline
        else:
            now = next_rto
            if now > dur or now == _INF:
                break
            i = deadlines.index(now)
            f = flows[i]
            cc = f.cc
            flight = f.snd_nxt - f.snd_una
            if f.pipe_mode and flight > cc.cwnd:  # Linux takes ssthresh from cwnd (tcp_enter_loss)
                flight = cc.cwnd
            cc.on_rto(now=now, flight_size=flight)
            f.rtos += 1
            f.in_rec = False
            f.dupacks = 0
            f.recover = f.snd_nxt
            if f.pipe_mode:  # keep the SACK scoreboard, mark the rest lost (Linux tcp_enter_loss)
                f.rto_mark = f.snd_nxt
                f.retx.clear()
                f.retx_q.clear()
                f.hole = f.snd_una
            else:
                f.snd_nxt = f.snd_una  # go-back-N (RFC 5681 §3.1, no SACK)
            f.rto = min(f.rto * 2, _RTO_MAX)
            f.event(now, "timeout")
            if f.pipe_mode:
                f.retx.add(f.snd_una)
                f.retx_q.append((now, f.snd_una))
                f.hole = f.snd_una + 1
                xmit(f, f.snd_una, now)
            else:
                xmit(f, f.snd_nxt, now)
                f.snd_nxt += 1
            f.rto_deadline = now + f.rto
            deadlines[i] = f.rto_deadline
            f.next_send = now
            send_allowed(f, now)
            next_rto = min(deadlines)
            rows[i].extend(pack_row(now, cc.cwnd, cc.ssthresh, f.snd_nxt - f.snd_una, 0.0, len(q)))
            phases[i].append(cc.phase)
    for f in flows:
        flush(f)
    return _finish(names, flows, bw, rtt_ms, buf, dur, m, "ack", ack_events)


def _simulate_round(names, ccs, bw, rtt_ms, buf, p, losses, dur, m, seed) -> Trace:  # type: ignore[no-untyped-def]
    mu = bw * 1e6 / (8.0 * m)  # segments per second
    prop = rtt_ms / 1000.0 + 1.0 / mu
    rng = random.Random(seed)
    flows = [_Flow(i, cc) for i, cc in enumerate(ccs)]
    pending = deque(losses)
    queue = 0.0
    now = 0.0
    rounds = 0
    to_mbps = m * 8 / 1e6
    n = len(flows)
    rec = [(f.t.append, f.cwnd.append, f.ssth.append, f.ph.append, f.infl.append, f.rate.append, f.queue.append)
           for f in flows]
    while now < dur:
        rtt = prop + queue / mu
        # what each flow puts on the path this round
        sends = []
        for f in flows:
            cc = f.cc
            w = cc.cwnd
            if f.next_send > now:  # stalled until its retransmission timer fires
                w = 0.0
            elif cc.pacing_rate is not None and cc.pacing_rate * rtt < w:
                w = cc.pacing_rate * rtt
            sends.append(w)
        arrivals = sum(sends)
        capacity = mu * rtt
        backlog = queue + arrivals
        served = backlog if backlog < capacity else capacity
        newq = backlog - served
        overflow = newq - buf if newq > buf else 0.0
        if overflow:
            newq = float(buf)
        # scripted losses in this round: every flow loses one segment (round model)
        scripted = 0
        while pending and pending[0] < now + rtt:
            pending.popleft()
            scripted += 1
        end = now + rtt
        for idx, f in enumerate(flows):
            cc = f.cc
            w = sends[idx]
            a_t, a_w, a_s, a_p, a_i, a_r, a_q = rec[idx]
            if f.next_send > now:  # waiting for its retransmission timer
                a_t(end), a_w(cc.cwnd), a_s(cc.ssthresh), a_p(cc.phase), a_i(0.0), a_r(0.0), a_q(newq)
                continue
            share = w / arrivals if arrivals > 0 else 1.0 / n
            lost = overflow * share
            if p and rng.random() < 1.0 - (1.0 - p) ** w:
                lost += 1.0
            if scripted:
                lost += scripted
                f.event(now, "scripted_loss")
            delivered = served * share
            f.sent += int(round(w))
            f.delivered += int(round(delivered))
            rate = delivered / rtt
            if cc.wants_samples:
                cc.on_sample(now=end, rtt=rtt, rate=rate, inflight=w, delivered=delivered)
            if f.in_rec:  # the recovery round ends: deflate (RFC 5681 §3.2 step 6)
                f.in_rec = False
                cc.on_recovery_end(now=end, flight_size=w)
                f.event(end, "recovery_end")
            elif lost >= 0.5 or scripted:
                f.drops += max(1, int(round(lost)))
                if w - lost < _DUPTHRESH:  # too few segments left to send duplicate ACKs: timeout
                    rto = rtt + _RTO_MIN  # Linux: RTO ≈ SRTT + max(4·RTTVAR, 200 ms)
                    f.next_send = end + rto
                    cc.on_rto(now=end + rto, flight_size=w)
                    f.rtos += 1
                    f.event(end + rto, "timeout")
                else:
                    cc.on_loss(now=end, flight_size=w)
                    f.frs += 1
                    f.event(end, "fast_retransmit")
                    if cc.recovery != "none":
                        f.in_rec = True  # one round of fast recovery
                        f.event(end, "recovery_start")
            else:
                cc.on_ack(now=end, acked=delivered, rtt=rtt, inflight=w, rate=rate)
            a_t(end), a_w(cc.cwnd), a_s(cc.ssthresh), a_p(cc.phase), a_i(w), a_r(rate * to_mbps), a_q(newq)
        queue = newq
        now = end
        rounds += 1
    return _finish(names, flows, bw, rtt_ms, buf, dur, m, "round", rounds * n)

