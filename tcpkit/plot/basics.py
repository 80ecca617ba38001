"""Figures for the basics chapter: header byte grids, the seq/ack ladder, framing bars.

>>> from tcpkit.segment import header_pair
>>> fig = new_figure(9, 4); plot_header_bytes(header_pair(), fig=fig)[0].get_title()
'TCP 头部（20 字节）'

Every function takes a model result and a :class:`~matplotlib.figure.Figure`
(or nothing, then it makes one), draws, and returns the axes it drew. No
model is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import COLORS, new_figure, use_cjk_font

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


_SHORT = {"data_offset": "Offset", "reserved": "Rsv"}


def _no_layout_engine(fig: Figure) -> None:
    """Switch off constrained layout: it measures every text and costs ~60 ms per redraw."""
    fig.set_layout_engine(None)


def _grid(ax: Axes, spans: tuple[FieldSpan, ...], data: bytes, title: str) -> None:
    """Draw ``spans`` as an RFC-style 32-bit-per-row diagram; the hex bytes of each row label it."""
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
            rects.append(Rectangle((col, row), w, 1))
            colors.append(_color(sp))
            name = _SHORT.get(sp.key, sp.name)
            if sp.key.startswith("opt") or sp.key == "padding":
                label = sp.text if sp.key != "padding" else "Padding"
            elif w >= 16:
                label = f"{name} = {sp.text}"
            else:
                label = f"{name}\n{sp.text}"
            if first:
                ax.text(col + w / 2, row + 0.5, label, ha="center", va="center",
                        fontsize=7.5 if w >= 16 else 6.5, linespacing=0.95)
            first = False
            a = b
    ax.add_collection(PatchCollection(rects, facecolors=colors, edgecolors="#444444", linewidths=0.8))
    ax.set_xlim(-12, 32)
    ax.set_ylim(15.2, -0.1)
    ax.axis("off")
    for r in range(rows):  # offset and hex bytes of each 32-bit row
        ax.text(-0.6, r + 0.5, f"{4 * r:>2}  " + data[4 * r : 4 * r + 4].hex(" "), ha="right", va="center",
                fontsize=7.5, family="monospace")
    ax.set_title(title, fontsize=9)


def plot_header_bytes(pair: HeaderPair, *, fig: Figure | None = None) -> tuple[Axes, Axes]:
    """TCP (left) and UDP (right) headers as byte grids, one colour per field.

    Parameters
    ----------
    pair : HeaderPair
        From :func:`tcpkit.segment.header_pair`.
    fig : Figure, optional
        Drawn into (cleared by the caller); a new 9×4 in figure if omitted.

    Returns
    -------
    (Axes, Axes)
        The TCP and the UDP axes.
    """
    use_cjk_font()
    fig = fig or new_figure(9, 4)
    _no_layout_engine(fig)
    gs = fig.add_gridspec(1, 2, width_ratios=[1, 1], left=0.01, right=0.99, top=0.93, bottom=0.01, wspace=0.02)
    ax_t, ax_u = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    tcp_len = len(pair.tcp_bytes)
    _grid(ax_t, pair.tcp_spans, pair.tcp_bytes, f"TCP 头部（{tcp_len} 字节）")
    _grid(ax_u, pair.udp_spans, pair.udp_bytes, "UDP 头部（8 字节）")
    ax_u.set_ylim(ax_t.get_ylim())
    ax_u.text(16, 2.3, f"伪头部：{pair.src} → {pair.dst}，数据 {len(pair.payload)} 字节", ha="center",
              va="top", fontsize=7.5)
    return ax_t, ax_u


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
    use_cjk_font()
    fig = fig or new_figure(8, 5)
    _no_layout_engine(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.92))
    segs = conv.segments
    n = len(segs)
    step = n if step is None else max(0, min(step, n))
    win = 14  # show at most 14 segments, in a window that contains the current step
    lo = max(0, min(step - win // 2, n - win))
    shown = segs[lo : lo + win]
    xc, xs = 0.0, 1.0
    h = len(shown)
    ax.vlines([xc, xs], -0.2, h + 0.2, color="#555555", lw=1.5)
    ax.text(xc, -0.45, "客户端", ha="center", fontsize=9, color=COLORS["blue"])
    ax.text(xs, -0.45, "服务端", ha="center", fontsize=9, color=COLORS["orange"])
    x0, y0, dx, dy, cols = [], [], [], [], []
    lines = []
    for k, s in enumerate(shown):
        a, b = (xc, xs) if s.sender == "C" else (xs, xc)
        done = s.index <= step
        x0.append(a)
        y0.append(k + 0.15)
        dx.append(b - a)
        dy.append(0.6)
        cols.append((COLORS["blue"] if s.sender == "C" else COLORS["orange"]) if done else "#d0d0d0")
        seq = s.rel_seq if relative else s.seq
        ack = s.rel_ack if relative else s.ack
        txt = f"#{s.index}  {s.flag_text}  seq={seq}" + ("" if ack is None else f"  ack={ack}")
        if s.length:
            txt += f"  len={s.length}"
        lines.append((k, txt, done, s.index == step))
    ax.quiver(x0, y0, dx, dy, color=cols, angles="xy", scale_units="xy", scale=1, width=0.004,
              headwidth=5, headlength=7)
    for k, txt, done, _cur in lines:
        ax.text(0.5, k + 0.36, txt, ha="center", va="bottom", fontsize=7.5, color="black" if done else "#b0b0b0")
    if 1 <= step and lo < step <= lo + h:
        cur = segs[step - 1]
        k = step - 1 - lo
        ax.axhspan(k, k + 1, color="#fff3b0", zorder=0)
        ax.text(xc - 0.03, k + 0.75, cur.client_state.name, ha="right", va="center", fontsize=7,
                color=COLORS["blue"])
        ax.text(xs + 0.03, k + 0.75, cur.server_state.name, ha="left", va="center", fontsize=7,
                color=COLORS["orange"])
        ax.text(0.5, h + 0.55, f"#{cur.index}（{cur.t_ms:g} ms）：{cur.note}", ha="center", va="center",
                fontsize=8)
    ax.set_xlim(-0.42, 1.42)
    ax.set_ylim(h + 0.85, -0.7)
    ax.axis("off")
    mode = "相对" if relative else "绝对"
    fig.suptitle(f"序列号与确认号（{mode}值；第 {step}/{n} 个报文段）", fontsize=9, y=0.985)
    return ax


def plot_framing(result: FramingResult, *, fig: Figure | None = None) -> Axes:
    """Four bars over the byte stream: what was written, the TCP segments, the recv() calls, what the reader got.

    Parameters
    ----------
    result : FramingResult
        From :func:`tcpkit.stream.framing`.
    fig : Figure, optional
        Drawn into; a new 9×3.6 in figure if omitted.

    Returns
    -------
    Axes
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    use_cjk_font()
    fig = fig or new_figure(9, 3.6)
    _no_layout_engine(fig)
    ax = fig.add_axes((0.17, 0.16, 0.81, 0.72))
    n = max(1, len(result.stream))
    palette = [COLORS["sky"], COLORS["orange"], COLORS["green"], COLORS["purple"], COLORS["yellow"], COLORS["blue"],
               COLORS["red"]]
    rects: list[Any] = []
    fcs: list[str] = []
    ecs: list[str] = []

    def box(x0: int, x1: int, y: float, fc: str, ec: str = "#333333") -> None:
        rects.append(Rectangle((x0, y), x1 - x0, 0.7))
        fcs.append(fc)
        ecs.append(ec)

    # row 0: written messages (+ framing bytes)
    for i, m in enumerate(result.message_spans):
        box(m.start, m.end, 0, palette[i % len(palette)])
    for f in result.frame_spans:
        box(f.start, f.end, 0, "#bbbbbb")
    for m in result.message_spans:  # one label per message (its text, shortened)
        if m.length:
            raw = result.stream[m.start : m.end]
            t = raw.decode("ascii", "replace") if raw.isascii() else raw.hex()
            width = max(1, int(m.length * 60 / n))
            ax.text((m.start + m.end) / 2, 0.35, t if len(t) <= width else t[: max(1, width - 1)] + "…",
                    ha="center", va="center", fontsize=6.5, clip_on=True)
    # row 1: TCP segments
    for k, s in enumerate(result.segments):
        box(s.start, s.end, 1, "#eeeeee" if k % 2 else "#d9d9d9")
    # row 2: recv() results
    for k, r in enumerate(result.reads):
        box(r.start, r.end, 2, "#e0ecf4" if k % 2 else "#bfd3e6")
    # row 3: what the application got; green = one whole message, red = merged or split
    for k, s in enumerate(result.received_spans):
        good = k < len(result.messages) and result.received[k] == result.messages[k] and any(
            m.start == s.start and m.end == s.end for m in result.message_spans)
        box(s.start, max(s.end, s.start), 3, "#c7e9c0" if good else "#fcbba1")
    for s in result.received_spans[:40]:
        if s.length:
            raw = result.stream[s.start : s.end]
            t = raw.decode("ascii", "replace") if raw.isascii() else raw.hex()
            width = max(1, int(s.length * 60 / n))
            ax.text((s.start + s.end) / 2, 3.35, t if len(t) <= width else t[: max(1, width - 1)] + "…",
                    ha="center", va="center", fontsize=6.5, clip_on=True)
    ax.add_collection(PatchCollection(rects, facecolors=fcs, edgecolors=ecs, linewidths=0.6))
    labels = ["应用写入（send）", "TCP 报文段", "recv() 返回", "应用得到的消息"]
    ax.set_yticks([0.35, 1.35, 2.35, 3.35])
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlim(0, n)
    ax.set_ylim(3.9, -0.2)
    ax.set_xlabel("字节流中的偏移（字节）", fontsize=8)
    ax.tick_params(labelsize=7)
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)
    method = {"none": "不分帧", "length": "长度前缀", "delimiter": "分隔符"}[result.method]
    verdict = "完整还原" if result.ok else f"粘包 {result.merged} 处，拆包 {result.split} 处"
    ax.set_title(f"{method}：{len(result.messages)} 条消息 → {len(result.segments)} 个报文段 → "
                 f"{len(result.reads)} 次 recv() → {len(result.received)} 条消息（{verdict}）", fontsize=9)
    return ax
