"""render_draft: plan -> prepare -> graph -> encode, with progress, timings and an atomic output file."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render import formats
from capcut_mate.render.chunking.units import ChunkRunner, render_chunks
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph.build import build_graph
from capcut_mate.render.graph.visibility import hidden_layers
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.build import build_plan
from capcut_mate.render.plan.model import RenderWarning
from capcut_mate.render.prepare.inputs import Preparer
from capcut_mate.render.report import RenderReport
from capcut_mate.render.run import run_ffmpeg
from capcut_mate.render.timebase import Timebase

ProgressCallback = Callable[[str, float], None]


def render_draft(
    draft: dict,
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
    output = Path(output)
    report_progress = on_progress or (lambda stage, fraction: None)
    started = time.perf_counter()
    plan = build_plan(draft, options)
    timings = {"plan": time.perf_counter() - started}
    report_progress("plan", 1.0)
    ffmpeg = ffmpeg_exe(options.ffmpeg)
    output.parent.mkdir(parents=True, exist_ok=True)
    if options.work_dir is not None:
        Path(options.work_dir).mkdir(parents=True, exist_ok=True)
    found: list[RenderWarning] = []
    notes = list(plan.notes)
    units: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="capcut-render-", dir=options.work_dir) as tmp:
        work_dir = Path(tmp)
        mark = time.perf_counter()
        graph = None
        if len(plan.chunks) == 1:
            prepared = Preparer(
                plan, resolve_media, work_dir, options.font_dir, options.system_fonts, ffmpeg=options.ffmpeg
            ).run()
            prepared.warnings.extend(hidden_layers(plan, prepared.sources))
            graph = build_graph(plan, prepared)
            found = prepared.warnings + graph.warnings
        timings["prepare"] = time.perf_counter() - mark  # chunks prepare their own inputs as they go
        report_progress("prepare", 1.0)
        mark = time.perf_counter()
        partial = _temp_output(output)

        def on_encode(fraction: float) -> None:
            report_progress("encode", fraction)

        try:
            if graph is not None:
                run_ffmpeg(ffmpeg, graph, partial, work_dir, options, on_encode)
            else:
                chunked = chunks(plan, resolve_media, work_dir, partial, options, on_encode)
                found, units = chunked.warnings, chunked.units
                notes.append(chunked.note)
            os.replace(partial, output)
        except OSError as exc:
            code = "DISK_FULL" if exc.errno == errno.ENOSPC else "FFMPEG_FAILED"
            raise RenderError(code, f"cannot write {output}: {exc}") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        timings["encode"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    report_progress("done", 1.0)
    warnings = [w.to_dict() for w in dict.fromkeys([*plan.warnings, *found])]  # a chunk may repeat another's
    timebase = Timebase.of(plan.fps)
    return RenderReport(
        output=str(output),
        duration_us=round(timebase.seconds(timebase.frame_count(plan.duration_us)) * 1_000_000),
        width=plan.width,
        height=plan.height,
        fps=float(timebase.rate),
        size_bytes=output.stat().st_size,
        timings={k: round(v, 3) for k, v in timings.items()},
        warnings=warnings,
        notes=notes,
        encoding=formats.encoding_used(options),
        chunks=units,
    )


def _temp_output(output: Path) -> Path:
    """A unique name beside the output, so the final rename is atomic (same filesystem)."""
    handle, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial.mp4", dir=output.parent)
    os.close(handle)
    return Path(name)
