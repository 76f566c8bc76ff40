"""One frame of a draft exactly as the full render draws it, cheaply enough for an agent to call in a loop.

Same plan, same preparation, same graph builder as render_draft: the plan is cut down to what is on screen
at the frame (layers and filter windows covering it, no audio) and the graph is built for that one frame
(graph.build_graph(frame=...)): stills loop once, videos are sought to just before it and trimmed to it right
after decoding, so no other frame is scaled or composited. A storyboard is several such frames in a grid.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from PIL import Image, ImageDraw, ImageFont

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph.build import build_graph
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import Plan, RenderWarning
from capcut_mate.render.prepare.inputs import Preparer
from capcut_mate.render.run import GRAPH_FILE
from capcut_mate.render.timebase import Timebase
from capcut_mate.render.warnings import Warnings
from capcut_mate.streams import main_video_stream

MAX_STORYBOARD_FRAMES = 16
STORYBOARD_TILE_WIDTH = 360  # default tile width when the caller gives none
LABEL_HEIGHT = 28


@dataclasses.dataclass
class Frame:
    """One previewed frame: the image, the output frame number it is, and what the plan approximated."""

    image: Image.Image
    time_us: int
    frame: int
    warnings: list[RenderWarning]


def frame_at(plan: Plan, time_us: int) -> int:
    """The output frame on screen at `time_us` (frame k covers [k/fps, (k+1)/fps)), inside the video."""
    timebase = Timebase.of(plan.fps)
    total = timebase.frame_count(plan.duration_us)
    return min(total - 1, max(0, timebase.frame_showing(time_us)))


def visible_plan(plan: Plan, frame: int) -> Plan:
    """The plan with only the layers and filter windows that cover `frame`, and no audio."""
    timebase = Timebase.of(plan.fps)
    kept: list[int] = []
    for index, layer in enumerate(plan.layers):
        first = timebase.frame(layer.start_us - layer.lead_us)
        last = timebase.frame(layer.start_us + layer.duration_us + layer.tail_us)
        if first <= frame < last:
            kept.append(index)
    adjustments = []
    for item in plan.adjustments:
        if timebase.frame(item.start_us) <= frame < timebase.frame(item.start_us + item.duration_us):
            below = sum(1 for index in kept if index < item.below)
            adjustments.append(dataclasses.replace(item, below=below))
    layers = [plan.layers[index] for index in kept]
    return dataclasses.replace(plan, layers=tuple(layers), audio=(), adjustments=tuple(adjustments))


def preview_frames(
    draft: dict[str, Any],
    resolve_media: Callable[[str], Path],
    times_us: Sequence[int],
    options: RenderOptions | None = None,
) -> list[Frame]:
    """Each time's frame as the render would draw it (options.width/height pick the size, as in a render)."""
    options = options or RenderOptions()
    plan = build_plan(draft, options)
    ffmpeg = ffmpeg_exe(options.ffmpeg)
    frames = []
    with tempfile.TemporaryDirectory(prefix="capcut-preview-", dir=options.work_dir) as tmp:
        for n, time_us in enumerate(times_us):
            work_dir = Path(tmp) / str(n)
            work_dir.mkdir()
            number = frame_at(plan, time_us)
            shown = visible_plan(plan, number)
            found = Warnings(plan.warnings)
            prepared = Preparer(
                shown,
                resolve_media,
                work_dir,
                options.font_dir,
                options.system_fonts,
                ffmpeg=options.ffmpeg,
                warnings=found,
            ).run()
            graph = build_graph(shown, prepared, frame=number, seek_point=seek_point)
            (work_dir / GRAPH_FILE).write_text(graph.script, encoding="utf-8")
            for name, content in graph.side_files.items():
                (work_dir / name).write_text(content, encoding="utf-8")
            image = _run(ffmpeg, graph.inputs, work_dir, (plan.width, plan.height))
            frames.append(Frame(image, time_us, number, list(found)))
    return frames


@functools.lru_cache(maxsize=256)
def seek_point(path: Path, origin: float, wanted: float) -> tuple[float, int] | None:
    """A -ss just before the first frame at or after `wanted`, and the stream ticks from the render's first frame
    (the first ffmpeg keeps after `-ss origin`) to it. Read from packet timestamps (no decoding); None if the
    file has none.

    ffmpeg's input seek keeps the frames whose pts is at or after the seek time (µs, plus the container's
    start) rescaled to stream ticks, rounded to nearest; the new seek lands halfway between two frames, so
    which frame comes first there is never a rounding question.
    """
    try:
        with av.open(str(path)) as container:
            stream = main_video_stream(container)
            if stream is None:
                return None
            base = stream.time_base
            if base is None:
                return None
            start_us = container.start_time or 0
            first = _frame_at_or_after(container, stream, _ticks(round(origin * 1_000_000) + start_us, base))
            found = _frame_at_or_after(container, stream, _ticks(round(wanted * 1_000_000) + start_us, base))
            if first is None or found is None or found[0] <= first[0] or found[1] is None:
                return None
            return float((found[0] + found[1]) / 2 * base) - start_us / 1_000_000, found[0] - first[0]
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise RenderError("MEDIA_UNREADABLE", f"cannot read video {path}: {exc}") from exc


