"""The sequence-diagram explorer: pick a scenario, lose segments, change RTT and sysctls.

>>> ex = sequence_explorer("lost_syn", losses=3); ex.result.client_established_at
3.1

Controls → :func:`tcpkit.connection.run_scenario` → :data:`tcpkit.plot.connection.SEQUENCE_LAYERS`
(the same picture as :func:`tcpkit.plot.connection.plot_sequence`) → PNG, with a Chinese
summary ("连接在 X s 后建立" / "X s 后放弃，connect() 返回 ETIMEDOUT") and, where a sysctl
sets a deadline, that deadline (so the slider answers even when the connection succeeds first):
in the summary, and connect()'s as a red dashed line on the ladder once a SYN was resent.
Controls that cannot matter in the scenario shown are disabled with the reason; the
丢失次数 slider ends where more losses would change nothing (the retries are used up).
"""

from __future__ import annotations

import functools
from typing import Any

from ..connection import PARAMS, SCENARIOS, Trace, run_scenario, scenario_defaults
from ..plot import LayerRenderer
from ..plot.connection import SEQUENCE_LAYERS
from ..timers import syn_retransmit_schedule, synack_retransmit_schedule
from ._base import Explorer, rows

__all__ = ["sequence_explorer", "CONTROLLED", "RELEVANT"]

#: Parameters that get a control; all others are fixed by the preset.
CONTROLLED = ("losses", "rtt", "syn_retries", "linear_timeouts", "synack_retries", "fin_timeout")

_LABELS = {"losses": "丢失次数", "rtt": "RTT (s)", "syn_retries": "syn_retries", "linear_timeouts": "linear_timeouts",
           "synack_retries": "synack_retries", "fin_timeout": "fin_timeout"}

_SYN = ("syn_retries", "linear_timeouts")
#: Scenario → the controls besides RTT that can change its picture (checked by tests/test_controls.py):
#: SYN_SENT retransmits the SYN (tcp_retransmit_timer), the listener the SYN-ACK (inet_csk_reqsk_queue_prune),
#: an orphaned FIN_WAIT_2 waits tcp_fin_timeout (tcp_fin_time).
RELEVANT: dict[str, tuple[str, ...]] = {
    "lost_syn": ("losses", *_SYN), "lost_synack": ("losses", *_SYN, "synack_retries"),
    "lost_ack3": ("losses",), "lost_fin1": ("losses",), "lost_ack2": ("losses",),
    "lost_fin2": ("losses", "fin_timeout"), "lost_ack4": ("losses",), "passive_close_without_close": ("fin_timeout",),
}

_WHY = {
    "losses": "本场景没有丢包，丢失次数不起作用",
    "syn_retries": "本场景 SYN 不重传，syn_retries / linear_timeouts 不起作用",
    "linear_timeouts": "本场景 SYN 不重传，syn_retries / linear_timeouts 不起作用",
    "synack_retries": "本场景服务端不重传 SYN-ACK，synack_retries 不起作用",
    "fin_timeout": "本场景没有孤儿 FIN_WAIT_2，fin_timeout 不起作用",
}


@functools.lru_cache(maxsize=512)
def _run(scenario: str, items: tuple[tuple[str, Any], ...]) -> Trace:
    return run_scenario(scenario, **dict(items))


def _max_losses(scenario: str, items: tuple[tuple[str, Any], ...]) -> int:
    """The largest loss count that still changes the trace (more are never sent: the retries are used up)."""
    kw = dict(items)
    prev = None
    for n in range(int(PARAMS["losses"].hi) + 1):
        tr = _run(scenario, tuple(sorted({**kw, "losses": n}.items())))
        sig = (tr.segments, tr.gave_up_at)
        if sig == prev:
            return max(1, n - 1)
        prev = sig
    return int(PARAMS["losses"].hi)


