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
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["use_cjk_font", "new_figure", "fig_to_png", "encode_png", "Layers", "LayerRenderer", "draw_layers", "draw_static",
           "FigureView", "CJK_FAMILY", "COLORS"]

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


# ---------------------------------------------------------------------------------------------
# The one fast path of every interactive figure: static layer cached per key, data blitted on top,
# small palette PNG. ``tcpkit.widgets.Explorer`` calls ``view.png(result)`` and nothing else.
# ---------------------------------------------------------------------------------------------


def encode_png(rgba: Any) -> bytes:
    """Encode an ``(h, w, 3|4)`` uint8 frame as a small deterministic PNG.

    Figures are flat colours plus anti-aliased edges, so a 256-colour palette
    (Pillow's fast octree, no dithering) looks the same (mean error ≈ 1/255) and
    is about a third of the RGB size — these bytes cross the kernel websocket.
    """
    import numpy as np
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(np.asarray(rgba)[..., :3]))
    pal = img.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    pal.save(buf, format="png", compress_level=6)
    return buf.getvalue()


class Layers(NamedTuple):
    """How a figure splits into a cached static layer and per-result data.

    ``key(result)`` names the static layer (axis limits, tick labels, legend);
    ``setup(fig, key)`` draws it into a fresh figure and returns the parts the
    data step needs; ``data(parts, result)`` returns the artists to draw on top.
    With ``fresh=False`` the returned artists live in ``setup``'s figure and are
    updated in place (create them with ``animated=True`` so the static layer
    leaves them out); with ``fresh=True`` ``data`` adds new artists each time,
    and they are removed again after drawing.

    A layer that changes often but cheaply (a time axis whose limits follow
    the run) goes in ``frame``: then ``key(result)`` is a pair
    ``(figure_key, frame_key)``, ``setup`` gets ``figure_key`` and
    ``frame(parts, frame_key)`` puts the figure into that state and returns
    the (animated) artists that depend on it. They are drawn once over the
    figure's static pixels and cached with them, so a new ``frame_key`` costs
    those few artists, not a new figure.
    """

    key: Callable[[Any], Hashable]
    setup: Callable[[Any, Any], Any]
    data: Callable[[Any, Any], list[Any]]
    figsize: tuple[float, float] | Callable[[Any], tuple[float, float]]
    margins: dict[str, float] | None = None
    fresh: bool = False
    frame: Callable[[Any, Any], list[Any]] | None = None

    def size(self, key: Any) -> tuple[float, float]:
        """The figure size for the static layer ``key``."""
        return self.figsize(key) if callable(self.figsize) else self.figsize


def draw_layers(layers: Layers, result: Any, fig: Figure | None = None) -> Figure:
    """Draw a :class:`Layers` figure in one go into ``fig`` (a new one if omitted): the static plot functions."""
    if fig is None:
        fig = new_figure(*layers.size(layers.key(result)))
    fig.set_layout_engine(None)
    if layers.margins:
        fig.subplots_adjust(**layers.margins)
    draw_static(layers, result, lambda k: layers.setup(fig, k))
    return fig


def draw_static(layers: Layers, result: Any, setup: Callable[[Any], Any]) -> None:
    """Build ``result``'s figure with ``setup(figure_key)`` and make its frame and data artists ordinary ones
    (drawn by the next full draw), instead of blitted: the one-go path shared by every ``plot_*`` function."""
    key: Any = layers.key(result)
    if layers.frame is None:
        parts = setup(key)
        framed: list[Any] = []
    else:
        parts = setup(key[0])
        framed = layers.frame(parts, key[1])
    for a in framed + layers.data(parts, result):
        a.set_animated(False)


def _draw_artists(fig: Figure, artists: Sequence[Any]) -> None:
    for a in artists:
        if not a.get_visible():
            continue
        if a.axes is not None:
            a.axes.draw_artist(a)
        else:
            fig.draw_artist(a)


