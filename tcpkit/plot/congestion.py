"""Figures for the congestion chapters: cwnd traces, the CUBIC curve, Linux vs model.

>>> from tcpkit.congestion import simulate
>>> tr = simulate("reno", bandwidth_mbps=10, rtt_ms=40, buffer_pkts=20, duration_s=3, granularity="round")
>>> fig = new_figure(8, 5); axes = plot_cwnd(tr, fig=fig); len(axes)
2

Every function takes data (a :class:`~tcpkit.congestion.Trace`, a
:class:`~tcpkit.congestion.linux_trace.LinuxTrace`, numbers) and a figure or
axes, draws, and returns the axes. Nothing here runs a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from . import COLORS, Layers, draw_layers, new_figure, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..congestion import Trace
    from ..congestion.linux_trace import LinuxTrace

__all__ = [
    "cwnd_layers",
    "plot_cwnd",
    "plot_cubic_window",
    "plot_linux_vs_model",
    "ALGO_COLORS",
    "ALGO_LABELS",
    "PHASE_COLORS",
    "new_figure",
]

#: One colour per algorithm, the same in every figure of the book.
ALGO_COLORS = {
    "tahoe": COLORS["grey"],
    "reno": COLORS["blue"],
    "newreno": COLORS["sky"],
    "cubic": COLORS["orange"],
    "bbr": COLORS["green"],
}
ALGO_LABELS = {"tahoe": "Tahoe", "reno": "Reno", "newreno": "NewReno", "cubic": "CUBIC", "bbr": "BBR"}
#: Background shade per phase (index = :class:`tcpkit.congestion.Phase` value).
PHASE_COLORS = {
    0: "#DCEBF7",  # 慢启动
    1: "#FFFFFF",  # 拥塞避免 (unshaded)
    2: "#F9DCCB",  # 快速恢复
    3: "#DCEBF7",  # STARTUP
    4: "#EFE3F2",  # DRAIN
    5: "#FFFFFF",  # PROBE_BW
    6: "#F3EFC8",  # PROBE_RTT
}
_MAX_POINTS = 2500


def _np() -> Any:
    import numpy as np

    return np


def _decimate(t: Any, y: Any, n: int = _MAX_POINTS) -> tuple[Any, Any]:
    """At most ~n points, keeping each bucket's minimum and maximum (sawtooth peaks survive)."""
    np = _np()
    t = np.frombuffer(t, dtype=float) if not isinstance(t, np.ndarray) else t
    y = np.asarray(y, dtype=float)
    if len(t) <= n:
        return t, y
    k = int(np.ceil(len(t) / (n // 2)))
    m = (len(t) // k) * k
    tb, yb = t[:m].reshape(-1, k), y[:m].reshape(-1, k)
    imin, imax = yb.argmin(axis=1), yb.argmax(axis=1)
    rows = np.arange(len(tb))
    first = np.minimum(imin, imax)
    second = np.maximum(imin, imax)
    tt = np.column_stack([tb[rows, first], tb[rows, second]]).ravel()
    yy = np.column_stack([yb[rows, first], yb[rows, second]]).ravel()
    return tt, yy


_FINE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
_COARSE = (1, 2, 5, 10)


def _nice(x: float, ladder: tuple[float, ...] = _FINE) -> float:
    """Round up to the next ``ladder`` × 10^k (a coarse ladder keeps axes stable while sliders move)."""
    import math

    if x <= 0:
        return 1.0
    e = 10.0 ** math.floor(math.log10(x))
    for m in ladder:
        if m * e >= x - 1e-12:
            return float(m * e)
    return float(10 * e)


def _phase_spans(t: Any, ph: Any) -> dict[int, list[tuple[float, float]]]:
    np = _np()
    t = np.frombuffer(t, dtype=float) if not isinstance(t, np.ndarray) else t
    ph = np.frombuffer(ph, dtype=np.int8) if not isinstance(ph, np.ndarray) else ph
    if len(t) == 0:
        return {}
    change = np.flatnonzero(np.diff(ph)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(t) - 1]])
    spans: dict[int, list[tuple[float, float]]] = {}
    for s, e in zip(starts, ends):
        t0 = t[s - 1] if s > 0 else 0.0
        spans.setdefault(int(ph[s]), []).append((float(t0), float(t[e] - t0)))
    return spans


def _flow_styles(trace: Trace) -> tuple[tuple[str, str], ...]:
    """(label, colour) of every flow; a repeated algorithm gets ``#i``."""
    names = [f.algorithm for f in trace.flows]
    return tuple((ALGO_LABELS.get(a, a) + (f" #{i + 1}" if names.count(a) > 1 else ""),
                  ALGO_COLORS.get(a, COLORS["black"])) for i, a in enumerate(names))


def _cwnd_top(trace: Trace) -> float:
    np = _np()
    top = 1.0
    for f in trace.flows:
        ww = _decimate(f.time, f.cwnd)[1]
        if len(ww):
            top = max(top, float(np.percentile(ww, 99.5)) * 1.15)
    return top


def _has_ssthresh(trace: Trace) -> bool:
    return any(len(f.ssthresh) and min(f.ssthresh) < 1e9 for f in trace.flows)


def _legend_handles(legend: tuple[Any, ...]) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..congestion.base import PHASE_LABELS, Phase

    styles, phases, has_fr, has_to, has_ss = legend
    handles: list[Any] = [Patch(facecolor=PHASE_COLORS.get(p, "#FFFFFF"), edgecolor="#BBBBBB",
                                label=PHASE_LABELS[Phase(p)]) for p in phases]
    handles += [Line2D([], [], color=c, lw=1.4, label=lab) for lab, c in styles]
    if has_ss:
        handles.append(Line2D([], [], color=COLORS["black"], lw=1.0, ls="--", label="ssthresh"))
    if has_fr:
        handles.append(Line2D([], [], ls="none", marker="v", color=COLORS["black"], label="快速重传"))
    if has_to:
        handles.append(Line2D([], [], ls="none", marker="x", mew=2, color=COLORS["red"], label="超时（RTO）"))
    return handles


def _cwnd_setup(fig: Figure, legend: tuple[Any, ...]) -> SimpleNamespace:
    """The static layer: two axes, axis labels and the legend (the limits are :func:`_cwnd_limits`)."""
    from matplotlib.ticker import MaxNLocator

    gs = fig.add_gridspec(2, 1, height_ratios=[3, 2], hspace=0.08, left=0.085, right=0.955, top=0.89, bottom=0.1)
    ax = fig.add_subplot(gs[0])
    ax2 = fig.add_subplot(gs[1], sharex=ax)
    for a in (ax, ax2):
        a.yaxis.set_major_locator(MaxNLocator(4))
        a.tick_params(labelfontfamily="DejaVu Sans")  # numeric ticks need no CJK fallback: faster layout
    ax.xaxis.set_major_locator(MaxNLocator(8))
    ax.tick_params(labelbottom=False)
    for axis in (ax.xaxis, ax.yaxis, ax2.xaxis, ax2.yaxis):
        axis.set_animated(True)
    y1 = ax.get_position().y0 + ax.get_position().height / 2
    y2 = ax2.get_position().y0 + ax2.get_position().height / 2
    fig.text(0.012, y1, "cwnd（段）", rotation=90, va="center", ha="left", fontsize=10)
    fig.text(0.012, y2, "吞吐量（Mbit/s）", rotation=90, va="center", ha="left", fontsize=10)
    fig.text(0.52, 0.015, "时间（s）", ha="center", va="bottom", fontsize=10)
    qtext = fig.text(0.995, y2, " ", rotation=90, va="center", ha="right", fontsize=8, color=COLORS["grey"],
                     animated=True)
    handles = _legend_handles(legend)
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.998), fontsize=7.5,
               ncol=min(max(len(handles), 1), 6), frameon=False)
    return SimpleNamespace(ax=ax, ax2=ax2, qtext=qtext, top=1.0, qtop=1.0, rtop=1.0)


