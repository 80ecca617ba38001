"""Explorers for the TCP transport chapter: RTO estimator, sliding window, MSS vs fragmentation.

>>> ex = rto_explorer(preset="linux"); ex.result.flavor
'linux'

Each function returns a :class:`~tcpkit.widgets._base.Explorer`: controls →
one pure tcpkit call → one plot function from :mod:`tcpkit.plot.transport`.
``preset`` picks a starting point; keyword arguments override single controls.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import ipywidgets as W

from .._validate import check_choice
from ..flow import FlowTrace, simulate_flow
from ..linux import LINUX
from ..mss import LINKS, Comparison, compare, max_message
from ..plot import LayerRenderer, Layers
from ..plot.transport import MSS_LAYERS, RTO_LAYERS, WINDOW_LAYERS
from ..rto import RtoSeries, rto_scenario
from ._base import Explorer

__all__ = ["rto_explorer", "window_explorer", "mss_calculator", "window_state",
           "RTO_PRESETS", "WINDOW_PRESETS", "MSS_PRESETS"]

_STYLE = {"description_width": "initial"}
_WIDE = W.Layout(width="310px")

#: Starting points of :func:`rto_explorer`.
RTO_PRESETS: dict[str, dict[str, Any]] = {
    "rfc": {"flavor": "rfc6298", "base_rtt": 0.1, "jitter": 0.01, "spike_size": 0.3, "timeouts": 2},
    "linux": {"flavor": "linux", "base_rtt": 0.1, "jitter": 0.01, "spike_size": 0.3, "timeouts": 2},
    "spike": {"flavor": "linux", "base_rtt": 0.05, "jitter": 0.005, "spike_size": 0.5, "timeouts": 0},
    "backoff": {"flavor": "rfc6298", "base_rtt": 0.3, "jitter": 0.05, "spike_size": 0.0, "timeouts": 5},
}

#: Starting points of :func:`window_explorer` (read rate in KiB/s, buffer in KiB).
WINDOW_PRESETS: dict[str, dict[str, Any]] = {
    "bulk": {"read_kib_s": 100, "rcv_buf_kib": 64, "pause_len": 0.0, "write_size": 0, "time": 0.6},
    "zero_window": {"read_kib_s": 60, "rcv_buf_kib": 32, "pause_len": 1.2, "write_size": 0, "time": 1.0},
    "slow_reader": {"read_kib_s": 4, "rcv_buf_kib": 16, "pause_len": 0.0, "write_size": 0, "time": 1.5},
    "small_writes": {"read_kib_s": 200, "rcv_buf_kib": 64, "pause_len": 0.0, "write_size": 100, "time": 0.5},
}

#: Starting points of :func:`mss_calculator`.
MSS_PRESETS: dict[str, dict[str, Any]] = {
    "ethernet": {"mtu": 1500, "message": 20_000, "loss": 0.02, "ip_version": 4, "timestamps": False},
    "pppoe": {"mtu": 1492, "message": 20_000, "loss": 0.02, "ip_version": 4, "timestamps": True},
    "ipv6": {"mtu": 1280, "message": 60_000, "loss": 0.01, "ip_version": 6, "timestamps": False},
}


def _explorer(controls: dict[str, Any], compute: Any, layers: Layers, summary: Any, **kw: Any) -> Explorer:
    return Explorer(controls, compute, LayerRenderer(layers, dpi=80), summary=summary, **kw)


def _settings(presets: dict[str, dict[str, Any]], preset: str, overrides: dict[str, Any]) -> dict[str, Any]:
    check_choice("preset", preset, list(presets))
    out = dict(presets[preset])
    out.update(overrides)
    return out


# --- rto_explorer ---------------------------------------------------------------------------------


def _rto_summary(s: RtoSeries) -> str:
    last = s.points[-1]
    return (
        f"<p>最后：SRTT = {1000 * (last.srtt or 0):.0f} ms，RTTVAR = {1000 * (last.rttvar or 0):.0f} ms，"
        f"RTO = {1000 * last.rto:.0f} ms；过程中最大 RTO = {s.max_rto:.2f} s"
        f"（{len(s.timeouts)} 次超时）。</p>"
    )


def rto_explorer(preset: str = "rfc", **overrides: Any) -> Explorer:
    """RTT samples → SRTT, RTTVAR and RTO over time, with a spike and forced timeouts.

    Parameters
    ----------
    preset : {"rfc", "linux", "spike", "backoff"}
        Starting values (see :data:`RTO_PRESETS`).
    **overrides
        Any control by name: ``base_rtt``, ``jitter``, ``spike_at``,
        ``spike_size``, ``timeout_at``, ``timeouts``, ``flavor``, ``seed``.

    Returns
    -------
    Explorer
        ``compute`` is :func:`tcpkit.rto.rto_scenario`; the figure is
        :func:`tcpkit.plot.transport.plot_rto`'s (through a
        :class:`~tcpkit.plot.transport.LayerRenderer`).
    """
    v = {"spike_at": 25, "timeout_at": 45, "seed": 1}
    v.update(_settings(RTO_PRESETS, preset, overrides))
    controls = {
        "base_rtt": W.FloatSlider(value=v["base_rtt"], min=0.01, max=2.0, step=0.01, description="基础 RTT (s)",
                                  style=_STYLE, layout=_WIDE, continuous_update=False),
        "jitter": W.FloatSlider(value=v["jitter"], min=0.0, max=0.5, step=0.005, description="抖动 σ (s)",
                                style=_STYLE, layout=_WIDE, readout_format=".3f", continuous_update=False),
        "spike_at": W.IntSlider(value=v["spike_at"], min=0, max=59, description="尖峰位置（第几个样本）",
                                style=_STYLE, layout=_WIDE, continuous_update=False),
        "spike_size": W.FloatSlider(value=v["spike_size"], min=0.0, max=3.0, step=0.05, description="尖峰大小 (s)",
                                    style=_STYLE, layout=_WIDE, continuous_update=False),
        "timeout_at": W.IntSlider(value=v["timeout_at"], min=0, max=59, description="丢包的段（第几个）",
                                  style=_STYLE, layout=_WIDE, continuous_update=False),
        "timeouts": W.IntSlider(value=v["timeouts"], min=0, max=8, description="连续超时次数",
                                style=_STYLE, layout=_WIDE, continuous_update=False),
        "flavor": W.ToggleButtons(options=[("RFC 6298（1 s / 60 s）", "rfc6298"), ("Linux（200 ms / 120 s）", "linux")],
                                  value=v["flavor"], description="规则", style=_STYLE),
        "seed": W.IntText(value=v["seed"], description="随机种子", style=_STYLE, layout=W.Layout(width="160px")),
    }
    return _explorer(controls, rto_scenario, RTO_LAYERS, _rto_summary)


# --- window_explorer ------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _flow(read_kib_s: float, rcv_buf_kib: int, pause_len: float, nagle: bool, delayed_ack: bool,
          write_size: int) -> FlowTrace:
    return simulate_flow(
        data=400_000 if write_size == 0 else 60_000,
        write_size=write_size,
        write_interval=0.002,
        rcv_buf=int(rcv_buf_kib) * 1024,
        read_rate=float(read_kib_s) * 1024,
        pause_start=0.4,
        pause_len=pause_len,
        nagle=nagle,
        delayed_ack=delayed_ack,
        duration=2.5,
        step=0.002,
    )


def window_state(*, time: float, read_kib_s: float, rcv_buf_kib: int, pause_len: float, nagle: bool,
                 delayed_ack: bool, write_size: int) -> tuple[FlowTrace, int]:
    """The one model call behind :func:`window_explorer`: a (cached) :func:`~tcpkit.flow.simulate_flow` run
    and the step index at ``time``.

    The scenario: RTT 50 ms, MSS 1460, 10 Mbit/s link, window scale 7; the
    reader pauses ``pause_len`` seconds from t = 0.4 s; ``write_size = 0``
    is a 400 kB bulk transfer, otherwise 60 kB in writes of ``write_size``
    bytes every 2 ms. Moving only the time slider reuses the cached run.
    """
    trace = _flow(float(read_kib_s), int(rcv_buf_kib), float(pause_len), bool(nagle), bool(delayed_ack),
                  int(write_size))
    return trace, trace.index_at(time)


def _window_summary(r: tuple[FlowTrace, int]) -> str:
    trace, i = r
    s = trace.steps[i]
    zw = trace.zero_windows
    zsum = sum(b - a for a, b in zw)
    return (
        f"<p>t = {s.time:.2f} s：已确认 {s.snd_una / 1024:.1f} KiB，在途 {(s.snd_nxt - s.snd_una) / 1024:.1f} KiB，"
        f"可用窗口 {s.usable / 1024:.1f} KiB；接收缓冲区 {s.buffered / 1024:.1f}/{trace.rcv_buf / 1024:.0f} KiB。"
        f"整个过程：零窗口 {len(zw)} 段共 {zsum:.2f} s，零窗口探测 {len(trace.probes)} 个，"
        f"数据段 {sum(e.kind == 'data' for e in trace.events)} 个。</p>"
    )


def window_explorer(preset: str = "zero_window", **overrides: Any) -> Explorer:
    """The sender's sliding window at a chosen time, with the receiver's buffer draining.

    Parameters
    ----------
    preset : {"bulk", "zero_window", "slow_reader", "small_writes"}
        Starting values (see :data:`WINDOW_PRESETS`).
    **overrides
        Any control by name: ``time``, ``read_kib_s``, ``rcv_buf_kib``,
        ``pause_len``, ``nagle``, ``delayed_ack``, ``write_size``.

    Returns
    -------
    Explorer
        ``compute`` is :func:`window_state`; the figure is
        :func:`tcpkit.plot.transport.plot_window`'s.
    """
    v = {"nagle": True, "delayed_ack": True}
    v.update(_settings(WINDOW_PRESETS, preset, overrides))
    controls = {
        "time": W.FloatSlider(value=v["time"], min=0.0, max=2.5, step=0.01, description="时刻 (s)", style=_STYLE,
                              layout=_WIDE),
        "read_kib_s": W.FloatSlider(value=v["read_kib_s"], min=0.0, max=400.0, step=1.0,
                                    description="接收方读取速率 (KiB/s)", style=_STYLE, layout=_WIDE,
                                    continuous_update=False),
        "rcv_buf_kib": W.IntSlider(value=v["rcv_buf_kib"], min=4, max=256, step=4, description="接收缓冲区 (KiB)",
                                   style=_STYLE, layout=_WIDE, continuous_update=False),
        "pause_len": W.FloatSlider(value=v["pause_len"], min=0.0, max=2.0, step=0.1,
                                   description="应用暂停读取 (s，从 0.4 s 起)", style=_STYLE, layout=_WIDE,
                                   continuous_update=False),
        "write_size": W.IntText(value=v["write_size"], description="每次写入 (B，0 = 一次写完)", style=_STYLE,
                                layout=W.Layout(width="250px")),
        "nagle": W.Checkbox(value=v["nagle"], description="Nagle", indent=False),
        "delayed_ack": W.Checkbox(value=v["delayed_ack"], description="延迟确认", indent=False),
    }
    return _explorer(controls, window_state, WINDOW_LAYERS, _window_summary, inactive=_window_inactive)


def _window_inactive(*, write_size: int, **_: Any) -> dict[str, str]:
    # Nagle (RFC 896) only holds back segments smaller than the MSS: a bulk write fills every segment
    return {"nagle": "一次写完时每段都是满 MSS，Nagle 不起作用（设“每次写入”为几百字节可看到它）"} if write_size == 0 else {}


# --- mss_calculator -------------------------------------------------------------------------------


def _mss_summary(c: Comparison) -> str:
    s, f = c.segmented, c.fragmented
    ratio = f.resent_bytes / s.resent_bytes if s.resent_bytes > 0 else float("nan")
    return (
        f"<p>MSS = {c.mss} B。按 MSS 分段：{s.packets} 个包，期望重传 {s.resent_bytes:,.0f} B；"
        f"IP 分片：{f.packets} 个分片，期望重传 {f.resent_bytes:,.0f} B"
        + (f"（{ratio:.1f} 倍）" if ratio == ratio else "")
        + "。</p>"
    )


def mss_calculator(preset: str = "ethernet", **overrides: Any) -> Explorer:
    """MTU, message size and loss rate → expected retransmission cost of MSS segmentation vs IP fragmentation.

    Parameters
    ----------
    preset : {"ethernet", "pppoe", "ipv6"}
        Starting values (see :data:`MSS_PRESETS`).
    **overrides
        Any control by name: ``mtu``, ``message``, ``loss``, ``ip_version``, ``timestamps``.

    Returns
    -------
    Explorer
        ``compute`` is :func:`tcpkit.mss.compare`; the figure is
        :func:`tcpkit.plot.transport.plot_mss`'s.
    """
    v = _settings(MSS_PRESETS, preset, overrides)
    mtus = sorted({m for _, m in LINKS if m <= 9000} | {int(v["mtu"])})
    controls = {
        "mtu": W.Dropdown(options=mtus, value=v["mtu"], description="路径 MTU (B)", style=_STYLE,
                          layout=W.Layout(width="200px")),
        "message": W.IntText(value=v["message"], description=f"消息大小 (B，≤ {max_message()})", style=_STYLE,
                             layout=W.Layout(width="260px")),
        "loss": W.FloatSlider(value=v["loss"], min=0.0, max=0.2, step=0.001, readout_format=".3f",
                              description="每个包的丢包率", style=_STYLE, layout=_WIDE, continuous_update=False),
        "ip_version": W.ToggleButtons(options=[("IPv4", 4), ("IPv6", 6)], value=v["ip_version"], description="IP",
                                      style=_STYLE),
        "timestamps": W.Checkbox(value=v["timestamps"],
                                 description=f"时间戳选项（Linux 默认 tcp_timestamps={LINUX['tcp_timestamps'].value}）",
                                 indent=False),
    }
    return _explorer(controls, compare, MSS_LAYERS, _mss_summary)
