"""The one widget pattern every tcpkit explorer follows.

controls → ``compute(**values)`` (one pure tcpkit call) → ``view.png(result)``
(one plot renderer of :mod:`tcpkit.plot`) → PNG in a :class:`ipywidgets.Image`.

* A ``ValueError``/``TypeError`` raised by ``compute`` is shown as text in the
  page (``Explorer.message``), never as a traceback; the last good figure stays.
* ``Explorer.update()`` is a plain method: tests call it without a kernel.
* A control that cannot change the picture in the current setting is disabled
  and a note says why (``inactive``).
* ``_repr_mimebundle_`` adds an ``image/png`` of the current figure, so the
  static book (which prefers ``image/png`` over the widget view, see
  ``_config.yml``) always shows the figure at its default settings, while
  JupyterLab and Binder show the live widget.
* Building an explorer freezes the kernel's heap (:func:`settle_heap`), so the
  cyclic garbage collector never walks the chapter's objects in the middle of
  a slider move.
"""

from __future__ import annotations

import base64
import gc
import html
from collections.abc import Callable, Mapping
from typing import Any

from ..plot import FigureView

__all__ = ["Explorer", "rows", "settle_heap"]


def settle_heap() -> int:
    """Collect garbage, then freeze what is left (:func:`gc.freeze`); returns how many objects are frozen.

    A kernel that has run a chapter holds about 250k objects. A full (generation 2)
    collection walks all of them and takes 100+ ms, and it runs on whichever slider
    move happens to cross the collector's threshold: in JupyterLab one ARQ step took
    226 ms, 129 ms of it such a collection. Frozen objects are never walked again,
    so later collections only see what the interactions made. Garbage is collected
    first, so nothing already unreachable is pinned.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def rows(names: list[list[str]]) -> Callable[[Mapping[str, Any]], Any]:
    """A ``layout`` that puts the named controls in wrapped rows."""

    def make(controls: Mapping[str, Any]) -> Any:
        import ipywidgets as W

        return W.VBox([W.HBox([controls[k] for k in row], layout=W.Layout(flex_flow="row wrap",
                                                                          align_items="center"))
                       for row in names])

    return make


class Explorer:
    """A thin interactive figure: controls, one model call, one plot view.

    Parameters
    ----------
    controls : mapping of str to ipywidgets.ValueWidget
        Keyword name → control. Each control's ``value`` is passed to ``compute``
        under its key.
    compute : callable
        ``compute(**values) -> result``; a pure tcpkit call that validates its
        input and raises ``ValueError``/``TypeError`` on bad input.
    view : object with ``png(result) -> bytes``, or callable
        The plot: a renderer from :mod:`tcpkit.plot` (usually a
        :class:`~tcpkit.plot.LayerRenderer`), or a plain ``draw(result, fig)``
        function, wrapped in a :class:`~tcpkit.plot.FigureView` of ``figsize``/``dpi``.
    summary : callable, optional
        ``summary(result) -> str``: an HTML sentence shown under the figure.
    layout : callable, optional
        ``layout(controls) -> Widget`` to arrange the controls.
    inactive : callable, optional
        ``inactive(**values) -> {name: reason}``: controls that cannot change the
        picture for these values. They are disabled and one Chinese line under
        the controls says why; the set is recomputed after every change. It may
        also fit a control's range to the model (e.g. a step slider's maximum).

    Every PNG is kept per control values (the model is pure): moving a control
    back costs a dictionary lookup. This cache and the view's cached static
    layers are the only fast path; no explorer has its own.
    """

    cache_size = 256

    def __init__(
        self,
        controls: Mapping[str, Any],
        compute: Callable[..., Any],
        view: Any,
        *,
        figsize: tuple[float, float] = (8.0, 4.0),
        dpi: int = 80,
        summary: Callable[[Any], str] | None = None,
        layout: Callable[[Mapping[str, Any]], Any] | None = None,
        inactive: Callable[..., Mapping[str, str]] | None = None,
    ) -> None:
        import ipywidgets as W

        self.controls = dict(controls)
        self.compute = compute
        self.view = view if hasattr(view, "png") else FigureView(view, figsize, dpi)
        self.summary_fn = summary
        self.inactive_fn = inactive
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.message = W.HTML(value="")
        self.note = W.HTML(value="")
        self.summary = W.HTML(value="")
        self.result: Any = None
        self.error: str | None = None
        self._cache: dict[tuple[Any, ...], tuple[Any, bytes, str]] = {}
        box = (layout or rows([list(self.controls)]))(self.controls)
        self.widget = W.VBox([box, self.note, self.message, self.image, self.summary])
        for c in self.controls.values():
            c.observe(self._on_change, names="value")
        self.update()
        settle_heap()

    # -- the callback ---------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The current value of every control, by keyword."""
        return {k: c.value for k, c in self.controls.items()}

    def _on_change(self, _change: Any) -> None:
        self.update()

    def update(self) -> bool:
        """Recompute and redraw. Returns False (and shows the message) on bad input."""
        if self.inactive_fn is not None:
            self._mark_inactive(self.inactive_fn(**self.values()))
        values = self.values()   # ``inactive`` may have moved a range (and a value) to fit the model
        key = tuple(values.values())
        hit = self._cache.get(key)
        if hit is None:
            try:
                result = self.compute(**values)
            except (ValueError, TypeError) as exc:
                self.show_error(exc)
                return False
            text = self.summary_fn(result) if self.summary_fn is not None else ""
            hit = (result, self.view.png(result), text)
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = hit
        self.error = None
        self.message.value = ""
        self.result, self.image.value, self.summary.value = hit
        return True

    def _mark_inactive(self, reasons: Mapping[str, str]) -> None:
        for name, c in self.controls.items():
            c.disabled = name in reasons
        self.note.value = ("" if not reasons else '<div class="tcpkit-note" style="color:#777">'
                           + "；".join(html.escape(r) for r in dict.fromkeys(reasons.values())) + "。</div>")

    def clear_cache(self) -> None:
        """Forget every PNG drawn so far (benchmarks use this to time new figures)."""
        self._cache.clear()

    def show_error(self, exc: Exception) -> None:
        """Show a validation error in the page (the last good figure stays)."""
        self.error = str(exc)
        self.message.value = (
            '<div class="tcpkit-error" style="color:#b00020;border-left:4px solid #b00020;'
            f'padding:2px 8px">参数错误：{html.escape(str(exc))}</div>'
        )

    # -- display --------------------------------------------------------
    @property
    def fig(self) -> Any:
        """The matplotlib figure the view drew last."""
        return self.view.fig

    def png(self) -> bytes:
        """The PNG bytes currently shown."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        bundle["text/plain"] = "tcpkit 交互图（在 JupyterLab 或 Binder 中运行可拖动控件）"
        return bundle
