#!/usr/bin/env bash
# System packages for the browser tests (tests/e2e) on Debian/Ubuntu (CI runs as root; else use sudo).
#   chromium        the browser Playwright drives (Playwright's own browser download is not used:
#                   tests launch /usr/bin/chromium, or $TCPKIT_CHROMIUM)
#   fonts-noto-cjk  so Chromium draws the Chinese text (screenshots are not tofu; a test checks
#                   that a CJK font is really used)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk
chromium --version || /usr/bin/chromium --version
