"""Flow control: receive window, zero window and persist probes, SWS avoidance, Nagle, delayed ACK, BDP.

>>> trace = simulate_flow(data=200_000, rcv_buf=32_768, read_rate=50_000, duration=1.0)
>>> trace.max_buffered <= 32_768 and trace.dropped == 0
True

:func:`simulate_flow` is a time-stepped model of one TCP direction: a sending
application writes bytes, the sender transmits them within
``SND.UNA + min(rwnd, cwnd)``, the receiver buffers them and its application
reads them at a fixed rate. Each step records the sender's view of the byte
stream (acknowledged / sent, not acknowledged / usable / not usable) and the
receiver's buffer. :func:`nagle_delack_stall` shows the classic 40 ms stall
of Nagle + delayed ACK; :func:`bdp` sizes buffers from bandwidth × RTT; the
window-scale helpers do RFC 7323 arithmetic.

The model keeps what flow control needs and leaves out the rest: no loss, no
retransmission timer, no congestion control (``cwnd`` is a fixed cap), and
segments travel with a constant one-way delay of RTT/2.

The rules :func:`simulate_flow` follows, with their sources:

Sender (RFC 9293 §3.8.6, RFC 5681 §2): at most
``SND.UNA + min(SND.WND, cwnd)`` may be sent. Receiver: the window is the
free buffer space, advertised as ``field << wscale`` (RFC 7323 §2.2;
the field is rounded down and capped at 65535), and its right edge never
moves back (RFC 9293 §3.8.6.2.2).

* Receiver SWS avoidance (RFC 1122 §4.2.3.3): the right edge only moves
  when it can move by at least ``min(rcv_buf / 2, mss)``. A read sends a
  window update when the new window is at least twice the one last
  offered (Linux ``tcp_cleanup_rbuf``).
* Sender SWS avoidance (RFC 1122 §4.2.3.4): a segment shorter than MSS
  that is cut by the window goes out only if it is at least half the
  largest window the peer has offered. (The override timer is not
  modelled.)
* Nagle (RFC 896): a segment shorter than MSS that carries the last
  queued byte waits while data is unacknowledged (``"rfc896"``) or —
  Linux's Minshall variant, ``tcp_nagle_check``/``tcp_minshall_check``
  in net/ipv4/tcp_output.c — while an earlier *small* segment is
  unacknowledged (``"minshall"``).
* Delayed ACK (RFC 1122 §4.2.3.2; Linux ``__tcp_ack_snd_check``,
  ``tcp_event_data_recv``, ``tcp_delack_timer_handler``): the first
  ``min(rcv_wnd / (2·mss), TCP_MAX_QUICKACKS)`` segments are acked at once
  (quickack mode); then an ACK goes out at once when more than one MSS is
  unacknowledged and the window does not shrink, otherwise after the ATO.
  ATO starts at ``TCP_DELACK_MIN`` (40 ms), adapts to the arrival gaps,
  doubles when the timer fires (up to the receiver's RTO, taken from one
  handshake RTT sample), a gap longer than that RTO re-enters quickack
  mode, and the delay is capped at
  ``TCP_DELACK_MAX`` (200 ms; Linux allows up to 500 ms for bulk
  receivers).
* Persist timer (RFC 1122 §4.2.2.17; Linux ``tcp_check_probe_timer``,
  ``tcp_probe_timer``/``tcp_send_probe0``, ``tcp_ack_probe``): when data
  is queued, nothing is in flight and the window is too small, a probe
  is due after ``max(RTO, TCP_RTO_MIN)`` (``tcp_probe0_base``; RTO from
  the Linux estimator in :mod:`tcpkit.rto`); every probe doubles the
  interval up to ``TCP_RTO_MAX``; an ACK that still shows no room
  restarts the timer from its arrival. The probe is a zero-length
  segment with ``seq = SND.UNA − 1`` (``tcp_xmit_probe_skb``), or new data
  if part of a window is open (``tcp_write_wakeup``).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from ._validate import check_bool, check_choice, check_float, check_int
from .linux import LINUX
from .rto import RtoEstimator

__all__ = [
    "MAX_WINDOW_FIELD",
    "effective_shift",
    "max_window",
    "window_field",
    "FlowStep",
    "FlowEvent",
    "FlowTrace",
    "simulate_flow",
    "persist_probe_times",
    "StallResult",
    "nagle_delack_stall",
    "BdpResult",
    "bdp",
    "window_limited_throughput",
]

#: The Window field is 16 bits (RFC 9293 §3.1).
MAX_WINDOW_FIELD = 65535
_MAX_SHIFT = int(LINUX["TCP_MAX_WSCALE"].value)


# --- window scaling (RFC 7323 §2) ---------------------------------------------------------------


def effective_shift(received: int) -> int:
    """The shift a TCP uses for a received Window Scale option value.

    Parameters
    ----------
    received : int
        ``shift.cnt`` from the option, in [0, 255].

    Returns
    -------
    int
        ``min(received, 14)``.

    Notes
    -----
    RFC 7323 §2.3: a value larger than 14 MUST be treated as 14 (Linux
    ``TCP_MAX_WSCALE``). The option appears only in SYN and SYN-ACK, and
    the window field of those two segments is never scaled (§2.2).

    Examples
    --------
    >>> effective_shift(7), effective_shift(15)
    (7, 14)
    """
    return min(check_int("received", received, lo=0, hi=255), _MAX_SHIFT)


def max_window(shift: int) -> int:
    """Largest window a receiver using ``shift`` can advertise: ``65535 << shift``.

    Parameters
    ----------
    shift : int
        Window scale shift, in [0, 14].

    Examples
    --------
    >>> max_window(0), max_window(14)
    (65535, 1073725440)
    """
    return MAX_WINDOW_FIELD << check_int("shift", shift, lo=0, hi=_MAX_SHIFT)


def window_field(window: int, shift: int) -> int:
    """The 16-bit Window field that advertises ``window`` bytes with ``shift`` (rounded down).

    Parameters
    ----------
    window : int
        Window in bytes, in [0, ``max_window(shift)``].
    shift : int
        Window scale shift, in [0, 14].

    Examples
    --------
    >>> window_field(1_000_000, 7), window_field(1_000_000, 7) << 7
    (7812, 999936)
    """
    s = check_int("shift", shift, lo=0, hi=_MAX_SHIFT)
    w = check_int("window", window, lo=0, hi=MAX_WINDOW_FIELD << s)
    return w >> s


# --- the simulation -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowStep:
    """The state at one time step.

    Byte positions count from 0 (the first data byte). The sender's byte
    stream splits at ``snd_una`` (acknowledged before it), ``snd_nxt`` (sent
    before it) and ``wnd_end`` (usable before it, not usable after it);
    ``written`` is how much the application has handed to TCP so far.

    Attributes
    ----------
    time : float
        Seconds since the start.
    snd_una, snd_nxt, wnd_end, written : int
        Sender positions in bytes (``wnd_end = SND.UNA + min(snd_wnd, cwnd)``).
    snd_wnd : int
        The receive window as the sender last learned it, in bytes.
    buffered : int
        Bytes in the receiver's buffer, not yet read by its application.
    read : int
        Bytes read by the receiving application so far.
    rcv_wnd : int
        The window the receiver currently offers (right edge − RCV.NXT).
    zero_window : bool
        The sender sees a zero window.
    """

    time: float
    snd_una: int
    snd_nxt: int
    wnd_end: int
    written: int
    snd_wnd: int
    buffered: int
    read: int
    rcv_wnd: int
    zero_window: bool

    @property
    def usable(self) -> int:
        """Bytes the sender may still send now: ``wnd_end − snd_nxt`` (≥ 0)."""
        return max(0, self.wnd_end - self.snd_nxt)


@dataclass(frozen=True, slots=True)
class FlowEvent:
    """A segment put on the wire.

    ``kind`` is ``"data"``, ``"probe"`` (zero-window probe: zero-length
    segment with ``seq = SND.UNA − 1``), ``"probe_data"`` (the persist timer
    sent new data into a partly open window), ``"ack"`` (an ACK caused by
    data), ``"delayed_ack"`` (sent by the delayed-ACK timer) or
    ``"window_update"`` (sent because the reader freed buffer space).
    ``window`` is the advertised window in bytes for ACKs, 0 otherwise.
    """

    time: float
    kind: str
    seq: int
    length: int
    ack: int
    window: int


@dataclass(frozen=True, slots=True)
class FlowTrace:
    """Result of :func:`simulate_flow`: one :class:`FlowStep` per step and every segment sent."""

    steps: tuple[FlowStep, ...]
    events: tuple[FlowEvent, ...]
    #: Time step in seconds.
    step: float
    #: The parameters of the run, in bytes (``cwnd`` = 2**62 when unlimited) and the window scale shift.
    mss: int
    rcv_buf: int
    cwnd: int
    wscale: int
    #: Bytes that arrived when the receive buffer was full (0 while the window is respected).
    dropped: int

    @property
    def probes(self) -> tuple[float, ...]:
        """Times at which the persist timer sent a probe (zero-length or with data)."""
        return tuple(e.time for e in self.events if e.kind in ("probe", "probe_data"))

    @property
    def zero_windows(self) -> tuple[tuple[float, float], ...]:
        """(start, end) of each period in which the sender saw a zero window (end = last step if open)."""
        out = []
        start = None
        for s in self.steps:
            if s.zero_window and start is None:
                start = s.time
            elif not s.zero_window and start is not None:
                out.append((start, s.time))
                start = None
        if start is not None:
            out.append((start, self.steps[-1].time))
        return tuple(out)

    @property
    def max_buffered(self) -> int:
        """Peak receiver buffer occupancy in bytes."""
        return max(s.buffered for s in self.steps)

    @property
    def delivered(self) -> int:
        """Bytes acknowledged by the end."""
        return self.steps[-1].snd_una

    def index_at(self, time: float) -> int:
        """Index of the step at ``time`` seconds (clamped to the trace)."""
        t = check_float("time", time, lo=0.0)
        return min(len(self.steps) - 1, int(round(t / self.step)))


@dataclass(frozen=True, slots=True)
class _FlowConfig:
    """The validated parameters of one :func:`simulate_flow` run, plus the Linux constants it uses."""

    data: int
    write_size: int
    write_interval: float
    rcv_buf: int
    read_rate: float
    pause_start: float
    pause_len: float
    rtt: float
    mss: int
    cwnd: int
    link_rate: float | None
    wscale: int
    nagle: bool
    minshall: bool
    delayed_ack: bool
    sws: bool
    step: float
    n_steps: int

    @classmethod
    def check(cls, *, data: int, write_size: int, write_interval: float, rcv_buf: int, read_rate: float,
              pause_start: float, pause_len: float, rtt: float, mss: int, cwnd: int | None, link_rate: float | None,
              wscale: int, nagle: bool, nagle_variant: str, delayed_ack: bool, sws_avoidance: bool,
              duration: float, step: float) -> _FlowConfig:
        """Validate every parameter of :func:`simulate_flow` (the messages name the parameter and its range)."""
        n_data = check_int("data", data, lo=1, hi=10**9)
        wsz = check_int("write_size", write_size, lo=0, hi=10**9)
        wint = check_float("write_interval", write_interval, lo=0.001, hi=60.0)
        mss = check_int("mss", mss, lo=int(LINUX["TCP_MIN_MSS"].value), hi=int(LINUX["loopback_mss"].value))
        buf = check_int("rcv_buf", rcv_buf, lo=mss, hi=2**30)
        rrate = check_float("read_rate", read_rate, lo=0.0, hi=1e10)
        p0 = check_float("pause_start", pause_start, lo=0.0, hi=3600.0)
        plen = check_float("pause_len", pause_len, lo=0.0, hi=3600.0)
        rtt = check_float("rtt", rtt, lo=0.002, hi=10.0)
        cw = 2**62 if cwnd is None else check_int("cwnd", cwnd, lo=mss, hi=2**31)
        lrate = None if link_rate is None else check_float("link_rate", link_rate, lo=1000.0, hi=1e11)
        ws = check_int("wscale", wscale, lo=0, hi=_MAX_SHIFT)
        nagle = check_bool("nagle", nagle)
        variant = check_choice("nagle_variant", nagle_variant, ("minshall", "rfc896"))
        delack = check_bool("delayed_ack", delayed_ack)
        sws = check_bool("sws_avoidance", sws_avoidance)
        dt = check_float("step", step, lo=0.0001, hi=0.1)
        dur = check_float("duration", duration, lo=dt, hi=600.0)
        n_steps = int(round(dur / dt))
        check_int("duration / step", n_steps, lo=1, hi=200_000)
        return cls(n_data, wsz, wint, buf, rrate, p0, plen, rtt, mss, cw, lrate, ws, nagle, variant == "minshall",
                   delack, sws, dt, n_steps)


class _FlowSim:
    """One :func:`simulate_flow` run: a sender and a receiver joined by two delay lines of RTT/2.

    Each time step runs, in order: :meth:`app_writes`, :meth:`acks_arrive`
    (the sender learns SND.UNA and the window), :meth:`segments_arrive` (the
    receiver buffers and ACKs now or later), :meth:`app_reads` (may send a
    window update), :meth:`delack_timer`, :meth:`persist_timer` and
    :meth:`send_data`; :meth:`record` stores the :class:`FlowStep`.
    """

    def __init__(self, c: _FlowConfig) -> None:
        self.c = c
        self.delay = max(1, int(round(c.rtt / 2 / c.step)))  # one-way delay in steps
        self.rto_min = float(LINUX["TCP_RTO_MIN"].value)
        self.rto_max = float(LINUX["TCP_RTO_MAX"].value)
        self.ato_min = float(LINUX["TCP_DELACK_MIN"].value)
        self.delack_max = float(LINUX["TCP_DELACK_MAX"].value)
        self.max_quick = int(LINUX["TCP_MAX_QUICKACKS"].value)
        # the receiver sends no data; its RTO comes from the handshake's one RTT sample
        self.rcv_rto = RtoEstimator(flavor="linux").on_sample(c.rtt, now=c.rtt).rto
        self.retries2 = int(LINUX["tcp_retries2"].value)
        self.wclamp = MAX_WINDOW_FIELD << c.wscale
        self.sws_thresh = min(c.rcv_buf // 2, c.mss)
        # The SYN-ACK's window is never scaled (RFC 7323 §2.2): the first window is min(buf, 65535).
        first_window = min(c.rcv_buf, MAX_WINDOW_FIELD)
        # sender: positions in the byte stream, the persist timer, the link's byte credit
        self.written = c.data if c.write_size == 0 else 0
        self.next_write = 0.0
        self.snd_una = self.snd_nxt = self.snd_sml = 0  # snd_sml: end of the last small segment (Minshall)
        self.snd_right = self.max_wnd = first_window  # right edge learned from the peer, largest window seen
        self.unacked: deque[tuple[int, float]] = deque()  # (end_seq, send time)
        self.est = RtoEstimator(flavor="linux")
        self.probe_at: float | None = None
        self.backoff = 0
        self.credit = 0.0
        # receiver: buffer, reader, delayed-ACK state (unacked_rcv: bytes received since the last ACK)
        self.rcv_nxt = self.buffered = self.read_total = self.dropped = self.unacked_rcv = self.quick = 0
        self.rcv_right = first_window
        self.read_credit = self.ato = 0.0
        self.lrcv: float | None = None
        self.delack_at: float | None = None
        # the two directions of the path and the record
        self.to_rcv: deque[tuple[int, int, int, bool]] = deque()  # (arrival step, seq, length, is_probe)
        self.to_snd: deque[tuple[int, int, int]] = deque()  # (arrival step, ack, window bytes)
        self.events: list[FlowEvent] = []
        self.steps: list[FlowStep] = []

    def run(self) -> FlowTrace:
        c = self.c
        for k in range(c.n_steps + 1):
            now = k * c.step
            self.app_writes(now)
            self.acks_arrive(k, now)
            self.segments_arrive(k, now)
            self.app_reads(k, now)
            self.delack_timer(k, now)
            wnd_end = min(self.snd_right, self.snd_una + c.cwnd)
            self.persist_timer(k, now, wnd_end)
            self.send_data(k, now, wnd_end)
            self.record(now, wnd_end)
        return FlowTrace(tuple(self.steps), tuple(self.events), c.step, c.mss, c.rcv_buf, c.cwnd, c.wscale,
                         self.dropped)

    # -- receiver window (RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3) ----------------------------------
    def offer(self) -> int:
        """Candidate right edge: free space, rounded down to the scale, clamped."""
        free = self.c.rcv_buf - self.buffered
        return self.rcv_nxt + (min(free, self.wclamp) >> self.c.wscale << self.c.wscale)

    def right_edge(self) -> int:
        """The right edge after the receiver SWS rule: it moves only by ≥ min(rcv_buf/2, mss)."""
        cand = self.offer()
        if cand > self.rcv_right and (not self.c.sws or cand - self.rcv_right >= self.sws_thresh):
            return cand
        return self.rcv_right

    def window_now(self) -> int:
        """The window the receiver would offer now."""
        return self.right_edge() - self.rcv_nxt

    def send_ack(self, k: int, now: float, kind: str) -> None:
        """The receiver sends an ACK carrying RCV.NXT and its (scaled) window."""
        self.rcv_right = self.right_edge()
        wnd = (self.rcv_right - self.rcv_nxt) >> self.c.wscale << self.c.wscale
        self.to_snd.append((k + self.delay, self.rcv_nxt, wnd))
        self.events.append(FlowEvent(now, kind, 0, 0, self.rcv_nxt, wnd))
        self.unacked_rcv = 0
        self.delack_at = None
        if self.quick > 0:
            self.quick -= 1

    # -- 1. application writes ----------------------------------------------------------------------
    def app_writes(self, now: float) -> None:
        c = self.c
        if c.write_size and self.written < c.data:
            while self.next_write <= now + 1e-12 and self.written < c.data:
                self.written = min(c.data, self.written + c.write_size)
                self.next_write += c.write_interval

    # -- 2. ACKs reach the sender ---------------------------------------------------------------------
    def acks_arrive(self, k: int, now: float) -> None:
        while self.to_snd and self.to_snd[0][0] == k:
            _, ack, wnd = self.to_snd.popleft()
            prior_in_flight = self.snd_nxt - self.snd_una
            if ack > self.snd_una:
                sent_at = None
                while self.unacked and self.unacked[0][0] <= ack:
                    sent_at = self.unacked.popleft()[1]
                if sent_at is not None:
                    self.est.on_sample(max(now - sent_at, self.c.step), now=now)
                self.snd_una = ack
            if ack + wnd > self.snd_right:
                self.snd_right = ack + wnd
            self.max_wnd = max(self.max_wnd, wnd)
            if prior_in_flight == 0 and self.probe_at is not None:
                self.ack_probe(now)

    def ack_probe(self, now: float) -> None:
        """tcp_ack_probe: stop the persist timer if the head segment fits, else re-arm it from now."""
        c = self.c
        head = min(c.mss, self.written - self.snd_nxt)
        if head > 0 and self.snd_nxt + head <= min(self.snd_right, self.snd_una + c.cwnd):
            self.probe_at, self.backoff = None, 0
        else:
            self.probe_at = now + self.probe_interval()

    def probe_interval(self) -> float:
        """tcp_probe0_when: ``min(max(RTO, rto_min) << backoff, rto_max)``."""
        return min(max(self.est.rto, self.rto_min) * (1 << self.backoff), self.rto_max)

    # -- 3. segments reach the receiver ---------------------------------------------------------------
    def segments_arrive(self, k: int, now: float) -> None:
        c = self.c
        while self.to_rcv and self.to_rcv[0][0] == k:
            _, seq, length, is_probe = self.to_rcv.popleft()
            if is_probe or length == 0:
                self.send_ack(k, now, "ack")  # out-of-window: immediate (duplicate) ACK with the window
                continue
            take = min(length, c.rcv_buf - self.buffered)
            self.dropped += length - take
            self.rcv_nxt += take
            self.buffered += take
            self.unacked_rcv += take
            self.track_ato(now)
            if not c.delayed_ack or self.quick > 0:
                self.send_ack(k, now, "ack")
            elif self.unacked_rcv > c.mss and self.window_now() >= self.rcv_right - self.rcv_nxt:
                self.send_ack(k, now, "ack")
            elif self.delack_at is None:
                self.delack_at = now + min(self.ato, self.delack_max)

    def track_ato(self, now: float) -> None:
        """tcp_event_data_recv: quickack at the first data, ATO tracks the arrival gaps."""
        quick = min(max(self.rcv_right // (2 * self.c.mss), 2), self.max_quick)
        if self.lrcv is None:
            self.quick = quick
            self.ato = self.ato_min
        else:
            gap = now - self.lrcv
            if gap <= self.ato_min / 2:
                self.ato = self.ato / 2 + self.ato_min / 2
            elif gap < self.ato:
                self.ato = min(self.ato / 2 + gap, self.rcv_rto)
            elif gap > self.rcv_rto:
                self.quick = quick
        self.lrcv = now

    # -- 4. the receiving application reads -----------------------------------------------------------
    def app_reads(self, k: int, now: float) -> None:
        c = self.c
        paused = c.pause_len > 0 and c.pause_start <= now < c.pause_start + c.pause_len
        if c.read_rate <= 0 or paused:
            return
        self.read_credit += c.read_rate * c.step
        n = min(self.buffered, int(self.read_credit))
        if n > 0:
            self.read_credit -= n
            cur = self.rcv_right - self.rcv_nxt
            self.buffered -= n
            self.read_total += n
            new = self.window_now()
            if new > 0 and new >= 2 * cur and 2 * cur <= self.wclamp:  # tcp_cleanup_rbuf
                self.send_ack(k, now, "window_update")
        if self.buffered == 0:
            self.read_credit = min(self.read_credit, c.read_rate * c.step)

    # -- 5. delayed-ACK timer -------------------------------------------------------------------------
    def delack_timer(self, k: int, now: float) -> None:
        if self.delack_at is not None and self.delack_at <= now + 1e-12:
            self.ato = min(2 * self.ato, self.rcv_rto)
            self.send_ack(k, now, "delayed_ack")

    # -- 6. sender: persist timer, then transmit ------------------------------------------------------
    def persist_timer(self, k: int, now: float, wnd_end: int) -> None:
        """tcp_probe_timer / tcp_send_probe0: a zero-length probe, or new data if part of the window is open."""
        if self.probe_at is None or self.probe_at > now + 1e-12:
            return
        avail = self.written - self.snd_nxt
        if self.snd_nxt != self.snd_una or avail <= 0:
            self.probe_at, self.backoff = None, 0
            return
        usable = wnd_end - self.snd_nxt
        if usable > 0:
            self.put_segment(k, now, min(usable, self.c.mss, avail), "probe_data")
        else:
            self.to_rcv.append((k + self.delay, self.snd_una - 1, 0, True))
            self.events.append(FlowEvent(now, "probe", self.snd_una - 1, 0, 0, 0))
        self.backoff = min(self.backoff + 1, self.retries2)
        self.probe_at = now + self.probe_interval()

    def put_segment(self, k: int, now: float, seg: int, kind: str) -> None:
        """Send ``seg`` new bytes from SND.NXT."""
        self.to_rcv.append((k + self.delay, self.snd_nxt, seg, False))
        self.unacked.append((self.snd_nxt + seg, now))
        self.events.append(FlowEvent(now, kind, self.snd_nxt, seg, 0, 0))
        self.snd_nxt += seg

    def next_segment(self, wnd_end: int) -> tuple[int, bool]:
        """Size of the next data segment (0: none now) and whether the window is what stops the sender."""
        c = self.c
        avail = self.written - self.snd_nxt
        usable = wnd_end - self.snd_nxt
        if avail <= 0:
            return 0, False
        if usable <= 0:
            return 0, True
        seg = min(c.mss, avail, usable)
        if seg < c.mss:
            if seg == avail:  # the last queued bytes: Nagle decides (RFC 1122 §4.2.3.4 (b))
                if c.nagle and (self.snd_sml > self.snd_una if c.minshall else self.snd_nxt > self.snd_una):
                    return 0, False
            elif c.sws and seg < self.max_wnd / 2:  # cut by the window: (c) needs ≥ ½ max window
                return 0, True
        return seg, False

    def send_data(self, k: int, now: float, wnd_end: int) -> None:
        """Send what the window, Nagle, SWS avoidance and the link rate allow; arm the persist timer."""
        c = self.c
        if c.link_rate is not None:
            self.credit = min(self.credit + c.link_rate * c.step, max(float(c.mss), c.link_rate * c.step))
        while True:
            seg, blocked_by_window = self.next_segment(wnd_end)
            if seg == 0 or (c.link_rate is not None and self.credit < seg):
                break
            if seg < c.mss:
                self.snd_sml = self.snd_nxt + seg
            self.put_segment(k, now, seg, "data")
            if c.link_rate is not None:
                self.credit -= seg
        if blocked_by_window and self.snd_nxt == self.snd_una and self.probe_at is None:  # tcp_check_probe_timer
            self.probe_at = now + max(self.est.rto, self.rto_min)

    def record(self, now: float, wnd_end: int) -> None:
        wnd = self.snd_right - self.snd_una
        self.steps.append(FlowStep(now, self.snd_una, self.snd_nxt, wnd_end, self.written, wnd, self.buffered,
                                   self.read_total, self.rcv_right - self.rcv_nxt, wnd <= 0))


def simulate_flow(
    *,
    data: int = 300_000, write_size: int = 0, write_interval: float = 0.01,             # the writer
    rcv_buf: int = 65_536, read_rate: float = 100_000.0,                                # the reader
    pause_start: float = 0.0, pause_len: float = 0.0,
    rtt: float = 0.05, mss: int = 1460, cwnd: int | None = None,                        # the path
    link_rate: float | None = 1_250_000.0, wscale: int = 7,
    nagle: bool = True, nagle_variant: str = "minshall",                                # the sender
    delayed_ack: bool = True, sws_avoidance: bool = True,                               # both ends
    duration: float = 2.0, step: float = 0.001,                                         # the clock
) -> FlowTrace:
    """Simulate flow control between one sender and one receiver, step by step.

    Parameters
    ----------
    data : int
        Bytes the sending application writes in total, in [1, 10**9].
    write_size : int
        Bytes per application write, in [0, 10**9]; 0 writes everything at
        time 0 (a bulk transfer).
    write_interval : float
        Seconds between writes when ``write_size > 0``, in [0.001, 60].
    rcv_buf : int
        Receive buffer in bytes, in [mss, 2**30].
    read_rate : float
        Bytes per second the receiving application reads, in [0, 1e10]
        (0: it never reads).
    pause_start, pause_len : float
        The reader pauses for ``pause_len`` seconds from ``pause_start``
        (both in [0, 3600]; ``pause_len = 0``: no pause).
    rtt : float
        Round-trip time in seconds (one-way delay RTT/2), in [0.002, 10].
    mss : int
        Maximum segment size in bytes, in [88, 65495].
    cwnd : int, optional
        Fixed congestion window in bytes, in [mss, 2**31]; None: no limit.
    link_rate : float, optional
        Sender link rate in bytes per second, in [1000, 1e11]; None: unlimited.
    wscale : int
        The receiver's window scale shift, in [0, 14].
    nagle : bool
        Nagle's algorithm on the sender (off = ``TCP_NODELAY``).
    nagle_variant : {"minshall", "rfc896"}
        Which small segments Nagle holds back (see Notes).
    delayed_ack : bool
        Delayed ACKs on the receiver (off = immediate ACK for every segment).
    sws_avoidance : bool
        Silly window syndrome avoidance on both sides.
    duration : float
        Simulated seconds, in [step, 600].
    step : float
        Time step in seconds, in [0.0001, 0.1]; at most 200000 steps.

    Returns
    -------
    FlowTrace
        One :class:`FlowStep` per time step and every segment sent.

    Raises
    ------
    ValueError
        A parameter out of range; the message names it and its range.
    TypeError
        A parameter of the wrong type (e.g. a float ``mss``).

    Notes
    -----
    The rules and their RFC and Linux sources are listed in the module
    docstring. Each step of ``step`` seconds runs, in order: application
    writes, ACKs reach the sender, segments reach the receiver, the reader
    reads, the delayed-ACK timer, the persist timer, the sender transmits.

    Examples
    --------
    >>> t = simulate_flow(data=100_000, rcv_buf=16_384, read_rate=0.0, duration=2.0)
    >>> t.delivered, t.steps[-1].buffered          # the reader never reads: 16 KiB fit, then zero window
    (16384, 16384)
    >>> len(t.probes) >= 2
    True
    """
    cfg = _FlowConfig.check(
        data=data, write_size=write_size, write_interval=write_interval, rcv_buf=rcv_buf, read_rate=read_rate,
        pause_start=pause_start, pause_len=pause_len, rtt=rtt, mss=mss, cwnd=cwnd, link_rate=link_rate,
        wscale=wscale, nagle=nagle, nagle_variant=nagle_variant, delayed_ack=delayed_ack,
        sws_avoidance=sws_avoidance, duration=duration, step=step)
    return _FlowSim(cfg).run()


# --- persist timer ------------------------------------------------------------------------------


def persist_probe_times(rto: float, probes: int, *, rtt: float = 0.0, rto_min: float | None = None,
                        rto_max: float | None = None) -> tuple[float, ...]:
    """When Linux sends zero-window probes, counted from the moment the sender sees a zero window.

    Parameters
    ----------
    rto : float
        The connection's current RTO in seconds, in [0.001, 120] (``icsk_rto``;
        ``TCP_INFO`` reports it as ``tcpi_rto``).
    probes : int
        How many probe times to return, in [1, 64].
    rtt : float
        Round-trip time in seconds, in [0, 10]: each probe's ACK (still showing a
        zero window) restarts the timer one RTT after the probe left.
    rto_min, rto_max : float, optional
        Defaults ``LINUX["TCP_RTO_MIN"]`` and ``LINUX["TCP_RTO_MAX"]``.

    Returns
    -------
    tuple of float
        Send times of probes 1…``probes`` in seconds.

    Notes
    -----
    ``tcp_check_probe_timer`` arms the timer at ``base = max(rto, rto_min)``
    (``tcp_probe0_base``, include/net/tcp.h). ``tcp_send_probe0``
    (net/ipv4/tcp_output.c) sends the probe, increments ``icsk_backoff`` and
    re-arms at ``min(base << backoff, rto_max)`` (``tcp_probe0_when``); when the
    probe's ACK arrives and the window is still closed, ``tcp_ack_probe``
    (net/ipv4/tcp_input.c) re-arms the same interval from that moment. So
    probe *k+1* leaves ``rtt + min(base·2^k, rto_max)`` after probe *k*.
    :func:`simulate_flow` follows the same rules step by step.

    Examples
    --------
    >>> [round(t, 3) for t in persist_probe_times(0.2, 5)]
    [0.2, 0.6, 1.4, 3.0, 6.2]
    >>> [round(t, 2) for t in persist_probe_times(1.0, 3, rtt=0.1)]
    [1.0, 3.1, 7.2]
    """
    r = check_float("rto", rto, lo=0.001, hi=120.0)
    n = check_int("probes", probes, lo=1, hi=64)
    d = check_float("rtt", rtt, lo=0.0, hi=10.0)
    lo = float(LINUX["TCP_RTO_MIN"].value) if rto_min is None else check_float("rto_min", rto_min, lo=0.001, hi=60.0)
    hi = float(LINUX["TCP_RTO_MAX"].value) if rto_max is None else check_float("rto_max", rto_max, lo=1.0, hi=3600.0)
    base = max(r, lo)
    t = [base]
    for k in range(1, n):
        t.append(t[-1] + d + min(base * 2**k, hi))
    return tuple(t)


# --- Nagle + delayed ACK --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StallResult:
    """Timeline of one write-write-read request (see :func:`nagle_delack_stall`).

    ``events`` are ``(time, who, what)`` tuples in Chinese for the figure;
    ``latency`` is when the client has the response; ``stall`` is the part
    of it caused by waiting for the delayed ACK.
    """

    rtt: float
    nagle: bool
    delayed_ack: bool
    ato: float
    latency: float
    stall: float
    events: tuple[tuple[float, str, str], ...]


def nagle_delack_stall(
    *,
    rtt: float = 0.0001,
    nagle: bool = True,
    delayed_ack: bool = True,
    ato: float | None = None,
    header: int = 100,
    body: int = 100,
    mss: int = 1460,
) -> StallResult:
    """The write-write-read stall: a request sent in two small writes, answered only when complete.

    The client writes a header, then a body (both smaller than MSS), then
    waits for the response; the server answers only after it has both.

    Parameters
    ----------
    rtt : float
        Round-trip time in seconds, in [0.00001, 10].
    nagle : bool
        Nagle on the client (``TCP_NODELAY`` off).
    delayed_ack : bool
        Delayed ACK on the server (steady state: quickack mode is over).
    ato : float, optional
        Delayed-ACK timeout in seconds, in [0.001, 0.5]; default
        ``LINUX["TCP_DELACK_MIN"]`` (40 ms; other systems use up to 200 ms).
    header, body : int
        Sizes of the two writes in bytes, each in [1, mss − 1].
    mss : int
        In [88, 65495].

    Returns
    -------
    StallResult

    Notes
    -----
    With Nagle (RFC 896; Linux Minshall variant), the body waits because the
    small header is unacknowledged. The server's TCP delays its ACK (RFC 1122
    §4.2.3.2), hoping to piggyback it on a response — but the application
    cannot answer a half request. The two wait for each other until the
    delayed-ACK timer fires: latency = 2·RTT + ATO instead of 1·RTT. Either
    ``TCP_NODELAY`` on the client or an immediate ACK (``TCP_QUICKACK``) on
    the server removes the ATO term; writing the request in one call
    (``writev``/``sendmsg`` or a user-space buffer) removes the problem.

    Examples
    --------
    >>> r = nagle_delack_stall(rtt=0.01)
    >>> round(r.latency, 3), round(r.stall, 3)
    (0.06, 0.04)
    >>> round(nagle_delack_stall(rtt=0.01, nagle=False).latency, 3)
    0.01
    """
    rtt = check_float("rtt", rtt, lo=0.00001, hi=10.0)
    nagle = check_bool("nagle", nagle)
    delayed_ack = check_bool("delayed_ack", delayed_ack)
    a = check_float("ato", LINUX["TCP_DELACK_MIN"].value if ato is None else ato, lo=0.001, hi=0.5)
    mss = check_int("mss", mss, lo=int(LINUX["TCP_MIN_MSS"].value), hi=int(LINUX["loopback_mss"].value))
    check_int("header", header, lo=1, hi=mss - 1)
    check_int("body", body, lo=1, hi=mss - 1)
    half = rtt / 2
    ev: list[tuple[float, str, str]] = [(0.0, "客户端", "write(header)：发出第 1 个小段")]
    if not nagle:
        ev.append((0.0, "客户端", "write(body)：TCP_NODELAY，立即发出"))
        ev.append((half, "服务端", "收齐请求，应用立即回复（ACK 捎带在响应里）"))
        latency, stall = rtt, 0.0
    else:
        ev.append((0.0, "客户端", "write(body)：Nagle 扣住（已有未确认的小段）"))
        wait = a if delayed_ack else 0.0
        if delayed_ack:
            ev.append((half, "服务端", f"收到 header；请求不完整，ACK 延迟 {a * 1000:.0f} ms"))
        else:
            ev.append((half, "服务端", "收到 header，立即 ACK"))
        ev.append((half + wait, "服务端", "发出 ACK"))
        ev.append((rtt + wait, "客户端", "收到 ACK，Nagle 放行 body"))
        ev.append((1.5 * rtt + wait, "服务端", "收齐请求，应用回复"))
        latency, stall = 2 * rtt + wait, wait
    ev.append((latency, "客户端", "read() 返回响应"))
    return StallResult(rtt, nagle, delayed_ack, a, latency, stall, tuple(ev))


# --- bandwidth-delay product ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BdpResult:
    """Buffer sizing from the bandwidth-delay product (see :func:`bdp`)."""

    bandwidth: float  # bit/s
    rtt: float  # s
    bytes: int  # BDP in bytes
    segments: float  # BDP in MSS-sized segments
    wscale: int  # smallest window scale shift whose max window ≥ BDP (14 if none is)
    fits_unscaled: bool  # BDP ≤ 65535
    fits_max_window: bool  # BDP ≤ 65535 << 14
    default_rmem_throughput: float  # bit/s reachable when a tcp_rmem[1] buffer sets the window
    max_rmem_throughput: float  # bit/s reachable when a tcp_rmem[2] buffer sets the window


def window_limited_throughput(window: int, rtt: float) -> float:
    """Highest throughput in bit/s with at most ``window`` bytes in flight per RTT: ``8·window/rtt``.

    Parameters
    ----------
    window : int
        Window in bytes, in [1, 2**31].
    rtt : float
        Round-trip time in seconds, in [1e-6, 100].

    Examples
    --------
    >>> round(window_limited_throughput(65535, 0.1) / 1e6, 2)   # 64 KiB per 100 ms
    5.24
    """
    w = check_int("window", window, lo=1, hi=2**31)
    r = check_float("rtt", rtt, lo=1e-6, hi=100.0)
    return 8 * w / r


_WINDOW_SHARE = float(LINUX["TCP_DEFAULT_SCALING_RATIO"].value)


def bdp(bandwidth: float, rtt: float, *, mss: int = 1460) -> BdpResult:
    """Bandwidth-delay product: how many bytes must be in flight to fill the path.

    Parameters
    ----------
    bandwidth : float
        Bottleneck bandwidth in bit/s, in [1000, 1e12].
    rtt : float
        Round-trip time in seconds, in [1e-6, 100].
    mss : int
        Segment size in bytes, in [88, 65495].

    Returns
    -------
    BdpResult

    Notes
    -----
    A sender can have at most min(rwnd, cwnd) bytes unacknowledged
    (RFC 5681 §2), so throughput ≤ window / RTT. To reach ``bandwidth``, the
    receive window — hence the receive buffer (``tcp_rmem``), and the send
    buffer (``tcp_wmem``) that must hold the unacknowledged bytes — needs at
    least BDP = bandwidth × RTT / 8 bytes, and a window scale shift large
    enough for it (RFC 7323 §1.1). In practice buffers are set above the
    BDP because part of a socket buffer goes to kernel bookkeeping, not to
    the advertised window: the ``*_rmem_throughput`` fields count a window
    of ``TCP_DEFAULT_SCALING_RATIO`` (one half) of the buffer, the share
    Linux advertises before it has measured the real ratio
    (include/net/tcp.h ``tcp_win_from_space``).

    Examples
    --------
    >>> r = bdp(1e9, 0.1)            # 1 Gbit/s, 100 ms
    >>> r.bytes, r.wscale, r.fits_unscaled
    (12500000, 8, False)
    """
    bw = check_float("bandwidth", bandwidth, lo=1000.0, hi=1e12)
    r = check_float("rtt", rtt, lo=1e-6, hi=100.0)
    mss = check_int("mss", mss, lo=int(LINUX["TCP_MIN_MSS"].value), hi=int(LINUX["loopback_mss"].value))
    n = int(math.ceil(bw * r / 8))
    shift = next((s for s in range(_MAX_SHIFT + 1) if MAX_WINDOW_FIELD << s >= n), _MAX_SHIFT)
    return BdpResult(
        bw, r, n, n / mss, shift, n <= MAX_WINDOW_FIELD, n <= MAX_WINDOW_FIELD << _MAX_SHIFT,
        window_limited_throughput(int(LINUX["tcp_rmem_default"].value * _WINDOW_SHARE), r),
        window_limited_throughput(int(LINUX["tcp_rmem_max"].value * _WINDOW_SHARE), r),
    )
