"""Knobs a caller may turn; everything defaults to the draft's own canvas and fps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class RenderOptions:
    """Output overrides and encoder settings. `ffmpeg` None = capcut_mate.ffmpeg.ffmpeg_exe().

    Timelines longer than 1.5 × `chunk_seconds` render as chunks of about that length (0 = never split),
    `chunk_workers` of them at once.
    """

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    preset: str = "veryfast"
    crf: int = 23
    ffmpeg: str | None = None
    font_dir: Path | None = None
    work_dir: Path | None = None
    chunk_seconds: float = 20.0
    chunk_workers: int = 2
