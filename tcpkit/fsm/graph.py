"""The state diagram as a networkx graph, built by iterating the transition table.

>>> g = graph(); g.number_of_nodes(), g.number_of_edges() == len(TRANSITIONS)
(11, True)

Nothing here adds or removes a transition: every edge is one row of
:data:`~tcpkit.fsm.TRANSITIONS` (key = the event name), so the drawing can never
drift from the model; each row's :class:`~tcpkit.fsm.Arrow` field says whether
the figure draws it dark (RFC 9293 Figure 5), light, or not at all (self-loop).
:data:`LAYOUT` holds fixed coordinates that follow the
shape of RFC 9293 Figure 5 (opening at the top, closing at the bottom), so the
widget never runs a layout algorithm.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .states import State
from .table import TRANSITIONS, Arrow

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["graph", "LAYOUT", "is_figure5_edge"]

#: Fixed (x, y) of every state, shaped like RFC 9293 Figure 5.
LAYOUT: Mapping[State, tuple[float, float]] = MappingProxyType({
    State.CLOSED: (0.0, 7.0),
    State.LISTEN: (-1.3, 5.8),
    State.SYN_RECEIVED: (-2.6, 4.6),
    State.SYN_SENT: (2.6, 5.2),
    State.ESTABLISHED: (0.0, 3.4),
    State.FIN_WAIT_1: (-2.6, 2.1),
    State.CLOSE_WAIT: (2.6, 2.1),
    State.CLOSING: (0.0, 0.9),
    State.FIN_WAIT_2: (-2.6, -0.4),
    State.TIME_WAIT: (0.0, -0.4),
    State.LAST_ACK: (2.6, 0.9),
})


#: The reference texts of the rows drawn as :attr:`Arrow.MAIN` (see :func:`is_figure5_edge`).
_MAIN_REFS = frozenset(r.ref for r in TRANSITIONS if r.arrow is Arrow.MAIN)


def is_figure5_edge(ref: str) -> bool:
    """Whether the row with reference ``ref`` is drawn as a main (dark) arrow.

    The answer comes from the rows' :attr:`~tcpkit.fsm.Transition.arrow` field,
    not from the text: ``ref`` is only the key (no reference text is shared by a
    main row and a light one). Code that holds an edge of :func:`graph` should
    read its ``arrow`` attribute instead.

    Examples
    --------
    >>> row = TRANSITIONS[0]; row.arrow.name, is_figure5_edge(row.ref)
    ('MAIN', True)
    >>> is_figure5_edge("RFC 9293 §3.3.2 Figure 5, but no row says this")
    False
    """
    return ref in _MAIN_REFS


def graph() -> nx.MultiDiGraph:
    """A ``networkx.MultiDiGraph`` with one edge per row of the transition table.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes: the eleven :class:`State` members (attributes ``label``,
        ``linux_code``, ``pos``). Edges: ``state → new_state`` keyed by the event
        name, with attributes ``event`` (:class:`Event`), ``send`` (str),
        ``arrow`` (:class:`Arrow`: how the figure draws it) and ``ref`` (str).
        Self-loops are the "ignore / answer with ACK or RST" rows.

    Notes
    -----
    Built by iterating :data:`~tcpkit.fsm.TRANSITIONS` (RFC 9293 §3.3.2 Figure 5
    plus the §3.10 event-processing rules), so ``set(edges) == set(rows)``.

    Examples
    --------
    >>> g = graph()
    >>> sorted(k for _, v, k in g.out_edges(State.SYN_SENT, keys=True) if v is State.ESTABLISHED)
    ['RCV_SYN_ACK']
    """
    import networkx as nx

    g = nx.MultiDiGraph(name="TCP (RFC 9293 §3.3.2)")
    for s in State:
        g.add_node(s, label=s.label, linux_code=s.linux_code, pos=LAYOUT[s])
    for row in TRANSITIONS:
        g.add_edge(row.state, row.new_state, key=row.event.name, event=row.event, send=row.send, arrow=row.arrow,
                   ref=row.ref)
    return g
