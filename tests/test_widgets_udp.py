"""Widgets of the UDP chapter: ARQ explorer and HOL explorer (built in-process, no kernel)."""

from __future__ import annotations

import pytest

from tcpkit.arq import simulate_arq
from tcpkit.plot.udp import ARQ_LAYERS, HOL_LAYERS
from tcpkit.quic import hol_compare
from tcpkit.widgets.udp import arq_explorer, arq_panel, hol_explorer


def test_arq_control_change_redraws_and_recomputes():
    e = arq_explorer(protocol="sr", loss=0.0)
    png0, run0 = e.png(), e.result.runs[0]
    assert run0.retransmissions == 0
    e.controls["loss"].value = 0.3
    run1 = e.result.runs[0]
    assert e.error is None and e.png() != png0
    assert run1.retransmissions > 0 and run1.correct
    # the explorer shows exactly what the model computes
    assert run1 == simulate_arq("sr", n_packets=20, window=4, seq_bits=3, rtt=0.1, tx_time=0.01, loss=0.3, seed=0,
                                timeout=0.25)
    assert "选择重传" in e.summary.value


def test_arq_all_three_protocols():
    e = arq_explorer(protocol="all", window=3, loss=0.2)
    assert [r.protocol for r in e.result.runs] == ["sw", "gbn", "sr"]
    assert set(e.result.curves) == {"sw", "gbn", "sr"}
    sw, gbn, sr = (dict(e.result.curves[p])[0.0] for p in ("sw", "gbn", "sr"))
    assert sw < gbn and sw < sr  # windows beat stop-and-wait without loss


def test_arq_window_and_seq_bits_sliders_fit_the_sequence_space():
    e = arq_explorer(protocol="sr", seq_bits=3, window=4)
    assert e.controls["window"].max == 4 and e.controls["seq_bits"].min == 3   # 2**(k-1) for Selective Repeat
    good = e.png()
    e.controls["seq_bits"].value = 4  # now windows up to 8 are allowed
    assert e.controls["window"].max == 8
    e.controls["window"].value = 8
    assert e.error is None and e.result.runs[0].window == 8 and e.png() != good
    assert e.controls["seq_bits"].min == 4
    e.controls["protocol"].value = "gbn"                                          # 2**k − 1 for Go-Back-N
    assert e.controls["window"].max == 15 and e.controls["seq_bits"].min == 4
    e.controls["protocol"].value = "sw"
    assert e.controls["window"].disabled and "窗口不起作用" in e.note.value


def test_arq_preset_names_are_checked():
    with pytest.raises(ValueError, match="preset must use the names"):
        arq_explorer(windw=3)


def test_arq_panel_validates_protocol():
    with pytest.raises(ValueError) as exc:
        arq_panel(protocol="tcp")
    assert str(exc.value) == "protocol must be one of 'sw', 'gbn', 'sr', 'all', got 'tcp'"


def test_hol_control_change_redraws_and_recomputes():
    h = hol_explorer()
    png0 = h.png()
    h.controls["lost"].value = 0
    assert h.error is None and h.png() != png0 and h.result.lost == 0
    assert h.result == hol_compare(n_streams=3, packets_per_stream=4, lost=0, rtt=0.1, tx_time=0.005)
    h.controls["lost"].value = -1
    assert h.result.lost is None and "没有丢包" in h.summary.value


def test_hol_lost_slider_ends_at_the_last_packet_and_model_errors_still_show():
    h = hol_explorer(n_streams=3, packets_per_stream=4)
    assert h.controls["lost"].max == 11
    h.controls["lost"].value = 11
    h.controls["packets_per_stream"].value = 2   # 6 packets: the slider shrinks and the index follows
    assert h.controls["lost"].max == 5 and h.controls["lost"].value == 5 and h.error is None
    assert h.result == hol_compare(n_streams=3, packets_per_stream=2, lost=5, rtt=0.1, tx_time=0.005)
    good = h.png()
    h.compute = lambda **kw: hol_compare(lost=50, n_streams=3, packets_per_stream=4)
    h.clear_cache()
    assert h.update() is False and h.error == "lost must be in [0, 11], got 50"
    assert "lost must be in [0, 11], got 50" in h.message.value and h.png() == good


def test_static_bundle_has_png():
    bundle = hol_explorer()._repr_mimebundle_()
    assert bundle["image/png"] and "text/plain" in bundle


@pytest.mark.parametrize("make,layers,n_axes", [(lambda: arq_explorer(protocol="all"), ARQ_LAYERS, 4),
                                                (hol_explorer, HOL_LAYERS, 2)])
def test_the_widget_figure_is_the_plot_functions_figure(make, layers, n_axes):
    """The widget's view and the book's plot function draw the same layers."""
    from tcpkit.plot import draw_layers, fig_to_png

    e = make()
    fig = draw_layers(layers, e.result)
    assert len(fig.axes) == len(e.fig.axes) == n_axes
    assert fig_to_png(fig)[:4] == b"\x89PNG"


def test_renderer_reuses_cached_layouts():
    e = hol_explorer()
    n = len(e.view._states)
    for lost in range(6):
        e.controls["lost"].value = lost
    assert len(e.view._states) <= n + 1  # same stream count and time scale → same background
