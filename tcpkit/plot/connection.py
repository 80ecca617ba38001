"""Figures for the connection chapter: the sequence (ladder) diagram and the FSM diagram.

>>> from tcpkit.connection import run_scenario
>>> from tcpkit.plot import new_figure
>>> ax = plot_sequence(run_scenario("handshake"), fig=new_figure(7, 4))

Plot functions only draw: data comes from :func:`tcpkit.connection.run_scenario`
and :func:`tcpkit.fsm.graph`. The ladder diagram is computed once as plain data
(:func:`sequence_layout`) and drawn either with ordinary matplotlib artists
(:func:`plot_sequence`) or, in the widget, by :data:`SEQUENCE_LAYERS` (one
reused figure, labels rasterised once per distinct string, a fast PNG encoder).
:class:`FsmDiagram` draws the state diagram once (fixed coordinates from
:data:`tcpkit.fsm.LAYOUT`) and then either recolours its artists
(:meth:`FsmDiagram.show`) or, in the widget, restores the unhighlighted diagram
from a raster and draws only one step's marks on top (:data:`FSM_LAYERS`,
same text sprites and PNG encoder as the ladder). Both keep a widget step well
under 40 ms.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..connection import Trace
from ..fsm import LAYOUT, State, graph, is_figure5_edge
from . import COLORS, Layers, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_sequence",
    "sequence_layout",
    "SequenceLayout",
    "SeqLine",
    "SeqArrow",
    "SeqText",
    "SEQUENCE_LAYERS",
    "FSM_LAYERS",
    "clear_text_cache",
    "time_axis",
    "FsmDiagram",
    "FsmHighlight",
    "ENDPOINT_COLORS",
]

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


@dataclass(frozen=True, slots=True)
class SeqLine:
    """One straight line of a ladder diagram (timeline, zigzag, timer bar, lost segment), data coordinates."""

    x0: float
    y0: float
    x1: float
    y1: float
    color: str
    lw: float
    zorder: float
    alpha: float = 1.0
    capstyle: str = "projecting"
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class SeqArrow:
    """A delivered segment: an arrow from ``(x0, y0)`` to ``(x1, y1)``."""

    x0: float
    y0: float
    x1: float
    y1: float
    color: str


@dataclass(frozen=True, slots=True)
class SeqText:
    """One label: ``text`` anchored at ``(x, y)`` with matplotlib's ``ha``/``va`` alignment."""

    x: float
    y: float
    text: str
    size: float
    color: str
    ha: str = "center"
    va: str = "center"
    boxed: bool = False
    zorder: float = 3.0


@dataclass(frozen=True, slots=True)
class SequenceLayout:
    """Everything a ladder diagram draws, as plain data (see :func:`sequence_layout`).

    ``lines`` are in drawing order within a zorder; ``crosses`` are the red ×
    marks of lost segments; ``texts`` are the labels (segment labels have
    ``boxed=True`` and zorder 6, all others zorder 3).
    """

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    lines: tuple[SeqLine, ...]
    arrows: tuple[SeqArrow, ...]
    crosses: tuple[tuple[float, float], ...]
    texts: tuple[SeqText, ...]


