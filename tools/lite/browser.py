"""Drive one chapter of the built site in JupyterLite, in Chromium (Playwright), offline.

Used by ``tests/e2e/test_lite.py`` (assertions) and ``bench/bench_lite.py`` (numbers).
Every request to a host other than the local server is refused and recorded.

:func:`run_chapter` opens the chapter's static page, clicks "在浏览器中运行" in the launch
menu (the page JupyterLite opens in a new tab), runs all cells, waits for them, then moves
one slider of the first live widget several times with the mouse and times each redraw
(the widget's ``<img>`` gets a new ``src``).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LAUNCH_MENU = ".dropdown-launch-buttons button"
LAUNCH_LITE = ".btn-launch-jupyterlite-button"
# A live widget: a slider inside a widget box that also shows a figure.
SLIDER = ".jp-OutputArea-output .widget-slider .noUi-handle"

_MODEL = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const m = w.content.model; const cells = [];
  for (let i = 0; i < m.cells.length; i++) {
    const c = m.cells.get(i);
    if (c.type === 'code') cells.push({i: i, n: c.executionCount, outputs: c.outputs.toJSON(),
                                       source: c.sharedModel.getSource().slice(0, 200)});
  }
  return {status: w.sessionContext.kernelDisplayStatus, cells: cells};
}"""

# The <img> of the live widget that holds the slider at index `k` (the nearest widget box with an image).
_IMG_SRC = f"""(k) => {{
  const h = document.querySelectorAll('{SLIDER}')[k];
  let box = h.closest('.widget-slider');
  while (box && !box.querySelector('img')) box = box.parentElement;
  const img = box && box.querySelector('img');
  return img ? img.getAttribute('src') : null;
}}"""


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname in ("127.0.0.1", "localhost")


@dataclass
class ChapterRun:
    page: str
    offsite: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    app_s: float = float("nan")          # click -> notebook shown
    kernel_s: float = float("nan")       # click -> kernel idle
    first_widget_s: float = float("nan")  # click -> first live slider (after "run all")
    all_done_s: float = float("nan")     # click -> every cell executed
    sliders: int = 0
    redraw_ms: list[float] = field(default_factory=list)
    src_changes: int = 0

    @property
    def redraw_median_ms(self) -> float:
        return statistics.median(self.redraw_ms) if self.redraw_ms else float("nan")

    def errors(self) -> list[str]:
        """Every error output and every stderr stream of the run, one line each."""
        out = []
        for c in self.cells:
            for o in c["outputs"]:
                if o.get("output_type") == "error":
                    out.append(f"cell {c['i']}: {o.get('ename')}: {o.get('evalue')}"[:300])
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    out.append(f"cell {c['i']}: stderr: {''.join(o.get('text', ''))}"[:300])
        return out

    def unexecuted(self) -> list[int]:
        return [c["i"] for c in self.cells if c["n"] is None]

    def stdout(self) -> str:
        return "\n".join("".join(o.get("text", "")) for c in self.cells for o in c["outputs"]
                         if o.get("output_type") == "stream" and o.get("name") == "stdout")

    def summary(self) -> dict[str, Any]:
        return {"page": self.page, "app_s": round(self.app_s, 2), "kernel_idle_s": round(self.kernel_s, 2),
                "first_live_widget_s": round(self.first_widget_s, 2), "all_cells_done_s": round(self.all_done_s, 2),
                "sliders": self.sliders, "slider_redraw_ms": [round(x, 1) for x in self.redraw_ms],
                "slider_redraw_median_ms": round(self.redraw_median_ms, 1), "offsite_requests": self.offsite,
                "failed_requests": self.failed, "errors": self.errors(), "unexecuted_cells": self.unexecuted()}


