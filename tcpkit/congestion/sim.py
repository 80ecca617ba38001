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
    ACK), cumulatively; the ACK returns after ``rtt_ms`` of propagation. The
    sender counts duplicate ACKs, fast-retransmits on the 3rd
    (``tcp_reordering``), runs the recovery the controller asks for, and
    keeps an RFC 6298 retransmission timer. Built from small parts, one job
    each: :class:`~tcpkit.congestion.link.Bottleneck` and
    :class:`~tcpkit.congestion.link.Receiver` (the path),
    :class:`~tcpkit.congestion.sender.Sender` with its
    :class:`~tcpkit.congestion.scoreboard.Scoreboard` (one per flow) and the
    :class:`~tcpkit.congestion.clock.EventClock`; :func:`_simulate_ack` is
    the one loop that hands each event to its sender.
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

import inspect
import random
from collections import deque
from collections.abc import Iterable, Sequence

from .._validate import check_bool, check_choice, check_float, check_int
from ..linux import LINUX
from .base import CongestionController
from .clock import ACK, PACE, EventClock
from .link import Bottleneck
from .sender import DUPTHRESH, Sender
from .trace import EVENT_KINDS, Event, FlowRecorder, FlowTrace, Trace  # noqa: F401 (EVENT_KINDS: old home)

# Trace, FlowTrace, Event and EVENT_KINDS live in .trace; importing them from here still works
__all__ = ["simulate", "MAX_FLOWS"]

#: Most flows one simulation accepts.
MAX_FLOWS = 8
_RTO_MIN = float(LINUX["TCP_RTO_MIN"].value)


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


def _check_sack(sack: object, granularity: str) -> bool:
    use = check_bool("sack", sack)
    if use and granularity != "ack":
        raise ValueError(f"sack=True needs granularity='ack' (the round model has no SACK scoreboard), "
                         f"got granularity={granularity!r}")
    return use


def _controllers(names: list[str], iw: int, ssthresh: float | None, seed: int) -> list[CongestionController]:
    """One new controller per flow; flow i of a randomised controller (BBR) gets ``seed + i``."""
    from . import CONTROLLERS

    ccs = []
    for i, n in enumerate(names):
        cls = CONTROLLERS[n]
        if "seed" in inspect.signature(cls).parameters:
            ccs.append(cls(cwnd=float(iw), ssthresh=ssthresh, seed=seed + i))  # type: ignore[call-arg]
        else:
            ccs.append(cls(cwnd=float(iw), ssthresh=ssthresh))
    return ccs


def simulate(
    algorithm: str | Sequence[str], *, bandwidth_mbps: float, rtt_ms: float, buffer_pkts: int,
    loss_rate: float = 0.0, losses: Iterable[float] = (), duration_s: float, mss: int = 1460,
    initial_cwnd: int = 10, seed: int = 0, granularity: str = "ack", initial_ssthresh: float | None = None,
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
        recover this way; Tahoe has no recovery. ``"ack"`` granularity only:
        ``sack=True`` with ``granularity="round"`` is a ``ValueError``.

    Returns
    -------
    tcpkit.congestion.Trace
        Per flow: arrays ``time, cwnd, ssthresh, phase, inflight,
        delivery_rate, queue`` and the events (fast retransmit, recovery
        start/end, timeout, scripted loss).

    Raises
    ------
    ValueError
        A parameter out of range, an unknown algorithm name (the message
        lists the valid names), or ``sack=True`` with ``granularity="round"``.
    TypeError
        A parameter of the wrong type.

    Notes
    -----
    The sender's rules and their sources (RFC 5681, 6582, 6675, RFC 6298
    with the Linux RTO floor, 6937, 8985, RFC 7323-style exact RTT samples,
    Linux ``tcp_rate.c``) are listed in :mod:`tcpkit.congestion.sender` and
    :mod:`tcpkit.congestion.scoreboard`; tail loss probes are not modelled.

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
    ssth = None if initial_ssthresh is None else check_float("initial_ssthresh", initial_ssthresh, lo=2.0, hi=2.0**31)
    use_sack = _check_sack(sack, g)
    ccs = _controllers(names, iw, ssth, sd)
    if g == "ack":
        return _simulate_ack(names, ccs, bw, rtt, buf, p, lst, dur, m, sd, use_sack)
    return _simulate_round(names, ccs, bw, rtt, buf, p, lst, dur, m, sd)


