"""How submitted render tasks reach the workers: one small interface, two implementations.

`EmbeddedQueue` (default): the SQLite task table is the queue; worker threads claim the oldest claimable
task (leases, see persistence/tasks.py) and a submission in this process wakes them at once. `ProcrastinateQueue`
(jobs/pg_queue.py, cluster mode): one procrastinate job per task, dispatched over LISTEN/NOTIFY, with
worker heartbeats and stalled-job recovery. The composition root picks one; the worker pool only sees this.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from capcut_mate.persistence.tasks import Task, TaskStore

log = logging.getLogger(__name__)


class Consumer(Protocol):
    """What a queue feeds: the worker pool (jobs/pool.py), seen only through this."""

    count: int  # renders at once
    lease_s: float

    @property
    def identity(self) -> str:
        """`host:pid:token`, the prefix of the lease owners the queue names for its renders."""

    def process(self, task: Task, owner: str) -> None:
        """Render a claimed task to its end, as `owner`."""

    def render_units(self, task_id: str, owner: str) -> None:
        """Render waiting units of the task's chunked render, as `owner` (cluster mode)."""


class Queue(Protocol):
    def enqueue(self, task: Task, connection: Any = None) -> None:
        """Hand a task to the workers: a new one (inside its submitting transaction when `connection` is
        given), or one handed back by a stopping worker."""

    def wake_unit_jobs(self, task_id: str, count: int) -> None:
        """Ask for `count` jobs that run `pool.render_units(task_id, owner)`: the chunks of a render waiting for
        workers (cluster mode; jobs/farm.py)."""

    def start(self, pool: Consumer) -> None:
        """Start feeding tasks to `pool.process(task, owner)` with `pool.count` renders at once."""

    def stop(self, timeout: float) -> None: ...


class EmbeddedQueue:
    def __init__(self, tasks: TaskStore, poll_s: float = 1.0) -> None:
        self.tasks = tasks
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def enqueue(self, task: Task, connection: Any = None) -> None:
        self._wake.set()

    def wake_unit_jobs(self, task_id: str, count: int) -> None:
        """Never asked: an embedded render runs its chunks in its own process (render/chunking/units.py)."""

    def start(self, pool: Consumer) -> None:
        self._stop.clear()
        for index in range(pool.count):
            owner = f"{pool.identity}-{index}"
            thread = threading.Thread(target=self._loop, args=(pool, owner), daemon=True, name=f"render-{index}")
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self, pool: Consumer, owner: str) -> None:
        while not self._stop.is_set():
            try:
                task = self.tasks.claim(owner, pool.lease_s)
            except Exception:
                log.exception("claiming a render task failed")
                task = None
            if task is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()
                continue
            pool.process(task, owner)
