"""The cwnd plotter: pick algorithms, move the path's sliders, watch the windows.

>>> ex = cwnd_explorer(preset="reno_sawtooth"); ex.result.flows[0].algorithm
'reno'

Model granularity: the explorer runs :func:`tcpkit.congestion.simulate` with
``granularity="round"`` — one step per round trip, the same controller classes
fed one aggregated ACK per round — so a change costs a few milliseconds
whatever the bandwidth (the per-ACK simulator would need ~0.5 M events for
60 s at 100 Mbit/s). The book's static figures that need per-ACK detail call
``simulate(..., granularity="ack")`` directly.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import ipywidgets as W

from .._validate import check_choice
from ..congestion import CONTROLLERS, Trace, simulate
from ..linux import LINUX
from ..plot import LayerRenderer
from ..plot.congestion import ALGO_LABELS, cwnd_layers
from ._base import Explorer

__all__ = ["cwnd_explorer", "CWND_PRESETS", "RANGES", "cwnd_summary", "make_compute"]

#: Starting points of :func:`cwnd_explorer` (bandwidth Mbit/s, RTT ms, buffer segments, duration s).
CWND_PRESETS: dict[str, dict[str, Any]] = {
    "reno_sawtooth": {"algorithms": ("reno",), "bandwidth_mbps": 10.0, "rtt_ms": 40, "buffer_pkts": 20,
                      "loss_rate": 0.0, "initial_cwnd": int(LINUX["TCP_INIT_CWND"].value), "duration_s": 20.0},
    "tahoe_vs_reno": {"algorithms": ("tahoe", "reno"), "bandwidth_mbps": 40.0, "rtt_ms": 60, "buffer_pkts": 100,
                      "loss_rate": 0.0, "initial_cwnd": int(LINUX["TCP_INIT_CWND"].value), "duration_s": 8.0,
                      "losses": (3.0,), "initial_ssthresh": 40.0},
    "cubic_growth": {"algorithms": ("cubic",), "bandwidth_mbps": 100.0, "rtt_ms": 60, "buffer_pkts": 200,
                     "loss_rate": 0.0, "initial_cwnd": int(LINUX["TCP_INIT_CWND"].value), "duration_s": 30.0},
    "bbr_vs_cubic_deep_buffer": {"algorithms": ("cubic", "bbr"), "bandwidth_mbps": 20.0, "rtt_ms": 40,
                                 "buffer_pkts": 400, "loss_rate": 0.0,
                                 "initial_cwnd": int(LINUX["TCP_INIT_CWND"].value), "duration_s": 30.0},
}

#: Preset keys that are fixed scenario settings, not controls.
_FIXED = ("losses", "initial_ssthresh")

#: Slider ranges: (min, max, step). The round model costs ~2 µs per flow and round trip, so the RTT floor
#: (20 ms) and the 30 s ceiling bound one update at ~1500 rounds × 5 flows.
RANGES: dict[str, tuple[float, float, float]] = {
    "bandwidth_mbps": (1.0, 100.0, 1.0),
    "rtt_ms": (20, 300, 5),
    "buffer_pkts": (1, 500, 1),
    "loss_rate": (0.0, 0.02, 0.001),
    "initial_cwnd": (1, 100, 1),
    "duration_s": (2.0, 30.0, 1.0),
}

_STYLE = {"description_width": "initial"}


def _loss_options(current: float) -> list[tuple[str, float]]:
    lo, hi, step = RANGES["loss_rate"]
    vals = sorted({round(lo + k * step, 6) for k in range(round((hi - lo) / step) + 1)} | {float(current)})
    return [(f"{v:.2%}", v) for v in vals]


@lru_cache(maxsize=128)
def _run(algorithms: tuple[str, ...], bandwidth_mbps: float, rtt_ms: float, buffer_pkts: int, loss_rate: float,
         initial_cwnd: int, duration_s: float, losses: tuple[float, ...], initial_ssthresh: float | None) -> Trace:
    return simulate(list(algorithms), bandwidth_mbps=bandwidth_mbps, rtt_ms=rtt_ms, buffer_pkts=buffer_pkts,
                    loss_rate=loss_rate, duration_s=duration_s, initial_cwnd=initial_cwnd,
                    losses=[t for t in losses if t <= duration_s], initial_ssthresh=initial_ssthresh,
                    granularity="round")


def make_compute(losses: tuple[float, ...] = (), initial_ssthresh: float | None = None) -> Any:
    """The explorer's compute function: one ``simulate(granularity="round")`` call (cached)."""

    def compute(*, algorithms: Any, bandwidth_mbps: float, rtt_ms: float, buffer_pkts: int, loss_rate: float,
                initial_cwnd: int, duration_s: float) -> Trace:
        algs = tuple(algorithms)
        if not algs:
            raise ValueError("algorithms must list at least one of " + ", ".join(repr(a) for a in CONTROLLERS))
        return _run(algs, bandwidth_mbps, rtt_ms, buffer_pkts, loss_rate, initial_cwnd, duration_s,
                    tuple(losses), initial_ssthresh)

    return compute


