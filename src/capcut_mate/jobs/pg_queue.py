"""The cluster queue: procrastinate on PostgreSQL dispatches one job per render task.

A job is deferred in the same transaction that creates the task record, so a task is never without its
job. Workers hear about it over LISTEN/NOTIFY (no polling sleep), run it with `concurrency` renders at
once, and beat a heartbeat; every worker also looks for jobs whose worker stopped beating (SIGKILL,
machine gone) and retries them, so another worker finishes the task. The task record (persistence/tasks.py)
stays ours: a retried job takes it over only once the dead owner's lease has run out, so two workers
never render one task at once, and progress never moves back. A database restart stops procrastinate's
worker (its heartbeat or fetch fails); it is started again, with back-off, until the database is back.

A chunked render asks for unit jobs (`wake_unit_jobs`): one job per waiting unit, ahead of new renders (a
render under way finishes first), each of which a worker runs as a unit job of that render (jobs/farm.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from capcut_mate.jobs.queue import Consumer
from capcut_mate.outages import unavailable
from capcut_mate.persistence.tasks import Task, TaskStore

if TYPE_CHECKING:
    from procrastinate import App, JobContext
    from procrastinate.types import JSONValue

log = logging.getLogger(__name__)

QUEUE_NAME = "render"
TASK_NAME = "capcut_mate.render"
UNIT_JOB_TASK_NAME = "capcut_mate.render_chunks"
UNIT_JOB_PRIORITY = 1  # above new renders' 0


def _app(url: str) -> App:
    from procrastinate import App, PsycopgConnector

    return App(connector=PsycopgConnector(conninfo=url))


class ProcrastinateQueue:
    def __init__(self, url: str, tasks: TaskStore, lease_s: float) -> None:
        self.url = url
        self.tasks = tasks
        self.lease_s = lease_s
        self._deferrer = _app(url)
        self._defer_task = self._deferrer.task(name=TASK_NAME, queue=QUEUE_NAME)(_never_run_here)
        self._defer_unit_job = self._deferrer.task(name=UNIT_JOB_TASK_NAME, queue=QUEUE_NAME)(_never_run_here)
        self._opened = False
        self._open_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._stopping = threading.Event()

    # --- API side ---

    def enqueue(self, task: Task, connection: Any = None) -> None:
        from procrastinate.exceptions import AlreadyEnqueued

        if connection is None:
            self._open()
        with contextlib.suppress(AlreadyEnqueued):  # a job for this task is already waiting: one is enough
            self._defer_task.configure(queueing_lock=task.task_id, connection=connection).defer(task_id=task.task_id)

    def wake_unit_jobs(self, task_id: str, count: int) -> None:
        self._open()
        jobs: list[dict[str, JSONValue]] = [{"task_id": task_id} for _ in range(count)]
        self._defer_unit_job.configure(priority=UNIT_JOB_PRIORITY).batch_defer(*jobs)

    def _open(self) -> None:
        with self._open_lock:
            if not self._opened:
                self._deferrer.open()
                self._opened = True

    def close(self) -> None:
        with self._open_lock:
            if self._opened:
                self._deferrer.close()
                self._opened = False

    # --- worker side ---

    def start(self, pool: Consumer) -> None:
        self._stopping.clear()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pool, ready), daemon=True, name="procrastinate")
        self._thread.start()
        ready.wait(30)

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        if self._loop is not None and self._main is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._main.cancel)
        if self._thread is not None:
            self._thread.join(timeout)
        self.close()

    def _run(self, pool: Consumer, ready: threading.Event) -> None:
        app = _app(self.url)

        @app.task(name=TASK_NAME, queue=QUEUE_NAME, pass_context=True)
        def render(context: JobContext, task_id: str) -> None:
            self._handle(pool, f"{pool.identity}-j{context.job.id}", task_id)

        @app.task(name=UNIT_JOB_TASK_NAME, queue=QUEUE_NAME, pass_context=True)
        def render_chunks(context: JobContext, task_id: str) -> None:
            if not self._stopping.is_set():
                pool.render_units(task_id, f"{pool.identity}-c{context.job.id}")

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._main = asyncio.current_task()
            async with app.open_async():
                ready.set()
                recover = asyncio.create_task(self._recover(app))
                try:
                    await app.run_worker_async(
                        queues=[QUEUE_NAME],
                        name=pool.identity,
                        concurrency=pool.count,
                        install_signal_handlers=False,
                        listen_notify=True,
                        fetch_job_polling_interval=2.0,
                        update_heartbeat_interval=max(1.0, self.lease_s / 3),
                        stalled_worker_timeout=self.lease_s,
                        delete_jobs="successful",
                    )
                finally:
                    recover.cancel()

        wait = 1.0
        try:
            while not self._stopping.is_set():
                started = time.monotonic()
                try:
                    asyncio.run(main())
                    if not self._stopping.is_set():  # it stopped itself: a side task (heartbeat) failed
                        log.warning("the procrastinate worker stopped; starting it again")
                except asyncio.CancelledError:
                    return
                except Exception as exc:
                    if unavailable(exc) is None:
                        log.exception("the procrastinate worker stopped; starting it again")
                    else:  # a database restart stops procrastinate's worker: start it again once it is back
                        log.warning("the procrastinate worker lost the database (%r); starting it again", exc)
                ready.set()
                wait = 1.0 if time.monotonic() - started > 60 else min(30.0, wait * 2)
                self._stopping.wait(wait)
        finally:
            ready.set()

    async def _recover(self, app: Any) -> None:
        """Retry the jobs of workers that stopped beating (killed, machine gone)."""
        while True:
            await asyncio.sleep(max(1.0, self.lease_s / 3))
            try:
                stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE_NAME, seconds_since_heartbeat=self.lease_s)
                for job in stalled:
                    try:
                        await app.job_manager.retry_job(job)
                        log.warning("job %s of a stalled worker retried", job.id)
                    except Exception:  # another worker retried it first
                        log.debug("retrying job %s failed", job.id, exc_info=True)
            except Exception:
                log.exception("looking for stalled render jobs failed")

    def _handle(self, pool: Consumer, owner: str, task_id: str) -> None:
        """Run one job: take the task record (waiting for a dead owner's lease to run out), render it."""
        while not self._stopping.is_set():
            task, wait_s = self.tasks.claim_id(task_id, owner, pool.lease_s)
            if task is not None:
                pool.process(task, owner)
                return
            if wait_s < 0:
                return
            time.sleep(min(wait_s, 0.5))
        current = self.tasks.get(task_id)
        if current is not None:
            self.enqueue(current)  # stopping before the task could be taken: leave a job for the next worker


def _never_run_here(task_id: str) -> None:
    """The API side only defers; workers register the real task function."""
    raise RuntimeError("render jobs run in workers")
