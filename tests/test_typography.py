"""Chinese typography: the transforms of tools/cjk_typography.py and tools/zh_ui.py, and the built book.

The built-book tests scan every page's prose (everything outside script, style,
pre, code, kbd, samp and math) for what readers used to see: literal ``**``,
”…” (two closing quotes), straight or unbalanced double quotes, a space where a
source line broke between two Chinese characters, and English interface strings.
"""

from __future__ import annotations

import re
import sys
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT
from docutils import nodes
from docutils.core import publish_doctree
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline.state_inline import StateInline
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.docutils_ import Parser
from myst_parser.parsers.mdit import create_md_parser

sys.path.insert(0, str(ROOT / "tools"))
import cjk_typography  # noqa: E402
import zh_ui  # noqa: E402

CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # CJK punctuation, unified ideographs, fullwidth forms
CJK_BREAK = re.compile(rf"[{CJK}][ \t]*\n\s*[{CJK}]")
# ”…”, and ’…’ around Chinese text (English apostrophes are ’ too: "TCP’s … Linux’s")
DOUBLE_CLOSE = re.compile(r"”[^“”\n]{1,60}”|’(?=[\u4e00-\u9fff])[^‘’\n]{1,40}’")
# Interface strings of myst-nb, sphinx-togglebutton, Sphinx and the themes that the book once showed in English.
ENGLISH_UI = ("Show code cell", "Hide code cell", "Click to show", "Click to hide", "Toggle hidden content",
              "Link to this", "Toggle primary sidebar", "Toggle secondary sidebar", "Color mode",
              "System Settings", "Launch interactive content", "Launch on Binder", "Launch Thebe", "Live Code",
              "Search this book", "Binder logo", 'aria-label="Main"', 'aria-label="Page"')


# ---------------------------------------------------------------- bold: CJK-friendly flanking rules

@pytest.fixture
def md(monkeypatch):
    """MyST's own markdown-it parser, once with markdown-it-py's rules and once with ours."""
    parser = create_md_parser(MdParserConfig(), RendererHTML)
    original = StateInline.scanDelims

    def render(text: str, cjk: bool = True) -> str:
        monkeypatch.setattr(StateInline, "scanDelims", cjk_typography.scan_delims if cjk else original)
        return parser.renderInline(text)

    return render


@pytest.mark.parametrize("src, strong", [
    ("直接的回答：**QUIC 在用户态，按流内偏移重组。**思路和 TCP 相同", "QUIC 在用户态，按流内偏移重组。"),
    ('这叫**"队头阻塞"**。', '"队头阻塞"'),
    ("这是**粗体（括号）**后文", "粗体（括号）"),
    ("**注意：**正文", "注意："),
    ("前文**「引号」**后文", "「引号」"),
])
def test_bold_next_to_cjk_punctuation_renders(md, src, strong):
    assert md(src, cjk=False).count("**") == 2  # CommonMark leaves these asterisks to the reader
    html = md(src)
    assert "**" not in html
    assert "<strong>" + html_escape(strong, quote=True).replace("&#x27;", "'") + "</strong>" in html


@pytest.mark.parametrize("src", [
    "**bold** and *it*", 'a**"foo"**b', "foo*bar*", "*(*foo*)*", "**foo bar **", "** foo**", "__a__b",
    "snake_case_name", "_foo_bar_", "*foo`*`", "a * b * c", "1 ** 2", "**(a)**b", "x**y**z", "~~a~~",
])
def test_text_without_cjk_parses_as_commonmark(md, src):
    assert md(src) == md(src, cjk=False)


def test_underscore_inside_words_stays_literal_next_to_cjk(md):
    assert md("变量 tcp_tw_reuse 的值") == md("变量 tcp_tw_reuse 的值", cjk=False)
    assert "<em>" not in md("变量 tcp_tw_reuse 的值")


def test_is_cjk_classifies_han_punctuation_latin_and_emoji():
    assert all(cjk_typography.is_cjk(c) for c in "中。，：（）「」한カ")
    assert not any(cjk_typography.is_cjk(c) for c in "a1.\"”*🚀 ")


# ---------------------------------------------------------------- quotes and line breaks

def test_pair_quotes_alternates_across_pieces_and_resyncs_on_curly_quotes():
    assert cjk_typography.pair_quotes(['是"从头', '开始"的', '和"x"']) == ["是“从头", "开始”的", "和“x”"]
    assert cjk_typography.pair_quotes(['“已开"和"新的']) == ["“已开”和“新的"]


def test_pair_quotes_pairs_single_quotes_only_next_to_cjk():
    assert cjk_typography.pair_quotes(["是'后面的包已确认'的"]) == ["是‘后面的包已确认’的"]
    assert cjk_typography.pair_quotes(["TCP's 'state' 是"]) == ["TCP's 'state' 是"]
    assert cjk_typography.pair_quotes(["叫'state'的"]) == ["叫‘state’的"]
    assert cjk_typography.pair_quotes(["'甲'和'乙'"]) == ["‘甲’和‘乙’"]


