#!/usr/bin/env bash
# Captions in Chinese need a CJK font. Use CAPCUT_MATE_FONT_DIR if set, else make sure Debian's
# fonts-noto-cjk is installed (as root, with apt-get); otherwise say clearly what to do.
set -euo pipefail
if [ -n "${CAPCUT_MATE_FONT_DIR:-}" ]; then
  exit 0
fi
if command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing fonts-noto-cjk (CJK captions need a CJK font)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
  exit 0
fi
echo "WARNING: no CJK font found. Install fonts-noto-cjk (sudo apt-get install fonts-noto-cjk)" >&2
echo "         or point CAPCUT_MATE_FONT_DIR at a folder with a CJK .ttf/.otf/.ttc font." >&2
