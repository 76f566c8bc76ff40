"""Chunked renders across a cluster: any worker renders any unit (the audio, or one video chunk) of a render.

The parent is the worker holding the render task. Its render process plans as usual; when the plan has
several chunks, render_draft hands them to `ClusterChunks` rather than rendering them all in-process. That
records the split (persistence/chunks.py), puts the plan itself (`plan.json`, `Plan.to_json`) under the task's
scratch prefix in storage, asks the queue to wake one unit job per waiting unit, and takes units itself
until all are done: one worker alone still finishes, and the parent only waits when every remaining unit is
being rendered elsewhere. A unit job (`render_waiting_units`, on any worker) loads that plan, never
plans again, works only if the fingerprint of the plan's bytes, the recorded output settings and its own
code version matches the split's (same plan, same code), and takes units until none waits. Unit outputs go
to storage under the scratch prefix; when all are done the parent fetches them, joins the chunks (stream
copy) with the audio, and deletes the scratch. Progress is the parent's: the frame-weighted sum of every
unit's progress in the table, whichever machine renders it.

A worker that dies mid-unit stops renewing its lease; once the lease runs out that unit alone is taken
again (by the parent, which waits for the last units, or by a unit job). A parent that dies leaves its split
behind: the task's next owner plans again, and when the fingerprint matches it keeps every finished unit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capcut_mate.config import Settings
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.persistence.chunks import ChunkStore, Unit, describe
from capcut_mate.render.chunking.cache import UnitKeys, recall
from capcut_mate.render.chunking.units import (
    ChunkedRender,
    OnFraction,
    Progress,
    chunked_note,
    output_settings,
    plan_fingerprint,
    render_unit,
)
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.model import Plan, RenderWarning
from capcut_mate.render.run import join
from capcut_mate.storage import Storage, StorageNotFound, fetch_file

if TYPE_CHECKING:
    from capcut_mate.persistence.connector import Connector

log = logging.getLogger(__name__)

PLAN_FILE = "plan.json"  # the parent's plan (Plan.to_json), under the scratch prefix
POLL_S = 1.0  # how often the parent reads the units' progress, and looks again for a unit to take
PROGRESS_EVERY_S = 1.0  # a unit's progress is written at most this often
REUSE_THREADS = 8  # cached units the parent fetches at once (downloads, not renders)

Resolver = Callable[[str], Path]


def scratch_prefix(task_id: str) -> str:
    return f"renders/{task_id}/"


@dataclass
class RenderFarm:
    """Cluster mode's shared record of units and the storage their outputs pass through."""

    chunks: ChunkStore
    storage: Storage
    lease_s: float

    def clean(self, task_id: str) -> None:
        """Forget the task's split and delete its scratch objects."""
        self.chunks.delete_split(task_id)
        for key in self.storage.list(scratch_prefix(task_id)):
            self.storage.delete(key)


class _UnitRenderer:
    """Claims units of one split and renders them; shared by the parent and the unit jobs."""

    def __init__(
        self,
        farm: RenderFarm,
        task_id: str,
        fingerprint: str,
        owner: str,
        plan: Plan,
        resolve_media: Resolver,
        work_dir: Path,
        options: RenderOptions,
    ) -> None:
        self.farm, self.task_id, self.fingerprint, self.owner = farm, task_id, fingerprint, owner
        self.plan, self.resolve_media, self.work_dir, self.options = plan, resolve_media, work_dir, options
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def leases(self) -> contextlib.AbstractContextManager[None]:
        """Renew the leases of the units being rendered while the block runs."""
        return _every(
            self.farm.lease_s / 3,
            lambda: self.farm.chunks.renew(self.task_id, self.owner, self.farm.lease_s),
            f"renewing the chunk leases of task {self.task_id}",
        )

    def take(self) -> bool:
        """Claim the next waiting unit and render it; False when none waits."""
        unit = self.farm.chunks.claim(self.task_id, self.fingerprint, self.owner, self.farm.lease_s)
        if unit is None:
            return False
        self._render(unit)
        return True

    def _render(self, unit: Unit) -> None:
        name = "audio.m4a" if unit.chunk is None else f"chunk{unit.chunk:03d}.mp4"
        output = self.work_dir / name
        folder = self.work_dir / Path(name).stem
        started = time.monotonic()
        try:
            warnings, reused = render_unit(
                self.plan, unit.chunk, self.resolve_media, folder, output, self.options, self._reporter(unit)
            )
        except RenderError as exc:
            log.warning("%s of task %s failed: %s %s", describe(unit.unit), self.task_id, exc.code, exc.message)
            self.farm.chunks.fail(unit, self.owner, exc.code, exc.message)
            return
        except BaseException:
            self.farm.chunks.release(unit, self.owner)  # let another worker have it at once
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        key = f"{scratch_prefix(self.task_id)}{Path(name).stem}-{uuid.uuid4().hex[:8]}{output.suffix}"
        self.farm.storage.put_file(key, output, move=True)
        seconds = time.monotonic() - started
        if not self.farm.chunks.complete(unit, self.owner, key, [w.to_dict() for w in warnings], seconds, reused):
            log.warning("%s of task %s was taken over while it rendered; dropped", describe(unit.unit), self.task_id)
            self.farm.storage.delete(key)

    def _reporter(self, unit: Unit) -> OnFraction:
        last = [0.0]

        def report(fraction: float) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                try:
                    self.farm.chunks.advance(unit, self.owner, fraction)
                except Exception:
                    log.exception("recording the progress of %s failed", describe(unit.unit))

        return report


