"""Sphinx local extension: fixes to the scripts of every HTML page and to the .ipynb downloads.

Enable it in ``_config.yml``::

    sphinx:
      local_extensions:
        html_assets: tools/

1. **Duplicated inline scripts.** sphinx-thebe and sphinx-togglebutton call
   ``app.add_js_file(None, body=...)`` after the builder exists. Sphinx 7.4
   stores that script once with ``filename=None`` and adds it again from the
   registry with ``filename=''`` in ``prepare_writing``; the two compare unequal,
   so every page carries ``const THEBE_JS_URL = ...`` twice, which is a
   ``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared`` in the
   browser console. We drop the second copy.

2. **FontAwesome fonts of the vendored html-manager.** ``embed-amd.js`` defines
   its modules by name (``@jupyter-widgets/html-manager/dist/libembed-amd``) and
   sets webpack's public path from the module's require.js URL, which resolves
   relative to the *page* (``book/x/@jupyter-widgets/html-manager/dist/``,
   ``book/x/@jupyter-widgets/``). The icon fonts are then requested there and
   404. A ``require.config`` ``paths`` map placed between ``require.js`` and
   ``embed-amd.js`` puts every such module in ``_static/ipywidgets/``
   (relative to each page), where ``_vendor/ipywidgets/*.woff2`` are served.
   Nothing is fetched from these paths except the fonts: the modules are all
   defined inside embed-amd.js.

3. **The .ipynb download has no outputs in ``execute_notebooks: cache`` mode.**
   myst-nb (1.4.0, ``sphinx_.py``) writes ``_build/jupyter_execute/<page>.ipynb``
   from the notebook it *read*; in cache mode the executed copy lives only in
   the client (``NotebookClientCache`` merges the cached outputs into a new
   object), so the written notebook -- which sphinx-book-theme copies to
   ``_sources/<page>.ipynb`` as the reader's download -- has no outputs and no
   widget state. Right after each page is read we merge the jupyter-cache
   record into that file (``merge_match_into_notebook``: outputs plus the
   kernelspec/language_info/widgets metadata). ``force`` mode is untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["setup"]

_EMBED = "embed-amd.js"
# The AMD modules that embed-amd.js defines by name; each sets webpack's public
# path (where its fonts are fetched) to the folder of its require.js URL.
_MODULES = ("base", "base7", "controls", "controls7", "html-manager")


def _key(js: Any) -> tuple[str, int, tuple[tuple[str, str], ...]]:
    attrs = tuple(sorted((str(k), str(v)) for k, v in getattr(js, "attributes", {}).items()))
    return (getattr(js, "filename", None) or "", int(getattr(js, "priority", 500)), attrs)


def _fix_scripts(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple[str, int, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for js in scripts:
        k = _key(js)
        if k in seen:
            continue
        seen.add(k)
        unique.append(js)
    embed_at = next((i for i, js in enumerate(unique) if (getattr(js, "filename", "") or "").endswith(_EMBED)), None)
    if embed_at is not None:
        from sphinx.builders.html._assets import _JavaScript

        embed = unique[embed_at]
        # relative URL of the folder that holds embed-amd.js, e.g. "../../_static/ipywidgets"
        folder = context["pathto"](embed.filename.rsplit("/", 1)[0], 1)
        paths = {f"@jupyter-widgets/{m}": f"{folder}/{m}" for m in _MODULES}
        paths["@jupyter-widgets/html-manager/dist"] = folder
        body = f"require.config({{paths: {json.dumps(paths, sort_keys=True)}}});"
        unique.insert(embed_at, _JavaScript("", body=body, priority=embed.priority))
    scripts[:] = unique


def _executed_download(app: Any, doctree: Any) -> None:
    env = app.env
    cfg = getattr(env, "mystnb_config", None)
    if cfg is None or cfg.execution_mode != "cache":
        return
    out = Path(cfg.output_folder or Path(app.outdir).parent / "jupyter_execute")
    path = out.joinpath(*f"{env.docname}.ipynb".split("/"))
    if not path.is_file():
        return
    import nbformat
    from jupyter_cache import get_cache

    cache_path = cfg.execution_cache_path or str(Path(app.outdir).parent / ".jupyter_cache")
    nb = nbformat.read(path, as_version=4)
    if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        return  # already executed (e.g. the notebook was run outside the cache)
    try:
        _, merged = get_cache(cache_path).merge_match_into_notebook(nb)
    except KeyError:  # not in the cache: execution failed or the page is excluded
        return
    path.write_text(nbformat.writes(merged), encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.connect("doctree-read", _executed_download)
    # after myst-nb has added the per-page widget scripts (default priority 500)
    app.connect("html-page-context", _fix_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
