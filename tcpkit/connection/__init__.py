"""Two-endpoint TCP connection simulator: handshakes, closes, losses, Linux timers.

>>> from tcpkit.connection import run_scenario
>>> [s.flags for s in run_scenario("handshake").segments]
['SYN', 'SYN+ACK', 'ACK']

:func:`run_scenario` runs a client and a server, each a
:class:`tcpkit.fsm.Machine`, over a channel with one-way delay RTT/2 and a loss
script, and returns a :class:`Trace`.
"""

from .sim import PARAMS, SCENARIOS, run_scenario, scenario_defaults
from .trace import ENDPOINTS, Segment, Step, TimerSpan, Trace

__all__ = ["run_scenario", "SCENARIOS", "PARAMS", "scenario_defaults", "Trace", "Segment", "Step", "TimerSpan",
           "ENDPOINTS"]
