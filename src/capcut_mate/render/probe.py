"""What ffmpeg will see in a media file, read with PyAV (imageio-ffmpeg ships no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from capcut_mate.render.errors import RenderError


@dataclass(frozen=True)
class MediaInfo:
    """Displayed size (rotation metadata applied, as ffmpeg autorotates), audio presence, duration."""

    width: int
    height: int
    duration_us: int | None
    has_audio: bool
    sample_rate: int
    channels: int = 0  # of the first audio stream


def probe(path: Path) -> MediaInfo:
    """Open the file once; decode the first video frame only to learn its display rotation."""
    try:
        with av.open(str(path)) as container:
            audio = container.streams.audio[0] if container.streams.audio else None
            width = height = 0
            if container.streams.video:
                stream = container.streams.video[0]
                width, height = stream.codec_context.width, stream.codec_context.height
                frame = next(container.decode(stream), None)
                if frame is not None:
                    width, height = frame.width, frame.height
                    if round(getattr(frame, "rotation", 0) or 0) % 180 == 90:
                        width, height = height, width
            duration = int(container.duration) if container.duration else None  # AV_TIME_BASE = µs
            return MediaInfo(
                width=width,
                height=height,
                duration_us=duration,
                has_audio=audio is not None,
                sample_rate=(audio.codec_context.sample_rate or 44100) if audio is not None else 44100,
                channels=audio.codec_context.channels if audio is not None else 0,
            )
    except (av.FFmpegError, OSError, StopIteration) as exc:
        raise RenderError("MEDIA_UNREADABLE", f"cannot read media {path}: {exc}") from exc
