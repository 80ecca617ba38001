"""Every distinct heading of the source notes is a heading of the built book, word for word."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, SEED

HEADINGS_FILE = Path(__file__).with_name("seed_headings.txt")
SKIP = {"", "下方偏底层细节，待整理"}
# Typos of the notes that the book fixes in its headings (the errata page lists them): note text → book text.
TYPO_FIXES = {"tcptwreuse": "tcp_tw_reuse"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fix_typos(heading: str) -> str:
    for typo, fixed in TYPO_FIXES.items():
        heading = heading.replace(typo, fixed)
    return heading


def seed_headings(text: str) -> list[str]:
    """Distinct headings of the notes, a leading 'Q：' dropped, typos fixed, empty/editorial ones left out."""
    out: list[str] = []
    for line in text.splitlines():
        m = re.match(r"^#+\s*(.*?)\s*$", line)
        if not m:
            continue
        h = fix_typos(_norm(re.sub(r"^Q：", "", m.group(1))))
        if h not in SKIP and h not in out:
            out.append(h)
    return out


def test_committed_heading_list_matches_the_notes():
    committed = HEADINGS_FILE.read_text(encoding="utf-8").splitlines()
    assert len(committed) == 76
    if SEED.exists():  # in CI and on developer machines the notes sit in ../shared/seed
        assert seed_headings(SEED.read_text(encoding="utf-8")) == committed


def test_seed_heading_parser_drops_q_prefix_and_duplicates():
    text = "## 基本概念\n#### Q：甲？\n#### 甲？\n#### \n#### 下方偏底层细节，待整理\n"
    assert seed_headings(text) == ["基本概念", "甲？"]


def test_seed_heading_parser_fixes_the_notes_typos():
    assert seed_headings("### tcptwreuse 是什么？\n") == ["tcp_tw_reuse 是什么？"]
    committed = HEADINGS_FILE.read_text(encoding="utf-8")
    assert not any(typo in committed for typo in TYPO_FIXES)


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.buf: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.depth += 1
            self.buf = []
        elif self.depth and (tag == "a" and ("class", "headerlink") in attrs or tag == "span" and
                             ("class", "section-number") in attrs):
            self.skip += 1

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self.depth:
            self.depth -= 1
            self.found.append(_norm("".join(self.buf)))
        elif self.skip and tag in ("a", "span"):
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.buf.append(data)


def book_headings(site: Path) -> set[str]:
    found: set[str] = set()
    for page in (site / "book").rglob("*.html"):
        p = _Headings()
        p.feed(page.read_text(encoding="utf-8"))
        found.update(h.rstrip("#").strip() for h in p.found)
    return found


@pytest.mark.book
def test_every_seed_heading_is_a_heading_in_the_book(built_book):
    headings = book_headings(built_book)
    expected = HEADINGS_FILE.read_text(encoding="utf-8").splitlines()
    missing = [h for h in expected if h not in headings]
    assert not missing, f"{len(missing)} headings of the notes are missing from the book: {missing}"


def test_chapter_sources_carry_every_heading():
    """Cheap pre-check on the sources (no build): each heading is a Markdown heading line somewhere in book/."""
    lines = set()
    for md in (ROOT / "book").rglob("*.md"):
        for line in md.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^#+\s+(.*)$", line)
            if m:
                lines.add(_norm(m.group(1)))
    expected = HEADINGS_FILE.read_text(encoding="utf-8").splitlines()
    assert [h for h in expected if h not in lines] == []
