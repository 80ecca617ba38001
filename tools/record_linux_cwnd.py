"""Record the real Linux cwnd of reno, cubic and bbr through a tbf bottleneck (needs root).

    .venv/bin/python tools/record_linux_cwnd.py                  # writes tcpkit/data/linux_cwnd_trace.csv
    .venv/bin/python tools/record_linux_cwnd.py --seconds 3 --algorithms reno --out /tmp/t.csv

Topology — three network namespaces created for this run only (names
``tcpkit-congestion-<pid>-{snd,rtr,rcv}``) and deleted in ``finally``:

    snd 192.0.2.1 ──veth── 192.0.2.254 rtr 198.51.100.254 ──veth── 198.51.100.2 rcv
                                              └ egress: tbf rate R → pfifo limit N packets

All addresses are documentation prefixes (RFC 5737 TEST-NET-1/-2) that exist
only inside these namespaces. The bottleneck sits on the *router's* egress,
not on the sender's own interface, so TCP Small Queues and local qdisc
back-pressure do not hide the drops: the sender learns about congestion only
from (SACK-)duplicate ACKs and timeouts, as on a real path. tbf's burst is set
below the GSO size so tbf splits GSO super-packets and the pfifo limit counts
real 1500-byte packets.

This kernel has no ``netem``, so no propagation delay can be added: the base
RTT is the veth round trip (tens of µs) and the whole RTT the flow sees is
queueing delay in the pfifo. The book's model run uses the same rate, buffer
and a base RTT equal to the smallest RTT recorded.

For each algorithm the sender (in ``snd``) opens a fresh connection to a
sink (in ``rcv``), selects the algorithm with ``setsockopt(TCP_CONGESTION)``,
writes as fast as it can and samples ``getsockopt(TCP_INFO)`` every
``--interval-ms``. ``struct tcp_info`` offsets (include/uapi/linux/tcp.h):
``tcpi_ca_state`` byte 1, ``tcpi_snd_mss`` 16, ``tcpi_rtt`` 68 (µs),
``tcpi_snd_ssthresh`` 76, ``tcpi_snd_cwnd`` 80 (packets), ``tcpi_total_retrans``
100, ``tcpi_delivery_rate`` 160 (bytes/s, u64).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "tcpkit" / "data" / "linux_cwnd_trace.csv"
PORT = 5201
SND_ADDR, RTR_A, RTR_B, RCV_ADDR = "192.0.2.1", "192.0.2.254", "198.51.100.254", "198.51.100.2"

SINK = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    try:
        while c.recv(1 << 20):
            pass
    finally:
        c.close()
"""

SENDER = r"""
import socket, struct, sys, threading, time
dst, port, algo, seconds, interval = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
s = socket.create_connection((dst, port), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, algo.encode())
assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode() == algo
stop = threading.Event()
def pump():
    buf = b"\0" * (1 << 16)
    try:
        while not stop.is_set():
            s.send(buf)
    except OSError:
        pass
threading.Thread(target=pump, daemon=True).start()
t0 = time.monotonic()
nxt = t0
while True:
    now = time.monotonic()
    if now - t0 > seconds:
        break
    i = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
    ca_state = i[1]
    mss, = struct.unpack_from("I", i, 16)
    rtt, = struct.unpack_from("I", i, 68)
    ssthresh, cwnd = struct.unpack_from("II", i, 76)
    retrans, = struct.unpack_from("I", i, 100)
    rate, = struct.unpack_from("Q", i, 160)
    print(f"{now - t0:.4f},{algo},{cwnd},{ssthresh},{rtt},{rate * 8 / 1e6:.3f},{ca_state},{retrans},{mss}", flush=True)
    nxt += interval
    time.sleep(max(0.0, nxt - time.monotonic()))
stop.set()
s.close()
"""

