"""Live experiments: real sockets on loopback, kernel states beside the model's.

>>> run_experiment("handshake").agree
True

Every experiment drives real sockets on ``127.0.0.1`` (or ``::1``) step by
step. After each step it reads the state of every socket it follows from
``/proc/net/tcp`` / ``tcp6`` (matching local and remote port) and records it
beside the state the TCP model predicts (RFC 9293 §3.3.2, Figure 5, with the
Linux details noted per experiment). This is the only I/O module of tcpkit.

Safety: sockets bind to loopback only (port 0 = an ephemeral port chosen by
the kernel), every socket is non-blocking and every wait has a deadline
(``select`` with a timeout), and every socket is closed in ``finally`` even
when a step fails. No root is needed.

State changes on loopback are asynchronous (softirq), but finish within
microseconds; after each action the lab polls ``/proc`` until the states equal
the prediction or ``timeout`` seconds pass, so a real disagreement shows up as
a row with ``agree == False`` after the timeout, never as a race.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import select
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .._validate import check_choice, check_float, check_int
from ..errors import LabError
from ..fsm import State
from .predict import predict_states
from .proc import ProcSocket, read_sockets

__all__ = [
    "Step", "LabRun", "EXPERIMENTS", "run_experiment", "run_all", "listen_queue", "require_linux",
    "RacePacket", "SynRaceRun", "syn_race",
]

_HOSTS = ("127.0.0.1", "::1")


def require_linux() -> None:
    """Raise :class:`~tcpkit.errors.LabError` unless this is Linux with ``/proc/net/tcp``.

    Raises
    ------
    LabError
        On any other system (the lab reads Linux's ``/proc``).
    """
    if not sys.platform.startswith("linux") or not os.path.exists("/proc/net/tcp"):
        raise LabError(
            f"the live lab needs Linux (it reads /proc/net/tcp); this is {sys.platform!r}. "
            "Run the book on Binder or any Linux machine to see the kernel's states."
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an experiment: what was done, what the kernel and the model say.

    Attributes
    ----------
    action : str
        The call made, e.g. ``"client: close()"``.
    kernel : tuple of (str, State)
        The state of each followed socket read from ``/proc`` after the action;
        a socket the kernel no longer lists is ``CLOSED``.
    predicted : tuple of (str, State)
        The model's state for the same sockets, in the same order.
    result : str
        The outcome of the call: ``"ok"``, an errno name (``"ECONNREFUSED"``)
        or the bytes read (``"b'hi'"``).
    expected_result : str
        The outcome the model predicts.
    note : str
        What to notice (Chinese), e.g. that a FIN_WAIT_2 is an orphan mini-socket.
    elapsed : float
        Seconds the action took (not part of the deterministic table).
    mini_sockets : tuple of str
        Followed sockets the kernel keeps as an ``inet_timewait_sock`` (no fd):
        TIME_WAIT, and FIN_WAIT_2 after ``close()`` (``/proc``: ``tr`` = 3, inode 0).
    """

    action: str
    kernel: tuple[tuple[str, State], ...]
    predicted: tuple[tuple[str, State], ...]
    result: str = "ok"
    expected_result: str = "ok"
    note: str = ""
    elapsed: float = 0.0
    mini_sockets: tuple[str, ...] = ()

    @property
    def agree(self) -> bool:
        """True when every kernel state and the call's outcome match the model."""
        return self.kernel == self.predicted and self.result == self.expected_result

    def kernel_state(self, name: str) -> State:
        """The kernel state of socket ``name`` (``KeyError`` if not followed)."""
        return dict(self.kernel)[name]


@dataclass(frozen=True, slots=True)
class LabRun:
    """The record of one experiment.

    Attributes
    ----------
    name : str
        Key in :data:`EXPERIMENTS`.
    title : str
        One line (Chinese) saying what it shows.
    steps : tuple of Step
    host : str
        ``"127.0.0.1"`` or ``"::1"``.
    extra : dict
        Measured numbers an experiment reports (e.g. ``accept_queue``).
    """

    name: str
    title: str
    steps: tuple[Step, ...]
    host: str
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def agree(self) -> bool:
        """True when kernel and model agree at every step."""
        return all(s.agree for s in self.steps)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(action, kernel states, model states, outcome, agree mark) per step."""
        out = []
        for s in self.steps:
            k = ", ".join(f"{n}={st.name}" + ("*" if n in s.mini_sockets else "") for n, st in s.kernel) or "-"
            p = ", ".join(f"{n}={st.name}" for n, st in s.predicted) or "-"
            res = s.result if s.result == s.expected_result else f"{s.result} (预期 {s.expected_result})"
            out.append((s.action, k, p, res, "✓" if s.agree else "✗"))
        return out

    def table(self) -> str:
        """A plain-text table of the steps (deterministic: no ports, no times); ``*`` marks a mini-socket."""
        lines = [f"[{self.name}] {self.title}"]
        for i, (a, k, p, r, ok) in enumerate(self.rows(), 1):
            lines.append(f"{i:>2}. {a}")
            lines.append(f"    内核: {k}")
            if k != p:
                lines.append(f"    模型: {p}")
            lines.append(f"    结果: {r}   一致: {ok}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The steps as a Markdown table (for ``IPython.display.Markdown``); ``*`` marks a mini-socket."""
        head = "| # | 操作 | 内核（/proc/net/tcp） | 模型预测 | 调用结果 | 一致 |\n|---|---|---|---|---|---|\n"
        body = "\n".join(
            f"| {i} | `{a}` | {k} | {'同左' if s.kernel == s.predicted else p} | `{r}` | {ok} |"
            for i, ((a, k, p, r, ok), s) in enumerate(zip(self.rows(), self.steps), 1)
        )
        notes = [f"{i}. {s.note}" for i, s in enumerate(self.steps, 1) if s.note]
        return head + body + ("\n\n" + "；".join(notes) if notes else "")


# ---------------------------------------------------------------------------
# the bench: sockets with deadlines, always closed
# ---------------------------------------------------------------------------


class _Bench:
    """Owns every socket of one experiment and records steps (internal)."""

    def __init__(self, host: str, timeout: float) -> None:
        self.host = host
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.timeout = timeout
        self.socks: dict[str, socket.socket] = {}
        self.keys: dict[str, tuple[int, int]] = {}   # name -> (local port, remote port) followed in /proc
        self.model: dict[str, State] = {}            # the model's current state per followed socket
        self.steps: list[Step] = []
        self.extra: dict[str, int] = {}

    # -- sockets -----------------------------------------------------------
    def tcp(self, name: str, *, reuseaddr: bool = False, reuseport: bool = False, linger0: bool = False) -> socket.socket:
        s = socket.socket(self.family, socket.SOCK_STREAM)
        self.socks[name] = s
        s.setblocking(False)
        if reuseaddr:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuseport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if linger0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return s

    def udp(self, name: str) -> socket.socket:
        s = socket.socket(self.family, socket.SOCK_DGRAM)
        self.socks[name] = s
        s.setblocking(False)
        return s

    def bind(self, name: str, port: int = 0) -> tuple[str, int]:
        """Bind ``name`` to the loopback host; returns ``(result, port)``."""
        try:
            self.socks[name].bind((self.host, port))
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, str(exc)), port
        return "ok", self.socks[name].getsockname()[1]

    def listen(self, name: str, backlog: int) -> str:
        self.socks[name].listen(backlog)
        return "ok"

    def shutdown_wr(self, name: str) -> str:
        self.socks[name].shutdown(socket.SHUT_WR)
        return "ok"

    def port(self, name: str) -> int:
        return int(self.socks[name].getsockname()[1])

    def follow(self, name: str, local: int, remote: int, state: State) -> None:
        """Follow the kernel socket (local, remote) under ``name``; the model starts in ``state``."""
        self.keys[name] = (local, remote)
        self.model[name] = state

    def connect(self, name: str, port: int, *, wait: bool = True) -> str:
        """Non-blocking connect; with ``wait`` wait (≤ timeout) for the outcome."""
        s = self.socks[name]
        rc = s.connect_ex((self.host, port))
        if rc not in (0, errno.EINPROGRESS):
            return errno.errorcode.get(rc, str(rc))
        if not wait:
            return "ok"  # the SYN is sent; the outcome is read from /proc
        _, w, _ = select.select([], [s], [], self.timeout)
        if not w:
            raise LabError(f"connect() did not finish within {self.timeout} s")
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        return "ok" if err == 0 else errno.errorcode.get(err, str(err))

    def accept(self, lname: str, name: str) -> str:
        r, _, _ = select.select([self.socks[lname]], [], [], self.timeout)
        if not r:
            raise LabError(f"accept() found no connection within {self.timeout} s")
        conn, _ = self.socks[lname].accept()
        conn.setblocking(False)
        self.socks[name] = conn
        return "ok"

    def recv(self, name: str, n: int = 4096) -> str:
        s = self.socks[name]
        r, _, _ = select.select([s], [], [], self.timeout)
        if not r:
            raise LabError(f"recv() got nothing within {self.timeout} s")
        try:
            return repr(s.recv(n))
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, str(exc))

    def send(self, name: str, data: bytes) -> str:
        try:
            self.socks[name].send(data)
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, str(exc))
        return "ok"

    def close(self, name: str) -> str:
        self.socks.pop(name).close()
        return "ok"

    def close_all(self) -> None:
        for s in self.socks.values():
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            s.close()
        self.socks.clear()

    # -- observation -------------------------------------------------------
    def read(self) -> tuple[dict[str, State], tuple[str, ...]]:
        """The kernel state of every followed socket, and which of them are mini-sockets."""
        table: dict[tuple[int, int], ProcSocket] = {}
        for row in read_sockets("tcp"):
            if row.local_addr == self.host:
                table[(row.local_port, row.remote_port)] = row
        out = {}
        minis = []
        for name, key in self.keys.items():
            found = table.get(key)
            out[name] = found.state if found is not None else State.CLOSED
            if found is not None and found.mini_socket:
                minis.append(name)
        return out, tuple(minis)

    def step(
        self,
        action: str,
        do: Callable[[], str],
        events: dict[str, tuple[str, ...]] | None = None,
        *,
        expect: str = "ok",
        note: str = "",
        settle: float = 0.0,
    ) -> Step:
        """Run ``do()``, advance the model by ``events``, poll the kernel, record a Step."""
        t0 = time.perf_counter()
        result = do()
        elapsed = time.perf_counter() - t0
        self.model = predict_states(self.model, events or {})
        if settle:
            time.sleep(settle)
        deadline = time.monotonic() + self.timeout
        while True:
            seen, minis = self.read()
            if seen == self.model or time.monotonic() > deadline:
                break
            time.sleep(0.002)
        names = list(self.keys)
        step = Step(
            action,
            tuple((n, seen[n]) for n in names),
            tuple((n, self.model[n]) for n in names),
            result,
            expect,
            note,
            elapsed,
            minis,
        )
        self.steps.append(step)
        return step


