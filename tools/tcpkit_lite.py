"""Sphinx local extension: every chapter runs in the reader's browser (JupyterLite + Pyodide).

Enable it in ``_config.yml`` (``sphinx: local_extensions: {tcpkit_lite: tools/}``). It

1. loads ``jupyterlite_sphinx`` and points it at ``_build/lite-src`` (the JupyterLite source
   folder) and ``_build/lite-contents`` (the chapters as notebooks), both prepared at the start
   of the build by ``tools/lite/build.py`` (self-hosted Pyodide 0.27.7, the site's wheel
   index, the converted chapters). ``jupyterlite_sphinx`` runs ``jupyter lite build`` into
   ``_build/html/lite`` when the HTML build has finished;
2. adds "在浏览器中运行" to the launch menu (beside Binder and Live Code) of every notebook
   page; it opens *that* chapter in ``lite/notebooks/`` with a relative link, so the site can
   live under any path; nothing of ``lite/`` is loaded before the click;
3. removes the Google Fonts stylesheet that jupyterlite-sphinx 0.23.0 adds to every page
   (``app.add_css_file("https://fonts.googleapis.com/css?family=Vibur")``): the book makes no
   off-site request.

``TCPKIT_LITE=0`` in the environment skips the in-browser part (``tools/check_page.py`` sets it
for its one-page builds); the Google Fonts filter stays.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["setup", "LITE_APP", "LABEL", "lite_href"]

HERE = Path(__file__).resolve().parent
LITE_APP = "lite/notebooks/index.html"
LABEL = "在浏览器中运行"
_OFFSITE_CSS = ("fonts.googleapis.com", "fonts.gstatic.com")


def enabled() -> bool:
    return os.environ.get("TCPKIT_LITE", "1") != "0"


def lite_href(pathto: Any, pagename: str) -> str:
    """The relative link from ``pagename`` to that chapter's notebook in JupyterLite."""
    return f"{pathto(LITE_APP, 1)}?path={pagename}.ipynb"


def _dirs(app: Any) -> tuple[Path, Path]:
    build = Path(app.outdir).parent
    return build / "lite-src", build / "lite-contents"


def _config_inited(app: Any, config: Any) -> None:
    lite_dir, contents = _dirs(app)
    config.jupyterlite_dir = str(lite_dir)
    config.jupyterlite_config = str(lite_dir / "jupyter_lite_config.json")  # not read from the lite dir by itself
    config.jupyterlite_content_dir = str(contents)  # absolute: Path(srcdir) / abs == abs


def _builder_inited(app: Any) -> None:
    if app.builder.format != "html":
        return
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from lite.build import prepare

    lite_dir, contents = _dirs(app)
    t0 = time.perf_counter()
    prepare(lite_dir, contents)
    app.tcpkit_lite_times = {"prepare_s": round(time.perf_counter() - t0, 1)}


def _lite_build_start(app: Any, exc: Any) -> None:
    app.tcpkit_lite_t0 = time.perf_counter()


def _lite_build_end(app: Any, exc: Any) -> None:
    """Record the extra build time of the in-browser part (bench/bench_lite.py prints it)."""
    times = getattr(app, "tcpkit_lite_times", None)
    if exc is not None or times is None or app.builder.format != "html":
        return
    times["jupyter_lite_build_s"] = round(time.perf_counter() - app.tcpkit_lite_t0, 1)
    (Path(app.outdir).parent / "lite_build_seconds.json").write_text(json.dumps(times) + "\n", encoding="utf-8")


def _page_context(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    css = context.get("css_files")
    if isinstance(css, list):
        css[:] = [c for c in css if not any(h in (getattr(c, "filename", "") or str(c)) for h in _OFFSITE_CSS)]
    if not enabled():
        return
    for group in context.get("header_buttons") or []:
        if isinstance(group, dict) and group.get("label") == "launch-buttons":
            group["buttons"].insert(1 if group["buttons"] else 0, {
                "type": "link",
                "text": LABEL,
                "tooltip": "在你自己的浏览器里运行本章（JupyterLite，无需服务器）",
                "icon": "fas fa-laptop-code",
                "url": lite_href(context["pathto"], pagename),
                "label": "launch-jupyterlite-button",
            })


def setup(app: Any) -> dict[str, Any]:
    if enabled():
        app.setup_extension("jupyterlite_sphinx")
        app.connect("config-inited", _config_inited, priority=100)  # before jupyterlite_sphinx empties the folder
        app.connect("builder-inited", _builder_inited)
        app.connect("build-finished", _lite_build_start, priority=100)  # around jupyterlite_sphinx's (500)
        app.connect("build-finished", _lite_build_end, priority=900)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", _page_context, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
