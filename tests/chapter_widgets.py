"""Every explorer the book's chapters display, rebuilt from the chapter sources, and one step of a control.

Used by ``tests/test_controls.py`` (every control answers) and ``bench/bench_controls.py``
(every control's kernel-side time). Nothing is listed by hand: a chapter code cell whose
last statement is a call to a name imported from ``tcpkit.widgets`` *is* an explorer
on that page, so a new widget in a chapter is covered without editing a table.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)


def _code(cell: str) -> str:
    """A code cell's Python source without its ``:key: value`` option header."""
    lines = cell.splitlines()
    while lines and (lines[0].startswith(":") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


@dataclass(frozen=True)
class ChapterWidget:
    """One explorer a chapter displays: the page, its order there, and the source line that builds it."""

    chapter: str        # e.g. "connection/handshake"
    index: int          # 0 = the first explorer on the page
    source: str         # e.g. 'sequence_explorer("handshake")'
    imports: str        # the page's ``from tcpkit.widgets... import ...`` lines

    @property
    def id(self) -> str:
        return f"{self.chapter}#{self.index}:{self.source}"

    def build(self) -> Any:
        ns: dict[str, Any] = {}
        exec(self.imports, ns)  # noqa: S102 - the book's own import lines
        return eval(self.source, ns)  # noqa: S307 - the book's own cell


def chapter_widgets() -> Iterator[ChapterWidget]:
    """Every explorer displayed by a chapter under ``book/``, in page order."""
    for md in sorted(BOOK.rglob("*.md")):
        cells = [_code(c) for c in _CELL.findall(md.read_text(encoding="utf-8"))]
        imports: list[str] = []
        names: set[str] = set()
        trees = []
        for src in cells:
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            trees.append((src, tree))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tcpkit.widgets"):
                    imports.append(ast.get_source_segment(src, node) or "")
                    names.update(a.asname or a.name for a in node.names)
        k = 0
        for src, tree in trees:
            last = tree.body[-1] if tree.body else None
            if (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and isinstance(last.value.func, ast.Name) and last.value.func.id in names):
                yield ChapterWidget(str(md.relative_to(BOOK).with_suffix("")), k,
                                    ast.get_source_segment(src, last) or "", "\n".join(imports))
                k += 1


# -- one step of a control ------------------------------------------------------------------------


def is_live(control: Any) -> bool:
    """A control the reader can touch: not disabled and not hidden."""
    if getattr(control, "disabled", False):
        return False
    lay = getattr(control, "layout", None)
    return not (lay is not None and (lay.display == "none" or lay.visibility == "hidden"))


def _bump_text(value: str, placeholder: str) -> str:
    if not value:
        return placeholder or "x"
    m = re.search(r"(\d+)(?!.*\d)", value)
    if m is None:
        return value + "x"
    n = int(m.group(1))
    return value[: m.start()] + str(n + 1 if n < 254 else n - 1) + value[m.end():]


def step_value(control: Any) -> Any:
    """The value one step away from the control's current value (up, or down at the top)."""
    import ipywidgets as W

    v = control.value
    if isinstance(control, W.Checkbox | W.ToggleButton):
        return not v
    if isinstance(control, W.SelectMultiple):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        extra = [o for o in opts if o not in v]
        return tuple(v) + (extra[0],) if extra else tuple(v)[:-1]
    if isinstance(control, W.Dropdown | W.ToggleButtons | W.Select | W.RadioButtons | W.SelectionSlider):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        i = opts.index(v)
        return opts[i + 1] if i + 1 < len(opts) else opts[i - 1]
    if isinstance(control, W.FloatLogSlider):
        up = v * control.base ** control.step
        return up if up <= control.base ** control.max * 1.000001 else v / control.base ** control.step
    if hasattr(control, "step") and hasattr(control, "max"):       # sliders, bounded text
        up = v + control.step
        return up if up <= control.max else v - control.step
    if isinstance(control, W.IntText | W.FloatText):
        return v + 1
    if isinstance(control, W.Text):
        return _bump_text(v, control.placeholder)
    raise TypeError(f"no step for {type(control).__name__}")


def seen(explorer: Any) -> tuple[bytes, str]:
    """What the reader sees: the PNG and the text under it."""
    return explorer.png(), explorer.summary.value
