"""How a render's end is recorded: the video stored and the task completed, failed, or handed back.

Infrastructure fails; tasks do not: a database or bucket that blinks (outages.py) hands the task back for a
retry with back-off (`retry_later`), never fails it. The writes that finish a task wait for the database to
come back (`when_stored`) rather than leave a finished render unrecorded; a pool that stops meanwhile
leaves the task to its lease. A finished task's callback is sent once its record is written.
"""

from __future__ import annotations

import errno
import logging
import random
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from capcut_mate.jobs import progress
from capcut_mate.jobs.callbacks import CallbackSender
from capcut_mate.jobs.messages import failure_messages
from capcut_mate.jobs.queue import Queue
from capcut_mate.outages import unavailable
from capcut_mate.persistence.tasks import Task, TaskStore
from capcut_mate.storage import Storage

log = logging.getLogger(__name__)

RETRY_BASE_S, RETRY_CAP_S = 2.0, 60.0  # back-off of a task handed back after an outage
_T = TypeVar("_T")


class TaskOutcomes:
    """Writes the end of the tasks one pool renders; `stop` is the pool's: set, waits for the database end."""

    def __init__(
        self,
        tasks: TaskStore,
        queue: Queue,
        storage: Storage,
        callbacks: CallbackSender,
        status_fields: Callable[[Task], dict[str, Any]],
        render_root: Path,
        stop: threading.Event,
    ) -> None:
        self.tasks, self.queue, self.storage, self.callbacks = tasks, queue, storage, callbacks
        self.status_fields, self.render_root, self._stop = status_fields, render_root, stop

    def when_stored(self, write: Callable[[], _T]) -> _T | None:
        """`write()`, tried again with back-off while the database is unreachable (None if stopping first)."""
        wait = 0.5
        while True:
            try:
                return write()
            except Exception as exc:
                if unavailable(exc) is None:
                    raise
                log.warning("the database is unavailable (%r); trying again in %.1f s", exc, wait)
            if self._stop.wait(wait):
                return None
            wait = min(RETRY_CAP_S / 4, wait * 2)

    def retry_later(self, task: Task, owner: str, why: str) -> None:
        """Hand the task back for a retry after a back-off; while the database itself is down, wait for it."""

        def backoff(retries: int) -> float:
            return min(RETRY_CAP_S, RETRY_BASE_S * 2.0**retries) * random.uniform(0.5, 1.0)

        self.when_stored(lambda: self.tasks.retry_later(task.task_id, owner, why, backoff, self.queue.enqueue))

    def requeue(self, task: Task, owner: str) -> None:
        """The pool is stopping mid-render: the task goes back to the queue for the next worker."""
        self.tasks.release(task.task_id, owner, "worker stopped; requeued")
        self.queue.enqueue(task)

    def publish(self, task: Task, owner: str, output: Path, report: dict[str, Any]) -> None:
        """Put the file into storage (on local disk: a rename), then mark the task completed."""
        relative = f"{task.draft_id}/{task.task_id}{output.suffix}"
        key = f"outputs/{relative}"
        report = {**report, "output": key}
        files = [(key, output)]
        if cover := report.pop("cover_file", None):  # gen_video's poster frame, beside the video
            report["cover"] = cover_key(relative)
            files.append((report["cover"], Path(cover)))
        for name, path in files:
            try:
                self.storage.put_file(name, path, move=True)  # a bucket that is down: the pool retries the task
            except OSError as exc:
                code = "DISK_FULL" if exc.errno == errno.ENOSPC else "INTERNAL"
                self.fail(task, owner, code, f"could not store {name}: {exc}")
                return
        milestone = progress.MILESTONES[progress.FILE_WRITTEN]
        self.when_stored(lambda: self.tasks.advance(task.task_id, owner, progress.FILE_WRITTEN, milestone))
        done = self.when_stored(lambda: self.tasks.complete(task.task_id, owner, relative, report))
        if done:
            self._notify(task.task_id)
        elif done is False:  # another owner took the task over meanwhile
            for name, _ in files:
                self.storage.delete(name)

    def fail(self, task: Task, owner: str, code: str, details: str, debug: dict[str, Any] | None = None) -> None:
        shutil.rmtree(self.render_root / task.task_id, ignore_errors=True)  # first: on a full disk it frees room
        zh, en = failure_messages(code, details)
        report = {"error": {"code": code, "message": details, **({"debug": debug} if debug else {})}}
        if self.when_stored(lambda: self.tasks.fail(task.task_id, owner, code, zh, en, report)):
            self._notify(task.task_id)

    def _notify(self, task_id: str) -> None:
        task = self.when_stored(lambda: self.tasks.get(task_id))
        if task is not None and task.callback_url:
            payload = self.status_fields(task)
            self.when_stored(lambda: self.callbacks.send(task.task_id, task.callback_url or "", payload))


def cover_key(relative: str) -> str:
    """Where the poster frame of the video at `outputs/<relative>` is stored: beside it, as a JPEG."""
    return f"outputs/{Path(relative).with_suffix('.jpg').as_posix()}"
