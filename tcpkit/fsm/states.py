"""The eleven TCP states of RFC 9293 §3.3.2.

>>> State.TIME_WAIT.label
'TIME_WAIT'
"""

from __future__ import annotations

import enum

__all__ = ["State"]


class State(enum.Enum):
    """A TCP connection state (RFC 9293 §3.3.2, Figure 5).

    The value is the number Linux uses for the state in ``/proc/net/tcp``
    (``include/net/tcp_states.h``), or ``None`` for LISTEN's peers Linux names
    differently; ``label`` is the RFC name written with underscores.
    """

    CLOSED = 7          # TCP_CLOSE
    LISTEN = 10         # TCP_LISTEN
    SYN_SENT = 2        # TCP_SYN_SENT
    SYN_RECEIVED = 3    # TCP_SYN_RECV
    ESTABLISHED = 1     # TCP_ESTABLISHED
    FIN_WAIT_1 = 4      # TCP_FIN_WAIT1
    FIN_WAIT_2 = 5      # TCP_FIN_WAIT2
    CLOSE_WAIT = 8      # TCP_CLOSE_WAIT
    CLOSING = 11        # TCP_CLOSING
    LAST_ACK = 9        # TCP_LAST_ACK
    TIME_WAIT = 6       # TCP_TIME_WAIT

    @property
    def label(self) -> str:
        """The RFC 9293 name, e.g. ``SYN_RECEIVED``."""
        return self.name

    @property
    def linux_code(self) -> int:
        """The state number in ``/proc/net/tcp`` (``include/net/tcp_states.h``)."""
        return int(self.value)

    @classmethod
    def from_linux(cls, code: int) -> State:
        """The state for a ``/proc/net/tcp`` ``st`` field (hex parsed to int).

        Raises
        ------
        ValueError
            For a code that is not one of the eleven (e.g. 12, TCP_NEW_SYN_RECV).
        """
        for s in cls:
            if s.value == code:
                return s
        raise ValueError(f"code must be a Linux TCP state number in [1, 11], got {code}")
