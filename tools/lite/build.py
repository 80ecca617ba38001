"""Prepare the JupyterLite source folder the book's "在浏览器中运行" launch opens.

    python tools/lite/build.py [--site]   # prepare _build/lite-src, _build/lite-contents [and rebuild _build/html/lite]

The Sphinx extension ``tools/tcpkit_lite.py`` calls :func:`prepare` at the start of every
book build; ``jupyterlite-sphinx`` then runs ``jupyter lite build`` at the end. LITE_DIR gets:

* ``static/pyodide/``   the self-hosted Pyodide 0.27.7 (``pyodide_dist.py``: verified sha256);
* ``wheels/``           the site's own wheel index (``piplite_urls``): tcpkit (built from this
  checkout), ipywidgets 8.1.9, comm, jupyterlab_widgets 3.0.17 and the Noto Sans SC subset
  (``font_subset.py``);
* ``jupyter_lite_config.json`` / ``jupyter-lite.json``: no source maps, Pyodide from
  ``./static/pyodide/``, no PyPI fallback, only the widget and kernel lab extensions (jupytext does
  not run in JupyterLite).

CONTENTS_DIR gets the chapters as notebooks (``notebooks.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from lite import font_subset, notebooks, pyodide_dist  # noqa: E402

ROOT = HERE.parents[1]
# The widget stack the browser kernel installs from the site (versions match requirements.txt).
WHEELS = {"ipywidgets": "8.1.9", "jupyterlab_widgets": "3.0.17", "comm": "0.2.3",
          # a chapter renders Markdown tables with markdown-it (notebooks.EXTRA_IMPORTS)
          "markdown-it-py": "3.0.0", "mdurl": "0.1.2"}
# JupyterLab extensions in the lite app (the widget manager and the Pyodide kernel).
FEDERATED = {"jupyterlab_widgets": WHEELS["jupyterlab_widgets"], "jupyterlite_pyodide_kernel": "0.6.1"}
DOIT_DB = ".jupyterlite.doit.db"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def log(msg: str) -> None:
    print(f"[tcpkit-lite] {msg}", flush=True)


def _pyodide(lite_dir: Path) -> dict[str, object]:
    """Assemble once per source into the cache, then copy into the lite folder."""
    official = os.environ.get("TCPKIT_PYODIDE_DIST") or None
    key = hashlib.sha256(f"{pyodide_dist.PYODIDE_VERSION}|{official}|{pyodide_dist.ROOTS}|2".encode()).hexdigest()[:12]
    cached = pyodide_dist.cache_dir() / f"dist-{pyodide_dist.PYODIDE_VERSION}-{key}"
    stamp = cached / ".tcpkit-dist.json"
    if not stamp.is_file():
        info = pyodide_dist.assemble(cached, official)
        stamp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    dest = lite_dir / "static" / "pyodide"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(cached, dest, ignore=shutil.ignore_patterns(".tcpkit-dist.json"))
    return json.loads(stamp.read_text(encoding="utf-8"))


def _tcpkit_wheel(dest: Path) -> Path:
    """tcpkit as a pure wheel, written directly (no build backend: fast, no files left in the checkout)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name, version = project["name"], project["version"]
    info = f"{name}-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
            f"Summary: {project.get('description', '')}", f"Requires-Python: {project.get('requires-python', '')}"]
    meta += [f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])]
    members: dict[str, bytes] = {}
    for path in sorted((ROOT / "tcpkit").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".csv", ".typed"):
            members[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    members[f"{info}/METADATA"] = ("\n".join(meta) + "\n").encode()
    members[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tools/lite/build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    members[f"{info}/top_level.txt"] = b"tcpkit\n"
    for old in dest.glob("tcpkit-*.whl"):
        old.unlink()
    return font_subset.write_wheel(dest / f"{name}-{version}-py3-none-any.whl", members, info)


def _wheels(lite_dir: Path) -> list[str]:
    dest = lite_dir / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    keep = {_tcpkit_wheel(dest).name, font_subset.build_wheel(dest).name}
    for name, version in WHEELS.items():
        whl = pyodide_dist.pip_download(name, version)
        shutil.copy2(whl, dest / whl.name)
        keep.add(whl.name)
    for stale in dest.iterdir():
        if stale.name not in keep:
            stale.unlink()
    return sorted(keep)


def _configs(lite_dir: Path) -> None:
    # Only the two lab extensions the book needs, from their wheels: the environment's other ones
    # (jupytext, pygments) are built for a newer JupyterLab and break the app's document registry.
    federated = [str(pyodide_dist.pip_download(n, v)) for n, v in FEDERATED.items()]
    build = {
        "LiteBuildConfig": {"no_sourcemaps": True, "ignore_sys_prefix": ["federated_extensions"],
                            "federated_extensions": federated},
        "PipliteAddon": {"piplite_urls": [str((lite_dir / "wheels").resolve())]},
    }
    app = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "TCP/UDP 交互教科书 · 浏览器版",
            "exposeAppInBrowser": True,  # window.jupyterapp: the browser tests run "run all" through it
            "litePluginSettings": {
                KERNEL_PLUGIN: {"pyodideUrl": "./static/pyodide/pyodide.js", "disablePyPIFallback": True},
            },
        },
    }
    # Render every cell (no windowing): a chapter is short, and "run all" then shows every widget.
    overrides = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    for name, data in (("jupyter_lite_config.json", build), ("jupyter-lite.json", app), ("overrides.json", overrides)):
        (lite_dir / name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def prepare(lite_dir: Path, contents_dir: Path) -> dict[str, object]:
    t0 = time.perf_counter()
    lite_dir.mkdir(parents=True, exist_ok=True)
    # jupyterlite-core 0.6.4 unpacks the extension wheels into .cache once and then skips copying them
    # into a fresh output folder (make book empties _build/html): start from no cache every build.
    # Same for its task database (written to the cwd): a stale one skips tasks whose output is gone.
    shutil.rmtree(lite_dir / ".cache", ignore_errors=True)
    for db in {Path.cwd() / DOIT_DB, ROOT / DOIT_DB}:
        db.unlink(missing_ok=True)
    info = _pyodide(lite_dir)
    wheels = _wheels(lite_dir)
    _configs(lite_dir)
    nbs = notebooks.convert_all(contents_dir)
    log(f"Pyodide {info['version']} ({len(info['packages'])} packages, from {info['source']}), "  # type: ignore[arg-type]
        f"{len(wheels)} wheels, {len(nbs)} notebooks in {time.perf_counter() - t0:.1f} s")
    return {"pyodide": info, "wheels": wheels, "notebooks": [str(p) for p in nbs]}


def jupyter_lite_build(lite_dir: Path, contents: Path, out: Path) -> None:
    """What jupyterlite-sphinx runs at the end of the book build (here: to rebuild lite/ alone)."""
    apps = [a for app in ("notebooks", "edit", "lab", "repl", "tree", "consoles") for a in ("--apps", app)]
    subprocess.run([sys.executable, "-m", "jupyter", "lite", "build", "--config", str(lite_dir / "jupyter_lite_config.json"),
                    "--contents", str(contents), "--output-dir", str(out), *apps, "--lite-dir", str(lite_dir)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    (ROOT / DOIT_DB).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """``build.py`` prepares _build/lite-src; ``build.py --site`` also rebuilds _build/html/lite."""
    lite_dir, contents = ROOT / "_build" / "lite-src", ROOT / "_build" / "lite-contents"
    prepare(lite_dir, contents)
    if "--site" in argv:
        t0 = time.perf_counter()
        jupyter_lite_build(lite_dir, contents, ROOT / "_build" / "html" / "lite")
        log(f"jupyter lite build: {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