def _cwnd_limits(p: SimpleNamespace, limits: tuple[float, float, float, float]) -> list[Any]:
    """The frame layer: axis limits, ticks and the queue scale; returns those (animated) artists."""
    duration, p.top, p.qtop, p.rtop = limits
    p.ax.set_xlim(0, duration)
    p.ax.set_ylim(0, p.top)
    p.ax2.set_ylim(0, p.rtop)
    p.qtext.set_text(f"灰色：瓶颈队列（满格 = {p.qtop:g} 段）")
    return [p.ax.xaxis, p.ax.yaxis, p.ax2.xaxis, p.ax2.yaxis, p.qtext]


def _cwnd_panel(p: SimpleNamespace, trace: Trace, show_phases: bool, show_ssthresh: bool) -> list[Any]:
    """The upper panel's data: phase shading of the first flow, cwnd, ssthresh, loss marks, BDP+buffer."""
    np = _np()
    ax, out = p.ax, []
    f0 = trace.flows[0]
    if show_phases and len(f0.time):
        for ph, sp in _phase_spans(f0.time, f0.phase).items():
            color = PHASE_COLORS.get(ph, "#FFFFFF")
            if color != "#FFFFFF":  # stop short of the spines: they are cached pixels under the data
                out.append(ax.broken_barh(sp, (0.006, 0.988), facecolors=color, transform=ax.get_xaxis_transform(),
                                          zorder=0, linewidth=0))
    xf = ax.get_xaxis_transform()
    for f, (label, col) in zip(trace.flows, _flow_styles(trace)):
        out += ax.plot(*_decimate(f.time, f.cwnd), color=col, label=label, lw=1.4, zorder=3)
        if show_ssthresh and len(f.ssthresh) and min(f.ssthresh) < 1e9:
            ss = np.frombuffer(f.ssthresh, dtype=float).copy()
            ss[ss > 1e9] = np.nan
            out += ax.plot(*_decimate(f.time, ss), color=col, lw=1.0, ls="--", alpha=0.8, zorder=2)
        fr = [e.time for e in f.events if e.kind == "fast_retransmit"]
        to = [e.time for e in f.events if e.kind == "timeout"]
        if fr:
            out += ax.plot(fr, [0.96] * len(fr), color=col, ls="none", marker="v", ms=5, zorder=4, transform=xf)
        if to:
            out += ax.plot(to, [0.96] * len(to), color=COLORS["red"], ls="none", marker="x", ms=6, mew=2, zorder=4,
                           transform=xf)
    lim = trace.bdp_pkts + trace.buffer_pkts
    if len(trace.flows) == 1 and lim < p.top:
        out.append(ax.axhline(lim, color=COLORS["grey"], lw=0.8, ls=":", zorder=1))
        out.append(ax.text(trace.duration_s * 0.995, lim, "BDP+缓冲", fontsize=8, color=COLORS["grey"], va="bottom",
                           ha="right"))
    return out


