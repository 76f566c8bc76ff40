"""Run the one ffmpeg process: write the graph script, feed progress, turn failures into RenderErrors."""

from __future__ import annotations

import collections
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from capcut_mate.render import formats
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph import Graph
from capcut_mate.render.options import RenderOptions

GRAPH_FILE = "graph.txt"


def command(ffmpeg: str, graph: Graph, output: Path, options: RenderOptions) -> list[str]:
    """The full argument list; the graph is read from GRAPH_FILE in the work dir (`-/filter_complex`)."""
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]
    for group in graph.inputs:
        args += group
    # One filter thread: x264 keeps both cores busy, so slice threads in filters only add sync overhead.
    args += [
        "-filter_complex_threads",
        "1",
        "-/filter_complex",
        GRAPH_FILE,
        "-map",
        formats.video_label(options.format),
    ]
    args += ["-map", "[aout]"] if formats.has_audio(options.format) else []
    args += formats.video_args(options.format, options.quality, options.preset, options.crf)
    # No -frames:v: the graph already ends [vout] at the last frame, and a frame cap would stop the muxer
    # before the audio's last packets (a two-frame video kept 1024 of its 4000 samples).
    args += ["-r", f"{graph.fps.numerator}/{graph.fps.denominator}"]
    args += [*formats.audio_args(options.format), str(output)]
    return args


def run_ffmpeg(
    ffmpeg: str,
    graph: Graph,
    output: Path,
    work_dir: Path,
    options: RenderOptions,
    on_fraction: Callable[[float], None] | None = None,
) -> None:
    """Encode; `on_fraction` gets out_time / duration from `-progress` (monotonic, capped at 1).

    An ffmpeg whose output time stops advancing for `options.stall_seconds` is killed: a wedged encoder
    (a filter bug, an input that never delivers) must fail its task, not hold a worker forever.
    """
    try:
        tail = formats.graph_tail(options.format)
        script = graph.script.rstrip() + ";\n" + tail if tail else graph.script
        (work_dir / GRAPH_FILE).write_text(script, encoding="utf-8")
        for name, content in graph.side_files.items():
            (work_dir / name).write_text(content, encoding="utf-8")
    except OSError as exc:
        raise _os_error(exc) from exc
    total_us = graph.total_frames / graph.fps * 1_000_000
    stderr_tail: collections.deque[str] = collections.deque(maxlen=30)
    try:
        process = subprocess.Popen(
            command(ffmpeg, graph, output.resolve(), options),
            cwd=work_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise RenderError("FFMPEG_FAILED", f"cannot start ffmpeg {ffmpeg!r}: {exc}") from exc
    assert process.stdout is not None and process.stderr is not None
    reader = threading.Thread(target=lambda: stderr_tail.extend(process.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    best_us, last_advance = -1, time.monotonic()
    stalled = threading.Event()

    def watchdog() -> None:
        while process.poll() is None:
            if time.monotonic() - last_advance > options.stall_seconds:
                stalled.set()
                process.kill()
                return
            time.sleep(min(1.0, options.stall_seconds / 4))

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit() and int(value) > best_us:
                best_us, last_advance = int(value), time.monotonic()
                if on_fraction is not None:
                    on_fraction(min(1.0, max(0.0, best_us / total_us)))
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    reader.join(timeout=5)
    # Anything the plan let through should render: a refusal here is our bug, so keep what failed.
    debug = {"filter_graph": graph.script, "ffmpeg_args": shlex.join(command(ffmpeg, graph, output, options))}
    if stalled.is_set():
        message = f"ffmpeg made no progress for {options.stall_seconds:g} s and was stopped"
        raise RenderError("FFMPEG_FAILED", message, debug)
    if code != 0:
        tail = "".join(stderr_tail).strip()
        if "No space left on device" in tail:
            raise RenderError("DISK_FULL", f"no space left on the device while writing {output}; free disk space")
        raise RenderError("FFMPEG_FAILED", f"ffmpeg exited with code {code}:\n{tail[-2000:]}", debug)


def _os_error(exc: OSError) -> RenderError:
    if exc.errno == 28:
        return RenderError("DISK_FULL", f"no space left on the device: {exc}")
    return RenderError("FFMPEG_FAILED", f"cannot write render files: {exc}")
