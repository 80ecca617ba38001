"""tcpkit — small, typed, pure-Python models of TCP and UDP for the tcpkit book.

>>> import tcpkit
>>> tcpkit.LINUX["TCP_TIMEWAIT_LEN"].value
60

Subpackages (imported on first use, so ``import tcpkit`` stays cheap and never
imports matplotlib or ipywidgets):

========================  ===============================================
``tcpkit.fsm``            the TCP state machine: one declarative table
``tcpkit.timers``         Linux SYN / SYN-ACK / FIN retransmission schedules
``tcpkit.connection``     two-endpoint connection simulator (scenarios)
``tcpkit.lab``            the only I/O: live lab and same-port demo on loopback
``tcpkit.congestion``     Tahoe, Reno, NewReno, CUBIC, BBR and a bottleneck simulator
``tcpkit.rto``            RFC 6298 retransmission-timeout estimator
``tcpkit.flow``           flow control: receive window, persist, Nagle, delayed ACK
``tcpkit.mss``            segmentation by MSS versus IP fragmentation
``tcpkit.siphash``        SipHash-2-4
``tcpkit.syncookie``      the Linux IPv4 SYN cookie
``tcpkit.queues``         SYN queue and accept queue under a SYN flood
``tcpkit.segment``        TCP/UDP headers, options and checksums
``tcpkit.capacity``       connection arithmetic: ports, TIME_WAIT, keepalive
``tcpkit.stream``         sequence/ack numbers and message framing
``tcpkit.arq``            reliable transfer over UDP: stop-and-wait, GBN, SR
``tcpkit.quic``           head-of-line blocking: TCP vs QUIC streams
``tcpkit.linux``          the Linux defaults table the book quotes
``tcpkit.plot``           figure helpers (CJK font); ``tcpkit.widgets``: explorers
========================  ===============================================
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import IllegalTransition, LabError, TcpkitError
from .linux import LINUX

__all__ = ["LINUX", "TcpkitError", "IllegalTransition", "LabError", "__version__"]
__version__ = "0.1.0"

_SUBMODULES = {
    "fsm", "timers", "connection", "lab", "congestion", "rto", "flow", "mss", "siphash",
    "syncookie", "queues", "segment", "capacity", "stream", "arq", "quic", "linux", "plot", "widgets",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'tcpkit' has no attribute {name!r}")
