"""The static book as a reader's browser sees it (Chromium, served from 127.0.0.1).

    TCPKIT_SITE=_build/html .venv/bin/pytest tests/e2e/test_static_site.py -m browser

* every page loads with no JavaScript error, no failed or ≥ 400 local request and
  no request to any other host (the site must work without a CDN);
* every widget output shows its default figure as a loaded, visible image;
* a chapter page renders its headings, figures and Chinese text (screenshot in
  tests/artifacts/), with a CJK font really used for the Chinese glyphs;
* the Sphinx search finds Chinese and English terms;
* the launch buttons and downloads point at the repository named in _config.yml.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from .conftest import ROOT, book_config, site_dir, write_artifact

pytestmark = pytest.mark.browser

SKIP_PAGES = {"genindex.html", "search.html"}
SKIP_DIRS = ("_static/", "_sources/", "_images/", "lite/")  # lite/: the JupyterLite app (tests/e2e/test_lite.py)
# Browsers ask for /favicon.ico on their own when a page declares no icon; it is not a
# request the book makes (and on a project site it goes to the host's root, not the book).
IMPLICIT = {"/favicon.ico"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CJK = re.compile(r"[\u4e00-\u9fff]")

_TIMINGS: dict[str, float] = {}


# -- collection helpers (run before any fixture) ---------------------------------


def _all_pages() -> list[str]:
    root = site_dir()
    if not (root / "index.html").is_file():
        return ["<no built site: run make book or set TCPKIT_SITE>"]
    pages = []
    for p in sorted(root.rglob("*.html")):
        rel = p.relative_to(root).as_posix()
        if rel in SKIP_PAGES or rel.startswith(SKIP_DIRS):
            continue
        pages.append(rel)
    return pages


def _widget_pages() -> list[str]:
    root = site_dir()
    pages = [rel for rel in _all_pages() if (root / rel).is_file()
             and WIDGET_STATE in (root / rel).read_text(encoding="utf-8", errors="replace")]
    return pages or ["<no page with widgets in the built site>"]


def _notebook_pages(root: Path) -> list[str]:
    """Pages built from a notebook: they have the launch-button dropdown."""
    return [rel for rel in _all_pages() if (root / rel).is_file()
            and "dropdown-launch-buttons" in (root / rel).read_text(encoding="utf-8", errors="replace")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "page_rel" in metafunc.fixturenames:
        metafunc.parametrize("page_rel", _all_pages())
    if "widget_page" in metafunc.fixturenames:
        metafunc.parametrize("widget_page", _widget_pages())


# -- loading a page and recording everything that went wrong ----------------------


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname in ("127.0.0.1", "localhost")


class PageProbe:
    """Open one URL in a fresh browser context and collect every problem."""

    def __init__(self, browser: Any, url: str, *, viewport: dict[str, int] | None = None) -> None:
        self.url = url
        self.problems: list[str] = []
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        # Any non-local request is a failure: abort it (so the test never waits on a network)
        # and record it.
        self.context.route(lambda u: not _is_local(u), self._block)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"JavaScript exception: {exc}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _block(self, route: Any) -> None:
        self.problems.append(f"request to a non-local host (the site must need no CDN): {route.request.url}")
        route.abort("blockedbyclient")

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if urlsplit(where).path in IMPLICIT:
            return
        self.problems.append(f"console error: {msg.text[:300]} (at {where})")

    def _failed(self, request: Any) -> None:
        if _is_local(request.url) and urlsplit(request.url).path not in IMPLICIT:
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and _is_local(response.url) and urlsplit(response.url).path not in IMPLICIT:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, *, settle_ms: int = 300) -> float:
        """Load the page, wait for the network to go quiet; return the load time in ms."""
        t0 = time.perf_counter()
        self.page.goto(self.url, wait_until="load", timeout=60_000)
        load_ms = (time.perf_counter() - t0) * 1000
        try:
            self.page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception as exc:  # a hanging request is itself a problem
            self.problems.append(f"network did not go idle within 15 s: {exc}")
        self.page.wait_for_timeout(settle_ms)  # late widget rendering and font loads
        return load_ms

    def close(self) -> None:
        self.context.close()


# JavaScript: load every <img> (lazy ones too) and list the broken ones.
_CHECK_IMAGES = """
async () => {
  const bad = [];
  for (const img of document.images) {
    img.loading = "eager";
    img.scrollIntoView();
    try { await img.decode(); } catch (e) {}
    if (!img.complete || img.naturalWidth === 0) bad.push(img.getAttribute("src"));
  }
  window.scrollTo(0, 0);
  return bad;
}
"""


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Any:
    yield
    if _TIMINGS:
        xs = sorted(_TIMINGS.values())
        summary = {"pages": len(xs), "median_ms": round(statistics.median(xs), 1),
                   "max_ms": round(xs[-1], 1), "slowest": max(_TIMINGS, key=_TIMINGS.__getitem__),
                   "per_page_ms": {k: round(v, 1) for k, v in sorted(_TIMINGS.items())}}
        write_artifact("static_timings.json", summary)
        print(f"\nstatic pages: {summary['pages']} loaded, median {summary['median_ms']} ms, "
              f"max {summary['max_ms']} ms ({summary['slowest']})")


# -- the tests -------------------------------------------------------------------


def test_page_loads_without_errors(browser: Any, site: Path, site_url: str, page_rel: str) -> None:
    if page_rel.startswith("<"):
        pytest.fail(page_rel, pytrace=False)
    assert (site / page_rel).is_file(), page_rel
    probe = PageProbe(browser, site_url + quote(page_rel))
    try:
        _TIMINGS[page_rel] = probe.open()
        broken = probe.page.evaluate(_CHECK_IMAGES)
        probe.problems += [f"image not loaded: {src}" for src in broken]
        # give late requests (fonts, images decoded above) a chance to fail
        probe.page.wait_for_timeout(200)
        assert not probe.problems, f"{page_rel}:\n  " + "\n  ".join(probe.problems)
    finally:
        probe.close()


def _executed_notebook(site: Path, page_rel: str) -> dict[str, Any]:
    """The executed notebook of a page: the theme's download copy, else jupyter_execute."""
    stem = page_rel[: -len(".html")]
    for cand in (site / "_sources" / f"{stem}.ipynb", site.parent / "jupyter_execute" / f"{stem}.ipynb"):
        if cand.is_file():
            return json.loads(cand.read_text(encoding="utf-8"))
    pytest.fail(f"{page_rel} embeds widget state but its executed notebook was not found "
                f"(_sources/{stem}.ipynb or ../jupyter_execute/{stem}.ipynb)", pytrace=False)


