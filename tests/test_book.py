"""The built book: every chapter executed cleanly, Chinese search, launch buttons, no placeholders."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.book

PLACEHOLDERS = ("（撰写中）", "待补充", "待整理", "TODO")


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                pages.append(e["file"])
            walk(e.get("sections"))
            walk(e.get("chapters"))

    walk(toc.get("parts"))
    return pages


def executable_pages() -> list[str]:
    return [p for p in toc_pages() if "kernelspec:" in (ROOT / f"{p}.md").read_text(encoding="utf-8")[:400]]


def widget_state_problems(nb) -> list[str]:
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    found = []
    for mid, model in state.items():
        for out in (model.get("state", {}) or {}).get("outputs", []) or []:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"widget {mid} stderr: {out.get('text', '')[:200]}")
            if out.get("output_type") == "error":
                found.append(f"widget {mid} error: {out.get('ename')}")
        html = (model.get("state", {}) or {}).get("value")
        if isinstance(html, str) and "tcpkit-error" in html:
            found.append(f"widget {mid} shows an error at its default settings: {html[:200]}")
    return found


def test_toc_lists_every_chapter_file_and_nothing_else():
    listed = {f"{p}.md" for p in toc_pages()}
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "book").rglob("*.md")}
    assert listed == on_disk


@pytest.mark.parametrize("page", toc_pages())
def test_no_placeholder_text_left(page):
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    assert [p for p in PLACEHOLDERS if p in text] == []


@pytest.mark.parametrize("page", executable_pages())
def test_chapter_executed_without_error_or_stderr(built_book, page):
    nb_path = ROOT / "_build" / "jupyter_execute" / f"{page}.ipynb"
    assert nb_path.exists(), f"{page} was not executed by the build"
    nb = nbformat.read(nb_path, as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i} stderr: {out.get('text', '')[:200]}")
    problems += widget_state_problems(nb)
    assert problems == []


def test_build_log_has_no_missing_glyphs(built_book):
    log = (ROOT / "_build" / "build.log").read_text(encoding="utf-8")
    assert "missing from font" not in log and "Glyph" not in log


def test_chinese_search_index_has_chinese_terms(built_book):
    text = (built_book / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    docnames = index["docnames"]

    def docs(word: str) -> set[str]:
        # Sphinx indexes a word once per page: under "titleterms" if it is in a heading, else under "terms"
        found: set[str] = set()
        for table in ("terms", "titleterms"):
            hits = index[table].get(word, [])
            found.update(docnames[i] for i in (hits if isinstance(hits, list) else [hits]))
        return found

    for word in ("拥塞", "握手", "慢启动", "拥塞窗口", "粘包"):
        assert docs(word), f"{word} not in the search index (is jieba installed?)"
    assert {"book/congestion/index", "book/transport/congestion_control"} <= docs("拥塞")
    assert "book/connection/time_wait" in docs("time_wait")


@pytest.mark.parametrize("page", executable_pages())
def test_executable_pages_have_launch_buttons_and_ipynb_download(built_book, page):
    html = (built_book / f"{page}.html").read_text(encoding="utf-8")
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = cfg["repository"]["url"].rstrip("/").split("github.com/")[1]
    assert f"/v2/gh/{repo}/{cfg['repository']['branch']}?urlpath=lab/tree/{page}.md" in html
    assert "btn-launch-thebe" in html and "initThebeSBT()" in html
    assert (built_book / "_sources" / f"{page}.ipynb").exists()


def test_widget_figures_are_static_images_and_js_is_local(built_book):
    """Every widget shows a PNG in the static page; widget JS is served by the site itself."""
    pages_with_widgets = 0
    for page in executable_pages():
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        if "application/vnd.jupyter.widget-state+json" not in html:
            continue
        pages_with_widgets += 1
        assert 'type="application/vnd.jupyter.widget-view+json"' not in html, page
        assert "cdn.jsdelivr.net/npm/@jupyter-widgets" not in html and "cdnjs.cloudflare.com" not in html, page
        assert re.search(r'src="[./]*_static/ipywidgets/embed-amd\.js[?"]', html), page
    assert pages_with_widgets >= 5


def test_largest_page_size_is_reported(built_book):
    sizes = sorted(((p.stat().st_size, p) for p in built_book.rglob("*.html")), reverse=True)
    largest, path = sizes[0]
    (ROOT / "_build" / "largest_page.txt").write_text(f"{largest} {path.relative_to(built_book)}\n")
    assert largest < 8 * 1024 * 1024, f"{path} is {largest / 1e6:.1f} MB"
