"""The worker pool: take a task from the queue, render it in a child process, record progress, store the
video, complete or fail the task.

Runs inside the server (Settings.in_process_workers) or in `capcut-mate worker`, any number of processes
(one data directory in embedded mode; any machines in cluster mode). The queue (jobs/queue.py) decides
which task runs where; each render owns a lease identity `host:pid:token-n`; a heartbeat
thread renews the lease while a render runs and kills the render if the lease was lost. A maintenance
thread makes the leases of dead owners on this host claimable at once (so a restarted server resumes its
tasks without waiting for the lease to run out), prunes tasks past the retention, and removes stale
temporary folders.

Infrastructure fails; tasks do not: a database or bucket that blinks (outages.py) during a render, its
checkout or its upload hands the task back for a retry with back-off (`retry_later`), never fails it and
never counts it as a render death. Progress writes that meet an outage are skipped (the next one catches
up), and the writes that finish a task wait for the database to come back.

In cluster mode a render of several chunks spreads them over the workers (jobs/farm.py): the render
process asks for helpers, which this pool turns into queue jobs, and `help` runs such a job on any worker,
in a child process of its own like a render.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from capcut_mate.config import Settings
from capcut_mate.drafts.store import DraftStore
from capcut_mate.errors import ApiError
from capcut_mate.jobs import progress
from capcut_mate.jobs.callbacks import CallbackSender
from capcut_mate.jobs.messages import failure_messages
from capcut_mate.jobs.queue import Queue
from capcut_mate.outages import unavailable
from capcut_mate.persistence.sqlite import is_disk_full
from capcut_mate.persistence.tasks import PROCESSING, Task, TaskStore
from capcut_mate.storage import Storage

if TYPE_CHECKING:
    from capcut_mate.jobs.farm import RenderFarm

log = logging.getLogger(__name__)

MAINTENANCE_S = 5.0
PRUNE_EVERY_S = 3600.0
RETRY_BASE_S, RETRY_CAP_S = 2.0, 60.0  # back-off of a task handed back after an outage
UNAVAILABLE = "UNAVAILABLE"  # a render process's error code for a dependency that is down
PROGRESS_QUIET_S = 2.0
_T = TypeVar("_T")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class _Outcome:
    """What the child said: a report, or an error code and message (empty when it said nothing)."""

    report: dict[str, Any] | None = None
    code: str = ""
    message: str = ""
    debug: dict[str, Any] | None = None  # kept in the failed task's report for the maintainer
    returncode: int = 0
    lost: bool = False
    log_tail: str = ""


class WorkerPool:
    """`count` renders at once, fed by the queue, plus one maintenance thread. Shares the task store with
    every other process; knows nothing of which database, queue or storage is behind it."""

    def __init__(
        self,
        settings: Settings,
        tasks: TaskStore,
        drafts: DraftStore,
        storage: Storage,
        queue: Queue,
        callbacks: CallbackSender,
        video_url: Callable[[Task], str],
        count: int,
        farm: RenderFarm | None = None,
    ) -> None:
        self.settings = settings
        self.store = tasks
        self.drafts = drafts
        self.storage = storage
        self.queue = queue
        self.callbacks = callbacks
        self.video_url = video_url
        self.count = max(1, count)
        self.farm = farm  # cluster mode: chunks of a render are spread over the workers
        self.lease_s = settings.worker_lease_s
        self.host = socket.gethostname()
        self.token = uuid.uuid4().hex[:8]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._children_lock = threading.Lock()
        self._last_prune = float("-inf")

    @property
    def identity(self) -> str:
        """`host:pid:token`: lease owners are this plus `-<n>`, so maintenance can tell dead owners."""
        return f"{self.host}:{os.getpid()}:{self.token}"

    @property
    def render_root(self) -> Path:
        return self.settings.tmp_dir / "render"

    @property
    def help_root(self) -> Path:
        """Helpers' folders, named `<pid>-<token>-<job>` after their owner, so dead ones can be told."""
        return self.settings.tmp_dir / "render-help"

    def start(self) -> WorkerPool:
        self.render_root.mkdir(parents=True, exist_ok=True)
        self._maintain()
        self.queue.start(self)
        thread = threading.Thread(target=self._maintenance_loop, daemon=True, name="render-maintenance")
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking tasks, kill running renders and hand their tasks back for the next worker."""
        self._stop.set()
        with self._children_lock:
            children = list(self._children.values())
        for child in children:
            _kill_group(child)
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
                self._retry_later(task, owner, f"{dependency} unavailable ({type(exc).__name__})")
                return
            log.exception("render task %s failed unexpectedly", task.task_id)
            try:
                code = "DISK_FULL" if is_disk_full(exc) else "INTERNAL"
                self._fail(task, owner, code, f"{type(exc).__name__}: {exc}")
            except Exception:  # the store is down too: the lease runs out and the task is retried
                log.exception("recording the failure of task %s failed", task.task_id)

    def _retry_later(self, task: Task, owner: str, why: str) -> None:
        """Hand the task back for a retry after a back-off; while the database itself is down, wait for it."""

        def backoff(retries: int) -> float:
            return min(RETRY_CAP_S, RETRY_BASE_S * 2.0**retries) * random.uniform(0.5, 1.0)

        self._when_stored(lambda: self.store.retry_later(task.task_id, owner, why, backoff, self.queue.enqueue))

    def _when_stored(self, write: Callable[[], _T]) -> _T | None:
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

    def _process(self, task: Task, owner: str) -> None:
        work = self.render_root / task.task_id
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            try:
                draft_dir = self.drafts.checkout(task.draft_id, work / "draft")
            except ApiError:
                self._fail(task, owner, "DRAFT_NOT_FOUND", f"draft {task.draft_id} no longer exists on this server")
                return
            requested = (task.report or {}).get("options") or {}  # gen_video's choices, kept from submit
            output = work / f"out.{requested.get('format', 'mp4')}"
            spec = {
                **self._child_spec(task.task_id, owner, draft_dir, work / "work"),
                "options": requested,
                "output": str(output),
            }
            outcome = self._run_child(task, owner, spec, work / "render.log")
            if outcome.lost:
                if self._stop.is_set():
                    self.store.release(task.task_id, owner, "worker stopped; requeued")
                    self.queue.enqueue(task)
                return
            if outcome.code == UNAVAILABLE:
                self._retry_later(task, owner, outcome.message)
                return
            if outcome.report is None:
                code = outcome.code or "RENDER_CRASHED"
                message = outcome.message or (
                    f"the render process exited with status {outcome.returncode}: {outcome.log_tail or 'no output'}"
                )
                self._fail(task, owner, code, message, outcome.debug)
                return
            self._publish(task, owner, output, outcome.report)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _child_spec(self, task_id: str, owner: str, draft_dir: Path, work_dir: Path) -> dict[str, Any]:
        """What every render process gets: the task, this machine's settings, and whether it is a cluster's."""
        settings = self.settings
        return {
            "task_id": task_id,
            "owner": owner,
            "farm": self.farm is not None,
            "draft_dir": str(draft_dir),
            "work_dir": str(work_dir),
            "ffmpeg": settings.ffmpeg,
            "font_dir": str(settings.font_dir) if settings.font_dir else None,
            "chunk_seconds": settings.render_chunk_seconds,
            "chunk_workers": settings.render_chunk_workers,
            "system_fonts": settings.system_fonts,
        }

    def help(self, task_id: str, owner: str) -> None:
        """A helper job: render waiting units of a chunked render (any worker's) in a child process, until
        none waits. Returns at once when nothing waits (most jobs of a render find its units all taken)."""
        farm = self.farm
        if farm is None or self._stop.is_set() or not farm.chunks.claimable(task_id):
            return
        task = self.store.get(task_id)
        if task is None or task.status != PROCESSING:
            return
        rest = owner.partition(":")[2]
        work = self.help_root / rest.replace(":", "-")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            draft_dir = self.drafts.checkout(task.draft_id, work / "draft")
            spec = {**self._child_spec(task_id, owner, draft_dir, work / "work"), "mode": "help"}
            with self._child(owner, spec, work / "help.log") as child:
                assert child.stdout is not None
                for raw in child.stdout:
                    if b'"error"' in raw:
                        log.warning("helping with task %s failed: %s", task_id, raw.decode(errors="replace").strip())
        except ApiError:
            log.info("the draft of task %s is gone; not helping", task_id)
        finally:
            farm.chunks.release_owner(owner)  # whatever its process still held, anyone may take now
            shutil.rmtree(work, ignore_errors=True)

    def _publish(self, task: Task, owner: str, output: Path, report: dict[str, Any]) -> None:
        """Put the file into storage (on local disk: a rename), then mark the task completed."""
        relative = f"{task.draft_id}/{task.task_id}{output.suffix}"
        key = f"outputs/{relative}"
        try:
            self.storage.put_file(key, output, move=True)  # a bucket that is down: process() retries the task
        except OSError as exc:
            code = "DISK_FULL" if exc.errno == errno.ENOSPC else "INTERNAL"
            self._fail(task, owner, code, f"could not store the video as {key}: {exc}")
            return
        report = {**report, "output": key}
        milestone = progress.MILESTONES[progress.FILE_WRITTEN]
        self._when_stored(lambda: self.store.advance(task.task_id, owner, progress.FILE_WRITTEN, milestone))
        done = self._when_stored(lambda: self.store.complete(task.task_id, owner, relative, report))
        if done:
            self._notify(task.task_id)
        elif done is False:  # another owner took the task over meanwhile
            self.storage.delete(key)

    def _fail(self, task: Task, owner: str, code: str, details: str, debug: dict[str, Any] | None = None) -> None:
        shutil.rmtree(self.render_root / task.task_id, ignore_errors=True)  # first: on a full disk it frees room
        zh, en = failure_messages(code, details)
        report = {"error": {"code": code, "message": details, **({"debug": debug} if debug else {})}}
        if self._when_stored(lambda: self.store.fail(task.task_id, owner, code, zh, en, report)):
            self._notify(task.task_id)

    def _notify(self, task_id: str) -> None:
        task = self._when_stored(lambda: self.store.get(task_id))
        if task is not None and task.callback_url:
            payload = task.status_fields(self.video_url(task))
            self._when_stored(lambda: self.callbacks.send(task.task_id, task.callback_url or "", payload))

    # --- the child process ---

    @contextlib.contextmanager
    def _child(self, owner: str, spec: dict[str, Any], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
        """A render process for `owner`, killed (its whole group) when the block ends or the pool stops."""
        from capcut_mate.services import render_process_environment

        read_fd, write_fd = os.pipe()
        spec = {**spec, "parent_fd": read_fd}
        try:
            with open(log_path, "wb") as log_file:
                child = subprocess.Popen(
                    [sys.executable, "-m", "capcut_mate.jobs.render_one", json.dumps(spec)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=log_file,
                    pass_fds=(read_fd,),
                    env=render_process_environment(self.settings),
                    # Its own process group (killed as one, ffmpeg included) but the server's session: with
                    # sched_autogroup each new session is scheduled as an equal peer, and the render's low
                    # priority would count only inside it, so the API would no longer win the CPU.
                    process_group=0,
                )
        except BaseException:
            os.close(write_fd)
            raise
        finally:
            os.close(read_fd)
        with self._children_lock:
            self._children[owner] = child
        if self._stop.is_set():
            _kill_group(child)
        try:
            yield child
        finally:
            os.close(write_fd)
            _kill_group(child)
            child.wait()
            with self._children_lock:
                self._children.pop(owner, None)

    def _run_child(self, task: Task, owner: str, spec: dict[str, Any], log_path: Path) -> _Outcome:
        with self._child(owner, spec, log_path) as child:
            return self._follow(task, owner, child, log_path)

    def _follow(self, task: Task, owner: str, child: subprocess.Popen[bytes], log_path: Path) -> _Outcome:
        """Read the render's events into the task record while a heartbeat keeps the task's lease."""
        outcome = _Outcome()
        lost = threading.Event()
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(task, owner, child, lost, done), daemon=True)
        beat.start()
        current = task.progress
        quiet_until = 0.0  # after a progress write met an outage, the next waits this long
        try:
            assert child.stdout is not None
            for raw in child.stdout:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if "helpers" in event:
                    self._wake_helpers(task.task_id, int(event["helpers"]))
                elif "result" in event:
                    outcome.report = event["result"]
                elif "error" in event:
                    outcome.code = str(event["error"].get("code", ""))
                    outcome.message = str(event["error"].get("message", ""))
                    outcome.debug = event["error"].get("debug") or None
                elif "stage" in event:
                    value = progress.stage_progress(str(event["stage"]), float(event.get("fraction") or 0.0))
                    if value > current and time.monotonic() >= quiet_until:
                        try:
                            kept = self.store.advance(
                                task.task_id, owner, value, progress.milestone_between(current, value)
                            )
                        except Exception as exc:
                            if unavailable(exc) is None:
                                raise
                            log.warning("progress of task %s not written: %r", task.task_id, exc)
                            quiet_until = time.monotonic() + PROGRESS_QUIET_S  # the render goes on meanwhile
                            continue
                        if not kept:
                            lost.set()
                            _kill_group(child)
                            break
                        current = value
            outcome.returncode = child.wait()
        finally:
            done.set()
            beat.join()
        outcome.lost = lost.is_set() or (self._stop.is_set() and outcome.report is None and not outcome.code)
        if outcome.report is None and not outcome.code:
            outcome.log_tail = _tail(log_path)
        return outcome

    def _wake_helpers(self, task_id: str, count: int) -> None:
        try:
            self.queue.wake_helpers(task_id, count)
        except Exception:  # the render goes on: this worker takes every unit itself
            log.exception("asking for helpers with task %s failed", task_id)

    def _heartbeat(
        self, task: Task, owner: str, child: subprocess.Popen[bytes], lost: threading.Event, done: threading.Event
    ) -> None:
        while not done.wait(self.lease_s / 3):
            try:
                if not self.store.renew(task.task_id, owner, self.lease_s):
                    log.warning("lost the lease of task %s; stopping its render", task.task_id)
                    lost.set()
                    _kill_group(child)
                    return
            except Exception:
                log.exception("renewing the lease of task %s failed", task.task_id)

    # --- housekeeping ---

    def _maintain_farm(self, farm: RenderFarm) -> None:
        """Chunks held by dead processes on this host are claimable at once; the scratch of renders that
        ended without cleaning up (their parent died for good) goes; so do dead helpers' folders."""
        for owner in farm.chunks.running_owners():
            if self._owner_is_dead(owner) and farm.chunks.release_owner(owner):
                log.info("the chunks %s was rendering, which is gone, are claimable again", owner)
        for task_id in farm.chunks.orphans():
            farm.clean(task_id)
        if self.help_root.is_dir():
            for path in self.help_root.iterdir():
                pid, _, rest = path.name.partition("-")
                if self._owner_is_dead(f"{self.host}:{pid}:{rest}"):
                    shutil.rmtree(path, ignore_errors=True)

    def _maintenance_loop(self) -> None:
        while not self._stop.wait(MAINTENANCE_S):
            try:
                self._maintain()
            except Exception:
                log.exception("render maintenance failed")

    def _owner_is_dead(self, owner: str) -> bool:
        """An owner on this host whose process is gone, or one claiming our pid with another token (a
        restarted container often gets the same pid). Owners on other hosts wait for their lease to end."""
        host, pid_text, token = [*owner.split(":"), "", ""][:3]
        if host != self.host or not pid_text.isdigit():
            return False
        if int(pid_text) == os.getpid():
            return not token.startswith(f"{self.token}-")
        return not _pid_alive(int(pid_text))

    def _maintain(self) -> None:
        for owner in self.store.processing_owners():
            if self._owner_is_dead(owner) and self.store.expire_owner(owner):
                log.info("the render tasks of %s, which is gone, are claimable again", owner)
        stale = [path for path in self.render_root.iterdir() if path.is_dir()]
        if stale:
            running = self.store.processing_ids()
            for path in stale:
                if path.name not in running:
                    shutil.rmtree(path, ignore_errors=True)
        if self.farm is not None:
            self._maintain_farm(self.farm)
        if time.monotonic() - self._last_prune > PRUNE_EVERY_S:
            self._last_prune = time.monotonic()
            for relative in self.store.prune(self.settings.task_retention_days):
                self.storage.delete(f"outputs/{relative}")


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)


def _tail(path: Path, limit: int = 600) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return text[-limit:]
