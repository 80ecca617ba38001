"""Calculators for the TIME_WAIT, faults and socket pages: client ports, dead-peer detection, server limits.

>>> e = time_wait_explorer(); e.controls["rate"].value = 300; e.result.exhausted_at is None
True

Each explorer is controls → one pure :mod:`tcpkit.capacity` call → one
renderer of :mod:`tcpkit.plot.capacity`. The renderers redraw only the data
on a cached frame, so a control change costs a few milliseconds plus the PNG.
"""

from __future__ import annotations

import math
from typing import Any

from ..capacity import DeadPeer, PortTimeline, ServerLimits, dead_peer, port_timeline, server_limits
from ..linux import LINUX
from ._base import Explorer, rows

__all__ = ["time_wait_explorer", "keepalive_explorer", "server_limits_explorer", "port_timeline_kw",
           "TIME_WAIT_PRESETS", "KEEPALIVE_PRESETS"]

_STYLE = {"description_width": "initial"}


def _view(layers: Any) -> Any:
    from ..plot import LayerRenderer

    return LayerRenderer(layers, dpi=80)


# ---------------------------------------------------------------------------
# TIME_WAIT / port exhaustion
# ---------------------------------------------------------------------------

#: Named starting points of :func:`time_wait_explorer`.
TIME_WAIT_PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "tw_reuse": {"tw_reuse": 1, "rate": 2000},
    "more_destinations": {"destinations": 4, "rate": 1500},
    "server_closes": {"client_closes": False, "rate": 2000},
    "long_connections": {"lifetime": 20.0, "rate": 400},
}


def port_timeline_kw(
    *, rate: int, destinations: int, tw_reuse: int, loopback: bool, lifetime: float, port_low: int, port_high: int,
    client_closes: bool,
) -> PortTimeline:
    """Keyword form of :func:`tcpkit.capacity.port_timeline` over 120 s (what the calculator's controls call)."""
    return port_timeline(rate=rate, duration=120.0, step=1.0, destinations=destinations, tw_reuse=tw_reuse,
                         loopback=loopback, lifetime=lifetime, port_low=port_low, port_high=port_high,
                         client_closes=client_closes)


def _tw_summary(tl: PortTimeline, tw_reuse: int = 2) -> str:
    b = tl.budget
    cap = "无上限" if b.max_conn_rate == math.inf else f"{b.max_conn_rate:,.0f} 个/秒"
    if tl.exhausted_at is None:
        verdict = "端口够用，不会耗尽"
    else:
        verdict = (f"<b style='color:#D55E00'>{tl.exhausted_at:.0f} s 时端口耗尽</b>，此后平均每秒约 "
                   f"{max(0.0, tl.rate - b.max_conn_rate):,.0f} 次 connect() 以 EADDRNOTAVAIL 失败")
    reuse = ("（tcp_tw_reuse 生效：约 1 s 后即可复用）" if b.tw_reuse_active
             else "（tcp_tw_reuse=2 只对回环地址生效，这里等同于 0）" if tw_reuse == 2 and b.time_wait_on_client else "")
    return (f"可持续的新建连接速率 = {b.tuples:,} 个四元组 ÷ 每个占用 {b.hold_time:g} s = <b>{cap}</b>{reuse}；"
            f"{verdict}。")


def _tw_inactive(*, client_closes: bool, tw_reuse: int, **_: Any) -> dict[str, str]:
    if not client_closes:  # RFC 9293 §3.6: TIME_WAIT is on the side that closes first
        return {"tw_reuse": "服务端先关闭时 TIME_WAIT 在服务端，客户端的 tcp_tw_reuse 和回环与否不起作用",
                "loopback": "服务端先关闭时 TIME_WAIT 在服务端，客户端的 tcp_tw_reuse 和回环与否不起作用"}
    if tw_reuse != 2:
        return {"loopback": f"tcp_tw_reuse={tw_reuse} 时不区分回环地址"}
    return {}


