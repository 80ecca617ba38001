"""Figures for the basics chapter: header byte grids, the seq/ack ladder, framing bars.

>>> from tcpkit.segment import header_pair
>>> fig = new_figure(9, 3.6); [float(x) for x in plot_header_bytes(header_pair(), fig=fig).get_xlim()]
[-12.0, 79.0]

Every function takes a model result and a :class:`~matplotlib.figure.Figure`
(or nothing, then it makes one), draws, and returns the axes it drew. No
model is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import CJK_FAMILY, COLORS, new_figure, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..segment import FieldSpan, HeaderPair
    from ..stream import Conversation, FramingResult

__all__ = ["plot_header_bytes", "plot_seq_ladder", "plot_framing", "FIELD_COLORS"]

#: One colour per header field (Okabe–Ito lightened, so black text stays readable).
FIELD_COLORS = {
    "src_port": "#9ecae1",
    "dst_port": "#c6dbef",
    "seq": "#fdd0a2",
    "ack": "#fdae6b",
    "data_offset": "#c7e9c0",
    "reserved": "#e5e5e5",
    "flags": "#fcbba1",
    "window": "#dadaeb",
    "checksum": "#fff7bc",
    "urgent": "#d9f0d3",
    "length": "#c7e9c0",
    "padding": "#f0f0f0",
}
_OPTION_COLORS = ("#e7d4e8", "#d4b9da", "#c2a5cf", "#e0ecf4", "#bfd3e6", "#9ebcda", "#fde0dd", "#fcc5c0")


def _color(span: FieldSpan) -> str:
    if span.key.startswith("opt"):
        return _OPTION_COLORS[int(span.key[3:]) % len(_OPTION_COLORS)]
    return FIELD_COLORS.get(span.key, "#ffffff")


# ---------------------------------------------------------------------------
# fast text: cached glyph bitmaps composited into one image
# ---------------------------------------------------------------------------
_BITMAPS: dict[tuple[str, float, float, bool], tuple[Any, float, float, float]] = {}


def _bitmap(s: str, size: float, dpi: float, mono: bool) -> tuple[Any, float, float, float]:
    """Alpha mask, width, height and descent (pixels) of one line of text, cached."""
    key = (s, size, dpi, mono)
    hit = _BITMAPS.get(key)
    if hit is not None:
        return hit
    import numpy as np
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import FontProperties, fontManager, get_font

    fam = ["DejaVu Sans Mono", CJK_FAMILY] if mono else ["DejaVu Sans", CJK_FAMILY]
    font = get_font(fontManager._find_fonts_by_props(FontProperties(family=fam, size=size)))
    font.set_size(size, dpi)
    font.set_text(s, 0.0, flags=get_hinting_flag())  # type: ignore[no-untyped-call]
    font.draw_glyphs_to_bitmap(antialiased=True)
    mask = np.array(font.get_image(), dtype=np.uint8)
    w, h = font.get_width_height()
    out = (mask, w / 64.0, h / 64.0, font.get_descent() / 64.0)
    if len(_BITMAPS) > 4096:
        _BITMAPS.clear()
    _BITMAPS[key] = out
    return out


class _FastText:
    """Collect texts and draw them as ONE image.

    matplotlib lays out and rasterises every :class:`~matplotlib.text.Text` on
    every draw (about 1 ms each on the book's build machine); a figure with 40
    labels then misses the 40 ms widget budget. Here each distinct string is
    rasterised once (FreeType via matplotlib's own ``FT2Font``, same fonts and
    CJK fallback), cached, and pasted into a transparent overlay that is drawn
    with a single ``figimage``. Positions are given in data coordinates of an
    axes whose position and limits are final when :meth:`render` is called.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.items: list[tuple[Any, float, float, str, float, str, str, str, bool]] = []

    def text(self, ax: Any, x: float, y: float, s: str, *, size: float = 7.5, color: str = "black",
             ha: str = "center", va: str = "center", mono: bool = False) -> None:
        self.items.append((ax, x, y, s, size, color, ha, va, mono))

    def render(self) -> Any:
        """Rasterise the collected texts into one RGBA overlay and add it to the figure."""
        import numpy as np
        from matplotlib.colors import to_rgb

        fig = self.fig
        dpi = fig.dpi
        width, height = int(round(fig.bbox.width)), int(round(fig.bbox.height))
        img = np.zeros((height, width, 4), np.uint8)
        for ax, x, y, s, size, color, ha, va, mono in self.items:
            tr = ax.transData if ax is not None else fig.transFigure
            px, py = tr.transform((x, y))
            lines = s.split("\n")
            lh = size * 1.25 * dpi / 72.0
            total = lh * len(lines)
            top = (height - py) - {"center": total / 2, "top": 0.0, "bottom": total}[va]
            col = np.array([round(255 * c) for c in to_rgb(color)], np.uint8)
            for i, line in enumerate(lines):
                if not line:
                    continue
                mask, w, h, d = _bitmap(line, size, dpi, mono)
                left = px - {"center": w / 2, "left": 0.0, "right": w}[ha]
                baseline = top + lh * i + lh * 0.78
                r0 = int(round(baseline + d)) - mask.shape[0]
                c0 = int(round(left))
                r1, c1 = r0 + mask.shape[0], c0 + mask.shape[1]
                rr0, cc0, rr1, cc1 = max(r0, 0), max(c0, 0), min(r1, height), min(c1, width)
                if rr0 >= rr1 or cc0 >= cc1:
                    continue
                m = mask[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0]
                region = img[rr0:rr1, cc0:cc1]
                upd = m > region[..., 3]  # labels hardly overlap: the stronger coverage wins
                region[..., :3][upd] = col
                region[..., 3][upd] = m[upd]
        art = _Overlay(img)
        fig.add_artist(art)
        return art


def _overlay_class() -> Any:
    from matplotlib.artist import Artist

    class Overlay(Artist):
        """A full-figure RGBA image drawn 1:1 with ``renderer.draw_image`` (no resampling, no colormap)."""

        def __init__(self, img: Any) -> None:
            super().__init__()
            self.img = img
            self.set_zorder(10)

        def draw(self, renderer: Any) -> None:
            if not self.get_visible():
                return
            gc = renderer.new_gc()
            renderer.draw_image(gc, 0, 0, self.img[::-1])  # Agg rows run bottom-up
            gc.restore()
            self.stale = False

    return Overlay


def _Overlay(img: Any) -> Any:  # noqa: N802 - a lazily defined class
    global _OVERLAY
    if _OVERLAY is None:
        _OVERLAY = _overlay_class()
    return _OVERLAY(img)


_OVERLAY: Any = None


_SHORT = {"data_offset": "Offset", "reserved": "Rsv"}


def _canvas(fig: Figure | None, size: tuple[float, float], rect: tuple[float, float, float, float]
            ) -> tuple[Figure, Axes, _FastText]:
    """A figure (new if None) without layout engine, one axes at ``rect``, and its fast text layer."""
    use_cjk_font()
    fig = fig or new_figure(*size)
    _no_layout_engine(fig)
    return fig, fig.add_axes(rect), _FastText(fig)


def _no_layout_engine(fig: Figure) -> None:
    """Switch off the layout engine: constrained layout measures every text (~60 ms per redraw)."""
    fig.set_layout_engine(None)


def _grid(ax: Axes, ft: _FastText, spans: tuple[FieldSpan, ...], data: bytes, title: str, x0: float = 0) -> None:
    """Draw ``spans`` as an RFC-style diagram, 32 bits per row, each row labelled with its offset and hex bytes."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    rows = (len(data) + 3) // 4
    rects, colors = [], []
    for sp in spans:
        a, end = sp.bit_offset, sp.bit_offset + sp.bits
        first = True
        while a < end:
            row, col = divmod(a, 32)
            b = min(end, (row + 1) * 32)
            w = b - a
            rects.append(Rectangle((x0 + col, row), w, 1))
            colors.append(_color(sp))
            name = _SHORT.get(sp.key, sp.name)
            if sp.key.startswith("opt"):
                label = sp.text
            elif sp.key == "padding":
                label = "Padding"
            elif w >= 16:
                label = f"{name} = {sp.text}"
            else:
                label = f"{name}\n{sp.text}"
            if first:
                ft.text(ax, x0 + col + w / 2, row + 0.5, label, size=7.5 if w >= 16 else 6.5)
            first = False
            a = b
    ax.add_collection(PatchCollection(rects, facecolors=colors, edgecolors="#444444", linewidths=0.8))
    for r in range(rows):
        ft.text(ax, x0 - 0.6, r + 0.5, f"{4 * r:>2}  " + data[4 * r : 4 * r + 4].hex(" "), ha="right", mono=True)
    ft.text(ax, x0 + 10, -0.5, title, size=9)


def plot_header_bytes(pair: HeaderPair, *, fig: Figure | None = None) -> Axes:
    """TCP (left) and UDP (right) headers as byte grids, one colour per field, hex bytes beside each row.

    Parameters
    ----------
    pair : HeaderPair
        From :func:`tcpkit.segment.header_pair`.
    fig : Figure, optional
        Drawn into (cleared by the caller); a new 9×3.6 in figure if omitted.

    Returns
    -------
    Axes
        One axes holding both grids (TCP at x ∈ [0, 32], UDP at x ∈ [46, 78], one unit per bit).
    """
    use_cjk_font()
    fig = fig or new_figure(9, 3.6)
    _no_layout_engine(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(-12, 79)
    ax.set_ylim(15.4, -1.0)
    ax.axis("off")
    ft = _FastText(fig)
    _grid(ax, ft, pair.tcp_spans, pair.tcp_bytes, f"TCP 头部（{len(pair.tcp_bytes)} 字节）")
    _grid(ax, ft, pair.udp_spans, pair.udp_bytes, "UDP 头部（8 字节）", x0=46)
    ft.text(ax, 56, 2.6, f"伪头部：{pair.src} → {pair.dst}\n数据 {len(pair.payload)} 字节；"
            f"TCP 校验和 0x{pair.tcp.checksum:04x}，UDP 校验和 0x{pair.udp.checksum:04x}", size=7.5, va="top")
    ft.render()
    return ax


def plot_seq_ladder(conv: Conversation, step: int | None = None, *, relative: bool = False,
                    fig: Figure | None = None) -> Axes:
    """A ladder diagram of ``conv``: one arrow per segment with its flags, seq, ack and length.

    Parameters
    ----------
    conv : Conversation
        From :func:`tcpkit.stream.conversation`.
    step : int, optional
        Highlight segments 1…step and grey out the rest (``None`` = all).
    relative : bool
        Label relative numbers (as tcpdump shows by default) instead of absolute ones.
    fig : Figure, optional
        Drawn into; a new 8×5 in figure if omitted.

    Returns
    -------
    Axes
    """
    fig, ax, ft = _canvas(fig, (8, 5), (0.0, 0.0, 1.0, 1.0))
    segs = conv.segments
    n = len(segs)
    step = n if step is None else max(0, min(step, n))
    win = 14  # show at most 14 segments, in a window that contains the current step
    lo = max(0, min(step - win // 2, n - win))
    shown = segs[lo : lo + win]
    xc, xs = 0.0, 1.0
    h = len(shown)
    ax.vlines([xc, xs], -0.2, h + 0.2, color="#555555", lw=1.5)
    ft.text(ax, xc, -0.5, "客户端", size=9, color=COLORS["blue"])
    ft.text(ax, xs, -0.5, "服务端", size=9, color=COLORS["orange"])
    x0, y0, dx, dy, cols = [], [], [], [], []
    for k, sg in enumerate(shown):
        a, b = (xc, xs) if sg.sender == "C" else (xs, xc)
        done = sg.index <= step
        x0.append(a)
        y0.append(k + 0.15)
        dx.append(b - a)
        dy.append(0.6)
        cols.append((COLORS["blue"] if sg.sender == "C" else COLORS["orange"]) if done else "#d0d0d0")
        seq = sg.rel_seq if relative else sg.seq
        ack = sg.rel_ack if relative else sg.ack
        txt = f"#{sg.index}  {sg.flag_text}  seq={seq}" + ("" if ack is None else f"  ack={ack}")
        if sg.length:
            txt += f"  len={sg.length}"
        ft.text(ax, 0.5, k + 0.36, txt, va="bottom", color="black" if done else "#b0b0b0")
    if shown:
        ax.quiver(x0, y0, dx, dy, color=cols, angles="xy", scale_units="xy", scale=1, width=0.004,
                  headwidth=5, headlength=7)
    if 1 <= step and lo < step <= lo + h:
        cur = segs[step - 1]
        k = step - 1 - lo
        ax.axhspan(k, k + 1, color="#fff3b0", zorder=0)
        ft.text(ax, xc - 0.03, k + 0.75, cur.client_state.name, ha="right", size=7, color=COLORS["blue"])
        ft.text(ax, xs + 0.03, k + 0.75, cur.server_state.name, ha="left", size=7, color=COLORS["orange"])
        ft.text(ax, 0.5, h + 0.55, f"#{cur.index}（{cur.t_ms:g} ms）：{cur.note}", size=8)
    ax.set_xlim(-0.42, 1.42)
    ax.set_ylim(h + 0.85, -1.2)
    ax.axis("off")
    mode = "相对" if relative else "绝对"
    ft.text(ax, 0.5, -1.0, f"序列号与确认号（{mode}值；第 {step}/{n} 个报文段）", size=9)
    ft.render()
    return ax


def plot_framing(result: FramingResult, *, fig: Figure | None = None) -> Axes:
    """Four bars over the byte stream: what was written, the TCP segments, the recv() calls, what the reader got.

    Green boxes in the last row are messages received whole; red ones are merged (粘包) or split (拆包).

    Parameters
    ----------
    result : FramingResult
        From :func:`tcpkit.stream.framing`.
    fig : Figure, optional
        Drawn into; a new 9×3.4 in figure if omitted.

    Returns
    -------
    Axes
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    fig, ax, ft = _canvas(fig, (9, 3.4), (0.15, 0.1, 0.83, 0.78))
    n = max(1, len(result.stream))
    palette = [COLORS["sky"], COLORS["orange"], COLORS["green"], COLORS["purple"], COLORS["yellow"], COLORS["blue"],
               COLORS["red"]]
    rects: list[Any] = []
    fcs: list[str] = []

    def box(x0: int, x1: int, y: float, fc: str) -> None:
        rects.append(Rectangle((x0, y), x1 - x0, 0.7))
        fcs.append(fc)

    def label(span: Any, y: float) -> None:
        if span.length:
            raw = result.stream[span.start : span.end]
            t = raw.decode("ascii", "replace") if raw.isascii() else raw.hex()
            width = max(1, int(span.length * 75 / n))
            if width >= 2:
                ft.text(ax, (span.start + span.end) / 2, y, t if len(t) <= width else t[: width - 1] + "…",
                        size=6.5, mono=True)

    for i, m in enumerate(result.message_spans):
        box(m.start, m.end, 0, palette[i % len(palette)])
        label(m, 0.35)
    for f in result.frame_spans:
        box(f.start, f.end, 0, "#bbbbbb")
    for k, sg in enumerate(result.segments):
        box(sg.start, sg.end, 1, "#eeeeee" if k % 2 else "#d9d9d9")
    for k, r in enumerate(result.reads):
        box(r.start, r.end, 2, "#e0ecf4" if k % 2 else "#bfd3e6")
    whole = {(m.start, m.end) for m in result.message_spans}
    for k, sp in enumerate(result.received_spans):
        good = (sp.start, sp.end) in whole and k < len(result.messages) and result.received[k] == result.messages[k]
        box(sp.start, max(sp.end, sp.start), 3, "#c7e9c0" if good else "#fcbba1")
        if k < 40:
            label(sp, 3.35)
    ax.add_collection(PatchCollection(rects, facecolors=fcs, edgecolors="#333333", linewidths=0.6))
    ax.set_xlim(0, n)
    ax.set_ylim(4.3, -0.9)
    ax.axis("off")
    for y, lab in zip((0.35, 1.35, 2.35, 3.35), ("应用写入（send）", "TCP 报文段", "recv() 返回", "应用得到的消息")):
        ft.text(ax, -n * 0.01, y, lab, ha="right", size=8)
    ticks = sorted({0, n} | {round(n * q / 4) for q in range(1, 4)})
    ax.vlines(ticks, 3.75, 3.85, color="#333333", lw=0.8)
    for t in ticks:
        ft.text(ax, t, 4.05, str(t), size=7)
    ft.text(ax, n / 2, 4.05, "字节流中的偏移（字节）", size=7.5, color="#444444") if n >= 40 else None
    method = {"none": "不分帧", "length": "长度前缀", "delimiter": "分隔符"}[result.method]
    verdict = "完整还原" if result.ok else f"粘包 {result.merged} 处，拆包 {result.split} 处"
    ft.text(ax, n / 2, -0.55, f"{method}：{len(result.messages)} 条消息 → {len(result.segments)} 个报文段 → "
            f"{len(result.reads)} 次 recv() → {len(result.received)} 条消息（{verdict}）", size=9)
    ft.render()
    return ax
