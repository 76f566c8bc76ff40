"""Render tasks in SQLite: the seed's state machine, atomic claims with leases, and each task's history.

States: pending (0) -> processing (10..90) -> completed (100) | failed (0). At most one pending/processing
task per draft (a partial unique index enforces it across processes). A worker claims a task with one
UPDATE that only matches claimable rows and holds a lease it renews; every later write is guarded by the
lease owner, so a worker that lost its lease can no longer touch the task. A processing task whose lease
expired (its worker died) is claimable again; it stays `processing` and its progress never moves back,
so pollers only ever see progress go up.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from capcut_mate.db import Database
from capcut_mate.errors import ApiError
from capcut_mate.jobs.outbox import SqliteOutbox

PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"
ACTIVE = (PENDING, PROCESSING)
MAX_ATTEMPTS = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS render_tasks (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id       TEXT NOT NULL UNIQUE,
    draft_id      TEXT NOT NULL,
    draft_url     TEXT NOT NULL,
    status        TEXT NOT NULL,
    progress      INTEGER NOT NULL DEFAULT 0,
    output_path   TEXT NOT NULL DEFAULT '',
    error_code    TEXT NOT NULL DEFAULT '',
    error_zh      TEXT NOT NULL DEFAULT '',
    error_en      TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    completed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires REAL,
    callback_url  TEXT,
    report        TEXT
);
CREATE INDEX IF NOT EXISTS render_tasks_by_draft ON render_tasks (draft_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS render_tasks_one_active
    ON render_tasks (draft_id) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_queue ON render_tasks (seq) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS render_tasks_finished ON render_tasks (completed_at) WHERE completed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS render_task_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  TEXT NOT NULL,
    at       TEXT NOT NULL,
    status   TEXT NOT NULL,
    progress INTEGER NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS render_task_events_by_task ON render_task_events (task_id, id);
"""


