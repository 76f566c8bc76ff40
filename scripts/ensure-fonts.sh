#!/usr/bin/env bash
# Captions in Chinese need a CJK font, emoji need a colour emoji font. Use CAPCUT_MATE_FONT_DIR if set, else
# make sure Debian's fonts-noto-cjk and fonts-noto-color-emoji are installed (as root, with apt-get);
# otherwise say clearly what to do.
set -euo pipefail
if [ -n "${CAPCUT_MATE_FONT_DIR:-}" ]; then
  exit 0
fi
missing=()
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; }; then
  missing+=(fonts-noto-cjk)
fi
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :color=true family | grep -q .; }; then
  missing+=(fonts-noto-color-emoji)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (CJK captions need a CJK font, emoji a colour emoji font)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" fontconfig >/dev/null
  exit 0
fi
echo "WARNING: missing fonts: ${missing[*]}. Install them (sudo apt-get install ${missing[*]})" >&2
echo "         or point CAPCUT_MATE_FONT_DIR at a folder with a CJK font and a colour emoji font (.ttf/.otf/.ttc)." >&2
