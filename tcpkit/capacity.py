"""Connection arithmetic: 4-tuples, server limits, client ports vs TIME_WAIT, keepalive, give-up times.

>>> round(port_budget().max_conn_rate, 1)  # new connections/s from one client IP to one server IP:port
470.5

Everything here is plain arithmetic on Linux's defaults (:data:`tcpkit.linux.LINUX`):
pure functions returning frozen dataclasses, no I/O. The rules and where
Linux defines them:

* a connection is one 4-tuple (RFC 9293 §3.2, "socket pair");
* ephemeral ports come from ``ip_local_port_range`` (32768–60999); a local port
  can be reused towards a *different* destination at once, but towards the same
  (IP, port) only when no TIME_WAIT holds that 4-tuple (``net/ipv4/inet_hashtables.c``
  ``__inet_hash_connect``, ``net/ipv4/tcp_ipv4.c`` ``tcp_twsk_unique``);
* TIME_WAIT lasts ``TCP_TIMEWAIT_LEN`` = 60 s (``include/net/tcp.h``); with
  ``tcp_tw_reuse`` (1 everywhere, 2 = loopback only, the default since 4.18)
  ``connect()`` may take over a TIME_WAIT 4-tuple ``tcp_tw_reuse_delay`` (1 s)
  after the last timestamp it received;
* at most ``tcp_max_tw_buckets`` TIME_WAIT entries exist; beyond that *new*
  ones are not created (``inet_twsk_alloc`` returns NULL);
* keepalive: ``tcp_keepalive_timer`` (``net/ipv4/tcp_timer.c``) probes after
  ``tcp_keepalive_time`` of idleness every ``tcp_keepalive_intvl`` and resets the
  connection after ``tcp_keepalive_probes`` unanswered probes, or — with
  ``TCP_USER_TIMEOUT`` — once the idle time reaches the user timeout;
* data retransmission gives up when the time since the first *retransmission*
  reaches ``tcp_model_timeout(tcp_retries2, TCP_RTO_MIN)`` (``net/ipv4/tcp_timer.c``
  ``retransmits_timed_out``), or ``TCP_USER_TIMEOUT`` when set (RFC 5482). The budget itself is
  :func:`tcpkit.timers.retries_timeout` (924.6 s for ``tcp_retries2`` = 15).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from ._validate import check_bool, check_choice, check_float, check_int
from .linux import LINUX
from .timers import _RETRIES2, _RTO_MAX, _RTO_MIN, retries_timeout

__all__ = [
    "four_tuple_limit", "ServerLimits", "server_limits", "PortBudget", "port_budget", "PortTimeline", "port_timeline",
    "TimeWaitLoad", "server_time_wait", "KeepaliveTimeline", "keepalive_timeline", "RetransmitGiveUp",
    "retransmit_giveup", "DeadPeer", "dead_peer",
]

_TW = float(LINUX["TCP_TIMEWAIT_LEN"].value)
_PORT_LO = int(LINUX["ip_local_port_range_low"].value)
_PORT_HI = int(LINUX["ip_local_port_range_high"].value)
# keepalive: each default (sysctl tcp_keepalive_{time,intvl,probes}) beside the largest per-socket value
_KEEPIDLE = float(LINUX["tcp_keepalive_time"].value)
_KEEPINTVL = float(LINUX["tcp_keepalive_intvl"].value)
#: TCP_KEEPIDLE / TCP_KEEPINTVL maximum (include/net/tcp.h MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL).
MAX_TCP_KEEPIDLE = 32767
_KEEPCNT = int(LINUX["tcp_keepalive_probes"].value)
#: TCP_KEEPCNT maximum (include/net/tcp.h MAX_TCP_KEEPCNT).
MAX_TCP_KEEPCNT = 127
#: TCP_USER_TIMEOUT is an int of milliseconds (net/ipv4/tcp.c do_tcp_setsockopt).
MAX_USER_TIMEOUT_S = 2**31 // 1000


def four_tuple_limit(*, family: str = "ipv4") -> int:
    """How many distinct connections one server ``IP:port`` could have in theory.

    A connection is identified by (client IP, client port, server IP, server
    port); with the server side fixed, every (client IP, client port) pair is a
    different connection: 2^32 × 2^16 = 2^48 for IPv4, 2^128 × 2^16 for IPv6.

    Parameters
    ----------
    family : {"ipv4", "ipv6"}
        Address family.

    Returns
    -------
    int
        The number of possible client (IP, port) pairs.

    Raises
    ------
    ValueError
        For an unknown family.

    Notes
    -----
    RFC 9293 §3.2 (a connection is named by its pair of sockets). Port 0 and
    unusable addresses are not subtracted: this is the upper bound the 4-tuple
    itself allows, not a number any server reaches (see :func:`server_limits`).

    Examples
    --------
    >>> four_tuple_limit()
    281474976710656
    >>> four_tuple_limit() == 2**32 * 2**16
    True
    """
    check_choice("family", family, ("ipv4", "ipv6"))
    bits = 32 if family == "ipv4" else 128
    return 1 << (bits + 16)  # 2**bits addresses × 2**16 ports


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What bounds the number of concurrent connections of one server process.

    Attributes
    ----------
    by_four_tuple : int
        :func:`four_tuple_limit` (for the given number of client IPs).
    by_fd : int
        Open-file limit minus the descriptors the process needs for other things.
    by_memory : int
        Memory budget ÷ ``per_connection_bytes``.
    per_connection_bytes : int
        Kernel bytes per connection: socket structures + buffered data.
    limit : int
        The smallest of the three.
    bottleneck : str
        ``"four_tuple"``, ``"fd"`` or ``"memory"``.
    """

    by_four_tuple: int
    by_fd: int
    by_memory: int
    per_connection_bytes: int
    limit: int
    bottleneck: str


