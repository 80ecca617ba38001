"""Figures for the UDP / reliable-UDP / QUIC chapter: ARQ timelines, goodput, HOL blocking, credit, migration.

>>> from tcpkit.arq import simulate_arq
>>> fig = new_figure(8, 3); ax = plot_arq_timeline(simulate_arq("sr", n_packets=6), ax=fig.add_subplot())

Every function takes a model result and an ``ax`` (or a ``fig``) and only draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from . import COLORS, new_figure, use_cjk_font

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
    "new_figure",
]

_PROTO_NAMES = {"sw": "停止等待", "gbn": "Go-Back-N", "sr": "选择重传"}


def _ax(ax: Axes | None) -> Axes:
    use_cjk_font()
    if ax is None:
        ax = new_figure().add_subplot()
    return ax


def plot_arq_timeline(result: ArqResult, *, ax: Axes | None = None, title: str | None = None,
                      max_time: float | None = None) -> Axes:
    """Packets and ACKs between a sender (top line) and a receiver (bottom line) over time.

    Data packets go down (blue; orange when retransmitted), ACKs go up (green).
    A lost datagram stops half-way with a red ×. Timeouts are red ▼ on the
    sender line; packets the receiver discarded get a grey ○.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import MaxNLocator

    ax = _ax(ax)
    data_ok, data_re, acks, lost = [], [], [], []
    xs_lost, ys_lost = [], []
    for f in result.flights:
        if f.kind == "data":
            y0, y1 = 1.0, 0.0
        else:
            y0, y1 = 0.0, 1.0
        if f.lost:
            mid_t, mid_y = (f.sent + f.arrives) / 2, (y0 + y1) / 2
            lost.append([(f.sent, y0), (mid_t, mid_y)])
            xs_lost.append(mid_t)
            ys_lost.append(mid_y)
        elif f.kind == "ack":
            acks.append([(f.sent, y0), (f.arrives, y1)])
        elif f.retransmission:
            data_re.append([(f.sent, y0), (f.arrives, y1)])
        else:
            data_ok.append([(f.sent, y0), (f.arrives, y1)])
    ax.add_collection(LineCollection(data_ok, colors=COLORS["blue"], linewidths=1.2, label="数据包"))
    ax.add_collection(LineCollection(data_re, colors=COLORS["orange"], linewidths=1.4, label="重传的数据包"))
    ax.add_collection(LineCollection(acks, colors=COLORS["green"], linewidths=0.9, label="ACK"))
    ax.add_collection(LineCollection(lost, colors=COLORS["red"], linewidths=1.0, linestyles="dashed"))
    ax.plot(xs_lost, ys_lost, "x", color=COLORS["red"], ms=7, mew=2, label="丢失")
    to = [e.time for e in result.events if e.kind == "timeout"]
    ax.plot(to, [1.06] * len(to), "v", color=COLORS["red"], ms=6, label="超时")
    disc = [e.time for e in result.events if e.kind == "discard"]
    ax.plot(disc, [-0.06] * len(disc), "o", mfc="none", color=COLORS["grey"], ms=5, label="接收方丢弃")
    # sequence numbers above the sender line, drawn as mathtext *markers* (one Line2D per distinct
    # number and colour) — far cheaper to render than one Text artist per packet
    groups: dict[tuple[int, bool], list[float]] = {}
    for f in result.flights:
        if f.kind == "data":
            groups.setdefault((f.seq, f.retransmission), []).append(f.sent)
    for (seq, again), xs in groups.items():
        ax.plot(xs, [1.16] * len(xs), ls="none", marker=f"${seq}$", ms=6 + 2 * (len(str(seq)) - 1),
                color=COLORS["orange"] if again else COLORS["blue"])
    end = max_time if max_time is not None else max([result.finish_time] + [f.sent for f in result.flights]) * 1.02
    ax.set_xlim(0, max(end, 1e-9))
    ax.set_ylim(-0.2, 1.3)
    ax.set_yticks([0, 1], ["接收方", "发送方"])
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.set_xlabel("时间 (s)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.axhline(1, color=COLORS["grey"], lw=0.6, zorder=0)
    ax.axhline(0, color=COLORS["grey"], lw=0.6, zorder=0)
    name = _PROTO_NAMES.get(result.protocol, result.protocol)
    status = f"完成于 {result.finish_time:.3f} s" if result.completed else "未完成"
    ok = "按序且不重不漏" if result.correct else "交付出错！"
    ax.set_title(title or f"{name}：窗口 {result.window}，{status}，重传 {result.retransmissions} 次，{ok}",
                 fontsize=10, loc="left")
    return ax


def plot_arq_goodput(curves: Mapping[str, Sequence[tuple[float, float]]], *, ax: Axes | None = None,
                     formula: Mapping[str, Sequence[tuple[float, float]]] | None = None,
                     current: Mapping[str, tuple[float, float]] | None = None) -> Axes:
    """Utilisation vs loss probability: simulated (markers), textbook formula (dashed), current run (star)."""
    ax = _ax(ax)
    colors = {"sw": COLORS["grey"], "gbn": COLORS["orange"], "sr": COLORS["blue"]}
    for proto, pts in curves.items():
        xs, ys = zip(*pts) if pts else ((), ())
        ax.plot(xs, ys, "o-", color=colors.get(proto, COLORS["black"]), ms=4, lw=1.2,
                label=f"{_PROTO_NAMES.get(proto, proto)}（模拟）")
    for proto, pts in (formula or {}).items():
        xs, ys = zip(*pts) if pts else ((), ())
        ax.plot(xs, ys, "--", color=colors.get(proto, COLORS["black"]), lw=0.9)
    for proto, (x, y) in (current or {}).items():
        ax.plot([x], [y], "*", color=colors.get(proto, COLORS["black"]), ms=12, mec="black", mew=0.5)
    ax.set_xticks([0, 0.1, 0.2, 0.3, 0.4, 0.5])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("丢包率 p")
    ax.set_ylabel("链路利用率 U")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("有效吞吐 vs 丢包（虚线：教科书公式）", fontsize=10, loc="left")
    return ax


def plot_hol(result: HolResult, *, fig: Figure | None = None, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Two panels (TCP above, QUIC below): per stream, when each chunk arrived (|) and became readable (●).

    A line from arrival to readable is time spent blocked in the receive buffer.
    """
    from matplotlib.collections import LineCollection

    use_cjk_font()
    if axes is None:
        fig = fig if fig is not None else new_figure(8, 4.5)
        axes = fig.subplots(2, 1, sharex=True)
    palette = [COLORS[c] for c in ("blue", "orange", "green", "purple", "sky", "red", "yellow", "grey")]
    lost_s = result.lost % result.n_streams if result.lost is not None else -1
    end = max(result.tcp_done, result.quic_done)
    for ax, name, ready in ((axes[0], "TCP：所有流共用一条字节流", result.tcp_ready),
                            (axes[1], "QUIC：每个流各自按序", result.quic_ready)):
        segs, seg_cols, xs_a, ys_a, xs_r, ys_r, cols = [], [], [], [], [], [], []
        for s in range(result.n_streams):
            col = palette[s % len(palette)]
            for a, r in zip(result.arrival[s], ready[s]):
                if r > a + 1e-12:
                    segs.append([(a, s), (r, s)])
                    seg_cols.append(col)
            xs_a += list(result.arrival[s])
            ys_a += [s] * len(ready[s])
            xs_r += list(ready[s])
            ys_r += [s] * len(ready[s])
            cols += [col] * len(ready[s])
        ax.add_collection(LineCollection(segs, colors=seg_cols, linewidths=3, alpha=0.35))
        ax.scatter(xs_a, ys_a, marker="|", c=cols, s=90, linewidths=1.5)
        ax.scatter(xs_r, ys_r, marker="o", c=cols, s=22)
        if result.detect_time is not None:
            ax.axvline(result.detect_time, color=COLORS["red"], lw=0.8, ls=":")
        ax.set_yticks(range(result.n_streams), [f"流 {s}" + ("（丢包）" if s == lost_s else "")
                                                for s in range(result.n_streams)])
        ax.set_ylim(result.n_streams - 0.5, -0.5)
        ax.set_title(f"{name}：最后一个流完成 {max(max(r) for r in ready) * 1000:.0f} ms，"
                     f"缓冲里干等合计 {sum(r - a for rs, as_ in zip(ready, result.arrival) for r, a in zip(rs, as_)) * 1000:.0f} ms",
                     fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[1].set_xlabel("时间 (s)　| 到达接收方　● 应用可读　红虚线：检测到丢包并重传")
    axes[1].set_xlim(0, end * 1.05)
    return list(axes)


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
