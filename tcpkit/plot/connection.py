"""Figures for the connection chapter: the sequence (ladder) diagram and the FSM diagram.

>>> from tcpkit.connection import run_scenario
>>> from tcpkit.plot import new_figure
>>> ax = plot_sequence(run_scenario("handshake"), fig=new_figure(7, 4))

Plot functions only draw: data comes from :func:`tcpkit.connection.run_scenario`
and :func:`tcpkit.fsm.graph`. :class:`FsmDiagram` draws the state diagram once
(fixed coordinates from :data:`tcpkit.fsm.LAYOUT`) and then only recolours
its artists, which keeps a widget step well under 40 ms.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from ..connection import Trace
from ..fsm import LAYOUT, State, graph, is_figure5_edge
from . import COLORS, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_sequence", "time_axis", "FsmDiagram", "ENDPOINT_COLORS"]

ENDPOINT_COLORS = {"client": COLORS["blue"], "server": COLORS["orange"]}
_TIMER_SHOWN = {"SYN 重传", "SYN-ACK 重传", "FIN 重传", "TIME_WAIT", "FIN_WAIT_2", "delayed ACK"}
_TIMER_TEXT = {"SYN 重传": "RTO", "SYN-ACK 重传": "RTO", "FIN 重传": "RTO", "TIME_WAIT": "TIME_WAIT",
               "FIN_WAIT_2": "FIN_WAIT_2 超时", "delayed ACK": "延迟 ACK"}


def time_axis(times: list[float], unit: float) -> tuple[list[float], list[float]]:
    """A compressed, monotone time → y mapping for a ladder diagram.

    Gaps up to ``3 * unit`` are drawn to scale (1 y-unit per ``unit`` seconds);
    longer gaps are squeezed to 3.5 y-units so a 60 s TIME_WAIT does not hide a
    0.1 s handshake. Returns the sorted distinct times and their y values.

    >>> time_axis([0, 0.1, 60.1], 0.1)
    ([0.0, 0.1, 60.1], [0.0, 1.0, 4.5])
    """
    ts = sorted({round(float(t), 9) for t in times})
    ys = [0.0]
    for a, b in zip(ts, ts[1:]):
        gap = (b - a) / unit
        ys.append(round(ys[-1] + (gap if gap <= 3 else 3.5), 9))
    return ts, ys


def _y_of(ts: list[float], ys: list[float], t: float) -> float:
    t = round(t, 9)
    i = bisect.bisect_left(ts, t)
    if i < len(ts) and ts[i] == t:
        return ys[i]
    if i == 0:
        return ys[0]
    if i >= len(ts):
        return ys[-1]
    t0, t1, y0, y1 = ts[i - 1], ts[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (t - t0) / (t1 - t0)


def plot_sequence(trace: Trace, *, fig: Figure | None = None, ax: Axes | None = None) -> Axes:
    """Draw a client/server ladder diagram of ``trace``.

    Parameters
    ----------
    trace : Trace
        From :func:`tcpkit.connection.run_scenario`.
    fig, ax : optional
        Draw into ``ax``, or into a new axes of ``fig`` (a new figure if neither).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Time runs downwards on a compressed axis (:func:`time_axis`); the left
    margin labels each event time in seconds. Lost segments end half-way with
    a red ×. Coloured bars beside each timeline are timers (RTO, delayed ACK,
    TIME_WAIT, FIN_WAIT_2); state names are written where a state is entered.
    """
    use_cjk_font()
    if ax is None:
        if fig is None:
            from . import new_figure

            fig = new_figure(8, 6)
        ax = fig.add_subplot()
    rtt = float(trace.param("rtt"))
    d = rtt / 2
    times: list[float] = [0.0]
    for s in trace.segments:
        times.append(s.t_send)
        times.append(s.t_arrive if s.t_arrive is not None else s.t_send + d / 2)
    changes = [st for st in trace.steps if st.new is not st.old]
    times += [st.t for st in changes]
    timers = [tm for tm in trace.timers if tm.kind in _TIMER_SHOWN and (tm.fired or tm.kind in ("TIME_WAIT", "FIN_WAIT_2"))]
    times += [tm.t_end for tm in timers] + [tm.t_start for tm in timers]
    ts, ys = time_axis(times, unit=max(rtt, 1e-3))
    ymax = ys[-1] if ys else 1.0
    xs = {"client": 0.0, "server": 1.0}
    for name, x in xs.items():
        ax.plot([x, x], [-0.4, ymax + 0.6], color=ENDPOINT_COLORS[name], lw=2.2, zorder=1)
        ax.text(x, -0.6, "客户端" if name == "client" else "服务端", ha="center", va="bottom", fontsize=11,
                color=ENDPOINT_COLORS[name])
    # squeezed gaps: a small zigzag on both timelines
    for a, b, ya, yb in zip(ts, ts[1:], ys, ys[1:]):
        if (b - a) / max(rtt, 1e-3) > 3:
            ym = (ya + yb) / 2
            for x in xs.values():
                ax.plot([x - 0.025, x + 0.025], [ym - 0.12, ym + 0.12], color="white", lw=5, zorder=2)
                ax.plot([x - 0.025, x + 0.025], [ym - 0.22, ym + 0.02], color=COLORS["grey"], lw=1, zorder=3)
                ax.plot([x - 0.025, x + 0.025], [ym - 0.02, ym + 0.22], color=COLORS["grey"], lw=1, zorder=3)
            ax.text(0.5, ym, f"… {b - a:.4g} s …", ha="center", va="center", fontsize=7, color=COLORS["grey"])
    used_t: set[float] = set()
    arrows: dict[str, list[tuple[float, float, float, float]]] = {}
    lost_lines: list[list[tuple[float, float]]] = []
    lost_x: list[tuple[float, float]] = []
    labels = []
    placed: list[tuple[float, float]] = []

    def place(xa: float, ya: float, xb: float, yb: float) -> tuple[float, float]:
        # the first point along the arrow that keeps clear of labels already placed
        for f in (0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6):
            x, y = xa + (xb - xa) * f, ya + (yb - ya) * f
            if all(abs(x - px) > 0.42 or abs(y - py) > 0.32 for px, py in placed):
                break
        else:
            x, y = xa + (xb - xa) * 0.5, ya + (yb - ya) * 0.5
        placed.append((x, y))
        return x, y

    for s in trace.segments:
        x0, x1 = xs[s.sender], xs[s.receiver]
        y0 = _y_of(ts, ys, s.t_send)
        used_t.add(round(s.t_send, 9))
        color = COLORS["red"] if "RST" in s.flags else (COLORS["grey"] if s.retransmission else COLORS["black"])
        if s.lost:
            xe = x0 + (x1 - x0) * 0.5
            ye = _y_of(ts, ys, s.t_send + d / 2)
            lost_lines.append([(x0, y0), (xe, ye)])
            lost_x.append((xe, ye))
            geom = (xe, ye + 0.3, xe, ye + 0.3)   # the label sits just below the red ×
        else:
            assert s.t_arrive is not None
            ye = _y_of(ts, ys, s.t_arrive)
            used_t.add(round(s.t_arrive, 9))
            arrows.setdefault(color, []).append((x0, y0, x1 - x0, ye - y0))
            geom = (x0, y0, x1, ye)
        prefix = "旧 " if s.note.startswith("旧") else ""
        labels.append((geom, prefix + s.label() + ("（丢失）" if s.lost else ""), color))
    # short arrows choose first (they have little room); long ones move along their length
    placed_labels = [(place(*g), text, color) for g, text, color in sorted(labels, key=lambda L: abs(L[0][3] - L[0][1]))]
    from matplotlib.collections import LineCollection

    for color, arr in arrows.items():
        X, Y, U, V = zip(*arr)
        ax.quiver(X, Y, U, V, angles="xy", scale_units="xy", scale=1, color=color, width=0.0028,
                  headwidth=5, headlength=7, headaxislength=6, zorder=4)
    if lost_lines:
        ax.add_collection(LineCollection(lost_lines, colors=COLORS["grey"], linestyles="--", linewidths=1.2, zorder=4))
        lx, ly = zip(*lost_x)
        ax.plot(lx, ly, ls="none", marker="x", color=COLORS["red"], ms=10, mew=2.5, zorder=5)
    for (xm, ym), text, color in placed_labels:
        ax.text(xm, ym, text, ha="center", va="center", fontsize=8.5, color=color, zorder=6,
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85))
    for st in changes:
        x = xs[st.endpoint]
        y = _y_of(ts, ys, st.t)
        used_t.add(round(st.t, 9))
        if st.endpoint == "client":
            ax.text(x - 0.06, y, st.new.name, ha="right", va="center", fontsize=9, color=ENDPOINT_COLORS["client"])
        else:
            ax.text(x + 0.06, y, st.new.name, ha="left", va="center", fontsize=9, color=ENDPOINT_COLORS["server"])
    for tm in timers:
        x = xs[tm.endpoint] + (0.025 if tm.endpoint == "client" else -0.025)
        y0, y1 = _y_of(ts, ys, tm.t_start), _y_of(ts, ys, tm.t_end)
        col = COLORS["purple"] if tm.kind in ("TIME_WAIT", "FIN_WAIT_2") else COLORS["green"]
        ax.plot([x, x], [y0, y1], color=col, lw=3, alpha=0.6, solid_capstyle="butt", zorder=2)
        if tm.fired:
            ha = "left" if tm.endpoint == "client" else "right"
            dx = 0.012 if tm.endpoint == "client" else -0.012
            ax.text(x + dx, y1, _TIMER_TEXT[tm.kind], ha=ha, va="bottom",
                    fontsize=7.5, color=col)
    # time labels in the left margin
    last_y = None
    for t in sorted(used_t):
        y = _y_of(ts, ys, t)
        if last_y is not None and y - last_y < 0.35:
            continue
        ax.text(-0.5, y, f"{t:.4g} s", ha="right", va="center", fontsize=8, color=COLORS["grey"])
        last_y = y
    ax.set_xlim(-0.62, 1.45)
    ax.set_ylim(ymax + 0.8, -1.5)
    ax.axis("off")
    return ax


class FsmDiagram:
    """The TCP state diagram drawn once; :meth:`show` recolours it for one step of a trace.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to draw into (one axes is added).

    Notes
    -----
    Nodes sit at :data:`tcpkit.fsm.LAYOUT` (shaped like RFC 9293 Figure 5). One
    arrow is drawn per (state, new state) pair of :func:`tcpkit.fsm.graph`
    (self-loops are listed in the chapter's table instead); arrows of Figure 5
    are dark, the other rows (RST, ABORT, timeouts) light.
    """

    def __init__(self, fig: Figure) -> None:
        use_cjk_font()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.patches import FancyArrowPatch

        self.fig = fig
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        ax = self.ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(-3.8, 3.8)
        ax.set_ylim(-1.7, 8.4)
        ax.axis("off")
        g = graph()
        self.nodes: dict[State, Any] = {}
        fontsize = 8.5
        for s in State:
            x, y = LAYOUT[s]
            self.nodes[s] = ax.text(x, y, s.name, ha="center", va="center", fontsize=fontsize, zorder=4,
                                    bbox=dict(boxstyle="round,pad=0.35", fc="#f4f4f4", ec="#999999", lw=1.0))
        # Box half-sizes in data units, measured once (arrows then need no patch clipping per draw).
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        axbox = ax.get_window_extent(renderer)
        px_x = axbox.width / 7.6
        px_y = axbox.height / 10.1
        pad_px = 0.35 * fontsize * fig.dpi / 72
        half: dict[State, tuple[float, float]] = {}
        for s, t in self.nodes.items():
            ext = t.get_window_extent(renderer)
            half[s] = ((ext.width / 2 + pad_px + 2) / px_x, (ext.height / 2 + pad_px + 2) / px_y)

        def boundary(s: State, toward: State) -> tuple[float, float]:
            (x0, y0), (x1, y1) = LAYOUT[s], LAYOUT[toward]
            dx, dy = x1 - x0, y1 - y0
            hw, hh = half[s]
            k = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
            return (x0 + k * dx, y0 + k * dy)

        pairs: dict[tuple[State, State], list[Any]] = {}
        for u, v, data in g.edges(data=True):
            if u is not v:
                pairs.setdefault((u, v), []).append(data)
        self.edges: dict[tuple[State, State], Any] = {}
        self.edge_base: dict[tuple[State, State], tuple[str, float]] = {}
        for (u, v), datas in sorted(pairs.items(), key=lambda kv: (kv[0][0].name, kv[0][1].name)):
            main = any(is_figure5_edge(d["ref"]) for d in datas)
            rad = 0.25 if (v, u) in pairs else 0.08
            color, lw = ("#555555", 1.2) if main else ("#cccccc", 0.8)
            arr = FancyArrowPatch(boundary(u, v), boundary(v, u), arrowstyle="-|>", mutation_scale=10,
                                  connectionstyle=f"arc3,rad={rad}", color=color, lw=lw, zorder=2,
                                  shrinkA=0, shrinkB=0)
            ax.add_patch(arr)
            self.edges[(u, v)] = arr
            self.edge_base[(u, v)] = (color, lw)
        self.title = ax.text(0.0, 8.0, "", ha="center", va="center", fontsize=10)
        self.caption = ax.text(0.0, -1.35, "", ha="center", va="center", fontsize=8.5, color="#333333")
        ax.text(-3.6, 7.6, "● 客户端", color=COLORS["blue"], fontsize=9, ha="left")
        ax.text(-3.6, 7.25, "● 服务端", color=COLORS["orange"], fontsize=9, ha="left")

    def show(self, trace: Trace, step: int) -> None:
        """Recolour for ``trace`` after its first ``step`` state changes (0 = both CLOSED)."""
        changes = [st for st in trace.steps if st.new is not st.old]
        step = max(0, min(step, len(changes)))
        for (u, v), arr in self.edges.items():
            col, lw = self.edge_base[(u, v)]
            arr.set_color(col)
            arr.set_linewidth(lw)
        for t in self.nodes.values():
            p = t.get_bbox_patch()
            p.set_facecolor("#f4f4f4")
            p.set_edgecolor("#999999")
            p.set_linewidth(1.0)
            t.set_color("black")
        current = {"client": State.CLOSED, "server": State.CLOSED}
        for i, st in enumerate(changes[:step]):
            current[st.endpoint] = st.new
            arr = self.edges.get((st.old, st.new))
            if arr is not None:
                arr.set_color(ENDPOINT_COLORS[st.endpoint])
                arr.set_linewidth(3.0 if i == step - 1 else 1.8)
        c, sv = current["client"], current["server"]
        pc, ps = self.nodes[c].get_bbox_patch(), self.nodes[sv].get_bbox_patch()
        pc.set_facecolor(ENDPOINT_COLORS["client"])
        self.nodes[c].set_color("white")
        if sv is c:
            pc.set_edgecolor(ENDPOINT_COLORS["server"])
            pc.set_linewidth(4.0)
        else:
            ps.set_facecolor(ENDPOINT_COLORS["server"])
            self.nodes[sv].set_color("white")
        self.title.set_text(f"{trace.scenario}：第 {step}/{len(changes)} 步")
        if step == 0:
            self.caption.set_text("开始：双方都在 CLOSED")
        else:
            st = changes[step - 1]
            who = "客户端" if st.endpoint == "client" else "服务端"
            send = f"，发送 {st.send}" if st.send else ""
            self.caption.set_text(f"t = {st.t:.4g} s　{who}：{st.old.name} --{st.event.name}{send}--> {st.new.name}")
