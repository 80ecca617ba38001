"""Figures for the TCP transport chapter: RTO over time, the sliding window, MSS vs fragmentation.

>>> from tcpkit.rto import rto_scenario
>>> fig = plot_rto(rto_scenario())

Every ``plot_*`` function takes a model result and a matplotlib ``Figure``
(a new one if omitted), draws into it and returns it. No model is computed
here.

Each figure is split in two: a *static* part (axes, limits, labels, legend —
a function of a small key such as the axis limits, rounded up to 1-2-5
steps) and a *dynamic* part (the data). ``plot_*`` draws both; the widgets
use :class:`tcpkit.plot.LayerRenderer`, which renders the static part once per key and
then only draws the data on top of a saved copy of it (blitting), because on
this project's small machine rendering text is what makes a figure slow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import COLORS, Layers, draw_layers, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..flow import FlowTrace, StallResult
    from ..mss import Comparison
    from ..rto import RtoSeries

__all__ = [
    "plot_rto",
    "plot_window",
    "plot_mss",
    "plot_stall",
    "nice_ceil",
    "RTO_LAYERS",
    "WINDOW_LAYERS",
    "MSS_LAYERS",
]

_FLAVOR_TEXT = {"rfc6298": "RFC 6298", "linux": "Linux"}
_KIB = 1024.0


def nice_ceil(x: float) -> float:
    """Smallest 1-2-5 step (…, 0.5, 1, 2, 5, 10, …) that is ≥ ``x`` (``x`` > 0).

    Examples
    --------
    >>> nice_ceil(0.7), nice_ceil(3.2), nice_ceil(120)
    (1.0, 5.0, 200.0)
    """
    if x <= 0:
        return 1.0
    e = math.floor(math.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        v = m * 10.0**e
        if v >= x * (1 - 1e-12):
            return float(f"{v:.12g}")
    return 10.0 ** (e + 1)


def _fixed_layout(fig: Figure, **margins: float) -> None:
    """Precomputed margins instead of constrained layout (faster, and needed for blitting)."""
    fig.set_layout_engine(None)
    fig.subplots_adjust(**margins)


def _title(ax: Any, text: str, size: float) -> Any:
    """A title as a plain (removable) text artist, so it can be redrawn on every update."""
    return ax.text(0.5, 1.03, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=size)


def _proxy_legend(ax: Any, entries: Sequence[tuple[str, dict[str, Any]]], **kw: Any) -> None:
    """A legend built from proxy artists, so it can be part of the static layer."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for label, style in entries:
        style = dict(style)
        if style.pop("patch", False):
            handles.append(Patch(label=label, **style))
        else:
            handles.append(Line2D([], [], label=label, **style))
    ax.legend(handles=handles, **kw)


# --- RTO ---------------------------------------------------------------------------------------------


def _rto_key(s: RtoSeries) -> tuple[tuple[str, float, float], tuple[float, float]]:
    # (static layer: title and legend) and (frame layer: the limits, which each doubling RTO may move)
    tmax = max(p.time for p in s.points)
    ymax = max(s.max_rto, max((p.rtt or 0.0) for p in s.points)) * 1.08
    return (s.flavor, s.rto_min, s.rto_max), (nice_ceil(tmax), nice_ceil(ymax))


def _rto_limits(ax: Any, limits: tuple[float, float]) -> list[Any]:
    """The frame layer: limits, the two axes (ticks, grid) and the dotted RTO floor."""
    ax.set_xlim(0, limits[0])
    ax.set_ylim(0, limits[1])
    return [ax.xaxis, ax.yaxis, *(ln for ln in ax.lines if ln.get_gid() == "rto_floor")]


def _rto_setup(fig: Figure, key: tuple[str, float, float]) -> Any:
    flavor, lo, hi = key
    ax = fig.add_subplot(1, 1, 1)
    ax.set_autoscale_on(False)
    ax.locator_params(nbins=6)
    ax.axhline(lo, color=COLORS["grey"], lw=0.8, ls=":", animated=True, gid="rto_floor")   # moves with ylim
    ax.xaxis.set_animated(True)
    ax.yaxis.set_animated(True)
    ax.set_xlabel("时间 (s)")
    ax.set_ylabel("秒")
    ax.set_title(f"{_FLAVOR_TEXT.get(flavor, flavor)}：RTO 下限 {lo:g} s（点线），上限 {hi:g} s", fontsize=11)
    _proxy_legend(ax, [
        ("RTT 样本", {"marker": "o", "ls": "", "ms": 3, "color": COLORS["grey"]}),
        ("SRTT", {"color": COLORS["blue"], "lw": 1.6}),
        ("RTTVAR", {"color": COLORS["green"], "lw": 1.2, "ls": "--"}),
        ("RTO", {"color": COLORS["red"], "lw": 1.8}),
        ("超时（RTO 翻倍）", {"marker": "x", "ls": "", "ms": 8, "mew": 2, "color": COLORS["black"]}),
        ("重传段的 ACK：不取样（Karn）", {"marker": "s", "ls": "", "ms": 6, "mfc": "none", "color": COLORS["purple"]}),
    ], loc="upper left", fontsize=8, ncol=3, frameon=False)
    ax.grid(alpha=0.3)
    return ax


