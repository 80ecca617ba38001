"""Benchmarks of the book as a whole: ``import tcpkit`` time, book build times, page and site sizes.

    .venv/bin/python bench/bench_book.py            # everything (the two builds take minutes)
    .venv/bin/python bench/bench_book.py --no-build # only the import time

* ``import tcpkit`` in a fresh interpreter, median of 15 runs (target ≤ 150 ms):
  what every chapter's first cell and every reader's kernel pays.
* a clean build of the whole book into a temporary ``--path-output`` (nothing
  cached: every chapter executes), then the same build again (the jupyter-cache
  and the Sphinx environment are reused; nothing changed).
* the largest HTML page and the whole ``_build/html`` of the clean build.

The build never touches the repository's own ``_build``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Row, format_rows, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMPORT_TARGET_MS = 150.0
CLEAN_BUILD_TARGET_S = 600.0     # the CI budget for executing every chapter
CACHED_BUILD_TARGET_S = 60.0     # nothing changed: no chapter may execute again
PAGE_TARGET_KIB = 2048.0         # one HTML page (widget state embeds PNGs as base64)
SITE_TARGET_MIB = 60.0           # the whole deployable site

_IMPORT = "import time; t0 = time.perf_counter(); import tcpkit; print((time.perf_counter() - t0) * 1000)"


def import_time(repeat: int = 15) -> Row:
    xs = []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    for _ in range(repeat + 1):
        out = subprocess.run([sys.executable, "-c", _IMPORT], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout
        xs.append(float(out.strip().splitlines()[-1]))
    xs = xs[1:]  # the first run warms the OS file cache
    med = statistics.median(xs)
    return Row(f"import tcpkit (fresh process, median of {repeat})", med, "ms",
               f"≤ {IMPORT_TARGET_MS:g} ms", med <= IMPORT_TARGET_MS, percentile(xs, 0.95))


def _jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


def _build(out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    # cwd = the repository root: html_search_options.dict is relative to the process cwd
    proc = subprocess.run([_jupyter_book(), "build", ".", "--path-output", str(out), "--keep-going"],
                          cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - t0, proc


def _why(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln or "Error" in ln or "failed" in ln]
    return (lines[-1] if lines else f"exit {proc.returncode}")[:120]


def build_rows() -> list[Row]:
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="tcpkit-bench-book-"))
    try:
        clean_s, proc = _build(tmp)
        ok = proc.returncode == 0
        name = "book build, clean (every chapter executes)" + ("" if ok else f" FAILED: {_why(proc)}")
        rows.append(Row(name, clean_s, "s", f"≤ {CLEAN_BUILD_TARGET_S:g} s", ok and clean_s <= CLEAN_BUILD_TARGET_S))
        cached_s, proc2 = _build(tmp)
        ok2 = proc2.returncode == 0
        name = "book build, again with nothing changed (cached)" + ("" if ok2 else f" FAILED: {_why(proc2)}")
        rows.append(Row(name, cached_s, "s", f"≤ {CACHED_BUILD_TARGET_S:g} s", ok2 and cached_s <= CACHED_BUILD_TARGET_S))
        html = tmp / "_build" / "html"
        # The book proper: the in-browser part (lite/, bench_lite.py) and the PDF have rows of their own.
        book = [f for f in html.rglob("*") if f.is_file() and f.relative_to(html).parts[0] != "lite"
                and f.suffix != ".pdf"]
        pages = [p for p in book if p.suffix == ".html" and "_static" not in p.parts]
        if pages:
            biggest = max(pages, key=lambda p: p.stat().st_size)
            kib = biggest.stat().st_size / 1024
            rows.append(Row(f"largest page: {biggest.relative_to(html)}", kib, "KiB",
                            f"≤ {PAGE_TARGET_KIB:g} KiB", kib <= PAGE_TARGET_KIB))
            mib = sum(f.stat().st_size for f in book) / 2**20
            rows.append(Row(f"book site without lite/ and the PDF ({len(pages)} pages)", mib, "MiB",
                            f"≤ {SITE_TARGET_MIB:g} MiB", mib <= SITE_TARGET_MIB))
        else:
            rows.append(Row("site size: no HTML was built", float("nan"), "MiB", f"≤ {SITE_TARGET_MIB:g} MiB", False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def run(*, build: bool = True) -> list[Row]:
    rows = [import_time()]
    if build:
        rows += build_rows()
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-build", action="store_true", help="only measure the import time")
    args = ap.parse_args()
    print(format_rows(run(build=not args.no_build)))