@contextlib.contextmanager
def _every(seconds: float, step: Callable[[], object], what: str) -> Iterator[None]:
    """Run `step` every `seconds` in a thread while the block runs; a step that fails is logged, not fatal."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(seconds):
            try:
                step()
            except Exception:
                log.exception("%s failed", what)

    thread = threading.Thread(target=loop, daemon=True, name=what[:15])
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _side_by_side(count: int, loop: Callable[[], None]) -> None:
    """`loop` in `count` threads (the local chunk_workers); the first error is raised."""
    if count <= 1:
        loop()
        return
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="farm-unit") as pool:
        futures = [pool.submit(loop) for _ in range(count)]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()


class ClusterChunks:
    """The parent's ChunkRunner (render/chunking/units.py): the chunks of one task's render, spread over the cluster.

    `on_unit_jobs(n)` asks the queue for `n` unit jobs; the worker process holds the queue.
    """

    def __init__(self, farm: RenderFarm, task_id: str, owner: str, on_unit_jobs: Callable[[int], None]) -> None:
        self.farm, self.task_id, self.owner, self.on_unit_jobs = farm, task_id, owner, on_unit_jobs

    def __call__(
        self,
        plan: Plan,
        resolve_media: Resolver,
        work_dir: Path,
        output: Path,
        options: RenderOptions,
        on_fraction: OnFraction | None = None,
    ) -> ChunkedRender:
        fingerprint = self._open(plan, options)
        fetched: dict[int, Path] = {}  # unit -> its output here, fetched as soon as it is done
        self._reuse_cached(plan, resolve_media, options, fingerprint, work_dir, fetched)
        waiting = sum(unit.state != "done" for unit in self.farm.chunks.units(self.task_id, fingerprint))
        if waiting > 1:
            self.on_unit_jobs(waiting - 1)  # the parent takes one itself
        progress = Progress(plan, on_fraction)
        renderer = _UnitRenderer(
            self.farm, self.task_id, fingerprint, self.owner, plan, resolve_media, work_dir / "units", options
        )
        finished = threading.Event()
        try:
            with renderer.leases(), self._watch(fingerprint, progress, fetched, work_dir):
                _side_by_side(max(1, options.chunk_workers), lambda: self._work(renderer, fingerprint, finished))
            units = self.farm.chunks.units(self.task_id, fingerprint)
            audio, *chunks = (fetched.get(u.unit) or _fetch(self.farm.storage, u, work_dir) for u in units)
            join(ffmpeg_exe(options.ffmpeg), chunks, audio, output, work_dir, options.stall_seconds)
            progress.set(len(units), 1.0)
        finally:
            try:
                self.farm.clean(self.task_id)
            except Exception:  # the workers' maintenance removes it later
                log.exception("removing the chunk scratch of task %s failed", self.task_id)
        warnings = [RenderWarning(**w) for unit in units for w in unit.warnings]
        workers = {owner.rsplit("-", 1)[0] for unit in units for owner in unit.owners[-1:]}
        how = f"by {len(workers)} worker process{'es' if len(workers) != 1 else ''} of the cluster"
        reused = sum(unit.reused for unit in units)
        return ChunkedRender(warnings, chunked_note(plan, how, reused), [_unit_report(unit) for unit in units])

    def _open(self, plan: Plan, options: RenderOptions) -> str:
        """The split for this plan: the one a previous owner of the task left, when it has the same
        fingerprint (its finished units are kept), else a new one."""
        plan_json = plan.to_json()
        fingerprint = plan_fingerprint(plan_json, options)
        split = self.farm.chunks.split(self.task_id)
        if split is not None and split.fingerprint == fingerprint:
            self.farm.chunks.retry_failed(self.task_id)
            return fingerprint
        self.farm.clean(self.task_id)
        self.farm.storage.put_bytes(scratch_prefix(self.task_id) + PLAN_FILE, plan_json.encode())
        spans = [(0, plan.duration_us), *((chunk.start_us, chunk.end_us) for chunk in plan.chunks)]
        self.farm.chunks.replace_split(self.task_id, fingerprint, output_settings(options), spans)
        return fingerprint

    def _reuse_cached(
        self,
        plan: Plan,
        resolve_media: Resolver,
        options: RenderOptions,
        fingerprint: str,
        work_dir: Path,
        fetched: dict[int, Path],
    ) -> None:
        """Waiting units the chunk cache has are done before any unit job is asked for: the parent takes them
        from the cache itself (the file it joins, and the scratch copy every unit's output has), instead of a
        render process per unit downloading and uploading it again."""
        reuse = options.chunk_reuse
        if reuse is None:
            return
        keys = UnitKeys(plan, resolve_media, options, reuse.hashes)

        def take(unit: Unit) -> None:
            key = keys.audio() if unit.chunk is None else keys.chunk(unit.chunk)
            path = work_dir / f"unit{unit.unit:04d}{'.m4a' if unit.chunk is None else '.mp4'}"
            warnings = recall(reuse, key, path)
            if warnings is None:
                return
            scratch = f"{scratch_prefix(self.task_id)}{path.stem}-{uuid.uuid4().hex[:8]}{path.suffix}"
            self.farm.storage.put_file(scratch, path)  # a copy: the join reads `path`
            if self.farm.chunks.reuse(unit, scratch, [w.to_dict() for w in warnings]):
                fetched[unit.unit] = path
            else:  # a worker took it meanwhile
                self.farm.storage.delete(scratch)

        waiting = [unit for unit in self.farm.chunks.units(self.task_id, fingerprint) if unit.state == "pending"]
        with ThreadPoolExecutor(max_workers=REUSE_THREADS, thread_name_prefix="chunk-reuse") as pool:
            list(pool.map(take, waiting))

    def _work(self, renderer: _UnitRenderer, fingerprint: str, finished: threading.Event) -> None:
        """Take units until every one is done; wait (and look again) while the last ones render elsewhere."""
        while not finished.is_set():
            units = self.farm.chunks.units(self.task_id, fingerprint)
            failed = next((unit for unit in units if unit.state == "failed"), None)
            if failed is not None:
                finished.set()
                raise RenderError(failed.error_code, f"{describe(failed.unit)}: {failed.error_message}")
            if all(unit.state == "done" for unit in units):
                finished.set()
                return
            if not renderer.take():
                finished.wait(POLL_S)

    def _watch(
        self, fingerprint: str, progress: Progress, fetched: dict[int, Path], work_dir: Path
    ) -> contextlib.AbstractContextManager[None]:
        """While the block runs: fold every unit's progress, wherever it renders, into `progress`, and fetch
        each finished unit's output into `fetched` (so the join does not wait for the downloads)."""

        def poll() -> None:
            for unit in self.farm.chunks.units(self.task_id, fingerprint):
                progress.set(unit.unit, unit.progress)
                if unit.state == "done" and unit.unit not in fetched:
                    fetched[unit.unit] = _fetch(self.farm.storage, unit, work_dir)

        return _every(POLL_S, poll, f"following the chunks of task {self.task_id}")


def _fetch(storage: Storage, unit: Unit, work_dir: Path) -> Path:
    key = str(unit.output_key)
    return fetch_file(storage, key, work_dir / f"unit{unit.unit:04d}{Path(key).suffix}")


def _unit_report(unit: Unit) -> dict[str, Any]:
    """Who rendered what, for the render report: every owner that took the unit (the last one finished it),
    and whether that one took it from the chunk cache."""
    return {
        "unit": describe(unit.unit),
        "start_us": unit.start_us,
        "end_us": unit.end_us,
        "owners": unit.owners,
        "attempts": unit.attempts,
        "seconds": round(unit.seconds or 0.0, 3),
        "reused": unit.reused,
    }


def render_waiting_units(
    farm: RenderFarm,
    task_id: str,
    owner: str,
    work_dir: Path,
    local: RenderOptions,
    resolve_media: Resolver,
) -> int:
    """Render waiting units of the task's split until none waits; how many this unit job rendered.

    `local` carries this machine's own settings (ffmpeg, fonts, chunk_workers); the output settings come
    from the split. `resolve_media` maps the plan's media paths onto this machine's checkout of the draft.
    """
    split = farm.chunks.split(task_id)
    if split is None:
        return 0
    try:
        plan_json = farm.storage.get_bytes(scratch_prefix(task_id) + PLAN_FILE)
    except StorageNotFound:
        return 0
    options = dataclasses.replace(local, **split.settings)
    if plan_fingerprint(plan_json, options) != split.fingerprint:
        log.warning("task %s was planned by other code or settings than this worker's; its units stay", task_id)
        return 0
    plan = Plan.from_json(plan_json)
    renderer = _UnitRenderer(farm, task_id, split.fingerprint, owner, plan, resolve_media, work_dir, options)
    rendered = [0]
    lock = threading.Lock()

    def loop() -> None:
        while renderer.take():
            with lock:
                rendered[0] += 1

    with renderer.leases():
        _side_by_side(max(1, options.chunk_workers), loop)
    return rendered[0]


def render_farm(settings: Settings, storage: Storage, db: Connector) -> RenderFarm:
    """Cluster mode's chunk units: in the task database, their outputs in the service's storage (the same
    wiring for a worker, services.py, and its render processes, jobs/render_one.py)."""
    return RenderFarm(ChunkStore(db), storage, settings.worker_lease_s)
