"""Figures for the connection-capacity calculators: client ports vs TIME_WAIT, dead-peer detection, server limits.

>>> from tcpkit.capacity import port_timeline
>>> ax = plot_port_timeline(port_timeline(rate=600)); ax.get_xlabel()
'时间 (s)'

Each figure is built in three parts so that the widgets stay fast: the static
layer (axes, labels, legend), the axis limits with their ticks (the ``frame``
layer) and the data artists. ``plot_*`` functions draw all of them into an
axes; the ``*_LAYERS`` specs give the same split to
:class:`tcpkit.plot.LayerRenderer`, which draws the static layer once, the
ticks once per axis range and only the data artists per update.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import COLORS, Layers, draw_static, new_figure, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..capacity import DeadPeer, PortTimeline, ServerLimits

__all__ = [
    "plot_port_timeline",
    "plot_dead_peer",
    "plot_server_limits",
    "PORT_LAYERS",
    "DEAD_PEER_LAYERS",
    "LIMITS_LAYERS",
    "nice_ceiling",
]


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is ≥ ``x`` (axis limits that look chosen).

    >>> nice_ceiling(28232 * 1.1), nice_ceiling(7875), nice_ceiling(0)
    (40000.0, 8000.0, 1.0)
    """
    if x <= 1:
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        v = m * 10.0**k
        if v >= x * (1 - 1e-12):
            return float(v)
    return 10.0 ** (k + 1)


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _fmt(n: float) -> str:
    """``1,198,372`` below 10^9, ``2.81×10¹⁴`` above."""
    if n == math.inf:
        return "∞"
    if n >= 1e9:
        e = math.floor(math.log10(n))
        return f"{n / 10**e:.2f}×10{str(e).translate(_SUP)}"
    return f"{n:,.0f}" if n >= 100 else f"{n:.1f}"


# ---------------------------------------------------------------------------
# client ports over time
# ---------------------------------------------------------------------------


def _port_frame(ax: Axes) -> None:
    ax.set_xlabel("时间 (s)")
    ax.set_ylabel("被占用的四元组")
    ax.set_title("客户端连向同一服务端时的本地端口：建立中 + TIME_WAIT")
    ax.grid(alpha=0.3)


def _port_artists(ax: Axes, animated: bool) -> dict[str, Any]:
    z = [0.0, 1.0]
    a: dict[str, Any] = {
        "open": ax.fill_between(z, z, z, color=COLORS["blue"], alpha=0.8, label="连接打开中", animated=animated),
        "tw": ax.fill_between(z, z, z, color=COLORS["orange"], alpha=0.8, label="TIME_WAIT（或等待复用）",
                              animated=animated),
        "fail": ax.fill_between(z, z, z, color=COLORS["red"], alpha=0.15, label="connect() 失败 EADDRNOTAVAIL",
                                transform=ax.get_xaxis_transform(), animated=animated),
        "cap": ax.axhline(0.0, color=COLORS["black"], lw=1.2, ls="--", animated=animated),
        "cap_text": ax.text(0.01, 0.0, "", va="bottom", ha="left", fontsize=9, transform=ax.get_yaxis_transform(),
                            animated=animated),
        "ex": ax.axvline(-1.0, color=COLORS["red"], lw=1.2, animated=animated),
        "ex_text": ax.text(0.0, 0.5, "", color=COLORS["red"], fontsize=9, va="center", ha="left",
                           transform=ax.get_xaxis_transform(), animated=animated,
                           bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}),
    }
    return a


def _fill_between(coll: Any, x: Sequence[float], y1: Sequence[float], y2: Sequence[float],
                  where: Sequence[bool] | None = None) -> None:
    """Move a ``fill_between`` area to new data.

    matplotlib ≥ 3.10 has ``FillBetweenPolyCollection.set_data``; the browser's
    3.8 (Pyodide 0.27) does not, so there the same polygons are built by hand:
    one per run of ``where``, along ``y1`` and back along ``y2``.
    """
    if hasattr(coll, "set_data"):
        coll.set_data(x, y1, y2, where=where)
        return
    ok = [True] * len(x) if where is None else list(where)
    verts, i = [], 0
    while i < len(x):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j < len(x) and ok[j]:
            j += 1
        top = list(zip(x[i:j], y1[i:j]))
        bottom = list(zip(x[i:j], y2[i:j]))
        verts.append([bottom[0], *top, bottom[-1], *reversed(bottom)])
        i = j
    coll.set_verts(verts)