@contextmanager
def _bench(host: str, timeout: float) -> Iterator[_Bench]:
    require_linux()
    b = _Bench(host, timeout)
    try:
        yield b
    finally:
        b.close_all()


def listen_queue(port: int, *, host: str = "127.0.0.1") -> tuple[int, int | None]:
    """The accept queue of the listener on ``host:port``: (Recv-Q, Send-Q) as ``ss -ltn`` shows them.

    Recv-Q (connections waiting for ``accept()``) comes from ``/proc/net/tcp``
    (``rx_queue`` of the LISTEN line); Send-Q (the queue's limit,
    ``sk_max_ack_backlog``) is not in ``/proc`` and is read with ``ss`` when it is
    installed, else ``None``.

    Raises
    ------
    ValueError
        If ``port`` is not in [1, 65535] or ``host`` is not a loopback address.
    LabError
        On a system other than Linux, or if no listener is on that port.
    """
    check_int("port", port, lo=1, hi=65535)
    check_choice("host", host, _HOSTS)
    require_linux()
    recv_q = None
    for row in read_sockets("tcp"):
        if row.local_port == port and row.code == State.LISTEN.linux_code and row.local_addr == host:
            recv_q = row.rx_queue
    if recv_q is None:
        raise LabError(f"no listener on {host}:{port}")
    send_q = None
    try:
        out = subprocess.run(
            ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[3].endswith(f":{port}"):
                send_q = int(parts[2])
    except (OSError, subprocess.SubprocessError, ValueError):
        send_q = None
    return recv_q, send_q


# ---------------------------------------------------------------------------
# the experiments
# ---------------------------------------------------------------------------

E = State  # short alias inside the experiment scripts


def _open_pair(b: _Bench, *, accept: bool = True, backlog: int = 8, reuseaddr: bool = False) -> int:
    """listen → connect → (accept): the common prefix of several experiments."""
    b.tcp("listener", reuseaddr=reuseaddr)
    b.bind("listener")
    lp = b.port("listener")
    b.follow("listener", lp, 0, E.CLOSED)
    b.step(f"listener: bind() + listen({backlog})", lambda: b.listen("listener", backlog),
           {"listener": ("passive_open",)})
    b.tcp("client")
    b.bind("client")
    cp = b.port("client")
    b.follow("client", cp, lp, E.CLOSED)
    b.follow("server", lp, cp, E.LISTEN)
    b.step("client: connect()", lambda: b.connect("client", lp),
           {"client": ("active_open", "rcv_syn_ack"), "server": ("rcv_syn", "rcv_ack")},
           note="三次握手全部在内核里完成：服务端的子连接已 ESTABLISHED，躺在全连接队列里")
    if accept:
        b.step("server: accept()", lambda: b.accept("listener", "server"), {},
               note="accept() 只是把已建立的连接从队列里取出来，状态不变")
    return lp


def exp_handshake(b: _Bench) -> str:
    _open_pair(b)
    b.step("client: send(b'hi')", lambda: b.send("client", b"hi"), {})
    b.step("server: recv()", lambda: b.recv("server"), {}, expect="b'hi'")
    return "三次握手：listen → connect → accept，内核与模型逐步对照"


def exp_active_close(b: _Bench) -> str:
    _open_pair(b)
    b.step("client: close()", lambda: b.close("client"),
           {"client": ("close", "rcv_ack"), "server": ("rcv_fin",)},
           note="客户端成了孤儿 FIN_WAIT_2：/proc 里 st=05，但 tr=3、inode=0，是 TIME_WAIT 小结构（tcp_fin_timeout 计时）")
    b.step("server: recv()", lambda: b.recv("server"), {}, expect="b''",
           note="recv() 返回 0 字节 = 对端发来了 FIN")
    b.step("server: close()", lambda: b.close("server"),
           {"server": ("close", "rcv_ack"), "client": ("rcv_fin",)},
           note="服务端 LAST_ACK 收到最后的 ACK 后消失；客户端进入 TIME_WAIT（Linux 固定 60 s）")
    return "主动关闭：FIN_WAIT_2 → TIME_WAIT，被动方 CLOSE_WAIT → LAST_ACK → CLOSED"


def exp_half_close(b: _Bench) -> str:
    _open_pair(b)
    b.step("client: shutdown(SHUT_WR)", lambda: b.shutdown_wr("client"),
           {"client": ("close", "rcv_ack"), "server": ("rcv_fin",)},
           note="半关闭：客户端仍持有 fd，是完整的 FIN_WAIT_2 socket，不受 tcp_fin_timeout 限制")
    b.step("server: send(b'bye')", lambda: b.send("server", b"bye"), {})
    b.step("client: recv()", lambda: b.recv("client"), {}, expect="b'bye'",
           note="CLOSE_WAIT 一方仍可发送，FIN_WAIT_2 一方仍可接收")
    b.step("server: close()", lambda: b.close("server"),
           {"server": ("close", "rcv_ack"), "client": ("rcv_fin",)})
    return "半关闭：shutdown(SHUT_WR) 之后数据仍可反向流动"


def exp_passive_no_close(b: _Bench) -> str:
    _open_pair(b)
    b.step("client: close()", lambda: b.close("client"),
           {"client": ("close", "rcv_ack"), "server": ("rcv_fin",)})
    b.step("server: recv()", lambda: b.recv("server"), {}, expect="b''")
    b.step("（服务端不调用 close，等 0.2 s）", lambda: "ok", {}, settle=0.2,
           note="只要应用不 close()，CLOSE_WAIT 就一直在；客户端的孤儿 FIN_WAIT_2 最多等 tcp_fin_timeout")
    return "被动方不关闭：服务端停在 CLOSE_WAIT，客户端停在 FIN_WAIT_2"


def _exp_queue(b: _Bench, backlog: int, clients: int) -> str:
    b.tcp("listener")
    b.bind("listener")
    lp = b.port("listener")
    b.follow("listener", lp, 0, E.CLOSED)
    b.step(f"listener: bind() + listen({backlog})，从不 accept()",
           lambda: b.listen("listener", backlog), {"listener": ("passive_open",)})
    capacity = backlog + 1
    for i in range(1, clients + 1):
        c = f"c{i}"
        b.tcp(c)
        b.bind(c)
        cp = b.port(c)
        b.follow(c, cp, lp, E.CLOSED)
        if i <= capacity:
            b.follow(f"s{i}", lp, cp, E.LISTEN)
            b.step(f"{c}: connect()", functools.partial(b.connect, c, lp),
                   {c: ("active_open", "rcv_syn_ack"), f"s{i}": ("rcv_syn", "rcv_ack")})
        else:
            b.step(f"{c}: connect()", functools.partial(b.connect, c, lp, wait=False), {c: ("active_open",)},
                   expect="ok", settle=0.05,
                   note=f"队列已满（{capacity} = backlog+1 个），SYN 被丢弃，客户端停在 SYN_SENT，1 s 后才会重传")
    recv_q, send_q = listen_queue(lp, host=b.host)
    b.extra.update(accept_queue=recv_q, backlog=backlog)
    if send_q is not None:
        b.extra["send_q"] = send_q
    b.step("ss -ltn：监听 socket 的 Recv-Q", lambda: f"Recv-Q={recv_q}", {}, expect=f"Recv-Q={capacity}",
           note="对 LISTEN socket，Recv-Q 是全连接队列当前长度，Send-Q 是上限 backlog")
    return f"不 accept()：listen({backlog}) 的全连接队列装下 backlog+1 = {capacity} 个连接"


def exp_no_accept(b: _Bench, backlog: int = 3) -> str:
    return _exp_queue(b, backlog, backlog + 1)


def exp_accept_overflow(b: _Bench, backlog: int = 1) -> str:
    return _exp_queue(b, backlog, backlog + 3)


def exp_refused(b: _Bench) -> str:
    b.tcp("server")
    _, sp = b.bind("server")
    b.follow("server", sp, 0, E.CLOSED)
    b.step("server: socket() + bind()，不 listen()", lambda: "ok", {},
           note="只 bind 不 listen 的 socket 不在连接表里，SYN 找不到接收者")
    b.tcp("client")
    b.bind("client")
    b.follow("client", b.port("client"), sp, E.CLOSED)
    b.step("client: connect()", lambda: b.connect("client", sp), {"client": ("active_open", "rcv_rst")},
           expect="ECONNREFUSED", note="内核立刻回 RST，connect() 马上失败，不会重试")
    return "服务端没有 listen：RST → ECONNREFUSED"


def exp_self_connect(b: _Bench) -> str:
    b.tcp("sock")
    _, p = b.bind("sock")
    b.follow("sock", p, p, E.CLOSED)
    b.step("sock: connect() 到自己的地址", lambda: b.connect("sock", p),
           {"sock": ("active_open", "rcv_syn", "rcv_ack")},
           note="SYN 发给了自己：SYN_SENT 收到 SYN → SYN_RECEIVED（同时打开的路径），再收到 SYN+ACK → ESTABLISHED")
    b.step("sock: send(b'echo')", lambda: b.send("sock", b"echo"), {})
    b.step("sock: recv()", lambda: b.recv("sock"), {}, expect="b'echo'", note="自己发的数据自己收到")
    return "没有 listen 也能建立连接：自连接（同时打开）"


def exp_tcp_udp_same_port(b: _Bench) -> str:
    b.tcp("tcp")
    _, p = b.bind("tcp")
    b.follow("tcp", p, 0, E.CLOSED)
    b.step("tcp: bind(P) + listen()", lambda: b.listen("tcp", 8), {"tcp": ("passive_open",)})
    b.udp("udp")

    def bind_udp() -> str:
        res, _ = b.bind("udp", p)
        if res != "ok":
            return res
        found = any(r.local_port == p for r in read_sockets("udp"))
        return "ok" if found else "not in /proc/net/udp"

    b.step("udp: bind(P)（同一端口）", bind_udp, {}, note="TCP 与 UDP 的端口空间各自独立（两张哈希表）")
    return "TCP 与 UDP 同时绑定同一个端口"


def exp_reuse_rules(b: _Bench) -> str:
    def second(name: str, port: int, **opts: bool) -> str:
        b.tcp(name, **opts)
        res, _ = b.bind(name, port)
        if res != "ok":
            return res
        try:
            b.socks[name].listen(8)
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, str(exc))
        return "ok"

    b.tcp("a")
    _, p = b.bind("a")
    b.follow("a", p, 0, E.CLOSED)
    b.step("a: bind(P) + listen()", lambda: b.listen("a", 8), {"a": ("passive_open",)})
    b.step("b: bind(P)，无选项", lambda: second("b", p), {}, expect="EADDRINUSE")
    b.tcp("c", reuseaddr=True)
    _, q = b.bind("c")
    b.follow("c", q, 0, E.CLOSED)
    b.step("c: SO_REUSEADDR, bind(Q) + listen()", lambda: b.listen("c", 8),
           {"c": ("passive_open",)})
    b.step("d: SO_REUSEADDR, bind(Q) + listen()", lambda: second("d", q, reuseaddr=True), {}, expect="EADDRINUSE",
           note="Linux 的 SO_REUSEADDR 不允许两个 socket 同时监听同一地址端口")
    b.tcp("e", reuseport=True)
    _, r = b.bind("e")
    b.follow("e", r, 0, E.CLOSED)
    b.step("e: SO_REUSEPORT, bind(R) + listen()", lambda: b.listen("e", 8),
           {"e": ("passive_open",)})
    b.step("f: SO_REUSEPORT, bind(R) + listen()", lambda: second("f", r, reuseport=True), {}, expect="ok",
           note="SO_REUSEPORT（Linux ≥ 3.9）：多个监听者，新连接按四元组哈希分配")
    return "SO_REUSEADDR 与 SO_REUSEPORT：谁能绑定同一个端口"


