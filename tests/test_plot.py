"""Chinese text renders with a real CJK font (no tofu, no missing-glyph warnings); PNGs are deterministic."""

from __future__ import annotations

import warnings

import matplotlib

from tcpkit.plot import CJK_FAMILY, fig_to_png, new_figure, use_cjk_font


def test_chinese_labels_render_without_missing_glyph_warnings():
    fig = new_figure(4, 2)
    ax = fig.add_subplot()
    ax.set_title("慢启动、拥塞避免、快速恢复")
    ax.set_xlabel("时间 (s)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning → error here
        png = fig_to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_cjk_font_is_used_for_chinese_glyphs():
    use_cjk_font()
    from matplotlib import font_manager

    assert CJK_FAMILY in matplotlib.rcParams["font.family"]
    path = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
    assert path.endswith("NotoSansSC-Regular.otf")


def test_without_the_fallback_chinese_would_be_tofu():
    """The check above is meaningful: DejaVu Sans alone lacks these glyphs."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    dejavu = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert dejavu.get_char_index(ord("拥")) == 0
    noto = FT2Font(font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY)))
    assert noto.get_char_index(ord("拥")) != 0


def test_png_rendering_is_deterministic():
    def draw() -> bytes:
        fig = new_figure(3, 2)
        fig.add_subplot().plot([0, 1, 2], [2, 0, 1], label="窗口")
        return fig_to_png(fig)

    assert draw() == draw()


# --- the one fast path: every widget view is a Layers spec drawn by LayerRenderer ---------------------


def _views():
    """(name, layers, two results) for every Layers spec in tcpkit.plot."""
    from tcpkit.arq import PROTOCOLS
    from tcpkit.capacity import dead_peer, port_timeline, server_limits
    from tcpkit.congestion import simulate
    from tcpkit.connection import run_scenario
    from tcpkit.flow import simulate_flow
    from tcpkit.mss import compare
    from tcpkit.plot import capacity, congestion, connection, syncookie, transport, udp
    from tcpkit.queues import compare_syncookies
    from tcpkit.quic import hol_compare
    from tcpkit.rto import rto_scenario
    from tcpkit.syncookie import cookie_handshake
    from tcpkit.widgets.udp import arq_panel

    flood = [compare_syncookies(duration=20.0, attack_start=5.0, dt=0.05, contrast_dt=0.1, attack_rate=r)
             for r in (1e3, 1e4)]
    trace = [simulate(a, bandwidth_mbps=10, rtt_ms=40, buffer_pkts=20, duration_s=4, granularity="round")
             for a in ("reno", ["reno", "cubic"])]
    return [
        ("rto", transport.RTO_LAYERS, [rto_scenario(), rto_scenario(seed=5)]),
        ("window", transport.WINDOW_LAYERS, [(simulate_flow(duration=1.0), 300), (simulate_flow(duration=1.0), 700)]),
        ("mss", transport.MSS_LAYERS, [compare(20000, loss=0.02), compare(20000, loss=0.021)]),
        ("port", capacity.PORT_LAYERS, [port_timeline(rate=900), port_timeline(rate=300)]),
        ("dead", capacity.DEAD_PEER_LAYERS, [dead_peer(), dead_peer(idle=60, interval=10, probes=3)]),
        ("limits", capacity.LIMITS_LAYERS, [server_limits(), server_limits(fd_limit=1024)]),
        ("cookie", syncookie.COOKIE_LAYERS, [cookie_handshake("192.0.2.1", "198.51.100.7", 40000, 80, 1000, m,
                                                              minute=71577) for m in (1460, 536)]),
        ("flood", syncookie.flood_layers(20.0, 5.0), flood),
        ("arq", udp.ARQ_LAYERS, [arq_panel(protocol="all"), arq_panel(protocol=next(iter(PROTOCOLS)))]),
        ("hol", udp.HOL_LAYERS, [hol_compare(), hol_compare(n_streams=5, lost=3)]),
        ("sequence", connection.SEQUENCE_LAYERS, [run_scenario("lost_syn", losses=2), run_scenario("handshake")]),
        ("fsm", connection.FSM_LAYERS, [(run_scenario("active_close"), 3), (run_scenario("lost_syn"), 5)]),
        ("cwnd", congestion.cwnd_layers(stable=True), trace),
    ]


def test_every_view_blits_the_same_pixels_as_a_fresh_draw():
    """A result drawn over a cached static layer (after other results) equals a first draw of it."""
    import numpy as np

    from tcpkit.plot import LayerRenderer

    for name, layers, results in _views():
        cached = LayerRenderer(layers)
        for r in results + results[:1]:
            assert np.array_equal(cached.render(r), LayerRenderer(layers).render(r)), name
        assert cached.png(results[0]) != cached.png(results[1]), name


def test_a_later_finish_redraws_the_arq_time_axis_not_the_figure():
    """The ARQ figure is cached per protocol set; runs that end on other time ceilings only redraw the x axes."""
    import numpy as np

    from tcpkit.plot import LayerRenderer
    from tcpkit.plot.udp import ARQ_LAYERS
    from tcpkit.widgets.udp import arq_panel

    panels = [arq_panel(protocol="all", seed=s) for s in range(6)]
    ceilings = {ARQ_LAYERS.key(p)[1] for p in panels}
    assert len(ceilings) >= 2                                   # the seeds end on different axes
    cached = LayerRenderer(ARQ_LAYERS)
    frames = {ARQ_LAYERS.key(p)[1]: cached.render(p) for p in panels}
    assert len(cached._states) == 1                             # one figure for all of them
    for p in reversed(panels):                                  # history does not change the pixels
        assert np.array_equal(cached.render(p), LayerRenderer(ARQ_LAYERS).render(p))
    ax = cached.parts["rows"][-1]["ax"]
    y0 = cached.fig.bbox.height - ax.bbox.y0                    # the bottom timeline's tick labels
    strips = {c: f[int(y0) + 2:int(y0) + 14, int(ax.bbox.x0):int(ax.bbox.x1)].tobytes() for c, f in frames.items()}
    assert len(set(strips.values())) == len(ceilings)           # each ceiling shows its own tick labels


def _framed_views():
    """(name, layers, results): same figure key, several frame keys (axis limits)."""
    from tcpkit.capacity import dead_peer, port_timeline
    from tcpkit.congestion import simulate
    from tcpkit.flow import simulate_flow
    from tcpkit.mss import compare
    from tcpkit.plot.capacity import DEAD_PEER_LAYERS, PORT_LAYERS
    from tcpkit.plot.congestion import cwnd_layers
    from tcpkit.plot.transport import MSS_LAYERS, RTO_LAYERS, WINDOW_LAYERS
    from tcpkit.plot.udp import HOL_LAYERS
    from tcpkit.quic import hol_compare
    from tcpkit.rto import rto_scenario

    cwnd = [simulate("reno", bandwidth_mbps=b, rtt_ms=40, buffer_pkts=20, duration_s=d, granularity="round")
            for b, d in ((10, 20), (10, 21), (10, 30), (12, 20), (50, 20))]
    return [("cwnd", cwnd_layers(stable=True), cwnd),
            ("hol", HOL_LAYERS, [hol_compare(n_streams=n, lost=1) for n in (2, 4, 8, 16)]),
            ("port", PORT_LAYERS, [port_timeline(rate=900, destinations=d, duration=t)
                                   for d, t in ((1, 120), (2, 120), (4, 120), (1, 300))]),
            ("rto", RTO_LAYERS, [rto_scenario(timeouts=k) for k in range(5)]),
            ("window", WINDOW_LAYERS, [(simulate_flow(duration=d, rcv_buf=b * 1024), 200)
                                       for b, d in ((16, 1.0), (32, 1.0), (64, 1.0), (32, 2.0))]),
            ("mss", MSS_LAYERS, [compare(20000, loss=x) for x in (0.01, 0.05, 0.2)]),
            ("dead", DEAD_PEER_LAYERS, [dead_peer(idle=600), dead_peer(idle=7200), dead_peer(idle=60, user_timeout=30)])]


def test_new_axis_limits_reuse_the_figure_and_draw_the_same_pixels():
    import numpy as np

    from tcpkit.plot import LayerRenderer

    for name, layers, results in _framed_views():
        keys = [layers.key(r) for r in results]
        assert len({k[0] for k in keys}) == 1 and len({k[1] for k in keys}) >= 3, name
        cached = LayerRenderer(layers)
        first = [cached.render(r) for r in results]
        assert len(cached._states) == 1, name                      # one figure for every limit
        for r, px in zip(reversed(results), reversed(first)):
            again = cached.render(r)
            assert np.array_equal(again, px) and np.array_equal(again, LayerRenderer(layers).render(r)), name


def test_encode_png_is_a_small_palette_png_that_looks_the_same():
    import io

    import numpy as np
    from PIL import Image

    from tcpkit.connection import run_scenario
    from tcpkit.plot import LayerRenderer, encode_png
    from tcpkit.plot.connection import SEQUENCE_LAYERS

    few = np.zeros((13, 21, 4), np.uint8)
    few[:, :7, 0] = 255
    few[:, 14:, 2] = 200
    png = encode_png(few)
    img = Image.open(io.BytesIO(png))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and img.mode == "P"
    assert np.array_equal(np.asarray(img.convert("RGB")), few[..., :3])   # ≤ 256 colours: exact
    rgba = LayerRenderer(SEQUENCE_LAYERS).render(run_scenario("lost_syn", losses=3))
    small = encode_png(rgba)
    back = np.asarray(Image.open(io.BytesIO(small)).convert("RGB")).astype(int)
    assert np.abs(back - rgba[..., :3]).mean() < 2.0           # anti-aliased edges: near, not exact
    full = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(full, format="png", compress_level=1)
    assert len(small) < 0.6 * len(full.getvalue())
    assert encode_png(rgba) == small                           # deterministic
