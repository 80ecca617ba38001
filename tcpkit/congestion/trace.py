"""What the simulator returns: per-flow arrays and events (:class:`Trace`), and the recorder that fills them.

>>> r = FlowRecorder(rate_scale=0.01168); r.row(0.1, 10.0, 1e9, 0, 10, 1000.0, 3)
>>> time, cwnd, ssthresh, phase, inflight, rate, queue = r.columns()
>>> cwnd.tolist(), rate.tolist()   # 1000 segments/s of 1460 bytes = 11.68 Mbit/s
([10.0], [11.68])
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar, overload

__all__ = ["Event", "FlowTrace", "Trace", "FlowRecorder", "EVENT_KINDS"]

#: Kinds of :class:`Event`.
EVENT_KINDS = ("fast_retransmit", "recovery_start", "recovery_end", "timeout", "scripted_loss")
_ROW = struct.Struct("=6d")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Event:
    """Something the sender did: ``kind`` is one of :data:`EVENT_KINDS`."""

    time: float
    flow: int
    kind: str
    cwnd: float
    ssthresh: float


@dataclass(frozen=True)
class FlowTrace:
    """What one flow did, sampled at every ACK (``"ack"``) or every round (``"round"``).

    All arrays have the same length. Windows in segments, times in seconds,
    ``delivery_rate`` in Mbit/s, ``queue`` in segments (the shared bottleneck
    queue when this flow's sample was taken).
    """

    algorithm: str
    time: array[float]
    cwnd: array[float]
    ssthresh: array[float]
    phase: array[int]
    inflight: array[float]
    delivery_rate: array[float]
    queue: array[float]
    events: tuple[Event, ...]
    sent: int
    delivered: int
    drops: int
    fast_retransmits: int
    timeouts: int
    bbr_history: tuple[tuple[float, str, float], ...] = ()

    @property
    def goodput_mbps(self) -> float:
        """Delivered segments × MSS over the duration, Mbit/s (set by :func:`simulate`)."""
        return self._goodput

    _goodput: float = 0.0


class _FirstFlow(Generic[T]):
    """A read-only attribute of :class:`Trace` that reads the same attribute of its first flow."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _FirstFlow[T]: ...

    @overload
    def __get__(self, obj: Trace, objtype: type | None = None) -> T: ...

    def __get__(self, obj: Trace | None, objtype: type | None = None) -> T | _FirstFlow[T]:
        if obj is None:  # on the class (autodoc): the descriptor itself
            return self
        return getattr(obj.flows[0], self.name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Trace:
    """Result of :func:`simulate`: one :class:`FlowTrace` per flow plus the path."""

    flows: tuple[FlowTrace, ...]
    bandwidth_mbps: float
    rtt_ms: float
    buffer_pkts: int
    duration_s: float
    mss: int
    granularity: str
    ack_events: int
    bdp_pkts: float = field(default=0.0)

    # the single-flow shortcuts: ``trace.cwnd`` is ``trace.flows[0].cwnd``
    time: ClassVar[_FirstFlow[array[float]]] = _FirstFlow()
    cwnd: ClassVar[_FirstFlow[array[float]]] = _FirstFlow()
    ssthresh: ClassVar[_FirstFlow[array[float]]] = _FirstFlow()
    phase: ClassVar[_FirstFlow[array[int]]] = _FirstFlow()
    inflight: ClassVar[_FirstFlow[array[float]]] = _FirstFlow()
    delivery_rate: ClassVar[_FirstFlow[array[float]]] = _FirstFlow()
    queue: ClassVar[_FirstFlow[array[float]]] = _FirstFlow()
    events: ClassVar[_FirstFlow[tuple[Event, ...]]] = _FirstFlow()


class FlowRecorder:
    """Collects one flow's samples; :meth:`columns` returns the seven arrays of its :class:`FlowTrace`.

    ``rate_scale`` turns the delivery rate from segments/s into Mbit/s. A row
    is packed as six native doubles (time, cwnd, ssthresh, inflight, rate,
    queue) plus one phase byte: three C calls per row instead of seven
    appends (the per-ACK simulator records a row per event).
    """

    __slots__ = ("_rows", "_phases", "rate_scale", "row")

    def __init__(self, rate_scale: float = 1.0) -> None:
        self._rows = bytearray()
        self._phases = bytearray()
        self.rate_scale = rate_scale

        def row(
            now: float, cwnd: float, ssthresh: float, phase: int, inflight: float, rate: float, queue: float,
            _x: Callable[[bytes], None] = self._rows.extend, _pack: Callable[..., bytes] = _ROW.pack,
            _p: Callable[[int], None] = self._phases.append, _k: float = rate_scale,
        ) -> None:
            """Append one sample; ``rate`` in segments/s."""
            _x(_pack(now, cwnd, ssthresh, inflight, rate * _k, queue))
            _p(phase)

        self.row = row

    def columns(self) -> tuple[array[float], array[float], array[float], array[int], array[float], array[float],
                               array[float]]:
        """``(time, cwnd, ssthresh, phase, inflight, delivery_rate, queue)`` arrays of everything recorded."""
        d = array("d")
        d.frombytes(bytes(self._rows))
        time, cwnd, ssthresh, inflight, rate, queue = (d[k::6] for k in range(6))
        return time, cwnd, ssthresh, array("b", bytes(self._phases)), inflight, rate, queue