def exp_restart_time_wait(b: _Bench) -> str:
    lp = _open_pair(b, reuseaddr=True)
    b.step("server: close()（服务端先关）", lambda: b.close("server"),
           {"server": ("close", "rcv_ack"), "client": ("rcv_fin",)})
    b.step("client: close()", lambda: b.close("client"),
           {"client": ("close", "rcv_ack"), "server": ("rcv_fin",)},
           note="主动关闭的是服务端，TIME_WAIT 留在服务端的端口 P 上")
    b.step("listener: close()（进程“重启”）", lambda: b.close("listener"), {"listener": ("close",)})

    def rebind(name: str, reuse: bool) -> str:
        b.tcp(name, reuseaddr=reuse)
        res, _ = b.bind(name, lp)
        return res

    b.step("new: bind(P)，无 SO_REUSEADDR", lambda: rebind("new", False), {}, expect="EADDRINUSE",
           note="“Address already in use”：端口上还有 TIME_WAIT")
    b.step("new2: SO_REUSEADDR, bind(P)", lambda: rebind("new2", True), {}, expect="ok",
           note="SO_REUSEADDR 正是为这种重启准备的；旧的监听 socket 也必须设置过它（TIME_WAIT 继承了它的 reuse 标志）")
    return "服务端重启（监听 socket 设了 SO_REUSEADDR）：端口上有 TIME_WAIT 时，新 socket 也要设 SO_REUSEADDR"


