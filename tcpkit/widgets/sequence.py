"""The sequence-diagram explorer: pick a scenario, lose segments, change RTT and sysctls.

>>> ex = sequence_explorer("lost_syn", losses=3); ex.result.client_established_at
3.1

Controls → :func:`tcpkit.connection.run_scenario` → :func:`tcpkit.plot.connection.sequence_layout`
drawn by a :class:`tcpkit.plot.connection.SequenceRenderer` (the same picture as
:func:`tcpkit.plot.connection.plot_sequence`, made in one reused figure with cached
label bitmaps) → PNG, with a Chinese summary sentence ("连接在 X s 后建立" / "X s 后放弃，
connect() 返回 ETIMEDOUT").
"""

from __future__ import annotations

import functools
from typing import Any

from ..connection import PARAMS, SCENARIOS, Trace, run_scenario, scenario_defaults
from ..plot.connection import SequenceRenderer, clear_text_cache, plot_sequence
from ._base import Explorer

__all__ = ["sequence_explorer", "CachedExplorer", "CONTROLLED"]

#: Parameters that get a control; all others are fixed by the preset.
CONTROLLED = ("losses", "rtt", "syn_retries", "linear_timeouts", "synack_retries", "fin_timeout")

_LABELS = {
    "losses": "丢失次数",
    "rtt": "RTT (s)",
    "syn_retries": "syn_retries",
    "linear_timeouts": "linear_timeouts",
    "synack_retries": "synack_retries",
    "fin_timeout": "fin_timeout",
}


class CachedExplorer(Explorer):
    """An :class:`Explorer` that remembers the PNG of every control combination it has drawn.

    Moving a slider back to a value already seen costs a dictionary lookup
    instead of a new figure (the model is pure, so the picture is the same).
    """

    cache_size = 128
    #: The fast renderer behind ``render_png`` (set by :func:`sequence_explorer`).
    renderer: SequenceRenderer | None = None

    def update(self) -> bool:
        png_cache: dict[tuple[Any, ...], tuple[Any, bytes, str]] = self.__dict__.setdefault("_png_cache", {})
        key = tuple(sorted(self.values().items()))
        hit = png_cache.get(key)
        if hit is not None:
            self.result, png, summary = hit
            self.error = None
            self.message.value = ""
            self.image.value = png
            self.summary.value = summary
            return True
        ok = super().update()
        if ok:
            if len(png_cache) >= self.cache_size:
                png_cache.pop(next(iter(png_cache)))
            png_cache[key] = (self.result, self.png(), self.summary.value)
        return ok

    def clear_cache(self, *, text: bool = False) -> None:
        """Forget all cached figures and model results (benchmarks use this to time cold updates).

        With ``text=True`` the rasterised labels shared by every sequence
        diagram are dropped too (the very first figure a kernel draws).
        """
        self.__dict__.setdefault("_png_cache", {}).clear()
        _run.cache_clear()
        if text:
            clear_text_cache()


@functools.lru_cache(maxsize=256)
def _run(scenario: str, items: tuple[tuple[str, Any], ...]) -> Trace:
    return run_scenario(scenario, **dict(items))


def sequence_explorer(scenario: str = "handshake", **params: Any) -> CachedExplorer:
    """A client/server ladder diagram of one scenario, with loss, RTT and sysctl controls.

    Parameters
    ----------
    scenario : str
        Initial scenario, one of :data:`tcpkit.connection.SCENARIOS` (preset names used
        by other pages: ``active_close``, ``passive_close_without_close``,
        ``syn_in_time_wait``, ``lost_ack4``).
    **params
        Any :data:`tcpkit.connection.PARAMS`. Those in :data:`CONTROLLED` set the
        initial slider values; the others stay fixed.

    Returns
    -------
    CachedExplorer
        Controls: ``scenario``, ``losses``, ``rtt``, ``syn_retries``,
        ``linear_timeouts``, ``synack_retries``, ``fin_timeout``. Its PNG comes
        from ``explorer.renderer`` (a :class:`~tcpkit.plot.connection.SequenceRenderer`);
        ``explorer.renderer.layout`` is the layout it drew last.

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
        style = {"description_width": "110px"}
        lay = W.Layout(width="330px")
        if p.kind == "int":
            hi = {"losses": 20, "syn_retries": 15, "linear_timeouts": 10, "synack_retries": 10}.get(name, int(p.hi))
            hi = max(hi, int(init[name]))
            return W.IntSlider(value=int(init[name]), min=int(p.lo), max=hi, step=1, description=_LABELS[name],
                               continuous_update=False, style=style, layout=lay)
        return W.FloatSlider(value=float(init[name]), min=0.01, max=min(p.hi, 2.0), step=0.01,
                             description=_LABELS[name], continuous_update=False, style=style, layout=lay,
                             readout_format=".2f")

    controls: dict[str, Any] = {
        "scenario": W.Dropdown(options=[(f"{k} — {v}", k) for k, v in SCENARIOS.items()], value=scenario,
                               description="场景", layout=W.Layout(width="420px")),
    }
    for name in CONTROLLED:
        controls[name] = slider(name)

    def compute(scenario: str, **values: Any) -> Trace:
        kw = dict(fixed)
        kw.update(values)
        return _run(scenario, tuple(sorted(kw.items())))

    def draw(trace: Trace, fig: Any) -> None:   # the plain-matplotlib path (same picture, slower)
        fig.set_layout_engine(None)
        plot_sequence(trace, ax=fig.add_axes((0.0, 0.0, 1.0, 1.0)))

    figsize, dpi = (8.0, 6.5), 80
    renderer = SequenceRenderer(figsize, dpi)

    def summary(trace: Trace) -> str:
        return f"<b>{SCENARIOS[trace.scenario]}</b>：{trace.summary_zh()}。"

    def layout(ctrls: Any) -> Any:
        items = list(ctrls.values())
        return W.VBox([items[0], W.HBox(items[1:4], layout=W.Layout(flex_flow="row wrap")),
                       W.HBox(items[4:], layout=W.Layout(flex_flow="row wrap"))])

    ex = CachedExplorer(controls, compute, draw, figsize=figsize, dpi=dpi, summary=summary, layout=layout,
                        render_png=renderer.png)
    ex.renderer = renderer
    return ex