def _wait_model(nb: Any, t_click: float, run: ChapterRun, timeout_s: float) -> None:
    """Wait until every code cell has run (or the kernel went idle with cells left: a stop on error)."""
    end = time.perf_counter() + timeout_s
    last, still_since = None, time.perf_counter()
    while time.perf_counter() < end:
        state = nb.evaluate(_MODEL)
        run.cells = state["cells"]
        if run.sliders == 0 and nb.query_selector(SLIDER):
            run.first_widget_s = time.perf_counter() - t_click
            run.sliders = len(nb.query_selector_all(SLIDER))
        idle = state["status"] == "idle"
        if idle and not run.unexecuted():
            break
        progress = (state["status"], [c["n"] for c in run.cells])
        if progress != last:
            last, still_since = progress, time.perf_counter()
        elif idle and time.perf_counter() - still_since > 8:  # run all stopped (an error): nothing more will run
            break
        nb.wait_for_timeout(250)
    run.all_done_s = time.perf_counter() - t_click
    run.sliders = len(nb.query_selector_all(SLIDER))
    if run.sliders and run.first_widget_s != run.first_widget_s:  # nan: appeared in the last poll
        run.first_widget_s = run.all_done_s


def _move_slider(nb: Any, run: ChapterRun, moves: int) -> None:
    """Drag the first slider's handle with the mouse, right then left, and time each new figure."""
    if not run.sliders:
        return
    k = 0
    handle = nb.query_selector_all(SLIDER)[k]
    handle.scroll_into_view_if_needed()
    for i in range(moves):
        box = handle.bounding_box()
        if box is None:
            return
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = nb.evaluate(_IMG_SRC, k)
        nb.mouse.move(x, y)
        nb.mouse.down()
        t0 = time.perf_counter()
        nb.mouse.move(x + (40 if i % 2 == 0 else -40), y, steps=2)
        nb.mouse.up()
        try:
            nb.wait_for_function(f"(old) => ({_IMG_SRC})({k}) !== old", arg=before, polling=10, timeout=30_000)
        except Exception:
            continue
        run.redraw_ms.append((time.perf_counter() - t0) * 1000)
        run.src_changes += 1
        nb.wait_for_timeout(300)  # let a second, continuous-update redraw of the same drag finish


def run_chapter(browser: Any, base_url: str, page: str, *, moves: int = 7, timeout_s: float = 300,
                screenshot: str | None = None, verbose: bool = False) -> ChapterRun:
    run = ChapterRun(page)
    t_start = time.perf_counter()

    def say(msg: str) -> None:
        if verbose:
            print(f"[lite {page} {time.perf_counter() - t_start:6.1f} s] {msg}", flush=True)

    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def block(route: Any) -> None:
        run.offsite.append(route.request.url)
        route.abort("blockedbyclient")

    context.route(lambda u: not is_local(u), block)
    context.on("requestfailed", lambda r: run.failed.append(f"{r.url} ({r.failure})") if is_local(r.url) else None)
    try:
        pg = context.new_page()
        pg.goto(base_url.rstrip("/") + "/" + page, wait_until="load")
        pg.click(LAUNCH_MENU)
        with context.expect_page() as new_page:
            pg.click(LAUNCH_LITE)
            t_click = time.perf_counter()
        nb = new_page.value
        nb.on("pageerror", lambda exc: run.page_errors.append(str(exc)[:300]))
        nb.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                             " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=120_000)
        run.app_s = time.perf_counter() - t_click
        say("notebook shown")
        nb.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus"
                             " === 'idle'", timeout=int(timeout_s * 1000), polling=200)
        run.kernel_s = time.perf_counter() - t_click
        say("kernel idle; run all")
        nb.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        _wait_model(nb, t_click, run, timeout_s)
        say(f"cells done ({len(run.unexecuted())} not run), {run.sliders} sliders")
        _move_slider(nb, run, moves)
        say(f"slider moves: {[round(x) for x in run.redraw_ms]} ms")
        if screenshot:
            nb.screenshot(path=screenshot)
    finally:
        context.close()
    return run
