"""Explorers for the SYN-flood page: a SYN-cookie calculator and a SYN-flood simulator.

>>> e = syncookie_calculator(); e.controls["ack"].value = "replay_3min"; e.result.check.reason
'too_old'
"""

from __future__ import annotations

from typing import Any

from ..linux import LINUX
from ..queues import QueueTimeline, compare_syncookies
from ..syncookie import ACK_SCENARIOS, CookieHandshake, cookie_handshake
from ._base import Explorer, rows

__all__ = ["syncookie_calculator", "synflood_explorer", "cookie_handshake_kw"]

_SLIDER_STYLE = {"description_width": "initial"}


# --------------------------------------------------------------------------
# SYN-cookie calculator
# --------------------------------------------------------------------------
def _cookie_summary(hs: CookieHandshake) -> str:
    e = hs.syn
    verdict = (f"<b style='color:#009E73'>接受</b>，连接的 MSS = {hs.check.mss}" if hs.check.accepted
               else f"<b style='color:#D55E00'>拒绝</b>（{'过期' if hs.check.reason == 'too_old' else '哈希不符'}）")
    return (f"SYN-ACK 的序列号（cookie）= <code>{e.cookie}</code> = <code>0x{e.cookie:08x}</code>；"
            f"ACK「{ACK_SCENARIOS[hs.scenario]}」→ {verdict}")


def syncookie_calculator(**preset: Any) -> Explorer:
    """The Linux SYN cookie for a 4-tuple, ISN, MSS, minute and secret seed, and a check of an ACK.

    Parameters
    ----------
    **preset
        Initial control values: ``saddr``, ``daddr`` (str), ``sport``, ``dport``,
        ``client_isn``, ``mss``, ``minute``, ``secret_seed`` (int) and ``ack``
        (a key of :data:`tcpkit.syncookie.ACK_SCENARIOS`).

    Returns
    -------
    Explorer
        Controls → :func:`tcpkit.syncookie.cookie_handshake` →
        :func:`tcpkit.plot.syncookie.plot_cookie`.

    Examples
    --------
    >>> e = syncookie_calculator(mss=1452)
    >>> e.result.syn.mss_used
    1440
    """
    import ipywidgets as W

    v = {"saddr": "192.0.2.1", "daddr": "198.51.100.7", "sport": 40000, "dport": 80, "client_isn": 1000,
         "mss": 1460, "minute": 71577, "secret_seed": 0, "ack": "honest", **preset}
    lay = W.Layout(width="230px")
    controls = {
        "saddr": W.Text(value=v["saddr"], description="客户端 IP", layout=lay, style=_SLIDER_STYLE),
        "sport": W.BoundedIntText(value=v["sport"], min=0, max=65535, description="客户端端口", layout=lay,
                                  style=_SLIDER_STYLE),
        "daddr": W.Text(value=v["daddr"], description="服务端 IP", layout=lay, style=_SLIDER_STYLE),
        "dport": W.BoundedIntText(value=v["dport"], min=0, max=65535, description="服务端端口", layout=lay,
                                  style=_SLIDER_STYLE),
        # IntText (not bounded) so an out-of-range value reaches the validator and its message is shown
        "client_isn": W.IntText(value=v["client_isn"], description="客户端 ISN", layout=lay, style=_SLIDER_STYLE),
        "mss": W.IntText(value=v["mss"], description="客户端 MSS", layout=lay, style=_SLIDER_STYLE),
        "minute": W.IntText(value=v["minute"], description="分钟计数", layout=lay, style=_SLIDER_STYLE),
        "secret_seed": W.BoundedIntText(value=v["secret_seed"], min=0, max=10**6, description="密钥种子",
                                        layout=lay, style=_SLIDER_STYLE),
        "ack": W.Dropdown(options=[(label, key) for key, label in ACK_SCENARIOS.items()], value=v["ack"],
                          description="第三次握手", layout=W.Layout(width="340px"), style=_SLIDER_STYLE),
    }
    from ..plot import LayerRenderer
    from ..plot.syncookie import COOKIE_LAYERS

    return Explorer(controls, cookie_handshake_kw, LayerRenderer(COOKIE_LAYERS, dpi=72), summary=_cookie_summary,
                    layout=rows([["saddr", "sport", "daddr", "dport"],
                                         ["client_isn", "mss", "minute", "secret_seed"], ["ack"]]))


def cookie_handshake_kw(*, saddr: str, daddr: str, sport: int, dport: int, client_isn: int, mss: int, minute: int,
                        secret_seed: int, ack: str) -> CookieHandshake:
    """Keyword form of :func:`tcpkit.syncookie.cookie_handshake` (what the calculator's controls call)."""
    return cookie_handshake(saddr, daddr, sport, dport, client_isn, mss, minute=minute, secret_seed=secret_seed,
                            ack=ack)


