"""The worker pool: renders claimed tasks, `count` at once, each in a render of its own.

Runs inside the server (Settings.in_process_workers) or in `capcut-mate worker`, any number of processes
(one data directory in embedded mode; any machines in cluster mode). The queue (jobs/queue.py) decides
which task runs where and calls `process` (or, in cluster mode, `render_units`) on the pool's threads. A task's
way through the pool: its draft checked out into a scratch folder, a RenderSpec (jobs/protocol.py) handed
to the runner (jobs/runner.py: a child process, or a thread in tests), the render followed while a
heartbeat keeps its lease (jobs/follow.py), and its end recorded (jobs/outcomes.py). Housekeeping
(jobs/housekeeping.py) runs beside the renders.

In cluster mode a render of several chunks spreads them over the workers (jobs/farm.py): the render asks
for unit jobs, which this pool turns into queue jobs, and `render_units` runs such a job on any worker, in a render
of its own like a task.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from capcut_mate.config import Settings
from capcut_mate.drafts.store import DraftStore
from capcut_mate.errors import ApiError
from capcut_mate.jobs.callbacks import CallbackSender
from capcut_mate.jobs.follow import follow
from capcut_mate.jobs.housekeeping import Housekeeping, Identity
from capcut_mate.jobs.outcomes import TaskOutcomes
from capcut_mate.jobs.protocol import UNAVAILABLE, Failure, RenderSpec
from capcut_mate.jobs.queue import Queue
from capcut_mate.jobs.runner import Runner, RunningRender, SubprocessRunner
from capcut_mate.outages import unavailable
from capcut_mate.persistence.sqlite import is_disk_full
from capcut_mate.persistence.tasks import PROCESSING, Task, TaskStore
from capcut_mate.storage import Storage

if TYPE_CHECKING:
    from capcut_mate.jobs.farm import RenderFarm

log = logging.getLogger(__name__)


class WorkerPool:
    """`count` renders at once, fed by the queue, plus housekeeping. Shares the task store with every other
    process; knows nothing of which database, queue, storage or runner is behind it."""

    def __init__(
        self,
        settings: Settings,
        tasks: TaskStore,
        drafts: DraftStore,
        storage: Storage,
        queue: Queue,
        callbacks: CallbackSender,
        status_fields: Callable[[Task], dict[str, Any]],
        count: int,
        farm: RenderFarm | None = None,
        runner: Runner | None = None,
    ) -> None:
        self.settings = settings
        self.store = tasks
        self.drafts = drafts
        self.queue = queue
        self.callbacks = callbacks
        self.count = max(1, count)
        self.farm = farm  # cluster mode: chunks of a render are spread over the workers
        self.runner = runner or SubprocessRunner()
        self.lease_s = settings.worker_lease_s
        self.me = Identity()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, RunningRender] = {}
        self._running_lock = threading.Lock()
        self.outcomes = TaskOutcomes(tasks, queue, storage, callbacks, status_fields, self.render_root, self._stop)
        retention = settings.task_retention_days
        self.housekeeping = Housekeeping(self.me, tasks, storage, self.render_root, self.units_root, retention, farm)

    @property
    def identity(self) -> str:
        """`host:pid:token`: lease owners are this plus `-<n>`, so housekeeping can tell dead owners."""
        return str(self.me)

    @property
    def render_root(self) -> Path:
        return self.settings.tmp_dir / "render"

    @property
    def units_root(self) -> Path:
        """Unit jobs' folders, named `<pid>-<token>-<job>` after their owner, so dead ones can be told."""
        return self.settings.tmp_dir / "render-units"

    def start(self) -> WorkerPool:
        self.render_root.mkdir(parents=True, exist_ok=True)
        self._threads.append(self.housekeeping.start(self._stop))
        self.queue.start(self)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking tasks, kill running renders and hand their tasks back for the next worker."""
        self._stop.set()
        with self._running_lock:
            running = list(self._running.values())
        for render in running:
            render.kill()
        self.queue.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)
        self.callbacks.close()

    def run_forever(self) -> None:
        """For `capcut-mate worker`: start, then block until SIGINT/SIGTERM, then hand running tasks back."""
        signal.signal(signal.SIGTERM, lambda *_: self._stop.set())
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- one task ---

    def process(self, task: Task, owner: str) -> None:
        """Render a claimed task to the end: completed, failed, or handed back (stopping, or an outage)."""
        try:
            self._process(task, owner)
        except Exception as exc:
            dependency = unavailable(exc)
            if dependency is not None:
                log.warning("render task %s met an outage of the %s: %r", task.task_id, dependency, exc)
                self.outcomes.retry_later(task, owner, f"{dependency} unavailable ({type(exc).__name__})")
                return
            log.exception("render task %s failed unexpectedly", task.task_id)
            try:
                code = "DISK_FULL" if is_disk_full(exc) else "INTERNAL"
                self.outcomes.fail(task, owner, code, f"{type(exc).__name__}: {exc}")
            except Exception:  # the store is down too: the lease runs out and the task is retried
                log.exception("recording the failure of task %s failed", task.task_id)

    def _process(self, task: Task, owner: str) -> None:
        work = self.render_root / task.task_id
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            try:
                draft_dir = self.drafts.checkout(task.draft_id, work / "draft")
            except ApiError:
                gone = f"draft {task.draft_id} no longer exists on this server"
                self.outcomes.fail(task, owner, "DRAFT_NOT_FOUND", gone)
                return
            requested = (task.report or {}).get("options") or {}  # gen_video's choices, kept from submit
            output = work / f"out.{requested.get('format', 'mp4')}"
            spec = self._spec(task.task_id, owner, draft_dir, work / "work", output=output, options=requested)
            with self._started(owner, spec, work / "render.log") as render:
                wake = self._wake_unit_jobs_of(task.task_id)
                outcome = follow(render, task, owner, self.store, self.lease_s, wake, self._stop)
            if outcome.lost:
                if self._stop.is_set():
                    self.outcomes.requeue(task, owner)
                return
            if outcome.code == UNAVAILABLE:
                self.outcomes.retry_later(task, owner, outcome.message)
                return
            if outcome.report is None:
                code = outcome.code or "RENDER_CRASHED"
                message = outcome.message or (
                    f"the render process exited with status {outcome.returncode}: {outcome.log_tail or 'no output'}"
                )
                self.outcomes.fail(task, owner, code, message, outcome.debug)
                return
            self.outcomes.publish(task, owner, output, outcome.report)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def render_units(self, task_id: str, owner: str) -> None:
        """A unit job: render waiting units of a chunked render (any worker's) in a render of its own, until
        none waits. Returns at once when nothing waits (most jobs of a render find its units all taken)."""
        farm = self.farm
        if farm is None or self._stop.is_set() or not farm.chunks.claimable(task_id):
            return
        task = self.store.get(task_id)
        if task is None or task.status != PROCESSING:
            return
        rest = owner.partition(":")[2]
        work = self.units_root / rest.replace(":", "-")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            draft_dir = self.drafts.checkout(task.draft_id, work / "draft")
            spec = self._spec(task_id, owner, draft_dir, work / "work", mode="units")
            with self._started(owner, spec, work / "units.log") as render:
                for event in render.events():
                    if isinstance(event, Failure):
                        log.warning("rendering units of task %s failed: %s %s", task_id, event.code, event.message)
        except ApiError:
            log.info("the draft of task %s is gone: no units to render", task_id)
        finally:
            farm.chunks.release_owner(owner)  # whatever its render still held, anyone may take now
            shutil.rmtree(work, ignore_errors=True)

    def _spec(
        self,
        task_id: str,
        owner: str,
        draft_dir: Path,
        work_dir: Path,
        *,
        mode: Literal["render", "units"] = "render",
        output: Path | None = None,
        options: dict[str, Any] | None = None,
    ) -> RenderSpec:
        """What every render gets: the task, this machine's settings, and whether it is a cluster's."""
        return RenderSpec(
            mode=mode,
            task_id=task_id,
            owner=owner,
            draft_dir=draft_dir,
            work_dir=work_dir,
            output=output,
            options=options or {},
            cluster=self.farm is not None,
            settings=self.settings,
        )

    def _wake_unit_jobs_of(self, task_id: str) -> Callable[[int], None]:
        def wake(count: int) -> None:
            try:
                self.queue.wake_unit_jobs(task_id, count)
            except Exception:  # the render goes on: this worker takes every unit itself
                log.exception("asking for unit jobs of task %s failed", task_id)

        return wake

    @contextlib.contextmanager
    def _started(self, owner: str, spec: RenderSpec, log_path: Path) -> Iterator[RunningRender]:
        """A render of the runner, known to `stop` (which kills it) while the block runs."""
        with self.runner.start(spec, log_path) as render:
            with self._running_lock:
                self._running[owner] = render
            if self._stop.is_set():  # stop() ran between the claim and now: it could not see this render
                render.kill()
            try:
                yield render
            finally:
                with self._running_lock:
                    self._running.pop(owner, None)
