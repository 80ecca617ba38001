"""The events that drive the TCP state machine: user calls, arriving segments, timers.

>>> Event.RCV_SYN_ACK.kind
'segment'

Event names follow RFC 9293 §3.10 ("Event Processing"): user calls (OPEN, SEND,
CLOSE, ABORT), "SEGMENT ARRIVES" and timeouts. A received segment is named by
what it *means to the receiver*, not only by its flag bits:

* ``RCV_ACK`` — an acceptable ACK that acknowledges our outstanding SYN or FIN
  (in states with nothing outstanding: any acceptable ACK);
* ``RCV_FIN`` — an in-order FIN that does *not* acknowledge a FIN of ours (or we
  sent none); ``RCV_FIN_ACK`` — a FIN whose ACK also covers our outstanding SYN
  or FIN (FIN_WAIT_1 → TIME_WAIT in one step);
* ``RCV_BAD_ACK`` — a segment whose ACK field acknowledges something never sent
  or not the SYN we sent (RFC 9293 §3.10.7.3 "SEG.ACK =< ISS or SEG.ACK >
  SND.NXT"); ``RCV_OLD_SYN`` — a SYN whose sequence number is not above
  RCV.NXT (an old duplicate arriving in TIME_WAIT).

On the wire every segment after the handshake also carries the ACK bit, so a
"FIN" of the RFC is captured as ``FIN+ACK`` (see :mod:`tcpkit.connection`).
"""

from __future__ import annotations

import enum

__all__ = ["Event"]

_KIND = {
    "PASSIVE_OPEN": "user", "ACTIVE_OPEN": "user", "SEND": "user", "CLOSE": "user", "ABORT": "user",
    "RCV_SYN": "segment", "RCV_SYN_ACK": "segment", "RCV_ACK": "segment", "RCV_FIN": "segment",
    "RCV_FIN_ACK": "segment", "RCV_RST": "segment", "RCV_BAD_ACK": "segment", "RCV_OLD_SYN": "segment",
    "RTO": "timer", "USER_TIMEOUT": "timer", "TIME_WAIT_TIMEOUT": "timer", "FIN_WAIT_2_TIMEOUT": "timer",
}

_LABEL = {
    "PASSIVE_OPEN": "listen()",
    "ACTIVE_OPEN": "connect()",
    "SEND": "send()",
    "CLOSE": "close()",
    "ABORT": "abort",
    "RCV_SYN": "收到 SYN",
    "RCV_SYN_ACK": "收到 SYN+ACK",
    "RCV_ACK": "收到 ACK",
    "RCV_FIN": "收到 FIN",
    "RCV_FIN_ACK": "收到 FIN（同时确认我方 FIN）",
    "RCV_RST": "收到 RST",
    "RCV_BAD_ACK": "收到不可接受的 ACK",
    "RCV_OLD_SYN": "收到旧的重复 SYN",
    "RTO": "重传超时",
    "USER_TIMEOUT": "重传次数/时间耗尽",
    "TIME_WAIT_TIMEOUT": "TIME_WAIT 到期",
    "FIN_WAIT_2_TIMEOUT": "FIN_WAIT_2 超时",
}


class Event(enum.Enum):
    """An input of the TCP state machine (RFC 9293 §3.10).

    ``kind`` is ``"user"`` (a socket call), ``"segment"`` (SEGMENT ARRIVES,
    §3.10.7) or ``"timer"`` (§3.10.8, plus the Linux-only FIN_WAIT_2 timer).
    """

    PASSIVE_OPEN = "PASSIVE_OPEN"
    ACTIVE_OPEN = "ACTIVE_OPEN"
    SEND = "SEND"
    CLOSE = "CLOSE"
    ABORT = "ABORT"
    RCV_SYN = "RCV_SYN"
    RCV_SYN_ACK = "RCV_SYN_ACK"
    RCV_ACK = "RCV_ACK"
    RCV_FIN = "RCV_FIN"
    RCV_FIN_ACK = "RCV_FIN_ACK"
    RCV_RST = "RCV_RST"
    RCV_BAD_ACK = "RCV_BAD_ACK"
    RCV_OLD_SYN = "RCV_OLD_SYN"
    RTO = "RTO"
    USER_TIMEOUT = "USER_TIMEOUT"
    TIME_WAIT_TIMEOUT = "TIME_WAIT_TIMEOUT"
    FIN_WAIT_2_TIMEOUT = "FIN_WAIT_2_TIMEOUT"

    @property
    def kind(self) -> str:
        """``"user"``, ``"segment"`` or ``"timer"``."""
        return _KIND[self.name]

    @property
    def label(self) -> str:
        """A short Chinese label for figures and tables, e.g. ``收到 SYN``."""
        return _LABEL[self.name]
