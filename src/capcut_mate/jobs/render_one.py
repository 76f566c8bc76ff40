"""One render in its own process: `python -m capcut_mate.jobs.render_one WORK_DIR`, its RenderSpec on stdin.

Isolation is the point: ffmpeg or a decoder crashing, or the OS killing the render for memory, never takes
the server or the worker down. The process speaks jobs/protocol.py: the spec comes in as one line on stdin,
events go out as JSON lines on stdout (progress, then a result or a failure, code UNAVAILABLE when the
database or bucket was down). In cluster mode (spec `cluster`) a render of several chunks spreads them over
the cluster's workers (jobs/farm.py) and asks for unit jobs; spec `mode` "units" is such a job: it renders
waiting units of another worker's render. WORK_DIR only names the render for `ps`.

`run` is the same render for both runners (jobs/runner.py): this process's `main`, or a thread of the
worker itself in tests.

The parent keeps stdin open and is the only writer: when the parent dies (even by SIGKILL) stdin hits EOF
and the process kills its whole group, ffmpeg included, so no orphan keeps rendering a task someone else
will redo.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capcut_mate.config import Settings
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.jobs.protocol import (
    UNAVAILABLE,
    Event,
    Failure,
    Progress,
    RenderSpec,
    Result,
    UnitJobsWanted,
    UnitsRendered,
    decode_spec,
    encode_event,
)
from capcut_mate.jobs.resolver import service_resolver
from capcut_mate.outages import unavailable

if TYPE_CHECKING:
    from capcut_mate.jobs.farm import RenderFarm
    from capcut_mate.render import RenderOptions
    from capcut_mate.render.chunking.cache import ChunkReuse

# Renders are batch work: at a lower CPU priority (inherited by ffmpeg) the API stays responsive while
# encoders use every core that is otherwise idle.
RENDER_NICENESS = 19

Emit = Callable[[Event], None]


def output_options(draft: dict[str, Any], requested: dict[str, Any] | None) -> RenderOptions:
    """RenderOptions for gen_video's choices (render/formats.py); none given = today's defaults."""
    from capcut_mate.render import RenderOptions
    from capcut_mate.render.formats import SHORT_SIDE, X264, OutputChoice, short_side_size
    from capcut_mate.render.plan.build import canvas_size

    choice = OutputChoice.from_dict(requested)
    quality = choice.quality or "standard"
    preset, crf = X264[quality]
    width, height = choice.width, choice.height
    if choice.resolution is not None:
        width, height = short_side_size(canvas_size(draft), SHORT_SIDE[choice.resolution])
    return RenderOptions(
        width=width,
        height=height,
        fps=choice.fps,
        preset=preset,
        crf=crf,
        format=choice.format or "mp4",
        quality=quality,
        loudness=choice.loudness,
        duck=bool(choice.duck),
    )


def _ffmpeg(settings: Settings) -> str:
    from capcut_mate.render import RenderError

    try:
        return ffmpeg_exe(settings.ffmpeg)
    except FileNotFoundError as exc:
        raise RenderError("FFMPEG_MISSING", str(exc)) from exc


def _local_options(settings: Settings, ffmpeg: str, work_dir: Path, options: RenderOptions) -> None:
    """This machine's own settings onto `options`: ffmpeg, fonts, scratch, chunking, the chunk cache."""
    options.chunk_reuse = chunk_reuse(settings)
    options.ffmpeg, options.work_dir = ffmpeg, work_dir
    options.font_dir, options.system_fonts = settings.font_dir, settings.system_fonts
    options.chunk_seconds, options.chunk_workers = settings.render_chunk_seconds, settings.render_chunk_workers


def run(spec: RenderSpec, emit: Emit, farm: RenderFarm | None) -> None:
    """The spec's render (or its units), its progress and its end told through `emit`; never raises."""
    try:
        if spec.mode == "units":
            _render_units(spec, emit, farm)
        else:
            _render(spec, emit, farm)
    except Exception as exc:
        emit(_failure(exc))


def _render(spec: RenderSpec, emit: Emit, farm: RenderFarm | None) -> None:
    """The whole render of a task; `farm` (cluster mode) renders its chunks on any worker."""
    from capcut_mate.render import load_draft, render_draft
    from capcut_mate.render.chunking.units import ChunkRunner, render_chunks

    assert spec.output is not None, "a render spec names its output"
    draft, draft_dir = load_draft(spec.draft_dir)
    emit(Progress(stage="parsed", fraction=1.0))
    ffmpeg = _ffmpeg(spec.settings)
    spec.work_dir.mkdir(parents=True, exist_ok=True)
    spec.output.parent.mkdir(parents=True, exist_ok=True)
    emit(Progress(stage="ready", fraction=1.0))
    options = output_options(draft, {k: v for k, v in spec.options.items() if k != "cover"})
    _local_options(spec.settings, ffmpeg, spec.work_dir, options)
    chunks: ChunkRunner = render_chunks
    if farm is not None:
        from capcut_mate.jobs.farm import ClusterChunks

        chunks = ClusterChunks(farm, spec.task_id, spec.owner, lambda n: emit(UnitJobsWanted(count=n)))
    report = render_draft(
        draft,
        service_resolver(draft, draft_dir),
        spec.output,
        options,
        on_progress=lambda stage, fraction: emit(Progress(stage=stage, fraction=fraction)),
        chunks=chunks,
    )
    result = {**report.to_dict(), "requested": spec.options}
    cover = spec.options.get("cover")
    if isinstance(cover, dict):
        time_us = cover.get("time_us")
        result.update(_cover(ffmpeg, spec.output, result, time_us if isinstance(time_us, int) else None))
    emit(Result(report=result))