def _port_update(a: dict[str, Any], tl: PortTimeline) -> None:
    t = [0.0, *tl.t]
    o = [0, *tl.open]
    tw = [0, *tl.time_wait]
    top = [x + y for x, y in zip(o, tw)]
    _fill_between(a["open"], t, [0] * len(t), o)
    _fill_between(a["tw"], t, o, top)
    failing = [False, *(f > 0 for f in tl.failed)]
    _fill_between(a["fail"], t, [0] * len(t), [1] * len(t), where=failing)
    b = tl.budget
    a["cap"].set_ydata([b.tuples, b.tuples])
    a["cap_text"].set_y(b.tuples)
    a["cap_text"].set_text(f"可用四元组 {b.tuples:,}（{b.ports:,} 端口 × {b.destinations} 个目的地）")
    if tl.exhausted_at is not None:
        a["ex"].set_xdata([tl.exhausted_at, tl.exhausted_at])
        lost = max(0.0, tl.rate - tl.budget.max_conn_rate)
        a["ex_text"].set_position((tl.exhausted_at, 0.4))
        a["ex_text"].set_text(f" {tl.exhausted_at:.0f} s：端口耗尽，\n 平均每秒约 {lost:,.0f} 次 connect() 失败")
    else:
        a["ex"].set_xdata([-1.0, -1.0])
        a["ex_text"].set_text("")


def _port_key(tl: PortTimeline) -> tuple[str, tuple[float, float]]:
    # the limits are the frame layer; y on a 1-2-5 ladder so the axis does not jump on every step
    top = tl.budget.tuples * 1.12
    return "ports", (next(m * 10.0 ** k for k in range(0, 20) for m in (1, 2, 5) if m * 10.0 ** k >= top), tl.t[-1])


# ---------------------------------------------------------------------------
# dead-peer detection: keepalive vs retransmission
# ---------------------------------------------------------------------------

_ROWS = {"ka": 1.0, "rt": 0.0}


def _dead_frame(ax: Axes) -> None:
    ax.set_ylim(-0.7, 1.7)
    ax.set_yticks([_ROWS["rt"], _ROWS["ka"]], ["有未确认数据：\n重传直到放弃", "空闲连接：\n保活探测"])
    ax.set_xlabel("对端消失后的时间 (s)")
    ax.set_title("对端悄无声息地消失（断电、拔线）：多久才发现？")
    ax.grid(axis="x", alpha=0.3)


def _dead_artists(ax: Axes, animated: bool) -> dict[str, Any]:
    y_ka, y_rt = _ROWS["ka"], _ROWS["rt"]
    kw: dict[str, Any] = {"animated": animated}
    return {
        "idle": ax.plot([], [], color=COLORS["grey"], lw=6, alpha=0.5, solid_capstyle="butt", **kw)[0],
        "probes": ax.plot([], [], ls="", marker="|", ms=16, mew=2, color=COLORS["blue"], **kw)[0],
        "ka_dead": ax.plot([], [], ls="", marker="X", ms=12, color=COLORS["red"], **kw)[0],
        "ka_text": ax.text(0, y_ka + 0.32, "", fontsize=9, ha="right", **kw),
        "sent": ax.plot([], [], ls="", marker="|", ms=16, mew=2, color=COLORS["orange"], **kw)[0],
        "rt_dead": ax.plot([], [], ls="", marker="X", ms=12, color=COLORS["red"], **kw)[0],
        "rt_text": ax.text(0, y_rt + 0.32, "", fontsize=9, ha="left", **kw),
        "_y": (y_ka, y_rt),
    }