def sequence_layout(trace: Trace) -> SequenceLayout:
    """Where every line, arrow, × and label of the ladder diagram of ``trace`` goes.

    Both :func:`plot_sequence` (plain matplotlib artists) and
    :data:`SEQUENCE_LAYERS` (the widget's fast path) draw exactly this, so
    the two pictures have the same content.

    Parameters
    ----------
    trace : Trace
        From :func:`tcpkit.connection.run_scenario`.

    Returns
    -------
    SequenceLayout

    Notes
    -----
    Time runs downwards on a compressed axis (:func:`time_axis`); the left
    margin labels each event time in seconds. A lost segment ends half-way
    with a red × and its label sits just below it. Coloured bars beside each
    timeline are timers (RTO, delayed ACK, TIME_WAIT, FIN_WAIT_2); state names
    are written where a state is entered. Segment labels are placed greedily:
    short arrows first, each at the first point along its arrow that keeps
    clear of the labels already placed.

    Examples
    --------
    >>> from tcpkit.connection import run_scenario
    >>> lay = sequence_layout(run_scenario("handshake"))
    >>> sorted(t.text for t in lay.texts if t.boxed)
    ['ACK seq=101 ack=301', 'SYN seq=100', 'SYN+ACK seq=300 ack=101']
    >>> [(a.x0, a.x1) for a in lay.arrows]
    [(0.0, 1.0), (1.0, 0.0), (0.0, 1.0)]
    """
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
    deadline = _connect_deadline(trace)
    if deadline is not None:
        times.append(deadline)
    ts, ys = time_axis(times, unit=max(rtt, 1e-3))
    ymax = ys[-1] if ys else 1.0
    lines: list[SeqLine] = []
    texts: list[SeqText] = []
    for name, x in _X.items():
        lines.append(SeqLine(x, -0.4, x, ymax + 0.6, ENDPOINT_COLORS[name], 2.2, 1))
        texts.append(SeqText(x, -0.6, "客户端" if name == "client" else "服务端", 11, ENDPOINT_COLORS[name],
                             "center", "bottom"))
    _gap_marks(ts, ys, rtt, lines, texts)
    used_t: set[float] = set()
    arrows, crosses, lost_lines = _segment_marks(trace, ts, ys, d, texts, used_t)
    for st in changes:
        x = _X[st.endpoint]
        y = _y_of(ts, ys, st.t)
        used_t.add(round(st.t, 9))
        if st.endpoint == "client":
            texts.append(SeqText(x - 0.06, y, st.new.name, 9, ENDPOINT_COLORS["client"], "right"))
        else:
            texts.append(SeqText(x + 0.06, y, st.new.name, 9, ENDPOINT_COLORS["server"], "left"))
    for tm in timers:
        x = _X[tm.endpoint] + (0.025 if tm.endpoint == "client" else -0.025)
        y0, y1 = _y_of(ts, ys, tm.t_start), _y_of(ts, ys, tm.t_end)
        col = COLORS["purple"] if tm.kind in ("TIME_WAIT", "FIN_WAIT_2") else COLORS["green"]
        lines.append(SeqLine(x, y0, x, y1, col, 3, 2, alpha=0.6, capstyle="butt"))
        if tm.fired:
            ha = "left" if tm.endpoint == "client" else "right"
            dx = 0.012 if tm.endpoint == "client" else -0.012
            texts.append(SeqText(x + dx, y1, _TIMER_TEXT[tm.kind], 7.5, col, ha, "bottom"))
    if deadline is not None:
        _deadline_mark(trace, deadline, _y_of(ts, ys, deadline), lines, texts)
        used_t.add(round(deadline, 9))
    # time labels in the left margin
    last_y = None
    for t in sorted(used_t):
        y = _y_of(ts, ys, t)
        if last_y is not None and y - last_y < 0.35:
            continue
        texts.append(SeqText(-0.5, y, f"{t:.4g} s", 8, COLORS["grey"], "right"))
        last_y = y
    return SequenceLayout(xlim=(-0.62, 1.45), ylim=(ymax + 0.8, -1.5),
                          lines=tuple(sorted(lines, key=lambda L: L.zorder)) + tuple(lost_lines),
                          arrows=tuple(arrows), crosses=tuple(crosses), texts=tuple(texts))


_X = {"client": 0.0, "server": 1.0}


def _connect_deadline(trace: Trace) -> float | None:
    """When connect() gives up, shown once the client has had to resend its SYN (else syn_retries does nothing)."""
    resent = any(tm.endpoint == "client" and tm.kind == "SYN 重传" and tm.fired for tm in trace.timers)
    return trace.connect_deadline if resent else None


