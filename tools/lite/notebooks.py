"""Turn the MyST chapters into the notebooks JupyterLite opens (at build time, with jupytext).

    python tools/lite/notebooks.py OUTDIR        # OUTDIR/book/<part>/<page>.ipynb

jupytext does not run inside JupyterLite, so each ``book/**/*.md`` notebook is converted
here. The copy for the browser differs from the chapter in three ways, none of which
touches the chapter source:

* the kernelspec is JupyterLite's Pyodide kernel (``python``; a notebook that asks for
  ``python3`` opens a kernel chooser instead);
* a first cell installs tcpkit from the site's own wheel index (``piplite``), silences the
  one-off "building the font cache" line matplotlib prints on stderr, and turns
  :class:`tcpkit.errors.LabError` into one Chinese line instead of a traceback;
* a cell that needs the real kernel (the live lab's experiments, real sockets) gets the
  cell magic ``%%linux_kernel_only``: in the browser it prints one Chinese line and the
  code stays visible below it; the rest of the chapter runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
# Calls that need Linux sockets or /proc: the lab's experiments and socket objects.
KERNEL_ONLY = re.compile(r"\b(run_experiment|run_all|listen_queue|read_sockets|same_port_demo)\s*\("
                         r"|\bsocket\.(socket|create_server|create_connection|socketpair)\s*\(")
MAGIC = "linux_kernel_only"
# Modules a chapter imports that Pyodide does not carry: the PyPI distribution to install from the
# site's wheel index (tools/lite/build.py puts the wheels there).
EXTRA_IMPORTS = {"markdown_it": "markdown-it-py"}
IMPORT = re.compile(r"^\s*(?:from|import)\s+(\w+)", re.M)
MESSAGE = "⚠ 这一格要用真实的 Linux 内核（套接字、/proc），浏览器里运行不了；请在 Binder 或本机 JupyterLab 中运行它。"

SETUP = f'''\
# 在浏览器里运行（JupyterLite + Pyodide）：先从本站装上 tcpkit，再照常“全部运行”。
import contextlib, io, piplite
await piplite.install({{packages}})
with contextlib.redirect_stderr(io.StringIO()):
    import matplotlib.font_manager  # 第一次导入时建字体缓存，会在 stderr 打印一行提示
from IPython import get_ipython
from tcpkit.errors import LabError

_MSG = "{MESSAGE}"


def _no_kernel(shell, etype, value, tb, tb_offset=None):  # 浏览器里没有套接字：一行说明代替回溯
    if issubclass(etype, LabError) or getattr(value, "errno", None) in (138, 95, 97, 52, 38):
        print(_MSG)
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


get_ipython().set_custom_exc((LabError, OSError), _no_kernel)
get_ipython().register_magic_function(lambda line, cell: print(_MSG), "cell", "{MAGIC}")
'''


def is_notebook(text: str) -> bool:
    """A MyST notebook page (it has a kernelspec, so the book gives it launch buttons)."""
    head = text.split("\n---", 1)[0] if text.startswith("---") else ""
    return "kernelspec" in head


def convert(md: Path):  # -> nbformat.NotebookNode
    import jupytext
    import nbformat

    nb = jupytext.read(md)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if KERNEL_ONLY.search(cell.source) and not cell.source.lstrip().startswith("%%"):
                cell.source = f"%%{MAGIC}\n{cell.source}"
    imported = {m for c in nb.cells if c.cell_type == "code" for m in IMPORT.findall(c.source)}
    packages = ["tcpkit", *sorted(EXTRA_IMPORTS[m] for m in imported & EXTRA_IMPORTS.keys())]
    code = SETUP.replace("{packages}", repr(packages[0]) if len(packages) == 1 else repr(packages))
    setup = nbformat.v4.new_code_cell(code, metadata={"tags": ["jupyterlite-setup"]})
    nb.cells.insert(0, setup)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.pop("jupytext", None)
    nb.metadata.pop("mystnb", None)
    nb.nbformat, nb.nbformat_minor = 4, 5
    for i, cell in enumerate(nb.cells):  # stable ids: the same chapter gives the same file
        cell["id"] = f"c{i:03d}"
    return nb


def convert_all(outdir: Path, root: Path = ROOT) -> list[Path]:
    import nbformat

    written = []
    for md in sorted((root / "book").rglob("*.md")):
        if ".ipynb_checkpoints" in md.parts or not is_notebook(md.read_text(encoding="utf-8")):
            continue
        rel = md.relative_to(root).with_suffix(".ipynb")
        dest = outdir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = nbformat.writes(convert(md))
        if not dest.is_file() or dest.read_text(encoding="utf-8") != text:
            dest.write_text(text, encoding="utf-8")
        written.append(rel)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    args = ap.parse_args(argv)
    written = convert_all(args.outdir)
    print(f"{len(written)} notebooks in {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