def _cover(ffmpeg: str, video: Path, report: dict[str, Any], time_us: int | None) -> dict[str, Any]:
    """gen_video's `cover`: the poster frame beside the video ({"cover_file"} for the worker to store), or, when
    it cannot be taken, a note saying so (the video itself is fine)."""
    from capcut_mate.render import RenderError
    from capcut_mate.render.cover import cover_time_us, poster_frame

    cover = video.with_suffix(".jpg")
    try:
        poster_frame(ffmpeg, video, cover_time_us(time_us, report["duration_us"], report["fps"]), cover)
    except RenderError as exc:
        return {"notes": [*report["notes"], f"no cover: {exc.message}"]}
    return {"cover_file": str(cover)}


def _render_units(spec: RenderSpec, emit: Emit, farm: RenderFarm | None) -> None:
    """Render waiting units of the task's chunked render (another worker's) until none waits."""
    from capcut_mate.jobs.farm import render_waiting_units
    from capcut_mate.render import RenderOptions, load_draft

    assert farm is not None, "only a cluster's render process helps"
    options = RenderOptions()
    _local_options(spec.settings, _ffmpeg(spec.settings), spec.work_dir, options)
    draft, draft_dir = load_draft(spec.draft_dir)  # this machine's checkout: its media and names
    resolve = service_resolver(draft, draft_dir)
    emit(UnitsRendered(units=render_waiting_units(farm, spec.task_id, spec.owner, spec.work_dir, options, resolve)))


def _failure(exc: Exception) -> Failure:
    from capcut_mate.render import RenderError

    dependency = unavailable(exc)
    if dependency is not None:  # the worker hands the task back for a retry (jobs/pool.py)
        return Failure(code=UNAVAILABLE, message=f"{dependency} unavailable ({type(exc).__name__})")
    if isinstance(exc, RenderError):
        return Failure(code=exc.code, message=exc.message, debug=exc.debug)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return Failure(code="DISK_FULL", message=f"no space left on the device writing {exc.filename or ''}")
    traceback.print_exception(exc)
    return Failure(code="INTERNAL", message=f"{type(exc).__name__}: {exc}")


def reconnect_farm(settings: Settings) -> RenderFarm | None:
    """In a render process: the cluster's farm, reconnected with the spec's settings (None when embedded).
    The caller closes `farm.chunks.db` when done."""
    if not settings.database_url:
        return None
    from capcut_mate.jobs.farm import render_farm
    from capcut_mate.persistence.postgres import PgConnector
    from capcut_mate.storage.configured import storage_for

    db = PgConnector(settings.database_url, max_size=8, timeout_s=settings.dependency_timeout)
    return render_farm(settings, storage_for(settings), db)


def chunk_reuse(settings: Settings) -> ChunkReuse | None:
    """The chunk cache units are reused from: in the storage the settings name (the bucket in a cluster, so
    every worker reuses what another rendered), with this machine's memo of media hashes; None when turned
    off (CAPCUT_MATE_CHUNK_CACHE_MAX_BYTES=0)."""
    from capcut_mate.render.chunking.cache import ChunkReuse, FileHashes
    from capcut_mate.storage.chunk_cache import chunk_cache
    from capcut_mate.storage.configured import storage_for

    cache = chunk_cache(storage_for(settings), settings.chunk_cache_max_bytes)
    return None if cache is None else ChunkReuse(cache, FileHashes(settings.data_dir / "file-hashes.sqlite3"))


def _emit_line(event: Event) -> None:
    sys.stdout.write(encode_event(event))
    sys.stdout.flush()


def _die_with_parent() -> None:
    """Kill this process group once stdin (whose only writer is the parent) reaches end of file."""

    def watch() -> None:
        while os.read(0, 4096):
            pass
        os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _read_spec() -> RenderSpec:
    """The spec line, read byte by byte: a buffered read could swallow the parent's end of file."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            raise SystemExit("the worker closed stdin before sending the render spec")
        line += byte
    return decode_spec(bytes(line))


def main() -> None:
    spec = _read_spec()
    _die_with_parent()
    os.nice(RENDER_NICENESS)
    farm = reconnect_farm(spec.settings) if spec.cluster else None
    try:
        run(spec, _emit_line, farm)
    finally:
        if farm is not None:
            farm.chunks.db.close()


if __name__ == "__main__":
    main()