def now_iso() -> str:
    """ISO-8601 UTC with milliseconds and Z: the API's time format, and it sorts as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def interrupted_messages() -> tuple[str, str]:
    """(zh, en) for a task whose render died MAX_ATTEMPTS times."""
    zh = f"渲染进程已连续 {MAX_ATTEMPTS} 次意外中断(进程被终止或内存不足),请检查服务器资源后重新提交"
    en = f"the render process died {MAX_ATTEMPTS} times (killed, out of memory); check the server, resubmit"
    return zh, en


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


class TaskStore:
    """All reads and writes of render tasks. Safe for many threads and processes on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(_SCHEMA)
        self._local = threading.local()

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection, kept open: a fresh one re-reads the schema (~2 ms), a kept one
        answers an indexed SELECT in well under a millisecond. In autocommit mode each SELECT sees the
        latest committed state, and WAL readers never wait on writers."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db.path, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

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
        """The draft's active task if it has one (created=False), else a new pending task, handed to
        `enqueue` once committed.

        SERVICE_BUSY when `max_active` tasks are already pending or processing. `options` (gen_video's
        output choices) wait in the report column as {"options": ...} until the render report replaces it.
        """
        task, created = self._submit(draft_id, draft_url, callback_url, max_active, options)
        if created and enqueue is not None:
            enqueue(task, None)
        return task, created

    def _submit(
        self, draft_id: str, draft_url: str, callback_url: str | None, max_active: int, options: dict[str, Any] | None
    ) -> tuple[Task, bool]:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM render_tasks WHERE draft_id = ? AND status IN ('pending', 'processing')", (draft_id,)
            ).fetchone()
            if row is not None:
                return Task.from_row(row), False
            active = conn.execute(
                "SELECT COUNT(*) FROM render_tasks WHERE status IN ('pending', 'processing')"
            ).fetchone()[0]
            if active >= max_active:
                raise ApiError(
                    "SERVICE_BUSY",
                    f"{active} render tasks are waiting or running, the limit is {max_active} "
                    "(CAPCUT_MATE_MAX_ACTIVE_TASKS); retry when gen_video_active_count drops",
                )
            task_id = uuid.uuid4().hex
            now = now_iso()
            conn.execute(
                "INSERT INTO render_tasks (task_id, draft_id, draft_url, status, progress, created_at, callback_url,"
                " report) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)",
                (
                    task_id,
                    draft_id,
                    draft_url,
                    now,
                    callback_url,
                    json.dumps({"options": options}) if options else None,
                ),
            )
            _event(conn, task_id, PENDING, 0, "submitted")
            row = conn.execute("SELECT * FROM render_tasks WHERE task_id = ?", (task_id,)).fetchone()
            return Task.from_row(row), True

    def latest(self, draft_id: str) -> Task | None:
        """The draft's most recent task: one indexed lookup, no write lock."""
        row = (
            self._reader()
            .execute("SELECT * FROM render_tasks WHERE draft_id = ? ORDER BY seq DESC LIMIT 1", (draft_id,))
            .fetchone()
        )
        return Task.from_row(row) if row else None

    def get(self, task_id: str) -> Task | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM render_tasks WHERE task_id = ?", (task_id,)).fetchone()
        return Task.from_row(row) if row else None

    def recent(self, limit: int) -> list[Task]:
        """The newest tasks of all drafts, newest first (the console's task list)."""
        rows = self._reader().execute("SELECT * FROM render_tasks ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [Task.from_row(row) for row in rows]

    def active_count(self) -> int:
        query = "SELECT COUNT(*) FROM render_tasks WHERE status IN ('pending', 'processing')"
        return self._reader().execute(query).fetchone()[0]

    def events(self, task_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT at, status, progress, note FROM render_task_events WHERE task_id = ? ORDER BY id", (task_id,)
            ).fetchall()
        return [dict(row) for row in rows]

    # --- the worker side: claim, progress, finish ---

    def claim(self, owner: str, lease_s: float) -> Task | None:
        """Atomically take the oldest claimable task: pending, or processing with an expired lease.

        Tasks that already died MAX_ATTEMPTS times fail instead of being retried forever.
        """
        now = time.time()
        claimable = (
            "SELECT 1 FROM render_tasks WHERE status IN ('pending', 'processing')"
            " AND (status = 'pending' OR lease_expires < ?) LIMIT 1"
        )
        if self._reader().execute(claimable, (now,)).fetchone() is None:
            return None  # idle polls never take the write lock
        with self.db.transaction() as conn:
            for row in conn.execute(
                "SELECT task_id FROM render_tasks WHERE status = 'processing' AND lease_expires < ? AND attempts >= ?",
                (now, MAX_ATTEMPTS),
            ).fetchall():
                self._fail(conn, row["task_id"], None, "RENDER_INTERRUPTED", *interrupted_messages())
            row = conn.execute(
                "UPDATE render_tasks SET status = 'processing', progress = MAX(progress, 10),"
                " started_at = COALESCE(started_at, ?), attempts = attempts + 1, lease_owner = ?, lease_expires = ?"
                " WHERE seq = (SELECT seq FROM render_tasks WHERE status IN ('pending', 'processing')"
                "   AND (status = 'pending' OR lease_expires < ?) ORDER BY seq LIMIT 1)"
                " RETURNING *",
                (now_iso(), owner, now + lease_s, now),
            ).fetchone()
            if row is None:
                return None
            task = Task.from_row(row)
            note = f"claimed by {owner}" + (f" (attempt {task.attempts})" if task.attempts > 1 else "")
            _event(conn, task.task_id, PROCESSING, task.progress, note)
            return task

    def renew(self, task_id: str, owner: str, lease_s: float) -> bool:
        """Extend the lease; False means it was lost and the render must stop."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET lease_expires = ? WHERE task_id = ? AND lease_owner = ?"
                " AND status = 'processing'",
                (time.time() + lease_s, task_id, owner),
            )
            return cur.rowcount == 1

    def advance(self, task_id: str, owner: str, progress: int, note: str = "") -> bool:
        """Raise progress (never lowers it); a non-empty `note` also records a history event."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET progress = MAX(progress, ?) WHERE task_id = ? AND lease_owner = ?"
                " AND status = 'processing'",
                (progress, task_id, owner),
            )
            if cur.rowcount == 1 and note:
                _event(conn, task_id, PROCESSING, progress, note)
            return cur.rowcount == 1

    def complete(self, task_id: str, owner: str, output_path: str, report: dict[str, Any]) -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET status = 'completed', progress = 100, output_path = ?, report = ?,"
                " completed_at = ?, lease_owner = NULL, lease_expires = NULL"
                " WHERE task_id = ? AND lease_owner = ? AND status = 'processing'",
                (output_path, json.dumps(report, ensure_ascii=False), now_iso(), task_id, owner),
            )
            if cur.rowcount == 1:
                _event(conn, task_id, COMPLETED, 100, output_path)
            return cur.rowcount == 1

    def fail(self, task_id: str, owner: str, code: str, zh: str, en: str, report: dict[str, Any] | None = None) -> bool:
        with self.db.transaction() as conn:
            return self._fail(conn, task_id, owner, code, zh, en, report)

    @staticmethod
    def _fail(
        conn: sqlite3.Connection,
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
                json.dumps(report, ensure_ascii=False) if report else None,
                now_iso(),
                task_id,
                *((owner,) if owner is not None else ()),
            ),
        )
        if cur.rowcount == 1:
            _event(conn, task_id, FAILED, 0, f"{code}: {en}")
        return cur.rowcount == 1

    def release(self, task_id: str, owner: str, note: str) -> None:
        """Give a task back (worker shutting down): it becomes claimable at once, progress kept."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE render_tasks SET lease_owner = NULL, lease_expires = 0"
                " WHERE task_id = ? AND lease_owner = ? AND status = 'processing'",
                (task_id, owner),
            )
            if cur.rowcount == 1:
                row = conn.execute("SELECT progress FROM render_tasks WHERE task_id = ?", (task_id,)).fetchone()
                _event(conn, task_id, PROCESSING, row["progress"], note)

    def outbox(self) -> SqliteOutbox:
        """The callback outbox, in the same database."""
        return SqliteOutbox(self.db)

    def note(self, task_id: str, note: str) -> None:
        """Record a history event without changing the task (callback outcomes)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT status, progress FROM render_tasks WHERE task_id = ?", (task_id,)).fetchone()
            if row is not None:
                _event(conn, task_id, row["status"], row["progress"], note)

    # --- housekeeping ---

    def processing_owners(self) -> list[str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT lease_owner FROM render_tasks WHERE status = 'processing' AND lease_owner IS NOT NULL"
            ).fetchall()
        return [row[0] for row in rows]

    def expire_owner(self, owner: str) -> int:
        """Make every lease of a dead owner claimable now (no need to wait for the lease to run out)."""
        with self.db.transaction() as conn:
            rows = conn.execute(
                "UPDATE render_tasks SET lease_expires = 0 WHERE lease_owner = ? AND status = 'processing'"
                " RETURNING task_id, progress",
                (owner,),
            ).fetchall()
            for row in rows:
                _event(conn, row["task_id"], PROCESSING, row["progress"], f"owner {owner} is gone; requeued")
            return len(rows)

    def processing_ids(self) -> set[str]:
        with self.db.read() as conn:
            return {row[0] for row in conn.execute("SELECT task_id FROM render_tasks WHERE status = 'processing'")}

    def prune(self, retention_days: float) -> list[str]:
        """Delete finished tasks older than the retention; returns their output paths to delete."""
        cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat(timespec="milliseconds")
        cutoff = cutoff.replace("+00:00", "Z")
        with self.db.transaction() as conn:
            rows = conn.execute(
                "DELETE FROM render_tasks WHERE completed_at IS NOT NULL AND completed_at < ?"
                " AND status IN ('completed', 'failed') RETURNING task_id, output_path",
                (cutoff,),
            ).fetchall()
            conn.executemany("DELETE FROM render_task_events WHERE task_id = ?", [(row[0],) for row in rows])
        return [row[1] for row in rows if row[1]]


def _event(conn: sqlite3.Connection, task_id: str, status: str, progress: int, note: str) -> None:
    conn.execute(
        "INSERT INTO render_task_events (task_id, at, status, progress, note) VALUES (?, ?, ?, ?, ?)",
        (task_id, now_iso(), status, progress, note),
    )
