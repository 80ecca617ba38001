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
  :class:`tcpkit.rto.RtoEstimator` (SRTT/RTTVAR, ``RTO = SRTT + max(G,
  4·RTTVAR)``, Karn's rule, exponential back-off).

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

import random
from collections import deque
from dataclasses import dataclass, field

from ._events import EventQueue
from ._validate import check_bool, check_choice, check_float, check_int
from .linux import LINUX
from .rto import RtoEstimator

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
    return {"sw": 1, "gbn": (1 << k) - 1, "sr": 1 << (k - 1)}[protocol]


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


def _retransmit_timer(timer: str, timeout: float, rto_min: float) -> RtoEstimator | None:
    """The RFC 6298 estimator behind ``timer="rfc6298"`` (None for the fixed timer).

    A thin adapter over :class:`tcpkit.rto.RtoEstimator`: ``timeout`` is the
    initial RTO (§2.1), the ceiling is Linux' ``TCP_RTO_MAX`` and the clock
    granularity is :data:`CLOCK_G`. ``RtoEstimator`` wants a floor above 0;
    since every RTO is at least ``SRTT + G > G``, a floor of ``G`` is the same
    as no floor, so ``rto_min = 0`` maps to ``G``.
    """
    if timer != "rfc6298":
        return None
    return RtoEstimator(flavor="rfc6298", rto_min=max(rto_min, CLOCK_G), rto_max=float(LINUX["TCP_RTO_MAX"].value),
                        initial_rto=timeout, granularity=CLOCK_G)


def _check_indices(name: str, value: object) -> frozenset[int]:
    if not isinstance(value, (tuple, list, set, frozenset)):
        raise TypeError(f"{name} must be a tuple of integers, got {type(value).__name__} {value!r}")
    return frozenset(check_int(name, v, lo=0) for v in value)


@dataclass(frozen=True, slots=True)
class _ArqConfig:
    """The validated parameters of one :func:`simulate_arq` run."""

    protocol: str
    n: int
    window: int
    seq_bits: int
    rtt: float
    tx_time: float
    loss: float
    ack_loss: float
    jitter: float
    timer: str
    timeout: float
    rto_min: float
    seed: int
    drop_data: frozenset[int]
    drop_acks: frozenset[int]
    horizon: float

    @classmethod
    def check(cls, protocol: str, *, n_packets: int, window: int, seq_bits: int, rtt: float, tx_time: float,
              loss: float, ack_loss: float, jitter: float, timer: str, timeout: float, rto_min: float | None,
              seed: int, drop_data: object, drop_acks: object, unsafe: bool, horizon: float) -> _ArqConfig:
        """Validate every parameter of :func:`simulate_arq` (the messages name the parameter and its range)."""
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
        tx = check_float("tx_time", tx_time, lo=0.0, hi=1.0, lo_open=True)
        p = check_float("loss", loss, lo=0.0, hi=0.9)
        pa = check_float("ack_loss", ack_loss, lo=0.0, hi=0.9)
        jitter = check_float("jitter", jitter, lo=0.0, hi=10.0)
        check_choice("timer", timer, ("fixed", "rfc6298"))
        timeout = check_float("timeout", timeout, lo=0.0, hi=120.0, lo_open=True)
        if timer == "rfc6298":  # the initial RTO of tcpkit.rto.RtoEstimator
            timeout = check_float("timeout", timeout, lo=0.001, hi=120.0)
        rmin = float(LINUX["TCP_RTO_MIN"].value) if rto_min is None else check_float("rto_min", rto_min, lo=0.0, hi=60.0)
        return cls(
            protocol, n, w, k, rtt, tx, p, pa, jitter, timer, timeout, rmin,
            check_int("seed", seed, lo=0, hi=2**32 - 1),
            _check_indices("drop_data", drop_data),
            _check_indices("drop_acks", drop_acks),
            check_float("horizon", horizon, lo=0.0, hi=1e6, lo_open=True),
        )


class _ArqSim:
    """One :func:`simulate_arq` run: a sender, a receiver and a lossy link, driven by an ``EventQueue``.

    The steps a reader can follow: :meth:`try_send` (window and link permitting,
    put the next packet on the wire) → :meth:`transmit` (the link loses or
    delivers it) → :meth:`on_data` (the receiver delivers, buffers or discards,
    and ACKs) → :meth:`on_ack` (the sender slides its window and samples the
    RTT) or :meth:`on_timeout` (it retransmits). :meth:`run` pops events in
    time order until every packet is acknowledged or ``horizon`` is reached.
    """

    def __init__(self, cfg: _ArqConfig) -> None:
        self.cfg = cfg
        self.M = 2**cfg.seq_bits
        self.rng = random.Random(cfg.seed)
        self.est = _retransmit_timer(cfg.timer, cfg.timeout, cfg.rto_min)
        self.events: list[ArqEvent] = []
        self.flights: list[Flight] = []
        self.clock: EventQueue[tuple[str, tuple[int, ...]]] = EventQueue()
        n = cfg.n
        # sender
        self.base = 0
        self.nxt = 0
        self.acked: set[int] = set()
        self.send_count = [0] * n
        self.first_sent = [0.0] * n
        self.retx: deque[int] = deque()
        self.link_free = 0.0
        self.link_pending = False
        self.timer_gen = 0                # GBN/SW: the one timer's generation
        self.timer_on = False
        self.pkt_gen = [0] * n            # SR: per-packet timer generations
        self.n_tx = self.n_retx = self.n_timeouts = 0
        self.data_idx = self.ack_idx = 0
        self.data_lost = self.acks_lost = 0
        # receiver
        self.rcv_next = 0                 # GBN: next expected absolute number; SR: rcv_base
        self.buffer: dict[int, int] = {}  # SR: absolute slot -> payload
        self.delivered: list[int] = []
        self.discarded = 0
        self.finish: float | None = None

    # -- clock and link ------------------------------------------------------------------------
    @property
    def rto(self) -> float:
        """The current retransmission timeout in seconds."""
        return self.cfg.timeout if self.est is None else self.est.rto

    def push(self, t: float, prio: int, kind: str, data: tuple[int, ...]) -> None:
        self.clock.at(t, prio, (kind, data))

    def one_way(self) -> float:
        """Propagation delay rtt/2 plus the jitter draw."""
        jitter = self.cfg.jitter
        return self.cfg.rtt / 2 + (self.rng.random() * jitter if jitter > 0 else 0.0)

    def log(self, now: float, kind: str, seq: int, packet: int, note: str = "") -> None:
        self.events.append(ArqEvent(now, kind, seq, packet, note))

    # -- sender ----------------------------------------------------------------------------------
    def start_timer(self, now: float) -> None:
        self.timer_gen += 1
        self.timer_on = True
        self.push(now + self.rto, _P_TIMEOUT, "timeout", (self.timer_gen,))

    def transmit(self, i: int, now: float) -> None:
        """Put packet ``i`` on the wire: lost, or scheduled to arrive; arm its timer (RFC 6298 §5.1)."""
        cfg = self.cfg
        seq = i % self.M
        again = self.send_count[i] > 0
        if not again:
            self.first_sent[i] = now
        self.send_count[i] += 1
        self.n_tx += 1
        self.n_retx += again
        self.log(now, "retransmit" if again else "send", seq, i)
        self.link_free = now + cfg.tx_time
        lost = self.data_idx in cfg.drop_data or self.rng.random() < cfg.loss
        arrive = now + cfg.tx_time + self.one_way()
        self.data_idx += 1
        self.flights.append(Flight("data", seq, i, now, arrive, lost, again))
        if lost:
            self.data_lost += 1
            self.log(now, "lose", seq, i, "数据包丢失")
        else:
            self.push(arrive, _P_DATA, "data", (seq, i))
        if cfg.protocol == "sr":
            self.pkt_gen[i] += 1
            self.push(now + self.rto, _P_TIMEOUT, "sr_timeout", (i, self.pkt_gen[i]))
        elif not self.timer_on:
            self.start_timer(now)

    def next_packet(self) -> int | None:
        """The packet to send next: a queued retransmission, else new data inside the window."""
        while self.retx:
            i = self.retx.popleft()
            if i >= self.base and i not in self.acked:
                return i
        if self.nxt < min(self.base + self.cfg.window, self.cfg.n):
            self.nxt += 1
            return self.nxt - 1
        return None

    def try_send(self, now: float) -> None:
        """Send one packet if the link is free, and come back when it is free again."""
        if now >= self.link_free:
            i = self.next_packet()
            if i is None:
                return
            self.transmit(i, now)
        if not self.link_pending:
            self.link_pending = True
            self.push(self.link_free, _P_LINK, "link", ())

    def sample_rtt(self, i: int, now: float) -> None:
        if self.est is not None and self.send_count[i] == 1:  # Karn's rule, RFC 6298 §3
            self.est.on_sample(now - self.first_sent[i], now=now)

    def on_ack(self, now: float, seq: int) -> None:
        """An ACK reaches the sender: slide the window, then send more or finish."""
        if self.cfg.protocol == "sr":
            self.on_selective_ack(now, seq)
        else:
            self.on_cumulative_ack(now, seq)
        if self.base >= self.cfg.n:
            self.finish = now
            self.log(now, "done", -1, -1, "全部确认")
            return
        self.try_send(now)

    def on_cumulative_ack(self, now: float, seq: int) -> None:
        """GBN/SW: the ACK names the next expected number; restart or stop the one timer (RFC 6298 §5.2–5.3)."""
        off = (seq - self.base) % self.M
        if not 1 <= off <= self.nxt - self.base:
            self.log(now, "dup_ack", seq, -1, "重复 ACK，忽略")
            return
        self.sample_rtt(self.base + off - 1, now)
        self.base += off
        self.log(now, "ack_arrive", seq, self.base - 1, f"确认到 {self.base - 1} 号")
        if self.base >= self.nxt:
            self.timer_on = False
        else:
            self.start_timer(now)

    def on_selective_ack(self, now: float, seq: int) -> None:
        """SR: the ACK names one packet; the window's left edge moves past every acknowledged packet."""
        hit = next((i for i in range(self.base, self.nxt) if i % self.M == seq), None)
        if hit is None or hit in self.acked:
            self.log(now, "dup_ack", seq, -1, "重复 ACK，忽略")
            return
        self.acked.add(hit)
        self.sample_rtt(hit, now)
        self.log(now, "ack_arrive", seq, hit, f"确认 {hit} 号")
        while self.base in self.acked:
            self.acked.discard(self.base)
            self.base += 1

    def on_timeout(self, now: float, i: int) -> None:
        """A timer expired: back off (RFC 6298 §5.5) and queue the retransmission(s)."""
        self.n_timeouts += 1
        if self.est is not None:
            self.est.on_timeout()
        if self.cfg.protocol == "sr":
            self.log(now, "timeout", i % self.M, i, "该包超时")
            self.retx.append(i)
        else:
            self.log(now, "timeout", self.base % self.M, self.base, f"超时：重发 {self.base}…{self.nxt - 1}")
            self.retx.clear()
            self.retx.extend(range(self.base, self.nxt))
            self.start_timer(now)
        self.try_send(now)

    # -- receiver --------------------------------------------------------------------------------
    def send_ack(self, now: float, seq: int, note: str) -> None:
        """The receiver sends an ACK for wire number ``seq``; the link may lose it."""
        lost = self.ack_idx in self.cfg.drop_acks or self.rng.random() < self.cfg.ack_loss
        arrive = now + self.one_way()
        self.ack_idx += 1
        self.log(now, "ack", seq, -1, note)
        self.flights.append(Flight("ack", seq, -1, now, arrive, lost))
        if lost:
            self.acks_lost += 1
            self.log(now, "ack_lose", seq, -1, "ACK 丢失")
        else:
            self.push(arrive, _P_ACK, "ack", (seq,))

    def on_data(self, now: float, seq: int, payload: int) -> None:
        if self.cfg.protocol == "sr":
            self.on_data_selective(now, seq, payload)
        else:
            self.on_data_in_order(now, seq, payload)

    def on_data_in_order(self, now: float, seq: int, payload: int) -> None:
        """GBN/SW receiver: accept only the expected number, ACK cumulatively."""
        if seq == self.rcv_next % self.M:
            self.delivered.append(payload)
            self.log(now, "deliver", seq, payload, "按序交付应用")
            self.rcv_next += 1
        else:
            self.discarded += 1
            self.log(now, "discard", seq, payload, "非期望序号，丢弃")
        self.send_ack(now, self.rcv_next % self.M, "累计确认：期望下一个序号")

    def on_data_selective(self, now: float, seq: int, payload: int) -> None:
        """SR receiver: buffer anything inside the receive window, ACK each packet, deliver in order."""
        off = (seq - self.rcv_next) % self.M
        if off >= self.cfg.window:
            self.discarded += 1
            self.log(now, "discard", seq, payload, "旧序号的重复包，丢弃并重发 ACK")
            self.send_ack(now, seq, "重复包的确认")
            return
        slot = self.rcv_next + off
        if slot in self.buffer:
            self.discarded += 1
            self.log(now, "discard", seq, payload, "重复，丢弃")
        else:
            self.buffer[slot] = payload
            self.log(now, "buffer", seq, payload, "放入接收缓冲")
        self.send_ack(now, seq, "逐个确认")
        while self.rcv_next in self.buffer:
            pl = self.buffer.pop(self.rcv_next)
            self.delivered.append(pl)
            self.log(now, "deliver", self.rcv_next % self.M, pl, "按序交付应用")
            self.rcv_next += 1

    # -- the event loop --------------------------------------------------------------------------
    def dispatch(self, t: float, kind: str, data: tuple[int, ...]) -> None:
        """Hand one event to its step (stale timer events are ignored)."""
        if kind == "link":
            self.link_pending = False
            self.try_send(t)
        elif kind == "data":
            self.on_data(t, data[0], data[1])
        elif kind == "ack":
            self.on_ack(t, data[0])
        elif kind == "timeout":
            if self.timer_on and data[0] == self.timer_gen:
                self.timer_on = False
                self.on_timeout(t, self.base)
        elif kind == "sr_timeout":
            i, gen = data
            if i >= self.base and i not in self.acked and gen == self.pkt_gen[i]:
                self.on_timeout(t, i)

    def run(self) -> ArqResult:
        self.try_send(0.0)
        while self.clock and self.finish is None:
            t, (kind, data) = self.clock.pop()
            if t > self.cfg.horizon:
                break
            self.dispatch(t, kind, data)
        return self.result()

    def result(self) -> ArqResult:
        cfg, n = self.cfg, self.cfg.n
        completed = self.finish is not None
        ft = self.finish if self.finish is not None else min(cfg.horizon, self.events[-1].time if self.events else 0.0)
        useful = completed and ft > 0
        return ArqResult(
            cfg.protocol, n, cfg.window, cfg.seq_bits, cfg.rtt, cfg.tx_time, cfg.loss,
            tuple(self.events), tuple(self.flights), tuple(self.delivered), completed, ft,
            self.n_tx, self.n_retx, self.n_timeouts, self.discarded, self.data_lost, self.acks_lost, self.rto,
            utilisation=(n * cfg.tx_time / ft) if useful else 0.0,
            goodput=(n / ft) if useful else 0.0,
        )


def simulate_arq(
    protocol: str = "gbn",
    *,
    n_packets: int = 20, window: int = 4, seq_bits: int = 3,                         # the transfer
    rtt: float = 0.1, tx_time: float = 0.01,                                          # the link
    loss: float = 0.1, ack_loss: float = 0.0, jitter: float = 0.0,                    # what the link does
    timer: str = "fixed", timeout: float = 0.25, rto_min: float | None = None,        # the sender's timer
    seed: int = 0, drop_data: tuple[int, ...] = (), drop_acks: tuple[int, ...] = (),  # which packets are lost
    unsafe: bool = False, horizon: float = 3600.0,
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
        Fixed timeout or initial RTO in seconds, in (0, 120] (``"fixed"``) or
        [0.001, 120] (``"rfc6298"``, the range of ``RtoEstimator``'s ``initial_rto``).
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
    cfg = _ArqConfig.check(protocol, n_packets=n_packets, window=window, seq_bits=seq_bits, rtt=rtt, tx_time=tx_time,
                           loss=loss, ack_loss=ack_loss, jitter=jitter, timer=timer, timeout=timeout,
                           rto_min=rto_min, seed=seed, drop_data=drop_data, drop_acks=drop_acks, unsafe=unsafe,
                           horizon=horizon)
    return _ArqSim(cfg).run()


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