HEADER = "time_s,algorithm,cwnd,ssthresh,rtt_us,delivery_rate_mbps,ca_state,total_retrans,mss"


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def setup(ns: dict[str, str], links: tuple[str, str, str, str], rate_mbit: float, buffer_pkts: int) -> None:
    a, b, c, d = links
    for n in ns.values():
        sh("ip", "netns", "add", n)
    sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    sh("ip", "link", "add", c, "type", "veth", "peer", "name", d)
    sh("ip", "link", "set", a, "netns", ns["snd"])
    sh("ip", "link", "set", b, "netns", ns["rtr"])
    sh("ip", "link", "set", c, "netns", ns["rtr"])
    sh("ip", "link", "set", d, "netns", ns["rcv"])
    for n, dev, addr in ((ns["snd"], a, SND_ADDR), (ns["rtr"], b, RTR_A), (ns["rtr"], c, RTR_B), (ns["rcv"], d, RCV_ADDR)):
        sh("ip", "-n", n, "addr", "add", f"{addr}/24", "dev", dev)
        sh("ip", "-n", n, "link", "set", dev, "up")
        sh("ip", "-n", n, "link", "set", "lo", "up")
    sh("ip", "-n", ns["snd"], "route", "add", "default", "via", RTR_A)
    sh("ip", "-n", ns["rcv"], "route", "add", "default", "via", RTR_B)
    sh("ip", "netns", "exec", ns["rtr"], "sysctl", "-qw", "net.ipv4.ip_forward=1")
    # bottleneck: tbf (rate) → pfifo (buffer in packets) on the router's egress towards rcv
    sh("ip", "netns", "exec", ns["rtr"], "tc", "qdisc", "add", "dev", c, "root", "handle", "1:", "tbf",
       "rate", f"{rate_mbit}mbit", "burst", "3028", "latency", "1s")
    sh("ip", "netns", "exec", ns["rtr"], "tc", "qdisc", "add", "dev", c, "parent", "1:1", "handle", "10:",
       "pfifo", "limit", str(buffer_pkts))


def teardown(ns: dict[str, str]) -> None:
    for n in ns.values():
        sh("ip", "netns", "del", n, check=False)


def record(*, algorithms: list[str], seconds: float, rate_mbit: float, buffer_pkts: int, interval_ms: float,
           out: Path) -> Path:
    """Run the experiment and write the CSV to ``out``; namespaces are always removed."""
    if os.geteuid() != 0:
        raise SystemExit("needs root (ip netns)")
    pid = os.getpid()
    ns = {k: f"tcpkit-congestion-{pid}-{k}" for k in ("snd", "rtr", "rcv")}
    links = (f"tkc{pid}a", f"tkc{pid}b", f"tkc{pid}c", f"tkc{pid}d")
    py = sys.executable
    rows: list[str] = []
    sink = None
    try:
        setup(ns, links, rate_mbit, buffer_pkts)
        sink = subprocess.Popen(["ip", "netns", "exec", ns["rcv"], py, "-c", SINK, RCV_ADDR, str(PORT)],
                                stdout=subprocess.PIPE, text=True)
        assert sink.stdout is not None
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("sink did not start")
        for algo in algorithms:
            res = subprocess.run(
                ["ip", "netns", "exec", ns["snd"], py, "-c", SENDER, RCV_ADDR, str(PORT), algo, str(seconds),
                 str(interval_ms / 1000)],
                capture_output=True, text=True, timeout=seconds + 30,
            )
            if res.returncode != 0:
                raise RuntimeError(f"sender for {algo} failed: {res.stderr.strip()[-400:]}")
            rows += [ln for ln in res.stdout.splitlines() if ln.strip()]
            time.sleep(0.5)  # let the queue drain
        stats = sh("ip", "netns", "exec", ns["rtr"], "tc", "-s", "qdisc", "show", "dev", links[2]).stdout
    finally:
        if sink is not None:
            sink.kill()
            sink.wait()
        teardown(ns)
    drops = " ".join(ln.strip() for ln in stats.splitlines() if "dropped" in ln)[:200]
    meta = [
        f"# recorded by tools/record_linux_cwnd.py on Linux {platform.release()}",
        f"# path: tbf rate {rate_mbit} Mbit/s -> pfifo limit {buffer_pkts} packets on the router egress; "
        f"no netem (base RTT = veth only); sampled every {interval_ms:g} ms for {seconds:g} s per algorithm",
        f"# tc -s (router, after the run): {drops}",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(meta + [HEADER] + rows) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--algorithms", nargs="+", default=["reno", "cubic", "bbr"])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rate-mbit", type=float, default=20.0)
    ap.add_argument("--buffer-pkts", type=int, default=60)
    ap.add_argument("--interval-ms", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    path = record(algorithms=a.algorithms, seconds=a.seconds, rate_mbit=a.rate_mbit, buffer_pkts=a.buffer_pkts,
                  interval_ms=a.interval_ms, out=a.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