def server_limits(*, memory_mib: float = 4096.0, fd_limit: int = int(LINUX["nr_open"].value), reserved_fds: int = 16,
                  buffer_bytes: int = 0, client_ips: int | None = None) -> ServerLimits:
    """The number of concurrent connections a server can really hold.

    Parameters
    ----------
    memory_mib : float
        Memory the kernel may spend on these sockets, MiB, in (0, 10^6].
    fd_limit : int
        The process's ``RLIMIT_NOFILE`` (``ulimit -n``), in [1, 2^31 − 1];
        default ``fs.nr_open`` = 1048576, the most a process can raise it to
        (the soft default is only 1024, ``INR_OPEN_CUR``).
    reserved_fds : int
        Descriptors used for other things (stdio, listener, logs), in [0, 1024].
    buffer_bytes : int
        Data buffered per connection, bytes, in [0, 2^31]: 0 for idle
        connections; up to ``tcp_rmem[1] + tcp_wmem[1]`` = 147456 when both
        queues hold their initial buffer sizes.
    client_ips : int, optional
        Distinct client addresses, in [1, 2^32]; default all of IPv4.

    Returns
    -------
    ServerLimits

    Raises
    ------
    ValueError
        If ``memory_mib`` is not in (0, 10^6], ``fd_limit`` not in [1, 2^31 − 1],
        ``reserved_fds`` not in [0, 1024], ``buffer_bytes`` not in [0, 2^31] or
        ``client_ips`` not in [1, 2^32].
    TypeError
        If one of them is not a number (an integer for the counts).

    Notes
    -----
    Per connection the kernel allocates a ``struct tcp_sock`` (slab ``TCP``,
    2368 B on 6.18), and, because an accepted socket has a file descriptor,
    an inode, a ``struct file`` and a dentry (1216 B) — :data:`LINUX` entries
    ``slab_tcp_sock`` and ``slab_socket_fd``. Buffers are charged only while
    data sit in them (``sk_wmem_queued``, ``sk_rmem_alloc``), against the global
    ``tcp_mem`` limit. Each connection needs one fd (``accept()``), so
    ``RLIMIT_NOFILE`` is usually the first wall.

    Examples
    --------
    >>> r = server_limits(memory_mib=1024, fd_limit=1024)
    >>> r.bottleneck, r.limit
    ('fd', 1008)
    >>> server_limits(memory_mib=1024).per_connection_bytes
    3584
    >>> server_limits(memory_mib=1024).limit  # 1 GiB / 3584 B: memory binds first
    299593
    """
    mem = check_float("memory_mib", memory_mib, lo=0.0, hi=1e6, lo_open=True)
    fds = check_int("fd_limit", fd_limit, lo=1, hi=2**31 - 1)
    res = check_int("reserved_fds", reserved_fds, lo=0, hi=1024)
    buf = check_int("buffer_bytes", buffer_bytes, lo=0, hi=2**31)
    ips = 2**32 if client_ips is None else check_int("client_ips", client_ips, lo=1, hi=2**32)
    per = int(LINUX["slab_tcp_sock"].value) + int(LINUX["slab_socket_fd"].value) + buf
    by_tuple = ips * 2**16
    by_fd = max(0, fds - res)
    by_mem = int(mem * 2**20 // per)
    options = {"four_tuple": by_tuple, "fd": by_fd, "memory": by_mem}
    bottleneck = min(options, key=lambda k: (options[k], k != "fd"))
    return ServerLimits(by_tuple, by_fd, by_mem, per, options[bottleneck], bottleneck)


@dataclass(frozen=True, slots=True)
class PortBudget:
    """How fast one client can open connections before its ephemeral ports run out.

    Attributes
    ----------
    ports : int
        Ephemeral ports in ``ip_local_port_range`` (inclusive count).
    destinations : int
        Distinct (server IP, server port) pairs the client talks to.
    tuples : int
        ``ports × destinations``: usable 4-tuples at any moment.
    lifetime : float
        Seconds each connection is open.
    blocked_after_close : float
        Seconds the 4-tuple stays unusable after the close: TIME_WAIT, the
        reuse delay with ``tcp_tw_reuse``, or 0 if the server closed first.
    hold_time : float
        ``lifetime + blocked_after_close``, s (a zero hold gives an infinite rate).
    tw_reuse_active : bool
        Whether ``tcp_tw_reuse`` applies to these connections.
    time_wait_on_client : bool
        False when the server closes first (TIME_WAIT is then on the server).
    max_conn_rate : float
        New connections per second that can be sustained: ``tuples / hold_time``.
    max_request_rate : float
        Requests per second: ``max_conn_rate × requests_per_conn``.
    """

    ports: int
    destinations: int
    tuples: int
    lifetime: float
    blocked_after_close: float
    hold_time: float
    tw_reuse_active: bool
    time_wait_on_client: bool
    max_conn_rate: float
    max_request_rate: float


def port_budget(
    *,
    port_low: int = _PORT_LO,
    port_high: int = _PORT_HI,
    destinations: int = 1,
    tw_reuse: int = int(LINUX["tcp_tw_reuse"].value),
    loopback: bool = False,
    reuse_delay: float = float(LINUX["tcp_tw_reuse_delay"].value),
    time_wait: float = _TW,
    lifetime: float = 0.0,
    requests_per_conn: int = 1,
    client_closes: bool = True,
) -> PortBudget:
    """Client port exhaustion towards the same server(s): the sustainable connection rate.

    Parameters
    ----------
    port_low, port_high : int
        ``ip_local_port_range``, in [1, 65535] with ``port_low ≤ port_high``
        (default 32768–60999: 28232 ports).
    destinations : int
        Distinct (server IP, port) pairs, in [1, 65536]; each one multiplies
        the usable 4-tuples.
    tw_reuse : {0, 1, 2}
        ``net.ipv4.tcp_tw_reuse``: 0 off, 1 on, 2 loopback only (default).
    loopback : bool
        Whether the destinations are loopback addresses (matters for ``tw_reuse=2``).
    reuse_delay : float
        ``tcp_tw_reuse_delay`` in seconds, in [0.001, 60] (1 s by default).
    time_wait : float
        TIME_WAIT length, s, in [0, 3600] (Linux: fixed 60 s, ``TCP_TIMEWAIT_LEN``).
    lifetime : float
        How long each connection is open, s, in [0, 86400].
    requests_per_conn : int
        Requests carried by one connection (HTTP keep-alive / pooling), in [1, 10^9].
    client_closes : bool
        True if the client closes first (TIME_WAIT on the client's port).

    Returns
    -------
    PortBudget

    Raises
    ------
    ValueError
        If a port is not in [1, 65535] or ``port_low > port_high``, ``destinations``
        is not in [1, 65536], ``tw_reuse`` not 0, 1 or 2, ``reuse_delay`` not in
        [0.001, 60], ``time_wait`` not in [0, 3600], ``lifetime`` not in [0, 86400]
        or ``requests_per_conn`` not in [1, 10^9].
    TypeError
        If a count is not an integer, a time not a number, or a flag not a bool.

    Notes
    -----
    A 4-tuple is unusable while its connection is open and, for the side that
    closed first, for ``TCP_TIMEWAIT_LEN`` afterwards (``include/net/tcp.h``).
    ``tcp_twsk_unique()`` (``net/ipv4/tcp_ipv4.c``) lets ``connect()`` take over a
    TIME_WAIT 4-tuple when ``tcp_tw_reuse`` is 1 (or 2 and both ends are
    loopback), the entry saw timestamps, and ``tcp_tw_reuse_delay`` has passed
    since the last one. Little's law then gives the rate: tuples / hold time.

    Examples
    --------
    >>> b = port_budget()
    >>> b.ports, b.hold_time, round(b.max_conn_rate, 1)
    (28232, 60.0, 470.5)
    >>> round(port_budget(tw_reuse=1).max_conn_rate)       # reuse after 1 s
    28232
    >>> round(port_budget(destinations=4).max_conn_rate, 1)
    1882.1
    >>> round(port_budget(requests_per_conn=100).max_request_rate)  # keep-alive: 100 requests per connection
    47053
    >>> port_budget(client_closes=False).max_conn_rate      # server closes first: ports free at once
    inf
    """
    lo = check_int("port_low", port_low, lo=1, hi=65535)
    hi = check_int("port_high", port_high, lo=1, hi=65535)
    if lo > hi:
        raise ValueError(f"port_low must be ≤ port_high, got port_low={lo} > port_high={hi}")
    dest = check_int("destinations", destinations, lo=1, hi=65536)
    mode = check_choice("tw_reuse", tw_reuse, (0, 1, 2))
    lb = check_bool("loopback", loopback)
    delay = check_float("reuse_delay", reuse_delay, lo=0.001, hi=60.0)
    tw = check_float("time_wait", time_wait, lo=0.0, hi=3600.0)
    life = check_float("lifetime", lifetime, lo=0.0, hi=86400.0)
    rpc = check_int("requests_per_conn", requests_per_conn, lo=1, hi=10**9)
    cc = check_bool("client_closes", client_closes)
    ports = hi - lo + 1
    reuse = mode == 1 or (mode == 2 and lb)
    after = (min(delay, tw) if reuse else tw) if cc else 0.0
    hold = life + after
    tuples = ports * dest
    rate = tuples / hold if hold > 0 else math.inf
    return PortBudget(ports, dest, tuples, life, after, hold, reuse and cc, cc, rate, rate * rpc)


@dataclass(frozen=True, slots=True)
class PortTimeline:
    """Ports of one client over time at a fixed connection-attempt rate.

    Attributes
    ----------
    t : tuple of float
        Time, s (end of each step).
    open : tuple of int
        4-tuples held by open connections.
    time_wait : tuple of int
        4-tuples held by TIME_WAIT (or waiting for the reuse delay).
    failed : tuple of float
        ``connect()`` failures per second (``EADDRNOTAVAIL``) in each step.
    exhausted_at : float or None
        First time a connection attempt failed, s; None if never.
    budget : PortBudget
        The steady-state budget for the same parameters.
    rate : float
        Attempted new connections per second.
    """

    t: tuple[float, ...]
    open: tuple[int, ...]
    time_wait: tuple[int, ...]
    failed: tuple[float, ...]
    exhausted_at: float | None
    budget: PortBudget
    rate: float


def port_timeline(*, rate: float = 600.0, duration: float = 120.0, step: float = 1.0, **budget: object) -> PortTimeline:
    """Simulate ports in use and in TIME_WAIT when a client opens ``rate`` connections/s.

    Parameters
    ----------
    rate : float
        Attempted new connections per second, in [0, 10^7].
    duration : float
        Simulated time, s, in (0, 3600].
    step : float
        Time step, s, in [0.01, 60]; at most 20000 steps.
    **budget
        Any keyword of :func:`port_budget` (ports, destinations, tw_reuse, …).

    Returns
    -------
    PortTimeline

    Raises
    ------
    ValueError
        If ``rate`` is not in [0, 10^7], ``duration`` not in (0, 3600], ``step``
        not in [0.01, 60], ``duration / step`` exceeds 20000 steps, or a
        :func:`port_budget` parameter is out of its range.
    TypeError
        If a parameter has the wrong type, or is not a :func:`port_budget` keyword.

    Notes
    -----
    A fluid model of :func:`port_budget`: each step opens ``min(rate·step,
    free tuples)`` connections; each holds its tuple ``lifetime`` s open, then
    ``hold_time − lifetime`` s in TIME_WAIT (Linux picks a free port per
    destination in ``__inet_hash_connect``; an attempt with none left fails with
    ``EADDRNOTAVAIL``). In steady state the TIME_WAIT count is
    ``min(rate, max_conn_rate) × (hold_time − lifetime)``.

    Examples
    --------
    >>> tl = port_timeline(rate=600, duration=120)
    >>> tl.exhausted_at        # 28232 ports / 600 per s ≈ 47 s
    48.0
    >>> max(tl.time_wait)
    28232
    >>> port_timeline(rate=400).exhausted_at is None   # below 28232/60 ≈ 470.5 /s
    True
    """
    r = check_float("rate", rate, lo=0.0, hi=1e7)
    dur = check_float("duration", duration, lo=0.0, hi=3600.0, lo_open=True)
    dt = check_float("step", step, lo=0.01, hi=60.0)
    n = math.ceil(dur / dt - 1e-9)
    if n > 20000:
        raise ValueError(f"duration/step must be at most 20000 steps, got {n}")
    b = port_budget(**budget)  # type: ignore[arg-type]
    life, after = b.lifetime, b.blocked_after_close
    # each batch: (open_until, free_at, count)
    batches: deque[tuple[float, float, int]] = deque()
    in_use = 0
    ts, opened, tws, failed = [], [], [], []
    exhausted = None
    for i in range(1, n + 1):
        now = i * dt
        start = now - dt
        while batches and batches[0][1] <= start + 1e-12:
            in_use -= batches.popleft()[2]
        want = r * dt
        free = b.tuples - in_use
        got = int(min(want, free) + 1e-9)
        if want - got > 1e-9 and free <= got and exhausted is None:
            exhausted = now
        if got:
            batches.append((start + life, start + life + after, got))
            in_use += got
        o = sum(c for until, free_at, c in batches if until > now - 1e-12)
        ts.append(round(now, 9))
        opened.append(o)
        tws.append(in_use - o)
        failed.append(max(0.0, want - got) / dt)
    return PortTimeline(tuple(ts), tuple(opened), tuple(tws), tuple(failed), exhausted, b, r)


@dataclass(frozen=True, slots=True)
class TimeWaitLoad:
    """TIME_WAIT entries on a server that closes ``close_rate`` connections per second first.

    Attributes
    ----------
    count : int
        Steady-state TIME_WAIT entries: ``min(close_rate × time_wait, max_tw_buckets)``.
    overflow_rate : float
        Closes per second that skip TIME_WAIT because the table is full
        (counted as ``TCPTimeWaitOverflow`` in ``nstat``).
    memory_bytes : int
        ``count × sizeof(tcp_timewait_sock)`` (256 B on 6.18).
    capped : bool
        Whether ``tcp_max_tw_buckets`` is reached.
    """

    count: int
    overflow_rate: float
    memory_bytes: int
    capped: bool


def server_time_wait(
    *,
    close_rate: float,
    time_wait: float = _TW,
    max_tw_buckets: int = int(LINUX["tcp_max_tw_buckets"].value),
) -> TimeWaitLoad:
    """How many TIME_WAIT entries a server reaches when it closes first.

    Parameters
    ----------
    close_rate : float
        Connections per second the server closes first, in [0, 10^8].
    time_wait : float
        TIME_WAIT length, s, in [0, 3600] (Linux: 60 s).
    max_tw_buckets : int
        ``net.ipv4.tcp_max_tw_buckets``, in [0, 2^31 − 1] (default ehash/2,
        131072 on the measured machine).

    Returns
    -------
    TimeWaitLoad

    Raises
    ------
    ValueError
        If ``close_rate`` is not in [0, 10^8], ``time_wait`` not in [0, 3600] or
        ``max_tw_buckets`` not in [0, 2^31 − 1].
    TypeError
        If a rate or time is not a number, or ``max_tw_buckets`` not an integer.

    Notes
    -----
    Little's law (entries = arrival rate × stay). ``inet_twsk_alloc()``
    (``net/ipv4/inet_timewait_sock.c``) refuses a new entry once
    ``tw_count >= sysctl_max_tw_buckets``: the *closing* socket then skips
    TIME_WAIT; existing entries are untouched (not "the oldest are dropped").
    No file descriptor or thread is held: the entry is a ``tcp_timewait_sock``.

    Examples
    --------
    >>> w = server_time_wait(close_rate=1000)
    >>> w.count, w.capped, w.memory_bytes // 2**20   # 60000 entries ≈ 14 MiB
    (60000, False, 14)
    >>> w = server_time_wait(close_rate=5000)
    >>> w.count, round(w.overflow_rate, 1)
    (131072, 2815.5)
    """
    rate = check_float("close_rate", close_rate, lo=0.0, hi=1e8)
    tw = check_float("time_wait", time_wait, lo=0.0, hi=3600.0)
    cap = check_int("max_tw_buckets", max_tw_buckets, lo=0, hi=2**31 - 1)
    want = rate * tw
    count = int(min(want, cap) + 1e-9)
    overflow = max(0.0, rate - cap / tw) if tw > 0 else 0.0
    return TimeWaitLoad(count, overflow, count * int(LINUX["slab_tw_sock"].value), want > cap)


@dataclass(frozen=True, slots=True)
class KeepaliveTimeline:
    """When keepalive probes go out on an idle connection, and when a dead peer is declared.

    Attributes
    ----------
    idle, interval : float
        ``TCP_KEEPIDLE`` and ``TCP_KEEPINTVL``, s.
    probes : int
        ``TCP_KEEPCNT``.
    user_timeout : float
        ``TCP_USER_TIMEOUT``, s (0 = not set).
    probe_times : tuple of float
        Seconds after the last segment received at which each probe is sent.
    detect_time : float
        When the connection is reset and the application gets ``ETIMEDOUT``.
    """

    idle: float
    interval: float
    probes: int
    user_timeout: float
    probe_times: tuple[float, ...]
    detect_time: float


def keepalive_timeline(*, idle: float = _KEEPIDLE, interval: float = _KEEPINTVL, probes: int = _KEEPCNT,
                       user_timeout: float = 0.0) -> KeepaliveTimeline:
    """The keepalive schedule of an idle connection whose peer has died silently.

    Parameters
    ----------
    idle : float
        Idle time before the first probe, s, in [1, 32767] (``tcp_keepalive_time``,
        default 7200; per socket ``TCP_KEEPIDLE``).
    interval : float
        Time between probes, s, in [1, 32767] (``tcp_keepalive_intvl``, default 75).
    probes : int
        Unanswered probes before giving up, in [1, 127] (``tcp_keepalive_probes``, default 9).
    user_timeout : float
        ``TCP_USER_TIMEOUT`` in seconds, in [0, 2147483]; 0 = unset.

    Returns
    -------
    KeepaliveTimeline

    Raises
    ------
    ValueError
        If ``idle`` or ``interval`` is not in [1, 32767] (``MAX_TCP_KEEPIDLE``),
        ``probes`` not in [1, 127] (``MAX_TCP_KEEPCNT``) or ``user_timeout`` not in
        [0, 2147483].
    TypeError
        If a time is not a number or ``probes`` not an integer.

    Notes
    -----
    ``tcp_keepalive_timer()`` (``net/ipv4/tcp_timer.c``) runs only while no data
    are in flight. Once the idle time reaches ``keepalive_time`` it sends a probe
    (an ACK with seq = SND.UNA − 1) every ``keepalive_intvl``; when the timer
    finds ``probes_out >= keepalive_probes`` it sends RST and reports
    ``ETIMEDOUT``: idle + probes × interval. With ``TCP_USER_TIMEOUT`` set, the
    count is ignored: the connection dies at the first timer run with at least
    one probe out and idle time ≥ the user timeout. Keepalive is off unless the
    application sets ``SO_KEEPALIVE`` (RFC 1122 §4.2.3.6: off by default, ≥ 2 h).

    Examples
    --------
    >>> k = keepalive_timeline()
    >>> k.detect_time, len(k.probe_times), k.probe_times[:2]
    (7875.0, 9, (7200.0, 7275.0))
    >>> keepalive_timeline(idle=60, interval=10, probes=3).detect_time
    90.0
    >>> keepalive_timeline(idle=60, interval=10, probes=3, user_timeout=200).detect_time
    200.0
    """
    idl = check_float("idle", idle, lo=1.0, hi=float(MAX_TCP_KEEPIDLE))
    itv = check_float("interval", interval, lo=1.0, hi=float(MAX_TCP_KEEPIDLE))
    cnt = check_int("probes", probes, lo=1, hi=MAX_TCP_KEEPCNT)
    ut = check_float("user_timeout", user_timeout, lo=0.0, hi=float(MAX_USER_TIMEOUT_S))
    if ut > 0:
        k = max(1, math.ceil((ut - idl) / itv - 1e-9))
        detect = idl + k * itv
        sent = k
    else:
        detect = idl + cnt * itv
        sent = cnt
    times = tuple(idl + i * itv for i in range(sent))
    return KeepaliveTimeline(idl, itv, cnt, ut, times, detect)


@dataclass(frozen=True, slots=True)
class RetransmitGiveUp:
    """When TCP gives up retransmitting unacknowledged data to a dead peer.

    Attributes
    ----------
    rto : float
        RTO when the data were sent, s.
    retries : int
        ``tcp_retries2``.
    user_timeout : float
        ``TCP_USER_TIMEOUT``, s (0 = unset).
    budget : float
        The time allowed after the first retransmission:
        :func:`tcpkit.timers.retries_timeout` ``(retries)`` (the kernel's
        ``tcp_model_timeout``, 924.6 s by default), or the user timeout.
    retransmit_times : tuple of float
        Seconds after the original transmission at which each retransmission is sent.
    give_up : float
        When the connection is aborted (``ETIMEDOUT``), s after the original transmission.
    """

    rto: float
    retries: int
    user_timeout: float
    budget: float
    retransmit_times: tuple[float, ...]
    give_up: float


def retransmit_giveup(*, rto: float = _RTO_MIN, retries: int = _RETRIES2, user_timeout: float = 0.0,
                      first_retransmit: float | None = None) -> RetransmitGiveUp:
    """The retransmission schedule of data nobody acknowledges, and the give-up time.

    Parameters
    ----------
    rto : float
        The RTO in force when the data were sent, s, in [0.2, 120]
        (at least ``TCP_RTO_MIN``; roughly SRTT + 4·RTTVAR).
    retries : int
        ``net.ipv4.tcp_retries2``, in [1, 255] (default 15).
    user_timeout : float
        ``TCP_USER_TIMEOUT``, s, in [0, 2147483]; 0 = unset.
    first_retransmit : float, optional
        When the first RTO retransmission happens, s after the original send,
        in [rto, 240]; default ``rto``. A tail-loss probe (``tcp_early_retrans``)
        sent at PTO ≈ 2·SRTT re-arms the RTO timer, so then it is PTO + RTO.

    Returns
    -------
    RetransmitGiveUp

    Raises
    ------
    ValueError
        If ``rto`` is not in [0.2, 120], ``retries`` not in [1, 255],
        ``user_timeout`` not in [0, 2147483] or ``first_retransmit`` not in
        [rto, 240].
    TypeError
        If a time is not a number or ``retries`` not an integer.

    Notes
    -----
    ``tcp_retransmit_timer()`` doubles the RTO after each expiry, up to
    ``TCP_RTO_MAX`` (120 s). At each expiry ``tcp_write_timeout()`` asks
    ``retransmits_timed_out()`` whether ``now − retrans_stamp`` has reached
    ``tcp_model_timeout(tcp_retries2, TCP_RTO_MIN)``, where ``retrans_stamp`` is
    stamped by ``tcp_retransmit_skb()`` at the *first retransmission* — so the
    budget (924.6 s) starts then, and the abort happens at the first expiry past
    it ("the first RTO which exceeds the hypothetical timeout", ip-sysctl.rst).
    It is a *time* budget: a larger RTO means fewer retransmissions, not
    proportionally later give-up. With ``TCP_USER_TIMEOUT`` (RFC 5482) the
    budget is the user timeout and ``tcp_clamp_rto_to_user_timeout()`` shortens
    the last RTO so the abort falls on it. All in ``net/ipv4/tcp_timer.c``;
    measured on Linux 6.18 (tests/test_capacity.py).

    Examples
    --------
    >>> g = retransmit_giveup()
    >>> round(g.budget, 1), round(g.give_up, 1), len(g.retransmit_times)
    (924.6, 1044.6, 16)
    >>> g1 = retransmit_giveup(rto=1.0)      # fewer retransmissions, similar time
    >>> g1.give_up, len(g1.retransmit_times)
    (967.0, 13)
    >>> retransmit_giveup(user_timeout=30).give_up   # 0.2 s + 30 s
    30.2
    """
    r = check_float("rto", rto, lo=_RTO_MIN, hi=_RTO_MAX)
    n = check_int("retries", retries, lo=1, hi=255)
    ut = check_float("user_timeout", user_timeout, lo=0.0, hi=float(MAX_USER_TIMEOUT_S))
    first = r if first_retransmit is None else check_float("first_retransmit", first_retransmit, lo=r, hi=2 * _RTO_MAX)
    budget = ut if ut > 0 else retries_timeout(n)
    times = [first]
    t, cur = first, min(2 * r, _RTO_MAX)
    while True:
        nxt = t + cur
        if ut > 0:
            # tcp_clamp_rto_to_user_timeout(): never sleep past the user timeout (at least 1 jiffy)
            nxt = min(nxt, max(first + ut, t + 0.001))
        t = nxt
        if t - first >= budget - 1e-9:
            return RetransmitGiveUp(r, n, ut, budget, tuple(times), round(t, 9))
        times.append(t)
        cur = min(cur * 2, _RTO_MAX)


@dataclass(frozen=True, slots=True)
class DeadPeer:
    """How long each mechanism takes to notice a peer that vanished without FIN or RST.

    Attributes
    ----------
    keepalive : KeepaliveTimeline
        An idle connection with ``SO_KEEPALIVE``.
    retransmit : RetransmitGiveUp
        A connection with unacknowledged data (keepalive does not run then).
    """

    keepalive: KeepaliveTimeline
    retransmit: RetransmitGiveUp


def dead_peer(*, idle: float = _KEEPIDLE, interval: float = _KEEPINTVL, probes: int = _KEEPCNT,
              user_timeout: float = 0.0, rto: float = _RTO_MIN, retries: int = _RETRIES2) -> DeadPeer:
    """Keepalive detection (idle connection) beside retransmission give-up (data in flight).

    Parameters are those of :func:`keepalive_timeline` (``idle``, ``interval``,
    ``probes``, ``user_timeout``) and :func:`retransmit_giveup` (``rto``,
    ``retries``, ``user_timeout``); ``TCP_USER_TIMEOUT`` applies to both.

    Returns
    -------
    DeadPeer

    Raises
    ------
    ValueError, TypeError
        As :func:`keepalive_timeline` (checked first) and
        :func:`retransmit_giveup` raise them for their parameters.

    Notes
    -----
    ``tcp_keepalive_timer()`` returns early while ``packets_out`` is non-zero, so
    a connection with data in flight is judged by the retransmission timer
    instead (``net/ipv4/tcp_timer.c``).

    Examples
    --------
    >>> d = dead_peer()
    >>> d.keepalive.detect_time, round(d.retransmit.give_up, 1)
    (7875.0, 1044.6)
    """
    return DeadPeer(
        keepalive_timeline(idle=idle, interval=interval, probes=probes, user_timeout=user_timeout),
        retransmit_giveup(rto=rto, retries=retries, user_timeout=user_timeout),
    )
