"""tcpkit's exception family for *protocol* errors.

Bad *parameters* raise the builtin :class:`ValueError` / :class:`TypeError`
(see :mod:`tcpkit._validate`). Protocol-illegal moves raise a subclass of
:class:`TcpkitError` and leave the model unchanged.
"""

from __future__ import annotations

__all__ = ["TcpkitError", "IllegalTransition", "LabError"]


class TcpkitError(Exception):
    """Base class of tcpkit's protocol errors."""


class IllegalTransition(TcpkitError):
    """An event that the current TCP state does not accept (RFC 9293 §3.10).

    The state machine that raised it is left in ``state``.
    """

    def __init__(self, state: object, event: object) -> None:
        self.state = state
        self.event = event
        s = getattr(state, "name", state)
        e = getattr(event, "name", event)
        super().__init__(f"event {e} is not allowed in state {s}")


class LabError(TcpkitError):
    """The live kernel lab cannot run here (not Linux, no permission, timeout)."""
