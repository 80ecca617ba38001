"""Capture TCP segments of one port on the loopback interface (helper for the basics tests; needs root).

An ``AF_PACKET`` socket on ``lo`` with a classic-BPF filter for "IPv4, TCP, this
port", so other jobs' loopback traffic never fills its buffer, and only the
incoming copy of each packet (lo shows every packet twice: outgoing and
incoming).
"""

from __future__ import annotations

import ctypes
import socket
import struct
import time

from tcpkit.segment import TcpSegment, parse_tcp

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
PACKET_OUTGOING = 4


def _bpf_tcp_port(port: int) -> list[tuple[int, int, int, int]]:
    """cBPF for 'ip and tcp and (src port P or dst port P)' on an Ethernet-framed interface (lo)."""
    return [
        (0x28, 0, 0, 12),          # 0  ldh [12]            ethertype
        (0x15, 0, 10, 0x0800),     # 1  jeq IPv4 ? next : drop
        (0x30, 0, 0, 23),          # 2  ldb [23]            IP protocol
        (0x15, 0, 8, 6),           # 3  jeq TCP ? next : drop
        (0x28, 0, 0, 20),          # 4  ldh [20]            fragment offset
        (0x45, 6, 0, 0x1FFF),      # 5  jset 0x1fff ? drop : next
        (0xB1, 0, 0, 14),          # 6  ldxb 4*([14]&0xf)   IP header length
        (0x48, 0, 0, 14),          # 7  ldh [x+14]          source port
        (0x15, 2, 0, port),        # 8  jeq P ? accept : next
        (0x48, 0, 0, 16),          # 9  ldh [x+16]          destination port
        (0x15, 0, 1, port),        # 10 jeq P ? accept : drop
        (0x06, 0, 0, 0x40000),     # 11 accept
        (0x06, 0, 0, 0),           # 12 drop
    ]


class LoopbackCapture:
    """``with LoopbackCapture(port) as cap: …; cap.segments()`` → list of parsed TCP segments."""

    def __init__(self, port: int) -> None:
        self.port = port
        # protocol 0: receive nothing until bind(), so no packet is queued before the filter is in place
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        prog = b"".join(struct.pack("HBBI", *ins) for ins in _bpf_tcp_port(port))
        self._buf = ctypes.create_string_buffer(prog)
        fprog = struct.pack("HL", len(prog) // 8, ctypes.addressof(self._buf))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("lo", ETH_P_ALL))  # CPython applies htons() to the protocol

    def __enter__(self) -> LoopbackCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def segments(self, *, want: int = 0, timeout: float = 2.0) -> list[TcpSegment]:
        """Read what has been captured (until ``want`` segments or ``timeout`` s of silence)."""
        out: list[TcpSegment] = []
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (not want or len(out) < want):
            try:
                frame, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                if not want:
                    break
                continue
            if addr[2] == PACKET_OUTGOING:
                continue
            ip = frame[14:]
            ihl = 4 * (ip[0] & 0x0F)
            total = struct.unpack("!H", ip[2:4])[0]
            out.append(parse_tcp(ip[ihl:total]))
        return out
