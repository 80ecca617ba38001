#!/usr/bin/env bash
# Refresh _vendor/ipywidgets from the npm registry (only needed to change versions).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.4 >/dev/null
mkdir hm rj; tar xzf jupyter-widgets-html-manager-1.0.15.tgz -C hm; tar xzf requirejs-2.3.4.tgz -C rj
out="$here/_vendor/ipywidgets"
cp hm/package/dist/embed-amd.js hm/package/dist/*.woff2 "$out/"
cp rj/package/require.js "$out/"
echo "vendored into $out"
