"""tcpkit._events.EventQueue: time order, then priority, then scheduling order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tcpkit._events import EventQueue

EVENTS = st.lists(st.tuples(st.floats(0.0, 100.0), st.integers(0, 3)), max_size=60)


@given(EVENTS)
def test_events_come_out_sorted_by_time_priority_then_insertion(events):
    clock: EventQueue[int] = EventQueue()
    for i, (t, prio) in enumerate(events):
        clock.at(t, prio, i)
    assert len(clock) == len(events)
    got = [clock.pop() for _ in range(len(events))]
    want = sorted(range(len(events)), key=lambda i: (events[i][0], events[i][1], i))
    assert [i for _, i in got] == want
    assert [t for t, _ in got] == [events[i][0] for i in want]
    assert not clock


def test_scheduling_while_running_keeps_the_order():
    clock: EventQueue[str] = EventQueue()
    clock.at(1.0, 0, "first")
    t, item = clock.pop()
    clock.at(t, 1, "same time, later priority")
    clock.at(t, 0, "same time, scheduled from inside")
    clock.at(0.5, 0, "in the past")   # a clock does not refuse it: the simulators never schedule backwards
    assert [clock.pop()[1] for _ in range(3)] == ["in the past", "same time, scheduled from inside",
                                                  "same time, later priority"]
