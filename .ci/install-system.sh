#!/usr/bin/env bash
# System packages for the browser tests (tests/e2e) on Debian/Ubuntu (CI runs as root; else use sudo).
#   chromium        the browser Playwright drives (Playwright's own browser download is not used:
#                   tests launch /usr/bin/chromium, or $TCPKIT_CHROMIUM)
#   fonts-noto-cjk  so Chromium draws the Chinese text (screenshots are not tofu; a test checks
#                   that a CJK font is really used)
#   fonts-noto-color-emoji  the few emoji of the pages (🚀, ✅) in the PDF (`make pdf`) instead of tofu
#   poppler-utils   pdftotext/pdffonts/pdfimages: tests/test_pdf.py reads the PDF back
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/opentype/noto ] \
   && ls /usr/share/fonts/opentype/noto | grep -qi cjk \
   && command -v pdftotext >/dev/null 2>&1 && fc-list | grep -qi 'color emoji'; then
  echo "chromium, fonts-noto-cjk, fonts-noto-color-emoji and poppler-utils already installed"; exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "The browser tests need Debian's chromium and fonts-noto-cjk. As root run:" >&2
    echo "  apt-get update && apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji poppler-utils" >&2
    exit 1
  fi
  SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji poppler-utils
chromium --version || /usr/bin/chromium --version
