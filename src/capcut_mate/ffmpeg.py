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

    bundled: str = imageio_ffmpeg.get_ffmpeg_exe()
    return bundled


@cache
def _listed(exe: str, kind: str) -> frozenset[str]:
    """The names `ffmpeg -filters` / `-decoders` lists (second column of each entry line); empty when the
    ffmpeg at `exe` cannot be run."""
    try:
        listed = subprocess.run([exe, "-hide_banner", f"-{kind}"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.split()[1] for line in listed.splitlines() if len(line.split()) > 2)


def has_filters(exe: str, *names: str) -> bool:
    """Whether the ffmpeg at `exe` has every filter in `names` (an operator's build may lack some)."""
    return set(names) <= _listed(exe, "filters")


def has_decoder(exe: str, name: str) -> bool:
    """Whether the ffmpeg at `exe` has the decoder `name` (libvpx's, for WebM alpha, may be missing)."""
    return name in _listed(exe, "decoders")