def exp_rst_unread(b: _Bench) -> str:
    _open_pair(b)
    b.step("client: send(b'unread')", lambda: b.send("client", b"unread"), {})
    b.step("server: close()，数据没读", lambda: b.close("server"),
           {"server": ("abort",), "client": ("rcv_rst",)},
           note="接收队列里还有未读数据时 close() 发 RST 而不是 FIN（RFC 2525 §2.17）；双方都不经过 TIME_WAIT")
    b.step("client: recv()", lambda: b.recv("client"), {}, expect="ECONNRESET")
    return "带着未读数据 close()：发送 RST"


def exp_linger_rst(b: _Bench) -> str:
    _open_pair(b)
    b.socks["client"].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    b.step("client: SO_LINGER{1,0} 后 close()", lambda: b.close("client"),
           {"client": ("abort",), "server": ("rcv_rst",)},
           note="SO_LINGER 超时为 0：close() 直接发 RST，跳过四次挥手和 TIME_WAIT")
    b.step("server: recv()", lambda: b.recv("server"), {}, expect="ECONNRESET")
    return "SO_LINGER{1,0}：用 RST 中止连接"


#: name → experiment script. Each returns its title; :func:`run_experiment` runs it.
EXPERIMENTS: dict[str, Callable[..., str]] = {
    "handshake": exp_handshake,
    "active_close": exp_active_close,
    "half_close": exp_half_close,
    "passive_no_close": exp_passive_no_close,
    "no_accept": exp_no_accept,
    "accept_overflow": exp_accept_overflow,
    "refused": exp_refused,
    "self_connect": exp_self_connect,
    "tcp_udp_same_port": exp_tcp_udp_same_port,
    "reuse_rules": exp_reuse_rules,
    "restart_time_wait": exp_restart_time_wait,
    "rst_unread": exp_rst_unread,
    "linger_rst": exp_linger_rst,
}


