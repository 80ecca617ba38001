"""The whole book as one PDF (``make pdf``, tools/build_pdf.py), read back with poppler-utils.

The PDF must carry every part title of ``_toc.yml`` and every question of the
notes (``tests/seed_headings.txt``, read at test time), the figures of the
widgets at their default settings, the dropdown answers expanded, Chinese
glyphs from an embedded CJK font, and every HTML page must link to it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_pdf  # noqa: E402
from zh_ui import PDF_NAME  # noqa: E402

pytestmark = pytest.mark.book


def _tool(name: str) -> str:
    exe = shutil.which(name)
    assert exe, f"{name} is missing: it comes with Debian's poppler-utils (make system-deps)"
    return exe


def _squash(text: str) -> str:
    """Text without any whitespace: the PDF breaks lines (and pdftotext adds spaces) anywhere."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def book_pdf(built_book) -> Path:
    """``$TCPKIT_PDF``, or the PDF ``make pdf`` wrote, or build it now."""
    given = os.environ.get("TCPKIT_PDF")
    if given:
        return Path(given)
    if not build_pdf.PDF.exists():
        assert build_pdf.main([]) == 0
    return build_pdf.PDF


@pytest.fixture(scope="session")
def pdf_text(book_pdf) -> str:
    return subprocess.run([_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(book_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def part_titles() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [part["caption"] for part in toc["parts"]]


def test_part_titles_are_read_from_the_toc():
    assert "基本概念" in part_titles() and len(part_titles()) >= 5


def test_pdf_has_every_part_title(pdf_text):
    text = _squash(pdf_text)
    assert [t for t in part_titles() if _squash(t) not in text] == []


def test_pdf_has_every_seed_question(pdf_text):
    text = _squash(pdf_text)
    seeds = (Path(__file__).with_name("seed_headings.txt")).read_text(encoding="utf-8").splitlines()
    missing = [h for h in seeds if h.strip() and _squash(h) not in text]
    assert missing == [], f"{len(missing)} of {len(seeds)} questions are not in the PDF"


def _installed_charset() -> set[int]:
    """Code points that some installed font draws (Chromium finds its fallback fonts through fontconfig)."""
    out = subprocess.run([_tool("fc-list"), "--format", "%{charset}\n"], capture_output=True, text=True,
                         check=True).stdout
    covered: set[int] = set()
    for part in out.split():
        lo, _, hi = part.partition("-")
        covered.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return covered


def _undrawable(text: str, covered: set[int]) -> list[str]:
    # private-use code points are the theme's icon web font (FontAwesome), loaded by the page itself
    return sorted({c for c in text if not c.isspace() and ord(c) not in covered and not 0xE000 <= ord(c) <= 0xF8FF})


def test_pdf_has_bookmarks(book_pdf):
    assert b"/Outlines" in book_pdf.read_bytes()


def test_pdf_fonts_are_embedded_with_unicode_maps(book_pdf, pdf_text):
    fonts = subprocess.run([_tool("pdffonts"), str(book_pdf)], capture_output=True, text=True, check=True).stdout
    rows = [ln.split() for ln in fonts.splitlines()[2:] if ln.strip()]
    assert rows, "the PDF has no fonts"
    # columns end with: emb sub uni object-id generation
    assert [r for r in rows if r[-5] != "yes"] == [], "fonts not embedded"
    assert [r for r in rows if r[-3] != "yes"] == [], "fonts without a ToUnicode map: text not searchable"
    assert "\ufffd" not in pdf_text
    assert len(re.findall(r"[\u4e00-\u9fff]", pdf_text)) > 50_000  # the Chinese text is text, not pictures


def test_every_printed_character_has_a_glyph(single_page, pdf_text):
    """A character no installed font has prints as an empty box, and pdftotext then drops it silently:
    so check the page that was printed as well as the text read back."""
    covered = _installed_charset()
    assert _undrawable(single_page.text, covered) == []
    assert _undrawable(pdf_text, covered) == []


class _SinglePage(HTMLParser):
    """Figures and dropdown answers of the single-page HTML the PDF was printed from."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: set[str] = set()
        self.dropdowns: list[str] = []
        self._depth = 0  # <details> nesting inside a dropdown
        self._buf: list[str] = []
        self._skip = 0
        self._script = 0
        self._all: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._all)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and (a.get("src") or "").startswith(("_images/", "data:image/png")):
            self.images.add(a["src"][:200])
        if tag == "details" and (self._depth or "sd-dropdown" in (a.get("class") or "")):
            self._depth += 1
        if tag in ("summary", "script", "style"):
            self._skip += 1
        if tag in ("script", "style"):
            self._script += 1

    def handle_endtag(self, tag):
        if tag in ("summary", "script", "style"):
            self._skip -= 1
        if tag in ("script", "style"):
            self._script -= 1
        if tag == "details" and self._depth:
            self._depth -= 1
            if not self._depth:
                self.dropdowns.append(_squash("".join(self._buf)))
                self._buf = []

    def handle_data(self, data):
        if not self._script:
            self._all.append(data)
        if self._depth and not self._skip:
            self._buf.append(data)


@pytest.fixture(scope="session")
def single_page(book_pdf) -> _SinglePage:
    page = _SinglePage()
    page.feed((build_pdf.SINGLE / "print.html").read_text(encoding="utf-8"))
    return page


def test_pdf_prints_every_figure(book_pdf, single_page):
    listed = subprocess.run([_tool("pdfimages"), "-list", str(book_pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    images = [ln for ln in listed if ln.split()[2] == "image"]
    assert len(single_page.images) > 20  # widgets print their default figure (PNG), not a widget repr
    assert len(images) >= len(single_page.images)


def test_pdf_prints_the_books_dropdown_answers_expanded(pdf_text, single_page):
    text = _squash(pdf_text)
    hidden = [d[:40] for d in single_page.dropdowns if d[:40] not in text]
    assert hidden == []


def test_chromium_prints_closed_dropdowns_and_toggles_expanded(book_pdf, tmp_path):
    """The mechanism on a page with the book's own stylesheets and scripts: a sphinx-design dropdown
    and sphinx-togglebutton content, both closed in the HTML, are in the printed text."""
    real = build_pdf.single_page().read_text(encoding="utf-8")
    head = real[: real.index("<body")]
    body = ('<body><article class="bd-article">'
            '<details class="sd-sphinx-override sd-dropdown sd-card sd-mb-3">'
            '<summary class="sd-summary-title sd-card-header">问题甲</summary>'
            '<div class="sd-summary-content sd-card-body docutils"><p class="sd-card-text">答案甲在折叠里</p></div>'
            '</details>'
            '<div class="admonition dropdown"><p class="admonition-title">问题乙</p><p>答案乙在按钮后面</p></div>'
            '<div class="toggle docutils container"><p>答案丙被切换隐藏</p></div>'
            '</article></body></html>')
    page = build_pdf.SINGLE / "print-check.html"  # beside print.html, so _static/ resolves
    try:
        page.write_text(build_pdf.print_version(head + body), encoding="utf-8")
        build_pdf.print_to_pdf(page, tmp_path / "check.pdf")
    finally:
        page.unlink(missing_ok=True)
    text = _squash(subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(tmp_path / "check.pdf"), "-"],
                                  capture_output=True, text=True, check=True).stdout)
    assert [a for a in ("答案甲在折叠里", "答案乙在按钮后面", "答案丙被切换隐藏") if a not in text] == []


def test_print_version_opens_dropdowns_only_and_disarms_togglebutton():
    page = ("<head><script>var togglebuttonSelector = '.toggle, .admonition.dropdown';</script></head>"
            '<details class="sd-sd-mb-3 sd-dropdown sd-card"><summary>答</summary></details>'
            '<details class="hide above-input"><summary>显示代码</summary></details>')
    out = build_pdf.print_version(page)
    assert '<details open class="sd-sd-mb-3 sd-dropdown sd-card">' in out
    assert '<details class="hide above-input">' in out
    assert "togglebuttonSelector = '.tcpkit-print-no-toggle'" in out
    assert build_pdf.print_version(out).count("<details open") == 1  # idempotent
    assert out.count('id="tcpkit-print"') == 1


def test_every_html_page_links_to_the_pdf(built_book, book_pdf):
    target = built_book / PDF_NAME
    assert target.exists(), "make pdf copies the PDF next to the HTML book"
    assert target.stat().st_size == book_pdf.stat().st_size
    # the book's pages: not the JupyterLite app under lite/ (its pages are the in-browser notebook UI)
    pages = [p for p in built_book.rglob("*.html")
             if "_static" not in p.parts and p.relative_to(built_book).parts[0] != "lite"
             and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:300]]
    assert len(pages) > 60
    unlinked = []
    for page in pages:
        hrefs = re.findall(r'<a [^>]*href="([^"]*' + re.escape(PDF_NAME) + ')"', page.read_text(encoding="utf-8"))
        if not any((page.parent / unquote(h)).resolve() == target.resolve() for h in hrefs):
            unlinked.append(str(page.relative_to(built_book)))
    assert unlinked == []
    chapter = (built_book / "book" / "udp" / "quic.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="\.\./\.\./' + re.escape(PDF_NAME) + r'" download class="btn btn-sm tcpkit-pdf-button"',
                     chapter), "the header button beside the download menu"
