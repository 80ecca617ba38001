"""The connection widgets in-process: controls change the model and the PNG; errors show and recover."""

from __future__ import annotations

import pytest

from tcpkit.connection import SCENARIOS, run_scenario
from tcpkit.fsm import State
from tcpkit.plot import new_figure
from tcpkit.plot.connection import FsmDiagram, plot_sequence, time_axis
from tcpkit.widgets.fsm import fsm_explorer
from tcpkit.widgets.sequence import CONTROLLED, sequence_explorer


def test_sequence_explorer_losses_change_model_and_png():
    ex = sequence_explorer("lost_syn", losses=1)
    assert ex.error is None
    png0, est0 = ex.png(), ex.result.client_established_at
    ex.controls["losses"].value = 3
    assert ex.png() != png0
    assert ex.result.client_established_at != est0
    assert ex.result.client_established_at == pytest.approx(3.1)   # SYNs at 0,1,2,3 (Linux ≥ 6.5)
    assert "连接在 3.1 s 后建立" in ex.summary.value


def test_sequence_explorer_give_up_summary_and_sysctl_slider():
    ex = sequence_explorer("lost_syn", losses=20)
    assert "131 s 后放弃，connect() 返回 ETIMEDOUT" in ex.summary.value
    ex.controls["linear_timeouts"].value = 0
    assert ex.result.gave_up_at == 127
    assert "127 s 后放弃" in ex.summary.value
    ex.controls["syn_retries"].value = 2
    assert ex.result.gave_up_at == 7


def test_sequence_explorer_scenario_dropdown_and_rtt():
    ex = sequence_explorer("active_close")
    png0 = ex.png()
    ex.controls["scenario"].value = "three_way_close"
    assert ex.result.scenario == "three_way_close" and ex.png() != png0
    ex.controls["rtt"].value = 0.5
    assert ex.result.client_established_at == pytest.approx(0.5)


def test_sequence_explorer_error_is_shown_and_recovers():
    ex = sequence_explorer("lost_fin1")
    good_png = ex.png()
    ex.controls["losses"].max = 100
    ex.controls["losses"].value = 60            # run_scenario allows [0, 50]
    assert ex.error == "losses must be in [0, 50], got 60"
    assert "losses must be in [0, 50], got 60" in ex.message.value
    assert ex.png() == good_png
    ex.controls["losses"].value = 2
    assert ex.error is None and ex.message.value == ""
    assert len(ex.result.sent_by("client", "FIN+ACK")) == 3


def test_sequence_explorer_cache_returns_same_picture():
    ex = sequence_explorer("lost_synack")
    first = ex.png()
    ex.controls["losses"].value = 2
    ex.controls["losses"].value = 1
    assert ex.png() == first
    ex.clear_cache()
    ex.controls["losses"].value = 2
    assert ex.png() != first


def test_sequence_explorer_fixed_params_and_bad_preset():
    ex = sequence_explorer("syn_in_time_wait", client_isn2=50)
    assert ex.result.sent_by("client", "RST")
    assert set(CONTROLLED) < set(ex.controls)
    with pytest.raises(ValueError, match="scenario must be one of"):
        sequence_explorer("nope")
    with pytest.raises(ValueError, match=r"rtt must be in \(0, 5\]"):
        sequence_explorer("handshake", rtt=9)


def test_sequence_explorer_static_png_in_mimebundle():
    ex = sequence_explorer("lost_ack4")
    bundle = ex._repr_mimebundle_()
    assert "image/png" in bundle and bundle["image/png"]


def test_fsm_explorer_step_slider_recolours():
    ex = fsm_explorer("active_close", step=0)
    png0 = ex.png()
    ex.controls["step"].value = 3
    assert ex.png() != png0
    trace, step = ex.result
    assert step == 3
    diagram = ex.diagram
    assert diagram is not None
    # after 3 state changes the client is in SYN_SENT→ESTABLISHED path; its node is blue-filled
    changes = [s for s in trace.steps if s.new is not s.old][:3]
    client_now = [s.new for s in changes if s.endpoint == "client"][-1]
    face = diagram.nodes[client_now].get_bbox_patch().get_facecolor()
    assert face[:3] != (0.9568627450980393, 0.9568627450980393, 0.9568627450980393)
    assert "第 3/" in diagram.title.get_text()


def test_fsm_explorer_scenario_change_adjusts_slider_and_error_recovers():
    ex = fsm_explorer("active_close")
    n_active = ex.controls["step"].max
    ex.controls["scenario"].value = "handshake"
    assert ex.controls["step"].max == 5 < n_active      # LISTEN, SYN_SENT, SYN_RECEIVED, 2× ESTABLISHED
    good = ex.png()
    ex.controls["step"].max = 40
    ex.controls["step"].value = 30
    assert ex.error == "step must be in [0, 5], got 30"
    assert "step must be in [0, 5], got 30" in ex.message.value
    assert ex.png() == good
    ex.controls["step"].value = 2
    assert ex.error is None and ex.png() != good


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_plot_sequence_every_scenario(name):
    fig = new_figure(8, 6)
    ax = plot_sequence(run_scenario(name), fig=fig)
    texts = [t.get_text() for t in ax.texts]
    assert "客户端" in texts and "服务端" in texts
    assert any("seq=" in t for t in texts)


def test_time_axis_compresses_long_gaps():
    ts, ys = time_axis([0, 0.05, 0.1, 60.1, 60.15], 0.1)
    assert ys[1] == pytest.approx(0.5) and ys[2] == pytest.approx(1.0)
    assert ys[3] - ys[2] == pytest.approx(3.5)
    assert all(b > a for a, b in zip(ys, ys[1:]))


def test_fsm_diagram_draws_every_state_once():
    fig = new_figure(8, 6.5)
    fig.set_layout_engine(None)
    d = FsmDiagram(fig)
    assert set(d.nodes) == set(State)
    d.show(run_scenario("simultaneous_close"), 100)       # clamps to the last step
    assert "simultaneous_close" in d.title.get_text()