def _dead_update(a: dict[str, Any], d: DeadPeer, xmax: float) -> None:
    y_ka, y_rt = a["_y"]
    k, r = d.keepalive, d.retransmit
    a["idle"].set_data([0, k.idle], [y_ka, y_ka])
    a["probes"].set_data(list(k.probe_times), [y_ka] * len(k.probe_times))
    a["ka_dead"].set_data([k.detect_time], [y_ka])
    a["ka_text"].set_position((min(k.detect_time, xmax * 0.99), y_ka + 0.32))
    a["ka_text"].set_horizontalalignment("right" if k.detect_time > xmax * 0.35 else "left")
    how = f"{len(k.probe_times)} 个探测无应答" if k.user_timeout == 0 else f"TCP_USER_TIMEOUT={k.user_timeout:g} s"
    a["ka_text"].set_text(f"空闲 {k.idle:g} s 后开始探测，{k.detect_time:,.0f} s 判定死亡（{how}）")
    a["sent"].set_data([0.0, *r.retransmit_times], [y_rt] * (len(r.retransmit_times) + 1))
    a["rt_dead"].set_data([r.give_up], [y_rt])
    right = r.give_up > xmax * 0.55
    a["rt_text"].set_position((min(r.give_up, xmax * 0.99), y_rt + 0.32))
    a["rt_text"].set_horizontalalignment("right" if right else "left")
    why = f"tcp_retries2={r.retries}" if r.user_timeout == 0 else f"TCP_USER_TIMEOUT={r.user_timeout:g} s"
    a["rt_text"].set_text(f"{len(r.retransmit_times)} 次重传后 {r.give_up:,.1f} s 放弃（{why}）")


def _dead_key(d: DeadPeer) -> tuple[str, float]:
    return "dead", nice_ceiling(max(d.keepalive.detect_time, d.retransmit.give_up) * 1.08)


# ---------------------------------------------------------------------------
# server limits
# ---------------------------------------------------------------------------

_LIMIT_ROWS = (("four_tuple", "四元组上限\n（客户端 IP × 端口）"), ("fd", "文件描述符\n（RLIMIT_NOFILE）"),
               ("memory", "内存\n（每连接内核结构 + 缓冲）"))


def _limits_frame(ax: Axes) -> None:
    ax.set_xscale("log")
    ax.set_xlim(1, 1e16)
    ax.set_ylim(-0.6, 2.6)
    ax.set_yticks(range(3), [lab for _, lab in _LIMIT_ROWS])
    ax.set_xlabel("最多能同时保持的连接数（对数刻度）")
    ax.set_title("一个服务端 IP:端口 实际能撑住多少连接？取最小者")
    ax.grid(axis="x", alpha=0.3)


def _limits_artists(ax: Axes, animated: bool) -> dict[str, Any]:
    bars = ax.barh(range(3), [1, 1, 1], left=1, height=0.55, color=COLORS["sky"], animated=animated)
    texts = [ax.text(1, i, "", va="center", fontsize=9, animated=animated) for i in range(3)]
    return {"bars": list(bars), "texts": texts}


def _limits_update(a: dict[str, Any], r: ServerLimits) -> None:
    for i, (key, _) in enumerate(_LIMIT_ROWS):
        v = max(1.0, float(getattr(r, "by_" + key)))
        bar = a["bars"][i]
        bar.set_width(v - 1)
        bar.set_color(COLORS["red"] if key == r.bottleneck else COLORS["sky"])
        txt = a["texts"][i]
        txt.set_position((v * 1.3, i))
        extra = f"（每连接 {r.per_connection_bytes:,} B）" if key == "memory" else ""
        txt.set_text(f"{_fmt(v)}{extra}" + ("  ← 瓶颈" if key == r.bottleneck else ""))


# ---------------------------------------------------------------------------
# renderers for the widgets
# ---------------------------------------------------------------------------


