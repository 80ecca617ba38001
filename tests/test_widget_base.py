"""The Explorer pattern: controls → one pure call → one plot; errors shown in the page, never raised."""

from __future__ import annotations

import base64

import ipywidgets as W
import pytest

from tcpkit._validate import check_float
from tcpkit.widgets import Explorer


def _explorer():
    def compute(rate: float) -> float:
        return check_float("rate", rate, lo=0, hi=10)

    def draw(result: float, fig) -> None:
        ax = fig.add_subplot()
        ax.bar(["速率"], [result])
        ax.set_ylim(0, 10)

    return Explorer({"rate": W.FloatText(value=2.0)}, compute, draw, figsize=(3, 2),
                    summary=lambda r: f"速率为 {r:g}")


def test_control_change_redraws():
    e = _explorer()
    first = e.png()
    e.controls["rate"].value = 7.0
    assert e.result == 7.0 and e.png() != first and e.summary.value == "速率为 7"


def test_bad_input_shows_message_and_keeps_last_figure():
    e = _explorer()
    e.controls["rate"].value = 5.0
    good = e.png()
    e.controls["rate"].value = 50.0
    assert e.error == "rate must be in [0, 10], got 50"
    assert "rate must be in [0, 10], got 50" in e.message.value and "tcpkit-error" in e.message.value
    assert e.png() == good and e.result == 5.0
    e.controls["rate"].value = 1.0
    assert e.error is None and e.message.value == "" and e.png() != good


def test_mimebundle_carries_a_png_fallback_of_the_current_figure():
    e = _explorer()
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == e.png()


def test_non_validation_errors_are_not_swallowed():
    def compute(rate: float) -> float:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        Explorer({"rate": W.FloatText(value=1.0)}, compute, lambda r, f: None)


def test_building_an_explorer_collects_garbage_then_freezes_the_heap():
    """No full GC walks the chapter's objects during a slider move: they are frozen, garbage is freed first."""
    import gc
    import weakref

    class Node:
        pass

    garbage = Node()
    garbage.self = garbage          # a reference cycle: only the cyclic collector frees it
    dead = weakref.ref(garbage)
    kept = [Node() for _ in range(1000)]
    del garbage
    gc.disable()                    # so only settle_heap can free it
    try:
        ex = _explorer()
    finally:
        gc.enable()
    assert dead() is None                               # collected, not pinned by the freeze
    assert gc.get_freeze_count() >= len(kept)
    tracked = {id(o) for o in gc.get_objects()}         # the generations a collection walks
    assert not tracked & {id(o) for o in kept}
    ex.controls["rate"].value = 7.0                     # interaction still works after the freeze
    assert ex.result == 7.0
