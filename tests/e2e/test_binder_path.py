"""Binder's install path: repo2docker's steps in a fresh venv, then every chapter runs there.

    .venv/bin/pytest tests/e2e/test_binder_path.py -m binder -s

The work is done by ``tools/binder_check.py`` (also usable on its own). It
installs the COMMITTED tree (``git archive HEAD``), as Binder would build it;
``TCPKIT_BINDER_WORKTREE=1`` installs the working tree instead. The report is
written to ``tests/artifacts/binder_check.json``. Takes minutes (pip + every chapter).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.binder


def test_binder_install_path_runs_every_chapter() -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / "binder_check.json"
    cmd = [sys.executable, str(ROOT / "tools" / "binder_check.py"), "--json", str(report)]
    if os.environ.get("TCPKIT_BINDER_WORKTREE") == "1":
        cmd.append("--worktree")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3 * 3600)
    assert report.is_file(), f"binder_check wrote no report:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    data = json.loads(report.read_text(encoding="utf-8"))
    print("\nBinder path, seconds per step:", json.dumps(data["steps_seconds"], ensure_ascii=False))
    if data.get("chapter_seconds"):
        slow = sorted(data["chapter_seconds"].items(), key=lambda kv: -kv[1])[:5]
        print("slowest chapters:", ", ".join(f"{k} {v:.1f} s" for k, v in slow))
    assert proc.returncode == 0 and data["ok"], (
        f"Binder's install path has {len(data['problems'])} problem(s):\n  " + "\n  ".join(data["problems"])
        + f"\n--- output ---\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    # what the check must have seen for the book to work on Binder
    assert data["versions"]["ipywidgets"].startswith("8.") and data["versions"]["jupyterlab_widgets"].startswith("3.")
    assert data["lab_default_viewers"].get("markdown") == "Jupytext Notebook"
    assert any("@jupyter-widgets/jupyterlab-manager" in ln for ln in data["labextensions"])
    assert data["chapters"] > 0 and len(data["chapter_seconds"]) == data["chapters"]
