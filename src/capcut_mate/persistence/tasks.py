"""Render tasks: the record, and its state machine, written once over the connector.

States: pending (0) -> processing (10..90) -> completed (100) | failed (0). At most one pending/processing
task per draft (a partial unique index enforces it across processes and machines). A worker takes a task
with one UPDATE that only matches claimable rows and holds a lease it renews; every later write is guarded
by the lease owner, so a worker that lost its lease can no longer touch the task. A processing task whose
lease expired (its worker died) is claimable again; it stays `processing` and its progress never moves
back, so pollers only ever see progress go up. A task whose database or bucket blinked is handed back with
a lease that runs out after a back-off (`retry_later`): retried, never failed, never counted as a death.

Two ways to take a task: `claim` takes the oldest claimable one (the embedded queue's worker threads), and
`claim_id` the one a queue job names (procrastinate in cluster mode), waiting while another owner's lease
is live. Leases are measured on the database's clock (connector.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from capcut_mate.errors import ApiError
from capcut_mate.persistence.connector import Connection, Connector, Row, json_value
from capcut_mate.persistence.outbox import Outbox
from capcut_mate.persistence.times import iso, now_iso

PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"
MAX_ATTEMPTS = 3
RETRY_NOTE = "retry"  # history events of retries after an outage start with it (counted for the back-off)

# Called with a new (or handed back) task and, where the queue lives in the same database, the driver's
# connection of the task's transaction (None otherwise).
Enqueue = Callable[["Task", Any], None]


@dataclass(frozen=True)
class Task:
    task_id: str
    draft_id: str
    draft_url: str
    status: str
    progress: int
    output_path: str
    error_code: str
    error_zh: str
    error_en: str
    created_at: str
    started_at: str | None
    completed_at: str | None
    attempts: int
    lease_owner: str | None
    callback_url: str | None
    report: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: Row) -> Task:
        return cls(
            task_id=row["task_id"],
            draft_id=row["draft_id"],
            draft_url=row["draft_url"],
            status=row["status"],
            progress=row["progress"],
            output_path=row["output_path"],
            error_code=row["error_code"],
            error_zh=row["error_zh"],
            error_en=row["error_en"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            completed_at=row["completed_at"],
            attempts=row["attempts"],
            lease_owner=row["lease_owner"],
            callback_url=row["callback_url"],
            report=json_value(row["report"]),
        )

    @property
    def output_key(self) -> str:
        """The rendered video's storage key ('' until completed)."""
        return f"outputs/{self.output_path}" if self.status == COMPLETED and self.output_path else ""

    def status_fields(self, video_url: str, lang: str = "zh") -> dict[str, Any]:
        """Exactly the seed's gen_video_status fields; `video_url` is the caller's download URL of the output."""
        return {
            "draft_url": self.draft_url,
            "status": self.status,
            "progress": self.progress,
            "video_url": video_url if self.output_key else "",
            "error_message": (self.error_en if lang == "en" else self.error_zh) if self.status == FAILED else "",
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
        }


