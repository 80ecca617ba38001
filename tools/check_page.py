"""Check one or more chapter pages quickly, without building the whole book.

    .venv/bin/python tools/check_page.py book/transport/mss.md [more pages…]

For each page: execute it as a notebook (jupytext + nbclient, cwd = its folder)
and report every error output, every stderr stream — in cell outputs *and*
inside widget state (an Output widget's stderr is invisible to the build's
stderr check) — then build a mini book of just these pages with Sphinx
``-W --keep-going`` into a temporary folder and print its warnings (warnings
about labels defined on *other* pages are expected and listed separately).
Exit code 0 only if there were no errors, no stderr and no other warnings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stderr_in_widget_state(nb) -> list[str]:
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    found = []
    for mid, model in state.items():
        for out in model.get("state", {}).get("outputs", []) or []:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"widget {mid}: {out.get('text', '')[:300]}")
            if out.get("output_type") == "error":
                found.append(f"widget {mid}: error {out.get('ename')}: {out.get('evalue')}")
    return found


def execute(page: Path) -> list[str]:
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(page)
    problems: list[str] = []
    t0 = time.perf_counter()
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(page.parent)}}).execute()
    except Exception as exc:  # CellExecutionError carries the traceback text
        problems.append(f"execution failed: {exc}"[:3000])
    dt = time.perf_counter() - t0
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: error {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i}: stderr: {out.get('text', '')[:500]}")
    problems += stderr_in_widget_state(nb)
    print(f"{page}: executed in {dt:.1f} s, {len(problems)} problem(s)")
    return problems


def mini_build(pages: list[Path]) -> tuple[list[str], list[str]]:
    tmp = Path(tempfile.mkdtemp(prefix="tcpkit-page-"))
    try:
        for name in ("book", "_vendor", "tools"):
            (tmp / name).symlink_to(ROOT / name)
        shutil.copy(ROOT / "_config.yml", tmp / "_config.yml")
        rels = [str(p.resolve().relative_to(ROOT).with_suffix("")) for p in pages]
        refs = "book/appendix/references"  # so that {cite} resolves
        toc = {"format": "jb-book", "root": rels[0],
               "chapters": [{"file": r} for r in [*rels[1:], refs] if r != rels[0]]}
        (tmp / "_toc.yml").write_text(json.dumps(toc), encoding="utf-8")
        cfg = (tmp / "_config.yml").read_text(encoding="utf-8").replace("execute_notebooks: cache", "execute_notebooks: force")
        (tmp / "_config.yml").write_text(cfg, encoding="utf-8")
        jb = ROOT / ".venv" / "bin" / "jupyter-book"
        proc = subprocess.run([str(jb), "build", str(tmp), "-W", "--keep-going", "--path-output", str(tmp / "out")],
                              cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "TCPKIT_LITE": "0"})  # no JupyterLite for one page
        warnings = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "WARNING" in ln and "IPKernelApp" not in ln]
        external = [w for w in warnings if "undefined label" in w or "unknown document" in w or "toctree" in w
                    or "bibliography" in w.lower() and "not found" in w.lower()]
        other = [w for w in warnings if w not in external]
        if proc.returncode != 0 and not other and not external:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
            other.append("the Sphinx build failed:\n    " + "\n    ".join(tail))
        out = tmp / "out" / "_build" / "html"
        for p in rels:
            html = out / (p + ".html")
            if html.exists():
                print(f"{p}.html: {html.stat().st_size / 1024:.0f} KiB")
        return other, external
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    pages = [Path(a).resolve() for a in argv] or []
    if not pages:
        print(__doc__)
        return 2
    bad = 0
    for p in pages:
        probs = execute(p)
        for pr in probs:
            print("  PROBLEM", pr)
        bad += len(probs)
    other, external = mini_build(pages)
    for w in other:
        print("  WARNING", w)
    if external:
        print(f"  ({len(external)} warnings about other pages' labels/citations ignored here)")
    bad += len(other)
    print("OK" if bad == 0 else f"{bad} problem(s)")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
