"""What ffmpeg will see in a media file, read with PyAV (imageio-ffmpeg ships no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from capcut_mate.render.errors import RenderError
from capcut_mate.streams import display_size, main_video_stream, position_of, stream_alpha

# ffmpeg's AVColorTransferCharacteristic values of the HDR transfers, by the name the report gives them
HDR_TRANSFERS = {16: "PQ", 18: "HLG"}


@dataclass(frozen=True)
class MediaInfo:
    """Displayed size (pixel aspect and rotation applied, as drawn), audio presence, duration.

    `video_stream` is the position among the file's video streams of the one to draw (`v:N`): an attached
    cover picture is never it. `has_alpha` says its frames carry transparency (a GIF, a ProRes 4444 sticker, a
    WebM with alpha); `decoder` is the decoder that keeps it, when ffmpeg's default would not ("" otherwise);
    `hdr` names its HDR transfer ("HLG", "PQ") or is empty.
    """

    width: int
    height: int
    duration_us: int | None
    has_audio: bool
    sample_rate: int
    channels: int = 0  # of the first audio stream
    video_stream: int = 0
    has_alpha: bool = False
    hdr: str = ""
    channel_names: tuple[str, ...] = ()  # its layout's channels in decoded order ("FL", "FR", "FC", ...)
    decoder: str = ""


def probe(path: Path) -> MediaInfo:
    """Open the file once; decode the first video frame only to learn its display size."""
    try:
        with av.open(str(path)) as container:
            audio = container.streams.audio[0] if container.streams.audio else None
            width = height = position = 0
            has_alpha, hdr, decoder = False, "", ""
            stream = main_video_stream(container)
            if stream is not None:
                width, height = display_size(container, stream)
                position = position_of(container, stream)
                has_alpha, decoder = stream_alpha(stream)
                hdr = HDR_TRANSFERS.get(int(stream.codec_context.color_trc or 0), "")
            duration = int(container.duration) if container.duration else None  # AV_TIME_BASE = µs
            return MediaInfo(
                width=width,
                height=height,
                duration_us=duration,
                has_audio=audio is not None,
                sample_rate=(audio.codec_context.sample_rate or 44100) if audio is not None else 44100,
                channels=audio.codec_context.channels if audio is not None else 0,
                video_stream=position,
                has_alpha=has_alpha,
                hdr=hdr,
                channel_names=_channel_names(audio),
                decoder=decoder,
            )
    except (av.FFmpegError, OSError, StopIteration) as exc:
        raise RenderError("MEDIA_UNREADABLE", f"cannot read media {path}: {exc}") from exc


def _channel_names(audio: av.audio.stream.AudioStream | None) -> tuple[str, ...]:
    """The first audio stream's channels by name; () when its layout is not known (unnamed channels)."""
    if audio is None:
        return ()
    return tuple(channel.name for channel in audio.codec_context.layout.channels)
