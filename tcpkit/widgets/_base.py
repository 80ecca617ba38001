"""The one widget pattern every tcpkit explorer follows.

controls → ``compute(**values)`` (one pure tcpkit call) → ``draw(result, fig)``
(one plot function) → PNG in a :class:`ipywidgets.Image`.

* A ``ValueError``/``TypeError`` raised by ``compute`` is shown as text in the
  page (``Explorer.message``), never as a traceback; the last good figure stays.
* ``Explorer.update()`` is a plain method: tests call it without a kernel.
* ``_repr_mimebundle_`` adds an ``image/png`` of the current figure, so the
  static book (which prefers ``image/png`` over the widget view, see
  ``_config.yml``) always shows the figure at its default settings, while
  JupyterLab and Binder show the live widget.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..plot import fig_to_png, new_figure

__all__ = ["Explorer"]


class Explorer:
    """A thin interactive figure: controls, one model call, one plot function.

    Parameters
    ----------
    controls : mapping of str to ipywidgets.ValueWidget
        Keyword name → control. Each control's ``value`` is passed to ``compute``
        under its key.
    compute : callable
        ``compute(**values) -> result``; a pure tcpkit call that validates its
        input and raises ``ValueError``/``TypeError`` on bad input.
    draw : callable
        ``draw(result, fig) -> None`` draws the result into a cleared figure.
    figsize : (float, float)
        Figure size in inches.
    dpi : int
        Resolution of the PNG.
    summary : callable, optional
        ``summary(result) -> str``: an HTML sentence shown under the figure
        (e.g. the outcome of a scenario, in Chinese).
    layout : callable, optional
        ``layout(controls) -> Widget`` to arrange the controls; default a
        wrapped horizontal box.
    render_png : callable, optional
        ``render_png(result) -> bytes``: a faster renderer that produces the
        PNG itself (e.g. axes and labels rendered once, only the data drawn
        per change). Without it, :meth:`render` clears ``fig``, calls
        ``draw`` and encodes the figure.
    """

    def __init__(
        self,
        controls: Mapping[str, Any],
        compute: Callable[..., Any],
        draw: Callable[[Any, Any], object],
        *,
        figsize: tuple[float, float] = (8.0, 4.0),
        dpi: int = 80,
        summary: Callable[[Any], str] | None = None,
        layout: Callable[[Mapping[str, Any]], Any] | None = None,
        render_png: Callable[[Any], bytes] | None = None,
    ) -> None:
        import ipywidgets as W

        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.summary_fn = summary
        self.render_png = render_png
        self.fig = new_figure(*figsize, dpi=dpi)
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.message = W.HTML(value="")
        self.summary = W.HTML(value="")
        self.result: Any = None
        self.error: str | None = None
        self.last_ms: float = 0.0
        if layout is not None:
            box = layout(self.controls)
        else:
            box = W.HBox(list(self.controls.values()), layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([box, self.message, self.image, self.summary])
        for c in self.controls.values():
            c.observe(self._on_change, names="value")
        self.update()

    # -- the callback ---------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The current value of every control, by keyword."""
        return {k: c.value for k, c in self.controls.items()}

    def _on_change(self, _change: Any) -> None:
        self.update()

    def update(self) -> bool:
        """Recompute and redraw. Returns False (and shows the message) on bad input."""
        t0 = time.perf_counter()
        try:
            result = self.compute(**self.values())
        except (ValueError, TypeError) as exc:
            self.show_error(exc)
            return False
        self.error = None
        self.message.value = ""
        self.result = result
        self.image.value = self.render(result)
        if self.summary_fn is not None:
            self.summary.value = self.summary_fn(result)
        self.last_ms = (time.perf_counter() - t0) * 1000
        return True

    def render(self, result: Any) -> bytes:
        """The PNG of ``result``: ``render_png`` if given, else ``draw`` into the cleared figure."""
        if self.render_png is not None:
            return self.render_png(result)
        self.fig.clear()
        self.draw(result, self.fig)
        return fig_to_png(self.fig)

    def show_error(self, exc: Exception) -> None:
        """Show a validation error in the page (the last good figure stays)."""
        self.error = str(exc)
        self.message.value = (
            '<div class="tcpkit-error" style="color:#b00020;border-left:4px solid #b00020;'
            f'padding:2px 8px">参数错误：{html.escape(str(exc))}</div>'
        )

    # -- display --------------------------------------------------------
    def png(self) -> bytes:
        """The PNG bytes currently shown."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        bundle["text/plain"] = "tcpkit 交互图（在 JupyterLab 或 Binder 中运行可拖动控件）"
        return bundle