def run_experiment(name: str, *, host: str = "127.0.0.1", timeout: float = 2.0, backlog: int | None = None) -> LabRun:
    """Run one live experiment on loopback and return its steps.

    Parameters
    ----------
    name : str
        One of :data:`EXPERIMENTS` (``"handshake"``, ``"active_close"``, …).
    host : {"127.0.0.1", "::1"}
        The loopback address every socket binds to.
    timeout : float
        Seconds, in (0, 30]: the deadline of every wait (connect, accept,
        recv, and the poll for the kernel to reach the predicted state).
    backlog : int, optional
        For ``"no_accept"`` (default 3) and ``"accept_overflow"`` (default 1):
        the ``listen()`` backlog, in [0, 16].

    Returns
    -------
    LabRun
        The steps, each with the kernel's and the model's states.

    Raises
    ------
    ValueError
        For an unknown name, a non-loopback host or a bad timeout/backlog.
    LabError
        On a system other than Linux, or when a wait times out.

    Notes
    -----
    States are read from ``/proc/net/tcp{,6}`` (``net/ipv4/tcp_ipv4.c``
    ``get_tcp4_sock``). The accept-queue limit is ``sk_acceptq_is_full()``
    (``include/net/sock.h``: ``sk_ack_backlog > sk_max_ack_backlog``, so a
    queue holds backlog + 1); the model's transitions are RFC 9293 §3.3.2.

    Examples
    --------
    >>> run = run_experiment("refused")
    >>> run.steps[-1].result, run.agree
    ('ECONNREFUSED', True)
    >>> print(run.table())
    [refused] 服务端没有 listen：RST → ECONNREFUSED
     1. server: socket() + bind()，不 listen()
        内核: server=CLOSED
        结果: ok   一致: ✓
     2. client: connect()
        内核: server=CLOSED, client=CLOSED
        结果: ECONNREFUSED   一致: ✓
    """
    check_choice("name", name, EXPERIMENTS)
    check_choice("host", host, _HOSTS)
    check_float("timeout", timeout, lo=0.0, hi=30.0, lo_open=True)
    kwargs = {}
    if backlog is not None:
        if name not in ("no_accept", "accept_overflow"):
            raise ValueError(f"backlog applies only to 'no_accept' and 'accept_overflow', got name={name!r}")
        kwargs["backlog"] = check_int("backlog", backlog, lo=0, hi=16)
    with _bench(host, timeout) as b:
        title = EXPERIMENTS[name](b, **kwargs)
        return LabRun(name, title, tuple(b.steps), host, dict(b.extra))


def run_all(*, host: str = "127.0.0.1", timeout: float = 2.0) -> list[LabRun]:
    """Run every experiment of :data:`EXPERIMENTS` in order (see :func:`run_experiment`)."""
    return [run_experiment(n, host=host, timeout=timeout) for n in EXPERIMENTS]


# ---------------------------------------------------------------------------
# a network-namespace experiment: a new SYN meets the old SYN's request sock
# ---------------------------------------------------------------------------

_CLONE_NEWNET = 0x40000000
_S_IP, _C_IP, _RACE_PORT = "10.203.0.1", "10.203.0.2", 8080
_BOGUS_MAC = "02:00:00:00:00:99"
_FLAG_NAMES = ((0x02, "SYN"), (0x04, "RST"), (0x01, "FIN"), (0x10, "ACK"))
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


@dataclass(frozen=True, slots=True)
class RacePacket:
    """One TCP segment seen on the client's veth during :func:`syn_race`.

    ``seq`` and ``ack`` are written relative to the ISNs (``"Y"`` = the client
    socket's ISN, ``"X"`` = the old SYN's ISN, ``"ISN_s"`` = the server's), so
    the record is the same on every run; ``delivered`` is False for a segment
    the client's IP layer never saw (sent to a MAC address nobody has).
    """

    t: float
    direction: str
    flags: str
    seq: str
    ack: str
    delivered: bool


@dataclass(frozen=True, slots=True)
class SynRaceRun:
    """The record of :func:`syn_race`.

    Attributes
    ----------
    in_window : bool
        Whether the new ISN ``Y`` lies inside the old request's receive window.
    old_request_state : str
        The server's state for the 4-tuple after the old SYN (``"SYN_RECV"``).
    connect_result : str
        What the client's ``connect()`` returned: ``"ok"`` or an errno name.
    connect_time : float
        Seconds from ``connect()`` to its outcome.
    embryonic_rsts : int
        How much ``TcpExt: EmbryonicRsts`` grew in the server's namespace
        (``tcp_check_req()`` → ``embryonic_reset`` counts there).
    packets : tuple of RacePacket
    """

    in_window: bool
    old_request_state: str
    connect_result: str
    connect_time: float
    embryonic_rsts: int
    packets: tuple[RacePacket, ...]

    def markdown(self) -> str:
        """The segments as a Markdown table (times rounded to 0.1 s)."""
        head = "| 时间 | 方向 | 标志 | seq | ack | 客户端收到 |\n|---|---|---|---|---|---|\n"
        return head + "\n".join(
            f"| {p.t:.1f} s | {p.direction} | {p.flags} | {p.seq} | {p.ack} | {'是' if p.delivered else '否（MAC 不对，被丢弃）'} |"
            for p in self.packets
        )