class TaskStore:
    """All reads and writes of render tasks. Safe for many threads and processes on one database."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    # --- submission and queries (API side) ---

    def submit(
        self,
        draft_id: str,
        draft_url: str,
        callback_url: str | None,
        max_active: int,
        options: dict[str, Any] | None = None,
        enqueue: Enqueue | None = None,
    ) -> tuple[Task, bool]:
        """The draft's active task if it has one (created=False), else a new pending task, handed to `enqueue`.

        SERVICE_BUSY when `max_active` tasks are already pending or processing. `options` (gen_video's
        output choices) wait in the report column as {"options": ...} until the render report replaces it.
        Where the queue lives in this database its job is written in the task's own transaction, so the
        two are committed together or not at all; elsewhere the queue is woken once the task is committed.
        """
        with self.db.transaction() as conn:
            task, created = self._find_or_create(conn, draft_id, draft_url, callback_url, max_active, options)
            if created and enqueue is not None and self.db.hosts_queue:
                enqueue(task, conn.raw)
        if created and enqueue is not None and not self.db.hosts_queue:
            enqueue(task, None)
        return task, created

    def _find_or_create(
        self,
        conn: Connection,
        draft_id: str,
        draft_url: str,
        callback_url: str | None,
        max_active: int,
        options: dict[str, Any] | None,
    ) -> tuple[Task, bool]:
        # Serialise submissions of one draft across API servers; the unique index is the backstop.
        self.db.serialise(conn, f"render:{draft_id}")
        row = conn.one("task_active_of_draft", draft_id=draft_id)
        if row is not None:
            return Task.from_row(row), False
        active = conn.count("task_active_count")
        if active >= max_active:
            raise ApiError(
                "SERVICE_BUSY",
                f"{active} render tasks are waiting or running, the limit is {max_active} "
                "(CAPCUT_MATE_MAX_ACTIVE_TASKS); retry when gen_video_active_count drops",
            )
        row = conn.one(
            "task_insert",
            task_id=uuid.uuid4().hex,
            draft_id=draft_id,
            draft_url=draft_url,
            created_at=now_iso(),
            callback_url=callback_url,
            report=self.db.json_param({"options": options}) if options else None,
        )
        assert row is not None  # INSERT ... RETURNING
        _event(conn, row["task_id"], PENDING, 0, "submitted")
        return Task.from_row(row), True

    def latest(self, draft_id: str) -> Task | None:
        """The draft's most recent task: one indexed lookup, no write lock."""
        with self.db.read() as conn:
            row = conn.one("task_latest", draft_id=draft_id)
        return Task.from_row(row) if row else None

    def get(self, task_id: str) -> Task | None:
        with self.db.read() as conn:
            row = conn.one("task_get", task_id=task_id)
        return Task.from_row(row) if row else None

    def recent(self, limit: int) -> list[Task]:
        """The newest tasks of all drafts, newest first (the console's task list)."""
        with self.db.read() as conn:
            return [Task.from_row(row) for row in conn.all("task_recent", limit=limit)]

    def ping(self) -> None:
        """One round trip to the database (readiness); raises when it does not answer."""
        with self.db.read() as conn:
            conn.one("ping")

    def active_count(self) -> int:
        with self.db.read() as conn:
            return conn.count("task_active_count")

    def events(self, task_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return conn.all("task_events", task_id=task_id)

    # --- the worker side: take, progress, finish ---

    def claim(self, owner: str, lease_s: float) -> Task | None:
        """Atomically take the oldest claimable task: pending, or processing with an expired lease.

        Tasks that already died MAX_ATTEMPTS times fail instead of being retried forever.
        """
        with self.db.read() as conn:
            if conn.one("task_claimable_exists") is None:
                return None  # idle polls never take the write lock
        with self.db.transaction() as conn:
            for dead in conn.all("task_dead_too_often", max_attempts=MAX_ATTEMPTS):
                self._give_up(conn, dead["task_id"])
            oldest = conn.one("task_next")
            if oldest is None:
                return None
            return self._take(conn, oldest["task_id"], owner, lease_s)

    def claim_id(self, task_id: str, owner: str, lease_s: float) -> tuple[Task | None, float]:
        """Take this task if it is pending or its lease ran out: (task, 0). (None, wait_s) while another
        owner's lease is still live, (None, -1) when there is nothing to do (finished, gone, or failed here
        after MAX_ATTEMPTS deaths)."""
        with self.db.transaction() as conn:
            row = conn.one("task_lock", task_id=task_id)
            if row is None or row["status"] not in (PENDING, PROCESSING):
                return None, -1
            # a live lease: another owner's, or the back-off of a retry after an outage (no owner)
            if row["status"] == PROCESSING and (row["lease_expires"] or 0) > row["now"]:
                return None, float(row["lease_expires"] - row["now"])
            if row["status"] == PROCESSING and row["attempts"] >= MAX_ATTEMPTS:
                self._give_up(conn, task_id)
                return None, -1
            return self._take(conn, task_id, owner, lease_s), 0.0

    def _take(self, conn: Connection, task_id: str, owner: str, lease_s: float) -> Task:
        """Lease a task found claimable in this transaction to `owner`, with its history event."""
        row = conn.one("task_take", task_id=task_id, now=now_iso(), owner=owner, lease_s=lease_s)
        assert row is not None  # the row is locked by this transaction (SQLite: the write lock)
        task = Task.from_row(row)
        note = f"claimed by {owner}" + (f" (attempt {task.attempts})" if task.attempts > 1 else "")
        _event(conn, task.task_id, PROCESSING, task.progress, note)
        return task

    def _give_up(self, conn: Connection, task_id: str) -> None:
        """A task whose render died MAX_ATTEMPTS times fails instead of being retried forever."""
        code = "RENDER_INTERRUPTED"
        zh = f"渲染进程已连续 {MAX_ATTEMPTS} 次意外中断(进程被终止或内存不足),请检查服务器资源后重新提交"
        en = f"the render process died {MAX_ATTEMPTS} times (killed, out of memory); check the server, resubmit"
        if conn.run("task_give_up", task_id=task_id, code=code, zh=zh, en=en, now=now_iso()) == 1:
            _event(conn, task_id, FAILED, 0, f"{code}: {en}")

    def renew(self, task_id: str, owner: str, lease_s: float) -> bool:
        """Extend the lease; False means it was lost and the render must stop."""
        with self.db.transaction() as conn:
            return conn.run("task_renew", task_id=task_id, owner=owner, lease_s=lease_s) == 1

    def advance(self, task_id: str, owner: str, progress: int, note: str = "") -> bool:
        """Raise progress (never lowers it); a non-empty `note` also records a history event."""
        with self.db.transaction() as conn:
            moved = conn.run("task_advance", task_id=task_id, owner=owner, progress=progress) == 1
            if moved and note:
                _event(conn, task_id, PROCESSING, progress, note)
            return moved

    def complete(self, task_id: str, owner: str, output_path: str, report: dict[str, Any]) -> bool:
        with self.db.transaction() as conn:
            done = (
                conn.run(
                    "task_complete",
                    task_id=task_id,
                    owner=owner,
                    output_path=output_path,
                    report=self.db.json_param(report),
                    now=now_iso(),
                )
                == 1
            )
            if done:
                _event(conn, task_id, COMPLETED, 100, output_path)
            return done

    def fail(self, task_id: str, owner: str, code: str, zh: str, en: str, report: dict[str, Any] | None = None) -> bool:
        """Mark failed; `report` (the error and, for renderer bugs, what ffmpeg refused) replaces the old one."""
        with self.db.transaction() as conn:
            failed = (
                conn.run(
                    "task_fail",
                    task_id=task_id,
                    owner=owner,
                    code=code,
                    zh=zh,
                    en=en,
                    report=self.db.json_param(report) if report else None,
                    now=now_iso(),
                )
                == 1
            )
            if failed:
                _event(conn, task_id, FAILED, 0, f"{code}: {en}")
            return failed

    def retry_later(
        self,
        task_id: str,
        owner: str,
        why: str,
        backoff: Callable[[int], float],
        enqueue: Enqueue | None = None,
    ) -> float | None:
        """Hand a task back after a dependency blinked (outages.py): claimable again in `backoff(n)` seconds,
        n counting this task's earlier such retries; progress kept, and the attempt not counted as a death
        (a database restart must not use up MAX_ATTEMPTS). `enqueue` hands it to the queue again, as in
        `submit`. Returns the delay, or None when `owner` no longer held it."""
        with self.db.transaction() as conn:
            delay = backoff(conn.count("task_retry_count", task_id=task_id, prefix=f"{RETRY_NOTE}%"))
            row = conn.one("task_retry_later", task_id=task_id, owner=owner, delay=delay)
            if row is None:
                return None
            task = Task.from_row(row)
            _event(conn, task_id, PROCESSING, task.progress, f"{RETRY_NOTE} in {delay:.0f} s: {why}")
            if enqueue is not None and self.db.hosts_queue:
                enqueue(task, conn.raw)
        if enqueue is not None and not self.db.hosts_queue:
            enqueue(task, None)
        return delay

    def release(self, task_id: str, owner: str, note: str) -> None:
        """Give a task back (worker shutting down): it becomes claimable at once, progress kept."""
        with self.db.transaction() as conn:
            row = conn.one("task_release", task_id=task_id, owner=owner)
            if row is not None:
                _event(conn, task_id, PROCESSING, row["progress"], note)

    def outbox(self) -> Outbox:
        """The callback outbox, in the same database."""
        return Outbox(self.db)

    def note(self, task_id: str, note: str) -> None:
        """Record a history event without changing the task (callback outcomes)."""
        with self.db.transaction() as conn:
            row = conn.one("task_state", task_id=task_id)
            if row is not None:
                _event(conn, task_id, row["status"], row["progress"], note)

    # --- housekeeping ---

    def processing_owners(self) -> list[str]:
        with self.db.read() as conn:
            return [row["lease_owner"] for row in conn.all("task_owners")]

    def expire_owner(self, owner: str) -> int:
        """Make every lease of a dead owner claimable now (no need to wait for the lease to run out)."""
        with self.db.transaction() as conn:
            rows = conn.all("task_expire_owner", owner=owner)
            for row in rows:
                _event(conn, row["task_id"], PROCESSING, row["progress"], f"owner {owner} is gone; requeued")
            return len(rows)

    def processing_ids(self) -> set[str]:
        with self.db.read() as conn:
            return {row["task_id"] for row in conn.all("task_processing_ids")}

    def prune(self, retention_days: float) -> list[str]:
        """Delete finished tasks older than the retention; returns their output paths to delete."""
        cutoff = iso(time.time() - retention_days * 86400)
        with self.db.transaction() as conn:
            rows = conn.all("task_prune", cutoff=cutoff)
            gone = [{"task_id": row["task_id"]} for row in rows]
            conn.run_many("task_prune_events", gone)
            conn.run_many("task_prune_callbacks", gone)
        return [row["output_path"] for row in rows if row["output_path"]]


def _event(conn: Connection, task_id: str, status: str, progress: int, note: str) -> None:
    conn.run("task_event_insert", task_id=task_id, at=now_iso(), status=status, progress=progress, note=note)
