#!/usr/bin/env bash
# What the service needs from the system, beside the Python packages:
# - fonts: captions in Chinese need a CJK font, emoji need a colour emoji font. CAPCUT_MATE_FONT_DIR, if set,
#   provides them; otherwise Debian's fonts-noto-cjk and fonts-noto-color-emoji.
# - speech: add_narration's default engine is espeak-ng (Debian's espeak-ng package).
# Installs what is missing as root with apt-get; otherwise says clearly what to do.
set -euo pipefail
missing=()
if [ -z "${CAPCUT_MATE_FONT_DIR:-}" ]; then
  if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; }; then
    missing+=(fonts-noto-cjk)
  fi
  if ! { command -v fc-list >/dev/null 2>&1 && fc-list :color=true family | grep -q .; }; then
    missing+=(fonts-noto-color-emoji)
  fi
fi
if ! command -v espeak-ng >/dev/null 2>&1; then
  missing+=(espeak-ng)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (CJK captions need a CJK font, emoji a colour emoji font, narration espeak-ng)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" fontconfig >/dev/null
  exit 0
fi
echo "WARNING: missing system packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]})." >&2
echo "         Fonts: or point CAPCUT_MATE_FONT_DIR at a folder with a CJK font and a colour emoji font" >&2
echo "         (.ttf/.otf/.ttc). Without espeak-ng, add_narration needs CAPCUT_MATE_TTS_ENGINE=openai." >&2
