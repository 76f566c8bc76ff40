"""What a media file is, read with Pillow and PyAV (no ffprobe needed): kind, duration, size, audio.

The kind comes from the content, never from the name: Pillow identifies stills by their signature
among a fixed list of formats, and PyAV's container must be one of the media demuxers below (ffmpeg
would otherwise open an HTML page or a ZIP named `.png` as a one-frame "video" through its image2
demuxer). A file is accepted only if it decodes to the end it claims (a truncated MP4 whose index is at
the front would otherwise render as a frozen picture), and only up to a pixel cap, so a tiny
decompression bomb cannot take the renderer's memory. Messages name the media's URL or file name,
never a server path.

Cover art is no video: an attached picture (an mp3's ID3 APIC, an m4a's `covr`, a Matroska cover) is a
one-frame stream that would fail the decode-to-the-end check and make music a "video". The video of a
file is the stream ffmpeg itself would play (`main_video_stream`), and sizes are what a player shows:
non-square pixels and rotation side data applied, so a draft's material says the size that is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image, UnidentifiedImageError

from capcut_mate.errors import ApiError
from capcut_mate.streams import display_size, main_video_stream

STILL_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "BMP": ".bmp", "TIFF": ".tiff", "GIF": ".gif"}
# ffmpeg demuxer name -> file suffix for the cached copy (audio-only MP4 stays .m4a)
CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": ".mp4",
    "matroska,webm": ".mkv",
    "avi": ".avi",
    "flv": ".flv",
    "mpegts": ".ts",
    "mpeg": ".mpg",
    "asf": ".wmv",
    "gif": ".gif",
    "mp3": ".mp3",
    "wav": ".wav",
    "ogg": ".ogg",
    "flac": ".flac",
    "aac": ".aac",
    "aiff": ".aiff",
    "caf": ".caf",
    "amr": ".amr",
}
END_WINDOW_S = 0.5  # a stream must decode a frame within this much of the end it claims
ORIENTATION_TAG = 0x0112
SWAPPING_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that turn the picture by 90°


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "video", "photo" or "audio"
    duration_us: int  # 0 for photos
    width: int
    height: int
    has_audio: bool
    suffix: str = ".bin"  # what the content is, for naming the cached copy


def probe(path: Path, *, source: str = "", max_pixels: int = 64 * 1024 * 1024) -> MediaInfo:
    """Probe `path`; UNSUPPORTED_MEDIA (naming `source`, e.g. the URL) when it is not usable media."""
    label = source or path.name
    still = _still_image(path, label, max_pixels)
    if still is not None:
        return still
    try:
        with av.open(str(path)) as container:
            return _audio_video(container, label, max_pixels)
    except av.FFmpegError as exc:
        reason = exc.strerror or type(exc).__name__  # str(exc) would quote the server path
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: not a media file ffmpeg can read ({reason})") from exc


def _too_many_pixels(label: str, width: int, height: int, max_pixels: int) -> ApiError:
    return ApiError(
        "UNSUPPORTED_MEDIA",
        f"{label}: {width}x{height} is {width * height} pixels, over the limit of {max_pixels} "
        "(CAPCUT_MATE_MAX_IMAGE_PIXELS)",
    )


def _still_image(path: Path, label: str, max_pixels: int) -> MediaInfo | None:
    """A single-frame picture; None when Pillow does not know the content (animated images are videos)."""
    try:
        with Image.open(path, formats=list(STILL_FORMATS)) as img:
            if img.width * img.height > max_pixels:  # open() reads the header only: nothing is decoded yet
                raise _too_many_pixels(label, img.width, img.height, max_pixels)
            if getattr(img, "is_animated", False):
                return None
            img.verify()
            suffix = STILL_FORMATS[img.format or "PNG"]
        with Image.open(path, formats=list(STILL_FORMATS)) as img:  # verify() leaves the image unusable
            turned = img.getexif().get(ORIENTATION_TAG, 1) in SWAPPING_ORIENTATIONS
            width, height = (img.height, img.width) if turned else (img.width, img.height)
            return MediaInfo("photo", 0, width, height, False, suffix)
    except Image.DecompressionBombError as exc:  # Pillow's own cap, hit before ours when ours is set higher
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: too many pixels (CAPCUT_MATE_MAX_IMAGE_PIXELS)") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return None


def _audio_video(container: av.container.InputContainer, label: str, max_pixels: int) -> MediaInfo:
    suffix = CONTAINERS.get(container.format.name)
    if suffix is None:
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: not a video, audio or image file ({container.format.name})")
    if suffix == ".mp4" and container.metadata.get("major_brand", "").strip() == "qt":
        suffix = ".mov"  # QuickTime (an iPhone clip, a ProRes sticker): keep the name editors expect
    video = main_video_stream(container)
    audio = next(iter(container.streams.audio), None)
    if video is None and audio is None:
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: no audio or video stream")
    if video is not None and video.width * video.height > max_pixels:
        raise _too_many_pixels(label, video.width, video.height, max_pixels)
    stream = video or audio
    assert stream is not None
    duration = _duration_us(container, stream)
    if duration <= 0:
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: cannot determine a duration")
    if not _decodes_to_end(container, stream, duration):
        raise ApiError(
            "UNSUPPORTED_MEDIA",
            f"{label}: claims {duration / 1e6:.2f} s but does not decode to its end (truncated or damaged file)",
        )
    if video is not None:
        width, height = display_size(container, video)
        return MediaInfo("video", duration, width, height, audio is not None, suffix)
    return MediaInfo("audio", duration, 0, 0, True, ".m4a" if suffix == ".mp4" else suffix)


def _decodes_to_end(container: av.container.InputContainer, stream: av.stream.Stream, duration_us: int) -> bool:
    """Seek just before the claimed end and decode one frame there: cheap, and it catches missing data."""
    time_base = stream.time_base
    if time_base is None:
        return True  # nothing to seek by; the duration came from the container and is all we can check
    start_s = float((stream.start_time or 0) * time_base)
    end_s = duration_us / 1e6
    target_s = max(0.0, end_s - END_WINDOW_S)
    try:
        container.seek(int((start_s + target_s) / time_base), stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            time_s = getattr(frame, "time", None)  # decode(stream) of an audio/video stream: no subtitles
            if time_s is not None and time_s - start_s >= target_s:
                return True
    except av.FFmpegError:
        return False
    return False


def _duration_us(container: av.container.InputContainer, stream: av.stream.Stream) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * 1_000_000)
    if container.duration is not None:
        return int(container.duration)  # already in AV_TIME_BASE (µs)
    return 0
