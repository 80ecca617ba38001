"""Figures for the SYN-flood page: the cookie's bit layout and the two listen queues over time.

>>> from tcpkit.syncookie import cookie_handshake
>>> fig = new_figure(8, 3.2); _ = plot_cookie(cookie_handshake("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577), fig=fig)

Every function takes a model result and a ``fig`` (or an ``ax``) and only draws.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from . import COLORS, Layers, new_figure, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..queues import QueueTimeline
    from ..syncookie import CookieHandshake

__all__ = ["plot_cookie", "plot_queues", "plot_synflood", "COOKIE_LAYERS", "flood_layers", "new_figure"]

_REASONS = {
    "ok": "接受",
    "too_old": "拒绝：cookie 已过期（分钟差 ≥ 2）",
    "bad_hash": "拒绝：哈希对不上（伪造或被篡改）",
}


def _bits_row(value: int) -> list[int]:
    return [(value >> (31 - i)) & 1 for i in range(32)]


def plot_cookie(hs: CookieHandshake, *, fig: Figure | None = None) -> Figure:
    """The cookie's bit layout (top) and the check of the third-step ACK (bottom), in one axes.

    Row 1 is what the server recovers after subtracting ``h0 + client ISN``:
    8 bits of minute counter (orange), then 24 bits of ``h1 + MSS index``
    (blue). Row 2 is the cookie on the wire (the SYN-ACK's sequence number),
    where the addition of ``h0 + ISN`` has mixed all bits. Dark cells are 1 bits.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap

    use_cjk_font()
    if fig is None:
        fig = new_figure(8, 3.0)
    e = hs.syn
    stripped = (e.count_field + e.low24) % 2**32
    fig.set_layout_engine("none")  # one hand-placed axes: constrained layout has nothing to do (and would warn)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    ax.set_xlim(-8.5, 32.5)
    ax.set_ylim(0, 10)
    field = np.array([[0] * 8 + [1] * 24, [2] * 32])
    bits = np.array([_bits_row(stripped), _bits_row(e.cookie)])
    cmap = ListedColormap(["#FBE3B5", COLORS["orange"], "#CFE6F5", COLORS["blue"], "#E4E4E4", "#555555"])
    ax.imshow(field * 2 + bits, cmap=cmap, vmin=0, vmax=5, aspect="auto", interpolation="nearest",
              extent=(0, 32, 4.6, 8.2))
    ax.vlines([8, 16, 24], 4.6, 8.2, color="white", lw=1.5)
    ax.text(-0.4, 7.3, "减去 h0+ISN 后", ha="right", va="center", fontsize=9)
    ax.text(-0.4, 5.5, "cookie（线上）", ha="right", va="center", fontsize=9)
    ax.text(4, 8.6, f"count mod 256 = {e.count & 0xFF}", ha="center", va="center", fontsize=8.5,
            color="#9A6400")
    ax.text(20, 8.6, f"(h1 + MSS 索引 {e.mssind}) mod 2²⁴ = 0x{e.low24:06x}", ha="center", va="center",
            fontsize=8.5, color=COLORS["blue"])
    ax.text(0, 4.2, "bit 31", ha="left", va="center", fontsize=8, color="#555555")
    ax.text(8, 4.2, "24", ha="center", va="center", fontsize=8, color="#555555")
    ax.text(32, 4.2, f"bit 0    cookie = 0x{e.cookie:08x} = {e.cookie}", ha="right", va="center", fontsize=8.5)
    ax.text(-8.3, 9.55, f"h0 = 0x{e.h0:08x}    h1 = 0x{e.h1:08x}    count = {e.count}    "
            f"MSS {e.mss_requested} → {e.mss_used}（索引 {e.mssind}）", ha="left", va="center", fontsize=9.5)
    c = hs.check
    colour = COLORS["green"] if c.accepted else COLORS["red"]
    verdict = f"接受：MSS = {c.mss}" if c.accepted else _REASONS[c.reason]
    ax.text(-8.3, 3.2, f"ACK：源端口 {hs.ack_sport}，seq = {hs.ack_seq}，ack = {hs.ack_ack}，到达时 count = {hs.ack_minute}",
            ha="left", va="center", fontsize=9)
    step2 = f"；分钟差 {c.age}" + ("" if c.data is None else f"；再减 h1 → 低 24 位 = {c.data}")
    ax.text(-8.3, 2.1, f"ack − 1 = 0x{c.cookie:08x}，减去 h0 + (seq − 1) → 0x{c.stripped:08x}{step2}",
            ha="left", va="center", fontsize=9)
    ax.text(-8.3, 0.8, verdict, ha="left", va="center", fontsize=11, color="white",
            bbox={"boxstyle": "round", "fc": colour, "ec": "none"})
    return fig


def plot_queues(tl: QueueTimeline, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Length of the SYN queue (spoofed / legitimate part) and the accept queue over time."""
    use_cjk_font()
    if ax is None:
        ax = new_figure().add_subplot()
    p = tl.params
    t = tl.t
    ax.fill_between(t, 0, tl.syn_queue_attack, color=COLORS["red"], alpha=0.35, lw=0, label="SYN 队列：伪造请求")
    ax.plot(t, tl.syn_queue, color=COLORS["red"], lw=1.2, label="SYN 队列（半连接）")
    ax.plot(t, tl.accept_queue, color=COLORS["blue"], lw=1.6, label="accept 队列（全连接）")
    ax.axhline(p.accept_queue_limit, color=COLORS["blue"], ls=":", lw=1)
    ax.text(t[-1], p.accept_queue_limit, f" backlog+1 = {p.accept_queue_limit}", color=COLORS["blue"],
            va="bottom", ha="right", fontsize=8)
    if 0 < p.syn_queue_limit != p.accept_queue_limit:
        ax.axhline(p.syn_queue_limit, color=COLORS["red"], ls=":", lw=1)
        ax.text(t[0], p.syn_queue_limit, f" SYN 队列上限 {p.syn_queue_limit}", color=COLORS["red"], va="bottom",
                fontsize=8)
    if p.attack_rate > 0 and p.attack_end > p.attack_start:
        ax.axvspan(p.attack_start, p.attack_end, color=COLORS["yellow"], alpha=0.12, lw=0)
    top = max(p.accept_queue_limit, p.syn_queue_limit, max(tl.syn_queue, default=0), 1)
    ax.set_ylim(0, top * 1.35)
    ax.set_xlim(0, p.duration)
    ax.set_ylabel("队列长度")
    ax.legend(loc="upper left", fontsize=8, ncol=3, frameon=False)
    ax.set_yticks([v for v in ax.get_yticks() if v <= top])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _mode(tl: QueueTimeline) -> str:
    return {0: "syncookies=0（关闭）", 1: "syncookies=1（溢出时启用）", 2: "syncookies=2（总是启用）"}[tl.params.syncookies]


def plot_synflood(result: tuple[QueueTimeline, QueueTimeline], *, fig: Figure | None = None,
                  width: float = 1.0) -> Figure:
    """Queues of the chosen run (top) and legitimate success per second for both runs (bottom).

    ``result`` is ``(chosen, contrast)``: the run with the reader's settings and
    the same run with ``tcp_syncookies`` switched (0 ↔ 1), drawn dashed.
    """
    use_cjk_font()
    if fig is None:
        fig = new_figure(8, 5)
    chosen, other = result
    p = chosen.params
    ax1 = fig.add_subplot(2, 1, 1)
    plot_queues(chosen, ax=ax1, title=f"{_mode(chosen)}：攻击 {p.attack_rate:g} SYN/s，"
                f"backlog = min({p.backlog}, somaxconn {p.somaxconn}) = {p.max_ack_backlog}")
    ax2 = fig.add_subplot(2, 1, 2, sharex=ax1)
    for tl, style, colour in ((chosen, "-", COLORS["green"]), (other, "--", COLORS["grey"])):
        x, y = tl.success_ratio(width)
        ax2.plot(x, [100 * v if not math.isnan(v) else math.nan for v in y], ls=style, color=colour, lw=1.6,
                 label=f"{_mode(tl)}：{100 * tl.summary()['success_fraction']:.0f}% 成功")
    if p.attack_rate > 0 and p.attack_end > p.attack_start:
        ax2.axvspan(p.attack_start, p.attack_end, color=COLORS["yellow"], alpha=0.12, lw=0, label="攻击期间")
    ax2.set_ylim(-3, 140)
    ax2.set_yticks([0, 25, 50, 75, 100])
    ax2.set_ylabel("正常连接成功率 (%)")
    ax2.set_xlabel("时间 (s)")
    ax2.legend(loc="upper right", fontsize=8, frameon=False, ncol=3)
    return fig


# --------------------------------------------------------------------------
# the widgets' views: a static layer drawn once, animated artists updated per result
# --------------------------------------------------------------------------
def _cookie_setup(fig: Figure, _key: Any) -> Any:
    """The static layer of the cookie figure; returns the animated parts."""
    import numpy as np
    from matplotlib.colors import ListedColormap

    p = SimpleNamespace()
    ax = p.ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    ax.set_xlim(-8.5, 32.5)
    ax.set_ylim(0, 10)
    p.field = np.array([[0] * 8 + [1] * 24, [2] * 32])
    cmap = ListedColormap(["#FBE3B5", COLORS["orange"], "#CFE6F5", COLORS["blue"], "#E4E4E4", "#555555"])
    p.img = ax.imshow(p.field * 2, cmap=cmap, vmin=0, vmax=5, aspect="auto", interpolation="nearest",
                      extent=(0, 32, 4.6, 8.2), animated=True)
    p.grid = ax.vlines([8, 16, 24], 4.6, 8.2, color="white", lw=1.5, animated=True)
    ax.text(-0.4, 7.3, "减去 h0+ISN 后", ha="right", va="center", fontsize=9)
    ax.text(-0.4, 5.5, "cookie（线上）", ha="right", va="center", fontsize=9)
    ax.text(0, 4.2, "bit 31", ha="left", va="center", fontsize=8, color="#555555")
    ax.text(8, 4.2, "24", ha="center", va="center", fontsize=8, color="#555555")
    ax.text(4, 8.6, "minute", ha="center", va="center", fontsize=8.5, color="#9A6400")
    kw: dict[str, Any] = {"va": "center", "animated": True}
    p.t_head = ax.text(-8.3, 9.55, "", ha="left", fontsize=9.5, **kw)
    p.t_low = ax.text(20, 8.6, "", ha="center", fontsize=8.5, color=COLORS["blue"], **kw)
    p.t_cookie = ax.text(32, 4.2, "", ha="right", fontsize=8.5, **kw)
    p.t_ack = ax.text(-8.3, 3.2, "", ha="left", fontsize=9, **kw)
    p.t_step = ax.text(-8.3, 2.1, "", ha="left", fontsize=9, **kw)
    p.t_verdict = ax.text(-8.3, 0.8, "", ha="left", fontsize=11, color="white",
                          bbox={"boxstyle": "round", "fc": COLORS["green"], "ec": "none"}, **kw)
    p.animated = [p.img, p.grid, p.t_head, p.t_low, p.t_cookie, p.t_ack, p.t_step, p.t_verdict]
    return p


def _cookie_data(p: Any, hs: CookieHandshake) -> list[Any]:
    import numpy as np

    e = hs.syn
    stripped = (e.count_field + e.low24) % 2**32
    p.img.set_data(p.field * 2 + np.array([_bits_row(stripped), _bits_row(e.cookie)]))
    p.t_head.set_text(f"h0 = 0x{e.h0:08x}    h1 = 0x{e.h1:08x}    count = {e.count} (mod 256 = "
                      f"{e.count & 0xFF})    MSS {e.mss_requested} -> {e.mss_used} (index {e.mssind})")
    p.t_low.set_text(f"(h1 + {e.mssind}) mod 2^24 = 0x{e.low24:06x}")
    p.t_cookie.set_text(f"bit 0    cookie = 0x{e.cookie:08x} = {e.cookie}")
    p.t_ack.set_text(f"ACK: sport {hs.ack_sport}, seq {hs.ack_seq}, ack {hs.ack_ack}, count {hs.ack_minute}")
    c = hs.check
    tail = "" if c.data is None else f"; - h1 -> low 24 bits = {c.data}"
    p.t_step.set_text(f"ack - 1 = 0x{c.cookie:08x}; - (h0 + seq - 1) -> 0x{c.stripped:08x}; "
                      f"age = {c.age} min{tail}")
    p.t_verdict.set_text(f"接受：MSS = {c.mss}" if c.accepted else _REASONS[c.reason])
    patch = p.t_verdict.get_bbox_patch()
    if patch is not None:
        patch.set_facecolor(COLORS["green"] if c.accepted else COLORS["red"])
    return list(p.animated)


#: The cookie calculator's view (same content as :func:`plot_cookie`; the verdict also in the HTML line).
COOKIE_LAYERS = Layers(lambda hs: "cookie", _cookie_setup, _cookie_data, (8.0, 3.0))


def flood_layers(duration: float = 60.0, attack_start: float = 5.0) -> Layers:
    """The SYN-flood explorer's view: queue occupancy (% of each limit) and success (%).

    Queue lengths are drawn as a percentage of their own limit so that the axes
    never change and stay in the cached layer; the absolute limits are printed
    in the (ASCII) title line and in the widget's HTML summary.
    """

    def setup(fig: Figure, _key: Any) -> Any:
        p = SimpleNamespace()
        gs = fig.add_gridspec(2, 1, left=0.08, right=0.99, top=0.91, bottom=0.11, hspace=0.22)
        ax1 = fig.add_subplot(gs[0])
        ax2 = fig.add_subplot(gs[1], sharex=ax1)
        for ax in (ax1, ax2):
            ax.set_xlim(0, duration)
            ax.set_ylim(-3, 112)
            ax.set_yticks([0, 50, 100])
            ax.axvspan(attack_start, duration, color=COLORS["yellow"], alpha=0.15, lw=0)
            ax.axhline(100, color="#999999", ls=":", lw=1)
        ax1.tick_params(labelbottom=False)
        ax1.set_ylabel("队列占用 (%)")
        ax2.set_ylabel("成功率 (%)")
        ax2.set_xlabel("时间 (s)；黄色：攻击期间")
        kw: dict[str, Any] = {"animated": True}
        p.l_syn, = ax1.plot([], [], color=COLORS["red"], lw=1.3, label="SYN 队列（半连接）", **kw)
        p.l_att, = ax1.plot([], [], color=COLORS["red"], lw=1.0, ls=":", label="其中伪造请求", **kw)
        p.l_acc, = ax1.plot([], [], color=COLORS["blue"], lw=1.6, label="accept 队列（全连接）", **kw)
        p.l_ok, = ax2.plot([], [], color=COLORS["green"], lw=1.8, label="所选设置", **kw)
        p.l_other, = ax2.plot([], [], color=COLORS["grey"], lw=1.5, ls="--", label="对照：syncookies 0↔1", **kw)
        ax1.legend(loc="center right", fontsize=8, frameon=False)
        ax2.legend(loc="center right", fontsize=8, frameon=False)
        p.t_title = fig.text(0.01, 0.955, "", fontsize=9, va="center", **kw)
        return p

    return Layers(lambda r: "flood", setup, _flood_data, (8.0, 4.5))


def _pct(xs: tuple[float, ...], limit: int, step: int) -> list[float]:
    if limit <= 0:
        return [0.0] * len(xs[::step])
    return [100.0 * v / limit for v in xs[::step]]


def _flood_data(p: Any, result: tuple[QueueTimeline, QueueTimeline]) -> list[Any]:
    chosen, other = result
    q = chosen.params
    step = max(1, round(0.1 / q.dt))  # draw at 100 ms resolution
    t = chosen.t[::step]
    p.l_syn.set_data(t, _pct(chosen.syn_queue, q.syn_queue_limit, step))
    p.l_att.set_data(t, _pct(chosen.syn_queue_attack, q.syn_queue_limit, step))
    p.l_acc.set_data(t, _pct(chosen.accept_queue, q.accept_queue_limit, step))
    for line, tl in ((p.l_ok, chosen), (p.l_other, other)):
        x, y = tl.success_ratio(1.0)
        line.set_data(x, [100 * v for v in y])
    s, o = chosen.summary(), other.summary()
    p.t_title.set_text(
        f"syncookies={q.syncookies}   B = min({q.backlog}, {q.somaxconn}) = {q.max_ack_backlog}   "
        f"limits: SYN {q.syn_queue_limit}, accept {q.accept_queue_limit}   "
        f"success {100 * s['success_fraction']:.0f}% vs {100 * o['success_fraction']:.0f}%")
    return [p.l_syn, p.l_att, p.l_acc, p.l_ok, p.l_other, p.t_title]
