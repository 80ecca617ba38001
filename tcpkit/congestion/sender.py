"""One TCP sender of the per-ACK simulator: sequence space, loss detection, recovery and timers.

>>> from tcpkit.congestion import Reno
>>> from tcpkit.congestion.clock import EventClock
>>> from tcpkit.congestion.link import Bottleneck
>>> clock = EventClock(1)
>>> link = Bottleneck(bandwidth_mbps=12, rtt_ms=20, buffer_pkts=50, mss=1500)
>>> s = Sender(0, Reno(cwnd=4), link, clock)
>>> s.send(0.0); s.snd_nxt, len(clock.acks), clock.rto[0]   # 4 segments out, the RTO armed at 1 s
(4, 4, 1.0)

The sender is what aioquic calls loss *recovery* (``quic/recovery.py``): it
owns everything but the window, and calls the controller's hooks
(:mod:`tcpkit.congestion.base`) when something happens:

* **sequence space**, in segments: ``snd_una`` (oldest unacknowledged),
  ``snd_nxt`` (next to send), window check ``snd_nxt − snd_una < cwnd``
  (RFC 5681 §2, FlightSize) or, for SACK senders, ``pipe < cwnd``
  (RFC 6675 §5);
* **loss detection**: the 3rd duplicate ACK triggers the fast retransmit
  (RFC 5681 §3.2, Linux ``tcp_reordering`` = 3); NewReno's ``recover``
  (RFC 6582 §3.2); for SACK senders the :class:`~.scoreboard.Scoreboard` with
  RACK-style time-threshold marking of lost retransmissions (RFC 8985 §6.2)
  and PRR (RFC 6937, Linux ``tcp_cwnd_reduction``);
* **retransmission timer**: an :class:`tcpkit.rto.RtoEstimator` (RFC 6298 with
  the Linux floor, see :func:`rto_estimator`), started when data is sent and
  the timer is idle (§5.1), restarted by an ACK of new data (§5.3), stopped
  when all is acknowledged (§5.2), doubled on expiry (§5.5); after a timeout
  go-back-N from ``snd_una`` (RFC 5681 §3.1) or, with SACK, retransmit what
  the scoreboard marks lost;
* **pacing** when the controller sets ``pacing_rate``: one segment per
  ``1/pacing_rate`` s, woken by the clock's pacing timer;
* **delivery-rate samples** (Linux ``net/ipv4/tcp_rate.c``, see
  :meth:`Sender.on_ack`).

The two per-ACK hooks are called through the controller's unchecked
``_ack`` / ``_sample``: every number the sender passes is finite and ≥ 0
by construction, and the public hooks' check would cost ~5 % of the run.
"""

from typing import Any  # no "from __future__ import annotations": autodoc resolves real annotation objects

from ..linux import LINUX
from ..rto import RtoEstimator
from .base import CongestionController
from .clock import EventClock
from .link import SCRIPTED, Bottleneck, Receiver
from .scoreboard import Scoreboard
from .trace import Event, FlowRecorder

__all__ = ["Sender", "rto_estimator", "DUPTHRESH"]

#: Duplicate ACKs that trigger the fast retransmit (Linux ``tcp_reordering``, RFC 5681 §3.2).
DUPTHRESH = int(LINUX["tcp_reordering"].value)
_INF = float("inf")


def rto_estimator() -> RtoEstimator:
    """The simulator's RTO: RFC 6298 §2 (α = 1/8, β = 1/4, K = 4, 1 s initial, 120 s cap) with the Linux floor.

    ``RTO = SRTT + max(4·RTTVAR, TCP_RTO_MIN)`` (``tcp_rtt_estimator``,
    ``__tcp_set_rto``) instead of RFC 6298's 1 s minimum: RFC 6298's clock
    granularity G is set to ``TCP_RTO_MIN`` (200 ms), which is exactly that floor.
    """
    rto_min = float(LINUX["TCP_RTO_MIN"].value)
    return RtoEstimator(
        flavor="rfc6298", granularity=rto_min, rto_min=rto_min, rto_max=float(LINUX["TCP_RTO_MAX"].value),
        initial_rto=float(LINUX["TCP_TIMEOUT_INIT"].value),
    )


