"""Both listen queues of the real Linux kernel versus the queue model.

1. Accept queue, on 127.0.0.1: listen(b), never accept(), connect clients one by one: the kernel
   completes b + 1 handshakes (``sk_acceptq_is_full``: ``sk_ack_backlog > sk_max_ack_backlog``) and
   drops the SYNs of the rest, which stay in SYN_SENT. ``ss -ltn`` shows the listener's Recv-Q
   (queue length) and Send-Q (backlog).
2. SYN queue, in a private network namespace (deleted afterwards): spoofed SYNs whose SYN-ACKs go
   nowhere; ``ss`` counts the SYN-RECV requests and ``/proc/net/netstat`` the cookies sent, for
   tcp_syncookies 0/1/2, several backlogs and a small tcp_max_syn_backlog (the 3/4 rule).
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


# --- the SYN queue, filled with spoofed SYNs inside a private network namespace ------------------------------
# The child runs inside `ip netns exec`: a veth pair gives the listener 10.9.9.1; raw SYNs claim to come from
# 10.9.9.2, which does not exist, so the SYN-ACKs go nowhere and every request stays half-open (SYN-RECV).
_CHILD = r'''
import json, socket, struct, subprocess, sys, time
B, M, N, COOKIES = (int(a) for a in sys.argv[1:5])
def sh(*a):
    subprocess.run(a, check=True, capture_output=True, timeout=10)
sh("ip", "link", "set", "lo", "up")
sh("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
sh("ip", "addr", "add", "10.9.9.1/24", "dev", "v0")
sh("ip", "link", "set", "v0", "up")
sh("ip", "link", "set", "v1", "up")
for k, v in (("net/ipv4/tcp_syncookies", COOKIES), ("net/ipv4/tcp_max_syn_backlog", M),
             ("net/ipv4/conf/all/rp_filter", 0), ("net/ipv4/conf/v0/rp_filter", 0), ("net/ipv4/conf/lo/rp_filter", 0)):
    with open(f"/proc/sys/{k}", "w") as f:
        f.write(str(v))
def csum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF
def netstat(name):
    lines = open("/proc/net/netstat").read().splitlines()
    for head, vals in zip(lines[::2], lines[1::2]):
        if head.startswith("TcpExt:"):
            return int(dict(zip(head.split()[1:], vals.split()[1:]))[name])
srv = socket.socket()
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
try:
    srv.bind(("10.9.9.1", 0))
    srv.listen(B)
    port = srv.getsockname()[1]
    src, dst = socket.inet_aton("10.9.9.2"), socket.inet_aton("10.9.9.1")
    before = netstat("SyncookiesSent")
    for i in range(N):
        tcp = struct.pack("!HHIIBBHHH", 20000 + i, port, 1000 + i, 0, 5 << 4, 0x02, 64240, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0, 64, 6, 0, src, dst)
        raw.sendto(ip + tcp, ("10.9.9.1", 0))
    time.sleep(0.3)
    out = subprocess.run(["ss", "-Htn", "state", "syn-recv"], capture_output=True, text=True, timeout=5).stdout
    print(json.dumps({"syn_recv": len([ln for ln in out.splitlines() if ln.strip()]),
                      "cookies": netstat("SyncookiesSent") - before}))
finally:
    raw.close()
    srv.close()
'''


def _spoofed_syn_run(tmp_path, backlog: int, max_syn_backlog: int, n: int, syncookies: int) -> dict[str, int]:
    import json
    import os
    import sys

    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.fail("this kernel test needs root and iproute2 (it runs as root in CI)")
    script = tmp_path / "spoof_syns.py"
    script.write_text(_CHILD, encoding="utf-8")
    ns = f"tcpkit-syncookie-{os.getpid()}-{backlog}-{syncookies}"
    subprocess.run(["ip", "netns", "add", ns], check=True, timeout=10)
    try:
        proc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, str(script), str(backlog),
                               str(max_syn_backlog), str(n), str(syncookies)],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["ip", "netns", "del", ns], timeout=10)


@pytest.mark.parametrize(("backlog", "max_syn_backlog", "syncookies"), [
    (5, 2048, 0),      # SYN queue full at qlen > B: holds B + 1
    (0, 2048, 0),      # listen(0) still admits one request (the 2025 `>` fix is in this kernel)
    (3, 2048, 0),
    (4096, 16, 0),     # cookies off: the 3/4 rule of tcp_max_syn_backlog, 16 - 16//4 + 1 = 13
    (5, 2048, 1),      # cookies on: B + 1 queued, the rest answered with cookies
    (4096, 16, 1),     # cookies on: tcp_max_syn_backlog plays no role
    (5, 2048, 2),      # cookies always: nothing is queued
])
def test_syn_queue_capacity_matches_model(tmp_path, backlog, max_syn_backlog, syncookies):
    n = 40
    got = _spoofed_syn_run(tmp_path, backlog, max_syn_backlog, n, syncookies)
    p = simulate_listen_queues(attack_rate=0, legit_rate=0, duration=1, backlog=backlog, somaxconn=4096,
                               tcp_max_syn_backlog=max_syn_backlog, syncookies=syncookies).params
    expected_queue = min(p.syn_queue_limit, n)
    assert got["syn_recv"] == expected_queue
    assert got["cookies"] == (n - expected_queue if syncookies else 0)
    # and the fluid model, fed the same 40 spoofed SYNs in 10 ms, queues the same number
    tl = simulate_listen_queues(attack_rate=n / 0.01, legit_rate=0, duration=0.5, backlog=backlog, somaxconn=4096,
                                tcp_max_syn_backlog=max_syn_backlog, syncookies=syncookies, attack_end=0.01)
    assert max(tl.syn_queue) == pytest.approx(expected_queue)
    assert tl.total("cookies_sent") == pytest.approx(got["cookies"])