def _widget_outputs(nb: dict[str, Any]) -> list[tuple[int, str | None]]:
    """(cell index, sha256 of the PNG fallback or None) for every widget output."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            data = out.get("data", {}) or {}
            if WIDGET_VIEW in data:
                png = data.get("image/png")
                if isinstance(png, list):
                    png = "".join(png)
                digest = hashlib.sha256(base64.b64decode(png)).hexdigest() if png else None
                found.append((i, digest))
    return found


_WIDGET_DOM = """
() => {
  const r = {views: [], loading: [], empty: []};
  for (const s of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
    const host = s.parentElement;
    const view = host && host.querySelector('.jupyter-widgets');
    const box = view ? view.getBoundingClientRect() : null;
    r.views.push(Boolean(view && box.width > 0 && box.height > 0));
  }
  for (const el of document.querySelectorAll('.cell_output, .jupyter-widgets, .widget-output')) {
    if (/Loading widget|Error displaying widget/i.test(el.innerText || "")) r.loading.push(el.innerText.slice(0, 80));
  }
  for (const el of document.querySelectorAll('.cell_output .jupyter-widgets.widget-container')) {
    const b = el.getBoundingClientRect();
    if (b.width === 0 || b.height === 0 || el.children.length === 0) r.empty.push(el.className);
  }
  return r;
}
"""


def test_every_widget_shows_its_default_figure(browser: Any, site: Path, site_url: str, widget_page: str) -> None:
    if widget_page.startswith("<"):
        pytest.fail(f"{widget_page}: the book's explorers must be in the static site", pytrace=False)
    assert (site / widget_page).is_file(), widget_page
    outputs = _widget_outputs(_executed_notebook(site, widget_page))
    assert outputs, f"{widget_page} embeds widget state but no cell displays a widget"
    no_png = [i for i, digest in outputs if digest is None]
    assert not no_png, (f"{widget_page}: widget outputs in cells {no_png} have no image/png fallback "
                        "(the static page would show an empty box); build them on tcpkit.widgets.Explorer")
    probe = PageProbe(browser, site_url + quote(widget_page))
    try:
        probe.open(settle_ms=500)
        missing = []
        for cell, digest in outputs:
            imgs = probe.page.locator(f'img[src$="{digest}.png"]')
            if imgs.count() == 0:
                missing.append(f"cell {cell}: no <img> for its figure {digest[:12]}….png")
                continue
            img = imgs.first
            img.scroll_into_view_if_needed()
            ok = img.evaluate("async i => { try { await i.decode(); } catch (e) {} return i.naturalWidth; }")
            box = img.bounding_box()
            if not ok:
                missing.append(f"cell {cell}: figure image did not load")
            elif not img.is_visible() or not box or box["width"] < 50 or box["height"] < 50:
                missing.append(f"cell {cell}: figure image is not visible (box {box})")
        dom = probe.page.evaluate(_WIDGET_DOM)
        if not all(dom["views"]):
            missing.append(f"{dom['views'].count(False)} widget view(s) did not render (empty widget box)")
        missing += [f"widget placeholder text: {t!r}" for t in dom["loading"]]
        missing += [f"empty widget container: {c}" for c in dom["empty"]]
        assert not missing and not probe.problems, (
            f"{widget_page}:\n  " + "\n  ".join(missing + probe.problems))
    finally:
        probe.close()


def _chapter_page(site: Path) -> str:
    for rel in ("book/congestion/index.html", "book/transport/congestion_control.html", "book/connection/handshake.html"):
        if (site / rel).is_file():
            return rel
    pages = [p for p in _all_pages() if p.startswith("book/")]
    assert pages, "no chapter page under book/ in the built site"
    return pages[0]


def _platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium really used to draw the text of ``selector`` (DevTools CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        doc = cdp.send("DOM.getDocument", {"depth": -1})
        node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
        fonts: list[dict[str, Any]] = []
        # the text itself lives in the element's text node children; ask for the element and them
        desc = cdp.send("DOM.describeNode", {"nodeId": node["nodeId"], "depth": 1})
        ids = [node["nodeId"]]
        if desc["node"].get("children"):
            pushed = cdp.send("DOM.pushNodesByBackendIdsToFrontend",
                              {"backendNodeIds": [c["backendNodeId"] for c in desc["node"]["children"]]})
            ids += pushed["nodeIds"]
        for nid in ids:
            try:
                fonts += cdp.send("CSS.getPlatformFontsForNode", {"nodeId": nid})["fonts"]
            except Exception:  # text nodes without layout
                continue
        return fonts
    finally:
        cdp.detach()


def test_chapter_page_renders_headings_figures_and_chinese(browser: Any, site: Path, site_url: str) -> None:
    rel = _chapter_page(site)
    probe = PageProbe(browser, site_url + quote(rel), viewport={"width": 1280, "height": 1000})
    try:
        probe.open(settle_ms=500)
        page = probe.page
        h1 = page.locator("article h1").first
        assert h1.is_visible(), f"{rel}: no visible <h1>"
        title = h1.inner_text()
        assert CJK.search(title), f"{rel}: the title {title!r} has no Chinese text"
        h2 = page.locator("article h2")
        assert h2.count() >= 1 and h2.first.is_visible(), f"{rel}: no visible section heading (h2)"
        text = page.locator("article").inner_text()
        assert len(CJK.findall(text)) >= 50, f"{rel}: fewer than 50 Chinese characters in the article"
        broken = page.evaluate(_CHECK_IMAGES)
        assert not broken, f"{rel}: images not loaded: {broken}"
        fonts = _platform_fonts(page, "article h1")
        families = [f["familyName"] for f in fonts]
        cjk_fonts = [f for f in families if re.search(r"CJK|Noto (Sans|Serif) SC|Hei|Song|Ming|Kai|WenQuanYi|Droid Sans Fallback|Source Han", f)]
        assert cjk_fonts, (f"{rel}: Chromium drew the Chinese title with {families}, no CJK font (tofu). "
                           "Install fonts-noto-cjk (see .ci/install-system.sh)")
        shot = page.screenshot(full_page=True)
        path = write_artifact("chapter_" + rel.replace("/", "_").replace(".html", ".png"), shot)
        top = page.screenshot()
        write_artifact("chapter_top.png", top)
        assert path.stat().st_size > 10_000
        assert not probe.problems, "\n".join(probe.problems)
    finally:
        probe.close()


SEARCHES = [
    ("拥塞", {"book/congestion/index", "book/transport/congestion_control"}),
    ("TIME_WAIT", {"book/connection/time_wait"}),
]


@pytest.mark.parametrize(("term", "expected"), SEARCHES, ids=[t for t, _ in SEARCHES])
def test_search_finds_the_chapter(browser: Any, site: Path, site_url: str, term: str, expected: set[str]) -> None:
    assert (site / "searchindex.js").is_file(), "no searchindex.js in the built site"
    probe = PageProbe(browser, f"{site_url}search.html?q={quote(term)}")
    try:
        probe.open()
        probe.page.wait_for_function(
            "() => typeof Search !== 'undefined' && Search.title && Search.title.innerText === _('Search Results')", timeout=30_000)
        probe.page.wait_for_timeout(300)  # results are appended one per 5 ms
        hrefs = probe.page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(a => a.getAttribute('href'))")
        found = {h.split("#")[0].split("?")[0].removesuffix(".html") for h in hrefs}
        assert found & expected, f"search for {term!r} found {sorted(found)}, none of {sorted(expected)}"
        assert not probe.problems, "\n".join(probe.problems)
    finally:
        probe.close()


def _source_suffix(stem: str) -> str:
    for ext in (".md", ".ipynb"):
        if (ROOT / f"{stem}{ext}").is_file():
            return ext
    return ".md"


def test_launch_buttons_point_at_the_configured_repository(browser: Any, site: Path, site_url: str) -> None:
    cfg = book_config()
    repo = cfg["repository"]
    url, branch = repo["url"].rstrip("/"), repo.get("branch", "master")
    path_to_book = (repo.get("path_to_book") or "").strip("/")
    prefix = f"{path_to_book}/" if path_to_book else ""
    launch = cfg.get("launch_buttons", {})
    binderhub = (launch.get("binderhub_url") or "").rstrip("/")
    ui = "lab/tree" if launch.get("notebook_interface") == "jupyterlab" else "tree"
    host = urlsplit(url)
    org_repo = host.path.strip("/").removesuffix(".git")
    pages = _notebook_pages(site)
    assert pages, "no page has launch buttons: is launch_buttons configured and are the chapters notebooks?"

    context = browser.new_context()
    context.route(lambda u: not _is_local(u), lambda route: route.abort("blockedbyclient"))
    page = context.new_page()
    problems: list[str] = []
    try:
        for rel in pages:
            stem = rel[: -len(".html")]
            page.goto(site_url + quote(rel), wait_until="domcontentloaded")
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
            if binderhub:
                want = f"{binderhub}/v2/gh/{org_repo}/{branch}?urlpath={ui}/{prefix}{stem}{_source_suffix(stem)}"
                if want not in hrefs:
                    binder = [h for h in hrefs if "binder" in h]
                    problems.append(f"{rel}: Binder link {binder} != {want}")
            if launch.get("thebe"):
                if page.locator(".btn-launch-thebe").count() == 0:
                    problems.append(f"{rel}: no Live Code (Thebe) button")
                conf = page.eval_on_selector('script[type="text/x-thebe-config"]', "s => s.textContent")
                if f'repo: "{org_repo}"' not in conf or f'ref: "{branch}"' not in conf:
                    problems.append(f"{rel}: Thebe config does not name {org_repo}@{branch}: {conf.strip()[:200]}")
            if cfg.get("html", {}).get("use_repository_button") and url not in hrefs:
                problems.append(f"{rel}: no repository button linking {url}")
            ipynb = [h for h in hrefs if h.endswith(f"_sources/{stem}.ipynb")]
            if not ipynb:
                problems.append(f"{rel}: no .ipynb download link")
                continue
            resp = page.request.get(site_url + f"_sources/{stem}.ipynb")
            if resp.status != 200:
                problems.append(f"{rel}: .ipynb download answers HTTP {resp.status}")
                continue
            nb = json.loads(resp.body())
            code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
            if not nb.get("cells") or nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
                problems.append(f"{rel}: the downloaded .ipynb is not a python3 notebook")
            elif [c for c in code if c.get("execution_count") is None]:
                problems.append(f"{rel}: the downloaded .ipynb was not executed (no outputs; with "
                                "execute_notebooks: cache enable tools/html_assets.py)")
    finally:
        context.close()
    assert not problems, f"{len(problems)} launch-button problem(s):\n  " + "\n  ".join(problems)