class LayerRenderer:
    """Render a :class:`Layers` figure: the static layer once per key, the data blitted, PNG via :func:`encode_png`.

    The first time ``layers.key(result)`` is seen a figure is built and fully
    drawn (slow: every label) and its pixels kept (at most ``cache`` keys, least
    recently used out); afterwards the pixels are restored and only the data
    artists drawn. With ``layers.frame`` each (figure, frame) pair keeps its
    own pixels too: the frame's few artists are drawn once over the figure's.
    The result equals a first draw of the same figure, whatever came before.
    """

    def __init__(self, layers: Layers, *, dpi: int = 80, cache: int = 8) -> None:
        use_cjk_font()
        self.layers = layers
        self.dpi = dpi
        self.cache = max(1, cache)
        self._states: dict[Hashable, tuple[Any, Any, Any, Any]] = {}
        self._frames: dict[tuple[Any, Any], Any] = {}  # (figure_key, frame_key) -> pixels, with ``layers.frame``
        self.fig: Figure | None = None
        self.parts: Any = None

    def _figure(self, key: Hashable, size: tuple[float, float]) -> tuple[Any, Any, Any, Any]:
        """The figure for a static key: (fig, canvas, parts, static pixels), built and drawn on first use."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        st = self._states.pop(key, None)
        if st is None:
            use_cjk_font()
            fig = Figure(figsize=size, dpi=self.dpi)
            fig.set_layout_engine("none")
            if self.layers.margins:
                fig.subplots_adjust(**self.layers.margins)
            canvas: Any = FigureCanvasAgg(fig)
            parts = self.layers.setup(fig, key)
            canvas.draw()
            st = (fig, canvas, parts, canvas.copy_from_bbox(fig.bbox))
            while len(self._states) >= self.cache:
                old = next(iter(self._states))
                self._states.pop(old)
                self._frames = {k: v for k, v in self._frames.items() if k[0] != old}
        self._states[key] = st  # most recently used last
        return st

    def _state(self, key: Any) -> tuple[Any, Any, Any]:
        """Restore the static pixels for ``key`` (drawing them first if new); returns (fig, canvas, parts)."""
        size = self.layers.size(key)
        if self.layers.frame is None:
            fig, canvas, parts, bg = self._figure(key, size)
            canvas.restore_region(bg)
            return fig, canvas, parts
        fig_key, frame_key = key
        fig, canvas, parts, bg = self._figure(fig_key, size)
        artists = self.layers.frame(parts, frame_key)
        pixels = self._frames.pop(key, None)
        if pixels is None:
            canvas.restore_region(bg)
            _draw_artists(fig, artists)
            pixels = canvas.copy_from_bbox(fig.bbox)
            while len(self._frames) >= self.cache:
                self._frames.pop(next(iter(self._frames)))
        else:
            canvas.restore_region(pixels)
        self._frames[key] = pixels
        return fig, canvas, parts

    def render(self, result: Any) -> Any:
        """RGBA pixels (height × width × 4, ``uint8``) of the figure for ``result``."""
        import numpy as np

        fig, canvas, parts = self._state(self.layers.key(result))
        self.fig, self.parts = fig, parts
        artists = self.layers.data(parts, result)
        _draw_artists(fig, artists)
        if self.layers.fresh:
            for a in artists:
                a.remove()
        return np.asarray(canvas.buffer_rgba()).copy()

    def png(self, result: Any) -> bytes:
        """The figure for ``result`` as PNG bytes."""
        return encode_png(self.render(result))

    def clear(self) -> None:
        """Forget every cached static layer."""
        self._states.clear()
        self._frames.clear()


class FigureView:
    """The plain path: ``draw(result, fig)`` into a cleared figure, PNG via :func:`encode_png`."""

    def __init__(self, draw: Callable[[Any, Any], object], figsize: tuple[float, float] = (8.0, 4.0),
                 dpi: int = 80) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.draw = draw
        self.fig = new_figure(*figsize, dpi=dpi)
        self.canvas: Any = FigureCanvasAgg(self.fig)

    def png(self, result: Any) -> bytes:
        """Clear the figure, draw ``result``, encode."""
        self.fig.clear()
        self.draw(result, self.fig)
        self.canvas.draw()
        return encode_png(self.canvas.buffer_rgba())
