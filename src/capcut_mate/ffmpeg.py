"""Where the ffmpeg binary comes from: an operator-configured path, else imageio-ffmpeg's static build."""

from __future__ import annotations

import os
import shutil
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