def _rto_dynamic(ax: Any, s: RtoSeries) -> list[Any]:
    pts = s.points
    out: list[Any] = []
    samples = [p for p in pts if p.kind == "sample"]
    out += ax.plot([p.time for p in samples], [p.rtt for p in samples], "o", ms=3, color=COLORS["grey"])
    est = [p for p in pts if p.srtt is not None]
    ts = [p.time for p in est]
    out += ax.plot(ts, [p.srtt for p in est], color=COLORS["blue"], lw=1.6)
    out += ax.plot(ts, [p.rttvar for p in est], color=COLORS["green"], lw=1.2, ls="--")
    out += ax.step([0.0] + [p.time for p in pts], [s.initial_rto] + [p.rto for p in pts], where="post",
                   color=COLORS["red"], lw=1.8)
    touts = [p for p in pts if p.kind == "timeout"]
    if touts:
        out += ax.plot([p.time for p in touts], [p.rto / 2 for p in touts], "x", ms=9, mew=2, color=COLORS["black"])
    karn = [p for p in pts if p.kind == "karn"]
    if karn:
        out += ax.plot([p.time for p in karn], [p.rtt for p in karn], "s", ms=6, mfc="none", color=COLORS["purple"])
    return out


#: Layers of :func:`plot_rto` for :class:`LayerRenderer`.
RTO_LAYERS = Layers(_rto_key, _rto_setup, _rto_dynamic, (8.0, 3.8), {"left": 0.08, "right": 0.98, "bottom": 0.13,
                                                             "top": 0.92}, fresh=True, frame=_rto_limits)


def plot_rto(series: RtoSeries, *, fig: Figure | None = None) -> Figure:
    """RTT samples, SRTT, RTTVAR and RTO against time; timeouts and Karn-ignored ACKs marked.

    Parameters
    ----------
    series : tcpkit.rto.RtoSeries
        Result of :func:`tcpkit.rto.rto_series` / :func:`tcpkit.rto.rto_scenario`.
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (empty); a new 8×3.8 in one if None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return draw_layers(RTO_LAYERS, series, fig)


# --- sliding window ----------------------------------------------------------------------------------


def _window_key(r: tuple[FlowTrace, int]) -> tuple[str, tuple[float, float]]:
    trace, _ = r   # the limits are the frame layer; the buffer axis on a 1-2-5 ladder so it does not jump
    return "window", (nice_ceil(trace.rcv_buf / _KIB), trace.steps[-1].time)


def _window_limits(axes: Any, limits: tuple[float, float]) -> list[Any]:
    """The frame layer: both panels' limits, their (animated) axes and the SND.UNA line at 0."""
    top, bot = axes
    span, tmax = limits
    top.set_xlim(-0.5 * span, 1.5 * span)
    bot.set_xlim(0, tmax)
    bot.set_ylim(0, span * 1.12)
    return [top.xaxis, *(ln for ln in top.lines if ln.get_gid() == "snd_una"), bot.xaxis, bot.yaxis]


def _window_setup(fig: Figure, _key: str) -> Any:
    top, bot = fig.subplots(2, 1, height_ratios=[1, 2.6])
    top.set_autoscale_on(False)
    top.set_ylim(-0.5, 0.5)
    top.set_yticks([])
    top.locator_params(axis="x", nbins=8)
    top.axvline(0, color=COLORS["black"], lw=0.8, animated=True, gid="snd_una")   # moves with xlim
    for axis in (top.xaxis, bot.xaxis, bot.yaxis):
        axis.set_animated(True)
    top.set_xlabel("相对 SND.UNA 的字节位置 (KiB)")
    _proxy_legend(top, [
        ("已发送已确认", {"patch": True, "color": COLORS["green"]}),
        ("已发送未确认", {"patch": True, "color": COLORS["orange"]}),
        ("可用窗口（可发未发）", {"patch": True, "color": COLORS["sky"]}),
        ("窗口外（不可发）", {"patch": True, "color": "#DDDDDD"}),
        ("应用写到这里", {"color": COLORS["black"], "ls": "--", "lw": 1}),
    ], loc="upper center", bbox_to_anchor=(0.5, -0.62), ncol=5, fontsize=8, frameon=False)
    bot.set_autoscale_on(False)
    bot.locator_params(nbins=6)
    bot.set_xlabel("时间 (s)（红色背景：零窗口；竖线：上图的时刻）")
    bot.set_ylabel("KiB")
    _proxy_legend(bot, [
        ("接收缓冲区中未读数据", {"patch": True, "color": COLORS["purple"], "alpha": 0.35}),
        ("发送方看到的 rwnd", {"color": COLORS["blue"], "lw": 1.4}),
        ("在途（未确认）", {"color": COLORS["orange"], "lw": 1.2}),
        ("零窗口探测", {"marker": "v", "ls": "", "color": COLORS["red"], "ms": 7}),
    ], loc="upper right", fontsize=8, frameon=False)
    bot.grid(alpha=0.3)
    return top, bot


