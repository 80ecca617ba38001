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
