"""The SACK scoreboard of one sender: what the receiver holds, what is lost, what is in the pipe.

>>> b = Scoreboard()
>>> b.on_ack(0, 2, 0, 0.0, 0.1)   # ackno 0, caused by segment 2 (sent at 0 s), una 0, SRTT 0.1 s   # segment 2 arrived, 0 and 1 did not
>>> b.pipe(0, 5), b.next_hole(0, now=0.2), b.next_hole(0, now=0.2)
(2, 0, 1)

Simplified RFC 6675 / Linux scoreboard, in segments:

* each ACK carries one SACK block, the segment that caused it (RFC 2018);
* ``pipe`` counts the segments sent after the highest SACKed one plus the
  retransmissions not yet acknowledged (FACK-style, Linux
  ``tcp_packets_in_flight`` with every hole below the highest SACK marked
  lost); after a timeout everything sent before it counts as lost (Linux
  ``tcp_enter_loss``);
* RACK (RFC 8985 §6.2): a retransmission sent more than ``reo_wnd = SRTT/4``
  before a segment that has now been delivered is lost again, and its hole
  is repaired once more.
"""

from __future__ import annotations

from collections import deque

__all__ = ["Scoreboard"]


class Scoreboard:
    """SACKed segments, outstanding retransmissions and the next hole to repair."""

    __slots__ = ("high_sack", "sacked", "retx", "retx_q", "hole", "rto_mark")

    def __init__(self) -> None:
        self.high_sack = -1  # highest SACKed sequence number
        self.sacked: set[int] = set()
        self.retx: set[int] = set()  # retransmitted, not yet acknowledged nor lost again
        self.retx_q: deque[tuple[float, int]] = deque()  # (send time, seq) of retransmissions, oldest first
        self.hole = 0  # where the search for the next hole starts
        self.rto_mark = 0  # everything below was outstanding at the last timeout: lost

    def marked(self, una: int) -> bool:
        """True if anything is SACKed, retransmitted or lost; otherwise pipe = flight size."""
        return bool(self.sacked or self.retx) or self.rto_mark > una

    def pipe(self, una: int, nxt: int) -> int:
        """Segments presumed in the network (RFC 6675 "pipe", FACK-style)."""
        lo = self.high_sack + 1
        if lo < una:
            lo = una
        if lo < self.rto_mark:
            lo = self.rto_mark
        n = nxt - lo + len(self.retx)
        return n if n > 0 else 0

    def on_ack(self, ackno: int, seq: int, una: int, sent_t: float, srtt: float) -> None:
        """An ACK for ``ackno`` caused by segment ``seq`` (sent at ``sent_t``) arrived; ``una`` is the old SND.UNA."""
        sacked = self.sacked
        retx = self.retx
        if seq >= ackno:
            sacked.add(seq)
            if seq > self.high_sack:
                self.high_sack = seq
        if retx:
            retx.discard(seq)
            rq = self.retx_q
            reo = srtt * 0.25  # RACK reo_wnd (RFC 8985 §6.2)
            while rq and rq[0][0] + reo < sent_t:
                h = rq.popleft()[1]
                if h in retx:
                    retx.discard(h)
                    if h < self.hole:
                        self.hole = h
        if ackno > una and (sacked or retx):
            for s in range(una, ackno):
                sacked.discard(s)
                retx.discard(s)

    def retransmitting(self, seq: int, now: float) -> None:
        """``seq`` is being retransmitted at ``now``; the next hole is searched from ``seq + 1``."""
        self.retx.add(seq)
        self.retx_q.append((now, seq))
        self.hole = seq + 1

    def next_hole(self, una: int, now: float) -> int:
        """The lowest lost segment not yet retransmitted, marked as retransmitted now; −1 if none."""
        h = self.hole if self.hole > una else una
        hs = self.high_sack if self.high_sack > self.rto_mark else self.rto_mark
        sacked = self.sacked
        retx = self.retx
        while h < hs and (h in sacked or h in retx):
            h += 1
        if h < hs:
            self.retransmitting(h, now)
            return h
        self.hole = h
        return -1

    def on_timeout(self, una: int, nxt: int) -> None:
        """RTO: keep the SACKs, mark everything outstanding lost (Linux ``tcp_enter_loss``)."""
        self.rto_mark = nxt
        self.retx.clear()
        self.retx_q.clear()
        self.hole = una