def _deadline_mark(trace: Trace, t: float, y: float, lines: list[SeqLine], texts: list[SeqText]) -> None:
    """A red dashed line across the client's timeline at the connect() deadline, with the sysctls that set it."""
    x = _X["client"]
    lines.append(SeqLine(x - 0.03, y, x + 0.42, y, COLORS["red"], 1.2, 3, capstyle="butt", dashed=True))
    texts.append(SeqText(x + 0.05, y + 0.1, f"connect() 期限 {t:.4g} s（syn_retries={trace.param('syn_retries')}，"
                         f"linear_timeouts={trace.param('linear_timeouts')}）", 7.5, COLORS["red"], "left", "top"))


def _gap_marks(ts: list[float], ys: list[float], rtt: float, lines: list[SeqLine], texts: list[SeqText]) -> None:
    """Squeezed gaps of the time axis: a small zigzag on both timelines and the gap's length."""
    for a, b, ya, yb in zip(ts, ts[1:], ys, ys[1:]):
        if (b - a) / max(rtt, 1e-3) > 3:
            ym = (ya + yb) / 2
            for x in _X.values():
                lines.append(SeqLine(x - 0.025, ym - 0.12, x + 0.025, ym + 0.12, "white", 5, 2))
                lines.append(SeqLine(x - 0.025, ym - 0.22, x + 0.025, ym + 0.02, COLORS["grey"], 1, 3))
                lines.append(SeqLine(x - 0.025, ym - 0.02, x + 0.025, ym + 0.22, COLORS["grey"], 1, 3))
            texts.append(SeqText(0.5, ym, f"… {b - a:.4g} s …", 7, COLORS["grey"]))


def _segment_marks(trace: Trace, ts: list[float], ys: list[float], d: float, texts: list[SeqText],
                   used_t: set[float]) -> tuple[list[SeqArrow], list[tuple[float, float]], list[SeqLine]]:
    """Arrows (delivered), half lines and × (lost) and the boxed label of every segment."""
    arrows: list[SeqArrow] = []
    crosses: list[tuple[float, float]] = []
    lost_lines: list[SeqLine] = []
    labels = []
    for s in trace.segments:
        x0, x1 = _X[s.sender], _X[s.receiver]
        y0 = _y_of(ts, ys, s.t_send)
        used_t.add(round(s.t_send, 9))
        color = COLORS["red"] if "RST" in s.flags else (COLORS["grey"] if s.retransmission else COLORS["black"])
        if s.lost:
            xe = x0 + (x1 - x0) * 0.5
            ye = _y_of(ts, ys, s.t_send + d / 2)
            lost_lines.append(SeqLine(x0, y0, xe, ye, COLORS["grey"], 1.2, 4, capstyle="butt", dashed=True))
            crosses.append((xe, ye))
            geom = (xe, ye + 0.3, xe, ye + 0.3)   # the label sits just below the red ×
        else:
            assert s.t_arrive is not None
            ye = _y_of(ts, ys, s.t_arrive)
            used_t.add(round(s.t_arrive, 9))
            arrows.append(SeqArrow(x0, y0, x1, ye, color))
            geom = (x0, y0, x1, ye)
        prefix = "旧 " if s.note.startswith("旧") else ""
        labels.append((geom, prefix + s.label() + ("（丢失）" if s.lost else ""), color))
    # short arrows choose first (they have little room); long ones move along their length, each to the
    # first point that keeps clear of the labels already placed
    placed: list[tuple[float, float]] = []
    for (xa, ya, xb, yb), text, color in sorted(labels, key=lambda L: abs(L[0][3] - L[0][1])):
        for f in (0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6):
            x, y = xa + (xb - xa) * f, ya + (yb - ya) * f
            if all(abs(x - px) > 0.42 or abs(y - py) > 0.32 for px, py in placed):
                break
        else:
            x, y = xa + (xb - xa) * 0.5, ya + (yb - ya) * 0.5
        placed.append((x, y))
        texts.append(SeqText(x, y, text, 8.5, color, boxed=True, zorder=6))
    return arrows, crosses, lost_lines


