"""Plot helpers shared by every tcpkit figure: CJK font, figure creation, PNG rendering.

>>> fig = new_figure(6, 3); fig_to_png(fig)[:4]
b'\\x89PNG'

Plot functions in tcpkit take data and an ``ax`` (or a ``Figure``) and return
what they drew; they never compute a model. All of them call
:func:`use_cjk_font` so Chinese labels render with *Noto Sans SC* (SIL OFL,
from the ``pylopdf-fonts-zh-cn`` wheel) and never as tofu. No pyplot global
state is used: figures are plain :class:`matplotlib.figure.Figure` objects.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["use_cjk_font", "new_figure", "fig_to_png", "CJK_FAMILY", "COLORS"]

CJK_FAMILY = "Noto Sans SC"

#: A colour-blind-safe palette (Okabe–Ito), used by every tcpkit figure.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#777777",
    "black": "#000000",
}

_done = False


def use_cjk_font() -> None:
    """Register Noto Sans SC with matplotlib and make it the CJK fallback (idempotent).

    ``font.family`` becomes ``["DejaVu Sans", "Noto Sans SC"]``: Latin glyphs
    come from DejaVu Sans and every CJK glyph falls back to Noto Sans SC
    (matplotlib ≥ 3.6 per-glyph fallback). Setting ``font.sans-serif`` instead
    does *not* fall back and gives tofu.
    """
    global _done
    if _done:
        return
    from importlib.resources import files

    import matplotlib
    from matplotlib import font_manager

    path = files("pylopdf_fonts_zh_cn") / "NotoSansSC-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", CJK_FAMILY]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "tcpkit"  # deterministic SVG ids
    _register_ipython_png()
    _done = True


def _register_ipython_png() -> None:
    """In IPython, display a bare pyplot-free ``Figure`` as a PNG (not as ``<Figure size …>``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is None:
        return
    from matplotlib.figure import Figure

    ip.display_formatter.formatters["image/png"].for_type(Figure, fig_to_png)


def new_figure(width: float = 8.0, height: float = 4.0, *, dpi: int = 80) -> Figure:
    """A new pyplot-free figure with the CJK font set up."""
    use_cjk_font()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi, layout="constrained")


def fig_to_png(fig: Figure, *, dpi: int | None = None) -> bytes:
    """Render ``fig`` to PNG bytes (deterministic: no timestamp metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi, metadata={"Software": None})
    return buf.getvalue()
