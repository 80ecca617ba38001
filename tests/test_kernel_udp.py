"""UDP on the real Linux kernel (loopback only): datagram boundaries, truncation, the largest payload.

These check the numbers the UDP page states against the kernel:
one sendto() = one recvfrom(); a short buffer truncates (MSG_TRUNC reports the real
length, the rest is discarded); 65535 − 20 − 8 = 65507 bytes is the largest IPv4
payload, 65535 − 8 = 65527 over IPv6 (RFC 768, RFC 8200).
"""

from __future__ import annotations

import errno
import socket

import pytest

pytestmark = pytest.mark.kernel


def _pair(family: int, host: str) -> tuple[socket.socket, socket.socket]:
    rx = socket.socket(family, socket.SOCK_DGRAM)
    tx = socket.socket(family, socket.SOCK_DGRAM)
    rx.bind((host, 0))
    rx.settimeout(2.0)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    return rx, tx


def test_each_sendto_is_one_recvfrom():
    rx, tx = _pair(socket.AF_INET, "127.0.0.1")
    try:
        msgs = [b"a", b"bb" * 10, b"", b"c" * 1000]
        for m in msgs:
            tx.sendto(m, rx.getsockname())
        got = [rx.recvfrom(65535)[0] for _ in msgs]
        assert got == msgs  # boundaries kept, even the empty datagram; no merging as with TCP
    finally:
        rx.close()
        tx.close()


def test_short_buffer_truncates_and_discards_the_rest():
    rx, tx = _pair(socket.AF_INET, "127.0.0.1")
    try:
        tx.sendto(b"0123456789", rx.getsockname())
        tx.sendto(b"next", rx.getsockname())
        data, _, flags, _ = rx.recvmsg(4)
        assert data == b"0123" and flags & socket.MSG_TRUNC
        assert rx.recv(100) == b"next"  # the tail "456789" is gone, not delivered later
        tx.sendto(b"x" * 300, rx.getsockname())
        # MSG_TRUNC as a *recv* flag makes Linux return the real datagram length (udp(7))
        raw = rx.recv_into(bytearray(10), 10, socket.MSG_TRUNC)
        assert raw == 300
    finally:
        rx.close()
        tx.close()


@pytest.mark.parametrize("family,host,limit", [
    (socket.AF_INET, "127.0.0.1", 65535 - 20 - 8),
    (socket.AF_INET6, "::1", 65535 - 8),
])
def test_largest_payload(family, host, limit):
    try:
        rx, tx = _pair(family, host)
    except OSError as exc:  # no IPv6 on loopback in this environment
        if family == socket.AF_INET6 and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            pytest.fail(f"IPv6 loopback unavailable: {exc}")
        raise
    try:
        tx.sendto(b"\x00" * limit, rx.getsockname())
        assert len(rx.recv(70000)) == limit
        with pytest.raises(OSError) as exc:
            tx.sendto(b"\x00" * (limit + 1), rx.getsockname())
        assert exc.value.errno == errno.EMSGSIZE
    finally:
        rx.close()
        tx.close()
