"""The TCP state machine (RFC 9293 §3.3.2): states, events, one transition table.

>>> from tcpkit.fsm import Machine, Event
>>> Machine().step(Event.ACTIVE_OPEN).new_state.name
'SYN_SENT'

Everything is derived from :data:`TRANSITIONS`: :class:`Machine` looks rows up,
:func:`graph` draws them, :func:`table_markdown` prints them for the book and
:mod:`tcpkit.connection` runs two machines against each other.
"""

from .events import Event
from .graph import LAYOUT, graph, is_figure5_edge
from .machine import Machine, allowed_events, next_transition
from .states import State
from .table import SENDS, TRANSITIONS, TRANSITIONS_BY_KEY, Arrow, Transition, table_markdown

__all__ = [
    "State", "Event", "Arrow", "Transition", "TRANSITIONS", "TRANSITIONS_BY_KEY", "SENDS", "table_markdown",
    "Machine", "next_transition", "allowed_events", "graph", "LAYOUT", "is_figure5_edge",
]
