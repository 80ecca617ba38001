"""Every control of every explorer the chapters display: kernel-side time as a ratio to a plain redraw.

    .venv/bin/python bench/bench_controls.py

The floor is measured in the same run, interleaved with the changes (one plain
redraw right before each change): a new 8×4 in matplotlib figure, one line plot,
PNG at 80 dpi (``_util._floor_once``). A control row is ``control.value = v``
→ new PNG bytes through the real traitlets observer, the explorer's PNG cache
cleared before each change (``_util.time_control``); the target is a median no
slower than the floor (ratio ≤ 1). The explorers come from the chapters
(``tests/chapter_widgets.py``), one per distinct call.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _util import Row, floor_row, format_rows, ratio_row, time_control  # noqa: E402

#: chapter -> [controls shown, controls enabled, (median ms, ratio to the floor) of each enabled one]
CHAPTERS: dict[str, list[Any]] = {}


def run() -> list[Row]:
    from chapter_widgets import chapter_widgets, is_live

    rows = [floor_row()]
    timed: dict[tuple[str, str], tuple[float, float]] = {}   # an explorer shown twice is timed once
    for cw in chapter_widgets():
        ex = cw.build()
        tally = CHAPTERS.setdefault(cw.chapter, [0, 0, []])
        for key, control in ex.controls.items():
            tally[0] += 1
            if not is_live(control):
                continue
            tally[1] += 1
            if (cw.source, key) not in timed:
                med, p95, fl = time_control(ex, key)
                timed[(cw.source, key)] = (med, med / fl)
                rows.append(ratio_row(f"{cw.chapter}: {cw.source[:34]} {key}"[:64], med, p95, floor_ms=fl))
            tally[2].append(timed[(cw.source, key)])
    return rows


def chapter_table() -> str:
    """Per chapter: controls, enabled ones, and the median over its enabled controls (ms, × floor)."""
    out = [f"{'chapter':32} {'controls':>8} {'enabled':>8} {'median ms':>10} {'× floor':>8} {'worst ×':>8}"]
    for chapter, (shown, live, xs) in sorted(CHAPTERS.items()):
        if not xs:
            continue
        out.append(f"{chapter:32} {shown:8d} {live:8d} {statistics.median(m for m, _ in xs):10.1f} "
                   f"{statistics.median(r for _, r in xs):8.2f} {max(r for _, r in xs):8.2f}")
    return "\n".join(out)


if __name__ == "__main__":
    print(format_rows(run()))
    print()
    print(chapter_table())
