"""Explorers for the UDP chapter: ARQ over a lossy channel, and TCP-vs-QUIC head-of-line blocking.

>>> e = arq_explorer(); e.controls["loss"].value = 0.3; e.error is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..arq import PROTOCOLS, ArqResult, goodput_sweep, max_window, simulate_arq, utilisation_formula
from ..plot import LayerRenderer
from ..plot.udp import ARQ_LAYERS, HOL_LAYERS
from ..quic import HolResult, hol_compare
from ._base import Explorer

__all__ = ["arq_explorer", "hol_explorer", "ArqPanel", "arq_panel"]

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
    return goodput_sweep(protocol, _SWEEP_LOSSES, seeds=(0,), n_packets=_SWEEP_N, window=window,
                         seq_bits=seq_bits, rtt=rtt, tx_time=_TX, timer=timer, timeout=timeout,
                         ack_loss=ack_loss, jitter=jitter)


def _preset(defaults: dict[str, Any], preset: dict[str, Any]) -> dict[str, Any]:
    unknown = set(preset) - set(defaults)
    if unknown:
        raise ValueError(f"preset must use the names {', '.join(defaults)}, got {', '.join(sorted(unknown))}")
    return {**defaults, **preset}


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

    v = _preset({"protocol": "gbn", "n_packets": 20, "window": 4, "seq_bits": 3, "rtt": 0.1, "loss": 0.1,
                 "ack_loss": 0.0, "jitter": 0.0, "timer": "fixed", "timeout": 0.25, "seed": 0}, preset)
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
    def fit_window(*, protocol: str, window: int, seq_bits: int, **_: Any) -> dict[str, str]:
        # the window must fit the sequence-number space (max_window): the sliders stop where the model does
        protos = ("gbn", "sr") if protocol == "all" else (protocol,)
        if protos == ("sw",):
            return {"window": "停止等待一次只发 1 个包，窗口不起作用"}
        w, k = controls["window"], controls["seq_bits"]
        with w.hold_trait_notifications(), k.hold_trait_notifications():
            k.min = next(b for b in range(1, 17) if all(max_window(p, b) >= window for p in protos))
            w.max = min(32, *(max_window(p, seq_bits) for p in protos))
        return {}

    return Explorer(controls, arq_panel, LayerRenderer(ARQ_LAYERS, dpi=72), summary=_summary_arq,
                    inactive=fit_window)


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

    v = _preset({"n_streams": 3, "packets_per_stream": 4, "lost": 1, "rtt": 0.1, "tx_time": 0.005}, preset)
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

    def fit_lost(*, n_streams: int, packets_per_stream: int, **_: Any) -> dict[str, str]:
        lost = controls["lost"]   # the slider ends at the last packet sent
        with lost.hold_trait_notifications():
            lost.value = min(lost.value, n_streams * packets_per_stream - 1)
            lost.max = n_streams * packets_per_stream - 1
        return {}

    return Explorer(controls, compute, LayerRenderer(HOL_LAYERS, dpi=72), summary=_summary_hol, inactive=fit_lost)
