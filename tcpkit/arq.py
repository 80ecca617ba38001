"""Reliable transfer over an unreliable datagram channel: stop-and-wait, Go-Back-N, Selective Repeat.

>>> simulate_arq("sr", n_packets=8, window=4, seq_bits=3, loss=0.2, seed=1).correct
True

This is what an application must add on top of UDP to get TCP-like
reliability (RFC 8085 §3.3 leaves it to the application): sequence numbers,
acknowledgements, a retransmission timer and a sliding window. The model is a
small discrete-event simulation, deterministic for a given ``seed``:

* the sender serialises one data packet every ``tx_time`` seconds onto the
  link; each packet reaches the receiver after ``tx_time + rtt/2 + U(0, jitter)``
  (so a large ``jitter`` reorders packets), or is lost with probability
  ``loss``; ACKs are tiny (no transmission time) and are lost with probability
  ``ack_loss``;
* sequence numbers on the wire are ``k``-bit (``seq_bits``), i.e. they wrap
  modulo ``2**k``; the receiver only ever sees the wire number, so a window that
  is too large for ``k`` makes an old retransmission look like new data;
* the retransmission timer is either fixed or the RFC 6298 estimator
  (SRTT/RTTVAR, ``RTO = SRTT + max(G, 4·RTTVAR)``, Karn's rule, exponential
  back-off).

Protocols (Kurose & Ross, *Computer Networking*, §3.4; Stallings, *Data and
Computer Communications*, ch. 7):

``"sw"``
    stop-and-wait (alternating bit when ``seq_bits=1``): window 1.
``"gbn"``
    Go-Back-N: cumulative ACKs, the receiver discards out-of-order packets,
    one timer; on timeout the sender resends every outstanding packet.
    Window ≤ ``2**k − 1``.
``"sr"``
    Selective Repeat: per-packet ACKs and timers, the receiver buffers
    out-of-order packets. Window ≤ ``2**(k−1)``.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field

from ._validate import check_bool, check_choice, check_float, check_int
from .linux import LINUX

__all__ = [
    "PROTOCOLS",
    "ArqEvent",
    "Flight",
    "ArqResult",
    "simulate_arq",
    "max_window",
    "utilisation_formula",
    "goodput_sweep",
]

#: Protocol keys and their Chinese names (used by plots and widgets).
PROTOCOLS: dict[str, str] = {"sw": "停止等待", "gbn": "回退 N（Go-Back-N）", "sr": "选择重传（SR）"}

#: RFC 6298 §2.2–2.3 constants: K = 4, alpha = 1/8, beta = 1/4.
RTO_K = 4
RTO_ALPHA = 1 / 8
RTO_BETA = 1 / 4
#: RFC 6298 §2.2: clock granularity G (this model's clock is exact; 1 ms like Linux' jiffy-free µs clock).
CLOCK_G = 0.001

# event priorities at equal times: ACKs and data are processed before timers fire
_P_ACK, _P_DATA, _P_TIMEOUT, _P_LINK = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class ArqEvent:
    """One step of the trace.

    ``kind`` is one of ``send``, ``retransmit``, ``lose``, ``buffer``,
    ``deliver``, ``discard``, ``ack``, ``ack_lose``, ``ack_arrive``,
    ``dup_ack``, ``timeout``, ``done``. ``seq`` is the wire sequence number
    (``-1`` for ``timeout``/``done``), ``packet`` the absolute packet index whose
    payload is involved (``-1`` if none).
    """

    time: float
    kind: str
    seq: int
    packet: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class Flight:
    """One datagram on the wire (data or ACK), for timeline plots."""

    kind: str          # "data" or "ack"
    seq: int           # wire sequence number (for an ACK: the number it acknowledges)
    packet: int        # absolute packet index (data) or -1 (ack)
    sent: float        # s
    arrives: float     # s, when it reaches the other side (or would have, if lost)
    lost: bool
    retransmission: bool = False


@dataclass(frozen=True, slots=True)
class ArqResult:
    """What :func:`simulate_arq` returns.

    ``delivered`` is the sequence of payloads (absolute packet indices) handed
    to the receiving application; ``correct`` is ``delivered == (0, 1, …,
    n_packets−1)`` — in order, exactly once. ``utilisation`` is the fraction of
    the sender's link time spent on *useful new data*
    (``n_packets·tx_time / finish_time``), ``goodput`` the delivered packets per
    second. Both are 0 when the transfer did not finish before ``horizon``.
    """

    protocol: str
    n_packets: int
    window: int
    seq_bits: int
    rtt: float
    tx_time: float
    loss: float
    events: tuple[ArqEvent, ...]
    flights: tuple[Flight, ...]
    delivered: tuple[int, ...]
    completed: bool
    finish_time: float
    transmissions: int
    retransmissions: int
    timeouts: int
    discarded: int
    data_lost: int
    acks_lost: int
    rto_final: float
    utilisation: float = field(default=0.0)
    goodput: float = field(default=0.0)

    @property
    def correct(self) -> bool:
        """True if the application received every packet once, in order."""
        return self.delivered == tuple(range(self.n_packets))

    @property
    def a(self) -> float:
        """Propagation-to-transmission ratio ``a = (rtt/2) / tx_time``."""
        return (self.rtt / 2) / self.tx_time


def max_window(protocol: str, seq_bits: int) -> int:
    """The largest safe window for ``protocol`` with ``seq_bits``-bit sequence numbers.

    Parameters
    ----------
    protocol : {"sw", "gbn", "sr"}
    seq_bits : int
        Bits of the sequence number field, in [1, 16].

    Returns
    -------
    int
        1 for stop-and-wait, ``2**k − 1`` for Go-Back-N, ``2**(k−1)`` for
        Selective Repeat.

    Notes
    -----
    Go-Back-N: with ``2**k`` outstanding packets, a cumulative ACK for the
    same wire number could mean "all received" or "none received". Selective
    Repeat: the receiver's window (new numbers) and the sender's possible
    retransmissions (old numbers) must not overlap, so ``W_s + W_r ≤ 2**k``
    with ``W_s = W_r``.

    Examples
    --------
    >>> max_window("gbn", 3), max_window("sr", 3), max_window("sw", 1)
    (7, 4, 1)
    """
    check_choice("protocol", protocol, PROTOCOLS)
    k = check_int("seq_bits", seq_bits, lo=1, hi=16)
    return {"sw": 1, "gbn": 2**k - 1, "sr": 2 ** (k - 1)}[protocol]


def utilisation_formula(protocol: str, *, window: int, a: float, p: float = 0.0) -> float:
    """Textbook link utilisation of an ARQ protocol (Stallings, ch. 7).

    Parameters
    ----------
    protocol : {"sw", "gbn", "sr"}
    window : int
        Window in packets, in [1, 65536] (ignored for ``"sw"``).
    a : float
        Propagation delay divided by transmission time, > 0.
    p : float
        Probability that a data packet is lost, in [0, 1).

    Returns
    -------
    float
        Stop-and-wait ``(1−p)/(1+2a)``; Selective Repeat ``1−p`` if
        ``W ≥ 1+2a`` else ``W(1−p)/(1+2a)``; Go-Back-N ``(1−p)/(1+2ap)`` if
        ``W ≥ 1+2a`` else ``W(1−p)/((1+2a)(1−p+Wp))``.

    Notes
    -----
    The formulas assume ACKs are never lost and the sender learns of a loss
    exactly one round trip (``1 + 2a`` transmission times) after sending.

    Examples
    --------
    >>> round(utilisation_formula("sw", window=1, a=4.5), 4)
    0.1
    """
    check_choice("protocol", protocol, PROTOCOLS)
    w = check_int("window", window, lo=1, hi=65536)
    a = check_float("a", a, lo=0.0, lo_open=True)
    p = check_float("p", p, lo=0.0, hi=1.0, hi_open=True)
    if protocol == "sw":
        return (1 - p) / (1 + 2 * a)
    if protocol == "sr":
        return (1 - p) if w >= 1 + 2 * a else w * (1 - p) / (1 + 2 * a)
    if w >= 1 + 2 * a:
        return (1 - p) / (1 + 2 * a * p)
    return w * (1 - p) / ((1 + 2 * a) * (1 - p + w * p))


class _Rto:
    """RFC 6298 retransmission timer (§2 estimator, §5.5 back-off), with a floor and a ceiling."""

    def __init__(self, initial: float, rto_min: float, rto_max: float) -> None:
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = initial
        self.rto_min = rto_min
        self.rto_max = rto_max

    def sample(self, r: float) -> None:
        if self.srtt is None:  # §2.2
            self.srtt, self.rttvar = r, r / 2
        else:  # §2.3: RTTVAR first, with the old SRTT
            self.rttvar = (1 - RTO_BETA) * self.rttvar + RTO_BETA * abs(self.srtt - r)
            self.srtt = (1 - RTO_ALPHA) * self.srtt + RTO_ALPHA * r
        self.rto = min(self.rto_max, max(self.rto_min, self.srtt + max(CLOCK_G, RTO_K * self.rttvar)))

    def backoff(self) -> None:  # §5.5
        self.rto = min(self.rto_max, 2 * self.rto)


def _check_indices(name: str, value: object) -> frozenset[int]:
    if not isinstance(value, (tuple, list, set, frozenset)):
        raise TypeError(f"{name} must be a tuple of integers, got {type(value).__name__} {value!r}")
    return frozenset(check_int(name, v, lo=0) for v in value)


def simulate_arq(
    protocol: str = "gbn",
    *,
    n_packets: int = 20,
    window: int = 4,
    seq_bits: int = 3,
    rtt: float = 0.1,
    tx_time: float = 0.01,
    loss: float = 0.1,
    ack_loss: float = 0.0,
    jitter: float = 0.0,
    timer: str = "fixed",
    timeout: float = 0.25,
    rto_min: float | None = None,
    seed: int = 0,
    drop_data: tuple[int, ...] = (),
    drop_acks: tuple[int, ...] = (),
    unsafe: bool = False,
    horizon: float = 3600.0,
) -> ArqResult:
    """Simulate one transfer of ``n_packets`` over a lossy datagram channel.

    Parameters
    ----------
    protocol : {"sw", "gbn", "sr"}
        Stop-and-wait, Go-Back-N or Selective Repeat.
    n_packets : int
        Packets to transfer, in [1, 20000].
    window : int
        Sender window in packets, in [1, max] where max is ``2**k − 1`` (GBN)
        or ``2**(k−1)`` (SR), see :func:`max_window`. Ignored for ``"sw"``
        (window 1).
    seq_bits : int
        Bits ``k`` of the wire sequence number, in [1, 16].
    rtt : float
        Round-trip propagation delay in seconds, in (0, 10].
    tx_time : float
        Transmission (serialisation) time of one data packet in seconds, in (0, 1].
    loss, ack_loss : float
        Probability that a data packet / an ACK is lost, in [0, 0.9].
    jitter : float
        Extra one-way delay drawn uniformly from [0, jitter] seconds per
        datagram, in [0, 10]; jitter larger than ``tx_time`` reorders packets.
    timer : {"fixed", "rfc6298"}
        ``"fixed"``: every timeout is ``timeout``. ``"rfc6298"``: ``timeout`` is
        the initial RTO, then the RFC 6298 estimator with back-off.
    timeout : float
        Fixed timeout or initial RTO in seconds, in (0, 120].
    rto_min : float, optional
        Floor of the RFC 6298 RTO in seconds, in [0, 60]; default Linux'
        ``TCP_RTO_MIN`` (RFC 6298 §2.4 recommends 1 s).
    seed : int
        Seed of the loss/jitter random generator, in [0, 2**32 − 1].
    drop_data, drop_acks : tuple of int
        Indices (0-based, in transmission order) of data packets / ACKs that
        are lost for certain, in addition to the random losses.
    unsafe : bool
        Allow a window above the sequence-number limit (to show what goes wrong).
    horizon : float
        Stop the simulation at this time in seconds, in (0, 1e6].

    Returns
    -------
    ArqResult
        The event trace, the datagrams on the wire and the outcome.

    Raises
    ------
    ValueError
        If a parameter is out of range; in particular if ``window`` exceeds
        :func:`max_window` and ``unsafe`` is False.
    TypeError
        If a parameter has the wrong type.

    Notes
    -----
    Timer rules follow RFC 6298 §5 (start on send when off, restart on an ACK
    of new data, stop when nothing is outstanding, back off ×2 on expiry,
    capped at Linux' ``TCP_RTO_MAX``) and Karn's rule (§3: no RTT sample from
    a retransmitted packet). ACK conventions: GBN ACKs carry the next
    expected number (cumulative, like TCP, RFC 9293 §3.4); SR ACKs carry the
    number of the packet received (like one SACK block, RFC 2018). Receivers
    re-acknowledge duplicates, otherwise a lost ACK would stall the sender
    forever.

    Examples
    --------
    >>> r = simulate_arq("sw", n_packets=4, rtt=1.0, tx_time=0.25, loss=0.0, timeout=2.0)
    >>> r.finish_time, r.utilisation          # U = 1/(1+2a), a = 0.5/0.25 = 2
    (5.0, 0.2)
    >>> simulate_arq("gbn", n_packets=6, window=4, loss=0.0, drop_data=(1,)).retransmissions   # 1 lost, 2-4 discarded
    4
    """
    check_choice("protocol", protocol, PROTOCOLS)
    n = check_int("n_packets", n_packets, lo=1, hi=20000)
    k = check_int("seq_bits", seq_bits, lo=1, hi=16)
    unsafe = check_bool("unsafe", unsafe)
    w = check_int("window", window, lo=1, hi=2**16)
    if protocol == "sw":
        w = 1
    limit = max_window(protocol, k)
    if w > limit and not unsafe:
        rule = "2**k - 1 for Go-Back-N" if protocol == "gbn" else "2**(k-1) for Selective Repeat"
        raise ValueError(f"window must be in [1, {limit}], got {w} ({rule}, seq_bits={k})")
    rtt = check_float("rtt", rtt, lo=0.0, hi=10.0, lo_open=True)
    T = check_float("tx_time", tx_time, lo=0.0, hi=1.0, lo_open=True)
    p = check_float("loss", loss, lo=0.0, hi=0.9)
    pa = check_float("ack_loss", ack_loss, lo=0.0, hi=0.9)
    jitter = check_float("jitter", jitter, lo=0.0, hi=10.0)
    check_choice("timer", timer, ("fixed", "rfc6298"))
    timeout = check_float("timeout", timeout, lo=0.0, hi=120.0, lo_open=True)
    rmin = float(LINUX["TCP_RTO_MIN"].value) if rto_min is None else check_float("rto_min", rto_min, lo=0.0, hi=60.0)
    seed = check_int("seed", seed, lo=0, hi=2**32 - 1)
    drops_d = _check_indices("drop_data", drop_data)
    drops_a = _check_indices("drop_acks", drop_acks)
    horizon = check_float("horizon", horizon, lo=0.0, hi=1e6, lo_open=True)

    M = 2**k
    d = rtt / 2
    rng = random.Random(seed)
    rto = _Rto(timeout, rmin if timer == "rfc6298" else 0.0, float(LINUX["TCP_RTO_MAX"].value))
    adaptive = timer == "rfc6298"

    events: list[ArqEvent] = []
    flights: list[Flight] = []
    heap: list[tuple[float, int, int, str, tuple[int, ...]]] = []
    counter = 0

    def push(t: float, prio: int, kind: str, data: tuple[int, ...]) -> None:
        nonlocal counter
        counter += 1
        heapq.heappush(heap, (t, prio, counter, kind, data))

    # sender state
    base = 0
    nxt = 0
    acked: set[int] = set()
    send_count = [0] * n
    first_sent = [0.0] * n
    retx: deque[int] = deque()
    link_free = 0.0
    link_pending = False
    timer_gen = 0                     # GBN/SW: the one timer's generation
    timer_on = False
    pkt_gen = [0] * n                 # SR: per-packet timer generations
    n_tx = n_retx = n_timeouts = 0
    data_idx = ack_idx = 0
    data_lost = acks_lost = 0
    # receiver state
    rcv_next = 0                      # GBN: next expected absolute number; SR: rcv_base
    buffer: dict[int, int] = {}       # SR: absolute slot -> payload
    delivered: list[int] = []
    discarded = 0
    finish: float | None = None

    def one_way() -> float:
        return d + (rng.random() * jitter if jitter > 0 else 0.0)

    def start_timer(now: float) -> None:
        nonlocal timer_gen, timer_on
        timer_gen += 1
        timer_on = True
        push(now + rto.rto, _P_TIMEOUT, "timeout", (timer_gen,))

    def transmit(i: int, now: float) -> None:
        nonlocal link_free, n_tx, n_retx, data_idx, data_lost
        seq = i % M
        again = send_count[i] > 0
        if not again:
            first_sent[i] = now
        send_count[i] += 1
        n_tx += 1
        n_retx += again
        events.append(ArqEvent(now, "retransmit" if again else "send", seq, i))
        link_free = now + T
        lost = data_idx in drops_d or rng.random() < p
        arrive = now + T + one_way()
        data_idx += 1
        flights.append(Flight("data", seq, i, now, arrive, lost, again))
        if lost:
            data_lost += 1
            events.append(ArqEvent(now, "lose", seq, i, "数据包丢失"))
        else:
            push(arrive, _P_DATA, "data", (seq, i))
        if protocol == "sr":
            pkt_gen[i] += 1
            push(now + rto.rto, _P_TIMEOUT, "sr_timeout", (i, pkt_gen[i]))
        elif not timer_on:
            start_timer(now)

    def try_send(now: float) -> None:
        nonlocal nxt, link_pending
        if now < link_free:
            if not link_pending:
                link_pending = True
                push(link_free, _P_LINK, "link", ())
            return
        while retx:
            i = retx.popleft()
            if i >= base and i not in acked:
                transmit(i, now)
                break
        else:
            if nxt < min(base + w, n):
                transmit(nxt, now)
                nxt += 1
            else:
                return
        if not link_pending:
            link_pending = True
            push(link_free, _P_LINK, "link", ())

    def send_ack(now: float, seq: int, note: str) -> None:
        nonlocal ack_idx, acks_lost
        lost = ack_idx in drops_a or rng.random() < pa
        arrive = now + one_way()
        ack_idx += 1
        events.append(ArqEvent(now, "ack", seq, -1, note))
        flights.append(Flight("ack", seq, -1, now, arrive, lost))
        if lost:
            acks_lost += 1
            events.append(ArqEvent(now, "ack_lose", seq, -1, "ACK 丢失"))
        else:
            push(arrive, _P_ACK, "ack", (seq,))

    def on_data(now: float, seq: int, payload: int) -> None:
        nonlocal rcv_next, discarded
        if protocol in ("sw", "gbn"):
            if seq == rcv_next % M:
                delivered.append(payload)
                events.append(ArqEvent(now, "deliver", seq, payload, "按序交付应用"))
                rcv_next += 1
            else:
                discarded += 1
                events.append(ArqEvent(now, "discard", seq, payload, "非期望序号，丢弃"))
            send_ack(now, rcv_next % M, "累计确认：期望下一个序号")
            return
        off = (seq - rcv_next) % M
        if off < w:
            slot = rcv_next + off
            if slot in buffer:
                discarded += 1
                events.append(ArqEvent(now, "discard", seq, payload, "重复，丢弃"))
            else:
                buffer[slot] = payload
                events.append(ArqEvent(now, "buffer", seq, payload, "放入接收缓冲"))
            send_ack(now, seq, "逐个确认")
            while rcv_next in buffer:
                pl = buffer.pop(rcv_next)
                delivered.append(pl)
                events.append(ArqEvent(now, "deliver", rcv_next % M, pl, "按序交付应用"))
                rcv_next += 1
        else:
            discarded += 1
            events.append(ArqEvent(now, "discard", seq, payload, "旧序号的重复包，丢弃并重发 ACK"))
            send_ack(now, seq, "重复包的确认")

    def sample_rtt(i: int, now: float) -> None:
        if adaptive and send_count[i] == 1:  # Karn's rule, RFC 6298 §3
            rto.sample(now - first_sent[i])

    def on_ack(now: float, seq: int) -> None:
        nonlocal base, timer_on, finish
        if protocol in ("sw", "gbn"):
            off = (seq - base) % M
            if 1 <= off <= nxt - base:
                sample_rtt(base + off - 1, now)
                base += off
                events.append(ArqEvent(now, "ack_arrive", seq, base - 1, f"确认到 {base - 1} 号"))
                if base >= nxt:
                    timer_on = False
                else:
                    start_timer(now)
            else:
                events.append(ArqEvent(now, "dup_ack", seq, -1, "重复 ACK，忽略"))
        else:
            hit = next((i for i in range(base, nxt) if i % M == seq), None)
            if hit is None or hit in acked:
                events.append(ArqEvent(now, "dup_ack", seq, -1, "重复 ACK，忽略"))
            else:
                acked.add(hit)
                sample_rtt(hit, now)
                events.append(ArqEvent(now, "ack_arrive", seq, hit, f"确认 {hit} 号"))
                while base in acked:
                    acked.discard(base)
                    base += 1
        if base >= n:
            finish = now
            events.append(ArqEvent(now, "done", -1, -1, "全部确认"))
            return
        try_send(now)

    def on_timeout(now: float, i: int) -> None:
        nonlocal n_timeouts
        n_timeouts += 1
        if adaptive:
            rto.backoff()
        if protocol == "sr":
            events.append(ArqEvent(now, "timeout", i % M, i, "该包超时"))
            retx.append(i)
        else:
            events.append(ArqEvent(now, "timeout", base % M, base, f"超时：重发 {base}…{nxt - 1}"))
            retx.clear()
            retx.extend(range(base, nxt))
            start_timer(now)
        try_send(now)

    try_send(0.0)
    while heap and finish is None:
        t, _, _, kind, data = heapq.heappop(heap)
        if t > horizon:
            break
        if kind == "link":
            link_pending = False
            try_send(t)
        elif kind == "data":
            on_data(t, data[0], data[1])
        elif kind == "ack":
            on_ack(t, data[0])
        elif kind == "timeout":
            if timer_on and data[0] == timer_gen:
                timer_on = False
                on_timeout(t, base)
        elif kind == "sr_timeout":
            i, gen = data
            if i >= base and i not in acked and gen == pkt_gen[i]:
                on_timeout(t, i)

    completed = finish is not None
    ft = finish if finish is not None else min(horizon, events[-1].time if events else 0.0)
    return ArqResult(
        protocol=protocol,
        n_packets=n,
        window=w,
        seq_bits=k,
        rtt=rtt,
        tx_time=T,
        loss=p,
        events=tuple(events),
        flights=tuple(flights),
        delivered=tuple(delivered),
        completed=completed,
        finish_time=ft,
        transmissions=n_tx,
        retransmissions=n_retx,
        timeouts=n_timeouts,
        discarded=discarded,
        data_lost=data_lost,
        acks_lost=acks_lost,
        rto_final=rto.rto,
        utilisation=(n * T / ft) if completed and ft > 0 else 0.0,
        goodput=(n / ft) if completed and ft > 0 else 0.0,
    )


def goodput_sweep(
    protocol: str,
    losses: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4),
    *,
    seeds: tuple[int, ...] = (0, 1, 2),
    **params: object,
) -> tuple[tuple[float, float], ...]:
    """Mean utilisation of ``protocol`` at each loss probability (a coarse sweep for plots).

    Parameters
    ----------
    protocol : {"sw", "gbn", "sr"}
    losses : tuple of float
        Loss probabilities, each in [0, 0.9].
    seeds : tuple of int
        Seeds averaged at each point.
    **params
        Passed on to :func:`simulate_arq` (``loss`` and ``seed`` are set here).

    Returns
    -------
    tuple of (loss, utilisation)

    Examples
    --------
    >>> pts = goodput_sweep("sr", (0.0, 0.3), n_packets=40, window=4, seq_bits=3)
    >>> pts[0][1] > pts[1][1]
    True
    """
    out = []
    for lp in losses:
        us = [simulate_arq(protocol, loss=lp, seed=s, **params).utilisation for s in seeds]  # type: ignore[arg-type]
        out.append((float(lp), sum(us) / len(us)))
    return tuple(out)
