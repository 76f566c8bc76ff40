"""What a media file is, read with PyAV (no ffprobe needed): kind, duration, size, audio presence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image, UnidentifiedImageError

from capcut_mate.errors import ApiError


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "video", "photo" or "audio"
    duration_us: int  # 0 for photos
    width: int
    height: int
    has_audio: bool


def _still_image(path: Path) -> MediaInfo | None:
    """A single-frame picture (PNG, JPEG, WebP...); animated images are videos."""
    try:
        with Image.open(path) as img:
            if getattr(img, "is_animated", False):
                return None
            img.verify()
            return MediaInfo("photo", 0, img.width, img.height, False)
    except (UnidentifiedImageError, OSError, SyntaxError):
        return None


def probe(path: Path, *, source: str = "") -> MediaInfo:
    """Probe `path`; UNSUPPORTED_MEDIA (naming `source`, e.g. the URL) when it is not usable media."""
    label = source or path.name
    still = _still_image(path)
    if still is not None:
        return still
    try:
        with av.open(str(path)) as container:
            video = next(iter(container.streams.video), None)
            audio = next(iter(container.streams.audio), None)
            if video is None and audio is None:
                raise ApiError("UNSUPPORTED_MEDIA", f"{label}: no audio or video stream")
            duration = _duration_us(container, video or audio)
            if duration <= 0:
                raise ApiError("UNSUPPORTED_MEDIA", f"{label}: cannot determine a duration")
            if video is not None:
                return MediaInfo("video", duration, video.width, video.height, audio is not None)
            return MediaInfo("audio", duration, 0, 0, True)
    except av.FFmpegError as exc:
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: not a media file ffmpeg can read ({exc})") from exc


def _duration_us(container: av.container.InputContainer, stream: av.stream.Stream) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * 1_000_000)
    if container.duration is not None:
        return int(container.duration)  # already in AV_TIME_BASE (µs)
    return 0
