"""The real Linux kernel's SYN retransmission times vs :func:`tcpkit.timers.syn_retransmit_schedule`.

In a network namespace created for the test, a listener with ``listen(0)`` and one
connected-but-never-accepted client has a full accept queue, so the kernel drops every
further SYN (``tcp_conn_request`` → ``sk_acceptq_is_full``; tcp-facts §9 E1). A probe socket
with ``TCP_SYNCNT=3`` then connects; an ``AF_PACKET`` socket on ``lo`` timestamps each SYN
as it leaves, and the probe records when ``connect()`` fails with ETIMEDOUT. This is done
for ``net.ipv4.tcp_syn_linear_timeouts`` = 4 (Linux ≥ 6.5 default) and 0 (the classic
schedule). The namespace is always deleted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tcpkit.timers import syn_retransmit_schedule

SYNCNT = 3

PROBE = r'''
import errno, json, select, socket, struct, sys, threading, time
linear, syncnt = int(sys.argv[1]), int(sys.argv[2])
with open("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "w") as f:
    f.write(str(linear))
with open("/proc/sys/net/ipv4/tcp_syn_linear_timeouts") as f:
    assert int(f.read()) == linear
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(0)
port = lst.getsockname()[1]
filler = socket.create_connection(("127.0.0.1", port), timeout=5)   # fills the accept queue (backlog 0 holds 1)
time.sleep(0.1)
sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
sniff.bind(("lo", 0x0003))
sniff.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_TIMESTAMPNS", 35), 1)
probe = socket.socket()
probe.setsockopt(socket.IPPROTO_TCP, getattr(socket, "TCP_SYNCNT", 7), syncnt)
probe.bind(("127.0.0.1", 0))
pport = probe.getsockname()[1]
result = {}
def run():
    try:
        probe.connect(("127.0.0.1", port))
        result["error"] = "connected"
    except OSError as e:
        result["error"] = errno.errorcode.get(e.errno, str(e.errno))
    result["t_fail"] = time.time()
th = threading.Thread(target=run); th.start()
syns = []
deadline = time.time() + 60
try:
    while time.time() < deadline:
        if not th.is_alive() and "t_fail" in result:
            break
        r, _, _ = select.select([sniff], [], [], 0.2)
        if not r:
            continue
        data, anc, _flags, addr = sniff.recvmsg(256, 64)
        if addr[2] != 4:           # PACKET_OUTGOING only (lo shows each packet twice)
            continue
        ip = data[14:]
        if len(ip) < 40 or ip[9] != 6:
            continue
        ihl = (ip[0] & 0x0F) * 4
        tcp = ip[ihl:]
        sport, dport = struct.unpack("!HH", tcp[:4])
        flags = tcp[13]
        if sport == pport and dport == port and flags & 0x12 == 0x02:
            ts = None
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and len(cdata) >= 16:
                    sec, nsec = struct.unpack("qq", cdata[:16]); ts = sec + nsec / 1e9
            syns.append(ts if ts is not None else time.time())
finally:
    th.join(timeout=90)
    for s in (probe, sniff, filler, lst):
        s.close()
print(json.dumps({"syns": syns, "t_fail": result.get("t_fail"), "error": result.get("error")}))
'''


def measure(linear: int) -> dict:
    ns = f"tcpkit-connection-{os.getpid()}-{linear}"
    subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True, capture_output=True)
        out = subprocess.run(
            ["ip", "netns", "exec", ns, sys.executable, "-c", PROBE, str(linear), str(SYNCNT)],
            check=True, capture_output=True, text=True, timeout=90,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False, capture_output=True)


@pytest.mark.kernel
@pytest.mark.parametrize("linear", [4, 0])
def test_kernel_syn_retransmissions_match_model(linear):
    model = syn_retransmit_schedule(retries=SYNCNT, linear_timeouts=linear)
    got = measure(linear)
    assert got["error"] == "ETIMEDOUT"
    syns = got["syns"]
    assert len(syns) == len(model.sends), (syns, model.sends)
    t0 = syns[0]
    measured = [s - t0 for s in syns]
    # Each gap between SYNs within +0.3 s / -0.05 s of the model (the timer wheel only adds delay).
    for i, (m_gap, k_gap) in enumerate(zip(model.gaps, [b - a for a, b in zip(measured, measured[1:])])):
        assert -0.05 <= k_gap - m_gap <= 0.3, (i, measured, model.sends)
    # Absolute send times and the ETIMEDOUT instant: slack accumulates at most 0.3 s per expiry.
    for k, (m, real) in enumerate(zip(model.sends, measured)):
        assert -0.05 <= real - m <= 0.3 * max(k, 1), (k, measured, model.sends)
    fail = got["t_fail"] - t0
    n = len(model.sends)
    assert -0.05 <= fail - model.give_up <= 0.3 * n, (fail, model.give_up)
