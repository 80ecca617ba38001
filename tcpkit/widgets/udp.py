"""Explorers for the UDP chapter: ARQ over a lossy channel, and TCP-vs-QUIC head-of-line blocking.

>>> e = arq_explorer(); e.controls["loss"].value = 0.3; e.error is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..arq import PROTOCOLS, ArqResult, goodput_sweep, simulate_arq, utilisation_formula
from ..quic import HolResult, hol_compare
from ._base import Explorer

__all__ = ["arq_explorer", "hol_explorer", "ArqPanel", "arq_panel", "ArqRenderer", "HolRenderer"]

_SWEEP_LOSSES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
_SWEEP_N = 60
_TX = 0.01  # s, transmission time of one packet in the explorer


@dataclass(frozen=True)
class ArqPanel:
    """What the ARQ explorer draws: one run per protocol plus a coarse goodput-vs-loss sweep."""

    runs: tuple[ArqResult, ...]
    curves: dict[str, tuple[tuple[float, float], ...]]
    formula: dict[str, tuple[tuple[float, float], ...]]
    loss: float


@lru_cache(maxsize=256)
def _sweep(protocol: str, window: int, seq_bits: int, rtt: float, timer: str, timeout: float,
           ack_loss: float, jitter: float) -> tuple[tuple[float, float], ...]:
    return goodput_sweep(protocol, _SWEEP_LOSSES, seeds=(0, 1), n_packets=_SWEEP_N, window=window,
                         seq_bits=seq_bits, rtt=rtt, tx_time=_TX, timer=timer, timeout=timeout,
                         ack_loss=ack_loss, jitter=jitter)


def arq_panel(*, protocol: str = "gbn", n_packets: int = 20, window: int = 4, seq_bits: int = 3,
              rtt: float = 0.1, loss: float = 0.1, ack_loss: float = 0.0, jitter: float = 0.0,
              timer: str = "fixed", timeout: float = 0.25, seed: int = 0) -> ArqPanel:
    """Run ``protocol`` (or ``"all"`` three) on the same channel and sweep goodput vs loss.

    Parameters are those of :func:`tcpkit.arq.simulate_arq` (``tx_time`` fixed
    at 10 ms); ``protocol`` may also be ``"all"``.

    Examples
    --------
    >>> p = arq_panel(protocol="all", window=3, loss=0.2)
    >>> [r.protocol for r in p.runs], sorted(p.curves)
    (['sw', 'gbn', 'sr'], ['gbn', 'sr', 'sw'])
    """
    from .._validate import check_choice

    check_choice("protocol", protocol, [*PROTOCOLS, "all"])
    protos = list(PROTOCOLS) if protocol == "all" else [protocol]
    runs = tuple(simulate_arq(p, n_packets=n_packets, window=window, seq_bits=seq_bits, rtt=rtt, tx_time=_TX,
                              loss=loss, ack_loss=ack_loss, jitter=jitter, timer=timer, timeout=timeout, seed=seed)
                 for p in protos)
    curves, formula = {}, {}
    a = (rtt / 2) / _TX
    for p in PROTOCOLS:
        w = 1 if p == "sw" else window
        try:
            curves[p] = _sweep(p, w, seq_bits, rtt, timer, timeout, ack_loss, jitter)
        except ValueError:
            continue  # e.g. the window is too big for SR while GBN is shown
        formula[p] = tuple((x, utilisation_formula(p, window=w, a=a, p=x)) for x in _SWEEP_LOSSES)
    return ArqPanel(runs, curves, formula, loss)


# --------------------------------------------------------------------------------------------
# fast renderers: static parts (axes, ticks, labels) rendered once per layout, data blitted on top


_NICE = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0,
         60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


def _nice_ceiling(x: float) -> float:
    return next((n for n in _NICE if n >= x), max(x, _NICE[-1]))


class _Frame:
    """One cached layout: a figure, its Agg canvas and the pixels of everything static."""

    def __init__(self, width: float, height: float, dpi: int) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        from ..plot import new_figure

        self.fig = new_figure(width, height, dpi=dpi)
        self.fig.set_layout_engine("none")
        self.canvas = FigureCanvasAgg(self.fig)
        self.background: Any = None
        self.animated: list[Any] = []

    def add(self, artist: Any) -> Any:
        artist.set_animated(True)
        self.animated.append(artist)
        return artist

    def freeze(self) -> None:
        """Render the static parts once and keep the pixels."""
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def png(self) -> bytes:
        """Restore the background, draw the animated artists, encode (zlib level 1)."""
        import io

        import numpy as np
        from PIL import Image

        self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for a in self.animated:
            if a.get_visible():
                a.draw(renderer)
        buf = io.BytesIO()
        rgb = np.ascontiguousarray(np.asarray(self.canvas.buffer_rgba())[..., :3])  # opaque figure: drop alpha
        Image.fromarray(rgb).save(buf, format="png", compress_level=1)
        return buf.getvalue()


class _FastExplorer(Explorer):
    """An :class:`Explorer` whose PNG comes from a cached-background renderer.

    Same controls, same single pure call and the same error handling as the
    base class; only the picture is produced differently (``renderer(result) ->
    PNG bytes``): axes, ticks and labels are rendered once per layout and only
    the data artists are drawn per change. :meth:`to_figure` draws the current
    result with the ordinary plot function into ``self.fig``.
    """

    def __init__(self, controls: Mapping[str, Any], compute: Callable[..., Any], draw: Callable[[Any, Any], None],
                 renderer: Callable[[Any], bytes], **kw: Any) -> None:
        self.renderer = renderer
        super().__init__(controls, compute, draw, render_png=renderer, **kw)


    def to_figure(self) -> Any:
        """Draw the current result into ``self.fig`` with the ordinary plot function and return it."""
        self.fig.clear()
        self.draw(self.result, self.fig)
        return self.fig


_PALETTE = ("blue", "orange", "green", "purple", "sky", "red", "yellow", "grey")


class HolRenderer:
    """Fast PNGs of :func:`tcpkit.plot.udp.plot_hol` for the HOL explorer (same marks, cached axes)."""

    def __init__(self, width: float = 8.0, height: float = 4.5, dpi: int = 72) -> None:
        self.size = (width, height, dpi)
        self.frames: dict[tuple[int, float], tuple[_Frame, dict[str, Any]]] = {}

    def _build(self, n: int, xmax: float) -> tuple[_Frame, dict[str, Any]]:
        from matplotlib.collections import LineCollection

        from ..plot import COLORS

        fr = _Frame(*self.size)
        axes = fr.fig.subplots(2, 1, sharex=True, gridspec_kw=dict(left=0.12, right=0.98, bottom=0.12, top=0.93,
                                                                    hspace=0.32))
        parts: dict[str, Any] = {"axes": axes}
        for k, ax in enumerate(axes):
            ax.set_yticks(range(n), [f"流 {s}" for s in range(n)])
            ax.set_ylim(n - 0.5, -0.5)
            ax.set_xlim(0, xmax)
            ax.grid(axis="x", alpha=0.3)
            parts[f"seg{k}"] = fr.add(ax.add_collection(LineCollection([], linewidths=3, alpha=0.35)))
            parts[f"arr{k}"] = fr.add(ax.scatter([], [], marker="|", s=90, linewidths=1.5))
            parts[f"rdy{k}"] = fr.add(ax.scatter([], [], marker="o", s=22))
            parts[f"det{k}"] = fr.add(ax.axvline(0, color=COLORS["red"], lw=0.8, ls=":"))
            ax.set_title(("TCP：所有流共用一条字节流", "QUIC：每个流各自按序")[k], fontsize=9, loc="left")
            parts[f"title{k}"] = fr.add(ax.text(1.0, 1.02, " ", fontsize=9, ha="right", va="bottom",
                                                transform=ax.transAxes))
            parts[f"lost{k}"] = fr.add(ax.text(0.995, 0, "丢包的流", color=COLORS["red"], fontsize=8, ha="right",
                                               va="center", transform=ax.get_yaxis_transform()))
        axes[1].set_xlabel("时间 (s)　| 到达接收方　● 应用可读　红虚线：检测到丢包并重传")
        fr.freeze()
        return fr, parts

    def __call__(self, r: HolResult) -> bytes:
        from ..plot import COLORS

        end = max(r.tcp_done, r.quic_done) * 1.05
        key = (r.n_streams, _nice_ceiling(end))
        if key not in self.frames:
            if len(self.frames) > 32:
                self.frames.clear()
            self.frames[key] = self._build(*key)
        fr, p = self.frames[key]
        cols = [COLORS[_PALETTE[s % len(_PALETTE)]] for s in range(r.n_streams)]
        lost_s = r.lost % r.n_streams if r.lost is not None else -1
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
            p[f"arr{k}"].set_offsets(arr)
            p[f"arr{k}"].set_color(pc)
            p[f"rdy{k}"].set_offsets(rdy)
            p[f"rdy{k}"].set_color(pc)
            p[f"det{k}"].set_visible(r.detect_time is not None)
            if r.detect_time is not None:
                p[f"det{k}"].set_xdata([r.detect_time, r.detect_time])
            blocked = sum(t - a for rs, as_ in zip(ready, r.arrival) for t, a in zip(rs, as_))
            p[f"title{k}"].set_text(f"最后完成 {max(max(x) for x in ready) * 1000:.0f} ms，"
                                    f"干等合计 {blocked * 1000:.0f} ms")
            p[f"lost{k}"].set_visible(lost_s >= 0)
            p[f"lost{k}"].set_y(lost_s)
        return fr.png()


class ArqRenderer:
    """Fast PNGs of the ARQ explorer: timelines (one per protocol) and the goodput-vs-loss panel."""

    def __init__(self, width: float = 10.0, dpi: int = 72) -> None:
        self.width, self.dpi = width, dpi
        self.frames: dict[tuple[tuple[str, ...], float], tuple[_Frame, dict[str, Any]]] = {}
        self.markers: dict[str, Any] = {}

    def _marker(self, seq: int) -> Any:
        from matplotlib.markers import MarkerStyle

        key = f"${seq}$"
        if key not in self.markers:
            self.markers[key] = MarkerStyle(key)
        return self.markers[key]

    def _build(self, protos: tuple[str, ...], xmax: float) -> tuple[_Frame, dict[str, Any]]:
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D
        from matplotlib.ticker import MaxNLocator

        from ..plot import COLORS

        n = len(protos)
        names = {"sw": "停止等待", "gbn": "Go-Back-N", "sr": "选择重传"}
        fr = _Frame(self.width, 2.2 + 1.6 * n, self.dpi)
        gs = fr.fig.add_gridspec(n, 2, width_ratios=[2.4, 1], left=0.07, right=0.99,
                                 bottom=0.17 if n == 1 else 0.08, top=0.9 if n == 1 else 0.95, wspace=0.2, hspace=0.75)
        parts: dict[str, Any] = {"rows": []}
        for i in range(n):
            ax = fr.fig.add_subplot(gs[i, 0])
            ax.set_xlim(0, xmax)
            ax.set_ylim(-0.2, 1.3)
            ax.set_yticks([0, 1], ["接收方", "发送方"])
            ax.xaxis.set_major_locator(MaxNLocator(6))
            ax.set_xlabel("时间 (s)")
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.axhline(1, color=COLORS["grey"], lw=0.6, zorder=0)
            ax.axhline(0, color=COLORS["grey"], lw=0.6, zorder=0)
            ax.set_title(names[protos[i]], fontsize=10, loc="left")
            row = {
                "ax": ax,
                "ok": fr.add(ax.add_collection(LineCollection([], colors=COLORS["blue"], linewidths=1.2))),
                "re": fr.add(ax.add_collection(LineCollection([], colors=COLORS["orange"], linewidths=1.4))),
                "ack": fr.add(ax.add_collection(LineCollection([], colors=COLORS["green"], linewidths=0.9))),
                "lost": fr.add(ax.add_collection(LineCollection([], colors=COLORS["red"], linewidths=1.0,
                                                                linestyles="dashed"))),
                "x": fr.add(ax.plot([], [], "x", color=COLORS["red"], ms=7, mew=2)[0]),
                "to": fr.add(ax.plot([], [], "v", color=COLORS["red"], ms=6)[0]),
                "disc": fr.add(ax.plot([], [], "o", mfc="none", color=COLORS["grey"], ms=5)[0]),
                "title": fr.add(ax.text(1.0, 1.02, " ", fontsize=9, ha="right", va="bottom", transform=ax.transAxes)),
                "seq": [],
            }
            row["seq"] = {}  # (seq, retransmission) -> a marker line, created on first use
            parts["rows"].append(row)
        gax = fr.fig.add_subplot(gs[:, 1])
        colors = {"sw": COLORS["grey"], "gbn": COLORS["orange"], "sr": COLORS["blue"]}
        parts["curves"] = {}
        for proto in ("sw", "gbn", "sr"):
            c = colors[proto]
            parts["curves"][proto] = (
                fr.add(gax.plot([], [], "o-", color=c, ms=4, lw=1.2, label=f"{names[proto]}（模拟）")[0]),
                fr.add(gax.plot([], [], "--", color=c, lw=0.9)[0]),
                fr.add(gax.plot([], [], "*", color=c, ms=12, mec="black", mew=0.5)[0]),
            )
        gax.set_xlim(-0.02, 0.52)
        gax.set_ylim(0, 1.02)
        gax.set_xticks([0, 0.1, 0.2, 0.3, 0.4, 0.5])
        gax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        gax.set_xlabel("丢包率 p")
        gax.set_ylabel("链路利用率 U")
        gax.grid(alpha=0.3)
        handles = [Line2D([], [], marker="o", color=colors[p], ms=4, lw=1.2) for p in ("sw", "gbn", "sr")]
        handles.append(Line2D([], [], ls="--", color=COLORS["grey"], lw=0.9))
        gax.legend(handles, [f"{names[p]}（模拟）" for p in ("sw", "gbn", "sr")] + ["教科书公式"], fontsize=7,
                   loc="upper right")
        gax.set_title("有效吞吐 vs 丢包", fontsize=10, loc="left")
        fr.freeze()
        return fr, parts

    def __call__(self, panel: ArqPanel) -> bytes:
        from matplotlib.lines import Line2D

        from ..plot import COLORS

        end = max(max(r.finish_time, *(f.sent for f in r.flights)) for r in panel.runs) * 1.02
        key = (tuple(r.protocol for r in panel.runs), _nice_ceiling(end))
        if key not in self.frames:
            if len(self.frames) > 32:
                self.frames.clear()
            self.frames[key] = self._build(*key)
        fr, p = self.frames[key]
        for run, row in zip(panel.runs, p["rows"]):
            ok: list[list[tuple[float, float]]] = []
            re: list[list[tuple[float, float]]] = []
            acks: list[list[tuple[float, float]]] = []
            lost: list[list[tuple[float, float]]] = []
            xs: list[float] = []
            ys: list[float] = []
            for f in run.flights:
                y0, y1 = (1.0, 0.0) if f.kind == "data" else (0.0, 1.0)
                if f.lost:
                    mt, my = (f.sent + f.arrives) / 2, (y0 + y1) / 2
                    lost.append([(f.sent, y0), (mt, my)])
                    xs.append(mt)
                    ys.append(my)
                elif f.kind == "ack":
                    acks.append([(f.sent, y0), (f.arrives, y1)])
                else:
                    (re if f.retransmission else ok).append([(f.sent, y0), (f.arrives, y1)])
            row["ok"].set_segments(ok)
            row["re"].set_segments(re)
            row["ack"].set_segments(acks)
            row["lost"].set_segments(lost)
            row["x"].set_data(xs, ys)
            to = [e.time for e in run.events if e.kind == "timeout"]
            row["to"].set_data(to, [1.06] * len(to))
            disc = [e.time for e in run.events if e.kind == "discard"]
            row["disc"].set_data(disc, [-0.06] * len(disc))
            groups: dict[tuple[int, bool], list[float]] = {}
            for f in run.flights:
                if f.kind == "data":
                    groups.setdefault((f.seq, f.retransmission), []).append(f.sent)
            pool = row["seq"]
            for key, ln in pool.items():
                if key not in groups:
                    ln.set_visible(False)
            for (seq, again), gx in groups.items():
                ln = pool.get((seq, again))
                if ln is None:
                    ln = Line2D([], [], ls="none", marker=self._marker(seq), ms=6 + 2 * (len(str(seq)) - 1),
                                color=COLORS["orange"] if again else COLORS["blue"])
                    row["ax"].add_line(ln)
                    pool[(seq, again)] = fr.add(ln)
                ln.set_data(gx, [1.16] * len(gx))
                ln.set_visible(True)
            status = f"完成于 {run.finish_time:.3f} s" if run.completed else "未完成"
            verdict = "按序且不重不漏" if run.correct else "交付出错！"
            row["title"].set_text(f"窗口 {run.window}，{status}，重传 {run.retransmissions} 次，{verdict}")
        for proto, (sim, form, star) in p["curves"].items():
            pts = panel.curves.get(proto, ())
            sim.set_data([x for x, _ in pts], [y for _, y in pts])
            fp = panel.formula.get(proto, ())
            form.set_data([x for x, _ in fp], [y for _, y in fp])
            cur = [r for r in panel.runs if r.protocol == proto]
            star.set_data([panel.loss] * len(cur), [r.utilisation for r in cur])
        return fr.png()


def _draw_arq(panel: ArqPanel, fig: Any) -> None:
    from ..plot.udp import plot_arq_goodput, plot_arq_timeline

    n = len(panel.runs)
    fig.set_layout_engine("none")  # fixed margins: constrained layout would double the drawing time
    gs = fig.add_gridspec(n, 2, width_ratios=[2.4, 1], left=0.07, right=0.99, bottom=0.17 if n == 1 else 0.08,
                          top=0.9 if n == 1 else 0.95, wspace=0.2, hspace=0.75)
    end = max(max(r.finish_time, *(f.sent for f in r.flights)) for r in panel.runs) * 1.02
    for i, run in enumerate(panel.runs):
        plot_arq_timeline(run, ax=fig.add_subplot(gs[i, 0]), max_time=end)
    current = {r.protocol: (panel.loss, r.utilisation) for r in panel.runs}
    plot_arq_goodput(panel.curves, ax=fig.add_subplot(gs[:, 1]), formula=panel.formula, current=current)


def _summary_arq(panel: ArqPanel) -> str:
    parts = []
    for r in panel.runs:
        ok = "✔ 按序、不重不漏" if r.correct else "✘ 交付给应用的数据出错"
        parts.append(f"<b>{PROTOCOLS[r.protocol]}</b>：发送 {r.transmissions} 个包（重传 {r.retransmissions}，"
                     f"超时 {r.timeouts}，丢弃重复/乱序 {r.discarded}），利用率 {r.utilisation:.1%}，{ok}")
    return "<br>".join(parts)


def arq_explorer(**preset: Any) -> Explorer:
    """Stop-and-wait, Go-Back-N and Selective Repeat on the same lossy channel.

    Controls: protocol (or all three), window, sequence-number bits, loss of
    data and ACKs, RTT, jitter, timer, timeout, seed, packets. Left: a timeline
    of packets and ACKs (lost ones crossed); right: utilisation vs loss
    probability (coarse simulated sweep, textbook formula dashed).

    Parameters
    ----------
    **preset
        Initial control values by name (e.g. ``protocol="all"``, ``loss=0.2``).
    """
    import ipywidgets as W

    v = {"protocol": "gbn", "n_packets": 20, "window": 4, "seq_bits": 3, "rtt": 0.1, "loss": 0.1,
         "ack_loss": 0.0, "jitter": 0.0, "timer": "fixed", "timeout": 0.25, "seed": 0}
    unknown = set(preset) - set(v)
    if unknown:
        raise ValueError(f"preset must use the names {', '.join(v)}, got {', '.join(sorted(unknown))}")
    v.update(preset)
    style = {"description_width": "initial"}
    lay = W.Layout(width="250px")
    controls = {
        "protocol": W.Dropdown(options=[("停止等待", "sw"), ("Go-Back-N", "gbn"), ("选择重传 SR", "sr"),
                                        ("三者对比", "all")], value=v["protocol"], description="协议", style=style,
                               layout=lay),
        "window": W.IntSlider(value=v["window"], min=1, max=32, description="窗口（包）", style=style, layout=lay),
        "seq_bits": W.IntSlider(value=v["seq_bits"], min=1, max=8, description="序号位数 k", style=style, layout=lay),
        "loss": W.FloatSlider(value=v["loss"], min=0.0, max=0.5, step=0.05, description="数据丢包率", style=style,
                              layout=lay),
        "ack_loss": W.FloatSlider(value=v["ack_loss"], min=0.0, max=0.5, step=0.05, description="ACK 丢包率",
                                  style=style, layout=lay),
        "rtt": W.FloatSlider(value=v["rtt"], min=0.02, max=0.5, step=0.01, description="RTT (s)", style=style,
                             layout=lay),
        "jitter": W.FloatSlider(value=v["jitter"], min=0.0, max=0.2, step=0.01, description="抖动 (s)", style=style,
                                layout=lay),
        "timer": W.Dropdown(options=[("固定超时", "fixed"), ("RFC 6298 估计", "rfc6298")], value=v["timer"],
                            description="定时器", style=style, layout=lay),
        "timeout": W.FloatSlider(value=v["timeout"], min=0.05, max=1.0, step=0.05, description="超时/初始 RTO (s)",
                                 style=style, layout=lay),
        "seed": W.IntSlider(value=v["seed"], min=0, max=50, description="随机种子", style=style, layout=lay),
        "n_packets": W.IntSlider(value=v["n_packets"], min=5, max=40, description="包数", style=style, layout=lay),
    }
    n_rows = 3 if v["protocol"] == "all" else 1
    return _FastExplorer(controls, lambda **kw: arq_panel(**kw), _draw_arq, ArqRenderer(10.0, 72),
                         figsize=(10.0, 2.2 + 1.6 * n_rows), dpi=72, summary=_summary_arq)


def _draw_hol(result: HolResult, fig: Any) -> None:
    from ..plot.udp import plot_hol

    fig.set_layout_engine("none")  # fixed margins: constrained layout would double the drawing time
    axes = fig.subplots(2, 1, sharex=True, gridspec_kw=dict(left=0.14, right=0.98, bottom=0.12, top=0.93,
                                                            hspace=0.3))
    plot_hol(result, axes=axes)


_RULES = {"packet threshold": "包序阈值（后面第 3 个包已被确认）", "time threshold": "时间阈值（9/8 RTT）",
          "PTO": "探测超时（PTO）"}


def _summary_hol(r: HolResult) -> str:
    if r.lost is None or r.detect_time is None:
        return "没有丢包：TCP 与 QUIC 的交付时间完全相同。"
    s = r.lost % r.n_streams
    tcp, quic = r.stream_done("tcp"), r.stream_done("quic")
    faster = sum(1 for a, b in zip(tcp, quic) if b < a - 1e-12)
    rule = _RULES.get(r.detect_rule, r.detect_rule)
    return (f"第 {r.lost} 个包（流 {s}）丢失，按{rule}在 {r.detect_time * 1000:.0f} ms 判定丢失并重传"
            f"（QUIC 用新包号 {r.n_streams * r.packets_per_stream}）。TCP 上所有流干等合计 "
            f"{r.blocked_time('tcp') * 1000:.0f} ms，QUIC 上只有流 {s} 等待，合计 {r.blocked_time('quic') * 1000:.0f} ms；"
            f"{faster} 个流在 QUIC 上更早读完。")


def hol_explorer(**preset: Any) -> Explorer:
    """TCP vs QUIC: when can each stream's data be read after one packet is lost?

    Controls: number of streams, packets per stream, which packet is lost
    (−1 = none), RTT and per-packet transmission time.

    Parameters
    ----------
    **preset
        Initial control values by name (e.g. ``n_streams=4``, ``lost=2``).
    """
    import ipywidgets as W

    v = {"n_streams": 3, "packets_per_stream": 4, "lost": 1, "rtt": 0.1, "tx_time": 0.005}
    unknown = set(preset) - set(v)
    if unknown:
        raise ValueError(f"preset must use the names {', '.join(v)}, got {', '.join(sorted(unknown))}")
    v.update(preset)
    style = {"description_width": "initial"}
    lay = W.Layout(width="260px")
    controls = {
        "n_streams": W.IntSlider(value=v["n_streams"], min=1, max=8, description="流的个数", style=style, layout=lay),
        "packets_per_stream": W.IntSlider(value=v["packets_per_stream"], min=1, max=12, description="每流包数",
                                          style=style, layout=lay),
        "lost": W.IntSlider(value=v["lost"], min=-1, max=95, description="丢第几个包（-1 不丢）", style=style,
                            layout=lay),
        "rtt": W.FloatSlider(value=v["rtt"], min=0.01, max=0.5, step=0.01, description="RTT (s)", style=style,
                             layout=lay),
        "tx_time": W.FloatSlider(value=v["tx_time"], min=0.001, max=0.05, step=0.001, readout_format=".3f",
                                 description="每包发送时间 (s)", style=style, layout=lay),
    }

    def compute(n_streams: int, packets_per_stream: int, lost: int, rtt: float, tx_time: float) -> HolResult:
        return hol_compare(n_streams=n_streams, packets_per_stream=packets_per_stream,
                           lost=None if lost == -1 else lost, rtt=rtt, tx_time=tx_time)

    return _FastExplorer(controls, compute, _draw_hol, HolRenderer(8.0, 4.5, 72), figsize=(8.0, 4.5), dpi=72,
                         summary=_summary_hol)