def _draw_geometry(ax: Axes, lay: SequenceLayout) -> list[Any]:
    """Add the lines, arrows and × marks of ``lay`` to ``ax``; return the new artists."""
    from matplotlib.collections import LineCollection

    out: list[Any] = []
    groups: dict[tuple[float, str, bool], list[SeqLine]] = {}
    for ln in lay.lines:
        groups.setdefault((ln.zorder, ln.capstyle, ln.dashed), []).append(ln)
    by_color: dict[str, list[SeqArrow]] = {}
    for a in lay.arrows:
        by_color.setdefault(a.color, []).append(a)

    def add_lines(lns: list[SeqLine], z: float, cap: str, dashed: bool) -> None:
        coll = LineCollection([[(L.x0, L.y0), (L.x1, L.y1)] for L in lns],
                              colors=[_rgba(L.color, L.alpha) for L in lns], linewidths=[L.lw for L in lns],
                              linestyles="--" if dashed else "-", capstyle=cap, zorder=z)
        out.append(ax.add_collection(coll, autolim=False))

    # matplotlib draws equal zorders in insertion order: arrows (z 4) go before the lost segments (z 4)
    for (z, cap, dashed), lns in sorted(groups.items(), key=lambda kv: kv[0][0]):
        if z < 4:
            add_lines(lns, z, cap, dashed)
    for color, arr in by_color.items():
        out.append(ax.quiver([a.x0 for a in arr], [a.y0 for a in arr], [a.x1 - a.x0 for a in arr],
                             [a.y1 - a.y0 for a in arr], angles="xy", scale_units="xy", scale=1, color=color,
                             width=0.0028, headwidth=5, headlength=7, headaxislength=6, zorder=4))
    for (z, cap, dashed), lns in sorted(groups.items(), key=lambda kv: kv[0][0]):
        if z >= 4:
            add_lines(lns, z, cap, dashed)
    if lay.crosses:
        lx, ly = zip(*lay.crosses)
        out += ax.plot(lx, ly, ls="none", marker="x", color=COLORS["red"], ms=10, mew=2.5, zorder=5)
    return out


def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(color, alpha)


def plot_sequence(trace: Trace, *, fig: Figure | None = None, ax: Axes | None = None) -> Axes:
    """Draw a client/server ladder diagram of ``trace`` with ordinary matplotlib artists.

    Parameters
    ----------
    trace : Trace
        From :func:`tcpkit.connection.run_scenario`.
    fig, ax : optional
        Draw into ``ax``, or into a new axes of ``fig`` (a new figure if neither).

    Returns
    -------
    matplotlib.axes.Axes
        Its ``texts`` are the labels of :func:`sequence_layout`.

    Notes
    -----
    The content is :func:`sequence_layout` (see there). The widget draws the
    same layout with :data:`SEQUENCE_LAYERS`, which is faster.
    """
    use_cjk_font()
    if ax is None:
        if fig is None:
            from . import new_figure

            fig = new_figure(8, 6)
        ax = fig.add_subplot()
    lay = sequence_layout(trace)
    _draw_geometry(ax, lay)
    for t in lay.texts:
        kw: dict[str, Any] = {}
        if t.boxed:
            kw["bbox"] = dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85)
        ax.text(t.x, t.y, t.text, ha=t.ha, va=t.va, fontsize=t.size, color=t.color, zorder=t.zorder, **kw)
    ax.set_xlim(*lay.xlim)
    ax.set_ylim(*lay.ylim)
    ax.axis("off")
    return ax


#: Text sprites shared by every :data:`SEQUENCE_LAYERS`: (string, size, dpi, font.family) → mask and metrics.
_SPRITES: dict[tuple[str, float, float, tuple[str, ...]], tuple[Any, float, float, float, float]] = {}
_LINE_METRICS: dict[tuple[float, float], tuple[float, float]] = {}


