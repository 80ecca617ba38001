"""The in-browser book (JupyterLite + Pyodide): cold start, slider redraw, size, build time.

    .venv/bin/python bench/bench_lite.py [--site _build/html] [--page book/congestion/index.html]

Needs a built book (``make book``) and Chromium (``/usr/bin/chromium`` or ``$TCPKIT_CHROMIUM``).
Every off-site request is refused, as a reader offline would see it. Rows:

* cold click → first live widget: from the click on "在浏览器中运行" on the static page to the first
  slider of a live widget after "run all" (Pyodide start, kernel, tcpkit install, chapter run);
* slider → new figure: keyboard step on the slider until the widget's ``<img>`` changes (median);
* size of ``_build/html/lite`` and the extra build time (written by ``tools/tcpkit_lite.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (HERE, ROOT / "tools"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from _util import Row, format_rows, percentile  # noqa: E402

COLD_TARGET_S = 20.0
SLIDER_TARGET_MS = 300.0
SIZE_TARGET_MB = 60.0
PAGE = "book/congestion/index.html"


def _size_mb(lite: Path) -> float:
    return sum(f.stat().st_size for f in lite.rglob("*") if f.is_file()) / 1e6


def static_rows(site: Path) -> list[Row]:
    lite = site / "lite"
    if not lite.is_dir():
        return [Row("lite site: _build/html/lite missing (run make book)", math.nan, "MB", f"≤ {SIZE_TARGET_MB:g} MB", False)]
    mb = _size_mb(lite)
    pyodide = _size_mb(lite / "static" / "pyodide")
    rows = [Row(f"lite part of the site (_build/html/lite; Pyodide {pyodide:.0f} MB)", mb, "MB",
                f"≤ {SIZE_TARGET_MB:g} MB", mb <= SIZE_TARGET_MB)]
    timing = site.parent / "lite_build_seconds.json"
    if timing.is_file():
        t = json.loads(timing.read_text(encoding="utf-8"))
        total = t.get("prepare_s", 0.0) + t.get("jupyter_lite_build_s", 0.0)
        rows.append(Row(f"extra book-build time for lite (prepare {t.get('prepare_s', 0):.0f} s "
                        f"+ jupyter lite build {t.get('jupyter_lite_build_s', 0):.0f} s)", total, "s", "report", True))
    return rows


def browser_rows(site: Path, page: str) -> list[Row]:
    from lite.browser import run_chapter
    from playwright.sync_api import sync_playwright
    from serve_book import serve

    exe = os.environ.get("TCPKIT_CHROMIUM", "/usr/bin/chromium")
    with serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        try:
            run = run_chapter(browser, url, page, moves=11)
        finally:
            browser.close()
    ok_run = not run.offsite and not run.errors() and run.sliders > 0
    note = "" if ok_run else " FAILED: " + "; ".join((run.offsite + run.errors())[:2] or ["no live slider"])
    rows = [
        Row(f"lite {page}: cold click → first live widget{note}", run.first_widget_s, "s",
            f"≤ {COLD_TARGET_S:g} s", ok_run and run.first_widget_s <= COLD_TARGET_S),
        Row(f"lite {page}: click → kernel idle", run.kernel_s, "s", "report", True),
    ]
    if run.redraw_ms:
        rows.append(Row(f"lite {page}: slider → new figure ({len(run.redraw_ms)} moves)", run.redraw_median_ms, "ms",
                        f"≤ {SLIDER_TARGET_MS:g} ms", run.redraw_median_ms <= SLIDER_TARGET_MS,
                        percentile(run.redraw_ms, 0.95)))
    else:
        rows.append(Row(f"lite {page}: slider → new figure FAILED: the figure did not change", math.nan, "ms",
                        f"≤ {SLIDER_TARGET_MS:g} ms", False))
    return rows


def run(site: Path | None = None, page: str = PAGE) -> list[Row]:
    site = site or Path(os.environ.get("TCPKIT_SITE", ROOT / "_build" / "html"))
    rows = static_rows(site)
    if (site / "lite").is_dir():
        rows += browser_rows(site, page)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, default=None)
    ap.add_argument("--page", default=PAGE)
    args = ap.parse_args()
    print(format_rows(run(args.site, args.page)))
