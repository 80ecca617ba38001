"""Shared fixtures: the built book (built once per session) and figure hygiene."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "000_1acaae083c43c8ed.txt"


def _jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the whole book once with Sphinx warnings as errors; return ``_build/html``.

    With ``TCPKIT_SITE=<dir>`` an already built site is used instead (for
    re-running the browser tests). The HTML and doctrees are removed before
    building (an incremental build keeps stale search terms); the execution
    cache is kept, so unchanged chapters are not executed again.
    """
    site = os.environ.get("TCPKIT_SITE")
    if site:
        path = Path(site).resolve()
        assert (path / "index.html").exists() or any(path.rglob("*.html")), f"TCPKIT_SITE={site} has no built site"
        return path
    for sub in ("html", ".doctrees"):
        shutil.rmtree(ROOT / "_build" / sub, ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.run([_jupyter_book(), "build", ".", "-W", "--keep-going"], cwd=ROOT,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "build.log").write_text(log, encoding="utf-8")
    (ROOT / "_build" / "build_seconds.txt").write_text(f"{elapsed:.1f}\n", encoding="utf-8")
    if proc.returncode != 0:
        reports = ROOT / "_build" / "html" / "reports"
        extra = ""
        if reports.exists():
            for rep in sorted(reports.glob("**/*.err.log")):
                extra += f"\n--- {rep.name} ---\n" + rep.read_text(encoding="utf-8", errors="replace")[-4000:]
        warn = "\n".join(ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln or "Error" in ln)
        pytest.fail(f"book build failed (exit {proc.returncode}) in {elapsed:.0f} s:\n{warn[-8000:]}{extra}", pytrace=False)
    return ROOT / "_build" / "html"


@pytest.fixture
def fig():
    """A fresh pyplot-free figure per test (never reused between tests)."""
    from tcpkit.plot import new_figure

    f = new_figure(6, 4)
    yield f
    f.clear()

