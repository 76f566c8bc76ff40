"""Run the one ffmpeg process: write the graph script, feed progress, turn failures into RenderErrors."""

from __future__ import annotations

import collections
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from capcut_mate.render import formats
from capcut_mate.render.concat import concat_path
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions

if TYPE_CHECKING:  # the graph's modules run ffmpeg through this one (the audio windows): no import back
    from capcut_mate.render.graph.build import Graph

GRAPH_FILE = "graph.txt"
JOIN_FILE = "chunks.ffconcat"


def command(ffmpeg: str, graph: Graph, output: Path, options: RenderOptions) -> list[str]:
    """The full argument list; the graph is read from GRAPH_FILE in the work dir (`-/filter_complex`).

    A video-only graph (a chunk) writes an MP4 without audio; an audio-only graph an AAC track in MP4.
    """
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]
    for group in graph.inputs:
        args += group
    # One filter thread: x264 keeps both cores busy, so slice threads in filters only add sync overhead.
    args += ["-filter_complex_threads", "1", "-/filter_complex", GRAPH_FILE]
    if graph.video:
        args += ["-map", formats.video_label(options.format)]
    if graph.audio and formats.has_audio(options.format):
        args += ["-map", "[aout]"]
    if graph.video:
        args += formats.video_args(options.format, options.quality, options.preset, options.crf)
        # No -frames:v: the graph already ends [vout] at the last frame, and a frame cap would stop the muxer
        # before the audio's last packets (a two-frame video kept 1024 of its 4000 samples).
        args += ["-r", f"{graph.fps.numerator}/{graph.fps.denominator}"]
    if graph.audio:
        args += [*formats.audio_args(options.format), str(output)]
    else:
        args += ["-an", "-f", "mp4", str(output)]  # a chunk (chunked renders are mp4): joined with the audio later
    return args


def run_ffmpeg(
    ffmpeg: str,
    graph: Graph,
    output: Path,
    work_dir: Path,
    options: RenderOptions,
    on_fraction: Callable[[float], None] | None = None,
) -> None:
    """Encode `graph`; `on_fraction` gets out_time / duration from `-progress` (monotonic, capped at 1)."""
    try:
        tail = formats.graph_tail(options.format)
        script = graph.script.rstrip() + ";\n" + tail if tail else graph.script
        (work_dir / GRAPH_FILE).write_text(script, encoding="utf-8")
        for name, content in graph.side_files.items():
            (work_dir / name).write_text(content, encoding="utf-8")
    except OSError as exc:
        raise _os_error(exc) from exc
    total_us = float(graph.total_frames / graph.fps * 1_000_000)
    args = command(ffmpeg, graph, output.resolve(), options)
    try:
        execute(args, work_dir, output, total_us, on_fraction, options.stall_seconds)
    except RenderError as exc:
        if exc.code != "FFMPEG_FAILED":
            raise
        # Anything the plan let through should render: a refusal here is our bug, so keep what failed.
        debug = {"filter_graph": graph.script, "ffmpeg_args": shlex.join(args)}
        raise RenderError(exc.code, exc.message, debug) from exc


def join(
    ffmpeg: str, parts: list[Path], audio: Path | None, output: Path, work_dir: Path, stall_seconds: float
) -> None:
    """Video chunks back to back (concat demuxer, stream copy) muxed with the audio track: no re-encode."""
    listing = ["ffconcat version 1.0", *(f"file {concat_path(part)}" for part in parts)]
    try:
        (work_dir / JOIN_FILE).write_text("\n".join(listing) + "\n", encoding="utf-8")
    except OSError as exc:
        raise _os_error(exc) from exc
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]
    args += ["-f", "concat", "-safe", "0", "-i", JOIN_FILE]
    args += ["-i", str(audio.resolve())] if audio is not None else []
    args += ["-map", "0:v:0"] + (["-map", "1:a:0"] if audio is not None else [])
    args += ["-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(output.resolve())]
    execute(args, work_dir, output, 0.0, None, stall_seconds)


def mux(ffmpeg: str, video: Path, audio: Path, output: Path, work_dir: Path, options: RenderOptions) -> None:
    """A video-only file and a separately rendered audio track into one file of `options.format`, copied."""
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]
    args += ["-i", str(video.resolve()), "-i", str(audio.resolve()), "-map", "0:v:0", "-map", "1:a:0", "-c", "copy"]
    args += ["-movflags", "+faststart"] if options.format == "mp4" else []
    args += ["-f", options.format, str(output.resolve())]
    execute(args, work_dir, output, 0.0, None, options.stall_seconds)


def execute(
    args: list[str],
    work_dir: Path,
    output: Path,
    total_us: float,
    on_fraction: Callable[[float], None] | None,
    stall_seconds: float,
) -> None:
    """Run ffmpeg in `work_dir`; `on_fraction` gets out_time / `total_us` from `-progress` (monotonic, ≤ 1).

    An ffmpeg whose output time stops advancing for `stall_seconds` is killed: a wedged encoder (a filter
    bug, an input that never delivers) must fail its task, not hold a worker forever.
    """
    stderr_tail: collections.deque[str] = collections.deque(maxlen=30)
    try:
        process = subprocess.Popen(
            args,
            cwd=work_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise RenderError("FFMPEG_FAILED", f"cannot start ffmpeg {args[0]!r}: {exc}") from exc
    assert process.stdout is not None and process.stderr is not None
    reader = threading.Thread(target=lambda: stderr_tail.extend(process.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    best_us, last_advance = -1, time.monotonic()
    stalled = threading.Event()

    def watchdog() -> None:
        while process.poll() is None:
            if time.monotonic() - last_advance > stall_seconds:
                stalled.set()
                process.kill()
                return
            time.sleep(min(1.0, stall_seconds / 4))

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit() and int(value) > best_us:
                best_us, last_advance = int(value), time.monotonic()
                if on_fraction is not None and total_us > 0:
                    on_fraction(min(1.0, max(0.0, best_us / total_us)))
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    reader.join(timeout=5)
    if stalled.is_set():
        raise RenderError("FFMPEG_FAILED", f"ffmpeg made no progress for {stall_seconds:g} s and was stopped")
    if code != 0:
        tail = "".join(stderr_tail).strip()
        if "No space left on device" in tail:
            raise RenderError("DISK_FULL", f"no space left on the device while writing {output}; free disk space")
        raise RenderError("FFMPEG_FAILED", f"ffmpeg exited with code {code}:\n{tail[-2000:]}")


def _os_error(exc: OSError) -> RenderError:
    if exc.errno == 28:
        return RenderError("DISK_FULL", f"no space left on the device: {exc}")
    return RenderError("FFMPEG_FAILED", f"cannot write render files: {exc}")