def _rate_panel(p: SimpleNamespace, trace: Trace) -> list[Any]:
    """The lower panel's data: the bottleneck queue (as a fraction of the panel) and each flow's throughput."""
    np = _np()
    ax2, f0 = p.ax2, trace.flows[0]
    tq, qq = _decimate(f0.time, f0.queue)
    out = [ax2.fill_between(tq, np.asarray(qq) * (p.rtop / p.qtop), step="post", color=COLORS["grey"], alpha=0.25,
                            lw=0, zorder=0)]
    window = max(trace.rtt_ms / 1000, trace.duration_s / 300)
    edges = np.linspace(0, trace.duration_s, max(2, int(trace.duration_s / window)) + 1)
    for f, (_, col) in zip(trace.flows, _flow_styles(trace)):
        t = np.frombuffer(f.time, dtype=float)
        if len(t) < 2:
            continue
        if trace.granularity == "ack":  # delivered segments per bin
            counts, _ = np.histogram(t, bins=edges)
            thr = counts * trace.mss * 8 / 1e6 / np.diff(edges)
        else:
            r = np.frombuffer(f.delivery_rate, dtype=float)
            thr = r[np.clip(np.searchsorted(t, edges[:-1]), 0, len(r) - 1)]
        out += ax2.plot(edges[:-1], thr, color=col, drawstyle="steps-post", lw=1.2, zorder=2)
    out += ax2.plot([0, 1], [trace.bandwidth_mbps] * 2, color=COLORS["grey"], lw=0.8, ls=":", zorder=1,
                    transform=ax2.get_yaxis_transform())
    return out