def _sprite(s: str, size: float, dpi: float) -> tuple[Any, float, float, float, float]:
    """Glyph mask of one line of text, rasterised once: ``(mask, width, height, descent, x_offset)`` in pixels.

    Same font chain (DejaVu Sans → Noto Sans SC fallback), hinting and
    measurements as matplotlib's Agg ``draw_text`` / ``get_text_width_height_descent``.
    """
    from matplotlib import rcParams

    key = (s, size, dpi, tuple(rcParams["font.family"]))
    hit = _SPRITES.get(key)
    if hit is not None:
        return hit
    import numpy as np
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import FontProperties, fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(FontProperties(size=size)))
    font.set_size(size, dpi)
    font.set_text(s, 0.0, flags=get_hinting_flag())  # type: ignore[no-untyped-call]
    w, h = font.get_width_height()
    d = font.get_descent()
    font.draw_glyphs_to_bitmap(antialiased=True)
    xo, _yo = font.get_bitmap_offset()
    out = (np.array(font.get_image(), dtype=np.uint8), w / 64.0, h / 64.0, d / 64.0, xo / 64.0)
    if len(_SPRITES) >= 4096:
        _SPRITES.clear()
    _SPRITES[key] = out
    return out


def clear_text_cache() -> None:
    """Drop every rasterised label of :data:`SEQUENCE_LAYERS` (benchmarks of a first-ever draw)."""
    _SPRITES.clear()


def _line_metrics(size: float, dpi: float) -> tuple[float, float]:
    """``(min_ascent, min_descent)`` in pixels of the primary font, as :class:`matplotlib.text.Text` uses them."""
    key = (size, dpi)
    hit = _LINE_METRICS.get(key)
    if hit is None:
        from matplotlib.font_manager import FontProperties, fontManager, get_font

        font = get_font(fontManager._find_fonts_by_props(FontProperties(size=size)))
        head, os2 = font.get_sfnt_table("head"), font.get_sfnt_table("OS/2")
        if head is None or os2 is None:  # pragma: no cover - DejaVu Sans has both tables
            raise RuntimeError(f"font {font.fname!r} lacks the head/OS/2 tables")
        if "sTypoAscender" in os2:
            scale = size * dpi / 72 / head["unitsPerEm"]
            hit = (os2["sTypoAscender"] * scale, -os2["sTypoDescender"] * scale)
        else:  # matplotlib < 3.10 (Pyodide's 3.8) reports no typo metrics; its Text spaces lines by "lp"
            font.set_size(size, dpi)
            font.set_text("lp", 0.0)
            lp_h, lp_d = font.get_width_height()[1] / 64, font.get_descent() / 64
            hit = (lp_h - lp_d, lp_d)
        _LINE_METRICS[key] = hit
    return hit


def _text_layer_class() -> Any:
    from matplotlib.artist import Artist
    from matplotlib.colors import to_rgba
    from matplotlib.path import Path
    from matplotlib.transforms import IdentityTransform

    class TextLayer(Artist):
        """Many labels drawn from cached glyph sprites (one artist, no per-text layout).

        Alignment follows :class:`matplotlib.text.Text` (line height = 1.2 ×
        font ascent+descent, ``ha``/``va`` on that box); a boxed label gets
        the same white ``square,pad=0.1`` box at alpha 0.85 as in
        :func:`plot_sequence`. Glyphs are placed on whole pixels.
        """

        def __init__(self, texts: list[SeqText], zorder: float) -> None:
            super().__init__()
            self.texts = texts
            self.set_zorder(zorder)

        def draw(self, renderer: Any) -> None:
            if not self.get_visible() or not self.texts:
                return
            ax = self.axes
            assert ax is not None
            dpi = renderer.dpi
            height = renderer.height
            pts = ax.transData.transform([(t.x, t.y) for t in self.texts])
            ident = IdentityTransform()
            box_codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
            gc = renderer.new_gc()
            box_gc = renderer.new_gc()
            box_gc.set_linewidth(0)
            box_gc.set_alpha(0.85)
            for t, (px, py) in zip(self.texts, pts):
                mask, w, h, d, xo = _sprite(t.text, t.size, dpi)
                asc, desc = _line_metrics(t.size, dpi)
                lh = 1.2 * (asc + desc)               # Text's default linespacing
                dline = d + (lh - h) / 2              # descent of the line box
                x0 = px - (w / 2 if t.ha == "center" else w if t.ha == "right" else 0.0)
                y0 = py - (lh / 2 if t.va == "center" else lh if t.va == "top" else 0.0)
                if t.boxed:
                    pad = 0.1 * t.size * dpi / 72
                    path = Path([(x0 - pad, y0 - pad), (x0 + w + pad, y0 - pad), (x0 + w + pad, y0 + lh + pad),
                                 (x0 - pad, y0 + lh + pad), (x0 - pad, y0 - pad)], box_codes)
                    renderer.draw_path(box_gc, path, ident, (1.0, 1.0, 1.0, 1.0))
                gc.set_foreground(to_rgba(t.color), isRGBA=True)
                baseline_down = height - (y0 + dline)
                renderer._renderer.draw_text_image(mask, round(x0 + xo), round(baseline_down + d) + _YFIX, 0, gc)
            gc.restore()
            box_gc.restore()
            self.stale = False

    return TextLayer


