"""A reversed copy of a source range, made once per render with bounded memory.

ffmpeg's `reverse`/`areverse` filters buffer every frame of their input, so a whole 60 s 1080p range would
need gigabytes. The range is cut into chunks of at most CHUNK_BYTES of decoded picture; each chunk is
decoded, reversed and encoded on its own (last chunk first), and the chunks are joined without re-encoding.
Chunk edges sit half a frame between source frames, so every frame lands in exactly one chunk. A clip with
alpha (a sticker) is reversed into lossless FFV1 with its alpha kept; H.264 would drop it.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av

from capcut_mate.ffmpeg import ffmpeg_exe, has_decoder
from capcut_mate.render.errors import RenderError
from capcut_mate.streams import decoder_args, main_video_stream, position_of, stream_alpha

CHUNK_BYTES = 48 * 1024 * 1024  # decoded frames one chunk may hold (yuv420p: 1.5 bytes a pixel)
ALPHA_PIXEL_BYTES = 8  # the most an alpha frame takes decoded (ProRes 4444: yuva444p10, 4 planes of 2 bytes)
MAX_CHUNK_S = 2.0  # also bounds the audio a chunk holds
DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class _Shape:
    fps: float
    width: int
    height: int
    video: int | None  # position of the video among video streams; None without one
    has_audio: bool
    alpha: bool = False  # its frames carry transparency (decoded with `decoder` when that is set)
    decoder: str = ""


def _stream_shape(path: Path) -> _Shape:
    """The video ffmpeg plays (never a cover picture, which would be "reversed" instead), and the audio."""
    try:
        with av.open(str(path)) as container:
            audio = bool(container.streams.audio)
            stream = main_video_stream(container)
            if stream is None:
                return _Shape(DEFAULT_FPS, 0, 0, None, audio)
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else DEFAULT_FPS
            position = position_of(container, stream)
            alpha, decoder = stream_alpha(stream)
            if decoder and not has_decoder(ffmpeg_exe(), decoder):
                # ffmpeg's own vp8/vp9 decoders drop WebM's side-channel alpha (their pixel format has none):
                # reversed opaque, and the render's prepare stage names the lost alpha
                alpha, decoder = False, ""
            width, height = stream.codec_context.width, stream.codec_context.height
            return _Shape(fps, width, height, position, audio, alpha, decoder)
    except (av.FFmpegError, OSError) as exc:
        raise RenderError("MEDIA_UNREADABLE", f"cannot read media {path}: {exc}") from exc


def _run(args: list[str]) -> None:
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], capture_output=True)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise RenderError("FFMPEG_FAILED", f"reversing a clip failed: {message[0]}")


def reverse_range(source: Path, start_us: int, end_us: int, out: Path) -> int:
    """Write `out` (Matroska): source time [start, end) played backwards, frame k = the k-th last source frame.

    Returns the mirror time: time r of the copy shows source time (mirror − r). Audio (when present) is
    reversed too and kept as PCM, so chunk joins have no codec padding.
    """
    shape = _stream_shape(source)
    fps, width, height, video, has_audio = shape.fps, shape.width, shape.height, shape.video, shape.has_audio
    if video is None and not has_audio:
        raise RenderError("MEDIA_UNREADABLE", f"{source} has no audio or video stream to reverse")
    frame_bytes = max(1, width * height * ALPHA_PIXEL_BYTES if shape.alpha else width * height * 3 // 2)
    chunk_frames = max(1, min(CHUNK_BYTES // frame_bytes, math.floor(MAX_CHUNK_S * fps)))
    first = math.ceil(start_us * fps / 1e6 - 1e-6)  # first and past-last source frame of the range
    stop = max(first + 1, math.ceil(end_us * fps / 1e6 - 1e-6))
    chunks: list[Path] = []
    scratch = out.with_suffix("")
    scratch.mkdir(parents=True, exist_ok=True)
    upper = stop
    while upper > first:
        lower = max(first, upper - chunk_frames)
        begin = max(0.0, (lower - 0.5) / fps)
        length = (upper - 0.5) / fps - begin
        part = scratch / f"part{len(chunks):05d}.mkv"
        args = [*decoder_args(shape.decoder), "-ss", f"{begin:.6f}", "-t", f"{length:.6f}", "-i", str(source)]
        if video is not None:
            args += ["-map", f"0:v:{video}", "-vf", "reverse,setpts=N/FRAME_RATE/TB"]
            if shape.alpha:
                args += ["-c:v", "ffv1", "-pix_fmt", "yuva444p"]  # lossless, alpha kept, any size
            else:
                args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "12"]
            if not shape.alpha and (width % 2 or height % 2):
                args += ["-pix_fmt", "yuv444p"]  # 4:2:0 needs even sizes; the copy keeps the source's size
        if has_audio:
            args += ["-map", "0:a:0", "-af", "areverse,asetpts=N/SR/TB", "-c:a", "pcm_s16le"]
        _run([*args, str(part)])
        chunks.append(part)
        upper = lower
    listing = scratch / "chunks.txt"
    listing.write_text("".join(f"file '{_quoted(p)}'\n" for p in chunks), encoding="utf-8")
    _run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out)])
    for part in chunks:
        part.unlink()
    listing.unlink()
    scratch.rmdir()
    return math.ceil(stop * 1e6 / fps)


def _quoted(path: Path) -> str:
    """A path inside single quotes of an ffmpeg concat list."""
    return str(path.resolve()).replace("'", "'\\''")