def cwnd_layers(*, stable: bool = False, show_phases: bool = True, show_ssthresh: bool = True) -> Layers:
    """The cwnd figure as a :class:`~tcpkit.plot.Layers`: axes and legend static (per legend), the limits
    and ticks a cheap frame layer, the data on top.

    ``stable=True`` (the widget) rounds the axis limits up on a coarse 1–2–5
    ladder so that the axes do not jump on every slider move; ``False``
    gives tighter limits (book figures).
    """
    ladder = _COARSE if stable else _FINE

    def key(trace: Trace) -> tuple[Any, ...]:
        f0 = trace.flows[0]
        phases = tuple(sorted(_phase_spans(f0.time, f0.phase))) if show_phases and len(f0.time) else ()
        events = {e.kind for f in trace.flows for e in f.events}
        legend = (_flow_styles(trace), phases, "fast_retransmit" in events, "timeout" in events,
                  show_ssthresh and _has_ssthresh(trace))
        xmax = _nice(trace.duration_s) if stable else trace.duration_s   # fewer cached frames while sliding
        return legend, (xmax, _nice(_cwnd_top(trace), ladder), _nice(max(trace.buffer_pkts * 1.05, 1), ladder),
                        _nice(trace.bandwidth_mbps * 1.2, ladder))

    def data(p: SimpleNamespace, trace: Trace) -> list[Any]:
        order = {id(p.ax2): 0, id(p.ax): 1}   # lower panel first, then by z-order (as a full draw does)
        arts = _cwnd_panel(p, trace, show_phases, show_ssthresh) + _rate_panel(p, trace)
        return sorted(arts, key=lambda a: (order.get(id(a.axes), 2), a.get_zorder()))

    return Layers(key, _cwnd_setup, data, (8.0, 5.0), fresh=True, frame=_cwnd_limits)


def plot_cwnd(
    trace: Trace,
    *,
    fig: Figure | None = None,
    show_phases: bool = True,
    show_ssthresh: bool = True,
    title: str | None = None,
) -> list[Axes]:
    """cwnd (top) and throughput + bottleneck queue (bottom) over time.

    Parameters
    ----------
    trace : tcpkit.congestion.Trace
        Result of :func:`tcpkit.congestion.simulate` (one or several flows).
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into (a new 8×5 in one otherwise).
    show_phases : bool
        Shade the phases of the *first* flow (慢启动 / 拥塞避免 / 快速恢复, or
        BBR's STARTUP / DRAIN / PROBE_BW / PROBE_RTT) and name them in the legend.
    show_ssthresh : bool
        Dashed ssthresh line for every loss-based flow (while finite).
    title : str, optional
        Axes title.

    Returns
    -------
    list of Axes
        ``[ax_cwnd, ax_rate]``; fast retransmits are marked ▼ and timeouts ×
        at the top of ``ax_cwnd``; the grey area in ``ax_rate`` is the queue.
    """
    fig = draw_layers(cwnd_layers(show_phases=show_phases, show_ssthresh=show_ssthresh), trace, fig)
    axes = fig.axes[-2:]
    if title:
        axes[0].set_title(title, fontsize=10)
    return list(axes)