def _setns(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise LabError(f"setns({path}) failed: {os.strerror(err)}")
    finally:
        os.close(fd)


def _ip(*args: str) -> str:
    out = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=False)
    if out.returncode != 0:
        raise LabError(f"ip {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


@contextmanager
def _netns_pair() -> Iterator[tuple[str, str]]:
    """Two fresh namespaces (server, client) joined by a veth pair; always deleted."""
    if os.geteuid() != 0:
        raise LabError("this experiment creates network namespaces and needs root")
    tag = uuid.uuid4().hex[:6]
    srv, cli = f"tcpkit-race-s-{tag}", f"tcpkit-race-c-{tag}"
    _ip("netns", "add", srv)
    try:
        _ip("netns", "add", cli)
        _ip("link", "add", f"trs{tag}", "netns", srv, "type", "veth", "peer", "name", f"trc{tag}", "netns", cli)
        for ns, dev, addr in ((srv, f"trs{tag}", _S_IP), (cli, f"trc{tag}", _C_IP)):
            _ip("-n", ns, "addr", "add", addr + "/24", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        yield srv, cli
    finally:
        for ns in (srv, cli):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False)


def _tcp_syn(sport: int, dport: int, seq: int) -> bytes:
    """A bare SYN from the client address (no options), checksum over the RFC 9293 §3.1 pseudo-header."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
    data = socket.inet_aton(_C_IP) + socket.inet_aton(_S_IP) + struct.pack("!BBH", 0, 6, len(hdr)) + hdr
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return hdr[:16] + struct.pack("!H", ~total & 0xFFFF) + hdr[18:]


def _embryonic_rsts() -> int:
    with open("/proc/self/net/netstat") as f:
        lines = [ln.split() for ln in f if ln.startswith("TcpExt:")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))["EmbryonicRsts"])


class _Sniffer:
    """AF_PACKET on the client's veth: every TCP segment of the race's 4-tuple, with labels."""

    def __init__(self, dev: str) -> None:
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        self.sock.bind((dev, 0x0003))
        self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        self.t0 = time.time()
        self.isn: dict[str, int] = {}
        self.packets: list[tuple[float, bool, int, int, int, int]] = []  # t, c→s, flags, seq, ack, pkttype

    def poll(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if not select.select([self.sock], [], [], left)[0]:
                return
            frame, anc, _flags, addr = self.sock.recvmsg(2048, 64)
            ip = frame[14:]
            if frame[12:14] != b"\x08\x00" or ip[9] != 6:
                continue
            stamp = time.time()
            for level, kind, data in anc:  # the kernel's receive time (SO_TIMESTAMPNS), not ours
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= 16:
                    sec, nsec = struct.unpack("qq", data[:16])
                    stamp = sec + nsec / 1e9
            tcp = ip[(ip[0] & 0x0F) * 4:]
            sport, _dport, seq, ack = struct.unpack("!HHII", tcp[:12])
            self.packets.append((stamp - self.t0, sport != _RACE_PORT, tcp[13], seq, ack, addr[2]))

    def label(self, n: int) -> str:
        for name, base in sorted(self.isn.items(), key=lambda kv: kv[0] != "Y"):
            d = (n - base) & 0xFFFFFFFF
            if d < 1 << 20:
                return name if d == 0 else f"{name}+{d}"
        return "0" if n == 0 else "?"

    def records(self) -> tuple[RacePacket, ...]:
        out = []
        for t, c2s, fl, seq, ack, pkttype in self.packets:
            flags = "/".join(n for bit, n in _FLAG_NAMES if fl & bit)
            if not c2s and fl & 0x02 and seq not in self.isn.values():
                self.isn[f"S{sum(k.startswith('S') for k in self.isn) + 1}"] = seq
            out.append(RacePacket(round(t, 3), "C→S" if c2s else "S→C", flags, self.label(seq),
                                  self.label(ack) if fl & 0x10 else "-", pkttype != socket.PACKET_OTHERHOST))
        return tuple(out)


def syn_race(*, in_window: bool = True, gap: float = 0.5) -> SynRaceRun:
    """A new SYN arrives while the old SYN of the same 4-tuple waits in SYN_RECV.

    Two network namespaces joined by a veth pair. The client's ``connect()``
    sends its SYN (ISN ``Y``) while the server has no listener; the server's
    answers go to a wrong MAC address (a permanent neighbour entry), so the
    client hears nothing and stays in SYN_SENT. The server then listens and a
    raw socket sends the *old* SYN of the same 4-tuple, ISN ``X`` (``Y − 1000``
    with ``in_window``, else ``Y − 2**24``): the server keeps a request sock
    (SYN_RECV) and its SYN-ACK is lost the same way. The neighbour entry is
    repaired, and about 1 s after ``connect()`` the client retransmits SYN
    ``Y``, which meets the old request.

    Linux (``net/ipv4/tcp_minisocks.c`` ``tcp_check_req()``): a SYN whose
    sequence number is inside the request's window (and ≠ its ISN) goes to
    ``embryonic_reset``: the request is dropped and the SYN is answered by
    ``tcp_v4_send_reset()`` with RST/ACK, ack = ``Y+1``; in SYN_SENT that RST
    is acceptable and ``tcp_reset()`` gives ECONNREFUSED (RFC 9293 §3.10.7.3).
    Outside the window the server sends a duplicate ACK (ack = ``X+1``), the
    client answers it with RST (seq = ``X+1``), which removes the request, and
    a later SYN retransmission establishes the connection.

    Parameters
    ----------
    in_window : bool
        Whether ``Y`` falls inside the old request's receive window.
    gap : float
        Seconds in [0.2, 0.8] between ``connect()`` and the old SYN (the old
        request's SYN-ACK timer must not fire before the client's SYN retransmission).

    Raises
    ------
    LabError
        Without root, without ``ip``, or on a system other than Linux.
    """
    check_float("gap", gap, lo=0.2, hi=0.8)
    require_linux()
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        with _netns_pair() as (srv, cli):
            return _race(srv, cli, in_window, gap)
    finally:
        _setns(f"/proc/self/fd/{home}")
        os.close(home)


def _race(srv: str, cli: str, in_window: bool, gap: float) -> SynRaceRun:
    tag = srv.rsplit("-", 1)[1]
    sdev, cdev = f"trs{tag}", f"trc{tag}"
    cmac = _ip("-n", cli, "-br", "link", "show", "dev", cdev).split()[2]
    _setns(f"/run/netns/{cli}")
    _ip("-n", srv, "neigh", "replace", _C_IP, "lladdr", _BOGUS_MAC, "dev", sdev, "nud", "permanent")
    sniff = _Sniffer(cdev)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    client = socket.socket()
    _setns(f"/run/netns/{srv}")
    listener = socket.socket()
    try:
        client.bind((_C_IP, 0))
        cport = client.getsockname()[1]
        client.setblocking(False)
        listener.bind((_S_IP, _RACE_PORT))
        rsts0 = _embryonic_rsts()
        t0, sniff.t0 = time.monotonic(), time.time()
        client.connect_ex((_S_IP, _RACE_PORT))
        sniff.poll(0.1)
        y = next(p[3] for p in sniff.packets if p[1] and p[2] == 0x02)
        x = (y - (1000 if in_window else 1 << 24)) & 0xFFFFFFFF
        sniff.isn.update(Y=y, X=x)
        listener.listen(16)
        time.sleep(max(0.0, t0 + gap - time.monotonic()))
        raw.sendto(_tcp_syn(cport, _RACE_PORT, x), (_S_IP, 0))
        sniff.poll(0.1)
        rows = [r for r in read_sockets("tcp") if (r.local_port, r.remote_port) == (_RACE_PORT, cport)]
        old_state = "SYN_RECV" if rows and rows[0].state is State.SYN_RECEIVED else (rows[0].state.name if rows else "CLOSED")
        _ip("-n", srv, "neigh", "replace", _C_IP, "lladdr", cmac, "dev", sdev, "nud", "permanent")
        while not select.select([], [client], [], 0.05)[1]:
            sniff.poll(0.0)
            if time.monotonic() - t0 > 6.0:
                raise LabError("connect() did not finish within 6 s")
        err = client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        t_conn = time.monotonic() - t0
        sniff.poll(0.2)
        return SynRaceRun(in_window, old_state, "ok" if err == 0 else errno.errorcode.get(err, str(err)),
                          round(t_conn, 3), _embryonic_rsts() - rsts0, sniff.records())
    finally:
        for s in (client, listener, raw, sniff.sock):
            s.close()
