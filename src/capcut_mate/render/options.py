"""Knobs a caller may turn; everything defaults to the draft's own canvas and fps."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capcut_mate.render.chunking.cache import ChunkReuse

# Chunk length: each ffmpeg run holds one decoded frame per input it shows plus x264's ~300 MB at 1080p, so
# 10 s of a busy timeline (a photo every 1.5 s, two overlay tracks) stays near 500 MB.
CHUNK_SECONDS = 10.0


def default_chunk_workers() -> int:
    """Parallel chunks pay off only where one x264 run leaves cores idle (its threads fill ~4 cores)."""
    return max(1, (os.cpu_count() or 1) // 4)


@dataclass
class RenderOptions:
    """Output overrides and encoder settings. `ffmpeg` None = capcut_mate.ffmpeg.ffmpeg_exe().

    MP4 timelines longer than 1.5 × `chunk_seconds` render as chunks of about that length (0 = never split),
    `chunk_workers` of them at once. With `chunk_reuse`, a chunk (or the audio) rendered before from the same
    inputs is taken from that cache instead of rendered again (render/chunking/cache.py).
    """

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
    chunk_seconds: float = CHUNK_SECONDS
    chunk_workers: int = field(default_factory=default_chunk_workers)
    chunk_reuse: ChunkReuse | None = None
    loudness: float | None = None  # integrated LUFS the sound is normalised to (None: left as mixed)
    duck: bool = False  # music and other non-voice sound lowered under the voice clips (graph/ducking.py)
    stall_seconds: float = 300.0  # ffmpeg is stopped when its output time has not advanced for this long
