"""NewReno: Reno whose fast recovery survives partial ACKs (RFC 6582).

>>> n = NewReno(cwnd=20); n.on_loss(now=0.0, flight_size=20); n.on_partial_ack(now=0.1, acked=4); n.cwnd
10.0
"""

from __future__ import annotations

from typing import ClassVar

from .reno import Reno

__all__ = ["NewReno"]


class NewReno(Reno):
    """TCP NewReno (RFC 6582 §3.2) on top of :class:`Reno`'s window rules.

    Constructed like :class:`~tcpkit.congestion.base.CongestionController`
    (``cwnd=``, ``ssthresh=``).

    Notes
    -----
    The window rules are Reno's; the difference is in *when recovery ends*,
    which the sender (:mod:`tcpkit.congestion.sender`) implements with the ``recover`` variable (the highest
    sequence number sent when fast retransmit started, RFC 6582 §3.2 step 2):

    * a **partial ACK** (new data, but below ``recover``) retransmits the next
      hole, deflates cwnd by the newly acknowledged amount and adds back one
      segment (step 5, :meth:`on_partial_ack`) — recovery continues;
    * a **full ACK** (covers ``recover``) sets ``cwnd = ssthresh`` (step 3,
      option 2) and leaves recovery;
    * duplicate ACKs for data below ``recover`` never start a second fast
      retransmit (step 1).

    Examples
    --------
    >>> n = NewReno(cwnd=20)
    >>> n.on_loss(now=0.0, flight_size=20); n.in_recovery
    True
    >>> n.on_partial_ack(now=0.1, acked=1); n.in_recovery, n.cwnd
    (True, 13.0)
    """

    name: ClassVar[str] = "newreno"
    recovery: ClassVar[str] = "newreno"
