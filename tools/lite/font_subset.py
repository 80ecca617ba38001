"""A small stand-in for the 17 MB ``pylopdf-fonts-zh-cn`` wheel, for the in-browser book.

    python tools/lite/font_subset.py OUTDIR      # writes pylopdf_fonts_zh_cn-0.1.1+tcpkit.subset-py3-none-any.whl

tcpkit finds its CJK font with ``files("pylopdf_fonts_zh_cn") / "NotoSansSC-Regular.otf"``
(``tcpkit/plot/__init__.py``, ``use_cjk_font``) and registers it as *Noto Sans SC*. In the
browser the same import path is served by this wheel: same distribution and package name,
a PEP 440 *local* version (``0.1.1+tcpkit.subset``, which satisfies tcpkit's
``pylopdf-fonts-zh-cn>=0.1.1``), and a ``NotoSansSC-Regular.otf`` cut down with fontTools to
the glyphs tcpkit can draw: every non-ASCII character in tcpkit's source (labels, titles,
legends, widget texts) and in the chapters' code cells, plus printable ASCII. No tcpkit
code changes. The font stays under the SIL Open Font License 1.1 (Noto has no reserved
font name); the licence travels in the wheel.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import sys
import zipfile
from importlib.metadata import distribution
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = "pylopdf_fonts_zh_cn"
VERSION = "0.1.1+tcpkit.subset"
FONT = "NotoSansSC-Regular.otf"
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
EXTRA = "…—–·“”‘’、。，：；！？（）《》【】「」％＋－×÷→←↑↓⇄✓✗①②③④⑤≤≥≈≠±°µ"


def characters(root: Path = ROOT) -> str:
    """Every character tcpkit may draw: non-ASCII text in tcpkit/ and in chapter code cells."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(EXTRA)
    for py in sorted((root / "tcpkit").rglob("*.py")):
        chars |= {c for c in py.read_text(encoding="utf-8") if ord(c) > 0x7F}
    for md in sorted((root / "book").rglob("*.md")):
        for cell in CODE_CELL.findall(md.read_text(encoding="utf-8")):
            chars |= {c for c in cell if ord(c) > 0x7F}
    # keep every drawable character, the ideographic space (U+3000) too; drop only control characters
    return "".join(sorted(c for c in chars if c.isprintable() or (c.isspace() and c not in "\t\n\r\x0b\x0c")))


def subset_font(text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    src = files(DIST) / FONT
    font = TTFont(io.BytesIO(src.read_bytes()))
    opts = subset.Options()
    opts.layout_features = []      # matplotlib draws glyph by glyph: no shaping tables needed
    opts.hinting = False
    opts.name_IDs = ["*"]          # keep the family name "Noto Sans SC" and the copyright/licence names
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def licence_text() -> str:
    dist = distribution("pylopdf-fonts-zh-cn")
    for f in dist.files or []:
        if "licen" in str(f).lower():
            return Path(str(dist.locate_file(f))).read_text(encoding="utf-8")
    meta = dist.metadata.get("License") or ""
    if "Open Font License" not in meta:
        sys.exit("pylopdf-fonts-zh-cn: no SIL OFL licence text found to ship with the subset")
    return meta


def build_wheel(outdir: Path, text: str | None = None) -> Path:
    text = text if text is not None else characters()
    font = subset_font(text)
    init = (
        '"""Noto Sans SC, cut down to the glyphs tcpkit draws (for the in-browser book; SIL OFL 1.1)."""\n\n'
        "from pathlib import Path\n\n"
        f'__version__ = "{VERSION}"\n__all__ = ["sans_path"]\n\n\n'
        "def sans_path() -> Path:\n"
        '    """Return the path to the Noto Sans SC subset."""\n'
        f'    return Path(__file__).parent / "{FONT}"\n'
    ).encode()
    info = f"{DIST}-{VERSION}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\nName: pylopdf-fonts-zh-cn\n"
        f"Version: {VERSION}\n"
        "Summary: Noto Sans SC subset with the glyphs tcpkit draws (built by tools/lite/font_subset.py)\n"
        "License: SIL Open Font License 1.1\n"
    ).encode()
    wheel = b"Wheel-Version: 1.0\nGenerator: tcpkit tools/lite/font_subset.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    members = {
        f"{DIST}/__init__.py": init,
        f"{DIST}/{FONT}": font,
        f"{DIST}/OFL.txt": licence_text().encode(),
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": wheel,
        f"{info}/top_level.txt": f"{DIST}\n".encode(),
    }
    return write_wheel(outdir / f"{DIST}-{VERSION}-py3-none-any.whl", members, info)


def write_wheel(path: Path, members: dict[str, bytes], info: str) -> Path:
    """Write a pure wheel with a RECORD (fixed timestamps: the same input gives the same bytes)."""
    record = "\n".join(_record_line(n, d) for n, d in members.items()) + f"\n{info}/RECORD,,\n"
    members = {**members, f"{info}/RECORD": record.encode()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    args = ap.parse_args(argv)
    text = characters()
    path = build_wheel(args.outdir, text)
    print(f"{path.name}: {len(text)} characters, {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
