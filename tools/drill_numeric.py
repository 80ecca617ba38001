"""Numeric interview drills for the 面试自测 page, every answer computed by a tcpkit model.

    .venv/bin/python tools/drill_numeric.py          # print the pool size per kind

:func:`numeric_pool` returns a list of plain dicts (JSON-ready), the same on every
call: each kind draws its parameters from its own seeded :class:`random.Random`,
ids are ``<kind>-<nnn>``. An instance is::

    {"id": "rto-007", "kind": "rto", "q": "题干", "fields": [{"label": ..., "unit": ...,
     "answer": 1.234, "tol": 0.005}], "steps": ["解题步骤", ...], "src": "出处"}

The models used (public API only):

* ``rto``      — :func:`tcpkit.rto.rto_series` (RFC 6298 §2 and Linux ``tcp_rtt_estimator``);
* ``syn``      — :func:`tcpkit.timers.syn_retransmit_schedule` (``tcp_write_timeout``,
  ``tcp_syn_linear_timeouts``);
* ``cwnd``     — :class:`tcpkit.congestion.Reno` / ``NewReno`` / ``Cubic`` driven round by round
  through their hooks (RFC 5681, RFC 6582, RFC 9438);
* ``cookie``   — :func:`tcpkit.syncookie.explain_cookie` / :func:`tcpkit.syncookie.explain_check`
  (``net/ipv4/syncookies.c``);
* ``ports``    — :func:`tcpkit.capacity.port_budget` / :func:`tcpkit.capacity.port_timeline`
  (``__inet_hash_connect``, ``tcp_twsk_unique``).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import Any

from tcpkit.capacity import port_budget, port_timeline
from tcpkit.congestion import CongestionController, Cubic, NewReno, Reno
from tcpkit.rto import rto_series
from tcpkit.syncookie import MAX_SYNCOOKIE_AGE, MSSTAB, SynCookieSecrets, cookie_hash, explain_check, explain_cookie
from tcpkit.timers import syn_retransmit_schedule

__all__ = ["KINDS", "numeric_pool", "pool_counts", "cwnd_rounds"]

#: kind → Chinese label shown in the drill's filter.
KINDS: dict[str, str] = {
    "rto": "RTO 计算",
    "syn": "connect() 超时",
    "cwnd": "拥塞窗口",
    "cookie": "SYN cookie 解码",
    "ports": "端口耗尽",
}

Instance = dict[str, Any]


def _f(x: float, nd: int = 3) -> str:
    """A number for the text: at most ``nd`` decimals, trailing zeros dropped."""
    s = f"{x:.{nd}f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _unique(make: Callable[[], Instance], n: int) -> list[Instance]:
    """``n`` instances with distinct question texts (draws again on a repeat; deterministic)."""
    out: list[Instance] = []
    seen: set[str] = set()
    for _ in range(n * 20):
        inst = make()
        if inst["q"] not in seen:
            seen.add(inst["q"])
            out.append(inst)
            if len(out) == n:
                return out
    raise RuntimeError(f"could not draw {n} distinct drills")


def _field(label: str, answer: float, tol: float, unit: str = "") -> dict[str, Any]:
    return {"label": label, "answer": round(float(answer), 6), "tol": tol, "unit": unit}


# ---------------------------------------------------------------------------
# RTO after a sequence of RTT samples
# ---------------------------------------------------------------------------
def _rto_instance(rng: random.Random, flavor: str) -> Instance:
    n = rng.randint(1, 4) if flavor == "rfc6298" else rng.randint(1, 3)
    if flavor == "rfc6298":
        rtts_ms = [rng.choice(range(100, 1601, 20)) for _ in range(n)]
    else:
        rtts_ms = [rng.choice(range(5, 401, 5)) for _ in range(n)]
    s = rto_series([r / 1000 for r in rtts_ms], flavor=flavor)
    last = s.points[-1]
    samples = "、".join(f"{r} ms" for r in rtts_ms)
    steps: list[str] = []
    if flavor == "rfc6298":
        q = (f"按 RFC 6298（α = 1/8，β = 1/4，K = 4，RTO 下限 1 s，时钟粒度 1 ms），依次得到 RTT 样本 {samples}。"
             "最后一个样本之后的 RTO 是多少秒？")
        steps.append("第一个样本 R：SRTT = R，RTTVAR = R/2；之后先用旧 SRTT 更新 RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R'|，"
                      "再更新 SRTT = 7/8·SRTT + 1/8·R'；RTO = max(1 s, SRTT + max(G, 4·RTTVAR))。")
        for i, (r, p) in enumerate(zip(rtts_ms, s.points), 1):
            assert p.srtt is not None and p.rttvar is not None
            raw = p.srtt + max(0.001, 4 * p.rttvar)
            floor = "，低于 1 s 取 1 s" if raw < 1.0 else ""
            steps.append(f"样本 {i}（{r} ms）：SRTT = {_f(p.srtt, 4)} s，RTTVAR = {_f(p.rttvar, 4)} s，"
                         f"SRTT + 4·RTTVAR = {_f(raw, 4)} s{floor} → RTO = {_f(p.rto, 4)} s")
        src = "RFC 6298 §2；tcpkit.rto.rto_series(flavor=\"rfc6298\")"
    else:
        q = (f"按 Linux 的 tcp_rtt_estimator（方差项 rttvar 不低于 rto_min = 200 ms，RTO = SRTT + rttvar），"
             f"每个样本间隔一个 RTT 依次得到 RTT 样本 {samples}。最后一个样本之后的 RTO 是多少秒？")
        steps.append("第一个样本 m：SRTT = m，mdev = 2m，rttvar = max(2m, 200 ms)，即 RTO ≈ 3·RTT 但方差项至少 200 ms。"
                     "之后 SRTT += (m − SRTT)/8；mdev 按 1/4 增益跟踪偏差（RTT 下降时用 1/32）；"
                     "rttvar 立刻跟上本轮最大的 mdev，每轮往 max(mdev_max, 200 ms) 回落 1/4。")
        for i, (r, p) in enumerate(zip(rtts_ms, s.points), 1):
            assert p.srtt is not None and p.rttvar is not None
            steps.append(f"样本 {i}（{r} ms）：SRTT = {_f(p.srtt, 4)} s，方差项 rttvar = {_f(p.rto - p.srtt, 4)} s"
                         f" → RTO = {_f(p.rto, 4)} s")
        src = "net/ipv4/tcp_input.c tcp_rtt_estimator()、__tcp_set_rto()；tcpkit.rto.rto_series(flavor=\"linux\")"
    steps.append(f"答案：RTO = {_f(last.rto, 4)} s。")
    return {"kind": "rto", "q": q, "fields": [_field("RTO", last.rto, 0.005, "秒")], "steps": steps, "src": src,
            "params": {"flavor": flavor, "rtts_ms": rtts_ms}}


def _rto_pool() -> list[Instance]:
    rng = random.Random(6298)
    return _unique(lambda: _rto_instance(rng, "rfc6298"), 50) + _unique(lambda: _rto_instance(rng, "linux"), 30)


# ---------------------------------------------------------------------------
# connect() give-up time for tcp_syn_retries = N
# ---------------------------------------------------------------------------
def _syn_instance(retries: int, linear: int) -> Instance:
    s = syn_retransmit_schedule(retries=retries, linear_timeouts=linear)
    if linear == 0:
        setting = f"tcp_syn_retries = {retries}，内核早于 6.5（没有 tcp_syn_linear_timeouts，RTO 从 1 s 起每次翻倍）"
    else:
        setting = (f"tcp_syn_retries = {retries}，tcp_syn_linear_timeouts = {linear}（Linux ≥ 6.5：前 {linear} 次重传"
                   "的 RTO 保持 1 s，之后再翻倍）")
    q = (f"客户端 connect() 一个不回应的地址，{setting}，初始 RTO 1 s，上限 120 s。"
         "从第一个 SYN 发出算起，connect() 在第几秒返回 ETIMEDOUT？这期间一共重传了几次 SYN？")
    budget = s.model_timeout
    steps = [
        f"时间预算 tcp_model_timeout = (2^(N+1) − 1) × 1 s（封顶 120 s 的部分按 120 s 累加），N = {retries}："
        f"{_f(budget)} s；次数上限 = tcp_syn_retries + tcp_syn_linear_timeouts = {s.count_limit}。",
        "每次定时器到期时，已重传次数达到上限，或距第一个 SYN 的时间 ≥ 预算，就放弃（tcp_write_timeout）。",
        "SYN 发送时刻（秒）：" + "、".join(_f(t) for t in s.sends) + "。",
        f"最后一次发送后再等一个 RTO，定时器在 {_f(s.give_up)} s 到期，此时放弃。",
        f"答案：{_f(s.give_up)} s，重传 {s.retransmissions} 次。",
    ]
    return {"kind": "syn", "q": q,
            "fields": [_field("放弃时刻", s.give_up, 0.01, "秒"), _field("SYN 重传次数", s.retransmissions, 0.0, "次")],
            "steps": steps, "src": "net/ipv4/tcp_timer.c tcp_write_timeout()、tcp_retransmit_timer()；"
                                   "tcpkit.timers.syn_retransmit_schedule",
            "params": {"retries": retries, "linear": linear}}


def _syn_pool() -> list[Instance]:
    return [_syn_instance(n, lin) for n in range(1, 11) for lin in (0, 1, 2, 3, 4, 6)]


# ---------------------------------------------------------------------------
# cwnd after a loss pattern
# ---------------------------------------------------------------------------
_ALGOS: dict[str, tuple[str, Callable[..., CongestionController]]] = {
    "reno": ("Reno", Reno),
    "newreno": ("NewReno", NewReno),
    "cubic": ("CUBIC", Cubic),
}


def cwnd_rounds(algo: str, cwnd: float, ssthresh: float, rounds: int, events: dict[int, tuple[str, int]],
                rtt: float = 0.1) -> list[tuple[float, float]]:
    """Drive a tcpkit controller round by round; return (cwnd, ssthresh) after each round.

    In a round without an event the whole window is acknowledged by one
    cumulative ACK (``on_ack(acked=cwnd)``, RFC 3465 ABC with L = cwnd: slow
    start doubles, congestion avoidance adds one segment). ``events[r]`` is
    ``("dup", k)``: ``k`` segments of the window lost and found by duplicate ACKs
    (Reno: one fast retransmit and recovery per loss; NewReno: one recovery,
    ``k − 1`` partial ACKs; CUBIC: one SACK recovery), or ``("rto", 1)``: a timeout.
    FlightSize at the loss is the current cwnd.
    """
    cc = _ALGOS[algo][1](cwnd=cwnd, ssthresh=ssthresh)
    out = []
    for r in range(1, rounds + 1):
        now = r * rtt
        ev = events.get(r)
        if ev is None:
            cc.on_ack(now=now, acked=cc.cwnd, rtt=rtt)
        elif ev[0] == "rto":
            cc.on_rto(now=now, flight_size=cc.cwnd)
        else:
            k = ev[1]
            if algo == "reno":
                for _ in range(k):
                    cc.on_loss(now=now, flight_size=cc.cwnd)
                    cc.on_recovery_end(now=now, flight_size=cc.cwnd)
            else:
                cc.on_loss(now=now, flight_size=cc.cwnd)
                for _ in range(k - 1):
                    cc.on_partial_ack(now=now, acked=1.0)
                cc.on_recovery_end(now=now, flight_size=cc.cwnd)
        out.append((cc.cwnd, cc.ssthresh))
    return out


def _event_text(ev: tuple[str, int]) -> str:
    if ev[0] == "rto":
        return "超时重传（RTO）"
    return "收到 3 个重复 ACK，丢了 1 个段" if ev[1] == 1 else f"同一窗口丢了 {ev[1]} 个段（重复 ACK 发现）"


def _cwnd_instance(rng: random.Random, algo: str) -> Instance:
    label = _ALGOS[algo][0]
    cwnd0 = rng.choice([1, 2, 4, 10])
    ss0 = cwnd0 * rng.choice([4, 8, 16]) if cwnd0 < 10 else rng.choice([20, 40, 80])
    rounds = rng.randint(6, 12)
    events: dict[int, tuple[str, int]] = {}
    for _ in range(rng.randint(1, 2)):
        r = rng.randint(3, rounds - 1)
        kind = rng.choice(["dup", "dup", "rto"])
        k = rng.choice([1, 2, 3]) if kind == "dup" and algo != "cubic" else 1
        events[r] = (kind, k)
    hist = cwnd_rounds(algo, cwnd0, ss0, rounds, events)
    cwnd, ss = hist[-1]
    ev_text = "；".join(f"第 {r} 轮{_event_text(events[r])}" for r in sorted(events))
    rule = {
        "reno": "Reno 对每个丢失的段各做一次快速重传和快速恢复（ssthresh = max(FlightSize/2, 2)，"
                "恢复结束 cwnd = ssthresh），所以同一窗口丢几个段就减半几次",
        "newreno": "NewReno 一个窗口只进一次快速恢复，部分 ACK 不退出恢复，收到完整 ACK 后 cwnd = ssthresh"
                   "（ssthresh = max(FlightSize/2, 2)）",
        "cubic": "CUBIC（RFC 9438，C = 0.4，β = 0.7，快速收敛开启）：丢包时 W_max 记下当时的 cwnd，"
                 "ssthresh = cwnd = 0.7·FlightSize；拥塞避免每轮 cwnd 取 W_cubic(t + RTT) = C·(t + RTT − K)³ + W_max"
                 "（不超过 1.5·cwnd）与 Reno 友好估计中较大者，t 从本轮拥塞避免开始计时，RTT = 100 ms",
    }[algo]
    q = (f"{label}：初始 cwnd = {cwnd0}，ssthresh = {ss0}（单位：段）。每轮（一个 RTT）整个窗口被一个累计 ACK 确认："
         f"慢启动翻倍（越过 ssthresh 的部分按拥塞避免 acked/cwnd 计），拥塞避免 +1；{rule}；超时则 ssthresh = "
         f"max(FlightSize·β, 2)（β：Reno/NewReno 0.5，CUBIC 0.7），cwnd = 1。FlightSize 取当时的 cwnd。{ev_text}。共 {rounds} 轮后 cwnd 和 ssthresh 各是多少？")
    steps = [f"第 {r} 轮后：cwnd = {_f(c, 2)}，ssthresh = {_f(s, 2)}" + (f"（{_event_text(events[r])}）" if r in events else "")
             for r, (c, s) in enumerate(hist, 1)]
    steps.append(f"答案：cwnd = {_f(cwnd, 2)}，ssthresh = {_f(ss, 2)}。")
    src = {"reno": "RFC 5681 §3；tcpkit.congestion.Reno", "newreno": "RFC 6582 §3.2；tcpkit.congestion.NewReno",
           "cubic": "RFC 9438 §4；tcpkit.congestion.Cubic"}[algo]
    return {"kind": "cwnd", "q": q,
            "fields": [_field("cwnd", cwnd, 0.05, "段"), _field("ssthresh", ss, 0.05, "段")],
            "steps": steps, "src": src,
            "params": {"algo": algo, "cwnd": cwnd0, "ssthresh": ss0, "rounds": rounds,
                       "events": {str(r): list(e) for r, e in sorted(events.items())}}}


def _cwnd_pool() -> list[Instance]:
    rng = random.Random(5681)
    return (_unique(lambda: _cwnd_instance(rng, "reno"), 35) + _unique(lambda: _cwnd_instance(rng, "newreno"), 35)
            + _unique(lambda: _cwnd_instance(rng, "cubic"), 30))


# ---------------------------------------------------------------------------
# decode a SYN cookie
# ---------------------------------------------------------------------------
def _cookie_instance(rng: random.Random, sec: SynCookieSecrets) -> Instance:
    saddr = str(ipaddress.IPv4Address(0xC6336400 + rng.randint(1, 254)))   # 198.51.100.x (client)
    daddr = str(ipaddress.IPv4Address(0xCB007100 + rng.randint(1, 254)))   # 203.0.113.x (server)
    sport, dport = rng.randint(32768, 60999), rng.choice([80, 443, 8080])
    isn = rng.randint(0, 2**32 - 1)
    mss = rng.choice([536, 1200, 1300, 1360, 1400, 1440, 1452, 1460, 8960])
    now = rng.randint(71577, 200000)
    age = rng.choice([0, 1])
    e = explain_cookie(saddr, daddr, sport, dport, isn, mss, minute=now - age, secrets=sec)
    chk = explain_check(saddr, daddr, sport, dport, isn, e.cookie, minute=now, secrets=sec)
    assert chk.mss is not None and chk.age == age
    minted = now - chk.age
    h1_now = cookie_hash(saddr, daddr, sport, dport, now, 1, secrets=sec)
    h1_prev = cookie_hash(saddr, daddr, sport, dport, now - 1, 1, secrets=sec)
    q = (f"Linux 服务器用 SYN cookie 回了 SYN-ACK。第三次握手的 ACK 来自 {saddr}:{sport} → {daddr}:{dport}，"
         f"ack_seq − 1 = cookie = {e.cookie:#010x}，seq − 1 = 客户端 ISN = {isn:#010x}。当前分钟计数 count = {now}。"
         f"已算好：h0 = {e.h0:#010x}；分钟 {now} 的 h1 = {h1_now:#010x}，分钟 {now - 1} 的 h1 = {h1_prev:#010x}。"
         f"MSS 表 msstab = {list(MSSTAB)}。这个 cookie 是在哪一分钟（count 值）生成的？服务器会用多大的 MSS？")
    steps = [
        "生成时：cookie = h0 + ISN + (count << 24) + ((h1(count) + mss 下标) & 0xFFFFFF)（模 2³²）。",
        f"减去 h0 和 ISN：stripped = cookie − h0 − ISN = {chk.stripped:#010x}。",
        f"高 8 位 = {chk.minted_minute_byte:#04x} = {chk.minted_minute_byte}，是生成分钟的低 8 位；"
        f"当前分钟低 8 位 = {now & 0xFF}，相差 {chk.age} 分钟 → 生成于 count = {minted}"
        f"（MAX_SYNCOOKIE_AGE = {MAX_SYNCOOKIE_AGE}：只接受本分钟和上一分钟生成的 cookie）。",
        f"低 24 位 = {chk.stripped & 0xFFFFFF:#08x}，减去分钟 {minted} 的 h1 的低 24 位"
        f"（{(chk.h1 or 0) & 0xFFFFFF:#08x}）得 mss 下标 {chk.data} → msstab[{chk.data}] = {chk.mss}"
        f"（客户端 SYN 里的 MSS 是 {mss}，向下取到表中的值）。",
        f"答案：count = {minted}，MSS = {chk.mss}。",
    ]
    return {"kind": "cookie", "q": q,
            "fields": [_field("生成分钟 count", minted, 0.0), _field("MSS", chk.mss, 0.0, "字节")],
            "steps": steps, "src": "net/ipv4/syncookies.c secure_tcp_syn_cookie()、check_tcp_syn_cookie()；"
                                   "tcpkit.syncookie.explain_check",
            "params": {"cookie": e.cookie, "isn": isn, "h0": e.h0, "h1_now": h1_now, "h1_prev": h1_prev,
                       "now": now}}


def _cookie_pool() -> list[Instance]:
    rng = random.Random(4987)
    sec = SynCookieSecrets.from_seed(2026)
    return _unique(lambda: _cookie_instance(rng, sec), 30)


# ---------------------------------------------------------------------------
# client ports vs TIME_WAIT
# ---------------------------------------------------------------------------
def _ports_rate_instance(rng: random.Random) -> Instance:
    lo = rng.choice([32768, 32768, 10000, 40000, 50000])
    hi = rng.choice([60999, 60999, 65000]) if lo < 50000 else 60999
    dest = rng.choice([1, 1, 2, 4])
    life = rng.choice([0.0, 0.5, 1.0, 2.0, 5.0])
    mode, lb = rng.choice([(0, False), (2, False), (2, True), (1, False)])
    b = port_budget(port_low=lo, port_high=hi, destinations=dest, tw_reuse=mode, loopback=lb, lifetime=life)
    where = "本机回环地址上的服务" if lb else "另一台主机上的服务"
    q = (f"客户端 ip_local_port_range = {lo} {hi}，tcp_tw_reuse = {mode}，向{where}的 {dest} 个（IP, 端口）目标发起短连接；"
         f"每个连接打开 {_f(life)} s，由客户端先关闭（TIME_WAIT 60 s；开启复用时双方都带时间戳，"
         "1 s 后即可复用）。长期看每秒最多能新建多少个连接？")
    reuse_text = ("tcp_tw_reuse 生效：TIME_WAIT 的四元组 1 s 后即可被 connect() 复用" if b.tw_reuse_active
                  else "tcp_tw_reuse 不生效（0 关闭；2 只对回环生效）：四元组要等满 60 s 的 TIME_WAIT")
    steps = [
        f"可用端口 = {hi} − {lo} + 1 = {b.ports}，乘以目标数 {dest} → 同时可用的四元组 = {b.tuples}。",
        f"{reuse_text}；每个四元组被占用 {_f(life)} + {_f(b.blocked_after_close)} = {_f(b.hold_time)} s。",
        f"Little 定律：速率上限 = 四元组数 / 占用时间 = {b.tuples} / {_f(b.hold_time)} = {_f(b.max_conn_rate, 1)} 个/秒。",
    ]
    ans = b.max_conn_rate
    return {"kind": "ports", "q": q, "fields": [_field("连接速率上限", ans, max(0.5, round(0.005 * ans, 1)), "个/秒")],
            "steps": steps, "src": "net/ipv4/inet_hashtables.c __inet_hash_connect()、net/ipv4/tcp_ipv4.c "
                                   "tcp_twsk_unique()；tcpkit.capacity.port_budget",
            "params": {"lo": lo, "hi": hi, "dest": dest, "life": life, "tw_reuse": mode, "loopback": lb}}


def _ports_time_instance(rng: random.Random) -> Instance:
    lo = rng.choice([32768, 40000, 50000, 55000])
    hi = 60999
    ports = hi - lo + 1
    rate = rng.choice([r for r in range(100, 2001, 50) if r > ports / 60 * 1.2])
    tl = port_timeline(rate=rate, duration=120.0, port_low=lo, port_high=hi, tw_reuse=0)
    assert tl.exhausted_at is not None
    q = (f"客户端 ip_local_port_range = {lo} {hi}，tcp_tw_reuse = 0，以每秒 {rate} 个的速度向同一个服务器"
         "（同一 IP 和端口）发起短连接，连接建立后立即由客户端关闭（TIME_WAIT 60 s）。"
         "从开始算起，大约第几秒 connect() 开始失败（EADDRNOTAVAIL）？")
    steps = [
        f"可用端口 = {hi} − {lo} + 1 = {ports}；每个端口关闭后在 TIME_WAIT 里占 60 s，60 s 内不会释放。",
        f"速率上限 = {ports} / 60 = {_f(ports / 60, 1)} 个/秒 < {rate}，所以端口一定会用完。",
        f"用完的时刻 ≈ {ports} / {rate} = {_f(ports / rate, 2)} s（早于 60 s，此前没有端口从 TIME_WAIT 释放）；"
        f"模型按 1 s 步长模拟，在第 {_f(tl.exhausted_at)} s 这一步第一次有连接失败。",
    ]
    return {"kind": "ports", "q": q, "fields": [_field("开始失败的时刻", tl.exhausted_at, 1.0, "秒")],
            "steps": steps, "src": "tcpkit.capacity.port_timeline",
            "params": {"lo": lo, "hi": hi, "rate": rate}}


def _ports_pool() -> list[Instance]:
    rng = random.Random(28232)
    return _unique(lambda: _ports_rate_instance(rng), 25) + _unique(lambda: _ports_time_instance(rng), 20)


# ---------------------------------------------------------------------------
def numeric_pool() -> list[Instance]:
    """Every numeric drill, in a fixed order, with ids ``<kind>-<nnn>`` (deterministic)."""
    out: list[Instance] = []
    for kind, make in (("rto", _rto_pool), ("syn", _syn_pool), ("cwnd", _cwnd_pool), ("cookie", _cookie_pool),
                       ("ports", _ports_pool)):
        for i, inst in enumerate(make()):
            inst["id"] = f"{kind}-{i:03d}"
            inst["kind_label"] = KINDS[kind]
            out.append(inst)
    return out


def pool_counts(pool: list[Instance]) -> dict[str, int]:
    """Number of instances per kind."""
    counts = {k: 0 for k in KINDS}
    for inst in pool:
        counts[inst["kind"]] += 1
    return counts


if __name__ == "__main__":
    p = numeric_pool()
    print(len(p), pool_counts(p))