class Sender:
    """Flow ``i``: sends through ``link``, gets its ACKs and timers from ``clock``, asks ``cc`` for the window.

    ``sack`` gives a "reno"/"newreno" controller the SACK sender (see
    :class:`~tcpkit.congestion.base.CongestionController` ``recovery``).
    """

    __slots__ = (
        "i", "cc", "style", "pipe_mode", "samples", "prr", "link", "receiver", "board", "est", "rto",
        "_acks", "_pace", "_rto_timer", "_admit", "_receive", "_queue", "snd_una", "snd_nxt", "tx_high", "dupacks", "in_rec", "recover",
        "delivered", "delivered_time", "next_send", "pace_pending", "prr_delivered", "prr_out", "recover_fs",
        "sent", "drops", "frs", "rtos", "events", "trace",
    )

    def __init__(
        self, i: int, cc: CongestionController, link: Bottleneck, clock: EventClock, *, sack: bool = False,
        rate_scale: float = 1.0,
    ) -> None:
        self.i = i
        self.cc = cc
        self.style = "sack" if sack and cc.recovery in ("reno", "newreno") else cc.recovery
        self.pipe_mode = self.style == "sack"
        self.samples = cc.wants_samples
        self.prr = self.pipe_mode and not self.samples
        self.link = link
        self.receiver = Receiver()
        self._admit = link.admit  # bound once: called for every segment
        self._receive = self.receiver.receive
        self._queue = link.queue
        self.board = Scoreboard()
        self.est = rto_estimator()
        self.rto = self.est.rto
        self._acks = clock.acks
        self._pace = clock.pace
        self._rto_timer = clock.rto
        # sequence space, in segments; tx_high: one past the highest ever sent (SND.NXT before any go-back-N)
        self.snd_una = self.snd_nxt = self.tx_high = 0
        # duplicate ACKs, recovery (NewReno ``recover``, RFC 6582) and PRR's counters (RFC 6937)
        self.dupacks = self.recover = self.prr_delivered = self.prr_out = 0
        self.in_rec = False
        self.recover_fs = 1
        # delivery-rate sampling (tcp_rate.c) and pacing
        self.delivered, self.delivered_time = 0, 0.0
        self.next_send, self.pace_pending = 0.0, False
        self.sent = self.drops = self.frs = self.rtos = 0
        self.events: list[Event] = []
        self.trace = FlowRecorder(rate_scale)  # rate_scale: segments/s → the trace's unit (Mbit/s)

    # -- output -----------------------------------------------------------
    def event(self, now: float, kind: str) -> None:
        self.events.append(Event(now, self.i, kind, self.cc.cwnd, self.cc.ssthresh))

    def inflight(self) -> int:
        """Segments in the network: the pipe for a SACK sender with a marked scoreboard, else the flight size."""
        una = self.snd_una
        if self.pipe_mode:
            b = self.board
            if b.sacked or b.retx or b.rto_mark > una:  # b.marked(una), inline: called twice per ACK
                return b.pipe(una, self.snd_nxt)
        return self.snd_nxt - una

    # -- sending ------------------------------------------------------------
    def transmit(self, seq: int, now: float) -> None:
        """Segment ``seq`` leaves at ``now``; if the link delivers it, its ACK joins the clock."""
        self.sent += 1
        if seq == self.tx_high:  # new data
            if seq == self.snd_una:  # nothing unacknowledged (Linux packets_out == 0): tcp_rate_skb_sent()
                self.delivered_time = now  # restarts the rate sample's clock at this send, not at the last ACK
            self.tx_high = seq + 1
        arrival = self._admit(now)
        if arrival < 0.0:
            self.drops += 1
            if arrival == SCRIPTED:
                self.event(now, "scripted_loss")
            return
        # FIFO link: the receiver's answer is known already (in order with nothing held: no call needed)
        rcv = self.receiver
        if seq == rcv.rcv_next and not rcv.ooo:
            rcv.rcv_next = ackno = seq + 1
        else:
            ackno = self._receive(seq)
        self._acks.append((arrival, self, ackno, now, self.delivered, self.delivered_time, seq))

    def send(self, now: float) -> None:
        """Send what the window (and the pacing rate) allows, then make sure the RTO timer runs (§5.1)."""
        if self.pipe_mode:
            self._send_sack(now)
        elif self.cc.pacing_rate is None:  # ACK clocking
            cwnd = self.cc.cwnd
            nxt = self.snd_nxt
            while nxt - self.snd_una < cwnd:
                self.transmit(nxt, now)
                nxt += 1
                self.snd_nxt = nxt
        else:
            self._send_paced(now)
        if self.snd_nxt > self.snd_una and self._rto_timer[self.i] == _INF:
            self._rto_timer[self.i] = now + self.rto

    def _pace_wait(self) -> None:
        """Too early for the next paced segment: arm the pacing timer (once)."""
        if not self.pace_pending:
            self.pace_pending = True
            self._pace[self.i] = self.next_send

    def _send_paced(self, now: float) -> None:
        gap = 1.0 / (self.cc.pacing_rate or _INF)  # send() calls this only while pacing_rate is set
        cwnd = self.cc.cwnd
        while self.snd_nxt - self.snd_una < cwnd:
            if self.next_send > now:
                self._pace_wait()
                break
            self.transmit(self.snd_nxt, now)
            self.snd_nxt += 1
            self.next_send = (self.next_send if self.next_send > now else now) + gap

    def _send_sack(self, now: float) -> None:
        """RFC 6675 §5: send while pipe < cwnd (or the PRR budget), holes first."""
        cc = self.cc
        b = self.board
        una = self.snd_una
        nxt = self.snd_nxt
        in_rec = self.in_rec
        repair = in_rec or b.rto_mark > una
        pipe = b.pipe(una, nxt) if (repair or b.sacked or b.retx) else nxt - una
        room = self._prr_room(pipe) if in_rec and self.prr else cc.cwnd - pipe
        if room < 1:
            if nxt != una:
                return
            room = 1  # nothing outstanding: one segment may always go (keeps the ACK clock alive)
        sent0 = room
        pr = cc.pacing_rate
        gap = 1.0 / pr if pr else 0.0
        ns = self.next_send
        while room >= 1:
            if gap and ns > now:  # too early for the next paced segment: arm the pacing timer (once)
                if not self.pace_pending:
                    self.pace_pending = True
                    self._pace[self.i] = ns
                break
            seq = b.next_hole(una, now) if repair else -1
            if seq < 0:
                seq = nxt
                nxt += 1
                self.snd_nxt = nxt
            self.transmit(seq, now)
            room -= 1
            if gap:
                ns = (ns if ns > now else now) + gap
                self.next_send = ns
        if in_rec:
            self.prr_out += int(sent0 - room) if sent0 > room else 0

    def _prr_room(self, pipe: int) -> float:
        """Segments PRR-SSRB lets out now (RFC 6937 §3, as Linux ``tcp_cwnd_reduction()``)."""
        ss = self.cc.ssthresh
        if pipe > ss:  # proportional part: prr_delivered · ssthresh / RecoverFS − prr_out, rounded up
            return -(-self.prr_delivered * ss // self.recover_fs) - self.prr_out
        d = self.prr_delivered - self.prr_out  # slow-start reduction bound
        return min(ss - pipe, (d if d > 1 else 1) + 1)

    # -- events from the clock ---------------------------------------------
    def on_ack(self, ack: tuple[Any, ...]) -> None:
        """An ACK arrives: sample, update the scoreboard, detect loss, send, record one trace row.

        ``ack`` = (arrival time, sender, ackno, send time of the segment that
        caused it, ``delivered`` and ``delivered_time`` at that send, its
        sequence number). The RTT sample is exact, as with TCP timestamps
        (RFC 7323): the ACK echoes the send time. The delivery rate is
        (delivered now − delivered at send) / (now − delivered_time at send),
        Linux ``tcp_rate_gen()`` (its ACK-phase interval).
        """
        now, _, ackno, sent_t, d_at_send, dt_at_send, seq = ack
        delivered = self.delivered + 1
        self.delivered = delivered
        self.delivered_time = now
        r = now - sent_t
        est = self.est
        self.rto = est.update(r, now)
        el = now - dt_at_send
        rate = (delivered - d_at_send) / el if el > 0 else 0.0
        una = self.snd_una
        cc = self.cc
        if self.pipe_mode:
            b = self.board
            if seq >= ackno or b.retx or b.sacked:  # else an in-order ACK with a clean scoreboard: nothing to do
                b.on_ack(ackno, seq, una, sent_t, est.srtt or r)  # srtt is set: update() just ran
            if self.samples:  # the pipe before this ACK's cumulative part is applied (as inflight())
                nxt = self.snd_nxt
                cc._sample(now, r, rate, b.pipe(una, nxt) if b.sacked or b.retx or b.rto_mark > una else nxt - una, 1.0)
            if self.in_rec:
                self.prr_delivered += 1
        if ackno > una:
            self._new_ack(now, ackno, r, rate)
        elif ackno == una and self.snd_nxt > una:
            self._dup_ack(now)
        if not (self.pace_pending and self.next_send > now):  # else send() would only find the pacing timer armed
            self.send(now)
        self.trace.row(now, cc.cwnd, cc.ssthresh, cc.phase, self.inflight(), rate, len(self._queue))

    def _new_ack(self, now: float, ackno: int, r: float, rate: float) -> None:
        cc = self.cc
        acked = ackno - self.snd_una
        self.snd_una = ackno
        self.dupacks = 0
        if self.snd_nxt < ackno:
            self.snd_nxt = ackno
        flight = self.snd_nxt - ackno
        if self.in_rec:
            if self.style == "reno" or ackno >= self.recover:
                self.in_rec = False
                cc.on_recovery_end(now=now, flight_size=flight)
                self.event(now, "recovery_end")
            elif not self.pipe_mode:  # NewReno partial ACK: deflate, retransmit the next hole, stay
                cc.on_partial_ack(now=now, acked=acked)
                self.transmit(ackno, now)
        elif not self.samples:
            # RFC 5681 §3.1: one SMSS per ACK in slow start, SMSS²/cwnd per ACK in CA, however much the ACK
            # covers; SACK (Linux-style) senders count the segments (RFC 3465, tcp_slow_start)
            cc._ack(now, acked if self.pipe_mode else 1, r, flight, rate)
        self._rto_timer[self.i] = now + self.rto if flight > 0 else _INF  # RFC 6298 §5.2, §5.3

    def _dup_ack(self, now: float) -> None:
        self.dupacks += 1
        if self.in_rec:
            if not self.pipe_mode:  # window inflation (RFC 5681 §3.2 step 4); SACK/PRR needs none
                self.cc.on_dup_ack(now=now)
        elif self.dupacks == DUPTHRESH and (self.style == "none" or self.snd_una >= self.recover):
            self._fast_retransmit(now)

    def _fast_retransmit(self, now: float) -> None:
        cc = self.cc
        una = self.snd_una
        flight = self.snd_nxt - una
        if self.samples:  # a cong_control module (BBR) is told the pipe: packet conservation
            flight = self.board.pipe(una, self.snd_nxt)
        elif self.pipe_mode and flight > cc.cwnd:  # SACK: Linux takes ssthresh from cwnd
            flight = int(cc.cwnd)
        cc.on_loss(now=now, flight_size=flight)
        self.frs += 1
        self.event(now, "fast_retransmit")
        if self.style != "none":
            self.in_rec = True
            self.recover = self.snd_nxt
            self.event(now, "recovery_start")
        if self.pipe_mode:  # later holes go out through send()
            self.prr_delivered = 1
            self.prr_out = 1
            self.recover_fs = flight if flight > 0 else 1
            self.board.retransmitting(una, now)
        self.transmit(una, now)

    def on_pacing_timer(self, now: float) -> None:
        """The pacing timer fired: disarm it and send what is due."""
        self._pace[self.i] = _INF
        self.pace_pending = False
        self.send(now)

    def on_rto_timer(self, now: float) -> None:
        """The retransmission timer expired: back off, retransmit ``snd_una``, go back N or repair with SACK."""
        cc = self.cc
        flight: float = self.snd_nxt - self.snd_una
        if self.pipe_mode and flight > cc.cwnd:  # Linux takes ssthresh from cwnd (tcp_enter_loss)
            flight = cc.cwnd
        cc.on_rto(now=now, flight_size=flight)
        self.rtos += 1
        self.in_rec = False
        self.dupacks = 0
        self.recover = self.snd_nxt
        self.rto = self.est.on_timeout().rto  # RFC 6298 §5.5
        self.event(now, "timeout")
        if self.pipe_mode:
            self.board.on_timeout(self.snd_una, self.snd_nxt)
            self.board.retransmitting(self.snd_una, now)
            self.transmit(self.snd_una, now)
        else:
            self.snd_nxt = self.snd_una  # go-back-N (RFC 5681 §3.1, no SACK)
            self.transmit(self.snd_nxt, now)
            self.snd_nxt += 1
        self._rto_timer[self.i] = now + self.rto  # §5.6
        self.next_send = now
        self.send(now)
        self.trace.row(now, cc.cwnd, cc.ssthresh, cc.phase, self.inflight(), 0.0, len(self._queue))
