#!/usr/bin/env bash
# Vendor MathJax 3 (Apache-2.0) from the npm registry, so pages with math load no script from a CDN.
#   tools/vendor_mathjax.sh [OUT_DIR]      (default: _vendor/mathjax → served as _build/html/_static/mathjax/)
# Sphinx config that uses it (mathjax_path is relative to _static/):
#   sphinx: config: mathjax_path: mathjax/tex-mml-chtml.js
# Copied: the combined TeX+MathML→CommonHTML component, the TeX extensions it autoloads
# (\require, \color, \cancel, …) and the CommonHTML woff-v2 fonts. MathJax finds both next to
# the script it was loaded from. Not copied: the accessibility/speech modules (loaded only when a
# reader turns them on in MathJax's context menu) — ~2 MB instead of 24 MB.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/_vendor/mathjax}
version=3.2.2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null && tar xzf "mathjax-$version.tgz")
es5="$tmp/package/es5"
rm -rf "$out"
mkdir -p "$out/input/tex" "$out/output/chtml/fonts"
cp "$es5/tex-mml-chtml.js" "$out/"
cp -r "$es5/input/tex/extensions" "$out/input/tex/"
cp -r "$es5/output/chtml/fonts/woff-v2" "$out/output/chtml/fonts/"
cp "$tmp/package/LICENSE" "$out/LICENSE"
printf 'MathJax %s (Apache-2.0) from npm, es5/ subset; refresh with tools/vendor_mathjax.sh\n' "$version" > "$out/README.md"
du -sh "$out"
