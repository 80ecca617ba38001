"""The TCP state machine (RFC 9293 §3.3.2): states, events, one transition table.

>>> from tcpkit.fsm import State
>>> State.ESTABLISHED.linux_code
1
"""

from .states import State

__all__ = ["State"]
