"""A TCP endpoint's state machine: one dict lookup in :data:`TRANSITIONS_BY_KEY` per event.

>>> m = Machine(); m.step(Event.ACTIVE_OPEN).send, m.state.name
('SYN', 'SYN_SENT')
"""

from __future__ import annotations

from ..errors import IllegalTransition
from .events import Event
from .states import State
from .table import TRANSITIONS_BY_KEY, Transition

__all__ = ["Machine", "next_transition", "allowed_events"]


def next_transition(state: State, event: Event) -> Transition:
    """The table row for ``(state, event)``.

    Parameters
    ----------
    state : State
        Current state.
    event : Event
        The event that happens.

    Returns
    -------
    Transition
        The row of :data:`~tcpkit.fsm.TRANSITIONS` (new state, segment to send, reference).

    Raises
    ------
    TypeError
        If ``state`` / ``event`` are not a :class:`State` / :class:`Event`.
    IllegalTransition
        If the table has no row for the pair (RFC 9293 §3.10 answers such user
        calls with "error: …"; e.g. CLOSE in CLOSED is "connection does not exist").

    Examples
    --------
    >>> next_transition(State.ESTABLISHED, Event.RCV_SYN).send   # RFC 5961 challenge ACK
    'ACK'
    >>> next_transition(State.CLOSED, Event.CLOSE)
    Traceback (most recent call last):
    ...
    tcpkit.errors.IllegalTransition: event CLOSE is not allowed in state CLOSED
    """
    if not isinstance(state, State):
        raise TypeError(f"state must be a tcpkit.fsm.State, got {type(state).__name__} {state!r}")
    if not isinstance(event, Event):
        raise TypeError(f"event must be a tcpkit.fsm.Event, got {type(event).__name__} {event!r}")
    try:
        return TRANSITIONS_BY_KEY[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def allowed_events(state: State) -> tuple[Event, ...]:
    """The events that have a row for ``state``, in :class:`Event` order.

    >>> [e.name for e in allowed_events(State.TIME_WAIT)][:2]
    ['ABORT', 'RCV_SYN']
    """
    return tuple(e for e in Event if (state, e) in TRANSITIONS_BY_KEY)


class Machine:
    """One endpoint's state, moved only by :meth:`step`.

    Parameters
    ----------
    state : State
        Initial state (default ``CLOSED``, as every connection starts, RFC 9293 §3.3.2).

    Attributes
    ----------
    state : State
        The current state.
    history : list of Transition
        Every transition taken, in order.

    Notes
    -----
    An illegal event raises :class:`~tcpkit.errors.IllegalTransition` and leaves
    ``state`` and ``history`` untouched (the h11 rule: "illegal transitions
    raise an error and nothing happens").

    Examples
    --------
    >>> m = Machine(State.LISTEN)
    >>> [m.step(e).new_state.name for e in (Event.RCV_SYN, Event.RCV_ACK)]
    ['SYN_RECEIVED', 'ESTABLISHED']
    >>> m.states()
    (<State.LISTEN: 10>, <State.SYN_RECEIVED: 3>, <State.ESTABLISHED: 1>)
    """

    def __init__(self, state: State = State.CLOSED) -> None:
        if not isinstance(state, State):
            raise TypeError(f"state must be a tcpkit.fsm.State, got {type(state).__name__} {state!r}")
        self.initial = state
        self.state = state
        self.history: list[Transition] = []

    def step(self, event: Event) -> Transition:
        """Apply ``event``; return the row used (its ``send`` is the segment to emit).

        Raises
        ------
        IllegalTransition
            If ``event`` is not allowed in the current state; nothing changes.
        """
        row = next_transition(self.state, event)
        self.state = row.new_state
        self.history.append(row)
        return row

    def can(self, event: Event) -> bool:
        """Whether ``event`` has a row in the current state."""
        return (self.state, event) in TRANSITIONS_BY_KEY

    def states(self) -> tuple[State, ...]:
        """The states visited, starting with the initial one (self-loops not repeated)."""
        out = [self.initial]
        for row in self.history:
            if row.new_state is not out[-1]:
                out.append(row.new_state)
        return tuple(out)

    def __repr__(self) -> str:
        return f"Machine(state={self.state.name}, steps={len(self.history)})"
