"""Where the ffmpeg binary comes from: an operator-configured path, else imageio-ffmpeg's static build."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache


@cache
def ffmpeg_exe(configured: str | None = None) -> str:
    """Return the ffmpeg to run. `configured` (or CAPCUT_MATE_FFMPEG) wins over the PyPI build."""
    candidate = configured or os.environ.get("CAPCUT_MATE_FFMPEG")
    if candidate:
        resolved = shutil.which(candidate)
        if resolved is None:
            raise FileNotFoundError(f"configured ffmpeg not found: {candidate}")
        return resolved
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def has_filters(exe: str, *names: str) -> bool:
    """Whether the ffmpeg at `exe` has every filter in `names` (an operator's build may lack some)."""
    try:
        listed = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    available = {line.split()[1] for line in listed.splitlines() if len(line.split()) > 2}
    return all(name in available for name in names)


@cache
def has_decoder(exe: str, name: str) -> bool:
    """Whether the ffmpeg at `exe` has the decoder `name` (libvpx's, for WebM alpha, may be missing)."""
    try:
        listed = subprocess.run([exe, "-hide_banner", "-decoders"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(len(line.split()) > 2 and line.split()[1] == name for line in listed.splitlines())
