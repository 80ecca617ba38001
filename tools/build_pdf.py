"""Build the whole book as one Chinese PDF: ``make pdf``.

    .venv/bin/python tools/build_pdf.py [--skip-build] [--out PATH]

1. ``jupyter-book build . --builder singlehtml -W --keep-going`` writes every
   chapter into ``_build/singlehtml/index.html``. It shares the execution cache
   with ``make book``, so unchanged chapters are not executed again, and
   ``nb_mime_priority_overrides`` gives ``singlehtml`` the same PNG-first order
   as ``html``: every widget prints the figure of its default settings.
2. A print copy of that page (``print.html`` beside it) opens every
   ``{dropdown}`` and keeps sphinx-togglebutton from hiding its content
   (answers are printed expanded, with no script race), drops the hidden code
   cells' sources (the page hides them too; their outputs stay), and hides the
   site's navigation, buttons and search.
3. Debian's Chromium prints it (``--print-to-pdf``; fonts-noto-cjk gives the
   Chinese glyphs), headless, with a fresh profile and no background network.
4. The PDF goes to ``_build/pdf/tcpkit-book.pdf`` and, when the HTML book has
   been built, to ``_build/html/tcpkit-book.pdf``, where every page's
   "下载全书 PDF" link points (``tools/zh_ui.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from zh_ui import PDF_NAME  # noqa: E402

SINGLE = ROOT / "_build" / "singlehtml"
PDF = ROOT / "_build" / "pdf" / PDF_NAME
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
    "--generate-pdf-document-outline",  # PDF bookmarks from the headings: a 400-page book needs them
)

PRINT_CSS = """
<style id="tcpkit-print">
@page { size: A4; margin: 16mm 14mm; }
/* site chrome: navigation, header buttons, search, footer navigation, PDF link */
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .header-article-items,
.prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content, .search-button-field,
.skip-link, .tcpkit-pdf-link, .tcpkit-pdf-button, .headerlink, #pst-back-to-top, .pst-back-to-top { display: none !important; }
/* hidden code cells: the page shows only their outputs, so does the PDF */
details.hide.above-input { display: none !important; }
img { max-width: 100% !important; break-inside: avoid; }
pre { white-space: pre-wrap !important; }
h1, h2, h3 { break-after: avoid; }
</style>
"""

# sphinx-togglebutton hides its targets from JavaScript, matched by this selector: match nothing in print.
_TOGGLE_SELECTOR = re.compile(r"(togglebuttonSelector\s*=\s*)'[^']*'")


def _jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


def build_singlehtml() -> None:
    """Run the singlehtml build (Sphinx warnings are errors) into ``_build/singlehtml``."""
    shutil.rmtree(SINGLE, ignore_errors=True)
    cmd = [_jupyter_book(), "build", ".", "--builder", "singlehtml", "-W", "--keep-going"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    log = ROOT / "_build" / "singlehtml.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        warnings = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "WARNING" in ln or "ERROR" in ln]
        raise SystemExit(f"singlehtml build failed (exit {proc.returncode}), log in {log}:\n" + "\n".join(warnings[-40:]))


def single_page() -> Path:
    """The page that holds the whole book. Jupyter Book writes the root document
    (``book/intro.html``) plus an ``index.html`` that only redirects to it; the
    page's links are relative to the output folder, not to ``book/``."""
    index = SINGLE / "index.html"
    if not index.exists():
        raise SystemExit(f"no {index}: run the singlehtml build first")
    m = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', index.read_text(encoding="utf-8"))
    return SINGLE / m.group(1) if m else index


def print_version(page: str) -> str:
    """The single page as it should print: dropdowns open, print stylesheet and script added."""
    if 'id="tcpkit-print"' in page:
        return page
    page = re.sub(r"<details(?=[^>]*\bclass=\"[^\"]*\bsd-dropdown\b)(?![^>]*\bopen\b)", "<details open", page)
    page = _TOGGLE_SELECTOR.sub(r"\1'.tcpkit-print-no-toggle'", page)
    return page.replace("</head>", PRINT_CSS + "</head>", 1)


def chromium() -> str:
    exe = os.environ.get("TCPKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        raise SystemExit("chromium not found: run `make system-deps` (Debian package chromium)")
    return exe


def print_to_pdf(html: Path, pdf: Path) -> None:
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="tcpkit-chromium-") as profile:
        cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
               "--virtual-time-budget=20000",  # let MathJax typeset before printing
               f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise SystemExit(f"chromium did not print {pdf} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--skip-build", action="store_true", help="reuse _build/singlehtml from an earlier run")
    ap.add_argument("--out", type=Path, default=PDF)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    if not args.skip_build:
        build_singlehtml()
    t1 = time.perf_counter()
    printable = SINGLE / "print.html"  # beside index.html: the page's relative links resolve from there
    printable.write_text(print_version(single_page().read_text(encoding="utf-8")), encoding="utf-8")
    print_to_pdf(printable, args.out)
    t2 = time.perf_counter()
    site = ROOT / "_build" / "html"
    if (site / "index.html").exists():
        shutil.copyfile(args.out, site / PDF_NAME)
    size = args.out.stat().st_size / 2**20
    print(f"{args.out}: {size:.1f} MiB; singlehtml build {t1 - t0:.0f} s, Chromium print {t2 - t1:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
