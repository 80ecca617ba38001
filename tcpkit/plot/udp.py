"""Figures for the UDP / reliable-UDP / QUIC chapter: ARQ timelines, goodput, HOL blocking, credit, migration.

>>> from tcpkit.arq import simulate_arq
>>> fig = new_figure(8, 3); ax = plot_arq_timeline(simulate_arq("sr", n_packets=6), ax=fig.add_subplot())

Every function takes a model result and an ``ax`` (or a ``fig``) and only draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import COLORS, Layers, draw_layers, new_figure, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..arq import ArqResult
    from ..quic import FlowTrace, HolResult, MigrationResult

__all__ = [
    "plot_arq_timeline",
    "plot_arq_goodput",
    "plot_hol",
    "plot_flow_credit",
    "plot_migration",
    "ARQ_LAYERS",
    "HOL_LAYERS",
    "new_figure",
]

_PROTO_NAMES = {"sw": "停止等待", "gbn": "Go-Back-N", "sr": "选择重传"}


def _ax(ax: Axes | None) -> Axes:
    use_cjk_font()
    if ax is None:
        ax = new_figure().add_subplot()
    return ax


_PALETTE = ("blue", "orange", "green", "purple", "sky", "red", "yellow", "grey")
_NICE = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0,
         60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


def _nice_ceiling(x: float) -> float:
    return next((n for n in _NICE if n >= x), max(x, _NICE[-1]))


def _animated(artist: Any) -> Any:
    artist.set_animated(True)
    return artist


def _arq_end(run: ArqResult) -> float:
    return max([run.finish_time] + [f.sent for f in run.flights]) * 1.02


def _arq_axes(ax: Axes, title: str) -> dict[str, Any]:
    """The static frame of one ARQ timeline and its (animated) data artists.

    The time axis is animated too: :func:`_arq_time` sets its limits, so a
    run that ends later redraws a few tick labels, not the whole figure.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import MaxNLocator

    ax.set_ylim(-0.2, 1.3)
    ax.set_yticks([0, 1], ["接收方", "发送方"])
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.set_xlabel("时间 (s)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.axhline(1, color=COLORS["grey"], lw=0.6, zorder=0)
    ax.axhline(0, color=COLORS["grey"], lw=0.6, zorder=0)
    ax.set_title(title, fontsize=10, loc="left")
    _animated(ax.xaxis)
    return {
        "ax": ax,
        "ok": _animated(ax.add_collection(LineCollection([], colors=COLORS["blue"], linewidths=1.2))),
        "re": _animated(ax.add_collection(LineCollection([], colors=COLORS["orange"], linewidths=1.4))),
        "ack": _animated(ax.add_collection(LineCollection([], colors=COLORS["green"], linewidths=0.9))),
        "lost": _animated(ax.add_collection(LineCollection([], colors=COLORS["red"], linewidths=1.0,
                                                           linestyles="dashed"))),
        "x": _animated(ax.plot([], [], "x", color=COLORS["red"], ms=7, mew=2)[0]),
        "to": _animated(ax.plot([], [], "v", color=COLORS["red"], ms=6)[0]),
        "disc": _animated(ax.plot([], [], "o", mfc="none", color=COLORS["grey"], ms=5)[0]),
        "title": _animated(ax.text(1.0, 1.02, " ", fontsize=9, ha="right", va="bottom", transform=ax.transAxes)),
        "seq": {},  # (seq, retransmission) -> a line of mathtext markers, created on first use
    }


_MARKERS: dict[int, Any] = {}


def _arq_time(rows: Sequence[dict[str, Any]], xmax: float) -> list[Any]:
    """Put every timeline on the time axis ``[0, xmax]``; returns the axes' (animated) x axes."""
    for row in rows:
        row["ax"].set_xlim(0, max(xmax, 1e-9))
    return [row["ax"].xaxis for row in rows]


def _marker(seq: int) -> Any:
    """The mathtext marker of a sequence number, parsed once (parsing is most of a marker's cost)."""
    if seq not in _MARKERS:
        from matplotlib.markers import MarkerStyle

        _MARKERS[seq] = MarkerStyle(f"${seq}$")
    return _MARKERS[seq]


def _arq_data(row: dict[str, Any], run: ArqResult) -> list[Any]:
    """Set one timeline's artists from ``run``; returns the artists to draw."""
    from matplotlib.lines import Line2D

    segs: dict[str, list[list[tuple[float, float]]]] = {"ok": [], "re": [], "ack": [], "lost": []}
    xs: list[float] = []
    ys: list[float] = []
    for f in run.flights:
        y0, y1 = (1.0, 0.0) if f.kind == "data" else (0.0, 1.0)
        if f.lost:
            mt, my = (f.sent + f.arrives) / 2, (y0 + y1) / 2
            segs["lost"].append([(f.sent, y0), (mt, my)])
            xs.append(mt)
            ys.append(my)
        else:
            segs["ack" if f.kind == "ack" else "re" if f.retransmission else "ok"].append([(f.sent, y0),
                                                                                          (f.arrives, y1)])
    for k, v in segs.items():
        row[k].set_segments(v)
    row["x"].set_data(xs, ys)
    to = [e.time for e in run.events if e.kind == "timeout"]
    row["to"].set_data(to, [1.06] * len(to))
    disc = [e.time for e in run.events if e.kind == "discard"]
    row["disc"].set_data(disc, [-0.06] * len(disc))
    # sequence numbers above the sender line, drawn as mathtext *markers* (one Line2D per distinct
    # number and colour) — far cheaper to render than one Text artist per packet
    groups: dict[tuple[int, bool], list[float]] = {}
    for f in run.flights:
        if f.kind == "data":
            groups.setdefault((f.seq, f.retransmission), []).append(f.sent)
    pool = row["seq"]
    for key, ln in pool.items():
        ln.set_visible(key in groups)
    for (seq, again), gx in groups.items():
        ln = pool.get((seq, again))
        if ln is None:
            ln = pool[(seq, again)] = _animated(row["ax"].add_line(Line2D(
                [], [], ls="none", marker=_marker(seq), ms=6 + 2 * (len(str(seq)) - 1),
                color=COLORS["orange"] if again else COLORS["blue"])))
        ln.set_data(gx, [1.16] * len(gx))
    status = f"完成于 {run.finish_time:.3f} s" if run.completed else "未完成"
    verdict = "按序且不重不漏" if run.correct else "交付出错！"
    row["title"].set_text(f"窗口 {run.window}，{status}，重传 {run.retransmissions} 次，{verdict}")
    # in key order, not creation order: overlapping numbers must not depend on what was drawn before
    return [row[k] for k in ("ok", "re", "ack", "lost", "x", "to", "disc", "title")] + [pool[k] for k in sorted(pool)]


def plot_arq_timeline(result: ArqResult, *, ax: Axes | None = None, title: str | None = None,
                      max_time: float | None = None) -> Axes:
    """Packets and ACKs between a sender (top line) and a receiver (bottom line) over time.

    Data packets go down (blue; orange when retransmitted), ACKs go up (green).
    A lost datagram stops half-way with a red ×. Timeouts are red ▼ on the
    sender line; packets the receiver discarded get a grey ○.
    """
    ax = _ax(ax)
    row = _arq_axes(ax, title or _PROTO_NAMES.get(result.protocol, result.protocol))
    for a in _arq_time([row], max_time if max_time is not None else _arq_end(result)) + _arq_data(row, result):
        a.set_animated(False)
    return ax


def _goodput_axes(ax: Axes) -> dict[str, Any]:
    from matplotlib.lines import Line2D

    colors = {"sw": COLORS["grey"], "gbn": COLORS["orange"], "sr": COLORS["blue"]}
    curves = {p: (_animated(ax.plot([], [], "o-", color=c, ms=4, lw=1.2)[0]),
                  _animated(ax.plot([], [], "--", color=c, lw=0.9)[0]),
                  _animated(ax.plot([], [], "*", color=c, ms=12, mec="black", mew=0.5)[0]))
              for p, c in colors.items()}
    ax.set_xlim(-0.02, 0.52)
    ax.set_ylim(0, 1.02)
    ax.set_xticks([0, 0.1, 0.2, 0.3, 0.4, 0.5])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("丢包率 p")
    ax.set_ylabel("链路利用率 U")
    ax.grid(alpha=0.3)
    handles = [Line2D([], [], marker="o", color=c, ms=4, lw=1.2) for c in colors.values()]
    handles.append(Line2D([], [], ls="--", color=COLORS["grey"], lw=0.9))
    ax.legend(handles, [f"{_PROTO_NAMES[p]}（模拟）" for p in colors] + ["教科书公式"], fontsize=7,
              loc="upper right")
    ax.set_title("有效吞吐 vs 丢包", fontsize=10, loc="left")
    return curves


def _goodput_data(curves: dict[str, tuple[Any, Any, Any]], sim: Mapping[str, Sequence[tuple[float, float]]],
                  formula: Mapping[str, Sequence[tuple[float, float]]],
                  current: Mapping[str, tuple[float, float]]) -> list[Any]:
    out = []
    for proto, lines in curves.items():
        for line, pts in zip(lines, (sim.get(proto, ()), formula.get(proto, ()),
                                     [current[proto]] if proto in current else [])):
            line.set_data([x for x, _ in pts], [y for _, y in pts])
            out.append(line)
    return out


def plot_arq_goodput(curves: Mapping[str, Sequence[tuple[float, float]]], *, ax: Axes | None = None,
                     formula: Mapping[str, Sequence[tuple[float, float]]] | None = None,
                     current: Mapping[str, tuple[float, float]] | None = None) -> Axes:
    """Utilisation vs loss probability: simulated (markers), textbook formula (dashed), current run (star)."""
    ax = _ax(ax)
    for a in _goodput_data(_goodput_axes(ax), curves, formula or {}, current or {}):
        a.set_animated(False)
    return ax


def _arq_key(panel: Any) -> tuple[tuple[str, ...], float]:
    return tuple(r.protocol for r in panel.runs), _nice_ceiling(max(_arq_end(r) for r in panel.runs))


def _arq_setup(fig: Figure, protos: tuple[str, ...]) -> dict[str, Any]:
    n = len(protos)
    gs = fig.add_gridspec(n, 2, width_ratios=[2.4, 1], left=0.07, right=0.99, bottom=0.17 if n == 1 else 0.08,
                          top=0.9 if n == 1 else 0.95, wspace=0.2, hspace=0.75)
    return {"rows": [_arq_axes(fig.add_subplot(gs[i, 0]), _PROTO_NAMES[p]) for i, p in enumerate(protos)],
            "curves": _goodput_axes(fig.add_subplot(gs[:, 1]))}


def _arq_panel_data(parts: dict[str, Any], panel: Any) -> list[Any]:
    out: list[Any] = []
    for run, row in zip(panel.runs, parts["rows"]):
        out += _arq_data(row, run)
    current = {r.protocol: (panel.loss, r.utilisation) for r in panel.runs}
    return out + _goodput_data(parts["curves"], panel.curves, panel.formula, current)


#: The ARQ explorer's figure (``tcpkit.widgets.udp.ArqPanel``): one timeline per protocol, goodput vs loss.
#: The static layer is per protocol set; the shared time axis is its cheap ``frame``.
ARQ_LAYERS = Layers(_arq_key, _arq_setup, _arq_panel_data, lambda key: (10.0, 2.2 + 1.6 * len(key[0])),
                    frame=lambda parts, xmax: _arq_time(parts["rows"], xmax))


_MAX_STREAMS = 16  # hol_compare's n_streams limit


def _hol_key(r: HolResult) -> tuple[str, float]:
    # the stream rows (y limits, labels) are data; the time axis is the cheap frame layer
    return "hol", _nice_ceiling(max(r.tcp_done, r.quic_done) * 1.05)


def _hol_time(parts: dict[str, Any], xmax: float) -> list[Any]:
    """Put both panels on the time axis ``[0, xmax]``; returns their (animated) x axes, grid included."""
    parts["axes"][0].set_xlim(0, xmax)  # shared with the lower panel
    return [ax.xaxis for ax in parts["axes"]]


def _hol_setup(fig: Figure, _key: str) -> dict[str, Any]:
    from matplotlib.collections import LineCollection

    axes = fig.subplots(2, 1, sharex=True, gridspec_kw=dict(left=0.12, right=0.98, bottom=0.12, top=0.93,
                                                            hspace=0.32))
    parts: dict[str, Any] = {"axes": axes}
    for k, ax in enumerate(axes):
        ax.set_yticks([])
        for s in range(_MAX_STREAMS):
            parts[f"name{k}_{s}"] = _animated(ax.text(-0.01, s, f"流 {s}", ha="right", va="center", fontsize=10,
                                                      transform=ax.get_yaxis_transform()))
        ax.grid(axis="x", alpha=0.3)
        _animated(ax.xaxis)
        parts[f"seg{k}"] = _animated(ax.add_collection(LineCollection([], linewidths=3, alpha=0.35)))
        parts[f"arr{k}"] = _animated(ax.scatter([], [], marker="|", s=90, linewidths=1.5))
        parts[f"rdy{k}"] = _animated(ax.scatter([], [], marker="o", s=22))
        parts[f"det{k}"] = _animated(ax.axvline(0, color=COLORS["red"], lw=0.8, ls=":"))
        ax.set_title(("TCP：所有流共用一条字节流", "QUIC：每个流各自按序")[k], fontsize=9, loc="left")
        parts[f"title{k}"] = _animated(ax.text(1.0, 1.02, " ", fontsize=9, ha="right", va="bottom",
                                               transform=ax.transAxes))
        parts[f"lost{k}"] = _animated(ax.text(0.995, 0, "丢包的流", color=COLORS["red"], fontsize=8, ha="right",
                                              va="center", transform=ax.get_yaxis_transform()))
    axes[1].set_xlabel("时间 (s)　| 到达接收方　● 应用可读　红虚线：检测到丢包并重传")
    return parts


def _hol_data(p: dict[str, Any], r: HolResult) -> list[Any]:
    cols = [COLORS[_PALETTE[s % len(_PALETTE)]] for s in range(r.n_streams)]
    lost_s = r.lost % r.n_streams if r.lost is not None else -1
    for k, ax in enumerate(p["axes"]):
        ax.set_ylim(r.n_streams - 0.5, -0.5)
        for s in range(_MAX_STREAMS):
            p[f"name{k}_{s}"].set_visible(s < r.n_streams)
    for k, ready in enumerate((r.tcp_ready, r.quic_ready)):
        segs, seg_cols, arr, rdy, pc = [], [], [], [], []
        for s in range(r.n_streams):
            for a, t in zip(r.arrival[s], ready[s]):
                if t > a + 1e-12:
                    segs.append([(a, s), (t, s)])
                    seg_cols.append(cols[s])
                arr.append((a, s))
                rdy.append((t, s))
                pc.append(cols[s])
        p[f"seg{k}"].set_segments(segs)
        p[f"seg{k}"].set_color(seg_cols or ["none"])
        for name, pts in (("arr", arr), ("rdy", rdy)):
            p[f"{name}{k}"].set_offsets(pts)
            p[f"{name}{k}"].set_color(pc)
        p[f"det{k}"].set_visible(r.detect_time is not None)
        if r.detect_time is not None:
            p[f"det{k}"].set_xdata([r.detect_time, r.detect_time])
        blocked = sum(t - a for rs, as_ in zip(ready, r.arrival) for t, a in zip(rs, as_))
        p[f"title{k}"].set_text(f"最后完成 {max(max(x) for x in ready) * 1000:.0f} ms，"
                                f"干等合计 {blocked * 1000:.0f} ms")
        p[f"lost{k}"].set_visible(lost_s >= 0)
        p[f"lost{k}"].set_y(lost_s)
    return [a for name, a in p.items() if name != "axes"]


#: The HOL figure: TCP above, QUIC below; per stream when each chunk arrived (|) and became readable (●).
HOL_LAYERS = Layers(_hol_key, _hol_setup, _hol_data, (8.0, 4.5), frame=_hol_time)


def plot_hol(result: HolResult, *, fig: Figure | None = None) -> Figure:
    """Two panels (TCP above, QUIC below): per stream, when each chunk arrived (|) and became readable (●).

    A line from arrival to readable is time spent blocked in the receive buffer.
    """
    return draw_layers(HOL_LAYERS, result, fig)


def plot_flow_credit(trace: FlowTrace, *, ax: Axes | None = None) -> Axes:
    """Per stream: bytes sent (solid) and the MAX_STREAM_DATA limit (dashed) per round; BLOCKED frames as ×."""
    ax = _ax(ax)
    palette = [COLORS[c] for c in ("blue", "orange", "green", "purple", "sky", "red", "yellow", "grey")]
    rounds = list(range(len(trace.sent)))
    for s in range(trace.n_streams):
        col = palette[s % len(palette)]
        ax.step(rounds, [r[s] / 1000 for r in trace.sent], where="post", color=col, lw=1.6, label=f"流 {s} 已发送")
        ax.step(rounds, [r[s] / 1000 for r in trace.limit], where="post", color=col, lw=1, ls="--",
                label=f"流 {s} 的 MAX_STREAM_DATA")
        bl = [(f[0], f[3] / 1000) for f in trace.frames if f[1] == "STREAM_DATA_BLOCKED" and f[2] == s]
        if bl:
            ax.plot(*zip(*bl), "x", color=col, ms=7, mew=2)
    ax.step(rounds, [c / 1000 for c in trace.conn_limit], where="post", color=COLORS["black"], lw=1, ls=":",
            label="MAX_DATA（连接）")
    ax.step(rounds, [c / 1000 for c in trace.conn_sent], where="post", color=COLORS["black"], lw=1.2, alpha=0.5,
            label="连接总发送量")
    ax.set_xlabel("轮次（每轮一个 RTT）　× = STREAM_DATA_BLOCKED")
    ax.set_ylabel("字节偏移 (KB)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    return ax


def plot_migration(result: MigrationResult, *, ax: Axes | None = None) -> Axes:
    """Server bytes sent on the new path vs 3 × bytes received from it, step by step."""
    ax = _ax(ax)
    steps = [s for s in result.steps]
    idx = list(range(len(steps)))
    ax.step(idx, [s.sent_total / 1000 for s in steps], where="post", color=COLORS["blue"], lw=1.8,
            label="服务器在新路径上已发送")
    v = next(i for i, s in enumerate(steps) if s.validated)
    ax.step(idx[: v + 1], [3 * s.received_total / 1000 for s in steps[: v + 1]], where="post", color=COLORS["red"],
            lw=1, ls="--", label="3 × 已从新地址收到（验证前的反放大上限）")
    ax.axvspan(v - 0.5, len(steps) - 0.5, color=COLORS["green"], alpha=0.08, label="PATH_RESPONSE 到达：地址已验证")
    ticks, labels = [], []
    prev: tuple[float, str] | None = None
    for i, s in enumerate(steps):
        key = (round(s.time, 9), s.sender)
        if key != prev:
            ticks.append(i)
            labels.append(f"{s.time * 1000:.0f} ms\n{'客户端' if s.sender == 'client' else '服务器'}")
            prev = key
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_xlabel("报文（按发送顺序）")
    ax.set_ylabel("KB")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return ax
