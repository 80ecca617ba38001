"""Every control a reader can touch answers: build every explorer the chapters display
(found in the chapter sources, see ``chapter_widgets.py``), move each enabled, visible control
one step up and one step down, and require the figure or the text under it to change (for a
typed value out of range, the validator's message shown in the page; a slider or a dropdown must
never reach a value the model rejects: its range fits the model).

A control that does not apply to what is shown must be disabled (with the reason in the
explorer's note line), so a dead control cannot come back unnoticed.
"""

from __future__ import annotations

import pytest
from chapter_widgets import chapter_widgets, is_live, seen, step_value

WIDGETS = list(chapter_widgets())


def test_the_chapters_display_explorers() -> None:
    chapters = {w.chapter for w in WIDGETS}
    assert len(WIDGETS) >= 30 and {"connection/handshake", "udp/quic", "basics/byte_stream"} <= chapters


@pytest.mark.parametrize("cw", WIDGETS, ids=[w.id for w in WIDGETS])
def test_every_live_control_changes_what_the_reader_sees(cw) -> None:
    ex = cw.build()
    assert ex.error is None, ex.error
    dead = []
    for name, control in ex.controls.items():
        if not is_live(control):
            assert ex.note.value, f"{name} is disabled without a reason shown"
            continue
        start, snapshot = control.value, ex.values()
        for direction, target in (("up", step_value(control)), ("down", _step_down(control))):
            before = seen(ex)
            control.value = target
            if control.value == start:
                continue   # no distinct value this way (a two-option control)
            typed = not hasattr(control, "max") and not hasattr(control, "options")
            if typed and ex.error is not None:
                assert "参数错误" in ex.message.value   # a typed value out of range: the validator's message answers
            elif ex.error is not None or seen(ex) == before:
                dead.append(f"{name} {direction} ({start!r} → {control.value!r}; error: {ex.error})")
            for n, v in snapshot.items():   # back to the start (a range fitted to the model may have moved others)
                ex.controls[n].value = v
            assert seen(ex) == before, f"{name}: going back did not restore the figure"
    assert not dead, f"{cw.id}: controls that change nothing: {dead}"


def _step_down(control):
    """One step the other way (the same as ``step_value`` at the ends)."""
    import ipywidgets as W

    if isinstance(control, W.Checkbox | W.ToggleButton | W.SelectMultiple | W.Text) or not hasattr(control, "step"):
        return step_value(control)
    if not hasattr(control, "min"):   # IntText / FloatText
        return control.value - 1
    if isinstance(control, W.FloatLogSlider):
        down = control.value / control.base ** control.step
        return down if down >= control.base ** control.min * 0.999999 else step_value(control)
    down = control.value - control.step
    return down if down >= control.min else step_value(control)


@pytest.mark.parametrize("cw", WIDGETS, ids=[w.id for w in WIDGETS])
def test_controls_answer_after_other_controls_moved(cw) -> None:
    """What the JupyterLab test does: every live control one step in turn, keeping the earlier moves."""
    ex = cw.build()
    dead = []
    for name, control in ex.controls.items():
        if not is_live(control):
            continue
        before = seen(ex)
        start = control.value
        control.value = step_value(control)
        typed = not hasattr(control, "max") and not hasattr(control, "options")
        if control.value != start and not (typed and ex.error) and (ex.error is not None or seen(ex) == before):
            dead.append(f"{name} ({start!r} → {control.value!r}; error: {ex.error})")
        if ex.error is not None:
            control.value = start
    assert not dead, f"{cw.id}: controls that change nothing after the others moved: {dead}"