def _simulate_ack(
    names: list[str], ccs: list[CongestionController], bw: float, rtt_ms: float, buf: int, p: float,
    losses: list[float], dur: float, m: int, seed: int, sack: bool = False,
) -> Trace:
    """The per-ACK simulator: build the path, the clock and one sender per flow, then run the one event loop."""
    link = Bottleneck(bandwidth_mbps=bw, rtt_ms=rtt_ms, buffer_pkts=buf, mss=m, loss_rate=p, losses=losses,
                      seed=seed)
    clock = EventClock(len(ccs))
    senders = [Sender(i, cc, link, clock, sack=sack, rate_scale=m * 8 / 1e6) for i, cc in enumerate(ccs)]
    for s in senders:
        s.send(0.0)
    acks = clock.acks
    ack_events = 0
    while True:
        kind, now = clock.next()
        if now > dur:  # also when nothing is pending (now = inf)
            break
        if kind == ACK:
            ack = acks.popleft()
            ack_events += 1
            ack[1].on_ack(ack)
        elif kind == PACE:
            senders[clock.flow].on_pacing_timer(now)
        else:
            senders[clock.flow].on_rto_timer(now)
    return _finish(names, senders, bw, rtt_ms, buf, dur, m, "ack", ack_events)


class _RoundFlow:
    """Per-flow state of the round model: counters, events and the recorder (no sequence space)."""

    def __init__(self, i: int, cc: CongestionController, rate_scale: float) -> None:
        self.i = i
        self.cc = cc
        self.next_send = 0.0  # stalled until this time (a retransmission timeout)
        self.in_rec = False
        self.sent = self.delivered = self.drops = self.frs = self.rtos = 0
        self.events: list[Event] = []
        self.trace = FlowRecorder(rate_scale)

    def event(self, now: float, kind: str) -> None:
        self.events.append(Event(now, self.i, kind, self.cc.cwnd, self.cc.ssthresh))


def _finish(
    names: list[str], flows: Sequence[Sender | _RoundFlow], bw: float, rtt: float, buf: int, dur: float, m: int,
    g: str, ack_events: int,
) -> Trace:
    """Freeze what each flow recorded into a :class:`Trace`."""
    out = []
    for n, f in zip(names, flows):
        time, cwnd, ssthresh, phase, inflight, rate, queue = f.trace.columns()
        out.append(
            FlowTrace(
                n, time, cwnd, ssthresh, phase, inflight, rate, queue, tuple(f.events), f.sent, f.delivered,
                f.drops, f.frs, f.rtos, tuple(f.cc.history), f.delivered * m * 8 / dur / 1e6,
            )
        )
    bdp = bw * 1e6 / (8 * m) * rtt / 1000
    return Trace(tuple(out), bw, rtt, buf, dur, m, g, ack_events, bdp)


def _simulate_round(
    names: list[str], ccs: list[CongestionController], bw: float, rtt_ms: float, buf: int, p: float,
    losses: list[float], dur: float, m: int, seed: int,
) -> Trace:
    """The fluid round model (see the module docstring): one step per round trip, one aggregated hook per flow."""
    mu = bw * 1e6 / (8.0 * m)  # segments per second
    prop = rtt_ms / 1000.0 + 1.0 / mu
    rng = random.Random(seed)
    flows = [_RoundFlow(i, cc, m * 8 / 1e6) for i, cc in enumerate(ccs)]
    pending = deque(losses)
    queue = 0.0
    now = 0.0
    rounds = 0
    n = len(flows)
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
            row = f.trace.row
            if f.next_send > now:  # waiting for its retransmission timer
                row(end, cc.cwnd, cc.ssthresh, cc.phase, 0.0, 0.0, newq)
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
                if w - lost < DUPTHRESH:  # too few segments left to send duplicate ACKs: timeout
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
            row(end, cc.cwnd, cc.ssthresh, cc.phase, w, rate, newq)
        queue = newq
        now = end
        rounds += 1
    return _finish(names, flows, bw, rtt_ms, buf, dur, m, "round", rounds * n)

