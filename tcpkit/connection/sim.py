"""Two TCP endpoints, each driven by the FSM table, joined by a lossy delay line.

>>> run_scenario("handshake", rtt=0.2).established_at
0.3

The simulator is sans-IO and deterministic: an event clock (``tcpkit._clock``,
shared with :mod:`tcpkit.arq`) orders the segment arrivals, timers and
application calls. Each endpoint classifies an arriving
segment into an :class:`~tcpkit.fsm.Event`, looks the row up with
:meth:`Machine.step <tcpkit.fsm.Machine.step>` and emits the row's segment.
Nothing here decides a state: sequence-number bookkeeping, timers and the loss
script live here, transitions live in :data:`tcpkit.fsm.TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .._events import EventQueue
from .._validate import check_float, check_int
from ..fsm import TRANSITIONS_BY_KEY, Event, Machine, State
from ..linux import LINUX
from ..rto import RtoEstimator
from ..timers import fin_retransmit_schedule, orphan_retries, syn_retransmit_schedule
from .trace import Segment, Step, TimerSpan, Trace

__all__ = ["run_scenario", "SCENARIOS", "PARAMS", "scenario_defaults"]

MOD = 1 << 32
_ATO = float(LINUX["TCP_DELACK_MIN"].value)          # delayed-ACK timeout for the FIN's ACK (pingpong)
_TW_LEN = float(LINUX["TCP_TIMEWAIT_LEN"].value)     # TIME_WAIT length
_INIT_RTO = float(LINUX["TCP_TIMEOUT_INIT"].value)
_RTO_MIN = float(LINUX["TCP_RTO_MIN"].value)
_RTO_MAX = float(LINUX["TCP_RTO_MAX"].value)
_INVALID_RATELIMIT = float(LINUX["tcp_invalid_ratelimit"].value)  # per-request out-of-window reply limit
_TW_SYN_ISN_STEP = 65535 + 2                          # tcp_timewait_state_process: tw_snd_nxt + 65535 + 2
_DATA_LEN = 100

#: Scenario name → one-line Chinese description.
SCENARIOS: Mapping[str, str] = MappingProxyType({
    "handshake": "正常三次握手",
    "active_close": "客户端主动关闭：四次挥手",
    "passive_close_without_close": "客户端关闭，服务端不调用 close()：停在 CLOSE_WAIT",
    "simultaneous_open": "同时打开：双方同时发 SYN",
    "simultaneous_close": "同时关闭：双方同时发 FIN",
    "lost_syn": "第一次握手（SYN）丢失",
    "lost_synack": "第二次握手（SYN-ACK）丢失",
    "lost_ack3": "第三次握手（ACK）丢失",
    "lost_fin1": "第一次挥手（FIN）丢失",
    "lost_ack2": "第二次挥手（ACK）丢失",
    "lost_fin2": "第三次挥手（FIN）丢失",
    "lost_ack4": "第四次挥手（ACK）丢失",
    "old_duplicate_syn": "历史 SYN：三次握手用 RST 拒绝旧连接",
    "syn_to_closed_port": "SYN 发往没有监听的端口",
    "three_way_close": "三次挥手：FIN 捎带在延迟 ACK 上",
    "syn_in_time_wait": "TIME_WAIT 状态收到新的 SYN",
})


@dataclass(frozen=True, slots=True)
class Param:
    """One simulator parameter: default, range and meaning."""

    name: str
    default: Any
    lo: float
    hi: float
    kind: str  # "int" | "float" | "opt_float" | "opt_int"
    meaning: str


_P = (
    Param("rtt", 0.1, 0.0, 5.0, "float", "往返时延 RTT（s），单程时延 = RTT/2，范围 (0, 5]"),
    Param("losses", 0, 0, 50, "int", "本场景的目标报文被连续丢弃的次数"),
    Param("syn_retries", int(LINUX["tcp_syn_retries"].value), 1, 127, "int", "net.ipv4.tcp_syn_retries / TCP_SYNCNT"),
    Param("linear_timeouts", int(LINUX["tcp_syn_linear_timeouts"].value), 0, 127, "int",
          "net.ipv4.tcp_syn_linear_timeouts（Linux ≥ 6.5；0 = 旧内核）"),
    Param("synack_retries", int(LINUX["tcp_synack_retries"].value), 1, 255, "int", "net.ipv4.tcp_synack_retries"),
    Param("fin_timeout", int(LINUX["tcp_fin_timeout"].value), 1, 600, "int", "net.ipv4.tcp_fin_timeout（孤儿 FIN_WAIT_2，s）"),
    Param("orphan_retries", int(LINUX["tcp_orphan_retries"].value), 0, 255, "int", "net.ipv4.tcp_orphan_retries（0 表示 8）"),
    Param("client_isn", 100, 0, MOD - 1, "int", "客户端初始序列号"),
    Param("server_isn", 300, 0, MOD - 1, "int", "服务端初始序列号"),
    Param("close_delay", 0.5, 0.0, 100.0, "float", "客户端建立连接后多久调用 close()（s）"),
    Param("server_close_delay", 0.2, 0.0, 100.0, "float", "服务端读到 EOF 后多久调用 close()（s）"),
    Param("data_at", None, 0.0, 100.0, "opt_float", "客户端建立连接后多久发送第一段数据（s），None = 不发"),
    Param("client_isn2", None, 0, MOD - 1, "opt_int", "syn_in_time_wait：客户端重连时的新 ISN（None = 比旧连接大）"),
)

#: Parameter name → :class:`Param` (default, range, meaning).
PARAMS: Mapping[str, Param] = MappingProxyType({p.name: p for p in _P})

_SCENARIO_DEFAULTS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "lost_syn": {"losses": 1},
    "lost_synack": {"losses": 1},
    "lost_ack3": {"losses": 1, "data_at": 0.5},
    "lost_fin1": {"losses": 1},
    "lost_ack2": {"losses": 1, "server_close_delay": 2.0},
    "lost_fin2": {"losses": 1},
    "lost_ack4": {"losses": 1},
    "three_way_close": {"server_close_delay": 0.0},
    "syn_in_time_wait": {"close_delay": 0.5, "server_close_delay": 0.2},
})


def scenario_defaults(name: str) -> dict[str, Any]:
    """All parameters with the defaults ``name`` uses.

    >>> scenario_defaults("three_way_close")["server_close_delay"]
    0.0
    """
    _check_name(name)
    d = {p.name: p.default for p in _P}
    d.update(_SCENARIO_DEFAULTS.get(name, {}))
    return d


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {name!r}")
    return name


def _validate(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r}; valid parameters: {', '.join(PARAMS)}")
    values = scenario_defaults(name)
    values.update(params)
    out: dict[str, Any] = {}
    for p in _P:
        v = values[p.name]
        if p.kind == "int":
            out[p.name] = check_int(p.name, v, lo=int(p.lo), hi=int(p.hi))
        elif p.kind == "float":
            if p.name == "rtt":
                out[p.name] = check_float(p.name, v, lo=p.lo, hi=p.hi, lo_open=True)
            else:
                out[p.name] = check_float(p.name, v, lo=p.lo, hi=p.hi)
        elif p.kind == "opt_float":
            out[p.name] = None if v is None else check_float(p.name, v, lo=p.lo, hi=p.hi)
        else:
            out[p.name] = None if v is None else check_int(p.name, v, lo=int(p.lo), hi=int(p.hi))
    return out


def _add(a: int, b: int) -> int:
    return (a + b) % MOD


def _after(a: int, b: int) -> bool:
    """a is after b in sequence space (RFC 9293 §3.4, modulo 2**32)."""
    return 0 < (a - b) % MOD < (1 << 31)


@dataclass
class _Pkt:
    flags: frozenset[str]
    seq: int
    ack: int | None
    length: int
    index: int  # into the trace's segment list

    @property
    def space(self) -> int:
        return self.length + ("SYN" in self.flags) + ("FIN" in self.flags)


_ORDER = ("SYN", "FIN", "RST", "PSH", "ACK")


def _flag_text(flags: frozenset[str]) -> str:
    return "+".join(f for f in _ORDER if f in flags)


@dataclass
class _Timer:
    kind: str
    start: float
    gen: int
    span_index: int


@dataclass
class _Endpoint:
    name: str
    sim: _Sim
    machine: Machine = field(default_factory=Machine)
    iss: int = 0
    snd_una: int = 0
    snd_nxt: int = 0
    irs: int | None = None
    rcv_nxt: int = 0
    rto: float = _INIT_RTO
    ctl_sent_at: float = 0.0
    fin_seq: int | None = None
    orphan: bool = False
    listener: bool = False
    timers: dict[str, _Timer] = field(default_factory=dict)
    synack_n: int = 0
    last_oow: float | None = None
    established_at: float | None = None
    closed_at: float | None = None

    @property
    def state(self) -> State:
        return self.machine.state

    @property
    def peer(self) -> _Endpoint:
        return self.sim.ends["server" if self.name == "client" else "client"]

    # -- state machine ---------------------------------------------------------
    def fire(self, event: Event, now: float, reply_to: _Pkt | None = None, note: str = "") -> None:
        old = self.state
        row = self.machine.step(event)
        self.sim.steps.append(Step(now, self.name, old, event, row.new_state, row.send))
        retrans = event is Event.RTO or (event is Event.RCV_SYN and old is State.SYN_RECEIVED)
        if row.send == "ACK" and event is Event.RCV_FIN and old is State.ESTABLISHED:
            # Linux tcp_fin() enters pingpong (delayed-ACK) mode: the ACK of the FIN waits TCP_DELACK_MIN,
            # so a close() within that time sends FIN+ACK in one segment (tcp-facts §7 Q39).
            self.start("delayed ACK", now, now + _ATO, lambda t: self.emit("ACK", t, note="延迟 ACK"))
        elif row.send:
            self.emit(row.send, now, reply_to=reply_to, retransmission=retrans, note=note, event=event)
        if row.new_state is not old:
            self.sim.on_enter(self, old, row.new_state, now, event)
        elif event is Event.RCV_SYN and old is State.SYN_RECEIVED:
            # tcp_check_req: a retransmitted SYN re-sends the SYN-ACK and pushes the request timer back
            self.start_synack_timer(now)
        elif event is Event.RCV_FIN and old is State.TIME_WAIT:
            # tcp_timewait_state_process: inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN)
            self.start("TIME_WAIT", now, now + _TW_LEN, lambda t: self.fire(Event.TIME_WAIT_TIMEOUT, t))

    def open(self, event: Event, iss: int, now: float) -> None:
        """A user OPEN call on a fresh TCB (RFC 9293 §3.10.1)."""
        self.iss = self.snd_una = self.snd_nxt = iss % MOD
        self.irs, self.rcv_nxt, self.fin_seq, self.orphan, self.rto = None, 0, None, False, _INIT_RTO
        self.fire(event, now)

    # -- segments --------------------------------------------------------------
    def emit(self, kind: str, now: float, *, reply_to: _Pkt | None = None, retransmission: bool = False,
             note: str = "", event: Event | None = None) -> None:
        sim = self.sim
        if kind == "RST":
            assert reply_to is not None
            if reply_to.ack is not None:
                sim.send(self, frozenset({"RST"}), reply_to.ack, None, 0, now, note=note or "RST")
            else:
                sim.send(self, frozenset({"RST", "ACK"}), 0, _add(reply_to.seq, reply_to.space), 0, now,
                         note=note or "RST")
            return
        if kind == "SYN":
            sim.send(self, frozenset({"SYN"}), self.iss, None, 0, now, retransmission=retransmission,
                     note=note or ("SYN 重传" if retransmission else "SYN"))
            self.snd_nxt = _add(self.iss, 1)
            self.ctl_sent_at = now
            return
        if kind == "SYN+ACK":
            sim.send(self, frozenset({"SYN", "ACK"}), self.iss, self.rcv_nxt, 0, now, retransmission=retransmission,
                     note=note or ("SYN-ACK 重传" if retransmission else "SYN-ACK"))
            self.snd_nxt = _add(self.iss, 1)
            self.ctl_sent_at = now
            return
        ackbit = {"ACK"} if self.irs is not None else set()
        if kind == "ACK":
            self.cancel("delayed ACK", now)
            sim.send(self, frozenset({"ACK"}), self.snd_nxt, self.rcv_nxt, 0, now, note=note or "ACK")
        elif kind == "FIN":
            self.cancel("delayed ACK", now)
            if self.fin_seq is None:
                self.fin_seq = self.snd_nxt
                self.snd_nxt = _add(self.snd_nxt, 1)
                self.ctl_sent_at = now
                self.start_fin_timer(now)
            sim.send(self, frozenset({"FIN"} | ackbit), self.fin_seq, self.rcv_nxt if ackbit else None, 0, now,
                     retransmission=retransmission, note=note or ("FIN 重传" if retransmission else "FIN"))
        elif kind == "DATA":
            sim.send(self, frozenset({"PSH"} | ackbit), self.snd_nxt, self.rcv_nxt if ackbit else None, _DATA_LEN,
                     now, retransmission=retransmission, note=note or "数据")
            if not retransmission:
                self.snd_nxt = _add(self.snd_nxt, _DATA_LEN)

    def classify(self, p: _Pkt, now: float) -> tuple[Event | None, str]:
        """Map an arriving segment to an FSM event (RFC 9293 §3.10.7 checks); ``None`` drops it with the reason."""
        st = self.state
        if st is State.CLOSED:
            return self._classify_closed(p)
        if st is State.LISTEN:
            return self._classify_listen(p)
        if st is State.SYN_SENT:
            return self._classify_syn_sent(p, now)
        # SYN_RECEIVED and the synchronized states (incl. TIME_WAIT)
        if "RST" in p.flags:
            return (Event.RCV_RST, "") if p.seq == self.rcv_nxt else (None, "序号不精确的 RST，丢弃（RFC 5961 §3）")
        if "SYN" in p.flags and "ACK" not in p.flags:
            return self._classify_syn(p, now)
        if "SYN" in p.flags:
            return self._classify_syn_ack(p, now)
        return self._classify_ack(p, now)

    def _classify_closed(self, p: _Pkt) -> tuple[Event | None, str]:
        f = p.flags
        if "RST" in f:
            return Event.RCV_RST, ""
        if "SYN" in f:
            return (Event.RCV_SYN_ACK if "ACK" in f else Event.RCV_SYN), ""
        if "FIN" in f:
            return Event.RCV_FIN, ""
        return Event.RCV_ACK, ""

    def _classify_listen(self, p: _Pkt) -> tuple[Event | None, str]:
        f = p.flags
        if "RST" in f:
            return Event.RCV_RST, ""
        if "ACK" in f:
            if "SYN" in f:
                return Event.RCV_SYN_ACK, ""
            return (Event.RCV_FIN_ACK if "FIN" in f else Event.RCV_ACK), ""
        if "SYN" in f:
            self.irs, self.rcv_nxt = p.seq, _add(p.seq, 1)
            return Event.RCV_SYN, ""
        return Event.RCV_FIN, ""

    def _classify_syn_sent(self, p: _Pkt, now: float) -> tuple[Event | None, str]:
        f = p.flags
        if "RST" in f:
            return (Event.RCV_RST, "") if p.ack == self.snd_nxt else (None, "不可接受的 RST，丢弃")
        if p.ack is not None and p.ack != self.snd_nxt:
            return Event.RCV_BAD_ACK, "ack 不是我方 ISN+1"
        if "SYN" in f:
            self.irs, self.rcv_nxt = p.seq, _add(p.seq, 1)
            if "ACK" in f:
                self.rtt_sample(now)
                self.snd_una = p.ack if p.ack is not None else self.snd_una
                return Event.RCV_SYN_ACK, ""
            return Event.RCV_SYN, ""
        return (Event.RCV_FIN if "FIN" in f else Event.RCV_ACK), ""

    def _classify_syn(self, p: _Pkt, now: float) -> tuple[Event | None, str]:
        """A SYN without ACK in SYN_RECEIVED or a synchronized state."""
        st = self.state
        if st is State.SYN_RECEIVED:
            if p.seq != self.irs:
                return None, "另一个 ISN 的 SYN（未建模），丢弃"
            if self.last_oow is not None and now - self.last_oow < _INVALID_RATELIMIT:
                return None, "重传的 SYN 被限速（tcp_invalid_ratelimit）"
            self.last_oow = now
            return Event.RCV_SYN, "收到重传的 SYN，立即重发"
        if st is State.TIME_WAIT:
            if self.listener and _after(p.seq, _add(self.rcv_nxt, -1)):
                # TCP_TW_SYN: a new incarnation; ISN = tw_snd_nxt + 65535 + 2
                self.iss = _add(self.snd_nxt, _TW_SYN_ISN_STEP)
                self.snd_una = self.snd_nxt = self.iss
                self.irs, self.rcv_nxt, self.fin_seq, self.orphan = p.seq, _add(p.seq, 1), None, False
                return Event.RCV_SYN, "TIME_WAIT 复用，ISN = tw_snd_nxt + 65537"
            return Event.RCV_OLD_SYN, "旧 SYN"
        return Event.RCV_SYN, "挑战 ACK"

    def _classify_syn_ack(self, p: _Pkt, now: float) -> tuple[Event | None, str]:
        """A SYN+ACK in SYN_RECEIVED (simultaneous open) or a synchronized state."""
        st = self.state
        if st is State.SYN_RECEIVED:
            if p.ack != self.snd_nxt:
                return Event.RCV_BAD_ACK, ""
            self.rtt_sample(now)
            self.snd_una = self.snd_nxt
            return Event.RCV_SYN_ACK, ""
        if st is State.ESTABLISHED:
            return Event.RCV_SYN_ACK, "重复 ACK"
        return Event.RCV_SYN, "挑战 ACK"

    def _classify_ack(self, p: _Pkt, now: float) -> tuple[Event | None, str]:
        """An ACK-bearing segment without SYN/RST: does it cover our SYN-ACK/FIN, does it carry a FIN?"""
        st, f = self.state, p.flags
        if p.ack is None:
            return None, "没有 ACK 位，丢弃"
        if _after(p.ack, self.snd_nxt):
            return Event.RCV_BAD_ACK, ""
        outstanding = (st is State.SYN_RECEIVED) or (
            self.fin_seq is not None and st in (State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK))
        covers = outstanding and p.ack == self.snd_nxt
        if covers:
            self.snd_una = p.ack
            self.rtt_sample(now)
        if "FIN" in f:
            fin_at = _add(p.seq, p.length)
            if fin_at == self.rcv_nxt:          # in-order new FIN
                self.rcv_nxt = _add(self.rcv_nxt, 1)
                return (Event.RCV_FIN_ACK if covers else Event.RCV_FIN), ""
            if _after(self.rcv_nxt, fin_at):    # a FIN we already have (retransmitted)
                if covers:
                    return (Event.RCV_FIN_ACK if (st, Event.RCV_FIN_ACK) in TRANSITIONS_BY_KEY else Event.RCV_ACK), ""
                return Event.RCV_FIN, "重传的 FIN"
            return None, "乱序 FIN（未建模），丢弃"
        if p.length and p.seq == self.rcv_nxt:
            self.rcv_nxt = _add(self.rcv_nxt, p.length)
        if outstanding and not covers:
            if st is State.SYN_RECEIVED:
                return Event.RCV_BAD_ACK, ""
            return None, "只确认了数据"
        return Event.RCV_ACK, ""

    def rtt_sample(self, now: float) -> None:
        """The ACK of our SYN/SYN-ACK/FIN: RTO from this one sample m (Linux ``tcp_rtt_estimator``).

        ``tcpkit.rto.RtoEstimator(flavor="linux")`` after a first sample: srtt = m, rttvar = max(2m, rto_min),
        so RTO = m + max(2m, 200 ms). Each control segment's sample starts a fresh estimator (the model does
        not carry SRTT from the handshake to the close).
        """
        m = now - self.ctl_sent_at
        self.rto = RtoEstimator(flavor="linux").on_sample(m, now=now).rto

    def receive(self, p: _Pkt, now: float) -> None:
        event, why = self.classify(p, now)
        if event is None:
            self.sim.note_drop(p, why)
            return
        had_data = p.length > 0
        self.fire(event, now, reply_to=p, note=why if event in (Event.RCV_SYN, Event.RCV_SYN_ACK) and why else "")
        if had_data and self.state not in (State.CLOSED, State.LISTEN):
            self.emit("ACK", now, note="确认数据")

    # -- timers ----------------------------------------------------------------
    def start(self, kind: str, now: float, at: float, callback: Callable[[float], None]) -> None:
        self.cancel(kind, now)
        gen = self.sim.next_gen()
        idx = len(self.sim.spans)
        self.sim.spans.append([self.name, kind, now, at, False])
        self.timers[kind] = _Timer(kind, now, gen, idx)

        def run(t: float) -> None:
            tm = self.timers.get(kind)
            if tm is None or tm.gen != gen:
                return
            del self.timers[kind]
            self.sim.spans[idx][3] = t
            self.sim.spans[idx][4] = True
            callback(t)

        self.sim.at(at, 2, run)

    def cancel(self, kind: str, now: float) -> None:
        tm = self.timers.pop(kind, None)
        if tm is not None:
            self.sim.spans[tm.span_index][3] = now

    def start_syn_timer(self, now: float) -> None:
        p = self.sim.p
        sched = syn_retransmit_schedule(p["syn_retries"], _INIT_RTO, _RTO_MAX, p["linear_timeouts"])
        times = [now + s for s in sched.sends[1:]]
        if self.sim.connect_deadline is None:
            self.sim.connect_deadline = now + sched.give_up
        self._chain("SYN 重传", now, times, now + sched.give_up)

    def _chain(self, kind: str, now: float, times: list[float], give_up: float) -> None:
        if times:
            nxt, rest = times[0], times[1:]

            def fire_rto(t: float) -> None:
                self._chain(kind, t, rest, give_up)   # arm the next expiry first
                self.fire(Event.RTO, t)

            self.start(kind, now, nxt, fire_rto)
        else:
            def fire_give_up(t: float) -> None:
                self.sim.gave_up(self, t)
                self.fire(Event.USER_TIMEOUT, t)

            self.start(kind, now, give_up, fire_give_up)

    def start_synack_timer(self, now: float) -> None:
        # inet_connection_sock.c reqsk_timer_handler: timeout min(TCP_TIMEOUT_INIT << n, TCP_RTO_MAX)
        timeout = min(_INIT_RTO * (1 << min(self.synack_n, 30)), _RTO_MAX)

        def expire(t: float) -> None:
            if self.synack_n >= self.sim.p["synack_retries"]:
                self.sim.gave_up(self, t)
                self.fire(Event.USER_TIMEOUT, t)
                return
            self.synack_n += 1
            self.start_synack_timer(t)
            self.fire(Event.RTO, t)

        self.start("SYN-ACK 重传", now, now + timeout, expire)

    def start_fin_timer(self, now: float) -> None:
        p = self.sim.p
        retries = orphan_retries(p["orphan_retries"]) if self.orphan else int(LINUX["tcp_retries2"].value)
        retries = max(retries, 1)
        sched = fin_retransmit_schedule(retries, round(self.rto, 6), _RTO_MAX, _RTO_MIN)
        self._chain("FIN 重传", now, [now + s for s in sched.sends[1:]], now + sched.give_up)


class _Sim:
    def __init__(self, name: str, p: dict[str, Any]) -> None:
        self.name, self.p = name, p
        self.clock: EventQueue[Callable[[float], None]] = EventQueue()
        self.gen = 0
        self.segments: list[dict[str, Any]] = []
        self.steps: list[Step] = []
        self.spans: list[list[Any]] = []
        self.ends = {"client": _Endpoint("client", self), "server": _Endpoint("server", self)}
        self.d = p["rtt"] / 2
        self.loss_left = p["losses"]
        self.gave_up_at: float | None = None
        self.connect_deadline: float | None = None
        self.gave_up_by: str | None = None
        self.client_error: str | None = None
        self.extra_delay: Callable[[_Endpoint, frozenset[str], int], float] = lambda e, f, s: 0.0
        self.is_target: Callable[[_Endpoint, frozenset[str], int], bool] = lambda e, f, s: False
        self.hooks: list[Callable[[_Endpoint, State, State, float, Event], None]] = []
        self.now = 0.0

    def next_gen(self) -> int:
        self.gen += 1
        return self.gen

    def at(self, t: float, prio: int, fn: Callable[[float], None]) -> None:
        self.clock.at(round(t, 9), prio, fn)

    def send(self, ep: _Endpoint, flags: frozenset[str], seq: int, ack: int | None, length: int, now: float, *,
             retransmission: bool = False, note: str = "") -> None:
        lost = False
        if self.loss_left > 0 and self.is_target(ep, flags, length):
            self.loss_left -= 1
            lost = True
        arrive = None if lost else now + self.d + self.extra_delay(ep, flags, seq)
        idx = len(self.segments)
        self.segments.append(dict(sender=ep.name, receiver=ep.peer.name, flags=_flag_text(flags), seq=seq, ack=ack,
                                  length=length, t_send=now, t_arrive=arrive, lost=lost,
                                  retransmission=retransmission, note=note))
        if arrive is not None:
            pkt = _Pkt(flags, seq, ack, length, idx)
            peer = ep.peer
            self.at(arrive, 1, lambda t: peer.receive(pkt, t))

    def inject(self, receiver: _Endpoint, flags: frozenset[str], seq: int, t_send: float, t_arrive: float,
               note: str) -> None:
        idx = len(self.segments)
        self.segments.append(dict(sender=receiver.peer.name, receiver=receiver.name, flags=_flag_text(flags),
                                  seq=seq, ack=None, length=0, t_send=t_send, t_arrive=t_arrive, lost=False,
                                  retransmission=False, note=note))
        pkt = _Pkt(flags, seq, None, 0, idx)
        self.at(t_arrive, 1, lambda t: receiver.receive(pkt, t))

    def note_drop(self, p: _Pkt, why: str) -> None:
        seg = self.segments[p.index]
        seg["note"] = (seg["note"] + "；" if seg["note"] else "") + why

    def gave_up(self, ep: _Endpoint, t: float) -> None:
        if self.gave_up_at is None:
            self.gave_up_at, self.gave_up_by = t, ep.name
        if ep.name == "client" and ep.state in (State.SYN_SENT, State.ESTABLISHED, State.CLOSE_WAIT):
            self.client_error = "ETIMEDOUT"

    def app(self, t: float, ep: _Endpoint, event: Event, when: Callable[[_Endpoint], bool] | None = None) -> None:
        def run(now: float) -> None:
            if when is None or when(ep):
                if ep.machine.can(event):
                    ep.fire(event, now)

        self.at(t, 0, run)

    def on_enter(self, ep: _Endpoint, old: State, new: State, now: float, event: Event) -> None:
        """Timers started/stopped by entering or leaving a state (the transition itself came from the table)."""
        if old is State.SYN_SENT:
            ep.cancel("SYN 重传", now)
        if old is State.SYN_RECEIVED:
            ep.cancel("SYN-ACK 重传", now)
        if old in (State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK) and new not in (
                State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK):
            ep.cancel("FIN 重传", now)
        if old is State.FIN_WAIT_2:
            ep.cancel("FIN_WAIT_2", now)
        if old is State.TIME_WAIT:
            ep.cancel("TIME_WAIT", now)
        if new is State.SYN_SENT:
            ep.start_syn_timer(now)
        elif new is State.SYN_RECEIVED:
            ep.synack_n = 0
            ep.last_oow = None
            ep.start_synack_timer(now)
        elif new is State.ESTABLISHED:
            ep.established_at = now
            ep.closed_at = None
        elif new is State.FIN_WAIT_2 and ep.orphan:
            # tcp_fin_time(): max(tcp_fin_timeout, 3.5 * RTO); orphan FIN_WAIT_2 only
            tmo = max(float(self.p["fin_timeout"]), 3.5 * ep.rto)
            ep.start("FIN_WAIT_2", now, now + tmo, lambda t: ep.fire(Event.FIN_WAIT_2_TIMEOUT, t))
        elif new is State.TIME_WAIT:
            ep.start("TIME_WAIT", now, now + _TW_LEN, lambda t: ep.fire(Event.TIME_WAIT_TIMEOUT, t))
        elif new is State.CLOSED:
            ep.closed_at = now
            for k in list(ep.timers):
                ep.cancel(k, now)
            if ep.name == "client" and event is Event.RCV_RST:
                self.client_error = "ECONNREFUSED" if old is State.SYN_SENT else "ECONNRESET"
        for h in self.hooks:
            h(ep, old, new, now, event)

    def run(self) -> Trace:
        n = 0
        while self.clock:
            t, fn = self.clock.pop()
            self.now = t
            fn(t)
            n += 1
            if n > 20000 or t > 86400:
                raise RuntimeError("simulation did not terminate")  # pragma: no cover - guard
        segs = tuple(Segment(**s) for s in self.segments)
        spans = tuple(TimerSpan(a, b, c, d, e) for a, b, c, d, e in self.spans)
        c, s = self.ends["client"], self.ends["server"]
        end = max([0.0] + [st.t for st in self.steps] + [x.t_arrive or x.t_send for x in segs]
                  + [sp.t_end for sp in spans if sp.fired])
        return Trace(
            scenario=self.name, params=tuple(self.p.items()), segments=segs, steps=tuple(self.steps), timers=spans,
            client_established_at=_r(c.established_at), server_established_at=_r(s.established_at),
            gave_up_at=_r(self.gave_up_at), gave_up_by=self.gave_up_by, client_error=self.client_error,
            client_closed_at=_r(c.closed_at), server_closed_at=_r(s.closed_at), end=round(end, 9),
            connect_deadline=_r(self.connect_deadline),
        )


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 9)


def _is_pure_ack(flags: frozenset[str], length: int) -> bool:
    return flags == frozenset({"ACK"}) and length == 0


def run_scenario(name: str, **params: Any) -> Trace:
    """Simulate one connection scenario between a Linux client and a Linux server.

    Parameters
    ----------
    name : str
        One of :data:`SCENARIOS`: ``handshake``, ``active_close``,
        ``passive_close_without_close``, ``simultaneous_open``,
        ``simultaneous_close``, ``lost_syn``, ``lost_synack``, ``lost_ack3``,
        ``lost_fin1``, ``lost_ack2``, ``lost_fin2``, ``lost_ack4``,
        ``old_duplicate_syn``, ``syn_to_closed_port``, ``three_way_close``,
        ``syn_in_time_wait``.
    **params
        Any of :data:`PARAMS` (defaults from :func:`scenario_defaults`, Linux
        numbers from :data:`tcpkit.linux.LINUX`):

        rtt : float, s, in (0, 5]
            Round-trip time; each direction takes rtt/2.
        losses : int in [0, 50]
            How many transmissions of the scenario's target segment are lost
            (the SYN for ``lost_syn``, the SYN-ACK for ``lost_synack``, the
            client's handshake ACK for ``lost_ack3``, the client's FIN for
            ``lost_fin1``, the server's ACK of it for ``lost_ack2``, the
            server's FIN for ``lost_fin2``, the client's last ACK for
            ``lost_ack4``; ignored by the other scenarios).
        syn_retries, linear_timeouts, synack_retries, fin_timeout, orphan_retries : int
            The sysctls ``tcp_syn_retries`` [1, 127], ``tcp_syn_linear_timeouts``
            [0, 127], ``tcp_synack_retries`` [1, 255], ``tcp_fin_timeout`` (s) [1, 600],
            ``tcp_orphan_retries`` [0, 255].
        client_isn, server_isn : int in [0, 2**32 - 1]
            Initial sequence numbers.
        close_delay : float, s, in [0, 100]
            When the client calls ``close()`` after it is ESTABLISHED (the server,
            in ``syn_in_time_wait``).
        server_close_delay : float, s, in [0, 100]
            How long the server application waits after reading EOF before
            ``close()``; below ``TCP_DELACK_MIN`` (40 ms) the FIN rides on the
            delayed ACK (three segments).
        data_at : float or None, s, in [0, 100]
            When the client sends 100 bytes after it is ESTABLISHED.
        client_isn2 : int or None
            ``syn_in_time_wait`` only: the ISN of the client's new SYN; ``None``
            picks one above the old connection's (accepted); a smaller one is an
            "old" SYN (answered with an ACK, then the client's RST kills TIME_WAIT).

    Returns
    -------
    Trace
        Segments, every FSM step of both ends, timers and the outcome.

    Raises
    ------
    ValueError
        Unknown scenario (the message lists the valid names), unknown parameter,
        or a parameter out of range (the message names it and its range).
    TypeError
        A parameter of the wrong type.

    Notes
    -----
    States move only through :data:`tcpkit.fsm.TRANSITIONS` (RFC 9293 §3.3.2,
    §3.10). Linux timers: SYN retransmission from
    :func:`tcpkit.timers.syn_retransmit_schedule` (``tcp_retransmit_timer``,
    ``tcp_write_timeout``), SYN-ACK from ``reqsk_timer_handler`` (a retransmitted
    SYN also gets an immediate SYN-ACK, ``tcp_check_req``, rate-limited by
    ``tcp_invalid_ratelimit``), FIN from :func:`tcpkit.timers.fin_retransmit_schedule`
    with the orphan retry count, TIME_WAIT = ``TCP_TIMEWAIT_LEN`` (restarted by a
    retransmitted FIN), orphan FIN_WAIT_2 = ``max(tcp_fin_timeout, 3.5·RTO)``
    (``tcp_fin_time``). After one RTT sample *m* the RTO is m + max(2m, 200 ms)
    (``tcp_rtt_estimator``). The ACK of a FIN is delayed 40 ms (``tcp_fin`` →
    pingpong mode). Not modelled: data transfer beyond one segment, windows,
    PAWS/timestamps, SYN cookies, out-of-order FINs.

    Examples
    --------
    >>> t = run_scenario("lost_syn", losses=2)
    >>> [s.t_send for s in t.sent_by("client", "SYN")], t.client_established_at
    ([0.0, 1.0, 2.0], 2.1)
    >>> [s.name for s in run_scenario("simultaneous_close").states("client")][-4:]
    ['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT', 'CLOSED']
    >>> run_scenario("lost_sin")
    Traceback (most recent call last):
    ...
    ValueError: scenario must be one of handshake, active_close, passive_close_without_close, simultaneous_open, \
simultaneous_close, lost_syn, lost_synack, lost_ack3, lost_fin1, lost_ack2, lost_fin2, lost_ack4, old_duplicate_syn, \
syn_to_closed_port, three_way_close, syn_in_time_wait, got 'lost_sin'
    """
    name = _check_name(name)
    sim = _Sim(name, _validate(name, params))
    cli, srv = sim.ends["client"], sim.ends["server"]
    srv.listener = name != "syn_to_closed_port"
    sim.is_target = _loss_target(name, cli, srv)
    sim.hooks.append(_Applications(sim).on_state)
    _open_sockets(sim)
    if name == "old_duplicate_syn":
        _old_duplicate_syn(sim)
    return sim.run()


def _loss_target(name: str, cli: _Endpoint, srv: _Endpoint) -> Callable[[_Endpoint, frozenset[str], int], bool]:
    """The loss script: which segment is "the given segment" of scenario ``name`` (never one for the others)."""
    def lost_syn(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is cli and f == frozenset({"SYN"})

    def lost_synack(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is srv and f == frozenset({"SYN", "ACK"})

    def lost_ack3(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is cli and _is_pure_ack(f, n) and srv.state is State.SYN_RECEIVED

    def lost_fin1(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is cli and "FIN" in f

    def lost_ack2(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is srv and _is_pure_ack(f, n) and cli.fin_seq is not None and srv.state is State.CLOSE_WAIT

    def lost_fin2(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is srv and "FIN" in f

    def lost_ack4(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return e is cli and _is_pure_ack(f, n) and cli.state is State.TIME_WAIT

    def nothing(e: _Endpoint, f: frozenset[str], n: int) -> bool:
        return False

    targets = {"lost_syn": lost_syn, "lost_synack": lost_synack, "lost_ack3": lost_ack3, "lost_fin1": lost_fin1,
               "lost_ack2": lost_ack2, "lost_fin2": lost_fin2, "lost_ack4": lost_ack4}
    return targets.get(name, nothing)


#: Scenarios in which the client closes ``close_delay`` after it is ESTABLISHED.
_CLIENT_CLOSES = frozenset({"active_close", "passive_close_without_close", "lost_fin1", "lost_ack2", "lost_fin2",
                            "lost_ack4", "three_way_close"})


class _Applications:
    """What the two applications do, as a hook on every state change: send, close(), reconnect."""

    def __init__(self, sim: _Sim) -> None:
        self.sim, self.name, self.p = sim, sim.name, sim.p
        self.cli, self.srv = sim.ends["client"], sim.ends["server"]
        self.reconnected = False

    def close(self, ep: _Endpoint, t: float) -> None:
        """The application calls close() at ``t``, which orphans the socket (orphan retries, FIN_WAIT_2 timer)."""
        def run(now: float) -> None:
            if ep.machine.can(Event.CLOSE):
                ep.orphan = True
                ep.fire(Event.CLOSE, now)

        self.sim.at(t, 0, run)

    def on_state(self, ep: _Endpoint, old: State, new: State, now: float, event: Event) -> None:
        name, p = self.name, self.p
        if new is State.ESTABLISHED and not self.reconnected:
            self.on_established(ep, now)
        if new is State.CLOSE_WAIT and name != "passive_close_without_close":
            self.close(ep, now + p["server_close_delay"])
        if name == "syn_in_time_wait" and new is State.CLOSED:
            self.on_closed_in_time_wait_scenario(ep, now)

    def on_established(self, ep: _Endpoint, now: float) -> None:
        """The first connection is up: the client sends data and/or closes; ``syn_in_time_wait``: the server closes."""
        name, p, cli, srv = self.name, self.p, self.cli, self.srv
        if ep is cli:
            if p["data_at"] is not None:
                self.sim.app(now + p["data_at"], cli, Event.SEND)
            if name in _CLIENT_CLOSES:
                self.close(cli, now + p["close_delay"])
            elif name == "simultaneous_close":
                self.close(cli, now + p["close_delay"])
                self.close(srv, now + p["close_delay"])
        if ep is srv and name == "syn_in_time_wait":
            self.close(srv, now + p["close_delay"])

    def on_closed_in_time_wait_scenario(self, ep: _Endpoint, now: float) -> None:
        """``syn_in_time_wait``: the client reconnects 1 s after it closed; the server listens again."""
        cli, srv, p = self.cli, self.srv, self.p
        if ep is cli and not self.reconnected:
            self.reconnected = True
            isn2 = p["client_isn2"]
            if isn2 is None:
                isn2 = _add(cli.snd_nxt, 100000)
            self.sim.at(now + 1.0, 0, lambda t: cli.open(Event.ACTIVE_OPEN, isn2, t))
        if ep is srv and self.reconnected and srv.listener:
            # the TIME_WAIT entry is gone; the listening socket handles the next SYN
            srv.open(Event.PASSIVE_OPEN, _add(p["server_isn"], 1_000_000), now)


def _open_sockets(sim: _Sim) -> None:
    """Time 0: the server listens (except ``syn_to_closed_port``) and the client connects; both for ``simultaneous_open``."""
    cli, srv, p = sim.ends["client"], sim.ends["server"], sim.p
    if sim.name == "simultaneous_open":
        sim.at(0.0, 0, lambda t: cli.open(Event.ACTIVE_OPEN, p["client_isn"], t))
        sim.at(0.0, 0, lambda t: srv.open(Event.ACTIVE_OPEN, p["server_isn"], t))
        return
    if sim.name != "syn_to_closed_port":
        sim.at(0.0, 0, lambda t: srv.open(Event.PASSIVE_OPEN, p["server_isn"], t))
    sim.at(0.0, 0, lambda t: cli.open(Event.ACTIVE_OPEN, p["client_isn"], t))


def _old_duplicate_syn(sim: _Sim) -> None:
    """RFC 9293 §3.5 Figure 8: an old SYN (ISN 10 below the new one) arrives first; the new SYN is held up
    in the network for two extra RTTs."""
    cli, srv, p = sim.ends["client"], sim.ends["server"], sim.p
    sim.inject(srv, frozenset({"SYN"}), _add(p["client_isn"], -10), 0.0, sim.d, "旧连接的重复 SYN（在网络中滞留）")
    sim.extra_delay = _HoldFirstSyn(cli, 2 * float(p["rtt"]))


class _HoldFirstSyn:
    """Extra network delay: the client's first SYN is held up ``extra`` seconds, every other segment none."""

    def __init__(self, cli: _Endpoint, extra: float) -> None:
        self.cli, self.extra, self.done = cli, extra, False

    def __call__(self, e: _Endpoint, f: frozenset[str], seq: int) -> float:
        if e is self.cli and f == frozenset({"SYN"}) and not self.done:
            self.done = True
            return self.extra
        return 0.0
