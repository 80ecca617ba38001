"""The in-browser book: a chapter runs in JupyterLite (Pyodide) with every off-site request refused.

    TCPKIT_SITE=_build/html .venv/bin/pytest tests/e2e/test_lite.py -m browser

From the built static site: open the chapter page, click "在浏览器中运行" (launch menu), run all
cells in JupyterLite, move one slider with the keyboard, and check that the widget's figure
changed. Timings (cold click → first live widget, slider → new figure) go to
``tests/artifacts/lite_<chapter>.json``; the targets are in ``bench/bench_lite.py``, never here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, site_dir, write_artifact

pytestmark = pytest.mark.browser

if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from lite.browser import run_chapter  # noqa: E402
from lite.notebooks import MESSAGE  # noqa: E402

# The state-machine, congestion-window and SYN-cookie chapters.
CHAPTERS = ["book/connection/index.html", "book/congestion/index.html", "book/connection/syn_flood.html"]
HREF = re.compile(r'href="([^"]*lite/notebooks/index\.html\?path=([^"]+))"')


def _notebook_pages() -> list[str]:
    root = site_dir()
    pages = [p.relative_to(root).as_posix() for p in sorted((root / "book").rglob("*.html"))
             if "dropdown-launch-buttons" in p.read_text(encoding="utf-8", errors="replace")] if root.is_dir() else []
    return pages or ["<no notebook page in the built site: run make book>"]


@pytest.fixture(scope="module")
def runs(browser: Any, site_url: str) -> dict[str, Any]:
    return {}


def _run(runs: dict[str, Any], browser: Any, site_url: str, page: str) -> Any:
    if page not in runs:
        shot = str(ROOT / "tests" / "artifacts" / f"lite_{Path(page).parent.name}_{Path(page).stem}.png")
        (ROOT / "tests" / "artifacts").mkdir(parents=True, exist_ok=True)
        runs[page] = run_chapter(browser, site_url, page, screenshot=shot)
        write_artifact(f"lite_{Path(page).parent.name}_{Path(page).stem}.json", runs[page].summary())
    return runs[page]


@pytest.mark.parametrize("page", _notebook_pages())
def test_every_chapter_page_launches_its_own_notebook(site: Path, page: str) -> None:
    html = (site / page).read_text(encoding="utf-8")
    found = HREF.findall(html)
    assert len(found) == 1, f"{page}: expected one '在浏览器中运行' link, found {found}"
    href, nb_path = found[0]
    assert nb_path == page.removesuffix(".html") + ".ipynb", f"{page} opens {nb_path}, not its own notebook"
    assert "在浏览器中运行" in html
    target = (site / page).parent / href.split("?", 1)[0]
    assert target.resolve().is_file(), f"{page}: the link {href} points at nothing"
    assert (site / "lite" / "files" / nb_path).is_file(), f"{nb_path} is not in the lite site"
    assert "fonts.googleapis.com" not in html, f"{page} still loads the Google Fonts stylesheet"
    assert "lite/static/pyodide" not in html, f"{page} loads Pyodide before the click"


def test_lite_site_is_self_hosted(site: Path) -> None:
    import json

    lite = json.loads((site / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]
    exts = {e["name"]: e["load"] for e in lite["federated_extensions"]}
    assert set(exts) == {"@jupyter-widgets/jupyterlab-manager", "@jupyterlite/pyodide-kernel-extension"}
    lost = [n for n, load in exts.items() if not (site / "lite" / "extensions" / n / load).is_file()]
    assert not lost, f"lab extensions listed but not in the site: {lost}"
    kernel = lite["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    lock = json.loads((site / "lite" / "static" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["info"]["version"] == "0.27.7"
    missing = [p["file_name"] for p in lock["packages"].values()
               if not (site / "lite" / "static" / "pyodide" / p["file_name"]).is_file()]
    assert not missing, f"lock entries without a file: {missing}"
    wheels = {p.name.split("-")[0] for p in (site / "lite" / "pypi").glob("*.whl")}
    assert {"tcpkit", "ipywidgets", "comm", "jupyterlab_widgets", "pylopdf_fonts_zh_cn"} <= wheels


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_runs_in_the_browser_and_a_slider_redraws(runs: dict[str, Any], browser: Any, site_url: str,
                                                          page: str) -> None:
    run = _run(runs, browser, site_url, page)
    assert not run.offsite, f"requests to other hosts: {run.offsite[:5]}"
    assert not run.failed, f"failed local requests: {run.failed[:5]}"
    assert not run.page_errors, f"JavaScript exceptions: {run.page_errors[:3]}"
    assert run.cells, "no code cell found in the JupyterLite notebook"
    assert not run.errors(), f"errors or stderr in the browser: {run.errors()[:5]}"
    assert not run.unexecuted(), f"cells not run (run all stopped early): {run.unexecuted()}"
    assert run.sliders > 0, "no live slider after run all"
    assert run.src_changes > 0 and run.redraw_ms, "moving the slider did not change the figure"


def test_kernel_only_cells_say_so_in_one_line(runs: dict[str, Any], browser: Any, site_url: str) -> None:
    """A chapter with live-lab cells: each prints the one-line note, no traceback, the rest runs."""
    page = "book/connection/socket.html"
    if not (site_dir() / page).is_file():
        pytest.fail(f"{page} is not in the built site")
    run = _run(runs, browser, site_url, page)
    assert not run.errors(), f"errors or stderr in the browser: {run.errors()[:5]}"
    assert not run.unexecuted(), f"cells not run: {run.unexecuted()}"
    assert MESSAGE in run.stdout(), "the kernel-only cells did not print their note"
