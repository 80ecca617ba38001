"""The state-diagram explorer: the whole TCP FSM, one scenario's path, a step slider.

>>> ex = fsm_explorer("active_close"); ex.controls["step"].value = 4
>>> print(ex.view.parts.caption.get_text())
t = 0.1 s　客户端：SYN_SENT --RCV_SYN_ACK，发送 ACK--> ESTABLISHED

The diagram (:class:`tcpkit.plot.connection.FsmDiagram`, drawn from
:func:`tcpkit.fsm.graph` at fixed coordinates) is the static layer of
:data:`tcpkit.plot.connection.FSM_LAYERS`; a step draws only the arrows taken,
the current states' boxes and the labels on top. The step slider's maximum is
the number of state changes of the scenario shown.
"""

from __future__ import annotations

import functools
from typing import Any

from ..connection import SCENARIOS, Trace, run_scenario
from ..plot import LayerRenderer
from ..plot.connection import FSM_LAYERS
from ._base import Explorer

__all__ = ["fsm_explorer"]


@functools.lru_cache(maxsize=32)
def _trace(scenario: str) -> Trace:
    return run_scenario(scenario)


def _n_changes(trace: Trace) -> int:
    return sum(1 for st in trace.steps if st.new is not st.old)


def fsm_explorer(scenario: str = "handshake", step: int | None = None) -> Explorer:
    """The TCP state diagram with one scenario's path; a slider steps through it.

    Parameters
    ----------
    scenario : str
        One of :data:`tcpkit.connection.SCENARIOS`.
    step : int, optional
        Initial step (number of state changes already applied); default: the last.

    Returns
    -------
    Explorer
        Controls ``scenario`` (dropdown) and ``step`` (slider, 0 … number of
        state changes). Blue = client, orange = server; arrows already taken
        are coloured, the last one thicker.

    Raises
    ------
    ValueError
        Unknown scenario (the message lists the valid names).
    """
    import ipywidgets as W

    n = _n_changes(run_scenario(scenario))
    dd = W.Dropdown(options=[(f"{k} — {v}", k) for k, v in SCENARIOS.items()], value=scenario,
                    description="场景", layout=W.Layout(width="420px"))
    sl = W.IntSlider(value=max(0, min(n if step is None else step, n)), min=0, max=n, step=1, description="步骤",
                     continuous_update=True, layout=W.Layout(width="420px"))

    def on_scenario(change: Any) -> None:   # registered before the explorer's own observer: runs first
        total = _n_changes(_trace(change["new"]))
        with sl.hold_trait_notifications():
            sl.value = min(sl.value, total)
            sl.max = total

    dd.observe(on_scenario, names="value")

    def compute(scenario: str, step: int) -> tuple[Trace, int]:
        tr = _trace(scenario)
        total = _n_changes(tr)
        if not 0 <= step <= total:
            raise ValueError(f"step must be in [0, {total}], got {step}")
        return tr, step

    def summary(result: tuple[Trace, int]) -> str:
        tr, _ = result
        return f"{SCENARIOS[tr.scenario]}。{tr.summary_zh()}。"

    return Explorer({"scenario": dd, "step": sl}, compute, LayerRenderer(FSM_LAYERS, dpi=80), summary=summary)
