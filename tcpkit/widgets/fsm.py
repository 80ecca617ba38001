"""The state-diagram explorer: the whole TCP FSM, one scenario's path, a step slider.

>>> ex = fsm_explorer("active_close"); ex.controls["step"].value = 4
>>> print(ex.diagram.caption.get_text())
t = 0.1 s　客户端：SYN_SENT --RCV_SYN_ACK，发送 ACK--> ESTABLISHED


The diagram is drawn once from :func:`tcpkit.fsm.graph` at fixed coordinates
(:class:`tcpkit.plot.connection.FsmDiagram`) into a background raster; a step
restores that raster and draws only the arrows taken, the current states' boxes
and the labels on top (:meth:`~tcpkit.plot.connection.FsmDiagram.png`). PNGs
are kept per ``(scenario, step)``.
"""

from __future__ import annotations

import functools
from typing import Any

from ..connection import SCENARIOS, Trace, run_scenario
from ..plot.connection import FsmDiagram, clear_text_cache
from ._base import Explorer

__all__ = ["fsm_explorer", "FsmExplorer"]


@functools.lru_cache(maxsize=32)
def _trace(scenario: str) -> Trace:
    return run_scenario(scenario)


def _n_changes(trace: Trace) -> int:
    return sum(1 for st in trace.steps if st.new is not st.old)


class FsmExplorer(Explorer):
    """An :class:`Explorer` whose diagram is drawn once; a step is blitted on top and its PNG kept."""

    diagram: FsmDiagram | None = None
    cache_size = 256

    def render(self, result: Any) -> bytes:
        """The PNG for ``result = (trace, step)``: from the cache, or drawn by :meth:`FsmDiagram.png`."""
        if self.diagram is None:
            self.fig.clear()
            self.fig.set_layout_engine(None)
            self.diagram = FsmDiagram(self.fig)
        trace, step = result
        cache: dict[tuple[str, int], bytes] = self.__dict__.setdefault("_png_cache", {})
        key = (trace.scenario, step)
        png = cache.get(key)
        if png is None:
            png = self.diagram.png(trace, step)
            if len(cache) >= self.cache_size:
                cache.pop(next(iter(cache)))
            cache[key] = png
        else:
            self.diagram.show(trace, step)      # keep the artists in step with the picture shown
        return png

    def clear_cache(self, *, text: bool = False) -> None:
        """Forget every cached PNG and trace (benchmarks use this to time cold updates).

        With ``text=True`` the rasterised labels (shared with the sequence
        renderer) are dropped too; the background raster of the diagram stays.
        """
        self.__dict__.setdefault("_png_cache", {}).clear()
        _trace.cache_clear()
        if text:
            clear_text_cache()


def fsm_explorer(scenario: str = "handshake", step: int | None = None) -> FsmExplorer:
    """The TCP state diagram with one scenario's path; a slider steps through it.

    Parameters
    ----------
    scenario : str
        One of :data:`tcpkit.connection.SCENARIOS`.
    step : int, optional
        Initial step (number of state changes already applied); default: the last.

    Returns
    -------
    FsmExplorer
        Controls ``scenario`` (dropdown) and ``step`` (slider). Blue = client,
        orange = server; arrows already taken are coloured, the last one thicker.

    Raises
    ------
    ValueError
        Unknown scenario (the message lists the valid names).
    """
    import ipywidgets as W

    trace = run_scenario(scenario)
    n = _n_changes(trace)
    first = n if step is None else step
    dd = W.Dropdown(options=[(f"{k} — {v}", k) for k, v in SCENARIOS.items()], value=scenario,
                    description="场景", layout=W.Layout(width="420px"))
    sl = W.IntSlider(value=max(0, min(first, n)), min=0, max=n, step=1, description="步骤",
                     continuous_update=True, layout=W.Layout(width="420px"))

    def compute(scenario: str, step: int) -> tuple[Trace, int]:
        tr = _trace(scenario)
        total = _n_changes(tr)
        if not 0 <= step <= total:
            raise ValueError(f"step must be in [0, {total}], got {step}")
        return tr, step

    def on_scenario(change: Any) -> None:
        total = _n_changes(_trace(change["new"]))
        with sl.hold_trait_notifications():
            if sl.value > total:
                sl.value = total
            sl.max = total

    dd.observe(on_scenario, names="value")

    def summary(result: tuple[Trace, int]) -> str:
        tr, k = result
        return f"{SCENARIOS[tr.scenario]}。{tr.summary_zh()}。"

    ex = FsmExplorer({"scenario": dd, "step": sl}, compute, lambda r, f: None, figsize=(8.0, 6.5), dpi=80,
                     summary=summary)
    return ex
