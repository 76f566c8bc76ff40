"""Knobs a caller may turn; everything defaults to the draft's own canvas and fps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class RenderOptions:
    """Output overrides and encoder settings. `ffmpeg` None = capcut_mate.ffmpeg.ffmpeg_exe()."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    preset: str = "veryfast"
    crf: int = 23
    format: str = "mp4"  # mp4 | webm | gif (render/formats.py)
    quality: str = "standard"  # draft | standard | high: the VP9 settings for webm (mp4 uses preset/crf)
    ffmpeg: str | None = None
    font_dir: Path | None = None
    system_fonts: bool = True  # False: only font_dir and the draft's own fonts (same output on every machine)
    work_dir: Path | None = None
    stall_seconds: float = 300.0  # ffmpeg is stopped when its output time has not advanced for this long
