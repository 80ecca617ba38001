"""Sphinx local extension: the 面试自测 (interview drill) page.

Enable it in ``_config.yml``::

    sphinx:
      local_extensions:
        drill: tools/

and put the directive on a page (``book/drill.md``)::

    ```{tcpkit-drill}
    ```

What it does, all at build time:

1. **Questions from the chapters.** After each chapter's references are resolved
   (``doctree-resolved``), every section whose title ends in ``？``/``?`` (or is
   listed in ``tcpkit_drill_extra_titles``: seed questions written without a
   question mark) becomes a question. Its short answer is the section's **first
   paragraph**, rendered to HTML by the HTML builder itself, with every link
   rewritten to work from the drill page, plus a link to the full section.
   Chapters in the parts named in ``tcpkit_drill_skip_parts`` (default 附录) are
   left out. A chapter that was not written in this build (incremental build) is
   resolved again from its pickled doctree, so the pool is always complete.
2. **Numeric drills** from :mod:`drill_numeric` (answers computed by tcpkit).
3. Both go to ``_static/tcpkit-drill-data.js`` (``window.TCPKIT_DRILL = {...}``,
   keys sorted, no timestamps or random ids: byte-identical on every build);
   the drill page alone loads it with ``tcpkit-drill.js`` / ``tcpkit-drill.css``
   from ``tools/drill_static`` (added to ``html_static_path``). No CDN.

Part of a question = the ``_toc.yml`` part caption of its chapter.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

__all__ = ["setup", "is_question", "first_paragraph", "answer_nodes", "rebase_uri", "toc_parts", "question_id"]

HERE = Path(__file__).resolve().parent
STATIC = HERE / "drill_static"
DATA_JS = "tcpkit-drill-data.js"
HTML_FORMATS = ("html",)
_WS = re.compile(r"\s+")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

#: Seed questions whose heading has no question mark (tests/seed_headings.txt).
EXTRA_TITLES = [
    "TIME-WAIT 是什么，这种状态是怎么出现的",
    "如果站在 TCP 连接层面来看的话，要解决 TIME_WAIT 连接数很多的问题，最直接的方式是怎么去优化",
]


# ---------------------------------------------------------------------------
# pure helpers (unit-tested)
# ---------------------------------------------------------------------------
def norm(text: str) -> str:
    """Collapse whitespace."""
    return _WS.sub(" ", text).strip()


def is_question(title: str, extra: list[str] | tuple[str, ...] = ()) -> bool:
    """A heading is a drill question if it ends in a question mark or is listed in ``extra``."""
    t = norm(title)
    return t.endswith(("？", "?")) or t in {norm(x) for x in extra}


def question_id(docname: str, title: str) -> str:
    """A stable id: 12 hex digits of SHA-1 over ``docname`` and the normalised title."""
    return hashlib.sha1(f"{docname}\n{norm(title)}".encode()).hexdigest()[:12]


def first_paragraph(section: nodes.section) -> nodes.paragraph | None:
    """The section's first paragraph before any subsection (a direct child first, else a nested one)."""
    body = []
    for child in section.children[1:]:
        if isinstance(child, nodes.section):
            break
        body.append(child)
    for child in body:
        if isinstance(child, nodes.paragraph):
            return child
    for child in body:
        if isinstance(child, nodes.Element) and "cell" not in child.get("classes", []):
            for p in child.findall(nodes.paragraph):
                return p
    return None


def answer_nodes(section: nodes.section) -> list[nodes.Element]:
    """The short answer: the first paragraph, plus the list or table right after it when it ends in a colon."""
    para = first_paragraph(section)
    if para is None:
        return []
    out: list[nodes.Element] = [para]
    if para.astext().rstrip().endswith(("：", ":")):
        parent = para.parent
        i = parent.index(para)
        if i + 1 < len(parent) and isinstance(parent[i + 1], (nodes.bullet_list, nodes.enumerated_list, nodes.table)):
            out.append(parent[i + 1])
    return out


def rebase_uri(uri: str, from_page: str, to_page: str) -> str:
    """Rewrite ``uri`` (relative to the output file ``from_page``) to be relative to ``to_page``.

    Absolute URLs (with a scheme, or starting with ``/``) are kept; ``#x`` becomes ``from_page#x``.
    """
    if not uri or _SCHEME.match(uri) or uri.startswith("/"):
        return uri
    path, _, frag = uri.partition("#")
    target = from_page if not path else posixpath.normpath(posixpath.join(posixpath.dirname(from_page), path))
    base = posixpath.dirname(to_page)
    rel = posixpath.relpath(target, base or ".")
    return rel + ("#" + frag if frag else "")


