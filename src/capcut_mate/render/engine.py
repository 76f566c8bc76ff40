"""render_draft: plan -> prepare -> graph -> encode, with progress, timings and an atomic output file.

render_plan starts from a plan built before (`capcut-mate plan`, or a cluster's parent): the same stages after
the first, so a saved plan renders the frames its draft would.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render import formats
from capcut_mate.render.chunking.units import ChunkRunner, render_chunks
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph import audio, ducking, loudness
from capcut_mate.render.graph.build import Graph, build_graph
from capcut_mate.render.graph.visibility import hidden_layers
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import Plan
from capcut_mate.render.prepare.inputs import AudioSource, Preparer
from capcut_mate.render.report import RenderReport
from capcut_mate.render.run import mux, run_ffmpeg
from capcut_mate.render.timebase import Timebase
from capcut_mate.render.warnings import Warnings

ProgressCallback = Callable[[str, float], None]


def render_draft(
    draft: dict[str, Any],
    resolve_media: Callable[[str], Path],
    output: Path,
    options: RenderOptions | None = None,
    on_progress: ProgressCallback | None = None,
    chunks: ChunkRunner = render_chunks,
) -> RenderReport:
    """Render a draft document to an H.264/AAC MP4 at `output` and report what was approximated.

    Stages reported through `on_progress`: "plan", "prepare", "encode" (0..1), "done"; never backwards.
    The MP4 appears at `output` only when complete (temp file in the same folder, then rename). A plan of
    several chunks is rendered by `chunks`: in this process by default, across a cluster's workers when the
    caller passes jobs/farm.py's runner.
    """
    options = options or RenderOptions()
    started = time.perf_counter()
    plan = build_plan(draft, options)
    return _render(plan, resolve_media, Path(output), options, on_progress, chunks, started)


def render_plan(
    plan: Plan,
    resolve_media: Callable[[str], Path],
    output: Path,
    options: RenderOptions | None = None,
    on_progress: ProgressCallback | None = None,
    chunks: ChunkRunner = render_chunks,
) -> RenderReport:
    """Render a plan built earlier; `options` supplies the encoder and machine settings (its size, fps and
    chunking were fixed when the plan was built)."""
    options = options or RenderOptions()
    if len(plan.chunks) > 1 and options.format != "mp4":
        raise RenderError(
            "BAD_ARGUMENT",
            f"this plan is split into chunks, which only mp4 joins; plan it with --format {options.format}",
        )
    return _render(plan, resolve_media, Path(output), options, on_progress, chunks, None)


def _render(
    plan: Plan,
    resolve_media: Callable[[str], Path],
    output: Path,
    options: RenderOptions,
    on_progress: ProgressCallback | None,
    chunks: ChunkRunner,
    started: float | None,
) -> RenderReport:
    """The stages after planning; `started` is when planning began (None: the plan came ready)."""
    report_progress = on_progress or (lambda stage, fraction: None)
    now = time.perf_counter()
    timings = {"plan": now - started if started is not None else 0.0}
    started = started if started is not None else now
    report_progress("plan", 1.0)
    ffmpeg = ffmpeg_exe(options.ffmpeg)
    output.parent.mkdir(parents=True, exist_ok=True)
    if options.work_dir is not None:
        Path(options.work_dir).mkdir(parents=True, exist_ok=True)
    warnings = Warnings(plan.warnings)
    notes = list(plan.notes)
    units: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="capcut-render-", dir=options.work_dir) as tmp:
        work_dir = Path(tmp)
        mark = time.perf_counter()
        graph = None
        mastered = formats.has_audio(options.format) and (options.loudness is not None or options.duck)
        if len(plan.chunks) == 1:
            prepared = Preparer(
                plan,
                resolve_media,
                work_dir,
                options.font_dir,
                options.system_fonts,
                ffmpeg=options.ffmpeg,
                warnings=warnings,
            ).run()
            hidden_layers(plan, prepared.sources, warnings)
            graph = build_graph(plan, prepared, audio=not mastered)
        timings["prepare"] = time.perf_counter() - mark  # chunks prepare their own inputs as they go
        report_progress("prepare", 1.0)
        mark = time.perf_counter()
        partial = _temp_output(output)

        def on_encode(fraction: float) -> None:
            report_progress("encode", fraction)

        try:
            if graph is not None and mastered:
                _video_then_audio(plan, graph, prepared.audio, work_dir, partial, options, on_encode)
            elif graph is not None:
                run_ffmpeg(ffmpeg, graph, partial, work_dir, options, on_encode)
            else:
                chunked = chunks(plan, resolve_media, work_dir, partial, options, on_encode)
                warnings.extend(chunked.warnings)  # a chunk may repeat another's: said once
                units = chunked.units
                notes.append(chunked.note)
            os.replace(partial, output)
        except OSError as exc:
            code = "DISK_FULL" if exc.errno == errno.ENOSPC else "FFMPEG_FAILED"
            raise RenderError(code, f"cannot write {output}: {exc}") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        timings["encode"] = time.perf_counter() - mark
    sound = _sound_report(ffmpeg, output, options)
    timings["total"] = time.perf_counter() - started
    report_progress("done", 1.0)
    timebase = Timebase.of(plan.fps)
    return RenderReport(
        output=str(output),
        duration_us=round(timebase.seconds(timebase.frame_count(plan.duration_us)) * 1_000_000),
        width=plan.width,
        height=plan.height,
        fps=float(timebase.rate),
        size_bytes=output.stat().st_size,
        timings={k: round(v, 3) for k, v in timings.items()},
        warnings=warnings.report(),
        notes=notes,
        encoding=formats.encoding_used(options),
        chunks=units,
        audio=sound,
    )


def _video_then_audio(
    plan: Plan,
    graph: Graph,
    sounds: Sequence[AudioSource],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: Callable[[float], None],
) -> None:
    """A single-pass render whose sound is ducked or normalised: that needs the whole mix before its encode
    (loudness is measured first), so the graph draws the video only, the audio unit's mix renders beside it
    and the two are muxed."""
    ffmpeg = ffmpeg_exe(options.ffmpeg)
    timebase = Timebase.of(plan.fps)
    duration_s = float(timebase.seconds(timebase.frame_count(plan.duration_us)))
    video, sound = work_dir / "video.mp4", work_dir / f"audio{formats.suffix(options.format)}"
    run_ffmpeg(ffmpeg, graph, video, work_dir, options, lambda f: on_fraction(0.9 * f))
    audio.render_mix(ffmpeg, sounds, duration_s, work_dir, sound, options, lambda f: on_fraction(0.9 + 0.1 * f))
    mux(ffmpeg, video, sound, output, work_dir, options)


def _sound_report(ffmpeg: str, output: Path, options: RenderOptions) -> dict[str, Any]:
    """What the report says of the sound when it was normalised or ducked: the output's measured loudness."""
    if not formats.has_audio(options.format) or (options.loudness is None and not options.duck):
        return {}
    return {
        "loudness_target_lufs": options.loudness,
        "loudness_lufs": loudness.measure_file(ffmpeg, output),
        "ducked_db": ducking.DUCK_DB if options.duck else 0.0,
    }


def _temp_output(output: Path) -> Path:
    """A unique name beside the output, so the final rename is atomic (same filesystem)."""
    handle, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial.mp4", dir=output.parent)
    os.close(handle)
    return Path(name)
