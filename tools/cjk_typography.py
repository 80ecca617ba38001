"""Sphinx local extension: Chinese typography for every page, fixed at render time.

Enable it in ``_config.yml``::

    sphinx:
      local_extensions:
        cjk_typography: tools/

The sources are written the way Chinese authors write Markdown; three
CommonMark/docutils rules made for space-separated languages then show the
reader something the author did not mean. Each fix works on the parsed
document, so every chapter, every notebook Markdown cell and every Markdown
output of a code cell gets it, and literal text (inline code, code blocks,
math, raw HTML) is never touched.

1. **Bold that did not render.** CommonMark decides whether ``**`` may open or
   close emphasis from its two neighbours (the "flanking" rules of spec 0.31.2
   section 6.2). Between CJK punctuation and a CJK character -- ``回答：**QUIC``
   is fine, but ``重传。**思路`` is not -- the closing run is not right-flanking
   and the reader sees the asterisks. We use the CJK-friendly amendment of those
   rules (tats-u/markdown-cjk-friendly, ``specification.md``; proposed in
   commonmark/commonmark-spec#650): a CJK punctuation mark counts as a CJK
   character, not as punctuation, when deciding flanking. Input without CJK
   characters parses exactly as before. markdown-it-py builds a ``StateInline``
   per inline run and every emphasis-like rule calls its ``scanDelims``; MyST
   builds its parsers in several modules (myst-parser, myst-nb's notebook
   reader and its Markdown-output renderer), so the one place that reaches all
   of them is that method, which :func:`setup` replaces.

2. **Quotation marks.** The sources use ASCII ``"…"``. docutils' smart quotes
   decide open/close from the neighbouring characters: after a Chinese
   character (no space) both marks become ``”``. :class:`CJKQuotes` pairs the
   double quotes of each text block in order instead (an existing ``“``/``”``
   resets the state), before Sphinx's smart-quotes transform (priority 750),
   which still handles apostrophes, dashes and ellipses.

3. **Line breaks between Chinese characters.** A soft line break is a space in
   HTML; between two CJK characters it shows as a stray gap
   (``本节先看正常的 握手``). :class:`CJKLineBreaks` drops the line break when the
   characters on both sides are CJK (CSS Text 3 "segment break transformation"
   does the same for East Asian Wide characters; browsers do not implement it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from docutils import nodes
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.nodes import is_smartquotable

__all__ = ["CJKLineBreaks", "CJKQuotes", "is_cjk", "join_cjk_lines", "join_document_lines", "pair_document_quotes",
           "pair_quotes", "scan_delims", "setup"]

# Hangul blocks whose East Asian Width is not W (the amendment counts Hangul script as CJK).
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
# Emoji with default emoji presentation are W but not CJK (amendment section 2.1); the
# pictograph blocks approximate that set.
_EMOJI = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF))
# Ambiguous-width marks that sit inside Chinese prose: a line break next to them is no word gap.
_CJK_PROSE_MARKS = frozenset("“”‘’…—·")


def is_cjk(ch: str) -> bool:
    """True for a CJK character in the sense of the amendment: East Asian Width W/F/H or Hangul, no emoji."""
    if len(ch) != 1:
        return False
    o = ord(ch)
    if any(lo <= o <= hi for lo, hi in _EMOJI):
        return False
    return unicodedata.east_asian_width(ch) in ("W", "F", "H") or any(lo <= o <= hi for lo, hi in _HANGUL)


def _is_punct(ch: str) -> bool:
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch)


def _is_non_cjk_punct(ch: str) -> bool:
    return _is_punct(ch) and not is_cjk(ch)


def scan_delims(self: StateInline, start: int, canSplitWord: bool) -> Scanned:  # noqa: N803 (markdown-it name)
    """``StateInline.scanDelims`` with the CJK-friendly flanking rules (``*``, ``_``, ``~``).

    Same signature and result type as markdown-it-py 3.0's method; only the two
    flanking tests differ (the amendment's left/right-flanking definitions).
    """
    src = self.src
    marker = src[start]
    last = src[start - 1] if start > 0 else " "  # line start counts as whitespace
    pos = start
    while pos < self.posMax and src[pos] == marker:
        pos += 1
    nxt = src[pos] if pos < self.posMax else " "  # line end counts as whitespace

    last_ws, next_ws = isWhiteSpace(ord(last)), isWhiteSpace(ord(nxt))
    last_ncp, next_ncp = _is_non_cjk_punct(last), _is_non_cjk_punct(nxt)
    left = not next_ws and (not next_ncp or last_ws or last_ncp or is_cjk(last))
    right = not last_ws and (not last_ncp or next_ws or next_ncp or is_cjk(nxt))
    if canSplitWord:
        return Scanned(left, right, pos - start)
    can_open = left and (not right or _is_punct(last))
    can_close = right and (not left or _is_punct(nxt))
    return Scanned(can_open, can_close, pos - start)


def pair_quotes(texts: list[str]) -> list[str]:
    """Turn the ASCII ``"`` of consecutive text pieces into “ and ” alternately.

    The pieces are one text block split at inline markup, so a quote opened in
    one piece may close in a later one. An existing “ or ” sets the state.
    An ASCII ``'`` next to a CJK character is paired the same way into ‘ and ’;
    other single quotes (``TCP's``, English quotations) are left to smart quotes.
    """
    is_open = False
    single_open = False
    out = []
    for text in texts:
        chars = list(text)
        for k, ch in enumerate(chars):
            if ch == '"':
                chars[k] = "”" if is_open else "“"
                is_open = not is_open
            elif ch == "“":
                is_open = True
            elif ch == "”":
                is_open = False
            elif ch == "'" and (is_cjk(text[k - 1] if k else "") or is_cjk(text[k + 1] if k + 1 < len(text) else "")):
                prev = text[k - 1] if k else ""
                closes = single_open or (prev.isalnum() and not is_cjk(prev))  # 'state'是: after a Latin word
                chars[k] = "’" if closes else "‘"
                single_open = not closes
        out.append("".join(chars))
    return out


def _joins(ch: str) -> bool:
    return is_cjk(ch) or ch in _CJK_PROSE_MARKS


_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def join_cjk_lines(text: str, before: str = "", after: str = "") -> str:
    """Drop each line break (with the spaces around it) whose neighbours are both CJK.

    ``before``/``after`` are the characters just outside ``text`` in the same
    block (a break at the edge of a text node sits next to inline markup).
    """

    def repl(m: re.Match[str]) -> str:
        prev = text[m.start() - 1] if m.start() > 0 else before
        nxt = text[m.end()] if m.end() < len(text) else after
        return "" if prev and nxt and _joins(prev) and _joins(nxt) else m.group(0)

    return _BREAK.sub(repl, text)


def _prose_blocks(document: nodes.document) -> Iterator[tuple[list[nodes.Text], list[int]]]:
    """Each block of text (as docutils' SmartQuotes sees it): all its Text nodes, and which are prose."""
    for block in document.findall(nodes.TextElement):
        if isinstance(block, (nodes.FixedTextElement, nodes.Special)) or isinstance(block.parent, nodes.TextElement):
            continue
        texts = list(block.findall(nodes.Text))
        prose = [i for i, t in enumerate(texts) if is_smartquotable(t)]
        if prose:
            yield texts, prose


def _rewrite(texts: list[nodes.Text], prose: list[int], new: list[str]) -> None:
    for i in prose:
        if new[i] != str(texts[i]):
            _replace_text(texts[i], new[i])


def pair_document_quotes(document: nodes.document) -> None:
    for texts, prose in _prose_blocks(document):
        new = [str(t) for t in texts]
        paired = pair_quotes([new[i] for i in prose])
        for i, text in zip(prose, paired):
            new[i] = text
        _rewrite(texts, prose, new)


def join_document_lines(document: nodes.document) -> None:
    for texts, prose in _prose_blocks(document):
        raw = [str(t) for t in texts]
        new = list(raw)
        for i in prose:  # the neighbours may sit in inline markup or code
            before = next((raw[j][-1] for j in range(i - 1, -1, -1) if raw[j]), "")
            after = next((raw[j][0] for j in range(i + 1, len(raw)) if raw[j]), "")
            new[i] = join_cjk_lines(raw[i], before, after)
        _rewrite(texts, prose, new)


class CJKQuotes(SphinxTransform):
    """Pair the ASCII double quotes of every prose block, before Sphinx's smart quotes."""

    default_priority = 740  # SphinxSmartQuotes is 750

    def apply(self, **kwargs: Any) -> None:
        pair_document_quotes(self.document)


class CJKLineBreaks(SphinxPostTransform):
    """Drop line breaks between CJK characters once cross-references show their titles.

    A post-transform: before ReferencesResolver (priority 10) a ``{ref}`` still
    holds its label (``byte-stream``), not the Chinese title the reader sees.
    """

    default_priority = 900

    def run(self, **kwargs: Any) -> None:
        join_document_lines(self.document)


def _replace_text(node: nodes.Text, text: str) -> None:
    # By identity: Element.replace/index compare Text nodes as strings, and a
    # block often holds several equal ones (each soft line break is a Text "\n").
    parent = node.parent
    index = next(i for i, child in enumerate(parent.children) if child is node)
    parent[index] = nodes.Text(text)


def setup(app: Any) -> dict[str, Any]:
    StateInline.scanDelims = scan_delims  # type: ignore[method-assign]
    app.add_transform(CJKQuotes)
    app.add_post_transform(CJKLineBreaks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
