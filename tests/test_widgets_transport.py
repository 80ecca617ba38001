"""Widget tests for the transport chapter: each explorer reacts to its controls, shows bad input
as text while keeping the last figure, and recovers; the blitting renderer equals a full draw."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tcpkit.flow import nagle_delack_stall, simulate_flow
from tcpkit.mss import compare
from tcpkit.plot import LayerRenderer
from tcpkit.plot.transport import (
    MSS_LAYERS,
    RTO_LAYERS,
    WINDOW_LAYERS,
    nice_ceil,
    plot_mss,
    plot_rto,
    plot_stall,
    plot_window,
)
from tcpkit.rto import rto_scenario
from tcpkit.widgets.transport import mss_calculator, rto_explorer, window_explorer


def _change(ex, key, value):
    png0, res0 = ex.png(), ex.result
    ex.controls[key].value = value
    assert ex.error is None, ex.error
    assert ex.png() != png0
    assert ex.result != res0
    assert ex.png()[:4] == b"\x89PNG"


def _bad_then_good(ex, key, bad, msg, good):
    png0, res0 = ex.png(), ex.result
    ex.controls[key].value = bad
    assert ex.error == msg
    assert msg in ex.message.value
    assert ex.png() == png0 and ex.result is res0  # the last good figure stays
    ex.controls[key].value = good
    assert ex.error is None and ex.message.value == ""
    assert ex.png() != png0


@pytest.mark.parametrize("key,value", [("base_rtt", 0.4), ("jitter", 0.1), ("spike_size", 1.5), ("timeouts", 5),
                                       ("flavor", "linux"), ("seed", 7)])
def test_rto_explorer_controls(key, value):
    ex = rto_explorer()
    _change(ex, key, value)
    assert ex.result == rto_scenario(**ex.values())


def test_rto_explorer_backoff_visible():
    ex = rto_explorer(preset="rfc", timeouts=0)
    before = ex.result.max_rto
    ex.controls["timeouts"].value = 4
    assert len(ex.result.timeouts) == 4 and ex.result.max_rto > before


def test_rto_explorer_bad_seed():
    _bad_then_good(rto_explorer(), "seed", -1, "seed must be in [0, 4294967295], got -1", 3)


@pytest.mark.parametrize("key,value", [("time", 1.7), ("read_kib_s", 10.0), ("rcv_buf_kib", 128), ("pause_len", 0.0),
                                       ("nagle", False), ("write_size", 300)])
def test_window_explorer_controls(key, value):
    ex = window_explorer(preset="zero_window", **({"write_size": 100} if key == "nagle" else {}))
    _change(ex, key, value)


def test_window_explorer_zero_window_and_probes():
    ex = window_explorer(preset="zero_window")
    trace, i = ex.result
    assert trace.zero_windows and trace.probes
    assert trace.steps[i].zero_window  # the preset's time is inside the zero window
    assert "零窗口" in ex.summary.value
    ex.controls["read_kib_s"].value = 400.0
    ex.controls["pause_len"].value = 0.0
    assert not ex.result[0].zero_windows


def test_window_explorer_bad_write_size():
    _bad_then_good(window_explorer(), "write_size", -5, "write_size must be in [0, 1000000000], got -5", 200)


@pytest.mark.parametrize("key,value", [("mtu", 9000), ("message", 60000), ("loss", 0.1), ("ip_version", 6),
                                       ("timestamps", True)])
def test_mss_calculator_controls(key, value):
    ex = mss_calculator()
    _change(ex, key, value)
    assert ex.result == compare(**ex.values())


def test_mss_calculator_bad_values():
    ex = mss_calculator()
    _bad_then_good(ex, "message", 70000, "message must be in [1, 65495], got 70000", 30000)
    ex.controls["mtu"].value = 576
    png0 = ex.png()
    ex.controls["ip_version"].value = 6  # 576 is below the IPv6 minimum MTU
    assert ex.error == "mtu must be in [1280, 65536], got 576" and ex.png() == png0
    ex.controls["mtu"].value = 1280
    assert ex.error is None and ex.result.ip_version == 6 and ex.png() != png0


def test_presets_and_unknown_preset():
    assert rto_explorer(preset="linux").result.flavor == "linux"
    with pytest.raises(ValueError, match="preset must be one of 'rfc', 'linux', 'spike', 'backoff', got 'x'"):
        rto_explorer(preset="x")
    assert mss_calculator(preset="ipv6").result.ip_version == 6


@pytest.mark.parametrize(
    "layers,results",
    [
        (RTO_LAYERS, [rto_scenario(), rto_scenario(seed=5)]),
        (MSS_LAYERS, [compare(20000, loss=0.02), compare(20000, loss=0.021)]),
        (WINDOW_LAYERS, [(simulate_flow(duration=1.0), 300), (simulate_flow(duration=1.0), 700)]),
    ],
)
def test_blitting_equals_a_full_draw(layers, results):
    cached = LayerRenderer(layers)
    for r in results + results[:1]:  # the last one comes from the cached background
        fresh = LayerRenderer(layers).render(r)
        assert np.array_equal(cached.render(r), fresh)


def test_plot_functions_draw_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # includes "Glyph … missing from font"
        for fig in (
            plot_rto(rto_scenario()),
            plot_window(simulate_flow(duration=1.0), 500),
            plot_mss(compare(20000)),
            plot_stall([nagle_delack_stall(rtt=0.01), nagle_delack_stall(rtt=0.01, nagle=False)]),
        ):
            from tcpkit.plot import fig_to_png

            assert fig_to_png(fig)[:4] == b"\x89PNG"
            assert fig.axes


@pytest.mark.parametrize("x,expected", [(0.7, 1.0), (1.0, 1.0), (1.01, 2.0), (3.2, 5.0), (120, 200.0), (0.0, 1.0)])
def test_nice_ceil(x, expected):
    assert nice_ceil(x) == expected
