"""Tests of tcpkit.capacity: each formula recomputed here, and checked against the live kernel."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import select
import socket
import struct
import subprocess
import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.capacity import (
    four_tuple_limit,
    keepalive_timeline,
    port_budget,
    port_timeline,
    retransmit_giveup,
    server_limits,
    server_time_wait,
)
from tcpkit.linux import LINUX
from tcpkit.timers import retries_timeout

TW = LINUX["TCP_TIMEWAIT_LEN"].value
PORTS = LINUX["ip_local_port_range_high"].value - LINUX["ip_local_port_range_low"].value + 1

# -- formulas recomputed ---------------------------------------------------------


def test_four_tuple_limit():
    assert four_tuple_limit() == 281_474_976_710_656 == (1 << 32) * (1 << 16)
    assert four_tuple_limit(family="ipv6") == 1 << 144


@pytest.mark.parametrize("mem_mib,fds,buf", [(1024, 1024, 0), (1024, 10**6, 0), (64, 10**6, 147456), (10**5, 10**6, 0)])
def test_server_limits_recomputed(mem_mib, fds, buf):
    r = server_limits(memory_mib=mem_mib, fd_limit=fds, buffer_bytes=buf)
    per = 2368 + 832 + 192 + 192 + buf  # tcp_sock + sock_inode + filp + dentry slab objects on 6.18
    assert r.per_connection_bytes == per
    assert r.by_memory == mem_mib * 1024 * 1024 // per
    assert r.by_fd == fds - 16
    assert r.limit == min(r.by_memory, r.by_fd, r.by_four_tuple)
    assert getattr(r, "by_" + r.bottleneck) == r.limit


@pytest.mark.parametrize(
    "kw,hold",
    [
        ({}, TW),
        ({"tw_reuse": 1}, 1.0),
        ({"tw_reuse": 2}, TW),                       # default: loopback only
        ({"tw_reuse": 2, "loopback": True}, 1.0),
        ({"tw_reuse": 0, "loopback": True}, TW),
        ({"lifetime": 5.0}, TW + 5.0),
        ({"tw_reuse": 1, "reuse_delay": 2.5, "lifetime": 0.5}, 3.0),
        ({"client_closes": False, "lifetime": 2.0}, 2.0),
    ],
)
def test_port_budget_recomputed(kw, hold):
    b = port_budget(**kw)
    assert b.ports == 60999 - 32768 + 1 == 28232
    assert b.hold_time == pytest.approx(hold)
    assert b.max_conn_rate == pytest.approx(28232 / hold)


@pytest.mark.parametrize("dest,rpc", [(1, 1), (3, 1), (1, 50), (7, 20)])
def test_port_budget_destinations_and_keepalive(dest, rpc):
    b = port_budget(destinations=dest, requests_per_conn=rpc, port_low=10000, port_high=65000)
    assert b.tuples == 55001 * dest
    assert b.max_request_rate == pytest.approx(55001 * dest / 60 * rpc)


def _simulate_ports(rate: float, ports: int, hold: float, duration: float) -> float | None:
    """Independent check: one connection at a time, a sorted list of release times."""
    import heapq

    busy: list[float] = []
    n = int(rate * duration)
    for k in range(n):
        t = k / rate
        while busy and busy[0] <= t:
            heapq.heappop(busy)
        if len(busy) >= ports:
            return t
        heapq.heappush(busy, t + hold)
    return None


@pytest.mark.parametrize("rate,kw", [(600, {}), (1000, {"port_low": 60000}), (50, {"port_low": 60000, "lifetime": 3.0}),
                                     (300, {"port_low": 59000, "tw_reuse": 1})])
def test_port_timeline_matches_event_simulation(rate, kw):
    tl = port_timeline(rate=rate, duration=120, step=0.1, **kw)
    ref = _simulate_ports(rate, tl.budget.ports, tl.budget.hold_time, 120)
    if ref is None:
        assert tl.exhausted_at is None
    else:
        assert tl.exhausted_at == pytest.approx(ref, abs=0.11)
    # Little's law, averaged over the last hold time: TIME_WAIT = min(rate, capacity) × blocked time
    steady = min(rate, tl.budget.max_conn_rate) * tl.budget.blocked_after_close
    window = [w for t, w in zip(tl.t, tl.time_wait) if t > 120 - tl.budget.hold_time]
    assert sum(window) / len(window) == pytest.approx(steady, rel=0.03, abs=rate * 0.1 + 1)
    assert all(o + w <= tl.budget.tuples for o, w in zip(tl.open, tl.time_wait))


def test_port_timeline_failures_are_the_excess():
    tl = port_timeline(rate=1000, duration=600)
    last = tl.failed[-int(TW):]  # averaged over one TIME_WAIT period (the pattern repeats every 60 s)
    assert sum(last) / len(last) == pytest.approx(1000 - PORTS / TW, rel=0.03)
    assert port_timeline(rate=100).failed == (0.0,) * 120


@pytest.mark.parametrize("rate,expected", [(10, 600), (1000, 60_000), (2184, 131_040), (5000, 131_072)])
def test_server_time_wait(rate, expected):
    w = server_time_wait(close_rate=rate)
    assert w.count == expected
    assert w.memory_bytes == expected * 256
    assert w.overflow_rate == pytest.approx(max(0.0, rate - 131072 / 60))
    assert w.capped == (rate * 60 > 131072)


def _keepalive_reference(idle, intvl, probes, user_timeout):
    """Re-run tcp_keepalive_timer() (net/ipv4/tcp_timer.c) with the peer silent from t = 0."""
    t, probes_out, sent = idle, 0, []
    while True:
        elapsed = t  # keepalive_time_elapsed(): time since the last received segment
        if (user_timeout and elapsed >= user_timeout and probes_out > 0) or (not user_timeout and probes_out >= probes):
            return sent, t
        sent.append(t)
        probes_out += 1
        t += intvl


@pytest.mark.parametrize(
    "idle,intvl,probes,ut",
    [(7200, 75, 9, 0), (60, 10, 3, 0), (1, 1, 1, 0), (60, 10, 3, 200), (60, 10, 3, 5), (600, 30, 127, 1000), (10, 7, 4, 33)],
)
def test_keepalive_matches_kernel_loop(idle, intvl, probes, ut):
    k = keepalive_timeline(idle=idle, interval=intvl, probes=probes, user_timeout=ut)
    sent, dead = _keepalive_reference(idle, intvl, probes, ut)
    assert k.probe_times == pytest.approx(tuple(sent))
    assert k.detect_time == pytest.approx(dead)


def test_keepalive_default_is_7875_s():
    k = keepalive_timeline()
    assert k.detect_time == 7200 + 9 * 75 == 7875


def test_retransmit_giveup_default_and_budget():
    g = retransmit_giveup()
    assert g.budget == retries_timeout(15) == pytest.approx(924.6)
    # RTO 0.2 s doubling to 120 s: expiries 0.2·(2^k − 1) for k ≤ 10, then +120 s each;
    # the budget counts from the first retransmission (0.2 s), so 924.6 + 0.2 must be passed
    expiries = [0.2 * (2**k - 1) for k in range(1, 11)] + [204.6 + 120 * i for i in range(1, 8)]
    first_over = next(t for t in expiries if t - 0.2 >= 924.6)
    assert first_over == pytest.approx(1044.6)
    assert g.give_up == pytest.approx(first_over)
    assert g.retransmit_times == pytest.approx(tuple(t for t in expiries if t < first_over))


@pytest.mark.parametrize("ut,rto", [(30, 0.2), (1.5, 0.2), (0.1, 0.3), (600, 1.0), (3.0, 0.25)])
def test_retransmit_user_timeout(ut, rto):
    g = retransmit_giveup(user_timeout=ut, rto=rto)
    assert g.give_up == pytest.approx(rto + ut)
    assert all(a < b for a, b in zip(g.retransmit_times, g.retransmit_times[1:]))
    assert all(x < g.give_up for x in g.retransmit_times)


def test_retransmit_first_retransmit_shifts_everything():
    a = retransmit_giveup(retries=3, rto=0.2)
    b = retransmit_giveup(retries=3, rto=0.2, first_retransmit=0.5)
    assert b.give_up - 0.5 == pytest.approx(a.give_up - 0.2)


# -- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn,kw,msg",
    [
        (four_tuple_limit, {"family": "ipx"}, "family must be one of 'ipv4', 'ipv6', got 'ipx'"),
        (server_limits, {"memory_mib": 0}, "memory_mib must be in (0, 1e+06], got 0"),
        (server_limits, {"fd_limit": 0}, "fd_limit must be in [1, 2147483647], got 0"),
        (server_limits, {"buffer_bytes": -1}, "buffer_bytes must be in [0, 2147483648], got -1"),
        (port_budget, {"port_low": 0}, "port_low must be in [1, 65535], got 0"),
        (port_budget, {"port_low": 5000, "port_high": 4000}, "port_low must be ≤ port_high, got port_low=5000 > port_high=4000"),
        (port_budget, {"destinations": 0}, "destinations must be in [1, 65536], got 0"),
        (port_budget, {"tw_reuse": 3}, "tw_reuse must be one of 0, 1, 2, got 3"),
        (port_budget, {"reuse_delay": 0}, "reuse_delay must be in [0.001, 60], got 0"),
        (port_budget, {"requests_per_conn": 0}, "requests_per_conn must be in [1, 1000000000], got 0"),
        (port_timeline, {"rate": -1}, "rate must be in [0, 1e+07], got -1"),
        (port_timeline, {"duration": 3600, "step": 0.1}, "duration/step must be at most 20000 steps, got 36000"),
        (server_time_wait, {"close_rate": -5}, "close_rate must be in [0, 1e+08], got -5"),
        (keepalive_timeline, {"idle": 0}, "idle must be in [1, 32767], got 0"),
        (keepalive_timeline, {"probes": 128}, "probes must be in [1, 127], got 128"),
        (retransmit_giveup, {"rto": 0.1}, "rto must be in [0.2, 120], got 0.1"),
        (retransmit_giveup, {"retries": 0}, "retries must be in [1, 255], got 0"),
    ],
)
def test_validator_messages(fn, kw, msg):
    with pytest.raises(ValueError) as exc:
        fn(**kw)
    assert str(exc.value) == msg


def test_type_errors_name_the_parameter():
    with pytest.raises(TypeError, match="loopback must be True or False"):
        port_budget(loopback=1)
    with pytest.raises(TypeError, match="probes must be an integer"):
        keepalive_timeline(probes=2.5)


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (1 <= x <= 32767)))
def test_keepalive_idle_property(x):
    with pytest.raises(ValueError, match="idle must be"):
        keepalive_timeline(idle=x)


@given(st.integers().filter(lambda x: not (1 <= x <= 65536)))
def test_destinations_property(x):
    with pytest.raises(ValueError, match="destinations must be in"):
        port_budget(destinations=x)


@given(st.one_of(st.text(), st.none(), st.booleans()))
def test_rate_type_property(x):
    with pytest.raises(TypeError, match="rate must be a number"):
        port_timeline(rate=x)


# -- the live kernel ---------------------------------------------------------------------


@contextlib.contextmanager
def _netns(*names: str):
    made = []
    try:
        for n in names:
            subprocess.run(["ip", "netns", "add", n], check=True)
            made.append(n)
        yield
    finally:
        for n in made:
            subprocess.run(["ip", "netns", "del", n], check=False)


def _sysctl_in(ns: str, path: str) -> str:
    return subprocess.run(["ip", "netns", "exec", ns, "cat", f"/proc/sys/{path}"], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.kernel
def test_defaults_match_a_fresh_netns():
    assert os.geteuid() == 0, "needs root to create a network namespace (CI runs as root)"
    ns = f"tcpkit-lab-{uuid.uuid4().hex[:8]}"
    with _netns(ns):
        lo, hi = map(int, _sysctl_in(ns, "net/ipv4/ip_local_port_range").split())
        ka = [int(_sysctl_in(ns, f"net/ipv4/tcp_keepalive_{x}")) for x in ("time", "intvl", "probes")]
        reuse = int(_sysctl_in(ns, "net/ipv4/tcp_tw_reuse"))
        retries2 = int(_sysctl_in(ns, "net/ipv4/tcp_retries2"))
    assert port_budget().ports == hi - lo + 1
    assert port_budget().tw_reuse_active is (reuse == 1)
    assert keepalive_timeline().detect_time == ka[0] + ka[2] * ka[1]
    assert retransmit_giveup().retries == retries2


@pytest.mark.kernel
def test_time_wait_lasts_60_s_in_the_kernel():
    """/proc/net/tcp prints the TIME_WAIT timer in USER_HZ (1/100 s) ticks: it must start near 60 s."""
    lst = socket.socket()
    c = socket.socket()
    try:
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        c.connect(lst.getsockname())
        s, _ = lst.accept()
        cport = c.getsockname()[1]
        c.close()
        s.close()
        deadline = time.monotonic() + 2
        when = None
        while when is None and time.monotonic() < deadline:
            with open("/proc/net/tcp") as f:
                for line in f.readlines()[1:]:
                    p = line.split()
                    if int(p[1].split(":")[1], 16) == cport and p[3] == "06":
                        when = int(p[5].split(":")[1], 16) / 100
        assert when is not None
        assert TW - 1.5 <= when <= TW + 0.01
        assert port_budget().blocked_after_close == TW
    finally:
        c.close()
        lst.close()


@pytest.mark.kernel
def test_slab_sizes_are_close_to_the_running_kernel():
    sizes = {}
    with open("/proc/slabinfo") as f:
        for line in f:
            p = line.split()
            if p and p[0] in ("TCP", "tw_sock_TCP", "request_sock_TCP"):
                sizes[p[0]] = int(p[3])
    for name, key in (("TCP", "slab_tcp_sock"), ("tw_sock_TCP", "slab_tw_sock"), ("request_sock_TCP", "slab_request_sock")):
        assert 0.5 <= sizes[name] / LINUX[key].value <= 2.0, (name, sizes[name])


# A dead peer without RST: two namespaces joined by a veth pair; "unplug" the peer's end.
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def _inside(ns: str):
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        yield
    finally:
        _libc.setns(own, _CLONE_NEWNET)
        os.close(own)
        os.close(target)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


@pytest.fixture
def veth_pair():
    assert os.geteuid() == 0, "needs root to create network namespaces (CI runs as root)"
    tag = uuid.uuid4().hex[:6]
    a, b = f"tcpkit-lab-a-{tag}", f"tcpkit-lab-b-{tag}"
    with _netns(a, b):
        _ip("link", "add", "va", "netns", a, "type", "veth", "peer", "name", "vb", "netns", b)
        _ip("-n", a, "addr", "add", "10.231.0.1/30", "dev", "va")
        _ip("-n", b, "addr", "add", "10.231.0.2/30", "dev", "vb")
        for ns, dev in ((a, "va"), (b, "vb"), (a, "lo"), (b, "lo")):
            _ip("-n", ns, "link", "set", dev, "up")
        yield a, b


def _connected_pair(a: str, b: str):
    with _inside(b):
        lst = socket.socket()
    lst.bind(("10.231.0.2", 0))
    lst.listen(1)
    with _inside(a):
        c = socket.socket()
    c.settimeout(5)
    c.connect(lst.getsockname())
    s, _ = lst.accept()
    lst.close()
    return c, s


def _unplug(b: str) -> None:
    """The peer stops answering: its address goes away, packets to it are dropped silently
    (forwarding is off in a new namespace, so no ICMP error comes back)."""
    _ip("-n", b, "addr", "del", "10.231.0.2/30", "dev", "vb")


def _tcp_info(sock: socket.socket) -> tuple[int, float]:
    """(tcpi_retransmits, tcpi_rto in s) from struct tcp_info (include/uapi/linux/tcp.h)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return info[2], struct.unpack_from("I", info, 8)[0] / 1e6