def _ticks(us: int, base: Fraction) -> int:
    """av_rescale_q(us, 1/1000000, base) with ffmpeg's default rounding (nearest, halves away from zero)."""
    value = Fraction(us, 1_000_000) / base
    return math.floor(value + Fraction(1, 2)) if value >= 0 else -math.floor(-value + Fraction(1, 2))


def _frame_at_or_after(container: Any, stream: Any, threshold: int) -> tuple[int, int | None] | None:
    """(pts of the first frame with pts >= threshold, pts of the frame before it or None if not seen)."""
    container.seek(max(0, math.floor(threshold * stream.time_base * 1_000_000)), backward=True, any_frame=False)
    stamps: list[int] = []
    after = 0
    for packet in container.demux(stream):
        if packet.pts is None:
            if packet.size:
                return None
            continue
        stamps.append(packet.pts)
        after += packet.pts >= threshold
        if after > 16:  # presentation order differs from decode order by a few frames at most (B-frames)
            break
    later = sorted(p for p in stamps if p >= threshold)
    if not later:
        return None
    earlier = [p for p in stamps if p < later[0]]
    return later[0], (max(earlier) if earlier else None)


def _run(ffmpeg: str, inputs: list[list[str]], work_dir: Path, size: tuple[int, int]) -> Image.Image:
    """The graph's one frame as raw RGB on stdout (no PNG round trip inside ffmpeg)."""
    args = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error"]
    for group in inputs:
        # A render leaves the cores to x264; a preview's cost is decoding up to the frame, so let it thread.
        args += ["0" if a == "1" and n and group[n - 1] == "-threads" else a for n, a in enumerate(group)]
    args += ["-filter_complex_threads", "1", "-/filter_complex", GRAPH_FILE, "-map", "[vout]"]
    args += ["-frames:v", "1", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    try:
        done = subprocess.run(args, cwd=work_dir, capture_output=True, check=False)
    except OSError as exc:
        raise RenderError("FFMPEG_FAILED", f"cannot start ffmpeg {ffmpeg!r}: {exc}") from exc
    expected = size[0] * size[1] * 3
    if done.returncode != 0 or len(done.stdout) < expected:
        tail = done.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise RenderError("FFMPEG_FAILED", f"ffmpeg exited with code {done.returncode} drawing the preview:\n{tail}")
    return Image.frombytes("RGB", size, done.stdout[:expected])


def storyboard(frames: Sequence[Frame], tile_width: int) -> Image.Image:
    """Frames in a near-square grid, each with its timestamp underneath."""
    columns = math.ceil(math.sqrt(len(frames)))
    rows = math.ceil(len(frames) / columns)
    first = frames[0].image
    tile_height = max(1, round(first.height * tile_width / first.width))
    sheet = Image.new("RGB", (columns * tile_width, rows * (tile_height + LABEL_HEIGHT)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=LABEL_HEIGHT * 0.6)
    for n, frame in enumerate(frames):
        x, y = (n % columns) * tile_width, (n // columns) * (tile_height + LABEL_HEIGHT)
        sheet.paste(frame.image.resize((tile_width, tile_height), Image.Resampling.BILINEAR), (x, y))
        draw.text((x + 6, y + tile_height + 4), timestamp(frame.time_us), fill=(235, 235, 235), font=font)
    return sheet


def timestamp(time_us: int) -> str:
    """mm:ss.mmm"""
    millis = time_us // 1000
    return f"{millis // 60_000:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def preview_png(
    draft: dict[str, Any],
    resolve_media: Callable[[str], Path],
    times_us: Sequence[int],
    storyboard_grid: bool,
    width: int | None,
    options: RenderOptions | None = None,
) -> tuple[bytes, list[Frame]]:
    """The PNG a caller asked for: one frame at `width` (default: the canvas), or a storyboard of tiles."""
    options = dataclasses.replace(options or RenderOptions(), width=None, height=None)
    if not storyboard_grid:
        options.width = width
        frames = preview_frames(draft, resolve_media, times_us[:1], options)
        return png_bytes(frames[0].image), frames
    tile = width or STORYBOARD_TILE_WIDTH
    options.width = tile
    frames = preview_frames(draft, resolve_media, times_us, options)
    return png_bytes(storyboard(frames, tile)), frames
