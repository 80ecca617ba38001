"""The connection widgets in-process: controls change the model and the PNG; errors show and recover."""

from __future__ import annotations

import pytest

from tcpkit.connection import SCENARIOS, run_scenario
from tcpkit.fsm import State
from tcpkit.plot import LayerRenderer, new_figure
from tcpkit.plot.connection import (
    FSM_LAYERS,
    SEQUENCE_LAYERS,
    FsmDiagram,
    clear_text_cache,
    plot_sequence,
    time_axis,
)
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


@pytest.mark.parametrize(("losses", "retries", "linear"), [(1, 6, 4), (3, 6, 4), (2, 3, 0), (0, 2, 0)])
def test_sequence_explorer_summary_shows_the_budget_left_when_the_handshake_succeeds(losses, retries, linear):
    from tcpkit.timers import syn_retransmit_schedule

    ex = sequence_explorer("lost_syn", losses=losses, syn_retries=retries, linear_timeouts=linear)
    sched = syn_retransmit_schedule(retries, linear_timeouts=linear)
    t = ex.result.client_established_at
    assert t == pytest.approx(sched.sends[losses] + ex.result.param("rtt"))
    left = len(sched.sends) - 1 - losses
    assert f"建立时已重传 {losses} 次，还剩 {left} 次重传、{sched.give_up - t:.4g} s 的预算" in ex.summary.value


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
    real = ex.compute
    ex.compute = lambda scenario, **kw: run_scenario(scenario, **{**kw, "losses": 60})   # run_scenario allows [0, 50]
    ex.controls["rtt"].value = 0.2
    assert ex.error == "losses must be in [0, 50], got 60"
    assert "losses must be in [0, 50], got 60" in ex.message.value
    assert ex.png() == good_png
    ex.compute = real
    ex.controls["losses"].value = 2
    assert ex.error is None and ex.message.value == ""
    assert len(ex.result.sent_by("client", "FIN+ACK")) == 3


def test_sequence_explorer_fits_and_disables_controls_per_scenario():
    ex = sequence_explorer("lost_syn", losses=3)
    top = ex.controls["losses"].max                  # more losses than SYNs sent change nothing
    assert run_scenario("lost_syn", losses=top).gave_up_at is not None
    assert run_scenario("lost_syn", losses=top + 1).segments == run_scenario("lost_syn", losses=top).segments
    assert not ex.controls["syn_retries"].disabled and ex.controls["synack_retries"].disabled
    assert "synack_retries 不起作用" in ex.note.value
    ex.controls["syn_retries"].value = 7              # the connection still succeeds: the deadline answers
    assert "syn_retries=7" in ex.summary.value and ex.controls["losses"].max > top
    ex.controls["scenario"].value = "lost_ack3"        # with data after the ACK, one loss is all that matters
    assert ex.controls["losses"].max == 1 and ex.controls["losses"].value == 1
    ex.controls["scenario"].value = "handshake"
    assert all(ex.controls[k].disabled for k in CONTROLLED if k != "rtt") and "只有 RTT 起作用" in ex.note.value


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
    diagram = ex.view.parts
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


# --- the fast sequence renderer draws the same picture as plot_sequence -------------------------------

_VARIANTS = [(name, {}) for name in sorted(SCENARIOS)] + [
    ("lost_syn", {"losses": 6}),
    ("lost_syn", {"rtt": 0.05}),
    ("lost_fin2", {"losses": 12}),
    ("lost_synack", {"rtt": 1.7, "losses": 3}),
]


def _drawn(ax):
    """What an axes actually shows: labels, arrow endpoints, dashed lost segments (zorder 4), × marks, other dashes."""
    from matplotlib.collections import LineCollection
    from matplotlib.quiver import Quiver

    texts = []
    for t in ax.texts:
        texts.append((t.get_text(), *(round(v, 6) for v in t.get_position()), t.get_ha(), t.get_va(),
                      t.get_fontsize(), t.get_bbox_patch() is not None))
    for a in ax.artists:
        for t in getattr(a, "texts", []):
            texts.append((t.text, round(t.x, 6), round(t.y, 6), t.ha, t.va, t.size, t.boxed))
    arrows, lost, marks = [], [], []
    for c in ax.collections:
        if isinstance(c, Quiver):
            for (x, y), u, v in zip(c.get_offsets(), c.U, c.V):
                arrows.append(tuple(round(float(z), 6) for z in (x, y, x + u, y + v)))
        elif isinstance(c, LineCollection) and c.get_linestyle()[0][1] is not None:
            segs = [tuple(round(float(z), 6) for z in seg.ravel()) for seg in c.get_segments()]
            (lost if c.get_zorder() >= 4 else marks).extend(segs)   # e.g. the connect() deadline (zorder 3)
    crosses = [tuple(round(float(z), 6) for z in xy) for ln in ax.lines if ln.get_marker() == "x"
               for xy in ln.get_xydata()]
    return sorted(texts), sorted(arrows), sorted(lost), sorted(crosses), sorted(marks)