def _wait_error(sock: socket.socket, limit: float) -> tuple[float, int, float | None]:
    """Wait for the socket error; return (seconds, errno, time of the first retransmission)."""
    t0 = time.monotonic()
    sock.setblocking(False)
    first = None
    while time.monotonic() - t0 < limit:
        r, _, _ = select.select([sock], [], [], 0.005)
        if first is None and _tcp_info(sock)[0] > 0:
            first = time.monotonic() - t0
        if r:
            return time.monotonic() - t0, sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), first
    return time.monotonic() - t0, -1, first


@pytest.mark.kernel
def test_keepalive_detects_a_dead_peer_when_the_model_says(veth_pair):
    a, b = veth_pair
    c, s = _connected_pair(a, b)
    try:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 2)
        _unplug(b)   # no FIN, no RST: the peer is just gone
        took, err, _ = _wait_error(c, 10)
        model = keepalive_timeline(idle=1, interval=1, probes=2).detect_time
        assert err == 110  # ETIMEDOUT
        assert model - 0.1 <= took <= model + 0.5, (took, model)
    finally:
        c.close()
        s.close()


@pytest.mark.kernel
def test_user_timeout_bounds_data_retransmission(veth_pair):
    a, b = veth_pair
    c, s = _connected_pair(a, b)
    try:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 1500)
        rto = _tcp_info(c)[1]
        _unplug(b)
        c.send(b"x" * 100)
        took, err, first = _wait_error(c, 10)
        assert err == 110 and first is not None
        model = retransmit_giveup(user_timeout=1.5, rto=max(0.2, rto), first_retransmit=max(first, max(0.2, rto)))
        assert model.give_up - 0.1 <= took <= model.give_up + 0.4, (took, model, first)
    finally:
        c.close()
        s.close()


