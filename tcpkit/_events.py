"""A discrete-event queue: the heap of timed events behind :mod:`tcpkit.arq` and :mod:`tcpkit.connection`.

Unlike :class:`tcpkit.congestion.clock.EventClock` (the per-ACK simulator's three
fixed event sources), this is a general heap for simulators with many kinds of event.

>>> clock = EventQueue()
>>> clock.at(2.0, 0, "b"); clock.at(1.0, 1, "a"); clock.at(2.0, 0, "c")
>>> [clock.pop() for _ in range(len(clock))]
[(1.0, 'a'), (2.0, 'b'), (2.0, 'c')]

Events come out in time order; at equal times the lower ``priority`` first,
then in the order they were scheduled (so a run is deterministic). The queue
never reads a real clock: time is whatever the caller schedules (sans-IO).
"""

from __future__ import annotations

import heapq
from typing import Generic, TypeVar

__all__ = ["EventQueue"]

T = TypeVar("T")


class EventQueue(Generic[T]):
    """A priority queue of ``(time, priority, item)`` events, first-in-first-out among equals."""

    __slots__ = ("_heap", "_count")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, T]] = []
        self._count = 0

    def at(self, t: float, priority: int, item: T) -> None:
        """Schedule ``item`` at time ``t`` (seconds); ties go to the lower ``priority``, then first scheduled."""
        self._count += 1
        heapq.heappush(self._heap, (t, priority, self._count, item))

    def pop(self) -> tuple[float, T]:
        """Remove and return the next event as ``(time, item)``."""
        t, _, _, item = heapq.heappop(self._heap)
        return t, item

    def __len__(self) -> int:
        return len(self._heap)
