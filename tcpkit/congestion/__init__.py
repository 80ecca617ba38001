"""Congestion control: Tahoe, Reno, NewReno, CUBIC, BBR and a one-bottleneck simulator.

>>> simulate("reno", bandwidth_mbps=10, rtt_ms=40, buffer_pkts=20, duration_s=2).flows[0].algorithm
'reno'

:func:`load_linux_trace` reads the real Linux reno/cubic/bbr cwnd recording that
ships in ``tcpkit/data`` and :func:`cwnd_stats` measures a sawtooth (median,
period, peaks) on model and kernel traces alike.

Every controller implements :class:`~tcpkit.congestion.base.CongestionController`
(windows in segments). :data:`CONTROLLERS` maps a name to its class and is
written out below on purpose — no controller registers itself as an import
side effect; adding an algorithm means adding one class and one line here.
"""

from __future__ import annotations

from .._validate import check_choice
from .base import PHASE_LABELS, CongestionController, Phase, Snapshot
from .bbr import BBR
from .cubic import Cubic, cubic_k, cubic_window
from .linux_trace import CwndStats, LinuxTrace, cwnd_stats, load_linux_trace
from .newreno import NewReno
from .reno import Reno
from .sim import simulate
from .tahoe import Tahoe
from .trace import Event, FlowTrace, Trace

__all__ = [
    "CONTROLLERS",
    "create",
    "CongestionController",
    "Phase",
    "PHASE_LABELS",
    "Snapshot",
    "Tahoe",
    "Reno",
    "NewReno",
    "Cubic",
    "BBR",
    "cubic_k",
    "cubic_window",
    "simulate",
    "Trace",
    "FlowTrace",
    "Event",
    "load_linux_trace",
    "LinuxTrace",
    "cwnd_stats",
    "CwndStats",
]

#: Name → controller class (the names ``simulate`` accepts).
CONTROLLERS: dict[str, type[CongestionController]] = {
    "tahoe": Tahoe,
    "reno": Reno,
    "newreno": NewReno,
    "cubic": Cubic,
    "bbr": BBR,
}


def create(name: str, **kwargs: object) -> CongestionController:
    """A new controller by name.

    Parameters
    ----------
    name : str
        One of :data:`CONTROLLERS`.
    **kwargs
        Passed to the constructor (``cwnd=``, ``ssthresh=`` …).

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the valid names.

    Examples
    --------
    >>> create("cubic", cwnd=4).cwnd
    4.0
    >>> create("vegas")
    Traceback (most recent call last):
    ...
    ValueError: algorithm must be one of 'tahoe', 'reno', 'newreno', 'cubic', 'bbr', got 'vegas'
    """
    check_choice("algorithm", name, CONTROLLERS)
    return CONTROLLERS[name](**kwargs)  # type: ignore[arg-type]