def time_wait_explorer(preset: str = "default", **overrides: Any) -> Explorer:
    """Client ports over 120 s: connections/s vs ``ip_local_port_range`` ÷ TIME_WAIT.

    Parameters
    ----------
    preset : str
        A key of :data:`TIME_WAIT_PRESETS`.
    **overrides
        Initial control values: ``rate`` (new connections/s), ``destinations``,
        ``tw_reuse`` (0/1/2), ``loopback``, ``lifetime`` (s), ``port_low``,
        ``port_high``, ``client_closes``.

    Returns
    -------
    Explorer
        Controls → :func:`port_timeline_kw` → :data:`tcpkit.plot.capacity.PORT_LAYERS`.

    Raises
    ------
    ValueError
        For an unknown preset.

    Examples
    --------
    >>> e = time_wait_explorer("tw_reuse")
    >>> e.result.budget.tw_reuse_active, e.result.exhausted_at is None
    (True, True)
    """
    import ipywidgets as W

    from .._validate import check_choice
    from ..plot.capacity import PORT_LAYERS

    check_choice("preset", preset, TIME_WAIT_PRESETS)
    v = {"rate": 600, "destinations": 1, "tw_reuse": int(LINUX["tcp_tw_reuse"].value), "loopback": False,
         "lifetime": 1.0, "port_low": int(LINUX["ip_local_port_range_low"].value),
         "port_high": int(LINUX["ip_local_port_range_high"].value), "client_closes": True,
         **TIME_WAIT_PRESETS[preset], **overrides}
    lay = W.Layout(width="300px")
    controls = {
        "rate": W.IntSlider(value=v["rate"], min=0, max=5000, step=50, description="新建连接/秒", style=_STYLE,
                            layout=lay, continuous_update=False),
        "destinations": W.IntSlider(value=v["destinations"], min=1, max=8, description="目的 IP:端口 数",
                                    style=_STYLE, layout=lay, continuous_update=False),
        "lifetime": W.FloatSlider(value=v["lifetime"], min=0.0, max=30.0, step=0.5, description="每个连接存活 (s)",
                                  style=_STYLE, layout=lay, continuous_update=False),
        "tw_reuse": W.Dropdown(options=[("0 关闭", 0), ("1 开启", 1), ("2 仅回环（默认）", 2)], value=v["tw_reuse"],
                               description="tcp_tw_reuse", style=_STYLE, layout=W.Layout(width="230px")),
        "loopback": W.Checkbox(value=v["loopback"], description="目的地是回环地址", indent=False,
                               layout=W.Layout(width="150px")),
        "client_closes": W.Checkbox(value=v["client_closes"], description="客户端先关闭", indent=False,
                                    layout=W.Layout(width="130px")),
        # IntText: an inverted or out-of-range port range reaches the validator and its message is shown
        "port_low": W.IntText(value=v["port_low"], description="ip_local_port_range", style=_STYLE,
                              layout=W.Layout(width="230px")),
        "port_high": W.IntText(value=v["port_high"], description="至", style=_STYLE, layout=W.Layout(width="120px")),
    }
    return Explorer(controls, port_timeline_kw, _view(PORT_LAYERS), inactive=_tw_inactive,
                    summary=lambda tl: _tw_summary(tl, controls["tw_reuse"].value),
                    layout=rows([["rate", "destinations", "lifetime"],
                                           ["tw_reuse", "loopback", "client_closes", "port_low", "port_high"]]))


# ---------------------------------------------------------------------------
# keepalive vs retransmission
# ---------------------------------------------------------------------------

#: Named starting points of :func:`keepalive_explorer`.
KEEPALIVE_PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "tuned": {"idle": 60, "interval": 10, "probes": 3},
    "user_timeout": {"idle": 60, "interval": 10, "probes": 3, "user_timeout": 30.0},
}


def _ka_summary(d: DeadPeer) -> str:
    k, r = d.keepalive, d.retransmit
    return (f"空闲连接：{k.detect_time:,.0f} s（{k.detect_time / 60:,.1f} 分钟）后发现对端已死；"
            f"有数据待确认的连接：{r.give_up:,.1f} s 后放弃（{len(r.retransmit_times)} 次重传）。"
            "两种情况应用都收到 ETIMEDOUT。")


def _ka_inactive(*, user_timeout: float, **_: Any) -> dict[str, str]:
    # tcp_write_timeout(): with TCP_USER_TIMEOUT set, it (not tcp_retries2) decides when to give up
    return {"retries": "设置了 TCP_USER_TIMEOUT，由它决定何时放弃，tcp_retries2 不起作用"} if user_timeout > 0 else {}


