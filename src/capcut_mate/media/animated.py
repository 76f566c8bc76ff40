"""Animated WebP and APNG stickers become ProRes 4444 MOV clips at intake, alpha and timing kept.

Workflows put stickers on with add_images, and the two formats stickers come in are the ones the rest of
the chain cannot take as they are: PyAV's FFmpeg (which probes) has no animated-WebP decoder, an operator's
ffmpeg may lack it too, and the app plays neither as an animation. Pillow decodes both (each frame with
its own duration), and ProRes 4444 in a QuickTime file is the alpha-carrying video every editor imports,
the app included, and ffmpeg decodes with its alpha. The clip is variable frame rate, so each frame lasts
exactly what the sticker said. Animated GIFs stay as they are: the app takes them as video, and so do we.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import av.video.stream
import numpy as np
from PIL import Image, UnidentifiedImageError

from capcut_mate.errors import ApiError

ANIMATED_FORMATS = ("WEBP", "PNG")  # animated WebP, APNG
DEFAULT_FRAME_MS = 100  # what browsers show a frame that states no duration (or 0) for
MILLISECOND = Fraction(1, 1000)
# All frames of an animation together may hold this many times the one-picture pixel cap: a 512×512 sticker
# may have ~2000 frames at the default cap, and a small file cannot make the server decode for minutes.
ALL_FRAMES_FACTOR = 8


def is_animation(path: Path) -> bool:
    """An animated WebP or APNG (more than one frame); a one-frame file stays a photo."""
    try:
        with Image.open(path, formats=list(ANIMATED_FORMATS)) as img:
            return bool(getattr(img, "is_animated", False))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return False  # the probe says what is wrong with it


def to_alpha_clip(path: Path, *, label: str, max_pixels: int) -> None:
    """Replace the animation at `path` by a ProRes 4444 MOV of the same frames, durations and alpha.

    Written beside it and renamed over it, so `path` is never half-written.
    """
    out = path.with_name(path.name + ".mov.part")
    try:
        with Image.open(path, formats=list(ANIMATED_FORMATS)) as img:
            frames = getattr(img, "n_frames", 1)
            if img.width * img.height * frames > max_pixels * ALL_FRAMES_FACTOR:
                raise ApiError(
                    "UNSUPPORTED_MEDIA",
                    f"{label}: {frames} frames of {img.width}x{img.height} are over the limit of "
                    f"{max_pixels * ALL_FRAMES_FACTOR} pixels in all ({ALL_FRAMES_FACTOR} x "
                    "CAPCUT_MATE_MAX_IMAGE_PIXELS)",
                )
            _encode(img, out)
        os.replace(out, path)
    except Image.DecompressionBombError as exc:
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: too many pixels (CAPCUT_MATE_MAX_IMAGE_PIXELS)") from exc
    except (OSError, SyntaxError, ValueError, EOFError, av.FFmpegError) as exc:
        reason = type(exc).__name__ if getattr(exc, "filename", None) else str(exc) or type(exc).__name__
        raise ApiError("UNSUPPORTED_MEDIA", f"{label}: a damaged animated image ({reason})") from exc
    finally:
        out.unlink(missing_ok=True)


def _encode(img: Image.Image, out: Path) -> None:
    width, height = img.width + img.width % 2, img.height + img.height % 2  # ProRes wants even sizes
    with av.open(str(out), "w", format="mov") as box:
        stream = box.add_stream("prores_ks", rate=1000)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuva444p10le"
        stream.options = {"profile": "4444"}
        stream.codec_context.time_base = MILLISECOND
        durations: dict[int, int] = {}  # frame start ms -> its duration ms

        def mux(packets: list[av.Packet[av.video.stream.VideoStream]]) -> None:
            for packet in packets:
                if packet.pts is not None and packet.time_base is not None:
                    start = round(packet.pts * packet.time_base / MILLISECOND)
                    packet.duration = round(durations.get(start, 0) * MILLISECOND / packet.time_base)
                box.mux(packet)

        start_ms = 0
        for index in range(getattr(img, "n_frames", 1)):
            img.seek(index)
            img.load()  # the frame's duration is known once it is decoded
            durations[start_ms] = int(img.info.get("duration") or DEFAULT_FRAME_MS)
            rgba = Image.new("RGBA", (width, height), (0, 0, 0, 0))
            rgba.paste(img.convert("RGBA"), (0, 0))
            frame = av.VideoFrame.from_ndarray(np.asarray(rgba), format="rgba").reformat(format=stream.pix_fmt)
            frame.pts, frame.time_base = start_ms, MILLISECOND
            mux(stream.encode(frame))
            start_ms += durations[start_ms]
        mux(stream.encode(None))