def _deadlines(trace: Trace) -> str:
    """The give-up deadlines the sysctls of this scenario set (Linux timers, tcpkit.timers)."""
    p = dict(trace.params)
    rel = RELEVANT.get(trace.scenario, ())
    out = []
    if "syn_retries" in rel:
        s = syn_retransmit_schedule(p["syn_retries"], linear_timeouts=p["linear_timeouts"])
        line = (f"connect() 的期限：syn_retries={p['syn_retries']}、linear_timeouts={p['linear_timeouts']} → "
                f"最多发 {len(s.sends)} 个 SYN，{s.give_up:g} s 时放弃")
        t = trace.client_established_at
        if t is not None:   # the budget left when the handshake won the race
            resent = len(trace.sent_by("client", "SYN")) - 1
            line += (f"；建立时已重传 {resent} 次，还剩 {len(s.sends) - 1 - resent} 次重传、"
                     f"{s.give_up - t:.4g} s 的预算")
        out.append(line)
    if "synack_retries" in rel:
        s = synack_retransmit_schedule(p["synack_retries"])
        out.append(f"半连接的期限：synack_retries={p['synack_retries']} → 最多发 {len(s.sends)} 个 SYN-ACK，"
                   f"{s.give_up:g} s 时丢弃")
    if "fin_timeout" in rel:
        out.append(f"孤儿 FIN_WAIT_2 最多等 fin_timeout = {p['fin_timeout']} s")
    return "".join(f"<br>{x}。" for x in out)


def sequence_explorer(scenario: str = "handshake", **params: Any) -> Explorer:
    """A client/server ladder diagram of one scenario, with loss, RTT and sysctl controls.

    Parameters
    ----------
    scenario : str
        Initial scenario, one of :data:`tcpkit.connection.SCENARIOS`.
    **params
        Any :data:`tcpkit.connection.PARAMS`. Those in :data:`CONTROLLED` set the
        initial slider values; the others stay fixed.

    Returns
    -------
    Explorer
        Controls: ``scenario``, ``losses``, ``rtt``, ``syn_retries``,
        ``linear_timeouts``, ``synack_retries``, ``fin_timeout``; those not in
        :data:`RELEVANT` for the scenario shown are disabled.

    Raises
    ------
    ValueError
        Unknown scenario or bad parameter (same messages as ``run_scenario``).
    """
    import ipywidgets as W

    run_scenario(scenario, **params)  # validate the preset eagerly (raises ValueError)
    init = scenario_defaults(scenario)
    init.update(params)
    fixed = {k: v for k, v in params.items() if k not in CONTROLLED}

    def slider(name: str) -> Any:
        p = PARAMS[name]
        kw = dict(description=_LABELS[name], continuous_update=False, style={"description_width": "110px"},
                  layout=W.Layout(width="330px"))
        if p.kind == "int":
            hi = max({"syn_retries": 15, "linear_timeouts": 10, "synack_retries": 10}.get(name, int(p.hi)),
                     int(init[name]))
            return W.IntSlider(value=int(init[name]), min=int(p.lo), max=hi, step=1, **kw)
        return W.FloatSlider(value=float(init[name]), min=0.01, max=min(p.hi, 2.0), step=0.01, readout_format=".2f",
                             **kw)

    controls: dict[str, Any] = {
        "scenario": W.Dropdown(options=[(f"{k} — {v}", k) for k, v in SCENARIOS.items()], value=scenario,
                               description="场景", layout=W.Layout(width="420px")),
        **{name: slider(name) for name in CONTROLLED},
    }

    def items(scenario: str, values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        return tuple(sorted({**fixed, **values}.items()))

    def compute(scenario: str, **values: Any) -> Trace:
        return _run(scenario, items(scenario, values))

    def inactive(scenario: str, **values: Any) -> dict[str, str]:
        rel = RELEVANT.get(scenario, ())
        if "losses" in rel:   # the slider ends where more losses change nothing
            losses = controls["losses"]
            top = _max_losses(scenario, items(scenario, {k: v for k, v in values.items() if k != "losses"}))
            with losses.hold_trait_notifications():
                losses.value = min(losses.value, top)
                losses.max = top
        if not rel:
            return dict.fromkeys(_WHY, "本场景没有丢包、重传或孤儿 FIN_WAIT_2，只有 RTT 起作用")
        return {k: _WHY[k] for k in _WHY if k not in rel}

    def summary(trace: Trace) -> str:
        return f"<b>{SCENARIOS[trace.scenario]}</b>：{trace.summary_zh()}。{_deadlines(trace)}"

    return Explorer(controls, compute, LayerRenderer(SEQUENCE_LAYERS, dpi=80), summary=summary, inactive=inactive,
                    layout=rows([["scenario"], ["losses", "rtt", "syn_retries"],
                                 ["linear_timeouts", "synack_retries", "fin_timeout"]]))
