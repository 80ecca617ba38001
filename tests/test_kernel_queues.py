"""The accept queue of a real listening socket on 127.0.0.1 versus the queue model's capacity (backlog + 1).

listen(b), never accept(), connect clients one by one: the kernel completes b + 1 handshakes
(``sk_acceptq_is_full``: ``sk_ack_backlog > sk_max_ack_backlog``) and drops the SYNs of the rest,
which stay in SYN_SENT. ``ss -ltn`` shows the listener's Recv-Q (queue length) and Send-Q (backlog).
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from tcpkit.queues import simulate_listen_queues

pytestmark = pytest.mark.kernel

TCP_ESTABLISHED, TCP_SYN_SENT = 1, 2


def _tcp_state(sock: socket.socket) -> int:
    # struct tcp_info starts with __u8 tcpi_state
    return struct.unpack("B", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1))[0]


def _sysctl(path: str) -> int:
    return int(Path("/proc/sys", path).read_text().split()[0])


def _ss_listener(port: int) -> tuple[int, int]:
    """(Recv-Q, Send-Q) of the listener on 127.0.0.1:port from ``ss -ltnH``."""
    out = subprocess.run(["ss", "-ltnH", "sport", f"= :{port}"], capture_output=True, text=True, timeout=5,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LISTEN" and f[3].endswith(f":{port}"):
            return int(f[1]), int(f[2])
    raise AssertionError(f"listener on port {port} not found in ss output: {out!r}")


def _wait_states(clients: list[socket.socket], want_established: int, timeout: float = 3.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        states = [_tcp_state(c) for c in clients]
        if states.count(TCP_ESTABLISHED) >= want_established or time.monotonic() > deadline:
            return states
        time.sleep(0.02)


@pytest.mark.parametrize("backlog", [0, 1, 3])
def test_accept_queue_overflow_matches_model(backlog):
    somaxconn = _sysctl("net/core/somaxconn")
    expected = simulate_listen_queues(attack_rate=0, legit_rate=1, duration=1, backlog=backlog, somaxconn=somaxconn,
                                      syncookies=_sysctl("net/ipv4/tcp_syncookies"), accept_rate=0).params
    cap = expected.accept_queue_limit
    assert cap == min(backlog, somaxconn) + 1
    n_clients = cap + 3
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    clients: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(backlog)
        port = server.getsockname()[1]
        for i in range(n_clients):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            clients.append(c)
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            # let this handshake finish (or its SYN be dropped) before the next client starts
            _wait_states(clients, min(i + 1, cap), timeout=1.0)
        states = _wait_states(clients, cap, timeout=2.0)
        time.sleep(0.2)  # a dropped SYN is only retransmitted after 1 s: nothing else can change now
        states = [_tcp_state(c) for c in clients]
        established = states.count(TCP_ESTABLISHED)
        syn_sent = states.count(TCP_SYN_SENT)
        assert established == cap, states
        assert syn_sent == n_clients - cap, states
        if shutil.which("ss"):
            recv_q, send_q = _ss_listener(port)
            assert (recv_q, send_q) == (cap, min(backlog, somaxconn))
        # the model, fed the same arrivals (clients 1 s apart is plenty here), saturates at the same number
        tl = simulate_listen_queues(attack_rate=0, legit_rate=20, duration=1.0, backlog=backlog, somaxconn=somaxconn,
                                    accept_rate=0)
        assert max(tl.accept_queue) == pytest.approx(established)
    finally:
        for c in clients:
            c.close()
        server.close()