def _window_dynamic(axes: Any, r: tuple[FlowTrace, int]) -> list[Any]:
    top, bot = axes
    trace, index = r
    s = trace.steps[max(0, min(index, len(trace.steps) - 1))]
    lo, hi = top.get_xlim()
    una = s.snd_una / _KIB
    nxt = (s.snd_nxt - s.snd_una) / _KIB
    end = max(nxt, (s.wnd_end - s.snd_una) / _KIB)
    out: list[Any] = []
    for a, b, c in ((lo, 0.0, COLORS["green"]), (0.0, nxt, COLORS["orange"]), (nxt, end, COLORS["sky"]),
                    (end, hi, "#DDDDDD")):
        if b > a:
            out += list(top.barh(0, b - a, left=a, height=0.6, color=c, edgecolor="white"))
    w = (s.written - s.snd_una) / _KIB
    if lo < w < hi:
        out.append(top.axvline(w, color=COLORS["black"], lw=1, ls="--"))
    state = "零窗口！" if s.zero_window else f"发送窗口 {s.snd_wnd / _KIB:.1f} KiB"
    out.append(_title(top, f"t = {s.time:.2f} s：SND.UNA = {una:.1f} KiB，{state}", 11))
    stride = max(1, len(trace.steps) // 400)
    st = trace.steps[::stride]
    t = [x.time for x in st]
    out.append(bot.fill_between(t, [x.buffered / _KIB for x in st], step="post", color=COLORS["purple"],
                                alpha=0.35, lw=0))
    out += bot.plot(t, [x.snd_wnd / _KIB for x in st], color=COLORS["blue"], lw=1.4, drawstyle="steps-post")
    out += bot.plot(t, [(x.snd_nxt - x.snd_una) / _KIB for x in st], color=COLORS["orange"], lw=1.2,
                    drawstyle="steps-post")
    for a, b in trace.zero_windows:
        out.append(bot.axvspan(a, b, color=COLORS["red"], alpha=0.12, lw=0))
    probes = trace.probes
    if probes:
        out += bot.plot(probes, [0.0] * len(probes), "v", color=COLORS["red"], ms=7, clip_on=False)
    out.append(bot.axvline(s.time, color=COLORS["black"], lw=1))
    out.append(bot.axhline(trace.rcv_buf / _KIB, color=COLORS["grey"], lw=0.8, ls=":"))
    return out


#: Layers of :func:`plot_window` for :class:`LayerRenderer`.
WINDOW_LAYERS = Layers(_window_key, _window_setup, _window_dynamic, (8.0, 4.4),
                 {"left": 0.08, "right": 0.98, "bottom": 0.11, "top": 0.93, "hspace": 0.95}, fresh=True,
                 frame=_window_limits)


def plot_window(trace: FlowTrace, index: int, *, fig: Figure | None = None) -> Figure:
    """The sender's byte stream at step ``index`` (top) and buffers/windows over time (bottom).

    Parameters
    ----------
    trace : tcpkit.flow.FlowTrace
        Result of :func:`tcpkit.flow.simulate_flow`.
    index : int
        Step to show in the top panel (a vertical line marks it below).
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (empty); a new 8×4.4 in one if None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return draw_layers(WINDOW_LAYERS, (trace, index), fig)


# --- MSS vs fragmentation ----------------------------------------------------------------------------

_NAMES = ["TCP 按 MSS 分段", "IP 分片"]


def _mss_key(c: Comparison) -> tuple[str, tuple[float, float]]:
    b = max(c.segmented.resent_bytes, c.fragmented.resent_bytes, 1.0) * 1.3
    p = max(c.segmented.p_resend, c.fragmented.p_resend, 0.005) * 1.35
    return "bars", (nice_ceil(b), min(1.0, nice_ceil(p)))   # the y limits are the frame layer


def _mss_limits(axes: Any, ymax: tuple[float, float]) -> list[Any]:
    """The frame layer: each panel's y limit and its (animated) y axis, ticks and grid."""
    for ax, top in zip(axes, ymax):
        ax.set_ylim(0, top)
    return [ax.yaxis for ax in axes]


def _mss_setup(fig: Figure, _key: str) -> Any:
    a1, a2 = fig.subplots(1, 2)
    for ax in (a1, a2):
        ax.set_autoscale_on(False)
        ax.set_xlim(-0.6, 1.6)
        ax.set_xticks([0, 1], _NAMES)
        ax.locator_params(axis="y", nbins=5)
        ax.grid(axis="y", alpha=0.3)
        ax.yaxis.set_animated(True)
    a1.set_ylabel("期望重传字节（IP 层）")
    a2.set_ylabel("需要重传的概率")
    a2.set_title("至少丢一个包的概率相近，代价不同", fontsize=10)
    return a1, a2


def _mss_dynamic(axes: Any, c: Comparison) -> list[Any]:
    a1, a2 = axes
    seg, frag = c.segmented, c.fragmented
    colors = [COLORS["blue"], COLORS["red"]]
    out: list[Any] = []
    vals = [seg.resent_bytes, frag.resent_bytes]
    out += list(a1.bar([0, 1], vals, color=colors, width=0.6))
    for x, v, r in zip((0, 1), vals, (seg, frag)):
        out.append(a1.annotate(f"{v:,.0f} B（{r.resent_packets:.2f} 个包）", (x, v), ha="center", va="bottom",
                               fontsize=8))
    probs = [seg.p_resend, frag.p_resend]
    out += list(a2.bar([0, 1], probs, color=colors, width=0.6))
    for x, v, r in zip((0, 1), probs, (seg, frag)):
        out.append(a2.annotate(f"{v:.1%}（共 {r.packets} 个包）", (x, v), ha="center", va="bottom", fontsize=8))
    out.append(_title(a1, f"消息 {c.message:,} B，MTU {c.mtu}，IPv{c.ip_version}，丢包率 {c.loss:.1%}", 10))
    return out


#: Layers of :func:`plot_mss` for :class:`LayerRenderer`.
MSS_LAYERS = Layers(_mss_key, _mss_setup, _mss_dynamic, (8.0, 3.4),
              {"left": 0.125, "right": 0.98, "bottom": 0.1, "top": 0.88, "wspace": 0.36}, fresh=True,
              frame=_mss_limits)


def plot_mss(result: Comparison, *, fig: Figure | None = None) -> Figure:
    """Bar chart: expected retransmitted bytes and resend probability, MSS segmentation vs IP fragmentation.

    Parameters
    ----------
    result : tcpkit.mss.Comparison
        Result of :func:`tcpkit.mss.compare` (or :func:`tcpkit.mss.monte_carlo`).
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (empty); a new 8×3.4 in one if None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return draw_layers(MSS_LAYERS, result, fig)


# --- Nagle + delayed ACK -----------------------------------------------------------------------------


def plot_stall(results: list[StallResult], *, fig: Figure | None = None) -> Figure:
    """Horizontal bars: request latency of write-write-read for several Nagle / delayed-ACK settings.

    Parameters
    ----------
    results : list of tcpkit.flow.StallResult
        From :func:`tcpkit.flow.nagle_delack_stall` with different switches.
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (empty); a new 8×2.6 in one if None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if fig is None:
        fig = new_figure(8, 2.6)
    _fixed_layout(fig, left=0.27, right=0.97, bottom=0.2, top=0.95)
    ax = fig.add_subplot(1, 1, 1)
    labels = []
    for i, r in enumerate(results):
        base = r.latency - r.stall
        ax.barh(i, base * 1000, color=COLORS["blue"], label="网络往返" if i == 0 else None)
        ax.barh(i, r.stall * 1000, left=base * 1000, color=COLORS["red"],
                label="等延迟 ACK" if r.stall and not any(x.stall for x in results[:i]) else None)
        ax.text(r.latency * 1000, i, f" {r.latency * 1000:.1f} ms", va="center", fontsize=9)
        labels.append(f"Nagle {'开' if r.nagle else '关'}，延迟 ACK {'开' if r.delayed_ack else '关'}")
    ax.set_yticks(range(len(results)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("请求延迟 (ms)")
    ax.set_xlim(0, max(r.latency for r in results) * 1000 * 1.25)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig

