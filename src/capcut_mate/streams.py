"""Which stream of a media file is its video, and the size it is shown at, read with PyAV.

Shared by the intake probe (media/probe.py) and the render probe (render/prepare/probe.py), so a draft's material
and the drawing agree on both.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.container
import av.video.stream

DEFAULT_BONUS_PIXELS = 5_000_000  # ffmpeg's auto-mapping bonus for a default-flagged video stream
# WebM keeps a VP8/VP9 clip's alpha in a side channel (the `alpha_mode` tag says so) that only the libvpx
# decoders read: ffmpeg's native vp8/vp9 decoders drop it, and a transparent sticker comes out opaque.
ALPHA_DECODERS = {"vp8": "libvpx", "vp9": "libvpx-vp9"}


def main_video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The video ffmpeg would play: never an attached picture; else, as ffmpeg scores them, the largest, with
    the default flag worth 5 million pixels, the first of equals.

    So a cover muxed as an ordinary first track (a one-frame MJPEG/PNG) loses to the real video.
    """
    candidates = [
        stream for stream in container.streams.video if not stream.disposition & av.stream.Disposition.attached_pic
    ]
    if not candidates:
        return None

    def score(stream: av.video.stream.VideoStream) -> tuple[int, int]:
        default = DEFAULT_BONUS_PIXELS if stream.disposition & av.stream.Disposition.default else 0
        return stream.width * stream.height + default, -stream.index

    return max(candidates, key=score)


def display_size(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> tuple[int, int]:
    """(width, height) as shown: stored size stretched by the sample aspect ratio, turned by its rotation.

    Decodes the first frame: its rotation is what ffmpeg autorotates by, and the codec's aspect ratio is
    known once it has parsed the stream.
    """
    width, height = stream.width, stream.height
    rotation = 0.0
    try:
        container.seek(0, stream=stream)
        frame = next(container.decode(stream), None)
    except (av.FFmpegError, StopIteration):
        frame = None
    if frame is not None:
        width, height = frame.width, frame.height
        rotation = getattr(frame, "rotation", 0) or 0
    ratio = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio  # the container's wins
    if ratio and ratio > 0 and ratio != 1:
        width = max(1, round(width * ratio))
    if round(rotation) % 180 == 90:
        width, height = height, width
    return width, height


def video_position(path: Path) -> int:
    """The `v:N` of `path`'s video for an ffmpeg `-map` (0 when it has none or cannot be read here)."""
    try:
        with av.open(str(path)) as container:
            stream = main_video_stream(container)
            return position_of(container, stream) if stream is not None else 0
    except av.FFmpegError:
        return 0


def position_of(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """The stream's N in ffmpeg's `v:N`: its place among the file's video streams."""
    return list(container.streams.video).index(stream)


def alpha_decoder(stream: av.video.stream.VideoStream) -> str:
    """The decoder that keeps this stream's WebM alpha ("libvpx-vp9", "libvpx"); "" when it has none."""
    if str(stream.metadata.get("alpha_mode", "")).strip() != "1":
        return ""
    return ALPHA_DECODERS.get(stream.codec_context.name, "")


def decoder_args(decoder: str) -> list[str]:
    """The ffmpeg input options (placed before `-i`) that make it decode with `decoder`; none for ffmpeg's choice."""
    return ["-c:v", decoder] if decoder else []


def stream_alpha(stream: av.video.stream.VideoStream) -> tuple[bool, str]:
    """(whether its frames carry alpha, the decoder that keeps it or ""): a WebM's side-channel alpha, or a
    pixel format with an alpha plane (a GIF, a ProRes 4444 sticker)."""
    decoder, pix_fmt = alpha_decoder(stream), stream.codec_context.format
    return bool(decoder) or (pix_fmt is not None and any(p.is_alpha for p in pix_fmt.components)), decoder


def video_alpha(path: Path) -> tuple[bool, str]:
    """`stream_alpha` of the video ffmpeg plays in `path`; (False, "") when it has none or is unreadable."""
    try:
        with av.open(str(path)) as container:
            stream = main_video_stream(container)
            return stream_alpha(stream) if stream is not None else (False, "")
    except av.FFmpegError:
        return False, ""
