"""A poster frame of a rendered video as a JPEG: what gen_video's `cover` stores beside the video.

The app saves `draft_cover.jpg` in every draft folder; the spec says only that it is an app-rendered frame,
not which one, so the default here is the first frame (where the app's cover picker starts), and a caller
picks another with a time. The frame is taken from the finished video rather than drawn again from the
draft, so the cover is exactly a frame viewers see.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from capcut_mate.render.errors import RenderError
from capcut_mate.render.timebase import Timebase

# JPEG quality on ffmpeg's 2 (best) .. 31 scale: a cover is looked at, so close to the best.
JPEG_QUALITY = 2
TIMEOUT_S = 120.0


def cover_time_us(time_us: int | None, duration_us: int, fps: float) -> int:
    """The time of the frame to show: the one at `time_us` (µs, clamped into the video), the first by default."""
    timebase = Timebase.of(fps)
    last = timebase.frame_count(duration_us) - 1
    frame = min(max(0, timebase.frame_showing(time_us or 0)), max(0, last))
    return timebase.us(frame)


def poster_frame(ffmpeg: str, video: Path, time_us: int, dest: Path) -> None:
    """The video's frame at `time_us` as a JPEG at `dest` (written to a temporary name, then renamed)."""
    partial = dest.with_name(f".{dest.name}.partial.jpg")
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-ss", f"{time_us / 1e6:.6f}"]
    args += ["-i", str(video), "-map", "0:v:0", "-frames:v", "1", "-q:v", str(JPEG_QUALITY), str(partial)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError("FFMPEG_FAILED", f"taking the cover frame took over {TIMEOUT_S:g} s") from exc
    if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        raise RenderError("FFMPEG_FAILED", f"could not take the cover frame: {done.stderr.strip()[-1000:]}")
    partial.replace(dest)
