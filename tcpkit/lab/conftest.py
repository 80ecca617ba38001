"""pytest: the doctests of the live lab open sockets, so they carry the ``kernel`` marker.

``pytest --doctest-modules`` (the project default) collects every docstring
example in ``tcpkit``. Examples in the modules of this package that open real
sockets get ``pytest.mark.kernel``, like the live tests in ``tests/``, so
``pytest -m "not kernel"`` runs everything that needs no kernel. The pure
modules (:data:`PURE`: the ``/proc`` parser and the state predictor) keep
unmarked doctests. A new module here counts as live unless it is added to
:data:`PURE`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Modules of ``tcpkit/lab`` whose doctests open no socket and read no ``/proc`` file.
PURE = frozenset({"__init__.py", "proc.py", "predict.py"})

_HERE = Path(__file__).resolve().parent


def is_live_doctest(item: pytest.Item) -> bool:
    """True for a doctest item collected from a live (non-:data:`PURE`) module of this package."""
    from _pytest.doctest import DoctestItem

    path = Path(item.path).resolve()
    return isinstance(item, DoctestItem) and path.parent == _HERE and path.name not in PURE


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add the ``kernel`` marker to the doctests of the live lab modules."""
    for item in items:
        if is_live_doctest(item):
            item.add_marker(pytest.mark.kernel)