def _flat(a: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for name, art in a.items():
        if not name.startswith("_"):
            out.extend(art if isinstance(art, list) else [art])
    return out


def _axes_limits(a: dict[str, Any], xlim: tuple[float, float], ylim: tuple[float, float] | None = None) -> list[Any]:
    """The frame layer of a one-axes figure: set its limits, return the (animated) axes that moved."""
    ax = a["_ax"]
    ax.set_xlim(*xlim)
    if ylim is None:
        return [ax.xaxis]
    ax.set_ylim(*ylim)
    return [ax.xaxis, ax.yaxis]


def _port_on(ax: Axes, _key: Any) -> dict[str, Any]:
    _port_frame(ax)
    ax.xaxis.set_animated(True)   # limits, ticks and grid are the frame layer
    ax.yaxis.set_animated(True)
    a = _port_artists(ax, True)
    a["_ax"] = ax
    ax.legend(handles=[a[k] for k in ("open", "tw", "fail")], loc="upper right", fontsize=8, framealpha=0.9)
    return a


def _port_data(a: dict[str, Any], tl: PortTimeline) -> list[Any]:
    _port_update(a, tl)
    return _flat(a)


def _dead_on(ax: Axes, _key: Any) -> dict[str, Any]:
    _dead_frame(ax)
    ax.xaxis.set_animated(True)   # the y axis (two row labels) stays in the static layer
    return {**_dead_artists(ax, True), "_ax": ax, "_xmax": 1.0}


def _dead_limits(a: dict[str, Any], xmax: float) -> list[Any]:
    a["_xmax"] = xmax
    return _axes_limits(a, (0, xmax))


def _dead_data(a: dict[str, Any], d: DeadPeer) -> list[Any]:
    _dead_update(a, d, a["_xmax"])
    return _flat(a)


def _limits_on(ax: Axes, _key: Any) -> dict[str, Any]:
    _limits_frame(ax)
    return _limits_artists(ax, True)


def _limits_data(a: dict[str, Any], r: ServerLimits) -> list[Any]:
    _limits_update(a, r)
    return _flat(a)


def _layers(key: Any, on: Any, data: Any, size: tuple[float, float], rect: tuple[float, ...],
            frame: Any = None) -> Layers:
    return Layers(key, lambda fig, k: on(fig.add_axes(rect), k), data, size, frame=frame)


def _plot(layers: Layers, on: Any, result: Any, ax: Axes | None) -> Axes:
    use_cjk_font()
    if ax is None:
        ax = new_figure(*layers.size(None)).add_subplot()
    draw_static(layers, result, lambda k: on(ax, k))
    return ax


#: The widgets' views of the three figures (static layer, axis limits as a cached frame, data blitted).
PORT_LAYERS = _layers(_port_key, _port_on, _port_data, (8.0, 3.6), (0.11, 0.14, 0.87, 0.76),
                      frame=lambda a, lim: _axes_limits(a, (0, lim[1]), (0, lim[0])))
DEAD_PEER_LAYERS = _layers(_dead_key, _dead_on, _dead_data, (8.0, 3.2), (0.17, 0.15, 0.8, 0.74), frame=_dead_limits)
LIMITS_LAYERS = _layers(lambda r: "log", _limits_on, _limits_data, (8.0, 3.0), (0.25, 0.16, 0.72, 0.74))


def plot_port_timeline(tl: PortTimeline, *, ax: Axes | None = None) -> Axes:
    """Stacked area of 4-tuples held open and in TIME_WAIT (from :func:`tcpkit.capacity.port_timeline`),
    the capacity line and the exhaustion time, into ``ax`` (a new figure by default); returns the axes."""
    return _plot(PORT_LAYERS, _port_on, tl, ax)


def plot_dead_peer(d: DeadPeer, *, ax: Axes | None = None) -> Axes:
    """Two timelines (from :func:`tcpkit.capacity.dead_peer`): keepalive probes on an idle connection and
    retransmissions of unacknowledged data, into ``ax`` (a new figure by default); returns the axes."""
    return _plot(DEAD_PEER_LAYERS, _dead_on, d, ax)


def plot_server_limits(r: ServerLimits, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the three bounds of :func:`tcpkit.capacity.server_limits` (log scale), the
    smallest in red, into ``ax`` (a new figure by default); returns the axes."""
    return _plot(LIMITS_LAYERS, _limits_on, r, ax)