def cwnd_summary(trace: Trace, loss_rate: float | None = None) -> str:
    """One HTML sentence per flow: goodput, fast retransmits, timeouts, drops (Chinese).

    With ``loss_rate`` the random-loss rate and the drops it should cause are named too
    (a small rate may drop nothing in a short run: the sentence still says what it means).
    """
    parts = []
    for f in trace.flows:
        parts.append(
            f"<b>{html.escape(ALGO_LABELS.get(f.algorithm, f.algorithm))}</b>：平均吞吐 {f.goodput_mbps:.2f} Mbit/s，"
            f"快速重传 {f.fast_retransmits} 次，超时 {f.timeouts} 次，丢包 {f.drops} 个"
        )
    sent = sum(f.sent for f in trace.flows)
    rand = ("" if loss_rate is None else
            f"随机丢包率 {loss_rate:.2%}：{sent:,} 个段中期望随机丢 {loss_rate * sent:.1f} 个（其余丢包是缓冲溢出）。")
    return (f"瓶颈 {trace.bandwidth_mbps:g} Mbit/s，BDP ≈ {trace.bdp_pkts:.0f} 段，缓冲 {trace.buffer_pkts} 段。{rand}"
            + "；".join(parts) + "。（按 RTT 轮次推进的模型）")


def cwnd_explorer(preset: str = "reno_sawtooth", **overrides: Any) -> Explorer:
    """cwnd of one or more algorithms sharing a bottleneck, with phases and events marked.

    Parameters
    ----------
    preset : str
        One of :data:`CWND_PRESETS`: ``"reno_sawtooth"``, ``"tahoe_vs_reno"``
        (one scripted loss at 3 s, initial ssthresh 40), ``"cubic_growth"``
        (concave then convex), ``"bbr_vs_cubic_deep_buffer"``.
    **overrides
        Starting values for single controls (``algorithms``, ``bandwidth_mbps``,
        ``rtt_ms``, ``buffer_pkts``, ``loss_rate``, ``initial_cwnd``, ``duration_s``).

    Returns
    -------
    Explorer
        Display it in a notebook; ``.controls[name].value = x`` also updates it.

    Raises
    ------
    ValueError
        Unknown preset or control name.

    Notes
    -----
    Runs ``simulate(..., granularity="round")`` (one step per round trip;
    see :mod:`tcpkit.congestion.sim`). Slider ranges are :data:`RANGES`;
    the initial-window default is ``LINUX["TCP_INIT_CWND"]``.
    """
    check_choice("preset", preset, CWND_PRESETS)
    values = dict(CWND_PRESETS[preset])
    fixed = {k: values.pop(k) for k in _FIXED if k in values}
    for k in overrides:
        check_choice("control", k, list(values))
    values.update(overrides)

    def slider(cls: Any, key: str, desc: str, **kw: Any) -> Any:
        lo, hi, step = RANGES[key]
        return cls(value=values[key], min=lo, max=hi, step=step, description=desc, style=_STYLE,
                   continuous_update=False, layout=W.Layout(width="300px"), **kw)

    controls = {
        "algorithms": W.SelectMultiple(
            options=[(ALGO_LABELS[a], a) for a in CONTROLLERS], value=tuple(values["algorithms"]),
            description="算法（可多选）", rows=5, style=_STYLE, layout=W.Layout(width="230px")),
        "bandwidth_mbps": slider(W.FloatSlider, "bandwidth_mbps", "带宽 Mbit/s"),
        "rtt_ms": slider(W.IntSlider, "rtt_ms", "RTT ms"),
        "buffer_pkts": slider(W.IntSlider, "buffer_pkts", "缓冲 段"),
        # a SelectionSlider (steps are option indices): a FloatSlider of 0.001 steps does not move with the keyboard
        "loss_rate": W.SelectionSlider(options=_loss_options(values["loss_rate"]), value=values["loss_rate"],
                                       description="随机丢包率", style=_STYLE, continuous_update=False,
                                       layout=W.Layout(width="300px")),
        "initial_cwnd": slider(W.IntSlider, "initial_cwnd", "初始 cwnd 段"),
        "duration_s": slider(W.FloatSlider, "duration_s", "时长 s"),
    }

    def layout(c: Mapping[str, Any]) -> Any:
        sliders = W.VBox([c[k] for k in c if k != "algorithms"])
        return W.HBox([c["algorithms"], sliders])

    return Explorer(controls, make_compute(**fixed), LayerRenderer(cwnd_layers(stable=True), dpi=80, cache=16),
                    summary=lambda tr: cwnd_summary(tr, controls["loss_rate"].value), layout=layout)