@pytest.mark.parametrize("text, before, after, joined", [
    ("正常的\n握手", "", "", "正常的握手"),
    ("后，\n拖动", "", "", "后，拖动"),
    ("这些\n“文件”", "", "", "这些“文件”"),
    ("TCP\n协议", "", "", "TCP\n协议"),
    ("协议\nTCP", "", "", "协议\nTCP"),
    ("\n握手", "的", "", "握手"),
    ("正常的\n", "", "握", "正常的"),
    ("正常的\n", "", "m", "正常的\n"),
    ("一行  \n  两行", "", "", "一行两行"),
])
def test_join_cjk_lines(text, before, after, joined):
    assert cjk_typography.join_cjk_lines(text, before, after) == joined


def _doctree(src: str) -> nodes.document:
    doc = publish_doctree(src, parser=Parser(), settings_overrides={"smart_quotes": False, "report_level": 4})
    cjk_typography.pair_document_quotes(doc)  # the order of the build: read-time transform, then post-transform
    cjk_typography.join_document_lines(doc)
    return doc


def test_transform_joins_breaks_and_pairs_quotes_across_inline_markup_but_not_in_code():
    doc = _doctree('运行\n`make "lab"`，把这些\n"文件"当作\n**粗体**，然后\n拖动 "a"\n和\n"b"\n\n```\n代码\n"原样"\n```\n')
    para, block = doc.children[0], doc.children[1]
    assert para.astext() == '运行\nmake "lab"，把这些“文件”当作粗体，然后拖动 “a”和“b”'
    assert block.astext() == '代码\n"原样"\n'


def test_transform_replaces_the_right_one_of_equal_text_nodes():
    # two soft breaks are two equal Text("\n") nodes; only the one between Chinese characters goes
    doc = _doctree("运行\n`make`，运行后，\n拖动")
    assert doc.children[0].astext() == "运行\nmake，运行后，拖动"


# ---------------------------------------------------------------- interface strings

def test_translate_ui_replaces_attributes_and_labels_not_prose():
    page = ('<a title="Link to this heading">#</a><nav aria-label="Main"></nav>'
            '<span class="btn__text-container">Live Code</span><p>Main idea: Live Code demo</p>')
    out = zh_ui.translate_ui(page)
    assert 'title="链接到此标题"' in out and 'aria-label="主导航"' in out and ">在线运行<" in out
    assert "<p>Main idea: Live Code demo</p>" in out


# ---------------------------------------------------------------- the built book

class _Prose(HTMLParser):
    """Text blocks of a page (split at block elements), without code, scripts and math."""

    SKIP = {"script", "style", "pre", "code", "kbd", "samp", "textarea", "svg", "math"}
    BLOCK = {"p", "li", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption",
             "summary", "div", "section", "table", "tr", "ul", "ol", "dl", "blockquote", "nav", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.buf: list[str] = []
        self.blocks: list[str] = []

    def _flush(self) -> None:
        text = "".join(self.buf).strip()
        if text:
            self.blocks.append(text)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            if not self.skip:
                self.buf.append("\ufffc")  # keeps the code's place: a break next to code is a real gap
            self.skip += 1
        elif tag in self.BLOCK or tag == "br":
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self._flush()

    def handle_data(self, data):
        if not self.skip:
            self.buf.append(data)


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def typography_faults(site: Path) -> dict[str, list[str]]:
    faults: dict[str, list[str]] = {"literal **": [], "”…”": [], "unpaired “”": [], "CJK line break": []}
    for path in _pages(site):
        prose = _Prose()
        prose.feed(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(site))
        python_api = path.name == "api.html"  # docstrings show Python: ``**params``, ``2**32``
        for block in prose.blocks:
            if not python_api:
                faults["literal **"] += [f"{name}: {block[:80]}" for _ in re.finditer(r"\*\*", block)]
            faults["”…”"] += [f"{name}: {m.group(0)}" for m in DOUBLE_CLOSE.finditer(block)]
            if not python_api and (block.count("“") != block.count("”") or '"' in block):
                faults["unpaired “”"].append(f"{name}: {block[:80]}")
            faults["CJK line break"] += [f"{name}: {block[max(0, m.start() - 15):m.end() + 15]!r}"
                                         for m in CJK_BREAK.finditer(block)]
    return faults


@pytest.mark.book
def test_book_prose_has_no_literal_bold_double_closing_quotes_or_cjk_line_breaks(built_book):
    faults = typography_faults(built_book)
    assert {k: len(v) for k, v in faults.items()} == {k: 0 for k in faults}, {k: v[:5] for k, v in faults.items()}


@pytest.mark.book
def test_bold_renders_in_the_quic_answer(built_book):
    page = (built_book / "book" / "udp" / "quic.html").read_text(encoding="utf-8")
    assert re.search(r"直接的回答：<strong>[^<]*QUIC", page)


@pytest.mark.book
def test_book_interface_strings_are_chinese(built_book):
    found = []
    for path in _pages(built_book):
        page = path.read_text(encoding="utf-8")
        page = re.sub(r"(?s)<pre.*?</pre>|<code.*?</code>", " ", page)
        found += [f"{path.relative_to(built_book)}: {s}" for s in ENGLISH_UI if s in page]
    assert found == []
    quic = (built_book / "book" / "udp" / "quic.html").read_text(encoding="utf-8")
    hints = re.findall(r"let toggleHint(?:Show|Hide) = '([^']*)'", quic)
    assert len(hints) == 2 and all(re.search(f"[{CJK}]", h) for h in hints)
    assert "显示代码" in quic and "隐藏代码" in quic
