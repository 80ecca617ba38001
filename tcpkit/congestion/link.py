"""The bottleneck link and the receiver of the per-ACK simulator.

>>> link = Bottleneck(bandwidth_mbps=12, rtt_ms=20, buffer_pkts=1, mss=1500)
>>> [round(link.admit(0.0), 4) for _ in range(3)]   # 1 ms per segment, 20 ms back; the 3rd finds the queue full
[0.021, 0.022, -2.0]

:class:`Bottleneck` is one drop-tail FIFO in front of a link of fixed rate,
followed by a fixed propagation delay (the whole round trip's, so the ACK
path needs no queue of its own). :class:`Receiver` turns the segments one flow
gets, in FIFO order, into cumulative ACK numbers (RFC 9293 §3.10.7.4: ACK
every segment, no delayed ACK).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable

__all__ = ["Bottleneck", "Receiver", "SCRIPTED", "DROPPED"]

#: :meth:`Bottleneck.admit` results for a lost segment (arrival times are ≥ 0).
SCRIPTED = -1.0
DROPPED = -2.0
_INF = float("inf")


class Bottleneck:
    """A link of ``bandwidth_mbps`` with a drop-tail queue of ``buffer_pkts`` segments and three loss patterns.

    Parameters are already validated by :func:`tcpkit.congestion.simulate`.
    A segment of ``mss`` bytes takes ``8·mss / rate`` to serialise; up to
    ``buffer_pkts`` segments wait behind the one being sent, an arrival that
    finds the queue full is dropped (drop-tail). Before the queue, a segment
    is lost if it is the first to arrive at or after a scripted loss time
    (``losses``), or with probability ``loss_rate`` (a ``random.Random(seed)``).
    """

    __slots__ = ("tx", "prop", "buffer", "queue", "last_dep", "loss_rate", "_rand", "_losses", "_next_loss")

    def __init__(
        self,
        *,
        bandwidth_mbps: float,
        rtt_ms: float,
        buffer_pkts: int,
        mss: int,
        loss_rate: float = 0.0,
        losses: Iterable[float] = (),
        seed: int = 0,
    ) -> None:
        self.tx = 8.0 * mss / (bandwidth_mbps * 1e6)  # serialisation time of one segment, s
        self.prop = rtt_ms / 1000.0
        self.buffer = buffer_pkts
        #: Departure times of the segments in the queue (and on the wire), oldest first.
        self.queue: deque[float] = deque()
        self.last_dep = 0.0
        self.loss_rate = loss_rate
        self._rand = random.Random(seed).random
        self._losses = deque(sorted(losses))
        self._next_loss = self._losses.popleft() if self._losses else _INF

    def admit(self, now: float) -> float:
        """A segment reaches the bottleneck at ``now``: its arrival time back at the sender's side, or a drop.

        Returns ``dep + prop`` (``dep`` = when its last bit leaves the link),
        :data:`SCRIPTED` for a scripted loss, :data:`DROPPED` for a random
        loss or a full queue.
        """
        if now >= self._next_loss:
            self._next_loss = self._losses.popleft() if self._losses else _INF
            return SCRIPTED
        if self.loss_rate and self._rand() < self.loss_rate:
            return DROPPED
        q = self.queue
        while q and q[0] <= now:
            q.popleft()
        if len(q) > self.buffer:
            return DROPPED
        last = self.last_dep
        dep = (now if now > last else last) + self.tx
        self.last_dep = dep
        q.append(dep)
        return dep + self.prop


class Receiver:
    """Cumulative ACK numbers for one flow: the next segment expected, out-of-order ones held."""

    __slots__ = ("rcv_next", "ooo")

    def __init__(self) -> None:
        self.rcv_next = 0
        self.ooo: set[int] = set()

    def receive(self, seq: int) -> int:
        """Segment ``seq`` arrived; return the ACK number (RFC 9293 §3.10.7.4)."""
        rn = self.rcv_next
        if seq == rn:
            rn += 1
            ooo = self.ooo
            if ooo:
                while rn in ooo:
                    ooo.discard(rn)
                    rn += 1
            self.rcv_next = rn
        elif seq > rn:
            self.ooo.add(seq)
        return rn
