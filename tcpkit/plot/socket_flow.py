"""The socket API flow of a TCP server and client, with the segments each call causes.

>>> fig = plot_socket_flow(); len(fig.axes)
1

Left: the server's calls (socket → bind → listen → accept → recv/send → close);
right: the client's (socket → connect → send/recv → close); in the middle the
segments on the wire, placed at the height of the call that sends them, so one
sees that ``connect()`` returns after the SYN-ACK, that ``accept()`` only picks up
a connection the kernel has already established, and that ``recv()`` returning 0
is the peer's FIN. The states beside the boxes are those of RFC 9293 §3.3.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import COLORS, new_figure, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_socket_flow", "SERVER_CALLS", "CLIENT_CALLS", "SEGMENTS"]

#: (row, call, note, state after the call) — the server side.
SERVER_CALLS: tuple[tuple[float, str, str, str], ...] = (
    (0, "socket()", "", "CLOSED"),
    (1, "bind(addr, port)", "", ""),
    (2, "listen(backlog)", "", "LISTEN"),
    (3.1, "accept()", "阻塞，等全连接队列里出现连接", ""),
    (4.2, "", "", "SYN_RECEIVED"),
    (5.4, "", "", "ESTABLISHED"),
    (6.1, "accept() 返回新 fd", "握手早已由内核完成", ""),
    (7.0, "recv()", "", ""),
    (8.2, "send()", "", ""),
    (10.0, "recv() 返回 0", "读到对端的 FIN", "CLOSE_WAIT"),
    (11.2, "close()", "", "LAST_ACK"),
    (12.4, "", "", "CLOSED"),
)

#: (row, call, note, state after the call) — the client side.
CLIENT_CALLS: tuple[tuple[float, str, str, str], ...] = (
    (0, "socket()", "", "CLOSED"),
    (3.6, "connect()", "发 SYN，阻塞", "SYN_SENT"),
    (4.8, "connect() 返回", "收到 SYN+ACK、回 ACK 之后", "ESTABLISHED"),
    (6.4, "send()", "", ""),
    (8.8, "recv()", "", ""),
    (9.4, "close()", "", "FIN_WAIT_1"),
    (10.6, "", "", "FIN_WAIT_2"),
    (11.8, "", "", "TIME_WAIT"),
    (13.2, "", "60 s 后", "CLOSED"),
)

#: (from row, to row, direction "c2s"/"s2c", label) — the segments.
SEGMENTS: tuple[tuple[float, float, str, str], ...] = (
    (3.6, 4.2, "c2s", "SYN"),
    (4.2, 4.8, "s2c", "SYN+ACK"),
    (4.8, 5.4, "c2s", "ACK"),
    (6.4, 7.0, "c2s", "请求数据"),
    (8.2, 8.8, "s2c", "响应数据"),
    (9.4, 10.0, "c2s", "FIN"),
    (10.0, 10.6, "s2c", "ACK"),
    (11.2, 11.8, "s2c", "FIN"),
    (11.8, 12.4, "c2s", "ACK"),
)


def plot_socket_flow(*, fig: Figure | None = None) -> Figure:
    """Draw the server/client socket call sequence with the handshake and teardown aligned.

    Parameters
    ----------
    fig : matplotlib.figure.Figure, optional
        Where to draw; a new 8 × 8.5 in figure by default.

    Returns
    -------
    Figure

    Notes
    -----
    Calls from POSIX/Linux ``socket(2)``, ``bind(2)``, ``listen(2)``,
    ``accept(2)``, ``connect(2)``; segments and states from RFC 9293 §3.5–3.6
    (Figure 7 and Figure 13). The client closes first here, so it is the one
    that waits in TIME_WAIT (Linux: ``TCP_TIMEWAIT_LEN`` = 60 s).
    """
    use_cjk_font()
    if fig is None:
        fig = new_figure(8, 8.5)
    fig.set_layout_engine("none")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(13.8, -1.3)
    xs, xc = 1.55, 8.45  # centres of the two columns
    wire_s, wire_c = 3.55, 6.45
    ax.text(xs, -0.85, "服务端", ha="center", fontsize=13, color=COLORS["blue"])
    ax.text(xc, -0.85, "客户端", ha="center", fontsize=13, color=COLORS["orange"])
    for x in (wire_s, wire_c):
        ax.plot([x, x], [-0.3, 13.4], color=COLORS["grey"], lw=1, ls=":")
    ax.text(5.0, -0.85, "网络上的报文", ha="center", fontsize=9, color=COLORS["grey"])

    def column(calls: tuple[tuple[float, str, str, str], ...], x: float, colour: str, side: int) -> None:
        rows_with_box = [r for r, c, _, _ in calls if c]
        for r0, r1 in zip(rows_with_box, rows_with_box[1:]):
            ax.annotate("", xy=(x, r1 - 0.28), xytext=(x, r0 + 0.28),
                        arrowprops={"arrowstyle": "-|>", "color": COLORS["grey"], "lw": 1})
        for row, call, note, state in calls:
            if call:
                ax.text(x, row, call, ha="center", va="center", fontsize=10,
                        bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": colour, "lw": 1.4})
            if note:
                ax.text(x, row + 0.42, note, ha="center", va="center", fontsize=8, color=COLORS["grey"],
                        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})
            if state:
                sx = wire_s - 0.08 if side < 0 else wire_c + 0.08
                ax.text(sx, row, state, ha="right" if side < 0 else "left", va="center", fontsize=8,
                        color=colour, style="italic")

    column(SERVER_CALLS, xs, COLORS["blue"], -1)
    column(CLIENT_CALLS, xc, COLORS["orange"], +1)
    for r0, r1, direction, label in SEGMENTS:
        x0, x1 = (wire_c, wire_s) if direction == "c2s" else (wire_s, wire_c)
        colour = COLORS["orange"] if direction == "c2s" else COLORS["blue"]
        ax.annotate("", xy=(x1, r1), xytext=(x0, r0),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.6})
        ax.text((x0 + x1) / 2, (r0 + r1) / 2 - 0.12, label, ha="center", va="bottom", fontsize=9, color=colour)
    return fig