# --------------------------------------------------------------------------
# SYN-flood explorer
# --------------------------------------------------------------------------
def _flood_summary(result: tuple[QueueTimeline, QueueTimeline]) -> str:
    chosen, other = result
    s, o = chosen.summary(), other.summary()
    q = chosen.params
    room = ("跟得上正常连接，全连接队列不会因正常连接而满" if q.accept_rate >= q.legit_rate
            else "跟不上正常连接，全连接队列会满")
    return (f"应用每秒 accept() {q.accept_rate:,.0f} 个，{room}。正常连接成功 {100 * s['success_fraction']:.0f}%（对照 {100 * o['success_fraction']:.0f}%）；"
            f"发出 SYN cookie {s['cookies_sent']:,.0f} 个；丢弃 SYN："
            f"半连接队列满 {s['dropped_syn_queue_full'] + s['dropped_syn_backlog_rule']:,.0f}，"
            f"全连接队列满 {s['dropped_accept_queue_full']:,.0f}")


def synflood_explorer(**preset: Any) -> Explorer:
    """The SYN queue, the accept queue and legitimate success under a SYN flood, cookies on vs off.

    Parameters
    ----------
    **preset
        Initial control values: ``attack_rate`` (SYN/s), ``backlog``, ``somaxconn``,
        ``syncookies`` (0/1/2), ``synack_retries``, ``accept_rate`` (conn/s),
        ``legit_rate`` (conn/s), ``abort_on_overflow`` (0/1). Defaults: a
        10 000 SYN/s flood from 5 s on, ``listen(128)``, Linux sysctl defaults.

    Returns
    -------
    Explorer
        Controls → :func:`tcpkit.queues.compare_syncookies` (60 s, 20 ms steps; contrast run 50 ms)
        → :func:`tcpkit.plot.syncookie.plot_synflood`.

    Examples
    --------
    >>> e = synflood_explorer(); e.controls["syncookies"].value = 0; e.result[0].params.syncookies
    0
    """
    import ipywidgets as W

    v = {"attack_rate": 10_000.0, "backlog": int(LINUX["python_listen_default_backlog"].value),
         "somaxconn": int(LINUX["somaxconn"].value), "syncookies": int(LINUX["tcp_syncookies"].value),
         "synack_retries": int(LINUX["tcp_synack_retries"].value), "accept_rate": 1000.0, "legit_rate": 100.0,
         "abort_on_overflow": int(LINUX["tcp_abort_on_overflow"].value), **preset}
    st = _SLIDER_STYLE
    controls = {
        "attack_rate": W.FloatLogSlider(value=v["attack_rate"], base=10, min=0, max=6, step=0.25,
                                        description="攻击 SYN/s", style=st, readout_format=".3g"),
        "legit_rate": W.FloatLogSlider(value=v["legit_rate"], base=10, min=0, max=4, step=0.25,
                                       description="正常连接/s", style=st, readout_format=".3g"),
        "accept_rate": W.FloatLogSlider(value=v["accept_rate"], base=10, min=0, max=5, step=0.25,
                                        description="accept()/s", style=st, readout_format=".3g"),
        "backlog": W.IntText(value=v["backlog"], description="listen backlog", style=st,
                             layout=W.Layout(width="200px")),
        "somaxconn": W.IntText(value=v["somaxconn"], description="somaxconn", style=st,
                               layout=W.Layout(width="200px")),
        "synack_retries": W.IntSlider(value=v["synack_retries"], min=0, max=8, description="tcp_synack_retries",
                                      style=st),
        "syncookies": W.ToggleButtons(options=[("关闭 0", 0), ("溢出时 1", 1), ("总是 2", 2)], value=v["syncookies"],
                                      description="tcp_syncookies", style={"button_width": "80px", **st}),
        "abort_on_overflow": W.ToggleButtons(options=[("丢 ACK 0", 0), ("回 RST 1", 1)],
                                             value=v["abort_on_overflow"], description="tcp_abort_on_overflow",
                                             style={"button_width": "80px", **st}),
    }
    from ..plot import LayerRenderer
    from ..plot.syncookie import flood_layers

    return Explorer(controls, _flood_compute, LayerRenderer(flood_layers(_DURATION, _ATTACK_START), dpi=72),
                    summary=_flood_summary, inactive=_flood_inactive, layout=rows([["attack_rate", "legit_rate", "accept_rate"],
                                         ["backlog", "somaxconn", "synack_retries"],
                                         ["syncookies", "abort_on_overflow"]]))


def _flood_inactive(*, accept_rate: float, legit_rate: float, **_: Any) -> dict[str, str]:
    if accept_rate >= legit_rate:  # the accept queue only overflows when accept() falls behind
        return {"abort_on_overflow": "accept() 跟得上正常连接，全连接队列不溢出，tcp_abort_on_overflow 不起作用"
                                     "（把 accept()/s 调到低于正常连接/s 可看到它）"}
    return {}


_DURATION = 60.0
_ATTACK_START = 5.0
_DT = 0.02  # 20 ms steps for the run on show
_CONTRAST_DT = 0.05  # the contrast only contributes its success rate per second


def _flood_compute(**kw: Any) -> tuple[QueueTimeline, QueueTimeline]:
    return compare_syncookies(duration=_DURATION, attack_start=_ATTACK_START, dt=_DT, contrast_dt=_CONTRAST_DT,
                              **kw)
