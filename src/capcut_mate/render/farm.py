"""Chunked renders: each chunk of the plan is its own ffmpeg run, the audio one more, joined by stream copy.

`render_chunk` is the unit of work: a plan and a chunk index in, a video-only MP4 of that span out. It
prepares only the inputs the chunk shows and needs nothing from the other chunks, so a queue job on another
machine can run it given the plan and the media. The audio is rendered once over the whole timeline
(`render_audio`), so no fade or clip is cut at a join. Locally `render_chunks` runs `chunk_workers` of these
at a time, retries a failed one alone once, and folds their progress into one monotonic fraction.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.chunks import chunk_frames, frame_rate
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph import build_graph
from capcut_mate.render.model import Plan, RenderWarning
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.prepare import Preparer
from capcut_mate.render.run import join, run_ffmpeg

OnFraction = Callable[[float], None]
# The audio run's share of the work, in video frames per output frame: it decodes and mixes, no pixels.
AUDIO_WEIGHT = 0.05


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
    chunk = plan.chunks[index]
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        prepared = Preparer(plan, resolve_media, work_dir, options.font_dir).run(chunk, audio=False)
        graph = build_graph(plan, prepared, chunk, audio=False)
        run_ffmpeg(ffmpeg_exe(options.ffmpeg), graph, output, work_dir, options, on_fraction)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return prepared.warnings + graph.warnings


def render_audio(
    plan: Plan,
    resolve_media: Callable[[str], Path],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> list[RenderWarning]:
    """The whole timeline's sound, mixed and AAC-encoded once, to `output` (an MP4 with one audio track)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    prepared = Preparer(plan, resolve_media, work_dir, options.font_dir).run(video=False)
    graph = build_graph(plan, prepared, video=False)
    run_ffmpeg(ffmpeg_exe(options.ffmpeg), graph, output, work_dir, options, on_fraction)
    return prepared.warnings + graph.warnings


class _Progress:
    """Per-job fractions (never lowered, so a retried chunk does not move the bar back) -> one weighted total."""

    def __init__(self, weights: list[float], report: OnFraction) -> None:
        self.weights = weights
        self.done = [0.0] * len(weights)
        self.best = 0.0
        self.report = report
        self.lock = threading.Lock()

    def job(self, n: int) -> OnFraction:
        def update(fraction: float) -> None:
            with self.lock:
                self.done[n] = max(self.done[n], fraction)
                total = sum(w * d for w, d in zip(self.weights, self.done, strict=True)) / sum(self.weights)
                if total > self.best:
                    self.best = total
                    self.report(total)

        return update


def _retried(job: Callable[[], list[RenderWarning]]) -> list[RenderWarning]:
    """Run a job; if ffmpeg failed, run it once more on its own (a crashed or killed run is often transient)."""
    try:
        return job()
    except RenderError as exc:
        if exc.code != "FFMPEG_FAILED":
            raise
        return job()


def render_chunks(
    plan: Plan,
    resolve_media: Callable[[str], Path],
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> list[RenderWarning]:
    """All chunks and the audio, `options.chunk_workers` runs at a time, then joined into `output`."""
    rate = frame_rate(plan.fps)
    frames = [end - start for start, end in (chunk_frames(c, rate) for c in plan.chunks)]
    progress = _Progress([AUDIO_WEIGHT * sum(frames), *frames], on_fraction or (lambda fraction: None))
    audio = work_dir / "audio.m4a"
    parts = [work_dir / f"chunk{n:03d}.mp4" for n in range(len(plan.chunks))]
    jobs: list[Callable[[], list[RenderWarning]]] = [
        lambda: render_audio(plan, resolve_media, work_dir / "audio", audio, options, progress.job(0))
    ]
    for n, part in enumerate(parts):
        folder = work_dir / f"chunk{n:03d}"
        jobs.append(
            lambda n=n, part=part, folder=folder: render_chunk(
                plan, n, resolve_media, folder, part, options, progress.job(n + 1)
            )
        )
    pool = ThreadPoolExecutor(max_workers=max(1, options.chunk_workers), thread_name_prefix="render-chunk")
    try:
        futures = [pool.submit(_retried, job) for job in jobs]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            if future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        warnings = [w for future in futures for w in future.result()]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    join(ffmpeg_exe(options.ffmpeg), parts, audio, output, work_dir)
    return warnings
