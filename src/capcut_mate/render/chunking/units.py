"""Chunked renders: each chunk of the plan is its own ffmpeg run, the audio one more, joined by stream copy.

`render_chunk` is the unit of work: a plan and a chunk index in, a video-only MP4 of that span out. It
prepares only the inputs the chunk shows and needs nothing from the other chunks, so a queue job on another
machine can run it given the plan and the media. The audio is one more unit over the whole timeline
(`render_audio`: mixed in windows of clips, encoded once, render/graph/audio.py), so no fade or clip is cut at a join.

Who runs the units is a `ChunkRunner`, handed to render_draft: here `render_chunks` runs them in this
process (it prepares the next chunk while `chunk_workers` ffmpeg runs encode, retries a failed run alone
once); in cluster mode jobs/farm.py hands them to any worker. Both fold progress into one monotonic fraction
(`Progress`) and end with the same stream-copy `join`.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import hashlib
import json
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Protocol, TypeVar

from capcut_mate import __version__
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.chunking.cache import UnitKeys, recall, remember
from capcut_mate.render.chunking.cuts import chunk_frames
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph import audio
from capcut_mate.render.graph.build import Graph, build_graph
from capcut_mate.render.graph.visibility import hidden_layers
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.model import Plan, RenderWarning
from capcut_mate.render.prepare.inputs import Preparer
from capcut_mate.render.run import join, run_ffmpeg
from capcut_mate.render.timebase import Timebase

OnFraction = Callable[[float], None]
T = TypeVar("T")
# The audio run's share of the work, in video frames per output frame: it decodes and mixes, no pixels.
AUDIO_WEIGHT = 0.05
# The join's share, likewise: a stream copy (plus, in a cluster, fetching the chunks from the bucket).
JOIN_WEIGHT = 0.02
# What a render's output depends on besides the plan; a chunk rendered elsewhere must agree on all of them.
OUTPUT_FIELDS = (
    "width",
    "height",
    "fps",
    "preset",
    "crf",
    "format",
    "quality",
    "system_fonts",
    "chunk_seconds",
    "loudness",
    "duck",
)


@dataclasses.dataclass
class ChunkedRender:
    """What a ChunkRunner did: the warnings its units found (each unit's own list: units may render in other
    processes), a note for the report, and per unit (audio and each chunk) who rendered it when that is worth
    knowing (a cluster)."""

    warnings: list[RenderWarning]
    note: str
    units: list[dict[str, Any]] = dataclasses.field(default_factory=list)


class ChunkRunner(Protocol):
    """Renders every chunk of `plan` and the audio, then joins them into `output` (render_chunks, or
    jobs/farm.py's cluster runner)."""

    def __call__(
        self,
        plan: Plan,
        resolve_media: Callable[[str], Path],
        work_dir: Path,
        output: Path,
        options: RenderOptions,
        on_fraction: OnFraction | None = None,
    ) -> ChunkedRender: ...


def output_settings(options: RenderOptions) -> dict[str, Any]:
    """The options a chunk's pixels depend on, as JSON (machine-local ones, like the ffmpeg path, left out)."""
    return {name: getattr(options, name) for name in OUTPUT_FIELDS}


def plan_fingerprint(plan_json: str | bytes, options: RenderOptions) -> str:
    """One hash of everything the chunks of a render must agree on: the plan's JSON (`Plan.to_json`, the
    same bytes for the same plan), the output settings and the code version. Chunks with different
    fingerprints are never joined."""
    text = plan_json.encode() if isinstance(plan_json, str) else plan_json
    settings = json.dumps({"output": output_settings(options), "version": __version__}, sort_keys=True)
    return hashlib.sha256(text + b"\n" + settings.encode()).hexdigest()


def chunk_weights(plan: Plan) -> list[float]:
    """Each unit's share of the work: [audio, chunk 0, chunk 1, ..., join], in frames."""
    timebase = Timebase.of(plan.fps)
    frames = [end - start for start, end in (chunk_frames(c, timebase) for c in plan.chunks)]
    total = sum(frames)
    return [AUDIO_WEIGHT * total, *map(float, frames), JOIN_WEIGHT * total]


def render_chunk(
    plan: Plan,
    index: int,
    resolve_media: Callable[[str], Path],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> list[RenderWarning]:
    """Render chunk `index` of `plan` (video only) to `output`; the warnings found on the way.

    `work_dir` holds the chunk's prepared stills and graph; it is removed afterwards.
    """
    try:
        graph, warnings = prepare_chunk(plan, index, resolve_media, work_dir, options)
        run_ffmpeg(ffmpeg_exe(options.ffmpeg), graph, output, work_dir, options, on_fraction)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return warnings


def render_unit(
    plan: Plan,
    chunk: int | None,
    resolve_media: Callable[[str], Path],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> tuple[list[RenderWarning], bool]:
    """One unit (chunk index `chunk`, or the audio when None) to `output`: taken from `options.chunk_reuse`
    when the same inputs were rendered before, else rendered and kept there; (warnings, whether reused)."""
    reuse = options.chunk_reuse
    keys = UnitKeys(plan, resolve_media, options, reuse.hashes) if reuse is not None else None
    key = None if keys is None else keys.audio() if chunk is None else keys.chunk(chunk)
    warnings = recall(reuse, key, output)
    if warnings is not None:
        if on_fraction is not None:
            on_fraction(1.0)
        return warnings, True
    if chunk is None:
        warnings = render_audio(plan, resolve_media, work_dir, output, options, on_fraction)
    else:
        warnings = render_chunk(plan, chunk, resolve_media, work_dir, output, options, on_fraction)
    remember(reuse, key, output, warnings)
    return warnings, False


def prepare_chunk(
    plan: Plan, index: int, resolve_media: Callable[[str], Path], work_dir: Path, options: RenderOptions
) -> tuple[Graph, list[RenderWarning]]:
    """The inputs chunk `index` shows, prepared into `work_dir`, and its graph (with the warnings so far)."""
    chunk = plan.chunks[index]
    work_dir.mkdir(parents=True, exist_ok=True)
    # One photo thread: a chunk is prepared while others encode, so its peak memory counts beside theirs
    # (a 12 MP JPEG decodes to ~36 MB) and the cores are busy with x264 anyway.
    preparer = Preparer(
        plan, resolve_media, work_dir, options.font_dir, options.system_fonts, photo_workers=1, ffmpeg=options.ffmpeg
    )
    prepared = preparer.run(chunk, audio=False)
    hidden_layers(plan, prepared.sources, prepared.warnings)
    graph = build_graph(plan, prepared, chunk, audio=False)
    _give_back_memory()
    return graph, list(prepared.warnings)


def _give_back_memory() -> None:
    """Return freed heap to the OS: photo threads leave glibc arenas full of freed decode buffers, which would
    otherwise count in this process's footprint for the rest of a long render (no-op without glibc)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def render_audio(
    plan: Plan,
    resolve_media: Callable[[str], Path],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> list[RenderWarning]:
    """The whole timeline's sound to `output` (an MP4 with one audio track): mixed in windows of clips, so no
    run holds every clip's decoder, and AAC-encoded once, so no fade or clip is cut at a join."""
    work_dir.mkdir(parents=True, exist_ok=True)
    prepared = Preparer(plan, resolve_media, work_dir, options.font_dir, options.system_fonts).run(video=False)
    timebase = Timebase.of(plan.fps)
    duration_s = float(timebase.seconds(timebase.frame_count(plan.duration_us)))
    audio.render_mix(ffmpeg_exe(options.ffmpeg), prepared.audio, duration_s, work_dir, output, options, on_fraction)
    return list(prepared.warnings)


class Progress:
    """Per-unit fractions (never lowered, so a retried chunk does not move the bar back) -> one weighted total.

    Units are numbered as in `chunk_weights`: 0 the audio, 1..n the chunks, n + 1 the join.
    """

    def __init__(self, plan: Plan, report: OnFraction | None) -> None:
        self.weights = chunk_weights(plan)
        self.done = [0.0] * len(self.weights)
        self.best = 0.0
        self.report = report or (lambda fraction: None)
        self.lock = threading.Lock()

    def set(self, n: int, fraction: float) -> None:
        with self.lock:
            self.done[n] = max(self.done[n], fraction)
            total = sum(w * d for w, d in zip(self.weights, self.done, strict=True)) / sum(self.weights)
            if total > self.best:
                self.best = total
                self.report(total)

    def job(self, n: int) -> OnFraction:
        return lambda fraction: self.set(n, fraction)


def render_chunks(
    plan: Plan,
    resolve_media: Callable[[str], Path],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> ChunkedRender:
    """All chunks and the audio in this process, then joined into `output` (the embedded ChunkRunner).

    One thread prepares chunks in order, at most one ahead of the `chunk_workers` ffmpeg runs, so ffmpeg never
    waits for Pillow. The audio runs beside them from the start, not in a chunk's slot: it is light (decode and
    mix, no pixels) and fills what x264 leaves idle, where in a slot it would hold back the first chunk. An
    ffmpeg run that fails is run once more on its own (a crashed or killed run is often
    transient) before the render fails.
    """
    progress = Progress(plan, on_fraction)
    ffmpeg = ffmpeg_exe(options.ffmpeg)
    workers = max(1, options.chunk_workers)
    slots = threading.Semaphore(workers + 1)  # chunks prepared or encoding at once
    failed = threading.Event()
    audio = work_dir / "audio.m4a"
    parts = [work_dir / f"chunk{n:03d}.mp4" for n in range(len(plan.chunks))]
    folders = [work_dir / f"chunk{n:03d}" for n in range(len(plan.chunks))]
    reuse = options.chunk_reuse
    keys = UnitKeys(plan, resolve_media, options, reuse.hashes) if reuse is not None else None
    reused = [False] * (len(plan.chunks) + 1)  # by unit: the audio, then each chunk

    def prepare(n: int) -> tuple[Graph | None, list[RenderWarning], str | None]:
        """The chunk's graph, or None when the cache had the chunk (then at parts[n] already)."""
        slots.acquire()
        if failed.is_set():
            raise RenderError("CANCELLED", "another chunk failed")
        key = keys.chunk(n) if keys is not None else None
        cached = recall(reuse, key, parts[n])
        if cached is not None:
            reused[n + 1] = True
            return None, cached, key
        return (*prepare_chunk(plan, n, resolve_media, folders[n], options), key)

    def encode(n: int, prepared: Future[tuple[Graph | None, list[RenderWarning], str | None]]) -> list[RenderWarning]:
        try:
            graph, warnings, key = prepared.result()
            if graph is not None:
                _retried(lambda: run_ffmpeg(ffmpeg, graph, parts[n], folders[n], options, progress.job(n + 1)))
                remember(reuse, key, parts[n], warnings)
            progress.set(n + 1, 1.0)
            return warnings
        except BaseException:
            failed.set()
            raise
        finally:
            shutil.rmtree(folders[n], ignore_errors=True)
            slots.release()

    preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-prepare")
    encoders = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render-chunk")
    mixer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-audio")
    try:
        sound = mixer.submit(
            _retried,
            lambda: render_unit(plan, None, resolve_media, work_dir / "audio", audio, options, progress.job(0)),
        )
        jobs = [encoders.submit(encode, n, preparer.submit(prepare, n)) for n in range(len(plan.chunks))]
        every: list[Future[Any]] = [sound, *jobs]
        done, _ = wait(every, return_when=FIRST_EXCEPTION)
        errors = [future.exception() for future in every if future in done and future.exception()]
        errors.sort(key=lambda error: isinstance(error, RenderError) and error.code == "CANCELLED")
        if errors:
            failed.set()
            raise errors[0]  # type: ignore[misc]
        warnings, reused[0] = sound.result()
        warnings += [w for job in jobs for w in job.result()]
    finally:
        failed.set()
        for _ in range(len(plan.chunks)):
            slots.release()  # wake a preparer waiting for a slot, so shutting down cannot hang
        encoders.shutdown(wait=True, cancel_futures=True)
        preparer.shutdown(wait=True, cancel_futures=True)
        mixer.shutdown(wait=True, cancel_futures=True)
    join(ffmpeg, parts, audio, output, work_dir, options.stall_seconds)
    progress.set(len(plan.chunks) + 1, 1.0)
    units = [{"unit": "the audio", "reused": reused[0]}]
    units += [
        {"unit": f"chunk {n}", "start_us": chunk.start_us, "end_us": chunk.end_us, "reused": reused[n + 1]}
        for n, chunk in enumerate(plan.chunks)
    ]
    return ChunkedRender(warnings, chunked_note(plan, f"{workers} at a time", sum(reused)), units)


def chunked_note(plan: Plan, how: str, reused: int = 0) -> str:
    """The report's note on a chunked render; `how` says what ran side by side, `reused` how many units
    came from the chunk cache."""
    mean = plan.duration_us / len(plan.chunks) / 1e6
    again = f"; {reused} of {len(plan.chunks) + 1} units reused from earlier renders" if reused else ""
    return (
        f"rendered in {len(plan.chunks)} chunks, {how} (about {mean:.1f} s each, cut where nothing moving spans "
        f"the cut), joined without re-encoding; audio rendered once{again}"
    )


def _retried(job: Callable[[], T]) -> T:
    """Run a job; if ffmpeg failed, run it once more on its own."""
    try:
        return job()
    except RenderError as exc:
        if exc.code != "FFMPEG_FAILED":
            raise
        return job()