def keepalive_explorer(preset: str = "default", **overrides: Any) -> Explorer:
    """When a silently dead peer is noticed: keepalive probes vs data retransmissions.

    Parameters
    ----------
    preset : str
        A key of :data:`KEEPALIVE_PRESETS`.
    **overrides
        Initial values of ``idle``, ``interval``, ``probes``, ``user_timeout`` (s),
        ``rto`` (s) and ``retries`` (``tcp_retries2``).

    Returns
    -------
    Explorer
        Controls → :func:`tcpkit.capacity.dead_peer` → :data:`tcpkit.plot.capacity.DEAD_PEER_LAYERS`.

    Raises
    ------
    ValueError
        For an unknown preset.

    Examples
    --------
    >>> keepalive_explorer().result.keepalive.detect_time
    7875.0
    """
    import ipywidgets as W

    from .._validate import check_choice

    check_choice("preset", preset, KEEPALIVE_PRESETS)
    v = {"idle": int(LINUX["tcp_keepalive_time"].value), "interval": int(LINUX["tcp_keepalive_intvl"].value),
         "probes": int(LINUX["tcp_keepalive_probes"].value), "user_timeout": 0.0,
         "rto": float(LINUX["TCP_RTO_MIN"].value), "retries": int(LINUX["tcp_retries2"].value),
         **KEEPALIVE_PRESETS[preset], **overrides}
    lay = W.Layout(width="210px")
    controls = {
        "idle": W.IntText(value=v["idle"], description="keepalive_time (s)", style=_STYLE, layout=lay),
        "interval": W.IntText(value=v["interval"], description="keepalive_intvl (s)", style=_STYLE, layout=lay),
        "probes": W.IntText(value=v["probes"], description="keepalive_probes", style=_STYLE, layout=lay),
        "user_timeout": W.FloatText(value=v["user_timeout"], description="TCP_USER_TIMEOUT (s)", style=_STYLE,
                                    layout=W.Layout(width="230px")),
        "rto": W.FloatSlider(value=v["rto"], min=0.2, max=5.0, step=0.1, description="当前 RTO (s)", style=_STYLE,
                             layout=W.Layout(width="260px"), continuous_update=False),
        "retries": W.IntSlider(value=v["retries"], min=1, max=20, description="tcp_retries2", style=_STYLE,
                               layout=W.Layout(width="260px"), continuous_update=False),
    }
    from ..plot.capacity import DEAD_PEER_LAYERS

    return Explorer(controls, dead_peer, _view(DEAD_PEER_LAYERS), summary=_ka_summary, inactive=_ka_inactive,
                    layout=rows([["idle", "interval", "probes", "user_timeout"], ["rto", "retries"]]))


# ---------------------------------------------------------------------------
# server limits
# ---------------------------------------------------------------------------


def _limits_summary(r: ServerLimits) -> str:
    names = {"fd": "文件描述符上限", "memory": "内存", "four_tuple": "四元组"}
    return (f"这台服务器最多同时保持约 <b>{r.limit:,}</b> 个连接，瓶颈是<b>{names[r.bottleneck]}</b>；"
            f"四元组理论上限 {r.by_four_tuple:.3g} 远远用不到。")


def server_limits_explorer(**preset: Any) -> Explorer:
    """What really bounds a server's concurrent connections: 4-tuples, file descriptors, memory.

    Parameters
    ----------
    **preset
        Initial values of ``memory_mib``, ``fd_limit``, ``buffer_bytes`` and ``client_ips``.

    Returns
    -------
    Explorer
        Controls → :func:`tcpkit.capacity.server_limits` → :data:`tcpkit.plot.capacity.LIMITS_LAYERS`.

    Examples
    --------
    >>> server_limits_explorer(fd_limit=1024).result.bottleneck
    'fd'
    """
    import ipywidgets as W

    from ..plot.capacity import LIMITS_LAYERS

    v = {"memory_mib": 8192, "fd_limit": int(LINUX["INR_OPEN_CUR"].value), "buffer_bytes": 0,
         "client_ips": 2**32, **preset}
    controls = {
        "memory_mib": W.IntSlider(value=v["memory_mib"], min=256, max=262144, step=256, description="可用内存 (MiB)",
                                  style=_STYLE, layout=W.Layout(width="330px"), continuous_update=False),
        "fd_limit": W.IntText(value=v["fd_limit"], description="ulimit -n", style=_STYLE,
                              layout=W.Layout(width="200px")),
        "buffer_bytes": W.IntSlider(value=v["buffer_bytes"], min=0, max=262144, step=4096,
                                    description="每连接缓冲数据 (B)", style=_STYLE, layout=W.Layout(width="330px"),
                                    continuous_update=False),
        "client_ips": W.IntText(value=v["client_ips"], description="客户端 IP 数", style=_STYLE,
                                layout=W.Layout(width="230px")),
    }
    return Explorer(controls, server_limits, _view(LIMITS_LAYERS), summary=_limits_summary, layout=rows([["memory_mib", "fd_limit"],
                                                                    ["buffer_bytes", "client_ips"]]))
