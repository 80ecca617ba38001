"""The in-browser book's build tools (tools/lite/): Pyodide verification, font subset, notebooks.

No network: the Pyodide "distribution" here is a synthetic folder with its own lock.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from lite import font_subset, notebooks, pyodide_dist  # noqa: E402


def _fake_dist(folder: Path, packages: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True)
    for name in pyodide_dist.CORE:
        (folder / name).write_bytes(f"core {name}".encode())
    entries = {}
    for name, deps in packages.items():
        data = f"package {name}".encode()
        fname = f"{name}-1.0-py3-none-any.whl"
        (folder / fname).write_bytes(data)
        entries[name] = {"name": name, "file_name": fname, "depends": deps, "imports": [name],
                         "sha256": hashlib.sha256(data).hexdigest()}
    lock = {"info": {"version": pyodide_dist.PYODIDE_VERSION}, "packages": entries}
    (folder / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    return folder


@pytest.fixture
def roots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyodide_dist, "ROOTS", ("numpy", "matplotlib"))


def test_official_distribution_keeps_only_the_closure_and_verifies(tmp_path: Path, roots: None) -> None:
    src = _fake_dist(tmp_path / "pyodide", {"numpy": [], "matplotlib": ["numpy", "Pillow"], "pillow": [],
                                            "pandas": ["numpy"]})
    info = pyodide_dist.assemble(tmp_path / "out", str(tmp_path))  # a folder holding pyodide/
    assert info["packages"] == ["matplotlib", "numpy", "pillow"]  # "Pillow" normalised; pandas dropped
    lock = json.loads((tmp_path / "out" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert sorted(lock["packages"]) == ["matplotlib", "numpy", "pillow"]
    assert not (tmp_path / "out" / "pandas-1.0-py3-none-any.whl").exists()
    assert (tmp_path / "out" / "pyodide.asm.wasm").read_bytes() == (src / "pyodide.asm.wasm").read_bytes()


def test_a_file_that_differs_from_the_lock_rejects_the_build(tmp_path: Path, roots: None) -> None:
    src = _fake_dist(tmp_path / "dist", {"numpy": [], "matplotlib": ["numpy"]})
    with (src / "numpy-1.0-py3-none-any.whl").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(SystemExit, match="(?s)REJECTED.*numpy-1.0"):
        pyodide_dist.assemble(tmp_path / "out", str(src))
    assert not (tmp_path / "out").exists()


def test_a_missing_package_file_rejects_the_build(tmp_path: Path, roots: None) -> None:
    src = _fake_dist(tmp_path / "dist", {"numpy": [], "matplotlib": ["numpy"]})
    (src / "matplotlib-1.0-py3-none-any.whl").unlink()
    with pytest.raises(SystemExit, match="matplotlib-1.0.*not found"):
        pyodide_dist.assemble(tmp_path / "out", str(src))


def test_a_different_pyodide_version_is_refused(tmp_path: Path, roots: None) -> None:
    src = _fake_dist(tmp_path / "dist", {"numpy": [], "matplotlib": []})
    lock = json.loads((src / "pyodide-lock.json").read_text(encoding="utf-8"))
    lock["info"]["version"] = "0.28.0"
    (src / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    with pytest.raises(SystemExit, match="0.28.0"):
        pyodide_dist.assemble(tmp_path / "out", str(src))


def test_font_subset_wheel_has_tcpkit_glyphs_only(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    text = font_subset.characters()
    assert "拥" in text and "塞" in text  # figure titles of the congestion widgets
    assert "\u3000" in text  # the ideographic space a QUIC label uses: matplotlib warns if it is missing
    whl = font_subset.build_wheel(tmp_path, text)
    assert whl.stat().st_size < 1_000_000
    with zipfile.ZipFile(whl) as zf:
        names = zf.namelist()
        font = TTFont(io.BytesIO(zf.read("pylopdf_fonts_zh_cn/NotoSansSC-Regular.otf")))
    assert "pylopdf_fonts_zh_cn/OFL.txt" in names
    cmap = font.getBestCmap()
    assert ord("拥") in cmap and 0x3000 in cmap
    absent = next(c for c in "龘齉爨躞" if c not in text)
    assert ord(absent) not in cmap
    assert font["name"].getDebugName(1) == "Noto Sans SC"  # the family tcpkit asks matplotlib for


def test_chapter_notebook_for_the_browser(tmp_path: Path) -> None:
    md = tmp_path / "ch.md"
    md.write_text(
        "---\njupytext:\n  text_representation: {extension: .md, format_name: myst, format_version: 0.13}\n"
        "kernelspec: {display_name: Python 3, language: python, name: python3}\n---\n# 标题\n\n"
        "```{code-cell} ipython3\nfrom markdown_it import MarkdownIt\nfrom tcpkit.lab import run_experiment\n```\n\n"
        "```{code-cell} ipython3\nrun = run_experiment(\"handshake\")\n```\n\n"
        "```{code-cell} ipython3\nx = 1 + 1\n```\n", encoding="utf-8")
    nb = notebooks.convert(md)
    assert nb.metadata["kernelspec"] == {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    setup, *cells = [c for c in nb.cells if c.cell_type == "code"]
    assert "await piplite.install(['tcpkit', 'markdown-it-py'])" in setup.source
    assert cells[1].source.startswith(f"%%{notebooks.MAGIC}\n")  # the live-lab call
    assert not cells[0].source.startswith("%%") and not cells[2].source.startswith("%%")
    assert notebooks.is_notebook(md.read_text(encoding="utf-8"))