_TEXT_LAYER: Any = None
_YFIX = 1


def _text_layer(texts: list[SeqText], zorder: float) -> Any:
    global _TEXT_LAYER
    if _TEXT_LAYER is None:
        _TEXT_LAYER = _text_layer_class()
    return _TEXT_LAYER(texts, zorder)


def _sequence_setup(fig: Figure, _key: Any) -> Any:
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.axis("off")
    ax.set_autoscale_on(False)
    return ax


def _sequence_data(ax: Axes, trace: Trace) -> list[Any]:
    lay = sequence_layout(trace)
    ax.set_xlim(*lay.xlim)
    ax.set_ylim(*lay.ylim)
    arts = _draw_geometry(ax, lay)
    for z in sorted({t.zorder for t in lay.texts}):
        arts.append(ax.add_artist(_text_layer([t for t in lay.texts if t.zorder == z], z)))
    return arts


#: The ladder diagram for the widget: the same picture as :func:`plot_sequence`, every label a glyph
#: sprite rasterised once per distinct string (``SYN seq=100`` and state names repeat across values).
SEQUENCE_LAYERS = Layers(lambda trace: "ladder", _sequence_setup, _sequence_data, (8.0, 6.5), fresh=True)


@dataclass(frozen=True, slots=True)
class FsmHighlight:
    """What one step of a trace marks on the state diagram (plain data, see :meth:`FsmDiagram.highlight`).

    ``edges`` maps each arrow already taken, ``(old, new)``, to its
    ``(colour, line width)`` (the last one thicker); ``nodes`` maps each
    current state to ``(face colour, edge colour, edge width, text colour)``;
    ``title`` and ``caption`` are the texts above and below the diagram.
    """

    step: int
    client: State
    server: State
    edges: dict[tuple[State, State], tuple[str, float]]
    nodes: dict[State, tuple[str, str, float, str]]
    title: str
    caption: str


_NODE_FACE, _NODE_EDGE, _NODE_LW = "#f4f4f4", "#999999", 1.0


