"""Interactive explorers for the book (ipywidgets + matplotlib).

Each explorer is built by a function in ``tcpkit.widgets.<topic>`` and is an
:class:`~tcpkit.widgets._base.Explorer`: controls → one pure tcpkit call → one
plot function. Importing this package imports ipywidgets; ``import tcpkit``
does not.
"""

from ._base import Explorer, rows

__all__ = ["Explorer", "rows"]
