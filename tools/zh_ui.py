"""Sphinx local extension: the page chrome in Chinese, and the link to the book's PDF.

Enable it in ``_config.yml``::

    sphinx:
      local_extensions:
        zh_ui: tools/

``language: zh_CN`` translates most of the interface through the message
catalogs of Sphinx and the themes. What the catalogs miss -- strings added in
Sphinx 7.3 ("Link to this heading"), strings the themes hard-code in their
templates ("Toggle primary sidebar", ``aria-label="Main"``) and myst-nb's
``<summary aria-label="Toggle hidden content">`` -- is replaced in each rendered
page, as exact attribute/element strings (``title="…"``, ``>…<``) so prose that
happens to contain the same English words is never changed. Strings that have a
configuration value (myst-nb's code prompts, the toggle-button hints, the search
box text) are set in ``_config.yml`` instead.

The links to the PDF (``make pdf`` writes ``_build/html/tcpkit-book.pdf``) are
the templates ``tools/templates/pdf-link.html`` (end of the left navigation,
``html_theme_options.primary_sidebar_end``) and ``pdf-button.html`` (a header
button beside the download menu, ``article_header_end``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["PDF_NAME", "UI_ZH", "translate_ui", "setup"]

PDF_NAME = "tcpkit-book.pdf"

# English interface string -> Chinese, by the attribute or element text it appears in.
_ATTR_ZH = {
    "Link to this heading": "链接到此标题",
    "Link to this definition": "链接到此定义",
    "Link to this term": "链接到此术语",
    "Link to this table": "链接到此表格",
    "Link to this code": "链接到此代码",
    "Link to this image": "链接到此图片",
    "Link to this equation": "链接到此公式",
    "Link to this toctree": "链接到此目录",
    "Toggle hidden content": "展开或折叠内容",
    "Toggle primary sidebar": "显示或隐藏左侧导航",
    "Toggle secondary sidebar": "显示或隐藏本页目录",
    "Color mode": "颜色模式",
    "System Settings": "跟随系统",
    "Main": "主导航",
    "Page": "本页",
    "Launch interactive content": "启动交互内容",
    "Launch on Binder": "在 Binder 上启动",
    "Launch Thebe": "在本页运行代码（Thebe）",
    "Binder logo": "Binder 标志",
}
_ATTRS = ("title", "aria-label", "data-bs-title", "alt", "placeholder")
_TEXT_ZH = {"Live Code": "在线运行"}

UI_ZH: tuple[tuple[str, str], ...] = tuple(
    [(f'{a}="{en}"', f'{a}="{zh}"') for en, zh in _ATTR_ZH.items() for a in _ATTRS]
    + [(f">{en}<", f">{zh}<") for en, zh in _TEXT_ZH.items()]
)


def translate_ui(page: str) -> str:
    """Replace the English interface strings of a rendered page by Chinese ones."""
    for en, zh in UI_ZH:
        page = page.replace(en, zh)
    return page


def _wrap_render(app: Any) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is None or getattr(templates, "_tcpkit_zh_ui", False):
        return
    render = templates.render

    def render_zh(template: str, context: dict[str, Any]) -> str:
        return translate_ui(render(template, context))

    templates.render = render_zh
    templates._tcpkit_zh_ui = True


def _pdf_context(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    context["tcpkit_pdf_name"] = PDF_NAME


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _wrap_render)
    app.connect("html-page-context", _pdf_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
