"""Parse ``/proc/net/tcp``, ``/proc/net/tcp6`` and ``/proc/net/udp`` into plain records.

>>> parse_proc_net("  0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000 0 0 1 1")[0].state.name
'LISTEN'

The parser is pure (it takes the file's text); :func:`read_sockets` is the only
function here that reads the kernel.

Format (``net/ipv4/tcp_ipv4.c`` ``get_tcp4_sock()``, ``get_timewait4_sock()``,
``get_openreq4()``; ``net/ipv6/tcp_ipv6.c`` for tcp6): one socket per line,
``sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
timeout inode …``. Addresses are the raw 32-bit words printed in hex in host
byte order (little-endian on x86 and arm64), ports are big-endian hex. ``st``
is the state number of ``include/net/tcp_states.h``; 12 (``TCP_NEW_SYN_RECV``)
is the request socket of a half-open connection. ``tr`` is the pending timer:
0 none, 1 retransmit, 2 keepalive (or FIN_WAIT_2), 3 TIME_WAIT timer, 4 zero
window probe. For a LISTEN socket ``rx_queue`` is the current accept-queue
length (``sk_ack_backlog``).

A socket in TIME_WAIT, and an *orphaned* FIN_WAIT_2 socket (its owner called
``close()``), are kept by Linux as a small ``inet_timewait_sock`` that has no
file descriptor; ``/proc`` prints its ``tw_substate`` as ``st`` (06 or 05),
its timer as ``tr = 3`` and its inode as 0. That is how the lab tells an
orphaned FIN_WAIT_2 (``mini_socket`` true) from one kept alive by
``shutdown(SHUT_WR)``.
"""

from __future__ import annotations

import socket
import struct
import sys
from dataclasses import dataclass

from .._validate import check_choice
from ..fsm import State

__all__ = ["ProcSocket", "parse_proc_net", "decode_address", "read_sockets", "TCP_NEW_SYN_RECV"]

#: ``include/net/tcp_states.h``: the state of a request socket (half-open connection).
TCP_NEW_SYN_RECV = 12
#: ``/proc/net/udp`` prints an unconnected UDP socket as TCP_CLOSE (7).
_UDP_CLOSE = 7


@dataclass(frozen=True, slots=True)
class ProcSocket:
    """One line of ``/proc/net/{tcp,tcp6,udp,udp6}``.

    Attributes
    ----------
    proto : {"tcp", "udp"}
        The file family it came from.
    local_addr, remote_addr : str
        Dotted IPv4 or compressed IPv6 text.
    local_port, remote_port : int
        Ports (0 for a listener's remote side).
    code : int
        The raw ``st`` number (1–12).
    tx_queue, rx_queue : int
        Bytes queued (for LISTEN: ``rx_queue`` is the accept-queue length).
    timer : int
        Pending timer kind (``tr``): 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 probe.
    inode : int
        Socket inode; 0 for mini-sockets without a file descriptor.
    """

    proto: str
    local_addr: str
    local_port: int
    remote_addr: str
    remote_port: int
    code: int
    tx_queue: int
    rx_queue: int
    timer: int
    inode: int

    @property
    def state(self) -> State:
        """The RFC 9293 state; a request socket (code 12) is ``SYN_RECEIVED``."""
        if self.code == TCP_NEW_SYN_RECV:
            return State.SYN_RECEIVED
        return State.from_linux(self.code)

    @property
    def mini_socket(self) -> bool:
        """True for an ``inet_timewait_sock`` (TIME_WAIT or orphaned FIN_WAIT_2)."""
        return self.proto == "tcp" and self.timer == 3 and self.inode == 0


def decode_address(text: str) -> tuple[str, int]:
    """Decode ``"0100007F:1F90"`` into ``("127.0.0.1", 8080)``.

    Parameters
    ----------
    text : str
        ``ADDR:PORT`` as printed by the kernel: 8 hex digits (IPv4) or 32
        (IPv6, four host-order 32-bit words), a colon, 4 hex digits of port.

    Returns
    -------
    (str, int)
        The address as text and the port.

    Raises
    ------
    ValueError
        If the text is not in that format.

    Examples
    --------
    >>> decode_address("0100007F:1F90")
    ('127.0.0.1', 8080)
    >>> decode_address("00000000000000000000000001000000:0050")
    ('::1', 80)
    """
    try:
        addr_hex, port_hex = text.split(":")
        port = int(port_hex, 16)
        raw = bytes.fromhex(addr_hex)
    except ValueError:
        raise ValueError(f"text must look like 0100007F:1F90, got {text!r}") from None
    order = "<" if sys.byteorder == "little" else ">"
    if len(raw) == 4:
        words = struct.unpack(order + "I", raw)
        return socket.inet_ntop(socket.AF_INET, struct.pack("!I", words[0])), port
    if len(raw) == 16:
        words = struct.unpack(order + "4I", raw)
        return socket.inet_ntop(socket.AF_INET6, struct.pack("!4I", *words)), port
    raise ValueError(f"text must look like 0100007F:1F90, got {text!r}")


def parse_proc_net(text: str, *, proto: str = "tcp") -> list[ProcSocket]:
    """Parse the text of ``/proc/net/tcp`` (or tcp6, udp, udp6).

    Parameters
    ----------
    text : str
        The file's content; a header line (starting with ``sl``) is skipped.
    proto : {"tcp", "udp"}
        Which family the text came from.

    Returns
    -------
    list of ProcSocket
        One record per socket line.

    Raises
    ------
    ValueError
        If ``proto`` is unknown or a line is malformed.

    Examples
    --------
    >>> rows = parse_proc_net(
    ...     "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode\\n"
    ...     "   0: 0100007F:C00C 0100007F:B1AD 06 00000000:00000000 03:0000176A 00000000 0 0 0 3 0000")
    >>> r = rows[0]; (r.local_port, r.remote_port, r.state.name, r.mini_socket)
    (49164, 45485, 'TIME_WAIT', True)
    """
    check_choice("proto", proto, ("tcp", "udp"))
    out = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] == "sl":
            continue
        try:
            la, lp = decode_address(parts[1])
            ra, rp = decode_address(parts[2])
            code = int(parts[3], 16)
            tx, rx = (int(x, 16) for x in parts[4].split(":"))
            timer = int(parts[5].split(":")[0], 16)
            inode = int(parts[9])
        except (IndexError, ValueError):
            raise ValueError(f"line must be a /proc/net/{proto} socket line, got {line!r}") from None
        out.append(ProcSocket(proto, la, lp, ra, rp, code, tx, rx, timer, inode))
    return out


def read_sockets(proto: str = "tcp") -> list[ProcSocket]:
    """Read every socket of ``proto`` from ``/proc/net/<proto>`` and ``<proto>6`` (Linux only).

    Raises
    ------
    ValueError
        If ``proto`` is not ``"tcp"`` or ``"udp"``.
    OSError
        If the files cannot be read (not Linux, or no ``/proc``).
    """
    check_choice("proto", proto, ("tcp", "udp"))
    rows: list[ProcSocket] = []
    for suffix in ("", "6"):
        try:
            with open(f"/proc/net/{proto}{suffix}", encoding="ascii") as f:
                rows += parse_proc_net(f.read(), proto=proto)
        except FileNotFoundError:
            if suffix == "":
                raise
    return rows