class FsmDiagram:
    """The TCP state diagram drawn once; :meth:`show` recolours it for one step of a trace.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to draw into (one axes is added; no layout engine).

    Notes
    -----
    Nodes sit at :data:`tcpkit.fsm.LAYOUT` (shaped like RFC 9293 Figure 5). One
    arrow is drawn per (state, new state) pair of :func:`tcpkit.fsm.graph`
    (self-loops are listed in the chapter's table instead); arrows of Figure 5
    are dark, the other rows (RST, ABORT, timeouts) light.

    Two ways to get pixels: :meth:`show` sets every artist and the figure is
    drawn as usual (``canvas.draw()``); :data:`FSM_LAYERS` (the widget's view,
    through :class:`tcpkit.plot.LayerRenderer`) keeps the unhighlighted diagram
    as the static layer and per step draws on top only what :meth:`data`
    returns: the arrows taken, the boxes of the current states and of every
    state such an arrow touches (so boxes stay above arrows), the state names,
    title and caption as cached glyph sprites.

    Examples
    --------
    >>> from tcpkit.connection import run_scenario
    >>> from tcpkit.plot import new_figure
    >>> fig = new_figure(8, 6.5); fig.set_layout_engine(None)
    >>> d = FsmDiagram(fig)
    >>> h = d.highlight(run_scenario("handshake"), 2)
    >>> h.client.name, h.server.name, sorted((u.name, v.name) for u, v in h.edges)
    ('SYN_SENT', 'LISTEN', [('CLOSED', 'LISTEN'), ('CLOSED', 'SYN_SENT')])
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
        self.fontsize = fontsize = 8.5
        for s in State:
            x, y = LAYOUT[s]
            self.nodes[s] = ax.text(x, y, s.name, ha="center", va="center", fontsize=fontsize, zorder=4,
                                    bbox=dict(boxstyle="round,pad=0.35", fc=_NODE_FACE, ec=_NODE_EDGE,
                                              lw=_NODE_LW))
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
        self._background: Any = None
        self._covers: dict[tuple[State, State], tuple[State, ...]] = {}

    def highlight(self, trace: Trace, step: int) -> FsmHighlight:
        """What to mark for ``trace`` after its first ``step`` state changes (clamped to ``[0, n]``).

        Parameters
        ----------
        trace : Trace
            From :func:`tcpkit.connection.run_scenario`.
        step : int
            Number of state changes already applied (0 = both endpoints CLOSED).

        Returns
        -------
        FsmHighlight
            Arrows taken so far in the endpoint's colour (the latest 3.0 wide,
            earlier ones 1.8), the client's current state filled blue and the
            server's orange (the same state: blue with a thick orange border),
            the step counter and the latest transition's time, endpoint, event
            and segment sent.
        """
        changes = [st for st in trace.steps if st.new is not st.old]
        step = max(0, min(step, len(changes)))
        current = {"client": State.CLOSED, "server": State.CLOSED}
        edges: dict[tuple[State, State], tuple[str, float]] = {}
        for i, st in enumerate(changes[:step]):
            current[st.endpoint] = st.new
            if (st.old, st.new) in self.edges:
                edges[(st.old, st.new)] = (ENDPOINT_COLORS[st.endpoint], 3.0 if i == step - 1 else 1.8)
        c, sv = current["client"], current["server"]
        nodes: dict[State, tuple[str, str, float, str]] = {}
        if sv is c:
            nodes[c] = (ENDPOINT_COLORS["client"], ENDPOINT_COLORS["server"], 4.0, "white")
        else:
            nodes[c] = (ENDPOINT_COLORS["client"], _NODE_EDGE, _NODE_LW, "white")
            nodes[sv] = (ENDPOINT_COLORS["server"], _NODE_EDGE, _NODE_LW, "white")
        title = f"{trace.scenario}：第 {step}/{len(changes)} 步"
        if step == 0:
            caption = "开始：双方都在 CLOSED"
        else:
            st = changes[step - 1]
            who = "客户端" if st.endpoint == "client" else "服务端"
            send = f"，发送 {st.send}" if st.send else ""
            caption = f"t = {st.t:.4g} s　{who}：{st.old.name} --{st.event.name}{send}--> {st.new.name}"
        return FsmHighlight(step, c, sv, edges, nodes, title, caption)

    def _reset(self) -> None:
        for key, arr in self.edges.items():
            col, lw = self.edge_base[key]
            arr.set_color(col)
            arr.set_linewidth(lw)
            arr.set_zorder(2)
        for t in self.nodes.values():
            p = t.get_bbox_patch()
            p.set_facecolor(_NODE_FACE)
            p.set_edgecolor(_NODE_EDGE)
            p.set_linewidth(_NODE_LW)
            t.set_color("black")

    def _apply(self, h: FsmHighlight) -> None:
        self._reset()
        for key, (col, lw) in h.edges.items():
            self.edges[key].set_color(col)
            self.edges[key].set_linewidth(lw)
            self.edges[key].set_zorder(2.5)      # arrows taken above the others, below the boxes
        for s, (fc, ec, lw, tc) in h.nodes.items():
            p = self.nodes[s].get_bbox_patch()
            p.set_facecolor(fc)
            p.set_edgecolor(ec)
            p.set_linewidth(lw)
            self.nodes[s].set_color(tc)
        self.title.set_text(h.title)
        self.caption.set_text(h.caption)

    def show(self, trace: Trace, step: int) -> FsmHighlight:
        """Recolour every artist for ``trace`` after its first ``step`` state changes (0 = both CLOSED)."""
        h = self.highlight(trace, step)
        self._apply(h)
        return h

    def _ensure_background(self) -> None:
        """Draw the unhighlighted diagram once and keep its pixels; note which boxes each arrow comes near."""
        if self._background is not None:
            return
        title, caption = self.title.get_text(), self.caption.get_text()
        saved = self._saved_styles()
        self._reset()
        self.title.set_text("")
        self.caption.set_text("")
        canvas = self.fig.canvas
        canvas.draw()
        self._background = canvas.copy_from_bbox(self.fig.bbox)  # type: ignore[attr-defined]
        renderer = canvas.get_renderer()  # type: ignore[attr-defined]
        boxes = {s: t.get_bbox_patch().get_window_extent(renderer).padded(4) for s, t in self.nodes.items()}
        for key, arr in self.edges.items():
            ext = arr.get_window_extent(renderer)
            self._covers[key] = tuple(s for s, b in boxes.items() if b.overlaps(ext))
        self._restore_styles(saved)
        self.title.set_text(title)
        self.caption.set_text(caption)

    def _saved_styles(self) -> list[tuple[Any, Any, float, Any]]:
        out = [(a, a.get_edgecolor(), a.get_linewidth(), a.get_facecolor()) for a in self.edges.values()]
        for t in self.nodes.values():
            p = t.get_bbox_patch()
            out.append((p, p.get_edgecolor(), p.get_linewidth(), p.get_facecolor()))
            out.append((t, t.get_color(), 0.0, None))
        return out

    @staticmethod
    def _restore_styles(saved: list[tuple[Any, Any, float, Any]]) -> None:
        for a, ec, lw, fc in saved:
            if fc is None:
                a.set_color(ec)
            else:
                a.set_edgecolor(ec)
                a.set_facecolor(fc)
                a.set_linewidth(lw)

    def redrawn(self, h: FsmHighlight) -> tuple[State, ...]:
        """The states whose boxes the fast path draws again on top for ``h`` (current states and every
        box an arrow of ``h.edges`` comes within 4 px of), in drawing order."""
        self._ensure_background()
        want = set(h.nodes)
        for key in h.edges:
            want.update(self._covers[key])
        return tuple(s for s in self.nodes if s in want)

    def data(self, result: tuple[Trace, int]) -> list[Any]:
        """Recolour for ``result = (trace, step)``; the artists to draw over the unhighlighted diagram:
        the arrows taken, the boxes of :meth:`redrawn`, then every label of the step as glyph sprites."""
        trace, step = result
        self._ensure_background()
        h = self.show(trace, step)
        arts: list[Any] = [arr for key, arr in self.edges.items() if key in h.edges]   # arrows, then boxes
        texts = []
        for s in self.redrawn(h):
            arts.append(self.nodes[s].get_bbox_patch())
            x, y = LAYOUT[s]
            texts.append(SeqText(x, y, s.name, self.fontsize, h.nodes[s][3] if s in h.nodes else "black"))
        texts.append(SeqText(0.0, 8.0, h.title, 10, "black"))
        texts.append(SeqText(0.0, -1.35, h.caption, 8.5, "#333333"))
        layer = _text_layer(texts, 5)
        layer.axes = self.ax
        return arts + [layer]


#: The state-diagram widget's view: the diagram drawn once, a step's highlights blitted on top.
FSM_LAYERS = Layers(lambda result: "fsm", lambda fig, _key: FsmDiagram(fig), FsmDiagram.data, (8.0, 6.5))