def toc_parts(toc: dict[str, Any]) -> dict[str, str]:
    """docname → part caption, from a jb-book ``_toc.yml`` (parts → chapters → sections …)."""
    out: dict[str, str] = {}

    def walk(entries: list[Any], caption: str) -> None:
        for e in entries or []:
            if not isinstance(e, dict):
                continue
            if "file" in e:
                out[str(e["file"])] = caption
            for key in ("chapters", "sections", "entries"):
                walk(e.get(key) or [], caption)
            for sub in e.get("subtrees") or []:
                walk(sub.get("entries") or sub.get("chapters") or [], str(sub.get("caption") or caption))

    for part in toc.get("parts") or []:
        walk(part.get("chapters") or [], str(part.get("caption") or ""))
    walk(toc.get("chapters") or [], "")
    return out


# ---------------------------------------------------------------------------
# the directive
# ---------------------------------------------------------------------------
_SHELL = (
    '<div id="tcpkit-drill" class="tcpkit-drill" data-state="loading">'
    '<noscript><p class="tcpkit-drill-noscript">自测页需要浏览器运行 JavaScript。'
    "没有 JavaScript 时，请直接阅读各章的“面试怎么答”。</p></noscript>"
    "</div>"
)


class DrillDirective(Directive):
    """``{tcpkit-drill}``: where the drill's user interface goes."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        docs: set[str] = getattr(env, "tcpkit_drill_docs", set())
        docs.add(env.docname)
        env.tcpkit_drill_docs = docs
        return [nodes.raw("", _SHELL, format="html")]


# ---------------------------------------------------------------------------
# collecting the questions
# ---------------------------------------------------------------------------
def _store(app: Any) -> dict[str, list[dict[str, Any]]]:
    if not hasattr(app, "_tcpkit_drill_store"):
        app._tcpkit_drill_store = {}
    return app._tcpkit_drill_store  # type: ignore[no-any-return]


def _parts(app: Any) -> tuple[list[str], dict[str, str]]:
    """Ordered part captions (skipped parts removed) and docname → caption."""
    import yaml

    cfg = app.config
    path = cfg.tcpkit_drill_toc or getattr(cfg, "external_toc_path", "") or "_toc.yml"
    p = Path(path)
    if not p.is_absolute():
        p = Path(app.srcdir) / p
    if not p.is_file():
        return [], {}
    toc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    mapping = toc_parts(toc)
    skip = set(cfg.tcpkit_drill_skip_parts)
    order: list[str] = []
    for part in toc.get("parts") or []:
        cap = str(part.get("caption") or "")
        if cap not in skip and cap not in order:
            order.append(cap)
    return order, {d: c for d, c in mapping.items() if c not in skip}


def _answer_html(app: Any, parts: list[nodes.Element], docname: str, drill_page: str) -> str:
    return "\n".join(_node_html(app, n, docname, drill_page) for n in parts)


def _node_html(app: Any, node: nodes.Element, docname: str, drill_page: str) -> str:
    builder = app.builder
    p = node.deepcopy()  # docutils copy: children only (copy.deepcopy would follow .parent to the whole document)
    page = builder.get_target_uri(docname)
    for fref in list(p.findall(nodes.footnote_reference)):
        ref = nodes.reference("", "", nodes.Text(f"[{fref.astext()}]"), refuri=f"{page}#{fref.get('refid', '')}")
        fref.replace_self(nodes.superscript("", "", ref))
    for ref in p.findall(nodes.reference):
        if "refuri" in ref:
            ref["refuri"] = rebase_uri(ref["refuri"], page, drill_page)
        elif "refid" in ref:
            ref["refuri"] = rebase_uri("#" + ref["refid"], page, drill_page)
            del ref["refid"]
    for el in p.findall(nodes.Element):
        el["ids"] = []
    html = builder.render_partial(p)["fragment"]
    return str(html).strip()


def _collect(app: Any, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html" or app.builder.name not in HTML_FORMATS:
        return
    t0 = time.perf_counter()
    try:
        _collect_doc(app, doctree, docname)
    finally:
        app._tcpkit_drill_seconds = getattr(app, "_tcpkit_drill_seconds", 0.0) + time.perf_counter() - t0


def _collect_doc(app: Any, doctree: nodes.document, docname: str) -> None:
    _, part_of = _parts_cached(app)
    if docname not in part_of or docname in getattr(app.env, "tcpkit_drill_docs", set()):
        return
    drill_docs = sorted(getattr(app.env, "tcpkit_drill_docs", set()))
    drill_page = app.builder.get_target_uri(drill_docs[0]) if drill_docs else "index.html"
    page = app.builder.get_target_uri(docname)
    extra = list(app.config.tcpkit_drill_extra_titles)
    chapter = ""
    items: list[dict[str, str]] = []
    for sec in doctree.findall(nodes.section):
        if not sec.children or not isinstance(sec[0], nodes.title):
            continue
        title = norm(sec[0].astext())
        if not chapter:
            chapter = title
        if not is_question(title, extra):
            continue
        answer = answer_nodes(sec)
        is_top = sec.parent is doctree
        anchor = "" if is_top or not sec.get("ids") else "#" + sec["ids"][0]
        qid = question_id(docname, title)
        n = sum(1 for it in items if it["id"].split("-")[0] == qid)
        items.append({
            "id": qid if n == 0 else f"{qid}-{n + 1}",   # the same title twice in one chapter
            "title": title,
            "chapter": chapter,
            "part": part_of[docname],
            "doc": docname,
            "url": rebase_uri(posixpath.basename(page) + anchor, page, drill_page),
            "html": _answer_html(app, answer, docname, drill_page),
        })
    _store(app)[docname] = items


def _parts_cached(app: Any) -> tuple[list[str], dict[str, str]]:
    if not hasattr(app, "_tcpkit_drill_parts"):
        app._tcpkit_drill_parts = _parts(app)
    return app._tcpkit_drill_parts  # type: ignore[no-any-return]


def drill_data(app: Any) -> dict[str, Any]:
    """Everything the page needs: parts, questions (toc order), numeric drills."""
    order, part_of = _parts_cached(app)
    store = _store(app)
    env = app.env
    for docname in part_of:
        if docname not in store and docname in env.all_docs:
            env.get_and_resolve_doctree(docname, app.builder)  # fires doctree-resolved → _collect
    questions = [q for d in part_of for q in store.get(d, [])]
    order = [p for p in order if any(q["part"] == p for q in questions)]
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from drill_numeric import KINDS, numeric_pool

    numeric = [{k: v for k, v in inst.items() if k != "params"} for inst in numeric_pool()]  # params: tests only
    return {"parts": order, "questions": questions, "kinds": KINDS, "numeric": numeric}


def _write_data(app: Any) -> list[Any]:
    """Write ``_static/tcpkit-drill-data.js`` after every chapter was written (``html-collect-pages``).

    The drill page was written earlier, when the file did not exist yet or was
    the previous build's, so Sphinx's ``?v=`` checksum on its ``<script>`` tag is
    missing or stale: set it to the new file's (zlib.crc32, as Sphinx computes it).
    Chapters written after the drill page are thus never resolved twice.
    """
    if app.builder.name not in HTML_FORMATS or not getattr(app.env, "tcpkit_drill_docs", set()):
        return []
    t0 = time.perf_counter()
    data = drill_data(app)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c")  # never a "</script>" inside
    out = Path(app.outdir) / "_static" / DATA_JS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"window.TCPKIT_DRILL = {text};\n", encoding="utf-8")
    crc = f"{zlib.crc32(out.read_bytes()):08x}"
    tag = re.compile(re.escape(DATA_JS) + r'(\?v=[0-9a-f]*)?"')
    for doc in sorted(app.env.tcpkit_drill_docs):
        page = Path(app.outdir) / app.builder.get_target_uri(doc)
        if page.is_file():
            html = page.read_text(encoding="utf-8")
            fixed = tag.sub(f'{DATA_JS}?v={crc}"', html)
            if fixed != html:
                page.write_text(fixed, encoding="utf-8")
    logger.info("面试自测: %d questions in %d parts, %d numeric drills; %s written in %.2f s "
                "(extracting answers from the chapters: %.2f s in all)",
                len(data["questions"]), len(data["parts"]), len(data["numeric"]), DATA_JS,
                time.perf_counter() - t0, getattr(app, "_tcpkit_drill_seconds", 0.0))
    return []


def _page_assets(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if pagename in getattr(app.env, "tcpkit_drill_docs", set()):
        app.add_css_file("tcpkit-drill.css")
        app.add_js_file(DATA_JS)
        app.add_js_file("tcpkit-drill.js")


def _page_math(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """The drill page shows answers with formulas: let sphinx.ext.mathjax load MathJax there."""
    if pagename in getattr(app.env, "tcpkit_drill_docs", set()) and "math" in app.env.domains:
        app.env.get_domain("math").data.setdefault("has_equations", {})[pagename] = True


def _static_path(app: Any, config: Any) -> None:
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def _outdated(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """Any chapter added, changed or removed: the drill page is rewritten too (its data changed)."""
    docs: set[str] = getattr(env, "tcpkit_drill_docs", set())
    if (added | changed | removed) - docs:
        return sorted(docs - added - changed)
    return []


def _purge(app: Any, env: Any, docname: str) -> None:
    docs: set[str] = getattr(env, "tcpkit_drill_docs", set())
    docs.discard(docname)


def _merge(app: Any, env: Any, docnames: Any, other: Any) -> None:
    docs: set[str] = getattr(env, "tcpkit_drill_docs", set())
    docs |= getattr(other, "tcpkit_drill_docs", set())
    env.tcpkit_drill_docs = docs


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("tcpkit_drill_extra_titles", EXTRA_TITLES, "env")
    app.add_config_value("tcpkit_drill_skip_parts", ["附录"], "env")
    app.add_config_value("tcpkit_drill_toc", "", "env")
    app.add_directive("tcpkit-drill", DrillDirective)
    app.connect("config-inited", _static_path)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    # late: after any other extension has finished changing the resolved doctree
    app.connect("doctree-resolved", _collect, priority=900)
    app.connect("html-collect-pages", _write_data)
    app.connect("html-page-context", _page_assets)
    app.connect("html-page-context", _page_math, priority=400)  # before sphinx.ext.mathjax (500)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1"}