@pytest.mark.kernel
def test_retries2_give_up_counts_from_the_first_retransmission(veth_pair):
    a, b = veth_pair
    subprocess.run(["ip", "netns", "exec", a, "sh", "-c", "echo 3 > /proc/sys/net/ipv4/tcp_retries2"], check=True)
    c, s = _connected_pair(a, b)
    try:
        rto = max(0.2, _tcp_info(c)[1])
        _unplug(b)
        c.send(b"x" * 100)
        took, err, first = _wait_error(c, 15)
        assert err == 110 and first is not None
        model = retransmit_giveup(retries=3, rto=rto, first_retransmit=max(first, rto))
        assert model.budget == pytest.approx(15 * 0.2)   # tcp_model_timeout(3, 200 ms)
        assert model.give_up - 0.1 <= took <= model.give_up + 0.4, (took, model, first)
        # the budget does NOT count from the original send: that would have aborted at the 4th expiry
        from_send = next(t for t in model.retransmit_times + (model.give_up,) if t >= 3.0)
        assert took > from_send + 1.0 or from_send == model.give_up
    finally:
        c.close()
        s.close()


def _reuse_attempts(ns: str, delays: tuple[float, ...]) -> list[str]:
    """In ``ns`` with a one-port ephemeral range: client closes first (TIME_WAIT on the only port),
    then try connect() again to the same destination after each delay; return the outcomes."""
    out = []
    with _inside(ns):
        lst = socket.socket()
    try:
        lst.bind(("127.0.0.1", 5555))
        lst.listen(8)
        with _inside(ns):
            c = socket.socket()
        c.connect(("127.0.0.1", 5555))
        s, _ = lst.accept()
        c.close()          # client closes first ...
        s.close()          # ... and the server's FIN puts the client port into TIME_WAIT
        t0 = time.monotonic()
        for d in delays:
            time.sleep(max(0.0, d - (time.monotonic() - t0)))
            with _inside(ns):
                c2 = socket.socket()
            try:
                c2.connect(("127.0.0.1", 5555))
                out.append("ok")
                lst.accept()[0].close()
            except OSError as exc:
                out.append(errno.errorcode.get(exc.errno or 0, str(exc)))
            finally:
                c2.close()
    finally:
        lst.close()
    return out


@pytest.mark.kernel
@pytest.mark.parametrize("mode", [0, 2])
def test_tw_reuse_on_loopback_matches_the_budget(mode):
    """tcp_tw_reuse=2 (default) reuses a loopback TIME_WAIT tuple after tcp_tw_reuse_delay; 0 never (within 60 s)."""
    assert os.geteuid() == 0, "needs root to create a network namespace (CI runs as root)"
    ns = f"tcpkit-lab-tw-{uuid.uuid4().hex[:6]}"
    with _netns(ns):
        _ip("-n", ns, "link", "set", "lo", "up")
        for path, val in (("ip_local_port_range", "40000 40000"), ("tcp_tw_reuse", str(mode))):
            subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", f"echo '{val}' > /proc/sys/net/ipv4/{path}"],
                           check=True)
        budget = port_budget(port_low=40000, port_high=40000, tw_reuse=mode, loopback=True)
        delay = budget.blocked_after_close
        got = _reuse_attempts(ns, (0.3, 1.4))
    assert budget.ports == 1
    if mode == 2:
        assert delay == 1.0 and got == ["EADDRNOTAVAIL", "ok"]
    else:
        assert delay == 60.0 and got == ["EADDRNOTAVAIL", "EADDRNOTAVAIL"]