def _slow_png(trace):
    """plot_sequence at the widget's size, as PNG, plus the pixel boxes (rows, cols; top-down) of its labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from tcpkit.plot import fig_to_png

    fig = new_figure(8.0, 6.5, dpi=80)
    fig.set_layout_engine(None)
    ax = plot_sequence(trace, ax=fig.add_axes((0.0, 0.0, 1.0, 1.0)))
    png = fig_to_png(fig)
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = []
    for t in ax.texts:
        e = t.get_window_extent(renderer)
        if t.get_bbox_patch() is not None:
            e = t.get_bbox_patch().get_window_extent(renderer)
        boxes.append((int(520 - e.y1) - 2, int(520 - e.y0) + 3, int(e.x0) - 2, int(e.x1) + 3))
    return png, boxes


@pytest.mark.parametrize(("name", "kw"), _VARIANTS)
def test_fast_renderer_draws_the_same_elements_as_plot_sequence(name, kw):
    trace = run_scenario(name, **kw)
    fig = new_figure(8.0, 6.5)
    fig.set_layout_engine(None)
    slow = _drawn(plot_sequence(trace, ax=fig.add_axes((0.0, 0.0, 1.0, 1.0))))
    fig = new_figure(8.0, 6.5)
    ax = SEQUENCE_LAYERS.setup(fig, None)
    SEQUENCE_LAYERS.data(ax, trace)             # exactly the artists the widget blits
    fast = _drawn(ax)
    assert fast == slow
    texts, arrows, lost, crosses, _marks = fast
    # …and that content is the trace: one label per segment, one arrow per delivered segment, one × per loss
    want = sorted(("旧 " if s.note.startswith("旧") else "") + s.label() + ("（丢失）" if s.lost else "")
                  for s in trace.segments)
    assert sorted(t[0] for t in texts if t[-1]) == want
    delivered = [s for s in trace.segments if not s.lost]
    assert len(arrows) == len(delivered) and len(crosses) == len(lost) == len(trace.segments) - len(delivered)
    x = {"client": 0.0, "server": 1.0}
    assert sorted((a[0], a[2]) for a in arrows) == sorted((x[s.sender], x[s.receiver]) for s in delivered)
    names = {t[0] for t in texts}
    assert {"客户端", "服务端"} <= names
    assert {st.new.name for st in trace.steps if st.new is not st.old} <= names


@pytest.mark.parametrize(("name", "kw"), _VARIANTS)
def test_fast_renderer_pixels_match_plot_sequence(name, kw):
    import io

    import numpy as np
    from PIL import Image

    trace = run_scenario(name, **kw)
    png, boxes = _slow_png(trace)
    slow = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    fast = LayerRenderer(SEQUENCE_LAYERS).render(trace)[..., :3].astype(int)
    assert fast.shape == slow.shape == (520, 640, 3)
    assert (slow.min(axis=2) < 128).sum() > 2000          # a real diagram, not two blank images
    diff = np.abs(fast - slow).max(axis=2) > 0
    # Lines, arrows, × marks and timer bars are pixel-identical: every difference lies inside a label's
    # box (labels are placed on whole pixels instead of matplotlib's sub-pixel glyph positions).
    in_text = np.zeros_like(diff)
    for r0, r1, c0, c1 in boxes:
        in_text[max(r0, 0):r1, max(c0, 0):c1] = True
    assert not (diff & ~in_text).any(), np.argwhere(diff & ~in_text)[:5]
    assert np.abs(fast - slow).mean() < 3.0 and diff.mean() < 0.08


def test_fast_renderer_is_deterministic_when_reused():
    a, b = run_scenario("lost_fin2", losses=5), run_scenario("syn_in_time_wait")
    fresh = LayerRenderer(SEQUENCE_LAYERS).png(a)
    r = LayerRenderer(SEQUENCE_LAYERS)
    first = r.png(a)
    other = r.png(b)
    clear_text_cache()
    again = r.png(a)
    assert first == fresh == again and other != first


def test_explorer_png_is_the_fast_renderer_png():
    ex = sequence_explorer("lost_syn", losses=2)
    ex.controls["rtt"].value = 0.3
    assert ex.png() == LayerRenderer(SEQUENCE_LAYERS).png(run_scenario("lost_syn", losses=2, rtt=0.3))
    assert ex.result == run_scenario("lost_syn", losses=2, rtt=0.3)


# --- the fast FSM path (background raster + blitted highlights) shows what the plain drawing shows -------

def _fsm_plain_rgba(d, trace, step):
    import numpy as np

    d.show(trace, step)
    d.fig.canvas.draw()
    return np.asarray(d.fig.canvas.buffer_rgba()).copy()


def _near(img, rgb, tol=40):
    import numpy as np

    return (np.abs(img[..., :3].astype(int) - np.array(rgb)).max(axis=2) <= tol)


@pytest.fixture(scope="module")
def fsm_view():
    view = LayerRenderer(FSM_LAYERS)
    view.render((run_scenario("handshake"), 0))
    return view


_FSM_CASES = [(name, frac) for name in sorted(SCENARIOS) for frac in (0.0, 0.5, 1.0)]


@pytest.mark.parametrize("name,frac", _FSM_CASES)
def test_fsm_fast_path_marks_same_edges_nodes_and_texts_as_plain(fsm_view, name, frac):
    import numpy as np
    from matplotlib.colors import to_rgb, to_rgba

    from tcpkit.plot.connection import ENDPOINT_COLORS

    d = fsm_view.parts
    trace = run_scenario(name)
    changes = [s for s in trace.steps if s.new is not s.old]
    step = round(frac * len(changes))
    # expected marks, straight from the trace
    now = {"client": State.CLOSED, "server": State.CLOSED}
    taken = {}
    for st in changes[:step]:
        now[st.endpoint] = st.new
        if st.old is not st.new:
            taken[(st.old, st.new)] = ENDPOINT_COLORS[st.endpoint]
    fast = fsm_view.render((trace, step))
    h = d.highlight(trace, step)
    plain = _fsm_plain_rgba(d, trace, step)
    assert (h.client, h.server) == (now["client"], now["server"])
    assert {k: c for k, (c, _lw) in h.edges.items()} == taken
    # the plain drawing's artists carry exactly these marks
    coloured = {k for k, a in d.edges.items() if to_rgba(a.get_edgecolor()) != to_rgba(d.edge_base[k][0])}
    assert coloured == set(taken)
    filled = {s for s, t in d.nodes.items() if to_rgb(t.get_bbox_patch().get_facecolor()) != to_rgb("#f4f4f4")}
    assert filled == {now["client"], now["server"]}
    assert d.title.get_text() == h.title and f"第 {step}/{len(changes)} 步" in h.title
    # pixels: each current state's box is filled with its endpoint colour in both pictures
    renderer = d.fig.canvas.get_renderer()
    height = fast.shape[0]
    for s in filled:
        ext = d.nodes[s].get_bbox_patch().get_window_extent(renderer)
        sl = (slice(height - int(ext.y1), height - int(ext.y0)), slice(int(ext.x0), int(ext.x1)))
        face, edge = (tuple(round(255 * c) for c in to_rgb(col)) for col in h.nodes[s][:2])
        for img in (fast, plain):                 # fill (and a shared state's thick border) dominate the box
            colours, counts = np.unique(img[sl][..., :3].reshape(-1, 3), axis=0, return_counts=True)
            top2 = {tuple(int(c) for c in colours[i]) for i in np.argsort(counts)[-2:]}
            assert face in top2 and (edge in top2 or h.nodes[s][1] == "#999999")
    # endpoint-coloured ink outside the boxes (arrows taken), per arrow and overall
    outside = np.ones(fast.shape[:2], bool)
    for t in d.nodes.values():
        ext = t.get_bbox_patch().get_window_extent(renderer).padded(3)
        outside[max(0, height - int(ext.y1)):height - int(ext.y0), max(0, int(ext.x0)):int(ext.x1)] = False
    for t in d.ax.texts:                          # the legend ("● 客户端", "● 服务端") is coloured too
        if t.get_text().startswith("●"):
            ext = t.get_window_extent(renderer).padded(3)
            outside[max(0, height - int(ext.y1)):height - int(ext.y0), max(0, int(ext.x0)):int(ext.x1)] = False
    for colour in set(ENDPOINT_COLORS.values()):
        rgb = [round(255 * c) for c in to_rgb(colour)]
        nf, np_ = int((_near(fast, rgb, 12) & outside).sum()), int((_near(plain, rgb, 12) & outside).sum())
        assert abs(nf - np_) <= 0.15 * np_ + 10   # edge pixels blend with the grey arrow below (fast path)
        assert (np_ > 0) == any(c == colour for c in taken.values())
    for key in taken:
        ext = d.edges[key].get_window_extent(renderer)
        sl = (slice(max(0, height - int(ext.y1)), height - int(ext.y0)), slice(max(0, int(ext.x0)), int(ext.x1)))
        rgb = [round(255 * c) for c in to_rgb(taken[key])]
        nf, np_ = int((_near(fast[sl], rgb, 12) & outside[sl]).sum()), int((_near(plain[sl], rgb, 12) & outside[sl]).sum())
        assert np_ > 0 and abs(nf - np_) <= 0.2 * np_ + 10
    # everything else the same up to anti-aliasing and sub-pixel glyph placement (texts drawn as sprites)
    differ = np.abs(fast.astype(int) - plain.astype(int)).max(axis=2) > 64
    assert differ.mean() < 0.01
    # title and caption ink spans the same columns
    for yc in (8.0, -1.35):
        row = height - int(round(d.ax.transData.transform((0.0, yc))[1]))
        band = slice(row - 6, row + 7)
        cols_f = np.nonzero((fast[band, :, :3] < 128).any(axis=(0, 2)))[0]
        cols_p = np.nonzero((plain[band, :, :3] < 128).any(axis=(0, 2)))[0]
        assert len(cols_p) > 0 and abs(cols_f[0] - cols_p[0]) <= 3 and abs(cols_f[-1] - cols_p[-1]) <= 3


def test_fsm_fast_path_is_deterministic_and_independent_of_history(fsm_view):
    tr = run_scenario("active_close")
    first = fsm_view.png((tr, 4))
    fsm_view.png((run_scenario("simultaneous_close"), 7))
    fsm_view.png((tr, 12))
    assert fsm_view.png((tr, 4)) == first
    assert LayerRenderer(FSM_LAYERS).png((tr, 4)) == first


def test_fsm_explorer_cached_png_equals_fresh_draw():
    ex = fsm_explorer("active_close", step=2)
    ex.controls["step"].value = 6
    png6 = ex.png()
    ex.controls["step"].value = 2
    ex.controls["step"].value = 6                 # from the PNG cache
    assert ex.png() == png6 and "第 6/" in ex.view.parts.title.get_text()
    ex.clear_cache()
    ex.controls["step"].value = 5
    ex.controls["step"].value = 6                 # drawn again
    assert ex.png() == png6


@pytest.mark.parametrize(("retries", "linear"), [(6, 4), (3, 4), (2, 0)])
def test_ladder_marks_the_connect_deadline_once_the_syn_was_resent(retries, linear):
    """syn_retries moves a red dashed line on the ladder even when the connection succeeds before it."""
    from tcpkit.plot import COLORS
    from tcpkit.plot.connection import sequence_layout
    from tcpkit.timers import syn_retransmit_schedule

    give_up = syn_retransmit_schedule(retries, linear_timeouts=linear).give_up
    lay = sequence_layout(run_scenario("lost_syn", losses=1, syn_retries=retries, linear_timeouts=linear))
    label = [t for t in lay.texts if t.text.startswith("connect() 期限")]
    assert len(label) == 1 and f"{give_up:.4g} s" in label[0].text and f"syn_retries={retries}" in label[0].text
    line = [ln for ln in lay.lines if ln.dashed and ln.color == COLORS["red"]]
    assert len(line) == 1 and line[0].y0 == line[0].y1 == pytest.approx(label[0].y - 0.1)
    assert max(ln.y1 for ln in lay.lines if ln.x0 == ln.x1 == 0.0) > line[0].y0   # inside the client's timeline
    assert any(t.text == f"{give_up:.4g} s" for t in lay.texts)                    # and on the time margin
    plain = sequence_layout(run_scenario("handshake", syn_retries=retries, linear_timeouts=linear))
    assert not any(t.text.startswith("connect() 期限") for t in plain.texts)       # no SYN resent: no line
