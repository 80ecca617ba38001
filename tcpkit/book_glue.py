"""Book tooling: glue the Linux defaults (and a page's own numbers) into a MyST page.

This is not a model: it is used by the chapters' first code cell only, and it
imports ``myst_nb`` (Jupyter Book's notebook layer) when that is installed.
Models never import it.

>>> glue_defaults({"x": 1}) is None   # outside a book build: does nothing
True
"""

from __future__ import annotations

from collections.abc import Mapping

from .linux import LINUX

__all__ = ["glue_defaults"]


def glue_defaults(extra: Mapping[str, object] | None = None) -> None:
    """Glue every Linux default (as ``linux_<name>``) and ``extra`` into the page.

    In a Jupyter Book build this makes ``{glue:}`linux_tcp_syn_retries``` work
    in the prose. Outside a build (JupyterLab, Binder, where ``myst_nb`` is not
    installed, or a plain Python shell) it does nothing and prints nothing.
    """
    try:
        from IPython import get_ipython
        from myst_nb import glue
    except ImportError:  # reading the notebook in JupyterLab: nothing to do
        return
    if get_ipython() is None:  # not in a kernel (doctest, script): nothing to glue into
        return
    for name, d in LINUX.items():
        glue(f"linux_{name}", d.value, display=False)
    for k, v in (extra or {}).items():
        glue(k, _Text(v) if isinstance(v, str) else v, display=False)


class _Text:
    """A string glued as itself (a plain ``str`` would show up in the page with its quotes)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, p: object, cycle: bool) -> None:
        p.text(self.text)  # type: ignore[attr-defined]
