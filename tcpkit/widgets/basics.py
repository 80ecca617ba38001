"""Explorers for the basics chapter: header bytes, seq/ack stepping, message framing.

>>> header_explorer().result.tcp.flag_text
'SYN'

Each function returns an :class:`~tcpkit.widgets._base.Explorer`: controls →
one pure tcpkit call (:func:`tcpkit.segment.header_pair`,
:func:`tcpkit.stream.conversation`, :func:`tcpkit.stream.framing`) → one plot
function from :mod:`tcpkit.plot.basics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..linux import LINUX
from ..plot.basics import plot_framing, plot_header_bytes, plot_seq_ladder
from ..segment import (
    Mss,
    Nop,
    Sack,
    SackPermitted,
    TcpFlag,
    TcpOption,
    Timestamps,
    WindowScale,
    header_pair,
)
from ..stream import conversation, framing
from ._base import Explorer

__all__ = ["header_explorer", "seq_stepper", "framing_demo", "parse_sack_blocks", "HEADER_PRESETS"]

_FLAG_NAMES = ("CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN")

#: Starting points for :func:`header_explorer`.
HEADER_PRESETS: dict[str, dict[str, Any]] = {
    # a Linux SYN as seen on the wire: MSS, SACK-Permitted, Timestamps, NOP, Window Scale (tcp_options_write)
    "linux_syn": {"flags": ("SYN",), "seq": 1000, "ack": 0, "window": 64240, "opt_mss": True, "opt_sackok": True,
                  "opt_ts": True, "opt_ws": True, "payload": ""},
    # the fact sheet's bare SYN (checksum 0x283d)
    "bare_syn": {"flags": ("SYN",), "seq": 1000, "ack": 0, "window": 64240, "payload": ""},
    # a data segment with timestamps and one SACK block
    "data_sack": {"flags": ("ACK", "PSH"), "seq": 1001, "ack": 5001, "window": 501, "opt_ts": True,
                  "sack": "7001-8449", "payload": "hello"},
}


def parse_sack_blocks(text: str) -> tuple[tuple[int, int], ...]:
    """Parse ``"1000-2000 3000-4000"`` into SACK blocks (empty text → no blocks).

    Raises
    ------
    ValueError
        An item that is not ``left-right``.

    Examples
    --------
    >>> parse_sack_blocks("1-2, 5-9")
    ((1, 2), (5, 9))
    """
    out = []
    for i, item in enumerate(x for x in text.replace(",", " ").split() if x):
        left, sep, right = item.partition("-")
        if not sep or not left.isdigit() or not right.isdigit():
            raise ValueError(f"sack item {i + 1} must look like 1000-2000, got {item!r}")
        out.append((int(left), int(right)))
    return tuple(out)


def _header_compute(**v: Any) -> Any:
    flags = 0
    for name in _FLAG_NAMES:
        if v[f"flag_{name}"]:
            flags |= TcpFlag[name]
    # option order and NOP alignment as Linux writes them (net/ipv4/tcp_output.c tcp_options_write)
    opts: list[TcpOption] = []
    if v["opt_mss"]:
        opts.append(Mss(v["mss"]))
    syn_only = bool(flags & TcpFlag.SYN) and not flags & TcpFlag.ACK
    if v["opt_ts"]:
        ts = Timestamps(v["tsval"], 0 if syn_only else 1)
        opts += [SackPermitted(), ts] if v["opt_sackok"] else [Nop(), Nop(), ts]
    elif v["opt_sackok"]:
        opts += [Nop(), Nop(), SackPermitted()]
    if v["opt_ws"]:
        opts += [Nop(), WindowScale(v["wscale"])]
    blocks = parse_sack_blocks(v["sack"])
    if blocks:
        opts += [Nop(), Nop(), Sack(blocks)]
    return header_pair(src=v["src"], dst=v["dst"], src_port=v["src_port"], dst_port=v["dst_port"], seq=v["seq"],
                       ack=v["ack"], flags=flags, window=v["window"], options=tuple(opts),
                       payload=v["payload"].encode("utf-8"))


def header_explorer(preset: str = "linux_syn", **overrides: Any) -> Explorer:
    """Edit a TCP header field by field and see its bytes, beside UDP's 8 bytes.

    Parameters
    ----------
    preset : {"linux_syn", "bare_syn", "data_sack"}
        Starting values (see :data:`HEADER_PRESETS`).
    **overrides
        Any control value, e.g. ``src_port=5353`` or ``payload="hi"``.

    Returns
    -------
    Explorer
        ``result`` is a :class:`~tcpkit.segment.HeaderPair`.
    """
    import ipywidgets as W

    if preset not in HEADER_PRESETS:
        raise ValueError(f"preset must be one of {', '.join(map(repr, HEADER_PRESETS))}, got {preset!r}")
    p: dict[str, Any] = {"src": "192.0.2.1", "dst": "198.51.100.7", "src_port": 40000, "dst_port": 80,
                         "mss": 1460, "wscale": 7, "tsval": 7, "sack": "", "opt_mss": False, "opt_sackok": False,
                         "opt_ts": False, "opt_ws": False}
    p.update(HEADER_PRESETS[preset])
    p.update(overrides)
    flags_on = set(p.pop("flags", ()))
    small = W.Layout(width="190px")
    tiny = W.Layout(width="auto")
    style = {"description_width": "initial"}
    c: dict[str, Any] = {
        "src": W.Text(value=p["src"], description="源 IP", layout=small, style=style),
        "dst": W.Text(value=p["dst"], description="目的 IP", layout=small, style=style),
        "src_port": W.IntText(value=p["src_port"], description="源端口", layout=small, style=style),
        "dst_port": W.IntText(value=p["dst_port"], description="目的端口", layout=small, style=style),
        "seq": W.IntText(value=p["seq"], description="seq", layout=small, style=style),
        "ack": W.IntText(value=p["ack"], description="ack", layout=small, style=style),
        "window": W.IntText(value=p["window"], description="window", layout=small, style=style),
        "payload": W.Text(value=p["payload"], description="数据", layout=small, style=style),
    }
    for name in _FLAG_NAMES:
        c[f"flag_{name}"] = W.Checkbox(value=name in flags_on, description=name, indent=False, layout=tiny)
    c.update({
        "opt_mss": W.Checkbox(value=p["opt_mss"], description="MSS", indent=False, layout=tiny),
        "mss": W.IntText(value=p["mss"], layout=W.Layout(width="80px")),
        "opt_sackok": W.Checkbox(value=p["opt_sackok"], description="SACK-Permitted", indent=False, layout=tiny),
        "opt_ts": W.Checkbox(value=p["opt_ts"], description="Timestamps", indent=False, layout=tiny),
        "tsval": W.IntText(value=p["tsval"], layout=W.Layout(width="100px")),
        "opt_ws": W.Checkbox(value=p["opt_ws"], description="Window Scale", indent=False, layout=tiny),
        "wscale": W.IntSlider(value=p["wscale"], min=0, max=int(LINUX["TCP_MAX_WSCALE"].value),
                              layout=W.Layout(width="160px")),
        "sack": W.Text(value=p["sack"], description="SACK 块", placeholder="7001-8449", layout=small, style=style),
    })

    def layout(ctrls: Mapping[str, Any]) -> Any:
        row = W.Layout(flex_flow="row wrap", align_items="center")
        return W.VBox([
            W.HBox([ctrls[k] for k in ("src", "dst", "src_port", "dst_port")], layout=row),
            W.HBox([ctrls[k] for k in ("seq", "ack", "window", "payload")], layout=row),
            W.HBox([W.Label("标志位：")] + [ctrls[f"flag_{n}"] for n in _FLAG_NAMES], layout=row),
            W.HBox([W.Label("选项："), ctrls["opt_mss"], ctrls["mss"], ctrls["opt_sackok"], ctrls["opt_ts"],
                    ctrls["tsval"], ctrls["opt_ws"], ctrls["wscale"], ctrls["sack"]], layout=row),
        ])

    def summary(r: Any) -> str:
        return (f"TCP 头部 {len(r.tcp_bytes)} 字节（data offset = {r.tcp.data_offset}），"
                f"校验和 0x{r.tcp.checksum:04x}；UDP 头部 8 字节，校验和 0x{r.udp.checksum:04x}。")

    def draw(r: Any, fig: Any) -> None:
        plot_header_bytes(r, fig=fig)

    return Explorer(c, _header_compute, draw, figsize=(9.0, 3.6), summary=summary, layout=layout,
                    inactive=_header_inactive)


def _header_inactive(*, opt_mss: bool, opt_ts: bool, opt_ws: bool, **_: Any) -> dict[str, str]:
    off = {"mss": ("MSS", opt_mss), "tsval": ("Timestamps", opt_ts), "wscale": ("Window Scale", opt_ws)}
    return {k: f"未勾选 {name} 选项，它的值不进头部" for k, (name, on) in off.items() if not on}


def seq_stepper(messages: str = "C100 S50", *, client_isn: int = 0, server_isn: int = 0, step: int = 10,
                delayed_ack: bool = True, close: str = "C", relative: bool = False) -> Explorer:
    """Step through a conversation and watch seq and ack change.

    Parameters
    ----------
    messages : str
        Who writes how many bytes, e.g. ``"C100 S50"`` (see :func:`tcpkit.stream.parse_messages`).
    client_isn, server_isn : int
        Initial sequence numbers, in [0, 2**32 − 1].
    step : int
        Segments shown as sent (the slider), in [0, 40].
    delayed_ack : bool
        Linux-style delayed ACKs (40 ms) or an immediate ACK for every arrival.
    close : {"C", "S", "none"}
        Who closes first.
    relative : bool
        Show relative numbers (as tcpdump does) instead of absolute ones.

    Returns
    -------
    Explorer
        ``result`` is ``(Conversation, step, relative)``.
    """
    import ipywidgets as W

    style = {"description_width": "initial"}
    c = {
        "messages": W.Text(value=messages, description="消息（C=客户端, S=服务端, 字节数）", style=style,
                           layout=W.Layout(width="360px"), continuous_update=False),
        "client_isn": W.IntText(value=client_isn, description="客户端 ISN", style=style,
                                layout=W.Layout(width="200px")),
        "server_isn": W.IntText(value=server_isn, description="服务端 ISN", style=style,
                                layout=W.Layout(width="200px")),
        "delayed_ack": W.Checkbox(value=delayed_ack, description="延迟确认", indent=False),
        "close": W.Dropdown(options=[("客户端先关闭", "C"), ("服务端先关闭", "S"), ("不关闭", "none")], value=close,
                            description="关闭", layout=W.Layout(width="200px")),
        "relative": W.Checkbox(value=relative, description="相对序号", indent=False),
        "step": W.IntSlider(value=step, min=0, max=max(step, 1), description="步骤", layout=W.Layout(width="420px")),
    }

    def compute(*, messages: str, client_isn: int, server_isn: int, delayed_ack: bool, close: str,
                relative: bool, step: int) -> Any:
        return (conversation(messages, client_isn=client_isn, server_isn=server_isn, delayed_ack=delayed_ack,
                             close=close), step, relative)

    def draw(r: Any, fig: Any) -> None:
        conv, st, rel = r
        plot_seq_ladder(conv, st, relative=rel, fig=fig)

    def summary(r: Any) -> str:
        conv, st, _ = r
        return f"共 {len(conv.segments)} 个报文段，显示前 {min(st, len(conv.segments))} 个；滑动“步骤”逐个查看。"

    def fit_step(*, messages: str, client_isn: int, server_isn: int, delayed_ack: bool, close: str, **_: Any) -> dict[str, str]:
        try:   # the slider ends at the last segment of this conversation
            n = len(conversation(messages, client_isn=client_isn, server_isn=server_isn, delayed_ack=delayed_ack,
                                 close=close).segments)
        except (ValueError, TypeError):
            return {}   # compute shows the message
        sl = c["step"]
        with sl.hold_trait_notifications():
            sl.max = max(n, 1)
            sl.value = min(sl.value, n)
        return {}

    return Explorer(c, compute, draw, figsize=(8.0, 5.0), summary=summary, inactive=fit_step)


def framing_demo(messages: str = "GET /a|GET /b|GET /c", *, method: str = "none", seed: int = 3,
                 max_segment: int = 8, read_size: int = 1024) -> Explorer:
    """Write messages into a TCP byte stream and see what a reader gets back.

    Parameters
    ----------
    messages : str
        Messages separated by ``|`` (each encoded as UTF-8).
    method : {"none", "length", "delimiter"}
        Framing used by writer and reader.
    seed : int
        Seed of the random segment sizes, in [0, 999].
    max_segment : int
        Largest segment payload in bytes, in [1, 64].
    read_size : int
        The reader's ``recv()`` size in bytes, in [1, 1024].

    Returns
    -------
    Explorer
        ``result`` is a :class:`~tcpkit.stream.FramingResult`.
    """
    import ipywidgets as W

    style = {"description_width": "initial"}
    c = {
        "messages": W.Text(value=messages, description="消息（用 | 分隔）", style=style,
                           layout=W.Layout(width="360px"), continuous_update=False),
        "method": W.Dropdown(options=[("不分帧", "none"), ("长度前缀（4 字节）", "length"), ("分隔符 \\n", "delimiter")],
                             value=method, description="分帧", layout=W.Layout(width="240px")),
        "seed": W.IntSlider(value=seed, min=0, max=999, description="分段随机种子", style=style),
        "max_segment": W.IntSlider(value=max_segment, min=1, max=64, description="最大段长", style=style),
        "read_size": W.IntSlider(value=read_size, min=1, max=1024, description="recv() 大小", style=style),
    }

    def compute(*, messages: str, method: str, seed: int, max_segment: int, read_size: int) -> Any:
        msgs = [m.encode("utf-8") for m in messages.split("|")]
        return framing(msgs, method=method, seed=seed, max_segment=max_segment, read_size=read_size)

    def summary(r: Any) -> str:
        got = "，".join(repr(m.decode("utf-8", "replace")) for m in r.received[:12])
        sizes = [sg.length for sg in r.segments]
        return (f"TCP 把 {len(r.stream)} 字节切成 {len(sizes)} 段（每段 1–{c['max_segment'].value} 字节，"
                f"最长 {max(sizes, default=0)}），读端调用 recv({c['read_size'].value}) {len(r.reads)} 次，"
                f"得到 {len(r.received)} 条：{got}" + ("" if r.ok else "（与发送的消息不一致）"))

    def draw(r: Any, fig: Any) -> None:
        plot_framing(r, fig=fig)

    def fit_read(*, read_size: int, **v: Any) -> dict[str, str]:
        # recv() runs after each segment until the buffer is empty: it never sees more than the largest segment
        try:
            top = max(s.length for s in compute(read_size=1, **v).segments)
        except (ValueError, TypeError):
            return {}   # compute shows the message
        rs = c["read_size"]
        with rs.hold_trait_notifications():
            rs.value = min(rs.value, top)
            rs.max = max(top, 1)
        return {"read_size": "每个段都只有 1 字节，每次 recv() 都只读到 1 字节"} if top <= 1 else {}

    return Explorer(c, compute, draw, figsize=(9.0, 3.4), summary=summary, inactive=fit_read)