def plot_cubic_window(
    w_max: float = 100.0,
    *,
    c: float = 0.4,
    beta: float = 0.7,
    rtt_s: float = 0.1,
    ax: Axes | None = None,
    t_max: float | None = None,
) -> Axes:
    """W_cubic(t) after a loss at t = 0 (RFC 9438 eq. 1), with K, W_max and Reno's line.

    Parameters
    ----------
    w_max : float
        Window before the loss, segments.
    c, beta : float
        CUBIC constants (RFC 9438: 0.4, 0.7).
    rtt_s : float
        RTT used for the Reno-friendly comparison line (+α segments per RTT).
    ax : Axes, optional
        Where to draw (a new figure otherwise).
    t_max : float, optional
        Right end of the time axis (default 2·K).

    Returns
    -------
    Axes
    """
    use_cjk_font()
    np = _np()
    from ..congestion import cubic_k, cubic_window

    if ax is None:
        ax = new_figure(7, 3.6).add_subplot()
    k = cubic_k(w_max, c, beta)
    t_max = t_max or 2 * k
    t = np.linspace(0, t_max, 400)
    w = np.array([cubic_window(x, w_max, c, beta) for x in t])
    ax.axvspan(0, k, color=PHASE_COLORS[0], lw=0, zorder=0)
    ax.plot(t, w, color=ALGO_COLORS["cubic"], lw=2, label=r"$W_{cubic}(t)=C(t-K)^3+W_{max}$")
    alpha = 3 * (1 - beta) / (1 + beta)
    ax.plot(t, beta * w_max + alpha * t / rtt_s, color=ALGO_COLORS["reno"], lw=1.2, ls="--",
            label=f"Reno 友好估计 W_est（RTT={rtt_s * 1000:g} ms）")
    ax.axhline(w_max, color=COLORS["grey"], lw=0.8, ls=":")
    ax.axvline(k, color=COLORS["grey"], lw=0.8, ls=":")
    ax.annotate(f"K = {k:.2f} s", (k, beta * w_max), xytext=(6, 4), textcoords="offset points", fontsize=9)
    ax.text(0.02, w_max, r" $W_{max}$", va="bottom", fontsize=9)
    ax.text(k * 0.5, beta * w_max + (w_max - beta * w_max) * 0.15, "凹区：快速靠近 W_max", ha="center",
            fontsize=9)
    ax.text(k * 1.5, w_max * 1.02, "凸区：试探更多带宽", ha="center", va="bottom", fontsize=9)
    ax.set_xlim(0, t_max)
    ax.set_ylim(beta * w_max * 0.9, max(w.max(), w_max) * 1.08)
    ax.set_xlabel("距离上次拥塞事件的时间 t（s）")
    ax.set_ylabel("窗口（段）")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_linux_vs_model(
    linux: LinuxTrace,
    models: Mapping[str, Trace],
    *,
    fig: Figure | None = None,
    seconds: float | None = None,
) -> list[Axes]:
    """One panel per algorithm: the recorded Linux cwnd and the model's cwnd on the same path.

    Parameters
    ----------
    linux : LinuxTrace
        From :func:`tcpkit.congestion.linux_trace.load_linux_trace`.
    models : mapping of str to Trace
        Linux algorithm name → model trace run with the same rate, buffer and RTT.
    fig : Figure, optional
    seconds : float, optional
        Show only the first ``seconds`` of each recording.

    Returns
    -------
    list of Axes
    """
    use_cjk_font()
    np = _np()
    names = [a for a in ("reno", "cubic", "bbr") if a in linux.series and a in models]
    fig = fig or new_figure(8, 2.3 * len(names))
    if fig.get_layout_engine() is not None:
        fig.set_layout_engine("none")
    axs = fig.subplots(len(names), 1, sharex=True, squeeze=False,
                       gridspec_kw={"left": 0.08, "right": 0.98, "top": 0.97, "bottom": 0.09, "hspace": 0.12})[:, 0]
    for ax, a in zip(axs, names):
        s = linux.series[a]
        tr = models[a]
        f = tr.flows[0]
        t_lin = np.array(s.time)
        rec = np.array([st == 3 or st == 4 for st in s.ca_state])
        ax.fill_between(t_lin, 0, 1, where=rec, transform=ax.get_xaxis_transform(), color=PHASE_COLORS[2], lw=0,
                        step="mid", label="Linux 处于 Recovery/Loss")
        ax.plot(t_lin, s.cwnd, color=COLORS["black"], lw=1.2, label=f"Linux {a}（实测 TCP_INFO）")
        tt, ww = _decimate(f.time, f.cwnd)
        ax.plot(tt, ww, color=ALGO_COLORS.get(f.algorithm, COLORS["blue"]), lw=1.2, alpha=0.9,
                label=f"模型 {ALGO_LABELS.get(f.algorithm, f.algorithm)}")
        hi = max(max(s.cwnd), float(np.percentile(ww, 99)) if len(ww) else 1)
        ax.set_ylim(0, hi * 1.1)
        ax.set_ylabel("cwnd（包）")
        ax.legend(loc="upper right", fontsize=7.5, ncol=3, framealpha=0.85)
    axs[-1].set_xlabel("时间（s）")
    if seconds:
        axs[-1].set_xlim(0, seconds)
    return list(axs)
