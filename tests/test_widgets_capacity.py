"""Widget tests for the capacity calculators and the plot functions behind them."""

from __future__ import annotations

import pytest

from tcpkit.capacity import dead_peer, port_timeline, server_limits
from tcpkit.plot import LayerRenderer, fig_to_png, new_figure
from tcpkit.plot.capacity import (
    DEAD_PEER_LAYERS,
    LIMITS_LAYERS,
    PORT_LAYERS,
    plot_dead_peer,
    plot_port_timeline,
    plot_server_limits,
)
from tcpkit.plot.socket_flow import CLIENT_CALLS, SEGMENTS, SERVER_CALLS, plot_socket_flow
from tcpkit.widgets.capacity import (
    KEEPALIVE_PRESETS,
    TIME_WAIT_PRESETS,
    keepalive_explorer,
    server_limits_explorer,
    time_wait_explorer,
)

PNG = b"\x89PNG"


@pytest.mark.parametrize(
    "make,key,good,bad,msg",
    [
        (time_wait_explorer, "rate", 300, None, None),
        (time_wait_explorer, "port_low", 50000, 0, "port_low must be in [1, 65535], got 0"),
        (time_wait_explorer, "port_high", 40000, 70000, "port_high must be in [1, 65535], got 70000"),
        (keepalive_explorer, "idle", 600, 0, "idle must be in [1, 32767], got 0"),
        (keepalive_explorer, "probes", 3, 200, "probes must be in [1, 127], got 200"),
        (keepalive_explorer, "user_timeout", 30.0, -1.0, "user_timeout must be in [0, 2.14748e+06], got -1"),
        (server_limits_explorer, "fd_limit", 65535, 0, "fd_limit must be in [1, 2147483647], got 0"),
        (server_limits_explorer, "client_ips", 1000, 0, "client_ips must be in [1, 4294967296], got 0"),
    ],
)
def test_explorer_changes_figure_and_shows_errors(make, key, good, bad, msg):
    e = make()
    png0, res0 = e.png(), e.result
    assert png0.startswith(PNG) and e.error is None
    e.controls[key].value = good
    assert e.error is None
    assert e.png() != png0, "the figure did not change"
    assert e.result != res0, "the model result did not change"
    if bad is None:
        return
    png1 = e.png()
    e.controls[key].value = bad
    assert e.error == msg
    assert msg in e.message.value
    assert e.png() == png1, "the last good figure must stay"
    e.controls[key].value = good  # a following good value works again
    assert e.error is None and e.message.value == ""
    assert e.png() == png1  # same parameters, same figure


def test_port_range_inverted_shows_message():
    e = time_wait_explorer()
    e.controls["port_low"].value = 61000
    assert e.error == "port_low must be ≤ port_high, got port_low=61000 > port_high=60999"
    e.controls["port_high"].value = 65000
    assert e.error is None and e.result.budget.ports == 4001


@pytest.mark.parametrize("preset", list(TIME_WAIT_PRESETS))
def test_time_wait_presets(preset):
    e = time_wait_explorer(preset)
    assert e.error is None and e.result.budget.max_conn_rate > 0
    assert "四元组" in e.summary.value


@pytest.mark.parametrize("preset", list(KEEPALIVE_PRESETS))
def test_keepalive_presets(preset):
    e = keepalive_explorer(preset)
    assert e.result.keepalive.detect_time > 0 and "ETIMEDOUT" in e.summary.value


def test_tw_reuse_control_changes_budget():
    e = time_wait_explorer()
    assert e.result.exhausted_at is not None
    e.controls["tw_reuse"].value = 1
    assert e.result.budget.tw_reuse_active and e.result.exhausted_at is None
    e.controls["tw_reuse"].value = 2
    e.controls["loopback"].value = True
    assert e.result.budget.tw_reuse_active


def test_unknown_preset():
    with pytest.raises(ValueError, match="preset must be one of 'default'"):
        time_wait_explorer("nope")


def test_mimebundle_has_png():
    b = keepalive_explorer()._repr_mimebundle_()
    assert "image/png" in b and b["text/plain"].startswith("tcpkit")


def test_renderer_matches_static_plot_size():
    for layers, result in ((PORT_LAYERS, port_timeline(rate=900)), (DEAD_PEER_LAYERS, dead_peer()),
                           (LIMITS_LAYERS, server_limits())):
        renderer = LayerRenderer(layers)
        a, b = renderer.png(result), renderer.png(result)
        assert a.startswith(PNG) and a == b  # deterministic


def test_static_plots():
    fig = new_figure(8, 3.6)
    ax = plot_port_timeline(port_timeline(rate=900), ax=fig.add_subplot())
    assert ax.get_ylim()[1] == 50000 >= 28232 * 1.12   # 1-2-5 ladder
    assert fig_to_png(fig).startswith(PNG)
    ax = plot_dead_peer(dead_peer())
    assert ax.get_xlim()[1] >= 7875
    ax = plot_server_limits(server_limits(fd_limit=1024))
    assert ax.get_xscale() == "log"


def test_socket_flow_segments_match_the_calls():
    fig = plot_socket_flow()
    assert fig_to_png(fig).startswith(PNG)
    # every segment leaves at the row of a call or state on its sender's side
    srows = {r for r, *_ in SERVER_CALLS}
    crows = {r for r, *_ in CLIENT_CALLS}
    for r0, r1, direction, _ in SEGMENTS:
        assert (r0 in crows and r1 in srows) if direction == "c2s" else (r0 in srows and r1 in crows)
    assert [lab for *_, lab in SEGMENTS][:3] == ["SYN", "SYN+ACK", "ACK"]
