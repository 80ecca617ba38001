"""cwnd_explorer: controls → simulate(granularity="round") → cwnd_layers; errors shown, last figure kept."""

from __future__ import annotations

import base64
import html

import numpy as np
import pytest

from tcpkit.congestion import CONTROLLERS, Phase, simulate
from tcpkit.plot import LayerRenderer, new_figure
from tcpkit.plot.congestion import _nice, cwnd_layers, plot_cubic_window, plot_cwnd, plot_linux_vs_model
from tcpkit.widgets.congestion import CWND_PRESETS, RANGES, cwnd_explorer


@pytest.mark.parametrize("preset", list(CWND_PRESETS))
def test_presets_build_and_match_the_model(preset: str) -> None:
    ex = cwnd_explorer(preset=preset)
    p = CWND_PRESETS[preset]
    assert [f.algorithm for f in ex.result.flows] == list(p["algorithms"])
    assert ex.result.granularity == "round" and ex.error is None
    assert ex.png()[:4] == b"\x89PNG"
    direct = simulate(list(p["algorithms"]), bandwidth_mbps=p["bandwidth_mbps"], rtt_ms=p["rtt_ms"],
                      buffer_pkts=p["buffer_pkts"], loss_rate=p["loss_rate"], initial_cwnd=p["initial_cwnd"],
                      duration_s=p["duration_s"], losses=p.get("losses", ()),
                      initial_ssthresh=p.get("initial_ssthresh"), granularity="round")
    assert list(ex.result.cwnd) == list(direct.cwnd)


def test_tahoe_vs_reno_preset_shows_one_loss_each() -> None:
    tr = cwnd_explorer(preset="tahoe_vs_reno").result
    assert [f.fast_retransmits for f in tr.flows] == [1, 1]
    tahoe, reno = tr.flows
    i = min(range(len(tahoe.time)), key=lambda k: abs(tahoe.time[k] - 3.1))
    assert tahoe.cwnd[i] < reno.cwnd[i] / 2  # Tahoe restarts from 1 segment, Reno from ssthresh


def test_cubic_growth_preset_is_concave_then_convex() -> None:
    f = cwnd_explorer(preset="cubic_growth").result.flows[0]
    assert f.fast_retransmits >= 1 and Phase.CONGESTION_AVOIDANCE in set(f.phase)


@pytest.mark.parametrize(("key", "value"), [("bandwidth_mbps", 50.0), ("rtt_ms", 120), ("buffer_pkts", 80),
                                            ("loss_rate", 0.005), ("initial_cwnd", 40), ("duration_s", 10.0),
                                            ("algorithms", ("cubic", "bbr"))])
def test_control_change_redraws(key: str, value) -> None:
    ex = cwnd_explorer(preset="reno_sawtooth")
    png, result = ex.png(), ex.result
    ex.controls[key].value = value
    assert ex.error is None
    assert ex.result is not result and ex.png() != png
    if key == "algorithms":
        assert [f.algorithm for f in ex.result.flows] == ["cubic", "bbr"]
    elif key == "duration_s":
        assert ex.result.duration_s == value
    elif key == "initial_cwnd":
        assert ex.result.flows[0].cwnd[0] != result.flows[0].cwnd[0]
    elif key == "loss_rate":
        assert ex.result.flows[0].drops != result.flows[0].drops
    else:
        assert getattr(ex.result, key) == value


def test_bad_input_shows_message_keeps_figure_then_recovers() -> None:
    ex = cwnd_explorer(preset="reno_sawtooth")
    ex.controls["buffer_pkts"].value = 60
    good, result = ex.png(), ex.result
    ex.controls["algorithms"].value = ()
    assert ex.error == "algorithms must list at least one of 'tahoe', 'reno', 'newreno', 'cubic', 'bbr'"
    assert html.escape(ex.error) in ex.message.value and "tcpkit-error" in ex.message.value
    assert ex.png() == good and ex.result is result
    ex.controls["algorithms"].value = ("newreno",)
    assert ex.error is None and ex.message.value == "" and ex.png() != good


def test_model_error_text_reaches_the_page() -> None:
    ex = cwnd_explorer(preset="reno_sawtooth")
    ex.compute = lambda **kw: simulate("reno", bandwidth_mbps=0, rtt_ms=10, buffer_pkts=5, duration_s=1)
    good = ex.png()
    ex.clear_cache()   # the same control values were drawn by the real model
    assert ex.update() is False
    assert ex.error == "bandwidth_mbps must be in [0.01, 10000], got 0" and ex.png() == good


def test_mimebundle_has_the_png() -> None:
    ex = cwnd_explorer(preset="cubic_growth")
    assert base64.b64decode(ex._repr_mimebundle_()["image/png"]) == ex.png()


def test_unknown_preset_and_control() -> None:
    with pytest.raises(ValueError, match="^preset must be one of 'reno_sawtooth'"):
        cwnd_explorer(preset="vegas")
    with pytest.raises(ValueError, match="^control must be one of 'algorithms'"):
        cwnd_explorer(bogus=1)


def test_slider_ranges_are_valid_model_inputs() -> None:
    lo = {k: v[0] for k, v in RANGES.items()}
    hi = {k: v[1] for k, v in RANGES.items()}
    for corner in (lo, hi):
        tr = simulate(list(CONTROLLERS), granularity="round", **{k: (int(v) if k in ("rtt_ms", "buffer_pkts",
                      "initial_cwnd") else v) for k, v in corner.items()})
        assert len(tr.flows) == len(CONTROLLERS)


def test_widget_and_book_figures_show_the_same_data() -> None:
    tr = simulate(["reno", "cubic"], bandwidth_mbps=10, rtt_ms=40, buffer_pkts=30, duration_s=8, granularity="round")
    widget = LayerRenderer(cwnd_layers(stable=True))
    widget.render(tr)
    a = cwnd_layers(stable=True).data(widget.parts, tr)   # the artists the widget draws for tr
    b = plot_cwnd(tr, fig=new_figure(8, 5))
    la = [ln.get_ydata() for ln in a if ln.axes is widget.parts.ax and hasattr(ln, "get_ydata")]
    lb = [ln.get_ydata() for ln in b[0].lines]
    assert len(la) == len(lb) == 6
    assert sorted(np.nan_to_num(x).tolist() for x in la) == sorted(np.nan_to_num(x).tolist() for x in lb)
    assert _nice(43) == 50 and _nice(43, (1, 2, 5, 10)) == 50 and _nice(51, (1, 2, 5, 10)) == 100


def test_static_plot_functions_draw() -> None:
    from tcpkit.congestion.linux_trace import load_linux_trace

    tr = simulate("reno", bandwidth_mbps=10, rtt_ms=40, buffer_pkts=20, duration_s=3)
    axes = plot_cwnd(tr, fig=new_figure(8, 5))
    assert axes[0].get_ylim()[1] >= max(tr.cwnd)
    ax = plot_cubic_window(100)
    assert ax.lines[0].get_ydata()[0] == pytest.approx(70.0)
    lin = load_linux_trace()
    models = {a: simulate(a, bandwidth_mbps=lin.payload_mbps, rtt_ms=0.05, buffer_pkts=lin.buffer_pkts, duration_s=2)
              for a in ("reno", "cubic", "bbr")}
    assert len(plot_linux_vs_model(lin, models)) == 3
