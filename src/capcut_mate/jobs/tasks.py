"""Render tasks: the record, and its state machine written once for SQLite and PostgreSQL (jobs/dialect.py).

States: pending (0) -> processing (10..90) -> completed (100) | failed (0). At most one pending/processing
task per draft (a partial unique index enforces it across processes and machines). A worker takes a task
with one UPDATE that only matches claimable rows and holds a lease it renews; every later write is guarded
by the lease owner, so a worker that lost its lease can no longer touch the task. A processing task whose
lease expired (its worker died) is claimable again; it stays `processing` and its progress never moves
back, so pollers only ever see progress go up. A task whose database or bucket blinked is handed back with
a lease that runs out after a back-off (`retry_later`): retried, never failed, never counted as a death.
How a worker finds the task to take differs: the embedded store claims the oldest claimable one
(jobs/store.py), a cluster worker the one its queue job names (jobs/pg_store.py).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from capcut_mate.errors import ApiError
from capcut_mate.jobs.dialect import Connection, Dialect, now_iso
from capcut_mate.jobs.outbox import Outbox

PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"
MAX_ATTEMPTS = 3
RETRY_NOTE = "retry"  # history events of retries after an outage start with it (counted for the back-off)


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
    def from_row(cls, row: Any) -> Task:
        """From a sqlite3.Row or a psycopg dict row (whose JSONB report is already a dict)."""
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
            report=json.loads(row["report"]) if isinstance(row["report"], str) else row["report"],
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


class BaseTaskStore:
    """All reads and writes of render tasks but the claim. Safe for many threads and processes on one database."""

    # True: the queue writes its job in the task's own transaction, so the two are committed together or not
    # at all (procrastinate, in the same PostgreSQL). False: the queue only wakes this process's workers,
    # which must find the task committed.
    enqueue_in_transaction = True

    def __init__(self, sql: Dialect) -> None:
        self.sql = sql

    # --- submission and queries (API side) ---

    def submit(
        self,
        draft_id: str,
        draft_url: str,
        callback_url: str | None,
        max_active: int,
        options: dict[str, Any] | None = None,
        enqueue: Callable[[Task, Any], None] | None = None,
    ) -> tuple[Task, bool]:
        """The draft's active task if it has one (created=False), else a new pending task, handed to `enqueue`.

        SERVICE_BUSY when `max_active` tasks are already pending or processing. `options` (gen_video's
        output choices) wait in the report column as {"options": ...} until the render report replaces it.
        """
        with self.sql.transaction() as conn:
            task, created = self._find_or_create(conn, draft_id, draft_url, callback_url, max_active, options)
            if created and enqueue is not None and self.enqueue_in_transaction:
                enqueue(task, conn.raw)
        if created and enqueue is not None and not self.enqueue_in_transaction:
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
        self.sql.serialise(conn, f"render:{draft_id}")
        row = conn.execute(
            "SELECT * FROM render_tasks WHERE draft_id = ? AND status IN ('pending', 'processing')", (draft_id,)
        ).fetchone()
        if row is not None:
            return Task.from_row(row), False
        active = conn.execute(
            "SELECT COUNT(*) AS n FROM render_tasks WHERE status IN ('pending', 'processing')"
        ).fetchone()["n"]
        if active >= max_active:
            raise ApiError(
                "SERVICE_BUSY",
                f"{active} render tasks are waiting or running, the limit is {max_active} "
                "(CAPCUT_MATE_MAX_ACTIVE_TASKS); retry when gen_video_active_count drops",
            )
        row = conn.execute(
            "INSERT INTO render_tasks (task_id, draft_id, draft_url, status, progress, created_at, callback_url,"
            " report) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?) RETURNING *",
            (
                uuid.uuid4().hex,
                draft_id,
                draft_url,
                now_iso(),
                callback_url,
                self.sql.json_param({"options": options}) if options else None,
            ),
        ).fetchone()
        _event(conn, row["task_id"], PENDING, 0, "submitted")
        return Task.from_row(row), True

    def latest(self, draft_id: str) -> Task | None:
        """The draft's most recent task: one indexed lookup, no write lock."""
        with self.sql.read() as conn:
            row = conn.execute(
                "SELECT * FROM render_tasks WHERE draft_id = ? ORDER BY seq DESC LIMIT 1", (draft_id,)
            ).fetchone()
        return Task.from_row(row) if row else None

    def get(self, task_id: str) -> Task | None:
        with self.sql.read() as conn:
            row = conn.execute("SELECT * FROM render_tasks WHERE task_id = ?", (task_id,)).fetchone()
        return Task.from_row(row) if row else None

    def recent(self, limit: int) -> list[Task]:
        """The newest tasks of all drafts, newest first (the console's task list)."""
        with self.sql.read() as conn:
            rows = conn.execute("SELECT * FROM render_tasks ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [Task.from_row(row) for row in rows]

    def ping(self) -> None:
        """One round trip to the database (readiness); raises when it does not answer."""
        with self.sql.read() as conn:
            conn.execute("SELECT 1").fetchone()

    def active_count(self) -> int:
        with self.sql.read() as conn:
            query = "SELECT COUNT(*) AS n FROM render_tasks WHERE status IN ('pending', 'processing')"
            return conn.execute(query).fetchone()["n"]

    def events(self, task_id: str) -> list[dict[str, Any]]:
        with self.sql.read() as conn:
            rows = conn.execute(
                "SELECT at, status, progress, note FROM render_task_events WHERE task_id = ? ORDER BY id", (task_id,)
            ).fetchall()
        return [dict(row) for row in rows]

    # --- the worker side: take, progress, finish ---

    def _take(self, conn: Connection, where: str, params: Sequence[Any], owner: str, lease_s: float) -> Task | None:
        """Lease the claimable task that `where` matches to `owner`: processing, progress at least 10, one
        more attempt. None when nothing matched."""
        until, until_param = self.sql.lease_until(lease_s)
        row = conn.execute(
            f"UPDATE render_tasks SET status = 'processing', progress = {self.sql.greatest}(progress, 10),"
            " started_at = COALESCE(started_at, ?), attempts = attempts + 1, lease_owner = ?,"
            f" lease_expires = {until} WHERE {where} RETURNING *",
            (now_iso(), owner, until_param, *params),
        ).fetchone()
        if row is None:
            return None
        task = Task.from_row(row)
        note = f"claimed by {owner}" + (f" (attempt {task.attempts})" if task.attempts > 1 else "")
        _event(conn, task.task_id, PROCESSING, task.progress, note)
        return task

    def _give_up(self, conn: Connection, task_id: str) -> None:
        """A task whose render died MAX_ATTEMPTS times fails instead of being retried forever."""
        zh = f"渲染进程已连续 {MAX_ATTEMPTS} 次意外中断(进程被终止或内存不足),请检查服务器资源后重新提交"
        en = f"the render process died {MAX_ATTEMPTS} times (killed, out of memory); check the server, resubmit"
        self._fail(conn, task_id, None, "RENDER_INTERRUPTED", zh, en)

    def renew(self, task_id: str, owner: str, lease_s: float) -> bool:
        """Extend the lease; False means it was lost and the render must stop."""
        with self.sql.transaction() as conn:
            until, until_param = self.sql.lease_until(lease_s)
            cur = conn.execute(
                f"UPDATE render_tasks SET lease_expires = {until} WHERE task_id = ? AND lease_owner = ?"
                " AND status = 'processing'",
                (until_param, task_id, owner),
            )
            return cur.rowcount == 1

    def advance(self, task_id: str, owner: str, progress: int, note: str = "") -> bool:
        """Raise progress (never lowers it); a non-empty `note` also records a history event."""
        with self.sql.transaction() as conn:
            cur = conn.execute(
                f"UPDATE render_tasks SET progress = {self.sql.greatest}(progress, ?) WHERE task_id = ?"
                " AND lease_owner = ? AND status = 'processing'",
                (progress, task_id, owner),
            )
            if cur.rowcount == 1 and note:
                _event(conn, task_id, PROCESSING, progress, note)
            return cur.rowcount == 1

    def complete(self, task_id: str, owner: str, output_path: str, report: dict[str, Any]) -> bool:
        with self.sql.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET status = 'completed', progress = 100, output_path = ?, report = ?,"
                " completed_at = ?, lease_owner = NULL, lease_expires = NULL"
                " WHERE task_id = ? AND lease_owner = ? AND status = 'processing'",
                (output_path, self.sql.json_param(report), now_iso(), task_id, owner),
            )
            if cur.rowcount == 1:
                _event(conn, task_id, COMPLETED, 100, output_path)
            return cur.rowcount == 1

    def fail(self, task_id: str, owner: str, code: str, zh: str, en: str, report: dict[str, Any] | None = None) -> bool:
        with self.sql.transaction() as conn:
            return self._fail(conn, task_id, owner, code, zh, en, report)

    def _fail(
        self,
        conn: Connection,
        task_id: str,
        owner: str | None,
        code: str,
        zh: str,
        en: str,
        report: dict[str, Any] | None = None,
    ) -> bool:
        """Mark failed; `report` (the error and, for renderer bugs, what ffmpeg refused) replaces the old one."""
        guard = " AND lease_owner = ?" if owner is not None else ""
        cur = conn.execute(
            "UPDATE render_tasks SET status = 'failed', progress = 0, error_code = ?, error_zh = ?, error_en = ?,"
            " report = ?, completed_at = ?, lease_owner = NULL, lease_expires = NULL"
            f" WHERE task_id = ? AND status = 'processing'{guard}",
            (
                code,
                zh,
                en,
                self.sql.json_param(report) if report else None,
                now_iso(),
                task_id,
                *((owner,) if owner is not None else ()),
            ),
        )
        if cur.rowcount == 1:
            _event(conn, task_id, FAILED, 0, f"{code}: {en}")
        return cur.rowcount == 1

    def retry_later(
        self,
        task_id: str,
        owner: str,
        why: str,
        backoff: Callable[[int], float],
        enqueue: Callable[[Task, Any], None] | None = None,
    ) -> float | None:
        """Hand a task back after a dependency blinked (outages.py): claimable again in `backoff(n)` seconds,
        n counting this task's earlier such retries; progress kept, and the attempt not counted as a death
        (a database restart must not use up MAX_ATTEMPTS). `enqueue` (cluster queue) writes the job that
        takes it again, in this transaction. Returns the delay, or None when `owner` no longer held it."""
        with self.sql.transaction() as conn:
            retries = conn.execute(
                "SELECT COUNT(*) AS n FROM render_task_events WHERE task_id = ? AND note LIKE ?",
                (task_id, f"{RETRY_NOTE}%"),
            ).fetchone()["n"]
            delay = backoff(int(retries))
            until, until_param = self.sql.lease_until(delay)
            row = conn.execute(
                f"UPDATE render_tasks SET lease_owner = NULL, lease_expires = {until},"
                f" attempts = {self.sql.greatest}(attempts - 1, 0)"
                " WHERE task_id = ? AND lease_owner = ? AND status = 'processing' RETURNING *",
                (until_param, task_id, owner),
            ).fetchone()
            if row is None:
                return None
            task = Task.from_row(row)
            _event(conn, task_id, PROCESSING, task.progress, f"{RETRY_NOTE} in {delay:.0f} s: {why}")
            if enqueue is not None and self.enqueue_in_transaction:
                enqueue(task, conn.raw)
        return delay

    def release(self, task_id: str, owner: str, note: str) -> None:
        """Give a task back (worker shutting down): it becomes claimable at once, progress kept."""
        with self.sql.transaction() as conn:
            row = conn.execute(
                "UPDATE render_tasks SET lease_owner = NULL, lease_expires = 0"
                " WHERE task_id = ? AND lease_owner = ? AND status = 'processing' RETURNING progress",
                (task_id, owner),
            ).fetchone()
            if row is not None:
                _event(conn, task_id, PROCESSING, row["progress"], note)

    def outbox(self) -> Outbox:
        """The callback outbox, in the same database."""
        return Outbox(self.sql)

    def note(self, task_id: str, note: str) -> None:
        """Record a history event without changing the task (callback outcomes)."""
        with self.sql.transaction() as conn:
            row = conn.execute("SELECT status, progress FROM render_tasks WHERE task_id = ?", (task_id,)).fetchone()
            if row is not None:
                _event(conn, task_id, row["status"], row["progress"], note)

    # --- housekeeping ---

    def processing_owners(self) -> list[str]:
        with self.sql.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT lease_owner FROM render_tasks WHERE status = 'processing' AND lease_owner IS NOT NULL"
            ).fetchall()
        return [row["lease_owner"] for row in rows]

    def expire_owner(self, owner: str) -> int:
        """Make every lease of a dead owner claimable now (no need to wait for the lease to run out)."""
        with self.sql.transaction() as conn:
            rows = conn.execute(
                "UPDATE render_tasks SET lease_expires = 0 WHERE lease_owner = ? AND status = 'processing'"
                " RETURNING task_id, progress",
                (owner,),
            ).fetchall()
            for row in rows:
                _event(conn, row["task_id"], PROCESSING, row["progress"], f"owner {owner} is gone; requeued")
            return len(rows)

    def processing_ids(self) -> set[str]:
        with self.sql.read() as conn:
            rows = conn.execute("SELECT task_id FROM render_tasks WHERE status = 'processing'").fetchall()
        return {row["task_id"] for row in rows}

    def prune(self, retention_days: float) -> list[str]:
        """Delete finished tasks older than the retention; returns their output paths to delete."""
        cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat(timespec="milliseconds")
        cutoff = cutoff.replace("+00:00", "Z")
        with self.sql.transaction() as conn:
            rows = conn.execute(
                "DELETE FROM render_tasks WHERE completed_at IS NOT NULL AND completed_at < ?"
                " AND status IN ('completed', 'failed') RETURNING task_id, output_path",
                (cutoff,),
            ).fetchall()
            gone = [(row["task_id"],) for row in rows]
            conn.executemany("DELETE FROM render_task_events WHERE task_id = ?", gone)
            conn.executemany("DELETE FROM callback_outbox WHERE task_id = ? AND state <> 'pending'", gone)
        return [row["output_path"] for row in rows if row["output_path"]]


def _event(conn: Connection, task_id: str, status: str, progress: int, note: str) -> None:
    conn.execute(
        "INSERT INTO render_task_events (task_id, at, status, progress, note) VALUES (?, ?, ?, ?, ?)",
        (task_id, now_iso(), status, progress, note),
    )
